//! The one mechanism that keeps Rust panics from crossing the C boundary.
//!
//! Unwinding out of an `extern "C"` function aborts the host process (or is undefined
//! behaviour with older toolchains), so every entry point runs its body inside
//! [`guard`] (via the [`ffi_guard!`] macro for functions that return a status). A panic is
//! caught, its message stored as the thread's last error, and the function returns the
//! [`PanicValue`] of its return type: `PQX_PANIC` for statuses, `""` for static strings, nothing
//! for `void`.

use crate::error::{record_error, set_last_error, FfiError};
use crate::status::pqx_status;
use std::any::Any;
use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// What an entry point returns when its body panicked.
pub(crate) trait PanicValue {
    /// The value returned to C after a caught panic.
    fn panic_value() -> Self;
}

impl PanicValue for pqx_status {
    fn panic_value() -> Self {
        pqx_status::PQX_PANIC
    }
}

impl PanicValue for () {
    fn panic_value() -> Self {}
}

/// Static strings (`pqx_version`, names, the last error) become `""`: callers may print
/// them without a NULL check.
impl PanicValue for *const c_char {
    fn panic_value() -> Self {
        c"".as_ptr()
    }
}

fn panic_text(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("unknown panic payload")
}

/// Runs `body`, turning a panic into `T::panic_value()` and a last-error message.
///
/// `AssertUnwindSafe` is sound here: after a panic nothing the body touched is used again
/// except through the handles the caller passed, and every handle is only mutated through
/// complete assignments of new values (never left half-updated by pqx-core, which does not
/// mutate its inputs).
pub(crate) fn guard<T: PanicValue>(body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(v) => v,
        Err(payload) => {
            set_last_error(format!(
                "internal error (panic in pqx): {}",
                panic_text(payload.as_ref())
            ));
            T::panic_value()
        }
    }
}

/// Runs a fallible body under [`guard`] and converts its result to a status: `PQX_OK` (and a
/// cleared last error) on success, the error's status (and message) otherwise.
pub(crate) fn guard_status(body: impl FnOnce() -> Result<(), FfiError>) -> pqx_status {
    guard(|| record_error(body()))
}

/// Wraps the body of a status-returning entry point: the block must evaluate to
/// `Result<(), FfiError>`. See [`guard_status`].
macro_rules! ffi_guard {
    ($body:block) => {
        $crate::panic::guard_status(|| -> ::std::result::Result<(), $crate::error::FfiError> {
            $body
        })
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::last_error_text;

    #[test]
    fn a_panic_becomes_pqx_panic_with_its_message() {
        let s = guard_status(|| panic!("boom {}", 42));
        assert_eq!(s, pqx_status::PQX_PANIC);
        assert!(
            last_error_text().contains("boom 42"),
            "{}",
            last_error_text()
        );
    }

    #[test]
    fn a_panic_in_a_string_function_gives_an_empty_string() {
        let p: *const c_char = guard(|| panic!("static message"));
        // SAFETY: the panic value is a static NUL-terminated string.
        assert_eq!(unsafe { std::ffi::CStr::from_ptr(p) }, c"");
        assert!(last_error_text().contains("static message"));
    }

    #[test]
    fn success_clears_the_last_error() {
        let _ = guard_status(|| Err(FfiError::NullArgument("x")));
        assert!(!last_error_text().is_empty());
        assert_eq!(guard_status(|| Ok(())), pqx_status::PQX_OK);
        assert_eq!(last_error_text(), "");
    }
}
