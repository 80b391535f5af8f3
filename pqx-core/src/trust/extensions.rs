//! Per-certificate extension rules of RFC 5280 §4.2 and §6.1, as chain flags.
//!
//! The chain builder ([`super::build_chain_for`]) calls [`check`] on every element with the
//! element's [`Position`]; what comes back is OR-ed into the element's .NET flags, and
//! [`crate::policy`] decides which flags are fatal. The rules:
//!
//! * **Critical extensions pqx does not understand** → `HasNotSupportedCriticalExtension`
//!   (RFC 5280 §4.2: a relying party MUST reject a certificate with an unrecognised critical
//!   extension). Understood when critical: basicConstraints, keyUsage, extKeyUsage,
//!   nameConstraints, subjectAltName, certificatePolicies (accepted; pqx does **no policy
//!   processing** — it requires no policy, so a policy list restricts nothing it decides),
//!   inhibitAnyPolicy (only restricts policy processing, which pqx does not do), and
//!   policyConstraints *without* `requireExplicitPolicy` (see next rule).
//! * **policyConstraints with `requireExplicitPolicy`** (critical or not) →
//!   `InvalidPolicyConstraints`: the requirement can only be met by policy processing, which
//!   pqx does not do, so it fails closed rather than ignore it.
//! * **Malformed or duplicate extensions** (one that does not decode, an empty extKeyUsage or
//!   subjectAltName, a name in subjectAltName that is not a host name, address or mailbox, a
//!   critical authority/subject key identifier, which RFC 5280 says MUST be non-critical) →
//!   `InvalidExtension`. So is a certificate issued by another without an authority key
//!   identifier, a CA without a subject key identifier (both MUST in RFC 5280 §4.2.1.1-2), a
//!   serial number that is not a positive integer of at most 20 octets (§4.1.2.2) — the
//!   first and third not asked of a trust anchor, which the user trusts as it is (Starfield
//!   Root G2 has serial number 0) — an empty issuer name, and an empty subject without a critical
//!   subjectAltName (§4.1.2.6). (.NET has no flag for a malformed certificate field;
//!   `InvalidExtension` is the nearest.)
//! * **keyUsage**: an issuer (every certificate above the end entity) whose keyUsage lacks
//!   `keyCertSign`, or an end entity whose keyUsage lacks `digitalSignature` (a self-signed
//!   one, its own root, may have `keyCertSign` instead) → `NotValidForUsage`; `keyCertSign` asserted without `cA=true` → `InvalidBasicConstraints`
//!   (§4.2.1.3).
//! * **basicConstraints of an issuer** must be critical (§4.2.1.9) → else
//!   `InvalidBasicConstraints` (cA and the path length are checked by the chain builder).
//! * **nameConstraints** in an end entity → `InvalidNameConstraints` (§4.2.1.10: CAs only).

use super::ChainStatus;
use crate::certificate::Certificate;
use const_oid::db::rfc5280::{
    ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_BASIC_CONSTRAINTS, ID_CE_CERTIFICATE_POLICIES,
    ID_CE_EXT_KEY_USAGE, ID_CE_INHIBIT_ANY_POLICY, ID_CE_KEY_USAGE, ID_CE_NAME_CONSTRAINTS,
    ID_CE_POLICY_CONSTRAINTS, ID_CE_SUBJECT_ALT_NAME, ID_CE_SUBJECT_KEY_IDENTIFIER,
    ID_PE_AUTHORITY_INFO_ACCESS,
};
use const_oid::ObjectIdentifier;
use der::Decode;
use x509_cert::ext::pkix::constraints::name::NameConstraints;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies,
    ExtendedKeyUsage, InhibitAnyPolicy, KeyUsage, PolicyConstraints, SubjectAltName,
    SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;

/// Where a certificate sits in the path being validated: the rules for keyUsage and
/// nameConstraints differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Position {
    /// The certificate being validated (the signer). A self-signed signer is its own root
    /// but is judged as an end entity: its CA bit or missing keyCertSign does not matter.
    EndEntity,
    /// A certificate above the end entity: it must be allowed to issue.
    Issuer,
    /// A trust anchor above the end entity: an issuer the user trusts as it is, so its own
    /// issuer and serial number do not matter (no authority key identifier needed).
    Anchor,
}

/// The flags the extension rules of the module documentation set on `cert` at `position`.
pub(crate) fn check(cert: &Certificate, position: Position) -> ChainStatus {
    let mut flags = ChainStatus::NO_ERROR;
    let tbs = &cert.inner().tbs_certificate;
    let exts: &[Extension] = tbs.extensions.as_deref().unwrap_or(&[]);
    for (i, ext) in exts.iter().enumerate() {
        if exts[..i].iter().any(|e| e.extn_id == ext.extn_id) {
            flags.insert(ChainStatus::INVALID_EXTENSION);
        }
        flags.insert(check_one(ext));
    }
    flags.insert(key_usage_rules(cert, exts, position));
    if tbs.issuer.0.is_empty() {
        flags.insert(ChainStatus::INVALID_EXTENSION);
    }
    if tbs.subject.0.is_empty() && !find(exts, ID_CE_SUBJECT_ALT_NAME).is_some_and(|e| e.critical) {
        flags.insert(ChainStatus::INVALID_EXTENSION);
    }
    if !cert.is_self_issued() && position != Position::Anchor && !has_authority_key_id(exts) {
        flags.insert(ChainStatus::INVALID_EXTENSION);
    }
    if position != Position::Anchor && !serial_ok(tbs.serial_number.as_bytes()) {
        flags.insert(ChainStatus::INVALID_EXTENSION);
    }
    if position != Position::EndEntity {
        if find(exts, ID_CE_SUBJECT_KEY_IDENTIFIER).is_none() {
            flags.insert(ChainStatus::INVALID_EXTENSION);
        }
        if find(exts, ID_CE_BASIC_CONSTRAINTS).is_some_and(|e| !e.critical) {
            flags.insert(ChainStatus::INVALID_BASIC_CONSTRAINTS);
        }
    } else if find(exts, ID_CE_NAME_CONSTRAINTS).is_some() {
        flags.insert(ChainStatus::INVALID_NAME_CONSTRAINTS);
    }
    flags
}

/// A serial number is a positive integer of at most 20 octets (RFC 5280 §4.1.2.2); zero and
/// negative ones are malformed.
fn serial_ok(der: &[u8]) -> bool {
    let magnitude = match der {
        [0, rest @ ..] => rest,
        other => other,
    };
    !der.is_empty()
        && der.first().is_some_and(|b| b & 0x80 == 0)
        && magnitude.iter().any(|b| *b != 0)
        && magnitude.len() <= 20
}

fn find(exts: &[Extension], oid: ObjectIdentifier) -> Option<&Extension> {
    exts.iter().find(|e| e.extn_id == oid)
}

fn has_authority_key_id(exts: &[Extension]) -> bool {
    find(exts, ID_CE_AUTHORITY_KEY_IDENTIFIER)
        .and_then(|e| AuthorityKeyIdentifier::from_der(e.extn_value.as_bytes()).ok())
        .is_some_and(|aki| aki.key_identifier.is_some())
}

/// Whether the extension decodes, and whether pqx understands it when it is critical.
fn check_one(ext: &Extension) -> ChainStatus {
    let v = ext.extn_value.as_bytes();
    let malformed = |ok: bool| {
        if ok {
            ChainStatus::NO_ERROR
        } else {
            ChainStatus::INVALID_EXTENSION
        }
    };
    let oid = ext.extn_id;
    if oid == ID_CE_BASIC_CONSTRAINTS {
        malformed(BasicConstraints::from_der(v).is_ok())
    } else if oid == ID_CE_KEY_USAGE {
        malformed(KeyUsage::from_der(v).is_ok())
    } else if oid == ID_CE_EXT_KEY_USAGE {
        malformed(ExtendedKeyUsage::from_der(v).is_ok_and(|e| !e.0.is_empty()))
    } else if oid == ID_CE_NAME_CONSTRAINTS {
        if NameConstraints::from_der(v).is_ok() {
            ChainStatus::NO_ERROR
        } else {
            ChainStatus::INVALID_NAME_CONSTRAINTS
        }
    } else if oid == ID_CE_SUBJECT_ALT_NAME {
        malformed(
            SubjectAltName::from_der(v)
                .is_ok_and(|s| !s.0.is_empty() && s.0.iter().all(well_formed_name)),
        )
    } else if oid == ID_CE_CERTIFICATE_POLICIES {
        malformed(CertificatePolicies::from_der(v).is_ok())
    } else if oid == ID_CE_INHIBIT_ANY_POLICY {
        malformed(InhibitAnyPolicy::from_der(v).is_ok())
    } else if oid == ID_CE_POLICY_CONSTRAINTS {
        match PolicyConstraints::from_der(v) {
            Err(_) => ChainStatus::INVALID_EXTENSION,
            Ok(pc) if pc.require_explicit_policy.is_some() => {
                ChainStatus::INVALID_POLICY_CONSTRAINTS
            }
            Ok(_) => ChainStatus::NO_ERROR,
        }
    } else if oid == ID_CE_AUTHORITY_KEY_IDENTIFIER {
        malformed(!ext.critical && AuthorityKeyIdentifier::from_der(v).is_ok())
    } else if oid == ID_CE_SUBJECT_KEY_IDENTIFIER {
        malformed(!ext.critical && SubjectKeyIdentifier::from_der(v).is_ok())
    } else if oid == ID_PE_AUTHORITY_INFO_ACCESS {
        // Understood as far as its syntax: pqx fetches nothing, so a critical one (which
        // would demand that the relying party use it) is not supported.
        let mut f = malformed(AuthorityInfoAccessSyntax::from_der(v).is_ok());
        if ext.critical {
            f.insert(ChainStatus::HAS_NOT_SUPPORTED_CRITICAL_EXTENSION);
        }
        f
    } else if ext.critical {
        ChainStatus::HAS_NOT_SUPPORTED_CRITICAL_EXTENSION
    } else {
        ChainStatus::NO_ERROR
    }
}

/// keyUsage against the position, and keyCertSign against cA (RFC 5280 §4.2.1.3).
fn key_usage_rules(cert: &Certificate, exts: &[Extension], position: Position) -> ChainStatus {
    let Some(ku) =
        find(exts, ID_CE_KEY_USAGE).and_then(|e| KeyUsage::from_der(e.extn_value.as_bytes()).ok())
    else {
        return ChainStatus::NO_ERROR;
    };
    let mut flags = ChainStatus::NO_ERROR;
    if ku.key_cert_sign() && !cert.is_ca() {
        flags.insert(ChainStatus::INVALID_BASIC_CONSTRAINTS);
    }
    let allowed = match position {
        Position::Issuer | Position::Anchor => ku.key_cert_sign(),
        // A self-signed end entity is its own root (issue 14 §3): keyCertSign, which such
        // a root carries (the shape of `openssl req -x509` with a CA keyUsage), is accepted
        // in place of digitalSignature.
        Position::EndEntity => {
            ku.digital_signature() || (ku.key_cert_sign() && cert.is_self_signed())
        }
    };
    if !allowed {
        flags.insert(ChainStatus::NOT_VALID_FOR_USAGE);
    }
    flags
}

/// Whether a subjectAltName entry is well formed for its type: a host name of letters,
/// digits and hyphens (a `*` only as a whole leftmost label), an IPv4 or IPv6 address, a
/// mailbox with one `@`. Other forms are not interpreted and pass.
fn well_formed_name(name: &GeneralName) -> bool {
    match name {
        GeneralName::DnsName(d) => is_host_name(d.as_str(), true),
        GeneralName::IpAddress(ip) => matches!(ip.as_bytes().len(), 4 | 16),
        GeneralName::Rfc822Name(m) => is_mailbox(m.as_str()),
        _ => true,
    }
}

/// A host name: dot-separated labels of ASCII letters, digits and inner hyphens, 1..=63
/// characters each. With `wildcard`, the leftmost label may be exactly `*`.
pub(crate) fn is_host_name(s: &str, wildcard: bool) -> bool {
    if s.is_empty() || s.len() > 253 {
        return false;
    }
    s.split('.').enumerate().all(|(i, label)| {
        (wildcard && i == 0 && label == "*" && s.len() > 2)
            || (!label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    })
}

/// A mailbox `local@host`: one `@`, a non-empty local part of printable ASCII, a host name.
pub(crate) fn is_mailbox(s: &str) -> bool {
    let Some((local, host)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.bytes().all(|b| b.is_ascii_graphic() && b != b'@')
        && is_host_name(host, false)
}
