//! XML: secure parsing and inclusive canonicalization (C14N 1.0).
//!
//! Every XML part pqx reads (`[Content_Types].xml`, relationships, signatures) goes through
//! [`decode_text`] and [`parse`], which refuse DTDs and bound size and depth. Signatures
//! are computed over canonical forms produced by [`canonicalize`] (a same-document
//! subtree, as XML-DSig does for `SignedInfo` and `#idPackageObject`) and
//! [`canonicalize_document`] (a whole part, as OPC's C14N transform does).

pub(crate) mod c14n;
pub(crate) mod escape;
mod qname;
pub(crate) mod secure;

pub use c14n::{canonicalize, canonicalize_document};
pub use secure::{decode_text, parse};
