//! A certificate serial number, as a revoked list names it (`pqx verify --revoked serial:HEX`).

use super::Certificate;
use crate::error::{Error, Result};
use std::fmt;
use std::str::FromStr;

/// A certificate serial number, normalised to upper-case hex without separators or leading
/// zeros, so that `00:a1:b2`, `A1B2` and the DER form (which prefixes `00` when the high bit
/// is set) of one serial compare equal. RFC 5280 §4.1.2.2 caps serials at 20 octets; up to 21
/// are accepted (the DER sign octet).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SerialNumber(String);

/// Longest serial accepted, in hex digits: 20 octets and a DER sign octet.
const MAX_HEX_DIGITS: usize = 42;

impl SerialNumber {
    /// Parses a serial number in hex. Case, spaces, tabs and colons are tolerated (the
    /// spellings `openssl x509 -serial` and Windows' certificate dialog print); anything else
    /// is [`Error::InvalidArgument`].
    pub fn parse(text: &str) -> Result<Self> {
        let digits: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | ':' | '\t'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if digits.is_empty()
            || digits.len() > MAX_HEX_DIGITS
            || !digits.chars().all(|c| c.is_ascii_hexdigit())
        {
            return Err(Error::InvalidArgument(format!(
                "{text:?} is not a certificate serial number (hex digits)"
            )));
        }
        Ok(Self::from_hex_digits(&digits))
    }

    /// `c`'s serial number.
    pub fn of(c: &Certificate) -> Self {
        Self::from_hex_digits(&c.serial_hex())
    }

    /// Upper-case hex digits without their leading zeros (a zero serial stays `0`).
    fn from_hex_digits(digits: &str) -> Self {
        let trimmed = digits.trim_start_matches('0');
        SerialNumber(if trimmed.is_empty() { "0" } else { trimmed }.to_owned())
    }

    /// The upper-case hex digits, without leading zeros.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SerialNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl FromStr for SerialNumber {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        SerialNumber::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_serial_are_equal() {
        let a = SerialNumber::parse("00:a1 b2").unwrap();
        let b: SerialNumber = "A1B2".parse().unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "A1B2");
        assert_eq!(SerialNumber::parse("000").unwrap().as_str(), "0");
    }

    #[test]
    fn rejects_what_is_not_a_serial() {
        for bad in ["", ":", "xyz", "12g4", &"1".repeat(MAX_HEX_DIGITS + 1)] {
            assert!(
                matches!(SerialNumber::parse(bad), Err(Error::InvalidArgument(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_serial_of_a_certificate_matches_its_parsed_spelling() {
        let pki = crate::test_pki::TestPki::generate(&Default::default()).unwrap();
        let own = SerialNumber::of(&pki.leaf);
        let spelled = pki.leaf.serial_hex().to_lowercase();
        assert_eq!(SerialNumber::parse(&spelled).unwrap(), own);
        assert!(!own.as_str().starts_with('0') || own.as_str() == "0");
    }
}
