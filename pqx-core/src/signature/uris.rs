//! Namespace and algorithm URIs and fixed Ids of OPC signatures.

/// XML-DSig namespace.
pub const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// OPC digital-signature namespace (SignatureTime, RelationshipReference).
pub const OPC_DSIG_NS: &str = "http://schemas.openxmlformats.org/package/2006/digital-signature";
/// Inclusive C14N 1.0 without comments.
pub const C14N: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
/// Inclusive C14N 1.0 with comments (accepted when the subtree has no comments).
pub const C14N_WITH_COMMENTS: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments";
/// The OPC relationship transform.
pub const RELATIONSHIP_TRANSFORM: &str =
    "http://schemas.openxmlformats.org/package/2006/RelationshipTransform";
/// `Reference/@Type` of the package object reference.
pub const OBJECT_TYPE: &str = "http://www.w3.org/2000/09/xmldsig#Object";
/// Id of the package object.
pub const PACKAGE_OBJECT_ID: &str = "idPackageObject";
/// Id of the signature-time property.
pub const SIGNATURE_TIME_ID: &str = "idSignatureTime";
/// Signature Id that .NET (and pqx) write.
pub const SIGNATURE_ID: &str = "SignatureIdValue";
