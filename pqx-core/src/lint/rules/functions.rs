//! Rules about shared functions: `documentation`, `function-naming` and `navigation-table`.
//!
//! What a shared member is, is worked out from its expression: a lambda
//! (`(x) => …`, `each …`) is an undocumented function; `Value.ReplaceType(impl, T)` is a
//! function whose documentation is the metadata of the type `T` (written inline or as another
//! section member); a reference to another member is followed. Anything else is "unknown",
//! and the documentation rule stays silent about it.

use std::collections::HashSet;

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
        for member in section.members.iter().filter(|m| m.shared) {
            let shape = classify(doc, section, member.value.clone(), 0);
            if shape == (Shape::Function { documented: false }) {
                let message = format!(
                    "shared function `{}` has no function type with Documentation metadata",
                    member.name
                );
                report.at(&DOCUMENTATION, doc, member.name_at, message);
            }
            if shape != Shape::NotFunction {
                check_name(doc, section, member, &kinds, report);
            }
            if shape != Shape::NotFunction
                && member.name.ends_with(".Contents")
                && !reaches_navigation_table(pkg, doc, section, member)
            {
                let message = format!("`{}` does not return a navigation table", member.name);
                report.at(&NAVIGATION_TABLE, doc, member.name_at, message);
            }
        }
    }
}

fn check_name(
    doc: &Document<'_>,
    section: &Section,
    member: &Member,
    kinds: &[String],
    report: &mut Report<'_>,
) {
    let own = member
        .attribute_text(&doc.tokens, "DataSource.Kind")
        .map(|k| k.1);
    let expected: Vec<&str> = match &own {
        Some(k) => vec![k.as_str()],
        None if kinds.is_empty() => vec![section.name.as_str()],
        None => kinds.iter().map(String::as_str).collect(),
    };
    let ok = expected.iter().any(|k| {
        member
            .name
            .strip_prefix(k)
            .and_then(|r| r.strip_prefix('.'))
            .is_some_and(|r| !r.is_empty())
    });
    if !ok {
        let kind = expected.first().copied().unwrap_or_default();
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
    span.clone().any(|i| {
        let Some(t) = doc.tokens.get(i) else {
            return false;
        };
        let Some(name) = t.name() else { return false };
        if name.starts_with("Documentation.") {
            return true;
        }
        depth < MAX_DEPTH
            && seen.insert(name.clone())
            && section
                .member(&name)
                .is_some_and(|m| has_documentation(doc, section, m.value.clone(), seen, depth + 1))
    })
}

/// True when the member, or any member or module it refers to, builds a navigation table.
fn reaches_navigation_table(
    pkg: &Package<'_>,
    doc: &Document<'_>,
    section: &Section,
    member: &Member,
) -> bool {
    let mut seen: HashSet<String> = HashSet::new();
    let mut queue: Vec<Span> = vec![member.value.clone()];
    seen.insert(member.name.clone());
    while let Some(span) = queue.pop() {
        for i in span {
            let Some(t) = doc.tokens.get(i) else { continue };
            if NAVIGATION_MARKERS.contains(&t.text) {
                return true;
            }
            if let Some(module) = t
                .text_value()
                .filter(|v| v.to_ascii_lowercase().ends_with(".pqm"))
            {
                let in_module = pkg.doc(&module).is_some_and(|m| {
                    m.tokens
                        .iter()
                        .any(|t| NAVIGATION_MARKERS.contains(&t.text))
                });
                if in_module || module.contains("NavigationTable") {
                    return true;
                }
            }
            if let Some(name) = t.name() {
                if let Some(m) = section.member(&name) {
                    if seen.insert(name) {
                        queue.push(m.value.clone());
                    }
                }
            }
        }
    }
    false
}
