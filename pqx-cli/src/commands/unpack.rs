//! `pqx unpack FILE -o DIR [--force]`: safe extraction of a connector's files.
//!
//! A package is untrusted input, so its names are too. Before anything is written every
//! name must be a plain relative path: no absolute path, drive letter or UNC prefix, no `..`
//! or `.` segment, no backslash, colon (drive letters, NTFS streams) or control character,
//! no Windows device name (`CON`, `NUL`, `COM1`…) and no segment ending in a dot or space
//! (which Windows would silently strip). Nothing is written through a symbolic link: folders
//! are created one level at a time and an existing link is refused, files are created with
//! `create_new` (which never follows a link). The archive reader already bounds entry count,
//! sizes and compression ratio (pqx-core's limits) and refuses duplicate names.

use super::{display_name, overlap};
use crate::cli::UnpackArgs;
use crate::connector::Connector;
use crate::failure::{Exit, Failure};
use pqx_core::file_identity::Role;
use pqx_core::limits::Limits;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Runs `pqx unpack`.
pub fn run(args: &UnpackArgs) -> Result<Exit, Failure> {
    let what = display_name(&args.file);
    let input = [Role {
        role: "input",
        path: &args.file,
    }];
    let folder = [Role {
        role: "output folder",
        path: &args.output,
    }];
    overlap::refuse(&input, &folder, None)?;
    let file = crate::paths::open_input(&args.file)?;
    let mut connector = Connector::open(std::io::BufReader::new(file), &what, &Limits::default())?;
    let files = connector.files();
    let mut planned = Vec::with_capacity(files.len());
    for f in &files {
        let relative = safe_relative_path(&f.name).map_err(|reason| {
            Failure::new(
                Exit::Input,
                format!("{what}: refusing to extract {:?}: {reason}", f.name),
            )
        })?;
        planned.push((f, relative));
    }
    if args.force {
        // An extracted file may replace an existing one: never the input.
        let paths: Vec<PathBuf> = planned.iter().map(|(_, r)| args.output.join(r)).collect();
        let files: Vec<Role<'_>> = paths
            .iter()
            .map(|path| Role {
                role: "extracted file",
                path,
            })
            .collect();
        overlap::refuse(&input, &files, None)?;
    }
    prepare_dir(&args.output, args.force)?;
    for (f, relative) in planned {
        let path = create_parents(&args.output, &relative)?;
        let mut out = create_file(&path, args.force)?;
        let mut write_err = None;
        connector.stream(f, |chunk| {
            if write_err.is_none() {
                write_err = out.write_all(chunk).err();
            }
        })?;
        if let Some(e) = write_err.or_else(|| out.flush().err()) {
            return Err(Failure::io(&path, e));
        }
    }
    eprintln!(
        "extracted {} file{} into {}",
        files.len(),
        if files.len() == 1 { "" } else { "s" },
        args.output.display()
    );
    Ok(Exit::Success)
}

/// Windows device names, which open a device instead of a file whatever the extension.
const DEVICE_NAMES: [&str; 22] = [
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// The relative path a package name may be extracted to, or why it may not.
pub fn safe_relative_path(name: &str) -> Result<PathBuf, String> {
    if name.is_empty() {
        return Err("empty name".into());
    }
    if name.starts_with('/') {
        return Err("absolute path".into());
    }
    if name.contains('\\') {
        return Err("backslash in name".into());
    }
    let mut path = PathBuf::new();
    for segment in name.split('/') {
        match segment {
            "" => return Err("empty path segment".into()),
            "." | ".." => return Err("'.' or '..' segment".into()),
            _ => {}
        }
        if segment
            .chars()
            .any(|c| c.is_control() || matches!(c, ':' | '<' | '>' | '"' | '|' | '?' | '*'))
        {
            return Err(
                "character not allowed in a file name (':', control, or one Windows forbids)"
                    .into(),
            );
        }
        if segment.ends_with('.') || segment.ends_with(' ') {
            return Err("segment ends with '.' or ' '".into());
        }
        let stem = segment
            .split('.')
            .next()
            .unwrap_or_default()
            .trim_end()
            .to_ascii_lowercase();
        if DEVICE_NAMES.contains(&stem.as_str()) {
            return Err("Windows device name".into());
        }
        path.push(segment);
    }
    Ok(path)
}

/// Creates `dir` if missing; refuses a non-empty one without `force`, and a link.
fn prepare_dir(dir: &Path, force: bool) -> Result<(), Failure> {
    match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(dir).map_err(|e| Failure::io(dir, e))
        }
        Err(e) => Err(Failure::io(dir, e)),
        Ok(m) if !m.is_dir() => Err(Failure::new(
            Exit::Input,
            format!("{} exists and is not a folder", dir.display()),
        )),
        Ok(_) => {
            let mut entries = fs::read_dir(dir).map_err(|e| Failure::io(dir, e))?;
            if entries.next().is_some() && !force {
                return Err(
                    Failure::new(Exit::Usage, format!("{} is not empty", dir.display()))
                        .hint("pass --force to extract into it anyway"),
                );
            }
            Ok(())
        }
    }
}

/// Creates the folders of `relative` under `root` one by one, refusing links and files in
/// the way; returns the file's full path.
fn create_parents(root: &Path, relative: &Path) -> Result<PathBuf, Failure> {
    let mut path = root.to_path_buf();
    let components: Vec<_> = relative.components().collect();
    let (file, folders) = components
        .split_last()
        .ok_or_else(|| Failure::new(Exit::Input, "empty name"))?;
    for c in folders {
        path.push(c);
        match fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(Failure::new(
                    Exit::Input,
                    format!(
                        "{} exists and is not a folder (or is a link)",
                        path.display()
                    ),
                ))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                fs::create_dir(&path).map_err(|e| Failure::io(&path, e))?
            }
            Err(e) => return Err(Failure::io(&path, e)),
        }
    }
    path.push(file);
    Ok(path)
}

/// Creates a new file; with `force` an existing regular file is replaced, never a link.
fn create_file(path: &Path, force: bool) -> Result<fs::File, Failure> {
    if force {
        match fs::symlink_metadata(path) {
            Ok(m) if m.is_file() => fs::remove_file(path).map_err(|e| Failure::io(path, e))?,
            Ok(_) => {
                return Err(Failure::new(
                    Exit::Input,
                    format!("{} exists and is not a regular file", path.display()),
                ))
            }
            Err(_) => {}
        }
    }
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| Failure::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_relative_names() {
        assert_eq!(
            safe_relative_path("HelloWorld.pq").unwrap(),
            PathBuf::from("HelloWorld.pq")
        );
        assert_eq!(
            safe_relative_path("icons/My Icon 16.png").unwrap(),
            PathBuf::from("icons").join("My Icon 16.png")
        );
        assert!(safe_relative_path("Console.pq").is_ok());
    }

    #[test]
    fn refuses_names_that_escape_or_mean_something_else() {
        for bad in [
            "",
            "/etc/passwd",
            "../x.pq",
            "a/../../x",
            "a//b",
            "./a",
            "C:/x.pq",
            "C:x",
            "a\\b",
            "\\\\server\\share\\x",
            "nul",
            "CON.pq",
            "com1.txt",
            "a./b",
            "a /b",
            "x\u{0}y",
            "a:stream",
            "a\nb",
        ] {
            assert!(safe_relative_path(bad).is_err(), "{bad:?} accepted");
        }
    }
}
