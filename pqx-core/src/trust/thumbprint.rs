//! A certificate thumbprint, as Power BI's `TrustedCertificateThumbprints` list, Windows'
//! certificate dialog and `pqx thumbprint` spell it.

use crate::certificate::Certificate;
use crate::error::{Error, Result};
use std::fmt;
use std::str::FromStr;

/// A SHA-1 (40 hex digits) or SHA-256 (64) certificate thumbprint, normalised to upper-case
/// hex without separators, so that two spellings of one thumbprint compare equal.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Thumbprint(String);

impl Thumbprint {
    /// Parses a thumbprint. Case, spaces, colons and the invisible marks Windows' certificate
    /// dialog puts around a copied thumbprint (U+200E, U+200F, U+FEFF) are tolerated;
    /// anything else is [`Error::InvalidArgument`].
    pub fn parse(text: &str) -> Result<Self> {
        let t: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | ':' | '\t' | '\u{200e}' | '\u{200f}' | '\u{feff}'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if (t.len() == 40 || t.len() == 64) && t.chars().all(|c| c.is_ascii_hexdigit()) {
            Ok(Thumbprint(t))
        } else {
            Err(Error::InvalidArgument(format!(
                "{text:?} is not a certificate thumbprint (40 hex digits for SHA-1, 64 for SHA-256)"
            )))
        }
    }

    /// `c`'s SHA-1 thumbprint (what Power BI's trust list holds).
    pub fn sha1_of(c: &Certificate) -> Self {
        Thumbprint(c.thumbprint_sha1())
    }

    /// Whether this is a SHA-1 thumbprint (else SHA-256).
    pub fn is_sha1(&self) -> bool {
        self.0.len() == 40
    }

    /// Whether `c` has this thumbprint (its SHA-1 or SHA-256, whichever this is).
    pub fn matches(&self, c: &Certificate) -> bool {
        if self.is_sha1() {
            c.thumbprint_sha1() == self.0
        } else {
            c.thumbprint_sha256() == self.0
        }
    }

    /// The upper-case hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Thumbprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl FromStr for Thumbprint {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Thumbprint::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_thumbprint_are_equal() {
        let a = Thumbprint::parse("\u{200e}ab cd:ef 0123456789abcdef0123456789ABCDEF01").unwrap();
        let b: Thumbprint = "ABCDEF0123456789ABCDEF0123456789ABCDEF01".parse().unwrap();
        assert_eq!(a, b);
        assert!(a.is_sha1());
        assert_eq!(a.to_string(), "ABCDEF0123456789ABCDEF0123456789ABCDEF01");
        assert!(!Thumbprint::parse(&"a".repeat(64)).unwrap().is_sha1());
    }

    #[test]
    fn rejects_non_thumbprints() {
        for bad in ["", "abc", &"g".repeat(40), &"a".repeat(41)] {
            assert!(
                matches!(Thumbprint::parse(bad), Err(Error::InvalidArgument(_))),
                "{bad}"
            );
        }
    }
}
