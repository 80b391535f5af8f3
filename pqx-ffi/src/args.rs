//! Checked conversions of C arguments, so that NULL and invalid UTF-8 become statuses.
//!
//! Each function is `unsafe` because it trusts the one thing C cannot express: that a
//! non-NULL pointer points to what the header says (a NUL-terminated string, `len` readable
//! bytes, a live handle, writable out-storage). Everything that *can* be checked — NULL,
//! UTF-8 — is checked here and reported with the argument's name.

use crate::error::FfiError;
use std::ffi::{c_char, CStr};
use std::mem::MaybeUninit;

/// A required string argument.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn str_arg<'a>(
    p: *const c_char,
    name: &'static str,
) -> Result<&'a str, FfiError> {
    if p.is_null() {
        return Err(FfiError::NullArgument(name));
    }
    // SAFETY: non-NULL, and NUL-terminated by the caller's contract.
    let c = unsafe { CStr::from_ptr(p) };
    c.to_str().map_err(|_| FfiError::InvalidUtf8(name))
}

/// An optional string argument (NULL means "none").
///
/// # Safety
/// As [`str_arg`].
pub(crate) unsafe fn opt_str_arg<'a>(
    p: *const c_char,
    name: &'static str,
) -> Result<Option<&'a str>, FfiError> {
    if p.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded contract.
        unsafe { str_arg(p, name) }.map(Some)
    }
}

/// A byte buffer argument; NULL is allowed only with `len == 0`.
///
/// # Safety
/// `p` is NULL or points to `len` readable bytes that outlive `'a`.
pub(crate) unsafe fn bytes_arg<'a>(
    p: *const u8,
    len: usize,
    name: &'static str,
) -> Result<&'a [u8], FfiError> {
    // SAFETY: the same contract, for `u8` elements.
    unsafe { slice_arg(p, len, name) }
}

/// An array argument of `len` elements; NULL is allowed only with `len == 0`.
///
/// # Safety
/// `p` is NULL or points to `len` initialised `T`s that outlive `'a`.
pub(crate) unsafe fn slice_arg<'a, T>(
    p: *const T,
    len: usize,
    name: &'static str,
) -> Result<&'a [T], FfiError> {
    if p.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(FfiError::NullArgument(name))
        };
    }
    // SAFETY: non-NULL and `len` initialised elements by the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// A handle (or other struct) argument.
///
/// # Safety
/// `p` is NULL or points to a live `T` not mutated elsewhere during `'a`.
pub(crate) unsafe fn ref_arg<'a, T>(p: *const T, name: &'static str) -> Result<&'a T, FfiError> {
    // SAFETY: forwarded contract; `as_ref` handles NULL.
    unsafe { p.as_ref() }.ok_or(FfiError::NullArgument(name))
}

/// A handle argument the function modifies.
///
/// # Safety
/// `p` is NULL or points to a live `T` not accessed elsewhere during `'a`.
pub(crate) unsafe fn mut_arg<'a, T>(p: *mut T, name: &'static str) -> Result<&'a mut T, FfiError> {
    // SAFETY: forwarded contract; `as_mut` handles NULL.
    unsafe { p.as_mut() }.ok_or(FfiError::NullArgument(name))
}

/// An out-parameter, possibly uninitialised; written with `MaybeUninit::write` only once the
/// function has succeeded.
///
/// # Safety
/// `p` is NULL or points to writable storage for a `T`, not accessed elsewhere during `'a`.
pub(crate) unsafe fn out_arg<'a, T>(
    p: *mut T,
    name: &'static str,
) -> Result<&'a mut MaybeUninit<T>, FfiError> {
    // SAFETY: forwarded contract; `MaybeUninit` makes no claim about the current contents.
    unsafe { p.cast::<MaybeUninit<T>>().as_mut() }.ok_or(FfiError::NullArgument(name))
}

/// Looks up `index` in `items`, or a `PQX_INDEX_OUT_OF_RANGE` error naming `what`.
pub(crate) fn at<'a, T>(
    items: &'a [T],
    index: usize,
    what: &'static str,
) -> Result<&'a T, FfiError> {
    items.get(index).ok_or(FfiError::IndexOutOfRange {
        what,
        index,
        len: items.len(),
    })
}

/// Moves `value` to the heap and hands ownership to C as an opaque handle.
pub(crate) fn into_handle<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Takes back and drops a handle created by [`into_handle`]; NULL is a no-op.
///
/// # Safety
/// `p` is NULL or a pointer returned by [`into_handle`] for `T` and not freed before.
pub(crate) unsafe fn free_handle<T>(p: *mut T) {
    if !p.is_null() {
        // SAFETY: `p` came from `Box::into_raw` and ownership returns here exactly once.
        drop(unsafe { Box::from_raw(p) });
    }
}
