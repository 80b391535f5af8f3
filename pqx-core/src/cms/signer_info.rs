//! Verifying the one SignerInfo of a CMS SignedData (RFC 5652 §5.4, §5.6).
//!
//! The `cms` crate parses and builds SignedData but does not verify it, so pqx does, step by
//! step as RFC 5652 says: the signed attributes are required (every token and every `.p7s`
//! pqx accepts has them); `content-type` equals `eContentType`; `message-digest` equals the
//! digest of the content; the RSA PKCS#1 v1.5 signature verifies over the DER of the signed
//! attributes re-encoded as a `SET OF` (§5.4: the `[0] IMPLICIT` tag is replaced by the SET
//! tag); the signer certificate is the one the `sid` names among the embedded certificates,
//! and, when an ESS signing-certificate attribute is present, the one it hashes.
//!
//! Exactly one SignerInfo is accepted: several would raise the question "which one counts",
//! and neither a time-stamp token nor pqx's `.p7s` ever has more.

use super::algorithm::{digest_from_identifier, rsa_signature_digest};
use super::ess::{self, SigningCertificate, SigningCertificateV2};
use crate::algorithm::verify_pkcs1v15;
use crate::certificate::Certificate;
use crate::digest::DigestAlgorithm;
use crate::error::{Error, Result};
use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER;
use const_oid::db::rfc5911::{
    ID_AA_SIGNING_CERTIFICATE, ID_AA_SIGNING_CERTIFICATE_V_2, ID_CONTENT_TYPE, ID_MESSAGE_DIGEST,
    ID_SIGNED_DATA, ID_SIGNING_TIME,
};
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Decode, Encode};
use time::OffsetDateTime;
use x509_cert::ext::pkix::SubjectKeyIdentifier;

/// Most certificates accepted in one SignedData (a chain is 2–4; the cap bounds the cost of
/// looking for the signer in hostile input).
pub const MAX_CMS_CERTIFICATES: usize = 32;

/// What a verified SignerInfo says.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct VerifiedSigner {
    /// The certificate whose key verified the signature.
    pub certificate: Certificate,
    /// Every certificate embedded in the SignedData (the signer's among them), for chain
    /// building.
    pub certificates: Vec<Certificate>,
    /// The SignerInfo's digest algorithm.
    pub digest: DigestAlgorithm,
    /// The `signing-time` attribute, when present (claimed by the signer, not proven).
    pub signing_time: Option<OffsetDateTime>,
}

fn bad(m: impl Into<String>) -> Error {
    Error::Cms(m.into())
}

/// Parses a DER `ContentInfo` that must hold a `SignedData`.
pub fn parse_signed_data(der: &[u8]) -> Result<SignedData> {
    let ci =
        ContentInfo::from_der(der).map_err(|e| bad(format!("not a DER CMS ContentInfo: {e}")))?;
    if ci.content_type != ID_SIGNED_DATA {
        return Err(bad(format!(
            "content type {} is not signedData",
            ci.content_type
        )));
    }
    ci.content
        .decode_as::<SignedData>()
        .map_err(|e| bad(format!("malformed SignedData: {e}")))
}

/// The certificates embedded in `sd` (X.509 ones; attribute certificates are ignored).
pub fn embedded_certificates(sd: &SignedData) -> Result<Vec<Certificate>> {
    let mut out: Vec<Certificate> = Vec::new();
    for choice in sd.certificates.iter().flat_map(|s| s.0.iter()) {
        if let CertificateChoices::Certificate(c) = choice {
            if out.len() >= MAX_CMS_CERTIFICATES {
                return Err(Error::LimitExceeded(format!(
                    "more than {MAX_CMS_CERTIFICATES} certificates in a CMS SignedData"
                )));
            }
            let der = c.to_der().map_err(|e| bad(e.to_string()))?;
            let cert = Certificate::from_der(&der)?;
            if !out.contains(&cert) {
                out.push(cert);
            }
        }
    }
    Ok(out)
}

/// Why [`verify_signer_detailed`] failed: `mismatch` is true when the structure was fine but
/// something does not match (the signature, the content digest, the ESS certificate hash) —
/// a changed file rather than a malformed one.
#[derive(Debug)]
pub(crate) struct SignerFailure {
    pub(crate) mismatch: bool,
    pub(crate) error: Error,
}

impl From<Error> for SignerFailure {
    fn from(error: Error) -> Self {
        SignerFailure {
            mismatch: false,
            error,
        }
    }
}

fn mismatch(error: Error) -> SignerFailure {
    SignerFailure {
        mismatch: true,
        error,
    }
}

/// Verifies the single SignerInfo of `sd` over `content` (the detached content, or the
/// `eContent` octets of an encapsulating SignedData), telling a mismatch from a malformed
/// structure. `require_signing_certificate` demands an ESS signing-certificate(-v2)
/// attribute (RFC 3161 tokens must carry one). Every error is [`Error::Cms`] (or
/// `UnsupportedAlgorithm`, `Certificate`, `LimitExceeded`).
pub(crate) fn verify_signer_detailed(
    sd: &SignedData,
    content: &[u8],
    require_signing_certificate: bool,
) -> std::result::Result<VerifiedSigner, SignerFailure> {
    verify_signer_over(sd, |d| Ok(d.digest(content)), require_signing_certificate)
}

/// [`verify_signer_detailed`] with the content given by its digest: `content_digest` is
/// called once, with the SignerInfo's digest algorithm, after the signature over the signed
/// attributes verified — so a detached `.p7s` can be checked against a file streamed through
/// the hasher instead of read whole. Its error (an unreadable file) is returned as is.
pub(crate) fn verify_signer_over(
    sd: &SignedData,
    content_digest: impl FnOnce(DigestAlgorithm) -> Result<Vec<u8>>,
    require_signing_certificate: bool,
) -> std::result::Result<VerifiedSigner, SignerFailure> {
    let infos: Vec<&SignerInfo> = sd.signer_infos.0.iter().collect();
    let [si] = infos.as_slice() else {
        return Err(bad(format!(
            "expected exactly one SignerInfo, found {}",
            infos.len()
        ))
        .into());
    };
    let digest = digest_from_identifier(&si.digest_alg)?;
    let attrs = si
        .signed_attrs
        .as_ref()
        .ok_or_else(|| bad("the SignerInfo has no signed attributes"))?;

    let mut content_type = None;
    let mut message_digest = None;
    let mut signing_time = None;
    let mut ess_v1 = None;
    let mut ess_v2 = None;
    let mut seen: Vec<ObjectIdentifier> = Vec::new();
    for attr in attrs.iter() {
        if seen.contains(&attr.oid) {
            return Err(bad(format!("signed attribute {} appears twice", attr.oid)).into());
        }
        seen.push(attr.oid);
        let single = || {
            let values: Vec<_> = attr.values.iter().collect();
            match values.as_slice() {
                [v] => Ok(*v),
                _ => Err(bad(format!(
                    "signed attribute {} must have exactly one value",
                    attr.oid
                ))),
            }
        };
        let decode_err = |e: der::Error| bad(format!("signed attribute {}: {e}", attr.oid));
        match attr.oid {
            ID_CONTENT_TYPE => {
                content_type = Some(
                    single()?
                        .decode_as::<ObjectIdentifier>()
                        .map_err(decode_err)?,
                )
            }
            ID_MESSAGE_DIGEST => {
                message_digest = Some(single()?.decode_as::<OctetString>().map_err(decode_err)?)
            }
            ID_SIGNING_TIME => {
                let der = single()?.to_der().map_err(decode_err)?;
                let t = x509_cert::time::Time::from_der(&der).map_err(decode_err)?;
                signing_time = Some(crate::certificate::to_offset(t));
            }
            ID_AA_SIGNING_CERTIFICATE => {
                ess_v1 = Some(
                    single()?
                        .decode_as::<SigningCertificate>()
                        .map_err(decode_err)?,
                )
            }
            ID_AA_SIGNING_CERTIFICATE_V_2 => {
                ess_v2 = Some(
                    single()?
                        .decode_as::<SigningCertificateV2>()
                        .map_err(decode_err)?,
                )
            }
            _ => {}
        }
    }
    let content_type =
        content_type.ok_or_else(|| bad("the signed attributes lack content-type"))?;
    if content_type != sd.encap_content_info.econtent_type {
        return Err(bad(format!(
            "the content-type attribute ({content_type}) differs from eContentType ({})",
            sd.encap_content_info.econtent_type
        ))
        .into());
    }
    let message_digest =
        message_digest.ok_or_else(|| bad("the signed attributes lack message-digest"))?;

    let certificates = embedded_certificates(sd)?;
    let certificate = find_signer(&si.sid, &certificates)?;
    let public = certificate.rsa_public_key()?;
    let signature_digest = rsa_signature_digest(&si.signature_algorithm, digest)?;
    let signed = attrs
        .to_der()
        .map_err(|e| bad(format!("cannot re-encode the signed attributes: {e}")))?;
    if !verify_pkcs1v15(&public, signature_digest, &signed, si.signature.as_bytes()) {
        return Err(mismatch(bad(format!(
            "the CMS signature does not verify with the key of {} ({})",
            certificate.subject(),
            certificate.thumbprint_sha1()
        ))));
    }
    if content_digest(digest)? != message_digest.as_bytes() {
        return Err(mismatch(bad(
            "the message-digest attribute does not match the content: the content was changed or is another one",
        )));
    }
    if let Some(v2) = &ess_v2 {
        ess::check_v2(v2, &certificate).map_err(mismatch)?;
    }
    if let Some(v1) = &ess_v1 {
        ess::check_v1(v1, &certificate).map_err(mismatch)?;
    }
    let has_signing_certificate = ess_v1.is_some() || ess_v2.is_some();
    if require_signing_certificate && !has_signing_certificate {
        return Err(
            bad("the signed attributes lack an ESS signing-certificate(-v2) attribute").into(),
        );
    }
    Ok(VerifiedSigner {
        certificate,
        certificates,
        digest,
        signing_time,
    })
}

/// The one embedded certificate `sid` names (issuer + serial, or subject key identifier).
fn find_signer(sid: &SignerIdentifier, certs: &[Certificate]) -> Result<Certificate> {
    let matches: Vec<&Certificate> = certs
        .iter()
        .filter(|c| {
            let tbs = &c.inner().tbs_certificate;
            match sid {
                SignerIdentifier::IssuerAndSerialNumber(is) => {
                    tbs.issuer == is.issuer && tbs.serial_number == is.serial_number
                }
                SignerIdentifier::SubjectKeyIdentifier(ski) => {
                    subject_key_id(c).is_some_and(|own| own.0.as_bytes() == ski.0.as_bytes())
                }
            }
        })
        .collect();
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(bad(
            "the signer's certificate is not among the embedded certificates",
        )),
        _ => Err(bad(
            "several embedded certificates match the signer identifier",
        )),
    }
}

fn subject_key_id(c: &Certificate) -> Option<SubjectKeyIdentifier> {
    let ext = c
        .inner()
        .tbs_certificate
        .extensions
        .as_ref()?
        .iter()
        .find(|e| e.extn_id == ID_CE_SUBJECT_KEY_IDENTIFIER)?;
    SubjectKeyIdentifier::from_der(ext.extn_value.as_bytes()).ok()
}
