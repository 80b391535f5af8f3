//! Machine-readable output of a check: pqx's own JSON and SARIF 2.1.0.
//!
//! SARIF (OASIS Static Analysis Results Interchange Format 2.1.0) is what code-scanning
//! services (GitHub code scanning, Azure DevOps, VS Code's SARIF viewer) read, so a CI job can
//! show findings on the connector's lines. Both renderings live in the core so that the CLI,
//! the C ABI and the browser build emit exactly the same documents.

use serde_json::{json, Value};

use super::finding::{Finding, Severity};
use super::rules::CATALOGUE;

/// The SARIF 2.1.0 JSON schema address, written as `$schema`.
const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Where SARIF viewers link for "more about this tool".
const INFORMATION_URI: &str = "https://github.com/pqx-rs/pqx";
/// Where each rule is documented (relative to [`INFORMATION_URI`]).
const RULES_DOC: &str = "https://github.com/pqx-rs/pqx/blob/main/docs/CHECKS.md";

/// Renders findings as pqx's JSON report:
/// `{"findings": [Finding…], "errors": n, "warnings": n}`, each finding with the fields of
/// [`Finding`] (`rule`, `severity` as `"error"`/`"warning"`, `message`, `file`, `line`,
/// `column`, `help`).
pub fn to_json(findings: &[Finding]) -> String {
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let report = json!({
        "findings": findings,
        "errors": count(Severity::Error),
        "warnings": count(Severity::Warning),
    });
    serde_json::to_string_pretty(&report).unwrap_or_default()
}

/// Renders findings as a SARIF 2.1.0 log with one run whose driver is `pqx` and lists every
/// rule of the catalogue (so `ruleIndex` is stable across runs).
pub fn to_sarif(findings: &[Finding]) -> String {
    let rules: Vec<Value> = CATALOGUE
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": { "text": r.summary },
                "help": { "text": r.help },
                "helpUri": format!("{RULES_DOC}#{}", r.id),
                "defaultConfiguration": { "level": r.severity.as_str() },
            })
        })
        .collect();
    let results: Vec<Value> = findings.iter().map(sarif_result).collect();
    let log = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "pqx",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }},
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&log).unwrap_or_default()
}

fn sarif_result(f: &Finding) -> Value {
    let mut result = json!({
        "ruleId": f.rule,
        "level": f.severity.as_str(),
        "message": { "text": f.message },
    });
    if let Some(index) = CATALOGUE.iter().position(|r| r.id == f.rule) {
        result["ruleIndex"] = json!(index);
    }
    if !f.file.is_empty() {
        let mut physical = json!({ "artifactLocation": { "uri": uri_path(&f.file) } });
        if f.line > 0 {
            physical["region"] = json!({ "startLine": f.line, "startColumn": f.column.max(1) });
        }
        result["locations"] = json!([{ "physicalLocation": physical }]);
    }
    result
}

/// Percent-encodes a relative file name for `artifactLocation.uri` (a URI reference), keeping
/// `/` and the unreserved characters of RFC 3986 as they are.
fn uri_path(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
