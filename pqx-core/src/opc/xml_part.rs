//! The shape every small OPC XML part shares: one root element in one namespace holding only
//! child elements of that namespace (whitespace allowed between them).

use crate::error::{Error, Result};
use crate::limits::Limits;
use roxmltree::Node;

/// Parses `bytes` (the content of `part`) securely, checks that the root is `root` in `ns`,
/// and hands its element children to `read`. Non-whitespace text and elements of another
/// namespace are refused with an [`Error::Opc`] naming the part.
pub fn read_children<T>(
    bytes: &[u8],
    part: &str,
    limits: &Limits,
    root: &str,
    ns: &str,
    read: impl FnOnce(Vec<Node>) -> Result<T>,
) -> Result<T> {
    let bad = |reason: String| Error::Opc(format!("{part}: {reason}"));
    let text = crate::xml::decode_text(bytes, part)?;
    let doc = crate::xml::parse(text, part, limits)?;
    let el = doc.root_element();
    if el.tag_name().name() != root || el.tag_name().namespace() != Some(ns) {
        return Err(bad(format!("root element is not {root} in namespace {ns}")));
    }
    let mut children = Vec::new();
    for child in el.children() {
        if child.is_text() && child.text().is_some_and(|t| !t.trim().is_empty()) {
            return Err(bad("unexpected text".into()));
        }
        if child.is_element() {
            if child.tag_name().namespace() != Some(ns) {
                return Err(bad(format!(
                    "unexpected element {}",
                    child.tag_name().name()
                )));
            }
            children.push(child);
        }
    }
    read(children)
}
