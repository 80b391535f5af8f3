//! Extended key usage requirements: what a certificate must say about its purpose.
//!
//! RFC 5280 §4.2.1.12 lets a certificate restrict what its key may be used for. Two uses
//! matter to pqx, and they read the extension differently:
//!
//! * **Code signing** (the `.pqx` signer, and every CA above it): Windows' rule. A
//!   certificate with no EKU extension may be used for anything; one with the extension must
//!   list code signing (1.3.6.1.5.5.7.3.3) or anyExtendedKeyUsage.
//! * **Time stamping** (the TSA of an RFC 3161 token): RFC 3161 §2.3. The TSA certificate
//!   must have the extension, *critical*, listing time stamping (1.3.6.1.5.5.7.3.8) and
//!   nothing else — so that a code-signing certificate that also lists time stamping cannot
//!   vouch for the time of its own signature. CAs above it follow the permissive rule for
//!   the time-stamping purpose.

use super::Certificate;
use const_oid::db::rfc5280::{
    ANY_EXTENDED_KEY_USAGE, ID_CE_EXT_KEY_USAGE, ID_KP_CODE_SIGNING, ID_KP_TIME_STAMPING,
};
use const_oid::ObjectIdentifier;

/// The purpose a certificate chain is validated for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyPurpose {
    /// Signing code: the `.pqx` signature, a detached `.p7s`.
    CodeSigning,
    /// Time stamping: the authority that signed an RFC 3161 token.
    TimeStamping,
    /// Another extended key usage, by OID, under the code-signing (Windows) rule. pqx signs
    /// and verifies nothing with it; it exists so that the same path validation can be
    /// measured against suites written for other purposes (x509-limbo's TLS server and
    /// client cases, `pqx-core/tests/limbo.rs`).
    Other(ObjectIdentifier),
}

impl KeyPurpose {
    /// The extended key usage OID of the purpose.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            KeyPurpose::CodeSigning => ID_KP_CODE_SIGNING,
            KeyPurpose::TimeStamping => ID_KP_TIME_STAMPING,
            KeyPurpose::Other(oid) => oid,
        }
    }

    /// A short name for messages ("code signing", "time stamping").
    pub fn name(self) -> &'static str {
        match self {
            KeyPurpose::CodeSigning => "code signing",
            KeyPurpose::TimeStamping => "time stamping",
            KeyPurpose::Other(_) => "the requested purpose",
        }
    }

    /// Whether `cert` may be the end-entity certificate for this purpose (see the module
    /// documentation for the two rules).
    pub fn allows_end_entity(self, cert: &Certificate) -> bool {
        match self {
            KeyPurpose::CodeSigning | KeyPurpose::Other(_) => self.allows_ca(cert),
            KeyPurpose::TimeStamping => {
                let Some(ext) = cert.extension(ID_CE_EXT_KEY_USAGE) else {
                    return false;
                };
                ext.critical && cert.extended_key_usage().as_deref() == Some(&[self.oid()][..])
            }
        }
    }

    /// Whether `cert`, as a CA in the chain, allows this purpose: no EKU extension, or one
    /// that lists the purpose or anyExtendedKeyUsage (Windows' rule for intermediates: a CA
    /// that lists EKUs constrains everything below it).
    pub fn allows_ca(self, cert: &Certificate) -> bool {
        match cert.extended_key_usage() {
            None => true,
            Some(ekus) => ekus
                .iter()
                .any(|o| *o == self.oid() || *o == ANY_EXTENDED_KEY_USAGE),
        }
    }
}
