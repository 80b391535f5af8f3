//! ESS signing-certificate attributes: which certificate a CMS signer meant.
//!
//! A SignerInfo names its certificate by issuer and serial number, which an attacker who
//! controls a CA could reuse; the signing-certificate attributes bind the *hash* of the
//! certificate into the signed attributes. RFC 3161 §2.4.1 (with RFC 5816) requires one of them
//! in every time-stamp token; CAdES (`openssl cms -sign -cades`) writes the v2 form. pqx writes
//! v2 with SHA-256 and checks whichever is present against the certificate it verified with.

use super::algorithm::digest_from_identifier;
use crate::certificate::Certificate;
use crate::digest::DigestAlgorithm;
use crate::error::{Error, Result};
use der::asn1::OctetString;
use der::Sequence;
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::name::GeneralNames;
use x509_cert::serial_number::SerialNumber;

/// ```text
/// IssuerSerial ::= SEQUENCE {
///     issuer                   GeneralNames,
///     serialNumber             CertificateSerialNumber }
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct IssuerSerial {
    /// The issuer's name (a `directoryName`).
    pub issuer: GeneralNames,
    /// The certificate's serial number.
    pub serial_number: SerialNumber,
}

/// ```text
/// ESSCertID ::= SEQUENCE {
///     certHash                 Hash,        -- SHA-1 of the whole certificate
///     issuerSerial             IssuerSerial OPTIONAL }
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct EssCertId {
    /// SHA-1 of the certificate's DER.
    pub cert_hash: OctetString,
    /// Issuer and serial, optional.
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

/// ```text
/// SigningCertificate ::= SEQUENCE {
///     certs        SEQUENCE OF ESSCertID,
///     policies     SEQUENCE OF PolicyInformation OPTIONAL }
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SigningCertificate {
    /// The signer's certificate first, optionally its issuers.
    pub certs: Vec<EssCertId>,
    /// Policies (not used by pqx).
    #[asn1(optional = "true")]
    pub policies: Option<Vec<PolicyInformation>>,
}

/// ```text
/// ESSCertIDv2 ::= SEQUENCE {
///     hashAlgorithm            AlgorithmIdentifier DEFAULT {algorithm id-sha256},
///     certHash                 Hash,
///     issuerSerial             IssuerSerial OPTIONAL }
/// ```
/// The DEFAULT is modelled as `None` = SHA-256 (DER omits a default value).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct EssCertIdV2 {
    /// The hash algorithm; `None` means SHA-256.
    #[asn1(optional = "true")]
    pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
    /// Hash of the certificate's DER.
    pub cert_hash: OctetString,
    /// Issuer and serial, optional.
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

/// ```text
/// SigningCertificateV2 ::= SEQUENCE {
///     certs        SEQUENCE OF ESSCertIDv2,
///     policies     SEQUENCE OF PolicyInformation OPTIONAL }
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SigningCertificateV2 {
    /// The signer's certificate first, optionally its issuers.
    pub certs: Vec<EssCertIdV2>,
    /// Policies (not used by pqx).
    #[asn1(optional = "true")]
    pub policies: Option<Vec<PolicyInformation>>,
}

/// The v2 attribute value for `cert`: one ESSCertIDv2 with SHA-256 (the DEFAULT, so the
/// algorithm is omitted) and the issuer/serial, as CAdES-BES asks.
pub fn signing_certificate_v2(cert: &Certificate) -> Result<SigningCertificateV2> {
    let tbs = &cert.inner().tbs_certificate;
    let hash = OctetString::new(DigestAlgorithm::Sha256.digest(cert.der()))
        .map_err(|e| Error::Cms(e.to_string()))?;
    Ok(SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: hash,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![x509_cert::ext::pkix::name::GeneralName::DirectoryName(
                    tbs.issuer.clone(),
                )],
                serial_number: tbs.serial_number.clone(),
            }),
        }],
        policies: None,
    })
}

/// Checks that the first ESSCertID(v2) names `cert` (hash over its DER, and issuer/serial
/// when given). RFC 5035 §5.4: the first entry identifies the signer's certificate.
pub(crate) fn check_v2(value: &SigningCertificateV2, cert: &Certificate) -> Result<()> {
    let first = value
        .certs
        .first()
        .ok_or_else(|| Error::Cms("signing-certificate-v2 lists no certificate".into()))?;
    let alg = match &first.hash_algorithm {
        None => DigestAlgorithm::Sha256,
        Some(id) => digest_from_identifier(id)?,
    };
    check_id(
        alg,
        first.cert_hash.as_bytes(),
        first.issuer_serial.as_ref(),
        cert,
    )
}

/// As [`check_v2`] for the SHA-1 form (RFC 2634).
pub(crate) fn check_v1(value: &SigningCertificate, cert: &Certificate) -> Result<()> {
    let first = value
        .certs
        .first()
        .ok_or_else(|| Error::Cms("signing-certificate lists no certificate".into()))?;
    check_id(
        DigestAlgorithm::Sha1,
        first.cert_hash.as_bytes(),
        first.issuer_serial.as_ref(),
        cert,
    )
}

fn check_id(
    alg: DigestAlgorithm,
    hash: &[u8],
    issuer_serial: Option<&IssuerSerial>,
    cert: &Certificate,
) -> Result<()> {
    if alg.digest(cert.der()) != hash {
        return Err(Error::Cms(format!(
            "the signing-certificate attribute names another certificate than {} ({})",
            cert.subject(),
            cert.thumbprint_sha1()
        )));
    }
    if let Some(is) = issuer_serial {
        let tbs = &cert.inner().tbs_certificate;
        let issuer_ok = is.issuer.iter().any(|g| {
            matches!(g, x509_cert::ext::pkix::name::GeneralName::DirectoryName(n) if *n == tbs.issuer)
        });
        if !issuer_ok || is.serial_number != tbs.serial_number {
            return Err(Error::Cms(
                "the signing-certificate attribute's issuer/serial does not match the signer"
                    .into(),
            ));
        }
    }
    Ok(())
}
