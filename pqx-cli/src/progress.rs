//! A progress bar on standard error for large files.
//!
//! pqx-core streams packages through any `Read + Seek`, so progress is measured where the
//! bytes are read: [`Progress::open`] wraps the input file in a reader that advances the bar.
//! The bar is drawn only when the file is larger than [`THRESHOLD`], standard error is a
//! terminal and the command is not quiet; otherwise it is hidden and costs nothing.

use crate::failure::Failure;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
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
    /// and pack read the file's bytes once. `label` says what the command is doing.
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
        let reader = Counted {
            inner: BufReader::new(file),
            bar: bar.clone(),
        };
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

/// A reader that advances a progress bar by the bytes read.
pub struct Counted<R> {
    inner: R,
    bar: ProgressBar,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

impl<R: Seek> Seek for Counted<R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
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
    fn counts_the_bytes_read() {
        let bar = ProgressBar::hidden();
        let mut r = Counted {
            inner: std::io::Cursor::new(vec![0u8; 1000]),
            bar: bar.clone(),
        };
        let mut buf = Vec::new();
        r.read_to_end(&mut buf).unwrap();
        r.seek(SeekFrom::Start(0)).unwrap();
        r.read_exact(&mut [0u8; 10]).unwrap();
        assert_eq!(bar.position(), 1010);
    }
}
