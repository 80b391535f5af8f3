//! Escaping text for the XML pqx writes.
//!
//! pqx writes its XML already in canonical form (C14N 1.0), so that what it hashes is
//! exactly what is in the file; the escaping rules are C14N's (REC-xml-c14n §2.3), shared
//! with [`crate::xml::escape`].

/// Escapes an attribute value the way C14N does: `&`, `<`, `"`, TAB, LF and CR.
pub fn c14n_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    crate::xml::escape::escape_attribute(&mut out, s);
    out
}

/// Escapes character data the way C14N does: `&`, `<`, `>` and CR.
pub fn c14n_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    crate::xml::escape::escape_text(&mut out, s);
    out
}

/// Escapes an attribute value for ordinary (non-canonical) XML output; the C14N rules are
/// also safe there.
pub fn escape_attr(s: &str) -> String {
    c14n_attr(s)
}
