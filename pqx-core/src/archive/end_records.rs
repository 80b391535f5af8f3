//! The records that end a ZIP archive: the end-of-central-directory record and, for ZIP64,
//! the ZIP64 end record and its locator.
//!
//! Readers find the central directory differently: the `zip` crate follows the locator's
//! offset and reads the ZIP64 end record's size field (and so its "extensible data"), Python's
//! `zipfile` reads the 56 bytes just before the locator and ignores both, Info-ZIP trusts the
//! 32-bit fields unless they hold 0xFFFF/0xFFFFFFFF. Each of these readings names the same
//! central directory only when the archive ends with exactly
//! `[central directory][ZIP64 end record (56 bytes)][locator (20 bytes)][end record][comment]`
//! (the ZIP64 pair optional), the locator points at the ZIP64 record just before it, the
//! ZIP64 record has no extensible data, nothing spans disks, and every 32-bit field either
//! equals its ZIP64 value or is the "see ZIP64" sentinel. That is what [`read`] requires.

use crate::error::{Error, Result};
use std::io::{Read, Seek, SeekFrom};

/// End record signature `PK\5\6`.
const EOCD_SIG: &[u8; 4] = b"PK\x05\x06";
/// ZIP64 end record signature `PK\6\6`.
const ZIP64_EOCD_SIG: &[u8; 4] = b"PK\x06\x06";
/// ZIP64 locator signature `PK\6\7`.
const ZIP64_LOCATOR_SIG: &[u8; 4] = b"PK\x06\x07";
/// Fixed size of the end record (before its comment).
const EOCD_LEN: u64 = 22;
/// Size of the ZIP64 locator.
const LOCATOR_LEN: u64 = 20;
/// Size of a ZIP64 end record without extensible data.
const ZIP64_EOCD_LEN: u64 = 56;
/// The value of a ZIP64 end record's size field: the record minus its first 12 bytes.
const ZIP64_EOCD_SIZE_FIELD: u64 = ZIP64_EOCD_LEN - 12;
/// Largest span searched for the end record: the record, the longest possible comment, and
/// the ZIP64 records that may precede it.
const TAIL_SEARCH: u64 = EOCD_LEN + 0xFFFF + LOCATOR_LEN + ZIP64_EOCD_LEN;

/// Where the central directory is, as every reader agrees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct CentralDirectory {
    /// Offset of its first header.
    pub start: u64,
    /// Its size in bytes; it ends where the end records begin.
    pub size: u64,
    /// The number of headers it holds.
    pub entries: u64,
}

/// Little-endian field reader over a record held in memory; a field past the end reads as
/// `None` (the caller reports a truncated record).
struct Fields<'a>(&'a [u8]);

impl Fields<'_> {
    fn u16(&self, at: usize) -> Option<u16> {
        let b = self.0.get(at..at + 2)?;
        Some(u16::from_le_bytes(<[u8; 2]>::try_from(b).ok()?))
    }
    fn u32(&self, at: usize) -> Option<u32> {
        let b = self.0.get(at..at + 4)?;
        Some(u32::from_le_bytes(<[u8; 4]>::try_from(b).ok()?))
    }
    fn u64(&self, at: usize) -> Option<u64> {
        let b = self.0.get(at..at + 8)?;
        Some(u64::from_le_bytes(<[u8; 8]>::try_from(b).ok()?))
    }
    fn sig(&self, at: usize, sig: &[u8; 4]) -> bool {
        self.0.get(at..at + 4) == Some(&sig[..])
    }
}

/// The fields of the record starting at `at` in `bytes` (empty past the end).
fn fields(bytes: &[u8], at: usize) -> Fields<'_> {
    Fields(bytes.get(at..).unwrap_or_default())
}

/// The end record's fields.
struct Eocd {
    disk: u16,
    cd_disk: u16,
    entries_on_disk: u16,
    entries: u16,
    cd_size: u32,
    cd_offset: u32,
}

/// Reads and checks the end records of an archive of `len` bytes; `what` names it in errors.
pub(super) fn read<R: Read + Seek>(
    reader: &mut R,
    len: u64,
    what: &str,
) -> Result<CentralDirectory> {
    let io = |e: std::io::Error| Error::zip_caused(format!("{what}: {e}"), e);
    let bad = |m: &str| Error::zip(format!("{what}: {m}"));
    let tail_start = len.saturating_sub(TAIL_SEARCH);
    reader.seek(SeekFrom::Start(tail_start)).map_err(io)?;
    let mut tail = Vec::new();
    reader
        .take(TAIL_SEARCH)
        .read_to_end(&mut tail)
        .map_err(io)?;
    let at = find_eocd(&tail, tail_start, len).map_err(bad)?;
    let eocd_pos = tail_start + at as u64;
    let f = Fields(tail.get(at..).unwrap_or_default());
    let eocd = Eocd {
        disk: f.u16(4).unwrap_or(u16::MAX),
        cd_disk: f.u16(6).unwrap_or(u16::MAX),
        entries_on_disk: f.u16(8).unwrap_or(0),
        entries: f.u16(10).unwrap_or(0),
        cd_size: f.u32(12).unwrap_or(0),
        cd_offset: f.u32(16).unwrap_or(0),
    };
    let locator_at = at.checked_sub(LOCATOR_LEN as usize);
    let is_zip64 = locator_at.is_some_and(|l| fields(&tail, l).sig(0, ZIP64_LOCATOR_SIG));
    let cd = if is_zip64 {
        read_zip64(&tail, tail_start, at, &eocd).map_err(|m| bad(&m))?
    } else {
        if eocd.disk != 0 || eocd.cd_disk != 0 {
            return Err(bad(
                "the end record names another disk (spanned archives are not supported)",
            ));
        }
        if eocd.entries_on_disk != eocd.entries {
            return Err(bad("the end record's two entry counts differ"));
        }
        let cd = CentralDirectory {
            start: u64::from(eocd.cd_offset),
            size: u64::from(eocd.cd_size),
            entries: u64::from(eocd.entries),
        };
        if cd.start.checked_add(cd.size) != Some(eocd_pos) {
            return Err(bad(
                "the central directory's offset and size do not end where the end record begins \
                 (unaccounted bytes after the central directory, or offsets that lie)",
            ));
        }
        cd
    };
    Ok(cd)
}

/// Finds the one end record that ends the file at `len` (index into `tail`).
fn find_eocd(tail: &[u8], tail_start: u64, len: u64) -> std::result::Result<usize, &'static str> {
    // Every "PK\5\6" in the tail that, read as an end record, ends exactly at the end of the
    // file is a reading some tool may choose: there must be exactly one, and nothing that
    // looks like another end record may hide in its comment. Earlier matches are ordinary
    // entry data.
    let ends_file = |i: usize| -> bool {
        fields(tail, i)
            .u16(20)
            .is_some_and(|cl| tail_start + i as u64 + EOCD_LEN + u64::from(cl) == len)
    };
    let candidates: Vec<usize> = tail
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == EOCD_SIG)
        .map(|(i, _)| i)
        .collect();
    let ending: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&i| ends_file(i))
        .collect();
    match (ending.as_slice(), candidates.last()) {
        ([], None) => Err("no end-of-central-directory record (not a ZIP archive)"),
        ([], Some(_)) => Err("bytes after the end of the central directory"),
        ([one], Some(&last)) if last == *one => Ok(*one),
        _ => Err("several end-of-central-directory records (an archive hidden in the comment?)"),
    }
}

/// Checks the ZIP64 locator and end record that must sit just before the end record at
/// `at`, and their agreement with the end record's 32-bit fields.
fn read_zip64(
    tail: &[u8],
    tail_start: u64,
    at: usize,
    eocd: &Eocd,
) -> std::result::Result<CentralDirectory, String> {
    let locator_at = at - LOCATOR_LEN as usize;
    let loc = fields(tail, locator_at);
    let z64_disk = loc.u32(4).unwrap_or(u32::MAX);
    let z64_offset = loc.u64(8).unwrap_or(u64::MAX);
    let disks = loc.u32(16).unwrap_or(u32::MAX);
    if z64_disk != 0 || disks > 1 {
        return Err(
            "the ZIP64 locator names another disk (spanned archives are not supported)".into(),
        );
    }
    let Some(z64_at) = locator_at.checked_sub(ZIP64_EOCD_LEN as usize) else {
        return Err("the ZIP64 locator is not preceded by a ZIP64 end record".into());
    };
    let z64_pos = tail_start + z64_at as u64;
    if z64_offset != z64_pos {
        return Err(format!(
            "the ZIP64 locator points at byte {z64_offset}, not at the ZIP64 end record just \
             before it (byte {z64_pos}): readers would find different central directories"
        ));
    }
    let z = fields(tail, z64_at);
    if !z.sig(0, ZIP64_EOCD_SIG) {
        return Err("no ZIP64 end record just before the ZIP64 locator".into());
    }
    if z.u64(4) != Some(ZIP64_EOCD_SIZE_FIELD) {
        return Err(format!(
            "the ZIP64 end record declares {} bytes, not {ZIP64_EOCD_SIZE_FIELD}: its extensible \
             data would be read by some readers and skipped by others",
            z.u64(4).unwrap_or(0)
        ));
    }
    let disk = z.u32(16).unwrap_or(u32::MAX);
    let cd_disk = z.u32(20).unwrap_or(u32::MAX);
    let entries_on_disk = z.u64(24).unwrap_or(u64::MAX);
    let entries = z.u64(32).unwrap_or(u64::MAX);
    let cd_size = z.u64(40).unwrap_or(u64::MAX);
    let cd_offset = z.u64(48).unwrap_or(u64::MAX);
    if disk != 0 || cd_disk != 0 {
        return Err(
            "the ZIP64 end record names another disk (spanned archives are not supported)".into(),
        );
    }
    if entries_on_disk != entries {
        return Err("the ZIP64 end record's two entry counts differ".into());
    }
    let agrees16 = |v: u16, wide: u64| v == u16::MAX || u64::from(v) == wide;
    let agrees32 = |v: u32, wide: u64| v == u32::MAX || u64::from(v) == wide;
    if !(agrees16(eocd.disk, 0)
        && agrees16(eocd.cd_disk, 0)
        && agrees16(eocd.entries_on_disk, entries)
        && agrees16(eocd.entries, entries)
        && agrees32(eocd.cd_size, cd_size)
        && agrees32(eocd.cd_offset, cd_offset))
    {
        return Err(
            "the end record's 32-bit fields disagree with the ZIP64 end record (each must equal \
             its ZIP64 value or be 0xFFFF/0xFFFFFFFF)"
                .into(),
        );
    }
    if cd_offset.checked_add(cd_size) != Some(z64_pos) {
        return Err(
            "the central directory's offset and size do not end where the ZIP64 end record \
             begins (unaccounted bytes after the central directory, or offsets that lie)"
                .into(),
        );
    }
    Ok(CentralDirectory {
        start: cd_offset,
        size: cd_size,
        entries,
    })
}
