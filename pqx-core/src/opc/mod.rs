//! The Open Packaging Conventions layer (ECMA-376 Part 2): part names, content types,
//! relationships, the package as a whole, and where its digital-signature parts live.

pub mod content_types;
pub mod package;
pub mod part_name;
pub mod relationships;
pub mod signature_parts;
mod xml_escape;
mod xml_part;

/// The ZIP entry behind a [`Part`] (its sizes, CRC and compression), re-exported because the
/// ZIP reader itself is internal.
pub use crate::archive::Entry as ZipEntry;
pub use content_types::ContentTypes;
pub use package::{Package, Part};
pub use part_name::PartName;
pub use relationships::{Relationship, Relationships, TargetMode};
pub use signature_parts::{SignatureLayout, SignaturePartRef};
pub(crate) use xml_escape::{c14n_attr, c14n_text};
