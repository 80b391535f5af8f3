//! Auditing many connectors at once: which files under some folders are signed, by whom,
//! still unchanged, and trusted (`pqx verify A.pqx DIR/ …`, and the web page given several
//! files).
//!
//! The row of one file is the core's on every target: [`audit_bytes`] verifies a file held
//! in memory (what a browser has) and classifies it into a [`FileAudit`], which
//! [`FileAudit::to_json`] and [`AuditSummary`] print the same way for every front end.
//! Off wasm, [`collect`] finds the files (`.pqx` and `.mez`, folders walked recursively
//! without following links, sorted so the report is the same every run) and [`audit`]
//! verifies them on every core. Each worker verifies one file at a time, streaming it from
//! disk, and keeps only the small [`FileAudit`] of it, so memory does not grow with the size
//! of the files, only (by a few hundred bytes a file) with their number. A `.mez` cannot
//! carry a signature: it is reported `NotSigned` without being opened as a package.

use crate::certificate::format_report_time;
use crate::report::Report;
use crate::verdict::Verification;
use crate::verify::{SignatureStatus, VerifyOptions};
#[cfg(not(target_arch = "wasm32"))]
use crate::{Error, Result};
use std::path::{Path, PathBuf};
#[cfg(not(target_arch = "wasm32"))]
use std::sync::atomic::{AtomicUsize, Ordering};
#[cfg(not(target_arch = "wasm32"))]
use std::sync::Mutex;

/// Most files one audit collects from folders.
#[cfg(not(target_arch = "wasm32"))]
pub const MAX_FILES: usize = 1_000_000;
/// Deepest folder walked below a folder given.
#[cfg(not(target_arch = "wasm32"))]
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
#[cfg(not(target_arch = "wasm32"))]
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

#[cfg(not(target_arch = "wasm32"))]
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

    /// The status [`AuditStatus::as_str`] printed as `name`, or `None`: lets a host that
    /// kept only the printed rows (the web page) count them with [`AuditSummary`].
    pub fn from_name(name: &str) -> Option<Self> {
        if name == "Error" {
            return Some(AuditStatus::Error);
        }
        SignatureStatus::ALL
            .into_iter()
            .find(|s| s.name() == name)
            .map(AuditStatus::Signature)
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

    /// The row of a `.mez`: a plain ZIP has nowhere to hold a signature, so it is
    /// `NotSigned` whatever its bytes (not opened: it is not a package).
    fn mez(path: &Path) -> Self {
        FileAudit::failed(
            path,
            AuditStatus::Signature(SignatureStatus::NotSigned),
            Some("a .mez cannot be signed; pack and sign it into a .pqx".to_owned()),
        )
    }

    /// The row of a package that was read and verified: its status and first signer.
    fn verified(path: &Path, v: &Verification) -> Self {
        let signer = v.signatures.iter().find_map(|s| s.signer.as_ref());
        FileAudit {
            path: path.to_path_buf(),
            status: AuditStatus::Signature(v.status),
            valid: v.is_valid(),
            trusted: v.is_trusted(),
            signer: signer.map(|c| c.subject()),
            thumbprint: signer.map(|c| c.thumbprint_sha1()),
            expires: signer.map(|c| format_report_time(c.not_after())),
            report: Some(Report::from_verification(v)),
            error: None,
        }
    }

    /// The row as one JSON object (compact), the shape every front end prints: `File`,
    /// `SignatureStatus`, `Signer`, `Thumbprint`, `Trusted` (`null` without a trust policy,
    /// since "not trusted" would then mean nothing), `Expires`, `Error`, and MakePQX's
    /// `Report`. `trust_policy` says whether the audit had one.
    pub fn to_json(&self, trust_policy: bool) -> String {
        serde_json::to_string(&self.json_value(trust_policy))
            .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// The row's cells in the audit table ([`table_cells`]); `trust_policy` says whether the
    /// audit had one.
    pub fn table_cells(&self, trust_policy: bool) -> [String; 6] {
        table_cells(
            &self.path.display().to_string(),
            self.status.as_str(),
            self.signer.as_deref(),
            self.thumbprint.as_deref(),
            trust_policy.then_some(self.valid && self.trusted),
            self.expires.as_deref(),
        )
    }

    fn json_value(&self, trust_policy: bool) -> serde_json::Value {
        serde_json::json!({
            "File": self.path.display().to_string(),
            "SignatureStatus": self.status.as_str(),
            "Signer": self.signer,
            "Thumbprint": self.thumbprint,
            "Trusted": if trust_policy { Some(self.valid && self.trusted) } else { None },
            "Expires": self.expires,
            "Error": self.error,
            "Report": self.report,
        })
    }
}

/// The columns of the audit table, as `pqx verify A.pqx B.pqx` prints them and the web page
/// shows them.
pub const TABLE_HEADER: [&str; 6] = [
    "FILE",
    "STATUS",
    "SIGNER",
    "SHA-1 THUMBPRINT",
    "TRUSTED",
    "EXPIRES",
];

/// One row of the audit table under [`TABLE_HEADER`], from a row's fields as
/// [`FileAudit::to_json`] names them: the signer's common name, the expiry date without its
/// time, `yes`/`no` trusted only under a trust policy (`trusted` is `None` without one), and
/// `-` for what a row does not have. One function, so that the CLI's table and the web page's
/// cannot disagree.
pub fn table_cells(
    file: &str,
    status: &str,
    signer: Option<&str>,
    thumbprint: Option<&str>,
    trusted: Option<bool>,
    expires: Option<&str>,
) -> [String; 6] {
    let trusted = match (trusted, signer) {
        (Some(true), Some(_)) => "yes",
        (Some(false), Some(_)) => "no",
        _ => "-",
    };
    [
        file.to_owned(),
        status.to_owned(),
        signer.map_or("-", common_name).to_owned(),
        thumbprint.unwrap_or("-").to_owned(),
        trusted.to_owned(),
        expires.and_then(|e| e.get(..10)).unwrap_or("-").to_owned(),
    ]
}

/// The common name of a subject (`CN=Contoso Ltd, O=…` → `Contoso Ltd`), or the subject.
fn common_name(subject: &str) -> &str {
    subject
        .split(',')
        .find_map(|rdn| rdn.trim().strip_prefix("CN="))
        .unwrap_or(subject)
}

/// The rows as a pretty-printed JSON array of [`FileAudit::to_json`]'s objects, in order
/// (`pqx verify --format json` of several files).
pub fn rows_to_json(rows: &[FileAudit], trust_policy: bool) -> String {
    let items: Vec<serde_json::Value> = rows.iter().map(|r| r.json_value(trust_policy)).collect();
    serde_json::to_string_pretty(&items).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// Verifies one file held in memory, `name` being how the row names it (its extension
/// decides whether it is a `.mez`, as in [`audit_file`]). What a browser or another host
/// without a file system audits: never fails, an unreadable file is an
/// [`AuditStatus::Error`] row saying why.
pub fn audit_bytes(bytes: &[u8], name: &str, options: &VerifyOptions) -> FileAudit {
    let path = Path::new(name);
    if has_extension(path, "mez") {
        return FileAudit::mez(path);
    }
    match crate::verify::verify_bytes(bytes, name, options) {
        Ok(v) => FileAudit::verified(path, &v),
        Err(e) => FileAudit::failed(path, AuditStatus::Error, Some(e.to_string())),
    }
}

/// Verifies one file, streaming it from disk.
#[cfg(not(target_arch = "wasm32"))]
pub fn audit_file(path: &Path, options: &VerifyOptions) -> FileAudit {
    if has_extension(path, "mez") {
        return FileAudit::mez(path);
    }
    match crate::files::verify_file(path, options) {
        Ok(v) => FileAudit::verified(path, &v),
        Err(e) => FileAudit::failed(path, AuditStatus::Error, Some(e.to_string())),
    }
}

/// The counts under an audit's table (`12 files: 10 verified, 1 not valid, 1 error; 9
/// trusted, 1 not trusted`), computed once here so the CLI and the web page agree. Built
/// row by row ([`AuditSummary::add`]) so a host that audits file by file need not keep the
/// rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditSummary {
    /// Files audited.
    pub files: usize,
    /// Files whose signatures are valid.
    pub verified: usize,
    /// Files read as packages (or `.mez`) but not valid.
    pub not_valid: usize,
    /// Files that could not be read as packages.
    pub errors: usize,
    /// Valid files whose every signer is trusted.
    pub trusted: usize,
    /// Whether the audit had a trust policy (else trust is not counted, nor printed).
    pub trust_policy: bool,
}

impl AuditSummary {
    /// An empty summary; `trust_policy` as for [`FileAudit::to_json`].
    pub fn new(trust_policy: bool) -> Self {
        AuditSummary {
            trust_policy,
            ..AuditSummary::default()
        }
    }

    /// The summary of `rows`.
    pub fn of(rows: &[FileAudit], trust_policy: bool) -> Self {
        let mut s = AuditSummary::new(trust_policy);
        for r in rows {
            s.add(r.status, r.trusted);
        }
        s
    }

    /// Counts one row of `status` whose signers are (`trusted`) all trusted. Valid is
    /// `Success`, as [`Verification::is_valid`] says.
    pub fn add(&mut self, status: AuditStatus, trusted: bool) {
        self.files += 1;
        match status {
            AuditStatus::Error => self.errors += 1,
            AuditStatus::Signature(SignatureStatus::Success) => {
                self.verified += 1;
                if trusted {
                    self.trusted += 1;
                }
            }
            AuditStatus::Signature(_) => self.not_valid += 1,
        }
    }
}

impl std::fmt::Display for AuditSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        write!(
            f,
            "{} file{}: {} verified, {} not valid, {} error{}",
            self.files,
            plural(self.files),
            self.verified,
            self.not_valid,
            self.errors,
            plural(self.errors)
        )?;
        if self.trust_policy {
            write!(
                f,
                "; {} trusted, {} not trusted",
                self.trusted,
                self.verified - self.trusted
            )?;
        }
        Ok(())
    }
}

/// Verifies `files` on `threads` workers (at least one), results in the order of `files`.
#[cfg(not(target_arch = "wasm32"))]
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
#[cfg(not(target_arch = "wasm32"))]
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_cells_take_the_common_name_the_date_and_trust_only_under_a_policy() {
        assert_eq!(
            common_name("CN=Contoso Ltd, O=Contoso, C=US"),
            "Contoso Ltd"
        );
        assert_eq!(common_name("O=Contoso,CN=X"), "X");
        assert_eq!(common_name("O=Contoso"), "O=Contoso");
        let signer = Some("CN=Contoso Ltd, O=Contoso");
        let expires = Some("2027-01-31 12:00:00Z");
        assert_eq!(
            table_cells("a.pqx", "Success", signer, Some("AB"), Some(true), expires),
            ["a.pqx", "Success", "Contoso Ltd", "AB", "yes", "2027-01-31"]
        );
        assert_eq!(
            table_cells("a.pqx", "Success", signer, Some("AB"), None, expires)[4],
            "-"
        );
        assert_eq!(
            table_cells("a.pqx", "Success", signer, Some("AB"), Some(false), expires)[4],
            "no"
        );
        assert_eq!(
            table_cells("b.mez", "NotSigned", None, None, Some(false), None),
            ["b.mez", "NotSigned", "-", "-", "-", "-"]
        );
        assert_eq!(
            table_cells("c", "Error", None, None, None, Some("2027"))[5],
            "-"
        );
    }

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
        for s in SignatureStatus::ALL {
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

    /// A signed HelloWorld, its tampered copy (one byte of the section document flipped)
    /// and the trust policy of its test root.
    fn signed_and_tampered() -> (Vec<u8>, Vec<u8>, VerifyOptions) {
        let pki = crate::test_pki::TestPki::generate(&Default::default()).unwrap();
        let mez = crate::sample::hello_world_mez().unwrap();
        let unsigned = crate::pack::pack_bytes(&mez, "H.mez", &Default::default()).unwrap();
        let signed = crate::sign::sign_bytes(
            &unsigned,
            "H.pqx",
            &pki.signing_key(),
            &crate::sign::SignOptions::default(),
        )
        .unwrap()
        .output;
        let tampered = flip_first_byte_of(&signed, "HelloWorld.pq");
        let mut policy = crate::trust::TrustPolicy::none();
        policy.add_anchor(pki.root.clone());
        (signed, tampered, VerifyOptions::with_policy(policy))
    }

    /// `package` with the first byte of entry `name` flipped, every other entry copied raw.
    fn flip_first_byte_of(package: &[u8], name: &str) -> Vec<u8> {
        use std::io::{Read, Write};
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(package)).unwrap();
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for i in 0..archive.len() {
            let mut file = archive.by_index(i).unwrap();
            if file.name().unwrap() == name {
                let mut data = Vec::new();
                file.read_to_end(&mut data).unwrap();
                data[0] ^= 0x20;
                writer
                    .start_file(name, zip::write::SimpleFileOptions::default())
                    .unwrap();
                writer.write_all(&data).unwrap();
            } else {
                writer.raw_copy_file(file).unwrap();
            }
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn audit_bytes_classifies_valid_tampered_mez_and_garbage_like_audit_file() {
        let (signed, tampered, options) = signed_and_tampered();
        let d = tempfile::tempdir().unwrap();
        let cases: [(&str, &[u8], AuditStatus); 4] = [
            (
                "Good.pqx",
                &signed,
                AuditStatus::Signature(SignatureStatus::Success),
            ),
            (
                "Tampered.pqx",
                &tampered,
                AuditStatus::Signature(SignatureStatus::InvalidSignature),
            ),
            // A .mez is NotSigned whatever its bytes, even a signed package's.
            (
                "Signed.mez",
                &signed,
                AuditStatus::Signature(SignatureStatus::NotSigned),
            ),
            ("Broken.pqx", b"not a zip", AuditStatus::Error),
        ];
        for (name, bytes, want) in cases {
            let row = audit_bytes(bytes, name, &options);
            assert_eq!(row.status, want, "{name}");
            let path = d.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let mut from_disk = audit_file(&path, &options);
            // The same row whether the bytes come from memory or disk, but for the path.
            from_disk.path = PathBuf::from(name);
            assert_eq!(row.to_json(true), from_disk.to_json(true), "{name}");
        }
        let good = audit_bytes(&signed, "Good.pqx", &options);
        assert!(good.valid && good.trusted && good.thumbprint.is_some());
        assert_eq!(good.path, Path::new("Good.pqx"));
        let broken = audit_bytes(b"not a zip", "Broken.pqx", &options);
        assert!(broken.error.as_deref().unwrap().contains("Broken.pqx"));
    }

    #[test]
    fn row_json_has_the_cli_keys_in_order_and_trusted_only_under_a_policy() {
        let row = audit_bytes(b"not a zip", "dir/Broken.pqx", &VerifyOptions::default());
        let json = row.to_json(false);
        let keys: Vec<String> =
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&json)
                .unwrap()
                .keys()
                .cloned()
                .collect();
        assert_eq!(
            keys,
            [
                "File",
                "SignatureStatus",
                "Signer",
                "Thumbprint",
                "Trusted",
                "Expires",
                "Error",
                "Report"
            ]
        );
        assert!(
            json.contains(r#""File":"dir/Broken.pqx","SignatureStatus":"Error""#),
            "{json}"
        );
        assert!(json.contains(r#""Trusted":null"#), "{json}");
        assert!(row.to_json(true).contains(r#""Trusted":false"#));
        let array = rows_to_json(&[row.clone(), row], false);
        let parsed: Vec<serde_json::Value> = serde_json::from_str(&array).unwrap();
        assert_eq!(parsed.len(), 2);
        assert!(array.starts_with("[\n  {\n    \"File\""), "{array}");
    }

    #[test]
    fn summary_counts_verified_not_valid_errors_and_trust_only_under_a_policy() {
        let ok = AuditStatus::Signature(SignatureStatus::Success);
        let mut s = AuditSummary::new(true);
        s.add(ok, true);
        s.add(ok, false);
        s.add(AuditStatus::Signature(SignatureStatus::NotSigned), false);
        s.add(
            AuditStatus::Signature(SignatureStatus::InvalidSignature),
            true,
        );
        s.add(AuditStatus::Error, false);
        assert_eq!(
            s.to_string(),
            "5 files: 2 verified, 2 not valid, 1 error; 1 trusted, 1 not trusted"
        );
        let mut one = AuditSummary::new(false);
        one.add(AuditStatus::Error, false);
        assert_eq!(one.to_string(), "1 file: 0 verified, 0 not valid, 1 error");
        assert_eq!(
            AuditSummary::new(false).to_string(),
            "0 files: 0 verified, 0 not valid, 0 errors"
        );
    }

    #[test]
    fn audit_status_from_name_reads_back_every_printed_status() {
        for s in SignatureStatus::ALL {
            assert_eq!(
                AuditStatus::from_name(s.name()),
                Some(AuditStatus::Signature(s))
            );
        }
        assert_eq!(AuditStatus::from_name("Error"), Some(AuditStatus::Error));
        assert_eq!(AuditStatus::from_name("success"), None);
        assert_eq!(AuditStatus::from_name(""), None);
    }
}
