//! `pqx inspect` and `pqx thumbprint`: what an administrator needs to trust a connector.

mod common;

use common::*;
use predicates::prelude::*;

/// `openssl x509 -fingerprint -sha1` of a PEM certificate, as 40 upper-case hex digits.
fn openssl_sha1(pem: &std::path::Path) -> String {
    let out = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha1", "-in"])
        .arg(pem)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    text.trim()
        .rsplit('=')
        .next()
        .unwrap()
        .replace(':', "")
        .to_uppercase()
}

#[test]
fn thumbprint_of_pem_der_pfx_and_signed_pqx_equals_openssls_fingerprint() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let want = format!("{}\n", openssl_sha1(&f.leaf_pem()));
    assert_eq!(want.trim(), f.thumbprint());
    pqx()
        .arg("thumbprint")
        .arg(f.leaf_pem())
        .assert()
        .success()
        .stdout(want.clone());
    pqx()
        .arg("thumbprint")
        .arg(f.leaf_der())
        .assert()
        .success()
        .stdout(want.clone());
    pqx()
        .arg("thumbprint")
        .arg(f.chain())
        .assert()
        .success()
        .stdout(want.clone())
        .stderr(predicate::str::contains("holds 3 certificates"));
    pqx()
        .arg("thumbprint")
        .arg(f.pfx())
        .env("PQX_PASSWORD", PASSWORD)
        .assert()
        .success()
        .stdout(want.clone());
    pqx().arg("thumbprint").arg(f.pfx()).assert().code(4);
    let signed = signed_sample(dir.path(), "s");
    pqx()
        .arg("thumbprint")
        .arg(&signed)
        .assert()
        .success()
        .stdout(want.clone());
    // A countersigned package lists both signers.
    sign_with_pem(&signed).assert().success();
    pqx()
        .arg("thumbprint")
        .arg(&signed)
        .assert()
        .success()
        .stdout(format!("{want}{want}"));
}

#[test]
fn thumbprint_reg_prints_an_importable_registry_file() {
    let f = fixture();
    let out = pqx()
        .arg("thumbprint")
        .arg(f.leaf_pem())
        .arg("--reg")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let reg = String::from_utf8(out).unwrap();
    assert!(reg.starts_with("Windows Registry Editor Version 5.00\r\n"));
    assert!(
        reg.contains("[HKEY_LOCAL_MACHINE\\Software\\Policies\\Microsoft\\Power BI Desktop]\r\n")
    );
    let hex = reg
        .lines()
        .find_map(|l| l.strip_prefix("\"TrustedCertificateThumbprints\"=hex(7):"))
        .expect("value line");
    let bytes: Vec<u8> = hex
        .split(',')
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect();
    let units: Vec<u16> = bytes
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    assert_eq!(
        String::from_utf16(&units).unwrap(),
        format!("{}\0\0", f.thumbprint())
    );
}

#[test]
fn thumbprint_of_an_unsigned_package_or_junk_fails() {
    let dir = tempfile::tempdir().unwrap();
    let mez = dir.path().join("u.mez");
    write_sample_mez(&mez);
    pqx().arg("pack").arg("-mz").arg(&mez).assert().success();
    pqx()
        .arg("thumbprint")
        .arg(dir.path().join("u.pqx"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("NotSigned"));
    let junk = dir.path().join("junk.cer");
    std::fs::write(&junk, b"junk").unwrap();
    pqx()
        .arg("thumbprint")
        .arg(&junk)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("expected a certificate"));
}

#[test]
fn inspect_shows_section_version_files_and_signers() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let signed = signed_sample(dir.path(), "HelloWorld");
    pqx()
        .arg("inspect")
        .arg(&signed)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "HelloWorld.pqx: signed package (.pqx)",
        ))
        .stdout(predicate::str::contains("section:  HelloWorld"))
        .stdout(predicate::str::contains("version:  1.0.0"))
        .stdout(predicate::str::contains("SectionDocument   HelloWorld.pq"))
        .stdout(predicate::str::contains(format!(
            "SHA-1      {}",
            f.thumbprint()
        )))
        .stdout(predicate::str::contains(format!(
            "SHA-256    {}",
            f.pki.leaf.thumbprint_sha256()
        )));
    sign_with_pem(&signed).assert().success();
    let out = pqx()
        .arg("inspect")
        .arg(&signed)
        .arg("--json")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["format"], "pqx");
    assert_eq!(v["sectionName"], "HelloWorld");
    assert_eq!(v["version"], "1.0.0");
    assert_eq!(v["signatures"].as_array().unwrap().len(), 2);
    assert_eq!(v["signatures"][1]["countersignature"], true);
    assert_eq!(
        v["signatures"][0]["thumbprintSha1"],
        f.thumbprint().as_str()
    );
    assert!(v["signatures"][0]["signingTime"].is_string());

    let mez = dir.path().join("HelloWorld.mez");
    pqx()
        .arg("inspect")
        .arg(&mez)
        .assert()
        .success()
        .stdout(predicate::str::contains("HelloWorld.mez: connector (.mez)"));
}
