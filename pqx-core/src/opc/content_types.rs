//! `[Content_Types].xml` (ECMA-376 Part 2 §10.1.2): the content type of every part.
//!
//! A part's content type is its `Override` if there is one, else the `Default` for its
//! extension (compared ASCII case-insensitively). A part with neither makes the package
//! invalid. Content types matter to signatures: each manifest reference names the part's
//! content type, and a verifier compares it (case-sensitively, as .NET does).

use super::part_name::PartName;
use super::xml_escape::escape_attr;
use crate::error::{Error, Result};
use crate::limits::Limits;
use std::collections::BTreeMap;

/// The ZIP item name of the content-types stream (it is not a part).
pub const CONTENT_TYPES_ITEM: &str = "[Content_Types].xml";
/// Namespace of `[Content_Types].xml`.
pub const CONTENT_TYPES_NS: &str = "http://schemas.openxmlformats.org/package/2006/content-types";

/// The content types of a package.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContentTypes {
    /// Extension (lower case) → (extension as written, content type).
    defaults: BTreeMap<String, (String, String)>,
    /// Part-name key → (part name, content type).
    overrides: BTreeMap<String, (PartName, String)>,
}

impl ContentTypes {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses `[Content_Types].xml`, rejecting duplicates and anything that is not a
    /// `Default` or `Override` element in the content-types namespace.
    pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Self> {
        let part = CONTENT_TYPES_ITEM;
        let bad = |reason: String| Error::Opc(format!("{part}: {reason}"));
        super::xml_part::read_children(bytes, part, limits, "Types", CONTENT_TYPES_NS, |children| {
            let mut table = ContentTypes::new();
            for child in children {
                let content_type = child
                    .attribute("ContentType")
                    .filter(|c| is_valid_media_type(c))
                    .ok_or_else(|| {
                        bad(format!(
                            "{} without a valid ContentType",
                            child.tag_name().name()
                        ))
                    })?;
                match child.tag_name().name() {
                    "Default" => {
                        let ext = child
                            .attribute("Extension")
                            .filter(|e| !e.is_empty() && !e.contains('/') && !e.contains('.'))
                            .ok_or_else(|| bad("Default without a valid Extension".into()))?;
                        if table
                            .defaults
                            .insert(
                                ext.to_ascii_lowercase(),
                                (ext.to_owned(), content_type.to_owned()),
                            )
                            .is_some()
                        {
                            return Err(bad(format!("duplicate Default for extension {ext:?}")));
                        }
                    }
                    "Override" => {
                        let name = child
                            .attribute("PartName")
                            .ok_or_else(|| bad("Override without PartName".into()))?;
                        let name = PartName::parse(name)?;
                        if table
                            .overrides
                            .insert(
                                name.key().to_owned(),
                                (name.clone(), content_type.to_owned()),
                            )
                            .is_some()
                        {
                            return Err(bad(format!("duplicate Override for {name}")));
                        }
                    }
                    other => return Err(bad(format!("unexpected element {other}"))),
                }
            }
            Ok(table)
        })
    }

    /// The content type of `part`, or `None` when the package does not give it one.
    pub fn content_type_of(&self, part: &PartName) -> Option<&str> {
        if let Some((_, ct)) = self.overrides.get(part.key()) {
            return Some(ct);
        }
        let ext = part.extension()?.to_ascii_lowercase();
        self.defaults.get(&ext).map(|(_, ct)| ct.as_str())
    }

    /// Adds a `Default` unless one exists for the extension (keeping the existing one).
    pub fn add_default(&mut self, extension: &str, content_type: &str) {
        self.defaults
            .entry(extension.to_ascii_lowercase())
            .or_insert_with(|| (extension.to_owned(), content_type.to_owned()));
    }

    /// Ensures `part` gets `content_type`: nothing if it already does, else a `Default`
    /// when its extension has none, else an `Override`.
    pub fn assign(&mut self, part: &PartName, content_type: &str) {
        if self.content_type_of(part) == Some(content_type) {
            return;
        }
        match part.extension() {
            Some(ext)
                if !self.defaults.contains_key(&ext.to_ascii_lowercase())
                    && !self.overrides.contains_key(part.key()) =>
            {
                self.add_default(ext, content_type)
            }
            _ => {
                self.overrides.insert(
                    part.key().to_owned(),
                    (part.clone(), content_type.to_owned()),
                );
            }
        }
    }

    /// Removes the `Override` of `part`, if any (used when a part is deleted).
    pub fn remove_override(&mut self, part: &PartName) {
        self.overrides.remove(part.key());
    }

    /// Serialises the table deterministically (Defaults by extension, Overrides by name).
    pub fn to_xml(&self) -> String {
        let mut out =
            String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n");
        out.push_str("<Types xmlns=\"");
        out.push_str(CONTENT_TYPES_NS);
        out.push_str("\">");
        for (ext, ct) in self.defaults.values() {
            out.push_str(&format!(
                "<Default Extension=\"{}\" ContentType=\"{}\"/>",
                escape_attr(ext),
                escape_attr(ct)
            ));
        }
        for (name, ct) in self.overrides.values() {
            out.push_str(&format!(
                "<Override PartName=\"{}\" ContentType=\"{}\"/>",
                escape_attr(name.as_str()),
                escape_attr(ct)
            ));
        }
        out.push_str("</Types>");
        out
    }
}

/// A loose RFC 2616 media-type check (`type/subtype` with optional parameters, no spaces
/// around `/`), enough to refuse garbage without rejecting real-world values.
fn is_valid_media_type(ct: &str) -> bool {
    let main = ct.split(';').next().unwrap_or_default();
    let mut it = main.splitn(2, '/');
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b))
    };
    matches!((it.next(), it.next()), (Some(t), Some(s)) if token(t) && token(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> PartName {
        PartName::parse(s).unwrap()
    }

    #[test]
    fn override_wins_and_defaults_are_case_insensitive() {
        let xml = br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="PQ" ContentType="application/octet-stream"/><Override PartName="/Special.pq" ContentType="text/plain"/></Types>"#;
        let t = ContentTypes::parse(xml, &Limits::default()).unwrap();
        assert_eq!(
            t.content_type_of(&p("/a.pq")),
            Some("application/octet-stream")
        );
        assert_eq!(t.content_type_of(&p("/special.PQ")), Some("text/plain"));
        assert_eq!(t.content_type_of(&p("/a.png")), None);
    }

    #[test]
    fn rejects_duplicates_and_bad_values() {
        for xml in [
            r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="pq" ContentType="a/b"/><Default Extension="PQ" ContentType="a/b"/></Types>"#,
            r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/a" ContentType="a/b"/><Override PartName="/A" ContentType="a/b"/></Types>"#,
            r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="pq" ContentType="nonsense"/></Types>"#,
            r#"<Types><Default Extension="pq" ContentType="a/b"/></Types>"#,
            r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Evil/></Types>"#,
        ] {
            assert!(
                ContentTypes::parse(xml.as_bytes(), &Limits::default()).is_err(),
                "{xml}"
            );
        }
    }

    #[test]
    fn round_trips_through_xml() {
        let mut t = ContentTypes::new();
        t.assign(&p("/a.pq"), "application/octet-stream");
        t.assign(&p("/b.pq"), "text/plain");
        let back = ContentTypes::parse(t.to_xml().as_bytes(), &Limits::default()).unwrap();
        assert_eq!(back, t);
        assert_eq!(back.content_type_of(&p("/b.pq")), Some("text/plain"));
    }
}
