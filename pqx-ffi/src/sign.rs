//! Signing, countersigning and replacing signatures.

use crate::args::{into_handle, out_arg, ref_arg, str_arg};
use crate::buffer::pqx_buffer;
use crate::error::FfiError;
use crate::package::{pqx_package, write_bytes};
use crate::signer::pqx_signer;
use crate::status::pqx_status;
use pqx_core::digest::DigestAlgorithm;
use pqx_core::sign::{sign_bytes, SignMode, SignOptions};
use std::ffi::c_char;

/// What signing does with a package that is already signed. Passed as an `int` to the sign
/// functions.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum pqx_sign_mode {
    /// Sign an unsigned package; countersign a signed one (the existing signatures stay valid
    /// and the new one covers them). MakePQX's `sign`.
    PQX_SIGN_AUTO = 0,
    /// Remove every existing signature, then sign afresh. MakePQX's `sign --replace`.
    PQX_SIGN_REPLACE = 1,
}

/// Digest algorithm of a new signature. Passed as an `int` to the sign functions.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum pqx_digest {
    /// SHA-256: the default, what current MakePQX writes.
    PQX_DIGEST_SHA256 = 0,
    /// SHA-384.
    PQX_DIGEST_SHA384 = 1,
    /// SHA-512.
    PQX_DIGEST_SHA512 = 2,
    /// SHA-1: only for hosts that cannot read anything else; verifiers warn about it.
    PQX_DIGEST_SHA1 = 3,
}

/// Builds core sign options from the two C enum values (ints, so that an undefined value is
/// an error instead of undefined behaviour).
fn options(mode: i32, digest: i32) -> Result<SignOptions, FfiError> {
    let digest = match digest {
        x if x == pqx_digest::PQX_DIGEST_SHA256 as i32 => DigestAlgorithm::Sha256,
        x if x == pqx_digest::PQX_DIGEST_SHA384 as i32 => DigestAlgorithm::Sha384,
        x if x == pqx_digest::PQX_DIGEST_SHA512 as i32 => DigestAlgorithm::Sha512,
        x if x == pqx_digest::PQX_DIGEST_SHA1 as i32 => DigestAlgorithm::Sha1,
        other => return Err(FfiError::InvalidEnum("digest", other)),
    };
    let mode = match mode {
        x if x == pqx_sign_mode::PQX_SIGN_AUTO as i32 => SignMode::Auto,
        x if x == pqx_sign_mode::PQX_SIGN_REPLACE as i32 => SignMode::Replace,
        other => return Err(FfiError::InvalidEnum("mode", other)),
    };
    Ok(SignOptions::with_digest(digest).mode(mode))
}

/// Signs with the arguments of every sign function.
fn sign_package(
    package: &pqx_package,
    signer: &pqx_signer,
    mode: i32,
    digest: i32,
) -> Result<Vec<u8>, FfiError> {
    let bytes = sign_bytes(
        &package.bytes,
        &package.what,
        signer.signer.as_ref(),
        &options(mode, digest)?,
    )?
    .output;
    Ok(bytes)
}

/// Signs `package` (a `pqx_sign_mode`: sign, countersign or replace) with `digest` (a
/// `pqx_digest`) and returns the signed package as a new handle; `package` is unchanged.
/// Refuses keys that fail the signing policy (RSA below 2048 bits, no code-signing EKU,
/// certificate not valid now) with `PQX_SIGNING_POLICY`.
///
/// # Safety
/// `package` and `signer` are NULL or live handles; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_sign(
    package: *const pqx_package,
    signer: *const pqx_signer,
    mode: i32,
    digest: i32,
    out: *mut *mut pqx_package,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (package, signer, out) = unsafe {
            (
                ref_arg(package, "package")?,
                ref_arg(signer, "signer")?,
                out_arg(out, "out")?,
            )
        };
        let signed = sign_package(package, signer, mode, digest)?;
        out.write(into_handle(pqx_package::trusted(
            signed,
            package.what.clone(),
        )));
        Ok(())
    })
}

/// Like `pqx_sign()`, returning the signed package's bytes in a library-owned buffer (free
/// it with `pqx_buffer_free()`).
///
/// # Safety
/// `package` and `signer` are NULL or live handles; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_sign_to_buffer(
    package: *const pqx_package,
    signer: *const pqx_signer,
    mode: i32,
    digest: i32,
    out: *mut pqx_buffer,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (package, signer, out) = unsafe {
            (
                ref_arg(package, "package")?,
                ref_arg(signer, "signer")?,
                out_arg(out, "out")?,
            )
        };
        out.write(pqx_buffer::from_vec(sign_package(
            package, signer, mode, digest,
        )?));
        Ok(())
    })
}

/// Like `pqx_sign()`, writing the signed package to `path` atomically (temporary file +
/// rename): on failure `path` is untouched. `path` may be the file `package` came from.
///
/// # Safety
/// `package` and `signer` are NULL or live handles; `path` is NULL or a NUL-terminated UTF-8
/// string.
#[no_mangle]
pub unsafe extern "C" fn pqx_sign_to_path(
    package: *const pqx_package,
    signer: *const pqx_signer,
    mode: i32,
    digest: i32,
    path: *const c_char,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (package, signer, path) = unsafe {
            (
                ref_arg(package, "package")?,
                ref_arg(signer, "signer")?,
                str_arg(path, "path")?,
            )
        };
        Ok(write_bytes(
            path,
            &sign_package(package, signer, mode, digest)?,
        )?)
    })
}
