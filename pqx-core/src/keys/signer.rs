//! The one signer abstraction: a certificate chain and "sign this digest".
//!
//! Every signature pqx writes (the OPC signature's SignedInfo, a detached `.p7s`'s signed
//! attributes) ends in one RSA PKCS#1 v1.5 signature over a digest. A [`Signer`] is whatever
//! makes that signature: the in-memory [`super::SigningKey`] (`.pfx`, PEM), or something the
//! private key never leaves — a command that asks a KMS (the CLI's `--sign-command`), a
//! hardware token. pqx-core stays pure Rust: hardware and remote signers live outside it and
//! only implement this trait.
//!
//! Whatever the signer, two checks are made here, in the core, so no signer can skip them:
//! the certificate policy before anything is signed (see [`crate::sign`] and
//! [`crate::policy`]), and after signing, the signature is verified with the certificate's
//! public key ([`sign_verified`]): a signer that answers with another key's signature, a
//! truncated one or garbage fails with [`Error::Signer`] before a byte of output is written.

use crate::algorithm::verify_pkcs1v15_digest;
use crate::certificate::Certificate;
use crate::digest::DigestAlgorithm;
use crate::error::{Error, Result};

/// Something that signs digests with the private key of a certificate.
///
/// `Send + Sync` so that a signer can be shared by the threads of a signing pipeline.
pub trait Signer: Send + Sync {
    /// The certificate chain for the signature's `KeyInfo`: the signer's certificate first
    /// (the one whose public key verifies [`Signer::sign_digest`]'s signatures), then its
    /// issuers.
    fn chain(&self) -> &[Certificate];

    /// Size of the RSA modulus in bits (what the key-size policy is about). By default the
    /// size of the signer certificate's key, which is the key that must verify the signature.
    fn key_bits(&self) -> usize {
        self.chain()
            .first()
            .and_then(Certificate::key_bits)
            .unwrap_or(0)
    }

    /// RSA PKCS#1 v1.5 signature of `digest`, a digest already computed with `alg`: the
    /// signer pads `DigestInfo(alg, digest)` and signs it (what `openssl pkeyutl -sign
    /// -pkeyopt digest:sha256`, `aws kms sign --message-type DIGEST` and Azure Key Vault's
    /// `RS256` do). pqx checks the answer with the certificate; see [`sign_verified`].
    fn sign_digest(&self, alg: DigestAlgorithm, digest: &[u8]) -> Result<Vec<u8>>;
}

/// The signer's certificate (`chain()[0]`); a signer without a certificate is
/// [`Error::InvalidArgument`] (a signature must name the key that made it).
pub fn signer_certificate(signer: &dyn Signer) -> Result<&Certificate> {
    signer.chain().first().ok_or_else(|| {
        Error::InvalidArgument(
            "the signer has no certificate: a signature must name its key".into(),
        )
    })
}

/// Signs `message` with `signer` (hashing it with `alg`) and verifies the signature with the
/// signer certificate's public key before returning it. The one path every pqx signature
/// takes, so an external signer's wrong answer is caught here whatever called it.
pub fn sign_verified(signer: &dyn Signer, alg: DigestAlgorithm, message: &[u8]) -> Result<Vec<u8>> {
    sign_digest_verified(signer, alg, &alg.digest(message))
}

/// [`sign_verified`] for a digest already computed with `alg`.
pub fn sign_digest_verified(
    signer: &dyn Signer,
    alg: DigestAlgorithm,
    digest: &[u8],
) -> Result<Vec<u8>> {
    let cert = signer_certificate(signer)?;
    let public = cert.rsa_public_key()?;
    let signature = signer.sign_digest(alg, digest)?;
    if !verify_pkcs1v15_digest(&public, alg, digest, &signature) {
        return Err(Error::Signer(format!(
            "the signature returned ({} bytes) does not verify with the certificate {} ({}): \
             the signer used another key, another padding or digest than RSA PKCS#1 v1.5 / {alg}, \
             or answered something that is not a signature",
            signature.len(),
            cert.subject(),
            cert.thumbprint_sha1()
        )));
    }
    Ok(signature)
}

/// Checks that `digest` has the length of an `alg` digest: what a signer that receives
/// digests (not messages) must make sure of before padding them.
pub fn check_digest_len(alg: DigestAlgorithm, digest: &[u8]) -> Result<()> {
    let expected = alg.digest(b"").len();
    if digest.len() != expected {
        return Err(Error::InvalidArgument(format!(
            "a {alg} digest has {expected} bytes, not {}",
            digest.len()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_pki::{TestPki, TestPkiOptions};
    use std::sync::OnceLock;

    fn pki() -> &'static TestPki {
        static PKI: OnceLock<TestPki> = OnceLock::new();
        PKI.get_or_init(|| TestPki::generate(&TestPkiOptions::default()).expect("test PKI"))
    }

    /// A signer over the test key that can be told to answer with a corrupted signature.
    struct Wrapped {
        key: super::super::SigningKey,
        corrupt: bool,
    }

    impl Signer for Wrapped {
        fn chain(&self) -> &[Certificate] {
            Signer::chain(&self.key)
        }
        fn key_bits(&self) -> usize {
            Signer::key_bits(&self.key)
        }
        fn sign_digest(&self, alg: DigestAlgorithm, digest: &[u8]) -> Result<Vec<u8>> {
            let mut s = self.key.sign_digest(alg, digest)?;
            if self.corrupt {
                if let Some(b) = s.last_mut() {
                    *b ^= 1;
                }
            }
            Ok(s)
        }
    }

    #[test]
    fn signing_key_digest_signature_verifies_as_a_message_signature() {
        let key = pki().signing_key();
        let sig = sign_verified(&key, DigestAlgorithm::Sha256, b"hello").unwrap();
        let public = key.certificate().rsa_public_key().unwrap();
        assert!(crate::algorithm::verify_pkcs1v15(
            &public,
            DigestAlgorithm::Sha256,
            b"hello",
            &sig
        ));
        // Same bytes as the message-level path (PKCS#1 v1.5 is deterministic).
        assert_eq!(
            sig,
            key.sign_pkcs1v15(DigestAlgorithm::Sha256, b"hello")
                .unwrap()
        );
    }

    #[test]
    fn refuses_a_signature_that_does_not_verify_with_the_certificate() {
        let signer = Wrapped {
            key: pki().signing_key(),
            corrupt: true,
        };
        match sign_verified(&signer, DigestAlgorithm::Sha256, b"hello") {
            Err(Error::Signer(m)) => assert!(m.contains("does not verify"), "{m}"),
            other => panic!("expected a Signer error, got {other:?}"),
        }
    }

    #[test]
    fn refuses_a_digest_of_the_wrong_length() {
        let key = pki().signing_key();
        let err = key
            .sign_digest(DigestAlgorithm::Sha256, &[0; 20])
            .unwrap_err();
        assert!(err.to_string().contains("32 bytes, not 20"), "{err}");
    }
}
