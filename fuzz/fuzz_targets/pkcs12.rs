//! PKCS#12 loading: `SigningKey::from_pkcs12` over arbitrary bytes with a fixed password
//! (the seeds are encrypted with it, so mutations reach the decrypted contents).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pqx_core::keys::SigningKey;

fuzz_target!(|data: &[u8]| {
    if let Ok(key) = SigningKey::from_pkcs12(data, "password", "fuzz") {
        let _ = key.key_bits();
        let _ = key.chain().len();
        let _ = key.certificate().subject();
        let _ = format!("{key:?}");
    }
});
