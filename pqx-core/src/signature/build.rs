//! Writing a signature part.
//!
//! pqx writes the XML already in canonical form (C14N 1.0): no whitespace, attributes in
//! canonical order, empty elements as start/end pairs. What is signed is then exactly the text
//! of the file (plus the namespace declaration C14N puts on the apex), which keeps the writer
//! simple and lets the build step check itself by re-parsing and re-canonicalizing.

use super::model::{ManifestReference, Selector, Transform};
use super::uris::*;
use crate::certificate::Certificate;
use crate::digest::{b64, DigestAlgorithm};
use crate::error::{Error, Result};
use crate::keys::{sign_verified, Signer};
use crate::limits::Limits;
use crate::opc::{c14n_attr, c14n_text};

/// Everything a new signature says.
#[derive(Debug)]
pub struct SignatureContent<'a> {
    /// The manifest references (digests already computed).
    pub references: &'a [ManifestReference],
    /// Digest algorithm for the package-object reference and the signature method.
    pub digest: DigestAlgorithm,
    /// The SignatureTime value, already formatted for [`super::time::DEFAULT_FORMAT`].
    pub signing_time: &'a str,
    /// Certificates for KeyInfo/X509Data: the signer first.
    pub certificates: &'a [Certificate],
}

fn push_algorithm_element(out: &mut String, name: &str, uri: &str) {
    out.push('<');
    out.push_str(name);
    out.push_str(" Algorithm=\"");
    out.push_str(&c14n_attr(uri));
    out.push_str("\"></");
    out.push_str(name);
    out.push('>');
}

fn manifest_xml(refs: &[ManifestReference]) -> String {
    let uses_opc = refs.iter().any(|r| r.selectors().is_some());
    let mut out = String::from(if uses_opc {
        "<Manifest xmlns:opc=\"http://schemas.openxmlformats.org/package/2006/digital-signature\">"
    } else {
        "<Manifest>"
    });
    for r in refs {
        out.push_str("<Reference URI=\"");
        out.push_str(&c14n_attr(&r.uri()));
        out.push_str("\">");
        if !r.transforms.is_empty() {
            out.push_str("<Transforms>");
            for t in &r.transforms {
                match t {
                    Transform::C14n => push_algorithm_element(&mut out, "Transform", C14N),
                    Transform::Relationships(selectors) => {
                        out.push_str("<Transform Algorithm=\"");
                        out.push_str(RELATIONSHIP_TRANSFORM);
                        out.push_str("\">");
                        for s in selectors {
                            let (el, attr, v) = match s {
                                Selector::Id(v) => ("opc:RelationshipReference", "SourceId", v),
                                Selector::Type(v) => {
                                    ("opc:RelationshipsGroupReference", "SourceType", v)
                                }
                            };
                            out.push_str(&format!("<{el} {attr}=\"{}\"></{el}>", c14n_attr(v)));
                        }
                        out.push_str("</Transform>");
                    }
                }
            }
            out.push_str("</Transforms>");
        }
        push_algorithm_element(&mut out, "DigestMethod", r.digest.uri());
        out.push_str("<DigestValue>");
        out.push_str(&r.digest_value);
        out.push_str("</DigestValue></Reference>");
    }
    out.push_str("</Manifest>");
    out
}

/// The package Object's content (Manifest + SignatureProperties), canonical.
fn object_inner(content: &SignatureContent) -> String {
    let mut out = manifest_xml(content.references);
    out.push_str(&format!(
        "<SignatureProperties><SignatureProperty Id=\"{SIGNATURE_TIME_ID}\" Target=\"#{SIGNATURE_ID}\"><SignatureTime xmlns=\"{OPC_DSIG_NS}\"><Format>{}</Format><Value>{}</Value></SignatureTime></SignatureProperty></SignatureProperties>",
        c14n_text(super::time::DEFAULT_FORMAT),
        c14n_text(content.signing_time)
    ));
    out
}

fn signed_info_inner(digest: DigestAlgorithm, object_digest: &[u8]) -> String {
    let mut out = String::new();
    push_algorithm_element(&mut out, "CanonicalizationMethod", C14N);
    push_algorithm_element(&mut out, "SignatureMethod", digest.rsa_signature_uri());
    out.push_str(&format!(
        "<Reference Type=\"{OBJECT_TYPE}\" URI=\"#{PACKAGE_OBJECT_ID}\">"
    ));
    push_algorithm_element(&mut out, "DigestMethod", digest.uri());
    out.push_str("<DigestValue>");
    out.push_str(&b64(object_digest));
    out.push_str("</DigestValue></Reference>");
    out
}

/// Builds and signs a complete signature part; returns its bytes (UTF-8 XML).
///
/// After building, the XML is parsed back with [`super::parse::parse_signature`] and its
/// canonical SignedInfo and Object compared with what was digested and signed, so a
/// canonicalization slip can never produce a signature that does not verify. The signature
/// value comes from `signer` and is verified with its certificate
/// ([`sign_verified`]) whatever the signer is.
pub fn build_signature(content: &SignatureContent, signer: &dyn Signer) -> Result<Vec<u8>> {
    let inner = object_inner(content);
    let object_c14n =
        format!("<Object xmlns=\"{DSIG_NS}\" Id=\"{PACKAGE_OBJECT_ID}\">{inner}</Object>");
    let object_digest = content.digest.digest(object_c14n.as_bytes());
    let si_inner = signed_info_inner(content.digest, &object_digest);
    let signed_info_c14n = format!("<SignedInfo xmlns=\"{DSIG_NS}\">{si_inner}</SignedInfo>");
    let signature_value = sign_verified(signer, content.digest, signed_info_c14n.as_bytes())?;

    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>");
    xml.push_str(&format!("<Signature xmlns=\"{DSIG_NS}\" Id=\"{SIGNATURE_ID}\"><SignedInfo>{si_inner}</SignedInfo><SignatureValue>{}</SignatureValue>", b64(&signature_value)));
    if !content.certificates.is_empty() {
        xml.push_str("<KeyInfo><X509Data>");
        for c in content.certificates {
            xml.push_str("<X509Certificate>");
            xml.push_str(&b64(c.der()));
            xml.push_str("</X509Certificate>");
        }
        xml.push_str("</X509Data></KeyInfo>");
    }
    xml.push_str(&format!(
        "<Object Id=\"{PACKAGE_OBJECT_ID}\">{inner}</Object></Signature>"
    ));

    let check = super::parse::parse_signature(xml.as_bytes(), "new signature", &Limits::default())?;
    if check.signed_info_c14n != signed_info_c14n || check.object_c14n != object_c14n {
        return Err(Error::Crypto(
            "internal error: the written signature does not canonicalize to what was signed".into(),
        ));
    }
    Ok(xml.into_bytes())
}

/// Adds the XAdES-style timestamp Object holding `token` (a DER RFC 3161 token) to the
/// signature part `xml`, just before `</Signature>`; returns the new bytes.
///
/// Nothing the signature covers changes: SignedInfo does not reference the new Object, and
/// inclusive C14N of SignedInfo and of the package Object depends only on those subtrees and
/// the namespace declarations of their ancestors (the Object declares its `xades` prefix on
/// its own child). That is checked, not assumed: the result is parsed again and its canonical
/// SignedInfo, package Object and SignatureValue must equal the input's, and the token read
/// back must be `token`. The written Object (canonical form, no whitespace):
///
/// ```xml
/// <Object Id="idTimestampObject"><xades:QualifyingProperties
///   xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Target="#SignatureIdValue">
///  <xades:UnsignedProperties><xades:UnsignedSignatureProperties>
///   <xades:SignatureTimeStamp Id="idSignatureTimeStamp">
///    <xades:EncapsulatedTimeStamp>B64(token)</xades:EncapsulatedTimeStamp>
///   </xades:SignatureTimeStamp>
///  </xades:UnsignedSignatureProperties></xades:UnsignedProperties>
/// </xades:QualifyingProperties></Object>
/// ```
/// A signature that already has a timestamp is [`Error::InvalidArgument`].
pub fn add_timestamp(xml: &[u8], token: &[u8], limits: &Limits) -> Result<Vec<u8>> {
    use super::model::{SIGNATURE_TIMESTAMP_ID, TIMESTAMP_OBJECT_ID, XADES_NS};
    let before = super::parse::parse_signature(xml, "signature", limits)?;
    if before.timestamp.is_some() {
        return Err(Error::InvalidArgument(
            "the signature already carries a timestamp".into(),
        ));
    }
    // pqx writes UTF-8; the bytes are spliced, so another encoding is refused rather than
    // re-encoded under a declaration that would then lie.
    let text = std::str::from_utf8(xml)
        .map_err(|_| Error::signature_format("signature", "not UTF-8: cannot add a timestamp"))?;
    // The root element's end tag: the last "</" of the document (after it only the name,
    // '>' and trailing whitespace may follow).
    let trimmed = text.trim_end();
    let close = trimmed
        .rfind("</")
        .filter(|i| {
            trimmed
                .get(*i..)
                .is_some_and(|t| t.ends_with("Signature>") && !t.contains(' '))
        })
        .ok_or_else(|| Error::signature_format("signature", "cannot find </Signature>"))?;
    let target = before
        .id
        .as_deref()
        .map(|i| format!(" Target=\"#{}\"", c14n_attr(i)))
        .unwrap_or_default();
    let object = format!(
        "<Object Id=\"{TIMESTAMP_OBJECT_ID}\"><xades:QualifyingProperties xmlns:xades=\"{XADES_NS}\"{target}><xades:UnsignedProperties><xades:UnsignedSignatureProperties><xades:SignatureTimeStamp Id=\"{SIGNATURE_TIMESTAMP_ID}\"><xades:EncapsulatedTimeStamp>{}</xades:EncapsulatedTimeStamp></xades:SignatureTimeStamp></xades:UnsignedSignatureProperties></xades:UnsignedProperties></xades:QualifyingProperties></Object>",
        b64(token)
    );
    let (head, tail) = text.split_at(close);
    let out = format!("{head}{object}{tail}");
    let after = super::parse::parse_signature(out.as_bytes(), "signature", limits)?;
    if after.signed_info_c14n != before.signed_info_c14n
        || after.object_c14n != before.object_c14n
        || after.signature_value != before.signature_value
        || after.timestamp.as_ref().map(|t| t.token.as_slice()) != Some(token)
    {
        return Err(Error::Crypto(
            "internal error: adding the timestamp changed what the signature covers".into(),
        ));
    }
    Ok(out.into_bytes())
}
