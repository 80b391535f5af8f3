//! A small, conservative data-flow view of M code: which names hold credentials, which hold a
//! whole web response, and what a name is bound to.
//!
//! The unit of analysis is a section member (or a whole `.pqm` module): its `let` variables
//! and record fields are its local names, the section's other members its global ones. A
//! name is *credential-tainted* when its value mentions `Extension.CurrentCredential()` (the
//! checklist's spelling `Extension.CurrentCredentials()` too) or another tainted name —
//! except `…[AuthenticationKind]`, which only says how the user signed in, and except values
//! that call a data source (`Web.Contents`): a response does not contain the key that was
//! sent in a header. That exception is what keeps a "next page" URL read from a response
//! from looking like a credential.

use std::collections::HashSet;

use super::super::section::{Document, Section};
use super::super::syntax::{
    bindings, call_args, is_field_name, matching_close, strip_parens, Field, Span,
};
use super::super::token::Token;
use super::Package;

/// The functions that return the user's credential record.
pub(crate) const CREDENTIAL_FUNCTIONS: [&str; 2] = [
    "Extension.CurrentCredential",
    "Extension.CurrentCredentials",
];

/// Calls that fetch data; a value built by one of them holds a response, not a credential.
const DATA_ACCESS: [&str; 4] = [
    "Web.Contents",
    "OData.Feed",
    "Web.Page",
    "Web.BrowserContents",
];

/// Functions that convert a whole value into another whole value (a response stays a whole
/// response through them).
const WHOLE_VALUE_CONVERTERS: [&str; 10] = [
    "Binary.Buffer",
    "Text.FromBinary",
    "Json.Document",
    "Xml.Document",
    "Xml.Tables",
    "Csv.Document",
    "Lines.FromBinary",
    "Text.From",
    "Json.FromValue",
    "Table.Buffer",
];

/// Fixpoint iterations are bounded so that hostile input stays cheap.
const MAX_ROUNDS: usize = 16;

/// One unit of code with its names.
pub(crate) struct Scope<'p, 'a> {
    /// The document the code is in.
    pub doc: &'p Document<'a>,
    /// The code's tokens.
    pub span: Span,
    /// Its `let` variables and record fields.
    pub locals: Vec<Field>,
    /// The section it belongs to, for global names.
    pub section: Option<&'p Section>,
}

impl<'p, 'a> Scope<'p, 'a> {
    /// Every unit of the package: each member of each section document, and each other M
    /// file (modules, or a `.pq` that is not a section document) as a whole.
    pub fn all(pkg: &'p Package<'a>) -> Vec<Scope<'p, 'a>> {
        let mut out = Vec::new();
        for doc in &pkg.docs {
            match &doc.section {
                Some(section) => {
                    for m in &section.members {
                        out.push(Scope::new(doc, m.value.clone(), Some(section)));
                    }
                }
                None => out.push(Scope::new(doc, doc.all(), None)),
            }
        }
        out
    }

    fn new(doc: &'p Document<'a>, span: Span, section: Option<&'p Section>) -> Self {
        let locals = bindings(&doc.tokens, span.clone());
        Scope {
            doc,
            span,
            locals,
            section,
        }
    }

    /// The tokens of the document.
    pub fn tokens(&self) -> &'p [Token<'a>] {
        &self.doc.tokens
    }

    /// What `name` is bound to: the local bindings of that name, or else the section member.
    pub fn definitions(&self, name: &str) -> Vec<Span> {
        let local: Vec<Span> = self
            .locals
            .iter()
            .filter(|f| f.name == name)
            .map(|f| f.value.clone())
            .collect();
        if !local.is_empty() {
            return local;
        }
        self.section
            .and_then(|s| s.member(name))
            .map(|m| vec![m.value.clone()])
            .unwrap_or_default()
    }

    /// Calls in this unit to a function whose name satisfies `pred`: (name index, args).
    pub fn calls(&self, pred: impl Fn(&str) -> bool) -> Vec<(usize, Vec<Span>)> {
        let tokens = self.tokens();
        self.span
            .clone()
            .filter(|&i| {
                tokens.get(i).is_some_and(|t| {
                    t.kind == super::super::token::TokenKind::Identifier && pred(t.text)
                })
            })
            .filter_map(|i| call_args(tokens, i).map(|a| (i, a)))
            .collect()
    }
}

/// True when `span` calls one of `names`.
pub(crate) fn calls_any(tokens: &[Token<'_>], span: Span, names: &[&str]) -> bool {
    span.clone().any(|i| {
        tokens.get(i).is_some_and(|t| names.contains(&t.text))
            && tokens.get(i + 1).is_some_and(|t| t.is_op("("))
    })
}

/// True when the tokens from `at` read `[AuthenticationKind]`.
fn selects_authentication_kind(tokens: &[Token<'_>], at: usize) -> bool {
    tokens.get(at).is_some_and(|t| t.is_op("["))
        && tokens.get(at + 1).and_then(Token::name).as_deref() == Some("AuthenticationKind")
        && tokens.get(at + 2).is_some_and(|t| t.is_op("]"))
}

/// The first token in `span` that brings credential data in: a call of a credential
/// function, or a reference to a tainted name. `None` if there is none.
pub(crate) fn credential_use(
    tokens: &[Token<'_>],
    span: Span,
    tainted: &HashSet<String>,
) -> Option<usize> {
    span.clone().find(|&i| {
        let Some(t) = tokens.get(i) else { return false };
        if CREDENTIAL_FUNCTIONS.contains(&t.text) {
            let after = match matching_close(tokens, i + 1, span.end) {
                Some(close) if tokens.get(i + 1).is_some_and(|p| p.is_op("(")) => close + 1,
                _ => i + 1,
            };
            return !selects_authentication_kind(tokens, after);
        }
        t.name().is_some_and(|n| tainted.contains(&n))
            && !is_field_name(tokens, i)
            && !selects_authentication_kind(tokens, i + 1)
    })
}

/// Grows `tainted` with the bindings whose value uses credentials, to a fixpoint.
fn spread(tokens: &[Token<'_>], fields: &[(String, Span)], tainted: &mut HashSet<String>) {
    for _ in 0..MAX_ROUNDS {
        let mut changed = false;
        for (name, value) in fields {
            if tainted.contains(name) || calls_any(tokens, value.clone(), &DATA_ACCESS) {
                continue;
            }
            if credential_use(tokens, value.clone(), tainted).is_some() {
                tainted.insert(name.clone());
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// Section members whose value is credential data (e.g. `GetKey = () => Extension.CurrentCredential()[Key]`).
pub(crate) fn global_credentials(doc: &Document<'_>, section: &Section) -> HashSet<String> {
    let fields: Vec<(String, Span)> = section
        .members
        .iter()
        .map(|m| (m.name.clone(), m.value.clone()))
        .collect();
    let mut tainted = HashSet::new();
    spread(&doc.tokens, &fields, &mut tainted);
    tainted
}

/// The credential-tainted names visible in `scope`, given the section's tainted members.
pub(crate) fn local_credentials(
    scope: &Scope<'_, '_>,
    global: &HashSet<String>,
) -> HashSet<String> {
    let fields: Vec<(String, Span)> = scope
        .locals
        .iter()
        .map(|f| (f.name.clone(), f.value.clone()))
        .collect();
    let mut tainted = global.clone();
    spread(scope.tokens(), &fields, &mut tainted);
    tainted
}

/// If `span` is a whole web response — `Web.Contents(…)`, a name holding one, or either
/// wrapped in whole-value conversions like `Text.FromBinary(…)` — the index of the token
/// that makes it so.
pub(crate) fn whole_response(
    tokens: &[Token<'_>],
    span: Span,
    responses: &HashSet<String>,
) -> Option<usize> {
    let mut span = strip_parens(tokens, span);
    for _ in 0..MAX_ROUNDS {
        let first = tokens.get(span.start)?;
        let is_call = tokens.get(span.start + 1).is_some_and(|t| t.is_op("("))
            && matching_close(tokens, span.start + 1, span.end) == Some(span.end.checked_sub(1)?);
        if is_call && first.text == "Web.Contents" {
            return Some(span.start);
        }
        if is_call && WHOLE_VALUE_CONVERTERS.contains(&first.text) {
            let args = call_args(tokens, span.start)?;
            span = strip_parens(tokens, args.first()?.clone());
            continue;
        }
        if span.len() == 1 && first.name().is_some_and(|n| responses.contains(&n)) {
            return Some(span.start);
        }
        return None;
    }
    None
}

/// The local names in `scope` that hold a whole web response.
pub(crate) fn local_responses(scope: &Scope<'_, '_>) -> HashSet<String> {
    let tokens = scope.tokens();
    let mut names = HashSet::new();
    for _ in 0..MAX_ROUNDS {
        let mut changed = false;
        for f in &scope.locals {
            if !names.contains(&f.name) && whole_response(tokens, f.value.clone(), &names).is_some()
            {
                names.insert(f.name.clone());
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    names
}
