//! [`Pkcs11Signer`]: a [`Signer`] whose private key never leaves its token.
//!
//! The token gets `DigestInfo(algorithm, digest)` and pads and signs it with `CKM_RSA_PKCS`
//! (RSA PKCS#1 v1.5): every token and HSM has that mechanism, whereas the hash-and-sign ones
//! (`CKM_SHA256_RSA_PKCS`) would send the whole message and are missing on some PIV cards.

use crate::error::Pkcs11Error;
use crate::objects::{certificates, find_keys, strip_zeros, KeyObject};
use crate::token::{Module, TokenSlot};
use crate::uri::{object_uri, ObjectType, Pkcs11Uri};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use pqx_core::algorithm::digest_info;
use pqx_core::certificate::Certificate;
use pqx_core::digest::DigestAlgorithm;
use pqx_core::error::{Error, Result};
use pqx_core::keys::{check_digest_len, Signer};
use rsa::traits::PublicKeyParts;
use std::sync::Mutex;

/// A private RSA key in a PKCS#11 token, with its certificate chain.
pub struct Pkcs11Signer {
    session: Mutex<Session>,
    key: ObjectHandle,
    bits: usize,
    chain: Vec<Certificate>,
    uri: String,
}

impl std::fmt::Debug for Pkcs11Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkcs11Signer")
            .field("uri", &self.uri)
            .field("bits", &self.bits)
            .finish_non_exhaustive()
    }
}

impl Pkcs11Signer {
    /// Logs in to `token` with `pin` and finds the one private key `uri` names. Its
    /// certificate is the first of the token's certificates with the key's `CKA_ID`, then of
    /// `given` (a `--cert` chain), whose public key is the key's; the other certificates of
    /// `given` follow it as issuers. No key, several keys, a key that is not RSA, or no
    /// certificate for it: each is its own [`Pkcs11Error`].
    pub fn open(
        module: &Module,
        token: &TokenSlot,
        uri: &Pkcs11Uri,
        pin: Option<&str>,
        given: Vec<Certificate>,
    ) -> std::result::Result<Self, Pkcs11Error> {
        if let Some(t) = uri.object_type.filter(|t| *t != ObjectType::Private) {
            return Err(Pkcs11Error::Uri(format!(
                "type={} names no private key: signing needs type=private (or no type=)",
                match t {
                    ObjectType::Public => "public",
                    ObjectType::Cert => "cert",
                    ObjectType::SecretKey => "secret-key",
                    _ => "data",
                }
            )));
        }
        let shown = |k: &KeyObject| object_uri(&token.label, &k.label, &k.id, "private");
        let session = token.open(module, pin)?;
        let mut keys = find_keys(&session, ObjectClass::PRIVATE_KEY, uri)?;
        let key = match keys.len() {
            1 => keys.remove(0),
            0 => {
                return Err(Pkcs11Error::NoKey {
                    token: token.label.clone(),
                    uri: describe(uri),
                })
            }
            _ => {
                return Err(Pkcs11Error::Ambiguous {
                    token: token.label.clone(),
                    uri: describe(uri),
                    candidates: keys.iter().map(shown).collect(),
                })
            }
        };
        let (Some(KeyType::RSA), Some(modulus)) = (key.key_type, key.modulus.as_deref()) else {
            return Err(Pkcs11Error::NotRsa {
                uri: shown(&key),
                key_type: key.type_name(),
            });
        };
        let in_token = certificates(&session, Some(&key.id))?
            .into_iter()
            .filter_map(|c| c.certificate)
            .collect();
        let chain = assemble_chain(modulus, in_token, given, &shown(&key))?;
        Ok(Pkcs11Signer {
            bits: key.bits().unwrap_or(0),
            key: key.handle,
            uri: shown(&key),
            chain,
            session: Mutex::new(session),
        })
    }

    /// The URI of the key (`pkcs11:token=…;object=…;id=…;type=private`).
    pub fn uri(&self) -> &str {
        &self.uri
    }
}

/// A URI for messages, without its query (which may hold a PIN).
fn describe(uri: &Pkcs11Uri) -> String {
    let mut parts = Vec::new();
    if let Some(o) = &uri.object {
        parts.push(format!("object={o:?}"));
    }
    if let Some(id) = &uri.id {
        let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
        parts.push(format!("id={hex}"));
    }
    if parts.is_empty() {
        "the URI (no object= or id=)".into()
    } else {
        parts.join(" ")
    }
}

/// The signer's chain: the first certificate of `in_token`, then of `given`, whose RSA
/// modulus is the key's; then the certificates of `given` that are not it, in their order.
pub(crate) fn assemble_chain(
    modulus: &[u8],
    in_token: Vec<Certificate>,
    given: Vec<Certificate>,
    key_uri: &str,
) -> std::result::Result<Vec<Certificate>, Pkcs11Error> {
    let modulus = strip_zeros(modulus);
    let is_keys = |c: &&Certificate| {
        c.rsa_public_key()
            .is_ok_and(|k| k.n().to_bytes_be() == modulus)
    };
    let leaf = in_token
        .iter()
        .find(is_keys)
        .or_else(|| given.iter().find(is_keys))
        .cloned()
        .ok_or_else(|| {
            Pkcs11Error::NoCertificate(format!(
                "no certificate for the key {key_uri}: the token has none with the key's \
                 CKA_ID for its public key ({} certificate(s) with that ID), and --cert has none \
                 ({} certificate(s) given)",
                in_token.len(),
                given.len()
            ))
        })?;
    let mut chain = vec![leaf];
    for c in given {
        if c.der() != chain[0].der() {
            chain.push(c);
        }
    }
    Ok(chain)
}

impl Signer for Pkcs11Signer {
    fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    fn key_bits(&self) -> usize {
        self.bits
    }

    fn sign_digest(&self, alg: DigestAlgorithm, digest: &[u8]) -> Result<Vec<u8>> {
        check_digest_len(alg, digest)?;
        let digest_info = digest_info(alg, digest);
        let session = self
            .session
            .lock()
            .map_err(|_| Error::Signer("the PKCS#11 session was poisoned by a panic".into()))?;
        session
            .sign(&Mechanism::RsaPkcs, self.key, &digest_info)
            .map_err(|e| {
                Error::Signer(format!(
                    "the token refused to sign with {} (CKM_RSA_PKCS): {e}",
                    self.uri
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pqx_core::test_pki::{TestPki, TestPkiOptions};

    #[test]
    fn chain_takes_the_certificate_of_the_key_then_the_given_issuers() {
        let pki = TestPki::generate(&TestPkiOptions::default()).unwrap();
        let modulus = pki.leaf.rsa_public_key().unwrap().n().to_bytes_be();
        let issuers = vec![pki.intermediate.clone(), pki.root.clone()];
        // From the token, with the issuers from --cert.
        let chain = assemble_chain(&modulus, vec![pki.leaf.clone()], issuers.clone(), "k").unwrap();
        assert_eq!(
            chain,
            vec![pki.leaf.clone(), pki.intermediate.clone(), pki.root.clone()]
        );
        // From a --cert chain in any order, the leaf once.
        let given = vec![pki.root.clone(), pki.leaf.clone(), pki.intermediate.clone()];
        let chain = assemble_chain(&modulus, Vec::new(), given, "k").unwrap();
        assert_eq!(
            chain,
            vec![pki.leaf.clone(), pki.root.clone(), pki.intermediate.clone()]
        );
        // A leading zero byte in CKA_MODULUS changes nothing.
        let padded = [&[0u8][..], &modulus].concat();
        assert!(assemble_chain(&padded, vec![pki.leaf.clone()], Vec::new(), "k").is_ok());
        // No certificate for the key's public key.
        let err = assemble_chain(&modulus, vec![pki.root.clone()], issuers, "k").unwrap_err();
        assert!(
            matches!(&err, Pkcs11Error::NoCertificate(m) if m.contains("no certificate for the key k")),
            "{err}"
        );
    }
}
