//! Chain status flags with .NET's names and values.
//!
//! MakePQX prints `X509ChainStatusFlags` names (`"UntrustedRoot"`) in its report; pqx uses
//! the same bit values and the same `ToString` form so reports compare equal and users can
//! look the names up in .NET's documentation.

use std::fmt;
use std::ops::{BitOr, BitOrAssign};

/// .NET `X509ChainStatusFlags`, with .NET's bit values, as a small bitflags-like set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct ChainStatus(u32);

macro_rules! flags {
    ($($(#[$doc:meta])* $name:ident = $value:expr, $text:literal;)*) => {
        impl ChainStatus {
            $($(#[$doc])* pub const $name: ChainStatus = ChainStatus($value);)*

            /// Every named flag with its .NET name, ascending by value.
            const NAMED: &'static [(u32, &'static str)] = &[$(($value, $text)),*];
        }
    };
}

flags! {
    /// No problem (`NoError`, the empty set).
    NO_ERROR = 0, "NoError";
    /// A certificate is expired or not yet valid at the evaluation time.
    NOT_TIME_VALID = 0x1, "NotTimeValid";
    /// Validity periods are not nested (obsolete in .NET; never set by pqx).
    NOT_TIME_NESTED = 0x2, "NotTimeNested";
    /// A certificate is revoked (by a local revocation list or a verified CRL in the trust policy).
    REVOKED = 0x4, "Revoked";
    /// A certificate's signature does not verify with the key of the certificate named as
    /// its issuer.
    NOT_SIGNATURE_VALID = 0x8, "NotSignatureValid";
    /// The signer certificate is not valid for code signing (its EKU excludes it).
    NOT_VALID_FOR_USAGE = 0x10, "NotValidForUsage";
    /// The chain ends at a self-signed root that the policy does not trust.
    UNTRUSTED_ROOT = 0x20, "UntrustedRoot";
    /// Revocation status unknown (never set: pqx works offline).
    REVOCATION_STATUS_UNKNOWN = 0x40, "RevocationStatusUnknown";
    /// Following issuers leads back to a certificate already in the chain.
    CYCLIC = 0x80, "Cyclic";
    /// An extension is invalid.
    INVALID_EXTENSION = 0x100, "InvalidExtension";
    /// Policy constraints are invalid.
    INVALID_POLICY_CONSTRAINTS = 0x200, "InvalidPolicyConstraints";
    /// A certificate above the signer is not a CA, or a path length constraint is exceeded.
    INVALID_BASIC_CONSTRAINTS = 0x400, "InvalidBasicConstraints";
    /// Name constraints are invalid.
    INVALID_NAME_CONSTRAINTS = 0x800, "InvalidNameConstraints";
    /// An unsupported name constraint.
    HAS_NOT_SUPPORTED_NAME_CONSTRAINT = 0x1000, "HasNotSupportedNameConstraint";
    /// An undefined name constraint.
    HAS_NOT_DEFINED_NAME_CONSTRAINT = 0x2000, "HasNotDefinedNameConstraint";
    /// A name not permitted by name constraints.
    HAS_NOT_PERMITTED_NAME_CONSTRAINT = 0x4000, "HasNotPermittedNameConstraint";
    /// A name excluded by name constraints.
    HAS_EXCLUDED_NAME_CONSTRAINT = 0x8000, "HasExcludedNameConstraint";
    /// The chain stops before a self-signed root: an issuer is missing (or the length cap
    /// was reached).
    PARTIAL_CHAIN = 0x10000, "PartialChain";
    /// A certificate trust list is not time valid.
    CTL_NOT_TIME_VALID = 0x20000, "CtlNotTimeValid";
    /// A certificate trust list signature is invalid.
    CTL_NOT_SIGNATURE_VALID = 0x40000, "CtlNotSignatureValid";
    /// A certificate trust list is not valid for this use.
    CTL_NOT_VALID_FOR_USAGE = 0x80000, "CtlNotValidForUsage";
    /// A certificate below the root is signed with SHA-1 (a warning, not an error).
    HAS_WEAK_SIGNATURE = 0x100000, "HasWeakSignature";
    /// Revocation could not be checked online.
    OFFLINE_REVOCATION = 0x1000000, "OfflineRevocation";
    /// No issuance chain policy.
    NO_ISSUANCE_CHAIN_POLICY = 0x2000000, "NoIssuanceChainPolicy";
    /// A certificate is explicitly distrusted by the policy.
    EXPLICIT_DISTRUST = 0x4000000, "ExplicitDistrust";
    /// A critical extension is not supported.
    HAS_NOT_SUPPORTED_CRITICAL_EXTENSION = 0x8000000, "HasNotSupportedCriticalExtension";
}

impl ChainStatus {
    /// Flags that describe a weakness but do not make the chain untrusted.
    pub const WARNINGS: ChainStatus = ChainStatus(Self::HAS_WEAK_SIGNATURE.0);

    /// The raw .NET bit value.
    pub fn bits(self) -> u32 {
        self.0
    }

    /// From a raw .NET bit value (unknown bits are kept).
    pub fn from_bits(bits: u32) -> Self {
        ChainStatus(bits)
    }

    /// Whether no flag at all is set (`NoError`).
    pub fn is_ok(self) -> bool {
        self.0 == 0
    }

    /// Whether every flag of `other` is set in `self`.
    pub fn contains(self, other: ChainStatus) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether any flag of `other` is set in `self`.
    pub fn intersects(self, other: ChainStatus) -> bool {
        self.0 & other.0 != 0
    }

    /// Sets the flags of `other`.
    pub fn insert(&mut self, other: ChainStatus) {
        self.0 |= other.0;
    }

    /// Clears the flags of `other`.
    pub fn remove(&mut self, other: ChainStatus) {
        self.0 &= !other.0;
    }

    /// The flags that count against trust: everything but [`ChainStatus::WARNINGS`].
    pub fn errors(self) -> ChainStatus {
        ChainStatus(self.0 & !Self::WARNINGS.0)
    }

    /// .NET names of the set flags, ascending by value (`["NoError"]` when empty). Unknown
    /// bits have no name and are left out.
    pub fn names(self) -> Vec<&'static str> {
        if self.0 == 0 {
            return vec!["NoError"];
        }
        Self::NAMED
            .iter()
            .filter(|(v, _)| *v != 0 && self.0 & v == *v)
            .map(|(_, n)| *n)
            .collect()
    }

    /// .NET's `Enum.ToString()` of the value: `"NoError"`, or the names ascending by value
    /// joined with `", "` (`"NotTimeValid, UntrustedRoot"`), or the decimal number when a bit
    /// has no name (as .NET does).
    pub fn to_dotnet_string(self) -> String {
        let known = Self::NAMED.iter().fold(0u32, |acc, (v, _)| acc | v);
        if self.0 & !known != 0 {
            return self.0.to_string();
        }
        self.names().join(", ")
    }
}

impl BitOr for ChainStatus {
    type Output = ChainStatus;

    fn bitor(self, rhs: ChainStatus) -> ChainStatus {
        ChainStatus(self.0 | rhs.0)
    }
}

impl BitOrAssign for ChainStatus {
    fn bitor_assign(&mut self, rhs: ChainStatus) {
        self.0 |= rhs.0;
    }
}

impl fmt::Display for ChainStatus {
    /// Same as [`ChainStatus::to_dotnet_string`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_dotnet_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_values_are_dotnets() {
        assert_eq!(ChainStatus::NOT_TIME_VALID.bits(), 1);
        assert_eq!(ChainStatus::UNTRUSTED_ROOT.bits(), 32);
        assert_eq!(ChainStatus::INVALID_BASIC_CONSTRAINTS.bits(), 1024);
        assert_eq!(ChainStatus::PARTIAL_CHAIN.bits(), 65536);
        assert_eq!(ChainStatus::HAS_WEAK_SIGNATURE.bits(), 1_048_576);
        assert_eq!(ChainStatus::EXPLICIT_DISTRUST.bits(), 67_108_864);
    }

    #[test]
    fn to_string_lists_names_ascending_like_dotnet() {
        let s = ChainStatus::UNTRUSTED_ROOT | ChainStatus::NOT_TIME_VALID;
        assert_eq!(s.to_dotnet_string(), "NotTimeValid, UntrustedRoot");
        assert_eq!(ChainStatus::NO_ERROR.to_dotnet_string(), "NoError");
        assert_eq!(
            ChainStatus::from_bits(0x8000_0000).to_dotnet_string(),
            "2147483648"
        );
    }

    #[test]
    fn weak_signature_is_a_warning_not_an_error() {
        let s = ChainStatus::HAS_WEAK_SIGNATURE;
        assert!(!s.is_ok());
        assert!(s.errors().is_ok());
    }

    #[test]
    fn set_operations() {
        let mut s = ChainStatus::NO_ERROR;
        s.insert(ChainStatus::CYCLIC);
        s |= ChainStatus::PARTIAL_CHAIN;
        assert!(s.contains(ChainStatus::CYCLIC | ChainStatus::PARTIAL_CHAIN));
        s.remove(ChainStatus::CYCLIC);
        assert!(!s.intersects(ChainStatus::CYCLIC));
        assert_eq!(s.names(), vec!["PartialChain"]);
    }
}
