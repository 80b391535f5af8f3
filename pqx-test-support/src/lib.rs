//! Test-only fixtures shared by the test suites of pqx-core and pqx-cli.
//!
//! Why a crate: the integration tests of two packages need the same machinery, and a module
//! of pqx-core would ship it in the published library. This crate is `publish = false` and
//! only ever a dev-dependency, so it costs the library and its users nothing.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod tsa;
