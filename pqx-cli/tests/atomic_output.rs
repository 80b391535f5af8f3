//! Output files are written atomically: a failure leaves the input untouched and no partial
//! output; a killed process leaves the target either absent/old or complete; an output that
//! cannot be written is refused before any work.

mod common;

use common::*;
use predicates::prelude::*;

#[test]
fn a_failed_sign_leaves_the_input_untouched_and_no_temporary_file() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let target = unsigned_sample(dir.path());
    let before = std::fs::read(&target).unwrap();
    // Fails while loading the key, after the package was opened.
    pqx()
        .arg("sign")
        .arg(&target)
        .arg("-c")
        .arg(f.pfx())
        .env("PQX_PASSWORD", "nope")
        .assert()
        .code(4);
    // Fails inside signing (policy refusal of a 1024-bit key).
    let (leaf, leaf_key) = f
        .pki
        .issue_leaf(&pqx_core::test_pki::TestPkiOptions {
            key_bits: 1024,
            ..Default::default()
        })
        .unwrap();
    let weak = pqx_core::test_pki::TestPki {
        leaf,
        leaf_key,
        ..f.pki.clone()
    };
    let key = dir.path().join("weak.pem");
    std::fs::write(
        &key,
        format!("{}{}", weak.leaf_key_pkcs8_pem(), weak.chain_pem()),
    )
    .unwrap();
    pqx()
        .arg("sign")
        .arg(&target)
        .arg("--key")
        .arg(&key)
        .assert()
        .code(5);
    assert_eq!(std::fs::read(&target).unwrap(), before);
    assert_eq!(
        listing(dir.path()),
        ["HelloWorld.mez", "HelloWorld.pqx", "weak.pem"]
    );
}

#[test]
fn a_malformed_input_writes_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.mez");
    std::fs::write(&bad, b"PK\x03\x04 this is not a zip").unwrap();
    pqx()
        .arg("pack")
        .arg("-mz")
        .arg(&bad)
        .assert()
        .code(3)
        .stderr(
            predicate::str::contains("malformed ZIP archive")
                .and(predicate::str::contains("is it a .mez or .pqx file?")),
        );
    let no_section = dir.path().join("empty.mez");
    write_zip(&no_section, &[("readme.txt", b"x")]);
    pqx()
        .arg("pack")
        .arg("-mz")
        .arg(&no_section)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("no section document"));
    assert_eq!(listing(dir.path()), ["bad.mez", "empty.mez"]);
}

#[test]
fn sign_refuses_an_output_it_cannot_write_before_doing_any_work() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let target = unsigned_sample(dir.path());
    let mut perms = std::fs::metadata(&target).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&target, perms).unwrap();
    // The password is wrong too: the refusal (exit 3) comes before the key is even read.
    pqx()
        .arg("sign")
        .arg(&target)
        .arg("-c")
        .arg(f.pfx())
        .env("PQX_PASSWORD", "wrong")
        .assert()
        .code(3)
        .stderr(
            predicate::str::contains("HelloWorld.pqx").and(predicate::str::contains("read-only")),
        );
    let missing_dir = dir.path().join("no-such-folder").join("out.pqx");
    pqx()
        .arg("sign")
        .arg(&target)
        .arg("-c")
        .arg(f.pfx())
        .arg("-t")
        .arg(&missing_dir)
        .env("PQX_PASSWORD", "wrong")
        .assert()
        .code(3);
}

#[test]
fn a_killed_pack_leaves_no_partial_target() {
    let dir = tempfile::tempdir().unwrap();
    // A large, incompressible connector file so that writing takes a while.
    let mut noise = vec![0u8; 48 << 20];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for chunk in noise.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
    }
    let mez = dir.path().join("Big.mez");
    write_zip(
        &mez,
        &[
            (
                "Big.pq",
                b"[Version = \"1.0.0\"] section Big; shared Big.Contents = 1;",
            ),
            ("blob.bin", &noise),
        ],
    );
    let target = dir.path().join("Big.pqx");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pqx"))
        .arg("pack")
        .arg("-mz")
        .arg(&mez)
        .arg("--no-check")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it as soon as its temporary file appears.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        if listing(dir.path()).iter().any(|n| n.ends_with(".tmp")) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let _ = child.kill();
    let status = child.wait().unwrap();
    if target.exists() {
        // It finished before the kill: then the target is complete.
        assert!(status.success());
        pqx().arg("inspect").arg(&target).assert().success();
    }
    // Whatever happened, no file named like the target is partial: at most the temporary file
    // (hidden, beside it) survives a SIGKILL.
    for name in listing(dir.path()) {
        assert!(
            name == "Big.mez"
                || name == "Big.pqx"
                || (name.starts_with(".Big.pqx.") && name.ends_with(".tmp")),
            "{name}"
        );
    }
}
