//! `pqx_signer`: a certificate chain and what signs for it — a loaded private key, or a
//! host's callback (`pqx_signer_from_callback`, see `callback.rs`).

use crate::args::{bytes_arg, free_handle, into_handle, opt_str_arg, out_arg, ref_arg, str_arg};
use crate::error::FfiError;
use crate::status::pqx_status;
use crate::string::into_c_string;
use pqx_core::certificate::Certificate;
use pqx_core::keys::{signer_certificate, Signer, SigningKey};
use std::ffi::c_char;
use std::path::Path;

/// A signer: a certificate chain (signer first) and either a loaded RSA private key or a
/// host's signing callback (`pqx_signer_from_callback()`). Opaque; free it with
/// `pqx_signer_free()`. A loaded key stays in memory until then, so free it as soon as
/// signing is done. May be used from several threads at once (a callback signer then calls
/// its callback concurrently).
pub struct pqx_signer {
    pub(crate) signer: Box<dyn Signer>,
}

impl pqx_signer {
    /// Wraps any core signer: every sign function takes it the same way.
    pub(crate) fn new(signer: Box<dyn Signer>) -> Self {
        pqx_signer { signer }
    }

    /// The signer's certificate (every constructor makes sure there is one).
    fn certificate(&self) -> Result<&Certificate, FfiError> {
        Ok(signer_certificate(self.signer.as_ref())?)
    }
}

fn signer_out(
    out: &mut std::mem::MaybeUninit<*mut pqx_signer>,
    key: SigningKey,
) -> Result<(), FfiError> {
    out.write(into_handle(pqx_signer::new(Box::new(key))));
    Ok(())
}

/// Loads a PKCS#12 (`.pfx`/`.p12`) file: OpenSSL 3's default format and the legacy one
/// (`openssl pkcs12 -legacy`, Windows exports) both work. A wrong password gives
/// `PQX_WRONG_PASSWORD`.
///
/// # Safety
/// `path` and `password` are NULL or NUL-terminated UTF-8 strings; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_signer_load_pkcs12_path(
    path: *const c_char,
    password: *const c_char,
    out: *mut *mut pqx_signer,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (path, password, out) = unsafe {
            (
                str_arg(path, "path")?,
                str_arg(password, "password")?,
                out_arg(out, "out")?,
            )
        };
        signer_out(
            out,
            pqx_core::files::load_pkcs12_file(Path::new(path), password)?,
        )
    })
}

/// Loads a PKCS#12 file held in memory (see `pqx_signer_load_pkcs12_path()`). The bytes are
/// only read during the call.
///
/// # Safety
/// `data` is NULL (only with `len == 0`) or points to `len` readable bytes; `password` is NULL
/// or a NUL-terminated UTF-8 string; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_signer_load_pkcs12_buffer(
    data: *const u8,
    len: usize,
    password: *const c_char,
    out: *mut *mut pqx_signer,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (data, password, out) = unsafe {
            (
                bytes_arg(data, len, "data")?,
                str_arg(password, "password")?,
                out_arg(out, "out")?,
            )
        };
        signer_out(out, SigningKey::from_pkcs12(data, password, "buffer")?)
    })
}

/// Loads a PEM/DER private key (PKCS#8, encrypted PKCS#8 with `key_password`, or PKCS#1) and
/// a PEM certificate chain from two files. `key_password` may be NULL for an unencrypted key.
///
/// # Safety
/// `key_path` and `chain_path` are NULL or NUL-terminated UTF-8 strings; `key_password` is
/// NULL or a NUL-terminated UTF-8 string; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_signer_load_pem_path(
    key_path: *const c_char,
    key_password: *const c_char,
    chain_path: *const c_char,
    out: *mut *mut pqx_signer,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (key_path, key_password, chain_path, out) = unsafe {
            (
                str_arg(key_path, "key_path")?,
                opt_str_arg(key_password, "key_password")?,
                str_arg(chain_path, "chain_path")?,
                out_arg(out, "out")?,
            )
        };
        signer_out(
            out,
            pqx_core::files::load_pem_files(
                Path::new(key_path),
                key_password,
                Path::new(chain_path),
            )?,
        )
    })
}

/// Loads a private key and a PEM certificate chain held in memory (see
/// `pqx_signer_load_pem_path()`). With an empty chain the certificates are looked for in the
/// key bytes (a combined PEM).
///
/// # Safety
/// `key`/`chain` are NULL (only with a zero length) or point to that many readable bytes;
/// `key_password` is NULL or a NUL-terminated UTF-8 string; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_signer_load_pem_buffer(
    key: *const u8,
    key_len: usize,
    key_password: *const c_char,
    chain: *const u8,
    chain_len: usize,
    out: *mut *mut pqx_signer,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (key, key_password, chain, out) = unsafe {
            (
                bytes_arg(key, key_len, "key")?,
                opt_str_arg(key_password, "key_password")?,
                bytes_arg(chain, chain_len, "chain")?,
                out_arg(out, "out")?,
            )
        };
        signer_out(
            out,
            SigningKey::from_pem_parts(key, key_password, chain, "buffer")?,
        )
    })
}

/// SHA-1 thumbprint (40 upper-case hex digits) of the signer's certificate: what Power BI's
/// `TrustedCertificateThumbprints` lists. Free the string with `pqx_string_free()`.
///
/// # Safety
/// `signer` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_signer_thumbprint(
    signer: *const pqx_signer,
    out: *mut *mut c_char,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (signer, out) = unsafe { (ref_arg(signer, "signer")?, out_arg(out, "out")?) };
        out.write(into_c_string(signer.certificate()?.thumbprint_sha1())?);
        Ok(())
    })
}

/// Subject of the signer's certificate in .NET's form (`"CN=…, O=…, C=…"`). Free the string
/// with `pqx_string_free()`.
///
/// # Safety
/// `signer` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_signer_subject(
    signer: *const pqx_signer,
    out: *mut *mut c_char,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (signer, out) = unsafe { (ref_arg(signer, "signer")?, out_arg(out, "out")?) };
        out.write(into_c_string(signer.certificate()?.subject())?);
        Ok(())
    })
}

/// Number of certificates the signature will carry (the signer and its issuers).
///
/// # Safety
/// `signer` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_signer_chain_length(
    signer: *const pqx_signer,
    out: *mut usize,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (signer, out) = unsafe { (ref_arg(signer, "signer")?, out_arg(out, "out")?) };
        out.write(signer.signer.chain().len());
        Ok(())
    })
}

/// Frees a signer handle (and the private key it holds; a callback signer's `user_data` is
/// the host's to free, after this call). NULL is a no-op.
///
/// # Safety
/// `signer` is NULL or a handle from this library, not freed before and not in use.
#[no_mangle]
pub unsafe extern "C" fn pqx_signer_free(signer: *mut pqx_signer) {
    // SAFETY: contract above.
    crate::panic::guard(|| unsafe { free_handle(signer) })
}
