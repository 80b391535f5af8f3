//! Private keys in PEM or DER: PKCS#8 (`PRIVATE KEY`), encrypted PKCS#8 (`ENCRYPTED
//! PRIVATE KEY`, PBES2) and PKCS#1 (`RSA PRIVATE KEY`).
//!
//! OpenSSL's legacy encrypted PEM (`Proc-Type: 4,ENCRYPTED` headers) is refused with a
//! message saying how to convert it (`openssl pkcs8 -topk8`): it uses an MD5-based key
//! derivation that nothing else should rely on.

use super::algorithm;
use crate::certificate::pem;
use crate::error::{Error, Result};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{pkcs5, DecodePrivateKey, EncryptedPrivateKeyInfo};
use rsa::RsaPrivateKey;

/// Reads one RSA private key from PEM or DER bytes.
pub(super) fn read_key(
    bytes: &[u8],
    password: Option<&str>,
    source_name: &str,
) -> Result<RsaPrivateKey> {
    let key_err = |reason: &str| Error::Key {
        source_name: source_name.to_owned(),
        reason: reason.to_owned(),
    };
    if !pem::looks_like_pem(bytes) {
        return read_der(bytes, password, source_name);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| key_err("PEM text is not UTF-8"))?;
    let blocks = pem::parse_blocks(text).map_err(|e| key_err(&e))?;
    let block = blocks
        .iter()
        .find(|b| b.label.ends_with("PRIVATE KEY"))
        .ok_or_else(|| key_err("no PRIVATE KEY block in PEM text"))?;
    if block.has_headers {
        return Err(key_err(
            "legacy OpenSSL-encrypted PEM key is not supported; convert it with `openssl pkcs8 -topk8 -v2 aes-256-cbc`",
        ));
    }
    match block.label.as_str() {
        "PRIVATE KEY" => {
            if let Some(kind) = algorithm::non_rsa_kind(&block.der) {
                return Err(algorithm::not_rsa(source_name, &kind));
            }
            RsaPrivateKey::from_pkcs8_der(&block.der)
                .map_err(|e| key_err(&format!("not an RSA PKCS#8 key: {e}")))
        }
        "ENCRYPTED PRIVATE KEY" => decrypt(&block.der, password, source_name),
        "RSA PRIVATE KEY" => RsaPrivateKey::from_pkcs1_der(&block.der)
            .map_err(|e| key_err(&format!("not a PKCS#1 RSA key: {e}"))),
        other => Err(match algorithm::legacy_pem_kind(other, &block.der) {
            Some(kind) => algorithm::not_rsa(source_name, &kind),
            None => key_err(&format!(
                "unsupported key type {other:?}; pqx signs with RSA keys"
            )),
        }),
    }
}

fn read_der(der: &[u8], password: Option<&str>, source_name: &str) -> Result<RsaPrivateKey> {
    if let Ok(key) = RsaPrivateKey::from_pkcs8_der(der) {
        return Ok(key);
    }
    if let Ok(key) = RsaPrivateKey::from_pkcs1_der(der) {
        return Ok(key);
    }
    if EncryptedPrivateKeyInfo::try_from(der).is_ok() {
        return decrypt(der, password, source_name);
    }
    if let Some(kind) = algorithm::non_rsa_kind(der) {
        return Err(algorithm::not_rsa(source_name, &kind));
    }
    Err(Error::Key {
        source_name: source_name.to_owned(),
        reason: "not a PEM or DER RSA private key (PKCS#8 or PKCS#1)".to_owned(),
    })
}

fn decrypt(der: &[u8], password: Option<&str>, source_name: &str) -> Result<RsaPrivateKey> {
    let key_err = |reason: String| Error::Key {
        source_name: source_name.to_owned(),
        reason,
    };
    let password = password
        .ok_or_else(|| key_err("the private key is encrypted; a password is needed".to_owned()))?;
    let info = EncryptedPrivateKeyInfo::try_from(der)
        .map_err(|e| key_err(format!("malformed encrypted key: {e}")))?;
    let doc = info.decrypt(password).map_err(|e| match e {
        // pkcs5 0.7 reports a CBC padding failure while *decrypting* as `EncryptFailed`;
        // both mean the derived key, hence the password, is wrong.
        rsa::pkcs8::Error::EncryptedPrivateKey(
            pkcs5::Error::DecryptFailed | pkcs5::Error::EncryptFailed,
        ) => Error::WrongPassword(source_name.to_owned()),
        other => key_err(format!("cannot decrypt the private key: {other}")),
    })?;
    // CBC padding checks let about one wrong password in 256 through; the plaintext is then
    // garbage, so an unparsable result also means a wrong password.
    if rsa::pkcs8::PrivateKeyInfo::try_from(doc.as_bytes()).is_err() {
        return Err(Error::WrongPassword(source_name.to_owned()));
    }
    if let Some(kind) = algorithm::non_rsa_kind(doc.as_bytes()) {
        return Err(algorithm::not_rsa(source_name, &kind));
    }
    RsaPrivateKey::from_pkcs8_der(doc.as_bytes())
        .map_err(|e| key_err(format!("not an RSA PKCS#8 key: {e}")))
}
