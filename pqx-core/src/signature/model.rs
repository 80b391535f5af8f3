//! What a parsed OPC signature says.

use crate::certificate::Certificate;
use crate::digest::DigestAlgorithm;
use crate::opc::PartName;

/// A relationship selector of the OPC RelationshipTransform.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Selector {
    /// `RelationshipReference SourceId="…"`: one relationship by Id.
    Id(String),
    /// `RelationshipsGroupReference SourceType="…"`: every relationship of a type.
    Type(String),
}

/// A transform of a manifest reference. OPC allows exactly these two.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transform {
    /// Inclusive C14N 1.0.
    C14n,
    /// The RelationshipTransform with its selectors.
    Relationships(Vec<Selector>),
}

/// One `Manifest/Reference`: a part (or a selection of relationships) and its digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestReference {
    /// The part referenced.
    pub part: PartName,
    /// The content type named in the URI.
    pub content_type: String,
    /// Transforms, in order.
    pub transforms: Vec<Transform>,
    /// Digest algorithm.
    pub digest: DigestAlgorithm,
    /// `DigestValue` text exactly as written (.NET compares it as a string).
    pub digest_value: String,
}

impl ManifestReference {
    /// The `URI` attribute: `<part name>?ContentType=<content type>`.
    pub fn uri(&self) -> String {
        format!("{}?ContentType={}", self.part, self.content_type)
    }

    /// The relationship selectors when this references relationships (a RelationshipTransform
    /// with at least one selector, as .NET decides), else `None`.
    pub fn selectors(&self) -> Option<&[Selector]> {
        self.transforms.iter().find_map(|t| match t {
            Transform::Relationships(s) if !s.is_empty() => Some(s.as_slice()),
            _ => None,
        })
    }

    /// Whether the part's bytes are canonicalized (C14N transform) before digesting.
    pub fn canonicalizes(&self) -> bool {
        self.transforms.contains(&Transform::C14n)
    }
}

/// A signature part, parsed and checked for structure, ready to verify.
#[derive(Clone, Debug)]
pub struct ParsedSignature {
    /// The `Signature/@Id`, if any.
    pub id: Option<String>,
    /// Canonical form of `SignedInfo` (what the SignatureValue signs).
    pub signed_info_c14n: String,
    /// Digest of the RSA signature method.
    pub signature_method: DigestAlgorithm,
    /// The decoded `SignatureValue`.
    pub signature_value: Vec<u8>,
    /// Digest algorithm of the package-object reference.
    pub object_digest_method: DigestAlgorithm,
    /// The decoded digest value of the package-object reference.
    pub object_digest_value: Vec<u8>,
    /// Canonical form of the package `Object`.
    pub object_c14n: String,
    /// The manifest references, in order.
    pub references: Vec<ManifestReference>,
    /// `SignatureTime` as written: (Format, Value).
    pub signing_time_text: (String, String),
    /// The parsed signing time (claimed by the signer, not proven).
    pub signing_time: time::OffsetDateTime,
    /// Certificates from `KeyInfo/X509Data`, in document order.
    pub key_info_certificates: Vec<Certificate>,
    /// The RFC 3161 token of the unreferenced XAdES timestamp Object, when there is one.
    pub timestamp: Option<EmbeddedTimestamp>,
}

/// XAdES 1.3.2 namespace (ETSI TS 101 903), whose `SignatureTimeStamp` element pqx borrows to
/// embed a timestamp.
pub const XADES_NS: &str = "http://uri.etsi.org/01903/v1.3.2#";
/// The `Encoding` of a DER `EncapsulatedTimeStamp` (XAdES; the default when absent).
pub const XADES_DER_ENCODING: &str = "http://uri.etsi.org/01903/v1.2.2#DER";
/// `Id` of the timestamp Object pqx writes.
pub const TIMESTAMP_OBJECT_ID: &str = "idTimestampObject";
/// `Id` of the `SignatureTimeStamp` element pqx writes.
pub const SIGNATURE_TIMESTAMP_ID: &str = "idSignatureTimeStamp";

/// An RFC 3161 time-stamp token embedded XAdES-style in a signature:
/// `Object/xades:QualifyingProperties/xades:UnsignedProperties/
/// xades:UnsignedSignatureProperties/xades:SignatureTimeStamp/xades:EncapsulatedTimeStamp`.
///
/// The Object is *not* referenced by SignedInfo (the token is made after the SignatureValue,
/// over it), so adding it leaves the signature valid and verifiers that do not know
/// timestamps (.NET's) still accept the signature. What is in it proves itself: the token is
/// a CMS signature by the TSA over the hash of the SignatureValue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmbeddedTimestamp {
    /// The `Id` of the Object holding it.
    pub object_id: String,
    /// The DER `TimeStampToken` (a CMS ContentInfo), decoded from base64.
    pub token: Vec<u8>,
}
