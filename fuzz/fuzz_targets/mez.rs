//! `.mez` reading: `Mez::open` + `section_text` + every file read, and `inspect_bytes` (which
//! also handles `.pqx` packages and their signatures) over arbitrary bytes.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use pqx_core::limits::Limits;
use pqx_core::mez::Mez;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    if let Ok(mut mez) = Mez::open(Cursor::new(data), "fuzz", &limits) {
        let _ = mez.connector_name();
        let _ = mez.section_text();
        let entries = mez.entries().to_vec();
        for entry in &entries {
            let _ = mez.read(entry);
        }
    }
    let _ = pqx_core::inspect::inspect_bytes(data, "fuzz", &limits);
});
