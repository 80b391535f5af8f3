//! Auditing many connectors at once: which files under some folders are signed, by whom,
//! still unchanged, and trusted (`pqx verify A.pqx DIR/ …`).
//!
//! [`collect`] finds the files (`.pqx` and `.mez`, folders walked recursively without
//! following links, sorted so the report is the same every run); [`audit`] verifies them on
//! every core. Each worker verifies one file at a time, streaming it from disk, and keeps only
//! the small [`FileAudit`] of it, so memory does not grow with the size of the files, only
//! (by a few hundred bytes a file) with their number. A `.mez` cannot carry a signature: it
//! is reported `NotSigned` without being opened as a package.

use crate::certificate::format_report_time;
use crate::report::Report;
use crate::verify::{SignatureStatus, VerifyOptions};
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Most files one audit collects from folders.
pub const MAX_FILES: usize = 1_000_000;
/// Deepest folder walked below a folder given.
pub const MAX_DEPTH: usize = 64;

/// Whether `path` names a connector file by its extension (`.pqx` or `.mez`, any case).
pub fn is_connector_file(path: &Path) -> bool {
    has_extension(path, "pqx") || has_extension(path, "mez")
}

/// Whether `path`'s extension is `ext`, in any case.
fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// The files to audit: each file named as it is (whatever its extension), each folder's
/// `.pqx` and `.mez` files at any depth (links not followed: a share must not lead the
/// audit elsewhere, or round in circles), sorted, without repeats.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| Error::io(p.display().to_string(), e))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(p, 0, &mut found)?;
            found.sort();
            out.extend(found);
        } else {
            out.push(p.clone());
        }
        if out.len() > MAX_FILES {
            return Err(Error::LimitExceeded(format!(
                "more than {MAX_FILES} files to verify"
            )));
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(p.clone()));
    Ok(out)
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(Error::LimitExceeded(format!(
            "{} is more than {MAX_DEPTH} folders deep",
            dir.display()
        )));
    }
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir.display().to_string(), e))?;
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() {
            walk(&path, depth + 1, out)?;
        } else if kind.is_file() && is_connector_file(&path) {
            out.push(path);
            if out.len() > MAX_FILES {
                return Err(Error::LimitExceeded(format!(
                    "more than {MAX_FILES} files to verify under {}",
                    dir.display()
                )));
            }
        }
    }
    Ok(())
}

/// The status column of an audit row: the file's signature status, or that it could not be
/// verified at all. Typed rather than text so that a caller tells an unreadable file from
/// a bad signature with a `match`, not by comparing strings; [`AuditStatus::as_str`] gives
/// the text reports print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuditStatus {
    /// The file was read as a package and this is its overall signature status. A `.mez`,
    /// which cannot carry a signature, is `NotSigned` without being opened.
    Signature(SignatureStatus),
    /// The file could not be read as a package (not a ZIP, unreadable, over a limit…):
    /// [`FileAudit::error`] says why.
    Error,
}

impl AuditStatus {
    /// The name reports print: the signature status's [`SignatureStatus::name`]
    /// (`Success`, `NotSigned`, …), or `Error` (which no signature status is called).
    pub fn as_str(self) -> &'static str {
        match self {
            AuditStatus::Signature(s) => s.name(),
            AuditStatus::Error => "Error",
        }
    }
}

impl std::fmt::Display for AuditStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the audit found about one file: one row of the table.
#[derive(Debug, Clone)]
pub struct FileAudit {
    /// The file.
    pub path: PathBuf,
    /// The signature status, or [`AuditStatus::Error`] when the file could not be read as
    /// a package.
    pub status: AuditStatus,
    /// Whether the signatures are valid ([`crate::verify::Verification::is_valid`]).
    pub valid: bool,
    /// Whether every signer is trusted by the policy (false when there is none).
    pub trusted: bool,
    /// The first signer's subject.
    pub signer: Option<String>,
    /// The first signer's SHA-1 thumbprint, as Power BI's trust list holds it.
    pub thumbprint: Option<String>,
    /// When the first signer's certificate expires (`2027-01-31T12:00:00Z`).
    pub expires: Option<String>,
    /// MakePQX's report of the file (absent for errors and `.mez` files).
    pub report: Option<Report>,
    /// Why the file could not be verified, for `Error` rows.
    pub error: Option<String>,
}

impl FileAudit {
    fn failed(path: &Path, status: AuditStatus, error: Option<String>) -> Self {
        FileAudit {
            path: path.to_path_buf(),
            status,
            valid: false,
            trusted: false,
            signer: None,
            thumbprint: None,
            expires: None,
            report: None,
            error,
        }
    }
}

/// Verifies one file.
pub fn audit_file(path: &Path, options: &VerifyOptions) -> FileAudit {
    if has_extension(path, "mez") {
        return FileAudit::failed(
            path,
            AuditStatus::Signature(SignatureStatus::NotSigned),
            Some("a .mez cannot be signed; pack and sign it into a .pqx".to_owned()),
        );
    }
    let v = match crate::files::verify_file(path, options) {
        Ok(v) => v,
        Err(e) => return FileAudit::failed(path, AuditStatus::Error, Some(e.to_string())),
    };
    let signer = v.signatures.iter().find_map(|s| s.signer.as_ref());
    FileAudit {
        path: path.to_path_buf(),
        status: AuditStatus::Signature(v.status),
        valid: v.is_valid(),
        trusted: v.is_trusted(),
        signer: signer.map(|c| c.subject()),
        thumbprint: signer.map(|c| c.thumbprint_sha1()),
        expires: signer.map(|c| format_report_time(c.not_after())),
        report: Some(Report::from_verification(&v)),
        error: None,
    }
}

/// Verifies `files` on `threads` workers (at least one), results in the order of `files`.
pub fn audit(files: &[PathBuf], options: &VerifyOptions, threads: usize) -> Vec<FileAudit> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, FileAudit)>> = Mutex::new(Vec::with_capacity(files.len()));
    let workers = threads.clamp(1, files.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = files.get(i) else {
                    break;
                };
                let row = audit_file(path, options);
                if let Ok(mut r) = results.lock() {
                    r.push((i, row));
                }
            });
        }
    });
    let mut rows = results.into_inner().unwrap_or_else(|e| e.into_inner());
    rows.sort_by_key(|(i, _)| *i);
    rows.into_iter().map(|(_, r)| r).collect()
}

/// The number of workers [`audit`] should use: every core.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_pqx_and_mez_recursively_sorted_without_following_links() {
        let d = tempfile::tempdir().unwrap();
        for f in ["b.pqx", "a/c.MEZ", "a/deep/d.pqx", "a/notes.txt"] {
            let p = d.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, b"x").unwrap();
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(d.path().join("a"), d.path().join("loop")).unwrap();
        let files = collect(&[d.path().to_path_buf(), d.path().join("b.pqx")]).unwrap();
        let rel: Vec<String> = files
            .iter()
            .map(|p| {
                p.strip_prefix(d.path())
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        assert_eq!(rel, ["a/c.MEZ", "a/deep/d.pqx", "b.pqx"]);
    }

    #[test]
    fn a_missing_path_is_an_error_naming_it() {
        let e = collect(&[PathBuf::from("/nonexistent/pqx-audit")]).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/pqx-audit"), "{e}");
    }

    #[test]
    fn rows_come_back_in_input_order_whatever_the_thread_count() {
        let d = tempfile::tempdir().unwrap();
        let files: Vec<PathBuf> = (0..20)
            .map(|i| {
                let p = d.path().join(format!("f{i:02}.pqx"));
                std::fs::write(&p, b"not a zip").unwrap();
                p
            })
            .collect();
        let rows = audit(&files, &VerifyOptions::default(), 4);
        let paths: Vec<&PathBuf> = rows.iter().map(|r| &r.path).collect();
        assert_eq!(paths, files.iter().collect::<Vec<_>>());
        assert!(rows
            .iter()
            .all(|r| r.status == AuditStatus::Error && !r.valid));
    }

    #[test]
    fn audit_status_prints_the_signature_status_name_or_error() {
        assert_eq!(AuditStatus::Error.to_string(), "Error");
        for s in [
            SignatureStatus::Success,
            SignatureStatus::NotSigned,
            SignatureStatus::InvalidSignature,
            SignatureStatus::UnsupportedAlgorithm,
        ] {
            assert_eq!(AuditStatus::Signature(s).as_str(), s.name());
            assert_ne!(AuditStatus::Signature(s).as_str(), "Error");
        }
    }

    #[test]
    fn a_mez_is_not_signed_without_being_opened() {
        let d = tempfile::tempdir().unwrap();
        let mez = d.path().join("C.mez");
        std::fs::write(&mez, b"not a zip").unwrap();
        let row = audit_file(&mez, &VerifyOptions::default());
        assert_eq!(
            row.status,
            AuditStatus::Signature(SignatureStatus::NotSigned)
        );
        assert_eq!(row.status.to_string(), "NotSigned");
        assert!(!row.valid && row.report.is_none());
    }
}
