//! Where a package's digital signatures are (ECMA-376 Part 2 §13.2, and how .NET finds them).
//!
//! ```text
//! /_rels/.rels ──(…/digital-signature/origin)──▶ /package/services/digital-signature/origin.psdsor
//! origin's rels ──(…/digital-signature/signature)──▶ …/xml-signature/<guid>.psdsxs   (one per signature)
//! signature's rels ──(…/digital-signature/certificate)──▶ …/certificate/<serial>.cer  (optional)
//! ```

use super::package::Package;
use super::part_name::PartName;
use super::relationships::{self, TargetMode};
use crate::error::{Error, Result};
use std::collections::HashSet;
use std::io::{Read, Seek};

/// Relationship type from the package to the signature origin.
pub const ORIGIN_REL_TYPE: &str =
    "http://schemas.openxmlformats.org/package/2006/relationships/digital-signature/origin";
/// Relationship type from the origin to each signature part.
pub const SIGNATURE_REL_TYPE: &str =
    "http://schemas.openxmlformats.org/package/2006/relationships/digital-signature/signature";
/// Relationship type from a signature part to a certificate part.
pub const CERTIFICATE_REL_TYPE: &str =
    "http://schemas.openxmlformats.org/package/2006/relationships/digital-signature/certificate";
/// Content type of the origin part.
pub const ORIGIN_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-package.digital-signature-origin";
/// Content type of an XML signature part.
pub const SIGNATURE_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-package.digital-signature-xmlsignature+xml";
/// Content type of a certificate part (DER).
pub const CERTIFICATE_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-package.digital-signature-certificate";
/// The origin part name pqx writes (readers follow the relationship instead).
pub const DEFAULT_ORIGIN_PART: &str = "/package/services/digital-signature/origin.psdsor";
/// The folder pqx puts signature parts in.
pub const SIGNATURE_FOLDER: &str = "/package/services/digital-signature/xml-signature";

/// One signature part found through the origin.
#[derive(Clone, Debug)]
pub struct SignaturePartRef {
    /// The `.psdsxs` part.
    pub part: PartName,
    /// Id of the origin → signature relationship.
    pub relationship_id: String,
    /// Certificate parts related from the signature part, in relationship order.
    pub certificate_parts: Vec<PartName>,
}

/// The signature structure of a package.
#[derive(Clone, Debug, Default)]
pub struct SignatureLayout {
    /// The origin part and the Id of the package relationship to it, when signed.
    pub origin: Option<(PartName, String)>,
    /// The signatures, in origin-relationship order.
    pub signatures: Vec<SignaturePartRef>,
}

impl SignatureLayout {
    /// Finds the signatures the way .NET's PackageDigitalSignatureManager does, but refusing
    /// anything ambiguous: more than one origin, an external or dangling origin or signature
    /// relationship, an origin whose content type is wrong, or an origin that is not empty
    /// (its bytes would be package content that no signature covers, since the origin is
    /// signature machinery and never referenced). The declared size is what counts: reading
    /// an entry checks it is exactly that long.
    pub fn locate<R: Read + Seek>(package: &Package<R>) -> Result<Self> {
        let what = package.what().to_owned();
        let bad = |m: String| Error::Opc(format!("{what}: {m}"));
        let Some(root) = package.relationships_of(None) else {
            return Ok(SignatureLayout::default());
        };
        let origins: Vec<_> = root.relationships.of_type(ORIGIN_REL_TYPE).collect();
        let origin_rel = match origins.as_slice() {
            [] => return Ok(SignatureLayout::default()),
            [one] => *one,
            _ => {
                return Err(bad(
                    "more than one digital-signature origin relationship".into()
                ))
            }
        };
        if origin_rel.target_mode != TargetMode::Internal {
            return Err(bad("the signature origin relationship is external".into()));
        }
        let origin = relationships::resolve(None, origin_rel)?;
        let origin_part = package
            .part(&origin)
            .ok_or_else(|| bad(format!("signature origin {origin} is missing")))?;
        if origin_part.content_type != ORIGIN_CONTENT_TYPE {
            return Err(bad(format!(
                "signature origin {origin} has content type {:?}",
                origin_part.content_type
            )));
        }
        if origin_part.entry.size != 0 {
            return Err(bad(format!(
                "signature origin {origin} holds {} bytes: it must be empty, as no signature covers it",
                origin_part.entry.size
            )));
        }
        let mut signatures = Vec::new();
        // Signature parts met so far: a set, as the origin may relate tens of thousands.
        let mut seen: HashSet<String> = HashSet::new();
        if let Some(origin_rels) = package.relationships_of(Some(&origin)) {
            for rel in origin_rels.relationships.of_type(SIGNATURE_REL_TYPE) {
                if rel.target_mode != TargetMode::Internal {
                    return Err(bad(format!(
                        "signature relationship {} is external",
                        rel.id
                    )));
                }
                let target = relationships::resolve(Some(&origin), rel)?;
                let part = package
                    .part(&target)
                    .ok_or_else(|| bad(format!("signature part {target} is missing")))?;
                if part.content_type != SIGNATURE_CONTENT_TYPE {
                    // .NET ignores signature types it does not know; pqx then reports the
                    // part as not covered by any signature.
                    continue;
                }
                let mut certificate_parts = Vec::new();
                if let Some(sig_rels) = package.relationships_of(Some(&target)) {
                    for c in sig_rels.relationships.of_type(CERTIFICATE_REL_TYPE) {
                        if c.target_mode != TargetMode::Internal {
                            return Err(bad(format!(
                                "certificate relationship {} of {target} is external",
                                c.id
                            )));
                        }
                        let cert = relationships::resolve(Some(&target), c)?;
                        let cert_part = package
                            .part(&cert)
                            .ok_or_else(|| bad(format!("certificate part {cert} is missing")))?;
                        if cert_part.content_type != CERTIFICATE_CONTENT_TYPE {
                            return Err(bad(format!(
                                "certificate part {cert} has content type {:?}",
                                cert_part.content_type
                            )));
                        }
                        certificate_parts.push(cert);
                    }
                }
                if !seen.insert(target.key().to_owned()) {
                    return Err(bad(format!(
                        "signature part {target} is related twice from the origin"
                    )));
                }
                signatures.push(SignaturePartRef {
                    part: target,
                    relationship_id: rel.id.clone(),
                    certificate_parts,
                });
            }
        }
        Ok(SignatureLayout {
            origin: Some((origin, origin_rel.id.clone())),
            signatures,
        })
    }

    /// Whether `part` is packaging machinery rather than connector content: signature
    /// machinery ([`Self::is_signature_infrastructure`]) or any relationship part. What a
    /// first signature references by raw bytes, what the connector check reads and what
    /// `inspect` lists as content are the parts that are not.
    pub fn is_machinery(&self, part: &PartName) -> bool {
        self.is_signature_infrastructure(part) || relationships::source_of_rels_part(part).is_some()
    }

    /// Whether `part` is signature machinery (origin, signature, certificate, or the
    /// relationship parts of origin and signatures) rather than package content.
    pub fn is_signature_infrastructure(&self, part: &PartName) -> bool {
        let Some((origin, _)) = &self.origin else {
            return false;
        };
        if part == origin
            || self
                .signatures
                .iter()
                .any(|s| &s.part == part || s.certificate_parts.contains(part))
        {
            return true;
        }
        match relationships::source_of_rels_part(part) {
            Some(Some(src)) => &src == origin || self.signatures.iter().any(|s| s.part == src),
            _ => false,
        }
    }
}
