//! Rules about shared functions: `documentation`, `function-naming` and `navigation-table`.
//!
//! What a shared member is, is worked out from its expression: a lambda
//! (`(x) => …`, `each …`) is an undocumented function; `Value.ReplaceType(impl, T)` is a
//! function whose documentation is the metadata of the type `T` (written inline or as another
//! section member); a reference to another member is followed. Anything else is "unknown",
//! and the documentation rule stays silent about it.

use std::collections::{HashMap, HashSet};

use super::super::budget;
use super::super::finding::{RuleInfo, Severity};
use super::super::section::{Document, Member, Section};
use super::super::syntax::{call_args, matching_close, single_name, strip_parens, Span};
use super::super::token::{Token, TokenKind};
use super::{Package, Report};

/// Rule `documentation`.
pub(crate) const DOCUMENTATION: RuleInfo = RuleInfo {
    id: "documentation",
    severity: Severity::Error,
    summary: "Each shared function exposes a function type with Documentation metadata",
    help: "Define the type with documentation and attach it: `MyType = type function (x as (type text meta [Documentation.FieldCaption = \"X\"])) as table meta [Documentation.Name = \"…\", Documentation.LongDescription = \"…\"];` then `shared Kind.Contents = Value.ReplaceType(MyImpl, MyType);`.",
};

/// Rule `function-naming`.
pub(crate) const FUNCTION_NAMING: RuleInfo = RuleInfo {
    id: "function-naming",
    severity: Severity::Error,
    summary: "Shared functions are named <DataSourceKind>.<FunctionName>",
    help: "Rename the shared function to `<Kind>.<Name>` where <Kind> is its DataSource.Kind (e.g. `HelloWorld.Contents`), and keep helpers that users should not call non-shared.",
};

/// Rule `navigation-table`.
pub(crate) const NAVIGATION_TABLE: RuleInfo = RuleInfo {
    id: "navigation-table",
    severity: Severity::Warning,
    summary: "A shared Contents-style function returns a navigation table",
    help: "Return a navigation table from <Kind>.Contents: build a table of Name/Key/Data/ItemKind/ItemName/IsLeaf rows and pass it to Table.ToNavigationTable (the SDK's helper, in the section or loaded from Table.ToNavigationTable.pqm).",
};

/// Names whose presence shows a navigation table is built: the SDK helper, its metadata
/// fields, and built-in functions that return navigation tables.
const NAVIGATION_MARKERS: [&str; 9] = [
    "Table.ToNavigationTable",
    "Table.ForceToNavigationTable",
    "NavigationTable.NameColumn",
    "NavigationTable.ItemKindColumn",
    "OData.Feed",
    "Odbc.DataSource",
    "Sql.Database",
    "OleDb.DataSource",
    "AdoDotNet.DataSource",
];

/// How far member references are followed.
const MAX_DEPTH: usize = 6;

/// What a shared member's expression is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A function; `documented` when its type carries `Documentation.*` metadata.
    Function { documented: bool },
    /// A record, list, text, number…
    NotFunction,
    /// Something this check cannot see through.
    Unknown,
}

/// Runs the function rules over every shared member.
pub(crate) fn run(pkg: &Package<'_>, report: &mut Report<'_>) {
    for (doc, section) in pkg.sections() {
        let kinds: Vec<String> = section
            .members
            .iter()
            .filter_map(|m| {
                m.attribute_text(&doc.tokens, "DataSource.Kind")
                    .map(|k| k.1)
            })
            .collect();
        let kind_set: HashSet<&str> = kinds.iter().map(String::as_str).collect();
        let navigation = navigation_members(pkg, doc, section);
        for (index, member) in section.members.iter().enumerate().filter(|(_, m)| m.shared) {
            let shape = classify(doc, section, member.value.clone(), 0);
            if shape == (Shape::Function { documented: false }) {
                let message = format!(
                    "shared function `{}` has no function type with Documentation metadata",
                    member.name
                );
                report.at(&DOCUMENTATION, doc, member.name_at, message);
            }
            if shape != Shape::NotFunction {
                check_name(doc, section, member, (&kinds, &kind_set), report);
            }
            if shape != Shape::NotFunction
                && member.name.ends_with(".Contents")
                && navigation.as_ref().is_some_and(|n| !n.contains(&index))
            {
                let message = format!("`{}` does not return a navigation table", member.name);
                report.at(&NAVIGATION_TABLE, doc, member.name_at, message);
            }
        }
    }
}

/// Reports a shared function not named `<Kind>.<Name>` for its own `DataSource.Kind`, or
/// (without one) for any kind of the section, or the section name when there is none. The
/// kinds are a set and each prefix of the name before a `.` is looked up in it, so that
/// thousands of kinds and functions cost a look-up each, not a comparison per pair.
fn check_name(
    doc: &Document<'_>,
    section: &Section,
    member: &Member,
    (kinds, kind_set): (&[String], &HashSet<&str>),
    report: &mut Report<'_>,
) {
    let own = member
        .attribute_text(&doc.tokens, "DataSource.Kind")
        .map(|k| k.1);
    let expected = |k: &str| match &own {
        Some(own) => own == k,
        None if kinds.is_empty() => section.name == k,
        None => kind_set.contains(k),
    };
    let name = member.name.as_str();
    let ok = name
        .match_indices('.')
        .any(|(dot, _)| dot + 1 < name.len() && name.get(..dot).is_some_and(expected));
    if !ok {
        let kind = own
            .as_deref()
            .or_else(|| kinds.first().map(String::as_str))
            .unwrap_or(section.name.as_str());
        let message = format!(
            "shared function `{}` is not named `{kind}.<FunctionName>`",
            member.name
        );
        report.at(&FUNCTION_NAMING, doc, member.name_at, message);
    }
}

/// Works out the [`Shape`] of the expression at `span`.
fn classify(doc: &Document<'_>, section: &Section, span: Span, depth: usize) -> Shape {
    let tokens = &doc.tokens;
    let span = strip_parens(tokens, span);
    let Some(first) = tokens.get(span.start) else {
        return Shape::Unknown;
    };
    if depth > MAX_DEPTH {
        return Shape::Unknown;
    }
    if first.is_keyword("each") || is_lambda(tokens, span.clone()) {
        return Shape::Function { documented: false };
    }
    if first.is_ident("Value.ReplaceType") {
        let Some(ty) = call_args(tokens, span.start).and_then(|a| a.get(1).cloned()) else {
            return Shape::Unknown;
        };
        let Some(ty) = resolve(doc, section, ty, depth) else {
            return Shape::Unknown;
        };
        if !is_function_type(tokens, ty.clone()) {
            return Shape::Unknown;
        }
        let mut seen = HashSet::new();
        return Shape::Function {
            documented: has_documentation(doc, section, ty, &mut seen, depth),
        };
    }
    if let Some(name) = single_name(tokens, span.clone()) {
        return match section.member(&name) {
            Some(m) => classify(doc, section, m.value.clone(), depth + 1),
            None => Shape::Unknown,
        };
    }
    let literal = matches!(first.kind, TokenKind::Text | TokenKind::Number)
        || first.is_op("[")
        || first.is_op("{")
        || first.is_keyword("#table");
    if literal
        && !span.is_empty()
        && matching_close(tokens, span.start, span.end).is_none_or(|c| c + 1 == span.end)
    {
        return Shape::NotFunction;
    }
    Shape::Unknown
}

/// `(params) [as type] => body`.
fn is_lambda(tokens: &[Token<'_>], span: Span) -> bool {
    if !tokens.get(span.start).is_some_and(|t| t.is_op("(")) {
        return false;
    }
    let Some(close) = matching_close(tokens, span.start, span.end) else {
        return false;
    };
    (close + 1..span.end.min(close + 5)).any(|i| tokens.get(i).is_some_and(|t| t.is_op("=>")))
}

/// Follows a member reference to the expression it names.
fn resolve(doc: &Document<'_>, section: &Section, span: Span, depth: usize) -> Option<Span> {
    let mut span = strip_parens(&doc.tokens, span);
    for _ in depth..MAX_DEPTH {
        match single_name(&doc.tokens, span.clone()) {
            Some(name) => span = strip_parens(&doc.tokens, section.member(&name)?.value.clone()),
            None => return Some(span),
        }
    }
    None
}

/// `type function (…) …` or `Type.ForFunction(…)`.
fn is_function_type(tokens: &[Token<'_>], span: Span) -> bool {
    let a = tokens.get(span.start);
    let b = tokens.get(span.start + 1);
    (a.is_some_and(|t| t.is_keyword("type")) && b.is_some_and(|t| t.is_ident("function")))
        || a.is_some_and(|t| t.is_ident("Type.ForFunction"))
        || a.is_some_and(|t| t.is_ident("Value.ReplaceMetadata"))
}

/// True when the type expression, or a member it refers to, has a `Documentation.*` field.
fn has_documentation(
    doc: &Document<'_>,
    section: &Section,
    span: Span,
    seen: &mut HashSet<String>,
    depth: usize,
) -> bool {
    budget::spend(span.len())
        && span.clone().any(|i| {
            let Some(t) = doc.tokens.get(i) else {
                return false;
            };
            let Some(name) = t.name() else { return false };
            if name.starts_with("Documentation.") {
                return true;
            }
            depth < MAX_DEPTH
                && seen.insert(name.clone())
                && section.member(&name).is_some_and(|m| {
                    has_documentation(doc, section, m.value.clone(), seen, depth + 1)
                })
        })
}

/// The indices of the members of `section` that build a navigation table, themselves or
/// through any chain of members and modules they refer to.
///
/// Each member's tokens are read once: those that build a table directly seed the set, and
/// it grows backwards along the references. Following the references from every
/// `Contents` function separately read a shared helper once per function: quadratic.
/// `None` when the work budget ran out (the check then reports that it is incomplete).
fn navigation_members(
    pkg: &Package<'_>,
    doc: &Document<'_>,
    section: &Section,
) -> Option<HashSet<usize>> {
    let mut modules: HashMap<String, bool> = HashMap::new();
    let mut builds = Vec::new();
    let mut referrers: HashMap<usize, Vec<usize>> = HashMap::new();
    for (index, member) in section.members.iter().enumerate() {
        let mut direct = false;
        if !budget::spend(member.value.len()) {
            return None;
        }
        for t in member.value.clone().filter_map(|i| doc.tokens.get(i)) {
            direct |= NAVIGATION_MARKERS.contains(&t.text);
            if let Some(module) = t
                .text_value()
                .filter(|v| v.to_ascii_lowercase().ends_with(".pqm"))
            {
                direct |= *modules.entry(module).or_insert_with_key(|module| {
                    let in_module = pkg.doc(module).is_some_and(|m| {
                        m.tokens
                            .iter()
                            .any(|t| NAVIGATION_MARKERS.contains(&t.text))
                    });
                    in_module || module.contains("NavigationTable")
                });
            }
            if let Some(target) = t.name().and_then(|n| section.member_index(&n)) {
                referrers.entry(target).or_default().push(index);
            }
        }
        if direct {
            builds.push(index);
        }
    }
    let mut reached: HashSet<usize> = builds.iter().copied().collect();
    while let Some(target) = builds.pop() {
        for &referrer in referrers
            .get(&target)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            if reached.insert(referrer) {
                builds.push(referrer);
            }
        }
    }
    Some(reached)
}
