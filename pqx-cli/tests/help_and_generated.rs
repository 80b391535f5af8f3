//! Help output snapshots (tests/snapshots/help-*.txt), shell completions and man pages.
//!
//! A deliberate change of the help is accepted by running the tests with
//! `PQX_UPDATE_SNAPSHOTS=1`, which rewrites the snapshot files; review them in the diff.

mod common;

use common::*;
use predicates::prelude::*;
use std::path::PathBuf;

const COMMANDS: [&str; 13] = [
    "",
    "pack",
    "build",
    "sign",
    "verify",
    "inspect",
    "unpack",
    "thumbprint",
    "check",
    "trust",
    "demo",
    "completions",
    "manpage",
];

fn snapshot_path(command: &str) -> PathBuf {
    let name = if command.is_empty() { "pqx" } else { command };
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("snapshots")
        .join(format!("help-{name}.txt"))
}

#[test]
fn help_output_matches_the_snapshots() {
    let update = std::env::var_os("PQX_UPDATE_SNAPSHOTS").is_some();
    let mut mismatches = Vec::new();
    for command in COMMANDS {
        let mut cmd = pqx();
        cmd.env_remove("COLUMNS");
        if !command.is_empty() {
            cmd.arg(command);
        }
        let out = cmd
            .arg("--help")
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let text = String::from_utf8(out)
            .unwrap()
            .replace(env!("CARGO_PKG_VERSION"), "<version>");
        let path = snapshot_path(command);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            mismatches.push(format!("{}:\n{text}", path.display()));
        }
    }
    assert!(
        mismatches.is_empty(),
        "help changed (PQX_UPDATE_SNAPSHOTS=1 accepts it):\n{}",
        mismatches.join("\n")
    );
}

#[test]
fn help_documents_the_exit_statuses() {
    pqx().arg("--help").assert().success().stdout(
        predicate::str::contains("0  success")
            .and(predicate::str::contains("1  the signature is not valid"))
            .and(predicate::str::contains("2  usage error"))
            .and(predicate::str::contains("3  an input is unreadable"))
            .and(predicate::str::contains("4  key or password problem"))
            .and(predicate::str::contains("5  refused by policy"))
            .and(predicate::str::contains("6  time-stamping failed")),
    );
}

#[test]
fn usage_errors_exit_2() {
    pqx().arg("frobnicate").assert().code(2);
    pqx()
        .args(["pack"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--mez"));
    pqx()
        .args(["verify", "a.pqx", "--no-such-option"])
        .assert()
        .code(2);
    pqx()
        .args(["pack", "-mz", "a.mez", "--hash", "md5"])
        .assert()
        .code(2);
    pqx()
        .arg("--version")
        .assert()
        .success()
        .stdout(format!("pqx {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn completions_are_generated_for_each_shell() {
    for (shell, marker) in [
        ("bash", "_pqx()"),
        ("zsh", "#compdef pqx"),
        ("fish", "complete -c pqx"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        pqx()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains(marker).and(predicate::str::contains("thumbprint")));
    }
}

#[test]
fn man_pages_are_generated() {
    pqx()
        .arg("manpage")
        .assert()
        .success()
        .stdout(predicate::str::starts_with(".ie").or(predicate::str::contains(".TH pqx 1")));
    let dir = tempfile::tempdir().unwrap();
    pqx()
        .arg("manpage")
        .arg("--out-dir")
        .arg(dir.path())
        .assert()
        .success();
    let pages = listing(dir.path());
    for page in [
        "pqx.1",
        "pqx-pack.1",
        "pqx-sign.1",
        "pqx-verify.1",
        "pqx-thumbprint.1",
    ] {
        assert!(
            pages.iter().any(|p| p == page),
            "{page} missing from {pages:?}"
        );
    }
}

#[test]
fn demo_packs_signs_and_verifies_with_a_trusted_test_root() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    pqx()
        .arg("demo")
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("\"SignatureStatus\": \"Success\"")
                .and(predicate::str::contains("\"Valid\": true"))
                .and(predicate::str::contains("NOT FOR PRODUCTION")),
        );
    pqx()
        .arg("verify")
        .arg(out.join("HelloWorld.pqx"))
        .arg("--trusted-ca")
        .arg(out.join("test-root.pem"))
        .arg("--require-trusted")
        .arg("-q")
        .assert()
        .success();
}
