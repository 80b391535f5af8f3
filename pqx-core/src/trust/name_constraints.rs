//! Name constraints (RFC 5280 §4.2.1.10 and §6.1.3 (b)-(c), §6.1.4 (g)).
//!
//! A CA's nameConstraints restricts the names of every certificate below it in the path:
//! the subject distinguished name (as a `directoryName`), the subject's legacy
//! `emailAddress` attributes (as `rfc822Name`s) and the subjectAltName entries. pqx
//! implements the four forms that certificates in practice constrain — `directoryName`
//! (DN subtree: an RDN prefix), `dNSName` (the name or a subdomain of it), `rfc822Name`
//! (a mailbox, a host, or `.domain` for any host under it) and `iPAddress` (address and
//! mask). A *critical* nameConstraints holding any other form (URI, otherName, …) gets
//! `HasNotSupportedNameConstraint`: pqx cannot prove those names comply, so it fails closed
//! rather than passing silently. Per §6.1.4 (b), self-issued certificates other than the end
//! entity are not checked against constraints above them; trust anchors' constraints are
//! applied like any CA's (as OpenSSL and rustls-webpki do). The work is bounded
//! (`MAX_COMPARISONS`).

use super::extensions::{is_host_name, is_mailbox};
use super::ChainStatus;
use crate::certificate::Certificate;
use const_oid::db::rfc5280::{ID_CE_NAME_CONSTRAINTS, ID_CE_SUBJECT_ALT_NAME};
use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use x509_cert::ext::pkix::constraints::name::{GeneralSubtree, NameConstraints};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;

/// Most name × subtree comparisons pqx makes for one certificate against one CA's
/// constraints (OpenSSL's bound, 2^20). Checking is quadratic; a hostile CA with thousands
/// of subtrees over a certificate with thousands of names would otherwise cost seconds. Above
/// it the names are not evaluated and the certificate gets `HasNotSupportedNameConstraint`.
const MAX_COMPARISONS: usize = 1 << 20;

/// PKCS #9 emailAddress, the legacy place of a mailbox in a subject DN.
const EMAIL_ADDRESS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1");

/// Flags for `path` (end entity first): `flags[i]` are the flags of `path[i]`. Violations
/// are reported on the certificate whose name breaks the constraint; a malformed or
/// unsupported constraint on the CA that carries it.
pub(crate) fn check_path(path: &[Certificate]) -> Vec<ChainStatus> {
    let mut flags = vec![ChainStatus::NO_ERROR; path.len()];
    for (i, ca) in path.iter().enumerate().skip(1) {
        let Some(ext) = ca
            .inner()
            .tbs_certificate
            .extensions
            .as_deref()
            .and_then(|e| e.iter().find(|e| e.extn_id == ID_CE_NAME_CONSTRAINTS))
        else {
            continue;
        };
        let Ok(nc) = NameConstraints::from_der(ext.extn_value.as_bytes()) else {
            add(&mut flags, i, ChainStatus::INVALID_NAME_CONSTRAINTS);
            continue;
        };
        let own = validate(&nc, ext.critical);
        add(&mut flags, i, own);
        if own.intersects(ChainStatus::INVALID_NAME_CONSTRAINTS) {
            continue;
        }
        let subtrees = [&nc.permitted_subtrees, &nc.excluded_subtrees]
            .iter()
            .filter_map(|l| l.as_ref().map(Vec::len))
            .sum::<usize>();
        for (j, below) in path.iter().enumerate().take(i) {
            if j > 0 && below.is_self_issued() {
                continue;
            }
            let names = names_of(below);
            if names.len().saturating_mul(subtrees) > MAX_COMPARISONS {
                add(
                    &mut flags,
                    j,
                    ChainStatus::HAS_NOT_SUPPORTED_NAME_CONSTRAINT,
                );
                continue;
            }
            add(&mut flags, j, judge_names(&names, &nc));
        }
    }
    flags
}

fn add(flags: &mut [ChainStatus], i: usize, f: ChainStatus) {
    if let Some(slot) = flags.get_mut(i) {
        slot.insert(f);
    }
}

/// The names a certificate asserts (a subjectAltName that does not decode is flagged by the
/// extension rules, not here).
fn names_of(cert: &Certificate) -> Vec<GeneralName> {
    let tbs = &cert.inner().tbs_certificate;
    let mut names = Vec::new();
    if !tbs.subject.0.is_empty() {
        names.push(GeneralName::DirectoryName(tbs.subject.clone()));
        for atv in tbs.subject.0.iter().flat_map(|rdn| rdn.0.iter()) {
            if atv.oid == EMAIL_ADDRESS {
                if let Ok(s) = atv.value.decode_as::<der::asn1::Ia5String>() {
                    names.push(GeneralName::Rfc822Name(s));
                }
            }
        }
    }
    let san = tbs
        .extensions
        .as_deref()
        .and_then(|e| e.iter().find(|e| e.extn_id == ID_CE_SUBJECT_ALT_NAME))
        .and_then(|e| SubjectAltName::from_der(e.extn_value.as_bytes()).ok());
    if let Some(san) = san {
        names.extend(san.0);
    }
    names
}

/// The name forms pqx can evaluate.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Directory,
    Dns,
    Email,
    Ip,
}

fn form(name: &GeneralName) -> Option<Form> {
    match name {
        GeneralName::DirectoryName(_) => Some(Form::Directory),
        GeneralName::DnsName(_) => Some(Form::Dns),
        GeneralName::Rfc822Name(_) => Some(Form::Email),
        GeneralName::IpAddress(_) => Some(Form::Ip),
        _ => None,
    }
}

/// Whether the extension itself is acceptable: at least one non-empty list of subtrees,
/// `minimum` 0 and no `maximum` (§4.2.1.10 MUSTs), well-formed bases, and (when critical)
/// only forms pqx evaluates.
fn validate(nc: &NameConstraints, critical: bool) -> ChainStatus {
    let lists = [&nc.permitted_subtrees, &nc.excluded_subtrees];
    let present: Vec<&Vec<GeneralSubtree>> = lists.iter().filter_map(|l| l.as_ref()).collect();
    if present.is_empty() || present.iter().any(|l| l.is_empty()) {
        return ChainStatus::INVALID_NAME_CONSTRAINTS;
    }
    let mut flags = ChainStatus::NO_ERROR;
    for st in present.into_iter().flatten() {
        if st.minimum != 0 || st.maximum.is_some() || !well_formed_base(&st.base) {
            flags.insert(ChainStatus::INVALID_NAME_CONSTRAINTS);
        }
        if form(&st.base).is_none() && critical {
            flags.insert(ChainStatus::HAS_NOT_SUPPORTED_NAME_CONSTRAINT);
        }
    }
    flags
}

fn well_formed_base(base: &GeneralName) -> bool {
    match base {
        GeneralName::DnsName(d) => d.as_str().is_empty() || is_host_name(d.as_str(), false),
        GeneralName::IpAddress(ip) => {
            let b = ip.as_bytes();
            matches!(b.len(), 8 | 32) && contiguous_mask(&b[b.len() / 2..])
        }
        GeneralName::Rfc822Name(m) => {
            let m = m.as_str();
            if m.contains('@') {
                is_mailbox(m)
            } else {
                is_host_name(m.strip_prefix('.').unwrap_or(m), false)
            }
        }
        _ => true,
    }
}

/// A mask of ones followed by zeros.
fn contiguous_mask(mask: &[u8]) -> bool {
    let bits: Vec<bool> = mask
        .iter()
        .flat_map(|b| (0..8).rev().map(move |i| b & (1 << i) != 0))
        .collect();
    let ones = bits.iter().take_while(|b| **b).count();
    bits.iter().skip(ones).all(|b| !b)
}

/// Permitted (§6.1.3 (b)) and excluded (§6.1.3 (c)) checks of `names` against `nc`.
fn judge_names(names: &[GeneralName], nc: &NameConstraints) -> ChainStatus {
    let mut flags = ChainStatus::NO_ERROR;
    for name in names {
        let Some(f) = form(name) else { continue };
        if let Some(permitted) = &nc.permitted_subtrees {
            let same: Vec<&GeneralSubtree> = permitted
                .iter()
                .filter(|st| form(&st.base) == Some(f))
                .collect();
            if !same.is_empty() && !same.iter().any(|st| within(name, &st.base)) {
                flags.insert(ChainStatus::HAS_NOT_PERMITTED_NAME_CONSTRAINT);
            }
        }
        if let Some(excluded) = &nc.excluded_subtrees {
            if excluded.iter().any(|st| overlaps(name, &st.base)) {
                flags.insert(ChainStatus::HAS_EXCLUDED_NAME_CONSTRAINT);
            }
        }
    }
    flags
}

/// Whether `name` lies inside the subtree `base` (same form).
fn within(name: &GeneralName, base: &GeneralName) -> bool {
    match (name, base) {
        (GeneralName::DnsName(n), GeneralName::DnsName(b)) => dns_within(n.as_str(), b.as_str()),
        (GeneralName::Rfc822Name(n), GeneralName::Rfc822Name(b)) => {
            email_within(n.as_str(), b.as_str())
        }
        (GeneralName::IpAddress(n), GeneralName::IpAddress(b)) => {
            ip_within(n.as_bytes(), b.as_bytes())
        }
        (GeneralName::DirectoryName(n), GeneralName::DirectoryName(b)) => {
            b.0.len() <= n.0.len()
                && b.0.iter().zip(n.0.iter()).all(|(x, y)| {
                    // RDNs compared by their DER (sets are sorted in DER).
                    x.to_der()
                        .ok()
                        .zip(y.to_der().ok())
                        .is_some_and(|(x, y)| x == y)
                })
        }
        _ => false,
    }
}

/// [`within`], and for an excluded subtree also a wildcard name that could stand for a name
/// inside it (`*.example.com` against an excluded `bad.example.com`).
fn overlaps(name: &GeneralName, base: &GeneralName) -> bool {
    if within(name, base) {
        return true;
    }
    if let (GeneralName::DnsName(n), GeneralName::DnsName(b)) = (name, base) {
        if let Some(rest) = n.as_str().strip_prefix("*.") {
            return dns_within(b.as_str(), rest);
        }
    }
    false
}

fn dns_within(name: &str, base: &str) -> bool {
    if base.is_empty() {
        return true;
    }
    let (name, base) = (name.to_ascii_lowercase(), base.to_ascii_lowercase());
    name == base
        || name
            .strip_suffix(&base)
            .is_some_and(|prefix| prefix.ends_with('.'))
}

fn email_within(name: &str, base: &str) -> bool {
    let Some((local, host)) = name.rsplit_once('@') else {
        return false;
    };
    if let Some((blocal, bhost)) = base.rsplit_once('@') {
        return local == blocal && host.eq_ignore_ascii_case(bhost);
    }
    if base.starts_with('.') {
        let (host, base) = (host.to_ascii_lowercase(), base.to_ascii_lowercase());
        return host.ends_with(&base);
    }
    host.eq_ignore_ascii_case(base)
}

fn ip_within(addr: &[u8], base: &[u8]) -> bool {
    if base.len() != addr.len() * 2 {
        return false;
    }
    let (net, mask) = base.split_at(addr.len());
    addr.iter()
        .zip(net)
        .zip(mask)
        .all(|((a, n), m)| a & m == n & m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_subtrees_match_the_name_and_its_subdomains_only() {
        assert!(dns_within("example.com", "example.com"));
        assert!(dns_within("a.b.EXAMPLE.com", "example.com"));
        assert!(!dns_within("badexample.com", "example.com"));
        assert!(!dns_within("example.com.evil", "example.com"));
        assert!(dns_within("anything.test", ""));
    }

    #[test]
    fn ip_subtrees_compare_under_the_mask_and_family() {
        let net = [10, 1, 0, 0, 255, 255, 0, 0];
        assert!(ip_within(&[10, 1, 200, 3], &net));
        assert!(!ip_within(&[10, 2, 0, 1], &net));
        assert!(!ip_within(&[0u8; 16], &net), "IPv6 against an IPv4 subtree");
        assert!(contiguous_mask(&[255, 255, 240, 0]));
        assert!(!contiguous_mask(&[255, 0, 255, 0]));
    }

    #[test]
    fn mailbox_subtrees_are_a_mailbox_a_host_or_a_domain() {
        assert!(email_within("Alice@example.com", "Alice@EXAMPLE.com"));
        assert!(!email_within("alice@example.com", "Alice@example.com"));
        assert!(email_within("bob@example.com", "example.com"));
        assert!(!email_within("bob@mail.example.com", "example.com"));
        assert!(email_within("bob@mail.example.com", ".example.com"));
        assert!(!email_within("bob@example.com", ".example.com"));
    }
}
