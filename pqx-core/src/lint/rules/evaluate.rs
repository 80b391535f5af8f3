//! Rule `expression-evaluate`: `Expression.Evaluate` only on the package's own code.
//!
//! Evaluating text that comes from a parameter, a web response or any other run-time data
//! lets whoever controls that data run M code with the user's credentials. The SDK's usual
//! way to load a `.pqm` module, `Expression.Evaluate(Text.FromBinary(Extension.Contents(name)),
//! #shared)`, is fine: `Extension.Contents` can only read files of the signed package. The
//! rule therefore accepts a text argument built only from `Extension.Contents(…)`, text
//! literals, `&`, and a few whole-value conversions, through local bindings and section
//! members; anything else (a parameter, a response) is reported.

use std::collections::HashSet;

use super::super::budget;
use super::super::finding::{RuleInfo, Severity};
use super::super::syntax::{matching_close, Span};
use super::super::token::TokenKind;
use super::flow::Scope;
use super::{Package, Report};

/// Rule `expression-evaluate`.
pub(crate) const EXPRESSION_EVALUATE: RuleInfo = RuleInfo {
    id: "expression-evaluate",
    severity: Severity::Error,
    summary: "Expression.Evaluate must not evaluate text built from parameters, web responses or other run-time data",
    help: "Do not evaluate text you did not ship. Parse data with Json.Document, Xml.Document or Csv.Document, and pick functions from a fixed record (Record.Field(Handlers, name)) instead of building code. Loading the package's own modules with Expression.Evaluate(Text.FromBinary(Extension.Contents(\"Module.pqm\")), #shared) is fine.",
};

/// Functions whose result is package content or a conversion of their first argument.
const PASS_THROUGH: [&str; 3] = ["Text.FromBinary", "Binary.Buffer", "Text.Trim"];

/// Bound on how far names are followed.
const MAX_DEPTH: usize = 8;

/// Reports each `Expression.Evaluate` call whose text may come from run-time data.
pub(crate) fn run(pkg: &Package<'_>, report: &mut Report<'_>) {
    for scope in Scope::all(pkg) {
        for (at, args) in scope.calls(|n| n == "Expression.Evaluate") {
            let Some(text) = args.first() else { continue };
            let mut seen = HashSet::new();
            if let Err(culprit) = package_text(&scope, text.clone(), &mut seen, 0) {
                let what = scope.tokens().get(culprit).map_or("", |t| t.text);
                let message = format!(
                    "Expression.Evaluate runs text built from `{what}`, which is not code shipped in the package"
                );
                report.at(&EXPRESSION_EVALUATE, scope.doc, at, message);
            }
        }
    }
}

/// `Ok` when `span` can only be text from the package; `Err(token)` names what is not.
fn package_text(
    scope: &Scope<'_, '_>,
    span: Span,
    seen: &mut HashSet<String>,
    depth: usize,
) -> Result<(), usize> {
    let tokens = scope.tokens();
    if !budget::spend(span.len()) {
        return Ok(());
    }
    let mut i = span.start;
    while i < span.end {
        let Some(t) = tokens.get(i) else { break };
        let is_call = tokens.get(i + 1).is_some_and(|n| n.is_op("("));
        match t.kind {
            TokenKind::Text | TokenKind::Number => {}
            TokenKind::Operator if matches!(t.text, "&" | "(" | ")" | ",") => {}
            TokenKind::Keyword if matches!(t.text, "try" | "otherwise" | "null") => {}
            TokenKind::Identifier if is_call && t.text == "Extension.Contents" => {
                // Whatever the name, Extension.Contents only reads the package's own files.
                i = matching_close(tokens, i + 1, span.end).ok_or(i)?;
            }
            TokenKind::Identifier if is_call && PASS_THROUGH.contains(&t.text) => {}
            TokenKind::Identifier if t.text.starts_with("TextEncoding.") => {}
            TokenKind::Identifier | TokenKind::QuotedIdentifier if !is_call => {
                let name = t.name().unwrap_or_default();
                if depth >= MAX_DEPTH {
                    return Err(i);
                }
                if seen.insert(name.clone()) {
                    let defs = scope.definitions(&name);
                    if defs.is_empty() {
                        return Err(i);
                    }
                    for d in defs {
                        package_text(scope, d, seen, depth + 1).map_err(|inner| {
                            if depth == 0 {
                                i
                            } else {
                                inner
                            }
                        })?;
                    }
                }
            }
            _ => return Err(i),
        }
        i += 1;
    }
    Ok(())
}
