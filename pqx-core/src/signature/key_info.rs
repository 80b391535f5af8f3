//! `KeyInfo`: the one part of a signature that nothing signs, read so that nothing in it can
//! change what pqx reports or uses, yet .NET's signatures still verify.
//!
//! Accepted, each at most once, in any order: `X509Data` (required) holding only
//! `X509Certificate`s; `KeyName`, whose text must equal the first certificate's subject as
//! .NET prints it (`X509Certificate2.Subject`, what `InSignaturePart` writes); `KeyValue`
//! holding one `RSAKeyValue` (`Modulus`, `Exponent`) equal to the first certificate's key.
//! `KeyInfo` may carry an `Id` (XML-DSig allows it; Ids are checked for uniqueness
//! elsewhere); nothing else carries attributes. Anything else — `RetrievalMethod`, `PGPData`,
//! `X509IssuerSerial`, a second `X509Data`, a `KeyName` naming someone else, a `KeyValue`
//! for another key, foreign elements — is refused: it is unsigned content a reader could be
//! made to trust, or a place to carry bytes no signature covers.

use super::parse::{decode_b64, element_children, element_text, is_dsig};
use crate::certificate::Certificate;
use crate::error::{Error, Result};
use roxmltree::Node;
use rsa::traits::PublicKeyParts as _;

/// The certificates of `KeyInfo/X509Data`, in document order, after checking the KeyInfo
/// holds nothing else than the module docs allow.
pub(crate) fn parse_key_info(ki: Node, part: &str) -> Result<Vec<Certificate>> {
    let bad = |m: String| Error::signature_format(part, m);
    no_attributes_but(ki, &["Id"], part)?;
    let (mut name, mut value, mut data) = (None, None, None);
    for c in element_children(ki, part)? {
        let slot = if is_dsig(c, "KeyName") {
            &mut name
        } else if is_dsig(c, "KeyValue") {
            &mut value
        } else if is_dsig(c, "X509Data") {
            &mut data
        } else {
            return Err(bad(format!(
                "KeyInfo holds {}: only KeyName, KeyValue and X509Data are read, and nothing signs KeyInfo",
                c.tag_name().name()
            )));
        };
        if slot.replace(c).is_some() {
            return Err(bad(format!("KeyInfo holds {} twice", c.tag_name().name())));
        }
    }
    let data = data.ok_or_else(|| bad("KeyInfo without X509Data".into()))?;
    let certificates = x509_certificates(data, part)?;
    let first = certificates
        .first()
        .ok_or_else(|| bad("X509Data without X509Certificate".into()))?;
    if let Some(n) = name {
        check_key_name(n, first, part)?;
    }
    if let Some(v) = value {
        check_key_value(v, first, part)?;
    }
    Ok(certificates)
}

/// Refuses attributes on `n` other than the unqualified ones in `allowed` (namespace
/// declarations are not attributes in roxmltree).
fn no_attributes_but(n: Node, allowed: &[&str], part: &str) -> Result<()> {
    match n
        .attributes()
        .find(|a| a.namespace().is_some() || !allowed.contains(&a.name()))
    {
        Some(a) => Err(Error::signature_format(
            part,
            format!(
                "unexpected attribute {} on {} in KeyInfo",
                a.name(),
                n.tag_name().name()
            ),
        )),
        None => Ok(()),
    }
}

fn x509_certificates(data: Node, part: &str) -> Result<Vec<Certificate>> {
    no_attributes_but(data, &[], part)?;
    let mut out = Vec::new();
    for c in element_children(data, part)? {
        if !is_dsig(c, "X509Certificate") {
            return Err(Error::signature_format(
                part,
                format!(
                    "X509Data holds {}: only X509Certificate is read",
                    c.tag_name().name()
                ),
            ));
        }
        no_attributes_but(c, &[], part)?;
        let der = decode_b64(&element_text(c, part)?)
            .ok_or_else(|| Error::signature_format(part, "X509Certificate is not base64"))?;
        if der.len() as u64 > crate::limits::MAX_CERTIFICATE_SIZE {
            return Err(Error::LimitExceeded(format!(
                "{part}: certificate larger than {} bytes",
                crate::limits::MAX_CERTIFICATE_SIZE
            )));
        }
        out.push(
            Certificate::from_der(&der)
                .map_err(|e| Error::certificate(Some(part), e.to_string()))?,
        );
    }
    Ok(out)
}

/// `KeyName` must be the subject of the first certificate exactly as .NET writes it.
fn check_key_name(n: Node, certificate: &Certificate, part: &str) -> Result<()> {
    no_attributes_but(n, &[], part)?;
    let text = element_text(n, part)?;
    let subject = certificate.subject();
    if text != subject {
        return Err(Error::signature_format(
            part,
            format!("KeyName {text:?} is not the certificate's subject {subject:?}"),
        ));
    }
    Ok(())
}

/// `KeyValue/RSAKeyValue/(Modulus, Exponent)` must be the first certificate's RSA key
/// (compared as unsigned integers, so leading zero octets do not matter).
fn check_key_value(v: Node, certificate: &Certificate, part: &str) -> Result<()> {
    let bad = |m: String| Error::signature_format(part, m);
    no_attributes_but(v, &[], part)?;
    let [rsa] = element_children(v, part)?[..] else {
        return Err(bad("KeyValue must hold exactly one RSAKeyValue".into()));
    };
    if !is_dsig(rsa, "RSAKeyValue") {
        return Err(bad(format!(
            "KeyValue holds {}: only RSAKeyValue is read",
            rsa.tag_name().name()
        )));
    }
    no_attributes_but(rsa, &[], part)?;
    let [modulus, exponent] = element_children(rsa, part)?[..] else {
        return Err(bad("RSAKeyValue must hold Modulus then Exponent".into()));
    };
    if !is_dsig(modulus, "Modulus") || !is_dsig(exponent, "Exponent") {
        return Err(bad("RSAKeyValue must hold Modulus then Exponent".into()));
    }
    let integer = |n: Node| -> Result<Vec<u8>> {
        no_attributes_but(n, &[], part)?;
        let bytes = decode_b64(&element_text(n, part)?)
            .ok_or_else(|| bad(format!("{} is not base64", n.tag_name().name())))?;
        Ok(strip_leading_zeros(&bytes).to_vec())
    };
    let key = certificate.rsa_public_key().map_err(|e| {
        bad(format!(
            "KeyValue for a certificate without an RSA key: {e}"
        ))
    })?;
    if integer(modulus)? != key.n().to_bytes_be() || integer(exponent)? != key.e().to_bytes_be() {
        return Err(bad(
            "KeyValue is not the key of the certificate in X509Data".into(),
        ));
    }
    Ok(())
}

fn strip_leading_zeros(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    b.get(start..).unwrap_or_default()
}
