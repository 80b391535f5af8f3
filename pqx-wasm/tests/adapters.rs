//! The adapters behind the JS functions, on the host target (the JS boundary itself is
//! tested by bindings/web/tests/api.test.mjs on the built module).

use pqx_core::connector::source_from_bytes as connector_source;
use pqx_core::limits::Limits;
use pqx_core::sign::{sign_bytes, SignOptions};
use pqx_core::test_pki::{TestPki, TestPkiOptions};
use pqx_core::ErrorKind;
use pqx_wasm::connector::check_json;
use pqx_wasm::options::VerifyOptions;
use pqx_wasm::report::verify_report;
use std::sync::OnceLock;

struct Fixture {
    pki: TestPki,
    unsigned: Vec<u8>,
    signed: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let pki = TestPki::generate(&TestPkiOptions::default()).expect("test PKI");
        let mez = pqx_core::sample::hello_world_mez().expect("sample");
        let unsigned =
            pqx_core::pack::pack_bytes(&mez, "HelloWorld.mez", &Default::default()).expect("pack");
        let signed = sign_bytes(
            &unsigned,
            "HelloWorld.pqx",
            &pki.signing_key(),
            &SignOptions::default(),
        )
        .expect("sign")
        .output;
        Fixture {
            pki,
            unsigned,
            signed,
        }
    })
}

fn options(json: &str) -> VerifyOptions {
    VerifyOptions::from_json(json).expect("valid options")
}

#[test]
fn report_has_the_core_fields_at_the_top_level_plus_verdicts_and_hash() {
    let f = fixture();
    let report = verify_report(&f.signed, &VerifyOptions::default()).expect("verifies");
    let json: serde_json::Value = serde_json::to_value(&report).expect("serializes");
    let keys: Vec<&str> = json
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "SignatureStatus",
            "CertificateStatus",
            "Signatures",
            "UnsignedParts",
            "Warnings",
            "IsValid",
            "IsTrusted",
            "PackageSha256"
        ]
    );
    assert_eq!(json["SignatureStatus"], "Success");
    assert_eq!(json["IsValid"], true);
    assert_eq!(json["IsTrusted"], false);
    let hash = json["PackageSha256"].as_str().expect("string");
    assert_eq!(
        hash,
        hex::encode(pqx_core::digest::DigestAlgorithm::Sha256.digest(&f.signed))
    );
}

#[test]
fn trusted_ca_pem_and_pinned_thumbprint_each_make_the_signer_trusted() {
    let f = fixture();
    let by_ca = options(&serde_json::json!({ "trustedCas": [f.pki.root.to_pem()] }).to_string());
    assert!(
        verify_report(&f.signed, &by_ca)
            .expect("verifies")
            .is_trusted
    );
    let by_pin = options(
        &serde_json::json!({ "pinnedThumbprints": [f.pki.leaf.thumbprint_sha1().to_lowercase()] })
            .to_string(),
    );
    assert!(
        verify_report(&f.signed, &by_pin)
            .expect("verifies")
            .is_trusted
    );
}

#[test]
fn unsigned_package_is_a_report_not_an_error() {
    let report = verify_report(&fixture().unsigned, &VerifyOptions::default()).expect("verifies");
    assert_eq!(report.report.signature_status, "NotSigned");
    assert!(!report.is_valid);
}

#[test]
fn rejects_unknown_option_fields() {
    let e = VerifyOptions::from_json(r#"{"trustedCA": []}"#).expect_err("typo rejected");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn rejects_malformed_thumbprints_and_certificates() {
    let pin = options(r#"{"pinnedThumbprints": ["xyz"]}"#);
    assert_eq!(
        pin.trust_policy().expect_err("bad pin").kind(),
        ErrorKind::InvalidArgument
    );
    let ca = options(
        r#"{"trustedCas": ["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"]}"#,
    );
    assert_eq!(
        ca.trust_policy().expect_err("bad CA").kind(),
        ErrorKind::Certificate
    );
}

#[test]
fn file_name_defaults_and_names_errors() {
    assert_eq!(VerifyOptions::default().file_name(), "package.pqx");
    let named = options(r#"{"fileName": "Contoso.pqx"}"#);
    let e = verify_report(b"not a zip", &named).expect_err("not a package");
    assert_eq!(e.kind(), ErrorKind::Zip);
}

#[test]
fn connector_source_of_a_pqx_holds_the_connector_files_only() {
    let source =
        connector_source(&fixture().signed, "HelloWorld.pqx", &Limits::default()).expect("reads");
    let mut names: Vec<&str> = source.files.iter().map(|f| f.name.as_str()).collect();
    names.sort_unstable();
    let mut expected: Vec<&str> = pqx_core::sample::FILES.iter().map(|(n, _)| *n).collect();
    expected.sort_unstable();
    assert_eq!(names, expected);
}

#[test]
fn check_json_is_the_cores_check_report() {
    let json: serde_json::Value =
        serde_json::from_str(&check_json(&fixture().signed, "HelloWorld.pqx").expect("checks"))
            .expect("JSON");
    assert!(json["findings"].is_array());
    assert!(json["errors"].is_u64() && json["warnings"].is_u64());
}
