//! A progress bar on standard error for large files.
//!
//! pqx-core streams packages through any `Read + Seek`, so progress is measured where the
//! bytes are read: [`Progress::open`] wraps the input file in a reader that advances the bar.
//! The bar counts each byte of the file once, however often it is read: signing reads a
//! deflated part's compressed bytes twice (inflated for the digest, then copied raw), the
//! connector check re-reads text files, and the ZIP checks re-read headers. Counting every
//! read made the bar end near twice the package's size; counting the distinct bytes read
//! makes it end at the size, as every command reads every byte at least once.
//! The bar is drawn only when the file is larger than [`THRESHOLD`], standard error is a
//! terminal and the command is not quiet; otherwise it is hidden and costs nothing.

use crate::failure::Failure;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, IsTerminal, Read, Seek, SeekFrom};
use std::path::Path;

/// Files above this size get a progress bar: 4 MiB.
pub const THRESHOLD: u64 = 4 << 20;

/// Whether to draw a bar for a file of `size` bytes.
pub fn wanted(size: u64, quiet: bool, stderr_is_terminal: bool) -> bool {
    !quiet && stderr_is_terminal && size > THRESHOLD
}

/// A progress bar over the bytes read from one input file.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// Opens `path` for reading through the bar, whose end is the file's size: verify, sign
    /// and pack read every byte of the file, and the bar counts each byte once (see the
    /// module documentation). `label` says what the command is doing.
    pub fn open(
        path: &Path,
        label: &str,
        quiet: bool,
    ) -> Result<(Self, Counted<BufReader<File>>), Failure> {
        let file = crate::paths::open_input(path)?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let bar = if wanted(size, quiet, std::io::stderr().is_terminal()) {
            let bar = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
            )
            .map(|s| s.progress_chars("=> "));
            if let Ok(style) = style {
                bar.set_style(style);
            }
            bar.set_message(format!("{label} {}", path.display()));
            bar
        } else {
            ProgressBar::hidden()
        };
        let reader = Counted::new(BufReader::new(file), bar.clone());
        Ok((Progress { bar }, reader))
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// A reader that advances a progress bar by the distinct bytes of its input it has read.
pub struct Counted<R> {
    inner: R,
    bar: ProgressBar,
    /// Offset of the next byte `inner` reads.
    pos: u64,
    read: Coverage,
}

impl<R> Counted<R> {
    fn new(inner: R, bar: ProgressBar) -> Self {
        Counted {
            inner,
            bar,
            pos: 0,
            read: Coverage::default(),
        }
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let end = self.pos.saturating_add(n as u64);
        self.bar.inc(self.read.add(self.pos, end));
        self.pos = end;
        Ok(n)
    }
}

impl<R: Seek> Seek for Counted<R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.pos = self.inner.seek(pos)?;
        Ok(self.pos)
    }
}

/// The byte ranges read so far, merged: disjoint `start → end` intervals. Reads are mostly
/// sequential, so the map stays a handful of intervals.
#[derive(Default)]
struct Coverage {
    ranges: BTreeMap<u64, u64>,
}

impl Coverage {
    /// Marks `[start, end)` as read; returns how many of its bytes were not read before.
    fn add(&mut self, start: u64, end: u64) -> u64 {
        if end <= start {
            return 0;
        }
        let (mut lo, mut hi) = (start, end);
        if let Some((&s, &e)) = self.ranges.range(..=start).next_back() {
            if e >= start {
                lo = s;
            }
        }
        let touching: Vec<(u64, u64)> = self.ranges.range(lo..=hi).map(|(&s, &e)| (s, e)).collect();
        let mut before = 0;
        for (s, e) in touching {
            self.ranges.remove(&s);
            before += e - s;
            hi = hi.max(e);
        }
        self.ranges.insert(lo, hi);
        (hi - lo) - before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_only_for_large_files_on_a_terminal_when_not_quiet() {
        assert!(wanted(THRESHOLD + 1, false, true));
        assert!(!wanted(THRESHOLD, false, true));
        assert!(!wanted(THRESHOLD + 1, true, true));
        assert!(!wanted(THRESHOLD + 1, false, false));
    }

    #[test]
    fn counts_each_byte_once_however_often_it_is_read() {
        let bar = ProgressBar::hidden();
        let mut r = Counted::new(std::io::Cursor::new(vec![0u8; 1000]), bar.clone());
        r.seek(SeekFrom::Start(500)).unwrap();
        r.read_exact(&mut [0u8; 100]).unwrap();
        assert_eq!(bar.position(), 100);
        r.seek(SeekFrom::Start(550)).unwrap();
        r.read_exact(&mut [0u8; 100]).unwrap();
        assert_eq!(bar.position(), 150);
        r.rewind().unwrap();
        let mut buf = Vec::new();
        r.read_to_end(&mut buf).unwrap();
        r.seek(SeekFrom::Start(0)).unwrap();
        r.read_exact(&mut [0u8; 10]).unwrap();
        assert_eq!(bar.position(), 1000);
    }

    /// Signing a package with a deflated part reads its compressed bytes twice (digest, then
    /// raw copy): the bar still ends at the package's size, not near twice it.
    #[test]
    fn signing_ends_the_bar_at_the_package_size() {
        use pqx_core::test_pki::{TestPki, TestPkiOptions};
        let text: Vec<u8> = (0..200_000u32)
            .flat_map(|i| format!("shared V{i} = {i};\n").into_bytes())
            .collect();
        let mut mez = pqx_core::archive::ArchiveWriter::new(std::io::Cursor::new(Vec::new()));
        mez.add("HelloWorld.pq", b"section HelloWorld; shared A = 1;")
            .unwrap();
        mez.add("res/big.txt", &text).unwrap();
        let mez = mez.finish().unwrap().into_inner();
        let limits = pqx_core::limits::Limits::default();
        let pqx = pqx_core::pack::pack_bytes(&mez, "t.mez", &Default::default()).unwrap();
        let bar = ProgressBar::hidden();
        let reader = Counted::new(std::io::Cursor::new(pqx.clone()), bar.clone());
        let mut package = pqx_core::opc::Package::open(reader, "t.pqx", &limits).unwrap();
        assert!(package.parts().iter().any(|p| p.entry.deflated));
        let key = TestPki::generate(&TestPkiOptions::default())
            .unwrap()
            .signing_key();
        pqx_core::sign::sign_package(
            &mut package,
            &key,
            &Default::default(),
            std::io::Cursor::new(Vec::new()),
        )
        .unwrap();
        assert_eq!(bar.position(), pqx.len() as u64);
    }
}
