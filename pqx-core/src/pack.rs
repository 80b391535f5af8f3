//! Packing a `.mez` into an unsigned `.pqx` (an OPC package).
//!
//! Layout (see docs/FORMAT.md): `[Content_Types].xml` first, then one part per connector file
//! in the `.mez`'s order, named after the file (percent-encoded where OPC requires). Pack adds
//! no package relationships: `/_rels/.rels` appears when the package is signed and then holds
//! the signature-origin relationship. Output is deterministic: the same `.mez` gives the same
//! bytes (fixed timestamps, no random names). Each part is deflated, or stored when deflate
//! does not make it smaller (as Info-ZIP does: incompressible parts, icons, empty files),
//! which `ArchiveWriter::add_smaller` decides from the bytes alone.

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

/// Options for packing ([`pack_bytes`], [`crate::files::pack_file`]). [`pack`] itself takes
/// a [`Mez`] that is already open, within the limits it was opened with.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct PackOptions {
    /// Resource limits for reading the `.mez` (default [`Limits::default`]), as
    /// [`crate::verify::VerifyOptions::limits`] and [`crate::sign::SignOptions::limits`].
    pub limits: Limits,
}

impl PackOptions {
    /// Default options with other limits.
    pub fn with_limits(limits: Limits) -> Self {
        PackOptions { limits }
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
        w.add_smaller(part.zip_item(), f.size, &mut |sink| {
            mez.try_stream(f, &mut *sink)
        })?;
    }
    w.finish()
}

/// Convenience: packs the `.mez` bytes in `mez` (`what` names it in errors) into a new
/// in-memory `.pqx`.
pub fn pack_bytes(mez: &[u8], what: &str, options: &PackOptions) -> Result<Vec<u8>> {
    let mut m = Mez::open(std::io::Cursor::new(mez), what, &options.limits)?;
    Ok(pack(&mut m, std::io::Cursor::new(Vec::new()))?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::{ArchiveReader, ArchiveWriter};
    use std::io::Cursor;

    /// Incompressible bytes (xorshift64).
    fn random_bytes(len: usize) -> Vec<u8> {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    fn text(len: usize) -> Vec<u8> {
        b"shared Greeting = \"hello\";\n"
            .iter()
            .copied()
            .cycle()
            .take(len)
            .collect()
    }

    /// Checks `zip` with Info-ZIP `unzip -t` and Python's `zipfile.testzip` (where installed).
    fn other_readers_accept(zip: &[u8]) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.zip");
        std::fs::write(&path, zip).unwrap();
        if let Ok(out) = std::process::Command::new("unzip")
            .arg("-t")
            .arg(&path)
            .output()
        {
            assert!(out.status.success(), "unzip -t: {out:?}");
        }
        let script = "import sys, zipfile\nassert zipfile.ZipFile(sys.argv[1]).testzip() is None";
        if let Ok(out) = std::process::Command::new("python3")
            .args(["-c", script])
            .arg(&path)
            .output()
        {
            assert!(out.status.success(), "python testzip: {out:?}");
        }
    }

    #[test]
    fn stores_a_part_deflate_does_not_shrink_and_deflates_one_it_does() {
        let mut mez = ArchiveWriter::new(Cursor::new(Vec::new()));
        mez.add("HelloWorld.pq", b"section HelloWorld; shared A = 1;")
            .unwrap();
        mez.add("random.bin", &random_bytes(300_000)).unwrap();
        mez.add("text.txt", &text(300_000)).unwrap();
        mez.add("empty.txt", b"").unwrap();
        let mez = mez.finish().unwrap().into_inner();
        let pqx = pack_bytes(&mez, "t.mez", &Default::default()).unwrap();
        assert_eq!(pqx, pack_bytes(&mez, "t.mez", &Default::default()).unwrap());
        let r = ArchiveReader::open(Cursor::new(&pqx), "t.pqx", &Limits::default()).unwrap();
        let deflated = |n: &str| r.find(n).map(|e| e.deflated).unwrap();
        assert!(!deflated("random.bin"), "incompressible part stored");
        assert!(deflated("text.txt"), "compressible part deflated");
        assert!(!deflated("empty.txt"), "empty part stored");
        let random = r.find("random.bin").unwrap();
        assert_eq!(random.compressed_size, random.size);
        other_readers_accept(&pqx);
    }

    /// Parts too big to deflate in memory are measured with a counting deflate first: the
    /// same choice, and the same bytes, as the in-memory path.
    #[test]
    fn big_parts_are_measured_without_holding_them_and_written_alike() {
        for data in [random_bytes(200_000), text(200_000), Vec::new()] {
            let write = |in_memory: u64| {
                let mut w = ArchiveWriter::new(Cursor::new(Vec::new()));
                w.add_smaller_for_test("part.bin", &data, in_memory)
                    .unwrap();
                w.finish().unwrap().into_inner()
            };
            let (small, big) = (write(u64::MAX), write(0));
            assert_eq!(small, big);
            other_readers_accept(&big);
        }
    }
}
