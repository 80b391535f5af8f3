//! `pqx unpack FILE -o DIR [--force]`: safe extraction of a connector's files.
//!
//! A package is untrusted input, so its names are too. Before anything is written every
//! name must be a plain relative path: no absolute path, drive letter or UNC prefix, no `..`
//! or `.` segment, no backslash, colon (drive letters, NTFS streams), control character or
//! other character Windows forbids (`<>"|?*`), no Windows device name in any folder (`CON`,
//! `NUL`, `COM1`, `COM¹`, `LPT³`, `CONIN$`…, with or without an extension) and no segment
//! ending in a dot or space (which Windows would silently strip). A part name whose
//! percent-escapes are not UTF-8 is refused rather than shown with U+FFFD. And no two files
//! may land on the same path of a case-insensitive, normalisation-insensitive file system
//! (NTFS, APFS): names are compared lower-cased, in Unicode NFD, without trailing dots and
//! spaces, and a file may not share its name with a folder. All of that is checked for the
//! whole package first, so a refusal writes nothing, `--force` or not.
//!
//! Nothing is written through a symbolic link: folders are created one level at a time and
//! an existing link is refused, files are created with `create_new` (which never follows a
//! link). The archive reader already bounds entry count, sizes and compression ratio
//! (pqx-core's limits) and refuses duplicate names.

use super::{display_name, overlap};
use crate::cli::UnpackArgs;
use crate::failure::{Exit, Failure};
use pqx_core::connector::Connector;
use pqx_core::file_identity::Role;
use pqx_core::limits::Limits;
use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use unicode_normalization::UnicodeNormalization;

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
    let refuse = |name: &str, reason: &str| {
        Failure::new(
            Exit::Input,
            format!("{what}: refusing to extract {name:?}: {reason}"),
        )
    };
    for f in &files {
        if !f.exact_name {
            return Err(refuse(
                &f.name,
                "its percent-escapes do not decode to UTF-8, so its name is not known",
            ));
        }
        let relative = safe_relative_path(&f.name).map_err(|reason| refuse(&f.name, &reason))?;
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
    if let Some((a, b)) = first_collision(files.iter().map(|f| f.name.as_str())) {
        return Err(Failure::new(
            Exit::Input,
            format!(
                "{what}: refusing to extract {a:?} and {b:?}: they would be the same file or folder on Windows or macOS (names equal ignoring case, Unicode normalisation and trailing dots or spaces)"
            ),
        ));
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

/// Windows device names, which open a device instead of a file whatever the extension and in
/// any folder. Windows also counts the superscript digits ¹²³ as digits of `COM` and `LPT`.
const DEVICE_NAMES: [&str; 30] = [
    "con",
    "prn",
    "aux",
    "nul",
    "com0",
    "com1",
    "com2",
    "com3",
    "com4",
    "com5",
    "com6",
    "com7",
    "com8",
    "com9",
    "com\u{b9}",
    "com\u{b2}",
    "com\u{b3}",
    "lpt0",
    "lpt1",
    "lpt2",
    "lpt3",
    "lpt4",
    "lpt5",
    "lpt6",
    "lpt7",
    "lpt8",
    "lpt9",
    "lpt\u{b9}",
    "lpt\u{b2}",
    "lpt\u{b3}",
];

/// The console devices, also names Windows opens as devices.
const CONSOLE_NAMES: [&str; 2] = ["conin$", "conout$"];

/// True when Windows would open a device for the path segment `segment`: its part before
/// the first dot, without trailing spaces, is a device name in any case.
fn is_device_name(segment: &str) -> bool {
    let stem = segment
        .split('.')
        .next()
        .unwrap_or_default()
        .trim_end_matches([' ', '.'])
        .to_lowercase();
    DEVICE_NAMES.contains(&stem.as_str()) || CONSOLE_NAMES.contains(&stem.as_str())
}

/// What a path segment is called on a file system that ignores case and Unicode
/// normalisation (NTFS, APFS) and, on Windows, trailing dots and spaces: NFD, lower-cased,
/// NFD again (lower-casing can denormalise), trailing dots and spaces removed.
fn collision_key(segment: &str) -> String {
    let folded: String = segment
        .trim_end_matches(['.', ' '])
        .nfd()
        .collect::<String>()
        .to_lowercase();
    folded.nfd().collect()
}

/// The first two names of `names` that would be the same file or folder once extracted (see
/// [`collision_key`]), including a file named like another file's folder.
fn first_collision<'n>(names: impl Iterator<Item = &'n str>) -> Option<(&'n str, &'n str)> {
    let mut files: HashMap<String, &str> = HashMap::new();
    let mut folders: HashMap<String, &str> = HashMap::new();
    for name in names {
        let segments: Vec<String> = name.split('/').map(collision_key).collect();
        for end in 1..segments.len() {
            let folder = segments.get(..end).unwrap_or_default().join("/");
            if let Some(file) = files.get(&folder) {
                return Some((file, name));
            }
            folders.entry(folder).or_insert(name);
        }
        let key = segments.join("/");
        if let Some(other) = files.get(&key).or_else(|| folders.get(&key)) {
            return Some((other, name));
        }
        files.insert(key, name);
    }
    None
}

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
        if is_device_name(segment) {
            return Err(format!("{segment:?} is a Windows device name"));
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

    #[test]
    fn refuses_every_windows_device_name_in_any_folder_and_form() {
        for device in [
            "CON",
            "prn",
            "Aux",
            "nul",
            "COM0",
            "com9",
            "LPT0",
            "lpt9",
            "COM\u{b9}",
            "com\u{b2}",
            "COM\u{b3}",
            "LPT\u{b9}",
            "lpt\u{b2}",
            "LPT\u{b3}",
            "CONIN$",
            "conout$",
        ] {
            for name in [
                device.to_owned(),
                format!("{device}.pq"),
                format!("{device} .txt"),
                format!("{device}.tar.gz"),
                format!("icons/{device}"),
                format!("{device}/x.png"),
                format!("a/{}/b.pq", device.to_lowercase()),
            ] {
                assert!(safe_relative_path(&name).is_err(), "{name:?} accepted");
            }
        }
        for fine in [
            "CONSOLE.pq",
            "COM10.pq",
            "LPT.png",
            "com\u{b9}0",
            "nullable.pqm",
            "CONIN",
        ] {
            assert!(safe_relative_path(fine).is_ok(), "{fine:?} refused");
        }
    }

    #[test]
    fn finds_names_that_collide_by_case_normalisation_or_folder() {
        let cases = [
            (vec!["A.pq", "a.PQ"], true),
            (vec!["caf\u{e9}.pq", "cafe\u{301}.pq"], true),
            (vec!["CAF\u{c9}.pq", "cafe\u{301}.pq"], true),
            (vec!["\u{130}.pq", "i\u{307}.pq"], true),
            (vec!["a", "A/b.pq"], true),
            (vec!["x/A/b.pq", "x/a"], true),
            (vec!["A/b.pq", "a/c.pq"], false),
            (vec!["a.pq", "b.pq", "caf\u{e9}.pq", "cafe.pq"], false),
        ];
        for (names, collide) in cases {
            let found = first_collision(names.iter().copied());
            assert_eq!(found.is_some(), collide, "{names:?}: {found:?}");
        }
    }
}
