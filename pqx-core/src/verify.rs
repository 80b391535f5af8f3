//! Verifying a signed package: every signature, every digest, the certificates, and that
//! nothing in the package escapes the signatures.
//!
//! Order of work, top to bottom:
//! 1. [`SignatureLayout::locate`]: origin → signature parts → certificate parts.
//! 2. For each signature part: `parse_signature` (structure, .NET's rules), choose the
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
use crate::cms::timestamp::check_token;
use crate::digest::{b64, DigestAlgorithm, Hasher};
use crate::error::{Error, Result};
use crate::host_digest::HostDigests;
use crate::keys::verify_pkcs1v15;
use crate::opc::relationships::{self, RELATIONSHIPS_CONTENT_TYPE};
use crate::opc::signature_parts::{SignatureLayout, SignaturePartRef, ORIGIN_REL_TYPE};
use crate::opc::{Package, PartName, Relationship};
pub use crate::policy::VerifyOptions;
use crate::policy::{EvaluationTime, Refusal, TimeSource};
use crate::signature::parse::parse_signature;
use crate::signature::{ManifestReference, ParsedSignature, Selector};
use crate::verdict::{fail, judge_signer, EvaluationPoint, Failure, Signer};
pub use crate::verdict::{
    SignatureCheck, SignatureStatus, TimestampCheck, Unsigned, Verification, Warning,
};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::{Read, Seek};
use time::OffsetDateTime;

/// Minimum RSA modulus size accepted for signers by the default policy
/// ([`crate::policy::CertificatePolicy::code_signing`]).
pub const MIN_RSA_BITS: usize = crate::policy::DEFAULT_MIN_RSA_BITS;

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
    stream_digests(package, &mut checks, pending, &options.host_digests)?;
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
        .any(|c| c.warnings.iter().any(Warning::is_sha1))
    {
        warnings.push(Warning::Sha1InPackage);
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

/// Verifies signature `index` of the layout, phase by phase; the first failing phase decides
/// the signature's status. Raw-part digests are queued in `pending` for the streaming pass.
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
    let sig = read_signature(package, &sig_ref.part, options, check)?;
    let signer = choose_signer(package, sig_ref, &sig, check)?;
    check_reference_targets(package, &sig)?;
    check_cryptography(&signer.certificate, &sig, options)?;
    let time = evaluation_time(&sig, &signer.certificate, options, now, check)?;
    check_manifest(package, layout, index, &sig, options, check, pending)?;
    judge_signer(&signer, Some(sig.signing_time), time, options, check)
}

/// Phase 1 — the signature part, parsed with .NET's structural rules
/// (`parse_signature`); records the claimed time and the algorithms.
fn read_signature<R: Read + Seek>(
    package: &mut Package<R>,
    part_name: &PartName,
    options: &VerifyOptions,
    check: &mut SignatureCheck,
) -> std::result::Result<ParsedSignature, Failure> {
    let name = part_name.as_str().to_owned();
    let part = package.part(part_name).cloned().ok_or_else(|| {
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
    if sig.signature_method.is_weak()
        || sig.object_digest_method.is_weak()
        || sig.references.iter().any(|r| r.digest.is_weak())
    {
        check.warnings.push(Warning::Sha1Signature);
    }
    Ok(sig)
}

/// Phase 2 — the signer: a certificate part first (as .NET), else the first KeyInfo
/// certificate; refused when there is none (`CertificateRequired`) or when the first
/// certificate issued another one in the signature (no unambiguous signer).
fn choose_signer<R: Read + Seek>(
    package: &mut Package<R>,
    sig_ref: &SignaturePartRef,
    sig: &ParsedSignature,
    check: &mut SignatureCheck,
) -> std::result::Result<Signer, Failure> {
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
    let Some(certificate) = pool.first().cloned() else {
        return fail(
            SignatureStatus::CertificateRequired,
            format!(
                "{} has neither a certificate part nor a KeyInfo certificate",
                sig_ref.part
            ),
        );
    };
    check.signer = Some(certificate.clone());
    let others: Vec<Certificate> = pool
        .iter()
        .skip(1)
        .filter(|c| c.der() != certificate.der())
        .cloned()
        .collect();
    if others
        .iter()
        .any(|c| c.is_issued_by(&certificate) && !c.is_self_issued())
    {
        return fail(SignatureStatus::InvalidCertificate, "several certificates and no unambiguous signer: the first certificate issued another one in the signature");
    }
    Ok(Signer {
        certificate,
        others,
    })
}

/// Phase 3 — every referenced part exists (`ReferenceNotFound`) and has the content type the
/// reference names (case-sensitively, as .NET), before any cryptography.
fn check_reference_targets<R: Read + Seek>(
    package: &Package<R>,
    sig: &ParsedSignature,
) -> std::result::Result<(), Failure> {
    for r in sig.references.iter().filter(|r| r.selectors().is_none()) {
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
    Ok(())
}

/// Phase 4 — the RSA SignatureValue over C14N(SignedInfo) with the signer's key, and the
/// package Object against its digest in SignedInfo. The key must be acceptable to the
/// code-signing policy before it is used at all.
fn check_cryptography(
    signer: &Certificate,
    sig: &ParsedSignature,
    options: &VerifyOptions,
) -> std::result::Result<(), Failure> {
    let public_key = signer
        .rsa_public_key()
        .map_err(|e| Failure(SignatureStatus::UnsupportedAlgorithm, e.to_string()))?;
    let bits = signer.key_bits().unwrap_or(0);
    if bits < options.signing.min_rsa_bits {
        return fail(
            SignatureStatus::InvalidCertificate,
            Refusal::KeyTooSmall {
                bits,
                minimum: options.signing.min_rsa_bits,
            }
            .to_string(),
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
    Ok(())
}

/// Phase 5 — the timestamp. A token that does not verify fails the signature (it is never
/// silently ignored). A valid token moves the evaluation time to its own only when the
/// code-signing policy says so ([`EvaluationTime::NowOrTrustedTimestamp`]) *and* its
/// authority chains to the trust policy; otherwise the signer is judged now, and a warning
/// says the timestamp was not relied on.
fn evaluation_time(
    sig: &ParsedSignature,
    signer: &Certificate,
    options: &VerifyOptions,
    now: OffsetDateTime,
    check: &mut SignatureCheck,
) -> std::result::Result<EvaluationPoint, Failure> {
    let current = EvaluationPoint {
        at: now,
        source: TimeSource::Now,
    };
    let Some(ts) = &sig.timestamp else {
        return Ok(current);
    };
    let tc = check_token(
        &ts.token,
        &sig.signature_value,
        &options.time_stamping,
        &options.policy,
    );
    let verdict = (tc.status, tc.reason.clone(), tc.time);
    let trusted = tc.is_trusted();
    let own = tc.authority.as_ref() == Some(signer);
    check.warnings.extend(tc.warnings.iter().cloned());
    check.timestamp = Some(tc);
    let t = match verdict {
        (SignatureStatus::Success, _, Some(t)) => t,
        (status, reason, _) => {
            return fail(
                if status == SignatureStatus::Success {
                    SignatureStatus::MalformedSignature
                } else {
                    status
                },
                reason.unwrap_or_else(|| "the time-stamp token has no time".into()),
            )
        }
    };
    if own {
        return fail(
            SignatureStatus::InvalidCertificate,
            "the time-stamp token is signed by the signer's own certificate: a signer cannot vouch for the time of its own signature",
        );
    }
    // Checked: `t` comes from the token (up to 9999-12-31T23:59:59.999999999Z), and past the
    // largest representable time nothing can be later anyway.
    let claimed_late = t
        .checked_add(time::Duration::minutes(5))
        .is_some_and(|limit| sig.signing_time > limit);
    if claimed_late {
        check.warnings.push(Warning::SignatureTimeAfterTimestamp {
            claimed: sig.signing_time,
            timestamp: t,
        });
    }
    if options.signing.evaluation_time != EvaluationTime::NowOrTrustedTimestamp {
        return Ok(current);
    }
    if !trusted {
        check.warnings.push(Warning::UntrustedTimestampAuthority);
        return Ok(current);
    }
    Ok(EvaluationPoint {
        at: t,
        source: TimeSource::Timestamp,
    })
}

/// Phase 6 — the manifest: relationship references re-run and compared now, canonicalized
/// parts digested now, raw parts queued for the streaming pass; records what is covered.
fn check_manifest<R: Read + Seek>(
    package: &mut Package<R>,
    layout: &SignatureLayout,
    index: usize,
    sig: &ParsedSignature,
    options: &VerifyOptions,
    check: &mut SignatureCheck,
    pending: &mut Vec<PendingDigest>,
) -> std::result::Result<(), Failure> {
    for r in &sig.references {
        if let Some(selectors) = r.selectors() {
            check_relationship_reference(package, r, selectors)?;
            check
                .covered_relationships
                .push((r.part.clone(), selectors.to_vec()));
            continue;
        }
        if r.canonicalizes() {
            check_canonicalized_part(package, r, options)?;
        } else {
            pending.push(PendingDigest {
                signature: index,
                part: r.part.clone(),
                digest: r.digest,
                expected: r.digest_value.clone(),
            });
        }
        if layout.signatures.iter().any(|s| s.part == r.part) {
            check.countersigns.push(r.part.clone());
        } else {
            check.covered_parts.push(r.part.clone());
        }
    }
    Ok(())
}

/// Digests a part referenced with the C14N transform (a countersigned signature part).
fn check_canonicalized_part<R: Read + Seek>(
    package: &mut Package<R>,
    r: &ManifestReference,
    options: &VerifyOptions,
) -> std::result::Result<(), Failure> {
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
    Ok(())
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

/// The single streaming pass: each part with pending digests is read once (which checks its
/// CRC-32), every requested algorithm fed from the same chunks — but for the digests the host
/// computed over exactly this stored part's bytes ([`HostDigests`]).
fn stream_digests<R: Read + Seek>(
    package: &mut Package<R>,
    checks: &mut [SignatureCheck],
    pending: Vec<PendingDigest>,
    host: &HostDigests,
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
        let range = match host.is_empty() {
            true => None,
            false => package.stored_range(part)?,
        };
        let mut digests: BTreeMap<DigestAlgorithm, String> = BTreeMap::new();
        let mut hashers: Vec<(DigestAlgorithm, Hasher)> = Vec::new();
        for a in algs {
            match range.and_then(|r| host.get(r, a)) {
                Some(d) => {
                    digests.insert(a, b64(d));
                }
                None => hashers.push((a, a.hasher())),
            }
        }
        package.stream_part(part, |chunk| {
            hashers.iter_mut().for_each(|(_, h)| h.update(chunk))
        })?;
        digests.extend(hashers.into_iter().map(|(a, h)| (a, b64(&h.finalize()))));
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
) -> Vec<Unsigned> {
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
                    out.push(Unsigned::Relationship {
                        part: p.name.clone(),
                        id: rel.id.clone(),
                    });
                }
            }
        } else if !covered.contains(p.name.key()) {
            out.push(Unsigned::Part(p.name.clone()));
        }
    }
    out
}
