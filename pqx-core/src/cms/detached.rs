//! A detached CMS signature (`.p7s`) over the exact bytes of a signed `.pqx`.
//!
//! Pipelines that check every artifact with `openssl cms -verify` want a standard signature
//! beside the file; this is that, and only that: Power BI reads the OPC signature inside the
//! package, never the `.p7s`. What pqx writes (RFC 5652, CAdES-BES shaped):
//!
//! ```text
//! ContentInfo { signedData
//!   SignedData v1
//!     digestAlgorithms  { sha256 }
//!     encapContentInfo  { id-data, eContent absent }      ← detached
//!     certificates      the signing key's chain, signer first
//!     signerInfos { SignerInfo v1
//!       sid                issuerAndSerialNumber of the signer
//!       signedAttrs        content-type (id-data), message-digest (of the .pqx bytes),
//!                          signing-time, signing-certificate-v2 (SHA-256 of the signer)
//!       signatureAlgorithm rsaEncryption
//!       signature          RSA PKCS#1 v1.5 over DER(SET OF signedAttrs) } }
//! ```
//! `openssl cms -verify -binary -inform DER -content FILE.pqx -in FILE.p7s -CAfile ROOT`
//! accepts it; [`verify_detached`] accepts it and what `openssl cms -sign -cades -binary`
//! writes, and reports in the shape of a package verification.

use super::algorithm::digest_identifier;
use super::ess::signing_certificate_v2;
use super::signer::CmsRsaSigner;
use super::signer_info::{parse_signed_data, verify_signer_over, SignerFailure};
use crate::certificate::format_report_time;
use crate::digest::DigestAlgorithm;
use crate::error::{Error, Result};
use crate::keys::{signer_certificate, Signer as KeySigner};
use crate::opc::PartName;
use crate::policy::{CertificatePolicy, TimeSource, VerifyOptions};
use crate::verdict::{
    judge_signer, EvaluationPoint, Failure, SignatureCheck, SignatureStatus, Signer, Verification,
    Warning,
};
use cms::builder::{SignedDataBuilder, SignerInfoBuilder};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::signed_data::{EncapsulatedContentInfo, SignerIdentifier};
use const_oid::db::rfc5911::{ID_AA_SIGNING_CERTIFICATE_V_2, ID_DATA, ID_SIGNING_TIME};
use const_oid::ObjectIdentifier;
use der::asn1::{GeneralizedTime, SetOfVec, UtcTime};
use der::{Any, Decode, Encode};
use time::OffsetDateTime;
use x509_cert::attr::Attribute;

/// Largest `.p7s` accepted for verification (a chain of a few certificates is ~5 KiB).
pub const MAX_P7S_SIZE: usize = 1 << 20;

fn cms_err(what: &str) -> impl Fn(cms::builder::Error) -> Error + '_ {
    move |e| Error::Cms(format!("{what}: {e:?}"))
}

fn der_err(e: der::Error) -> Error {
    Error::Cms(e.to_string())
}

/// A signed attribute with one value.
fn attribute(oid: ObjectIdentifier, value: &impl Encode) -> Result<Attribute> {
    let any = Any::from_der(&value.to_der().map_err(der_err)?).map_err(der_err)?;
    let values = SetOfVec::try_from(vec![any]).map_err(der_err)?;
    Ok(Attribute { oid, values })
}

/// `signing-time` at `t`: UTCTime through 2049, GeneralizedTime after (RFC 5652 §11.3).
fn signing_time_attribute(t: OffsetDateTime) -> Result<Attribute> {
    let secs = u64::try_from(t.unix_timestamp())
        .map_err(|_| Error::InvalidArgument(format!("signing time {t} is before 1970")))?;
    let d = std::time::Duration::from_secs(secs);
    let time = if t.year() < 2050 {
        x509_cert::time::Time::UtcTime(UtcTime::from_unix_duration(d).map_err(der_err)?)
    } else {
        x509_cert::time::Time::GeneralTime(GeneralizedTime::from_unix_duration(d).map_err(der_err)?)
    };
    attribute(ID_SIGNING_TIME, &time)
}

/// Signs `content` (the exact bytes of a `.pqx`) with `key`: a DER `ContentInfo` holding a
/// detached SignedData, as drawn in the module docs. `signing_time` goes into the
/// `signing-time` attribute (claimed, like the OPC SignatureTime). The result is verified
/// before it is returned, so a bug can never hand out a `.p7s` that does not verify.
pub fn sign_detached(
    content: &[u8],
    key: &dyn KeySigner,
    digest: DigestAlgorithm,
    signing_time: OffsetDateTime,
) -> Result<Vec<u8>> {
    sign_detached_digest(&digest.digest(content), key, digest, signing_time)
}

/// [`sign_detached`] given the `digest` of the content rather than the content, so that a
/// file can be streamed through the hasher.
fn sign_detached_digest(
    message_digest: &[u8],
    key: &dyn KeySigner,
    digest: DigestAlgorithm,
    signing_time: OffsetDateTime,
) -> Result<Vec<u8>> {
    let cert = signer_certificate(key)?;
    CertificatePolicy::code_signing().check_signer(
        cert,
        key.chain(),
        &crate::trust::TrustPolicy::none(),
        signing_time,
    )?;
    let tbs = &cert.inner().tbs_certificate;
    let eci = EncapsulatedContentInfo {
        econtent_type: ID_DATA,
        econtent: None,
    };
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: tbs.issuer.clone(),
        serial_number: tbs.serial_number.clone(),
    });
    let signer = CmsRsaSigner::new(key, digest)?;
    let mut si = SignerInfoBuilder::new(
        &signer,
        sid,
        digest_identifier(digest),
        &eci,
        Some(message_digest),
    )
    .map_err(cms_err("SignerInfo"))?;
    si.add_signed_attribute(signing_time_attribute(signing_time)?)
        .map_err(cms_err("signing-time"))?;
    si.add_signed_attribute(attribute(
        ID_AA_SIGNING_CERTIFICATE_V_2,
        &signing_certificate_v2(cert)?,
    )?)
    .map_err(cms_err("signing-certificate-v2"))?;
    let mut sd = SignedDataBuilder::new(&eci);
    sd.add_digest_algorithm(digest_identifier(digest))
        .map_err(cms_err("digest algorithm"))?;
    for c in key.chain() {
        sd.add_certificate(CertificateChoices::Certificate(c.inner().clone()))
            .map_err(cms_err("certificate"))?;
    }
    sd.add_signer_info::<_, rsa::pkcs1v15::Signature>(si)
        .map_err(cms_err("signing"))?;
    let der = sd
        .build()
        .map_err(cms_err("SignedData"))?
        .to_der()
        .map_err(der_err)?;
    let parsed = parse_signed_data(&der)?;
    verify_signer_over(&parsed, |_| Ok(message_digest.to_vec()), true).map_err(|f| f.error)?;
    Ok(der)
}

/// Streams the file at `path` through a `digest` hasher: the package is never held in
/// memory, whatever its size.
#[cfg(not(target_arch = "wasm32"))]
fn digest_file(path: &std::path::Path, digest: DigestAlgorithm) -> Result<Vec<u8>> {
    struct Sink(crate::digest::Hasher);
    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.update(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let io = |e| Error::io(path.display().to_string(), e);
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut sink = Sink(digest.hasher());
    std::io::copy(&mut file, &mut sink).map_err(io)?;
    Ok(sink.0.finalize())
}

/// Hashes the file at `pqx` (streamed, never read whole) and writes its detached signature
/// to `out` atomically (what `pqx sign --detached-p7s OUT` does after signing the package).
#[cfg(not(target_arch = "wasm32"))]
pub fn sign_detached_file(
    pqx: &std::path::Path,
    out: &std::path::Path,
    key: &dyn KeySigner,
    digest: DigestAlgorithm,
    signing_time: Option<OffsetDateTime>,
) -> Result<()> {
    let der = sign_detached_digest(
        &digest_file(pqx, digest)?,
        key,
        digest,
        signing_time.unwrap_or_else(OffsetDateTime::now_utc),
    )?;
    crate::atomic::write_atomically(out, |w| {
        std::io::Write::write_all(w, &der).map_err(|e| Error::io(out.display().to_string(), e))
    })
}

/// Verifies the detached CMS signature `p7s` (DER; named `name` in the report) over
/// `content`, the `.pqx` bytes. The answer has the shape of a package verification: one
/// [`SignatureCheck`] whose `part` is `/<name>` (`/signature.p7s` when the name is not a
/// valid part name), so `Report::from_verification` prints it like MakePQX's report.
///
/// Statuses: `MalformedSignature` (not a detached SignedData with one SignerInfo and the
/// required attributes), `InvalidSignature` (the content or the signed attributes changed),
/// `UnsupportedAlgorithm`, and the certificate verdicts of a package signature (key size, CA,
/// code-signing EKU, validity at the claimed signing time and at `options.now`, chain,
/// revocation). `Err` only for input over [`MAX_P7S_SIZE`].
pub fn verify_detached(
    content: &[u8],
    p7s: &[u8],
    name: &str,
    options: &VerifyOptions,
) -> Result<Verification> {
    if p7s.len() > MAX_P7S_SIZE {
        return Err(Error::LimitExceeded(format!(
            "{name}: {} bytes (limit {MAX_P7S_SIZE})",
            p7s.len()
        )));
    }
    verify_detached_over(|d| Ok(d.digest(content)), p7s, name, options)
}

/// [`verify_detached`] for files: the `.p7s` at `p7s` is refused before it is read when it
/// is over [`MAX_P7S_SIZE`], and the package at `pqx` is streamed through the hasher, never
/// read whole. `Err` also when a file cannot be read.
#[cfg(not(target_arch = "wasm32"))]
pub fn verify_detached_file(
    pqx: &std::path::Path,
    p7s: &std::path::Path,
    options: &VerifyOptions,
) -> Result<Verification> {
    let der = crate::bounded_read::read_bounded(p7s, MAX_P7S_SIZE as u64)?;
    let name = p7s
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| "signature.p7s".to_owned());
    verify_detached_over(|d| digest_file(pqx, d), &der, &name, options)
}

/// What both front ends share: the content is given by a function from the SignerInfo's
/// digest algorithm to the content's digest.
fn verify_detached_over(
    content_digest: impl FnOnce(DigestAlgorithm) -> Result<Vec<u8>>,
    p7s: &[u8],
    name: &str,
    options: &VerifyOptions,
) -> Result<Verification> {
    let part = PartName::parse(&format!("/{}", name.trim_start_matches('/')))
        .or_else(|_| PartName::parse("/signature.p7s"))?;
    let mut check = SignatureCheck::new(part);
    let now = options.now.unwrap_or_else(OffsetDateTime::now_utc);
    if let Err((status, reason)) = check_detached(content_digest, p7s, options, now, &mut check)? {
        check.status = status;
        check.reason = Some(reason);
    }
    let status = check.status;
    let mut warnings = Vec::new();
    if check.warnings.iter().any(Warning::is_sha1) {
        warnings.push(Warning::Sha1DetachedSignature);
    }
    Ok(Verification::from_checks(status, vec![check], warnings))
}

/// A verdict on the `.p7s`: `Err((status, reason))` when it is not valid.
type Verdict = std::result::Result<(), (SignatureStatus, String)>;

/// The verdict, or `Err` when the content could not be read (no verdict is possible then).
fn check_detached(
    content_digest: impl FnOnce(DigestAlgorithm) -> Result<Vec<u8>>,
    p7s: &[u8],
    options: &VerifyOptions,
    now: OffsetDateTime,
    check: &mut SignatureCheck,
) -> Result<Verdict> {
    let malformed = |e: Error| (SignatureStatus::MalformedSignature, e.to_string());
    let sd = match parse_signed_data(p7s) {
        Ok(sd) => sd,
        Err(e) => return Ok(Err(malformed(e))),
    };
    if sd.encap_content_info.econtent.is_some() {
        return Ok(Err((
            SignatureStatus::MalformedSignature,
            "the CMS signature is not detached: it encapsulates its own content".into(),
        )));
    }
    if sd.encap_content_info.econtent_type != ID_DATA {
        return Ok(Err((
            SignatureStatus::MalformedSignature,
            format!(
                "eContentType {} is not id-data",
                sd.encap_content_info.econtent_type
            ),
        )));
    }
    let signer = match verify_signer_over(&sd, content_digest, false) {
        Ok(s) => s,
        Err(SignerFailure { error, .. }) if error.kind() == crate::ErrorKind::Io => {
            return Err(error)
        }
        Err(SignerFailure { mismatch, error }) => {
            return Ok(Err((
                SignatureStatus::classify(&error, mismatch),
                error.to_string(),
            )));
        }
    };
    check.signer = Some(signer.certificate.clone());
    check.digest = Some(signer.digest);
    check.signature_method = Some(signer.digest);
    check.signing_time = signer.signing_time.map(format_report_time);
    if signer.digest.is_weak() {
        check.warnings.push(Warning::Sha1Signature);
    }
    let others: Vec<_> = signer
        .certificates
        .iter()
        .filter(|c| **c != signer.certificate)
        .cloned()
        .collect();
    let time = EvaluationPoint {
        at: now,
        source: TimeSource::Now,
    };
    let claimed = signer.signing_time;
    let signer = Signer {
        certificate: signer.certificate,
        others,
    };
    Ok(judge_signer(&signer, claimed, time, options, check).map_err(|Failure(s, r)| (s, r)))
}
