//! Distinguished names printed the way .NET prints them.
//!
//! MakePQX's report and `KeyInfo/KeyName` show `X509Certificate2.Subject`, which is
//! `X500DistinguishedName.Name`: relative distinguished names most specific first (the
//! reverse of their DER order), separated by `", "`, attribute types by their Windows short
//! names (`CN`, `O`, `OU`, `L`, `S`, `C`, `E`, …, unknown ones as `OID.1.2.3`), multi-valued
//! RDNs joined with `" + "`, and a value wrapped in double quotes (inner quotes doubled) when
//! it holds `, + = " \n < > # ;` or starts or ends with a space. pqx reproduces that so its
//! reports compare equal to MakePQX's.

use der::asn1::BmpString;
use der::{Encode, Tag, Tagged};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::Name;

/// Formats `name` as .NET's `X500DistinguishedName.Name`.
pub(crate) fn dotnet_name(name: &Name) -> String {
    let rdns: Vec<String> = name
        .0
        .iter()
        .rev()
        .map(|rdn| rdn.0.iter().map(format_atv).collect::<Vec<_>>().join(" + "))
        .collect();
    rdns.join(", ")
}

fn format_atv(atv: &AttributeTypeAndValue) -> String {
    let key = match short_name(&atv.oid.to_string()) {
        Some(k) => k.to_owned(),
        None => format!("OID.{}", atv.oid),
    };
    format!("{key}={}", quote_if_needed(&value_text(&atv.value)))
}

/// The short names Windows' `CertNameToStr` (and so .NET) uses.
fn short_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.4" => "SN",
        "2.5.4.5" => "SERIALNUMBER",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "S",
        "2.5.4.9" => "STREET",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.12" => "T",
        "2.5.4.13" => "Description",
        "2.5.4.17" => "PostalCode",
        "2.5.4.42" => "G",
        "2.5.4.43" => "I",
        "1.2.840.113549.1.9.1" => "E",
        "0.9.2342.19200300.100.1.25" => "DC",
        _ => return None,
    })
}

/// Decodes a DirectoryString (or IA5String etc.) to text; anything else is shown as
/// `#` + hex of its DER, as RFC 4514 does.
fn value_text(value: &der::Any) -> String {
    let bytes = value.value();
    match value.tag() {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::VisibleString
        | Tag::NumericString => String::from_utf8_lossy(bytes).into_owned(),
        // T.61 in practice holds Latin-1.
        Tag::TeletexString => bytes.iter().map(|&b| char::from(b)).collect(),
        Tag::BmpString => BmpString::from_ucs2(bytes.to_vec())
            .map(|s| s.to_string())
            .unwrap_or_else(|_| hex_value(value)),
        _ => hex_value(value),
    }
}

fn hex_value(value: &der::Any) -> String {
    format!("#{}", hex::encode(value.to_der().unwrap_or_default()))
}

fn quote_if_needed(v: &str) -> String {
    let needs = v.is_empty()
        || v.starts_with(char::is_whitespace)
        || v.ends_with(char::is_whitespace)
        || v.contains([',', '+', '=', '"', '\n', '\r', '<', '>', '#', ';']);
    if needs {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn most_specific_rdn_comes_first() {
        // RFC 4514 strings are most-specific first too, so this one round-trips.
        let name = Name::from_str("CN=Colin Popell,O=Contoso,C=US").unwrap();
        assert_eq!(dotnet_name(&name), "CN=Colin Popell, O=Contoso, C=US");
    }

    #[test]
    fn uses_windows_short_names_and_oid_prefix() {
        let name = Name::from_str("1.2.3.4=x,emailAddress=a@b.c,ST=WA,OU=Dev").unwrap();
        assert_eq!(dotnet_name(&name), "OID.1.2.3.4=x, E=a@b.c, S=WA, OU=Dev");
    }

    #[test]
    fn quotes_values_with_special_characters() {
        let name = Name::from_str(r#"CN=Doe\, John,O=Say \"hi\""#).unwrap();
        assert_eq!(dotnet_name(&name), r#"CN="Doe, John", O="Say ""hi""""#);
    }

    #[test]
    fn joins_multi_valued_rdns_with_plus() {
        let name = Name::from_str("CN=a+OU=b,C=US").unwrap();
        assert_eq!(dotnet_name(&name), "CN=a + OU=b, C=US");
    }
}
