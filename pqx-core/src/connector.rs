//! The connector files of a `.mez` or a `.pqx`, for `check`, `unpack` and the check that
//! runs before `pack` and `sign`.
//!
//! A `.mez` is a plain ZIP of the files; a `.pqx` holds the same files as OPC parts next to
//! packaging machinery (`[Content_Types].xml`, relationship parts, signature parts), which is
//! left out here: what remains is what the connector author wrote. Used by the connector
//! check, `unpack` and every binding, so that they all see the same files.

use crate::archive::ArchiveReader;
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::lint::{self, ConnectorFile, ConnectorSource};
use crate::mez::Mez;
use crate::opc::content_types::CONTENT_TYPES_ITEM;
use crate::opc::{Package, Part, SignatureLayout};
use std::io::{Read, Seek};

/// A `.mez` or `.pqx` opened for its connector files.
pub enum Connector<R: Read + Seek> {
    /// A plain `.mez`.
    Mez(Mez<R>),
    /// An OPC package and its connector parts.
    Pqx(Package<R>, Vec<Part>),
}

/// One connector file: its path inside the connector (`/`-separated, percent-escapes
/// decoded) and its size.
#[derive(Clone, Debug)]
pub struct FileInfo {
    /// Path inside the connector, as found in the package (not yet checked for safety).
    pub name: String,
    /// Uncompressed size.
    pub size: u64,
    /// False when `name` is not exactly the part's name: its percent-escapes do not decode
    /// to UTF-8, and `name` shows U+FFFD in their place (see [`crate::opc::PartName::decoded_utf8`]).
    /// Extracting such a file could overwrite another one; `unpack` refuses it.
    pub exact_name: bool,
    index: usize,
}

impl<R: Read + Seek> Connector<R> {
    /// Opens either kind: an archive with `[Content_Types].xml` is an OPC package.
    pub fn open(mut reader: R, what: &str, limits: &Limits) -> Result<Self> {
        let is_package = ArchiveReader::open(&mut reader, what, limits)?
            .find(CONTENT_TYPES_ITEM)
            .is_some();
        reader.rewind().map_err(|e| Error::io(what, e))?;
        if !is_package {
            return Ok(Connector::Mez(Mez::open(reader, what, limits)?));
        }
        let package = Package::open(reader, what, limits)?;
        let layout = SignatureLayout::locate(&package)?;
        let parts = package
            .parts()
            .iter()
            .filter(|p| !layout.is_machinery(&p.name))
            .cloned()
            .collect();
        Ok(Connector::Pqx(package, parts))
    }

    /// The connector files, in archive order.
    pub fn files(&self) -> Vec<FileInfo> {
        match self {
            Connector::Mez(m) => m
                .entries()
                .iter()
                .enumerate()
                .map(|(index, e)| FileInfo {
                    name: e.name.clone(),
                    size: e.size,
                    exact_name: true,
                    index,
                })
                .collect(),
            Connector::Pqx(_, parts) => parts
                .iter()
                .enumerate()
                .map(|(index, p)| {
                    let exact = p.name.decoded_utf8();
                    FileInfo {
                        exact_name: exact.is_some(),
                        name: exact.unwrap_or_else(|| p.name.decoded_path()),
                        size: p.entry.size,
                        index,
                    }
                })
                .collect(),
        }
    }

    /// Streams one file's bytes to `sink`.
    pub fn stream(&mut self, file: &FileInfo, sink: impl FnMut(&[u8])) -> Result<()> {
        let missing = || Error::InvalidArgument(format!("no file {}", file.name));
        match self {
            Connector::Mez(m) => {
                let entry = m.entries().get(file.index).cloned().ok_or_else(missing)?;
                m.stream(&entry, sink)?;
            }
            Connector::Pqx(package, parts) => {
                let part = parts.get(file.index).ok_or_else(missing)?;
                package.stream_part(part, sink)?;
            }
        }
        Ok(())
    }

    /// The connector files the check reads. M code, icons and resources (the files the
    /// rules read whole) are kept in memory: files larger than [`lint::MAX_FILE_SIZE`] are
    /// left out (no rule looks into big files) and reading stops at
    /// [`lint::MAX_TOTAL_SIZE`] in all. Every other file up to [`lint::MAX_FILE_SIZE`] is
    /// read, scanned for shipped secrets and dropped ([`lint::ScannedFile`]), one at a time.
    /// So checking a package never needs memory in proportion to its size or file count.
    pub fn source(&mut self) -> Result<ConnectorSource> {
        let mut source = ConnectorSource::default();
        let mut total: u64 = 0;
        for f in self.files() {
            if f.size > lint::MAX_FILE_SIZE {
                continue;
            }
            let kept = lint::is_packaged_file(&f.name);
            if kept && total.saturating_add(f.size) > lint::MAX_TOTAL_SIZE {
                continue;
            }
            let mut bytes = Vec::with_capacity(usize::try_from(f.size).unwrap_or(0));
            self.stream(&f, |chunk| bytes.extend_from_slice(chunk))?;
            if kept {
                total += f.size;
                source.files.push(ConnectorFile {
                    name: f.name,
                    bytes,
                });
            } else {
                source
                    .scanned
                    .push(lint::ScannedFile::scan(&f.name, &bytes));
            }
        }
        Ok(source)
    }
}

/// The connector files of a `.mez` or `.pqx` held in memory, ready for [`crate::lint::check`].
pub fn source_from_bytes(bytes: &[u8], what: &str, limits: &Limits) -> Result<ConnectorSource> {
    Connector::open(std::io::Cursor::new(bytes), what, limits)?.source()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::ArchiveWriter;

    #[test]
    fn the_check_source_leaves_out_files_too_big_for_any_rule() {
        let mut w = ArchiveWriter::new(std::io::Cursor::new(Vec::new()));
        w.add("Big.pq", b"section Big;").unwrap();
        let mut x: u32 = 0x9E37_79B9;
        let noise: Vec<u8> = (0..(lint::MAX_FILE_SIZE + 1))
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        w.add("data.bin", &noise).unwrap();
        let mez = w.finish().unwrap().into_inner();
        let source = source_from_bytes(&mez, "big.mez", &Limits::default()).unwrap();
        let names: Vec<&str> = source.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["Big.pq"]);
    }

    #[test]
    fn data_files_are_scanned_and_dropped_and_their_secrets_still_found() {
        let mut w = ArchiveWriter::new(std::io::Cursor::new(Vec::new()));
        w.add(
            "Conn.pq",
            b"[Version = \"1.0.0\"] section Conn; shared Conn.Contents = () => 1;",
        )
        .unwrap();
        for i in 0..300 {
            w.add(&format!("data/f{i:03}.bin"), &[b'x'; 4096]).unwrap();
        }
        w.add(
            "data/settings.json",
            b"{\"tenant\": \"t\", \"Client_Secret\": \"abc\"}",
        )
        .unwrap();
        let mez = w.finish().unwrap().into_inner();
        let source = source_from_bytes(&mez, "many.mez", &Limits::default()).unwrap();
        let kept: Vec<&str> = source.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(kept, ["Conn.pq"], "data files must not be held in memory");
        assert_eq!(source.scanned.len(), 301);
        let findings = crate::lint::check(&source, &crate::lint::CheckOptions::default());
        let secrets: Vec<&str> = findings
            .iter()
            .filter(|f| f.rule == "packaged-secret")
            .map(|f| f.file.as_str())
            .collect();
        assert_eq!(secrets, ["data/settings.json"], "{findings:?}");
    }
}
