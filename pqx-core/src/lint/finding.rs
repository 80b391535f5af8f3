//! What a check reports: [`Finding`]s, their [`Severity`], and the catalogue entry of each rule
//! ([`RuleInfo`]).

use serde::Serialize;

/// How serious a finding is.
///
/// The certification requirements say MUST or SHOULD; a broken MUST is an [`Severity::Error`]
/// (a reviewer will reject the connector), a broken SHOULD a [`Severity::Warning`]. The order
/// (`Warning < Error`) lets callers filter with `>=`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A SHOULD of the certification checklist is not met.
    Warning,
    /// A MUST of the certification checklist is not met.
    Error,
}

impl Severity {
    /// The lower-case name used in text, JSON and SARIF output (`"error"`, `"warning"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found in a connector, with where it is and how to fix it.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The stable kebab-case id of the rule (see [`crate::lint::rules`]).
    pub rule: &'static str,
    /// The rule's severity.
    pub severity: Severity,
    /// What is wrong here, naming the code concerned (secrets are shortened, never echoed).
    pub message: String,
    /// The file, relative to the package root with `/` separators; empty when the finding
    /// concerns the package as a whole (e.g. it has no M file at all).
    pub file: String,
    /// 1-based line; 0 when the finding has no position in a file.
    pub line: u32,
    /// 1-based column in characters (after BOM removal); 0 when there is no position.
    pub column: u32,
    /// How to fix it: the rule's help text.
    pub help: &'static str,
}

/// The catalogue entry of one rule, for documentation and `--list` style output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    /// Stable kebab-case id, used in findings, `disabled_rules` and SARIF `ruleId`.
    pub id: &'static str,
    /// Severity of every finding of this rule.
    pub severity: Severity,
    /// One-line summary of the requirement.
    pub summary: &'static str,
    /// How to fix a finding.
    pub help: &'static str,
}
