//! The one error type of pqx-core.
//!
//! Every fallible function in the crate returns [`Result`]. Each variant names *what* is wrong
//! and *where* (a file, a part name, an element), so that a command-line tool can print it as
//! is and a binding can map it to a stable code through [`Error::kind`].

use std::fmt;

/// Result alias used throughout pqx-core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in pqx-core.
///
/// Variants carry enough context to be shown to a user without further decoration. Bindings
/// should not match on variants (the enum is `#[non_exhaustive]`) but on [`Error::kind`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned (as given by the caller).
        path: String,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The input is not a ZIP archive, or the archive is damaged or ambiguous.
    #[error("malformed ZIP archive: {reason}")]
    Zip {
        /// What is wrong, and where (the archive, the entry).
        reason: String,
        /// The `zip` crate's or the reader's error when one found the fault (an
        /// [`std::io::Error`] underneath, for instance), for callers that walk the
        /// [`std::error::Error::source`] chain; its text is already part of `reason`, as
        /// [`Error::Io`] shows its source. Opaque, so that pqx's API does not pin a `zip`
        /// version.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
    /// A `.mez` does not have the layout Power Query expects.
    #[error("not a valid connector (.mez): {0}")]
    Mez(String),
    /// The OPC package structure is broken (content types, relationships, part names).
    #[error("malformed OPC package: {0}")]
    Opc(String),
    /// A part name breaks the OPC part-name rules (ECMA-376 Part 2 §9.1.1).
    #[error("invalid part name {name:?}: {reason}")]
    PartName {
        /// The offending name as found.
        name: String,
        /// Which rule it breaks.
        reason: String,
    },
    /// An XML part could not be parsed or is not allowed (DTD, entities, size, depth).
    #[error("XML error in {part}: {reason}")]
    Xml {
        /// Part (or file) that holds the XML.
        part: String,
        /// What is wrong.
        reason: String,
    },
    /// A signature part does not have the structure OPC / XML-DSig requires.
    #[error("malformed signature {part}: {reason}")]
    SignatureFormat {
        /// The signature part.
        part: String,
        /// What is wrong.
        reason: String,
    },
    /// An algorithm URI that pqx does not support (or refuses, like MD5).
    #[error("unsupported algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// A certificate could not be parsed.
    #[error("invalid certificate{}: {reason}", context.as_deref().map(|c| format!(" in {c}")).unwrap_or_default())]
    Certificate {
        /// Where it came from (file or part), when known.
        context: Option<String>,
        /// What is wrong.
        reason: String,
    },
    /// A private key could not be read.
    #[error("cannot read key from {source_name}: {reason}")]
    Key {
        /// The file (or "buffer") it was read from.
        source_name: String,
        /// What is wrong.
        reason: String,
    },
    /// The password for a PKCS#12 file or encrypted key is wrong.
    #[error("wrong password for {0}")]
    WrongPassword(String),
    /// Signing was refused by policy (weak key, missing EKU, expired certificate, key mismatch…).
    #[error("refusing to sign: {0}")]
    SigningPolicy(String),
    /// A cryptographic operation failed unexpectedly.
    #[error("cryptographic failure: {0}")]
    Crypto(String),
    /// The caller asked for something that does not make sense (e.g. countersign an unsigned
    /// package).
    #[error("{0}")]
    InvalidArgument(String),
    /// A configured limit was exceeded (see [`crate::limits::Limits`]).
    #[error("limit exceeded: {0}")]
    LimitExceeded(String),
    /// Time-stamping failed: no authority answered, an answer was refused or malformed, or a
    /// token does not verify. Signing stops rather than write a signature without the
    /// timestamp the caller asked for.
    #[error("timestamp: {0}")]
    Timestamp(String),
    /// A CMS (PKCS#7) structure is malformed or does not verify: a detached `.p7s`, or the
    /// SignedData inside a time-stamp token.
    #[error("CMS: {0}")]
    Cms(String),
    /// A [`crate::keys::Signer`] failed to sign (an external command exited with an error,
    /// timed out, or returned a signature that does not verify with the certificate). Its
    /// kind is [`ErrorKind::Key`]: the key could not be used.
    #[error("signer: {0}")]
    Signer(String),
}

/// Stable classification of [`Error`]s, used by the C ABI and the JavaScript bindings.
///
/// The numeric values are part of the C ABI (`pqx_status`) and never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[repr(i32)]
pub enum ErrorKind {
    /// I/O failure.
    Io = 10,
    /// Malformed ZIP.
    Zip = 11,
    /// Malformed .mez.
    Mez = 12,
    /// Malformed OPC package or part name.
    Opc = 13,
    /// Malformed or forbidden XML.
    Xml = 14,
    /// Malformed signature part.
    SignatureFormat = 15,
    /// Unsupported algorithm.
    UnsupportedAlgorithm = 16,
    /// Invalid certificate.
    Certificate = 17,
    /// Unreadable key.
    Key = 18,
    /// Wrong password.
    WrongPassword = 19,
    /// Signing refused by policy.
    SigningPolicy = 20,
    /// Cryptographic failure.
    Crypto = 21,
    /// Invalid argument.
    InvalidArgument = 22,
    /// Limit exceeded.
    LimitExceeded = 23,
    /// Time-stamping failed.
    Timestamp = 24,
    /// Malformed or non-verifying CMS structure.
    Cms = 25,
}

impl ErrorKind {
    /// Every kind, in code order: the one list the C ABI's `pqx_status`, the .NET `Status`
    /// and the JavaScript `code`s are checked against (tests in pqx-ffi, bindings/dotnet and
    /// pqx-wasm).
    pub const ALL: [ErrorKind; 16] = [
        ErrorKind::Io,
        ErrorKind::Zip,
        ErrorKind::Mez,
        ErrorKind::Opc,
        ErrorKind::Xml,
        ErrorKind::SignatureFormat,
        ErrorKind::UnsupportedAlgorithm,
        ErrorKind::Certificate,
        ErrorKind::Key,
        ErrorKind::WrongPassword,
        ErrorKind::SigningPolicy,
        ErrorKind::Crypto,
        ErrorKind::InvalidArgument,
        ErrorKind::LimitExceeded,
        ErrorKind::Timestamp,
        ErrorKind::Cms,
    ];

    /// The stable numeric code (`pqx_status` in the C ABI).
    pub fn code(self) -> i32 {
        self as i32
    }

    /// A short stable name (`"wrong-password"`, …) for JSON and JavaScript `code` properties.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Io => "io",
            ErrorKind::Zip => "zip",
            ErrorKind::Mez => "mez",
            ErrorKind::Opc => "opc",
            ErrorKind::Xml => "xml",
            ErrorKind::SignatureFormat => "signature-format",
            ErrorKind::UnsupportedAlgorithm => "unsupported-algorithm",
            ErrorKind::Certificate => "certificate",
            ErrorKind::Key => "key",
            ErrorKind::WrongPassword => "wrong-password",
            ErrorKind::SigningPolicy => "signing-policy",
            ErrorKind::Crypto => "crypto",
            ErrorKind::InvalidArgument => "invalid-argument",
            ErrorKind::LimitExceeded => "limit-exceeded",
            ErrorKind::Timestamp => "timestamp",
            ErrorKind::Cms => "cms",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Error {
    /// The stable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Io { .. } => ErrorKind::Io,
            Error::Zip { .. } => ErrorKind::Zip,
            Error::Mez(_) => ErrorKind::Mez,
            Error::Opc(_) | Error::PartName { .. } => ErrorKind::Opc,
            Error::Xml { .. } => ErrorKind::Xml,
            Error::SignatureFormat { .. } => ErrorKind::SignatureFormat,
            Error::UnsupportedAlgorithm(_) => ErrorKind::UnsupportedAlgorithm,
            Error::Certificate { .. } => ErrorKind::Certificate,
            Error::Key { .. } => ErrorKind::Key,
            Error::WrongPassword(_) => ErrorKind::WrongPassword,
            Error::SigningPolicy(_) => ErrorKind::SigningPolicy,
            Error::Crypto(_) => ErrorKind::Crypto,
            Error::InvalidArgument(_) => ErrorKind::InvalidArgument,
            Error::LimitExceeded(_) => ErrorKind::LimitExceeded,
            Error::Timestamp(_) => ErrorKind::Timestamp,
            Error::Cms(_) => ErrorKind::Cms,
            Error::Signer(_) => ErrorKind::Key,
        }
    }

    /// What the user can do about this error, in words every host can show (the CLI adds its
    /// flag names; the C ABI has `pqx_last_error_hint`, .NET appends it to the exception's
    /// message, JavaScript errors carry it as `hint`). `None` when there is nothing to say
    /// beyond the message.
    pub fn hint(&self) -> Option<&'static str> {
        Some(match self {
            Error::Io { source, .. } => match source.kind() {
                std::io::ErrorKind::NotFound => "check the path",
                std::io::ErrorKind::PermissionDenied => {
                    "check the file's and its folder's permissions"
                }
                std::io::ErrorKind::StorageFull => "free some space or write elsewhere",
                _ => return None,
            },
            Error::Zip { .. } => "is it a .mez or .pqx file?",
            Error::WrongPassword(_) => "give the password the .pfx/.p12 file was exported with",
            Error::Key { .. } => {
                "use a .pfx/.p12 file, or a PEM or DER RSA private key with its certificate chain"
            }
            Error::SigningPolicy(_) => {
                "sign with an RSA key of 2048 bits or more whose certificate is valid now and allows code signing"
            }
            Error::Timestamp(_) => {
                "try another time-stamping authority, or again later; nothing was written"
            }
            Error::Signer(_) => {
                "check that the signer uses the certificate's key and RSA PKCS#1 v1.5 with the requested hash"
            }
            _ => return None,
        })
    }

    /// Builds an [`Error::Io`] for `path`.
    pub fn io(path: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Builds an [`Error::Zip`] found by pqx's own checks (no underlying error).
    pub fn zip(reason: impl Into<String>) -> Self {
        Error::Zip {
            reason: reason.into(),
            source: None,
        }
    }

    /// Builds an [`Error::Zip`] caused by `source` (whose text `reason` already includes).
    pub(crate) fn zip_caused(
        reason: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Zip {
            reason: reason.into(),
            source: Some(Box::new(source)),
        }
    }

    /// Builds an [`Error::Xml`].
    pub fn xml(part: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Xml {
            part: part.into(),
            reason: reason.into(),
        }
    }

    /// Builds an [`Error::SignatureFormat`].
    pub fn signature_format(part: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::SignatureFormat {
            part: part.into(),
            reason: reason.into(),
        }
    }

    /// Builds an [`Error::Certificate`].
    pub fn certificate(context: Option<&str>, reason: impl Into<String>) -> Self {
        Error::Certificate {
            context: context.map(str::to_owned),
            reason: reason.into(),
        }
    }
}

impl From<zip::result::ZipError> for Error {
    fn from(e: zip::result::ZipError) -> Self {
        Error::zip_caused(e.to_string(), e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn a_zip_error_keeps_its_source_and_its_text() {
        let e = Error::from(zip::result::ZipError::Io(std::io::Error::other(
            "disk gone",
        )));
        assert_eq!(e.kind(), ErrorKind::Zip);
        assert!(e.to_string().contains("disk gone"), "{e}");
        let source = std::error::Error::source(&e).expect("the zip error is kept");
        let zip_error = source
            .downcast_ref::<zip::result::ZipError>()
            .expect("as the zip crate's error");
        assert!(matches!(zip_error, zip::result::ZipError::Io(_)));
        assert!(std::error::Error::source(&Error::zip("own check")).is_none());
    }

    #[test]
    fn every_kind_is_listed_once_in_code_order_with_a_distinct_name() {
        let codes: Vec<i32> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(codes, sorted, "ALL is in code order, without repeats");
        assert_eq!(codes.first(), Some(&10));
        assert_eq!(codes.last(), Some(&(10 + ErrorKind::ALL.len() as i32 - 1)));
        let names: HashSet<&str> = ErrorKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names.len(), ErrorKind::ALL.len());
    }

    #[test]
    fn hints_say_what_to_do_in_host_neutral_words() {
        let missing = Error::io("a.pqx", std::io::Error::from(std::io::ErrorKind::NotFound));
        assert_eq!(missing.hint(), Some("check the path"));
        assert_eq!(Error::zip("x").hint(), Some("is it a .mez or .pqx file?"));
        assert!(Error::WrongPassword("a.pfx".into())
            .hint()
            .is_some_and(|h| h.contains("password")));
        assert_eq!(Error::Crypto("x".into()).hint(), None);
        // No hint names a command-line option: the bindings show them too.
        for e in [
            Error::WrongPassword("a".into()),
            Error::Key {
                source_name: "a".into(),
                reason: "b".into(),
            },
            Error::SigningPolicy("a".into()),
            Error::Timestamp("a".into()),
            Error::Signer("a".into()),
        ] {
            let hint = e.hint().unwrap_or_default();
            assert!(!hint.is_empty() && !hint.contains("--"), "{e}: {hint}");
        }
    }
}
