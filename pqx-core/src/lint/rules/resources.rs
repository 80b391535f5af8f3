//! Rule `resources`: user-facing strings come from `resources.resx`.
//!
//! Power BI shows the data source label and the Get Data button text in the user's
//! language only when they come from `Extension.LoadString("Key")`, which reads the
//! package's `resources.resx`. A key missing from the resx shows as an empty string or an
//! error at run time.

use std::collections::HashSet;

use super::super::finding::{RuleInfo, Severity};
use super::super::resx::resx_keys;
use super::super::syntax::{call_args, literal_text, record_field, record_fields, Span};
use super::super::token::TokenKind;
use super::{Package, Report};

/// Rule `resources`.
pub(crate) const RESOURCES: RuleInfo = RuleInfo {
    id: "resources",
    severity: Severity::Warning,
    summary: "User-facing strings come from Extension.LoadString with a resources.resx that has every key",
    help: "Put the text in resources.resx (<data name=\"ButtonTitle\" xml:space=\"preserve\"><value>…</value></data>) and read it with Extension.LoadString(\"ButtonTitle\"); add every key the code loads.",
};

/// Checks `LoadString` keys against the resx and looks for literal labels and button texts.
pub(crate) fn run(pkg: &Package<'_>, report: &mut Report<'_>) {
    let resx = pkg.file("resources.resx");
    let keys: Option<HashSet<String>> = match resx.map(|f| resx_keys(&f.bytes)) {
        Some(Ok(keys)) => Some(keys),
        Some(Err(why)) => {
            let name = resx.map_or("resources.resx", |f| f.name.as_str());
            report.at_position(
                &RESOURCES,
                name,
                1,
                1,
                format!("{name} cannot be read: {why}"),
            );
            None
        }
        None => None,
    };
    let mut missing_resx_reported = resx.is_some();
    for doc in &pkg.docs {
        for (i, t) in doc.tokens.iter().enumerate() {
            if !(t.kind == TokenKind::Identifier && t.text == "Extension.LoadString") {
                continue;
            }
            let Some(args) = call_args(&doc.tokens, i) else {
                continue;
            };
            if !missing_resx_reported {
                missing_resx_reported = true;
                report.at(
                    &RESOURCES,
                    doc,
                    i,
                    "Extension.LoadString is used but the package has no resources.resx".to_owned(),
                );
            }
            let Some((at, key)) = args
                .first()
                .and_then(|a| literal_text(&doc.tokens, a.clone()))
            else {
                continue;
            };
            if keys.as_ref().is_some_and(|k| !k.contains(&key)) {
                report.at(
                    &RESOURCES,
                    doc,
                    at,
                    format!("resources.resx has no string \"{key}\""),
                );
            }
        }
    }
    literal_labels(pkg, report);
}

/// Reports a literal `Label` in a data source kind record and literal `ButtonText` items in
/// a Publish record.
fn literal_labels(pkg: &Package<'_>, report: &mut Report<'_>) {
    for (doc, section) in pkg.sections() {
        for m in &section.members {
            if let Some((_, kind)) = m.attribute_text(&doc.tokens, "DataSource.Kind") {
                let label = section
                    .member(&kind)
                    .and_then(|r| record_field(&doc.tokens, r.value.clone(), "Label"));
                if let Some((at, text)) = label.and_then(|l| literal_text(&doc.tokens, l.value)) {
                    report.at(
                        &RESOURCES,
                        doc,
                        at,
                        format!("data source label \"{text}\" is not loaded from resources.resx"),
                    );
                }
            }
            if let Some((_, publish)) = m.attribute_text(&doc.tokens, "Publish") {
                let fields = section
                    .member(&publish)
                    .and_then(|r| record_fields(&doc.tokens, r.value.clone()));
                let button = fields.and_then(|f| f.into_iter().find(|f| f.name == "ButtonText"));
                for (at, text) in button
                    .map(|b| list_literals(&doc.tokens, b.value))
                    .unwrap_or_default()
                {
                    report.at(
                        &RESOURCES,
                        doc,
                        at,
                        format!("button text \"{text}\" is not loaded from resources.resx"),
                    );
                }
            }
        }
    }
}

/// The text literals that are whole items of the list literal at `span`.
fn list_literals(tokens: &[super::super::token::Token<'_>], span: Span) -> Vec<(usize, String)> {
    let is = |i: usize, op: &str| tokens.get(i).is_some_and(|t| t.is_op(op));
    if span.len() < 2 || !is(span.start, "{") || !is(span.end - 1, "}") {
        return Vec::new();
    }
    super::super::syntax::split_commas(tokens, span.start + 1..span.end - 1)
        .into_iter()
        .filter_map(|item| literal_text(tokens, item))
        .collect()
}
