//! The adaptor between a [`SigningKey`] and `cms`' `SignerInfoBuilder`.
//!
//! The builder wants a `signature::Signer` that also names its algorithm. `rsa`'s own
//! `pkcs1v15::SigningKey<D>` would fix the digest in the type and sign without blinding; this
//! adaptor takes the digest as a value and signs through [`SigningKey::sign_pkcs1v15`]
//! (blinded), and names the algorithm `rsaEncryption` as OpenSSL does in a SignerInfo.

use super::algorithm::rsa_signature_identifier;
use crate::digest::DigestAlgorithm;
use crate::keys::SigningKey;
use rsa::RsaPublicKey;
use spki::{AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier};

/// RSA PKCS#1 v1.5 with a chosen digest, for `cms::builder`.
pub(crate) struct CmsRsaSigner<'a> {
    pub(crate) key: &'a SigningKey,
    pub(crate) public: RsaPublicKey,
    pub(crate) digest: DigestAlgorithm,
}

impl<'a> CmsRsaSigner<'a> {
    /// An adaptor for `key` signing with `digest`.
    pub(crate) fn new(key: &'a SigningKey, digest: DigestAlgorithm) -> Self {
        CmsRsaSigner {
            key,
            public: key.private_key().to_public_key(),
            digest,
        }
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
        let sig = self
            .key
            .sign_pkcs1v15(self.digest, msg)
            .map_err(signature::Error::from_source)?;
        rsa::pkcs1v15::Signature::try_from(sig.as_slice())
    }
}
