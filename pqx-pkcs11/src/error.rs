//! What can go wrong between pqx and a PKCS#11 token, one variant per thing the user must do
//! differently (the CLI maps each to an exit status and a hint).

/// A PKCS#11 failure.
#[derive(Debug, thiserror::Error)]
pub enum Pkcs11Error {
    /// The module file cannot be loaded as a PKCS#11 library (missing, not a shared library,
    /// no `C_GetFunctionList`, or `C_Initialize` failed).
    #[error("{path} is not a usable PKCS#11 module: {reason}")]
    Module {
        /// The module path as given.
        path: String,
        /// Why.
        reason: String,
    },
    /// The `pkcs11:` URI is malformed.
    #[error("malformed pkcs11: URI: {0}")]
    Uri(String),
    /// No token, or several, match the URI's token attributes.
    #[error("{0}")]
    Token(String),
    /// The token refused the PIN (`CKR_PIN_INCORRECT`).
    #[error("wrong PIN for the token {token:?}")]
    PinIncorrect {
        /// The token label.
        token: String,
    },
    /// The token's user PIN is locked (`CKR_PIN_LOCKED`, too many wrong PINs) or was never
    /// set (`CKR_USER_PIN_NOT_INITIALIZED`): no PIN can open it.
    #[error("the user PIN of the token {token:?} is {state}: no PIN can log in")]
    PinLocked {
        /// The token label.
        token: String,
        /// `locked` or `not initialised`.
        state: &'static str,
    },
    /// No private key in the token matches the URI.
    #[error("no private key in the token {token:?} matches {uri}")]
    NoKey {
        /// The token label.
        token: String,
        /// The URI.
        uri: String,
    },
    /// Several private keys match the URI: signing with one picked at random is not an option.
    #[error("{uri} matches {} private keys in the token {token:?}: {}", candidates.len(), candidates.join(", "))]
    Ambiguous {
        /// The token label.
        token: String,
        /// The URI.
        uri: String,
        /// A URI for each key that matches.
        candidates: Vec<String>,
    },
    /// The key is not an RSA key (Power BI verifies only RSA signatures).
    #[error(
        "the key {uri} is a {key_type} key, not an RSA key: .pqx signatures are RSA PKCS#1 v1.5"
    )]
    NotRsa {
        /// The key's URI.
        uri: String,
        /// Its `CKA_KEY_TYPE`.
        key_type: String,
    },
    /// Neither the token nor the given chain has a certificate for the key.
    #[error("{0}")]
    NoCertificate(String),
    /// Any other PKCS#11 failure (the function and its `CKR_…` code).
    #[error("PKCS#11: {0}")]
    Device(String),
}

impl From<cryptoki::error::Error> for Pkcs11Error {
    fn from(e: cryptoki::error::Error) -> Self {
        Pkcs11Error::Device(e.to_string())
    }
}
