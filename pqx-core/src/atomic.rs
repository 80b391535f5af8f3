//! Atomic file output: write to a temporary file beside the target, then rename.
//!
//! A failed or interrupted sign must never leave a half-written `.pqx` or destroy its input
//! (which may be the same path): readers see either the old file or the complete new one.
//!
//! The output replaces what the user meant, not merely the name they typed: a symbolic link
//! is followed (the temporary file goes beside the link's target, which is what gets
//! replaced, and the link stays a link), and a replaced file keeps its permissions (and its
//! owner and group, where the process may set them).
//!
//! Every temporary file that exists is listed in a process-wide registry, so that a signal
//! handler (which pqx-core, free of `unsafe` code, leaves to its front ends) can remove them
//! with [`remove_temporary_files`] before the process ends.

use crate::error::{Error, Result};
use std::fs::{File, Metadata, OpenOptions};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The temporary files of this process that are neither renamed nor removed yet. The lock is
/// held while a temporary file is created, renamed or removed, so that the cleanup never races
/// a rename: it sees each file either still temporary or already in place.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn live() -> MutexGuard<'static, Vec<PathBuf>> {
    // A panic while holding the lock leaves the list as valid as before.
    LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Removes every temporary file of this process (what a signal handler calls before the
/// process ends, so that an interrupted `sign` leaves no hidden copy of the package behind).
///
/// Returns the registry's lock: while it is held no other thread creates, renames or removes
/// a temporary file, so a caller about to end the process keeps it until then, and an output
/// can no longer be renamed into place after its temporary file was removed.
pub fn remove_temporary_files() -> MutexGuard<'static, Vec<PathBuf>> {
    let mut files = live();
    for tmp in files.drain(..) {
        let _ = std::fs::remove_file(tmp);
    }
    files
}

/// An output being written: a temporary file beside the target, renamed over the target by
/// [`AtomicFile::commit`], removed when dropped uncommitted (an error, a panic).
///
/// Separating creation from the commit lets a caller close its input before the rename —
/// Windows refuses to replace a file that is still open, which signing in place does.
pub struct AtomicFile {
    writer: BufWriter<File>,
    temporary: Temporary,
    /// The file that is replaced: the target, or where its symbolic link points.
    target: PathBuf,
    /// The target as the user named it, for messages.
    shown: String,
    /// The metadata of the file being replaced, if any.
    replaced: Option<Metadata>,
}

impl AtomicFile {
    /// Creates the temporary file for `path` (in the folder of the file `path` names, after
    /// following a symbolic link). A link to a missing file is refused rather than replaced.
    pub fn create(path: &Path) -> Result<Self> {
        let shown = path.display().to_string();
        let target = resolve(path).map_err(|e| Error::io(&shown, e))?;
        let file_name = target
            .file_name()
            .ok_or_else(|| Error::InvalidArgument(format!("{shown} is not a file path")))?;
        let tmp = folder_of(&target).join(format!(
            ".{}.{}.tmp",
            file_name.to_string_lossy(),
            crate::random::hex(6)
        ));
        let replaced = std::fs::metadata(&target).ok();
        let file = {
            let mut files = live();
            let file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
                .map_err(|e| Error::io(&shown, e))?;
            files.push(tmp.clone());
            file
        };
        Ok(AtomicFile {
            writer: BufWriter::new(file),
            temporary: Temporary(Some(tmp)),
            target,
            shown,
            replaced,
        })
    }

    /// The buffered temporary file, to write the whole output into.
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        &mut self.writer
    }

    /// Flushes the temporary file, gives it the replaced file's permissions (and owner,
    /// where allowed) and renames it over the target.
    ///
    /// When the target already exists (signing in place, as MakePQX does, or overwriting an
    /// earlier output) the temporary file is synced to disk before the rename: otherwise a
    /// crash just after the rename could leave an empty file where the user's only copy was.
    /// A new file is not synced — a crash can then lose only the new output, never the input
    /// — which is what `cp`, `zip`, `jarsigner` and MakePQX do, and syncing can cost more
    /// than signing itself (a 512 MiB package signed in about 0.5 s on the benchmark
    /// machine; syncing it to its virtual disk took 0.5–4 s, see `benches/RESULTS.md`).
    pub fn commit(self) -> Result<()> {
        let AtomicFile {
            writer,
            mut temporary,
            target,
            shown,
            replaced,
        } = self;
        let file = writer
            .into_inner()
            .map_err(|e| Error::io(&shown, e.into_error()))?;
        if let Some(old) = &replaced {
            keep_owner(&file, old);
            file.set_permissions(old.permissions())
                .map_err(|e| Error::io(&shown, e))?;
            file.sync_all().map_err(|e| Error::io(&shown, e))?;
        }
        drop(file);
        let mut files = live();
        let Some(tmp) = temporary.0.take() else {
            return Err(Error::InvalidArgument(format!(
                "{shown}: the temporary file is gone"
            )));
        };
        // Removed by the cleanup (the process is being interrupted): nothing to rename.
        if !files.contains(&tmp) {
            return Err(Error::io(
                &shown,
                std::io::Error::new(std::io::ErrorKind::Interrupted, "interrupted"),
            ));
        }
        files.retain(|p| p != &tmp);
        replace(&tmp, &target).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::io(&shown, e)
        })
    }
}

/// Renames `tmp` over `target`. Unix replaces a file whatever holds it open; Windows refuses
/// while another process has it open without delete sharing (Power BI Desktop keeps the
/// connectors it loaded open), so there the rename is retried for about two seconds, then
/// fails saying why; the caller then removes `tmp`, and `target` is untouched.
#[cfg(not(windows))]
fn replace(tmp: &Path, target: &Path) -> std::io::Result<()> {
    std::fs::rename(tmp, target)
}

/// See the Unix version: retries while another process holds `target` open.
#[cfg(windows)]
fn replace(tmp: &Path, target: &Path) -> std::io::Result<()> {
    use std::time::{Duration, Instant};
    let deadline = Instant::now() + REPLACE_PATIENCE;
    let mut pause = Duration::from_millis(10);
    loop {
        match std::fs::rename(tmp, target) {
            Err(e) if held_open(&e) && Instant::now() < deadline => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(200));
            }
            Err(e) if held_open(&e) => {
                return Err(std::io::Error::new(
                    e.kind(),
                    format!(
                        "{e}: another program has the file open (Power BI Desktop?); close it \
                         and try again (the file is unchanged)"
                    ),
                ))
            }
            other => return other,
        }
    }
}

/// How long a replace waits for another process to close the target (Windows).
#[cfg(windows)]
const REPLACE_PATIENCE: std::time::Duration = std::time::Duration::from_secs(2);

/// Whether a failed rename means another process has the target open: a sharing or lock
/// violation, or "access denied", which is what replacing an open file gives (a read-only
/// target was refused up front by [`check_writable`]).
#[cfg(windows)]
fn held_open(e: &std::io::Error) -> bool {
    const ERROR_ACCESS_DENIED: i32 = 5;
    const ERROR_SHARING_VIOLATION: i32 = 32;
    const ERROR_LOCK_VIOLATION: i32 = 33;
    matches!(
        e.raw_os_error(),
        Some(ERROR_ACCESS_DENIED | ERROR_SHARING_VIOLATION | ERROR_LOCK_VIOLATION)
    )
}

/// Writes `path` atomically: `write` receives a buffered temporary file in the same folder;
/// when it returns `Ok` the file is flushed and renamed over `path` (see
/// [`AtomicFile::commit`]), otherwise it is removed and `path` is untouched.
pub fn write_atomically<T>(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<T>,
) -> Result<T> {
    let mut out = AtomicFile::create(path)?;
    let value = write(out.writer())?;
    out.commit()?;
    Ok(value)
}

/// Checks up front that a file can be created in `path`'s folder (the folder of its target,
/// for a symbolic link), so a command can refuse before doing expensive work.
pub fn check_writable(path: &Path) -> Result<()> {
    write_probe(path).map_err(|e| Error::io(path.display().to_string(), e))
}

fn write_probe(path: &Path) -> std::io::Result<()> {
    let target = resolve(path)?;
    let probe = folder_of(&target).join(format!(".pqx-write-probe.{}", crate::random::hex(6)));
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)?;
    std::fs::remove_file(&probe)?;
    if target.exists() && std::fs::metadata(&target)?.permissions().readonly() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "file is read-only",
        ));
    }
    Ok(())
}

/// The file `path` names: itself, or the target of a symbolic link (whose own links are
/// followed too). A link to nothing is an error: replacing it by a file would lose the link.
fn resolve(path: &Path) -> std::io::Result<PathBuf> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path),
        _ => Ok(path.to_path_buf()),
    }
}

/// The folder holding `path` (`.` for a bare file name).
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Gives `file` the owner and group of `old`. Best effort: only root may give a file away,
/// and a user may only pick a group of theirs; the permissions are kept regardless.
#[cfg(unix)]
fn keep_owner(file: &File, old: &Metadata) {
    use std::os::unix::fs::MetadataExt;
    let _ = std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid()));
}

/// Windows files inherit their owner and ACL from the folder; nothing to copy.
#[cfg(not(unix))]
fn keep_owner(_file: &File, _old: &Metadata) {}

/// Removes the temporary file (and its registry entry) unless it was renamed.
struct Temporary(Option<PathBuf>);

impl Drop for Temporary {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let mut files = live();
            files.retain(|f| f != &p);
            let _ = std::fs::remove_file(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_leaves_the_original_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.pqx");
        std::fs::write(&target, b"original").unwrap();
        let r: Result<()> = write_atomically(&target, |w| {
            use std::io::Write;
            w.write_all(b"partial").unwrap();
            Err(Error::InvalidArgument("boom".into()))
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read(&target).unwrap(), b"original");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn success_replaces_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.pqx");
        write_atomically(&target, |w| {
            use std::io::Write;
            w.write_all(b"new").map_err(|e| Error::io("t", e))
        })
        .unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
    }

    #[cfg(unix)]
    #[test]
    fn replacing_keeps_the_mode_and_writes_through_a_symbolic_link() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.pqx");
        std::fs::write(&real, b"old").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("link.pqx");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomically(&link, |w| {
            std::io::Write::write_all(w, b"new").map_err(|e| Error::io("t", e))
        })
        .unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        let mode = std::fs::metadata(&real).unwrap().permissions().mode();
        assert_eq!(mode & 0o7777, 0o640);
    }
}
