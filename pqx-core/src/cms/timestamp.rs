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
use super::signer_info::{parse_signed_data, to_offset, verify_signer_detailed, SignerFailure};
use crate::certificate::Certificate;
use crate::digest::DigestAlgorithm;
use crate::error::{Error, Result};
use crate::trust::{build_chain, Chain, ChainStatus, TrustPolicy, TrustSource};
use crate::verify::SignatureStatus;
use cmpv2::status::PkiStatus;
use const_oid::db::rfc5280::ID_KP_TIME_STAMPING;
use const_oid::ObjectIdentifier;
use der::asn1::{Int, Null, OctetString};
use der::{Any, Decode, Encode, Tag, Tagged};
use rand_core::RngCore;
use spki::AlgorithmIdentifier;
use time::OffsetDateTime;
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion, TstInfo};

/// `id-ct-TSTInfo` (RFC 3161 §2.4.2): the eContentType of every time-stamp token.
pub const ID_CT_TST_INFO: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");

/// Largest token accepted (a token with a TSA chain is 3–10 KiB).
pub const MAX_TOKEN_SIZE: usize = 256 * 1024;

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
        let token_der = token.to_der().map_err(|e| ts_err(e.to_string()))?;
        let opened = open_token(&token_der).map_err(|f| f.error)?;
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
    /// The hashed message of the imprint.
    pub imprint: Vec<u8>,
    /// The TSA's serial number of the token (upper-case hex).
    pub serial: String,
    /// The TSA policy OID.
    pub policy: String,
    nonce: Option<Int>,
}

/// Parses and verifies a token's CMS structure and signature and the TSA's EKU; does not
/// look at the imprint's meaning or the chain.
fn open_token(token: &[u8]) -> std::result::Result<VerifiedToken, SignerFailure> {
    if token.len() > MAX_TOKEN_SIZE {
        return Err(Error::LimitExceeded(format!(
            "time-stamp token of {} bytes (limit {MAX_TOKEN_SIZE})",
            token.len()
        ))
        .into());
    }
    let sd = parse_signed_data(token)?;
    if sd.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err(Error::Cms(format!(
            "a time-stamp token holds id-ct-TSTInfo, not {}",
            sd.encap_content_info.econtent_type
        ))
        .into());
    }
    let econtent = sd
        .encap_content_info
        .econtent
        .as_ref()
        .filter(|c| c.tag() == Tag::OctetString)
        .ok_or_else(|| Error::Cms("the token encapsulates no TSTInfo".into()))?;
    let tst_der = econtent.value();
    let tst =
        TstInfo::from_der(tst_der).map_err(|e| Error::Cms(format!("malformed TSTInfo: {e}")))?;
    let signer = verify_signer_detailed(&sd, tst_der, true)?;
    if signer.certificate.has_eku(ID_KP_TIME_STAMPING) != Some(true) {
        return Err(SignerFailure {
            mismatch: false,
            error: Error::certificate(
                Some("time-stamp token"),
                format!(
                    "the TSA certificate {} ({}) lacks the time-stamping extended key usage (1.3.6.1.5.5.7.3.8)",
                    signer.certificate.subject(),
                    signer.certificate.thumbprint_sha1()
                ),
            ),
        });
    }
    let digest = digest_from_oid(&tst.message_imprint.hash_algorithm.oid).ok_or_else(|| {
        Error::UnsupportedAlgorithm(format!(
            "time-stamp imprint digest {}",
            tst.message_imprint.hash_algorithm.oid
        ))
    })?;
    Ok(VerifiedToken {
        time: to_offset(x509_cert::time::Time::GeneralTime(tst.gen_time)),
        authority: signer.certificate,
        certificates: signer.certificates,
        digest,
        imprint: tst.message_imprint.hashed_message.as_bytes().to_vec(),
        serial: hex::encode_upper(tst.serial_number.as_bytes()),
        policy: tst.policy.to_string(),
        nonce: tst.nonce,
    })
}

/// Verifies a DER token as a timestamp of `message` (the decoded SignatureValue): CMS
/// signature, ESS binding, time-stamping EKU, and imprint = hash of `message`. Failures are
/// [`Error::Cms`], [`Error::Certificate`] (EKU), [`Error::UnsupportedAlgorithm`] or
/// [`Error::Timestamp`] (imprint).
pub fn verify_token(token: &[u8], message: &[u8]) -> Result<VerifiedToken> {
    let t = open_token(token).map_err(|f| f.error)?;
    if t.digest.digest(message) != t.imprint {
        return Err(ts_err(
            "the token's message imprint is not the hash of this SignatureValue: it time-stamps another signature",
        ));
    }
    Ok(t)
}

/// The verdict on an embedded token, for reports.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TimestampCheck {
    /// `Success` when the token is valid; otherwise the status it gives the signature
    /// (`InvalidSignature` for a token that does not verify or stamps another signature,
    /// `InvalidCertificate` for a TSA certificate problem, `UnsupportedAlgorithm`,
    /// `MalformedSignature`).
    pub status: SignatureStatus,
    /// Why, when not valid.
    pub reason: Option<String>,
    /// `genTime`, once the token's signature verified.
    pub time: Option<OffsetDateTime>,
    /// The TSA certificate, once found.
    pub authority: Option<Certificate>,
    /// The TSA chain, built at `time`.
    pub chain: Option<Chain>,
}

impl TimestampCheck {
    /// Whether the token is valid, so the signer may be evaluated at its time.
    pub fn is_valid(&self) -> bool {
        self.status == SignatureStatus::Success
    }

    /// Valid and the TSA chains to the trust policy (anchor or pin).
    pub fn is_trusted(&self) -> bool {
        self.is_valid() && self.chain.as_ref().is_some_and(|c| c.trusted)
    }

    fn failed(status: SignatureStatus, reason: String) -> Self {
        TimestampCheck {
            status,
            reason: Some(reason),
            time: None,
            authority: None,
            chain: None,
        }
    }
}

/// Checks the token embedded in a signature whose decoded SignatureValue is `signature_value`:
/// [`verify_token`], then the TSA chain at the token's time under `policy` — fatal chain
/// errors (a bad signature, not time valid, basic constraints, cycle, distrust) and
/// revocation at or before the token's time make it invalid; an untrusted root or partial
/// chain does not (it is reported, as for signers), but then [`TimestampCheck::is_trusted`]
/// is false.
pub fn check_token(token: &[u8], signature_value: &[u8], policy: &TrustPolicy) -> TimestampCheck {
    let t = match open_token(token) {
        Ok(t) => t,
        Err(SignerFailure { mismatch, error }) => {
            let status = match error.kind() {
                crate::ErrorKind::UnsupportedAlgorithm => SignatureStatus::UnsupportedAlgorithm,
                crate::ErrorKind::Certificate => SignatureStatus::InvalidCertificate,
                crate::ErrorKind::LimitExceeded => SignatureStatus::MalformedSignature,
                _ if mismatch => SignatureStatus::InvalidSignature,
                _ => SignatureStatus::MalformedSignature,
            };
            return TimestampCheck::failed(status, format!("time-stamp token: {error}"));
        }
    };
    let mut check = TimestampCheck {
        status: SignatureStatus::Success,
        reason: None,
        time: Some(t.time),
        authority: Some(t.authority.clone()),
        chain: None,
    };
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
    let mut chain = tsa_chain(&t.authority, &others, policy, t.time);
    let revoked = crate::trust::apply_revocation(&mut chain, policy, t.time);
    let fatal = chain.status.bits() & fatal_chain_flags().bits();
    if let Err(e) = revoked {
        check.status = SignatureStatus::InvalidCertificate;
        check.reason = Some(format!("time-stamp authority: {e}"));
    } else if fatal != 0 {
        check.status = SignatureStatus::InvalidCertificate;
        check.reason = Some(format!(
            "time-stamp authority certificate chain at {}: {}",
            crate::certificate::format_report_time(t.time),
            ChainStatus::from_bits(fatal).to_dotnet_string()
        ));
    }
    check.chain = Some(chain);
    check
}

/// Chain flags that make a certificate chain unacceptable (an untrusted root or a partial
/// chain is reported but accepted, as MakePQX does).
pub(crate) fn fatal_chain_flags() -> ChainStatus {
    ChainStatus::NOT_TIME_VALID
        | ChainStatus::NOT_SIGNATURE_VALID
        | ChainStatus::NOT_VALID_FOR_USAGE
        | ChainStatus::CYCLIC
        | ChainStatus::INVALID_BASIC_CONSTRAINTS
        | ChainStatus::EXPLICIT_DISTRUST
        | ChainStatus::REVOKED
}

/// [`build_chain`] for a TSA certificate. `build_chain` judges a *code signer*, so it flags a
/// leaf whose EKU lacks code signing as `NotValidForUsage` — which every proper TSA
/// certificate is (its EKU is time-stamping only, RFC 3161 §2.3). That flag is taken off the
/// TSA's own element here (its usage is checked separately, for the time-stamping EKU), and
/// the verdict recomputed: no error flags, and the chain reaches an anchor or holds a pin.
fn tsa_chain(
    tsa: &Certificate,
    others: &[Certificate],
    policy: &TrustPolicy,
    at: OffsetDateTime,
) -> Chain {
    let mut chain = build_chain(tsa, others, policy, at);
    if let Some(first) = chain.elements.first_mut() {
        first.status.remove(ChainStatus::NOT_VALID_FOR_USAGE);
    }
    chain.status = chain
        .elements
        .iter()
        .fold(ChainStatus::NO_ERROR, |acc, e| acc | e.status);
    let anchored = chain.top().is_some_and(|c| policy.is_anchor(c));
    let pinned = chain
        .elements
        .iter()
        .any(|e| policy.is_pinned(&e.certificate));
    chain.trust_source = match (chain.status.errors().is_ok(), anchored, pinned) {
        (true, true, _) => Some(TrustSource::Anchor),
        (true, false, true) => Some(TrustSource::Pinned),
        _ => None,
    };
    chain.trusted = chain.trust_source.is_some();
    chain
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
