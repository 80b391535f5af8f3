//! Turning the bytes of an XML part into a parsed document, refusing everything that could
//! make parsing unsafe or ambiguous.
//!
//! OPC parts are attacker-controlled. The classic XML attacks — entity expansion
//! ("billion laughs"), external entities (XXE, which would read local files or reach the
//! network), and deep nesting that exhausts the stack of a recursive consumer — all need
//! either a DTD or unbounded input. .NET's signature code loads signature XML with DTD
//! processing prohibited, and no OPC part legitimately carries a DTD, so pqx rejects any
//! `<!DOCTYPE …>` outright instead of trying to process one safely. Size and depth are
//! bounded by [`Limits`]. Only UTF-8 is accepted: every writer of these parts (.NET's
//! `XmlTextWriter` with `Encoding.UTF8`, pqx itself) uses it, and accepting several
//! encodings only widens what two implementations could read differently.

use super::qname::declares_namespaces;
use crate::error::{Error, Result};
use crate::limits::Limits;
use roxmltree::{Document, Node, ParsingOptions};

/// The UTF-8 byte order mark, which .NET writes at the start of signature parts.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Decodes an XML part's bytes: strips a UTF-8 BOM, rejects UTF-16/other encodings or a
/// non-UTF-8 byte sequence, and rejects an XML declaration whose encoding is not utf-8
/// (case-insensitive). `part` names the part in errors.
///
/// The returned text borrows from `bytes` (no copy) and no longer carries the BOM, so it
/// can be handed to [`parse`] directly.
pub fn decode_text<'a>(bytes: &'a [u8], part: &str) -> Result<&'a str> {
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    if bytes.starts_with(b"\xFE\xFF") || bytes.starts_with(b"\xFF\xFE") {
        return Err(Error::xml(
            part,
            "UTF-16 encoded XML is not supported; only UTF-8 is",
        ));
    }
    // Without a BOM, UTF-16 and UTF-32 XML start with NUL bytes around the '<'
    // (XML 1.0 Appendix F); NUL is never legal in XML, so this cannot reject valid UTF-8 XML.
    if bytes.iter().take(4).any(|&b| b == 0) {
        return Err(Error::xml(
            part,
            "XML in a UTF-16 or UTF-32 encoding is not supported; only UTF-8 is",
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Error::xml(
            part,
            format!(
                "not valid UTF-8 (bad byte sequence at offset {})",
                e.valid_up_to()
            ),
        )
    })?;
    if let Some(encoding) = declared_encoding(text) {
        if !encoding.eq_ignore_ascii_case("utf-8") {
            return Err(Error::xml(
                part,
                format!("the XML declaration names encoding {encoding:?}; only UTF-8 is supported"),
            ));
        }
    }
    Ok(text)
}

/// Returns the value of the `encoding` pseudo-attribute of the XML declaration at the very
/// start of `text`, if there is a declaration and it names an encoding.
///
/// Only the pseudo-attribute syntax is looked at (`name = "value"` or `name = 'value'`);
/// a malformed declaration yields `None` here and is then rejected by the parser.
fn declared_encoding(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("<?xml")?;
    if !rest.starts_with(is_xml_space) {
        return None; // `<?xml-stylesheet …?>` and the like are processing instructions.
    }
    let decl = rest.get(..rest.find("?>")?)?;
    let mut s = decl.trim_start_matches(is_xml_space);
    while !s.is_empty() {
        let name_end = s.find(|c: char| c == '=' || is_xml_space(c))?;
        let name = s.get(..name_end)?;
        s = s.get(name_end..)?.trim_start_matches(is_xml_space);
        s = s.strip_prefix('=')?.trim_start_matches(is_xml_space);
        let quote = s.chars().next().filter(|&q| q == '"' || q == '\'')?;
        s = s.get(1..)?;
        let value_end = s.find(quote)?;
        let value = s.get(..value_end)?;
        if name == "encoding" {
            return Some(value);
        }
        s = s.get(value_end + 1..)?.trim_start_matches(is_xml_space);
    }
    None
}

/// XML's `S` production: space, tab, carriage return, line feed.
fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Parses XML securely: any DTD / DOCTYPE / entity declaration is rejected outright
/// ([`Error::Xml`] naming the part and "DTD not allowed"); a document larger than
/// `limits.max_xml_size` is rejected with [`Error::LimitExceeded`] before parsing, and so
/// is one that could have more than `limits.max_xml_attributes` attributes on an element or
/// more than `limits.max_xml_namespaces` namespace declarations (both counted in one pass
/// over the text, as upper bounds); one nested deeper than `limits.max_xml_depth` elements is
/// rejected with [`Error::LimitExceeded`] after parsing. No external resource is ever
/// resolved. Parsing takes time linear in the size of the text.
///
/// roxmltree already normalizes line ends and attribute values and expands character
/// references as XML 1.0 requires, which is the input model Canonical XML expects. A
/// leading BOM, if the caller did not go through [`decode_text`], is skipped.
pub fn parse<'a>(text: &'a str, part: &str, limits: &Limits) -> Result<Document<'a>> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let size = u64::try_from(text.len()).unwrap_or(u64::MAX);
    if size > limits.max_xml_size {
        return Err(Error::LimitExceeded(format!(
            "XML part {part} is {size} bytes, more than the {} allowed",
            limits.max_xml_size
        )));
    }
    check_attribute_counts(text, part, limits)?;
    let options = ParsingOptions {
        allow_dtd: false,
        entity_resolver: None,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(text, options).map_err(|e| match e {
        roxmltree::Error::DtdDetected => Error::xml(
            part,
            "DTD not allowed (DOCTYPE, entity declarations and external entities are refused)",
        ),
        other => Error::xml(part, other.to_string()),
    })?;
    let depth = max_element_depth(doc.root());
    if depth > limits.max_xml_depth {
        return Err(Error::LimitExceeded(format!(
            "XML part {part} nests elements {depth} deep, more than the {} allowed",
            limits.max_xml_depth
        )));
    }
    reject_prefix_undeclarations(&doc, part)?;
    Ok(doc)
}

/// Bounds, before parsing and in one pass, the two things that make roxmltree's parse
/// super-linear: attributes per element (each is compared with the element's earlier ones)
/// and namespace declarations (each declaring element gets a copy of its inherited
/// namespaces, each compared with its own). Both counts are upper bounds, so nothing is
/// missed: a start tag cannot contain `<` (attribute values may not), so its attributes
/// are at most the `=` signs between its `<` and the next `<`; and every declaration
/// contains the text `xmlns`. Text, comments or attribute values full of `=` or `xmlns`
/// may be refused too, which no real OPC part has. Refused with [`Error::LimitExceeded`].
fn check_attribute_counts(text: &str, part: &str, limits: &Limits) -> Result<()> {
    let mut most = 0usize;
    let mut current = 0usize;
    for &b in text.as_bytes() {
        match b {
            b'<' => current = 0,
            b'=' => {
                current = current.saturating_add(1);
                most = most.max(current);
            }
            _ => {}
        }
    }
    if most > limits.max_xml_attributes {
        return Err(Error::LimitExceeded(format!(
            "XML part {part} may have {most} attributes on one element ({most} '=' between two \
             '<'), more than the {} allowed",
            limits.max_xml_attributes
        )));
    }
    let declarations = text.matches("xmlns").count();
    if declarations > limits.max_xml_namespaces {
        return Err(Error::LimitExceeded(format!(
            "XML part {part} may declare {declarations} namespaces ('xmlns' appears \
             {declarations} times), more than the {} allowed",
            limits.max_xml_namespaces
        )));
    }
    Ok(())
}

/// Rejects `xmlns:p=""`, which Namespaces in XML 1.0 forbids (only 1.1 allows undeclaring
/// a prefix) but roxmltree accepts, binding `p` to the empty URI. Canonicalization and
/// other implementations (libxml2, .NET) would disagree on such a document.
///
/// Only elements whose start tag declares namespaces are inspected: any other element has
/// exactly its parent's bindings, so the check stays proportional to the declarations.
fn reject_prefix_undeclarations(doc: &Document, part: &str) -> Result<()> {
    for element in doc
        .descendants()
        .filter(|n| n.is_element() && declares_namespaces(*n))
    {
        let undeclared = element
            .namespaces()
            .find(|ns| ns.name().is_some() && ns.uri().is_empty());
        if let Some(ns) = undeclared {
            return Err(Error::xml(
                part,
                format!(
                    "namespace prefix {:?} is bound to an empty URI, which XML 1.0 does not allow",
                    ns.name().unwrap_or_default()
                ),
            ));
        }
    }
    Ok(())
}

/// The deepest element nesting under `root` (the document element counts as depth 1),
/// computed without recursion so that the check itself cannot overflow the stack.
fn max_element_depth(root: Node) -> usize {
    let mut max = 0;
    let mut depth = 0;
    let mut node = root;
    loop {
        if node.is_element() {
            depth += 1;
            max = max.max(depth);
        }
        if let Some(child) = node.first_child() {
            node = child;
            continue;
        }
        loop {
            if node.is_element() {
                depth -= 1;
            }
            if node == root {
                return max;
            }
            if let Some(next) = node.next_sibling() {
                node = next;
                break;
            }
            match node.parent() {
                Some(parent) => node = parent,
                None => return max,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_default(text: &str) -> Result<Document<'_>> {
        parse(text, "/test.xml", &Limits::default())
    }

    fn assert_dtd_rejected(text: &str) {
        match parse_default(text) {
            Err(Error::Xml { part, reason }) => {
                assert_eq!(part, "/test.xml");
                assert!(reason.contains("DTD not allowed"), "reason: {reason}");
            }
            other => panic!("expected Error::Xml for a DTD, got {other:?}"),
        }
    }

    #[test]
    fn parses_plain_xml() {
        let doc = parse_default("<?xml version=\"1.0\"?><a><b x='1'/></a>").unwrap();
        assert_eq!(doc.root_element().tag_name().name(), "a");
    }

    #[test]
    fn rejects_empty_doctype() {
        assert_dtd_rejected("<!DOCTYPE a><a/>");
    }

    #[test]
    fn rejects_doctype_after_declaration_and_comment() {
        assert_dtd_rejected("<?xml version=\"1.0\"?>\n<!-- c -->\n<!DOCTYPE a []><a/>");
    }

    #[test]
    fn rejects_internal_entity_declaration() {
        assert_dtd_rejected("<!DOCTYPE a [<!ENTITY e \"text\">]><a>&e;</a>");
    }

    #[test]
    fn rejects_external_entity() {
        assert_dtd_rejected(
            "<!DOCTYPE a [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><a>&xxe;</a>",
        );
        assert_dtd_rejected("<!DOCTYPE a SYSTEM \"http://example.com/a.dtd\"><a/>");
    }

    #[test]
    fn rejects_billion_laughs() {
        let mut doc =
            String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
        for i in 1..10 {
            let prev = if i == 1 {
                "lol".to_string()
            } else {
                format!("lol{}", i - 1)
            };
            doc.push_str(&format!(
                "<!ENTITY lol{i} \"{}\">\n",
                format!("&{prev};").repeat(10)
            ));
        }
        doc.push_str("]>\n<lolz>&lol9;</lolz>");
        assert_dtd_rejected(&doc);
    }

    #[test]
    fn rejects_undefined_entity_reference_without_dtd() {
        let err = parse_default("<a>&nbsp;</a>").unwrap_err();
        assert!(matches!(err, Error::Xml { .. }), "{err:?}");
    }

    #[test]
    fn rejects_malformed_xml_naming_the_part() {
        let err = parse_default("<a><b></a>").unwrap_err();
        assert!(
            err.to_string().starts_with("XML error in /test.xml:"),
            "{err}"
        );
    }

    #[test]
    fn rejects_depth_above_limit() {
        let limits = Limits {
            max_xml_depth: 3,
            ..Limits::default()
        };
        assert!(parse("<a><b><c/></b></a>", "p", &limits).is_ok());
        let err = parse("<a><b><c><d/></c></b></a>", "p", &limits).unwrap_err();
        assert!(matches!(err, Error::LimitExceeded(_)), "{err:?}");
    }

    #[test]
    fn rejects_default_depth_attack() {
        let n = crate::limits::MAX_XML_DEPTH + 1;
        let text = format!("{}{}", "<a>".repeat(n), "</a>".repeat(n));
        let err = parse_default(&text).unwrap_err();
        assert!(matches!(err, Error::LimitExceeded(_)), "{err:?}");
        let ok = format!("{}{}", "<a>".repeat(n - 1), "</a>".repeat(n - 1));
        assert!(parse_default(&ok).is_ok());
    }

    #[test]
    fn rejects_size_above_limit() {
        let limits = Limits {
            max_xml_size: 10,
            ..Limits::default()
        };
        let err = parse("<a>0123456789</a>", "p", &limits).unwrap_err();
        assert!(matches!(err, Error::LimitExceeded(_)), "{err:?}");
    }

    #[test]
    fn rejects_an_undeclared_prefix() {
        let err = parse_default("<a xmlns:p='urn:p'><b xmlns:p=''/></a>").unwrap_err();
        assert!(err.to_string().contains("prefix \"p\""), "{err}");
        assert!(parse_default("<a xmlns='urn:d'><b xmlns=''/></a>").is_ok());
    }

    #[test]
    fn skips_a_leading_bom() {
        assert!(parse_default("\u{FEFF}<a/>").is_ok());
    }

    #[test]
    fn decode_strips_bom() {
        assert_eq!(decode_text(b"\xEF\xBB\xBF<a/>", "p").unwrap(), "<a/>");
        assert_eq!(decode_text(b"<a/>", "p").unwrap(), "<a/>");
    }

    #[test]
    fn decode_rejects_utf16() {
        for bytes in [
            &b"\xFF\xFE<\0a\0/\0>\0"[..],
            b"\xFE\xFF\0<\0a\0/\0>",
            b"<\0a\0/\0>\0",
        ] {
            let err = decode_text(bytes, "p").unwrap_err();
            assert!(matches!(err, Error::Xml { .. }), "{err:?}");
            assert!(err.to_string().contains("UTF-16"), "{err}");
        }
    }

    #[test]
    fn decode_rejects_invalid_utf8() {
        let err = decode_text(b"<a>\xC3\x28</a>", "p").unwrap_err();
        assert!(err.to_string().contains("offset 3"), "{err}");
    }

    #[test]
    fn decode_accepts_utf8_declarations_in_any_case() {
        for decl in [
            "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?><a/>",
            "<?xml version='1.0' encoding='UTF-8'?><a/>",
            "<?xml version = \"1.0\"\n encoding = \"Utf-8\" ?><a/>",
            "<?xml version=\"1.0\"?><a/>",
            "<?xml-stylesheet href=\"a\"?><a/>",
        ] {
            assert_eq!(decode_text(decl.as_bytes(), "p").unwrap(), decl);
        }
    }

    #[test]
    fn decode_rejects_other_declared_encodings() {
        for decl in [
            "<?xml version=\"1.0\" encoding=\"utf-16\"?><a/>",
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>",
            "<?xml version=\"1.0\" encoding='utf8'?><a/>",
        ] {
            let err = decode_text(decl.as_bytes(), "/x.rels").unwrap_err();
            assert!(
                matches!(err, Error::Xml { ref part, .. } if part == "/x.rels"),
                "{err:?}"
            );
        }
    }
}
