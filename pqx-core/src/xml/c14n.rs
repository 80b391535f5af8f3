//! Inclusive Canonical XML 1.0 without comments
//! (`http://www.w3.org/TR/2001/REC-xml-c14n-20010315`).
//!
//! XML-DSig never signs XML text as such: it signs the canonical form of a node-set, so that
//! insignificant differences (attribute order, quote style, `<a/>` versus `<a></a>`,
//! redundant namespace declarations, character references) do not break a signature. OPC
//! signatures, as .NET writes and checks them, use inclusive C14N 1.0 in two ways:
//!
//! - over a *document subset*: an element and all its descendants, taken inside their
//!   document (`SignedInfo` for the signature value, the `#idPackageObject` `Object` for its
//!   reference) — [`canonicalize`];
//! - over a *whole document*: the C14N transform applied to a relationships part or a
//!   signature part in a manifest reference — [`canonicalize_document`].
//!
//! The rules implemented here, with the sections of the REC they come from:
//!
//! - §2.3 / §4.6: the XML declaration and the DTD are dropped; at document level each
//!   processing instruction before the document element is followed by a line feed and
//!   each one after it is preceded by one; comments are dropped everywhere ("without
//!   comments") and so is whitespace outside the document element.
//! - §2.3: empty elements become start/end tag pairs; every attribute value is written in
//!   double quotes; escaping is done by [`super::escape`].
//! - §2.3 / §4.8: namespace declarations come first, sorted by prefix with the default
//!   namespace (`xmlns`) first; then attributes sorted by (namespace URI, local name), so
//!   unqualified attributes (no URI) come first.
//! - §2.3 (namespace axis): the apex element of a subset renders every namespace in scope,
//!   inherited from its ancestors or not, since no ancestor of it is output; a descendant
//!   renders only the bindings that differ from its parent's, plus `xmlns=""` when its
//!   parent had a non-empty default namespace and it has none. The `xml` prefix is never
//!   declared (roxmltree does not report it as a namespace node).
//! - §2.4: attributes in the `xml` namespace (`xml:lang`, `xml:space`, `xml:base`, …) of
//!   the apex's ancestors are rendered on the apex unless it has its own, the nearest
//!   ancestor winning — C14N 1.0 makes them inherit into a subset that omits their owner.
//!
//! The input model is the XPath data model after XML parsing: roxmltree has already
//! normalized line ends and attribute values and replaced character references and CDATA
//! sections by the characters they stand for. Entity references cannot occur because
//! [`super::parse`] refuses DTDs; the REC examples that need a DTD (default attributes,
//! entity expansion, attribute types) therefore do not apply to pqx.
//!
//! Output is built with `push_str` into one `String`, traversal is iterative (no recursion,
//! so no stack overflow on deep input) and linear in the size of the subtree, except that an
//! element carrying namespace declarations is compared with its parent's in-scope
//! namespaces (a cost proportional to their number, which roxmltree has already paid while
//! parsing).

use std::borrow::Cow;
use std::collections::HashMap;

use roxmltree::{Document, Node, NodeType};

use super::escape::{escape_attribute, escape_text};
use super::qname::{attribute_qname, declares_namespaces, element_qname, XML_NAMESPACE};

/// Inclusive Canonical XML 1.0 without comments
/// (`http://www.w3.org/TR/2001/REC-xml-c14n-20010315`) of the document subset made of
/// `element` and all its descendants — exactly what XML-DSig computes for a same-document
/// reference `"#id"` or for `SignedInfo`.
///
/// The apex element gets every in-scope namespace declaration (from itself and its
/// ancestors; `xmlns=""` is never needed there, and the `xml` prefix is never declared)
/// and the `xml:*` attributes inherited from its ancestors; descendants render a namespace
/// declaration only when it differs from what their parent rendered. See the module
/// documentation for the full list of rules.
///
/// Any node is accepted: the document root gives the same result as
/// [`canonicalize_document`], a text node its escaped text, a processing instruction its
/// canonical form and a comment the empty string.
pub fn canonicalize(element: Node) -> String {
    let mut out = String::new();
    if element.node_type() == NodeType::Root {
        write_document(element, &mut out);
    } else {
        write_subtree(element, &mut out);
    }
    out
}

/// C14N of a whole document: no XML declaration, no DTD, comments dropped, processing
/// instructions outside the document element kept with a line feed separating them from
/// it. This is the OPC C14N transform over a part (relationships parts, signature parts).
pub fn canonicalize_document(doc: &Document) -> String {
    let mut out = String::new();
    write_document(doc.root(), &mut out);
    out
}

/// Writes the children of the document root `root` (C14N §2.3, document-level rules).
fn write_document(root: Node, out: &mut String) {
    let mut after_document_element = false;
    for child in root.children() {
        match child.node_type() {
            NodeType::Element => {
                write_subtree(child, out);
                after_document_element = true;
            }
            NodeType::PI if after_document_element => {
                out.push('\n');
                write_pi(child, out);
            }
            NodeType::PI => {
                write_pi(child, out);
                out.push('\n');
            }
            // Comments are not output; whitespace at document level is not in the data model.
            NodeType::Root | NodeType::Comment | NodeType::Text => {}
        }
    }
}

/// Writes `apex` and all its descendants, walking the tree without recursion.
fn write_subtree(apex: Node, out: &mut String) {
    // Qualified names of the open elements, for their end tags.
    let mut open: Vec<Cow<str>> = Vec::new();
    let mut node = apex;
    loop {
        match node.node_type() {
            NodeType::Element => {
                let qname = element_qname(node);
                write_start_tag(node, &qname, node == apex, out);
                open.push(qname);
            }
            NodeType::Text => escape_text(out, node.text().unwrap_or_default()),
            NodeType::PI => write_pi(node, out),
            NodeType::Comment | NodeType::Root => {}
        }
        if let Some(child) = node.first_child() {
            node = child;
            continue;
        }
        // Close `node` and every ancestor whose last child has been written.
        loop {
            if node.is_element() {
                out.push_str("</");
                out.push_str(&open.pop().unwrap_or_default());
                out.push('>');
            }
            if node == apex {
                return;
            }
            if let Some(next) = node.next_sibling() {
                node = next;
                break;
            }
            match node.parent() {
                Some(parent) => node = parent,
                None => return,
            }
        }
    }
}

/// Writes `<qname` + namespace declarations + attributes + `>` for `element`.
fn write_start_tag(element: Node, qname: &str, is_apex: bool, out: &mut String) {
    out.push('<');
    out.push_str(qname);

    let mut namespaces = namespace_declarations(element, is_apex);
    namespaces.sort_unstable_by(|a, b| a.0.cmp(b.0));
    for (prefix, uri) in namespaces {
        if prefix.is_empty() {
            out.push_str(" xmlns=\"");
        } else {
            out.push_str(" xmlns:");
            out.push_str(prefix);
            out.push_str("=\"");
        }
        escape_attribute(out, uri);
        out.push('"');
    }

    let mut attributes = attributes(element, is_apex);
    attributes.sort_by(|a, b| (a.namespace, a.local).cmp(&(b.namespace, b.local)));
    for attribute in attributes {
        out.push(' ');
        out.push_str(&attribute.qname);
        out.push_str("=\"");
        escape_attribute(out, attribute.value);
        out.push('"');
    }
    out.push('>');
}

/// The bindings `(prefix, URI)` of `element`'s in-scope namespaces, the default namespace
/// having the prefix `""`. A default namespace undeclared with `xmlns=""`, and a prefix
/// undeclared with `xmlns:p=""` (not legal in Namespaces 1.0, refused by
/// [`super::parse`]), are not in scope.
fn in_scope<'a>(element: Node<'a, '_>) -> impl Iterator<Item = (&'a str, &'a str)> {
    element
        .namespaces()
        .map(|ns| (ns.name().unwrap_or_default(), ns.uri()))
        .filter(|(_, uri)| !uri.is_empty())
}

/// The namespace declarations C14N renders on `element` (unsorted).
fn namespace_declarations<'a>(element: Node<'a, '_>, is_apex: bool) -> Vec<(&'a str, &'a str)> {
    let parent = match element.parent_element() {
        Some(parent) if !is_apex => parent,
        // Nothing above the apex is output: every namespace in scope is rendered.
        _ => return in_scope(element).collect(),
    };
    // An element that declares nothing has exactly its parent's namespaces in scope.
    if !declares_namespaces(element) {
        return Vec::new();
    }
    let parent_scope: HashMap<&str, &str> = in_scope(parent).collect();
    let mut declarations: Vec<(&str, &str)> = in_scope(element)
        .filter(|(prefix, uri)| parent_scope.get(prefix) != Some(uri))
        .collect();
    // The trap of C14N 1.0: `xmlns=""` is output only to undo a non-empty default namespace
    // that the parent rendered (or inherited), never otherwise.
    let has_default = element
        .default_namespace()
        .is_some_and(|uri| !uri.is_empty());
    if !has_default && parent_scope.contains_key("") {
        declarations.push(("", ""));
    }
    declarations
}

/// One attribute as C14N sorts and writes it.
struct CanonicalAttribute<'a, 'input> {
    /// Namespace URI, `""` for an unqualified attribute (which therefore sorts first).
    namespace: &'a str,
    /// Local name, the secondary sort key.
    local: &'input str,
    /// The name as written in the document.
    qname: Cow<'input, str>,
    /// The normalized value.
    value: &'a str,
}

/// `element`'s attributes, plus, on the apex, the `xml:*` attributes it inherits from its
/// ancestors (nearest ancestor first, an attribute of the element itself taking precedence).
fn attributes<'a, 'input>(
    element: Node<'a, 'input>,
    is_apex: bool,
) -> Vec<CanonicalAttribute<'a, 'input>> {
    let mut attributes: Vec<CanonicalAttribute> = element
        .attributes()
        .map(|attribute| CanonicalAttribute {
            namespace: attribute.namespace().unwrap_or_default(),
            local: attribute.name(),
            qname: attribute_qname(element, &attribute),
            value: attribute.value(),
        })
        .collect();
    if is_apex {
        for ancestor in element.ancestors().skip(1).filter(Node::is_element) {
            for attribute in ancestor.attributes() {
                if attribute.namespace() != Some(XML_NAMESPACE) {
                    continue;
                }
                let local = attribute.name();
                let present = attributes
                    .iter()
                    .any(|a| a.namespace == XML_NAMESPACE && a.local == local);
                if !present {
                    attributes.push(CanonicalAttribute {
                        namespace: XML_NAMESPACE,
                        local,
                        qname: Cow::Owned(format!("xml:{local}")),
                        value: attribute.value(),
                    });
                }
            }
        }
    }
    attributes
}

/// Writes a processing instruction: `<?target?>` or `<?target value?>` (C14N §2.3: the
/// value, if not empty, after a single space).
fn write_pi(node: Node, out: &mut String) {
    if let Some(pi) = node.pi() {
        out.push_str("<?");
        out.push_str(pi.target);
        if let Some(value) = pi.value.filter(|v| !v.is_empty()) {
            out.push(' ');
            push_normalizing_line_ends(out, value);
        }
        out.push_str("?>");
    }
}

/// Appends `s` with XML 1.0 §2.11 line-end normalization (CR LF and lone CR become LF).
///
/// roxmltree normalizes text and attribute values but hands out processing-instruction
/// content as the raw slice of the input, where a CR LF may remain.
fn push_normalizing_line_ends(out: &mut String, s: &str) {
    let mut chunks = s.split('\r');
    if let Some(first) = chunks.next() {
        out.push_str(first);
    }
    for chunk in chunks {
        out.push('\n');
        out.push_str(chunk.strip_prefix('\n').unwrap_or(chunk));
    }
}

#[cfg(test)]
#[path = "c14n_tests.rs"]
mod tests;
