//! The rules, and what every rule gets to look at.
//!
//! A rule is a function over a [`Package`] (the tokenized M files plus the other files) that
//! reports into a [`Report`]. Rules are grouped one module per concern; [`CATALOGUE`] lists
//! them in documentation order.

mod credentials;
mod evaluate;
mod flow;
mod functions;
mod icons;
mod resources;
mod secrets;
mod structure;
mod urls;

use super::budget;
use super::finding::{Finding, RuleInfo};
use super::section::{Document, Section};
use super::source::{
    decode_text, is_module, is_section_candidate, ConnectorFile, ConnectorSource, ScannedFile,
};

pub(crate) use secrets::packaged_file_secret;

/// Every rule, in documentation order (MUSTs first).
pub(crate) static CATALOGUE: [RuleInfo; 15] = [
    structure::SECTION_DOCUMENT,
    structure::VERSION_ADORNMENT,
    functions::DOCUMENTATION,
    structure::TEST_CONNECTION,
    functions::FUNCTION_NAMING,
    credentials::CREDENTIAL_IN_QUERY_STRING,
    credentials::DIAGNOSTICS_LEAK,
    evaluate::EXPRESSION_EVALUATE,
    secrets::HARDCODED_SECRET,
    urls::INSECURE_URL,
    icons::ICONS,
    functions::NAVIGATION_TABLE,
    resources::RESOURCES,
    structure::PUBLISH_RECORD,
    secrets::PACKAGED_SECRET,
];

/// The rule groups, each reporting the rules of its module.
const GROUPS: [fn(&Package<'_>, &mut Report<'_>); 9] = [
    structure::run,
    functions::run,
    credentials::run,
    evaluate::run,
    secrets::run,
    urls::run,
    icons::run,
    resources::run,
    secrets::run_packaged,
];

/// What the rules look at: the connector's M files, tokenized, and all its files.
pub(crate) struct Package<'a> {
    /// Section document candidates and modules, sorted by file name.
    pub docs: Vec<Document<'a>>,
    /// Every file of the connector held in memory.
    pub files: &'a [ConnectorFile],
    /// Data files scanned as they were read and not kept.
    pub scanned: &'a [ScannedFile],
}

impl<'a> Package<'a> {
    /// The section documents with their outlines.
    pub fn sections(&self) -> impl Iterator<Item = (&Document<'a>, &Section)> {
        self.docs
            .iter()
            .filter_map(|d| d.section.as_ref().map(|s| (d, s)))
    }

    /// The file called `name` (ASCII case-insensitively, as Power Query's package reader on
    /// Windows finds it).
    pub fn file(&self, name: &str) -> Option<&'a ConnectorFile> {
        let files: &'a [ConnectorFile] = self.files;
        if !budget::spend(files.len()) {
            return None;
        }
        files.iter().find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The scanned data file called `name` (ASCII case-insensitively).
    pub fn scanned_file(&self, name: &str) -> Option<&'a ScannedFile> {
        let scanned: &'a [ScannedFile] = self.scanned;
        if !budget::spend(scanned.len()) {
            return None;
        }
        scanned.iter().find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The M document called `name`.
    pub fn doc(&self, name: &str) -> Option<&Document<'a>> {
        if !budget::spend(self.docs.len()) {
            return None;
        }
        self.docs.iter().find(|d| d.file.eq_ignore_ascii_case(name))
    }
}

/// Collects findings, dropping those of disabled rules.
pub(crate) struct Report<'o> {
    findings: Vec<Finding>,
    disabled: &'o [String],
}

impl Report<'_> {
    /// Reports `message` for `rule` at token `at` of `doc` (line 1, column 1 if there is no
    /// such token, e.g. in an empty file).
    pub fn at(&mut self, rule: &RuleInfo, doc: &Document<'_>, at: usize, message: String) {
        let (line, column) = doc.tokens.get(at).map_or((1, 1), |t| (t.line, t.column));
        self.at_position(rule, doc.file, line, column, message);
    }

    /// Reports `message` for `rule` at an explicit position (0, 0 for none).
    pub fn at_position(
        &mut self,
        rule: &RuleInfo,
        file: &str,
        line: u32,
        column: u32,
        message: String,
    ) {
        if self.disabled.iter().any(|d| d == rule.id) {
            return;
        }
        self.findings.push(Finding {
            rule: rule.id,
            severity: rule.severity,
            message,
            file: file.to_owned(),
            line,
            column,
            help: rule.help,
        });
    }
}

/// Decodes and tokenizes the M files of `source`, runs every rule group, and returns the
/// findings (sorted, de-duplicated) and the work units spent (see [`budget`]).
pub(crate) fn run_all(source: &ConnectorSource, disabled: &[String]) -> (Vec<Finding>, u64) {
    let mut texts: Vec<(&str, String, bool)> = source
        .files
        .iter()
        .filter(|f| is_section_candidate(&f.name) || is_module(&f.name))
        .map(|f| (f.name.as_str(), decode_text(&f.bytes), is_module(&f.name)))
        .collect();
    texts.sort_by(|a, b| a.0.cmp(b.0));
    let docs = texts
        .iter()
        .map(|(name, text, module)| Document::new(name, text, *module))
        .collect();
    let package = Package {
        docs,
        files: &source.files,
        scanned: &source.scanned,
    };
    let mut report = Report {
        findings: Vec::new(),
        disabled,
    };
    let tokens: usize = package.docs.iter().map(|d| d.tokens.len()).sum();
    let size: usize = source.files.iter().map(|f| f.bytes.len()).sum();
    let session = budget::Session::start(budget::limit(tokens, size));
    for group in GROUPS {
        group(&package, &mut report);
    }
    if session.exhausted() {
        let file = package.docs.first().map_or("", |d| d.file);
        report.at_position(
            &structure::SECTION_DOCUMENT,
            file,
            0,
            0,
            "the connector is too complex to analyse within pqx's work bound (see docs/CHECKS.md); its findings are incomplete".to_owned(),
        );
    }
    let used = session.used();
    drop(session);
    let mut findings = report.findings;
    findings.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.rule).cmp(&(&b.file, b.line, b.column, b.rule))
    });
    findings.dedup_by(|a, b| {
        (&a.file, a.line, a.column, a.rule) == (&b.file, b.line, b.column, b.rule)
    });
    (findings, used)
}
