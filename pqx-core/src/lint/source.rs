//! The files a connector check looks at: those of a `.mez`/`.pqx` package or of a Power Query
//! SDK project folder.
//!
//! The SDK's build zips the project's `.pq`, `.pqm`, `.png` and `.resx` files as they are, so
//! a project folder and the package built from it hold the same files under the same names.
//! Older packages carry the section document as `<Name>.m` instead of `<Name>.pq`.
//! `*.query.pq` files are the SDK's test queries and not part of the connector.

use std::path::Path;

use crate::{Error, Result};

/// Largest single file [`ConnectorSource::from_dir`] reads: 16 MiB, far above any real
/// section document or icon.
pub const MAX_FILE_SIZE: u64 = 16 << 20;
/// Largest total [`ConnectorSource::from_dir`] reads: 64 MiB.
pub const MAX_TOTAL_SIZE: u64 = 64 << 20;
/// Most files [`ConnectorSource::from_dir`] collects.
pub const MAX_FILES: usize = 4_096;

/// One file of a connector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorFile {
    /// Name relative to the package root, `/` separated (`HelloWorld.pq`, `HelloWorld16.png`).
    pub name: String,
    /// The raw content.
    pub bytes: Vec<u8>,
}

/// A data file of a connector (neither M code, icon nor resources) that was scanned as it was
/// read and not kept: the check only needs to know whether it ships a secret, so a package of
/// thousands of data files does not have to be held in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedFile {
    /// Name relative to the package root, `/` separated.
    pub name: String,
    /// Why the file holds a secret (`packaged-secret`), if it does.
    pub secret: Option<&'static str>,
}

impl ScannedFile {
    /// Scans a data file's bytes: what the `packaged-secret` rule would find in it.
    pub fn scan(name: &str, bytes: &[u8]) -> Self {
        ScannedFile {
            name: name.to_owned(),
            secret: crate::lint::rules::packaged_file_secret(name, bytes),
        }
    }
}

/// The files of one connector, as found in a package or a project folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectorSource {
    /// The files, in the order given (the check does not depend on it).
    pub files: Vec<ConnectorFile>,
    /// Data files already scanned and dropped (see [`ScannedFile`]); empty unless the source
    /// came from [`crate::connector::Connector::source`].
    pub scanned: Vec<ScannedFile>,
}

impl ConnectorSource {
    /// Wraps files already read, e.g. the entries of a `.mez`/`.pqx` package.
    pub fn from_files(files: Vec<ConnectorFile>) -> Self {
        ConnectorSource {
            files,
            scanned: Vec::new(),
        }
    }

    /// A project folder: top-level `.pq`/`.m` (excluding `*.query.pq`), `.pqm`, `.png`, `.resx`,
    /// other files ignored; size caps; no symlink following.
    ///
    /// These are the files the SDK's build puts into the package, so checking the folder
    /// checks what will be shipped. Symbolic links are skipped (not followed) so that a
    /// folder cannot pull in files from elsewhere; [`MAX_FILE_SIZE`], [`MAX_TOTAL_SIZE`] and
    /// [`MAX_FILES`] bound what is read ([`Error::LimitExceeded`] beyond them).
    pub fn from_dir(dir: &Path) -> Result<Self> {
        let display = dir.display().to_string();
        let entries = std::fs::read_dir(dir).map_err(|e| Error::io(&display, e))?;
        let mut files = Vec::new();
        let mut total = 0u64;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&display, e))?;
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path)
                .map_err(|e| Error::io(path.display().to_string(), e))?;
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if !meta.file_type().is_file() || !is_packaged_file(&name) {
                continue;
            }
            if meta.len() > MAX_FILE_SIZE {
                return Err(Error::LimitExceeded(format!(
                    "{name} is {} bytes, more than the {MAX_FILE_SIZE} bytes a connector file may have",
                    meta.len()
                )));
            }
            total = total.saturating_add(meta.len());
            if total > MAX_TOTAL_SIZE || files.len() >= MAX_FILES {
                return Err(Error::LimitExceeded(format!(
                    "{display} holds more than {MAX_FILES} connector files or {MAX_TOTAL_SIZE} bytes"
                )));
            }
            let bytes =
                std::fs::read(&path).map_err(|e| Error::io(path.display().to_string(), e))?;
            files.push(ConnectorFile { name, bytes });
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(ConnectorSource::from_files(files))
    }
}

/// Lower-cased name, for extension tests (Windows file systems ignore case).
fn lower(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// True for an SDK test query (`*.query.pq`), which is not part of the connector.
pub(crate) fn is_test_query(name: &str) -> bool {
    lower(name).ends_with(".query.pq")
}

/// True for a file that may hold the section document: `.pq` (today's SDK) or `.m` (older
/// packages), test queries excluded.
pub(crate) fn is_section_candidate(name: &str) -> bool {
    let n = lower(name);
    (n.ends_with(".pq") || n.ends_with(".m")) && !is_test_query(name)
}

/// True for an M module (`.pqm`), loaded by the section document at run time.
pub(crate) fn is_module(name: &str) -> bool {
    lower(name).ends_with(".pqm")
}

/// True for the files the SDK build packages: the ones the rules read whole.
pub(crate) fn is_packaged_file(name: &str) -> bool {
    let n = lower(name);
    is_section_candidate(name) || is_module(name) || n.ends_with(".png") || n.ends_with(".resx")
}

pub(crate) use crate::text::decode_lossy as decode_text;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_connector_files() {
        assert!(is_section_candidate("HelloWorld.pq"));
        assert!(is_section_candidate("Old.M"));
        assert!(!is_section_candidate("HelloWorld.query.pq"));
        assert!(is_module("Diagnostics.pqm"));
        assert!(!is_packaged_file("README.md"));
    }

    #[test]
    fn decodes_boms() {
        assert_eq!(decode_text(b"\xEF\xBB\xBFsection A;"), "section A;");
        assert_eq!(decode_text(b"\xFF\xFEa\0b\0"), "ab");
        assert_eq!(decode_text(b"\xFE\xFF\0a\0b"), "ab");
        assert_eq!(decode_text(b"a\xFFb"), "a\u{FFFD}b");
    }
}
