//! Chain building and trust decisions, one rule per test, on a test PKI made at run time.

mod support;

use pqx_core::certificate::Certificate;
use pqx_core::digest::DigestAlgorithm;
use pqx_core::test_pki::{
    issue_certificate, CertKind, CertSpec, TestPkiOptions, TEST_INTERMEDIATE_CN,
};
use pqx_core::trust::{build_chain, ChainStatus, TrustPolicy, TrustSource};
use support::packages::pki;
use time::{Duration, OffsetDateTime};

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn anchored() -> TrustPolicy {
    let mut p = TrustPolicy::none();
    p.add_anchor(pki().root.clone());
    p
}

/// Options for an extra leaf that reuses the PKI's leaf key (fast).
fn leaf_opts() -> TestPkiOptions {
    TestPkiOptions {
        leaf_key: Some(pki().leaf_key.clone()),
        ..TestPkiOptions::default()
    }
}

fn ca_spec(cn: &str) -> CertSpec {
    CertSpec {
        common_name: cn.to_owned(),
        kind: CertKind::Ca { path_len: None },
        not_before: now() - Duration::days(1),
        not_after: now() + Duration::days(30),
        eku: Vec::new(),
        digest: DigestAlgorithm::Sha256,
    }
}

#[test]
fn chain_to_an_anchor_is_trusted() {
    let p = pki();
    let chain = build_chain(
        &p.leaf,
        &[p.intermediate.clone(), p.root.clone()],
        &anchored(),
        now(),
    );
    assert_eq!(chain.elements.len(), 3);
    assert_eq!(chain.elements[0].certificate, p.leaf);
    assert_eq!(chain.elements[1].certificate, p.intermediate);
    assert_eq!(chain.elements[2].certificate, p.root);
    assert_eq!(chain.status, ChainStatus::NO_ERROR);
    assert!(chain.is_trusted());
    assert_eq!(chain.trust, Some(TrustSource::Anchor));
}

#[test]
fn anchor_from_the_policy_completes_a_chain_without_the_root_embedded() {
    let p = pki();
    let policy = TrustPolicy::none()
        .with_anchor_pem(&p.root.to_pem())
        .unwrap();
    let chain = build_chain(
        &p.leaf,
        std::slice::from_ref(&p.intermediate),
        &policy,
        now(),
    );
    assert_eq!(chain.elements.len(), 3);
    assert!(chain.is_trusted());
}

#[test]
fn intermediates_order_does_not_matter() {
    let p = pki();
    let chain = build_chain(
        &p.leaf,
        &[p.root.clone(), p.intermediate.clone()],
        &anchored(),
        now(),
    );
    assert_eq!(chain.elements.len(), 3);
    assert!(chain.is_trusted());
}

#[test]
fn unknown_root_is_untrusted_root() {
    let p = pki();
    let chain = build_chain(
        &p.leaf,
        &[p.intermediate.clone(), p.root.clone()],
        &TrustPolicy::none(),
        now(),
    );
    assert_eq!(chain.elements.len(), 3);
    assert_eq!(chain.status, ChainStatus::UNTRUSTED_ROOT);
    assert_eq!(chain.elements[2].status, ChainStatus::UNTRUSTED_ROOT);
    assert_eq!(chain.elements[0].status, ChainStatus::NO_ERROR);
    assert!(!chain.is_trusted());
    assert_eq!(chain.status.to_dotnet_string(), "UntrustedRoot");
}

#[test]
fn pinned_signer_thumbprint_is_trusted_without_a_root() {
    let p = pki();
    let mut policy = TrustPolicy::none();
    policy
        .pin_thumbprint(&p.leaf.thumbprint_sha1().to_lowercase())
        .unwrap();
    let chain = build_chain(&p.leaf, &[], &policy, now());
    assert_eq!(chain.status, ChainStatus::NO_ERROR, "{}", chain.status);
    assert!(chain.is_trusted());
    assert_eq!(chain.trust, Some(TrustSource::Pinned));

    // Same with a SHA-256 pin written with colons, and the unknown root present.
    let colons: Vec<String> = p
        .leaf
        .thumbprint_sha256()
        .as_bytes()
        .chunks(2)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let mut policy = TrustPolicy::none();
    policy.pin_thumbprint(&colons.join(":")).unwrap();
    let chain = build_chain(
        &p.leaf,
        &[p.intermediate.clone(), p.root.clone()],
        &policy,
        now(),
    );
    assert_eq!(chain.status, ChainStatus::NO_ERROR);
    assert!(chain.is_trusted());
}

#[test]
fn pin_does_not_excuse_an_expired_signer() {
    let p = pki();
    let mut policy = TrustPolicy::none();
    policy.pin_thumbprint(&p.leaf.thumbprint_sha1()).unwrap();
    let later = p.leaf.not_after() + Duration::days(1);
    let chain = build_chain(&p.leaf, &[], &policy, later);
    assert!(chain.status.contains(ChainStatus::NOT_TIME_VALID));
    assert!(!chain.is_trusted());
}

#[test]
fn missing_intermediate_is_partial_chain() {
    let p = pki();
    let chain = build_chain(&p.leaf, std::slice::from_ref(&p.root), &anchored(), now());
    assert_eq!(chain.elements.len(), 1);
    assert_eq!(chain.status, ChainStatus::PARTIAL_CHAIN);
    assert!(!chain.is_trusted());
}

#[test]
fn expired_leaf_is_not_time_valid() {
    let p = pki();
    let opts = TestPkiOptions {
        leaf_not_before: now() - Duration::days(30),
        leaf_not_after: now() - Duration::days(1),
        ..leaf_opts()
    };
    let (expired, _) = p.issue_leaf(&opts).unwrap();
    let chain = build_chain(
        &expired,
        &[p.intermediate.clone(), p.root.clone()],
        &anchored(),
        now(),
    );
    assert_eq!(chain.elements[0].status, ChainStatus::NOT_TIME_VALID);
    assert_eq!(chain.status, ChainStatus::NOT_TIME_VALID);
    assert!(!chain.is_trusted());

    // On a machine that does not trust the root, MakePQX reports both.
    let chain = build_chain(
        &expired,
        &[p.intermediate.clone(), p.root.clone()],
        &TrustPolicy::none(),
        now(),
    );
    assert_eq!(
        chain.status.to_dotnet_string(),
        "NotTimeValid, UntrustedRoot"
    );
}

#[test]
fn evaluation_time_before_validity_is_not_time_valid() {
    let p = pki();
    let before = p.leaf.not_before() - Duration::days(1);
    let chain = build_chain(
        &p.leaf,
        &[p.intermediate.clone(), p.root.clone()],
        &anchored(),
        before,
    );
    assert!(chain.elements[0]
        .status
        .contains(ChainStatus::NOT_TIME_VALID));
}

#[test]
fn non_ca_issuer_is_invalid_basic_constraints() {
    let p = pki();
    // A leaf (cA=false) used as a CA to issue another leaf.
    let (not_a_ca, not_a_ca_key) = p.issue_leaf(&leaf_opts()).unwrap();
    let spec = CertSpec {
        common_name: "pqx Test Under Non-CA".into(),
        kind: CertKind::Leaf,
        ..ca_spec("")
    };
    let below = issue_certificate(&spec, &p.root_key, Some((&not_a_ca, &not_a_ca_key))).unwrap();
    let chain = build_chain(
        &below,
        &[not_a_ca.clone(), p.intermediate.clone(), p.root.clone()],
        &anchored(),
        now(),
    );
    assert_eq!(chain.elements.len(), 4);
    assert!(chain.elements[1]
        .status
        .contains(ChainStatus::INVALID_BASIC_CONSTRAINTS));
    assert!(chain
        .status
        .contains(ChainStatus::INVALID_BASIC_CONSTRAINTS));
    assert!(!chain.is_trusted());
}

#[test]
fn path_length_constraint_is_enforced() {
    let p = pki();
    // The test intermediate has pathLenConstraint 0: it may not issue another CA that
    // then issues the signer.
    let sub = issue_certificate(
        &ca_spec("pqx Test Sub CA"),
        &p.leaf_key,
        Some((&p.intermediate, &p.intermediate_key)),
    )
    .unwrap();
    let spec = CertSpec {
        common_name: "pqx Test Deep Leaf".into(),
        kind: CertKind::Leaf,
        ..ca_spec("")
    };
    let deep = issue_certificate(&spec, &p.root_key, Some((&sub, &p.leaf_key))).unwrap();
    let chain = build_chain(
        &deep,
        &[sub, p.intermediate.clone(), p.root.clone()],
        &anchored(),
        now(),
    );
    assert_eq!(chain.elements.len(), 4);
    assert_eq!(chain.elements[1].status, ChainStatus::NO_ERROR);
    assert_eq!(
        chain.elements[2].status,
        ChainStatus::INVALID_BASIC_CONSTRAINTS
    );
    assert!(!chain.is_trusted());
}

#[test]
fn forged_issuer_with_same_name_is_not_chained() {
    let p = pki();
    // Same subject as the real intermediate, other key (the root's), issued by the real root.
    let forged = issue_certificate(
        &ca_spec(TEST_INTERMEDIATE_CN),
        &p.root_key,
        Some((&p.root, &p.root_key)),
    )
    .unwrap();
    assert_eq!(forged.subject(), p.intermediate.subject());
    assert!(!p.leaf.is_issued_by(&forged));

    let chain = build_chain(
        &p.leaf,
        &[forged.clone(), p.root.clone()],
        &anchored(),
        now(),
    );
    assert_eq!(
        chain.elements.len(),
        1,
        "the look-alike must not be chained"
    );
    assert_eq!(
        chain.status,
        ChainStatus::NOT_SIGNATURE_VALID | ChainStatus::PARTIAL_CHAIN
    );
    assert!(!chain.is_trusted());

    // With the real intermediate present as well, the real one is chosen.
    let chain = build_chain(
        &p.leaf,
        &[forged, p.intermediate.clone(), p.root.clone()],
        &anchored(),
        now(),
    );
    assert_eq!(chain.elements[1].certificate, p.intermediate);
    assert!(chain.is_trusted());
}

#[test]
fn signer_without_code_signing_eku_is_not_valid_for_usage() {
    let p = pki();
    let opts = TestPkiOptions {
        leaf_eku_code_signing: false,
        leaf_other_eku: vec![const_oid::db::rfc5280::ID_KP_SERVER_AUTH],
        ..leaf_opts()
    };
    let (server, _) = p.issue_leaf(&opts).unwrap();
    assert_eq!(server.allows_code_signing(), Some(false));
    let chain = build_chain(
        &server,
        &[p.intermediate.clone(), p.root.clone()],
        &anchored(),
        now(),
    );
    assert_eq!(chain.status, ChainStatus::NOT_VALID_FOR_USAGE);
    assert!(!chain.is_trusted());
}

#[test]
fn signer_without_any_eku_is_valid_for_code_signing() {
    let p = pki();
    let opts = TestPkiOptions {
        leaf_eku_code_signing: false,
        ..leaf_opts()
    };
    let (any_use, _) = p.issue_leaf(&opts).unwrap();
    assert_eq!(any_use.allows_code_signing(), None);
    let chain = build_chain(
        &any_use,
        &[p.intermediate.clone(), p.root.clone()],
        &anchored(),
        now(),
    );
    assert_eq!(chain.status, ChainStatus::NO_ERROR);
    assert!(chain.is_trusted());
}

#[test]
fn sha1_signed_leaf_has_weak_signature_as_a_warning() {
    let p = pki();
    let opts = TestPkiOptions {
        leaf_signature_digest: DigestAlgorithm::Sha1,
        ..leaf_opts()
    };
    let (weak, _) = p.issue_leaf(&opts).unwrap();
    assert_eq!(weak.signature_digest(), Some(DigestAlgorithm::Sha1));
    let chain = build_chain(
        &weak,
        &[p.intermediate.clone(), p.root.clone()],
        &anchored(),
        now(),
    );
    assert_eq!(chain.elements[0].status, ChainStatus::HAS_WEAK_SIGNATURE);
    assert!(
        chain.is_trusted(),
        "a weak signature is reported, not fatal"
    );
}

#[test]
fn sha1_self_signed_root_is_not_weak() {
    let p = pki();
    let spec = CertSpec {
        digest: DigestAlgorithm::Sha1,
        ..ca_spec("pqx Test SHA-1 Root")
    };
    let root = issue_certificate(&spec, &p.root_key, None).unwrap();
    let mut policy = TrustPolicy::none();
    policy.add_anchor(root.clone());
    let chain = build_chain(&root, &[], &policy, now());
    assert_eq!(chain.status, ChainStatus::NO_ERROR);
}

#[test]
fn issuer_loop_is_cyclic() {
    let p = pki();
    let (ka, kb) = (&p.root_key, &p.intermediate_key);
    // A is issued by "Cycle B" (key B); B is issued by "Cycle A" (key A).
    let b0 = issue_certificate(&ca_spec("pqx Test Cycle B"), kb, None).unwrap();
    let a = issue_certificate(&ca_spec("pqx Test Cycle A"), ka, Some((&b0, kb))).unwrap();
    let b = issue_certificate(&ca_spec("pqx Test Cycle B"), kb, Some((&a, ka))).unwrap();
    let spec = CertSpec {
        common_name: "pqx Test Cycle Leaf".into(),
        kind: CertKind::Leaf,
        ..ca_spec("")
    };
    let leaf = issue_certificate(&spec, &p.leaf_key, Some((&a, ka))).unwrap();
    let chain = build_chain(&leaf, &[a, b], &TrustPolicy::none(), now());
    assert_eq!(chain.elements.len(), 3);
    assert!(
        chain.status.contains(ChainStatus::CYCLIC),
        "{}",
        chain.status
    );
    assert!(chain.status.contains(ChainStatus::PARTIAL_CHAIN));
    assert!(!chain.is_trusted());
}

#[test]
fn chain_length_is_capped() {
    let p = pki();
    let mut policy = anchored();
    policy.max_chain_len = 2;
    let chain = build_chain(
        &p.leaf,
        &[p.intermediate.clone(), p.root.clone()],
        &policy,
        now(),
    );
    assert_eq!(chain.elements.len(), 2);
    assert_eq!(chain.status, ChainStatus::PARTIAL_CHAIN);
    assert!(!chain.is_trusted());
}

#[test]
fn distrusted_intermediate_is_explicit_distrust() {
    let p = pki();
    let mut policy = anchored();
    policy
        .distrust_thumbprint(&p.intermediate.thumbprint_sha256())
        .unwrap();
    let chain = build_chain(
        &p.leaf,
        &[p.intermediate.clone(), p.root.clone()],
        &policy,
        now(),
    );
    assert_eq!(chain.elements[1].status, ChainStatus::EXPLICIT_DISTRUST);
    assert!(!chain.is_trusted());
}

#[test]
fn test_pki_certificates_have_the_documented_shape() {
    let p = pki();
    assert_eq!(p.root.subject(), "CN=pqx Test Root CA, O=pqx test, C=US");
    assert_eq!(p.intermediate.issuer(), p.root.subject());
    assert_eq!(p.leaf.subject(), "CN=pqx Test Signer, O=pqx test, C=US");
    assert!(p.root.is_ca() && p.root.is_self_issued());
    assert!(p.intermediate.is_ca() && !p.intermediate.is_self_issued());
    assert!(!p.leaf.is_ca());
    assert_eq!(p.leaf.allows_code_signing(), Some(true));
    assert!(p.leaf.is_issued_by(&p.intermediate));
    assert!(!p.leaf.is_issued_by(&p.root));
    assert!(p.root.is_issued_by(&p.root));
    assert_eq!(p.leaf.key_bits(), Some(2048));
    assert_eq!(p.leaf.thumbprint_sha1().len(), 40);
    assert_eq!(p.leaf.serial_hex().len() % 2, 0);
    // PEM and DER round trips keep the exact bytes.
    assert_eq!(
        Certificate::from_pem(&p.leaf.to_pem()).unwrap().der(),
        p.leaf.der()
    );
    assert_eq!(
        Certificate::from_bytes_auto(p.leaf.der()).unwrap()[0],
        p.leaf
    );
    let chain = Certificate::from_bytes_auto(p.chain_pem().as_bytes()).unwrap();
    assert_eq!(
        chain,
        vec![p.leaf.clone(), p.intermediate.clone(), p.root.clone()]
    );
    let key = p.signing_key();
    assert_eq!(key.chain().len(), 3);
    assert_eq!(key.certificate(), &p.leaf);
}

// ---- RFC 5280 §6 path validation (issue 15 §2) -------------------------------------------

mod rfc5280 {
    use super::*;
    use der::asn1::{Ia5String, OctetString};
    use der::Encode;
    use pqx_core::policy::{CertificatePolicy, Refusal, TimeSource};
    use pqx_core::test_pki::issue_certificate_with_extensions;
    use std::path::Path;
    use x509_cert::ext::pkix::constraints::name::{GeneralSubtree, NameConstraints};
    use x509_cert::ext::pkix::name::GeneralName;
    use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages, SubjectAltName};
    use x509_cert::ext::Extension;

    const UNKNOWN: &str = "1.3.6.1.4.1.55555.1";

    fn ext(oid: &str, critical: bool, value: &impl Encode) -> Extension {
        Extension {
            extn_id: oid.parse().unwrap(),
            critical,
            extn_value: OctetString::new(value.to_der().unwrap()).unwrap(),
        }
    }

    fn unknown(critical: bool) -> Extension {
        ext(UNKNOWN, critical, &der::asn1::Null)
    }

    fn key_usage(k: KeyUsages) -> Extension {
        ext("2.5.29.15", true, &KeyUsage(k.into()))
    }

    fn leaf_spec(cn: &str) -> CertSpec {
        CertSpec {
            kind: CertKind::Leaf,
            eku: vec![const_oid::db::rfc5280::ID_KP_CODE_SIGNING],
            ..ca_spec(cn)
        }
    }

    /// root → intermediate → leaf made from the PKI's keys, each with `extra` extensions.
    fn chain_with(
        root_extra: &[Extension],
        inter_extra: &[Extension],
        inter_spec: CertSpec,
        leaf_extra: &[Extension],
    ) -> [Certificate; 3] {
        let p = pki();
        let root = issue_certificate_with_extensions(
            &ca_spec("pqx Test Root CA"),
            root_extra,
            &p.root_key,
            None,
        )
        .unwrap();
        let inter = issue_certificate_with_extensions(
            &inter_spec,
            inter_extra,
            &p.intermediate_key,
            Some((&root, &p.root_key)),
        )
        .unwrap();
        let leaf = issue_certificate_with_extensions(
            &leaf_spec("pqx Test Signer"),
            leaf_extra,
            &p.leaf_key,
            Some((&inter, &p.intermediate_key)),
        )
        .unwrap();
        [leaf, inter, root]
    }

    /// The chain of `certs[0]` anchored at `certs[2]`, and the code-signing policy's verdict.
    fn judge(certs: &[Certificate; 3]) -> (pqx_core::trust::Chain, Option<Refusal>) {
        let mut trust = TrustPolicy::none();
        trust.add_anchor(certs[2].clone());
        let j = CertificatePolicy::code_signing().judge(
            &certs[0],
            &certs[1..],
            &trust,
            now(),
            TimeSource::Now,
        );
        (j.chain, j.refusal)
    }

    #[test]
    fn rejects_an_unknown_critical_extension_at_every_level() {
        let none: &[Extension] = &[];
        let bad = [unknown(true)];
        let inter = || ca_spec(TEST_INTERMEDIATE_CN);
        for (level, certs) in [
            (0, chain_with(none, none, inter(), &bad)),
            (1, chain_with(none, &bad, inter(), none)),
            (2, chain_with(&bad, none, inter(), none)),
        ] {
            let (chain, refusal) = judge(&certs);
            assert_eq!(chain.elements.len(), 3);
            assert_eq!(
                chain.elements[level].status,
                ChainStatus::HAS_NOT_SUPPORTED_CRITICAL_EXTENSION,
                "level {level}"
            );
            assert!(!chain.is_trusted(), "level {level}");
            assert_eq!(
                refusal,
                Some(Refusal::Chain(
                    ChainStatus::HAS_NOT_SUPPORTED_CRITICAL_EXTENSION
                ))
            );
        }
        // The same extension, not critical, is ignored as RFC 5280 says.
        let ok = [unknown(false)];
        let (chain, refusal) = judge(&chain_with(&ok, &ok, inter(), &ok));
        assert_eq!(chain.status, ChainStatus::NO_ERROR, "{}", chain.status);
        assert_eq!(refusal, None);
    }

    #[test]
    fn rejects_a_ca_without_key_cert_sign() {
        let bc = ext(
            "2.5.29.19",
            true,
            &BasicConstraints {
                ca: true,
                path_len_constraint: None,
            },
        );
        let ski = ext("2.5.29.14", false, &OctetString::new([7u8; 20]).unwrap());
        let spec = CertSpec {
            kind: CertKind::Bare,
            ..ca_spec(TEST_INTERMEDIATE_CN)
        };
        let aki = ext(
            "2.5.29.35",
            false,
            &x509_cert::ext::pkix::AuthorityKeyIdentifier {
                key_identifier: Some(OctetString::new([9u8; 20]).unwrap()),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            },
        );
        let certs = chain_with(
            &[],
            &[bc, key_usage(KeyUsages::DigitalSignature), ski, aki],
            spec,
            &[],
        );
        let (chain, refusal) = judge(&certs);
        assert_eq!(chain.elements[1].status, ChainStatus::NOT_VALID_FOR_USAGE);
        assert_eq!(
            refusal,
            Some(Refusal::Chain(ChainStatus::NOT_VALID_FOR_USAGE))
        );
    }

    #[test]
    fn rejects_a_signer_whose_key_usage_lacks_digital_signature() {
        let p = pki();
        let aki = ext(
            "2.5.29.35",
            false,
            &x509_cert::ext::pkix::AuthorityKeyIdentifier {
                key_identifier: Some(OctetString::new([9u8; 20]).unwrap()),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            },
        );
        let spec = CertSpec {
            kind: CertKind::Bare,
            ..leaf_spec("pqx Test Encipherment Only")
        };
        let leaf = issue_certificate_with_extensions(
            &spec,
            &[key_usage(KeyUsages::KeyEncipherment), aki],
            &p.leaf_key,
            Some((&p.intermediate, &p.intermediate_key)),
        )
        .unwrap();
        let (chain, refusal) = judge(&[leaf, p.intermediate.clone(), p.root.clone()]);
        assert_eq!(chain.elements[0].status, ChainStatus::NOT_VALID_FOR_USAGE);
        assert!(refusal.is_some());
        // The PKI's own signer (digitalSignature) is fine.
        let (chain, refusal) = judge(&[p.leaf.clone(), p.intermediate.clone(), p.root.clone()]);
        assert_eq!(chain.status, ChainStatus::NO_ERROR);
        assert_eq!(refusal, None);
    }

    #[test]
    fn enforces_path_len_constraint() {
        let p = pki();
        let a = issue_certificate(
            &CertSpec {
                kind: CertKind::Ca { path_len: Some(0) },
                ..ca_spec("pqx Test CA pathlen 0")
            },
            &p.intermediate_key,
            Some((&p.root, &p.root_key)),
        )
        .unwrap();
        // A leaf right under the pathLen:0 CA is fine.
        let leaf = issue_certificate(
            &leaf_spec("pqx Test Signer"),
            &p.leaf_key,
            Some((&a, &p.intermediate_key)),
        )
        .unwrap();
        let chain = build_chain(&leaf, std::slice::from_ref(&a), &anchored(), now());
        assert_eq!(chain.status, ChainStatus::NO_ERROR, "{}", chain.status);
        // Another CA under it is one too many.
        let b = issue_certificate(
            &ca_spec("pqx Test CA below pathlen 0"),
            &p.leaf_key,
            Some((&a, &p.intermediate_key)),
        )
        .unwrap();
        let leaf = issue_certificate(
            &leaf_spec("pqx Test Signer"),
            &p.leaf_key,
            Some((&b, &p.leaf_key)),
        )
        .unwrap();
        let chain = build_chain(&leaf, &[a, b], &anchored(), now());
        assert_eq!(chain.elements.len(), 4);
        assert_eq!(
            chain.elements[2].status,
            ChainStatus::INVALID_BASIC_CONSTRAINTS
        );
        assert!(!chain.is_trusted());
    }

    fn san(names: Vec<GeneralName>) -> Extension {
        ext("2.5.29.17", false, &SubjectAltName(names))
    }

    fn dns(s: &str) -> GeneralName {
        GeneralName::DnsName(Ia5String::new(s).unwrap())
    }

    fn subtree(base: GeneralName) -> GeneralSubtree {
        GeneralSubtree {
            base,
            minimum: 0,
            maximum: None,
        }
    }

    fn name_constraints(permitted: Vec<GeneralName>, excluded: Vec<GeneralName>) -> Extension {
        let list =
            |v: Vec<GeneralName>| (!v.is_empty()).then(|| v.into_iter().map(subtree).collect());
        ext(
            "2.5.29.30",
            true,
            &NameConstraints {
                permitted_subtrees: list(permitted),
                excluded_subtrees: list(excluded),
            },
        )
    }

    #[test]
    fn enforces_dns_and_directory_name_constraints() {
        // "C=US, O=pqx test": the first two RDNs of every test name.
        let mut org = pki().intermediate.inner().tbs_certificate.subject.clone();
        org.0.truncate(2);
        let bad_dn = {
            let leaf =
                issue_certificate(&leaf_spec("pqx Test Excluded"), &pki().leaf_key, None).unwrap();
            leaf.inner().tbs_certificate.subject.clone()
        };
        let nc = name_constraints(
            vec![dns("example.com"), GeneralName::DirectoryName(org)],
            vec![dns("bad.example.com"), GeneralName::DirectoryName(bad_dn)],
        );
        let inter = || ca_spec(TEST_INTERMEDIATE_CN);
        let (chain, refusal) = judge(&chain_with(
            &[],
            std::slice::from_ref(&nc),
            inter(),
            &[san(vec![dns("code.example.com")])],
        ));
        assert_eq!(chain.status, ChainStatus::NO_ERROR, "{}", chain.status);
        assert_eq!(refusal, None);

        let (chain, _) = judge(&chain_with(
            &[],
            std::slice::from_ref(&nc),
            inter(),
            &[san(vec![dns("example.org")])],
        ));
        assert_eq!(
            chain.elements[0].status,
            ChainStatus::HAS_NOT_PERMITTED_NAME_CONSTRAINT
        );
        let (chain, _) = judge(&chain_with(
            &[],
            std::slice::from_ref(&nc),
            inter(),
            &[san(vec![dns("x.bad.example.com")])],
        ));
        assert_eq!(
            chain.elements[0].status,
            ChainStatus::HAS_EXCLUDED_NAME_CONSTRAINT
        );

        // Directory names: a subject outside "C=US, O=pqx test" and an excluded subject.
        let p = pki();
        let nc_root = name_constraints(
            vec![],
            vec![GeneralName::DirectoryName({
                let mut n = p.intermediate.inner().tbs_certificate.subject.clone();
                n.0.truncate(2);
                n
            })],
        );
        let (chain, refusal) = judge(&chain_with(&[nc_root], &[], inter(), &[]));
        // The root's exclusion of "C=US, O=pqx test" covers the intermediate and the leaf.
        assert!(chain.elements[0]
            .status
            .contains(ChainStatus::HAS_EXCLUDED_NAME_CONSTRAINT));
        assert!(chain.elements[1]
            .status
            .contains(ChainStatus::HAS_EXCLUDED_NAME_CONSTRAINT));
        assert!(refusal.is_some());

        let excluded_leaf = {
            let certs = chain_with(&[], std::slice::from_ref(&nc), inter(), &[]);
            let leaf = issue_certificate(
                &leaf_spec("pqx Test Excluded"),
                &p.leaf_key,
                Some((&certs[1], &p.intermediate_key)),
            )
            .unwrap();
            [leaf, certs[1].clone(), certs[2].clone()]
        };
        let (chain, _) = judge(&excluded_leaf);
        assert_eq!(
            chain.elements[0].status,
            ChainStatus::HAS_EXCLUDED_NAME_CONSTRAINT
        );

        // A critical constraint of a form pqx does not evaluate (URI) fails closed.
        let uri = name_constraints(
            vec![GeneralName::UniformResourceIdentifier(
                Ia5String::new("https://example.com").unwrap(),
            )],
            vec![],
        );
        let (chain, _) = judge(&chain_with(&[], &[uri], inter(), &[]));
        assert_eq!(
            chain.elements[1].status,
            ChainStatus::HAS_NOT_SUPPORTED_NAME_CONSTRAINT
        );
    }

    #[test]
    fn rejects_an_intermediate_whose_eku_excludes_code_signing() {
        let spec = CertSpec {
            eku: vec![const_oid::db::rfc5280::ID_KP_SERVER_AUTH],
            ..ca_spec(TEST_INTERMEDIATE_CN)
        };
        let (chain, refusal) = judge(&chain_with(&[], &[], spec, &[]));
        assert_eq!(chain.elements[1].status, ChainStatus::NOT_VALID_FOR_USAGE);
        assert_eq!(
            refusal,
            Some(Refusal::Chain(ChainStatus::NOT_VALID_FOR_USAGE))
        );
        // Listing code signing (or anyExtendedKeyUsage) is fine.
        let spec = CertSpec {
            eku: vec![const_oid::db::rfc5280::ID_KP_CODE_SIGNING],
            ..ca_spec(TEST_INTERMEDIATE_CN)
        };
        let (_, refusal) = judge(&chain_with(&[], &[], spec, &[]));
        assert_eq!(refusal, None);
    }

    #[test]
    fn self_signed_signer_is_still_its_own_root() {
        let p = pki();
        for kind in [CertKind::Ca { path_len: None }, CertKind::Bare] {
            let spec = CertSpec {
                kind,
                ..leaf_spec("pqx Test Self-Signed")
            };
            let cert = issue_certificate(&spec, &p.leaf_key, None).unwrap();
            let mut trust = TrustPolicy::none();
            trust.add_anchor(cert.clone());
            let j =
                CertificatePolicy::code_signing().judge(&cert, &[], &trust, now(), TimeSource::Now);
            assert_eq!(
                j.chain.status,
                ChainStatus::NO_ERROR,
                "{kind:?}: {}",
                j.chain.status
            );
            assert!(j.chain.is_trusted(), "{kind:?}");
            assert_eq!(j.refusal, None, "{kind:?}");
        }
    }

    /// An RSA code-signing leaf signed by a CA that `openssl` makes with `ca_args` (key and
    /// self-signed certificate options) and `sign_args` (how it signs the leaf).
    fn openssl_chain(
        dir: &Path,
        ca_key_args: &[&str],
        sign_args: &[&str],
    ) -> (Certificate, Certificate) {
        let run = |args: &[&str]| pqx_test_support::tsa::openssl(dir, args);
        run(&[&["genpkey", "-out", "ca.key"][..], ca_key_args].concat());
        run(&[
            &[
                "req",
                "-x509",
                "-new",
                "-key",
                "ca.key",
                "-subj",
                "/CN=pqx Test Openssl CA",
                "-days",
                "30",
                "-out",
                "ca.pem",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ][..],
            sign_args,
        ]
        .concat());
        run(&[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "leaf.key",
        ]);
        run(&[
            "req",
            "-new",
            "-key",
            "leaf.key",
            "-subj",
            "/CN=pqx Test Openssl Signer",
            "-out",
            "leaf.csr",
        ]);
        std::fs::write(
            dir.join("leaf.ext"),
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
        )
        .unwrap();
        run(&[
            &[
                "x509",
                "-req",
                "-in",
                "leaf.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "10",
                "-extfile",
                "leaf.ext",
                "-out",
                "leaf.pem",
            ][..],
            sign_args,
        ]
        .concat());
        let read = |f: &str| {
            Certificate::from_pem(&std::fs::read_to_string(dir.join(f)).unwrap()).unwrap()
        };
        (read("leaf.pem"), read("ca.pem"))
    }

    #[test]
    fn accepts_ecdsa_p256_and_rsa_pss_signed_ca_certificates() {
        let pss = [
            "-sha256",
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:32",
        ];
        for (what, key_args, sign_args) in [
            (
                "ECDSA P-256",
                &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"][..],
                &["-sha256"][..],
            ),
            (
                "ECDSA P-384",
                &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"][..],
                &["-sha384"][..],
            ),
            (
                "RSA-PSS",
                &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"][..],
                &pss[..],
            ),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let (leaf, ca) = openssl_chain(dir.path(), key_args, sign_args);
            assert!(leaf.is_issued_by(&ca), "{what}: leaf signature");
            assert!(ca.is_self_signed(), "{what}: CA self-signature");
            let mut trust = TrustPolicy::none();
            trust.add_anchor(ca.clone());
            let j =
                CertificatePolicy::code_signing().judge(&leaf, &[], &trust, now(), TimeSource::Now);
            assert_eq!(j.chain.elements.len(), 2, "{what}");
            assert_eq!(
                j.chain.status,
                ChainStatus::NO_ERROR,
                "{what}: {}",
                j.chain.status
            );
            assert!(j.chain.is_trusted(), "{what}");
            assert_eq!(j.refusal, None, "{what}");
            // A CA of the same name with another key does not verify the leaf.
            let dir2 = tempfile::tempdir().unwrap();
            let (_, other_ca) = openssl_chain(dir2.path(), key_args, sign_args);
            assert!(
                !leaf.is_issued_by(&other_ca),
                "{what}: foreign key verified"
            );
        }
    }
}

#[test]
fn backtracks_to_a_trusted_path_when_the_greedy_one_is_not() {
    let p = pki();
    // A second, untrusted root that cross-signs the PKI's intermediate (same name, same key).
    let other_root = issue_certificate(&ca_spec("pqx Test Other Root"), &p.leaf_key, None).unwrap();
    let cross = issue_certificate(
        &ca_spec(TEST_INTERMEDIATE_CN),
        &p.intermediate_key,
        Some((&other_root, &p.leaf_key)),
    )
    .unwrap();
    // The greedy walk takes the cross-signed intermediate first (it comes first) and ends at
    // the untrusted root; the search then finds the path to the anchor.
    let chain = build_chain(
        &p.leaf,
        &[cross.clone(), other_root.clone(), p.intermediate.clone()],
        &anchored(),
        now(),
    );
    assert!(chain.is_trusted(), "{}", chain.status);
    assert_eq!(chain.elements[1].certificate, p.intermediate);
    assert_eq!(chain.top(), Some(&p.root));
    // Without the anchored intermediate there is only the greedy path, reported as it is.
    let chain = build_chain(
        &p.leaf,
        &[cross.clone(), other_root.clone()],
        &anchored(),
        now(),
    );
    assert!(!chain.is_trusted());
    assert_eq!(chain.status, ChainStatus::UNTRUSTED_ROOT);
    assert_eq!(chain.top(), Some(&other_root));
}
