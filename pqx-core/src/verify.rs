//! Verifying a signed package: every signature, every digest, the certificates, and that
//! nothing in the package escapes the signatures.
//!
//! Order of work, top to bottom:
//! 1. [`SignatureLayout::locate`]: origin → signature parts → certificate parts.
//! 2. For each signature part: [`parse_signature`] (structure, .NET's rules), choose the
//!    signer certificate, check part existence (`ReferenceNotFound`) and content types, the
//!    RSA SignatureValue over C14N(SignedInfo), the package Object digest, relationship
//!    references (RelationshipTransform re-run on the package as it is now), and the
//!    certificate (key size, EKU, CA flag, validity, chain to the trust policy, revocation).
//!    A signature carrying an RFC 3161 timestamp (the unreferenced XAdES Object) has its token
//!    checked first ([`crate::cms::timestamp::check_token`]); when it is valid the signer and
//!    its chain are evaluated at the token's time instead of now, so a signature made while
//!    its certificate was valid keeps verifying after the certificate expires. An embedded
//!    token that does not verify fails the signature (it is never silently ignored).
//! 3. One streaming pass over the parts: each referenced part's bytes are read once and fed
//!    to every digest any signature asked for (CRC checked in the same pass).
//! 4. Coverage: every content part and every relationship must be covered by a valid
//!    signature, otherwise `UnsignedParts` — .NET's verifier does not check this, Power BI
//!    would load an unsigned part, so pqx does.

use crate::certificate::Certificate;
use crate::cms::timestamp::{check_token, fatal_chain_flags, TimestampCheck};
use crate::digest::{DigestAlgorithm, Hasher};
use crate::error::{Error, ErrorKind, Result};
use crate::keys::verify_pkcs1v15;
use crate::limits::Limits;
use crate::opc::relationships::{self, RELATIONSHIPS_CONTENT_TYPE};
use crate::opc::signature_parts::{SignatureLayout, ORIGIN_REL_TYPE};
use crate::opc::{Package, PartName, Relationship};
use crate::signature::parse::parse_signature;
use crate::signature::{ManifestReference, Selector};
use crate::trust::{apply_revocation, build_chain, Chain, ChainStatus, TrustPolicy};
use base64::Engine as _;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::{Read, Seek};
use time::OffsetDateTime;

/// Minimum RSA modulus size accepted for signers.
pub const MIN_RSA_BITS: usize = 2048;

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
}

/// What verification is checked against.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct VerifyOptions {
    /// Trust anchors and pinned thumbprints (default: none — chains end in `UntrustedRoot`,
    /// as MakePQX reports on a machine that does not trust the root).
    pub policy: TrustPolicy,
    /// The time certificates are evaluated at (default: now).
    pub now: Option<OffsetDateTime>,
    /// Resource limits for reading signature parts.
    pub limits: Limits,
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
    pub warnings: Vec<String>,
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
        self.chain.as_ref().is_some_and(|c| c.trusted)
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
    /// Parts and relationships no valid signature covers (`/x.pq`, `/_rels/.rels#R1`).
    pub unsigned: Vec<String>,
    /// Package-level warnings.
    pub warnings: Vec<String>,
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
        warnings: Vec<String>,
    ) -> Self {
        Verification {
            status,
            signatures,
            unsigned: Vec::new(),
            warnings,
        }
    }
}

struct Failure(SignatureStatus, String);

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let status = match e.kind() {
            ErrorKind::UnsupportedAlgorithm => SignatureStatus::UnsupportedAlgorithm,
            ErrorKind::Certificate => SignatureStatus::InvalidCertificate,
            _ => SignatureStatus::MalformedSignature,
        };
        Failure(status, e.to_string())
    }
}

fn fail<T>(status: SignatureStatus, reason: impl Into<String>) -> std::result::Result<T, Failure> {
    Err(Failure(status, reason.into()))
}

/// A digest still to be computed in the streaming pass.
struct PendingDigest {
    signature: usize,
    part: PartName,
    digest: DigestAlgorithm,
    expected: String,
}

/// Verifies every signature of `package`.
///
/// Returns `Err` only when the package's signature structure itself cannot be read (e.g. two
/// origins, a dangling signature relationship) or a part cannot be read; everything about the
/// signatures is in the returned [`Verification`].
pub fn verify_package<R: Read + Seek>(
    package: &mut Package<R>,
    options: &VerifyOptions,
) -> Result<Verification> {
    let now = options.now.unwrap_or_else(OffsetDateTime::now_utc);
    let layout = SignatureLayout::locate(package)?;
    if layout.signatures.is_empty() {
        return Ok(Verification {
            status: SignatureStatus::NotSigned,
            signatures: Vec::new(),
            unsigned: Vec::new(),
            warnings: Vec::new(),
        });
    }
    if layout.signatures.len() > options.limits.max_signatures {
        return Err(Error::LimitExceeded(format!(
            "{} signatures (limit {})",
            layout.signatures.len(),
            options.limits.max_signatures
        )));
    }
    let mut checks = Vec::new();
    let mut pending = Vec::new();
    for (i, s) in layout.signatures.iter().enumerate() {
        let mut check = SignatureCheck::new(s.part.clone());
        if let Err(Failure(status, reason)) =
            check_signature(package, &layout, i, options, now, &mut check, &mut pending)
        {
            check.status = status;
            check.reason = Some(reason);
        }
        checks.push(check);
    }
    stream_digests(package, &mut checks, pending)?;
    let unsigned = uncovered(package, &layout, &checks);
    let status = checks
        .iter()
        .map(|c| c.status)
        .find(|s| *s != SignatureStatus::Success)
        .unwrap_or(if unsigned.is_empty() {
            SignatureStatus::Success
        } else {
            SignatureStatus::UnsignedParts
        });
    let mut warnings = Vec::new();
    if checks
        .iter()
        .any(|c| c.warnings.iter().any(|w| w.contains("SHA-1")))
    {
        warnings.push("a signature uses SHA-1, which is weak: re-sign with SHA-256".to_owned());
    }
    Ok(Verification {
        status,
        signatures: checks,
        unsigned,
        warnings,
    })
}

/// Opens and verifies a package held in memory.
pub fn verify_bytes(bytes: &[u8], what: &str, options: &VerifyOptions) -> Result<Verification> {
    let mut p = Package::open(std::io::Cursor::new(bytes), what, &options.limits)?;
    verify_package(&mut p, options)
}

fn check_signature<R: Read + Seek>(
    package: &mut Package<R>,
    layout: &SignatureLayout,
    index: usize,
    options: &VerifyOptions,
    now: OffsetDateTime,
    check: &mut SignatureCheck,
    pending: &mut Vec<PendingDigest>,
) -> std::result::Result<(), Failure> {
    let Some(sig_ref) = layout.signatures.get(index) else {
        return fail(SignatureStatus::MalformedSignature, "no such signature");
    };
    let name = sig_ref.part.as_str().to_owned();
    let part = package.part(&sig_ref.part).cloned().ok_or_else(|| {
        Failure(
            SignatureStatus::ReferenceNotFound,
            format!("{name} is missing"),
        )
    })?;
    let bytes = package.read_part(&part, options.limits.max_xml_size)?;
    let sig = parse_signature(&bytes, &name, &options.limits)?;
    check.signing_time = Some(sig.signing_time_text.1.clone());
    check.signature_method = Some(sig.signature_method);
    check.digest = sig.references.first().map(|r| r.digest);

    // The signer: a certificate part first (as .NET), else the first KeyInfo certificate.
    let mut pool: Vec<Certificate> = Vec::new();
    for c in &sig_ref.certificate_parts {
        let p = package.part(c).cloned().ok_or_else(|| {
            Failure(
                SignatureStatus::CertificateRequired,
                format!("certificate part {c} is missing"),
            )
        })?;
        let der = package.read_part(&p, crate::limits::MAX_CERTIFICATE_SIZE)?;
        pool.push(
            Certificate::from_der(&der)
                .map_err(|e| Failure(SignatureStatus::InvalidCertificate, format!("{c}: {e}")))?,
        );
    }
    pool.extend(sig.key_info_certificates.iter().cloned());
    let Some(signer) = pool.first().cloned() else {
        return fail(
            SignatureStatus::CertificateRequired,
            format!("{name} has neither a certificate part nor a KeyInfo certificate"),
        );
    };
    check.signer = Some(signer.clone());
    let others: Vec<Certificate> = pool
        .iter()
        .skip(1)
        .filter(|c| c.der() != signer.der())
        .cloned()
        .collect();
    if others
        .iter()
        .any(|c| c.is_issued_by(&signer) && !c.is_self_issued())
    {
        return fail(SignatureStatus::InvalidCertificate, "several certificates and no unambiguous signer: the first certificate issued another one in the signature");
    }

    // References: existence and content types (as .NET, before the cryptography).
    for r in &sig.references {
        if r.selectors().is_some() {
            continue;
        }
        let Some(target) = package.part(&r.part) else {
            return fail(
                SignatureStatus::ReferenceNotFound,
                format!("signed part {} is missing", r.part),
            );
        };
        if target.content_type != r.content_type {
            return fail(
                SignatureStatus::InvalidSignature,
                format!(
                    "content type of {} is {:?}, signed as {:?}",
                    r.part, target.content_type, r.content_type
                ),
            );
        }
    }

    // SignatureValue and the package Object.
    let public_key = signer
        .rsa_public_key()
        .map_err(|e| Failure(SignatureStatus::UnsupportedAlgorithm, e.to_string()))?;
    let bits = signer.key_bits().unwrap_or(0);
    if bits < MIN_RSA_BITS {
        return fail(
            SignatureStatus::InvalidCertificate,
            format!("the signer's RSA key has {bits} bits (minimum {MIN_RSA_BITS})"),
        );
    }
    if !verify_pkcs1v15(
        &public_key,
        sig.signature_method,
        sig.signed_info_c14n.as_bytes(),
        &sig.signature_value,
    ) {
        return fail(
            SignatureStatus::InvalidSignature,
            "the SignatureValue does not verify with the signer certificate's key",
        );
    }
    if sig.object_digest_method.digest(sig.object_c14n.as_bytes()) != sig.object_digest_value {
        return fail(
            SignatureStatus::InvalidSignature,
            "the package Object does not match its digest in SignedInfo",
        );
    }
    // The timestamp: when valid, the time the signer is judged at.
    let mut evaluation = now;
    if let Some(ts) = &sig.timestamp {
        let tc = check_token(&ts.token, &sig.signature_value, &options.policy);
        let verdict = (tc.status, tc.reason.clone());
        let time = tc.time;
        check.timestamp = Some(tc);
        match (verdict, time) {
            ((SignatureStatus::Success, _), Some(t)) => {
                evaluation = t;
                if sig.signing_time > t + time::Duration::minutes(5) {
                    check.warnings.push(format!(
                        "the SignatureTime claims {}, after the timestamp's time {}",
                        crate::certificate::format_report_time(sig.signing_time),
                        crate::certificate::format_report_time(t)
                    ));
                }
            }
            ((status, reason), _) => {
                return fail(
                    if status == SignatureStatus::Success {
                        SignatureStatus::MalformedSignature
                    } else {
                        status
                    },
                    reason.unwrap_or_else(|| "the time-stamp token has no time".into()),
                )
            }
        }
    }
    if sig.signature_method.is_weak()
        || sig.object_digest_method.is_weak()
        || sig.references.iter().any(|r| r.digest.is_weak())
    {
        check.warnings.push("uses SHA-1, which is weak".to_owned());
    }

    // Manifest references: relationships and canonicalized parts now, raw parts in the pass.
    for r in &sig.references {
        if let Some(selectors) = r.selectors() {
            check_relationship_reference(package, r, selectors)?;
            check
                .covered_relationships
                .push((r.part.clone(), selectors.to_vec()));
        } else if r.canonicalizes() {
            let p = package.part(&r.part).cloned().ok_or_else(|| {
                Failure(
                    SignatureStatus::ReferenceNotFound,
                    format!("{} is missing", r.part),
                )
            })?;
            let bytes = package.read_part(&p, options.limits.max_xml_size)?;
            let text = crate::xml::decode_text(&bytes, p.name.as_str())?;
            let doc = crate::xml::parse(text, p.name.as_str(), &options.limits)?;
            let digest = r
                .digest
                .digest(crate::xml::canonicalize_document(&doc).as_bytes());
            if b64(&digest) != r.digest_value {
                return fail(
                    SignatureStatus::InvalidSignature,
                    format!("{} was changed after signing (digest mismatch)", r.part),
                );
            }
        } else {
            pending.push(PendingDigest {
                signature: index,
                part: r.part.clone(),
                digest: r.digest,
                expected: r.digest_value.clone(),
            });
        }
        if r.selectors().is_none() {
            if layout.signatures.iter().any(|s| s.part == r.part) {
                check.countersigns.push(r.part.clone());
            } else {
                check.covered_parts.push(r.part.clone());
            }
        }
    }

    // The certificate.
    let times = CertificateTimes {
        claimed: Some(sig.signing_time),
        evaluation,
        timestamped: sig.timestamp.is_some(),
    };
    certificate_verdict(&signer, &others, times, options, check)
        .map_err(|(status, reason)| Failure(status, reason))
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Re-runs the RelationshipTransform on the relationships as they are now and compares.
fn check_relationship_reference<R: Read + Seek>(
    package: &Package<R>,
    r: &ManifestReference,
    selectors: &[Selector],
) -> std::result::Result<(), Failure> {
    let Some(source) = relationships::source_of_rels_part(&r.part) else {
        return fail(
            SignatureStatus::InvalidSignature,
            format!("{} is not a relationships part", r.part),
        );
    };
    if r.content_type != RELATIONSHIPS_CONTENT_TYPE {
        return fail(
            SignatureStatus::InvalidSignature,
            format!(
                "relationship reference {} names content type {:?}",
                r.part, r.content_type
            ),
        );
    }
    let current: Vec<Relationship> = package
        .relationships_of(source.as_ref())
        .map(|s| s.relationships.items.clone())
        .unwrap_or_default();
    let matcher = SelectorSet::from_selectors(selectors);
    let selected: Vec<&Relationship> = current.iter().filter(|rel| matcher.selects(rel)).collect();
    let digest = r
        .digest
        .digest(relationships::transform_canonical(selected).as_bytes());
    if b64(&digest) != r.digest_value {
        return fail(
            SignatureStatus::InvalidSignature,
            format!("the signed relationships in {} were changed", r.part),
        );
    }
    Ok(())
}

/// RelationshipTransform selectors as hash sets, so that matching every relationship of a
/// `.rels` part against every selector of a signature takes time linear in both. A hostile
/// package can carry a hundred thousand of each; checking each pair made verification
/// quadratic (`tests/fuzz_regressions.rs`).
#[derive(Default)]
struct SelectorSet<'a> {
    /// `RelationshipReference SourceId` values.
    ids: HashSet<&'a str>,
    /// `RelationshipsGroupReference SourceType` values.
    types: HashSet<&'a str>,
}

impl<'a> SelectorSet<'a> {
    /// The set of `selectors`.
    fn from_selectors(selectors: &'a [Selector]) -> Self {
        let mut set = SelectorSet::default();
        set.extend(selectors);
        set
    }

    /// Adds `selectors` to the set.
    fn extend(&mut self, selectors: &'a [Selector]) {
        for selector in selectors {
            match selector {
                Selector::Id(id) => self.ids.insert(id),
                Selector::Type(t) => self.types.insert(t),
            };
        }
    }

    /// Whether any selector of the set selects `rel`.
    fn selects(&self, rel: &Relationship) -> bool {
        self.ids.contains(rel.id.as_str()) || self.types.contains(rel.rel_type.as_str())
    }
}

/// The times a signer certificate is judged at.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CertificateTimes {
    /// The signing time the signature claims (SignatureTime, CMS signing-time), if any.
    pub(crate) claimed: Option<OffsetDateTime>,
    /// The time the certificate and chain must be valid at: a valid timestamp's, else now.
    pub(crate) evaluation: OffsetDateTime,
    /// Whether `evaluation` comes from a timestamp (for the messages).
    pub(crate) timestamped: bool,
}

/// The verdict on a signer certificate, shared by package signatures and detached CMS
/// signatures: not a CA, code signing allowed by its EKU (when it has one), valid at the
/// claimed signing time and at the evaluation time, no fatal chain flag, not revoked at or
/// before the evaluation time. Records the chain in `check`.
pub(crate) fn certificate_verdict(
    signer: &Certificate,
    others: &[Certificate],
    times: CertificateTimes,
    options: &VerifyOptions,
    check: &mut SignatureCheck,
) -> std::result::Result<(), (SignatureStatus, String)> {
    let invalid = |m: String| Err((SignatureStatus::InvalidCertificate, m));
    let bits = signer.key_bits().unwrap_or(0);
    if bits < MIN_RSA_BITS {
        return invalid(format!(
            "the signer's RSA key has {bits} bits (minimum {MIN_RSA_BITS})"
        ));
    }
    let mut chain = build_chain(signer, others, &options.policy, times.evaluation);
    let revoked = apply_revocation(&mut chain, &options.policy, times.evaluation);
    let errors = chain.status.errors();
    check.chain = Some(chain);
    if signer.is_ca() {
        return invalid("the signer certificate is a CA certificate".into());
    }
    if signer.allows_code_signing() == Some(false) {
        return invalid(
            "the signer certificate is not for code signing (its EKU lacks 1.3.6.1.5.5.7.3.3)"
                .into(),
        );
    }
    if let Some(claimed) = times.claimed {
        if !signer.is_valid_at(claimed) {
            return invalid(
                "the signer certificate was not valid at the signing time the signature claims"
                    .into(),
            );
        }
    }
    if !signer.is_valid_at(times.evaluation) {
        return invalid(if times.timestamped {
            format!(
                "the signer certificate was not valid at the timestamp's time {}",
                crate::certificate::format_report_time(times.evaluation)
            )
        } else {
            "the signer certificate is expired or not yet valid (and there is no trusted timestamp)"
                .into()
        });
    }
    if let Err(e) = revoked {
        return invalid(format!("revocation: {e}"));
    }
    let fatal = errors.bits() & fatal_chain_flags().bits();
    if fatal != 0 {
        return invalid(format!(
            "certificate chain: {}",
            ChainStatus::from_bits(fatal).to_dotnet_string()
        ));
    }
    Ok(())
}

/// The single streaming pass: each part with pending digests is read once, every requested
/// algorithm fed from the same chunks.
fn stream_digests<R: Read + Seek>(
    package: &mut Package<R>,
    checks: &mut [SignatureCheck],
    pending: Vec<PendingDigest>,
) -> Result<()> {
    let mut by_part: BTreeMap<String, Vec<PendingDigest>> = BTreeMap::new();
    for p in pending {
        by_part.entry(p.part.key().to_owned()).or_default().push(p);
    }
    let parts = package.parts().to_vec();
    for part in &parts {
        let Some(wanted) = by_part.remove(part.name.key()) else {
            continue;
        };
        let algs: BTreeSet<DigestAlgorithm> = wanted.iter().map(|w| w.digest).collect();
        let mut hashers: Vec<(DigestAlgorithm, Hasher)> =
            algs.iter().map(|a| (*a, a.hasher())).collect();
        package.stream_part(part, |chunk| {
            hashers.iter_mut().for_each(|(_, h)| h.update(chunk))
        })?;
        let digests: BTreeMap<DigestAlgorithm, String> = hashers
            .into_iter()
            .map(|(a, h)| (a, b64(&h.finalize())))
            .collect();
        for w in wanted {
            let Some(check) = checks.get_mut(w.signature) else {
                continue;
            };
            if check.status == SignatureStatus::Success
                && digests.get(&w.digest) != Some(&w.expected)
            {
                check.status = SignatureStatus::InvalidSignature;
                check.reason = Some(format!(
                    "{} was changed after signing (digest mismatch)",
                    w.part
                ));
            }
        }
    }
    Ok(())
}

/// Parts and relationships that no valid signature covers.
fn uncovered<R: Read + Seek>(
    package: &Package<R>,
    layout: &SignatureLayout,
    checks: &[SignatureCheck],
) -> Vec<String> {
    let valid: Vec<&SignatureCheck> = checks
        .iter()
        .filter(|c| c.status == SignatureStatus::Success)
        .collect();
    let covered: BTreeSet<&str> = valid
        .iter()
        .flat_map(|c| c.covered_parts.iter().map(PartName::key))
        .collect();
    // Per relationships part, what the valid signatures selected from it.
    let mut covering: HashMap<&str, SelectorSet> = HashMap::new();
    for (rels_part, selectors) in valid.iter().flat_map(|c| c.covered_relationships.iter()) {
        covering
            .entry(rels_part.key())
            .or_default()
            .extend(selectors);
    }
    let mut out = Vec::new();
    for p in package.parts() {
        if layout.is_signature_infrastructure(&p.name) {
            continue;
        }
        if let Some(source) = relationships::source_of_rels_part(&p.name) {
            if covered.contains(p.name.key()) {
                continue;
            }
            let Some(set) = package.relationships_of(source.as_ref()) else {
                continue;
            };
            let matcher = covering.get(p.name.key());
            for rel in &set.relationships.items {
                if source.is_none() && rel.rel_type == ORIGIN_REL_TYPE {
                    continue; // signature machinery, like the origin part itself
                }
                if !matcher.is_some_and(|m| m.selects(rel)) {
                    out.push(format!("{}#{}", p.name, rel.id));
                }
            }
        } else if !covered.contains(p.name.key()) {
            out.push(p.name.to_string());
        }
    }
    out
}
