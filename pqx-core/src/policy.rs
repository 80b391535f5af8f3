//! Certificate policy: what makes a certificate acceptable for a use, decided in one place.
//!
//! sequoia-openpgp's lesson: what is acceptable (algorithms, key sizes, usages, times) is a
//! *value* handed to the mechanics, not `if` statements spread through them. pqx has two
//! uses, each with its own [`CertificatePolicy`]:
//!
//! * [`CertificatePolicy::code_signing`] judges the signer of a `.pqx` (and of a detached
//!   `.p7s`). **Signing and verifying apply the same value**: [`crate::sign`] refuses up front,
//!   with the same [`Refusal`], every certificate that [`crate::verify`] would report as
//!   `InvalidCertificate` on the same day — so whatever pqx signs, pqx verifies.
//! * [`CertificatePolicy::time_stamping`] judges the authority of an RFC 3161 token.
//!
//! *Whom* the user trusts (anchors, pinned thumbprints, revocation) is the other half of a
//! trust decision and lives in [`TrustPolicy`]; [`CertificatePolicy::judge`] takes both and is
//! the only function in pqx that decides whether a certificate is acceptable.
//!
//! The code-signing rules, each a [`Refusal`]:
//! 1. an RSA key of at least [`CertificatePolicy::min_rsa_bits`] (2048) bits — Power BI's
//!    signatures are RSA;
//! 2. not a CA certificate, unless it is self-signed: a self-signed certificate is its own
//!    root, and Power BI's documentation tells authors to test with one (both `openssl req
//!    -x509`, which sets `cA=true`, and PowerShell's `New-SelfSignedCertificate -Type
//!    CodeSigningCert` make that shape; Windows accepts either);
//! 3. the extended key usage allows the purpose ([`KeyPurpose`]);
//! 4. valid at the evaluation time;
//! 5. not revoked at or before the evaluation time (the trust policy's CRLs and lists);
//! 6. no chain flag in [`CertificatePolicy::fatal_chain_flags`]. An untrusted root or a
//!    partial chain is *not* fatal: MakePQX reports `UntrustedRoot` and still exits 0, and so
//!    does pqx; the report's `Valid` and the trust verdict say whether the user trusts it.

use crate::certificate::{format_report_time, Certificate, KeyPurpose};
use crate::host_digest::HostDigests;
use crate::limits::Limits;
use crate::trust::{apply_revocation, build_chain_for, Chain, ChainStatus, TrustPolicy};
use std::fmt;
use time::OffsetDateTime;

/// Smallest RSA modulus, in bits, that either policy accepts by default.
pub const DEFAULT_MIN_RSA_BITS: usize = 2048;

/// How the time a certificate is judged at is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EvaluationTime {
    /// The verifier's clock (or the caller's fixed time) — unless an RFC 3161 token whose
    /// authority chains to the trust policy proves that the signature existed earlier; then
    /// the token's time. A token from an authority the user does not trust moves nothing: it
    /// is the authority's word, and the word of a stranger proves no time.
    NowOrTrustedTimestamp,
    /// The time the certificate's holder acted: a time-stamping authority is judged at the
    /// token's `genTime` (and the token's trust then decides whether that time is used).
    ActionTime,
}

/// What a certificate must be to be accepted for one use. See the module documentation.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CertificatePolicy {
    /// The purpose the end-entity certificate (and the CAs above it) must allow.
    pub purpose: KeyPurpose,
    /// Smallest RSA modulus of the end-entity key, in bits.
    pub min_rsa_bits: usize,
    /// Chain flags that make the certificate unacceptable. Flags not listed here (an
    /// untrusted root, a partial chain, a weak SHA-1 signature) are reported, not fatal.
    pub fatal_chain_flags: ChainStatus,
    /// How the evaluation time is chosen.
    pub evaluation_time: EvaluationTime,
}

impl CertificatePolicy {
    /// The policy for a `.pqx` (or `.p7s`) signer.
    pub fn code_signing() -> Self {
        CertificatePolicy {
            purpose: KeyPurpose::CodeSigning,
            min_rsa_bits: DEFAULT_MIN_RSA_BITS,
            fatal_chain_flags: default_fatal_flags(),
            evaluation_time: EvaluationTime::NowOrTrustedTimestamp,
        }
    }

    /// The policy for the authority of an RFC 3161 time-stamp token (RFC 3161 §2.3: the
    /// time-stamping EKU, critical and alone).
    pub fn time_stamping() -> Self {
        CertificatePolicy {
            purpose: KeyPurpose::TimeStamping,
            min_rsa_bits: DEFAULT_MIN_RSA_BITS,
            fatal_chain_flags: default_fatal_flags(),
            evaluation_time: EvaluationTime::ActionTime,
        }
    }

    /// Judges `leaf`, with the other certificates the signature carries, at `at` under
    /// `trust`: builds the chain (revocation applied) and checks the rules of the module
    /// documentation in order, returning the chain and the first rule broken. `source` says
    /// where `at` came from, for the messages.
    pub fn judge(
        &self,
        leaf: &Certificate,
        others: &[Certificate],
        trust: &TrustPolicy,
        at: OffsetDateTime,
        source: TimeSource,
    ) -> Judgement {
        let mut chain = build_chain_for(self.purpose, leaf, others, trust, at);
        let revoked = apply_revocation(&mut chain, trust, at);
        let refusal = self.first_refusal(leaf, &chain, revoked.err(), at, source);
        Judgement { chain, refusal }
    }

    /// The check signing makes before anything is written: [`CertificatePolicy::judge`] of
    /// the signer with the chain the signature will carry, at the signing time, under
    /// `trust` — the very judgement verification will make — so a certificate that
    /// verification would refuse is refused here, with the same reason, as
    /// [`Error::SigningPolicy`](crate::Error::SigningPolicy).
    pub fn check_signer(
        &self,
        signer: &Certificate,
        chain: &[Certificate],
        trust: &TrustPolicy,
        at: OffsetDateTime,
    ) -> crate::Result<Chain> {
        let others: Vec<Certificate> = chain.iter().filter(|c| *c != signer).cloned().collect();
        let judgement = self.judge(signer, &others, trust, at, TimeSource::Now);
        match judgement.refusal {
            Some(r) => Err(crate::Error::SigningPolicy(format!(
                "{} ({}): {r}",
                signer.subject(),
                signer.thumbprint_sha1()
            ))),
            None => Ok(judgement.chain),
        }
    }

    /// The rule a signature's *claimed* signing time adds (SignatureTime, CMS signing-time):
    /// the certificate must have been valid then too. A signer cannot claim to have signed
    /// before its certificate existed, nor after it ended.
    pub fn check_claimed_time(
        &self,
        leaf: &Certificate,
        claimed: OffsetDateTime,
    ) -> Option<Refusal> {
        if claimed < leaf.not_before() {
            Some(Refusal::NotYetValid {
                from: leaf.not_before(),
                at: claimed,
                source: TimeSource::Claimed,
            })
        } else if claimed > leaf.not_after() {
            Some(Refusal::Expired {
                until: leaf.not_after(),
                at: claimed,
                source: TimeSource::Claimed,
            })
        } else {
            None
        }
    }

    /// The first rule `leaf` breaks, given its chain and the revocation verdict.
    fn first_refusal(
        &self,
        leaf: &Certificate,
        chain: &Chain,
        revoked: Option<crate::Error>,
        at: OffsetDateTime,
        source: TimeSource,
    ) -> Option<Refusal> {
        if let Err(e) = leaf.rsa_public_key() {
            return Some(Refusal::NotRsa(e.to_string()));
        }
        let bits = leaf.key_bits().unwrap_or(0);
        if bits < self.min_rsa_bits {
            return Some(Refusal::KeyTooSmall {
                bits,
                minimum: self.min_rsa_bits,
            });
        }
        if leaf.is_ca() && !leaf.is_self_signed() {
            return Some(Refusal::CaCertificate);
        }
        if !self.purpose.allows_end_entity(leaf) {
            return Some(Refusal::WrongPurpose(self.purpose));
        }
        if at < leaf.not_before() {
            return Some(Refusal::NotYetValid {
                from: leaf.not_before(),
                at,
                source,
            });
        }
        if at > leaf.not_after() {
            return Some(Refusal::Expired {
                until: leaf.not_after(),
                at,
                source,
            });
        }
        if let Some(e) = revoked {
            return Some(Refusal::Revoked(e.to_string()));
        }
        let fatal = ChainStatus::from_bits(chain.status.bits() & self.fatal_chain_flags.bits());
        if fatal != ChainStatus::NO_ERROR {
            return Some(Refusal::Chain(fatal));
        }
        None
    }
}

/// What verification is checked against.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct VerifyOptions {
    /// Trust anchors and pinned thumbprints (default: none — chains end in `UntrustedRoot`,
    /// as MakePQX reports on a machine that does not trust the root).
    pub policy: TrustPolicy,
    /// What a signer certificate must be (default [`CertificatePolicy::code_signing`], the
    /// same value signing applies).
    pub signing: CertificatePolicy,
    /// What a time-stamping authority's certificate must be (default
    /// [`CertificatePolicy::time_stamping`]).
    pub time_stamping: CertificatePolicy,
    /// The time certificates are evaluated at (default: now).
    pub now: Option<OffsetDateTime>,
    /// Resource limits for reading signature parts.
    pub limits: Limits,
    /// Digests of large stored parts that the host computed with its own, faster hash (see
    /// [`crate::host_digest`]); default none: pqx hashes everything itself.
    pub host_digests: HostDigests,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            policy: TrustPolicy::default(),
            signing: CertificatePolicy::code_signing(),
            time_stamping: CertificatePolicy::time_stamping(),
            now: None,
            limits: Limits::default(),
            host_digests: HostDigests::default(),
        }
    }
}

impl VerifyOptions {
    /// Options with a trust policy.
    pub fn with_policy(policy: TrustPolicy) -> Self {
        VerifyOptions {
            policy,
            ..Self::default()
        }
    }

    /// Evaluates certificates at `t` instead of now.
    pub fn at(mut self, t: OffsetDateTime) -> Self {
        self.now = Some(t);
        self
    }
}

/// Chain flags that make a chain unacceptable for either use: a broken signature, a
/// certificate outside its validity, a CA that may not issue, a usage the chain forbids, a
/// loop, an explicit distrust, a revocation, a malformed or unsupported critical extension,
/// a policy constraint pqx cannot honour (it does no policy processing) and broken name
/// constraints.
fn default_fatal_flags() -> ChainStatus {
    ChainStatus::NOT_TIME_VALID
        | ChainStatus::NOT_SIGNATURE_VALID
        | ChainStatus::NOT_VALID_FOR_USAGE
        | ChainStatus::CYCLIC
        | ChainStatus::INVALID_BASIC_CONSTRAINTS
        | ChainStatus::EXPLICIT_DISTRUST
        | ChainStatus::REVOKED
        | ChainStatus::INVALID_EXTENSION
        | ChainStatus::INVALID_POLICY_CONSTRAINTS
        | ChainStatus::HAS_NOT_SUPPORTED_CRITICAL_EXTENSION
        | ChainStatus::INVALID_NAME_CONSTRAINTS
        | ChainStatus::HAS_NOT_SUPPORTED_NAME_CONSTRAINT
        | ChainStatus::HAS_NOT_DEFINED_NAME_CONSTRAINT
        | ChainStatus::HAS_NOT_PERMITTED_NAME_CONSTRAINT
        | ChainStatus::HAS_EXCLUDED_NAME_CONSTRAINT
}

/// Where the evaluation time came from (it changes what a message should say).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeSource {
    /// The clock, or a time the caller fixed.
    Now,
    /// A trusted RFC 3161 timestamp.
    Timestamp,
    /// The signing time the signature claims (SignatureTime, CMS signing-time).
    Claimed,
}

/// The result of [`CertificatePolicy::judge`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Judgement {
    /// The chain built for the certificate, with .NET's flags per element.
    pub chain: Chain,
    /// The first rule the certificate breaks; `None` when it is acceptable.
    pub refusal: Option<Refusal>,
}

impl Judgement {
    /// Whether the certificate is acceptable.
    pub fn is_acceptable(&self) -> bool {
        self.refusal.is_none()
    }
}

/// Why a certificate is not acceptable: one variant per rule of the policy. Its `Display` is
/// the sentence both `pqx sign` (as "refusing to sign: …") and `pqx verify` (as the
/// `InvalidCertificate` reason) print.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// The key is not RSA (or the RSA key is malformed).
    NotRsa(String),
    /// The RSA key is too small.
    KeyTooSmall {
        /// Its size.
        bits: usize,
        /// The policy's minimum.
        minimum: usize,
    },
    /// A CA certificate (issued by another) used as an end entity.
    CaCertificate,
    /// The extended key usage does not allow the purpose.
    WrongPurpose(KeyPurpose),
    /// Not valid yet at the evaluation time.
    NotYetValid {
        /// Start of validity.
        from: OffsetDateTime,
        /// The evaluation time.
        at: OffsetDateTime,
        /// Where the evaluation time came from.
        source: TimeSource,
    },
    /// Expired at the evaluation time.
    Expired {
        /// End of validity.
        until: OffsetDateTime,
        /// The evaluation time.
        at: OffsetDateTime,
        /// Where the evaluation time came from.
        source: TimeSource,
    },
    /// Revoked at or before the evaluation time.
    Revoked(String),
    /// A fatal chain flag.
    Chain(ChainStatus),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let when = |source: &TimeSource, at: &OffsetDateTime| match source {
            TimeSource::Now => String::new(),
            TimeSource::Timestamp => {
                format!(" at the timestamp's time {}", format_report_time(*at))
            }
            TimeSource::Claimed => format!(
                " at the signing time the signature claims ({})",
                format_report_time(*at)
            ),
        };
        match self {
            Refusal::NotRsa(e) => write!(
                f,
                "the certificate's key is not usable: {e}; Power BI's signatures need an RSA key"
            ),
            Refusal::KeyTooSmall { bits, minimum } => write!(
                f,
                "the certificate's RSA key has {bits} bits; at least {minimum} are required"
            ),
            Refusal::CaCertificate => f.write_str(
                "the certificate is a CA certificate issued by another CA, not an end-entity (signer) certificate",
            ),
            Refusal::WrongPurpose(KeyPurpose::TimeStamping) => f.write_str(
                "the certificate is not a time-stamping authority's: its extended key usage must be critical and list only time stamping (1.3.6.1.5.5.7.3.8)",
            ),
            Refusal::WrongPurpose(p) => write!(
                f,
                "the certificate is not for {}: its extended key usage lacks {}",
                p.name(),
                p.oid()
            ),
            Refusal::NotYetValid { from, at, source } => write!(
                f,
                "the certificate is not valid yet{}: valid from {}",
                when(source, at),
                format_report_time(*from)
            ),
            Refusal::Expired { until, at, source } => {
                let until = format_report_time(*until);
                let at = format_report_time(*at);
                match source {
                    TimeSource::Now => write!(
                        f,
                        "the certificate expired on {until} (and no trusted timestamp proves an earlier signing time)"
                    ),
                    TimeSource::Timestamp => write!(
                        f,
                        "the certificate expired on {until}, before the timestamp's time {at}"
                    ),
                    TimeSource::Claimed => write!(
                        f,
                        "the certificate expired on {until}, before the signing time the signature claims ({at})"
                    ),
                }
            }
            Refusal::Revoked(e) => write!(f, "revocation: {e}"),
            Refusal::Chain(flags) => write!(f, "certificate chain: {}", flags.to_dotnet_string()),
        }
    }
}
