//! `pqx check FILE|DIR`, and the same check run before `pack` and `sign`.

use crate::cli::{CheckArgs, CheckFormat, Deny};
use crate::failure::{Exit, Failure};
use pqx_core::connector::Connector;
use pqx_core::limits::Limits;
use pqx_core::lint::{self, CheckOptions, ConnectorSource, Finding, Severity};
use pqx_core::text::display_safe;
use std::io::{IsTerminal, Read, Seek};
use std::path::Path;

/// Runs `pqx check`.
pub fn run(args: &CheckArgs) -> Result<Exit, Failure> {
    if args.list_rules {
        for r in lint::rules() {
            outln!("{:<28} {:<7} {}", r.id, r.severity.as_str(), r.summary);
        }
        return Ok(Exit::Success);
    }
    for id in &args.disable {
        if lint::rule_info(id).is_none() {
            return Err(
                Failure::new(Exit::Usage, format!("--disable {id}: no such rule"))
                    .hint("pqx check --list-rules lists them"),
            );
        }
    }
    let Some(path) = &args.path else {
        return Err(Failure::new(Exit::Usage, "no FILE or DIR to check"));
    };
    let source = if path.is_dir() {
        ConnectorSource::from_dir(path)?
    } else {
        let file = crate::paths::open_input(path)?;
        Connector::open(
            std::io::BufReader::new(file),
            &path.display().to_string(),
            &Limits::default(),
        )?
        .source()?
    };
    let mut options = CheckOptions::default();
    options.disabled_rules = args.disable.clone();
    let findings = lint::check(&source, &options);
    match args.output_format() {
        CheckFormat::Text => out!(
            "{}",
            render_text(&findings, color_wanted(std::io::stdout().is_terminal()))
        ),
        CheckFormat::Json => outln!("{}", lint::to_json(&findings)),
        CheckFormat::Sarif => outln!("{}", lint::to_sarif(&findings)),
    }
    let fails =
        lint::has_errors(&findings) || (args.deny == Some(Deny::Warnings) && !findings.is_empty());
    Ok(if fails { Exit::NotValid } else { Exit::Success })
}

/// The rules whose findings mean a secret would be shipped to everyone who installs the
/// connector: never reported silently, whatever the options.
const SECRET_RULES: [&str; 2] = ["packaged-secret", "hardcoded-secret"];

/// The check before `pack` and `sign` (issue 14: "the check advises; it never blocks
/// MakePQX's commands by default"). MakePQX packs and signs connectors that break the
/// certification rules — most SDK samples do — so by default the check prints one summary
/// line on standard error and the command goes on. A shipped secret is the exception to
/// that brevity: each one gets its own warning line. With `strict` (`--strict`, for CI that
/// wants certification-clean connectors) every finding is printed and errors or secrets
/// refuse (exit 5) before anything is written. `--no-check` skips the check altogether.
pub fn gate<R: Read + Seek>(
    connector: &mut Connector<R>,
    path: &Path,
    strict: bool,
) -> Result<(), Failure> {
    let findings = lint::check(&connector.source()?, &CheckOptions::default());
    if findings.is_empty() {
        return Ok(());
    }
    let color = color_wanted(std::io::stderr().is_terminal());
    let path_text = path.display().to_string();
    let shown = display_safe(&path_text);
    let secrets: Vec<&Finding> = findings
        .iter()
        .filter(|f| SECRET_RULES.contains(&f.rule))
        .collect();
    if strict {
        for f in &findings {
            eprintln!("{}", finding_line(f, color));
        }
        if lint::has_errors(&findings) || !secrets.is_empty() {
            return Err(Failure::new(
                Exit::Policy,
                format!(
                    "{shown}: {} against the certification rules, refused by --strict",
                    counts(&findings)
                ),
            )
            .hint(format!("pqx check {shown} explains them; without --strict they are reported and pack/sign go on")));
        }
    } else {
        for f in &secrets {
            eprintln!(
                "pqx: warning: {shown} ships a secret to everyone who installs it: {}",
                finding_line(f, color)
            );
        }
    }
    eprintln!(
        "pqx: {shown}: {} against the certification rules — `pqx check {shown}` explains",
        counts(&findings)
    );
    Ok(())
}

/// Colour only on a terminal that shows it (not `TERM=dumb`), never when `NO_COLOR` is set
/// (no-color.org). On Windows the console must also take ANSI sequences: pqx asks it to
/// (virtual terminal processing, Windows 10 and later), and a console that refuses — an older
/// Windows, a redirected handle — gets plain text rather than escape codes.
fn color_wanted(is_terminal: bool) -> bool {
    is_terminal
        && !anstyle_query::no_color()
        && anstyle_query::term_supports_color()
        // `None` off Windows, where terminals take ANSI sequences as they are.
        && anstyle_query::windows::enable_ansi_colors().unwrap_or(true)
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `file:line:column: severity[rule]: message`.
fn finding_line(f: &Finding, color: bool) -> String {
    let paint = |code: &str, text: &str| {
        if color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    };
    // The file name and the message quote the package (names, identifiers, literals).
    let file = display_safe(&f.file);
    let location = match (file.as_ref(), f.line) {
        ("", _) => "(package)".to_owned(),
        (file, 0) => file.to_owned(),
        (file, line) => format!("{file}:{line}:{}", f.column),
    };
    let severity = match f.severity {
        Severity::Error => paint("1;31", "error"),
        _ => paint("1;33", "warning"),
    };
    format!(
        "{}: {severity}[{}]: {}",
        paint("1", &location),
        f.rule,
        display_safe(&f.message)
    )
}

/// Compiler-style text: `file:line:column: severity[rule]: message`, the help indented
/// below, and a count at the end.
fn render_text(findings: &[Finding], color: bool) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&finding_line(f, color));
        out.push_str(&format!("\n  = help: {}\n", f.help));
    }
    out.push_str(&if findings.is_empty() {
        "no findings".to_owned()
    } else {
        counts(findings)
    });
    out.push('\n');
    out
}

/// `2 errors, 1 warning`.
fn counts(findings: &[Finding]) -> String {
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(findings.len() - errors, "warning")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_colour_when_the_output_is_not_a_terminal() {
        assert!(!color_wanted(false));
    }
    use pqx_core::lint::{check, ConnectorFile};

    #[test]
    fn findings_escape_control_and_bidi_characters_from_the_code() {
        // A quoted identifier may hold any character; the message quotes it.
        let pq = "section A;\nshared #\"B\u{1b}[2K\r\u{202E}.Contents\" = () => 1;";
        let source = ConnectorSource::from_files(vec![ConnectorFile {
            name: "A.pq".into(),
            bytes: pq.as_bytes().to_vec(),
        }]);
        let text = render_text(&check(&source, &CheckOptions::default()), false);
        assert!(text.contains("B\\x1b[2K\\x0d\\u{202e}.Contents"), "{text}");
        assert!(!text.contains(['\u{1b}', '\r', '\u{202E}']), "{text}");
    }
}
