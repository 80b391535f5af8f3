//! Strict ZIP reading and deterministic ZIP writing, over the `zip` crate.
//!
//! Both `.mez` and `.pqx` files are ZIP archives. A signature is only meaningful if every
//! reader sees the same entries, so the reader refuses archives that readers could interpret
//! differently: duplicate names (also differing only in case, or `/` vs `\`), local headers
//! that disagree with the central directory, overlapping entries, hidden local headers,
//! encrypted entries, unknown compression methods, and entries that exceed the limits. The
//! layout rules (one set of end records, ZIP64 included; headers and extra fields with one
//! meaning) live in the `layout`, `end_records` and `central` submodules. The
//! writer produces the same bytes for the same input: fixed timestamps, fixed options.

mod central;
mod end_records;
mod layout;

use crate::error::{Error, Result};
use crate::limits::Limits;
use std::collections::HashSet;
use std::io::{Read, Seek, Write};
use zip::{CompressionMethod, ZipArchive, ZipWriter};

/// Largest read [`ArchiveReader::stream`] makes: big enough that a system call per chunk
/// does not matter, small enough that the chunk stays in L2 while CRC and digests run over it.
const STREAM_BUFFER: usize = 256 * 1024;

/// One file entry of an archive, as listed by its central directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Index in the central directory.
    pub index: usize,
    /// The item name, exactly as stored (UTF-8).
    pub name: String,
    /// Uncompressed size in bytes.
    pub size: u64,
    /// Compressed size in bytes.
    pub compressed_size: u64,
    /// CRC-32 of the uncompressed bytes.
    pub crc32: u32,
    /// Whether the entry is deflated (else stored).
    pub deflated: bool,
}

/// A range of bytes of the archive file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ByteRange {
    /// Offset of the first byte from the start of the file.
    pub offset: u64,
    /// Number of bytes.
    pub len: u64,
}

/// A ZIP archive opened for strict reading.
pub struct ArchiveReader<R: Read + Seek> {
    zip: ZipArchive<R>,
    entries: Vec<Entry>,
    limits: Limits,
}

impl<R: Read + Seek> ArchiveReader<R> {
    /// Opens and validates an archive. `what` names it in errors (a file name).
    pub fn open(mut reader: R, what: &str, limits: &Limits) -> Result<Self> {
        let zerr = |e: zip::result::ZipError| Error::zip_caused(format!("{what}: {e}"), e);
        layout::check(&mut reader, what)?;
        let mut zip = ZipArchive::new(reader).map_err(zerr)?;
        if zip.len() > limits.max_entries {
            return Err(Error::LimitExceeded(format!(
                "{what}: {} entries (limit {})",
                zip.len(),
                limits.max_entries
            )));
        }
        let mut entries = Vec::with_capacity(zip.len());
        let mut seen = HashSet::new();
        let mut total: u64 = 0;
        for index in 0..zip.len() {
            let f = zip.by_index_raw(index).map_err(zerr)?;
            let name = std::str::from_utf8(f.name_raw())
                .map_err(|_| {
                    Error::zip(format!(
                        "{what}: entry {index} has a name that is not UTF-8"
                    ))
                })?
                .to_owned();
            if name.len() > limits.max_name_len {
                return Err(Error::LimitExceeded(format!(
                    "{what}: entry name longer than {} bytes",
                    limits.max_name_len
                )));
            }
            if name.chars().any(|c| c.is_control()) {
                return Err(Error::zip(format!(
                    "{what}: entry name {name:?} contains a control character"
                )));
            }
            if !seen.insert(name.replace('\\', "/").to_lowercase()) {
                return Err(Error::zip(format!(
                    "{what}: duplicate entry name {name:?} (names are case-insensitive)"
                )));
            }
            if f.encrypted() {
                return Err(Error::zip(format!("{what}: entry {name:?} is encrypted")));
            }
            let deflated = match f.compression() {
                CompressionMethod::Stored => false,
                CompressionMethod::Deflated => true,
                other => {
                    return Err(Error::zip(format!(
                        "{what}: entry {name:?} uses unsupported compression {other:?}"
                    )))
                }
            };
            if f.is_dir() {
                if f.size() != 0 {
                    return Err(Error::zip(format!(
                        "{what}: directory entry {name:?} has data"
                    )));
                }
                continue;
            }
            if f.is_symlink() {
                return Err(Error::zip(format!(
                    "{what}: entry {name:?} is a symbolic link"
                )));
            }
            if f.size() > limits.max_part_size {
                return Err(Error::LimitExceeded(format!(
                    "{what}: entry {name:?} is {} bytes (limit {})",
                    f.size(),
                    limits.max_part_size
                )));
            }
            if deflated
                && f.size() > 1 << 20
                && f.size() / f.compressed_size().max(1) > limits.max_compression_ratio
            {
                return Err(Error::LimitExceeded(format!(
                    "{what}: entry {name:?} has a compression ratio above {}",
                    limits.max_compression_ratio
                )));
            }
            total = total.saturating_add(f.size());
            if total > limits.max_total_size {
                return Err(Error::LimitExceeded(format!(
                    "{what}: more than {} bytes in total",
                    limits.max_total_size
                )));
            }
            entries.push(Entry {
                index,
                name,
                size: f.size(),
                compressed_size: f.compressed_size(),
                crc32: f.crc32(),
                deflated,
            });
        }
        Ok(ArchiveReader {
            zip,
            entries,
            limits: *limits,
        })
    }

    /// The file entries (directories left out), in central-directory order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Finds an entry by exact name.
    pub fn find(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// Where a *stored* entry's bytes lie in the archive (`None` for a deflated one): the
    /// range a host may hash itself ([`crate::host_digest`]). The strict layout check at
    /// open makes this the one range every reader takes the entry's content from.
    pub fn stored_range(&mut self, entry: &Entry) -> Result<Option<ByteRange>> {
        if entry.deflated || entry.compressed_size != entry.size {
            return Ok(None);
        }
        let f = self
            .zip
            .by_index_raw(entry.index)
            .map_err(|e| Error::zip_caused(format!("{}: {e}", entry.name), e))?;
        Ok(f.data_start().map(|offset| ByteRange {
            offset,
            len: entry.size,
        }))
    }

    /// Streams the uncompressed bytes of `entry` to `sink` in chunks, checking the size
    /// and CRC-32 as it goes (a mismatch is an error, never silently accepted).
    pub fn stream(&mut self, entry: &Entry, mut sink: impl FnMut(&[u8])) -> Result<()> {
        self.try_stream(entry, |chunk| {
            sink(chunk);
            Ok(())
        })
    }

    /// [`stream`](Self::stream) with a sink that can fail: its first error stops the read and
    /// is returned.
    pub fn try_stream(
        &mut self,
        entry: &Entry,
        mut sink: impl FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        let what = entry.name.clone();
        let mut f = self
            .zip
            .by_index(entry.index)
            .map_err(|e| Error::zip_caused(format!("{what}: {e}"), e))?;
        // 256 KiB reads for big parts (read → CRC → sink stays in cache), but no bigger than
        // the part needs: a zeroed 256 KiB buffer per part made the memset dominate
        // verifying 10 000 small parts. One byte of slack detects overlong entries.
        let cap = usize::try_from(entry.size.saturating_add(1))
            .unwrap_or(STREAM_BUFFER)
            .clamp(4096, STREAM_BUFFER);
        let mut buf = vec![0u8; cap];
        let mut seen: u64 = 0;
        loop {
            let n = f
                .read(&mut buf)
                .map_err(|e| Error::zip_caused(format!("entry {what:?}: {e}"), e))?;
            if n == 0 {
                break;
            }
            seen = seen.saturating_add(n as u64);
            if seen > entry.size {
                return Err(Error::zip(format!(
                    "entry {what:?} inflates to more than its declared size"
                )));
            }
            sink(buf.get(..n).unwrap_or_default())?;
        }
        if seen != entry.size {
            return Err(Error::zip(format!(
                "entry {what:?} is shorter than its declared size"
            )));
        }
        Ok(())
    }

    /// Reads a whole entry into memory, refusing one larger than `max` bytes (used for XML
    /// parts and small files, never for connector payloads of unknown size).
    pub fn read(&mut self, entry: &Entry, max: u64) -> Result<Vec<u8>> {
        if entry.size > max {
            return Err(Error::LimitExceeded(format!(
                "entry {:?} is {} bytes (limit {max})",
                entry.name, entry.size
            )));
        }
        let mut out = Vec::with_capacity(usize::try_from(entry.size).unwrap_or(0));
        self.stream(entry, |chunk| out.extend_from_slice(chunk))?;
        Ok(out)
    }

    /// Copies `entry` as is (compressed bytes, no re-compression) into `out` under `name`,
    /// with pqx's fixed timestamp.
    pub fn raw_copy_to<W: Write + Seek>(
        &mut self,
        entry: &Entry,
        out: &mut ArchiveWriter<W>,
    ) -> Result<()> {
        let f = self
            .zip
            .by_index_raw(entry.index)
            .map_err(|e| Error::zip_caused(format!("{}: {e}", entry.name), e))?;
        let copied = out.zip.raw_copy_file_touch(f, fixed_time(), Some(0o644));
        copied.map_err(|e| out.failure(format!("copying {}", entry.name), e))
    }

    /// Copies `entry` into `out` under its own name and streams its uncompressed bytes to
    /// `sink`, reading the uncompressed bytes only once where it can.
    ///
    /// Signing needs both the digest of every part and a copy of it: a stored part is
    /// written as stored while its bytes go to `sink` (one read; the size and CRC are checked
    /// as in [`stream`](Self::stream) and the writer computes its own CRC). A deflated part
    /// is streamed (inflated) to `sink`, then its compressed bytes are copied raw: deflating
    /// again would cost far more than re-reading the compressed bytes, which are a fraction
    /// of the part and come from the page cache.
    pub fn copy_streaming<W: Write + Seek>(
        &mut self,
        entry: &Entry,
        out: &mut ArchiveWriter<W>,
        mut sink: impl FnMut(&[u8]),
    ) -> Result<()> {
        if entry.deflated {
            self.stream(entry, sink)?;
            return self.raw_copy_to(entry, out);
        }
        out.start_stored(&entry.name, entry.size)?;
        self.try_stream(entry, |chunk| {
            sink(chunk);
            let written = out.write_all(chunk);
            written.map_err(|e| out.failure(format!("writing {}", entry.name), e))
        })
    }

    /// The limits this reader enforces.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }
}

fn fixed_time() -> zip::DateTime {
    zip::DateTime::default()
}

/// Write buffer of [`ArchiveWriter`]: raw copies and the deflate encoder hand the ZIP
/// writer 8–32 KiB pieces; gathering them saves a system call per piece (signing a 512 MiB
/// package made 65 000 `write` calls with 8 KiB buffers, 512 with this one).
const WRITE_BUFFER: usize = 1 << 20;

/// Parts up to this size are deflated in memory by [`ArchiveWriter::add_smaller`] and the
/// result written if it is smaller; bigger ones are deflated once into a byte counter to
/// decide, then written: memory stays bounded whatever the part's size.
const IN_MEMORY_DEFLATE: u64 = 8 << 20;

/// A source that can stream an entry's bytes to a sink, more than once if asked.
pub type Restream<'a> = dyn FnMut(&mut dyn FnMut(&[u8]) -> Result<()>) -> Result<()> + 'a;

/// Writes ZIP archives deterministically: entries in the order given, DOS time
/// 1980-01-01 00:00:00, no extra fields, deflate at the default level (stored for empty
/// entries, and by [`add_smaller`](Self::add_smaller) whenever deflate does not make the
/// entry smaller).
pub struct ArchiveWriter<W: Write + Seek> {
    zip: ZipWriter<std::io::BufWriter<FirstWriteError<W>>>,
    /// The first error the output gave, shared with the [`FirstWriteError`] sink.
    write_error: std::sync::Arc<std::sync::OnceLock<(std::io::ErrorKind, String)>>,
}

/// The sink under [`ArchiveWriter`]: remembers the first error the output gives (a full
/// disk, a quota) so that the error is reported as an I/O error on the output, not as a
/// malformed archive; afterwards it accepts and drops every write, so that `ZipWriter`'s
/// `Drop` — which finalises the archive the caller is already discarding — does not print
/// "ZipWriter::drop: failed to finalize archive" on standard error.
struct FirstWriteError<W> {
    inner: W,
    error: std::sync::Arc<std::sync::OnceLock<(std::io::ErrorKind, String)>>,
}

impl<W: Write> Write for FirstWriteError<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.error.get().is_some() {
            return Ok(buf.len());
        }
        self.inner.write(buf).inspect_err(|e| self.record(e))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if self.error.get().is_some() {
            return Ok(());
        }
        self.inner.flush().inspect_err(|e| self.record(e))
    }
}

impl<W: Seek> Seek for FirstWriteError<W> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

impl<W> FirstWriteError<W> {
    fn record(&self, e: &std::io::Error) {
        if e.kind() != std::io::ErrorKind::Interrupted {
            let _ = self.error.set((e.kind(), e.to_string()));
        }
    }
}

impl<W: Write + Seek> ArchiveWriter<W> {
    /// Starts an archive.
    pub fn new(out: W) -> Self {
        let write_error = std::sync::Arc::default();
        let sink = FirstWriteError {
            inner: out,
            error: std::sync::Arc::clone(&write_error),
        };
        ArchiveWriter {
            zip: ZipWriter::new(std::io::BufWriter::with_capacity(WRITE_BUFFER, sink)),
            write_error,
        }
    }

    /// The error for a failed `doing`: an [`Error::Io`] on the output when the output gave
    /// an error (disk full, quota; its [`std::io::ErrorKind`] kept), else [`Error::Zip`].
    pub fn failure(&self, doing: String, e: impl std::fmt::Display) -> Error {
        failure(&self.write_error, doing, e)
    }
}

/// See [`ArchiveWriter::failure`].
fn failure(
    write_error: &std::sync::OnceLock<(std::io::ErrorKind, String)>,
    doing: String,
    e: impl std::fmt::Display,
) -> Error {
    match write_error.get() {
        Some((kind, message)) => Error::io(
            format!("the output ({doing})"),
            std::io::Error::new(*kind, message.clone()),
        ),
        None => Error::zip(format!("{doing}: {e}")),
    }
}

impl<W: Write + Seek> ArchiveWriter<W> {
    fn options(size_hint: u64) -> zip::write::SimpleFileOptions {
        zip::write::SimpleFileOptions::default()
            .compression_method(if size_hint == 0 {
                CompressionMethod::Stored
            } else {
                CompressionMethod::Deflated
            })
            .last_modified_time(fixed_time())
            .large_file(size_hint >= u64::from(u32::MAX))
            .unix_permissions(0o644)
    }

    /// Adds an entry from bytes.
    pub fn add(&mut self, name: &str, data: &[u8]) -> Result<()> {
        let started = self.zip.start_file(name, Self::options(data.len() as u64));
        started.map_err(|e| self.failure(format!("writing {name}"), e))?;
        let written = self.zip.write_all(data);
        written.map_err(|e| self.failure(format!("writing {name}"), e))
    }

    /// Adds an entry of `size` bytes, deflated if that makes it smaller and stored otherwise,
    /// as Info-ZIP does: a deflated entry of incompressible bytes is bigger and costs an
    /// inflate on every read (verifying a 512 MiB one took 1.28 × `openssl dgst` instead of
    /// the ≤ 1.15 × of a stored one). `stream` sends the bytes to the sink it is given, and
    /// is called up to twice: parts up to `IN_MEMORY_DEFLATE` (8 MiB) are deflated in memory and
    /// re-read only when stored; bigger parts are deflated into a counter first, then
    /// written (a second deflate when deflating wins), so memory stays bounded. The choice
    /// depends only on the bytes, so output stays deterministic.
    pub fn add_smaller(&mut self, name: &str, size: u64, stream: &mut Restream<'_>) -> Result<()> {
        self.add_smaller_with(name, size, stream, IN_MEMORY_DEFLATE)
    }

    /// [`add_smaller`](Self::add_smaller) of in-memory `data`, deflated in memory only up to
    /// `in_memory` bytes: lets tests take the big-part path with small data.
    #[cfg(test)]
    pub(crate) fn add_smaller_for_test(
        &mut self,
        name: &str,
        data: &[u8],
        in_memory: u64,
    ) -> Result<()> {
        let mut stream = |sink: &mut dyn FnMut(&[u8]) -> Result<()>| sink(data);
        self.add_smaller_with(name, data.len() as u64, &mut stream, in_memory)
    }

    fn add_smaller_with(
        &mut self,
        name: &str,
        size: u64,
        stream: &mut Restream<'_>,
        in_memory: u64,
    ) -> Result<()> {
        let doing = format!("writing {name}");
        // Deflating into memory or a counter touches no output: its errors are the ZIP
        // library's. Writing the entry can hit the output (a full disk): `failure` names that.
        let err = |e: &dyn std::fmt::Display| Error::zip(format!("{doing}: {e}"));
        if size > 0 && size <= in_memory {
            let mut builder =
                zip::write::ZipFileBuilder::new(name, Self::options(size)).map_err(|e| err(&e))?;
            stream(&mut |chunk| builder.write_all(chunk).map_err(|e| err(&e)))?;
            let prepared = builder.finish().map_err(|e| err(&e))?;
            if prepared.compressed_size() < size {
                let added = self.zip.add_prepared_file(prepared);
                return added.map_err(|e| failure(&self.write_error, doing.clone(), e));
            }
        } else if size > 0 {
            let mut counter =
                flate2::write::DeflateEncoder::new(ByteCounter(0), flate2::Compression::default());
            stream(&mut |chunk| counter.write_all(chunk).map_err(|e| err(&e)))?;
            let deflated = counter.finish().map_err(|e| err(&e))?.0;
            if deflated < size {
                self.start(name, size)?;
                return stream(&mut |chunk| {
                    let written = self.zip.write_all(chunk);
                    written.map_err(|e| failure(&self.write_error, doing.clone(), e))
                });
            }
        }
        self.start_stored(name, size)?;
        stream(&mut |chunk| {
            let written = self.zip.write_all(chunk);
            written.map_err(|e| failure(&self.write_error, doing.clone(), e))
        })
    }

    /// Starts an entry whose bytes are then written through [`Write`] on this writer.
    pub fn start(&mut self, name: &str, size_hint: u64) -> Result<()> {
        let started = self.zip.start_file(name, Self::options(size_hint.max(1)));
        started.map_err(|e| self.failure(format!("writing {name}"), e))
    }

    /// Starts a stored (uncompressed) entry of `size` bytes, written through [`Write`]: for
    /// copying a stored part byte for byte while something else reads the same bytes.
    pub fn start_stored(&mut self, name: &str, size: u64) -> Result<()> {
        let options = Self::options(size).compression_method(CompressionMethod::Stored);
        let started = self.zip.start_file(name, options);
        started.map_err(|e| self.failure(format!("writing {name}"), e))
    }

    /// Finishes the archive and returns the underlying writer.
    pub fn finish(self) -> Result<W> {
        let write_error = self.write_error;
        let doing = || "finishing the archive".to_owned();
        let buffered = self
            .zip
            .finish()
            .map_err(|e| failure(&write_error, doing(), e))?;
        match buffered.into_inner() {
            Ok(sink) => Ok(sink.inner),
            Err(e) => Err(failure(&write_error, doing(), e.error())),
        }
    }
}

/// A writer that keeps only the number of bytes written to it.
struct ByteCounter(u64);

impl Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<W: Write + Seek> Write for ArchiveWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.zip.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.zip.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn build(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = ArchiveWriter::new(Cursor::new(Vec::new()));
        for (n, d) in entries {
            w.add(n, d).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn writes_the_same_bytes_twice() {
        let a = build(&[("a.txt", b"hello"), ("b.txt", b"")]);
        assert_eq!(a, build(&[("a.txt", b"hello"), ("b.txt", b"")]));
        let mut r = ArchiveReader::open(Cursor::new(a), "t.zip", &Limits::default()).unwrap();
        let e = r.entries()[0].clone();
        assert_eq!(r.read(&e, 100).unwrap(), b"hello");
    }

    #[test]
    fn rejects_names_differing_only_in_case() {
        let z = build(&[("a.txt", b"1"), ("A.TXT", b"2")]);
        let err = ArchiveReader::open(Cursor::new(z), "t.zip", &Limits::default())
            .err()
            .unwrap();
        assert!(err.to_string().contains("duplicate entry name"), "{err}");
    }

    #[test]
    fn rejects_garbage() {
        assert!(matches!(
            ArchiveReader::open(
                Cursor::new(b"not a zip".to_vec()),
                "t.zip",
                &Limits::default()
            ),
            Err(Error::Zip { .. })
        ));
    }

    #[test]
    fn refuses_oversized_entries() {
        let z = build(&[("a.txt", b"0123456789")]);
        let limits = Limits {
            max_part_size: 5,
            ..Limits::default()
        };
        assert!(matches!(
            ArchiveReader::open(Cursor::new(z), "t.zip", &limits),
            Err(Error::LimitExceeded(_))
        ));
    }

    /// An output that takes `room` bytes, then fails as a full disk does.
    struct TinyDisk {
        data: Cursor<Vec<u8>>,
        room: usize,
    }

    impl Write for TinyDisk {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let left = self.room.saturating_sub(self.data.get_ref().len());
            if left == 0 {
                return Err(std::io::ErrorKind::StorageFull.into());
            }
            let n = buf.len().min(left);
            self.data.write(&buf[..n])
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Seek for TinyDisk {
        fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
            self.data.seek(pos)
        }
    }

    #[test]
    fn a_full_output_is_an_io_error_of_its_kind_not_a_malformed_archive() {
        let mut w = ArchiveWriter::new(TinyDisk {
            data: Cursor::new(Vec::new()),
            room: 100,
        });
        let noise: Vec<u8> = (0..(3 * WRITE_BUFFER as u32))
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let err = w
            .add("big.bin", &noise)
            .and_then(|()| w.finish().map(drop))
            .unwrap_err();
        match &err {
            Error::Io { source, .. } => {
                assert_eq!(source.kind(), std::io::ErrorKind::StorageFull, "{err}")
            }
            other => panic!("expected an I/O error, got {other}"),
        }
    }
}
