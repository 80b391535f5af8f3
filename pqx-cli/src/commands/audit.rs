//! `pqx verify A.pqx B.pqx DIR/ …`: the audit of many connectors (pqx-core's `audit`), as a
//! table with a summary line, or as a JSON array of one object per file.

use crate::cli::{ReportFormat, VerifyArgs};
use crate::failure::{Exit, Failure};
use pqx_core::audit::{
    audit, collect, default_threads, rows_to_json, AuditStatus, AuditSummary, FileAudit,
};
use pqx_core::bounded_read::read_bounded;
use pqx_core::text::display_safe;
use pqx_core::trust::{parse_registry_list, Thumbprint};
use pqx_core::verify::VerifyOptions;
use std::path::Path;

/// Largest `--trusted-reg` file read: 1 MiB holds thousands of thumbprints.
const MAX_REG_FILE_SIZE: u64 = 1 << 20;

/// The thumbprints of Power BI's trust list in the `.reg` export or `reg query` output at
/// `path`.
pub fn registry_list(path: &Path) -> Result<Vec<Thumbprint>, Failure> {
    let bytes = read_bounded(path, MAX_REG_FILE_SIZE)?;
    let list = parse_registry_list(&bytes, &path.display().to_string())?;
    if list.thumbprints.is_empty() {
        eprintln!(
            "pqx: note: {}: Power BI's TrustedCertificateThumbprints list is empty",
            display_safe(&path.display().to_string())
        );
    }
    Ok(list.thumbprints)
}

/// Verifies every file under `args.pqx` in parallel; exit 0 only when all verify (and, with
/// a trust policy, all signers are trusted).
pub fn run(args: &VerifyArgs, options: &VerifyOptions) -> Result<Exit, Failure> {
    if args.detached_p7s.is_some() {
        return Err(Failure::new(
            Exit::Usage,
            "--detached-p7s verifies one file: name one .pqx, not several or a folder",
        ));
    }
    let files = collect(&args.pqx)?;
    if files.is_empty() {
        // An audit of nothing passing would hide a mistyped share path.
        let named: Vec<String> = args
            .pqx
            .iter()
            .map(|p| display_safe(&p.display().to_string()).into_owned())
            .collect();
        return Err(Failure::new(
            Exit::Input,
            format!("no .pqx or .mez file in {}", named.join(", ")),
        ));
    }
    let threads = args.jobs.map_or_else(default_threads, usize::from);
    let rows = audit(&files, options, threads);
    let policy = super::verify::has_trust_policy(args);
    let passes = |r: &FileAudit| r.valid && (!policy || r.trusted);
    if !args.quiet {
        match args.report_format(ReportFormat::Text) {
            ReportFormat::Json => outln!("{}", rows_to_json(&rows, policy)),
            ReportFormat::Text => {
                out!("{}", table(&rows, policy));
                outln!("{}", AuditSummary::of(&rows, policy));
            }
        }
        for r in rows.iter().filter(|r| r.status == AuditStatus::Error) {
            eprintln!(
                "pqx: {}: {}",
                display_safe(&r.path.display().to_string()),
                display_safe(r.error.as_deref().unwrap_or_default())
            );
        }
    }
    Ok(if rows.iter().all(passes) {
        Exit::Success
    } else {
        Exit::NotValid
    })
}

/// The common name of a subject (`CN=Contoso Ltd, O=…` → `Contoso Ltd`), or the subject.
fn common_name(subject: &str) -> &str {
    subject
        .split(',')
        .find_map(|rdn| rdn.trim().strip_prefix("CN="))
        .unwrap_or(subject)
}

fn trusted_cell(r: &FileAudit, policy: bool) -> &'static str {
    match (policy, r.signer.is_some(), r.trusted) {
        (false, _, _) | (true, false, _) => "-",
        (true, true, true) => "yes",
        (true, true, false) => "no",
    }
}

/// The table: one row per file, columns as wide as their widest cell.
fn table(rows: &[FileAudit], policy: bool) -> String {
    let header = [
        "FILE",
        "STATUS",
        "SIGNER",
        "SHA-1 THUMBPRINT",
        "TRUSTED",
        "EXPIRES",
    ];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                display_safe(&r.path.display().to_string()).into_owned(),
                r.status.to_string(),
                display_safe(r.signer.as_deref().map_or("-", common_name)).into_owned(),
                r.thumbprint.clone().unwrap_or_else(|| "-".into()),
                trusted_cell(r, policy).to_owned(),
                r.expires
                    .as_deref()
                    .and_then(|e| e.get(..10))
                    .unwrap_or("-")
                    .to_owned(),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |row: &[&str]| {
        let padded: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(&header);
    for row in &cells {
        let refs: Vec<&str> = row.iter().map(String::as_str).collect();
        out.push_str(&line(&refs));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_name_takes_the_cn_or_keeps_the_subject() {
        assert_eq!(
            common_name("CN=Contoso Ltd, O=Contoso, C=US"),
            "Contoso Ltd"
        );
        assert_eq!(common_name("O=Contoso,CN=X"), "X");
        assert_eq!(common_name("O=Contoso"), "O=Contoso");
    }
}
