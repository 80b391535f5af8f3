//! Naming a private key that is not RSA, so that the error says what the file holds.
//!
//! Power BI's loader verifies RSA signatures only (MakePQX signs with the `.pfx`'s RSA key),
//! so pqx signs with RSA keys of at least [`super::MIN_SIGNING_KEY_BITS`] bits. A user who
//! exported an ECDSA or Ed25519 key deserves "holds an ECDSA P-256 key", not a parser's
//! "unsupported algorithm OID 1.2.840.113549.1.1.1" (which is RSA's OID, the one expected).

use crate::error::Error;
use const_oid::ObjectIdentifier;
use pkcs8::PrivateKeyInfo;

const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const DSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10040.4.1");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const ED448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");
const X25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.110");
const X448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.111");
const RSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");

/// Named curves, by OID (RFC 5480 §2.1.1.1 and SEC 2).
const CURVES: [(&str, &str); 5] = [
    ("1.2.840.10045.3.1.7", "P-256"),
    ("1.3.132.0.34", "P-384"),
    ("1.3.132.0.35", "P-521"),
    ("1.3.132.0.10", "secp256k1"),
    ("1.2.840.10045.3.1.1", "P-192"),
];

/// The kind of a PKCS#8 key that is not plain RSA (`"an ECDSA P-256 key"`, `"an Ed25519
/// key"`), or `None` for an RSA key or bytes that are not PKCS#8.
pub(super) fn non_rsa_kind(pkcs8_der: &[u8]) -> Option<String> {
    let info = PrivateKeyInfo::try_from(pkcs8_der).ok()?;
    let oid = info.algorithm.oid;
    Some(match oid {
        o if o == EC_PUBLIC_KEY => {
            let curve = info
                .algorithm
                .parameters_oid()
                .ok()
                .map(|c| c.to_string())
                .unwrap_or_default();
            format!("an ECDSA {} key", curve_name(&curve))
        }
        o if o == DSA => "a DSA key".to_owned(),
        o if o == ED25519 => "an Ed25519 key".to_owned(),
        o if o == ED448 => "an Ed448 key".to_owned(),
        o if o == X25519 => "an X25519 key".to_owned(),
        o if o == X448 => "an X448 key".to_owned(),
        o if o == RSA_PSS => "an RSA-PSS-only key".to_owned(),
        o if o == const_oid::db::rfc5912::RSA_ENCRYPTION => return None,
        other => format!("a key of algorithm {other}"),
    })
}

/// The kind of a key in a traditional OpenSSL PEM block (`EC PRIVATE KEY`, `DSA PRIVATE
/// KEY`): SEC 1 names its curve by OID inside the block.
pub(super) fn legacy_pem_kind(label: &str, der: &[u8]) -> Option<String> {
    match label {
        "EC PRIVATE KEY" => {
            let curve = CURVES
                .iter()
                .find(|(oid, _)| {
                    ObjectIdentifier::new(oid).is_ok_and(|o| {
                        let body = o.as_bytes();
                        der.windows(body.len() + 2).any(|w| {
                            w.first() == Some(&0x06)
                                && w.get(1) == Some(&(body.len() as u8))
                                && w.get(2..) == Some(body)
                        })
                    })
                })
                .map(|(_, name)| *name)
                .unwrap_or("(unknown curve)");
            Some(format!("an ECDSA {curve} key"))
        }
        "DSA PRIVATE KEY" => Some("a DSA key".to_owned()),
        "OPENSSH PRIVATE KEY" => Some("an OpenSSH-format key".to_owned()),
        _ => None,
    }
}

fn curve_name(oid: &str) -> &str {
    CURVES
        .iter()
        .find(|(o, _)| *o == oid)
        .map(|(_, name)| *name)
        .unwrap_or(if oid.is_empty() {
            "(unknown curve)"
        } else {
            oid
        })
}

/// The error for a key that is not RSA: names what `source_name` holds and what is needed.
pub(super) fn not_rsa(source_name: &str, kind: &str) -> Error {
    Error::SigningPolicy(format!(
        "{source_name} holds {kind}; Power BI's signatures need an RSA key of {} bits or more",
        super::MIN_SIGNING_KEY_BITS
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_curve_of_a_legacy_ec_pem_block() {
        // SEC 1 ECPrivateKey skeleton holding the P-384 OID.
        let der = [
            0x30, 0x0a, 0xa0, 0x07, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22,
        ];
        assert_eq!(
            legacy_pem_kind("EC PRIVATE KEY", &der).as_deref(),
            Some("an ECDSA P-384 key")
        );
        assert_eq!(legacy_pem_kind("RSA PRIVATE KEY", &der), None);
    }

    #[test]
    fn a_key_that_is_not_pkcs8_is_not_named() {
        assert_eq!(non_rsa_kind(b"not der"), None);
    }
}
