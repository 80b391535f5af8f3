#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod algorithm;
// The strict ZIP reader/writer: mechanics, public only under `internals` (fuzz targets, tests).
#[cfg(feature = "internals")]
pub mod archive;
#[cfg(not(feature = "internals"))]
pub(crate) mod archive;
#[cfg(not(target_arch = "wasm32"))]
pub mod atomic;
pub mod audit;
#[cfg(not(target_arch = "wasm32"))]
pub mod bounded_read;
pub mod certificate;
pub mod cms;
pub mod connector;
pub mod digest;
pub mod error;
#[cfg(not(target_arch = "wasm32"))]
pub mod file_identity;
#[cfg(not(target_arch = "wasm32"))]
pub mod files;
pub mod host_digest;
pub mod inspect;
pub mod keys;
pub mod limits;
pub mod lint;
pub mod mez;
pub mod opc;
pub mod pack;
pub(crate) mod parallel_digest;
pub mod policy;
#[cfg(not(target_arch = "wasm32"))]
pub mod project;
mod random;
pub mod report;
pub mod sample;
pub mod sign;
pub mod signature;
#[cfg(any(test, feature = "test-pki"))]
pub mod test_pki;
pub mod text;
pub mod trust;
pub mod verdict;
pub mod verify;
// Secure XML parsing and C14N: mechanics (their signatures carry `roxmltree` types), public
// only under `internals` for pqx's C14N-against-lxml tests and fuzz targets.
#[cfg(feature = "internals")]
pub mod xml;
#[cfg(not(feature = "internals"))]
pub(crate) mod xml;

pub use error::{Error, ErrorKind, Result};
#[cfg(test)]
mod policy_agreement_tests;
