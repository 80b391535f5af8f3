//! The central directory and the local headers it points at, read field by field.
//!
//! The `zip` crate, Python's `zipfile`, Info-ZIP and .NET agree on an entry's name, sizes and
//! position only when nothing in its headers leaves room for interpretation. [`read`] walks
//! the central directory itself (the `zip` crate stops after the end record's count, Python
//! reads until the directory's size is used up: both must describe the same headers) and
//! refuses, per entry:
//! - extra fields that do not tile their area exactly, or that repeat an id (one reader takes
//!   the first, another the last);
//! - an Info-ZIP Unicode Path field (0x7075) naming anything but the header's name: the `zip`
//!   crate swaps that name in, Python and .NET do not;
//! - a non-ASCII name without the UTF-8 flag (bit 11): Python decodes it as code page 437,
//!   .NET and the `zip` crate as UTF-8;
//! - a ZIP64 extended-information field (0x0001) that is not exactly the 64-bit values of the
//!   32-bit fields set to 0xFFFFFFFF (in the central directory) or both sizes (in a local
//!   header), or a 0xFFFFFFFF without one: readers map its values to fields differently;
//! - local header fields (name, flags, method, CRC, sizes) disagreeing with the central
//!   directory, sizes left zero only where a data descriptor follows;
//! - a disk number other than 0.
//!
//! Other extra fields (timestamps, Unix and NTFS attributes, Unicode Comment 0x6375,
//! alignment) change no name, size or position and are left alone.

use super::end_records::CentralDirectory;
use crate::error::{Error, Result};
use std::io::{Read, Seek, SeekFrom};

/// Central directory header signature `PK\1\2`.
const CENTRAL_SIG: &[u8; 4] = b"PK\x01\x02";
/// Local header signature `PK\3\4`.
const LOCAL_SIG: &[u8; 4] = b"PK\x03\x04";
/// Fixed part of a central directory header.
const CENTRAL_LEN: usize = 46;
/// Fixed part of a local header.
const LOCAL_LEN: usize = 30;
/// ZIP64 extended information extra field.
const ZIP64_EXTRA: u16 = 0x0001;
/// Info-ZIP Unicode Path extra field.
const UNICODE_PATH_EXTRA: u16 = 0x7075;
/// General-purpose flag: sizes and CRC follow the data in a data descriptor.
const FLAG_DATA_DESCRIPTOR: u16 = 0x0008;
/// General-purpose flag: the name is UTF-8.
const FLAG_UTF8: u16 = 0x0800;

/// The bytes one entry occupies: its local header, its data, and whether a data descriptor
/// may follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    /// Offset of the local header.
    pub header: u64,
    /// One past the last byte of the (compressed) data.
    pub end: u64,
    /// Whether the entry is flagged as followed by a data descriptor.
    pub descriptor: bool,
}

/// Little-endian reads from a header held in memory (`None` past its end).
fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        <[u8; 2]>::try_from(b.get(at..at + 2)?).ok()?,
    ))
}
fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        <[u8; 4]>::try_from(b.get(at..at + 4)?).ok()?,
    ))
}
fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        <[u8; 8]>::try_from(b.get(at..at + 8)?).ok()?,
    ))
}

/// The fields of one header that readers must agree on, sizes already widened through the
/// ZIP64 field.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Header {
    name: Vec<u8>,
    flags: u16,
    method: u16,
    crc: u32,
    compressed: u64,
    uncompressed: u64,
}

/// Reads the central directory `cd` and every local header it names, checking the rules in
/// the module documentation; returns the entries' spans in central-directory order.
pub(super) fn read<R: Read + Seek>(
    reader: &mut R,
    cd: &CentralDirectory,
    what: &str,
) -> Result<Vec<Span>> {
    let io = |e: std::io::Error| Error::zip_caused(format!("{what}: {e}"), e);
    reader.seek(SeekFrom::Start(cd.start)).map_err(io)?;
    let mut dir = Vec::new();
    reader.take(cd.size).read_to_end(&mut dir).map_err(io)?;
    let mut spans = Vec::new();
    let mut names = std::collections::HashSet::new();
    let mut pos = 0usize;
    for index in 0..cd.entries {
        let bad = |m: String| Error::zip(format!("{what}: central directory entry {index}: {m}"));
        let rest = dir.get(pos..).unwrap_or_default();
        let (header, offset, len) = central_header(rest).map_err(bad)?;
        let name = String::from_utf8_lossy(&header.name).into_owned();
        let bad = |m: String| Error::zip(format!("{what}: entry {name:?}: {m}"));
        // Readers keep the first, the last or both of two equal names.
        if !names.insert(header.name.clone()) {
            return Err(bad("duplicate entry name".into()));
        }
        let local = local_header(reader, offset).map_err(bad)?;
        agree(&header, &local).map_err(bad)?;
        spans.push(Span {
            header: offset,
            end: local
                .data_start
                .checked_add(header.compressed)
                .ok_or_else(|| bad("size overflows".into()))?,
            descriptor: header.flags & FLAG_DATA_DESCRIPTOR != 0,
        });
        pos += len;
    }
    if pos != dir.len() {
        return Err(Error::zip(format!(
            "{what}: the central directory holds more than the {} headers the end record counts \
             (readers that go by its size would see more entries)",
            cd.entries
        )));
    }
    Ok(spans)
}

/// Parses the central directory header at the start of `b`: the header, the local header
/// offset and the header's length.
fn central_header(b: &[u8]) -> std::result::Result<(Header, u64, usize), String> {
    let short = || "the central directory ends inside this header (counts that lie?)".to_owned();
    if b.get(..4) != Some(&CENTRAL_SIG[..]) {
        return Err("no central directory header where one should be (counts that lie?)".into());
    }
    let field16 = |at| u16_at(b, at).ok_or_else(short);
    let field32 = |at| u32_at(b, at).ok_or_else(short);
    let flags = field16(8)?;
    let (n, e, m) = (
        usize::from(field16(28)?),
        usize::from(field16(30)?),
        usize::from(field16(32)?),
    );
    let name = b.get(CENTRAL_LEN..CENTRAL_LEN + n).ok_or_else(short)?;
    let extra = b
        .get(CENTRAL_LEN + n..CENTRAL_LEN + n + e)
        .ok_or_else(short)?;
    let len = CENTRAL_LEN + n + e + m;
    if b.len() < len {
        return Err(short());
    }
    if field16(34)? != 0 {
        return Err("the entry starts on another disk (spanned archives are not supported)".into());
    }
    check_name_encoding(name, flags)?;
    let fields = extra_fields(extra)?;
    check_unicode_path(&fields, name)?;
    let (compressed32, uncompressed32, offset32) = (field32(20)?, field32(24)?, field32(42)?);
    // In the central directory the ZIP64 field holds exactly the values whose 32-bit fields
    // are 0xFFFFFFFF, in this order.
    let wanted = [uncompressed32, compressed32, offset32].map(|v| v == u32::MAX);
    let wide = zip64_values(&fields, wanted.iter().filter(|w| **w).count())?;
    let mut next = wide.iter().copied();
    let mut widen = |v: u32, w: bool| {
        if w {
            next.next().unwrap_or(u64::MAX)
        } else {
            u64::from(v)
        }
    };
    let uncompressed = widen(uncompressed32, wanted[0]);
    let compressed = widen(compressed32, wanted[1]);
    let offset = widen(offset32, wanted[2]);
    let header = Header {
        name: name.to_vec(),
        flags,
        method: field16(10)?,
        crc: field32(16)?,
        compressed,
        uncompressed,
    };
    Ok((header, offset, len))
}

/// A local header: its fields, and where its data starts.
struct Local {
    header: Header,
    data_start: u64,
}

/// Reads and parses the local header at `offset`.
fn local_header<R: Read + Seek>(reader: &mut R, offset: u64) -> std::result::Result<Local, String> {
    let mut fixed = [0u8; LOCAL_LEN];
    reader
        .seek(SeekFrom::Start(offset))
        .and_then(|_| reader.read_exact(&mut fixed))
        .map_err(|e| format!("no readable local header at byte {offset} ({e})"))?;
    if fixed.get(..4) != Some(&LOCAL_SIG[..]) {
        return Err(format!("no local header at byte {offset}"));
    }
    let field16 = |at| u16_at(&fixed, at).unwrap_or(0);
    let field32 = |at| u32_at(&fixed, at).unwrap_or(0);
    let (n, e) = (usize::from(field16(26)), usize::from(field16(28)));
    let mut var = vec![0u8; n + e];
    reader
        .read_exact(&mut var)
        .map_err(|e| format!("local header cut short ({e})"))?;
    let (name, extra) = var.split_at(n);
    let flags = field16(6);
    check_name_encoding(name, flags)?;
    let fields = extra_fields(extra)?;
    check_unicode_path(&fields, name)?;
    let (compressed32, uncompressed32) = (field32(18), field32(22));
    // A local ZIP64 field holds both sizes, and then both must be what the entry's readers
    // use whether they look at the 32-bit fields or at the ZIP64 field.
    let (mut uncompressed, mut compressed) = (u64::from(uncompressed32), u64::from(compressed32));
    if let Some(z) = find(&fields, ZIP64_EXTRA) {
        let (Some(u), Some(c), 16) = (u64_at(z, 0), u64_at(z, 8), z.len()) else {
            return Err("local ZIP64 field is not exactly the two sizes".into());
        };
        let agrees = |v32: u32, v64: u64| v32 == u32::MAX || u64::from(v32) == v64;
        if !agrees(uncompressed32, u) || !agrees(compressed32, c) {
            return Err("local header's 32-bit sizes disagree with its ZIP64 field".into());
        }
        (uncompressed, compressed) = (u, c);
    } else if uncompressed32 == u32::MAX || compressed32 == u32::MAX {
        return Err("local header has a 0xFFFFFFFF size and no ZIP64 field".into());
    }
    let data_start = offset + (LOCAL_LEN + n + e) as u64;
    Ok(Local {
        header: Header {
            name: name.to_vec(),
            flags,
            method: field16(8),
            crc: field32(14),
            compressed,
            uncompressed,
        },
        data_start,
    })
}

/// Local and central headers must describe the same entry (streaming readers use the local
/// one, the others the central one). With a data descriptor the local CRC and sizes may be
/// zero.
fn agree(central: &Header, local: &Local) -> std::result::Result<(), String> {
    let l = &local.header;
    if l.name != central.name {
        return Err("local header name differs from the central directory".into());
    }
    if l.flags != central.flags || l.method != central.method {
        return Err("local header flags or method differ from the central directory".into());
    }
    let deferred = central.flags & FLAG_DATA_DESCRIPTOR != 0;
    let same = |lv: u64, cv: u64| lv == cv || (deferred && lv == 0);
    if !same(u64::from(l.crc), u64::from(central.crc))
        || !same(l.compressed, central.compressed)
        || !same(l.uncompressed, central.uncompressed)
    {
        return Err("local header CRC or sizes differ from the central directory".into());
    }
    Ok(())
}

/// Splits an extra-field area into `(id, data)` pairs, refusing one that does not tile the
/// area exactly or repeats an id.
fn extra_fields(mut area: &[u8]) -> std::result::Result<Vec<(u16, &[u8])>, String> {
    let mut fields: Vec<(u16, &[u8])> = Vec::new();
    while !area.is_empty() {
        let (Some(id), Some(len)) = (u16_at(area, 0), u16_at(area, 2)) else {
            return Err("malformed extra field (a truncated field header)".into());
        };
        let Some(data) = area.get(4..4 + usize::from(len)) else {
            return Err(format!(
                "malformed extra field 0x{id:04x} (runs past the extra area)"
            ));
        };
        if fields.iter().any(|(seen, _)| *seen == id) {
            return Err(format!("extra field 0x{id:04x} appears twice"));
        }
        fields.push((id, data));
        area = area.get(4 + usize::from(len)..).unwrap_or_default();
    }
    Ok(fields)
}

fn find<'a>(fields: &[(u16, &'a [u8])], id: u16) -> Option<&'a [u8]> {
    fields.iter().find(|(i, _)| *i == id).map(|(_, d)| *d)
}

/// The `count` 64-bit values of a central directory ZIP64 field, which must hold exactly
/// those (and be absent when none is needed).
fn zip64_values(fields: &[(u16, &[u8])], count: usize) -> std::result::Result<Vec<u64>, String> {
    match find(fields, ZIP64_EXTRA) {
        None if count == 0 => Ok(Vec::new()),
        None => Err("a 0xFFFFFFFF size or offset without a ZIP64 field".into()),
        Some(z) if z.len() != 8 * count => Err(format!(
            "ZIP64 field of {} bytes where the 0xFFFFFFFF fields call for {}",
            z.len(),
            8 * count
        )),
        Some(z) => Ok((0..count).filter_map(|i| u64_at(z, 8 * i)).collect()),
    }
}

/// An Info-ZIP Unicode Path field (version, CRC-32 of the header name, UTF-8 name) may only
/// repeat the header's name.
fn check_unicode_path(fields: &[(u16, &[u8])], name: &[u8]) -> std::result::Result<(), String> {
    match find(fields, UNICODE_PATH_EXTRA) {
        Some(up) if up.get(5..) != Some(name) => Err(format!(
            "its Unicode Path extra field (0x7075) names {:?}, which some readers use instead of \
             the header name",
            String::from_utf8_lossy(up.get(5..).unwrap_or_default())
        )),
        _ => Ok(()),
    }
}

/// A name that is not plain ASCII must be flagged UTF-8, or readers decode it differently.
fn check_name_encoding(name: &[u8], flags: u16) -> std::result::Result<(), String> {
    if !name.is_ascii() && flags & FLAG_UTF8 == 0 {
        return Err(format!(
            "name {:?} is not ASCII and not flagged UTF-8 (Python reads it as code page 437, \
             .NET as UTF-8)",
            String::from_utf8_lossy(name)
        ));
    }
    Ok(())
}
