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

/// A signed package whose extra part name decodes to ESC, `[2K`, CR and U+202E (percent-escaped,
/// as OPC allows) and whose signer's common name holds the same kind of sequence, ending in a
/// fake "CN=Microsoft Corporation".
fn spoofing_package(dir: &std::path::Path) -> std::path::PathBuf {
    use pqx_core::archive::{ArchiveReader, ArchiveWriter};
    use pqx_core::limits::Limits;
    use pqx_core::test_pki::TestPkiOptions;
    let f = fixture();
    let unsigned = unsigned_sample(dir);
    let bytes = std::fs::read(&unsigned).unwrap();
    let mut archive =
        ArchiveReader::open(std::io::Cursor::new(bytes), "t", &Limits::default()).unwrap();
    let mut w = ArchiveWriter::new(std::io::Cursor::new(Vec::new()));
    for entry in archive.entries().to_vec() {
        let data = archive.read(&entry, u64::MAX).unwrap();
        w.add(&entry.name, &data).unwrap();
    }
    w.add("Hidden%1B%5B2K%0D%E2%80%AEgnp.png", b"\x89PNG")
        .unwrap();
    let package = w.finish().unwrap().into_inner();
    let (cert, key) = f
        .pki
        .issue_leaf(&TestPkiOptions {
            leaf_common_name: "Evil\u{1b}[2K\rCN=Microsoft Corporation\u{202E}".to_owned(),
            leaf_key: Some(f.pki.leaf_key.clone()),
            ..TestPkiOptions::default()
        })
        .unwrap();
    let mut pki = f.pki.clone();
    pki.leaf = cert;
    pki.leaf_key = key;
    let signer = pki.signing_key();
    let signed = pqx_core::sign::sign_bytes(
        &package,
        "spoof.pqx",
        &signer,
        &pqx_core::sign::SignOptions::default(),
    )
    .unwrap()
    .output;
    let path = dir.join("spoof.pqx");
    std::fs::write(&path, signed).unwrap();
    path
}

/// Asserts that `out` holds no raw ESC, CR or U+202E, and the escaped forms instead.
fn assert_escaped(out: &[u8], what: &str) {
    let text = String::from_utf8_lossy(out);
    for raw in ['\u{1b}', '\r', '\u{202E}'] {
        assert!(!text.contains(raw), "{what} printed {raw:?} raw:\n{text}");
    }
    for escaped in ["\\x1b[2K", "\\x0d", "\\u{202e}"] {
        assert!(text.contains(escaped), "{what} lacks {escaped}:\n{text}");
    }
}

#[test]
fn inspect_and_verify_text_escape_control_and_bidi_characters_from_the_package() {
    let dir = tempfile::tempdir().unwrap();
    let spoof = spoofing_package(dir.path());
    let inspect = pqx().arg("inspect").arg(&spoof).assert().success();
    let out = inspect.get_output().stdout.clone();
    assert_escaped(&out, "inspect");
    let listing = String::from_utf8_lossy(&out);
    assert!(
        listing.contains("Hidden\\x1b[2K\\x0d\\u{202e}gnp.png"),
        "{listing}"
    );
    assert!(
        listing.contains("Evil\\x1b[2K\\x0dCN=Microsoft Corporation\\u{202e}"),
        "{listing}"
    );
    let verify = pqx()
        .arg("verify")
        .arg(&spoof)
        .arg("--format")
        .arg("text")
        .assert();
    let out = verify.get_output().stdout.clone();
    assert_escaped(&out, "verify --format text");
    let report = String::from_utf8_lossy(&out);
    assert!(
        report.contains("signer:     ") && report.contains("Evil\\x1b[2K\\x0dCN=Microsoft"),
        "{report}"
    );
    // JSON keeps the exact text (serde escapes it as \u001b, \r, and the character itself).
    let json = pqx()
        .arg("inspect")
        .arg(&spoof)
        .arg("--json")
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&json.get_output().stdout).unwrap();
    let names: Vec<&str> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert!(
        names.contains(&"Hidden\u{1b}[2K\r\u{202E}gnp.png"),
        "{names:?}"
    );
}

#[cfg(not(windows))]
#[test]
fn trust_add_off_windows_prints_the_reg_file_and_reg_add_line_instead() {
    let f = fixture();
    let t = f.thumbprint();
    let reg_hex: Vec<String> = t
        .encode_utf16()
        .chain([0, 0])
        .flat_map(u16::to_le_bytes)
        .map(|b| format!("{b:02x}"))
        .collect();
    pqx()
        .args(["trust", "add"])
        .arg(f.leaf_pem())
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "\"TrustedCertificateThumbprints\"=hex(7):{}",
            reg_hex.join(",")
        )))
        .stderr(predicate::str::contains("this is not Windows"))
        .stderr(predicate::str::contains(format!(
            "reg add \"HKLM\\SOFTWARE\\Policies\\Microsoft\\Power BI Desktop\" /v TrustedCertificateThumbprints /t REG_MULTI_SZ /d \"{t}\" /f"
        )));
    pqx()
        .args(["trust", "list"])
        .assert()
        .success()
        .stdout("reg query \"HKLM\\SOFTWARE\\Policies\\Microsoft\\Power BI Desktop\" /v TrustedCertificateThumbprints\n");
    pqx()
        .args(["trust", "remove", "not-a-thumbprint"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "neither a file nor a certificate thumbprint",
        ));
}

#[cfg(not(windows))]
#[test]
fn verify_trusted_registry_off_windows_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let signed = signed_sample(dir.path(), "s");
    pqx()
        .args(["verify", "-q", "--require-trusted", "--trusted-registry"])
        .arg(&signed)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--trusted-registry reads the Windows registry",
        ));
}
