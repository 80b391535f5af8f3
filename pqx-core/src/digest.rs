//! Digest and signature algorithms, named by their XML-DSig URIs.
//!
//! OPC signatures name algorithms by URI. .NET Framework's default digest is SHA-1, newer
//! .NET uses SHA-256; pqx signs with SHA-256 by default and verifies SHA-1 (reported as
//! weak), SHA-256, SHA-384 and SHA-512. Anything else (MD5 included) is refused.

use crate::error::{Error, Result};
use sha1::Sha1;
use sha2::{Digest as _, Sha256, Sha384, Sha512};

/// A digest algorithm pqx can compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// SHA-1: accepted when verifying (it is .NET Framework's default) but weak.
    Sha1,
    /// SHA-256: pqx's default.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl DigestAlgorithm {
    /// Every supported algorithm, weakest first.
    pub const ALL: [DigestAlgorithm; 4] = [
        DigestAlgorithm::Sha1,
        DigestAlgorithm::Sha256,
        DigestAlgorithm::Sha384,
        DigestAlgorithm::Sha512,
    ];

    /// The `DigestMethod/@Algorithm` URI (XML-DSig / XML-Enc / RFC 6931).
    pub fn uri(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha1 => "http://www.w3.org/2000/09/xmldsig#sha1",
            DigestAlgorithm::Sha256 => "http://www.w3.org/2001/04/xmlenc#sha256",
            DigestAlgorithm::Sha384 => "http://www.w3.org/2001/04/xmldsig-more#sha384",
            DigestAlgorithm::Sha512 => "http://www.w3.org/2001/04/xmlenc#sha512",
        }
    }

    /// The `SignatureMethod/@Algorithm` URI of RSA PKCS#1 v1.5 with this digest.
    pub fn rsa_signature_uri(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha1 => "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
            DigestAlgorithm::Sha256 => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            DigestAlgorithm::Sha384 => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
            DigestAlgorithm::Sha512 => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
        }
    }

    /// Parses a `DigestMethod` URI. Unknown and refused algorithms (MD5) give
    /// [`Error::UnsupportedAlgorithm`].
    pub fn from_uri(uri: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.uri() == uri)
            .ok_or_else(|| Error::UnsupportedAlgorithm(format!("digest method {uri:?}")))
    }

    /// Parses a `SignatureMethod` URI (RSA PKCS#1 v1.5 only) into its digest.
    pub fn from_rsa_signature_uri(uri: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.rsa_signature_uri() == uri)
            .ok_or_else(|| Error::UnsupportedAlgorithm(format!("signature method {uri:?}")))
    }

    /// Short lower-case name (`sha256`), as used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha1 => "sha1",
            DigestAlgorithm::Sha256 => "sha256",
            DigestAlgorithm::Sha384 => "sha384",
            DigestAlgorithm::Sha512 => "sha512",
        }
    }

    /// Parses a short name (`sha256`, case-insensitive, `sha-256` accepted).
    pub fn from_name(name: &str) -> Result<Self> {
        let n = name.to_ascii_lowercase().replace('-', "");
        Self::ALL
            .into_iter()
            .find(|a| a.name() == n)
            .ok_or_else(|| Error::UnsupportedAlgorithm(format!("digest {name:?}")))
    }

    /// Whether this algorithm is considered weak (collisions are practical for SHA-1).
    pub fn is_weak(self) -> bool {
        self == DigestAlgorithm::Sha1
    }

    /// Starts an incremental hash.
    pub fn hasher(self) -> Hasher {
        match self {
            DigestAlgorithm::Sha1 => Hasher::Sha1(Sha1::new()),
            DigestAlgorithm::Sha256 => Hasher::Sha256(Sha256::new()),
            DigestAlgorithm::Sha384 => Hasher::Sha384(Sha384::new()),
            DigestAlgorithm::Sha512 => Hasher::Sha512(Sha512::new()),
        }
    }

    /// Hashes `data` in one call.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let mut h = self.hasher();
        h.update(data);
        h.finalize()
    }
}

impl std::fmt::Display for DigestAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// An incremental hash of one of the [`DigestAlgorithm`]s; lets one pass over a part feed
/// every algorithm any signature asks for.
#[derive(Clone)]
#[non_exhaustive]
pub enum Hasher {
    /// SHA-1 state.
    Sha1(Sha1),
    /// SHA-256 state.
    Sha256(Sha256),
    /// SHA-384 state.
    Sha384(Sha384),
    /// SHA-512 state.
    Sha512(Sha512),
}

impl Hasher {
    /// Feeds bytes.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha1(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha384(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    /// Finishes and returns the digest.
    pub fn finalize(self) -> Vec<u8> {
        match self {
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha384(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hasher")
    }
}

/// Standard base64 with padding: how XML-DSig writes `DigestValue` and `SignatureValue`,
/// and so how pqx compares and writes them.
pub(crate) fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_round_trip() {
        for a in DigestAlgorithm::ALL {
            assert_eq!(DigestAlgorithm::from_uri(a.uri()).unwrap(), a);
            assert_eq!(
                DigestAlgorithm::from_rsa_signature_uri(a.rsa_signature_uri()).unwrap(),
                a
            );
            assert_eq!(DigestAlgorithm::from_name(a.name()).unwrap(), a);
        }
    }

    #[test]
    fn rejects_md5() {
        let e =
            DigestAlgorithm::from_uri("http://www.w3.org/2001/04/xmldsig-more#md5").unwrap_err();
        assert!(matches!(e, Error::UnsupportedAlgorithm(_)));
    }

    #[test]
    fn sha256_of_abc_matches_fips_vector() {
        assert_eq!(
            hex::encode(DigestAlgorithm::Sha256.digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
