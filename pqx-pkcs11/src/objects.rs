//! Reading keys and certificates out of a token.

use crate::error::Pkcs11Error;
use crate::uri::Pkcs11Uri;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use pqx_core::certificate::Certificate;

/// A key object and the attributes pqx shows or needs.
#[derive(Clone, Debug)]
pub(crate) struct KeyObject {
    pub handle: ObjectHandle,
    pub label: String,
    pub id: Vec<u8>,
    pub key_type: Option<KeyType>,
    /// The RSA modulus, big-endian (RSA keys only).
    pub modulus: Option<Vec<u8>>,
    /// The size of an EC key's field, from `CKA_EC_PARAMS` when it is a named curve pqx knows.
    pub ec_bits: Option<usize>,
}

impl KeyObject {
    /// The key size in bits: the RSA modulus' bit length, or the EC curve's.
    pub fn bits(&self) -> Option<usize> {
        self.modulus.as_deref().map(modulus_bits).or(self.ec_bits)
    }

    /// `RSA`, `EC`, … for messages and listings.
    pub fn type_name(&self) -> String {
        match self.key_type {
            Some(t) if t == KeyType::RSA => "RSA".into(),
            Some(t) if t == KeyType::EC => "EC".into(),
            Some(t) => t.to_string().trim_start_matches("CKK_").to_owned(),
            None => "unknown".into(),
        }
    }
}

/// The bit length of a big-endian unsigned integer.
pub(crate) fn modulus_bits(n: &[u8]) -> usize {
    let n = strip_zeros(n);
    match n.first() {
        Some(&b) => n.len() * 8 - b.leading_zeros() as usize,
        None => 0,
    }
}

/// `n` without its leading zero bytes (a modulus may come with a sign byte).
pub(crate) fn strip_zeros(n: &[u8]) -> &[u8] {
    let start = n.iter().position(|&b| b != 0).unwrap_or(n.len());
    n.get(start..).unwrap_or_default()
}

/// The keys of class `class` whose label and ID match `uri` (`object=`, `id=`).
pub(crate) fn find_keys(
    session: &Session,
    class: ObjectClass,
    uri: &Pkcs11Uri,
) -> Result<Vec<KeyObject>, Pkcs11Error> {
    let mut template = vec![Attribute::Class(class)];
    if let Some(label) = &uri.object {
        template.push(Attribute::Label(label.as_bytes().to_vec()));
    }
    if let Some(id) = &uri.id {
        template.push(Attribute::Id(id.clone()));
    }
    session
        .find_objects(&template)?
        .into_iter()
        .map(|h| read_key(session, h))
        .collect()
}

fn read_key(session: &Session, handle: ObjectHandle) -> Result<KeyObject, Pkcs11Error> {
    let mut key = KeyObject {
        handle,
        label: String::new(),
        id: Vec::new(),
        key_type: None,
        modulus: None,
        ec_bits: None,
    };
    let wanted = [
        AttributeType::Label,
        AttributeType::Id,
        AttributeType::KeyType,
        AttributeType::Modulus,
        AttributeType::EcParams,
    ];
    for attr in session.get_attributes(handle, &wanted)? {
        match attr {
            Attribute::Label(l) => key.label = String::from_utf8_lossy(&l).into_owned(),
            Attribute::Id(id) => key.id = id,
            Attribute::KeyType(t) => key.key_type = Some(t),
            Attribute::Modulus(n) => key.modulus = Some(n),
            Attribute::EcParams(p) => key.ec_bits = curve_bits(&p),
            _ => {}
        }
    }
    Ok(key)
}

/// The field size of the named curves a token is likely to hold (DER OID in `CKA_EC_PARAMS`).
fn curve_bits(params: &[u8]) -> Option<usize> {
    const P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    const P384: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
    const P521: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23];
    match params {
        p if p == P256 => Some(256),
        p if p == P384 => Some(384),
        p if p == P521 => Some(521),
        _ => None,
    }
}

/// A certificate object of the token.
#[derive(Clone, Debug)]
pub(crate) struct CertObject {
    pub label: String,
    pub id: Vec<u8>,
    /// The parsed certificate; `None` when `CKA_VALUE` is not a certificate pqx can read.
    pub certificate: Option<Certificate>,
}

/// The certificate objects of the token, those with `CKA_ID` `id` when it is given.
pub(crate) fn certificates(
    session: &Session,
    id: Option<&[u8]>,
) -> Result<Vec<CertObject>, Pkcs11Error> {
    let mut template = vec![Attribute::Class(ObjectClass::CERTIFICATE)];
    if let Some(id) = id {
        template.push(Attribute::Id(id.to_vec()));
    }
    let wanted = [
        AttributeType::Label,
        AttributeType::Id,
        AttributeType::Value,
    ];
    let mut out = Vec::new();
    for handle in session.find_objects(&template)? {
        let mut cert = CertObject {
            label: String::new(),
            id: Vec::new(),
            certificate: None,
        };
        for attr in session.get_attributes(handle, &wanted)? {
            match attr {
                Attribute::Label(l) => cert.label = String::from_utf8_lossy(&l).into_owned(),
                Attribute::Id(i) => cert.id = i,
                Attribute::Value(v) => cert.certificate = Certificate::from_der(&v).ok(),
                _ => {}
            }
        }
        out.push(cert);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_modulus_bits_ignoring_a_sign_byte() {
        assert_eq!(modulus_bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(modulus_bits(&[0x01, 0xff]), 9);
        assert_eq!(modulus_bits(&[0, 0]), 0);
        assert_eq!(modulus_bits(&[]), 0);
    }
}
