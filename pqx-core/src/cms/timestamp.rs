//! RFC 3161 time-stamping of a signature's `SignatureValue`.
//!
//! A code-signing certificate expires after one to three years; a signature made while it was
//! valid should keep verifying afterwards. A time-stamping authority (TSA) proves *when* the
//! signature existed: it signs a TSTInfo holding the hash of the signature value and the time
//! (a CMS SignedData, the "token"). A verifier that trusts the token evaluates the signer's
//! certificate at the token's time instead of now — NuGet, Authenticode and jarsigner do the
//! same.
//!
//! The flow, each step a function here:
//! 1. [`TimestampRequest::new`]: `TimeStampReq` { v1, messageImprint = hash of the decoded
//!    SignatureValue bytes, a random nonce, certReq = true }.
//! 2. A [`Timestamper`] carries it to a TSA (HTTP in [`super::http`]; tests plug in their
//!    own) and hands the `TimeStampResp` to [`TimestampRequest::accept_response`]: status
//!    granted, the same imprint and nonce, a token that verifies ([`verify_token`]).
//! 3. The token is embedded XAdES-style in the signature (`signature::build::add_timestamp`).
//! 4. On verification [`check_token`]: the token's CMS signature, the TSA certificate's
//!    time-stamping EKU, the message imprint = hash of this signature's SignatureValue, and
//!    the TSA chain at the token's time under the trust policy (revocation included).
//!
//! pqx verifies RSA PKCS#1 v1.5 TSAs only (as it does signers); a token signed otherwise is
//! [`Error::UnsupportedAlgorithm`].

use super::algorithm::{digest_from_oid, digest_oid};
use super::signer_info::{
    embedded_certificates, parse_signed_data, verify_signer_detailed, SignerFailure,
};
use crate::certificate::Certificate;
use crate::digest::DigestAlgorithm;
use crate::error::{Error, Result};
use crate::policy::{CertificatePolicy, TimeSource};
use crate::trust::TrustPolicy;
pub use crate::verdict::TimestampCheck;
use crate::verdict::{SignatureStatus, Warning};
use cmpv2::status::PkiStatus;
use const_oid::ObjectIdentifier;
use der::asn1::{Int, Null, OctetString};
use der::{Any, Decode, Encode, Tag, Tagged};
use rand_core::RngCore;
use spki::AlgorithmIdentifier;
use time::OffsetDateTime;
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion};

use super::tst_info::TstInfo;

/// `id-ct-TSTInfo` (RFC 3161 §2.4.2): the eContentType of every time-stamp token.
pub const ID_CT_TST_INFO: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");

/// Largest token accepted (a token with a TSA chain is 3–10 KiB).
pub const MAX_TOKEN_SIZE: usize = crate::limits::MAX_TIMESTAMP_TOKEN_SIZE;

/// Gets a time-stamp token for a request: the hook between signing (HTTP-agnostic) and a
/// transport. [`super::http::HttpTimestamper`] is the HTTP one; tests and embedders can
/// implement it (closures `Fn(&TimestampRequest) -> Result<Vec<u8>>` do) to reach a TSA their
/// own way. Implementations return the DER `TimeStampToken`, normally what
/// [`TimestampRequest::accept_response`] returned for the TSA's answer; signing verifies it
/// again anyway.
pub trait Timestamper: Send + Sync {
    /// Obtains a token for `request`, or fails with a message naming what went wrong
    /// ([`Error::Timestamp`]).
    fn timestamp(&self, request: &TimestampRequest) -> Result<Vec<u8>>;
}

impl<F> Timestamper for F
where
    F: Fn(&TimestampRequest) -> Result<Vec<u8>> + Send + Sync,
{
    fn timestamp(&self, request: &TimestampRequest) -> Result<Vec<u8>> {
        self(request)
    }
}

/// An RFC 3161 `TimeStampReq` and what its answer must repeat (imprint and nonce).
#[derive(Clone, Debug)]
pub struct TimestampRequest {
    der: Vec<u8>,
    digest: DigestAlgorithm,
    imprint: Vec<u8>,
    nonce: Int,
}

fn ts_err(m: impl Into<String>) -> Error {
    Error::Timestamp(m.into())
}

impl TimestampRequest {
    /// A request for the hash (with `digest`) of `message` — for pqx, the decoded
    /// `SignatureValue` bytes — with a fresh 64-bit nonce and `certReq` set, so the token
    /// carries the TSA's certificate and verifies offline.
    pub fn new(message: &[u8], digest: DigestAlgorithm) -> Result<Self> {
        let imprint = digest.digest(message);
        let mut nonce_bytes = [0u8; 8];
        rand_core::OsRng.fill_bytes(&mut nonce_bytes);
        // Positive and minimally encoded: high bit clear, first byte non-zero.
        nonce_bytes[0] = (nonce_bytes[0] & 0x3f) | 0x40;
        let nonce = Int::new(&nonce_bytes).map_err(|e| ts_err(e.to_string()))?;
        let req = TimeStampReq {
            version: TspVersion::V1,
            message_imprint: MessageImprint {
                hash_algorithm: AlgorithmIdentifier {
                    oid: digest_oid(digest),
                    // NULL parameters, as `openssl ts -query` writes them: some TSAs refuse
                    // absent ones.
                    parameters: Some(Any::encode_from(&Null).map_err(|e| ts_err(e.to_string()))?),
                },
                hashed_message: OctetString::new(imprint.clone())
                    .map_err(|e| ts_err(e.to_string()))?,
            },
            req_policy: None,
            nonce: Some(nonce.clone()),
            cert_req: true,
            extensions: None,
        };
        let der = req.to_der().map_err(|e| ts_err(e.to_string()))?;
        Ok(TimestampRequest {
            der,
            digest,
            imprint,
            nonce,
        })
    }

    /// The DER `TimeStampReq` (the body of an `application/timestamp-query` POST).
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The digest of the message imprint.
    pub fn digest(&self) -> DigestAlgorithm {
        self.digest
    }

    /// Checks a TSA's DER `TimeStampResp` against this request and returns the DER
    /// `TimeStampToken`: status granted (or granted with modifications), a token present, the
    /// same message imprint and nonce (RFC 3161 §2.4.2), a CMS signature that verifies, a TSA
    /// certificate with the time-stamping EKU. The TSA's chain is judged at verification
    /// time, under the verifier's trust policy.
    pub fn accept_response(&self, response: &[u8]) -> Result<Vec<u8>> {
        let token_der = token_from_response(response)?;
        let opened = open_token(&token_der).map_err(|f| f.error)?;
        require_tsa_purpose(&opened)?;
        if opened.digest != self.digest || opened.imprint != self.imprint {
            return Err(ts_err(
                "the token's message imprint is not the one requested",
            ));
        }
        if opened.nonce.as_ref() != Some(&self.nonce) {
            return Err(ts_err(
                "the token's nonce is not the one requested (replay?)",
            ));
        }
        Ok(token_der)
    }
}

/// A token whose CMS signature verified and whose TSA certificate may time-stamp.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct VerifiedToken {
    /// `genTime`: when the TSA saw the imprint.
    pub time: OffsetDateTime,
    /// The TSA's certificate (the token's signer).
    pub authority: Certificate,
    /// Every certificate in the token, for the TSA chain.
    pub certificates: Vec<Certificate>,
    /// The digest of the message imprint.
    pub digest: DigestAlgorithm,
    /// The digest the TSA signed with (its SignerInfo's digest algorithm).
    pub signer_digest: DigestAlgorithm,
    /// The hashed message of the imprint.
    pub imprint: Vec<u8>,
    /// The TSA's serial number of the token (upper-case hex).
    pub serial: String,
    /// The TSA policy OID.
    pub policy: String,
    nonce: Option<Int>,
}

/// What a token says, read without verifying anything: for inspecting tokens (and for
/// interoperability tests with other TSAs' tokens, whatever their signature algorithm).
/// Never a reason to trust a time — [`check_token`] decides that.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TokenInfo {
    /// `genTime`, fractional seconds included.
    pub time: OffsetDateTime,
    /// The OID of the message imprint's digest.
    pub imprint_digest_oid: String,
    /// The message imprint's digest, when pqx knows it.
    pub imprint_digest: Option<DigestAlgorithm>,
    /// The hashed message of the imprint.
    pub imprint: Vec<u8>,
    /// The TSA's serial number of the token (upper-case hex of the DER integer's bytes).
    pub serial: String,
    /// The TSA policy OID.
    pub policy: String,
    /// The nonce (upper-case hex), when the request had one.
    pub nonce: Option<String>,
    /// The accuracy, when the TSA states one.
    pub accuracy: Option<time::Duration>,
    /// The `ordering` flag.
    pub ordering: bool,
    /// The certificates the token carries (none when the request did not ask for them).
    pub certificates: Vec<Certificate>,
}

/// The parsed parts of a token: its SignedData, the TSTInfo's DER and the TSTInfo.
struct TokenParts {
    signed_data: cms::signed_data::SignedData,
    tst_der: Vec<u8>,
    tst: TstInfo,
}

/// Parses a token's CMS structure and its TSTInfo (size, content type, genTime's form).
fn token_parts(token: &[u8]) -> Result<TokenParts> {
    if token.len() > MAX_TOKEN_SIZE {
        return Err(Error::LimitExceeded(format!(
            "time-stamp token of {} bytes (limit {MAX_TOKEN_SIZE})",
            token.len()
        )));
    }
    let sd = parse_signed_data(token)?;
    if sd.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err(Error::Cms(format!(
            "a time-stamp token holds id-ct-TSTInfo, not {}",
            sd.encap_content_info.econtent_type
        )));
    }
    let econtent = sd
        .encap_content_info
        .econtent
        .as_ref()
        .filter(|c| c.tag() == Tag::OctetString)
        .ok_or_else(|| Error::Cms("the token encapsulates no TSTInfo".into()))?;
    let tst_der = econtent.value().to_vec();
    let tst =
        TstInfo::from_der(&tst_der).map_err(|e| Error::Cms(format!("malformed TSTInfo: {e}")))?;
    Ok(TokenParts {
        signed_data: sd,
        tst_der,
        tst,
    })
}

/// Reads a DER `TimeStampToken` without verifying it ([`TokenInfo`]).
pub fn parse_token(token: &[u8]) -> Result<TokenInfo> {
    let parts = token_parts(token)?;
    let tst = &parts.tst;
    let accuracy = tst.accuracy.as_ref().map(|a| {
        let secs = i64::try_from(a.seconds.unwrap_or(0)).unwrap_or(i64::MAX);
        time::Duration::seconds(secs)
            .saturating_add(time::Duration::milliseconds(i64::from(
                a.millis.unwrap_or(0),
            )))
            .saturating_add(time::Duration::microseconds(i64::from(
                a.micros.unwrap_or(0),
            )))
    });
    Ok(TokenInfo {
        time: tst.gen_time.0,
        imprint_digest_oid: tst.message_imprint.hash_algorithm.oid.to_string(),
        imprint_digest: digest_from_oid(&tst.message_imprint.hash_algorithm.oid),
        imprint: tst.message_imprint.hashed_message.as_bytes().to_vec(),
        serial: hex::encode_upper(tst.serial_number.as_bytes()),
        policy: tst.policy.to_string(),
        nonce: tst.nonce.as_ref().map(|n| hex::encode_upper(n.as_bytes())),
        accuracy,
        ordering: tst.ordering,
        certificates: embedded_certificates(&parts.signed_data)?,
    })
}

/// The DER `TimeStampToken` of a DER `TimeStampResp` whose status is granted (or granted
/// with modifications), without verifying the token.
pub fn token_from_response(response: &[u8]) -> Result<Vec<u8>> {
    if response.len() > MAX_TOKEN_SIZE {
        return Err(ts_err(format!(
            "the response has {} bytes (limit {MAX_TOKEN_SIZE})",
            response.len()
        )));
    }
    let resp = TimeStampResp::from_der(response)
        .map_err(|e| ts_err(format!("not a DER TimeStampResp: {e}")))?;
    match resp.status.status {
        PkiStatus::Accepted | PkiStatus::GrantedWithMods => {}
        other => {
            let text: Vec<String> = resp
                .status
                .status_string
                .iter()
                .flatten()
                .map(|s| s.as_str().to_owned())
                .collect();
            return Err(ts_err(format!(
                "the TSA refused the request: status {other:?}{}{}",
                if text.is_empty() { "" } else { ": " },
                text.join("; ")
            )));
        }
    }
    let token = resp
        .time_stamp_token
        .ok_or_else(|| ts_err("the TSA granted the request but sent no token"))?;
    token.to_der().map_err(|e| ts_err(e.to_string()))
}

/// Parses and verifies a token's CMS structure and signature; does not judge the TSA
/// certificate (its purpose, its chain: the time-stamping policy does) nor the imprint's
/// meaning.
fn open_token(token: &[u8]) -> std::result::Result<VerifiedToken, SignerFailure> {
    let TokenParts {
        signed_data: sd,
        tst_der,
        tst,
    } = token_parts(token)?;
    let signer = verify_signer_detailed(&sd, &tst_der, true)?;
    let digest = digest_from_oid(&tst.message_imprint.hash_algorithm.oid).ok_or_else(|| {
        Error::UnsupportedAlgorithm(format!(
            "time-stamp imprint digest {}",
            tst.message_imprint.hash_algorithm.oid
        ))
    })?;
    Ok(VerifiedToken {
        time: tst.gen_time.0,
        authority: signer.certificate,
        certificates: signer.certificates,
        digest,
        signer_digest: signer.digest,
        imprint: tst.message_imprint.hashed_message.as_bytes().to_vec(),
        serial: hex::encode_upper(tst.serial_number.as_bytes()),
        policy: tst.policy.to_string(),
        nonce: tst.nonce,
    })
}

/// The default time-stamping policy's purpose rule (RFC 3161 §2.3) for a token that is
/// accepted outside a verification — a TSA's answer while signing. Verification judges the
/// authority with the caller's [`CertificatePolicy`] instead ([`check_token`]).
fn require_tsa_purpose(t: &VerifiedToken) -> Result<()> {
    if CertificatePolicy::time_stamping()
        .purpose
        .allows_end_entity(&t.authority)
    {
        return Ok(());
    }
    Err(Error::certificate(
        Some("time-stamp token"),
        format!(
            "the TSA certificate {} ({}) is not a time-stamping authority's: its extended key usage must be critical and list only time stamping (1.3.6.1.5.5.7.3.8), RFC 3161 §2.3",
            t.authority.subject(),
            t.authority.thumbprint_sha1()
        ),
    ))
}

/// Verifies a DER token as a timestamp of `message` (the decoded SignatureValue): CMS
/// signature, ESS binding, time-stamping EKU, and imprint = hash of `message`. Failures are
/// [`Error::Cms`], [`Error::Certificate`] (EKU), [`Error::UnsupportedAlgorithm`] or
/// [`Error::Timestamp`] (imprint).
pub fn verify_token(token: &[u8], message: &[u8]) -> Result<VerifiedToken> {
    let t = open_token(token).map_err(|f| f.error)?;
    require_tsa_purpose(&t)?;
    if t.digest.digest(message) != t.imprint {
        return Err(ts_err(
            "the token's message imprint is not the hash of this SignatureValue: it time-stamps another signature",
        ));
    }
    Ok(t)
}

/// Checks the token embedded in a signature whose decoded SignatureValue is `signature_value`:
/// [`verify_token`], then the authority under `tsa_policy` at the token's time, with `trust`
/// deciding whom to trust ([`CertificatePolicy::judge`]): a refusal (fatal chain flag,
/// revocation at or before the token's time, wrong usage) makes it invalid; an untrusted
/// root or partial chain does not (it is reported, as for signers), but then
/// [`TimestampCheck::is_trusted`] is false and the token moves no evaluation time.
pub fn check_token(
    token: &[u8],
    signature_value: &[u8],
    tsa_policy: &CertificatePolicy,
    trust: &TrustPolicy,
) -> TimestampCheck {
    let t = match open_token(token) {
        Ok(t) => t,
        Err(SignerFailure { mismatch, error }) => {
            return TimestampCheck::failed(
                SignatureStatus::classify(&error, mismatch),
                format!("time-stamp token: {error}"),
            );
        }
    };
    let mut check = TimestampCheck {
        status: SignatureStatus::Success,
        reason: None,
        time: Some(t.time),
        authority: Some(t.authority.clone()),
        chain: None,
        warnings: Vec::new(),
    };
    if t.digest.is_weak() || t.signer_digest.is_weak() {
        check.warnings.push(Warning::Sha1Timestamp);
    }
    if t.digest.digest(signature_value) != t.imprint {
        check.status = SignatureStatus::InvalidSignature;
        check.reason = Some("the time-stamp token's message imprint is not the hash of this SignatureValue: it time-stamps another signature".into());
        return check;
    }
    let others: Vec<Certificate> = t
        .certificates
        .iter()
        .filter(|c| **c != t.authority)
        .cloned()
        .collect();
    let judgement = tsa_policy.judge(&t.authority, &others, trust, t.time, TimeSource::Timestamp);
    if let Some(refusal) = judgement.refusal {
        check.status = SignatureStatus::InvalidCertificate;
        check.reason = Some(format!("time-stamp authority: {refusal}"));
    }
    check.chain = Some(judgement.chain);
    check
}

/// The digest pqx asks TSAs to use for a signature made with `signature_digest`: the same,
/// but never SHA-1 (a SHA-1 imprint would make the timestamp the weak link).
pub fn imprint_digest(signature_digest: DigestAlgorithm) -> DigestAlgorithm {
    if signature_digest.is_weak() {
        DigestAlgorithm::Sha256
    } else {
        signature_digest
    }
}

/// Runs `timestamper` for `signature_value` and returns a token that verifies over it. What
/// signing calls after the SignatureValue exists and before anything is written.
pub fn timestamp_signature_value(
    timestamper: &dyn Timestamper,
    signature_value: &[u8],
    digest: DigestAlgorithm,
) -> Result<Vec<u8>> {
    let request = TimestampRequest::new(signature_value, imprint_digest(digest))?;
    let token = timestamper.timestamp(&request)?;
    verify_token(&token, signature_value)?;
    Ok(token)
}

impl std::fmt::Debug for dyn Timestamper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Timestamper")
    }
}
