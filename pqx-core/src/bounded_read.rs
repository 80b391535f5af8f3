//! Reading a small input file with a size limit checked *before* reading.
//!
//! A leaf module (it knows only I/O and errors) so that every layer — keys, CMS, the CLI —
//! can bound what it reads from a path without depending on the layers above it.

use crate::error::{Error, Result};
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Reads the whole file at `path`, refusing one over `limit` bytes with
/// [`Error::LimitExceeded`] *before* reading it: the size is checked on the file's metadata,
/// and the read stops one byte past the limit in case the file grows or is not a regular file
/// (a pipe, `/dev/zero`). Every small input pqx takes from a path (keys, certificates, CRLs,
/// passwords, `.p7s`) goes through here, so a 3 GiB file is refused at once, without being
/// read or allocated.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let io = |e| Error::io(path.display().to_string(), e);
    let too_big = |size: String| {
        Error::LimitExceeded(format!("{}: {size} bytes (limit {limit})", path.display()))
    };
    let file = File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    if size > limit {
        return Err(too_big(size.to_string()));
    }
    let mut out = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(io)?;
    if out.len() as u64 > limit {
        return Err(too_big(format!("more than {limit}")));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_bounded_refuses_a_huge_file_without_reading_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.pfx");
        // Sparse: no disk, and nothing is allocated for it if the size is checked first.
        File::create(&path).unwrap().set_len(3 << 30).unwrap();
        let e = read_bounded(&path, crate::limits::MAX_KEY_FILE_SIZE).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::LimitExceeded, "{e}");
        assert!(e.to_string().contains("huge.pfx"), "{e}");
    }

    #[test]
    fn read_bounded_reads_up_to_the_limit_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        std::fs::write(&path, b"12345").unwrap();
        assert_eq!(read_bounded(&path, 5).unwrap(), b"12345");
        let e = read_bounded(&path, 4).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::LimitExceeded);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn read_bounded_stops_an_endless_file_at_the_limit() {
        // A character device reports size 0: the read itself must stop.
        let e = read_bounded(Path::new("/dev/zero"), 1024).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::LimitExceeded, "{e}");
    }
}
