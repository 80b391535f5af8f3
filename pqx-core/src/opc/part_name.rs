//! OPC part names (ECMA-376 Part 2 §9.1.1, "Part names").
//!
//! A part name is an absolute URI path (`/HelloWorld.pq`, `/_rels/.rels`). Two names that
//! differ only in ASCII case are the *same* name, so a package holding both is ambiguous and
//! rejected. Inside the ZIP a part is stored under its name without the leading `/`.

use crate::error::{Error, Result};
use std::fmt;

/// A validated OPC part name.
///
/// Keeps the name exactly as written (that string appears in signature references) and an
/// equivalence key (ASCII-lower-cased, percent-escapes normalised) for comparisons.
#[derive(Clone, Debug)]
pub struct PartName {
    name: String,
    key: String,
}

impl PartName {
    /// Parses a part name such as `/HelloWorld.pq`, enforcing the OPC grammar: it starts
    /// with `/`, has no empty, `.` or `..` segments, no segment ends with `.`, it uses only
    /// RFC 3986 `pchar`s, and percent-escapes are well-formed and do not encode `/`, `\` or
    /// an unreserved character.
    pub fn parse(name: &str) -> Result<Self> {
        let bad = |reason: &str| Error::PartName {
            name: name.to_owned(),
            reason: reason.to_owned(),
        };
        let rest = name
            .strip_prefix('/')
            .ok_or_else(|| bad("must start with '/'"))?;
        if rest.is_empty() {
            return Err(bad("is empty"));
        }
        for segment in rest.split('/') {
            if segment.is_empty() {
                return Err(bad("has an empty segment (\"//\" or a trailing '/')"));
            }
            if segment == "." || segment == ".." {
                return Err(bad("has a '.' or '..' segment"));
            }
            if segment.ends_with('.') {
                return Err(bad("has a segment ending with '.'"));
            }
            validate_segment(segment).map_err(|r| bad(&r))?;
        }
        Ok(PartName {
            key: equivalence_key(name),
            name: name.to_owned(),
        })
    }

    /// The part name of a ZIP item (`HelloWorld.pq` → `/HelloWorld.pq`). The item name
    /// must already be a valid part name without its leading slash; backslashes, absolute
    /// paths and drive letters are refused.
    pub fn from_zip_item(item: &str) -> Result<Self> {
        if item.starts_with('/') || item.contains('\\') || item.as_bytes().get(1) == Some(&b':') {
            return Err(Error::PartName {
                name: item.to_owned(),
                reason: "ZIP item name is absolute or uses '\\'".to_owned(),
            });
        }
        Self::parse(&format!("/{item}"))
    }

    /// Makes a part name from a connector file name as found in a `.mez`
    /// (`My Connector.pq` → `/My%20Connector.pq`): characters that are not allowed in a part
    /// name are percent-encoded as UTF-8, as System.IO.Packaging does.
    pub fn from_file_name(file: &str) -> Result<Self> {
        let mut out = String::with_capacity(file.len() + 1);
        for segment in file.split('/') {
            out.push('/');
            for b in segment.bytes() {
                if is_unreserved(b) || is_sub_delim(b) || b == b':' || b == b'@' {
                    out.push(char::from(b));
                } else {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
        }
        Self::parse(&out)
    }

    /// The name as written, e.g. `/HelloWorld.pq`.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// The ZIP item name: the part name without its leading `/`.
    pub fn zip_item(&self) -> &str {
        self.name.get(1..).unwrap_or_default()
    }

    /// The key under which equivalent names compare equal (ASCII case folded).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The last segment (`/a/b.rels` → `b.rels`).
    pub fn file_name(&self) -> &str {
        self.name.rsplit('/').next().unwrap_or_default()
    }

    /// The extension of the last segment, without the dot, if any (`.rels` → `rels`).
    pub fn extension(&self) -> Option<&str> {
        let file = self.file_name();
        file.rfind('.').map(|i| &file[i + 1..])
    }

    /// The folder part (`/a/b.xml` → `/a`; `/b.xml` → ``).
    pub fn folder(&self) -> &str {
        match self.name.rfind('/') {
            Some(i) => &self.name[..i],
            None => "",
        }
    }

    /// The name with percent-escapes decoded, as a relative file path with `/` separators
    /// (`/My%20Connector.pq` → `My Connector.pq`), for extracting to disk or showing users.
    pub fn decoded_path(&self) -> String {
        String::from_utf8_lossy(&percent_decode(self.zip_item())).into_owned()
    }

    /// [`PartName::decoded_path`] when the percent-escapes decode to UTF-8, `None` when they
    /// do not: the lossy form turns every bad sequence into U+FFFD, so two different parts
    /// (`%FF`, `%FE`) would get the same file name.
    pub fn decoded_utf8(&self) -> Option<String> {
        String::from_utf8(percent_decode(self.zip_item())).ok()
    }

    /// Resolves a relationship target (`Target` attribute, TargetMode Internal) against
    /// this part as the source, per RFC 3986 §5.2 on part names.
    pub fn resolve(&self, target: &str) -> Result<PartName> {
        resolve_target(self.folder(), target)
    }
}

/// Resolves an internal relationship `target` whose source folder is `base_folder` (``
/// for the package root).
pub fn resolve_target(base_folder: &str, target: &str) -> Result<PartName> {
    let bad = |reason: &str| Error::PartName {
        name: target.to_owned(),
        reason: reason.to_owned(),
    };
    if target.contains('#') || target.contains('?') {
        return Err(bad("relationship target has a query or fragment"));
    }
    if target.contains("://") || target.starts_with("//") {
        return Err(bad(
            "internal relationship target is not a relative reference",
        ));
    }
    let joined = if target.starts_with('/') {
        target.to_owned()
    } else {
        format!("{base_folder}/{target}")
    };
    let mut segments: Vec<&str> = Vec::new();
    for seg in joined.split('/').skip(1) {
        match seg {
            "." => {}
            ".." => {
                if segments.pop().is_none() {
                    return Err(bad("relationship target escapes the package"));
                }
            }
            s => segments.push(s),
        }
    }
    PartName::parse(&format!("/{}", segments.join("/")))
}

impl PartialEq for PartName {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for PartName {}
impl std::hash::Hash for PartName {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key.hash(state)
    }
}
impl PartialOrd for PartName {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for PartName {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key)
    }
}
impl fmt::Display for PartName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn is_sub_delim(b: u8) -> bool {
    matches!(
        b,
        b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
    )
}

fn hex_val(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

fn validate_segment(segment: &str) -> std::result::Result<(), String> {
    let bytes = segment.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex_val),
                bytes.get(i + 2).copied().and_then(hex_val),
            ) else {
                return Err("has a malformed percent-escape".to_owned());
            };
            let decoded = h * 16 + l;
            if decoded == b'/' || decoded == b'\\' {
                return Err("percent-encodes '/' or '\\'".to_owned());
            }
            if is_unreserved(decoded) {
                return Err("percent-encodes an unreserved character".to_owned());
            }
            i += 3;
        } else if is_unreserved(b) || is_sub_delim(b) || b == b':' || b == b'@' {
            i += 1;
        } else if b < 0x20 || b == 0x7f {
            return Err("contains a control character".to_owned());
        } else {
            return Err(format!(
                "contains {:?}, which must be percent-encoded",
                char::from(b)
            ));
        }
    }
    Ok(())
}

fn percent_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            if let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex_val),
                bytes.get(i + 2).copied().and_then(hex_val),
            ) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

/// Equivalence per OPC: ASCII case-insensitive, after normalising percent-escapes so that
/// `%c3%a9` and `%C3%A9` compare equal.
fn equivalence_key(name: &str) -> String {
    name.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_names() {
        for n in [
            "/HelloWorld.pq",
            "/_rels/.rels",
            "/package/services/digital-signature/origin.psdsor",
            "/a%20b.png",
        ] {
            assert_eq!(PartName::parse(n).unwrap().as_str(), n);
        }
    }

    #[test]
    fn rejects_names_breaking_opc_rules() {
        for n in [
            "HelloWorld.pq",
            "/",
            "/a//b",
            "/a/",
            "/../x",
            "/a/./b",
            "/a./b",
            "/a b",
            "/a%2fb",
            "/a%41",
            "/a%zz",
            "/a\\b",
            "/a\u{0}b",
            "/é",
        ] {
            assert!(
                matches!(PartName::parse(n), Err(Error::PartName { .. })),
                "{n} accepted"
            );
        }
    }

    #[test]
    fn names_differing_in_case_are_equivalent() {
        assert_eq!(
            PartName::parse("/Hello.PQ").unwrap(),
            PartName::parse("/hello.pq").unwrap()
        );
    }

    #[test]
    fn file_names_are_percent_encoded() {
        let p = PartName::from_file_name("My Connector é.pq").unwrap();
        assert_eq!(p.as_str(), "/My%20Connector%20%C3%A9.pq");
        assert_eq!(p.decoded_path(), "My Connector é.pq");
    }

    #[test]
    fn zip_items_must_be_relative() {
        assert!(PartName::from_zip_item("/etc/passwd").is_err());
        assert!(PartName::from_zip_item("C:/x").is_err());
        assert!(PartName::from_zip_item("a\\b").is_err());
        assert!(PartName::from_zip_item("../x").is_err());
        assert_eq!(
            PartName::from_zip_item("_rels/.rels").unwrap().as_str(),
            "/_rels/.rels"
        );
    }

    #[test]
    fn resolves_relationship_targets() {
        let src = PartName::parse("/package/services/digital-signature/origin.psdsor").unwrap();
        assert_eq!(
            src.resolve("xml-signature/a.psdsxs").unwrap().as_str(),
            "/package/services/digital-signature/xml-signature/a.psdsxs"
        );
        assert_eq!(
            resolve_target("", "package/x.psdsor").unwrap().as_str(),
            "/package/x.psdsor"
        );
        assert_eq!(resolve_target("", "/a/../b").unwrap().as_str(), "/b");
        assert!(resolve_target("", "../escape").is_err());
        assert!(resolve_target("", "http://example.com/x").is_err());
    }
}
