//! PKCS#12 (.pfx / .p12) files, read with `p12-keystore`.
//!
//! Both flavours in the wild are read: OpenSSL 3's default (PBES2 with PBKDF2 and
//! AES-256-CBC, HMAC-SHA-256 MAC) and the legacy one that Windows' `Export-PfxCertificate`
//! and `openssl pkcs12 -legacy` write (RC2-40 or 3DES with the PKCS#12 KDF, HMAC-SHA-1 MAC).
//!
//! Limitation inherited from `p12-keystore` 0.2: of the certificates in the file it keeps
//! the one bound to the key (by `localKeyId`), those reachable from it by issuer name, and
//! those marked trusted; an unrelated extra certificate is dropped. Such certificates could
//! not be part of the signer's chain anyway.

use super::SigningKey;
use crate::certificate::Certificate;
use crate::error::{Error, Result};
use p12_keystore::error::Error as P12Error;
use p12_keystore::{KeyStore, KeyStoreEntry};
use rsa::pkcs8::DecodePrivateKey;
use rsa::RsaPrivateKey;

/// See [`SigningKey::from_pkcs12`].
pub(super) fn load(bytes: &[u8], password: &str, source_name: &str) -> Result<SigningKey> {
    let key_err = |reason: String| Error::Key {
        source_name: source_name.to_owned(),
        reason,
    };
    let store = KeyStore::from_pkcs12(bytes, password).map_err(|e| match e {
        // The MAC is keyed by the password: a mismatch means the password is wrong (or the
        // file was altered, which the user cannot tell apart and fixes the same way).
        P12Error::MacError(_) => Error::WrongPassword(source_name.to_owned()),
        // Files without a MAC: a wrong password shows up as bad padding after decryption.
        P12Error::UnpadError => Error::WrongPassword(source_name.to_owned()),
        // pkcs5 0.7 reports a padding failure while decrypting as "encryption failed".
        P12Error::Pkcs5Error(m)
            if m.contains("decryption failed") || m.contains("encryption failed") =>
        {
            Error::WrongPassword(source_name.to_owned())
        }
        other => key_err(format!("not a readable PKCS#12 file: {other}")),
    })?;

    let mut key_der: Option<Vec<u8>> = None;
    let mut certs: Vec<Certificate> = Vec::new();
    for (_alias, entry) in store.entries() {
        match entry {
            KeyStoreEntry::PrivateKeyChain(kc) => {
                if key_der.is_none() {
                    key_der = Some(kc.key().to_vec());
                }
                for c in kc.chain() {
                    certs.push(parse_cert(c.as_der(), source_name)?);
                }
            }
            KeyStoreEntry::Certificate(c) => certs.push(parse_cert(c.as_der(), source_name)?),
            KeyStoreEntry::Secret(_) => {}
        }
    }
    let key_der = key_der
        .ok_or_else(|| key_err("the file holds no private key (with a certificate)".into()))?;
    let key = RsaPrivateKey::from_pkcs8_der(&key_der)
        .map_err(|e| key_err(format!("the private key is not a usable RSA key: {e}")))?;
    let public = key.to_public_key();
    let pos = certs
        .iter()
        .position(|c| c.rsa_public_key().is_ok_and(|k| k == public))
        .ok_or_else(|| key_err("no certificate in the file matches the private key".into()))?;
    let signer = certs.remove(pos);
    Ok(SigningKey::assemble(key, signer, certs))
}

fn parse_cert(der: &[u8], source_name: &str) -> Result<Certificate> {
    Certificate::from_der(der).map_err(|e| match e {
        Error::Certificate { reason, .. } => Error::Certificate {
            context: Some(source_name.to_owned()),
            reason,
        },
        other => other,
    })
}
