//! Trust policy as a value.
//!
//! What a verifier trusts is data handed to it, not `if` statements spread through the chain
//! builder: trust anchors (roots the user chose), pinned thumbprints (what Power BI's
//! `TrustedCertificateThumbprints` registry value holds), explicitly distrusted thumbprints,
//! and a length cap. [`TrustPolicy::none`] trusts nothing, so by default pqx reports an
//! unknown root as `UntrustedRoot`, as MakePQX does on a machine that does not trust it.

use super::{RevocationList, Thumbprint};
use crate::certificate::Certificate;
use crate::error::Result;
use crate::limits::MAX_CHAIN_LEN;

/// Trust policy for [`super::build_chain`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrustPolicy {
    /// Trust anchors: a chain that reaches one of these (same DER) is anchored.
    pub anchors: Vec<Certificate>,
    /// Pinned SHA-1 or SHA-256 thumbprints. A chain with a pinned element is trusted without
    /// reaching an anchor.
    pub pinned: Vec<Thumbprint>,
    /// Explicitly distrusted thumbprints: such an element gets `ExplicitDistrust`, whatever
    /// else the policy says.
    pub distrusted: Vec<Thumbprint>,
    /// Maximum chain length, signer included (default [`MAX_CHAIN_LEN`]).
    pub max_chain_len: usize,
    /// Revoked certificates (thumbprints, serial numbers) and CRLs. A certificate of a chain
    /// revoked at or before the time the chain is evaluated at (a valid timestamp's time,
    /// else now) makes the signature `InvalidCertificate`.
    pub revocation: RevocationList,
}

impl Default for TrustPolicy {
    fn default() -> Self {
        TrustPolicy {
            anchors: Vec::new(),
            pinned: Vec::new(),
            distrusted: Vec::new(),
            max_chain_len: MAX_CHAIN_LEN,
            revocation: RevocationList::default(),
        }
    }
}

impl TrustPolicy {
    /// A policy that trusts nothing (the same as `Default`).
    pub fn none() -> Self {
        Self::default()
    }

    /// Adds every certificate of a PEM text as an anchor (builder style).
    pub fn with_anchor_pem(mut self, pem: &str) -> Result<Self> {
        for c in Certificate::chain_from_pem(pem)? {
            self.add_anchor(c);
        }
        Ok(self)
    }

    /// Adds every certificate of PEM text, or the one certificate of DER bytes, as an anchor
    /// (the encoding is detected as [`Certificate::from_bytes_auto`] detects it: Windows
    /// `.cer` files come in both). All or nothing: bytes that do not parse add no anchor. The
    /// C ABI's `pqx_trust_policy_add_anchors` and the wasm module's `trustedCas` are this
    /// call, so every front end reads an anchor file the same way.
    pub fn add_anchors_from_pem_or_der(&mut self, bytes: &[u8]) -> Result<()> {
        for c in Certificate::from_bytes_auto(bytes)? {
            self.add_anchor(c);
        }
        Ok(())
    }

    /// Adds a trust anchor (duplicates are ignored).
    pub fn add_anchor(&mut self, c: Certificate) {
        if !self.anchors.contains(&c) {
            self.anchors.push(c);
        }
    }

    /// Pins a thumbprint (duplicates are ignored).
    pub fn pin(&mut self, t: Thumbprint) {
        if !self.pinned.contains(&t) {
            self.pinned.push(t);
        }
    }

    /// Pins a SHA-1 (40 hex digits) or SHA-256 (64) thumbprint given as text (see
    /// [`Thumbprint::parse`] for the spellings tolerated); anything else is
    /// [`crate::Error::InvalidArgument`].
    pub fn pin_thumbprint(&mut self, hex: &str) -> Result<()> {
        self.pin(Thumbprint::parse(hex)?);
        Ok(())
    }

    /// Distrusts a certificate by SHA-1 or SHA-256 thumbprint (same syntax as
    /// [`TrustPolicy::pin_thumbprint`]).
    pub fn distrust_thumbprint(&mut self, hex: &str) -> Result<()> {
        let t = Thumbprint::parse(hex)?;
        if !self.distrusted.contains(&t) {
            self.distrusted.push(t);
        }
        Ok(())
    }

    /// Revokes a certificate: `serial:HEX` for a serial number (of any issuer), otherwise a
    /// SHA-1 or SHA-256 thumbprint (`pqx verify --revoked …`). See [`RevocationList::revoke`].
    pub fn revoke(&mut self, spec: &str) -> Result<()> {
        self.revocation.revoke(spec)
    }

    /// Adds the CRLs of a PEM or DER CRL file (`pqx verify --crl FILE`). A CRL is applied to
    /// certificates of its issuer once its signature verifies with that issuer's key.
    pub fn add_crl(&mut self, bytes: &[u8]) -> Result<()> {
        self.revocation.add_crl_bytes(bytes)
    }

    /// Whether `c` is one of the anchors.
    pub fn is_anchor(&self, c: &Certificate) -> bool {
        self.anchors.contains(c)
    }

    /// Whether `c`'s SHA-1 or SHA-256 thumbprint is pinned.
    pub fn is_pinned(&self, c: &Certificate) -> bool {
        self.pinned.iter().any(|t| t.matches(c))
    }

    /// Whether `c` is explicitly distrusted.
    pub fn is_distrusted(&self, c: &Certificate) -> bool {
        self.distrusted.iter().any(|t| t.matches(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn pins_are_normalised_thumbprints_without_duplicates() {
        let mut p = TrustPolicy::none();
        p.pin_thumbprint("\u{200e}ab cd:ef 0123456789abcdef0123456789ABCDEF01")
            .unwrap();
        p.pin_thumbprint("ABCDEF0123456789ABCDEF0123456789ABCDEF01")
            .unwrap();
        assert_eq!(
            p.pinned,
            vec![Thumbprint::parse("ABCDEF0123456789ABCDEF0123456789ABCDEF01").unwrap()]
        );
        p.pin_thumbprint(&"a".repeat(64)).unwrap();
        assert_eq!(p.pinned.len(), 2);
        assert!(matches!(
            p.pin_thumbprint("abc"),
            Err(Error::InvalidArgument(_))
        ));
    }

    #[test]
    fn add_anchors_from_pem_or_der_adds_every_certificate_once_or_none_on_error() {
        let pki = crate::test_pki::TestPki::generate(&Default::default()).unwrap();
        let mut p = TrustPolicy::none();
        p.add_anchors_from_pem_or_der(pki.chain_pem().as_bytes())
            .unwrap();
        p.add_anchors_from_pem_or_der(pki.root.der()).unwrap();
        assert_eq!(
            p.anchors,
            [pki.leaf.clone(), pki.intermediate, pki.root.clone()]
        );

        let mut p = TrustPolicy::none();
        p.add_anchors_from_pem_or_der(pki.root.der()).unwrap();
        assert_eq!(p.anchors, std::slice::from_ref(&pki.root));
        let broken =
            pki.leaf.to_pem() + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        for bad in [broken.as_bytes(), b"hello"] {
            let e = p.add_anchors_from_pem_or_der(bad).unwrap_err();
            assert!(matches!(e, Error::Certificate { .. }), "{e}");
        }
        assert_eq!(p.anchors, [pki.root], "a failed call adds nothing");
    }
}
