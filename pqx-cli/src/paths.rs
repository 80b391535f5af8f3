//! Input and output paths checked up front, so that the error names the real cause: a
//! directory given as input, a missing input file, a missing output folder (which the
//! operating system reports as "No such file or directory", as if the input were missing).

use crate::failure::{Exit, Failure};
use std::fs::File;
use std::path::Path;

/// Opens an input file, refusing a directory (which opens fine on Unix and then fails on
/// the first read with a message about a malformed archive) and naming a missing file.
pub fn open_input(path: &Path) -> Result<File, Failure> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(Failure::new(
                Exit::Input,
                format!("{} is a directory, not a file", path.display()),
            )
            .hint("name the .mez or .pqx file inside it"))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(
                Failure::new(Exit::Input, format!("{} does not exist", path.display()))
                    .hint("check the path"),
            )
        }
        _ => {}
    }
    File::open(path).map_err(|e| Failure::io(path, e))
}

/// Checks that `path` can be written: its folder exists and is a folder, the path is not a
/// directory, and a file can be created beside it ([`pqx_core::atomic::check_writable`]).
pub fn check_output(path: &Path) -> Result<(), Failure> {
    let folder = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    match std::fs::metadata(folder) {
        Ok(m) if !m.is_dir() => {
            return Err(Failure::new(
                Exit::Input,
                format!(
                    "cannot write {}: {} is not a folder",
                    path.display(),
                    folder.display()
                ),
            ))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Failure::new(
                Exit::Input,
                format!(
                    "cannot write {}: the output folder {} does not exist",
                    path.display(),
                    folder.display()
                ),
            )
            .hint("create it first, or write elsewhere with -t/--target"))
        }
        _ => {}
    }
    if path.is_dir() {
        return Err(Failure::new(
            Exit::Input,
            format!("cannot write {}: it is a directory", path.display()),
        )
        .hint("give a file name, e.g. -t DIR/Connector.pqx"));
    }
    pqx_core::atomic::check_writable(path).map_err(Failure::from)
}
