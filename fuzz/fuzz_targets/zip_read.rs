//! ZIP reading: `ArchiveReader::open` over arbitrary bytes, then every entry streamed (size,
//! CRC-32 and compression-ratio checks included). Must never panic, hang or over-allocate.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use pqx_core::archive::ArchiveReader;
use pqx_core::limits::Limits;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let Ok(mut archive) = ArchiveReader::open(Cursor::new(data), "fuzz", &limits) else {
        return;
    };
    let entries = archive.entries().to_vec();
    for entry in &entries {
        let _ = archive.find(&entry.name);
        let mut total = 0usize;
        let _ = archive.stream(entry, |chunk| total = total.saturating_add(chunk.len()));
        let _ = archive.read(entry, 1 << 20);
    }
});
