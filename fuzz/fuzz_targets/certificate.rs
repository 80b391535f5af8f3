//! Certificate parsing: `Certificate::from_bytes_auto` (DER or PEM, one or a chain) over
//! arbitrary bytes, then every accessor on every certificate found.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pqx_core::certificate::Certificate;

fuzz_target!(|data: &[u8]| {
    let Ok(certs) = Certificate::from_bytes_auto(data) else {
        return;
    };
    for cert in &certs {
        let now = cert.not_before();
        let _ = cert.der();
        let _ = cert.to_pem();
        let _ = cert.subject();
        let _ = cert.issuer();
        let _ = cert.subject_der();
        let _ = cert.issuer_der();
        let _ = cert.serial_hex();
        let _ = cert.thumbprint_sha1();
        let _ = cert.thumbprint_sha256();
        let _ = cert.not_before();
        let _ = cert.not_after();
        let _ = cert.is_valid_at(now);
        let _ = cert.is_ca();
        let _ = cert.basic_constraints();
        let _ = cert.allows_code_signing();
        let _ = cert.rsa_public_key();
        let _ = cert.key_bits();
        let _ = cert.signature_digest();
        let _ = cert.is_self_issued();
        let _ = cert.is_self_signed();
        for other in &certs {
            let _ = cert.is_issued_by(other);
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Certificate::from_pem(text);
        let _ = Certificate::chain_from_pem(text);
    }
    let _ = Certificate::from_der(data);
});
