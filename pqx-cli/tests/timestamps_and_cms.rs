//! RFC 3161 timestamps (`--timestamper`), detached CMS signatures (`--detached-p7s`) and
//! revocation (`--revoked`, `--crl`) end to end, against a local time-stamping authority
//! (`openssl ts -reply` on 127.0.0.1, see `pqx_test_support::tsa`) and checked with
//! `openssl cms`.
//! No network beyond 127.0.0.1; every listener stops when its test ends.

mod common;

use common::*;
use pqx_test_support::tsa::{dead_url, tsa, LocalTsa, TSA_SUBJECT};
use predicates::prelude::*;
use std::path::Path;
use std::time::{Duration, Instant};

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).expect("JSON report")
}

/// `pqx verify ARGS` (JSON report): the exit status and the report.
fn verify(args: &[&std::ffi::OsStr]) -> (i32, serde_json::Value) {
    let out = pqx().arg("verify").args(args).output().unwrap();
    assert!(
        out.stderr.is_empty() || out.status.code() != Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), json(&out.stdout))
}

fn os<S: AsRef<std::ffi::OsStr> + ?Sized>(s: &S) -> &std::ffi::OsStr {
    s.as_ref()
}

/// `openssl cms -verify` of a detached `.p7s` over `content`, trusting `root`.
fn openssl_cms_verify(content: &Path, p7s: &Path, root: &Path) -> std::process::Output {
    std::process::Command::new("openssl")
        .args(["cms", "-verify", "-binary", "-inform", "DER", "-content"])
        .arg(content)
        .arg("-in")
        .arg(p7s)
        .arg("-CAfile")
        .arg(root)
        .args(["-purpose", "any", "-out"])
        .arg(content.with_extension("verified"))
        .output()
        .expect("the openssl command-line tool is needed for these tests")
}

#[test]
fn sign_and_pack_with_a_local_tsa_embed_a_timestamp_that_verify_reports() {
    let server = LocalTsa::start();
    let dir = tempfile::tempdir().unwrap();
    let pqx_file = unsigned_sample(dir.path());
    sign_with_pem(&pqx_file)
        .arg("--timestamper")
        .arg(&server.url)
        .assert()
        .success()
        .stderr(predicate::str::contains("timestamped at 2"))
        .stderr(predicate::str::contains(format!("by {TSA_SUBJECT}")));
    assert!(server.served.load(std::sync::atomic::Ordering::SeqCst) >= 1);

    let (code, report) = verify(&[os(&pqx_file)]);
    assert_eq!(code, 0, "{report}");
    let ts = &report["Signatures"][0]["Timestamp"];
    assert_eq!(ts["TsaSubject"], TSA_SUBJECT, "{report}");
    assert_eq!(ts["Valid"], true, "{report}");
    assert_eq!(
        ts["Trusted"], false,
        "the TSA root is not trusted: {report}"
    );

    pqx()
        .arg("verify")
        .arg(&pqx_file)
        .args(["--format", "text"])
        .assert()
        .success()
        .stdout(predicate::str::contains("  timestamp:  "))
        .stdout(predicate::str::contains(format!("by {TSA_SUBJECT} [")));

    // Trusting both roots, the signer and the TSA are trusted.
    let f = fixture();
    let (code, report) = verify(&[
        os(&pqx_file),
        os("--trusted-ca"),
        os(&f.root()),
        os("--trusted-ca"),
        os(&tsa().root()),
        os("--require-trusted"),
    ]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["Signatures"][0]["Timestamp"]["Trusted"], true);

    // pack -c: the authorities are tried in order, a dead one first.
    let mez = dir.path().join("Packed.mez");
    write_sample_mez(&mez);
    let packed = dir.path().join("Packed.pqx");
    pqx()
        .arg("pack")
        .arg("-mz")
        .arg(&mez)
        .arg("-t")
        .arg(&packed)
        .arg("-c")
        .arg(f.pfx())
        .arg("-p")
        .arg(PASSWORD)
        .arg("--timestamper")
        .arg(dead_url())
        .arg("--timestamper")
        .arg(&server.url)
        .args(["--timestamp-retries", "0", "--timestamp-timeout", "10"])
        .assert()
        .success();
    let (code, report) = verify(&[os(&packed)]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(
        report["Signatures"][0]["Timestamp"]["TsaSubject"],
        TSA_SUBJECT
    );
}

#[test]
fn every_tsa_failing_exits_6_names_each_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let pqx_file = unsigned_sample(dir.path());
    let before = std::fs::read(&pqx_file).unwrap();
    let listing_before = listing(dir.path());
    let (a, b) = ("http://127.0.0.1:1/".to_owned(), dead_url());
    let started = Instant::now();
    // In place, with the default timeout and retries, and a .p7s asked for.
    let out = sign_with_pem(&pqx_file)
        .arg("--timestamper")
        .arg(&a)
        .arg("--timestamper")
        .arg(&b)
        .arg("--detached-p7s")
        .arg(dir.path().join("HelloWorld.p7s"))
        .assert()
        .code(6)
        .get_output()
        .clone();
    assert!(started.elapsed() < Duration::from_secs(30));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.starts_with("pqx: error: timestamp: no time-stamping authority gave a usable token"),
        "{stderr}"
    );
    assert!(stderr.contains(&a) && stderr.contains(&b), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(std::fs::read(&pqx_file).unwrap(), before, "input unchanged");
    assert_eq!(
        listing(dir.path()),
        listing_before,
        "no output, no temp file"
    );

    // pack -t: no target either.
    let target = dir.path().join("Out.pqx");
    pqx()
        .arg("pack")
        .arg("-mz")
        .arg(dir.path().join("HelloWorld.mez"))
        .arg("-t")
        .arg(&target)
        .arg("--key")
        .arg(fixture().key())
        .arg("--cert")
        .arg(fixture().chain())
        .arg("--timestamper")
        .arg(&b)
        .args(["--timestamp-retries", "0"])
        .assert()
        .code(6)
        .stderr(predicate::str::contains(&b));
    assert_eq!(
        listing(dir.path()),
        listing_before,
        "no output, no temp file"
    );

    // A URL that is not HTTP(S) is a usage error, before anything is read.
    sign_with_pem(&pqx_file)
        .args(["--timestamper", "ftp://127.0.0.1/tsa"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "is not an http:// or https:// URL",
        ));
    // The timestamp tuning options need --timestamper.
    sign_with_pem(&pqx_file)
        .args(["--timestamp-retries", "1"])
        .assert()
        .code(2);
    assert_eq!(std::fs::read(&pqx_file).unwrap(), before);
}

#[test]
fn detached_p7s_verifies_with_openssl_and_pqx_and_catches_tampering() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    // pack -c … --detached-p7s
    let mez = dir.path().join("HelloWorld.mez");
    write_sample_mez(&mez);
    let packed = dir.path().join("Packed.pqx");
    let packed_p7s = dir.path().join("Packed.p7s");
    pqx()
        .arg("pack")
        .arg("-mz")
        .arg(&mez)
        .arg("-t")
        .arg(&packed)
        .arg("-c")
        .arg(f.pfx())
        .arg("-p")
        .arg(PASSWORD)
        .arg("--detached-p7s")
        .arg(&packed_p7s)
        .assert()
        .success()
        .stderr(predicate::str::contains("wrote the detached signature"));
    // sign … --detached-p7s (countersigning into another file)
    let signed = dir.path().join("Signed.pqx");
    let signed_p7s = dir.path().join("Signed.p7s");
    sign_with_pem(&packed)
        .arg("-t")
        .arg(&signed)
        .arg("--detached-p7s")
        .arg(&signed_p7s)
        .assert()
        .success();

    for (file, p7s) in [(&packed, &packed_p7s), (&signed, &signed_p7s)] {
        let out = openssl_cms_verify(file, p7s, &f.root());
        assert!(
            out.status.success(),
            "openssl cms -verify: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (code, report) = verify(&[os(file), os("--detached-p7s"), os(p7s)]);
        assert_eq!(code, 0, "{report}");
        assert_eq!(report["SignatureStatus"], "Success");
        let name = p7s.file_name().unwrap().to_string_lossy();
        assert_eq!(report["Signatures"][0]["Part"], format!("/{name}"));
        let (code, report) = verify(&[
            os(file),
            os("--detached-p7s"),
            os(p7s),
            os("--trusted-ca"),
            os(&f.root()),
            os("--require-trusted"),
        ]);
        assert_eq!(code, 0, "{report}");
    }

    // One byte of the .pqx changed: pqx and openssl both refuse.
    let tampered = dir.path().join("Tampered.pqx");
    let mut bytes = std::fs::read(&signed).unwrap();
    let i = bytes.len() / 2;
    bytes[i] ^= 1;
    std::fs::write(&tampered, bytes).unwrap();
    let (code, report) = verify(&[os(&tampered), os("--detached-p7s"), os(&signed_p7s)]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["SignatureStatus"], "InvalidSignature", "{report}");
    assert!(!openssl_cms_verify(&tampered, &signed_p7s, &f.root())
        .status
        .success());
    // The other file's signature does not fit either; a .p7s that is not CMS is malformed.
    let (code, _) = verify(&[os(&signed), os("--detached-p7s"), os(&packed_p7s)]);
    assert_eq!(code, 1);
    let garbage = dir.path().join("garbage.p7s");
    std::fs::write(&garbage, b"not a CMS signature").unwrap();
    let (code, report) = verify(&[os(&signed), os("--detached-p7s"), os(&garbage)]);
    assert_eq!(code, 1);
    assert_eq!(report["SignatureStatus"], "MalformedSignature", "{report}");
    // A missing .p7s is an unreadable input.
    pqx()
        .arg("verify")
        .arg(&signed)
        .arg("--detached-p7s")
        .arg(dir.path().join("missing.p7s"))
        .assert()
        .code(3);
    // --detached-p7s needs a key on pack.
    pqx()
        .arg("pack")
        .arg("-mz")
        .arg(&mez)
        .arg("--detached-p7s")
        .arg(dir.path().join("x.p7s"))
        .assert()
        .code(2);
}

#[test]
fn revoked_signers_make_verify_exit_1() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let signed = signed_sample(dir.path(), "HelloWorld");
    let thumbprint = f.thumbprint();
    let serial = format!("serial:{}", f.pki.leaf.serial_hex());
    for spec in [thumbprint.as_str(), serial.as_str()] {
        let (code, report) = verify(&[os(&signed), os("--revoked"), os(spec)]);
        assert_eq!(code, 1, "{report}");
        assert_eq!(report["SignatureStatus"], "InvalidCertificate", "{report}");
        let status = report["CertificateStatus"][0]["Status"].as_str().unwrap();
        assert!(status.contains("Revoked"), "{report}");
    }
    // Another certificate revoked: still valid.
    let (code, report) = verify(&[
        os(&signed),
        os("--revoked"),
        os("0123456789ABCDEF0123456789ABCDEF01234567"),
    ]);
    assert_eq!(code, 0, "{report}");
    // The detached signature is judged by the same revocation rules.
    let p7s = dir.path().join("HelloWorld.p7s");
    sign_with_pem(&signed)
        .arg("-t")
        .arg(dir.path().join("Again.pqx"))
        .arg("--detached-p7s")
        .arg(&p7s)
        .assert()
        .success();
    let again = dir.path().join("Again.pqx");
    let (code, report) = verify(&[
        os(&again),
        os("--detached-p7s"),
        os(&p7s),
        os("--revoked"),
        os(&thumbprint),
    ]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["SignatureStatus"], "InvalidCertificate");
    // Not a thumbprint: usage error.
    pqx()
        .arg("verify")
        .arg(&signed)
        .args(["--revoked", "not-hex"])
        .assert()
        .code(2);
}

#[test]
fn a_crl_revoking_the_signer_makes_verify_exit_1() {
    let t = tsa();
    let dir = tempfile::tempdir().unwrap();
    let pqx_file = unsigned_sample(dir.path());
    pqx()
        .arg("sign")
        .arg(&pqx_file)
        .arg("--key")
        .arg(t.signer_key())
        .arg("--cert")
        .arg(t.signer_chain())
        .assert()
        .success();
    let (code, report) = verify(&[os(&pqx_file)]);
    assert_eq!(code, 0, "{report}");

    let crl = dir.path().join("root.crl");
    std::fs::write(&crl, t.crl_revoking_signer(1)).unwrap();
    let (code, report) = verify(&[os(&pqx_file), os("--crl"), os(&crl)]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["SignatureStatus"], "InvalidCertificate", "{report}");
    let reason = report["Signatures"][0]["Reason"].as_str().unwrap();
    assert!(reason.contains("revoked since"), "{reason}");

    // A file that is no CRL is refused, not ignored.
    let bad = dir.path().join("bad.crl");
    std::fs::write(
        &bad,
        b"-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n",
    )
    .unwrap();
    pqx()
        .arg("verify")
        .arg(&pqx_file)
        .arg("--crl")
        .arg(&bad)
        .assert()
        .failure()
        .stderr(predicate::str::contains("--crl"));
}
