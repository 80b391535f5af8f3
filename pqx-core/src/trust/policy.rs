//! Trust policy as a value.
//!
//! What a verifier trusts is data handed to it, not `if` statements spread through the chain
//! builder: trust anchors (roots the user chose), pinned thumbprints (what Power BI's
//! `TrustedCertificateThumbprints` registry value holds), explicitly distrusted thumbprints,
//! and a length cap. [`TrustPolicy::none`] trusts nothing, so by default pqx reports an
//! unknown root as `UntrustedRoot`, as MakePQX does on a machine that does not trust it.

use super::RevocationList;
use crate::certificate::Certificate;
use crate::error::{Error, Result};
use crate::limits::MAX_CHAIN_LEN;

/// Trust policy for [`super::build_chain`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrustPolicy {
    /// Trust anchors: a chain that reaches one of these (same DER) is anchored.
    pub anchors: Vec<Certificate>,
    /// Pinned SHA-1 thumbprints (40 upper-case hex). A chain with a pinned element is trusted
    /// without reaching an anchor.
    pub pinned_sha1: Vec<String>,
    /// Pinned SHA-256 thumbprints (64 upper-case hex).
    pub pinned_sha256: Vec<String>,
    /// Explicitly distrusted thumbprints (40 or 64 upper-case hex): such an element gets
    /// `ExplicitDistrust`, whatever else the policy says.
    pub distrusted: Vec<String>,
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
            pinned_sha1: Vec::new(),
            pinned_sha256: Vec::new(),
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

    /// Adds a trust anchor (duplicates are ignored).
    pub fn add_anchor(&mut self, c: Certificate) {
        if !self.anchors.contains(&c) {
            self.anchors.push(c);
        }
    }

    /// Pins a SHA-1 (40 hex digits) or SHA-256 (64) thumbprint. Case, spaces, colons and
    /// the invisible U+200E mark that Windows' certificate dialog puts in front of a copied
    /// thumbprint are tolerated; anything else is [`Error::InvalidArgument`].
    pub fn pin_thumbprint(&mut self, hex: &str) -> Result<()> {
        let t = normalize_thumbprint(hex)?;
        let list = if t.len() == 40 {
            &mut self.pinned_sha1
        } else {
            &mut self.pinned_sha256
        };
        if !list.contains(&t) {
            list.push(t);
        }
        Ok(())
    }

    /// Distrusts a certificate by SHA-1 or SHA-256 thumbprint (same syntax as
    /// [`TrustPolicy::pin_thumbprint`]).
    pub fn distrust_thumbprint(&mut self, hex: &str) -> Result<()> {
        let t = normalize_thumbprint(hex)?;
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
        (!self.pinned_sha1.is_empty() && self.pinned_sha1.contains(&c.thumbprint_sha1()))
            || (!self.pinned_sha256.is_empty()
                && self.pinned_sha256.contains(&c.thumbprint_sha256()))
    }

    /// Whether `c` is explicitly distrusted.
    pub fn is_distrusted(&self, c: &Certificate) -> bool {
        !self.distrusted.is_empty()
            && (self.distrusted.contains(&c.thumbprint_sha1())
                || self.distrusted.contains(&c.thumbprint_sha256()))
    }
}

/// A thumbprint as pqx compares them: upper-case hex without separators, 40 digits (SHA-1)
/// or 64 (SHA-256). Case, spaces, colons and the invisible marks Windows' certificate dialog
/// copies are dropped, so that every front end (the CLI's registry list, `--trusted-thumbprint`)
/// matches a thumbprint however the user copied it; anything else is
/// [`Error::InvalidArgument`].
pub fn normalize_thumbprint(hex: &str) -> Result<String> {
    let t: String = hex
        .chars()
        .filter(|c| !matches!(c, ' ' | ':' | '\t' | '\u{200e}' | '\u{200f}' | '\u{feff}'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if (t.len() == 40 || t.len() == 64) && t.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(t)
    } else {
        Err(Error::InvalidArgument(format!(
            "{hex:?} is not a certificate thumbprint (40 hex digits for SHA-1, 64 for SHA-256)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_tolerate_case_spaces_colons_and_windows_marks() {
        let mut p = TrustPolicy::none();
        p.pin_thumbprint("\u{200e}ab cd:ef 0123456789abcdef0123456789ABCDEF01")
            .unwrap();
        assert_eq!(
            p.pinned_sha1,
            vec!["ABCDEF0123456789ABCDEF0123456789ABCDEF01".to_owned()]
        );
        p.pin_thumbprint(&"a".repeat(64)).unwrap();
        assert_eq!(p.pinned_sha256.len(), 1);
    }

    #[test]
    fn rejects_non_thumbprints() {
        let mut p = TrustPolicy::none();
        for bad in ["", "abc", &"g".repeat(40), &"a".repeat(41)] {
            assert!(
                matches!(p.pin_thumbprint(bad), Err(Error::InvalidArgument(_))),
                "{bad}"
            );
        }
    }
}
