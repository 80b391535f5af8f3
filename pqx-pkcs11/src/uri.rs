//! RFC 7512 `pkcs11:` URIs: what a user writes after `--key` to name a token and a key.
//!
//! `pkcs11:token=My%20Token;object=signer;id=%01?pin-source=file:/run/pin` — path
//! attributes (`;`-separated) select the token and the object, query attributes
//! (`&`-separated) say how to log in and which module to load. Values are percent-decoded;
//! an attribute given twice, or one this module does not know, is refused (RFC 7512 §2.3: a
//! consumer must not silently widen a match by ignoring what it does not understand).

use crate::error::Pkcs11Error;
use std::fmt::Write as _;

/// What kind of object the URI names (`type=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectType {
    /// `type=private`: a private key (what signing needs).
    Private,
    /// `type=public`: a public key.
    Public,
    /// `type=cert`: a certificate.
    Cert,
    /// `type=secret-key`: a secret (symmetric) key.
    SecretKey,
    /// `type=data`: a data object.
    Data,
}

/// A parsed `pkcs11:` URI. Every field is optional: an absent one matches anything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pkcs11Uri {
    /// `token=`: the token label.
    pub token: Option<String>,
    /// `manufacturer=`: the token manufacturer.
    pub manufacturer: Option<String>,
    /// `serial=`: the token serial number.
    pub serial: Option<String>,
    /// `model=`: the token model.
    pub model: Option<String>,
    /// `slot-id=`: the slot number.
    pub slot_id: Option<u64>,
    /// `slot-description=`: the slot description.
    pub slot_description: Option<String>,
    /// `slot-manufacturer=`: the slot manufacturer.
    pub slot_manufacturer: Option<String>,
    /// `library-manufacturer=`: the module's manufacturer.
    pub library_manufacturer: Option<String>,
    /// `library-description=`: the module's description.
    pub library_description: Option<String>,
    /// `object=`: the object label (`CKA_LABEL`).
    pub object: Option<String>,
    /// `id=`: the object identifier (`CKA_ID`), raw bytes.
    pub id: Option<Vec<u8>>,
    /// `type=`: the object class.
    pub object_type: Option<ObjectType>,
    /// `?pin-value=`: the PIN itself (visible wherever the URI is: prefer a PIN file).
    pub pin_value: Option<String>,
    /// `?pin-source=`: where to read the PIN (a file path or `file:` URI).
    pub pin_source: Option<String>,
    /// `?module-path=`: the full path of the PKCS#11 module to load.
    pub module_path: Option<String>,
}

/// The URI scheme, with its colon.
pub const SCHEME: &str = "pkcs11:";

/// Whether `s` is a `pkcs11:` URI (the scheme is case-insensitive) rather than a file path.
pub fn is_pkcs11_uri(s: &str) -> bool {
    s.get(..SCHEME.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(SCHEME))
}

impl Pkcs11Uri {
    /// Parses `uri`; a malformed one is [`Pkcs11Error::Uri`] naming the attribute at fault.
    pub fn parse(uri: &str) -> Result<Self, Pkcs11Error> {
        if !is_pkcs11_uri(uri) {
            return Err(Pkcs11Error::Uri(format!(
                "{uri:?} does not start with pkcs11:"
            )));
        }
        let rest = &uri[SCHEME.len()..];
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut parsed = Pkcs11Uri::default();
        for attr in path.split(';').filter(|a| !a.is_empty()) {
            parsed.set_path_attribute(attr)?;
        }
        for attr in query.split('&').filter(|a| !a.is_empty()) {
            parsed.set_query_attribute(attr)?;
        }
        Ok(parsed)
    }

    fn set_path_attribute(&mut self, attr: &str) -> Result<(), Pkcs11Error> {
        let (name, raw) = split_attribute(attr)?;
        if name == "id" {
            return set_once(&mut self.id, name, percent_decode(raw, name)?);
        }
        if name == "slot-id" {
            let text = decode_text(raw, name)?;
            let n = text.parse::<u64>().map_err(|_| {
                Pkcs11Error::Uri(format!("slot-id={text:?} is not a decimal number"))
            })?;
            return set_once(&mut self.slot_id, name, n);
        }
        if name == "type" {
            let t = match decode_text(raw, name)?.as_str() {
                "private" => ObjectType::Private,
                "public" => ObjectType::Public,
                "cert" => ObjectType::Cert,
                "secret-key" => ObjectType::SecretKey,
                "data" => ObjectType::Data,
                other => {
                    return Err(Pkcs11Error::Uri(format!(
                    "type={other:?}: RFC 7512 types are private, public, cert, secret-key and data"
                )))
                }
            };
            return set_once(&mut self.object_type, name, t);
        }
        let field = match name {
            "token" => &mut self.token,
            "manufacturer" => &mut self.manufacturer,
            "serial" => &mut self.serial,
            "model" => &mut self.model,
            "slot-description" => &mut self.slot_description,
            "slot-manufacturer" => &mut self.slot_manufacturer,
            "library-manufacturer" => &mut self.library_manufacturer,
            "library-description" => &mut self.library_description,
            "object" => &mut self.object,
            _ => {
                return Err(Pkcs11Error::Uri(format!(
                    "unknown attribute {name:?} (pqx knows token, manufacturer, serial, model, \
                     slot-id, slot-description, slot-manufacturer, library-manufacturer, \
                     library-description, object, id and type)"
                )))
            }
        };
        set_once(field, name, decode_text(raw, name)?)
    }

    fn set_query_attribute(&mut self, attr: &str) -> Result<(), Pkcs11Error> {
        let (name, raw) = split_attribute(attr)?;
        let field = match name {
            "pin-value" => &mut self.pin_value,
            "pin-source" => &mut self.pin_source,
            "module-path" => &mut self.module_path,
            _ => {
                return Err(Pkcs11Error::Uri(format!(
                    "unknown query attribute {name:?} (pqx knows pin-value, pin-source and module-path)"
                )))
            }
        };
        set_once(field, name, decode_text(raw, name)?)
    }
}

fn split_attribute(attr: &str) -> Result<(&str, &str), Pkcs11Error> {
    attr.split_once('=')
        .ok_or_else(|| Pkcs11Error::Uri(format!("{attr:?} is not name=value")))
}

fn set_once<T>(field: &mut Option<T>, name: &str, value: T) -> Result<(), Pkcs11Error> {
    if field.is_some() {
        return Err(Pkcs11Error::Uri(format!(
            "attribute {name:?} is given twice"
        )));
    }
    *field = Some(value);
    Ok(())
}

fn decode_text(raw: &str, name: &str) -> Result<String, Pkcs11Error> {
    String::from_utf8(percent_decode(raw, name)?)
        .map_err(|_| Pkcs11Error::Uri(format!("the value of {name:?} is not UTF-8")))
}

/// Percent-decodes `raw` (RFC 3986 §2.1); a `%` not followed by two hex digits is refused.
fn percent_decode(raw: &str, name: &str) -> Result<Vec<u8>, Pkcs11Error> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b != b'%' {
            out.push(b);
            i += 1;
            continue;
        }
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .ok_or_else(|| {
                Pkcs11Error::Uri(format!(
                    "the value of {name:?} has a % not followed by two hex digits"
                ))
            })?;
        out.push(hex);
        i += 3;
    }
    Ok(out)
}

/// Percent-encodes `bytes` for a URI attribute value: RFC 3986 unreserved characters stay,
/// everything else is `%XX` (so `;`, `?`, `&`, `=`, `%` and spaces are always safe).
pub fn percent_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The URI a user pastes into `--key` for an object: `pkcs11:token=…;object=…;id=…;type=…`.
pub fn object_uri(token: &str, label: &str, id: &[u8], object_type: &str) -> String {
    let mut uri = format!("{SCHEME}token={}", percent_encode(token.as_bytes()));
    if !label.is_empty() {
        let _ = write!(uri, ";object={}", percent_encode(label.as_bytes()));
    }
    if !id.is_empty() {
        uri.push_str(";id=");
        for b in id {
            let _ = write!(uri, "%{b:02X}");
        }
    }
    let _ = write!(uri, ";type={object_type}");
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_path_and_query_attributes_percent_decoded() {
        let uri = Pkcs11Uri::parse(
            "pkcs11:token=My%20Token;object=code%3Bsigning;id=%01%ff;type=private;slot-id=3\
             ?pin-source=file:/run/pin&module-path=/usr/lib/softhsm/libsofthsm2.so",
        )
        .unwrap();
        assert_eq!(uri.token.as_deref(), Some("My Token"));
        assert_eq!(uri.object.as_deref(), Some("code;signing"));
        assert_eq!(uri.id, Some(vec![0x01, 0xff]));
        assert_eq!(uri.object_type, Some(ObjectType::Private));
        assert_eq!(uri.slot_id, Some(3));
        assert_eq!(uri.pin_source.as_deref(), Some("file:/run/pin"));
        assert_eq!(
            uri.module_path.as_deref(),
            Some("/usr/lib/softhsm/libsofthsm2.so")
        );
    }

    #[test]
    fn an_empty_uri_matches_everything() {
        assert_eq!(Pkcs11Uri::parse("PKCS11:").unwrap(), Pkcs11Uri::default());
    }

    #[test]
    fn rejects_unknown_duplicate_and_malformed_attributes() {
        for (uri, says) in [
            ("pkcs11:tokn=x", "unknown attribute \"tokn\""),
            ("pkcs11:token=a;token=b", "given twice"),
            ("pkcs11:object", "not name=value"),
            ("pkcs11:id=%0", "two hex digits"),
            ("pkcs11:id=%zz", "two hex digits"),
            ("pkcs11:type=key", "RFC 7512 types"),
            ("pkcs11:slot-id=x", "not a decimal number"),
            ("pkcs11:object=%ff", "not UTF-8"),
            ("pkcs11:?pin=1234", "unknown query attribute"),
            ("key.pem", "does not start with pkcs11:"),
        ] {
            let err = Pkcs11Uri::parse(uri).unwrap_err().to_string();
            assert!(err.contains(says), "{uri}: {err}");
        }
    }

    #[test]
    fn object_uri_round_trips_through_the_parser() {
        let text = object_uri("pqx test;1", "signer key", &[0, 0xab], "private");
        assert_eq!(
            text,
            "pkcs11:token=pqx%20test%3B1;object=signer%20key;id=%00%AB;type=private"
        );
        let uri = Pkcs11Uri::parse(&text).unwrap();
        assert_eq!(uri.token.as_deref(), Some("pqx test;1"));
        assert_eq!(uri.object.as_deref(), Some("signer key"));
        assert_eq!(uri.id, Some(vec![0, 0xab]));
        assert_eq!(uri.object_type, Some(ObjectType::Private));
    }

    #[test]
    fn tells_uris_from_paths() {
        assert!(is_pkcs11_uri("pkcs11:token=a"));
        assert!(is_pkcs11_uri("PKCS11:"));
        assert!(!is_pkcs11_uri("pkcs11.pem"));
        assert!(!is_pkcs11_uri("./pkcs11:x"));
    }
}
