//! Certificate helpers that need no handle.

use crate::args::{bytes_arg, out_arg};
use crate::status::pqx_status;
use crate::string::into_c_string;
use pqx_core::certificate::Certificate;
use std::ffi::c_char;

/// SHA-1 thumbprint (40 upper-case hex digits) of a certificate given as PEM or DER bytes
/// (of a PEM chain, the signer's: the first that is not a CA, else the first): the value to
/// put in Power BI's `TrustedCertificateThumbprints`. Free the string with
/// `pqx_string_free()`.
///
/// # Safety
/// `data` is NULL (only with `len == 0`) or points to `len` readable bytes; `out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_certificate_thumbprint(
    data: *const u8,
    len: usize,
    out: *mut *mut c_char,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (data, out) = unsafe { (bytes_arg(data, len, "data")?, out_arg(out, "out")?) };
        out.write(into_c_string(
            Certificate::signer_from_pem_or_der(data)?.thumbprint_sha1(),
        )?);
        Ok(())
    })
}

/// SHA-256 thumbprint (64 upper-case hex digits) of a certificate given as PEM or DER bytes
/// (chosen as by `pqx_certificate_thumbprint()`), for pinning without SHA-1. Free the string
/// with `pqx_string_free()`.
///
/// # Safety
/// `data` is NULL (only with `len == 0`) or points to `len` readable bytes; `out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_certificate_thumbprint_sha256(
    data: *const u8,
    len: usize,
    out: *mut *mut c_char,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (data, out) = unsafe { (bytes_arg(data, len, "data")?, out_arg(out, "out")?) };
        out.write(into_c_string(
            Certificate::signer_from_pem_or_der(data)?.thumbprint_sha256(),
        )?);
        Ok(())
    })
}
