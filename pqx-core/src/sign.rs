//! Signing a package: a first signature, a countersignature, or a replacement.
//!
//! * **Sign** (unsigned package): one reference per content part (raw bytes digested) and one
//!   relationship reference per relationship part of the content, selecting every
//!   relationship type present (RelationshipTransform + C14N). The origin part and its package
//!   relationship are created first, so the signature covers the relationship to its own
//!   origin, as .NET's does.
//! * **Countersign** (already signed, the default as in MakePQX): a new signature whose
//!   manifest covers the existing signature parts (C14N transform), exactly what .NET's
//!   `PackageDigitalSignatureManager.Countersign` does; the earlier signatures stay valid.
//! * **Replace**: all signature parts, their relationships and certificate parts are dropped,
//!   then the package is signed afresh.
//!
//! The output is a new archive written in one pass over the input: each content part is
//! digested while it is copied (stored parts byte for byte, deflated parts raw, with no
//! re-compression; see `ArchiveReader::copy_streaming`),
//! and the signature part, which needs every digest, is written last. Memory does not grow
//! with the package.
//!
//! With a [`Timestamper`] in the options, the new signature's SignatureValue is time-stamped
//! (RFC 3161) and the token embedded in an unreferenced Object (see
//! `signature::build::add_timestamp`). When signing fails — no time-stamping
//! authority gives a usable token, a part fails its CRC — `out` holds an incomplete archive:
//! write to a temporary file and rename it on success, as
//! [`files::sign_file`](crate::files::sign_file) and the CLI do
//! ([`atomic::write_atomically`](crate::atomic::write_atomically)).

use crate::archive::ArchiveWriter;
use crate::cms::timestamp::{timestamp_signature_value, verify_token, Timestamper, VerifiedToken};
use crate::digest::{b64, DigestAlgorithm};
use crate::error::{Error, Result};
use crate::keys::{signer_certificate, Signer};
use crate::limits::Limits;
use crate::opc::content_types::CONTENT_TYPES_ITEM;
use crate::opc::relationships::{self, rels_part_for, RELATIONSHIPS_CONTENT_TYPE};
use crate::opc::signature_parts::*;
use crate::opc::{Package, PartName, Relationship, Relationships, TargetMode};
use crate::parallel_digest::ParallelHasher;
use crate::policy::CertificatePolicy;
use crate::signature::build::{build_signature, SignatureContent};
use crate::signature::{ManifestReference, Selector, Transform};
use crate::trust::TrustPolicy;
use crate::verify::{verify_package, VerifyOptions};
use std::collections::{BTreeMap, HashSet};
use std::io::{Read, Seek, Write};
use std::sync::Arc;
use time::OffsetDateTime;

/// What to do with a package that is already signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SignMode {
    /// Sign an unsigned package; countersign a signed one (MakePQX's `sign`).
    #[default]
    Auto,
    /// Remove every existing signature, then sign (MakePQX's `sign --replace`).
    Replace,
}

/// Options for [`sign_package`].
#[derive(Clone)]
#[non_exhaustive]
pub struct SignOptions {
    /// Digest for references and the RSA signature (default SHA-256).
    pub digest: DigestAlgorithm,
    /// Sign/countersign or replace.
    pub mode: SignMode,
    /// The time written into SignatureTime and used for the certificate checks (default: now).
    pub time: Option<OffsetDateTime>,
    /// Time-stamps the new signature (RFC 3161) when set: the core stays HTTP-agnostic, the
    /// CLI plugs in [`crate::cms::http::HttpTimestamper`], tests a local TSA. Default none.
    pub timestamper: Option<Arc<dyn Timestamper>>,
    /// What the signer certificate must be (default [`CertificatePolicy::code_signing`]): the
    /// same value verification applies, so that what is signed verifies.
    pub policy: CertificatePolicy,
    /// Whom to trust when judging the signer before signing and the existing signatures
    /// before countersigning (default: nobody, as `verify` without `--trusted-ca`).
    pub trust: TrustPolicy,
    /// Derives the names a new signature otherwise draws at random (the origin
    /// relationship's Id, which the signature covers; the signature part's name and its
    /// relationship's Id) from this seed. With a seed and a fixed [`SignOptions::time`], signing
    /// the same package twice computes the same SignedInfo — what two-step signing (`pqx sign
    /// --prepare`, then `--complete` with a signature made elsewhere) needs. Default none.
    pub name_seed: Option<String>,
    /// Resource limits for reading the package being signed (default [`Limits::default`]),
    /// as [`VerifyOptions::limits`] for verification.
    pub limits: Limits,
}

impl std::fmt::Debug for SignOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignOptions")
            .field("digest", &self.digest)
            .field("mode", &self.mode)
            .field("time", &self.time)
            .field("timestamper", &self.timestamper.is_some())
            .field("policy", &self.policy)
            .field("trust", &self.trust)
            .field("name_seed", &self.name_seed)
            .field("limits", &self.limits)
            .finish()
    }
}

impl Default for SignOptions {
    fn default() -> Self {
        SignOptions {
            digest: DigestAlgorithm::Sha256,
            mode: SignMode::Auto,
            time: None,
            timestamper: None,
            policy: CertificatePolicy::code_signing(),
            trust: TrustPolicy::none(),
            name_seed: None,
            limits: Limits::default(),
        }
    }
}

impl SignOptions {
    /// Default options with another digest.
    pub fn with_digest(digest: DigestAlgorithm) -> Self {
        SignOptions {
            digest,
            ..Self::default()
        }
    }

    /// Sets the mode.
    pub fn mode(mut self, mode: SignMode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets the signing time.
    pub fn time(mut self, t: OffsetDateTime) -> Self {
        self.time = Some(t);
        self
    }

    /// Time-stamps the signature with `timestamper` (e.g. an
    /// [`HttpTimestamper`](crate::cms::http::HttpTimestamper) over `--timestamper` URLs).
    pub fn timestamper(mut self, timestamper: Arc<dyn Timestamper>) -> Self {
        self.timestamper = Some(timestamper);
        self
    }
}

/// What [`sign_package`] did.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SignOutcome {
    /// The new signature part.
    pub signature_part: PartName,
    /// Whether it countersigns earlier signatures.
    pub countersigned: bool,
    /// How many earlier signatures were removed (replace mode).
    pub removed: usize,
    /// The embedded timestamp (time, authority), when a timestamper was given.
    pub timestamp: Option<VerifiedToken>,
}

/// A signed package and what signing did: the result of [`sign_package`] and [`sign_bytes`].
#[derive(Debug)]
#[non_exhaustive]
pub struct Signed<W> {
    /// Where the signed package went: the writer given to [`sign_package`], or the bytes
    /// from [`sign_bytes`].
    pub output: W,
    /// What signing did (the new signature part, countersigned or replaced, the timestamp).
    pub outcome: SignOutcome,
}

/// Signs `package` with `signer` (a [`SigningKey`](crate::keys::SigningKey) or any other
/// [`Signer`]), writing the signed package to `out`.
///
/// Refuses (before any work) a signer that [`SignOptions::policy`] refuses — the same
/// judgement verification makes (see [`crate::policy`]) — and, when countersigning, a package
/// whose existing signatures do not verify. The signature the signer returns is verified with
/// its certificate before the signature part is written.
/// On any later error `out` holds an incomplete archive (see the module documentation).
pub fn sign_package<R: Read + Seek, W: Write + Seek>(
    package: &mut Package<R>,
    signer: &dyn Signer,
    options: &SignOptions,
    out: W,
) -> Result<Signed<W>> {
    let now = options.time.unwrap_or_else(OffsetDateTime::now_utc);
    let layout = preflight(package, signer, options, now)?;
    write_signed(package, layout, signer, options, now, out)
}

/// Writes the signed package: everything [`sign_package`] does after [`preflight`] accepted
/// the signer and the package. Separate so that the policy-agreement tests can sign with a
/// certificate the policy refuses and watch verification refuse it for the same reason.
pub(crate) fn write_signed<R: Read + Seek, W: Write + Seek>(
    package: &mut Package<R>,
    layout: SignatureLayout,
    signer: &dyn Signer,
    options: &SignOptions,
    now: OffsetDateTime,
    out: W,
) -> Result<Signed<W>> {
    let replace = options.mode == SignMode::Replace;
    let countersign = !replace && !layout.signatures.is_empty();
    let mut names = Names {
        seed: options.name_seed.as_deref(),
        drawn: 0,
    };

    // Parts that go away in replace mode: all signature machinery.
    let dropped: Vec<PartName> = if replace {
        package
            .parts()
            .iter()
            .filter(|p| layout.is_signature_infrastructure(&p.name))
            .map(|p| p.name.clone())
            .collect()
    } else {
        Vec::new()
    };
    let kept_origin = if replace { None } else { layout.origin.clone() };

    // Package relationships: keep all but a dropped origin relationship; add an origin one.
    let mut root_rels = package
        .relationships_of(None)
        .map(|s| s.relationships.clone())
        .unwrap_or_default();
    if replace {
        root_rels.items.retain(|r| r.rel_type != ORIGIN_REL_TYPE);
    }
    let origin = match &kept_origin {
        Some((origin, _)) => origin.clone(),
        None => {
            let origin = PartName::parse(DEFAULT_ORIGIN_PART)?;
            if package.part(&origin).is_some() && !dropped.contains(&origin) {
                return Err(Error::Opc(format!(
                    "{}: part {origin} exists but is not a signature origin",
                    package.what()
                )));
            }
            let id = names.fresh_id(&root_rels);
            root_rels.items.push(Relationship {
                id,
                rel_type: ORIGIN_REL_TYPE.into(),
                target: origin.as_str().into(),
                target_mode: TargetMode::Internal,
            });
            origin
        }
    };

    // The new signature part and its relationship from the origin.
    let signature_part = PartName::parse(&format!("{SIGNATURE_FOLDER}/{}.psdsxs", names.hex(16)))?;
    let mut origin_rels = if kept_origin.is_some() {
        package
            .relationships_of(Some(&origin))
            .map(|s| s.relationships.clone())
            .unwrap_or_default()
    } else {
        Relationships::default()
    };
    let rel_id = names.fresh_id(&origin_rels);
    let target = relative_target(&origin, &signature_part);
    origin_rels.items.push(Relationship {
        id: rel_id,
        rel_type: SIGNATURE_REL_TYPE.into(),
        target,
        target_mode: TargetMode::Internal,
    });

    // Content types of the new package.
    let mut content_types = package.content_types().clone();
    for d in &dropped {
        content_types.remove_override(d);
    }
    content_types.assign(&origin, ORIGIN_CONTENT_TYPE);
    content_types.assign(&signature_part, SIGNATURE_CONTENT_TYPE);
    let root_rels_part = rels_part_for(None)?;
    let origin_rels_part = rels_part_for(Some(&origin))?;
    content_types.assign(&root_rels_part, RELATIONSHIPS_CONTENT_TYPE);
    content_types.assign(&origin_rels_part, RELATIONSHIPS_CONTENT_TYPE);

    // One pass: content types, then every kept part in order (content parts digested while
    // they are copied, rewritten .rels in place), then the new parts; the signature, which
    // needs every digest, is built last and written last.
    let mut w = ArchiveWriter::new(out);
    w.add(CONTENT_TYPES_ITEM, content_types.to_xml().as_bytes())?;
    let mut pending: BTreeMap<String, (PartName, Vec<u8>)> = BTreeMap::new();
    pending.insert(
        root_rels_part.key().into(),
        (root_rels_part.clone(), root_rels.to_xml().into_bytes()),
    );
    pending.insert(
        origin_rels_part.key().into(),
        (origin_rels_part.clone(), origin_rels.to_xml().into_bytes()),
    );
    if kept_origin.is_none() {
        pending.insert(origin.key().into(), (origin.clone(), Vec::new()));
    }
    let mut references = if countersign {
        countersign_references(package, &layout, options.digest)?
    } else {
        Vec::new()
    };
    let parts = package.parts().to_vec();
    for p in &parts {
        if dropped.contains(&p.name) && !pending.contains_key(p.name.key()) {
            continue;
        }
        if let Some((name, bytes)) = pending.remove(p.name.key()) {
            w.add(name.zip_item(), &bytes)?;
        } else if !countersign && is_signed_content(p, &layout) {
            let mut h = ParallelHasher::new(options.digest, p.entry.size);
            package
                .archive_mut()
                .copy_streaming(&p.entry, &mut w, |chunk| h.update(chunk))?;
            references.push(ManifestReference {
                part: p.name.clone(),
                content_type: p.content_type.clone(),
                transforms: Vec::new(),
                digest: options.digest,
                digest_value: b64(&h.finalize()?),
            });
        } else {
            package.archive_mut().raw_copy_to(&p.entry, &mut w)?;
        }
    }
    if !countersign {
        references.extend(relationship_references(
            package,
            &layout,
            &dropped,
            &root_rels,
            options.digest,
        )?);
    }

    let signing_time = crate::signature::time::format_default(now);
    let mut xml = build_signature(
        &SignatureContent {
            references: &references,
            digest: options.digest,
            signing_time: &signing_time,
            certificates: signer.chain(),
        },
        signer,
    )?;
    let mut timestamp = None;
    if let Some(ts) = &options.timestamper {
        let limits = package.limits();
        let signature_value =
            crate::signature::parse::parse_signature(&xml, "new signature", &limits)?
                .signature_value;
        let token = timestamp_signature_value(ts.as_ref(), &signature_value, options.digest)?;
        xml = crate::signature::build::add_timestamp(&xml, &token, &limits)?;
        timestamp = Some(verify_token(&token, &signature_value)?);
    }

    let order = [root_rels_part.key(), origin.key(), origin_rels_part.key()];
    for k in order {
        if let Some((name, bytes)) = pending.remove(k) {
            w.add(name.zip_item(), &bytes)?;
        }
    }
    w.add(signature_part.zip_item(), &xml)?;
    let out = w.finish()?;
    Ok(Signed {
        output: out,
        outcome: SignOutcome {
            signature_part,
            countersigned: countersign,
            removed: if replace { layout.signatures.len() } else { 0 },
            timestamp,
        },
    })
}

/// What is checked before anything is written: the signer under the code-signing policy (the
/// judgement `verify` will make, see [`crate::policy`]), the package's signature layout, and —
/// when countersigning — that every existing signature verifies and covers the whole
/// package. A countersignature vouches for what it signs; countersigning a tampered package
/// would put a valid new signature on top of a broken one.
fn preflight<R: Read + Seek>(
    package: &mut Package<R>,
    signer: &dyn Signer,
    options: &SignOptions,
    now: OffsetDateTime,
) -> Result<SignatureLayout> {
    options.policy.check_signer(
        signer_certificate(signer)?,
        signer.chain(),
        &options.trust,
        now,
    )?;
    let layout = SignatureLayout::locate(package)?;
    if options.mode == SignMode::Replace || layout.signatures.is_empty() {
        return Ok(layout);
    }
    let mut verify_options = VerifyOptions::with_policy(options.trust.clone()).at(now);
    verify_options.signing = options.policy.clone();
    verify_options.limits = package.limits();
    let existing = verify_package(package, &verify_options)?;
    if let Some(bad) = existing
        .signatures
        .iter()
        .find(|c| c.status != crate::verdict::SignatureStatus::Success)
    {
        return Err(Error::SigningPolicy(format!(
            "{}: the existing signature {} does not verify ({}: {}); countersigning would vouch for it — sign with --replace to start over",
            package.what(),
            bad.part,
            bad.status.name(),
            bad.reason.as_deref().unwrap_or("no reason given")
        )));
    }
    if let Some(part) = existing.unsigned.first() {
        return Err(Error::SigningPolicy(format!(
            "{}: {part} is covered by no existing signature, and a countersignature covers only the signatures; sign with --replace to sign everything afresh",
            package.what()
        )));
    }
    Ok(layout)
}

/// The names a new signature needs: random, or derived from [`SignOptions::name_seed`].
struct Names<'a> {
    seed: Option<&'a str>,
    drawn: u32,
}

impl Names<'_> {
    /// `n` bytes as hex: random, or the SHA-256 of `seed/k` for the k-th name drawn.
    fn hex(&mut self, n: usize) -> String {
        let Some(seed) = self.seed else {
            return crate::random::hex(n);
        };
        self.drawn += 1;
        let digest = DigestAlgorithm::Sha256.digest(format!("{seed}/{}", self.drawn).as_bytes());
        hex::encode(digest.get(..n).unwrap_or(&digest))
    }

    /// A relationship Id not used in `rels` (what [`Relationships::fresh_id`] does).
    fn fresh_id(&mut self, rels: &Relationships) -> String {
        loop {
            let id = format!("R{}", self.hex(8));
            if rels.by_id(&id).is_none() {
                return id;
            }
        }
    }
}

/// A relationship target from `source`'s folder to `target`, relative when `target` lies below
/// it (`xml-signature/x.psdsxs`), absolute otherwise.
fn relative_target(source: &PartName, target: &PartName) -> String {
    let folder = format!("{}/", source.folder());
    target
        .as_str()
        .strip_prefix(&folder)
        .map(str::to_owned)
        .unwrap_or_else(|| target.as_str().to_owned())
}

/// References of a countersignature: each existing signature part, canonicalized.
fn countersign_references<R: Read + Seek>(
    package: &mut Package<R>,
    layout: &SignatureLayout,
    digest: DigestAlgorithm,
) -> Result<Vec<ManifestReference>> {
    let limits = package.limits();
    let mut refs = Vec::new();
    for s in &layout.signatures {
        let part = package
            .part(&s.part)
            .cloned()
            .ok_or_else(|| Error::Opc(format!("signature part {} is missing", s.part)))?;
        let bytes = package.read_part(&part, limits.max_xml_size)?;
        let text = crate::xml::decode_text(&bytes, part.name.as_str())?;
        let doc = crate::xml::parse(text, part.name.as_str(), &limits)?;
        let c14n = crate::xml::canonicalize_document(&doc);
        refs.push(ManifestReference {
            part: part.name.clone(),
            content_type: part.content_type.clone(),
            transforms: vec![Transform::C14n],
            digest,
            digest_value: b64(&digest.digest(c14n.as_bytes())),
        });
    }
    Ok(refs)
}

/// Whether a first signature references `part` by its raw bytes: every part but the
/// signature machinery and relationship parts (those are referenced through the
/// RelationshipTransform, see [`relationship_references`]).
fn is_signed_content(part: &crate::opc::Part, layout: &SignatureLayout) -> bool {
    !layout.is_machinery(&part.name)
}

/// The relationship references of a first signature: the package's relationships and those
/// of content parts, every type present, by RelationshipsGroupReference.
fn relationship_references<R: Read + Seek>(
    package: &Package<R>,
    layout: &SignatureLayout,
    dropped: &[PartName],
    root_rels: &Relationships,
    digest: DigestAlgorithm,
) -> Result<Vec<ManifestReference>> {
    let mut refs = Vec::new();
    let mut sets: Vec<(Option<PartName>, Relationships)> = vec![(None, root_rels.clone())];
    for s in package.relationship_sets() {
        if let Some(src) = &s.source {
            if !dropped.contains(&s.rels_part) && !layout.is_signature_infrastructure(&s.rels_part)
            {
                sets.push((Some(src.clone()), s.relationships.clone()));
            }
        }
    }
    for (source, rels) in sets {
        if rels.items.is_empty() {
            continue;
        }
        // One selector per distinct type, in first-seen order; the set keeps this linear
        // for parts with many relationships.
        let mut types: Vec<&str> = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        for r in &rels.items {
            if seen.insert(&r.rel_type) {
                types.push(&r.rel_type);
            }
        }
        let canonical = relationships::transform_canonical(rels.items.iter());
        refs.push(ManifestReference {
            part: rels_part_for(source.as_ref())?,
            content_type: RELATIONSHIPS_CONTENT_TYPE.into(),
            transforms: vec![
                Transform::Relationships(
                    types
                        .iter()
                        .map(|t| Selector::Type((*t).to_owned()))
                        .collect(),
                ),
                Transform::C14n,
            ],
            digest,
            digest_value: b64(&digest.digest(canonical.as_bytes())),
        });
    }
    Ok(refs)
}

/// Signs a package held in memory (`what` names it in errors, read within
/// [`SignOptions::limits`]); [`Signed::output`] holds the signed package's bytes.
pub fn sign_bytes(
    pqx: &[u8],
    what: &str,
    signer: &dyn Signer,
    options: &SignOptions,
) -> Result<Signed<Vec<u8>>> {
    let mut package = Package::open(std::io::Cursor::new(pqx), what, &options.limits)?;
    let signed = sign_package(
        &mut package,
        signer,
        options,
        std::io::Cursor::new(Vec::new()),
    )?;
    Ok(Signed {
        output: signed.output.into_inner(),
        outcome: signed.outcome,
    })
}
