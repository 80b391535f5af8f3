//! X.509 certificates: thumbprints, names in .NET form, validity, key usage.
//!
//! A [`Certificate`] keeps the exact DER it was read from, because everything that
//! identifies a certificate in the Power Query world is computed over those bytes: Power BI's
//! `TrustedCertificateThumbprints` registry value holds the SHA-1 of the DER, and the OPC
//! signature embeds the DER verbatim. Re-encoding a parsed certificate could change the bytes
//! (and so the thumbprint) of a certificate that is not perfectly canonical, so pqx never does.
//!
//! Names, serial numbers and times are rendered the way .NET renders them, so that pqx's
//! reports line up with MakePQX's.

mod name;
pub(crate) mod pem;
mod serial;
mod sigalg;
mod usage;

pub use serial::SerialNumber;
pub use usage::KeyPurpose;

use crate::digest::DigestAlgorithm;
use crate::error::{Error, Result};
use const_oid::db::rfc5280::ID_KP_CODE_SIGNING;
use const_oid::db::rfc5280::{
    ANY_EXTENDED_KEY_USAGE, ID_CE_BASIC_CONSTRAINTS, ID_CE_EXT_KEY_USAGE,
};
use const_oid::ObjectIdentifier;
use der::asn1::AnyRef;
use der::{Decode, Encode, SliceReader, Tagged};
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, RsaPublicKey};
use time::OffsetDateTime;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage};

/// `rsaEncryption` (PKCS #1): the only public-key algorithm OPC signing in .NET accepts
/// in practice.
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// Largest RSA modulus pqx accepts in a certificate, in bits. `rsa` defaults to 4096; real
/// roots with 8192-bit keys exist, and the cost of a public-key operation at 16384 bits is
/// still small.
const MAX_RSA_BITS: usize = 16_384;

/// A parsed X.509 certificate that keeps its exact DER (thumbprints are over the DER).
#[derive(Clone, Debug)]
pub struct Certificate {
    der: Vec<u8>,
    /// The exact bytes of `tbsCertificate`, the part the issuer signed.
    tbs: Vec<u8>,
    /// DER of the subject and issuer names: issuer lookup compares them byte for byte, as
    /// Windows' `CertCompareCertificateName` does.
    subject_der: Vec<u8>,
    issuer_der: Vec<u8>,
    cert: x509_cert::Certificate,
}

impl PartialEq for Certificate {
    /// Two certificates are equal when their DER is: that is what makes them the same
    /// certificate to every relying party.
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Eq for Certificate {}

impl Certificate {
    /// Parses one DER certificate. Trailing bytes after the certificate are refused, so the
    /// kept DER is exactly the certificate. Fails with [`Error::Certificate`].
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let bad = |reason: String| Error::certificate(None, reason);
        let cert = x509_cert::Certificate::from_der(der)
            .map_err(|e| bad(format!("not an X.509 certificate: {e}")))?;
        let tbs = raw_tbs(der).ok_or_else(|| bad("cannot locate tbsCertificate".into()))?;
        let subject_der = cert
            .tbs_certificate
            .subject
            .to_der()
            .map_err(|e| bad(e.to_string()))?;
        let issuer_der = cert
            .tbs_certificate
            .issuer
            .to_der()
            .map_err(|e| bad(e.to_string()))?;
        Ok(Certificate {
            der: der.to_vec(),
            tbs,
            subject_der,
            issuer_der,
            cert,
        })
    }

    /// Parses the single `CERTIFICATE` block of a PEM text. Zero or several blocks is an
    /// error: callers that expect a chain use [`Certificate::chain_from_pem`].
    pub fn from_pem(pem: &str) -> Result<Self> {
        let mut chain = Self::chain_from_pem(pem)?;
        match chain.len() {
            1 => chain
                .pop()
                .ok_or_else(|| Error::certificate(None, "no CERTIFICATE block")),
            0 => Err(Error::certificate(None, "no CERTIFICATE block in PEM text")),
            n => Err(Error::certificate(
                None,
                format!("expected one certificate, found {n}"),
            )),
        }
    }

    /// Parses every `CERTIFICATE` block of a PEM text, in file order. Other blocks (keys) are
    /// skipped, so a combined key-and-chain file can be passed as is. No block is an error.
    pub fn chain_from_pem(pem: &str) -> Result<Vec<Self>> {
        let blocks = pem::parse_blocks(pem).map_err(|e| Error::certificate(None, e))?;
        let certs = blocks
            .iter()
            .filter(|b| b.label == "CERTIFICATE" || b.label == "X509 CERTIFICATE")
            .map(|b| Self::from_der(&b.der))
            .collect::<Result<Vec<_>>>()?;
        if certs.is_empty() {
            return Err(Error::certificate(None, "no CERTIFICATE block in PEM text"));
        }
        Ok(certs)
    }

    /// Reads .pem/.crt (PEM) or .der/.cer (DER) bytes, auto-detected: Windows exports `.cer`
    /// in either encoding, so the extension cannot be trusted.
    pub fn from_bytes_auto(bytes: &[u8]) -> Result<Vec<Self>> {
        if pem::looks_like_pem(bytes) {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| Error::certificate(None, "PEM text is not UTF-8"))?;
            Self::chain_from_pem(text)
        } else {
            Ok(vec![Self::from_der(bytes)?])
        }
    }

    /// The certificate a certificate file stands for (`pqx thumbprint FILE`, the C ABI's and
    /// the wasm module's `thumbprint`): the signer's, read from PEM or DER bytes as
    /// [`Certificate::from_bytes_auto`] reads them and picked by [`Certificate::signer_among`].
    /// One rule for every front end, so a chain file gives the same thumbprint everywhere.
    pub fn signer_from_pem_or_der(bytes: &[u8]) -> Result<Self> {
        let certificates = Self::from_bytes_auto(bytes)?;
        Self::signer_among(&certificates)
            .cloned()
            .ok_or_else(|| Error::certificate(None, "no certificate found"))
    }

    /// The signer's certificate among a file's `certificates`: the first that is not a CA,
    /// or else the first (a self-signed test certificate may be marked as a CA). A chain file
    /// may list the root first, and the thumbprint wanted is the signer's, never a CA's:
    /// Power BI trusts a connector by its signer's thumbprint. `None` when there are none.
    pub fn signer_among(certificates: &[Certificate]) -> Option<&Certificate> {
        certificates
            .iter()
            .find(|c| !c.is_ca())
            .or_else(|| certificates.first())
    }

    /// The exact DER this certificate was read from.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The parsed structure, for callers that need a field this type does not expose.
    pub fn inner(&self) -> &x509_cert::Certificate {
        &self.cert
    }

    /// PEM encoding (`-----BEGIN CERTIFICATE-----`, 64-column lines, `\n` line ends).
    pub fn to_pem(&self) -> String {
        pem::encode_block("CERTIFICATE", &self.der)
    }

    /// 40 upper-case hex digits of SHA-1(DER): what Windows calls the thumbprint and what
    /// Power BI's `TrustedCertificateThumbprints` lists.
    pub fn thumbprint_sha1(&self) -> String {
        hex::encode_upper(DigestAlgorithm::Sha1.digest(&self.der))
    }

    /// 64 upper-case hex digits of SHA-256(DER), for pinning without SHA-1.
    pub fn thumbprint_sha256(&self) -> String {
        hex::encode_upper(DigestAlgorithm::Sha256.digest(&self.der))
    }

    /// The subject in .NET's `X500DistinguishedName` form: RDNs most specific first, `", "`
    /// separated, e.g. `"CN=Colin Popell, O=Contoso, C=US"`.
    pub fn subject(&self) -> String {
        name::dotnet_name(&self.cert.tbs_certificate.subject)
    }

    /// The issuer name, in the same form as [`Certificate::subject`].
    pub fn issuer(&self) -> String {
        name::dotnet_name(&self.cert.tbs_certificate.issuer)
    }

    /// DER of the subject name (what issuer lookup compares).
    pub fn subject_der(&self) -> &[u8] {
        &self.subject_der
    }

    /// DER of the issuer name.
    pub fn issuer_der(&self) -> &[u8] {
        &self.issuer_der
    }

    /// The serial number as .NET's `X509Certificate2.SerialNumber`: upper-case hex of the DER
    /// INTEGER content bytes, big-endian, a leading `00` kept. .NET names the certificate
    /// part of an OPC signature after it.
    pub fn serial_hex(&self) -> String {
        hex::encode_upper(self.cert.tbs_certificate.serial_number.as_bytes())
    }

    /// Start of the validity period.
    pub fn not_before(&self) -> OffsetDateTime {
        to_offset(self.cert.tbs_certificate.validity.not_before)
    }

    /// End of the validity period (inclusive, RFC 5280 §4.1.2.5).
    pub fn not_after(&self) -> OffsetDateTime {
        to_offset(self.cert.tbs_certificate.validity.not_after)
    }

    /// Whether `t` lies within `[not_before, not_after]`.
    pub fn is_valid_at(&self, t: OffsetDateTime) -> bool {
        self.not_before() <= t && t <= self.not_after()
    }

    /// Whether basicConstraints says `cA=true`. Only such certificates may issue others.
    pub fn is_ca(&self) -> bool {
        self.basic_constraints().is_some_and(|bc| bc.ca)
    }

    /// The basicConstraints extension, when present and well formed.
    pub fn basic_constraints(&self) -> Option<BasicConstraints> {
        let ext = self.extension(ID_CE_BASIC_CONSTRAINTS)?;
        BasicConstraints::from_der(ext.extn_value.as_bytes()).ok()
    }

    /// Whether the certificate may sign code. `None` when it has no extended key usage
    /// extension (then any use is allowed); `Some(true)` when the extension lists code
    /// signing (1.3.6.1.5.5.7.3.3) or anyExtendedKeyUsage; `Some(false)` otherwise.
    pub fn allows_code_signing(&self) -> Option<bool> {
        let eku = self.extended_key_usage()?;
        Some(
            eku.iter()
                .any(|o| *o == ID_KP_CODE_SIGNING || *o == ANY_EXTENDED_KEY_USAGE),
        )
    }

    /// Whether the extended key usage extension lists `oid` exactly. `None` when there is
    /// no such extension. An extension that cannot be decoded counts as listing nothing.
    pub fn has_eku(&self, oid: ObjectIdentifier) -> Option<bool> {
        Some(self.extended_key_usage()?.contains(&oid))
    }

    pub(crate) fn extended_key_usage(&self) -> Option<Vec<ObjectIdentifier>> {
        let ext = self.extension(ID_CE_EXT_KEY_USAGE)?;
        Some(
            ExtendedKeyUsage::from_der(ext.extn_value.as_bytes())
                .map(|e| e.0)
                .unwrap_or_default(),
        )
    }

    pub(crate) fn extension(&self, oid: ObjectIdentifier) -> Option<&x509_cert::ext::Extension> {
        self.cert
            .tbs_certificate
            .extensions
            .as_ref()?
            .iter()
            .find(|e| e.extn_id == oid)
    }

    /// The RSA public key. [`Error::Certificate`] when the key is not RSA (pqx, like .NET's
    /// OPC code in practice, signs and verifies with RSA only) or is malformed.
    pub fn rsa_public_key(&self) -> Result<RsaPublicKey> {
        let spki = &self.cert.tbs_certificate.subject_public_key_info;
        let ctx = Some(self.subject());
        let bad = |reason: String| Error::Certificate {
            context: ctx.clone(),
            reason,
        };
        if spki.algorithm.oid != RSA_ENCRYPTION {
            return Err(bad(format!(
                "public key algorithm {} is not RSA",
                spki.algorithm.oid
            )));
        }
        let bits = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| bad("public key bit string has unused bits".into()))?;
        let key = pkcs1::RsaPublicKey::from_der(bits)
            .map_err(|e| bad(format!("malformed RSA public key: {e}")))?;
        let n = BigUint::from_bytes_be(key.modulus.as_bytes());
        let e = BigUint::from_bytes_be(key.public_exponent.as_bytes());
        RsaPublicKey::new_with_max_size(n, e, MAX_RSA_BITS)
            .map_err(|e| bad(format!("unusable RSA public key: {e}")))
    }

    /// Size of the RSA modulus in bits; `None` for a non-RSA or malformed key.
    pub fn key_bits(&self) -> Option<usize> {
        self.rsa_public_key().ok().map(|k| k.n().bits())
    }

    /// The digest of this certificate's RSA PKCS#1 v1.5 signature algorithm
    /// (sha1/256/384/512WithRSAEncryption); `None` for anything else (RSA-PSS, ECDSA, MD5).
    pub fn signature_digest(&self) -> Option<DigestAlgorithm> {
        let alg = &self.cert.signature_algorithm;
        // Parameters must be absent or NULL for these algorithms (RFC 4055 §5).
        if let Some(p) = &alg.parameters {
            if p.tag() != der::Tag::Null {
                return None;
            }
        }
        Some(match alg.oid.to_string().as_str() {
            "1.2.840.113549.1.1.5" => DigestAlgorithm::Sha1,
            "1.2.840.113549.1.1.11" => DigestAlgorithm::Sha256,
            "1.2.840.113549.1.1.12" => DigestAlgorithm::Sha384,
            "1.2.840.113549.1.1.13" => DigestAlgorithm::Sha512,
            _ => return None,
        })
    }

    /// Whether `issuer` issued this certificate: `issuer`'s subject equals this issuer name
    /// (byte for byte) and `issuer`'s public key verifies this certificate's signature (RSA
    /// PKCS#1 v1.5 with SHA-1/256/384/512, RSA-PSS with SHA-256/384/512, ECDSA P-256/P-384:
    /// see `sigalg`). A name match alone is never enough: anyone can make a certificate with
    /// any name.
    pub fn is_issued_by(&self, issuer: &Certificate) -> bool {
        self.issuer_der == issuer.subject_der && self.signature_verifies_with(issuer)
    }

    /// Whether `issuer`'s public key verifies this certificate's signature, names aside. The
    /// signature algorithm inside the signed part must be the one outside it (RFC 5280
    /// §4.1.1.2), else nothing verifies.
    pub(crate) fn signature_verifies_with(&self, issuer: &Certificate) -> bool {
        if self.cert.tbs_certificate.signature != self.cert.signature_algorithm {
            return false;
        }
        let (Some(alg), Some(sig)) = (
            sigalg::CertSignatureAlgorithm::parse(&self.cert.signature_algorithm),
            self.cert.signature.as_bytes(),
        ) else {
            return false;
        };
        let spki = &issuer.cert.tbs_certificate.subject_public_key_info;
        let rsa_key = issuer.rsa_public_key().ok();
        alg.verify(&self.tbs, sig, spki, rsa_key.as_ref())
    }

    /// Whether subject == issuer (a root, or a CA re-keying itself).
    pub fn is_self_issued(&self) -> bool {
        self.subject_der == self.issuer_der
    }

    /// Whether the certificate is self-issued and its own key verifies its signature: a root.
    pub fn is_self_signed(&self) -> bool {
        self.is_self_issued() && self.signature_verifies_with(self)
    }
}

/// The exact bytes of the first element (tbsCertificate) of the outer SEQUENCE.
fn raw_tbs(der: &[u8]) -> Option<Vec<u8>> {
    let mut reader = SliceReader::new(der).ok()?;
    let header = der::Header::decode(&mut reader).ok()?;
    if header.tag != der::Tag::Sequence {
        return None;
    }
    // AnyRef keeps the value bytes verbatim; DER headers are minimal, so re-emitting the
    // header reproduces the original bytes.
    let tbs = AnyRef::decode(&mut reader).ok()?;
    tbs.to_der().ok()
}

/// Converts an X.509/CMS time (certificate validity, CRL dates, CMS signing-time) to
/// `OffsetDateTime` (UTC). Such times are 1950..=9999, always in range; the fallback only
/// keeps the conversion panic-free.
pub(crate) fn to_offset(t: x509_cert::time::Time) -> OffsetDateTime {
    let secs = i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Formats a time as MakePQX prints it in its report: ISO 8601 with an offset, in UTC, e.g.
/// `"2019-02-14T22:47:42+00:00"`. (MakePQX prints the local offset of the machine it ran on;
/// pqx prints UTC so that reports do not depend on the machine.)
pub fn format_report_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+00:00",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_time_is_iso8601_utc_with_offset() {
        let t = time::macros::datetime!(2019-02-14 14:47:42 -08:00);
        assert_eq!(format_report_time(t), "2019-02-14T22:47:42+00:00");
    }

    #[test]
    fn garbage_is_a_certificate_error_not_a_panic() {
        for input in [
            &b""[..],
            b"\x30",
            b"\x30\x03\x02\x01\x01",
            b"-----BEGIN CERTIFICATE-----\n",
        ] {
            let e = Certificate::from_bytes_auto(input).unwrap_err();
            assert!(matches!(e, Error::Certificate { .. }), "{e}");
        }
    }

    #[test]
    fn from_pem_wants_exactly_one_certificate() {
        assert!(Certificate::from_pem("no pem here").is_err());
    }

    fn pki() -> &'static crate::test_pki::TestPki {
        static PKI: std::sync::OnceLock<crate::test_pki::TestPki> = std::sync::OnceLock::new();
        PKI.get_or_init(|| {
            crate::test_pki::TestPki::generate(&Default::default()).expect("test PKI")
        })
    }

    #[test]
    fn signer_of_a_chain_file_is_its_first_non_ca_certificate_in_any_order() {
        let p = pki();
        let root_first = [&p.root, &p.intermediate, &p.leaf]
            .iter()
            .map(|c| c.to_pem())
            .collect::<String>();
        for pem in [root_first, p.chain_pem()] {
            let signer = Certificate::signer_from_pem_or_der(pem.as_bytes()).unwrap();
            assert_eq!(signer.thumbprint_sha1(), p.leaf.thumbprint_sha1());
        }
        let der = Certificate::signer_from_pem_or_der(p.leaf.der()).unwrap();
        assert_eq!(der, p.leaf);
    }

    #[test]
    fn signer_of_a_file_of_cas_only_is_its_first_certificate() {
        let p = pki();
        let cas = p.root.to_pem() + &p.intermediate.to_pem();
        let signer = Certificate::signer_from_pem_or_der(cas.as_bytes()).unwrap();
        assert_eq!(signer, p.root);
        assert_eq!(Certificate::signer_among(&[]), None);
    }

    #[test]
    fn signer_of_bytes_without_a_certificate_is_a_certificate_error() {
        for input in [
            &b"hello"[..],
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        ] {
            let e = Certificate::signer_from_pem_or_der(input).unwrap_err();
            assert!(matches!(e, Error::Certificate { .. }), "{e}");
        }
    }
}
