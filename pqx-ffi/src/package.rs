//! `pqx_package`: a `.pqx` (OPC package) held in memory, opened, packed or signed.

use crate::args::{at, bytes_arg, free_handle, into_handle, out_arg, ref_arg, str_arg};
use crate::buffer::pqx_buffer;
use crate::error::FfiError;
use crate::status::pqx_status;
use crate::string::into_c_string;
use pqx_core::inspect::{inspect_bytes, Inspection};
use pqx_core::limits::Limits;
use pqx_core::opc::Package;
use pqx_core::Error;
use std::ffi::c_char;
use std::io::{Cursor, Write};
use std::path::Path;
use std::sync::OnceLock;

/// An opened `.pqx` package (signed or not). Opaque; create it with
/// `pqx_package_open_path()`, `pqx_package_open_buffer()`, `pqx_package_pack_*()` or
/// `pqx_sign()`, free it with `pqx_package_free()`. A handle may be read from several threads
/// at once; it is never modified after creation.
pub struct pqx_package {
    /// The package bytes; connectors are small, and holding them keeps every call
    /// independent of the file system.
    pub(crate) bytes: Vec<u8>,
    /// Name shown in messages (file path or `"buffer"`).
    pub(crate) what: String,
    /// Computed on first use by the entry accessors.
    inspection: OnceLock<Inspection>,
}

impl pqx_package {
    /// Wraps bytes already known to be a package (fresh from pack or sign).
    pub(crate) fn trusted(bytes: Vec<u8>, what: String) -> Self {
        pqx_package {
            bytes,
            what,
            inspection: OnceLock::new(),
        }
    }

    /// Checks that `bytes` is a readable OPC package, then wraps it.
    fn open(bytes: Vec<u8>, what: String) -> Result<Self, FfiError> {
        Package::open(Cursor::new(bytes.as_slice()), &what, &Limits::default())?;
        Ok(Self::trusted(bytes, what))
    }

    fn inspection(&self) -> Result<&Inspection, FfiError> {
        if let Some(i) = self.inspection.get() {
            return Ok(i);
        }
        let fresh = inspect_bytes(&self.bytes, &self.what, &Limits::default())?;
        Ok(self.inspection.get_or_init(|| fresh))
    }
}

fn read_file(path: &str) -> Result<Vec<u8>, FfiError> {
    std::fs::read(path).map_err(|e| Error::io(path, e).into())
}

/// Opens the `.pqx` file at `path` (read fully into memory; the file is not kept open).
/// Fails with `PQX_IO`, `PQX_ZIP`, `PQX_OPC`, … when it is not a readable OPC package.
///
/// # Safety
/// `path` is NULL or a NUL-terminated UTF-8 string; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_package_open_path(
    path: *const c_char,
    out: *mut *mut pqx_package,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (path, out) = unsafe { (str_arg(path, "path")?, out_arg(out, "out")?) };
        out.write(into_handle(pqx_package::open(
            read_file(path)?,
            path.to_owned(),
        )?));
        Ok(())
    })
}

/// Opens a `.pqx` held in memory. The bytes are copied: the caller keeps ownership of
/// `data` and may free it as soon as this returns.
///
/// # Safety
/// `data` is NULL (only with `len == 0`) or points to `len` readable bytes; `out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_package_open_buffer(
    data: *const u8,
    len: usize,
    out: *mut *mut pqx_package,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (data, out) = unsafe { (bytes_arg(data, len, "data")?, out_arg(out, "out")?) };
        out.write(into_handle(pqx_package::open(
            data.to_vec(),
            "buffer".to_owned(),
        )?));
        Ok(())
    })
}

/// Packs the connector (`.mez`) at `mez_path` into a new unsigned package, as MakePQX's
/// `pack` does (deterministic output).
///
/// # Safety
/// `mez_path` is NULL or a NUL-terminated UTF-8 string; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_package_pack_path(
    mez_path: *const c_char,
    out: *mut *mut pqx_package,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (path, out) = unsafe { (str_arg(mez_path, "mez_path")?, out_arg(out, "out")?) };
        let packed = pqx_core::pack::pack_bytes(&read_file(path)?, path, &Default::default())?;
        out.write(into_handle(pqx_package::trusted(packed, path.to_owned())));
        Ok(())
    })
}

/// Packs a connector (`.mez`) held in memory into a new unsigned package. The bytes are
/// only read during the call.
///
/// # Safety
/// `data` is NULL (only with `len == 0`) or points to `len` readable bytes; `out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_package_pack_buffer(
    data: *const u8,
    len: usize,
    out: *mut *mut pqx_package,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (data, out) = unsafe { (bytes_arg(data, len, "data")?, out_arg(out, "out")?) };
        let packed = pqx_core::pack::pack_bytes(data, "buffer", &Default::default())?;
        out.write(into_handle(pqx_package::trusted(
            packed,
            "buffer".to_owned(),
        )));
        Ok(())
    })
}

/// Copies the package's bytes into a library-owned buffer (free it with
/// `pqx_buffer_free()`), e.g. to upload it without touching the disk.
///
/// # Safety
/// `package` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_package_to_buffer(
    package: *const pqx_package,
    out: *mut pqx_buffer,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (package, out) = unsafe { (ref_arg(package, "package")?, out_arg(out, "out")?) };
        out.write(pqx_buffer::from_vec(package.bytes.clone()));
        Ok(())
    })
}

/// Writes the package to `path` atomically (temporary file + rename): a failure never leaves
/// a half-written file, and `path` may be the file the package was opened from.
///
/// # Safety
/// `package` is NULL or a live handle; `path` is NULL or a NUL-terminated UTF-8 string.
#[no_mangle]
pub unsafe extern "C" fn pqx_package_write_path(
    package: *const pqx_package,
    path: *const c_char,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (package, path) = unsafe { (ref_arg(package, "package")?, str_arg(path, "path")?) };
        Ok(write_bytes(path, &package.bytes)?)
    })
}

/// Writes `bytes` to `path` through pqx-core's atomic writer.
pub(crate) fn write_bytes(path: &str, bytes: &[u8]) -> pqx_core::Result<()> {
    pqx_core::atomic::write_atomically(Path::new(path), |w| {
        w.write_all(bytes).map_err(|e| Error::io(path, e))
    })
}

/// Number of entries (parts, including OPC and signature machinery) in the package, for
/// `pqx_package_entry_name()`.
///
/// # Safety
/// `package` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_package_entry_count(
    package: *const pqx_package,
    out: *mut usize,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (package, out) = unsafe { (ref_arg(package, "package")?, out_arg(out, "out")?) };
        out.write(package.inspection()?.entries.len());
        Ok(())
    })
}

/// The path of entry `index` inside the connector (`"HelloWorld.pq"`, percent-escapes
/// decoded). Free the string with `pqx_string_free()`.
///
/// # Safety
/// `package` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_package_entry_name(
    package: *const pqx_package,
    index: usize,
    out: *mut *mut c_char,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (package, out) = unsafe { (ref_arg(package, "package")?, out_arg(out, "out")?) };
        let entry = at(&package.inspection()?.entries, index, "entry")?;
        out.write(into_c_string(entry.name.clone())?);
        Ok(())
    })
}

/// Everything `pqx inspect --json` shows about the package — entries with kinds and sizes,
/// section name, version, signers — as a JSON object (camelCase keys). Free the string with
/// `pqx_string_free()`.
///
/// # Safety
/// `package` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_package_inspect_json(
    package: *const pqx_package,
    out: *mut *mut c_char,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (package, out) = unsafe { (ref_arg(package, "package")?, out_arg(out, "out")?) };
        out.write(into_c_string(package.inspection()?.to_json())?);
        Ok(())
    })
}

/// Inspects a `.mez` or `.pqx` held in memory (the format is detected) and returns the same
/// JSON as `pqx_package_inspect_json()`. Free the string with `pqx_string_free()`.
///
/// # Safety
/// `data` is NULL (only with `len == 0`) or points to `len` readable bytes; `out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_inspect_buffer_json(
    data: *const u8,
    len: usize,
    out: *mut *mut c_char,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (data, out) = unsafe { (bytes_arg(data, len, "data")?, out_arg(out, "out")?) };
        let inspection = inspect_bytes(data, "buffer", &Limits::default())?;
        out.write(into_c_string(inspection.to_json())?);
        Ok(())
    })
}

/// The built-in sample connector (HelloWorld, as the Power Query SDK template builds it) as
/// `.mez` bytes, so that demos and tests need no file. Free it with `pqx_buffer_free()`.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_sample_mez(out: *mut pqx_buffer) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contract of this function's `# Safety`.
        let out = unsafe { out_arg(out, "out")? };
        out.write(pqx_buffer::from_vec(pqx_core::sample::hello_world_mez()?));
        Ok(())
    })
}

/// Frees a package handle. NULL is a no-op.
///
/// # Safety
/// `package` is NULL or a handle from this library, not freed before and not in use.
#[no_mangle]
pub unsafe extern "C" fn pqx_package_free(package: *mut pqx_package) {
    // SAFETY: contract above.
    crate::panic::guard(|| unsafe { free_handle(package) })
}
