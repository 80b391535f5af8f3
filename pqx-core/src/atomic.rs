//! Atomic file output: write to a temporary file beside the target, then rename.
//!
//! A failed or interrupted sign must never leave a half-written `.pqx` or destroy its input
//! (which may be the same path): readers see either the old file or the complete new one.

use crate::error::{Error, Result};
use std::fs::{File, OpenOptions};
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// Writes `path` atomically: `write` receives a buffered temporary file in the same folder;
/// when it returns `Ok` the file is flushed and renamed over `path`, otherwise it is removed
/// and `path` is untouched.
///
/// When `path` already exists (signing in place, as MakePQX does, or overwriting an earlier
/// output) the temporary file is synced to disk before the rename: otherwise a crash just
/// after the rename could leave an empty file where the user's only copy was. A new file is
/// not synced — a crash can then lose only the new output, never the input — which is what
/// `cp`, `zip`, `jarsigner` and MakePQX do, and syncing can cost more than signing itself (a
/// 512 MiB package signed in about 0.5 s on the benchmark machine; syncing it to its virtual
/// disk took 0.5–4 s, see `benches/RESULTS.md`).
pub fn write_atomically<T>(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<T>,
) -> Result<T> {
    let shown = path.display().to_string();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| Error::InvalidArgument(format!("{shown} is not a file path")))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        file_name.to_string_lossy(),
        crate::random::hex(6)
    ));
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(|e| Error::io(&shown, e))?;
    let mut guard = TempGuard(Some(tmp.clone()));
    let replaces_a_file = path.exists();
    let mut w = BufWriter::new(file);
    let value = write(&mut w)?;
    let file = w
        .into_inner()
        .map_err(|e| Error::io(&shown, e.into_error()))?;
    if replaces_a_file {
        file.sync_all().map_err(|e| Error::io(&shown, e))?;
    }
    drop(file);
    std::fs::rename(&tmp, path).map_err(|e| Error::io(&shown, e))?;
    guard.0 = None;
    Ok(value)
}

/// Checks up front that a file can be created in `path`'s folder, so a command can refuse
/// before doing expensive work.
pub fn check_writable(path: &Path) -> Result<()> {
    write_probe(path).map_err(|e| Error::io(path.display().to_string(), e))
}

fn write_probe(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let probe = dir.join(format!(".pqx-write-probe.{}", crate::random::hex(6)));
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)?;
    std::fs::remove_file(&probe)?;
    if path.exists() && std::fs::metadata(path)?.permissions().readonly() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "file is read-only",
        ));
    }
    Ok(())
}

/// Removes the temporary file unless disarmed.
struct TempGuard(Option<PathBuf>);

impl Drop for TempGuard {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
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
}
