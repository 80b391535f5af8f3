//! The OPC XML digital signature (ECMA-376 Part 2 §13, W3C XML-DSig 1.0): its model, how
//! pqx writes it and how it is parsed with the rules .NET's verifier applies.
//!
//! ```text
//! Signature Id="SignatureIdValue"
//! ├─ SignedInfo ── C14N ─▶ RSA PKCS#1 v1.5 ─▶ SignatureValue
//! │   └─ Reference URI="#idPackageObject" ── digest of C14N(Object)
//! ├─ SignatureValue
//! ├─ KeyInfo/X509Data/X509Certificate*    (signer first, then its chain; unsigned, see key_info)
//! └─ Object Id="idPackageObject"
//!     ├─ Manifest
//!     │   ├─ Reference URI="/part?ContentType=ct"          digest of the part's bytes
//!     │   └─ Reference URI="/_rels/.rels?ContentType=…"    RelationshipTransform + C14N
//!     └─ SignatureProperties/SignatureProperty Id="idSignatureTime"/SignatureTime
//! ```

// How pqx writes and parses the XML: mechanics behind `sign` and `verify`, public only under
// the `internals` feature (fuzz targets and tests reach them; no semver promise).
#[cfg(feature = "internals")]
pub mod build;
#[cfg(not(feature = "internals"))]
pub(crate) mod build;
mod key_info;
pub mod model;
#[cfg(feature = "internals")]
pub mod parse;
#[cfg(not(feature = "internals"))]
pub(crate) mod parse;
pub mod time;
pub mod uris;

pub use model::{ManifestReference, ParsedSignature, Selector, Transform};
