//! Connector lint: the Power Query certification rules, over an M tokenizer.
//!
//! Certification reviewers reject connectors for problems that can be seen in the files:
//! undocumented functions, credentials in URLs, `http://` endpoints, secrets in the package,
//! missing icons. [`check`] finds them in the section document and `.pqm` modules of a
//! `.mez`/`.pqx` package or of an SDK project folder ([`ConnectorSource`]), so that they can
//! be fixed before signing, in CI and in the browser.
//!
//! Rules work on tokens ([`token`]), never on raw text, so that nothing inside a comment or a
//! text literal is mistaken for code. Each rule has a stable kebab-case id (see [`rules()`]
//! and `docs/CHECKS.md`); a broken MUST of the certification checklist is an error, a broken
//! SHOULD a warning. Rules prefer silence to guessing: a finding must be one a reviewer would
//! agree with.
//!
//! ```
//! use pqx_core::lint::{check, CheckOptions, ConnectorFile, ConnectorSource};
//! let pq = "section Hello;\nshared Hello.Contents = () => Web.Contents(\"http://example.com\");";
//! let source = ConnectorSource::from_files(vec![ConnectorFile {
//!     name: "Hello.pq".into(),
//!     bytes: pq.as_bytes().to_vec(),
//! }]);
//! let findings = check(&source, &CheckOptions::default());
//! assert!(findings.iter().any(|f| f.rule == "insecure-url" && f.line == 2));
//! ```

mod finding;
mod png;
mod render;
mod resx;
mod rules;
mod section;
mod source;
mod syntax;
pub mod token;

pub use finding::{Finding, RuleInfo, Severity};
pub use render::{to_json, to_sarif};
pub(crate) use source::is_packaged_file;
pub use source::{
    ConnectorFile, ConnectorSource, ScannedFile, MAX_FILES, MAX_FILE_SIZE, MAX_TOTAL_SIZE,
};

/// What [`check`] should skip.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CheckOptions {
    /// Ids of rules not to run (e.g. `"navigation-table"` for a connector that deliberately
    /// returns a single table). Unknown ids are ignored; use [`rule_info`] to validate them.
    pub disabled_rules: Vec<String>,
}

/// Checks a connector against the certification rules.
///
/// Never fails and never panics: a package without a section document yields one
/// `section-document` error, unreadable parts are reported or skipped. The findings are
/// sorted by file, line, column and rule id.
pub fn check(source: &ConnectorSource, options: &CheckOptions) -> Vec<Finding> {
    let mut findings = rules::run_all(source, &options.disabled_rules);
    findings.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.rule).cmp(&(&b.file, b.line, b.column, b.rule))
    });
    findings
}

/// The catalogue of rules, in documentation order: id, severity, summary and help.
pub fn rules() -> &'static [RuleInfo] {
    &rules::CATALOGUE
}

/// The catalogue entry for rule `id`, if there is such a rule.
pub fn rule_info(id: &str) -> Option<&'static RuleInfo> {
    rules::CATALOGUE.iter().find(|r| r.id == id)
}

/// True when any finding is an error: what makes `pqx check` exit with status 1.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}
