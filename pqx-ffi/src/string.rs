//! Strings the library hands to the caller.

use crate::error::FfiError;
use std::ffi::{c_char, CString};

/// Hands a Rust string to C as a NUL-terminated, library-owned `char *`.
pub(crate) fn into_c_string(s: String) -> Result<*mut c_char, FfiError> {
    CString::new(s)
        .map(CString::into_raw)
        .map_err(|_| FfiError::InteriorNul)
}

/// Like [`into_c_string`], with `None` becoming NULL.
pub(crate) fn into_opt_c_string(s: Option<String>) -> Result<*mut c_char, FfiError> {
    s.map_or(Ok(std::ptr::null_mut()), into_c_string)
}

/// Frees a string returned by the library (JSON, thumbprints, names…). NULL is a no-op. Do
/// not pass strings you allocated, nor the static strings of `pqx_version()`,
/// `pqx_status_name()` and `pqx_last_error_message()`.
///
/// # Safety
/// `s` is NULL or a string returned through a `char **` out-parameter of this library and
/// not freed before.
#[no_mangle]
pub unsafe extern "C" fn pqx_string_free(s: *mut c_char) {
    crate::panic::guard(|| {
        if !s.is_null() {
            // SAFETY: `s` came from `CString::into_raw` and ownership returns here once.
            drop(unsafe { CString::from_raw(s) });
        }
    })
}
