//! Verdicts: the statuses a signature can get, the record of one signature's checks, and the
//! one mapping from an [`Error`] to a status.
//!
//! These types sit *below* everything that verifies — the OPC package verifier
//! ([`crate::verify`]), detached CMS ([`crate::cms::detached`]) and time-stamp tokens
//! ([`crate::cms::timestamp`]) — so that each of them reports in the same vocabulary and an
//! error means the same status wherever it happens. The layers of verification form a DAG:
//!
//! ```text
//! certificate → trust → policy → verdict → cms → verify
//! ```
//!
//! `judge_signer` is the verdict on a signer that package and detached CMS verification
//! share: the code-signing policy at the evaluation time, plus the claimed signing time.
//!
//! ```text
//! ```

use crate::certificate::Certificate;
use crate::digest::DigestAlgorithm;
use crate::error::{Error, ErrorKind};
use crate::opc::PartName;
use crate::policy::{TimeSource, VerifyOptions};
use crate::signature::Selector;
use crate::trust::Chain;
use serde::Serialize;
use time::OffsetDateTime;

/// The outcome of verifying a package or a signature: .NET's `VerifyResult` names, plus
/// pqx's own where those say too little. See docs/FORMAT.md for each value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum SignatureStatus {
    /// Every signature verified, every part and relationship is covered.
    Success,
    /// A SignatureValue, Object digest, part digest or content type does not match.
    InvalidSignature,
    /// No certificate for a signature (neither a certificate part nor KeyInfo/X509Data).
    CertificateRequired,
    /// The signer certificate is unacceptable: expired or not yet valid, key below 2048 bits,
    /// no code-signing EKU, a CA certificate, a broken chain, or no unambiguous signer.
    InvalidCertificate,
    /// A part a signature references is missing.
    ReferenceNotFound,
    /// The package has no signature.
    NotSigned,
    /// (pqx) All signatures verify but a part or relationship is covered by none of them.
    UnsignedParts,
    /// (pqx) A signature part does not have the structure OPC signatures must have.
    MalformedSignature,
    /// (pqx) A signature uses an algorithm pqx does not accept (MD5, unknown URIs, non-RSA keys).
    UnsupportedAlgorithm,
}

impl SignatureStatus {
    /// Every status, in declaration order: what reads a printed name back
    /// ([`crate::audit::AuditStatus::from_name`]) and what the bindings check their own
    /// lists against.
    pub const ALL: [SignatureStatus; 9] = [
        SignatureStatus::Success,
        SignatureStatus::InvalidSignature,
        SignatureStatus::CertificateRequired,
        SignatureStatus::InvalidCertificate,
        SignatureStatus::ReferenceNotFound,
        SignatureStatus::NotSigned,
        SignatureStatus::UnsignedParts,
        SignatureStatus::MalformedSignature,
        SignatureStatus::UnsupportedAlgorithm,
    ];

    /// The name printed in reports (`"Success"`, …).
    pub fn name(self) -> &'static str {
        match self {
            SignatureStatus::Success => "Success",
            SignatureStatus::InvalidSignature => "InvalidSignature",
            SignatureStatus::CertificateRequired => "CertificateRequired",
            SignatureStatus::InvalidCertificate => "InvalidCertificate",
            SignatureStatus::ReferenceNotFound => "ReferenceNotFound",
            SignatureStatus::NotSigned => "NotSigned",
            SignatureStatus::UnsignedParts => "UnsignedParts",
            SignatureStatus::MalformedSignature => "MalformedSignature",
            SignatureStatus::UnsupportedAlgorithm => "UnsupportedAlgorithm",
        }
    }

    /// The status an error gives a signature, the one mapping every verifier uses: an
    /// unsupported algorithm is `UnsupportedAlgorithm`, a certificate problem
    /// `InvalidCertificate`, a signature that parsed but does not match (`mismatch`)
    /// `InvalidSignature`, anything else (structure, limits, encoding) `MalformedSignature`.
    pub fn classify(error: &Error, mismatch: bool) -> SignatureStatus {
        match error.kind() {
            ErrorKind::UnsupportedAlgorithm => SignatureStatus::UnsupportedAlgorithm,
            ErrorKind::Certificate => SignatureStatus::InvalidCertificate,
            _ if mismatch => SignatureStatus::InvalidSignature,
            _ => SignatureStatus::MalformedSignature,
        }
    }
}

/// The verification of one signature part.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SignatureCheck {
    /// The signature part.
    pub part: PartName,
    /// Its status.
    pub status: SignatureStatus,
    /// Why, when not `Success`.
    pub reason: Option<String>,
    /// The signer certificate, when one was found.
    pub signer: Option<Certificate>,
    /// The chain built for the signer.
    pub chain: Option<Chain>,
    /// Digest algorithm of the manifest references.
    pub digest: Option<DigestAlgorithm>,
    /// Digest of the RSA signature method.
    pub signature_method: Option<DigestAlgorithm>,
    /// The SignatureTime value as written (claimed by the signer).
    pub signing_time: Option<String>,
    /// Signature parts this signature covers (it is a countersignature of those).
    pub countersigns: Vec<PartName>,
    /// Content parts this signature covers.
    pub covered_parts: Vec<PartName>,
    /// Relationship parts and the selectors this signature covers them with.
    pub covered_relationships: Vec<(PartName, Vec<Selector>)>,
    /// Non-fatal findings (weak SHA-1, …).
    pub warnings: Vec<Warning>,
    /// The embedded RFC 3161 timestamp's verdict, when the signature carries one.
    pub timestamp: Option<TimestampCheck>,
}

impl SignatureCheck {
    /// A check of `part` that has found nothing yet (status `Success` until something fails).
    pub(crate) fn new(part: PartName) -> Self {
        SignatureCheck {
            part,
            status: SignatureStatus::Success,
            reason: None,
            signer: None,
            chain: None,
            digest: None,
            signature_method: None,
            signing_time: None,
            countersigns: Vec::new(),
            covered_parts: Vec::new(),
            covered_relationships: Vec::new(),
            warnings: Vec::new(),
            timestamp: None,
        }
    }

    /// Whether the signer chains to the trust policy and, when a timestamp fixed the time
    /// the signer was judged at, the time-stamping authority does too (the time is only as
    /// trustworthy as the TSA).
    pub fn is_trusted(&self) -> bool {
        self.chain.as_ref().is_some_and(Chain::is_trusted)
            && self
                .timestamp
                .as_ref()
                .is_none_or(TimestampCheck::is_trusted)
    }
}

/// The verification of a whole package.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Verification {
    /// The overall status: the first failing signature's, else `UnsignedParts` when something
    /// is not covered, else `Success` (or `NotSigned`).
    pub status: SignatureStatus,
    /// Each signature, in origin-relationship order.
    pub signatures: Vec<SignatureCheck>,
    /// Parts and relationships no valid signature covers (displayed `/x.pq`,
    /// `/_rels/.rels#R1`).
    pub unsigned: Vec<Unsigned>,
    /// Package-level warnings.
    pub warnings: Vec<Warning>,
}

impl Verification {
    /// Whether the package verified (`Success`).
    pub fn is_valid(&self) -> bool {
        self.status == SignatureStatus::Success
    }

    /// Whether it verified and every signer chains to the trust policy (and every
    /// time-stamping authority relied on, see [`SignatureCheck::is_trusted`]).
    pub fn is_trusted(&self) -> bool {
        self.is_valid() && self.signatures.iter().all(SignatureCheck::is_trusted)
    }

    /// A verification made of `checks` (used for a detached CMS signature).
    pub(crate) fn from_checks(
        status: SignatureStatus,
        signatures: Vec<SignatureCheck>,
        warnings: Vec<Warning>,
    ) -> Self {
        Verification {
            status,
            signatures,
            unsigned: Vec::new(),
            warnings,
        }
    }
}

/// Something in a package that no valid signature covers: Power BI would load it unsigned,
/// so pqx reports it (and the package is `UnsignedParts`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unsigned {
    /// A part whose bytes no signature references.
    Part(PartName),
    /// A relationship no signature's RelationshipTransform selects: the relationship part
    /// it is in and its `Id`.
    Relationship {
        /// The relationship part (`/_rels/.rels`, …).
        part: PartName,
        /// The relationship's `Id`.
        id: String,
    },
}

impl std::fmt::Display for Unsigned {
    /// `/x.pq` for a part, `/_rels/.rels#R1` for a relationship: the report's form.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unsigned::Part(p) => write!(f, "{p}"),
            Unsigned::Relationship { part, id } => write!(f, "{part}#{id}"),
        }
    }
}

/// A non-fatal finding of verification: the signature stands, but someone should know.
/// Reports print its [`Display`](std::fmt::Display) text; code matches the variant (e.g.
/// [`Warning::is_sha1`]) instead of searching that text.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Warning {
    /// A signature's digests or signature method use SHA-1.
    Sha1Signature,
    /// A time-stamp token's imprint or its TSA's signature uses SHA-1.
    Sha1Timestamp,
    /// Package level: some signature (or its timestamp) uses SHA-1.
    Sha1InPackage,
    /// A detached CMS signature uses SHA-1.
    Sha1DetachedSignature,
    /// The signer's claimed SignatureTime is later than the timestamp's time (by more than
    /// five minutes of clock skew).
    SignatureTimeAfterTimestamp {
        /// The SignatureTime claimed.
        claimed: OffsetDateTime,
        /// The timestamp's genTime.
        timestamp: OffsetDateTime,
    },
    /// The timestamp's authority does not chain to the trust policy, so the signer was judged
    /// now rather than at the timestamp's time.
    UntrustedTimestampAuthority,
}

impl Warning {
    /// Whether the warning is about SHA-1.
    pub fn is_sha1(&self) -> bool {
        matches!(
            self,
            Warning::Sha1Signature
                | Warning::Sha1Timestamp
                | Warning::Sha1InPackage
                | Warning::Sha1DetachedSignature
        )
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Warning::Sha1Signature => f.write_str("uses SHA-1, which is weak"),
            Warning::Sha1Timestamp => f.write_str("the timestamp uses SHA-1, which is weak"),
            Warning::Sha1InPackage => {
                f.write_str("a signature uses SHA-1, which is weak: re-sign with SHA-256")
            }
            Warning::Sha1DetachedSignature => {
                f.write_str("the detached signature uses SHA-1, which is weak")
            }
            Warning::SignatureTimeAfterTimestamp { claimed, timestamp } => write!(
                f,
                "the SignatureTime claims {}, after the timestamp's time {}",
                crate::certificate::format_report_time(*claimed),
                crate::certificate::format_report_time(*timestamp)
            ),
            Warning::UntrustedTimestampAuthority => f.write_str(
                "the timestamp's authority does not chain to the trust policy: the signer is judged now, not at the timestamp's time",
            ),
        }
    }
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
    /// Non-fatal findings about the token (a SHA-1 imprint or TSA signature), copied into
    /// the signature's warnings.
    pub warnings: Vec<Warning>,
}

impl TimestampCheck {
    /// Whether the token is valid, so the signer may be evaluated at its time.
    pub fn is_valid(&self) -> bool {
        self.status == SignatureStatus::Success
    }

    /// Valid and the TSA chains to the trust policy (anchor or pin).
    pub fn is_trusted(&self) -> bool {
        self.is_valid() && self.chain.as_ref().is_some_and(Chain::is_trusted)
    }

    pub(crate) fn failed(status: SignatureStatus, reason: String) -> Self {
        TimestampCheck {
            status,
            reason: Some(reason),
            time: None,
            authority: None,
            chain: None,
            warnings: Vec::new(),
        }
    }
}

/// A failed check on the way through a verifier: the status it gives the signature and why.
#[derive(Debug)]
pub(crate) struct Failure(pub(crate) SignatureStatus, pub(crate) String);

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure(SignatureStatus::classify(&e, false), e.to_string())
    }
}

/// `Err(Failure(status, reason))`, for `?`-style early returns in the verifiers.
pub(crate) fn fail<T>(
    status: SignatureStatus,
    reason: impl Into<String>,
) -> std::result::Result<T, Failure> {
    Err(Failure(status, reason.into()))
}

/// The signer certificate and the others the signature carries.
pub(crate) struct Signer {
    /// The signer.
    pub(crate) certificate: Certificate,
    /// The other certificates (candidate issuers), signer excluded.
    pub(crate) others: Vec<Certificate>,
}

/// The time a signer is judged at, and where it came from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EvaluationPoint {
    /// The time.
    pub(crate) at: OffsetDateTime,
    /// Its source.
    pub(crate) source: TimeSource,
}

/// Phase 7 — the signer certificate under the code-signing policy
/// ([`CertificatePolicy::judge`]) at the evaluation time, and valid at the time the signature
/// claims. Shared by package signatures and detached CMS signatures; records the chain.
pub(crate) fn judge_signer(
    signer: &Signer,
    claimed: Option<OffsetDateTime>,
    time: EvaluationPoint,
    options: &VerifyOptions,
    check: &mut SignatureCheck,
) -> std::result::Result<(), Failure> {
    let judgement = options.signing.judge(
        &signer.certificate,
        &signer.others,
        &options.policy,
        time.at,
        time.source,
    );
    check.chain = Some(judgement.chain);
    let refusal = judgement.refusal.or_else(|| {
        claimed.and_then(|c| options.signing.check_claimed_time(&signer.certificate, c))
    });
    match refusal {
        Some(r) => fail(SignatureStatus::InvalidCertificate, r.to_string()),
        None => Ok(()),
    }
}

#[cfg(test)]
mod all_statuses_tests {
    use super::SignatureStatus;

    #[test]
    fn all_lists_every_status_once() {
        // Exhaustive: a new status fails to compile here until it is in ALL.
        let listed = |s: SignatureStatus| match s {
            SignatureStatus::Success
            | SignatureStatus::InvalidSignature
            | SignatureStatus::CertificateRequired
            | SignatureStatus::InvalidCertificate
            | SignatureStatus::ReferenceNotFound
            | SignatureStatus::NotSigned
            | SignatureStatus::UnsignedParts
            | SignatureStatus::MalformedSignature
            | SignatureStatus::UnsupportedAlgorithm => SignatureStatus::ALL.contains(&s),
        };
        assert!(SignatureStatus::ALL.into_iter().all(listed));
        let mut names: Vec<&str> = SignatureStatus::ALL.iter().map(|s| s.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SignatureStatus::ALL.len());
    }
}
