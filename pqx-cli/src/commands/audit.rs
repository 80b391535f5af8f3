//! `pqx verify A.pqx B.pqx DIR/ …`: the audit of many connectors (pqx-core's `audit`), as a
//! table with a summary line, or as a JSON array of one object per file.

use crate::cli::{ReportFormat, VerifyArgs};
use crate::failure::{Exit, Failure};
use pqx_core::audit::{
    audit, collect, default_threads, rows_to_json, AuditStatus, AuditSummary, FileAudit,
    TABLE_HEADER,
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

/// The table: one row per file, columns as wide as their widest cell.
fn table(rows: &[FileAudit], policy: bool) -> String {
    let header = TABLE_HEADER;
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            // What reaches the terminal is made safe; the words are the core's.
            r.table_cells(policy).map(|c| display_safe(&c).into_owned())
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
