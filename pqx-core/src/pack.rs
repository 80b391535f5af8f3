//! Packing a `.mez` into an unsigned `.pqx` (an OPC package).
//!
//! Layout (see docs/FORMAT.md): `[Content_Types].xml` first, then one part per connector file
//! in the `.mez`'s order, named after the file (percent-encoded where OPC requires). Pack adds
//! no package relationships: `/_rels/.rels` appears when the package is signed and then holds
//! the signature-origin relationship. Output is deterministic: the same `.mez` gives the same
//! bytes (fixed timestamps, fixed compression, no random names).

use crate::archive::ArchiveWriter;
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::mez::Mez;
use crate::opc::content_types::CONTENT_TYPES_ITEM;
use crate::opc::relationships::RELATIONSHIPS_CONTENT_TYPE;
use crate::opc::{ContentTypes, PartName};
use std::collections::HashSet;
use std::io::{Read, Seek, Write};

/// Content type pqx gives a connector file, by extension: `image/png` for icons,
/// `application/octet-stream` for everything else (M text, modules, resources). Only the
/// relationship and signature content types change how OPC digests a part; for all others
/// the raw bytes are signed, so these values only need to be stable.
pub fn content_type_for(part: &PartName) -> &'static str {
    match part.extension().map(str::to_ascii_lowercase).as_deref() {
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

/// Packs `mez` into an unsigned OPC package written to `out`.
pub fn pack<R: Read + Seek, W: Write + Seek>(mez: &mut Mez<R>, out: W) -> Result<W> {
    let files = mez.entries().to_vec();
    let mut content_types = ContentTypes::new();
    // Every OPC writer declares relationship parts up front; a signer that adds
    // `/_rels/.rels` later (pqx, .NET, other tools) then needs no new content type.
    content_types.add_default("rels", RELATIONSHIPS_CONTENT_TYPE);
    let mut names = Vec::with_capacity(files.len());
    let mut seen = HashSet::new();
    for f in &files {
        let part = PartName::from_file_name(&f.name)?;
        if !seen.insert(part.key().to_owned()) {
            return Err(Error::Mez(format!(
                "two files map to the same part name {part}"
            )));
        }
        content_types.assign(&part, content_type_for(&part));
        names.push(part);
    }
    let mut w = ArchiveWriter::new(out);
    w.add(CONTENT_TYPES_ITEM, content_types.to_xml().as_bytes())?;
    for (f, part) in files.iter().zip(&names) {
        w.start(part.zip_item(), f.size)?;
        mez.try_stream(f, |chunk| {
            let written = w.write_all(chunk);
            written.map_err(|e| w.failure(format!("writing {part}"), e))
        })?;
    }
    w.finish()
}

/// Convenience: packs the `.mez` bytes in `mez` into a new in-memory `.pqx`.
pub fn pack_bytes(mez: &[u8], what: &str, limits: &Limits) -> Result<Vec<u8>> {
    let mut m = Mez::open(std::io::Cursor::new(mez), what, limits)?;
    Ok(pack(&mut m, std::io::Cursor::new(Vec::new()))?.into_inner())
}
