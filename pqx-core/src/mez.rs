//! Reading a connector `.mez`: a plain ZIP of the connector's files.
//!
//! Power Query wants exactly one section document at the root: `<Name>.m` in older packages,
//! `<Name>.pq` in what today's SDK builds. `.pqm` modules, `resources*.resx` string tables and
//! `.png` icons come with it; anything else is kept and listed as "other".
//!
//! The 2018 SDK wrote `.mez` files with System.IO.Packaging: they are unsigned OPC packages
//! (`[Content_Types].xml`, sometimes `_rels/`), and MakePQX packs them like any other. Their
//! packaging metadata is not a connector file and is left out (pack writes its own), and
//! their item names are OPC part names, so percent-escapes are decoded (`My%20Icon.png` is the
//! file `My Icon.png`). A *signed* package is refused: packing it would silently drop its
//! signatures ([`Mez::open`]).

use crate::archive::{ArchiveReader, Entry};
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::opc::content_types::CONTENT_TYPES_ITEM;
use crate::opc::relationships::Relationships;
use crate::opc::signature_parts::ORIGIN_REL_TYPE;
use crate::opc::PartName;
use serde::Serialize;
use std::io::{Read, Seek};

/// What a file in a connector is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum FileKind {
    /// The section document (`.pq` or `.m`).
    SectionDocument,
    /// A `.pqm` module.
    Module,
    /// A `resources*.resx` string table.
    Resources,
    /// A `.png` icon.
    Icon,
    /// Anything else.
    Other,
}

impl FileKind {
    /// Classifies a file by its path inside the connector.
    pub fn of(path: &str) -> FileKind {
        let lower = path.to_ascii_lowercase();
        let at_root = !lower.contains('/');
        if at_root
            && (lower.ends_with(".pq") && !lower.ends_with(".query.pq") || lower.ends_with(".m"))
        {
            FileKind::SectionDocument
        } else if lower.ends_with(".pqm") {
            FileKind::Module
        } else if lower
            .rsplit('/')
            .next()
            .is_some_and(|f| f.starts_with("resources") && f.ends_with(".resx"))
        {
            FileKind::Resources
        } else if lower.ends_with(".png") {
            FileKind::Icon
        } else {
            FileKind::Other
        }
    }
}

/// A file of a connector.
#[derive(Clone, Debug, Serialize)]
pub struct ConnectorEntry {
    /// Path inside the connector, `/`-separated, as stored.
    pub name: String,
    /// What it is.
    pub kind: FileKind,
    /// Uncompressed size.
    pub size: u64,
    #[serde(skip)]
    entry: Entry,
}

/// Whether a ZIP item is OPC packaging metadata rather than a connector file.
pub fn is_packaging_metadata(name: &str) -> bool {
    name == "[Content_Types].xml"
        || name.starts_with("_rels/")
        || name.contains("/_rels/")
        || name.starts_with("package/services/")
}

/// A `.mez` opened for reading.
pub struct Mez<R: Read + Seek> {
    archive: ArchiveReader<R>,
    entries: Vec<ConnectorEntry>,
    section: usize,
}

impl<R: Read + Seek> Mez<R> {
    /// Opens a `.mez`, requiring exactly one section document at the root. `what` names the
    /// file in errors.
    ///
    /// An unsigned OPC-shaped `.mez` (the 2018 SDK's, or an unsigned `.pqx`) opens like any
    /// other, its packaging metadata left out and its names decoded; a signed package is
    /// refused with an error that says so, since packing it would drop its signatures.
    pub fn open(reader: R, what: &str, limits: &Limits) -> Result<Self> {
        let mut archive = ArchiveReader::open(reader, what, limits)?;
        let opc_shaped = archive.find(CONTENT_TYPES_ITEM).is_some();
        if opc_shaped && is_signed_package(&mut archive)? {
            return Err(Error::Mez(format!(
                "{what} is a signed .pqx package, not a .mez: packing it would drop its signatures \
                 (sign it again to add a countersignature, or unpack it to re-pack its files)"
            )));
        }
        let entries: Vec<ConnectorEntry> = archive
            .entries()
            .iter()
            .filter(|e| !is_packaging_metadata(&e.name))
            .map(|e| {
                let name = if opc_shaped {
                    file_name_of_part(&e.name)
                } else {
                    e.name.clone()
                };
                ConnectorEntry {
                    kind: FileKind::of(&name),
                    name,
                    size: e.size,
                    entry: e.clone(),
                }
            })
            .collect();
        let sections: Vec<usize> = entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind == FileKind::SectionDocument)
            .map(|(i, _)| i)
            .collect();
        let section = match sections.as_slice() {
            [one] => *one,
            [] => {
                let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
                return Err(Error::Mez(format!(
                    "{what}: no section document (a .pq or .m file at the root); files: {}",
                    if names.is_empty() {
                        "none".to_owned()
                    } else {
                        names.join(", ")
                    }
                )));
            }
            many => {
                let names: Vec<&str> = many
                    .iter()
                    .filter_map(|&i| entries.get(i))
                    .map(|e| e.name.as_str())
                    .collect();
                return Err(Error::Mez(format!(
                    "{what}: more than one section document: {}",
                    names.join(", ")
                )));
            }
        };
        Ok(Mez {
            archive,
            entries,
            section,
        })
    }

    /// The connector's files, in archive order.
    pub fn entries(&self) -> &[ConnectorEntry] {
        &self.entries
    }

    /// The section document's entry.
    pub fn section_document(&self) -> &ConnectorEntry {
        // `section` was checked to be in range in `open`.
        &self.entries[self.section]
    }

    /// The connector's name: the section document's file name without extension.
    pub fn connector_name(&self) -> &str {
        let n = &self.section_document().name;
        n.rsplit_once('.').map(|(stem, _)| stem).unwrap_or(n)
    }

    /// The section document's text, UTF-8 BOM stripped.
    pub fn section_text(&mut self) -> Result<String> {
        let entry = self.section_document().clone();
        let bytes = self.read(&entry)?;
        text_of(&bytes, &entry.name)
    }

    /// Reads a connector file into memory (bounded by the part-size limit).
    pub fn read(&mut self, file: &ConnectorEntry) -> Result<Vec<u8>> {
        let max = self.archive.limits().max_part_size;
        self.archive.read(&file.entry, max)
    }

    /// Streams a connector file's bytes.
    pub fn stream(&mut self, file: &ConnectorEntry, sink: impl FnMut(&[u8])) -> Result<()> {
        self.archive.stream(&file.entry, sink)
    }

    /// Streams a connector file's bytes to a sink that can fail (a writer): its first error
    /// stops the read and is returned (see `ArchiveReader::try_stream`).
    pub fn try_stream(
        &mut self,
        file: &ConnectorEntry,
        sink: impl FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        self.archive.try_stream(&file.entry, sink)
    }
}

/// The connector file an OPC item stands for: its part name with percent-escapes decoded, as
/// System.IO.Packaging wrote it; an item that is not a valid part name keeps its name.
fn file_name_of_part(item: &str) -> String {
    PartName::from_zip_item(item)
        .map(|p| p.decoded_path())
        .unwrap_or_else(|_| item.to_owned())
}

/// Whether an OPC-shaped archive carries a digital signature: an item with a signature-part
/// extension (`.psdsxs`, `.psdsor`, as .NET and pqx name them), or a digital-signature origin
/// relationship in `/_rels/.rels` (found by parsing it, or — when it does not parse — by
/// looking for the relationship type's URI, so a damaged signed package is still refused).
fn is_signed_package<R: Read + Seek>(archive: &mut ArchiveReader<R>) -> Result<bool> {
    let named_like_a_signature = archive.entries().iter().any(|e| {
        let lower = e.name.to_ascii_lowercase();
        lower.ends_with(".psdsxs") || lower.ends_with(".psdsor")
    });
    if named_like_a_signature {
        return Ok(true);
    }
    let Some(rels) = archive
        .entries()
        .iter()
        .find(|e| e.name.eq_ignore_ascii_case("_rels/.rels"))
        .cloned()
    else {
        return Ok(false);
    };
    let limits = *archive.limits();
    let bytes = archive.read(&rels, limits.max_part_size)?;
    Ok(
        match Relationships::parse(&bytes, "/_rels/.rels", &limits) {
            Ok(r) => r.of_type(ORIGIN_REL_TYPE).next().is_some(),
            Err(_) => bytes
                .windows(ORIGIN_REL_TYPE.len())
                .any(|w| w == ORIGIN_REL_TYPE.as_bytes()),
        },
    )
}

/// Decodes a connector text file: UTF-8, BOM stripped.
pub fn text_of(bytes: &[u8], name: &str) -> Result<String> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    String::from_utf8(body.to_vec()).map_err(|_| Error::Mez(format!("{name} is not UTF-8 text")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::ArchiveWriter;
    use std::io::Cursor;

    fn zip(entries: &[(&str, &[u8])]) -> Cursor<Vec<u8>> {
        let mut w = ArchiveWriter::new(Cursor::new(Vec::new()));
        for (n, d) in entries {
            w.add(n, d).unwrap();
        }
        Cursor::new(w.finish().unwrap().into_inner())
    }

    #[test]
    fn finds_the_section_document_and_strips_the_bom() {
        let mut m = Mez::open(
            zip(&[
                ("HelloWorld.pq", b"\xEF\xBB\xBFsection HelloWorld;"),
                ("HelloWorld16.png", b"x"),
                ("resources.resx", b"<root/>"),
                ("Table.pqm", b"x"),
                ("HelloWorld.query.pq", b"1"),
            ]),
            "h.mez",
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(m.connector_name(), "HelloWorld");
        assert_eq!(m.section_text().unwrap(), "section HelloWorld;");
        let kinds: Vec<FileKind> = m.entries().iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                FileKind::SectionDocument,
                FileKind::Icon,
                FileKind::Resources,
                FileKind::Module,
                FileKind::Other
            ]
        );
    }

    #[test]
    fn accepts_the_older_m_extension() {
        let m = Mez::open(
            zip(&[("Old.m", b"section Old;")]),
            "o.mez",
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(m.connector_name(), "Old");
    }

    #[test]
    fn names_the_files_when_there_is_no_section_document() {
        let err = Mez::open(zip(&[("readme.txt", b"x")]), "x.mez", &Limits::default())
            .err()
            .unwrap();
        assert_eq!(err.to_string(), "not a valid connector (.mez): x.mez: no section document (a .pq or .m file at the root); files: readme.txt");
    }

    #[test]
    fn names_both_section_documents_when_there_are_two() {
        let err = Mez::open(
            zip(&[("A.pq", b"x"), ("B.m", b"y")]),
            "x.mez",
            &Limits::default(),
        )
        .err()
        .unwrap();
        assert!(
            err.to_string()
                .ends_with("more than one section document: A.pq, B.m"),
            "{err}"
        );
    }

    #[test]
    fn opens_an_unsigned_opc_shaped_mez_without_its_metadata_and_with_names_decoded() {
        let m = Mez::open(
            zip(&[
                ("Old%20One.m", b"section Old;"),
                ("Old16.png", b"x"),
                ("[Content_Types].xml", b"<Types/>"),
                ("_rels/.rels", b"<Relationships/>"),
            ]),
            "o.mez",
            &Limits::default(),
        )
        .unwrap();
        let names: Vec<&str> = m.entries().iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["Old One.m", "Old16.png"]);
        assert_eq!(m.connector_name(), "Old One");
    }

    #[test]
    fn a_plain_mez_keeps_percent_signs_in_names() {
        let m = Mez::open(
            zip(&[("A%20B.pq", b"section A;")]),
            "p.mez",
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(m.entries()[0].name, "A%20B.pq");
    }

    #[test]
    fn refuses_a_signed_package_by_its_origin_relationship_or_signature_part_names() {
        let rels = format!(
            "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
             <Relationship Id=\"R1\" Type=\"{ORIGIN_REL_TYPE}\" Target=\"/o.psdsor\"/></Relationships>"
        );
        let damaged = format!("<Relationships>{ORIGIN_REL_TYPE}");
        for entries in [
            vec![
                ("A.pq", b"section A;".as_slice()),
                ("[Content_Types].xml", b"<Types/>"),
                ("_rels/.rels", rels.as_bytes()),
            ],
            vec![
                ("A.pq", b"section A;".as_slice()),
                ("[Content_Types].xml", b"<Types/>"),
                ("_rels/.rels", damaged.as_bytes()),
            ],
            vec![
                ("A.pq", b"section A;".as_slice()),
                ("[Content_Types].xml", b"<Types/>"),
                (
                    "package/services/digital-signature/xml-signature/x.psdsxs",
                    b"<x/>",
                ),
            ],
        ] {
            let err = Mez::open(zip(&entries), "s.pqx", &Limits::default())
                .err()
                .unwrap();
            assert!(
                err.to_string()
                    .contains("s.pqx is a signed .pqx package, not a .mez"),
                "{err}"
            );
        }
    }
}
