//! Errors at the C boundary and the thread-local last error message.
//!
//! C has no exceptions and a status number says too little ("which file? which part?"), so
//! the full message of the last failure is kept per thread, as `errno`/`strerror` and
//! rustls-ffi do. It is per thread so that concurrent callers never see each other's errors.

use crate::status::pqx_status;
use std::cell::RefCell;
use std::ffi::{c_char, CString};

/// Everything an entry point can fail with: a core error, or a misuse of the C ABI.
#[derive(Debug)]
pub(crate) enum FfiError {
    /// An error from pqx-core (carries its own kind and message).
    Core(pqx_core::Error),
    /// The named pointer argument was NULL.
    NullArgument(&'static str),
    /// The named string argument is not UTF-8.
    InvalidUtf8(&'static str),
    /// A string to return contains NUL.
    InteriorNul,
    /// `index` is not below `len`.
    IndexOutOfRange {
        /// What was indexed.
        what: &'static str,
        /// The index given.
        index: usize,
        /// How many there are.
        len: usize,
    },
    /// The named enum argument has an undefined value.
    InvalidEnum(&'static str, i32),
    /// A verification that did not succeed, with its description.
    SignatureInvalid(String),
}

impl From<pqx_core::Error> for FfiError {
    fn from(e: pqx_core::Error) -> Self {
        FfiError::Core(e)
    }
}

impl FfiError {
    /// The status returned to C.
    pub(crate) fn status(&self) -> pqx_status {
        match self {
            FfiError::Core(e) => pqx_status::from_kind(e.kind()),
            FfiError::NullArgument(_) => pqx_status::PQX_NULL_ARGUMENT,
            FfiError::InvalidUtf8(_) => pqx_status::PQX_INVALID_UTF8,
            FfiError::InteriorNul => pqx_status::PQX_INTERIOR_NUL,
            FfiError::IndexOutOfRange { .. } => pqx_status::PQX_INDEX_OUT_OF_RANGE,
            FfiError::InvalidEnum(..) => pqx_status::PQX_INVALID_ENUM,
            FfiError::SignatureInvalid(_) => pqx_status::PQX_SIGNATURE_INVALID,
        }
    }

    /// What to do about it, for `pqx_last_error_hint()`: the core's [`Error::hint`].
    pub(crate) fn hint(&self) -> Option<&'static str> {
        match self {
            FfiError::Core(e) => e.hint(),
            _ => None,
        }
    }

    /// The message stored for `pqx_last_error_message()`.
    pub(crate) fn message(&self) -> String {
        match self {
            FfiError::Core(e) => e.to_string(),
            FfiError::NullArgument(name) => format!("argument `{name}` is NULL"),
            FfiError::InvalidUtf8(name) => format!("argument `{name}` is not valid UTF-8"),
            FfiError::InteriorNul => {
                "the result contains a NUL byte and cannot be returned as a C string".to_owned()
            }
            FfiError::IndexOutOfRange { what, index, len } => {
                format!("{what} index {index} is out of range (there are {len})")
            }
            FfiError::InvalidEnum(name, value) => {
                format!("argument `{name}` has the undefined value {value}")
            }
            FfiError::SignatureInvalid(m) => m.clone(),
        }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
    static LAST_HINT: RefCell<Option<CString>> = const { RefCell::new(None) };
}

/// Stores `message` as this thread's last error (NUL bytes, which a C string cannot hold,
/// are shown as `\0`), with no hint.
pub(crate) fn set_last_error(message: String) {
    set_last_error_with_hint(message, None);
}

/// Stores this thread's last error and its hint.
fn set_last_error_with_hint(message: String, hint: Option<&str>) {
    let c = |s: &str| CString::new(s.replace('\0', "\\0")).unwrap_or_default();
    let (message, hint) = (c(&message), hint.map(c));
    // `try_with`: during thread teardown the slot may be gone; then there is no one to tell.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = Some(message));
    let _ = LAST_HINT.try_with(|slot| *slot.borrow_mut() = hint);
}

/// Turns an entry point's result into its status, recording or clearing the last error.
pub(crate) fn record_error(result: Result<(), FfiError>) -> pqx_status {
    match result {
        Ok(()) => {
            let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = None);
            let _ = LAST_HINT.try_with(|slot| *slot.borrow_mut() = None);
            pqx_status::PQX_OK
        }
        Err(e) => {
            set_last_error_with_hint(e.message(), e.hint());
            e.status()
        }
    }
}

#[cfg(test)]
pub(crate) fn last_error_text() -> String {
    LAST_ERROR.with(|slot| {
        slot.borrow()
            .as_ref()
            .map(|c| c.to_string_lossy().into_owned())
            .unwrap_or_default()
    })
}

/// What the user can do about the last failed pqx call on the calling thread (`"check the
/// path"`, …: the same words the `pqx` command line and the .NET and JavaScript bindings show),
/// or `""` when there is nothing to add or the last call succeeded. Same lifetime rules as
/// [`pqx_last_error_message`]: valid until the next pqx call on this thread; never NULL; do
/// not free.
#[no_mangle]
pub extern "C" fn pqx_last_error_hint() -> *const c_char {
    crate::panic::guard(|| slot_text(&LAST_HINT))
}

/// The message of the last failed pqx call on the calling thread, or `""` when the last
/// status-returning call succeeded. Kept per thread so that concurrent callers never see each
/// other's errors. The pointer is owned by the library and stays valid until the next pqx
/// call on the same thread: copy the text if you need it longer. Never NULL; do not free.
#[no_mangle]
pub extern "C" fn pqx_last_error_message() -> *const c_char {
    crate::panic::guard(|| slot_text(&LAST_ERROR))
}

/// The text a thread-local error slot holds, or `""`; never NULL.
fn slot_text(slot: &'static std::thread::LocalKey<RefCell<Option<CString>>>) -> *const c_char {
    slot.try_with(|s| s.borrow().as_ref().map(|c| c.as_ptr()))
        .ok()
        .flatten()
        .unwrap_or(c"".as_ptr())
}
