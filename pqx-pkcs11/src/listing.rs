//! `pqx keys list`: what a token holds, each key and certificate with the URI that names it.

use crate::error::Pkcs11Error;
use crate::objects::{certificates, find_keys, KeyObject};
use crate::token::{Module, TokenSlot};
use crate::uri::{object_uri, Pkcs11Uri};
use cryptoki::object::ObjectClass;

/// A key of a token.
#[derive(Clone, Debug)]
pub struct KeyListing {
    /// `private` or `public`.
    pub class: &'static str,
    /// `RSA`, `EC`, …
    pub key_type: String,
    /// Key size in bits, when known.
    pub bits: Option<usize>,
    /// `CKA_LABEL`.
    pub label: String,
    /// `CKA_ID`, lowercase hex.
    pub id: String,
    /// The URI to pass to `--key` (`type=private`).
    pub uri: String,
}

/// A certificate of a token.
#[derive(Clone, Debug)]
pub struct CertListing {
    /// `CKA_LABEL`.
    pub label: String,
    /// `CKA_ID`, lowercase hex (the same as its key's).
    pub id: String,
    /// Subject, or why the certificate cannot be read.
    pub subject: String,
    /// SHA-1 thumbprint (what Power BI's trusted-thumbprint list takes).
    pub thumbprint: Option<String>,
    /// The URI of the certificate (`type=cert`).
    pub uri: String,
}

/// What one token holds.
#[derive(Clone, Debug)]
pub struct TokenListing {
    /// The token.
    pub token: TokenSlot,
    /// Whether the listing was made logged in (private keys are only visible then).
    pub logged_in: bool,
    /// Keys: private ones when logged in, public ones otherwise.
    pub keys: Vec<KeyListing>,
    /// Certificates.
    pub certificates: Vec<CertListing>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Lists `token`, logged in with `pin` when it is given (private keys are private objects:
/// without a login, the public keys stand for them, with the same label and ID).
pub fn list_token(
    module: &Module,
    token: &TokenSlot,
    pin: Option<&str>,
) -> Result<TokenListing, Pkcs11Error> {
    let session = token.open(module, pin)?;
    let logged_in = pin.is_some() && token.login_required;
    let mut keys = find_keys(&session, ObjectClass::PRIVATE_KEY, &Pkcs11Uri::default())?;
    let mut class = "private";
    if keys.is_empty() && !logged_in {
        keys = find_keys(&session, ObjectClass::PUBLIC_KEY, &Pkcs11Uri::default())?;
        class = "public";
    }
    let key_listing = |k: KeyObject| KeyListing {
        class,
        key_type: k.type_name(),
        bits: k.bits(),
        uri: object_uri(&token.label, &k.label, &k.id, "private"),
        id: hex(&k.id),
        label: k.label,
    };
    let certificates = certificates(&session, None)?
        .into_iter()
        .map(|c| CertListing {
            uri: object_uri(&token.label, &c.label, &c.id, "cert"),
            subject: c
                .certificate
                .as_ref()
                .map(|x| x.subject())
                .unwrap_or_else(|| "(not an X.509 certificate pqx can read)".into()),
            thumbprint: c.certificate.as_ref().map(|x| x.thumbprint_sha1()),
            id: hex(&c.id),
            label: c.label,
        })
        .collect();
    Ok(TokenListing {
        token: token.clone(),
        logged_in,
        keys: keys.into_iter().map(key_listing).collect(),
        certificates,
    })
}
