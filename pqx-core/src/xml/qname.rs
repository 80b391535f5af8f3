//! Recovering what roxmltree does not keep: the prefixes of qualified names, and whether an
//! element's start tag declares namespaces.
//!
//! roxmltree resolves every name to (namespace URI, local name) and forgets the prefix the
//! document used. Canonical XML, however, writes names exactly as they appear in the
//! document (`opc:RelationshipReference`, not a re-chosen prefix), and when two prefixes are
//! bound to the same URI only the source text tells which one an element used. With
//! roxmltree's `positions` feature (on by default) every node and attribute knows its byte
//! range in the input, so the qualified name is read back from there. Every slice is
//! checked against the parsed local name, and a fallback rebuilds the name from the
//! in-scope namespaces if the text does not match (it always does for documents parsed
//! from text, which is the only way to build a roxmltree document).

use std::borrow::Cow;

use roxmltree::{Attribute, Node};

/// The namespace bound to the `xml` prefix by definition.
pub(crate) const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

/// The qualified name (`prefix:local` or `local`) of `element` as written in the document.
pub(crate) fn element_qname<'a, 'input>(element: Node<'a, 'input>) -> Cow<'input, str> {
    let name = element.tag_name();
    if let Some(qname) = start_tag(element).map(|tag| tag.qname) {
        if local_part(qname) == name.name() {
            return Cow::Borrowed(qname);
        }
    }
    match name.namespace() {
        Some(uri) if element.default_namespace() != Some(uri) => match element.lookup_prefix(uri) {
            Some(prefix) => Cow::Owned(format!("{prefix}:{}", name.name())),
            None => Cow::Borrowed(name.name()),
        },
        _ => Cow::Borrowed(name.name()),
    }
}

/// The qualified name of `attribute` (which belongs to `element`) as written in the
/// document.
pub(crate) fn attribute_qname<'a, 'input>(
    element: Node<'a, 'input>,
    attribute: &Attribute<'a, 'input>,
) -> Cow<'input, str> {
    let text = element.document().input_text();
    if let Some(qname) = text.get(attribute.range_qname()) {
        if local_part(qname) == attribute.name() {
            return Cow::Borrowed(qname);
        }
    }
    let prefix = match attribute.namespace() {
        None => None,
        Some(XML_NAMESPACE) => Some("xml"),
        Some(uri) => element.lookup_prefix(uri),
    };
    match prefix {
        Some(prefix) => Cow::Owned(format!("{prefix}:{}", attribute.name())),
        None => Cow::Borrowed(attribute.name()),
    }
}

/// Whether `element`'s own start tag carries a namespace declaration (`xmlns` or
/// `xmlns:p`). When the tag cannot be read back, answers `true`, which is always safe for
/// callers: it only sends them to the slower, complete comparison of in-scope namespaces.
pub(crate) fn declares_namespaces(element: Node) -> bool {
    start_tag(element).is_none_or(|tag| tag.declares_namespaces)
}

/// What is read from an element's start tag in the source text.
struct StartTag<'input> {
    /// The element's qualified name.
    qname: &'input str,
    /// Whether one of the attributes is a namespace declaration.
    declares_namespaces: bool,
}

/// Reads `element`'s start tag from the input text: `<` qname, then `name = "value"`
/// pairs up to `>` or `/>`. Returns `None` on anything unexpected (never panics).
fn start_tag<'input>(element: Node<'_, 'input>) -> Option<StartTag<'input>> {
    let text = element.document().input_text();
    let rest = text.get(element.range().start..)?.strip_prefix('<')?;
    let name_end = rest.find(|c: char| is_xml_space(c) || c == '/' || c == '>')?;
    let qname = rest.get(..name_end)?;
    let mut s = rest.get(name_end..)?;
    loop {
        s = s.trim_start_matches(is_xml_space);
        if s.starts_with('/') || s.starts_with('>') {
            return Some(StartTag {
                qname,
                declares_namespaces: false,
            });
        }
        let eq = s.find('=')?;
        let name = s.get(..eq)?.trim_end_matches(is_xml_space);
        if name == "xmlns" || name.starts_with("xmlns:") {
            return Some(StartTag {
                qname,
                declares_namespaces: true,
            });
        }
        s = s.get(eq + 1..)?.trim_start_matches(is_xml_space);
        let quote = s.chars().next().filter(|&q| q == '"' || q == '\'')?;
        s = s.get(1..)?;
        let end = s.find(quote)?;
        s = s.get(end + 1..)?;
    }
}

/// The part of a qualified name after the colon (or the whole name).
fn local_part(qname: &str) -> &str {
    qname.split_once(':').map_or(qname, |(_, local)| local)
}

/// XML's `S` production: space, tab, carriage return, line feed.
fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

#[cfg(test)]
mod tests {
    use super::*;
    use roxmltree::Document;

    #[test]
    fn element_and_attribute_prefixes_come_from_the_source() {
        let doc = Document::parse(
            "<a:r xmlns:a='urn:x' xmlns:b='urn:x'><b:e b:at='1' a:at2 = \"2\" plain='3'/></a:r>",
        )
        .unwrap();
        let r = doc.root_element();
        assert_eq!(element_qname(r), "a:r");
        let e = r.first_element_child().unwrap();
        assert_eq!(element_qname(e), "b:e");
        let names: Vec<_> = e.attributes().map(|at| attribute_qname(e, &at)).collect();
        assert_eq!(names, ["b:at", "a:at2", "plain"]);
    }

    #[test]
    fn detects_namespace_declarations_in_the_start_tag() {
        let doc = Document::parse(
            "<r xmlns='urn:d'><e a='xmlns=\"no\"'/><f\n xmlns:p='urn:p'/><g a='>' xmlns=''/></r>",
        )
        .unwrap();
        let found: Vec<_> = doc
            .descendants()
            .filter(|n| n.is_element())
            .map(|n| (n.tag_name().name(), declares_namespaces(n)))
            .collect();
        assert_eq!(found, [("r", true), ("e", false), ("f", true), ("g", true)]);
    }
}
