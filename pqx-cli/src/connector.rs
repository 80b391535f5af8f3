//! The connector files of a `.mez` or `.pqx`: the core's [`pqx_core::connector`], which the
//! CLI, the C ABI and the wasm binding share.

pub use pqx_core::connector::Connector;
