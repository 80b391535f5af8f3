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

use std::collections::{HashMap, HashSet};

use super::super::budget;
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
    /// Local name to the indices of its bindings in `locals`, so that resolving a name is
    /// a look-up, not a walk of every binding.
    by_name: HashMap<String, Vec<usize>>,
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
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, f) in locals.iter().enumerate() {
            by_name.entry(f.name.clone()).or_default().push(i);
        }
        Scope {
            doc,
            span,
            locals,
            section,
            by_name,
        }
    }

    /// The tokens of the document.
    pub fn tokens(&self) -> &'p [Token<'a>] {
        &self.doc.tokens
    }

    /// What `name` is bound to: the local bindings of that name, or else the section member.
    pub fn definitions(&self, name: &str) -> Vec<Span> {
        let local: Vec<Span> = self
            .by_name
            .get(name)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(|&i| self.locals.get(i).map(|f| f.value.clone()))
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
        if !budget::spend(self.span.len()) {
            return Vec::new();
        }
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

/// True when the token at `i` is one of `names` followed by `(`.
fn is_call_of(tokens: &[Token<'_>], i: usize, names: &[&str]) -> bool {
    tokens.get(i).is_some_and(|t| names.contains(&t.text))
        && tokens.get(i + 1).is_some_and(|t| t.is_op("("))
}

/// True when the tokens from `at` read `[AuthenticationKind]`.
fn selects_authentication_kind(tokens: &[Token<'_>], at: usize) -> bool {
    tokens.get(at).is_some_and(|t| t.is_op("["))
        && tokens.get(at + 1).and_then(Token::name).as_deref() == Some("AuthenticationKind")
        && tokens.get(at + 2).is_some_and(|t| t.is_op("]"))
}

/// Where credential data comes into a unit of code: every call of a credential function and
/// every reference to a credential-tainted name, as sorted token indices.
#[derive(Debug, Default)]
pub(crate) struct Credentials {
    /// Names found tainted in the unit (besides those tainted outside it).
    pub tainted: HashSet<String>,
    uses: Vec<usize>,
}

impl Credentials {
    /// The first token in `span` that brings credential data in (a call of a credential
    /// function, or a reference to a tainted name), in O(log n).
    pub fn first_in(&self, span: Span) -> Option<usize> {
        let at = self.uses.partition_point(|&p| p < span.start);
        self.uses.get(at).copied().filter(|&p| p < span.end)
    }
}

/// Counts marked token positions of a unit, so that "does this value use credentials?" is a
/// range count in O(log n) (a Fenwick tree) rather than a walk of the value: values nest
/// (`let a = let b = … in b in a`), and walking each one was quadratic.
struct Marks {
    offset: usize,
    tree: Vec<u32>,
}

impl Marks {
    fn new(span: &Span) -> Self {
        Marks {
            offset: span.start,
            tree: vec![0; span.len() + 1],
        }
    }

    fn mark(&mut self, at: usize) {
        let Some(mut i) = at.checked_sub(self.offset).map(|i| i + 1) else {
            return;
        };
        while let Some(slot) = self.tree.get_mut(i) {
            *slot = slot.saturating_add(1);
            i += i & i.wrapping_neg();
        }
    }

    /// Marks before token `at`.
    fn before(&self, at: usize) -> u64 {
        let mut i = at
            .saturating_sub(self.offset)
            .min(self.tree.len().saturating_sub(1));
        let mut sum = 0u64;
        while i > 0 {
            sum += u64::from(self.tree.get(i).copied().unwrap_or(0));
            i -= i & i.wrapping_neg();
        }
        sum
    }

    fn any_in(&self, span: &Span) -> bool {
        self.before(span.end) > self.before(span.start)
    }
}

/// Finds the credential-tainted names among `fields` (bindings inside `unit`) and where
/// credential data is used in `unit`, given the names `outside` says are tainted already.
///
/// A binding is tainted when its value uses credential data (see the module comment) and
/// calls no data source; rounds repeat to a fixpoint, bounded by [`MAX_ROUNDS`]. One walk
/// of the unit indexes every use and every reference by name; each round then costs a
/// range count per binding, so the analysis is O(n log n) however the bindings nest.
fn credentials_in(
    tokens: &[Token<'_>],
    unit: &Span,
    fields: &[(String, Span)],
    outside: impl Fn(&str) -> bool,
) -> Credentials {
    if !budget::spend(unit.len()) {
        return Credentials::default();
    }
    let mut marks = Marks::new(unit);
    let mut uses = Vec::new();
    let mut references: HashMap<String, Vec<usize>> = HashMap::new();
    let mut data_calls = vec![0u32; unit.len() + 1];
    for i in unit.clone() {
        let Some(t) = tokens.get(i) else { break };
        let data = is_call_of(tokens, i, &DATA_ACCESS);
        if let Some(slot) = data_calls.get_mut(i - unit.start + 1) {
            *slot = u32::from(data);
        }
        if CREDENTIAL_FUNCTIONS.contains(&t.text) {
            let after = match matching_close(tokens, i + 1, unit.end) {
                Some(close) if tokens.get(i + 1).is_some_and(|p| p.is_op("(")) => close + 1,
                _ => i + 1,
            };
            if !selects_authentication_kind(tokens, after) {
                marks.mark(i);
                uses.push(i);
            }
        } else if let Some(name) = t.name() {
            if !is_field_name(tokens, i) && !selects_authentication_kind(tokens, i + 1) {
                references.entry(name).or_default().push(i);
            }
        }
    }
    for k in 1..data_calls.len() {
        let prev = data_calls.get(k - 1).copied().unwrap_or(0);
        if let Some(slot) = data_calls.get_mut(k) {
            *slot = slot.saturating_add(prev);
        }
    }
    let calls_data = |span: &Span| {
        let count = |at: usize| {
            let k = at
                .saturating_sub(unit.start)
                .min(data_calls.len().saturating_sub(1));
            data_calls.get(k).copied().unwrap_or(0)
        };
        count(span.end) > count(span.start)
    };
    let taint = |name: &str, marks: &mut Marks, uses: &mut Vec<usize>| {
        for &p in references.get(name).map(Vec::as_slice).unwrap_or_default() {
            marks.mark(p);
            uses.push(p);
        }
    };
    let outside_names: Vec<String> = references.keys().filter(|n| outside(n)).cloned().collect();
    for name in &outside_names {
        taint(name, &mut marks, &mut uses);
    }
    let mut tainted = HashSet::new();
    for _ in 0..MAX_ROUNDS {
        let mut changed = false;
        if !budget::spend(fields.len()) {
            break;
        }
        for (name, value) in fields {
            if outside(name) || tainted.contains(name) || calls_data(value) {
                continue;
            }
            if marks.any_in(value) {
                tainted.insert(name.clone());
                taint(name, &mut marks, &mut uses);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    uses.sort_unstable();
    uses.dedup();
    Credentials { tainted, uses }
}

/// Section members whose value is credential data (e.g. `GetKey = () => Extension.CurrentCredential()[Key]`).
pub(crate) fn global_credentials(doc: &Document<'_>, section: &Section) -> HashSet<String> {
    let fields: Vec<(String, Span)> = section
        .members
        .iter()
        .map(|m| (m.name.clone(), m.value.clone()))
        .collect();
    credentials_in(&doc.tokens, &doc.all(), &fields, |_| false).tainted
}

/// Where credential data is used in `scope`, given the section's tainted members (looked up,
/// not copied: copying them into every member's analysis was quadratic).
pub(crate) fn local_credentials(scope: &Scope<'_, '_>, global: &HashSet<String>) -> Credentials {
    let fields: Vec<(String, Span)> = scope
        .locals
        .iter()
        .map(|f| (f.name.clone(), f.value.clone()))
        .collect();
    credentials_in(scope.tokens(), &scope.span, &fields, |n| global.contains(n))
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
