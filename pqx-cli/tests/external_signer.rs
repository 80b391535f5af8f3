//! `pqx sign --cert CHAIN --sign-command CMD`: the protocol of docs/SIGNING.md, exercised with
//! `openssl pkeyutl` as the "KMS" (no network). What is checked: a package signed through the
//! command verifies (and its detached `.p7s` verifies with `openssl cms`); hex input, the
//! environment variables and base64 output work; a failing command, a command that prints
//! garbage or signs with another key, and a command that hangs each fail clearly, exit 4, and
//! leave the input untouched with no stray file.

#![cfg(unix)]

mod common;

use common::{fixture, pqx, unsigned_sample};
use predicates::prelude::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A folder holding an unsigned HelloWorld.pqx; returns (folder, package, its bytes).
fn unsigned() -> (tempfile::TempDir, PathBuf, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let pqx_path = unsigned_sample(dir.path());
    std::fs::remove_file(dir.path().join("HelloWorld.mez")).unwrap();
    let bytes = std::fs::read(&pqx_path).unwrap();
    (dir, pqx_path, bytes)
}

/// `openssl pkeyutl` signing the digest on standard input with `key` (PKCS#1 v1.5, with the
/// SHA-256 DigestInfo): what a KMS's "sign this digest" does.
fn pkeyutl(key: &Path) -> String {
    format!(
        "openssl pkeyutl -sign -inkey '{}' -pkeyopt digest:sha256",
        key.display()
    )
}

fn sign_with_command(pqx_path: &Path, command: &str) -> assert_cmd::Command {
    let mut c = pqx();
    c.arg("sign")
        .arg(pqx_path)
        .arg("--cert")
        .arg(fixture().chain())
        .arg("--sign-command")
        .arg(command);
    c
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn signs_through_openssl_pkeyutl_and_the_package_and_p7s_verify() {
    let f = fixture();
    let (dir, pqx_path, _) = unsigned();
    let p7s = dir.path().join("HelloWorld.p7s");
    sign_with_command(&pqx_path, &pkeyutl(&f.key()))
        .arg("--detached-p7s")
        .arg(&p7s)
        .assert()
        .success()
        .stderr(predicate::str::contains(format!(
            "(thumbprint {})",
            f.thumbprint()
        )));
    pqx()
        .arg("verify")
        .arg(&pqx_path)
        .arg("--trusted-ca")
        .arg(f.root())
        .arg("--require-trusted")
        .assert()
        .success()
        .stdout(predicate::str::contains("\"SignatureStatus\": \"Success\""));
    let out = std::process::Command::new("openssl")
        .args(["cms", "-verify", "-binary", "-inform", "DER", "-content"])
        .arg(&pqx_path)
        .arg("-in")
        .arg(&p7s)
        .arg("-CAfile")
        .arg(f.root())
        .args(["-purpose", "any", "-out", "/dev/null"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl cms -verify: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn hex_input_environment_and_base64_output_follow_the_protocol() {
    let f = fixture();
    let (_dir, pqx_path, _) = unsigned();
    // Reads the hex digest from standard input, checks it against PQX_DIGEST_HEX and the
    // algorithm, signs PQX_DIGEST_BASE64's bytes and answers in base64.
    let command = format!(
        "read h; [ \"$h\" = \"$PQX_DIGEST_HEX\" ] || exit 9; [ \"$PQX_DIGEST_ALGORITHM\" = sha256 ] || exit 8; \
         printf '%s\\n' \"$PQX_DIGEST_BASE64\" | openssl base64 -d | {} | openssl base64",
        pkeyutl(&f.key())
    );
    sign_with_command(&pqx_path, &command)
        .arg("--sign-command-input")
        .arg("hex")
        .assert()
        .success();
    pqx().arg("verify").arg(&pqx_path).assert().success();
}

#[test]
fn a_command_that_exits_non_zero_fails_with_its_status_and_stderr_and_writes_nothing() {
    let (dir, pqx_path, before) = unsigned();
    sign_with_command(
        &pqx_path,
        "cat >/dev/null; echo 'HSM: access denied' >&2; exit 3",
    )
    .assert()
    .code(4)
    .stderr(
        predicate::str::contains("failed (exit status 3)")
            .and(predicate::str::contains("HSM: access denied")),
    );
    assert_eq!(std::fs::read(&pqx_path).unwrap(), before);
    assert_eq!(listing(dir.path()), ["HelloWorld.pqx"]);
}

#[test]
fn garbage_or_another_keys_signature_does_not_verify_and_writes_nothing() {
    let (dir, pqx_path, before) = unsigned();
    // 256 bytes: the length of a signature, but not one.
    sign_with_command(&pqx_path, "head -c 256 /dev/zero")
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "does not verify with the certificate",
        ));
    // Text that is no signature at all.
    sign_with_command(&pqx_path, "echo signed")
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "printed 7 bytes that are not a 256-byte signature",
        ));
    // A real signature, by another key.
    let other = dir.path().join("other.pem");
    let made = std::process::Command::new("openssl")
        .args(["genrsa", "-out"])
        .arg(&other)
        .arg("2048")
        .output()
        .unwrap();
    assert!(made.status.success());
    sign_with_command(&pqx_path, &pkeyutl(&other))
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "does not verify with the certificate",
        ));
    std::fs::remove_file(&other).unwrap();
    assert_eq!(std::fs::read(&pqx_path).unwrap(), before);
    assert_eq!(listing(dir.path()), ["HelloWorld.pqx"]);
}

#[test]
fn a_command_that_hangs_is_stopped_after_the_timeout() {
    let (dir, pqx_path, before) = unsigned();
    let start = Instant::now();
    sign_with_command(&pqx_path, "sleep 5")
        .arg("--sign-timeout")
        .arg("1")
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "did not finish within 1 s and was stopped",
        ));
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(std::fs::read(&pqx_path).unwrap(), before);
    assert_eq!(listing(dir.path()), ["HelloWorld.pqx"]);
}

#[test]
fn sign_command_needs_a_certificate_and_excludes_key_files() {
    let f = fixture();
    let (_dir, pqx_path, _) = unsigned();
    pqx()
        .arg("sign")
        .arg(&pqx_path)
        .arg("--sign-command")
        .arg("true")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--cert"));
    sign_with_command(&pqx_path, "true")
        .arg("--key")
        .arg(f.key())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
}

/// `pqx sign PQX --cert CHAIN --prepare STATE`; returns the prepared digest's bytes.
fn prepare(pqx_path: &Path, state: &Path) -> Vec<u8> {
    pqx()
        .arg("sign")
        .arg(pqx_path)
        .arg("--cert")
        .arg(fixture().chain())
        .arg("--prepare")
        .arg(state)
        .assert()
        .success()
        .stderr(predicate::str::contains("--complete"));
    std::fs::read(state.with_extension("digest")).unwrap()
}

/// Signs the prepared digest file with `key` through `openssl pkeyutl`, into `sig`.
fn pkeyutl_file(key: &Path, digest: &Path, sig: &Path) {
    let out = std::process::Command::new("openssl")
        .args(["pkeyutl", "-sign", "-pkeyopt", "digest:sha256", "-inkey"])
        .arg(key)
        .arg("-in")
        .arg(digest)
        .arg("-out")
        .arg(sig)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn complete(pqx_path: &Path, state: &Path, sig: &Path) -> assert_cmd::Command {
    let mut c = pqx();
    c.arg("sign")
        .arg(pqx_path)
        .arg("--complete")
        .arg(state)
        .arg("--signature")
        .arg(sig);
    c
}

#[test]
fn prepare_leaves_the_package_unchanged_and_complete_signs_then_countersigns() {
    let f = fixture();
    let (dir, pqx_path, before) = unsigned();
    for round in 0..2 {
        let state = dir.path().join(format!("state{round}.json"));
        let sig = dir.path().join(format!("sig{round}.bin"));
        let digest = prepare(&pqx_path, &state);
        assert_eq!(digest.len(), 32);
        if round == 0 {
            assert_eq!(std::fs::read(&pqx_path).unwrap(), before);
        }
        pkeyutl_file(&f.key(), &state.with_extension("digest"), &sig);
        complete(&pqx_path, &state, &sig)
            .assert()
            .success()
            .stderr(predicate::str::contains(if round == 0 {
                "signed"
            } else {
                "countersigned"
            }));
    }
    let out = pqx()
        .arg("verify")
        .arg(&pqx_path)
        .arg("--format")
        .arg("text")
        .arg("--trusted-ca")
        .arg(f.root())
        .arg("--require-trusted")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let signatures: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("Signature /"))
        .collect();
    assert_eq!(signatures.len(), 2, "{text}");
    assert!(
        signatures.iter().all(|l| l.ends_with(": Success")),
        "{text}"
    );
}

#[test]
fn complete_refuses_a_package_changed_since_prepare_and_a_signature_that_does_not_verify() {
    let f = fixture();
    let (dir, pqx_path, _) = unsigned();
    let state = dir.path().join("state.json");
    let sig = dir.path().join("sig.bin");
    prepare(&pqx_path, &state);

    // A signature by another key: refused, nothing written.
    let other = dir.path().join("other.pem");
    let made = std::process::Command::new("openssl")
        .args(["genrsa", "-out"])
        .arg(&other)
        .arg("2048")
        .output()
        .unwrap();
    assert!(made.status.success());
    pkeyutl_file(&other, &state.with_extension("digest"), &sig);
    let before = std::fs::read(&pqx_path).unwrap();
    complete(&pqx_path, &state, &sig)
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "does not verify with the certificate",
        ));
    assert_eq!(std::fs::read(&pqx_path).unwrap(), before);

    // The package changes (signed by someone else meanwhile): refused, nothing written.
    pqx()
        .arg("sign")
        .arg(&pqx_path)
        .arg("--key")
        .arg(f.key())
        .arg("--cert")
        .arg(f.chain())
        .assert()
        .success();
    let changed = std::fs::read(&pqx_path).unwrap();
    pkeyutl_file(&f.key(), &state.with_extension("digest"), &sig);
    complete(&pqx_path, &state, &sig)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("changed since --prepare"));
    assert_eq!(std::fs::read(&pqx_path).unwrap(), changed);
}

#[test]
fn a_command_flooding_its_output_is_read_up_to_a_limit() {
    let (dir, pqx_path, before) = unsigned();
    // 64 MiB on each stream: pqx keeps 64 KiB of each, drains the rest, and refuses.
    sign_with_command(
        &pqx_path,
        "head -c 67108864 /dev/zero >&2 & head -c 67108864 /dev/zero; wait",
    )
    .assert()
    .code(4)
    .stderr(predicate::str::contains(
        "printed 65536 bytes that are not a 256-byte signature",
    ));
    assert_eq!(std::fs::read(&pqx_path).unwrap(), before);
    assert_eq!(listing(dir.path()), ["HelloWorld.pqx"]);
}
