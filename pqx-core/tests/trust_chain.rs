//! Chain building and trust decisions, one rule per test, on a test PKI made at run time.

use pqx_core::certificate::Certificate;
use pqx_core::digest::DigestAlgorithm;
use pqx_core::test_pki::{
    issue_certificate, CertKind, CertSpec, TestPki, TestPkiOptions, TEST_INTERMEDIATE_CN,
};
use pqx_core::trust::{build_chain, ChainStatus, TrustPolicy, TrustSource};
use std::sync::OnceLock;
use time::{Duration, OffsetDateTime};

/// One PKI per test binary: RSA key generation is the slow part.
fn pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| TestPki::generate(&TestPkiOptions::default()).expect("test PKI"))
}

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
    assert!(chain.trusted);
    assert_eq!(chain.trust_source, Some(TrustSource::Anchor));
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
    assert!(chain.trusted);
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
    assert!(chain.trusted);
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
    assert!(!chain.trusted);
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
    assert!(chain.trusted);
    assert_eq!(chain.trust_source, Some(TrustSource::Pinned));

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
    assert!(chain.trusted);
}

#[test]
fn pin_does_not_excuse_an_expired_signer() {
    let p = pki();
    let mut policy = TrustPolicy::none();
    policy.pin_thumbprint(&p.leaf.thumbprint_sha1()).unwrap();
    let later = p.leaf.not_after() + Duration::days(1);
    let chain = build_chain(&p.leaf, &[], &policy, later);
    assert!(chain.status.contains(ChainStatus::NOT_TIME_VALID));
    assert!(!chain.trusted);
}

#[test]
fn missing_intermediate_is_partial_chain() {
    let p = pki();
    let chain = build_chain(&p.leaf, std::slice::from_ref(&p.root), &anchored(), now());
    assert_eq!(chain.elements.len(), 1);
    assert_eq!(chain.status, ChainStatus::PARTIAL_CHAIN);
    assert!(!chain.trusted);
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
    assert!(!chain.trusted);

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
    assert!(!chain.trusted);
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
    assert!(!chain.trusted);
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
    assert!(!chain.trusted);

    // With the real intermediate present as well, the real one is chosen.
    let chain = build_chain(
        &p.leaf,
        &[forged, p.intermediate.clone(), p.root.clone()],
        &anchored(),
        now(),
    );
    assert_eq!(chain.elements[1].certificate, p.intermediate);
    assert!(chain.trusted);
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
    assert!(!chain.trusted);
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
    assert!(chain.trusted);
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
    assert!(chain.trusted, "a weak signature is reported, not fatal");
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
    assert!(!chain.trusted);
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
    assert!(!chain.trusted);
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
    assert!(!chain.trusted);
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
