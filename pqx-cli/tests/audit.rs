//! `pqx verify A.pqx DIR/ …`: the audit of many connectors, its table, JSON and exit
//! status, and Power BI's trust list from `--trusted-reg`.

mod common;

use common::*;
use std::path::Path;

/// A share: two good connectors (one in a sub-folder), one tampered, one `.mez`, one that
/// is not a package, and a file that is neither `.pqx` nor `.mez` (not collected).
fn share() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    signed_sample(d.path(), "Good");
    std::fs::create_dir(d.path().join("team")).unwrap();
    signed_sample(&d.path().join("team"), "Nested");
    let bad = signed_sample(d.path(), "Tampered");
    tamper_part(&bad, "HelloWorld.pq");
    std::fs::write(d.path().join("Broken.pqx"), b"not a zip").unwrap();
    std::fs::write(d.path().join("notes.txt"), b"x").unwrap();
    // signed_sample leaves its .mez next to each .pqx: Good.mez, Tampered.mez, team/Nested.mez.
    d
}

fn good_only() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    signed_sample(d.path(), "A");
    signed_sample(d.path(), "B");
    for m in ["A.mez", "B.mez"] {
        std::fs::remove_file(d.path().join(m)).unwrap();
    }
    d
}

fn stdout_of(cmd: &mut assert_cmd::Command, code: i32) -> String {
    String::from_utf8(cmd.assert().code(code).get_output().stdout.clone()).unwrap()
}

fn row<'a>(table: &'a str, file: &str) -> &'a str {
    table
        .lines()
        .find(|l| l.contains(file))
        .unwrap_or_else(|| panic!("no row for {file} in\n{table}"))
}

#[test]
fn audits_a_folder_recursively_one_row_per_file_and_fails_on_any_bad_file() {
    let d = share();
    let thumbprint = fixture().thumbprint();
    let out = stdout_of(pqx().arg("verify").arg(d.path()), 1);
    assert!(out.starts_with("FILE"), "{out}");
    assert!(
        row(&out, "Good.pqx").contains("Success") && row(&out, "Good.pqx").contains(&thumbprint)
    );
    assert!(row(&out, "Nested.pqx").contains("Success"));
    assert!(row(&out, "Tampered.pqx").contains("InvalidSignature"));
    assert!(row(&out, "Good.mez").contains("NotSigned"));
    assert!(row(&out, "Broken.pqx").contains("Error"));
    assert!(!out.contains("notes.txt"));
    assert!(
        out.contains("7 files: 2 verified, 4 not valid, 1 error"),
        "{out}"
    );
}

#[test]
fn exits_zero_when_every_file_verifies() {
    let d = good_only();
    let out = stdout_of(
        pqx()
            .arg("verify")
            .arg(d.path())
            .arg(d.path().join("A.pqx")),
        0,
    );
    assert!(
        out.contains("2 files: 2 verified, 0 not valid, 0 errors"),
        "{out}"
    );
    assert!(
        row(&out, "A.pqx").contains("  -  "),
        "no trust policy: trusted is '-'\n{out}"
    );
}

#[test]
fn trusted_reg_from_pqx_thumbprint_trusts_the_signer() {
    let d = good_only();
    let reg = d.path().join("trusted.reg");
    let written = pqx()
        .arg("thumbprint")
        .arg(d.path().join("A.pqx"))
        .arg("--reg")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    std::fs::write(&reg, written).unwrap();
    let out = stdout_of(
        pqx()
            .arg("verify")
            .arg(d.path())
            .arg("--trusted-reg")
            .arg(&reg),
        0,
    );
    assert!(row(&out, "A.pqx").contains("yes"), "{out}");
    assert!(out.contains("2 trusted, 0 not trusted"), "{out}");
}

/// The list as regedit exports it: UTF-16LE with a BOM, another signer only.
fn other_signer_reg(path: &Path) {
    let text = "Windows Registry Editor Version 5.00\r\n\r\n\
        [HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Power BI Desktop]\r\n\
        \"TrustedCertificateThumbprints\"=hex(7):30,00,31,00,32,00,33,00,34,00,35,00,36,00,37,00,38,00,\\\r\n  \
        39,00,41,00,42,00,43,00,44,00,45,00,46,00,30,00,31,00,32,00,33,00,34,00,35,00,36,00,\\\r\n  \
        37,00,38,00,39,00,41,00,42,00,43,00,44,00,45,00,46,00,30,00,31,00,32,00,33,00,34,00,\\\r\n  \
        35,00,36,00,37,00,00,00,00,00\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_valid_file_whose_signer_is_not_on_the_list_fails_the_audit() {
    let d = good_only();
    let reg = d.path().join("other.reg");
    other_signer_reg(&reg);
    let out = stdout_of(
        pqx()
            .arg("verify")
            .arg(d.path())
            .arg("--trusted-reg")
            .arg(&reg),
        1,
    );
    assert!(row(&out, "B.pqx").contains("no"), "{out}");
    assert!(out.contains("0 trusted, 2 not trusted"), "{out}");
}

#[test]
fn json_is_an_array_of_one_report_per_file() {
    let d = share();
    let out = stdout_of(
        pqx().arg("verify").arg(d.path()).args(["--format", "json"]),
        1,
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 7);
    let good = items
        .iter()
        .find(|i| i["File"].as_str().unwrap().ends_with("Good.pqx"))
        .unwrap();
    assert_eq!(good["SignatureStatus"], "Success");
    assert_eq!(good["Report"]["SignatureStatus"], "Success");
    assert_eq!(good["Thumbprint"], fixture().thumbprint());
    assert!(good["Trusted"].is_null());
    let broken = items
        .iter()
        .find(|i| i["File"].as_str().unwrap().ends_with("Broken.pqx"))
        .unwrap();
    assert_eq!(broken["SignatureStatus"], "Error");
    assert!(broken["Error"].as_str().unwrap().contains("Broken.pqx"));
}

#[test]
fn one_jobs_and_many_give_the_same_report() {
    let d = share();
    let run = |jobs: &str| stdout_of(pqx().arg("verify").arg(d.path()).args(["-j", jobs]), 1);
    assert_eq!(run("1"), run("8"));
}

#[test]
fn quiet_audit_prints_nothing_and_detached_p7s_needs_one_file() {
    let d = good_only();
    pqx()
        .arg("verify")
        .arg(d.path())
        .arg("-q")
        .assert()
        .success()
        .stdout("");
    pqx()
        .arg("verify")
        .arg(d.path())
        .arg("--detached-p7s")
        .arg(d.path().join("x.p7s"))
        .assert()
        .code(2);
}
