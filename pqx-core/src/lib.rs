#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod certificate;
pub mod digest;
pub mod error;
pub mod keys;
pub mod limits;
pub mod lint;
pub mod test_pki;
pub mod trust;
pub mod xml;

pub use error::{Error, ErrorKind, Result};
