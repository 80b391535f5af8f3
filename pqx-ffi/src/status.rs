//! `pqx_status`: the return value of every fallible function.

use pqx_core::ErrorKind;
use std::ffi::{c_char, CStr};

/// Result of a pqx call. The numbers are stable and part of the ABI: 0 is success, 1–9 are
/// errors of the C boundary itself, 10–23 mirror pqx-core's error kinds one to one (same
/// numbers), 99 is an error kind this build does not know. `pqx_last_error_message()` gives
/// the text of the last error on the calling thread; `pqx_status_name()` a stable short name.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum pqx_status {
    /// Success.
    PQX_OK = 0,
    /// A required pointer argument (handle, string, buffer or out-parameter) was NULL.
    PQX_NULL_ARGUMENT = 1,
    /// A string argument was not valid UTF-8.
    PQX_INVALID_UTF8 = 2,
    /// A string to return contains a NUL byte, so it cannot be a C string.
    PQX_INTERIOR_NUL = 3,
    /// An index argument was past the end (see the matching `*_count` function).
    PQX_INDEX_OUT_OF_RANGE = 4,
    /// `pqx_report_check()`: the package did not verify (the message says why).
    PQX_SIGNATURE_INVALID = 5,
    /// An enum argument (sign mode, digest) had a value the header does not define.
    PQX_INVALID_ENUM = 6,
    /// A bug: pqx panicked. The message has the panic text; please report it.
    PQX_PANIC = 9,
    /// Reading or writing a file failed.
    PQX_IO = 10,
    /// The input is not a ZIP archive, or it is damaged or ambiguous.
    PQX_ZIP = 11,
    /// A `.mez` does not have the layout Power Query expects.
    PQX_MEZ = 12,
    /// The OPC package structure or a part name is broken.
    PQX_OPC = 13,
    /// An XML part is malformed or not allowed (DTD, entities, size, depth).
    PQX_XML = 14,
    /// A signature part does not have the structure OPC / XML-DSig requires.
    PQX_SIGNATURE_FORMAT = 15,
    /// An algorithm pqx does not support (or refuses, like MD5).
    PQX_UNSUPPORTED_ALGORITHM = 16,
    /// A certificate could not be parsed.
    PQX_CERTIFICATE = 17,
    /// A private key could not be read.
    PQX_KEY = 18,
    /// The password of a PKCS#12 file or encrypted key is wrong.
    PQX_WRONG_PASSWORD = 19,
    /// Signing was refused by policy (weak key, no code-signing EKU, expired certificate…).
    PQX_SIGNING_POLICY = 20,
    /// A cryptographic operation failed unexpectedly.
    PQX_CRYPTO = 21,
    /// The request does not make sense (e.g. a path that names no file).
    PQX_INVALID_ARGUMENT = 22,
    /// A resource limit was exceeded (entries, sizes, nesting, chain length…).
    PQX_LIMIT_EXCEEDED = 23,
    /// An RFC 3161 time-stamp could not be obtained or does not verify.
    PQX_TIMESTAMP = 24,
    /// A CMS (PKCS#7) structure is malformed or does not verify.
    PQX_CMS = 25,
    /// An error kind newer than this mapping; the message still describes it.
    PQX_UNKNOWN_ERROR = 99,
}

impl pqx_status {
    /// Every status, for tests and for [`pqx_status_name`].
    pub(crate) fn all() -> [pqx_status; 25] {
        [
            pqx_status::PQX_OK,
            pqx_status::PQX_NULL_ARGUMENT,
            pqx_status::PQX_INVALID_UTF8,
            pqx_status::PQX_INTERIOR_NUL,
            pqx_status::PQX_INDEX_OUT_OF_RANGE,
            pqx_status::PQX_SIGNATURE_INVALID,
            pqx_status::PQX_INVALID_ENUM,
            pqx_status::PQX_PANIC,
            pqx_status::PQX_IO,
            pqx_status::PQX_ZIP,
            pqx_status::PQX_MEZ,
            pqx_status::PQX_OPC,
            pqx_status::PQX_XML,
            pqx_status::PQX_SIGNATURE_FORMAT,
            pqx_status::PQX_UNSUPPORTED_ALGORITHM,
            pqx_status::PQX_CERTIFICATE,
            pqx_status::PQX_KEY,
            pqx_status::PQX_WRONG_PASSWORD,
            pqx_status::PQX_SIGNING_POLICY,
            pqx_status::PQX_CRYPTO,
            pqx_status::PQX_INVALID_ARGUMENT,
            pqx_status::PQX_LIMIT_EXCEEDED,
            pqx_status::PQX_TIMESTAMP,
            pqx_status::PQX_CMS,
            pqx_status::PQX_UNKNOWN_ERROR,
        ]
    }

    /// The one place where core error kinds become C statuses.
    pub(crate) fn from_kind(kind: ErrorKind) -> pqx_status {
        match kind {
            ErrorKind::Io => pqx_status::PQX_IO,
            ErrorKind::Zip => pqx_status::PQX_ZIP,
            ErrorKind::Mez => pqx_status::PQX_MEZ,
            ErrorKind::Opc => pqx_status::PQX_OPC,
            ErrorKind::Xml => pqx_status::PQX_XML,
            ErrorKind::SignatureFormat => pqx_status::PQX_SIGNATURE_FORMAT,
            ErrorKind::UnsupportedAlgorithm => pqx_status::PQX_UNSUPPORTED_ALGORITHM,
            ErrorKind::Certificate => pqx_status::PQX_CERTIFICATE,
            ErrorKind::Key => pqx_status::PQX_KEY,
            ErrorKind::WrongPassword => pqx_status::PQX_WRONG_PASSWORD,
            ErrorKind::SigningPolicy => pqx_status::PQX_SIGNING_POLICY,
            ErrorKind::Crypto => pqx_status::PQX_CRYPTO,
            ErrorKind::InvalidArgument => pqx_status::PQX_INVALID_ARGUMENT,
            ErrorKind::LimitExceeded => pqx_status::PQX_LIMIT_EXCEEDED,
            ErrorKind::Timestamp => pqx_status::PQX_TIMESTAMP,
            ErrorKind::Cms => pqx_status::PQX_CMS,
            _ => pqx_status::PQX_UNKNOWN_ERROR,
        }
    }

    /// The stable short name; for core kinds the same as `ErrorKind::name()`.
    pub(crate) fn name(self) -> &'static CStr {
        match self {
            pqx_status::PQX_OK => c"ok",
            pqx_status::PQX_NULL_ARGUMENT => c"null-argument",
            pqx_status::PQX_INVALID_UTF8 => c"invalid-utf8",
            pqx_status::PQX_INTERIOR_NUL => c"interior-nul",
            pqx_status::PQX_INDEX_OUT_OF_RANGE => c"index-out-of-range",
            pqx_status::PQX_SIGNATURE_INVALID => c"signature-invalid",
            pqx_status::PQX_INVALID_ENUM => c"invalid-enum",
            pqx_status::PQX_PANIC => c"panic",
            pqx_status::PQX_IO => c"io",
            pqx_status::PQX_ZIP => c"zip",
            pqx_status::PQX_MEZ => c"mez",
            pqx_status::PQX_OPC => c"opc",
            pqx_status::PQX_XML => c"xml",
            pqx_status::PQX_SIGNATURE_FORMAT => c"signature-format",
            pqx_status::PQX_UNSUPPORTED_ALGORITHM => c"unsupported-algorithm",
            pqx_status::PQX_CERTIFICATE => c"certificate",
            pqx_status::PQX_KEY => c"key",
            pqx_status::PQX_WRONG_PASSWORD => c"wrong-password",
            pqx_status::PQX_SIGNING_POLICY => c"signing-policy",
            pqx_status::PQX_CRYPTO => c"crypto",
            pqx_status::PQX_INVALID_ARGUMENT => c"invalid-argument",
            pqx_status::PQX_LIMIT_EXCEEDED => c"limit-exceeded",
            pqx_status::PQX_TIMESTAMP => c"timestamp",
            pqx_status::PQX_CMS => c"cms",
            pqx_status::PQX_UNKNOWN_ERROR => c"unknown-error",
        }
    }
}

/// A stable short name for a status (`"ok"`, `"wrong-password"`, …; the core kinds use the
/// same names as pqx's JSON and JavaScript error codes), for logs and for bindings that map
/// statuses to their own error types. Takes an `int` rather than `pqx_status` so that any
/// value a caller passes is defined behaviour: unknown values give `"unknown-status"`. The
/// string is static: do not free it.
#[no_mangle]
pub extern "C" fn pqx_status_name(status: i32) -> *const c_char {
    crate::panic::guard(|| {
        pqx_status::all()
            .into_iter()
            .find(|s| *s as i32 == status)
            .map_or(c"unknown-status", |s| s.name())
            .as_ptr()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_kinds_keep_their_numbers_and_names() {
        // ErrorKind::ALL is the core's one list of kinds: a kind added there without a
        // status here fails this test (it would map to PQX_UNKNOWN_ERROR).
        for k in ErrorKind::ALL {
            let s = pqx_status::from_kind(k);
            assert_eq!(s as i32, k as i32, "{k:?}");
            assert_eq!(s.name().to_str().ok(), Some(k.name()), "{k:?}");
        }
    }

    #[test]
    fn names_are_unique_and_unknown_values_are_safe() {
        let mut names: Vec<_> = pqx_status::all().into_iter().map(|s| s.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), pqx_status::all().len());
        // SAFETY: pqx_status_name returns a static NUL-terminated string.
        let unknown = unsafe { CStr::from_ptr(pqx_status_name(12345)) };
        assert_eq!(unknown, c"unknown-status");
        // SAFETY: as above.
        let ok = unsafe { CStr::from_ptr(pqx_status_name(0)) };
        assert_eq!(ok, c"ok");
    }
}
