//! The one reading of an archive: every byte of the file belongs to exactly one structure.
//!
//! Bytes that one ZIP reader could ignore and another read, and that no signature would
//! cover, are refused: the file must be exactly
//! `[entries (local header, data, data descriptor if flagged)...][central directory]
//! [ZIP64 end record][ZIP64 locator][end record][comment]`, the ZIP64 pair optional.
//! [`end_records`](super::end_records) pins the end, [`central`](super::central) the entries'
//! headers; this module checks that the entries tile the file up to the central directory.

use super::{central, end_records};
use crate::error::{Error, Result};
use std::io::{Read, Seek, SeekFrom};
use zip::ZipArchive;

/// Checks that the archive has exactly one reading (see the module documentation) and
/// leaves the reader at its start.
pub(super) fn check<R: Read + Seek>(reader: &mut R, what: &str) -> Result<()> {
    let io = |e: std::io::Error| Error::zip_caused(format!("{what}: {e}"), e);
    let bad = |m: &str| Error::zip(format!("{what}: {m}"));
    let len = reader.seek(SeekFrom::End(0)).map_err(io)?;
    let cd = end_records::read(reader, len, what)?;
    let mut spans = central::read(reader, &cd, what)?;
    tile(reader, &mut spans, cd.start, what)?;

    // The `zip` crate must see the same archive: no prefix, and its own local/central
    // comparison (duplicate names, overlaps, unlisted local headers) on top of ours.
    reader.rewind().map_err(io)?;
    let mut zip =
        ZipArchive::new(&mut *reader).map_err(|e| Error::zip_caused(format!("{what}: {e}"), e))?;
    if zip.offset() != 0 {
        return Err(bad("bytes before the first entry (a prefixed archive)"));
    }
    if zip.central_directory_start() != cd.start || zip.len() as u64 != cd.entries {
        return Err(bad("the zip crate finds a different central directory"));
    }
    zip.validate_header_consistency()
        .map_err(|e| Error::zip_caused(format!("{what}: {e}"), e))?;
    drop(zip);
    reader.rewind().map_err(io)?;
    Ok(())
}

/// Checks that the entries' spans tile `[0, cd_start)`: no byte before the first entry,
/// between entries or before the central directory, except an entry's data descriptor where
/// it is flagged; no overlaps.
fn tile<R: Read + Seek>(
    reader: &mut R,
    spans: &mut [central::Span],
    cd_start: u64,
    what: &str,
) -> Result<()> {
    let bad = |m: &str| Error::zip(format!("{what}: {m}"));
    spans.sort_unstable_by_key(|s| s.header);
    let mut cursor = 0u64;
    // The entry that ends at `cursor`: the previous one, as everything before it tiled.
    let mut previous: Option<central::Span> = None;
    for span in spans.iter() {
        if span.header != cursor {
            let gap_ok = span.header > cursor
                && is_data_descriptor(reader, previous, cursor, span.header - cursor)?;
            if !gap_ok {
                return Err(bad(if cursor == 0 {
                    "bytes before the first entry"
                } else if span.header < cursor {
                    "overlapping entries"
                } else {
                    "unaccounted bytes between entries"
                }));
            }
        }
        cursor = span.end;
        previous = Some(*span);
    }
    if cursor != cd_start
        && !(cd_start > cursor && is_data_descriptor(reader, previous, cursor, cd_start - cursor)?)
    {
        return Err(bad(if cd_start < cursor {
            "an entry overlaps the central directory"
        } else {
            "unaccounted bytes before the central directory"
        }));
    }
    Ok(())
}

/// Whether the `gap` bytes at `at`, after the entry `previous`, are that entry's data
/// descriptor: the entry is flagged (bit 3) and the gap has a descriptor's size (12 or 20
/// bytes, 16 or 24 with the optional `PK\7\8` signature, which must then be there).
fn is_data_descriptor<R: Read + Seek>(
    reader: &mut R,
    previous: Option<central::Span>,
    at: u64,
    gap: u64,
) -> Result<bool> {
    if !previous.is_some_and(|p| p.descriptor) || !matches!(gap, 12 | 16 | 20 | 24) {
        return Ok(false);
    }
    if matches!(gap, 16 | 24) {
        let mut sig = [0u8; 4];
        reader
            .seek(SeekFrom::Start(at))
            .and_then(|_| reader.read_exact(&mut sig))
            .map_err(|e| Error::zip(e.to_string()))?;
        return Ok(&sig == b"PK\x07\x08");
    }
    Ok(true)
}
