//! Full verification: `verify_bytes` over arbitrary bytes with the default options (no trust
//! anchors, so chains end in `UntrustedRoot`), then every accessor of the result.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pqx_core::verify::{verify_bytes, VerifyOptions};

fuzz_target!(|data: &[u8]| {
    let options = VerifyOptions::default();
    let Ok(verification) = verify_bytes(data, "fuzz", &options) else {
        return;
    };
    let _ = verification.is_valid();
    let _ = verification.is_trusted();
    let _ = format!("{verification:?}");
});
