//! `pqx check` (formats, exit statuses, the check before pack/sign) and `pqx verify`'s trust
//! options and formats.

mod common;

use common::*;
use predicates::prelude::*;

#[test]
fn check_of_a_clean_connector_exits_0_and_of_a_broken_one_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("HelloWorld.mez");
    write_sample_mez(&clean);
    pqx()
        .arg("check")
        .arg(&clean)
        .assert()
        .success()
        .stdout("no findings\n");
    let broken = dir.path().join("Plain.mez");
    write_uncertified_mez(&broken);
    pqx()
        .arg("check")
        .arg(&broken)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "Plain.pq:5:8: error[documentation]:",
        ))
        .stdout(predicate::str::contains("  = help: "))
        .stdout(predicate::str::contains("error[test-connection]"));
}

#[test]
fn check_reads_project_folders_and_signed_packages() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir(&project).unwrap();
    for (name, bytes) in pqx_core::sample::FILES {
        std::fs::write(project.join(name), bytes).unwrap();
    }
    std::fs::write(
        project.join("HelloWorld.query.pq"),
        "HelloWorld.Contents(\"x\")",
    )
    .unwrap();
    pqx().arg("check").arg(&project).assert().success();
    let signed = signed_sample(dir.path(), "HelloWorld");
    pqx().arg("check").arg(&signed).assert().success();
}

#[test]
fn check_json_sarif_deny_disable_and_list_rules() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("Plain.mez");
    write_uncertified_mez(&broken);
    let out = pqx()
        .arg("check")
        .arg(&broken)
        .arg("--json")
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert!(v["errors"].as_u64().unwrap() >= 2);
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    let out = pqx()
        .arg("check")
        .arg(&broken)
        .args(["--format", "sarif"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let sarif: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(
        sarif["runs"][0]["results"].as_array().unwrap().len(),
        rules.len()
    );

    let mut args = vec!["check".to_owned(), broken.display().to_string()];
    for r in rules.iter().filter(|r| {
        pqx_core::lint::rule_info(r).unwrap().severity == pqx_core::lint::Severity::Error
    }) {
        args.push("--disable".into());
        args.push((*r).to_owned());
    }
    let errors_disabled = pqx().args(&args).assert();
    let has_warnings = rules.iter().any(|r| {
        pqx_core::lint::rule_info(r).unwrap().severity == pqx_core::lint::Severity::Warning
    });
    errors_disabled.success();
    if has_warnings {
        pqx()
            .args(&args)
            .args(["--deny", "warnings"])
            .assert()
            .code(1);
    }
    pqx()
        .arg("check")
        .arg(&broken)
        .args(["--disable", "no-such-rule"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--list-rules"));
    pqx()
        .args(["check", "--list-rules"])
        .assert()
        .success()
        .stdout(predicate::str::contains("insecure-url"));
}

#[test]
fn verify_trust_options_make_signers_valid_and_require_trusted_enforces_them() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let signed = signed_sample(dir.path(), "v");
    let valid = |args: &[&str]| {
        let out = pqx()
            .arg("verify")
            .arg(&signed)
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        v["CertificateStatus"][0]["Valid"].as_bool().unwrap()
    };
    assert!(!valid(&[]));
    let root = f.root().display().to_string();
    assert!(valid(&["--trusted-ca", &root]));
    assert!(valid(&[
        "--trusted-thumbprint",
        &f.thumbprint().to_lowercase()
    ]));
    assert!(valid(&[
        "--trusted-thumbprint",
        &f.pki.leaf.thumbprint_sha256()
    ]));
    // A trust policy that does not cover the signer: still exit 0 (like MakePQX)…
    let other = "00".repeat(20);
    assert!(!valid(&["--trusted-thumbprint", &other]));
    // …unless trust is required.
    pqx()
        .arg("verify")
        .arg(&signed)
        .args(["--trusted-thumbprint", &other, "--require-trusted"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not every signer is trusted"));
    pqx()
        .arg("verify")
        .arg(&signed)
        .args(["--trusted-ca", &root, "--require-trusted", "-q"])
        .assert()
        .success()
        .stdout("")
        .stderr("");
    pqx()
        .arg("verify")
        .arg(&signed)
        .arg("--require-trusted")
        .assert()
        .code(2);
    pqx()
        .arg("verify")
        .arg(&signed)
        .args(["--trusted-thumbprint", "xyz"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a certificate thumbprint"));
    pqx()
        .arg("verify")
        .arg(&signed)
        .arg("--trusted-ca")
        .arg(f.key())
        .assert()
        .code(3);
}

#[test]
fn verify_text_format_and_unreadable_input() {
    let dir = tempfile::tempdir().unwrap();
    let signed = signed_sample(dir.path(), "v");
    pqx()
        .arg("verify")
        .arg(&signed)
        .args(["--format", "text"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("Signature status: Success\n"));
    pqx()
        .arg("verify")
        .arg(&signed)
        .arg("--json")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("{"));
    pqx()
        .arg("verify")
        .arg(&signed)
        .args(["--json", "--format", "text"])
        .assert()
        .code(2);
    pqx()
        .arg("verify")
        .arg(dir.path().join("missing.pqx"))
        .assert()
        .code(3)
        .stderr(predicate::str::contains("check the path"));
    let mez = dir.path().join("v.mez");
    pqx()
        .arg("verify")
        .arg(&mez)
        .assert()
        .code(3)
        .stderr(predicate::str::starts_with(
            "pqx: error: malformed OPC package",
        ));
}
