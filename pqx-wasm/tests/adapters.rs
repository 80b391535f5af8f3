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

fn audit_row(bytes: &[u8], name: &str, json_options: &str) -> serde_json::Value {
    let row = pqx_wasm::audit::audit_row_json(bytes, name, &options(json_options)).expect("row");
    serde_json::from_str(&row).expect("row is JSON")
}

#[test]
fn audit_row_is_the_cli_row_for_signed_unsigned_mez_and_garbage() {
    let f = fixture();
    let root = serde_json::to_string(&f.pki.root.to_pem()).expect("json");
    let trusting = format!(r#"{{"trustedCas":[{root}]}}"#);
    let signed = audit_row(&f.signed, "dir/A.pqx", &trusting);
    assert_eq!(signed["File"], "dir/A.pqx");
    assert_eq!(signed["SignatureStatus"], "Success");
    assert_eq!(signed["Trusted"], true);
    assert_eq!(signed["Thumbprint"], f.pki.leaf.thumbprint_sha1());
    assert_eq!(signed["Report"]["SignatureStatus"], "Success");
    // Without a trust policy "Trusted" is null, not false, as in the CLI.
    assert_eq!(
        audit_row(&f.signed, "A.pqx", "{}")["Trusted"],
        serde_json::Value::Null
    );
    assert_eq!(
        audit_row(&f.unsigned, "U.pqx", "{}")["SignatureStatus"],
        "NotSigned"
    );
    let mez = audit_row(&f.signed, "C.MEZ", &trusting);
    assert_eq!(mez["SignatureStatus"], "NotSigned");
    assert_eq!(mez["Report"], serde_json::Value::Null);
    let garbage = audit_row(b"PK\x03\x04 not a zip", "G.pqx", &trusting);
    assert_eq!(garbage["SignatureStatus"], "Error");
    assert_eq!(garbage["Trusted"], false);
    assert!(garbage["Error"]
        .as_str()
        .is_some_and(|e| e.contains("G.pqx")));
}

#[test]
fn audit_row_refuses_bad_options_rather_than_auditing_against_nothing() {
    let bad = VerifyOptions::from_json(r#"{"pinnedThumbprints":["XYZ"]}"#).expect("parses");
    let e = pqx_wasm::audit::audit_row_json(&fixture().signed, "A.pqx", &bad).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
}

#[test]
fn audit_summary_is_the_cli_line_with_trust_only_when_the_rows_carry_it() {
    use pqx_wasm::audit::summary_of_rows_json;
    let rows = r#"[{"SignatureStatus":"Success","Trusted":true},
                  {"SignatureStatus":"InvalidSignature","Trusted":false},
                  {"SignatureStatus":"Error","Trusted":false,"File":"x"}]"#;
    assert_eq!(
        summary_of_rows_json(rows).expect("summary"),
        "3 files: 1 verified, 1 not valid, 1 error; 1 trusted, 0 not trusted"
    );
    assert_eq!(
        summary_of_rows_json(r#"[{"SignatureStatus":"NotSigned","Trusted":null}]"#)
            .expect("summary"),
        "1 file: 0 verified, 1 not valid, 0 errors"
    );
    let e = summary_of_rows_json(r#"[{"SignatureStatus":"Fine"}]"#).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(summary_of_rows_json("{}").is_err());
}
