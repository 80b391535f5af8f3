//! Relationship parts (`.rels`, ECMA-376 Part 2 §9.3) and the OPC RelationshipTransform.
//!
//! Relationships say which part plays which role (the signature origin, each signature, a
//! signature's certificate). The package's own relationships live in `/_rels/.rels`; those of
//! part `/a/b.xml` in `/a/_rels/b.xml.rels`.

use std::collections::HashSet;

use super::part_name::{resolve_target, PartName};
use super::xml_escape::escape_attr;
use crate::error::{Error, Result};
use crate::limits::Limits;

/// Namespace of relationship parts.
pub const RELATIONSHIPS_NS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
/// Content type of relationship parts.
pub const RELATIONSHIPS_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-package.relationships+xml";
/// Part name of the package relationships.
pub const ROOT_RELS: &str = "/_rels/.rels";

/// Whether a relationship points inside or outside the package.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TargetMode {
    /// A part of this package (the default).
    Internal,
    /// A URI outside the package.
    External,
}

impl TargetMode {
    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetMode::Internal => "Internal",
            TargetMode::External => "External",
        }
    }
}

/// One `<Relationship>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Relationship {
    /// `Id` (an XML NCName, unique within its part).
    pub id: String,
    /// `Type` (a URI naming the role).
    pub rel_type: String,
    /// `Target` exactly as written.
    pub target: String,
    /// `TargetMode`.
    pub target_mode: TargetMode,
}

/// The relationships of one source (the package, or one part).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Relationships {
    /// The relationships in document order.
    pub items: Vec<Relationship>,
}

impl Relationships {
    /// Parses a `.rels` part strictly: root `Relationships` in the relationships namespace,
    /// only `Relationship` children, unique Ids, a known TargetMode.
    pub fn parse(bytes: &[u8], part: &str, limits: &Limits) -> Result<Self> {
        let bad = |reason: String| Error::Opc(format!("{part}: {reason}"));
        super::xml_part::read_children(
            bytes,
            part,
            limits,
            "Relationships",
            RELATIONSHIPS_NS,
            |children| {
                let mut items: Vec<Relationship> = Vec::new();
                // Ids seen so far: a set, as a part may hold a hundred thousand relationships
                // and comparing each with all earlier ones was quadratic.
                let mut ids: HashSet<String> = HashSet::new();
                for child in children {
                    if child.tag_name().name() != "Relationship"
                        || child.tag_name().namespace() != Some(RELATIONSHIPS_NS)
                    {
                        return Err(bad(format!(
                            "unexpected element {}",
                            child.tag_name().name()
                        )));
                    }
                    let attr = |n: &str| {
                        child
                            .attribute(n)
                            .ok_or_else(|| bad(format!("Relationship without {n}")))
                    };
                    let id = attr("Id")?;
                    if !is_ncname(id) {
                        return Err(bad(format!("relationship Id {id:?} is not an XML name")));
                    }
                    let target_mode = match child.attribute("TargetMode") {
                        None | Some("Internal") => TargetMode::Internal,
                        Some("External") => TargetMode::External,
                        Some(other) => return Err(bad(format!("unknown TargetMode {other:?}"))),
                    };
                    let rel = Relationship {
                        id: id.to_owned(),
                        rel_type: attr("Type")?.to_owned(),
                        target: attr("Target")?.to_owned(),
                        target_mode,
                    };
                    if rel.rel_type.is_empty() || rel.target.is_empty() {
                        return Err(bad(format!(
                            "relationship {id} has an empty Type or Target"
                        )));
                    }
                    if !ids.insert(rel.id.clone()) {
                        return Err(bad(format!("duplicate relationship Id {id:?}")));
                    }
                    items.push(rel);
                }
                Ok(Relationships { items })
            },
        )
    }

    /// Relationships of a given type.
    pub fn of_type<'a>(&'a self, rel_type: &'a str) -> impl Iterator<Item = &'a Relationship> + 'a {
        self.items.iter().filter(move |r| r.rel_type == rel_type)
    }

    /// A relationship by Id.
    pub fn by_id(&self, id: &str) -> Option<&Relationship> {
        self.items.iter().find(|r| r.id == id)
    }

    /// Serialises the part deterministically (document order kept).
    pub fn to_xml(&self) -> String {
        let mut out =
            String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n");
        out.push_str("<Relationships xmlns=\"");
        out.push_str(RELATIONSHIPS_NS);
        out.push_str("\">");
        for r in &self.items {
            out.push_str(&format!(
                "<Relationship Id=\"{}\" Type=\"{}\" Target=\"{}\"{}/>",
                escape_attr(&r.id),
                escape_attr(&r.rel_type),
                escape_attr(&r.target),
                if r.target_mode == TargetMode::External {
                    " TargetMode=\"External\""
                } else {
                    ""
                }
            ));
        }
        out.push_str("</Relationships>");
        out
    }

    /// A relationship Id not used yet: `R` + 16 hex digits, the shape System.IO.Packaging
    /// generates.
    pub fn fresh_id(&self) -> String {
        loop {
            let id = format!("R{}", crate::random::hex(8));
            if self.by_id(&id).is_none() {
                return id;
            }
        }
    }
}

/// The relationships part that holds the relationships of `source` (`None` = the package):
/// `/_rels/.rels`, or `/dir/_rels/name.rels`.
pub fn rels_part_for(source: Option<&PartName>) -> Result<PartName> {
    match source {
        None => PartName::parse(ROOT_RELS),
        Some(p) => PartName::parse(&format!("{}/_rels/{}.rels", p.folder(), p.file_name())),
    }
}

/// The inverse of [`rels_part_for`]: `Some(None)` for the package relationships,
/// `Some(Some(source))` for a part's, `None` when `rels` is not a relationships part name.
pub fn source_of_rels_part(rels: &PartName) -> Option<Option<PartName>> {
    let name = rels.as_str();
    let (folder, file) = name.rsplit_once('/')?;
    let parent =
        folder
            .strip_suffix("/_rels")
            .or(if folder == "/_rels" { Some("") } else { None })?;
    let source_file = file.strip_suffix(".rels")?;
    if parent.is_empty() && source_file.is_empty() {
        return Some(None);
    }
    if source_file.is_empty() {
        return None;
    }
    PartName::parse(&format!("{parent}/{source_file}"))
        .ok()
        .map(Some)
}

/// Resolves the part an internal relationship of `source` points at.
pub fn resolve(source: Option<&PartName>, rel: &Relationship) -> Result<PartName> {
    match source {
        None => resolve_target("", &rel.target),
        Some(p) => p.resolve(&rel.target),
    }
}

/// The canonical bytes the OPC RelationshipTransform produces for a selection, *after* the
/// C14N transform that must follow it (ECMA-376 Part 2 §13.2.4.24; .NET's
/// `XmlDigitalSignatureProcessor`): the selected relationships, deduplicated and sorted by Id
/// (ordinal), each with `TargetMode` written explicitly, attributes in canonical order
/// (Id, Target, TargetMode, Type), empty elements expanded.
pub fn transform_canonical<'a>(selected: impl IntoIterator<Item = &'a Relationship>) -> String {
    let mut rels: Vec<&Relationship> = selected.into_iter().collect();
    rels.sort_by(|a, b| a.id.as_bytes().cmp(b.id.as_bytes()));
    rels.dedup_by(|a, b| a.id == b.id);
    let mut out = String::from("<Relationships xmlns=\"");
    out.push_str(RELATIONSHIPS_NS);
    out.push_str("\">");
    for r in rels {
        out.push_str("<Relationship Id=\"");
        out.push_str(&super::xml_escape::c14n_attr(&r.id));
        out.push_str("\" Target=\"");
        out.push_str(&super::xml_escape::c14n_attr(&r.target));
        out.push_str("\" TargetMode=\"");
        out.push_str(r.target_mode.as_str());
        out.push_str("\" Type=\"");
        out.push_str(&super::xml_escape::c14n_attr(&r.rel_type));
        out.push_str("\"></Relationship>");
    }
    out.push_str("</Relationships>");
    out
}

/// Whether `s` is an XML NCName (ASCII approximation plus any non-ASCII letter).
pub fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| {
        c.is_alphanumeric() || matches!(c, '_' | '-' | '.') || (!c.is_ascii() && !c.is_whitespace())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rels_part_names_map_both_ways() {
        let p = PartName::parse("/package/services/digital-signature/origin.psdsor").unwrap();
        let r = rels_part_for(Some(&p)).unwrap();
        assert_eq!(
            r.as_str(),
            "/package/services/digital-signature/_rels/origin.psdsor.rels"
        );
        assert_eq!(source_of_rels_part(&r), Some(Some(p)));
        let root = rels_part_for(None).unwrap();
        assert_eq!(source_of_rels_part(&root), Some(None));
        assert_eq!(
            source_of_rels_part(&PartName::parse("/a.rels").unwrap()),
            None
        );
    }

    #[test]
    fn parses_and_rejects_duplicates() {
        let ok = br#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="R1" Type="t" Target="a.xml"/><Relationship Id="R2" Type="t" Target="http://x" TargetMode="External"/></Relationships>"#;
        let r = Relationships::parse(ok, "/_rels/.rels", &Limits::default()).unwrap();
        assert_eq!(r.items.len(), 2);
        assert_eq!(r.items[1].target_mode, TargetMode::External);
        let dup = br#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="R1" Type="t" Target="a"/><Relationship Id="R1" Type="u" Target="b"/></Relationships>"#;
        assert!(Relationships::parse(dup, "/_rels/.rels", &Limits::default()).is_err());
    }

    #[test]
    fn transform_output_matches_dotnet_example() {
        // opc-dotnet-notes.md §2: the canonical input .NET hashes for an origin relationship.
        let r = Relationship {
            id: "R0123abcd4567ef89".into(),
            rel_type: "http://schemas.openxmlformats.org/package/2006/relationships/digital-signature/origin".into(),
            target: "/package/services/digital-signature/origin.psdsor".into(),
            target_mode: TargetMode::Internal,
        };
        assert_eq!(
            transform_canonical([&r]),
            "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"R0123abcd4567ef89\" Target=\"/package/services/digital-signature/origin.psdsor\" TargetMode=\"Internal\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/digital-signature/origin\"></Relationship></Relationships>"
        );
        assert_eq!(transform_canonical([]), "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"></Relationships>");
    }
}
