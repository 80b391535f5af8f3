//! The signature algorithms a CA may have signed a certificate with.
//!
//! Public code-signing hierarchies are not RSA all the way up: several have ECC roots and
//! intermediates, and newer CAs sign with RSA-PSS. pqx therefore verifies *certificate*
//! signatures made with RSA PKCS#1 v1.5 (SHA-1/256/384/512; SHA-1 is reported as a weak
//! signature by the chain builder), RSASSA-PSS (SHA-256/384/512 with MGF1 of the same hash
//! and trailer field 1, RFC 4055) and ECDSA on P-256 or P-384 (SHA-256/384/512, RFC 5758).
//! Anything else — MD5, MD2, DSA, other curves, explicit curve parameters, RSA keys under
//! 2048 bits — never verifies.
//! The XML signature of a `.pqx` stays RSA PKCS#1 v1.5, as Power BI's: an EC key can sit in
//! a CA certificate, never in the signer's (see [`crate::policy`]).

use crate::digest::DigestAlgorithm;
use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, UintRef};
use der::{Decode, Encode, Sequence, Tagged};
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, Pss, RsaPublicKey};
use signature::hazmat::PrehashVerifier;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

const RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const MGF1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.8");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");

/// How a certificate was signed, as far as pqx can verify it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CertSignatureAlgorithm {
    /// RSA PKCS#1 v1.5 with the digest.
    RsaPkcs1(DigestAlgorithm),
    /// RSASSA-PSS with the digest (MGF1 of the same digest) and salt length.
    RsaPss(DigestAlgorithm, usize),
    /// ECDSA with the digest.
    Ecdsa(DigestAlgorithm),
}

impl CertSignatureAlgorithm {
    /// Reads a certificate's `signatureAlgorithm`; `None` for anything pqx does not verify.
    pub(crate) fn parse(alg: &AlgorithmIdentifierOwned) -> Option<Self> {
        let null_or_absent = alg
            .parameters
            .as_ref()
            .is_none_or(|p| p.tag() == der::Tag::Null);
        let absent = alg.parameters.is_none();
        Some(match alg.oid.to_string().as_str() {
            "1.2.840.113549.1.1.5" if null_or_absent => Self::RsaPkcs1(DigestAlgorithm::Sha1),
            "1.2.840.113549.1.1.11" if null_or_absent => Self::RsaPkcs1(DigestAlgorithm::Sha256),
            "1.2.840.113549.1.1.12" if null_or_absent => Self::RsaPkcs1(DigestAlgorithm::Sha384),
            "1.2.840.113549.1.1.13" if null_or_absent => Self::RsaPkcs1(DigestAlgorithm::Sha512),
            "1.2.840.10045.4.3.2" if absent => Self::Ecdsa(DigestAlgorithm::Sha256),
            "1.2.840.10045.4.3.3" if absent => Self::Ecdsa(DigestAlgorithm::Sha384),
            "1.2.840.10045.4.3.4" if absent => Self::Ecdsa(DigestAlgorithm::Sha512),
            _ if alg.oid == RSASSA_PSS => {
                let params = alg.parameters.as_ref()?.to_der().ok()?;
                pss_params(&params)?
            }
            _ => return None,
        })
    }

    /// Whether `sig` over `tbs` verifies with the issuer's public key `spki`.
    pub(crate) fn verify(
        self,
        tbs: &[u8],
        sig: &[u8],
        spki: &SubjectPublicKeyInfoOwned,
        rsa_key: Option<&RsaPublicKey>,
    ) -> bool {
        match self {
            Self::RsaPkcs1(d) => rsa_key.filter(|k| strong(k)).is_some_and(|k| {
                let scheme = match d {
                    DigestAlgorithm::Sha1 => Pkcs1v15Sign::new::<sha1::Sha1>(),
                    DigestAlgorithm::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
                    DigestAlgorithm::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
                    DigestAlgorithm::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
                };
                k.verify(scheme, &d.digest(tbs), sig).is_ok()
            }),
            Self::RsaPss(d, salt) => rsa_key.filter(|k| strong(k)).is_some_and(|k| {
                let scheme = match d {
                    DigestAlgorithm::Sha256 => Pss::new_with_salt::<sha2::Sha256>(salt),
                    DigestAlgorithm::Sha384 => Pss::new_with_salt::<sha2::Sha384>(salt),
                    DigestAlgorithm::Sha512 => Pss::new_with_salt::<sha2::Sha512>(salt),
                    DigestAlgorithm::Sha1 => return false,
                };
                k.verify(scheme, &d.digest(tbs), sig).is_ok()
            }),
            Self::Ecdsa(d) => verify_ecdsa(&d.digest(tbs), sig, spki),
        }
    }
}

/// Whether an issuer's RSA key is large enough for its signature to count: 2048 bits, the
/// minimum pqx asks of a signer ([`crate::policy::DEFAULT_MIN_RSA_BITS`]). A certificate
/// signed by a 1024-bit CA key is as forgeable as one signed by a 1024-bit signer.
fn strong(key: &RsaPublicKey) -> bool {
    key.n().bits() >= crate::policy::DEFAULT_MIN_RSA_BITS
}

/// RSASSA-PSS-params (RFC 4055 §3.1), every field explicit in practice; the SHA-1 defaults
/// are refused.
#[derive(Sequence)]
struct PssParams<'a> {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    hash: Option<spki::AlgorithmIdentifierRef<'a>>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    mask_gen: Option<spki::AlgorithmIdentifierRef<'a>>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    salt_len: Option<u32>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    trailer: Option<u32>,
}

fn pss_params(der: &[u8]) -> Option<CertSignatureAlgorithm> {
    let p = PssParams::from_der(der).ok()?;
    let digest = hash_of(&p.hash?)?;
    let mgf = p.mask_gen?;
    if mgf.oid != MGF1 {
        return None;
    }
    let mgf_hash: spki::AlgorithmIdentifierRef<'_> = mgf.parameters?.decode_as().ok()?;
    if hash_of(&mgf_hash)? != digest || p.trailer.unwrap_or(1) != 1 {
        return None;
    }
    let salt = usize::try_from(p.salt_len.unwrap_or(20)).ok()?;
    (digest != DigestAlgorithm::Sha1).then_some(CertSignatureAlgorithm::RsaPss(digest, salt))
}

/// SHA-256/384/512 by OID, parameters absent or NULL.
fn hash_of(alg: &spki::AlgorithmIdentifierRef<'_>) -> Option<DigestAlgorithm> {
    if alg.parameters.is_some_and(|p| p.tag() != der::Tag::Null) {
        return None;
    }
    Some(match alg.oid.to_string().as_str() {
        "2.16.840.1.101.3.4.2.1" => DigestAlgorithm::Sha256,
        "2.16.840.1.101.3.4.2.2" => DigestAlgorithm::Sha384,
        "2.16.840.1.101.3.4.2.3" => DigestAlgorithm::Sha512,
        _ => return None,
    })
}

/// ECDSA-Sig-Value (RFC 3279 §2.2.3).
#[derive(Sequence)]
struct EcdsaSig<'a> {
    r: UintRef<'a>,
    s: UintRef<'a>,
}

/// `r || s`, each left-padded to `n` bytes; `None` when either is longer.
fn fixed_rs(sig: &[u8], n: usize) -> Option<Vec<u8>> {
    let s = EcdsaSig::from_der(sig).ok()?;
    let mut out = vec![0u8; 2 * n];
    for (i, v) in [s.r.as_bytes(), s.s.as_bytes()].into_iter().enumerate() {
        if v.len() > n {
            return None;
        }
        let start = (i + 1) * n - v.len();
        out.get_mut(start..start + v.len())?.copy_from_slice(v);
    }
    Some(out)
}

/// ECDSA over P-256 or P-384 (a named curve; explicit parameters are refused), any of the
/// three digests (the prehash is truncated or used as the curve requires).
fn verify_ecdsa(prehash: &[u8], sig: &[u8], spki: &SubjectPublicKeyInfoOwned) -> bool {
    if spki.algorithm.oid != EC_PUBLIC_KEY {
        return false;
    }
    let Some(curve) = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| AnyRef::from(p).decode_as::<ObjectIdentifier>().ok())
    else {
        return false;
    };
    let Some(point) = spki.subject_public_key.as_bytes() else {
        return false;
    };
    if curve == SECP256R1 {
        let (Ok(key), Some(rs)) = (
            p256::ecdsa::VerifyingKey::from_sec1_bytes(point),
            fixed_rs(sig, 32),
        ) else {
            return false;
        };
        p256::ecdsa::Signature::from_slice(&rs)
            .is_ok_and(|s| key.verify_prehash(prehash, &s).is_ok())
    } else if curve == SECP384R1 {
        let (Ok(key), Some(rs)) = (
            p384::ecdsa::VerifyingKey::from_sec1_bytes(point),
            fixed_rs(sig, 48),
        ) else {
            return false;
        };
        p384::ecdsa::Signature::from_slice(&rs)
            .is_ok_and(|s| key.verify_prehash(prehash, &s).is_ok())
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::asn1::AnyRef;

    fn alg(oid: &str, params: Option<der::Any>) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: oid.parse().unwrap(),
            parameters: params,
        }
    }

    fn pss(hash: &str, mgf_hash: &str, salt: Option<u32>) -> AlgorithmIdentifierOwned {
        let h = spki::AlgorithmIdentifierRef {
            oid: hash.parse().unwrap(),
            parameters: None,
        };
        let mh = spki::AlgorithmIdentifierRef {
            oid: mgf_hash.parse().unwrap(),
            parameters: None,
        };
        let mh_der = mh.to_der().unwrap();
        let params = PssParams {
            hash: Some(h),
            mask_gen: Some(spki::AlgorithmIdentifierRef {
                oid: MGF1,
                parameters: Some(AnyRef::from_der(&mh_der).unwrap()),
            }),
            salt_len: salt,
            trailer: None,
        };
        let der = params.to_der().unwrap();
        alg(
            "1.2.840.113549.1.1.10",
            Some(der::Any::from_der(&der).unwrap()),
        )
    }

    const SHA256: &str = "2.16.840.1.101.3.4.2.1";
    const SHA384: &str = "2.16.840.1.101.3.4.2.2";

    #[test]
    fn md5_md2_and_dsa_signatures_are_never_verified() {
        for oid in [
            "1.2.840.113549.1.1.4",   // md5WithRSAEncryption
            "1.2.840.113549.1.1.2",   // md2WithRSAEncryption
            "1.2.840.10040.4.3",      // dsa-with-sha1
            "2.16.840.1.101.3.4.3.2", // dsa-with-sha256
            "1.2.840.10045.4.1",      // ecdsa-with-SHA1
        ] {
            assert_eq!(
                CertSignatureAlgorithm::parse(&alg(oid, None)),
                None,
                "{oid}"
            );
        }
    }

    #[test]
    fn rsa_pss_needs_sha2_with_mgf1_of_the_same_hash() {
        assert_eq!(
            CertSignatureAlgorithm::parse(&pss(SHA256, SHA256, Some(32))),
            Some(CertSignatureAlgorithm::RsaPss(DigestAlgorithm::Sha256, 32))
        );
        assert_eq!(
            CertSignatureAlgorithm::parse(&pss(SHA256, SHA384, Some(32))),
            None
        );
        assert_eq!(
            CertSignatureAlgorithm::parse(&pss("1.3.14.3.2.26", "1.3.14.3.2.26", None)),
            None,
            "SHA-1 PSS"
        );
        // The SHA-1 defaults of absent parameters are refused too.
        assert_eq!(
            CertSignatureAlgorithm::parse(&alg("1.2.840.113549.1.1.10", None)),
            None
        );
    }

    #[test]
    fn ecdsa_parameters_must_be_absent() {
        let null = der::Any::new(der::Tag::Null, Vec::<u8>::new()).unwrap();
        assert_eq!(
            CertSignatureAlgorithm::parse(&alg("1.2.840.10045.4.3.2", Some(null))),
            None
        );
        assert_eq!(
            CertSignatureAlgorithm::parse(&alg("1.2.840.10045.4.3.3", None)),
            Some(CertSignatureAlgorithm::Ecdsa(DigestAlgorithm::Sha384))
        );
    }
}
