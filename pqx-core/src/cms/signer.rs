//! The adaptor between a [`Signer`] and `cms`' `SignerInfoBuilder`.
//!
//! The builder wants a `signature::Signer` that also names its algorithm. `rsa`'s own
//! `pkcs1v15::SigningKey<D>` would fix the digest in the type and need the private key; this
//! adaptor takes the digest as a value, signs through any [`Signer`] (in memory or external)
//! with [`sign_verified`] — so the signature is checked with the certificate whatever made it
//! — and names the algorithm `rsaEncryption` as OpenSSL does in a SignerInfo.

use super::algorithm::rsa_signature_identifier;
use crate::digest::DigestAlgorithm;
use crate::error::Result;
use crate::keys::{sign_verified, signer_certificate, Signer};
use rsa::RsaPublicKey;
use spki::{AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier};

/// RSA PKCS#1 v1.5 with a chosen digest, for `cms::builder`.
pub(crate) struct CmsRsaSigner<'a> {
    pub(crate) key: &'a dyn Signer,
    pub(crate) public: RsaPublicKey,
    pub(crate) digest: DigestAlgorithm,
}

impl<'a> CmsRsaSigner<'a> {
    /// An adaptor for `key` signing with `digest`; its verifying key is the public key of the
    /// signer's certificate.
    pub(crate) fn new(key: &'a dyn Signer, digest: DigestAlgorithm) -> Result<Self> {
        Ok(CmsRsaSigner {
            key,
            public: signer_certificate(key)?.rsa_public_key()?,
            digest,
        })
    }
}

impl signature::Keypair for CmsRsaSigner<'_> {
    type VerifyingKey = RsaPublicKey;

    fn verifying_key(&self) -> RsaPublicKey {
        self.public.clone()
    }
}

impl DynSignatureAlgorithmIdentifier for CmsRsaSigner<'_> {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        rsa_signature_identifier().map_err(|_| spki::Error::KeyMalformed)
    }
}

impl signature::Signer<rsa::pkcs1v15::Signature> for CmsRsaSigner<'_> {
    fn try_sign(
        &self,
        msg: &[u8],
    ) -> std::result::Result<rsa::pkcs1v15::Signature, signature::Error> {
        let sig =
            sign_verified(self.key, self.digest, msg).map_err(signature::Error::from_source)?;
        rsa::pkcs1v15::Signature::try_from(sig.as_slice())
    }
}
