//! `sign` and `verify` apply one policy (issue: a self-signed `openssl req -x509` certificate
//! was accepted by `sign` and rejected by `verify` as "a CA certificate").
//!
//! The certificates here are made by the `openssl` command, the way Power BI's documentation
//! and everyday users make test certificates, not by pqx's own test PKI.

mod common;
use common::*;
use std::path::Path;

use pqx_test_support::tsa::openssl;

/// A self-signed code-signing `.pfx` made by `openssl req -x509` with the extra `addext`s and
/// the given config file (`None`: the system's, which sets basicConstraints CA:TRUE).
fn self_signed_pfx(dir: &Path, name: &str, config: Option<&str>, addext: &[&str]) -> String {
    let key = format!("{name}.key");
    let crt = format!("{name}.crt");
    let pfx = format!("{name}.pfx");
    let mut args = vec![
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        &key,
        "-out",
        &crt,
        "-days",
        "30",
        "-subj",
        "/CN=Contoso Test Connector",
    ];
    let config_path = dir.join(format!("{name}.cnf"));
    let config_arg = config_path.to_string_lossy().into_owned();
    if let Some(text) = config {
        std::fs::write(&config_path, text).unwrap();
        args.extend(["-config", &config_arg]);
    }
    for e in addext {
        args.extend(["-addext", e]);
    }
    openssl(dir, &args);
    let pass = format!("pass:{PASSWORD}");
    openssl(
        dir,
        &[
            "pkcs12", "-export", "-inkey", &key, "-in", &crt, "-out", &pfx, "-passout", &pass,
        ],
    );
    let text = std::process::Command::new("openssl")
        .current_dir(dir)
        .args(["x509", "-in", &crt, "-noout", "-text"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&text.stdout).into_owned()
}

/// Packs the sample, signs it with `pfx` through MakePQX's command line, verifies it.
fn sign_and_verify(dir: &Path, pfx: &str) -> serde_json::Value {
    let pqx_path = dir.join(format!("{pfx}.pqx"));
    std::fs::rename(unsigned_sample(dir), &pqx_path).unwrap();
    pqx()
        .arg("sign")
        .arg(&pqx_path)
        .args(["-c"])
        .arg(dir.join(pfx))
        .args(["-p", PASSWORD])
        .assert()
        .success();
    let out = pqx().arg("verify").arg(&pqx_path).assert().success();
    serde_json::from_slice(&out.get_output().stdout).expect("JSON report")
}

#[test]
fn signs_and_verifies_with_an_openssl_req_x509_self_signed_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let text = self_signed_pfx(
        dir.path(),
        "reqx509",
        None,
        &["extendedKeyUsage=codeSigning"],
    );
    // The shape under test: openssl's default x509 extensions make it a CA.
    assert!(text.contains("CA:TRUE"), "{text}");
    let report = sign_and_verify(dir.path(), "reqx509.pfx");
    assert_eq!(report["SignatureStatus"], "Success", "{report:#}");
    let cert = &report["CertificateStatus"][0];
    assert_eq!(cert["Subject"], "CN=Contoso Test Connector");
    // As MakePQX: valid signature, root not trusted on this machine.
    assert_eq!(cert["Valid"], false);
    assert!(
        cert["Status"].as_str().unwrap().contains("UntrustedRoot"),
        "{report:#}"
    );
}

#[test]
fn signs_and_verifies_with_a_new_self_signed_certificate_shaped_certificate() {
    // PowerShell's New-SelfSignedCertificate -Type CodeSigningCert: codeSigning EKU,
    // digitalSignature key usage, no basicConstraints. A config with no x509_extensions
    // section keeps openssl from adding its CA defaults.
    let config = "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = Contoso Test Connector\n";
    let dir = tempfile::tempdir().unwrap();
    let text = self_signed_pfx(
        dir.path(),
        "powershell",
        Some(config),
        &[
            "keyUsage=critical,digitalSignature",
            "extendedKeyUsage=codeSigning",
        ],
    );
    assert!(!text.contains("Basic Constraints"), "{text}");
    assert!(text.contains("Code Signing"), "{text}");
    let report = sign_and_verify(dir.path(), "powershell.pfx");
    assert_eq!(report["SignatureStatus"], "Success", "{report:#}");
}

#[test]
fn trusting_the_self_signed_certificate_by_thumbprint_makes_it_valid() {
    let dir = tempfile::tempdir().unwrap();
    self_signed_pfx(
        dir.path(),
        "pinned",
        None,
        &["extendedKeyUsage=codeSigning"],
    );
    let report = sign_and_verify(dir.path(), "pinned.pfx");
    let thumbprint = report["CertificateStatus"][0]["Thumbprint"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = pqx()
        .arg("verify")
        .arg(dir.path().join("pinned.pfx.pqx"))
        .args(["--trusted-thumbprint", &thumbprint])
        .assert()
        .success();
    let report: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(report["CertificateStatus"][0]["Valid"], true, "{report:#}");
}

#[test]
fn sign_refuses_what_verify_would_reject_with_the_same_reason() {
    // A server certificate (EKU serverAuth only): verify calls a package signed with it
    // InvalidCertificate, so sign refuses it up front (exit 5) with the same reason.
    let dir = tempfile::tempdir().unwrap();
    self_signed_pfx(dir.path(), "server", None, &["extendedKeyUsage=serverAuth"]);
    let pqx_path = unsigned_sample(dir.path());
    let before = std::fs::read(&pqx_path).unwrap();
    let out = pqx()
        .arg("sign")
        .arg(&pqx_path)
        .arg("-c")
        .arg(dir.path().join("server.pfx"))
        .args(["-p", PASSWORD])
        .assert()
        .code(5);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("is not for code signing: its extended key usage lacks 1.3.6.1.5.5.7.3.3"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&pqx_path).unwrap(), before, "input untouched");
}

#[test]
fn countersigning_refuses_a_package_whose_signature_does_not_verify() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let mez = dir.path().join("HelloWorld.mez");
    write_sample_mez(&mez);
    let pqx_path = dir.path().join("x.pqx");
    pqx()
        .args(["pack", "-mz"])
        .arg(&mez)
        .arg("-t")
        .arg(&pqx_path)
        .arg("-c")
        .arg(f.pfx())
        .args(["-p", PASSWORD])
        .assert()
        .success();
    // Tamper with the signed section document, keeping the archive well formed.
    let bytes = std::fs::read(&pqx_path).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
        if name == "HelloWorld.pq" {
            data.extend_from_slice(b"\n// added after signing\n");
        }
        w.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut w, &data).unwrap();
    }
    std::fs::write(&pqx_path, w.finish().unwrap().into_inner()).unwrap();
    let tampered = std::fs::read(&pqx_path).unwrap();

    let out = pqx()
        .arg("sign")
        .arg(&pqx_path)
        .arg("-c")
        .arg(f.pfx())
        .args(["-p", PASSWORD])
        .assert()
        .code(5);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("does not verify (InvalidSignature") && stderr.contains("--replace"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(&pqx_path).unwrap(),
        tampered,
        "input untouched"
    );

    // --replace starts over, and the result verifies.
    pqx()
        .arg("sign")
        .arg(&pqx_path)
        .arg("-c")
        .arg(f.pfx())
        .args(["-p", PASSWORD, "--replace"])
        .assert()
        .success();
    pqx().arg("verify").arg(&pqx_path).assert().success();
}
