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

mod budget;
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
///
/// Its work is bounded: linear in the size of the M code for the shapes real connectors
/// have, and never more than a fixed budget per token (see `budget.rs`) for any input;
/// a connector that exhausts the budget gets a `section-document` error saying so.
pub fn check(source: &ConnectorSource, options: &CheckOptions) -> Vec<Finding> {
    let (mut findings, _) = rules::run_all(source, &options.disabled_rules);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The findings and work units of checking `pq` as a connector's one section document.
    fn work(pq: &str) -> (Vec<Finding>, u64) {
        let source = ConnectorSource::from_files(vec![ConnectorFile {
            name: "A.pq".into(),
            bytes: pq.as_bytes().to_vec(),
        }]);
        rules::run_all(&source, &[])
    }

    fn nested_lets(n: usize, inner: &str) -> String {
        let open: String = (0..n).map(|i| format!("let a{i} = ")).collect();
        let close: String = (0..n).rev().map(|i| format!(" in a{i}")).collect();
        format!("section A;\nshared A.Contents = () => {open}{inner}{close};")
    }

    /// Hostile shapes of `n` repetitions, each once quadratic in some rule.
    fn shapes(n: usize) -> Vec<(&'static str, String)> {
        let lines = |f: &dyn Fn(usize) -> String| (0..n).map(f).collect::<String>();
        let list =
            |f: &dyn Fn(usize) -> String, sep: &str| (0..n).map(f).collect::<Vec<_>>().join(sep);
        vec![
            ("nested lets", nested_lets(n, "1")),
            ("nested lets with a credential", nested_lets(n, "Extension.CurrentCredential()[Key]")),
            ("a chain of members", format!(
                "section A;\nA0 = Extension.CurrentCredential()[Key];\n{}",
                lines(&|i| format!("shared A.F{i} = () => Web.Contents(\"https://x\", [Query = [k = A{i}]]);\nA{} = A{i};\n", i + 1))
            )),
            ("many kinds and functions", format!(
                "section A;\n{}K = [TestConnection = 1, Label = \"x\"];\nP = [Category = \"a\", ButtonText = {{\"a\"}}];",
                lines(&|i| format!("[DataSource.Kind=\"K{i}\", Publish=\"P\"] shared K{i}.F = () => 1;\nshared B{i} = () => 1;\n"))
            )),
            ("many calls naming one options record", format!(
                "section A;\nshared A.Contents = () => let o = [{}], {} in 1;",
                list(&|i| format!("f{i} = {i}"), ","),
                list(&|i| format!("r{i} = Web.Contents(\"https://x\", o)"), ",")
            )),
            ("many Contents functions reaching one helper", format!(
                "section A;\nH = {{ {} }};\n{}",
                list(&|i| format!("x{i}"), ","),
                lines(&|i| format!("shared A.F{i}.Contents = () => H;\n"))
            )),
            ("many evaluations of one text", format!(
                "section A;\nT = {};\n{}",
                list(&|i| format!("\"{i}\""), " & "),
                lines(&|i| format!("shared A.F{i} = () => Expression.Evaluate(T, #shared);\n"))
            )),
            ("many functions sharing one type", format!(
                "section A;\nT = type function (x as text) as table meta [{}];\n{}",
                list(&|i| format!("Q{i} = 1"), ","),
                lines(&|i| format!("shared A.F{i} = Value.ReplaceType(I, T);\n"))
            )),
            ("many package reads", format!(
                "section A;\n{}",
                lines(&|i| format!("shared A.F{i} = () => Extension.Contents(\"f{}.pqm\");\n", i % 7))
            )),
            ("deep calls", format!(
                "section A;\n{}",
                lines(&|i| format!("shared A.F{i} = () => {}1{};\n", "Web.Contents(".repeat(32), ")".repeat(32)))
            )),
            ("long identifier chains and comments", format!(
                "section A;\nshared A.Contents = () => {} /* {} */ // {}\n;",
                list(&|i| format!("a{i}.b{i}.c{i}"), " & "),
                "x".repeat(n),
                "y".repeat(n)
            )),
            ("many text literals", format!(
                "section A;\nshared A.Contents = () => {{{}}};",
                list(&|i| format!("\"http://h{i}.example/\""), ",")
            )),
        ]
    }

    fn too_complex(findings: &[Finding]) -> bool {
        findings.iter().any(|f| f.message.contains("too complex"))
    }

    /// Shapes whose work the rules keep linear: twice the input, about twice the work,
    /// and never near the budget.
    const LINEAR: [&str; 10] = [
        "nested lets",
        "nested lets with a credential",
        "a chain of members",
        "many kinds and functions",
        "many calls naming one options record",
        "many Contents functions reaching one helper",
        "many package reads",
        "deep calls",
        "long identifier chains and comments",
        "many text literals",
    ];

    #[test]
    fn check_work_grows_linearly_for_every_hostile_shape() {
        let (small, large) = (shapes(1_000), shapes(2_000));
        for ((name, a), (_, b)) in small.iter().zip(&large) {
            if !LINEAR.contains(name) {
                continue;
            }
            let (fa, wa) = work(a);
            let (fb, wb) = work(b);
            assert!(
                !too_complex(&fa) && !too_complex(&fb),
                "{name} exhausted the budget"
            );
            assert!(wa > 0, "{name}: no work counted");
            assert!(
                wb <= wa * 5 / 2,
                "{name}: {wa} work units for n, {wb} for 2n"
            );
        }
    }

    /// The other shapes walk a shared definition once per use; the budget bounds them, and
    /// the check says that its findings are incomplete instead of running for minutes.
    #[test]
    fn check_work_is_bounded_by_the_budget_for_the_other_shapes() {
        for (name, text) in shapes(4_000) {
            if LINEAR.contains(&name) {
                continue;
            }
            let tokens = token::significant_tokens(&text).len();
            let (findings, used) = work(&text);
            let limit = budget::limit(tokens, text.len());
            assert!(too_complex(&findings), "{name}: {used} units of {limit}");
            assert!(
                used <= limit + tokens as u64,
                "{name}: {used} units of {limit}"
            );
        }
    }

    #[test]
    fn budget_is_generous_for_a_real_connector() {
        let pq = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/connectors/clean/Contoso.pq"
        ))
        .unwrap_or_default();
        assert!(pq.contains("section Contoso;"));
        let (findings, used) = work(&pq);
        assert!(!too_complex(&findings));
        assert!(used < budget::BASE / 100, "{used}");
    }
}
