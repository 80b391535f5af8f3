//! Revocation from local inputs: a list of revoked thumbprints or serial numbers, and CRL
//! files (RFC 5280 §5, read with `x509-cert`'s CRL types).
//!
//! pqx works offline (no OCSP, no CRL download): the caller hands in what it knows. A CRL is
//! used only for certificates whose issuer name it carries, and only after its signature
//! verifies with that issuer's key from the chain — a CRL that claims an issuer but does not
//! verify is an error, never silently ignored, because ignoring it could let a revoked
//! certificate pass. Entries of a local list have no date: the certificate counts as revoked
//! at every time. A CRL entry has its `revocationDate`: a certificate revoked *after* a
//! trusted timestamp still verifies (that is what the timestamp proves), one revoked before it
//! does not.

use crate::algorithm::rsa_with_digest;
use crate::algorithm::verify_pkcs1v15;
use crate::certificate::{Certificate, SerialNumber};
use crate::error::{Error, Result};
use crate::trust::{Chain, ChainStatus, Thumbprint, TrustPolicy};
use der::{Decode, Encode};
use time::OffsetDateTime;
use x509_cert::crl::CertificateList;

/// Largest CRL file accepted.
pub const MAX_CRL_SIZE: usize = 16 << 20;

/// A parsed CRL that keeps the exact bytes its issuer signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Crl {
    list: CertificateList,
    tbs_der: Vec<u8>,
    issuer_der: Vec<u8>,
}

impl Crl {
    /// Parses one DER `CertificateList`.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let bad = |e: der::Error| Error::certificate(Some("CRL"), format!("malformed CRL: {e}"));
        let list = CertificateList::from_der(der).map_err(bad)?;
        let tbs_der = list.tbs_cert_list.to_der().map_err(bad)?;
        let issuer_der = list.tbs_cert_list.issuer.to_der().map_err(bad)?;
        Ok(Crl {
            list,
            tbs_der,
            issuer_der,
        })
    }

    /// Reads PEM (`X509 CRL` blocks) or DER, auto-detected like certificates.
    pub fn from_bytes_auto(bytes: &[u8]) -> Result<Vec<Self>> {
        if bytes.len() > MAX_CRL_SIZE {
            return Err(Error::LimitExceeded(format!(
                "CRL of {} bytes (limit {MAX_CRL_SIZE})",
                bytes.len()
            )));
        }
        if crate::certificate::pem::looks_like_pem(bytes) {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| Error::certificate(Some("CRL"), "PEM text is not UTF-8"))?;
            let blocks = crate::certificate::pem::parse_blocks(text)
                .map_err(|e| Error::certificate(Some("CRL"), e))?;
            let crls = blocks
                .iter()
                .filter(|b| b.label == "X509 CRL")
                .map(|b| Self::from_der(&b.der))
                .collect::<Result<Vec<_>>>()?;
            if crls.is_empty() {
                return Err(Error::certificate(
                    Some("CRL"),
                    "no X509 CRL block in PEM text",
                ));
            }
            Ok(crls)
        } else {
            Ok(vec![Self::from_der(bytes)?])
        }
    }

    /// Whether `issuer`'s key verifies this CRL's signature (names aside).
    fn verifies_with(&self, issuer: &Certificate) -> bool {
        let (Ok(digest), Ok(key), Some(sig)) = (
            rsa_with_digest(&self.list.signature_algorithm),
            issuer.rsa_public_key(),
            self.list.signature.as_bytes(),
        ) else {
            return false;
        };
        verify_pkcs1v15(&key, digest, &self.tbs_der, sig)
    }

    /// The revocation date of `cert` when this CRL lists its serial number.
    fn revocation_date(&self, cert: &Certificate) -> Option<OffsetDateTime> {
        let serial = &cert.inner().tbs_certificate.serial_number;
        self.list
            .tbs_cert_list
            .revoked_certificates
            .iter()
            .flatten()
            .find(|r| r.serial_number == *serial)
            .map(|r| crate::certificate::to_offset(r.revocation_date))
    }
}

/// Why a certificate counts as revoked.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Revocation {
    /// When, if the source says (a CRL does; a local list does not: revoked at every time).
    pub date: Option<OffsetDateTime>,
    /// Which input revoked it.
    pub source: RevocationSource,
}

/// The input that revoked a certificate: what an error message names, so that an admin knows
/// which list to look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RevocationSource {
    /// The revoked list (`--revoked`), by thumbprint.
    ListedThumbprint,
    /// The revoked list (`--revoked serial:…`), by serial number.
    ListedSerial,
    /// A CRL (`--crl`), verified with the issuer's certificate.
    Crl,
}

impl std::fmt::Display for RevocationSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RevocationSource::ListedThumbprint => "the revoked list (thumbprint)",
            RevocationSource::ListedSerial => "the revoked list (serial number)",
            RevocationSource::Crl => "a CRL",
        })
    }
}

/// Local revocation inputs (part of the [`TrustPolicy`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RevocationList {
    /// Revoked SHA-1 or SHA-256 thumbprints.
    pub thumbprints: Vec<Thumbprint>,
    /// Revoked serial numbers, of any issuer.
    pub serials: Vec<SerialNumber>,
    /// CRLs.
    pub crls: Vec<Crl>,
}

impl RevocationList {
    /// Whether nothing is revoked (then revocation costs nothing).
    pub fn is_empty(&self) -> bool {
        self.thumbprints.is_empty() && self.serials.is_empty() && self.crls.is_empty()
    }

    /// Adds one entry of a revoked list as the CLI takes it: `serial:HEX` for a serial
    /// number, otherwise a SHA-1 (40 hex) or SHA-256 (64 hex) thumbprint.
    pub fn revoke(&mut self, spec: &str) -> Result<()> {
        match spec.trim().strip_prefix("serial:") {
            Some(serial) => self.revoke_serial(serial),
            None => self.revoke_thumbprint(spec),
        }
    }

    /// Revokes a certificate by thumbprint (same syntax as [`TrustPolicy::pin_thumbprint`]).
    pub fn revoke_thumbprint(&mut self, hex: &str) -> Result<()> {
        let t = Thumbprint::parse(hex)?;
        if !self.thumbprints.contains(&t) {
            self.thumbprints.push(t);
        }
        Ok(())
    }

    /// Revokes every certificate with this serial number (hex, `:` and spaces allowed).
    pub fn revoke_serial(&mut self, hex: &str) -> Result<()> {
        let s = SerialNumber::parse(hex)?;
        if !self.serials.contains(&s) {
            self.serials.push(s);
        }
        Ok(())
    }

    /// Adds the CRLs of a PEM or DER file.
    pub fn add_crl_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        for crl in Crl::from_bytes_auto(bytes)? {
            if !self.crls.contains(&crl) {
                self.crls.push(crl);
            }
        }
        Ok(())
    }

    /// Whether `cert` is revoked, and since when. `issuer` is its issuer's certificate from
    /// the chain (the certificate itself for a root), which must verify any CRL naming that
    /// issuer: otherwise [`Error::Certificate`].
    pub fn revocation_of(
        &self,
        cert: &Certificate,
        issuer: Option<&Certificate>,
    ) -> Result<Option<Revocation>> {
        if self.thumbprints.iter().any(|t| t.matches(cert)) {
            return Ok(Some(Revocation {
                date: None,
                source: RevocationSource::ListedThumbprint,
            }));
        }
        if !self.serials.is_empty() && self.serials.contains(&SerialNumber::of(cert)) {
            return Ok(Some(Revocation {
                date: None,
                source: RevocationSource::ListedSerial,
            }));
        }
        let mut earliest: Option<OffsetDateTime> = None;
        for crl in self
            .crls
            .iter()
            .filter(|c| c.issuer_der == cert.issuer_der())
        {
            let Some(issuer) = issuer.filter(|i| i.subject_der() == cert.issuer_der()) else {
                return Err(Error::certificate(
                    Some("CRL"),
                    format!(
                        "a CRL of {} is given but that issuer's certificate is not in the chain of {}, so the CRL cannot be verified",
                        cert.issuer(),
                        cert.subject()
                    ),
                ));
            };
            if !crl.verifies_with(issuer) {
                return Err(Error::certificate(
                    Some("CRL"),
                    format!(
                        "the CRL naming {} as issuer is not signed by that issuer's key",
                        cert.issuer()
                    ),
                ));
            }
            if let Some(d) = crl.revocation_date(cert) {
                earliest = Some(earliest.map_or(d, |e| e.min(d)));
            }
        }
        Ok(earliest.map(|d| Revocation {
            date: Some(d),
            source: RevocationSource::Crl,
        }))
    }
}

/// Marks every chain element revoked at or before `at` with `Revoked` (and the chain
/// untrusted), and fails with [`Error::Certificate`] naming the first one. `at` is the time
/// the chain is evaluated at: the trusted timestamp's time, else now.
pub fn apply_revocation(chain: &mut Chain, policy: &TrustPolicy, at: OffsetDateTime) -> Result<()> {
    let list = &policy.revocation;
    if list.is_empty() {
        return Ok(());
    }
    let mut first_error = None;
    let certs: Vec<Certificate> = chain
        .elements
        .iter()
        .map(|e| e.certificate.clone())
        .collect();
    for (i, el) in chain.elements.iter_mut().enumerate() {
        let issuer = certs
            .get(i + 1)
            .or_else(|| certs.get(i).filter(|c| c.is_self_issued()));
        match list.revocation_of(&el.certificate, issuer) {
            Ok(Some(r)) if r.date.is_none_or(|d| d <= at) => {
                el.status.insert(ChainStatus::REVOKED);
                if first_error.is_none() {
                    first_error = Some(Error::certificate(
                        None,
                        format!(
                            "{} ({}) is revoked{} according to {}",
                            el.certificate.subject(),
                            el.certificate.thumbprint_sha1(),
                            r.date
                                .map(|d| format!(
                                    " since {}",
                                    crate::certificate::format_report_time(d)
                                ))
                                .unwrap_or_default(),
                            r.source
                        ),
                    ));
                }
            }
            Ok(_) => {}
            Err(e) => {
                el.status.insert(ChainStatus::REVOCATION_STATUS_UNKNOWN);
                if first_error.is_none() {
                    first_error = Some(e);
                }
            }
        }
    }
    chain.status = chain
        .elements
        .iter()
        .fold(ChainStatus::NO_ERROR, |acc, e| acc | e.status);
    match first_error {
        Some(e) => {
            chain.trust = None;
            Err(e)
        }
        None => Ok(()),
    }
}
