//! Signing keys: PKCS#12 (.pfx) and PEM/DER PKCS#8 with a certificate chain.
//!
//! A [`SigningKey`] is an RSA private key together with the certificate chain that goes into
//! the signature's `KeyInfo`: the signer's certificate first, then its issuers. Every loader
//! checks that the key belongs to the first certificate, so a signature can never name a
//! certificate whose key did not make it. What makes a key acceptable for signing (size, key
//! usage, validity) is decided by [`crate::policy`], which signing and verification share.

mod algorithm;
mod pkcs12;
mod pkcs8;
mod signer;

pub use signer::{
    check_digest_len, sign_digest_verified, sign_verified, signer_certificate, Signer,
};

use crate::certificate::Certificate;
use crate::digest::DigestAlgorithm;
use crate::error::{Error, Result};
use crate::policy::CertificatePolicy;
use crate::trust::TrustPolicy;
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use time::OffsetDateTime;

/// Smallest RSA modulus pqx signs with, in bits (NIST SP 800-131A).
pub const MIN_SIGNING_KEY_BITS: usize = crate::policy::DEFAULT_MIN_RSA_BITS;

/// A private key with its certificate chain, ready to sign.
///
/// Invariant: `chain[0] == signer` and `signer`'s public key is `key`'s. (`signer` is a copy
/// of `chain[0]` so that [`SigningKey::certificate`] needs no fallible indexing.)
#[derive(Clone)]
pub struct SigningKey {
    key: RsaPrivateKey,
    signer: Certificate,
    chain: Vec<Certificate>,
}

impl std::fmt::Debug for SigningKey {
    /// Shows the certificate, never the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("subject", &self.certificate().subject())
            .field("thumbprint", &self.certificate().thumbprint_sha1())
            .field("chain_len", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Reads a PKCS#12 file: both OpenSSL 3's default (AES-256-CBC, PBKDF2, SHA-256 MAC) and
    /// the legacy format (`openssl pkcs12 -legacy`, Windows `Export-PfxCertificate`: RC2-40 or
    /// 3DES, SHA-1 MAC). The chain certificates in the file are kept: the certificate
    /// matching the private key first, then the rest ordered leaf→root as far as issuer links
    /// allow. A wrong password gives [`Error::WrongPassword`]`(source_name)`; no private key
    /// or no certificate matching it gives [`Error::Key`]. `source_name` is the file name
    /// shown in messages.
    pub fn from_pkcs12(bytes: &[u8], password: &str, source_name: &str) -> Result<Self> {
        pkcs12::load(bytes, password, source_name)
    }

    /// Reads a PEM or DER private key (PKCS#8 `PRIVATE KEY`, encrypted `ENCRYPTED PRIVATE
    /// KEY` with `key_password`, or PKCS#1 `RSA PRIVATE KEY`) and a PEM certificate chain.
    /// The certificate matching the key becomes the signer wherever it is in `chain_pem`; the
    /// others follow, ordered leaf→root as far as issuer links allow. When `chain_pem` is
    /// empty the certificates are looked for in the key file (a combined PEM).
    pub fn from_pem_parts(
        key: &[u8],
        key_password: Option<&str>,
        chain_pem: &[u8],
        source_name: &str,
    ) -> Result<Self> {
        let private = pkcs8::read_key(key, key_password, source_name)?;
        let cert_bytes = if chain_pem.iter().all(u8::is_ascii_whitespace) {
            key
        } else {
            chain_pem
        };
        let mut certs = Certificate::from_bytes_auto(cert_bytes)?;
        let public = private.to_public_key();
        let pos = certs
            .iter()
            .position(|c| c.rsa_public_key().is_ok_and(|k| k == public))
            .ok_or_else(|| Error::Key {
                source_name: source_name.to_owned(),
                reason: "no certificate in the chain matches the private key".to_owned(),
            })?;
        let signer = certs.remove(pos);
        Ok(SigningKey::assemble(private, signer, certs))
    }

    /// Assembles a signing key from parts already in memory. `chain[0]` must be the
    /// certificate of `key`: otherwise [`Error::SigningPolicy`] (a signature would name a
    /// certificate that cannot verify it). An empty chain is [`Error::InvalidArgument`].
    pub fn from_parts(key: RsaPrivateKey, chain: Vec<Certificate>) -> Result<Self> {
        let first = chain.first().ok_or_else(|| {
            Error::InvalidArgument("a signing key needs at least its own certificate".into())
        })?;
        if first.rsa_public_key().ok() != Some(key.to_public_key()) {
            return Err(Error::SigningPolicy(format!(
                "the private key does not match the certificate {} ({})",
                first.subject(),
                first.thumbprint_sha1()
            )));
        }
        Ok(SigningKey {
            key,
            signer: first.clone(),
            chain,
        })
    }

    /// Builds a key whose `signer` is already known to match `key`; orders the others.
    pub(crate) fn assemble(
        key: RsaPrivateKey,
        signer: Certificate,
        others: Vec<Certificate>,
    ) -> Self {
        let chain = order_chain(signer.clone(), others);
        SigningKey { key, signer, chain }
    }

    /// The signer's certificate (`chain()[0]`).
    pub fn certificate(&self) -> &Certificate {
        &self.signer
    }

    /// The whole chain, signer first.
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// The RSA private key, for callers that need the key itself (tests, key export); pqx
    /// signs through [`Signer`].
    pub fn private_key(&self) -> &RsaPrivateKey {
        &self.key
    }

    /// Size of the RSA modulus in bits.
    pub fn key_bits(&self) -> usize {
        self.key.n().bits()
    }

    /// RSA PKCS#1 v1.5 signature of `message`, hashed with `alg` (what XML-DSig's `rsa-sha*`
    /// signature methods are). Blinded against timing attacks with the OS random generator.
    pub fn sign_pkcs1v15(&self, alg: DigestAlgorithm, message: &[u8]) -> Result<Vec<u8>> {
        let hashed = alg.digest(message);
        self.key
            .sign_with_rng(&mut rand_core::OsRng, pkcs1v15_scheme(alg), &hashed)
            .map_err(|e| Error::Crypto(format!("RSA signing failed: {e}")))
    }

    /// RSA PKCS#1 v1.5 signature of `digest`, already computed with `alg`: the DigestInfo of
    /// `alg` is prefixed and padded, then signed (blinded). A digest of the wrong length is
    /// [`Error::InvalidArgument`].
    pub fn sign_digest(&self, alg: DigestAlgorithm, digest: &[u8]) -> Result<Vec<u8>> {
        check_digest_len(alg, digest)?;
        self.key
            .sign_with_rng(&mut rand_core::OsRng, pkcs1v15_scheme(alg), digest)
            .map_err(|e| Error::Crypto(format!("RSA signing failed: {e}")))
    }

    /// The checks made before signing: the code-signing policy
    /// ([`CertificatePolicy::code_signing`]) applied to this key's certificate and chain at
    /// `now`, trusting nothing — the same judgement `verify` makes, so that what is signed
    /// verifies. Fails with [`Error::SigningPolicy`] naming the rule broken. The checks are
    /// separate from construction so that inspection tools can still load such keys.
    pub fn check_signing_policy(&self, now: OffsetDateTime) -> Result<()> {
        CertificatePolicy::code_signing()
            .check_signer(self.certificate(), self.chain(), &TrustPolicy::none(), now)
            .map(|_| ())
    }
}

/// The `.pfx`/PEM key is the in-memory [`Signer`].
impl Signer for SigningKey {
    fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    fn key_bits(&self) -> usize {
        self.key.n().bits()
    }

    fn sign_digest(&self, alg: DigestAlgorithm, digest: &[u8]) -> Result<Vec<u8>> {
        SigningKey::sign_digest(self, alg, digest)
    }
}

pub(crate) use crate::algorithm::pkcs1v15_scheme;
pub use crate::algorithm::verify_pkcs1v15;

/// `signer` first, then each next issuer found among `rest` (by name and signature), then
/// whatever is left in its original order. Duplicates (same DER) are dropped.
pub(crate) fn order_chain(signer: Certificate, rest: Vec<Certificate>) -> Vec<Certificate> {
    let mut pool: Vec<Certificate> = Vec::new();
    for c in rest {
        if c != signer && !pool.contains(&c) {
            pool.push(c);
        }
    }
    let mut chain = vec![signer];
    while let Some(last) = chain.last() {
        if last.is_self_signed() {
            break;
        }
        let Some(pos) = pool.iter().position(|c| last.is_issued_by(c)) else {
            break;
        };
        chain.push(pool.remove(pos));
    }
    chain.extend(pool);
    chain
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_pki::{TestPki, TestPkiOptions};
    use std::sync::OnceLock;
    use time::Duration;

    fn pki() -> &'static TestPki {
        static PKI: OnceLock<TestPki> = OnceLock::new();
        PKI.get_or_init(|| TestPki::generate(&TestPkiOptions::default()).expect("test PKI"))
    }

    fn refusal(key: &SigningKey) -> String {
        match key.check_signing_policy(OffsetDateTime::now_utc()) {
            Err(Error::SigningPolicy(m)) => m,
            other => panic!("expected a SigningPolicy refusal, got {other:?}"),
        }
    }

    fn key_for(opts: &TestPkiOptions) -> SigningKey {
        let (cert, key) = pki().issue_leaf(opts).unwrap();
        SigningKey::from_parts(key, vec![cert, pki().intermediate.clone()]).unwrap()
    }

    fn reuse() -> TestPkiOptions {
        TestPkiOptions {
            leaf_key: Some(pki().leaf_key.clone()),
            ..TestPkiOptions::default()
        }
    }

    #[test]
    fn test_pki_key_passes_the_signing_policy() {
        pki()
            .signing_key()
            .check_signing_policy(OffsetDateTime::now_utc())
            .unwrap();
    }

    #[test]
    fn refuses_a_1024_bit_key() {
        let opts = TestPkiOptions {
            key_bits: 1024,
            ..TestPkiOptions::default()
        };
        let m = refusal(&key_for(&opts));
        assert!(
            m.ends_with("the certificate's RSA key has 1024 bits; at least 2048 are required"),
            "{m}"
        );
    }

    #[test]
    fn refuses_an_eku_without_code_signing() {
        let opts = TestPkiOptions {
            leaf_eku_code_signing: false,
            leaf_other_eku: vec![const_oid::db::rfc5280::ID_KP_SERVER_AUTH],
            ..reuse()
        };
        let m = refusal(&key_for(&opts));
        assert!(
            m.contains("is not for code signing: its extended key usage lacks 1.3.6.1.5.5.7.3.3"),
            "{m}"
        );
    }

    #[test]
    fn accepts_a_certificate_without_any_eku() {
        let opts = TestPkiOptions {
            leaf_eku_code_signing: false,
            ..reuse()
        };
        key_for(&opts)
            .check_signing_policy(OffsetDateTime::now_utc())
            .unwrap();
    }

    #[test]
    fn refuses_an_expired_or_not_yet_valid_certificate() {
        let now = OffsetDateTime::now_utc();
        let expired = TestPkiOptions {
            leaf_not_before: now - Duration::days(10),
            leaf_not_after: now - Duration::days(1),
            ..reuse()
        };
        let m = refusal(&key_for(&expired));
        assert!(m.contains("expired on"), "{m}");
        let future = TestPkiOptions {
            leaf_not_before: now + Duration::days(1),
            leaf_not_after: now + Duration::days(10),
            ..reuse()
        };
        let m = refusal(&key_for(&future));
        assert!(m.contains("not valid yet"), "{m}");
    }

    #[test]
    fn from_parts_refuses_a_key_that_does_not_match_the_certificate() {
        let p = pki();
        let err = SigningKey::from_parts(p.root_key.clone(), vec![p.leaf.clone()]).unwrap_err();
        assert!(
            matches!(err, Error::SigningPolicy(ref m) if m.contains("does not match")),
            "{err:?}"
        );
        let err = SigningKey::from_parts(p.leaf_key.clone(), vec![]).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    }

    #[test]
    fn signatures_verify_only_with_the_right_key_digest_and_message() {
        let k = pki().signing_key();
        let public = k.certificate().rsa_public_key().unwrap();
        for alg in DigestAlgorithm::ALL {
            let sig = k.sign_pkcs1v15(alg, b"message").unwrap();
            assert!(verify_pkcs1v15(&public, alg, b"message", &sig));
            assert!(!verify_pkcs1v15(&public, alg, b"messagE", &sig));
        }
        let sig = k.sign_pkcs1v15(DigestAlgorithm::Sha256, b"m").unwrap();
        assert!(!verify_pkcs1v15(
            &public,
            DigestAlgorithm::Sha512,
            b"m",
            &sig
        ));
        assert!(!verify_pkcs1v15(
            &pki().root.rsa_public_key().unwrap(),
            DigestAlgorithm::Sha256,
            b"m",
            &sig
        ));
        assert!(!verify_pkcs1v15(
            &public,
            DigestAlgorithm::Sha256,
            b"m",
            &sig[1..]
        ));
    }

    #[test]
    fn order_chain_puts_issuers_after_the_signer_and_keeps_strays() {
        let p = pki();
        let spare = crate::test_pki::issue_certificate(
            &crate::test_pki::CertSpec {
                common_name: "pqx Test Stray".into(),
                kind: crate::test_pki::CertKind::Ca { path_len: None },
                not_before: p.root.not_before(),
                not_after: p.root.not_after(),
                eku: vec![],
                digest: DigestAlgorithm::Sha256,
            },
            &p.root_key,
            None,
        )
        .unwrap();
        let chain = order_chain(
            p.leaf.clone(),
            vec![
                spare.clone(),
                p.root.clone(),
                p.leaf.clone(),
                p.intermediate.clone(),
            ],
        );
        assert_eq!(
            chain,
            vec![
                p.leaf.clone(),
                p.intermediate.clone(),
                p.root.clone(),
                spare
            ]
        );
    }
}
