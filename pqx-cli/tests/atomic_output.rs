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

/// A time-stamping authority that accepts connections and never answers: a sign using it
/// waits, its temporary file open, until it is interrupted.
fn silent_tsa() -> (std::net::TcpListener, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/tsa", listener.local_addr().unwrap());
    (listener, url)
}

/// Starts `pqx ARGS` with a silent timestamper, waits for its temporary file in `dir`, sends
/// it `signal` (by name, through kill(1)) and returns how it ended.
#[cfg(unix)]
fn interrupt(
    args: &[&std::ffi::OsStr],
    dir: &std::path::Path,
    signal: &str,
) -> std::process::ExitStatus {
    let (_tsa, url) = silent_tsa();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pqx"))
        .args(args)
        .args([
            "--timestamper",
            &url,
            "--timestamp-timeout",
            "120",
            "--timestamp-retries",
            "0",
        ])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !listing(dir).iter().any(|n| n.ends_with(".tmp")) {
        assert!(
            std::time::Instant::now() < deadline,
            "no temporary file appeared"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "pqx ended before the signal"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let sent = std::process::Command::new("kill")
        .args(["-s", signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("pqx did not end after SIG{signal}");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[cfg(unix)]
#[test]
fn sigint_sigterm_and_sighup_during_sign_remove_the_temporary_file_and_keep_the_input() {
    use std::os::unix::process::ExitStatusExt;
    let f = fixture();
    for (signal, number) in [("INT", 2), ("TERM", 15), ("HUP", 1)] {
        let dir = tempfile::tempdir().unwrap();
        let package = unsigned_sample(dir.path());
        let before = std::fs::read(&package).unwrap();
        let files = listing(dir.path());
        let status = interrupt(
            &[
                "sign".as_ref(),
                package.as_os_str(),
                "--key".as_ref(),
                f.key().as_os_str(),
                "--cert".as_ref(),
                f.chain().as_os_str(),
            ],
            dir.path(),
            signal,
        );
        // Ended by the signal itself, as without a handler.
        assert_eq!(status.signal(), Some(number), "SIG{signal}: {status:?}");
        assert_eq!(listing(dir.path()), files, "SIG{signal}");
        assert_eq!(std::fs::read(&package).unwrap(), before, "SIG{signal}");
    }
}

#[cfg(unix)]
#[test]
fn sigterm_during_pack_removes_the_temporary_file() {
    use std::os::unix::process::ExitStatusExt;
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let mez = dir.path().join("HelloWorld.mez");
    write_sample_mez(&mez);
    let before = std::fs::read(&mez).unwrap();
    let status = interrupt(
        &[
            "pack".as_ref(),
            "-mz".as_ref(),
            mez.as_os_str(),
            "--key".as_ref(),
            f.key().as_os_str(),
            "--cert".as_ref(),
            f.chain().as_os_str(),
        ],
        dir.path(),
        "TERM",
    );
    assert_eq!(status.signal(), Some(15), "{status:?}");
    assert_eq!(listing(dir.path()), ["HelloWorld.mez"]);
    assert_eq!(std::fs::read(&mez).unwrap(), before);
}

#[cfg(unix)]
#[test]
fn signing_in_place_keeps_the_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let package = unsigned_sample(dir.path());
    std::fs::set_permissions(&package, std::fs::Permissions::from_mode(0o640)).unwrap();
    sign_with_pem(&package).assert().success();
    verifies(&package);
    let mode = std::fs::metadata(&package).unwrap().permissions().mode();
    assert_eq!(mode & 0o7777, 0o640, "{mode:o}");
}

#[cfg(unix)]
#[test]
fn signing_through_a_symlink_signs_its_target_and_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let package = unsigned_sample(dir.path());
    let link = dir.path().join("link.pqx");
    std::os::unix::fs::symlink("HelloWorld.pqx", &link).unwrap();
    sign_with_pem(&link)
        .assert()
        .success()
        .stderr(predicate::str::contains("signed"));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        std::path::Path::new("HelloWorld.pqx")
    );
    verifies(&package);
    assert_eq!(
        listing(dir.path()),
        ["HelloWorld.mez", "HelloWorld.pqx", "link.pqx"]
    );
}

#[test]
fn pack_refuses_a_target_that_is_its_mez_under_any_spelling() {
    let dir = tempfile::tempdir().unwrap();
    let mez = dir.path().join("X.mez");
    write_sample_mez(&mez);
    std::fs::create_dir(dir.path().join("d")).unwrap();
    std::fs::hard_link(&mez, dir.path().join("hard.mez")).unwrap();
    let mut spellings = vec![mez.clone(), dir.path().join("d").join("..").join("X.mez")];
    if cfg!(unix) {
        // Windows' stable std does not expose file indexes: hard links are not recognised there.
        spellings.push(dir.path().join("hard.mez"));
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("X.mez", dir.path().join("link.mez")).unwrap();
        spellings.push(dir.path().join("link.mez"));
    }
    let before = std::fs::read(&mez).unwrap();
    let files = listing(dir.path());
    for target in spellings {
        pqx()
            .arg("pack")
            .arg("-mz")
            .arg(&mez)
            .arg("-t")
            .arg(&target)
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains("same file")
                    .and(predicate::str::contains(target.display().to_string()))
                    .and(predicate::str::contains(mez.display().to_string())),
            );
        assert_eq!(std::fs::read(&mez).unwrap(), before, "{}", target.display());
        assert_eq!(listing(dir.path()), files);
    }
}

#[test]
fn sign_refuses_a_detached_signature_over_its_input() {
    let dir = tempfile::tempdir().unwrap();
    let package = unsigned_sample(dir.path());
    let before = std::fs::read(&package).unwrap();
    let files = listing(dir.path());
    sign_with_pem(&package)
        .arg("--detached-p7s")
        .arg(&package)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("detached signature")
                .and(predicate::str::contains("same file")),
        );
    let out = dir.path().join("out.pqx");
    sign_with_pem(&package)
        .arg("-t")
        .arg(&out)
        .arg("--detached-p7s")
        .arg(dir.path().join(".").join("HelloWorld.pqx"))
        .assert()
        .code(2);
    assert_eq!(std::fs::read(&package).unwrap(), before);
    assert_eq!(listing(dir.path()), files);
}

#[test]
fn sign_refuses_a_target_that_is_the_detached_signature_or_a_key_file() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let package = unsigned_sample(dir.path());
    std::fs::create_dir(dir.path().join("d")).unwrap();
    let files = listing(dir.path());
    let p7s = dir.path().join("X.p7s");
    sign_with_pem(&package)
        .arg("-t")
        .arg(&p7s)
        .arg("--detached-p7s")
        .arg(dir.path().join("d").join("..").join("X.p7s"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("are the same file"));
    let key = std::fs::read(f.key()).unwrap();
    sign_with_pem(&package)
        .arg("-t")
        .arg(f.key())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the key"));
    assert_eq!(std::fs::read(f.key()).unwrap(), key);
    assert_eq!(listing(dir.path()), files);
}

#[test]
fn unpack_refuses_to_extract_onto_its_input() {
    let dir = tempfile::tempdir().unwrap();
    let mez = dir.path().join("Evil.mez");
    write_zip(
        &mez,
        &[
            (
                "Evil.pq",
                b"[Version = \"1.0.0\"] section Evil; shared Evil.Contents = 1;",
            ),
            ("Evil.mez", b"not the connector any more"),
        ],
    );
    let before = std::fs::read(&mez).unwrap();
    pqx()
        .arg("unpack")
        .arg(&mez)
        .arg("-o")
        .arg(&mez)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("output folder"));
    // With --force an extracted file may replace one of the folder: never the input.
    pqx()
        .arg("unpack")
        .arg(&mez)
        .arg("-o")
        .arg(dir.path())
        .arg("--force")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("extracted file"));
    assert_eq!(std::fs::read(&mez).unwrap(), before);
    assert_eq!(listing(dir.path()), ["Evil.mez"]);
}
