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
use crate::limits::MAX_PKCS12_ITERATIONS;
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
    let iterations = iteration_counts(bytes);
    if iterations > MAX_PKCS12_ITERATIONS {
        return Err(key_err(format!(
            "the file asks for {iterations} key-derivation iterations in all, more than the \
             {MAX_PKCS12_ITERATIONS} allowed"
        )));
    }
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
    if let Some(kind) = super::algorithm::non_rsa_kind(&key_der) {
        return Err(super::algorithm::not_rsa(source_name, &kind));
    }
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

/// The sum (saturating) of the iteration counts in a PKCS#12 file's DER, read before
/// `p12-keystore` runs them: every INTEGER that directly follows an OCTET STRING in the same
/// SEQUENCE, which is the shape of `MacData` (macSalt, iterations), `pkcs-12PbeParams` and
/// `PBKDF2-params` (salt, iterationCount). OCTET STRINGs that hold DER are searched too, as
/// PKCS#12 wraps its content in them. Parameters inside encrypted content cannot be seen
/// before decrypting, so a file that nests encryption is bounded only at its outer layers.
fn iteration_counts(der: &[u8]) -> u64 {
    let mut total = 0u64;
    sum_iterations(der, 0, &mut total);
    total
}

/// Adds the iteration counts in the DER elements of `der` to `total`; see
/// [`iteration_counts`]. Nesting is followed at most 16 levels deep, so the walk stays
/// linear in the input and cannot exhaust the stack.
fn sum_iterations(der: &[u8], depth: usize, total: &mut u64) {
    const OCTET_STRING: u8 = 0x04;
    const INTEGER: u8 = 0x02;
    const CONSTRUCTED: u8 = 0x20;
    if depth > 16 {
        return;
    }
    let mut rest = der;
    let mut after_octets = false;
    while let Some((tag, content, next)) = der_element(rest) {
        if tag == INTEGER && after_octets {
            // Iteration counts are non-negative; more than 8 bytes saturates.
            let value = if content.len() > 8 {
                u64::MAX
            } else {
                content
                    .iter()
                    .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
            };
            *total = total.saturating_add(value);
        } else if tag & CONSTRUCTED != 0 || (tag == OCTET_STRING && is_der(content)) {
            sum_iterations(content, depth + 1, total);
        }
        after_octets = tag == OCTET_STRING;
        rest = next;
    }
}

/// Whether `bytes` is a sequence of whole DER elements (wrapped content, not a salt, digest
/// or ciphertext, which are searched only if they happen to be).
fn is_der(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    while !rest.is_empty() {
        match der_element(rest) {
            Some((_, _, next)) => rest = next,
            None => return false,
        }
    }
    true
}

/// Splits one DER element (single-byte tag, definite length of at most 4 bytes) off the
/// front of `der`: `(tag, content, rest)`, or `None` when `der` does not start with one.
fn der_element(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let (bytes, rest) = rest.split_at_checked(n)?;
        let len = bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, rest)
    };
    let (content, rest) = rest.split_at_checked(len)?;
    Some((tag, content, rest))
}
