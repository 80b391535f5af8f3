//! C ABI for pqx-core: the functions declared in `include/pqx.h`.
//!
//! Tools written in C, C++ or any language with a C FFI (.NET P/Invoke, Python ctypes, …)
//! embed pqx through this crate. It is deliberately thin: every `extern "C"` function checks
//! its arguments, calls one pqx-core function and converts the result; no signing,
//! verification or format logic lives here.
//!
//! Conventions shared by every function (see `include/pqx.h`):
//! * the return value is a [`pqx_status`]; `PQX_OK` is success, anything else an error whose
//!   text [`pqx_last_error_message`] gives on the same thread;
//! * out-parameters are written only on success;
//! * opaque handles (`pqx_package`, `pqx_signer`, `pqx_trust_policy`, `pqx_report`) are freed
//!   with their `pqx_*_free`, which accepts NULL;
//! * strings and buffers the library returns are freed with [`pqx_string_free`] and
//!   [`pqx_buffer_free`];
//! * no Rust panic crosses the boundary: it becomes `PQX_PANIC`.

#![allow(non_camel_case_types)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

#[macro_use]
mod panic;
mod args;
mod buffer;
mod callback;
mod certificate;
mod error;
mod package;
mod report;
mod sign;
mod signer;
mod status;
mod string;
mod trust;

pub use buffer::*;
pub use callback::*;
pub use certificate::*;
pub use error::*;
pub use package::*;
pub use report::*;
pub use sign::*;
pub use signer::*;
pub use status::*;
pub use string::*;
pub use trust::*;

/// The version of the pqx library (the crate version, e.g. `"0.1.0"`), so that a host can
/// check at run time which library it loaded. The string is static: do not free it.
#[no_mangle]
pub extern "C" fn pqx_version() -> *const std::ffi::c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
