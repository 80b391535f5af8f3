//! Whether two paths name the same file, so that no output is ever written over an input.
//!
//! Comparing the paths as typed misses `X.mez` vs `./d/../X.mez`, a symbolic link and a hard
//! link. An existing file is known by what the file system knows it by: on Unix the device
//! and inode numbers (which a hard link shares); elsewhere by its canonical path (links
//! resolved) — Rust's stable library does not expose Windows' volume serial number and file
//! index, so two hard links to one file are not recognised there. A file that does not exist
//! yet is known by its canonical folder and its name.
//!
//! Names are compared as the file system stores them: two spellings of a new file that differ
//! only in case are different here even on a case-insensitive volume; once either exists its
//! identity is the file's own.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// The identity of the file a path names, or would name once created.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FileIdentity(Identity);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Identity {
    /// An existing file on Unix: its device and inode.
    #[cfg(unix)]
    Inode { device: u64, inode: u64 },
    /// An existing file elsewhere: its canonical path.
    #[cfg(not(unix))]
    Canonical(PathBuf),
    /// A file that does not exist (yet): its canonical folder joined with its name, or the
    /// absolute path when the folder does not exist either.
    Missing(PathBuf),
}

impl FileIdentity {
    /// The identity of `path`, following symbolic links. Fails only when `path` exists and
    /// cannot be examined (a folder on the way is unreadable, say), or names no file at all
    /// (an empty path, `..`).
    pub fn of(path: &Path) -> std::io::Result<Self> {
        match std::fs::metadata(path) {
            Ok(metadata) => existing(path, &metadata).map(FileIdentity),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => missing(path).map(FileIdentity),
            Err(e) => Err(e),
        }
    }

    /// Whether the file exists: only an existing file can be an input.
    pub fn exists(&self) -> bool {
        !matches!(self.0, Identity::Missing(_))
    }
}

/// A file a command reads or writes, and what it is to the command (`.mez`, `package`,
/// `--detached-p7s`…), for messages.
#[derive(Clone, Copy, Debug)]
pub struct Role<'a> {
    /// What the file is to the command.
    pub role: &'a str,
    /// The path as the user gave it.
    pub path: &'a Path,
}

/// Refuses, before anything is written, an output that is one of the `inputs` or another
/// output, however it is spelled (another relative path, a symbolic or, on Unix, a hard link)
/// — writing it would destroy the input, or one output would replace the other. `in_place`
/// names the one pair of output and input paths that may be the same file on purpose (signing
/// in place).
///
/// Paths that cannot be examined are left out: opening or writing them reports the problem.
pub fn refuse_overlaps(
    inputs: &[Role<'_>],
    outputs: &[Role<'_>],
    in_place: Option<(&Path, &Path)>,
) -> Result<()> {
    let existing: Vec<(Role<'_>, FileIdentity)> = inputs
        .iter()
        .filter_map(|r| Some((*r, FileIdentity::of(r.path).ok()?)))
        .filter(|(_, id)| id.exists())
        .collect();
    let mut written: Vec<(Role<'_>, FileIdentity)> = Vec::with_capacity(outputs.len());
    for out in outputs {
        let Ok(id) = FileIdentity::of(out.path) else {
            continue;
        };
        for (input, input_id) in &existing {
            if *input_id == id && in_place != Some((out.path, input.path)) {
                return Err(Error::InvalidArgument(format!(
                    "the {} {} is the {} {} (same file): refusing to write over an input",
                    out.role,
                    out.path.display(),
                    input.role,
                    input.path.display()
                )));
            }
        }
        for (other, other_id) in &written {
            if *other_id == id {
                return Err(Error::InvalidArgument(format!(
                    "the {} {} and the {} {} are the same file: one would replace the other",
                    other.role,
                    other.path.display(),
                    out.role,
                    out.path.display()
                )));
            }
        }
        written.push((*out, id));
    }
    Ok(())
}

#[cfg(unix)]
fn existing(_path: &Path, metadata: &std::fs::Metadata) -> std::io::Result<Identity> {
    use std::os::unix::fs::MetadataExt;
    Ok(Identity::Inode {
        device: metadata.dev(),
        inode: metadata.ino(),
    })
}

#[cfg(not(unix))]
fn existing(path: &Path, _metadata: &std::fs::Metadata) -> std::io::Result<Identity> {
    std::fs::canonicalize(path).map(Identity::Canonical)
}

fn missing(path: &Path) -> std::io::Result<Identity> {
    let absolute = std::path::absolute(path)?;
    let (Some(folder), Some(name)) = (absolute.parent(), absolute.file_name()) else {
        return Ok(Identity::Missing(absolute));
    };
    Ok(Identity::Missing(match std::fs::canonicalize(folder) {
        Ok(folder) => folder.join(name),
        Err(_) => absolute.clone(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_spellings_of_one_file_are_the_same_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("X.mez");
        std::fs::write(&file, b"x").unwrap();
        std::fs::create_dir(dir.path().join("d")).unwrap();
        let detour = dir.path().join("d").join("..").join("X.mez");
        assert_eq!(
            FileIdentity::of(&file).unwrap(),
            FileIdentity::of(&detour).unwrap()
        );
        let hard = dir.path().join("hard.mez");
        std::fs::hard_link(&file, &hard).unwrap();
        #[cfg(unix)]
        assert_eq!(
            FileIdentity::of(&file).unwrap(),
            FileIdentity::of(&hard).unwrap()
        );
        #[cfg(unix)]
        {
            let link = dir.path().join("link.mez");
            std::os::unix::fs::symlink(&file, &link).unwrap();
            assert_eq!(
                FileIdentity::of(&file).unwrap(),
                FileIdentity::of(&link).unwrap()
            );
        }
        let other = dir.path().join("other.mez");
        std::fs::write(&other, b"x").unwrap();
        assert_ne!(
            FileIdentity::of(&file).unwrap(),
            FileIdentity::of(&other).unwrap()
        );
    }

    #[test]
    fn files_to_be_created_are_known_by_folder_and_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("d")).unwrap();
        let a = FileIdentity::of(&dir.path().join("new.p7s")).unwrap();
        let b = FileIdentity::of(&dir.path().join("d").join("..").join("new.p7s")).unwrap();
        assert!(!a.exists());
        assert_eq!(a, b);
        assert_ne!(a, FileIdentity::of(&dir.path().join("new.pqx")).unwrap());
    }

    #[test]
    fn refuses_an_output_on_an_input_or_on_another_output_but_not_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let pqx = dir.path().join("X.pqx");
        std::fs::write(&pqx, b"x").unwrap();
        let detour = dir.path().join(".").join("X.pqx");
        let p7s = dir.path().join("X.p7s");
        let role = |role, path| Role { role, path };
        let input = [role("package", pqx.as_path())];
        let err = refuse_overlaps(&input, &[role("--detached-p7s", &detour)], None).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
        assert!(err.to_string().contains("--detached-p7s"), "{err}");
        let err = refuse_overlaps(&input, &[role("package", &p7s), role(".p7s", &p7s)], None)
            .unwrap_err();
        assert!(err.to_string().contains("same file"), "{err}");
        refuse_overlaps(&input, &[role("package", &pqx)], Some((&pqx, &pqx))).unwrap();
        refuse_overlaps(
            &input,
            &[role("package", &pqx), role(".p7s", &p7s)],
            Some((&pqx, &pqx)),
        )
        .unwrap();
    }
}
