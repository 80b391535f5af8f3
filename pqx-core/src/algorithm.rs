//! Algorithm identifiers of CMS, RFC 3161 and CRLs, mapped onto pqx's [`DigestAlgorithm`].
//!
//! A leaf module (it knows only digests and OIDs), so that both the trust layer (CRL
//! signatures) and CMS use it without depending on each other.
//!
//! pqx signs and verifies with RSA PKCS#1 v1.5 only (as its OPC signatures do), so a CMS
//! `signatureAlgorithm` must be `rsaEncryption` (what OpenSSL writes: the digest is the
//! SignerInfo's `digestAlgorithm`) or `sha*WithRSAEncryption` (whose digest must then agree).
//! Anything else is [`Error::UnsupportedAlgorithm`], never a guess.

use crate::digest::DigestAlgorithm;
use crate::error::{Error, Result};
use const_oid::db::rfc5912::{
    ID_SHA_1, ID_SHA_256, ID_SHA_384, ID_SHA_512, RSA_ENCRYPTION, SHA_1_WITH_RSA_ENCRYPTION,
    SHA_256_WITH_RSA_ENCRYPTION, SHA_384_WITH_RSA_ENCRYPTION, SHA_512_WITH_RSA_ENCRYPTION,
};
use const_oid::ObjectIdentifier;
use der::asn1::Null;
use der::{Any, Tag, Tagged};
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use spki::AlgorithmIdentifierOwned;

/// The OID of a digest (`id-sha256`, …).
pub fn digest_oid(alg: DigestAlgorithm) -> ObjectIdentifier {
    match alg {
        DigestAlgorithm::Sha1 => ID_SHA_1,
        DigestAlgorithm::Sha256 => ID_SHA_256,
        DigestAlgorithm::Sha384 => ID_SHA_384,
        DigestAlgorithm::Sha512 => ID_SHA_512,
    }
}

/// The digest named by an OID; `None` for anything pqx does not compute (MD5 included).
pub fn digest_from_oid(oid: &ObjectIdentifier) -> Option<DigestAlgorithm> {
    DigestAlgorithm::ALL
        .into_iter()
        .find(|a| digest_oid(*a) == *oid)
}

/// `AlgorithmIdentifier` of a digest with absent parameters (RFC 5754 §2: SHA-2 parameters
/// SHOULD be absent), as OpenSSL writes them.
pub fn digest_identifier(alg: DigestAlgorithm) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: digest_oid(alg),
        parameters: None,
    }
}

/// Parses a digest `AlgorithmIdentifier`: a known OID with absent or NULL parameters.
pub fn digest_from_identifier(id: &AlgorithmIdentifierOwned) -> Result<DigestAlgorithm> {
    check_null_or_absent(id)?;
    digest_from_oid(&id.oid)
        .ok_or_else(|| Error::UnsupportedAlgorithm(format!("CMS digest algorithm {}", id.oid)))
}

/// `rsaEncryption` with NULL parameters: the `signatureAlgorithm` pqx writes in a
/// SignerInfo (RFC 3370 §3.2; what `openssl cms -sign` writes).
pub fn rsa_signature_identifier() -> Result<AlgorithmIdentifierOwned> {
    Ok(AlgorithmIdentifierOwned {
        oid: RSA_ENCRYPTION,
        parameters: Some(Any::encode_from(&Null).map_err(|e| Error::Cms(e.to_string()))?),
    })
}

/// The digest an RSA PKCS#1 v1.5 `signatureAlgorithm` signs with, given the SignerInfo's
/// `digestAlgorithm`. RSA-PSS, ECDSA and everything else is [`Error::UnsupportedAlgorithm`].
pub fn rsa_signature_digest(
    id: &AlgorithmIdentifierOwned,
    digest: DigestAlgorithm,
) -> Result<DigestAlgorithm> {
    check_null_or_absent(id)?;
    let named = match id.oid {
        RSA_ENCRYPTION => return Ok(digest),
        SHA_1_WITH_RSA_ENCRYPTION => DigestAlgorithm::Sha1,
        SHA_256_WITH_RSA_ENCRYPTION => DigestAlgorithm::Sha256,
        SHA_384_WITH_RSA_ENCRYPTION => DigestAlgorithm::Sha384,
        SHA_512_WITH_RSA_ENCRYPTION => DigestAlgorithm::Sha512,
        other => {
            return Err(Error::UnsupportedAlgorithm(format!(
                "CMS signature algorithm {other} (pqx verifies RSA PKCS#1 v1.5 only)"
            )))
        }
    };
    if named != digest {
        return Err(Error::Cms(format!(
            "the signature algorithm uses {named} but the digest algorithm is {digest}"
        )));
    }
    Ok(named)
}

fn check_null_or_absent(id: &AlgorithmIdentifierOwned) -> Result<()> {
    match &id.parameters {
        Some(p) if p.tag() != Tag::Null || !p.value().is_empty() => Err(
            Error::UnsupportedAlgorithm(format!("algorithm {} with parameters", id.oid)),
        ),
        _ => Ok(()),
    }
}

/// The digest of an RSA PKCS#1 v1.5 `sha*WithRSAEncryption` signature algorithm, as
/// certificates and CRLs name it (no separate digest field there).
pub fn rsa_with_digest(id: &AlgorithmIdentifierOwned) -> Result<DigestAlgorithm> {
    check_null_or_absent(id)?;
    match id.oid {
        SHA_1_WITH_RSA_ENCRYPTION => Ok(DigestAlgorithm::Sha1),
        SHA_256_WITH_RSA_ENCRYPTION => Ok(DigestAlgorithm::Sha256),
        SHA_384_WITH_RSA_ENCRYPTION => Ok(DigestAlgorithm::Sha384),
        SHA_512_WITH_RSA_ENCRYPTION => Ok(DigestAlgorithm::Sha512),
        other => Err(Error::UnsupportedAlgorithm(format!(
            "signature algorithm {other} (pqx verifies RSA PKCS#1 v1.5 only)"
        ))),
    }
}

/// Verifies an RSA PKCS#1 v1.5 signature over `message` hashed with `alg`; `false` on any
/// mismatch (wrong key, wrong digest, altered message, malformed signature).
pub fn verify_pkcs1v15(
    key: &RsaPublicKey,
    alg: DigestAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> bool {
    key.verify(pkcs1v15_scheme(alg), &alg.digest(message), signature)
        .is_ok()
}

/// Verifies an RSA PKCS#1 v1.5 signature over a `digest` already computed with `alg` (the
/// DigestInfo prefix of `alg` is expected inside the signature); `false` on any mismatch.
/// This is what checks a signature made by a [`crate::keys::Signer`], which signs digests.
pub fn verify_pkcs1v15_digest(
    key: &RsaPublicKey,
    alg: DigestAlgorithm,
    digest: &[u8],
    signature: &[u8],
) -> bool {
    key.verify(pkcs1v15_scheme(alg), digest, signature).is_ok()
}

/// The DER `DigestInfo(alg, digest)` (RFC 8017 §9.2): what a raw RSA PKCS#1 v1.5 signer
/// that pads but does not hash (PKCS#11's `CKM_RSA_PKCS`, a KMS's "raw" mode) must be given.
/// The prefix is the one pqx itself signs and verifies with, so the two cannot disagree.
pub fn digest_info(alg: DigestAlgorithm, digest: &[u8]) -> Vec<u8> {
    let mut out = pkcs1v15_scheme(alg).prefix.to_vec();
    out.extend_from_slice(digest);
    out
}

/// The PKCS#1 v1.5 padding scheme (with its DigestInfo prefix) for `alg`.
pub(crate) fn pkcs1v15_scheme(alg: DigestAlgorithm) -> Pkcs1v15Sign {
    match alg {
        DigestAlgorithm::Sha1 => Pkcs1v15Sign::new::<sha1::Sha1>(),
        DigestAlgorithm::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
        DigestAlgorithm::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
        DigestAlgorithm::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_info_is_rfc_8017s_prefix_then_the_digest() {
        // RFC 8017 §9.2, note 1: the DER prefixes, written out independently of the rsa crate.
        let expected: [(DigestAlgorithm, &[u8]); 4] = [
            (
                DigestAlgorithm::Sha1,
                &[
                    0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00,
                    0x04, 0x14,
                ],
            ),
            (
                DigestAlgorithm::Sha256,
                &[
                    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04,
                    0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
                ],
            ),
            (
                DigestAlgorithm::Sha384,
                &[
                    0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04,
                    0x02, 0x02, 0x05, 0x00, 0x04, 0x30,
                ],
            ),
            (
                DigestAlgorithm::Sha512,
                &[
                    0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04,
                    0x02, 0x03, 0x05, 0x00, 0x04, 0x40,
                ],
            ),
        ];
        for (alg, prefix) in expected {
            let digest = alg.digest(b"pqx");
            let info = digest_info(alg, &digest);
            assert_eq!(&info[..prefix.len()], prefix, "{alg}");
            assert_eq!(&info[prefix.len()..], &digest[..], "{alg}");
        }
    }
}
