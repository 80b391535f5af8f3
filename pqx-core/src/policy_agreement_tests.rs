//! Sign and verify apply one policy: for every certificate shape, what `sign` decides before
//! signing is what `verify` decides after — the same acceptance and, on refusal, the same
//! reason. (Issue: `sign` accepted `openssl req -x509` certificates that `verify` then
//! rejected as "a CA certificate".)
//!
//! Each shape is signed *bypassing* the signing check ([`crate::sign::write_signed`]) so that
//! verification sees exactly what signing refused; the verdicts are then compared.

use crate::certificate::Certificate;
use crate::digest::DigestAlgorithm;
use crate::keys::SigningKey;
use crate::limits::Limits;
use crate::opc::signature_parts::SignatureLayout;
use crate::opc::Package;
use crate::policy::CertificatePolicy;
use crate::sign::{write_signed, SignOptions};
use crate::test_pki::{issue_certificate, CertKind, CertSpec, TestPki, TestPkiOptions};
use crate::trust::TrustPolicy;
use crate::verdict::SignatureStatus;
use crate::verify::{verify_bytes, VerifyOptions};
use crate::Error;
use const_oid::db::rfc5280::{ID_KP_CODE_SIGNING, ID_KP_SERVER_AUTH};
use rsa::RsaPrivateKey;
use std::sync::OnceLock;
use time::{Duration, OffsetDateTime};

fn pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| TestPki::generate(&TestPkiOptions::default()).expect("test PKI"))
}

fn small_key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| crate::test_pki::generate_key(1024).expect("1024-bit key"))
}

fn spec(cn: &str, kind: CertKind, eku: Vec<const_oid::ObjectIdentifier>) -> CertSpec {
    let now = OffsetDateTime::now_utc();
    CertSpec {
        common_name: cn.to_owned(),
        kind,
        not_before: now - Duration::days(1),
        not_after: now + Duration::days(30),
        eku,
        digest: DigestAlgorithm::Sha256,
    }
}

/// A leaf (with the test PKI's leaf key) issued by the test intermediate, customised.
fn leaf(opts: TestPkiOptions) -> SigningKey {
    let opts = TestPkiOptions {
        leaf_key: opts.leaf_key.or_else(|| Some(pki().leaf_key.clone())),
        ..opts
    };
    let (cert, key) = pki().issue_leaf(&opts).expect("leaf");
    SigningKey::from_parts(
        key,
        vec![cert, pki().intermediate.clone(), pki().root.clone()],
    )
    .expect("key")
}

/// A key whose certificate (and chain) are made by `issue_certificate` from `spec`s.
fn custom(
    signer: &CertSpec,
    key: &RsaPrivateKey,
    issuer: Option<(&Certificate, &RsaPrivateKey)>,
    rest: Vec<Certificate>,
) -> SigningKey {
    let cert = issue_certificate(signer, key, issuer).expect("certificate");
    let mut chain = vec![cert];
    chain.extend(rest);
    SigningKey::from_parts(key.clone(), chain).expect("key")
}

/// Every certificate shape the policy has a rule about, named.
fn shapes() -> Vec<(&'static str, SigningKey)> {
    let p = pki();
    let now = OffsetDateTime::now_utc();
    let chain_tail = vec![p.intermediate.clone(), p.root.clone()];
    let bad_intermediate = |eku: Vec<_>, kind: CertKind, days: i64| {
        let mut s = spec("pqx Test Odd Intermediate", kind, eku);
        if days < 0 {
            s.not_before = now - Duration::days(30);
            s.not_after = now + Duration::days(days);
        }
        let inter =
            issue_certificate(&s, &p.intermediate_key, Some((&p.root, &p.root_key))).expect("ca");
        let leaf_spec = spec("pqx Test Signer", CertKind::Leaf, vec![ID_KP_CODE_SIGNING]);
        custom(
            &leaf_spec,
            &p.leaf_key,
            Some((&inter, &p.intermediate_key)),
            vec![inter.clone(), p.root.clone()],
        )
    };
    vec![
        ("test PKI leaf", p.signing_key()),
        (
            "leaf without EKU",
            leaf(TestPkiOptions {
                leaf_eku_code_signing: false,
                ..TestPkiOptions::default()
            }),
        ),
        (
            "leaf for TLS servers only",
            leaf(TestPkiOptions {
                leaf_eku_code_signing: false,
                leaf_other_eku: vec![ID_KP_SERVER_AUTH],
                ..TestPkiOptions::default()
            }),
        ),
        (
            "leaf with a 1024-bit key",
            leaf(TestPkiOptions {
                leaf_key: Some(small_key().clone()),
                ..TestPkiOptions::default()
            }),
        ),
        (
            "expired leaf",
            leaf(TestPkiOptions {
                leaf_not_before: now - Duration::days(30),
                leaf_not_after: now - Duration::days(1),
                ..TestPkiOptions::default()
            }),
        ),
        (
            "leaf not valid yet",
            leaf(TestPkiOptions {
                leaf_not_before: now + Duration::days(1),
                leaf_not_after: now + Duration::days(30),
                ..TestPkiOptions::default()
            }),
        ),
        (
            "SHA-1-signed leaf",
            leaf(TestPkiOptions {
                leaf_signature_digest: DigestAlgorithm::Sha1,
                ..TestPkiOptions::default()
            }),
        ),
        (
            "self-signed CA:TRUE code-signing certificate (openssl req -x509)",
            custom(
                &spec(
                    "pqx Test Self-Signed",
                    CertKind::Ca { path_len: None },
                    vec![ID_KP_CODE_SIGNING],
                ),
                &p.leaf_key,
                None,
                Vec::new(),
            ),
        ),
        (
            "self-signed certificate without basicConstraints (New-SelfSignedCertificate)",
            custom(
                &spec(
                    "pqx Test PowerShell",
                    CertKind::Bare,
                    vec![ID_KP_CODE_SIGNING],
                ),
                &p.leaf_key,
                None,
                Vec::new(),
            ),
        ),
        (
            "intermediate CA used as signer",
            custom(
                &spec(
                    "pqx Test Signing CA",
                    CertKind::Ca { path_len: None },
                    vec![ID_KP_CODE_SIGNING],
                ),
                &p.leaf_key,
                Some((&p.intermediate, &p.intermediate_key)),
                chain_tail.clone(),
            ),
        ),
        (
            "leaf issued by a non-CA",
            bad_intermediate(vec![ID_KP_CODE_SIGNING], CertKind::Leaf, 30),
        ),
        (
            "intermediate whose EKU excludes code signing",
            bad_intermediate(vec![ID_KP_SERVER_AUTH], CertKind::Ca { path_len: None }, 30),
        ),
        (
            "expired intermediate",
            bad_intermediate(Vec::new(), CertKind::Ca { path_len: None }, -1),
        ),
    ]
}

/// `sign`'s verdict: `None` when it signs, the refusal message otherwise.
fn sign_verdict(key: &SigningKey, now: OffsetDateTime) -> Option<String> {
    match CertificatePolicy::code_signing().check_signer(
        key.certificate(),
        key.chain(),
        &TrustPolicy::none(),
        now,
    ) {
        Ok(_) => None,
        Err(Error::SigningPolicy(m)) => Some(m),
        Err(e) => panic!("unexpected error {e}"),
    }
}

/// `verify`'s verdict on a package signed with `key` regardless of policy: `None` on
/// `Success`, the `InvalidCertificate` reason otherwise.
fn verify_verdict(key: &SigningKey, now: OffsetDateTime) -> Option<String> {
    let mez = crate::sample::hello_world_mez().expect("sample");
    let unsigned =
        crate::pack::pack_bytes(&mez, "HelloWorld.mez", &Default::default()).expect("pack");
    let mut package = Package::open(
        std::io::Cursor::new(unsigned.as_slice()),
        "HelloWorld.pqx",
        &Limits::default(),
    )
    .expect("open");
    let layout = SignatureLayout::locate(&package).expect("layout");
    let options = SignOptions::default().time(now);
    let signed = write_signed(
        &mut package,
        layout,
        key,
        &options,
        now,
        std::io::Cursor::new(Vec::new()),
    )
    .expect("signing without the policy check")
    .output;
    let v = verify_bytes(
        signed.get_ref(),
        "HelloWorld.pqx",
        &VerifyOptions::default().at(now),
    )
    .expect("verify");
    match v.status {
        SignatureStatus::Success => None,
        SignatureStatus::InvalidCertificate => Some(
            v.signatures
                .first()
                .and_then(|c| c.reason.clone())
                .unwrap_or_default(),
        ),
        other => panic!("unexpected status {other:?}: {:?}", v.signatures),
    }
}

#[test]
fn sign_and_verify_reach_the_same_verdict_for_every_certificate_shape() {
    let now = OffsetDateTime::now_utc();
    let mut accepted = Vec::new();
    for (name, key) in shapes() {
        let signed = sign_verdict(&key, now);
        let verified = verify_verdict(&key, now);
        match (&signed, &verified) {
            (None, None) => accepted.push(name),
            (Some(s), Some(v)) => assert!(
                s.ends_with(v.as_str()),
                "{name}: sign refused with {s:?}, verify with {v:?}"
            ),
            _ => panic!("{name}: sign says {signed:?}, verify says {verified:?}"),
        }
    }
    // The shapes Power BI users sign with are accepted; the rest are refused.
    assert_eq!(
        accepted,
        [
            "test PKI leaf",
            "leaf without EKU",
            "SHA-1-signed leaf",
            "self-signed CA:TRUE code-signing certificate (openssl req -x509)",
            "self-signed certificate without basicConstraints (New-SelfSignedCertificate)",
        ]
    );
}
