//! MakePQX compatibility: its commands, option spellings, defaults, report and exit statuses,
//! including the example invocations of its documentation (paths with spaces).

mod common;

use common::*;
use predicates::prelude::*;

#[test]
fn running_without_arguments_prints_help() {
    pqx()
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Usage: pqx <COMMAND>"));
}

#[test]
fn question_mark_h_and_help_show_help_on_every_command() {
    for cmd in [
        vec![],
        vec!["pack"],
        vec!["sign"],
        vec!["verify"],
        vec!["inspect"],
        vec!["unpack"],
        vec!["thumbprint"],
        vec!["check"],
        vec!["demo"],
    ] {
        for flag in ["-?", "-h", "--help"] {
            let mut args = cmd.clone();
            args.push(flag);
            pqx()
                .args(&args)
                .assert()
                .success()
                .stdout(predicate::str::contains("Usage: pqx"))
                .stdout(predicate::str::contains("-h, --help"));
        }
    }
}

#[test]
fn pack_accepts_mz_in_makepqx_spellings_and_defaults_the_target_to_the_input_name() {
    let dir = tempfile::tempdir().unwrap();
    let mez = dir.path().join("HelloWorld.mez");
    write_sample_mez(&mez);
    pqx()
        .current_dir(dir.path())
        .args(["pack", "-mz", "HelloWorld.mez"])
        .assert()
        .success();
    let first = std::fs::read(dir.path().join("HelloWorld.pqx")).unwrap();
    for spelling in [
        vec!["-mz=HelloWorld.mez"],
        vec!["--mez", "HelloWorld.mez"],
        vec!["--mez=HelloWorld.mez"],
        vec!["-mz:HelloWorld.mez"],
    ] {
        pqx()
            .current_dir(dir.path())
            .arg("pack")
            .args(&spelling)
            .args(["-t", "again.pqx"])
            .assert()
            .success();
        assert_eq!(
            std::fs::read(dir.path().join("again.pqx")).unwrap(),
            first,
            "{spelling:?}: pack is deterministic"
        );
    }
    pqx()
        .current_dir(dir.path())
        .args(["pack", "--mez", "HelloWorld.mez", "--target", "long.pqx"])
        .assert()
        .success();
    pqx()
        .current_dir(dir.path())
        .args(["verify", "HelloWorld.pqx"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "\"SignatureStatus\": \"NotSigned\"",
        ));
}

#[test]
fn documented_examples_run_unchanged_with_paths_with_spaces() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let connectors = dir
        .path()
        .join("Power BI Desktop")
        .join("Custom Connectors");
    std::fs::create_dir_all(&connectors).unwrap();
    let mez = connectors.join("HelloWorld.mez");
    let signed = connectors.join("HelloWorldSigned.pqx");
    write_sample_mez(&mez);
    std::fs::copy(f.pfx(), dir.path().join("ContosoTestCertificate.pfx")).unwrap();

    // MakePQX.exe pack -mz "…\HelloWorld.mez" -t "…\HelloWorldSigned.pqx"
    pqx()
        .current_dir(dir.path())
        .arg("pack")
        .arg("-mz")
        .arg(&mez)
        .arg("-t")
        .arg(&signed)
        .assert()
        .success();
    // MakePQX sign "…\HelloWorldSigned.pqx" --certificate ContosoTestCertificate.pfx --password password
    pqx()
        .current_dir(dir.path())
        .arg("sign")
        .arg(&signed)
        .args([
            "--certificate",
            "ContosoTestCertificate.pfx",
            "--password",
            PASSWORD,
        ])
        .assert()
        .success();
    // MakePQX verify "…\HelloWorldSigned.pqx"
    let out = pqx()
        .arg("verify")
        .arg(&signed)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(report["SignatureStatus"], "Success");
    let cert = &report["CertificateStatus"][0];
    let keys: Vec<&String> = cert.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "Issuer",
            "Thumbprint",
            "Subject",
            "NotBefore",
            "NotAfter",
            "Valid",
            "Parent",
            "Status"
        ]
    );
    assert_eq!(cert["Thumbprint"], f.thumbprint().as_str());
    assert_eq!(
        cert["Valid"], false,
        "no trust policy: MakePQX's UntrustedRoot"
    );
    assert!(
        cert["Status"].as_str().unwrap().contains("UntrustedRoot"),
        "{cert}"
    );
}

#[test]
fn pack_with_certificate_packs_and_signs_in_one_step() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let mez = dir.path().join("HelloWorld.mez");
    write_sample_mez(&mez);
    let pqx_path = dir.path().join("HelloWorld.pqx");
    pqx()
        .arg("pack")
        .arg("-mz")
        .arg(&mez)
        .arg("-c")
        .arg(f.pfx())
        .args(["-p", PASSWORD])
        .assert()
        .success()
        .stderr(predicate::str::contains(format!(
            "signed {}",
            pqx_path.display()
        )));
    pqx()
        .arg("verify")
        .arg(&pqx_path)
        .arg("-q")
        .assert()
        .success()
        .stdout("");
}

#[test]
fn sign_countersigns_a_signed_package_and_replace_leaves_one_signature() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let signed = signed_sample(dir.path(), "a");
    pqx()
        .arg("sign")
        .arg(&signed)
        .arg("-c")
        .arg(f.legacy_pfx())
        .args(["-p", PASSWORD])
        .assert()
        .success()
        .stderr(
            predicate::str::starts_with("pqx: warning: -p")
                .and(predicate::str::contains("countersigned")),
        );
    let report = pqx()
        .arg("verify")
        .arg(&signed)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&report).unwrap();
    assert_eq!(v["Signatures"].as_array().unwrap().len(), 2);
    assert_eq!(v["Signatures"][1]["Countersignature"], true);

    pqx()
        .arg("sign")
        .arg(&signed)
        .arg("-c")
        .arg(f.pfx())
        .args(["-p", PASSWORD, "-r"])
        .assert()
        .success()
        .stderr(predicate::str::contains("replacing 2 signatures"));
    let report = pqx()
        .arg("verify")
        .arg(&signed)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&report).unwrap();
    assert_eq!(v["Signatures"].as_array().unwrap().len(), 1);
    pqx()
        .arg("sign")
        .arg(&signed)
        .arg("--certificate")
        .arg(f.pfx())
        .args(["--password", PASSWORD, "--replace"])
        .assert()
        .success();
}

#[test]
fn verify_exits_1_and_quiet_prints_nothing_when_a_part_was_changed() {
    let dir = tempfile::tempdir().unwrap();
    let signed = signed_sample(dir.path(), "t");
    tamper_part(&signed, "HelloWorld.pq");
    let out = pqx()
        .arg("verify")
        .arg(&signed)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    assert_eq!(status_of(&out), "InvalidSignature");
    pqx()
        .arg("verify")
        .arg(&signed)
        .arg("-q")
        .assert()
        .code(1)
        .stdout("")
        .stderr("");
    pqx()
        .arg("verify")
        .arg(&signed)
        .arg("--quiet")
        .assert()
        .code(1)
        .stdout("");
}

#[test]
fn sign_needs_a_certificate_or_key() {
    let dir = tempfile::tempdir().unwrap();
    let signed = signed_sample(dir.path(), "n");
    pqx()
        .arg("sign")
        .arg(&signed)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--certificate"));
    pqx()
        .arg("sign")
        .arg(&signed)
        .arg("-c")
        .arg("x.pfx")
        .arg("--key")
        .arg("k.pem")
        .assert()
        .code(2);
}

#[test]
fn pack_refuses_a_signed_pqx_and_sign_refuses_a_mez_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let signed = signed_sample(dir.path(), "k");
    pqx()
        .args(["pack", "-mz"])
        .arg(&signed)
        .args(["-t", "x.pqx"])
        .current_dir(dir.path())
        .assert()
        .code(3)
        .stderr("pqx: error: not a valid connector (.mez): k.pqx is a signed .pqx package, not a .mez: packing it would drop its signatures (sign it again to add a countersignature, or unpack it to re-pack its files)\n");
    sign_with_pem(&dir.path().join("k.mez"))
        .assert()
        .code(3)
        .stderr(predicate::str::contains("is a .mez, not a .pqx package"));
}
