//! Key input (.pfx or PEM key + chain), the password sources, and the exit statuses of key
//! and policy problems (4 and 5).

mod common;

use common::*;
use pqx_core::test_pki::{TestPki, TestPkiOptions};
use predicates::prelude::*;

#[test]
fn password_file_env_and_stdin_work_and_only_p_is_warned_about() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let target = unsigned_sample(dir.path());
    let pw_file = dir.path().join("pw.txt");
    std::fs::write(&pw_file, format!("{PASSWORD}\r\n")).unwrap();

    pqx()
        .arg("sign")
        .arg(&target)
        .arg("-c")
        .arg(f.pfx())
        .arg("--password-file")
        .arg(&pw_file)
        .assert()
        .success()
        .stderr(predicate::str::contains("warning").not());
    verifies(&target);
    pqx()
        .arg("sign")
        .arg(&target)
        .arg("-c")
        .arg(f.pfx())
        .env("PQX_PASSWORD", PASSWORD)
        .assert()
        .success()
        .stderr(predicate::str::contains("warning").not());
    pqx()
        .arg("sign")
        .arg(&target)
        .arg("-c")
        .arg(f.pfx())
        .args(["--password-file", "-"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success();
    pqx()
        .arg("sign")
        .arg(&target)
        .arg("-c")
        .arg(f.pfx())
        .args(["-p", PASSWORD])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "-p/--password shows the password in process lists",
        ));
    verifies(&target);
}

#[test]
fn a_wrong_or_missing_password_exits_4_with_a_hint_and_leaves_the_file_alone() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let target = unsigned_sample(dir.path());
    let before = std::fs::read(&target).unwrap();
    pqx().arg("sign").arg(&target).arg("-c").arg(f.pfx()).env("PQX_PASSWORD", "wrong").assert().code(4).stderr("pqx: error: wrong password for leaf.pfx: the password in PQX_PASSWORD does not open it — check it, or give the right one with --password-file FILE, the PQX_PASSWORD environment variable, or -p PASSWORD\n");
    // No password at all, standard input not a terminal: no prompt, a hint.
    pqx()
        .arg("sign")
        .arg(&target)
        .arg("-c")
        .arg(f.pfx())
        .assert()
        .code(4)
        .stderr(predicate::str::contains("leaf.pfx needs a password"));
    assert_eq!(std::fs::read(&target).unwrap(), before);
    assert_eq!(listing(dir.path()), ["HelloWorld.mez", "HelloWorld.pqx"]);
}

#[test]
fn pem_key_with_chain_or_combined_file_signs() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let target = unsigned_sample(dir.path());
    sign_with_pem(&target).assert().success();
    verifies(&target);
    let combined = dir.path().join("combined.pem");
    std::fs::write(
        &combined,
        format!("{}{}", f.pki.leaf_key_pkcs8_pem(), f.pki.chain_pem()),
    )
    .unwrap();
    pqx()
        .arg("sign")
        .arg(&target)
        .arg("--key")
        .arg(&combined)
        .arg("-r")
        .assert()
        .success();
    verifies(&target);
}

#[test]
fn encrypted_pem_key_takes_the_password_from_the_usual_sources() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let target = unsigned_sample(dir.path());
    let encrypted = dir.path().join("enc.pem");
    let out = std::process::Command::new("openssl")
        .args(["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in"])
        .arg(f.key())
        .arg("-out")
        .arg(&encrypted)
        .args(["-passout", &format!("pass:{PASSWORD}")])
        .output()
        .unwrap();
    assert!(out.status.success());
    pqx()
        .arg("sign")
        .arg(&target)
        .arg("--key")
        .arg(&encrypted)
        .arg("--cert")
        .arg(f.chain())
        .assert()
        .code(4)
        .stderr(predicate::str::contains("needs a password"));
    pqx()
        .arg("sign")
        .arg(&target)
        .arg("--key")
        .arg(&encrypted)
        .arg("--cert")
        .arg(f.chain())
        .env("PQX_PASSWORD", PASSWORD)
        .assert()
        .success();
    verifies(&target);
}

#[test]
fn unreadable_keys_exit_4() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let target = unsigned_sample(dir.path());
    let junk = dir.path().join("junk.pfx");
    std::fs::write(&junk, b"not a pfx").unwrap();
    pqx()
        .arg("sign")
        .arg(&target)
        .arg("-c")
        .arg(&junk)
        .assert()
        .code(4)
        .stderr(predicate::str::starts_with(
            "pqx: error: cannot read key from junk.pfx",
        ));
    pqx()
        .arg("sign")
        .arg(&target)
        .arg("-c")
        .arg(dir.path().join("missing.pfx"))
        .assert()
        .code(4)
        .stderr(predicate::str::contains("check the path"));
    // A chain whose certificates do not match the key.
    let other = dir.path().join("root-only.pem");
    std::fs::write(&other, f.pki.root.to_pem()).unwrap();
    pqx()
        .arg("sign")
        .arg(&target)
        .arg("--key")
        .arg(f.key())
        .arg("--cert")
        .arg(&other)
        .assert()
        .code(4);
}

#[test]
fn policy_refusals_exit_5_expired_certificate_weak_key_and_wrong_eku() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let target = unsigned_sample(dir.path());
    let now = time::OffsetDateTime::now_utc();
    let cases = [
        (
            "expired",
            TestPkiOptions {
                leaf_not_before: now - time::Duration::days(10),
                leaf_not_after: now - time::Duration::days(1),
                leaf_key: Some(f.pki.leaf_key.clone()),
                ..TestPkiOptions::default()
            },
            "expired on",
        ),
        (
            "weak",
            TestPkiOptions {
                key_bits: 1024,
                ..TestPkiOptions::default()
            },
            "1024 bits",
        ),
        (
            "server-auth",
            TestPkiOptions {
                leaf_eku_code_signing: false,
                leaf_other_eku: vec![const_oid::db::rfc5280::ID_KP_SERVER_AUTH],
                leaf_key: Some(f.pki.leaf_key.clone()),
                ..TestPkiOptions::default()
            },
            "is not for code signing",
        ),
    ];
    for (name, opts, message) in cases {
        let (leaf, leaf_key) = f.pki.issue_leaf(&opts).unwrap();
        let pki = TestPki {
            leaf,
            leaf_key,
            ..f.pki.clone()
        };
        let key = dir.path().join(format!("{name}-key.pem"));
        let chain = dir.path().join(format!("{name}-chain.pem"));
        std::fs::write(&key, pki.leaf_key_pkcs8_pem()).unwrap();
        std::fs::write(&chain, pki.chain_pem()).unwrap();
        pqx()
            .arg("sign")
            .arg(&target)
            .arg("--key")
            .arg(&key)
            .arg("--cert")
            .arg(&chain)
            .assert()
            .code(5)
            .stderr(
                predicate::str::contains("refusing to sign").and(predicate::str::contains(message)),
            );
    }
    pqx().arg("verify").arg(&target).arg("-q").assert().code(1);
}

#[test]
fn sha1_is_signed_only_on_request_and_warned_about() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let target = unsigned_sample(dir.path());
    sign_with_pem(&target)
        .args(["--hash", "sha1"])
        .assert()
        .success()
        .stderr(predicate::str::contains("SHA-1 is weak"));
    let out = pqx()
        .arg("verify")
        .arg(&target)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["Signatures"][0]["DigestAlgorithm"], "sha1");
    for alg in ["sha384", "sha512"] {
        sign_with_pem(&target)
            .args(["--hash", alg, "-r"])
            .assert()
            .success();
        let out = pqx()
            .arg("verify")
            .arg(&target)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["Signatures"][0]["DigestAlgorithm"], alg);
    }
    pqx()
        .arg("sign")
        .arg(&target)
        .arg("--key")
        .arg(f.key())
        .args(["--hash", "md5"])
        .assert()
        .code(2);
}

/// The prompt needs a terminal: `script` runs pqx on a pseudo-terminal and passes the typed
/// password through it. Skipped where `script` (util-linux) is missing.
#[test]
fn prompts_without_echo_when_standard_input_is_a_terminal() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: no `script` command");
        return;
    }
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let target = unsigned_sample(dir.path());
    let command = format!(
        "'{}' sign '{}' -c '{}'",
        env!("CARGO_BIN_EXE_pqx"),
        target.display(),
        f.pfx().display()
    );
    let mut child = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("PQX_PASSWORD")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Type only once the prompt is on the screen.
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut screen = Vec::new();
        let mut buf = [0u8; 256];
        while let Ok(n) = std::io::Read::read(&mut stdout, &mut buf) {
            if n == 0 {
                break;
            }
            screen.extend_from_slice(&buf[..n]);
            if String::from_utf8_lossy(&screen).contains("Password for leaf.pfx:") {
                let _ = tx.send(());
            }
        }
        String::from_utf8_lossy(&screen).into_owned()
    });
    rx.recv_timeout(std::time::Duration::from_secs(60))
        .expect("no password prompt within 60 s");
    // rpassword turns echo off just after printing the prompt: leave it that moment.
    std::thread::sleep(std::time::Duration::from_millis(500));
    std::io::Write::write_all(
        child.stdin.as_mut().unwrap(),
        format!("{PASSWORD}\n").as_bytes(),
    )
    .unwrap();
    let status = child.wait().unwrap();
    let screen = reader.join().unwrap();
    assert!(status.success(), "{screen}");
    assert!(
        !screen.contains(PASSWORD),
        "the password was echoed: {screen}"
    );
    verifies(&target);
}
