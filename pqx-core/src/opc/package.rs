//! An OPC package opened for reading: its parts, their content types and relationships.
//!
//! Opening reads the ZIP central directory, `[Content_Types].xml` and every relationship part
//! (small XML, bounded by [`Limits::max_xml_size`]); connector parts stay in the archive and
//! are streamed on demand, so memory does not grow with the package.

use super::content_types::{ContentTypes, CONTENT_TYPES_ITEM};
use super::part_name::PartName;
use super::relationships::{self, Relationships, TargetMode, RELATIONSHIPS_CONTENT_TYPE};
use crate::archive::{ArchiveReader, ByteRange, Entry};
use crate::error::{Error, Result};
use crate::limits::Limits;
use std::collections::BTreeMap;
use std::io::{Read, Seek};

/// One part of a package.
#[derive(Clone, Debug)]
pub struct Part {
    /// Its name.
    pub name: PartName,
    /// Its content type, from `[Content_Types].xml`.
    pub content_type: String,
    /// Where it is in the archive.
    pub entry: Entry,
}

/// The relationships of one source, with the part that holds them.
#[derive(Clone, Debug)]
pub struct RelationshipSet {
    /// The `.rels` part.
    pub rels_part: PartName,
    /// The source part, `None` for the package.
    pub source: Option<PartName>,
    /// The relationships.
    pub relationships: Relationships,
}

/// Index into a package's relationship sets by source part key (`None`: the package's own
/// set), so that looking up the set of each of tens of thousands of parts is not quadratic.
#[derive(Default)]
struct SourceIndex(BTreeMap<Option<String>, usize>);

/// An OPC package opened for reading.
pub struct Package<R: Read + Seek> {
    archive: ArchiveReader<R>,
    content_types: ContentTypes,
    parts: Vec<Part>,
    index: BTreeMap<String, usize>,
    relationships: Vec<RelationshipSet>,
    /// Where each source's set is in `relationships`, boxed to keep `Package` small.
    relationships_by_source: Box<SourceIndex>,
    what: String,
}

impl<R: Read + Seek> Package<R> {
    /// Opens a package strictly. `what` names it in errors (usually the file name).
    ///
    /// Fails when the ZIP is unsafe (see the ZIP rules in `docs/SECURITY.md`), `[Content_Types].xml` is
    /// missing or malformed, a part has no content type, a name breaks the part-name rules,
    /// a relationship part is malformed or belongs to no part, or an internal relationship
    /// points outside the package or at a missing part.
    pub fn open(reader: R, what: &str, limits: &Limits) -> Result<Self> {
        let mut archive = ArchiveReader::open(reader, what, limits)?;
        let ct_entry = archive
            .entries()
            .iter()
            .find(|e| e.name == CONTENT_TYPES_ITEM)
            .cloned()
            .ok_or_else(|| {
                Error::Opc(format!(
                    "{what}: no [Content_Types].xml (is this an OPC package?)"
                ))
            })?;
        let ct_bytes = archive.read(&ct_entry, limits.max_xml_size)?;
        let content_types = ContentTypes::parse(&ct_bytes, limits)?;

        let mut parts = Vec::new();
        let mut index = BTreeMap::new();
        for entry in archive.entries() {
            if entry.name == CONTENT_TYPES_ITEM {
                continue;
            }
            let name = PartName::from_zip_item(&entry.name)?;
            let content_type = content_types
                .content_type_of(&name)
                .ok_or_else(|| {
                    Error::Opc(format!(
                        "{what}: part {name} has no content type in [Content_Types].xml"
                    ))
                })?
                .to_owned();
            if index.insert(name.key().to_owned(), parts.len()).is_some() {
                return Err(Error::Opc(format!("{what}: two parts are named {name}")));
            }
            parts.push(Part {
                name,
                content_type,
                entry: entry.clone(),
            });
        }
        // A part name must not be a prefix "folder" of another part (OPC §9.1.1.2).
        for p in &parts {
            let folder = format!("{}/", p.name.key());
            if index
                .range(folder.clone()..)
                .next()
                .is_some_and(|(k, _)| k.starts_with(&folder))
            {
                return Err(Error::Opc(format!(
                    "{what}: part {} is also used as a folder",
                    p.name
                )));
            }
        }

        let mut relationships = Vec::new();
        let mut relationships_by_source = Box::<SourceIndex>::default();
        for p in &parts {
            let Some(source) = relationships::source_of_rels_part(&p.name) else {
                continue;
            };
            if p.content_type != RELATIONSHIPS_CONTENT_TYPE {
                return Err(Error::Opc(format!(
                    "{what}: relationship part {} has content type {:?}",
                    p.name, p.content_type
                )));
            }
            if let Some(src) = &source {
                if !index.contains_key(src.key()) {
                    return Err(Error::Opc(format!(
                        "{what}: relationship part {} belongs to missing part {src}",
                        p.name
                    )));
                }
            }
            let bytes = archive.read(&p.entry, limits.max_xml_size)?;
            let rels = Relationships::parse(&bytes, p.name.as_str(), limits)?;
            for r in &rels.items {
                if r.target_mode == TargetMode::Internal {
                    let target = relationships::resolve(source.as_ref(), r).map_err(|e| {
                        Error::Opc(format!("{what}: relationship {} in {}: {e}", r.id, p.name))
                    })?;
                    if !index.contains_key(target.key()) {
                        return Err(Error::Opc(format!(
                            "{what}: relationship {} in {} points at missing part {target}",
                            r.id, p.name
                        )));
                    }
                }
            }
            relationships_by_source
                .0
                .entry(source.as_ref().map(|s| s.key().to_owned()))
                .or_insert(relationships.len());
            relationships.push(RelationshipSet {
                rels_part: p.name.clone(),
                source,
                relationships: rels,
            });
        }
        Ok(Package {
            archive,
            content_types,
            parts,
            index,
            relationships,
            relationships_by_source,
            what: what.to_owned(),
        })
    }

    /// The name given at open time (for messages).
    pub fn what(&self) -> &str {
        &self.what
    }

    /// All parts, in archive order.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// A part by name (names compare case-insensitively).
    pub fn part(&self, name: &PartName) -> Option<&Part> {
        self.index.get(name.key()).and_then(|&i| self.parts.get(i))
    }

    /// The content-type table.
    pub fn content_types(&self) -> &ContentTypes {
        &self.content_types
    }

    /// Every relationship part, parsed.
    pub fn relationship_sets(&self) -> &[RelationshipSet] {
        &self.relationships
    }

    /// The relationships of `source` (`None` = the package), if it has a relationship part.
    pub fn relationships_of(&self, source: Option<&PartName>) -> Option<&RelationshipSet> {
        self.relationships_by_source
            .0
            .get(&source.map(|s| s.key().to_owned()))
            .and_then(|&i| self.relationships.get(i))
    }

    /// Where a stored part's bytes lie in the package file (see
    /// `ArchiveReader::stored_range`); `None` for a deflated part.
    pub fn stored_range(&mut self, part: &Part) -> Result<Option<ByteRange>> {
        self.archive.stored_range(&part.entry)
    }

    /// Streams a part's bytes (its CRC checked at the end).
    pub fn stream_part(&mut self, part: &Part, sink: impl FnMut(&[u8])) -> Result<()> {
        self.archive.stream(&part.entry, sink)
    }

    /// Reads a whole part, refusing one above `max` bytes.
    pub fn read_part(&mut self, part: &Part, max: u64) -> Result<Vec<u8>> {
        self.archive.read(&part.entry, max)
    }

    /// The underlying archive (to copy entries raw when writing a new package).
    pub(crate) fn archive_mut(&mut self) -> &mut ArchiveReader<R> {
        &mut self.archive
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        *self.archive.limits()
    }
}
