//! A drop-in that never surprises (issue 14): MakePQX's documented command lines, unchanged,
//! work on what MakePQX accepts — real Power Query SDK output included — and the connector
//! check advises instead of refusing unless asked to (`--strict`).

mod common;

use common::*;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

/// The real SDK-built `.mez` files in `tests/data/dataconnectors/` (see its README).
const SDK_MEZ: [&str; 4] = [
    "PQExtensionBlank.mez",
    "HelloWorldWithDocs.mez",
    "Relationships.mez",
    "Github.mez",
];

fn sdk_mez(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/dataconnectors")
        .join(name)
}

/// Asserts with Python's `zipfile` (an independent reader) that every file of `mez` is in
/// `pqx` byte for byte, under its OPC part name (percent-escapes decoded), and that the
/// `.mez`'s own OPC metadata was not carried over as a connector file.
fn assert_same_files(mez: &Path, pqx: &Path) {
    let script = r#"
import sys, zipfile, urllib.parse
mez, pqx = zipfile.ZipFile(sys.argv[1]), zipfile.ZipFile(sys.argv[2])
parts = {urllib.parse.unquote(i.filename): i.filename for i in pqx.infolist()}
meta = lambda n: n == '[Content_Types].xml' or n.startswith('_rels/') or '/_rels/' in n
files = [i for i in mez.infolist() if not meta(i.filename)]
assert files, 'no files in the .mez'
for i in files:
    assert i.filename in parts, 'missing from the .pqx: ' + i.filename
    assert mez.read(i) == pqx.read(parts[i.filename]), 'bytes differ: ' + i.filename
assert pqx.testzip() is None
print(len(files))
"#;
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(mez)
        .arg(pqx)
        .output()
        .expect("python3 is needed by the tests (tests/interop/install_deps.sh installs it)");
    assert!(
        out.status.success(),
        "{}: {}",
        mez.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn makepqx_command_lines_pack_sign_and_verify_real_sdk_mez_files_with_default_flags() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    for name in SDK_MEZ {
        let mez = dir.path().join(name);
        std::fs::copy(sdk_mez(name), &mez).unwrap();
        let pqx_file = mez.with_extension("pqx");
        pqx()
            .arg("pack")
            .arg("-mz")
            .arg(&mez)
            .arg("-t")
            .arg(&pqx_file)
            .assert()
            .success()
            .stderr(predicate::str::contains("against the certification rules"));
        pqx()
            .arg("sign")
            .arg(&pqx_file)
            .arg("-c")
            .arg(f.pfx())
            .arg("-p")
            .arg(PASSWORD)
            .assert()
            .success();
        let report = pqx()
            .arg("verify")
            .arg(&pqx_file)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        assert_eq!(status_of(&report), "Success", "{name}");
        assert_same_files(&mez, &pqx_file);
    }
}

#[test]
fn the_old_sdks_opc_shaped_mez_is_packed_with_its_metadata_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let mez = dir.path().join("PQExtensionBlank.mez");
    std::fs::copy(sdk_mez("PQExtensionBlank.mez"), &mez).unwrap();
    pqx().arg("pack").arg("-mz").arg(&mez).assert().success();
    let listing = pqx()
        .arg("inspect")
        .arg(dir.path().join("PQExtensionBlank.pqx"))
        .arg("--json")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&listing).unwrap();
    let text = v.to_string();
    assert!(text.contains("PQExtensionBlank.m"), "{text}");
    assert!(
        !text.contains("Content_Types"),
        "the .mez's own [Content_Types].xml is not a connector file: {text}"
    );
    // pqx's own content types replace the SDK's (which declared every file application/x-ms-m).
    let packed = std::fs::read(dir.path().join("PQExtensionBlank.pqx")).unwrap();
    let ct = pqx_core::archive::ArchiveReader::open(
        std::io::Cursor::new(packed),
        "p",
        &pqx_core::limits::Limits::default(),
    )
    .and_then(|mut a| {
        let e = a.find("[Content_Types].xml").cloned().unwrap();
        a.read(&e, 1 << 20)
    })
    .unwrap();
    let ct = String::from_utf8(ct).unwrap();
    assert!(ct.contains("image/png") && !ct.contains("x-ms-m"), "{ct}");
}

#[test]
fn an_unsigned_pqx_given_to_pack_is_repacked_to_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let mez = dir.path().join("Hello World.mez");
    write_zip(
        &mez,
        &[
            ("Hello World.pq", b"section HelloWorld; shared X = 1;"),
            ("Hello World16.png", b"\x89PNG not really"),
        ],
    );
    let first = dir.path().join("first.pqx");
    let second = dir.path().join("second.pqx");
    pqx()
        .arg("pack")
        .arg("-mz")
        .arg(&mez)
        .arg("-t")
        .arg(&first)
        .assert()
        .success();
    pqx()
        .arg("pack")
        .arg("-mz")
        .arg(&first)
        .arg("-t")
        .arg(&second)
        .assert()
        .success();
    assert_eq!(
        std::fs::read(&first).unwrap(),
        std::fs::read(&second).unwrap(),
        "names are decoded (Hello%20World.pq is the file Hello World.pq), metadata rebuilt"
    );
}

#[test]
fn pack_refuses_a_signed_pqx_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let signed = signed_sample(dir.path(), "Signed");
    let out = dir.path().join("again.pqx");
    pqx()
        .arg("pack")
        .arg("-mz")
        .arg(&signed)
        .arg("-t")
        .arg(&out)
        .assert()
        .code(3)
        .stderr(
            predicate::str::contains("Signed.pqx is a signed .pqx package, not a .mez")
                .and(predicate::str::contains("drop its signatures"))
                .and(predicate::str::contains("already a .pqx").not()),
        );
    assert!(!out.exists());
}

#[test]
fn pack_and_sign_report_check_errors_in_one_line_and_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("Plain.mez");
    write_uncertified_mez(&broken);
    let stderr = pqx()
        .arg("pack")
        .arg("-mz")
        .arg(&broken)
        .assert()
        .success()
        .get_output()
        .stderr
        .clone();
    let stderr = String::from_utf8(stderr).unwrap();
    let check_lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("certification") || l.contains("error"))
        .collect();
    assert_eq!(
        check_lines,
        [format!(
            "pqx: {}: 2 errors, 2 warnings against the certification rules — `pqx check {}` explains",
            broken.display(),
            broken.display()
        )],
        "{stderr}"
    );
    let packed = dir.path().join("Plain.pqx");
    sign_with_pem(&packed)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "2 errors, 2 warnings against the certification rules",
        ));
    verifies(&packed);
    // `pqx check` itself is unchanged: errors exit 1.
    pqx().arg("check").arg(&broken).assert().code(1);
}

#[test]
fn strict_makes_check_errors_fatal_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("Plain.mez");
    write_uncertified_mez(&broken);
    let packed = dir.path().join("Plain.pqx");
    pqx()
        .arg("pack")
        .arg("-mz")
        .arg(&broken)
        .arg("--strict")
        .assert()
        .code(5)
        .stderr(
            predicate::str::contains("error[documentation]")
                .and(predicate::str::contains("refused by --strict")),
        );
    assert!(!packed.exists(), "nothing is written when --strict refuses");
    pqx()
        .arg("pack")
        .arg("-mz")
        .arg(&broken)
        .arg("--no-check")
        .assert()
        .success()
        .stderr(predicate::str::contains("certification").not());
    let before = std::fs::read(&packed).unwrap();
    sign_with_pem(&packed).arg("--strict").assert().code(5);
    assert_eq!(std::fs::read(&packed).unwrap(), before, "input untouched");
    pqx()
        .arg("pack")
        .arg("-mz")
        .arg(&broken)
        .args(["--strict", "--no-check"])
        .assert()
        .code(2);
}

#[test]
fn a_packaged_secret_is_always_shouted_about_and_refused_under_strict() {
    let dir = tempfile::tempdir().unwrap();
    // The sample connector is certification-clean; add a packaged secret.
    let sample = pqx_core::sample::hello_world_mez().unwrap();
    let mut archive = pqx_core::archive::ArchiveReader::open(
        std::io::Cursor::new(sample),
        "s",
        &pqx_core::limits::Limits::default(),
    )
    .unwrap();
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    for e in archive.entries().to_vec() {
        entries.push((e.name.clone(), archive.read(&e, u64::MAX).unwrap()));
    }
    entries.push(("client_secret".into(), b"s3cr3t-value-0123456789".to_vec()));
    let borrowed: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let mez = dir.path().join("HelloWorld.mez");
    write_zip(&mez, &borrowed);
    pqx()
        .arg("pack")
        .arg("-mz")
        .arg(&mez)
        .assert()
        .success()
        .stderr(
            predicate::str::contains("ships a secret to everyone who installs it")
                .and(predicate::str::contains("client_secret")),
        );
    pqx()
        .arg("pack")
        .arg("-mz")
        .arg(&mez)
        .args(["--strict", "-t", "strict.pqx"])
        .current_dir(dir.path())
        .assert()
        .code(5)
        .stderr(predicate::str::contains("warning[packaged-secret]"));
    assert!(!dir.path().join("strict.pqx").exists());
    // The real SDK sample that reads a packaged client_secret.
    let github = dir.path().join("Github.mez");
    std::fs::copy(sdk_mez("Github.mez"), &github).unwrap();
    pqx()
        .arg("pack")
        .arg("-mz")
        .arg(&github)
        .assert()
        .success()
        .stderr(
            predicate::str::contains("ships a secret").and(predicate::str::contains(
                "Extension.Contents reads packaged file \"client_secret\"",
            )),
        );
}

/// Runs `pqx ARGS`, closing the reading end of its standard output at once, as `| head -0`
/// does; returns its exit status and standard error.
#[cfg(unix)]
fn run_with_closed_stdout(args: &[&str]) -> (std::process::ExitStatus, String) {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pqx"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (child.wait().unwrap(), stderr)
}

#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_pqx_silently_as_sigpipe_ends_coreutils() {
    use std::os::unix::process::ExitStatusExt;
    for args in [
        &["completions", "bash"][..],
        &["manpage"],
        &["check", "--list-rules"],
    ] {
        let mut killed = 0;
        for _ in 0..20 {
            let (status, stderr) = run_with_closed_stdout(args);
            assert_eq!(stderr, "", "{args:?}: nothing on standard error");
            match status.signal() {
                Some(13) => killed += 1,
                other => assert!(status.success(), "{args:?}: {status:?} (signal {other:?})"),
            }
        }
        assert!(killed > 0, "{args:?}: never met the closed pipe");
        // And through a real shell pipeline, as users type it.
        for _ in 0..20 {
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("\"$0\" {} | head -1 >/dev/null", args.join(" ")))
                .arg(env!("CARGO_BIN_EXE_pqx"))
                .output()
                .unwrap();
            assert!(out.status.success(), "{args:?}");
            assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?}");
        }
    }
}

#[test]
fn a_directory_or_missing_file_as_input_and_a_missing_output_folder_are_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("Folder.mez");
    std::fs::create_dir(&folder).unwrap();
    let is_a_directory = format!("{} is a directory, not a file", folder.display());
    for args in [
        vec!["pack", "-mz"],
        vec!["sign", "--key", "k.pem"],
        vec!["inspect"],
    ] {
        pqx()
            .current_dir(dir.path())
            .args(&args)
            .arg(&folder)
            .assert()
            .code(3)
            .stderr(
                predicate::str::contains(is_a_directory.as_str())
                    .and(predicate::str::contains("malformed").not()),
            );
    }
    // verify takes folders (an audit of the .pqx/.mez files under them): an empty one is an
    // input error naming it, not a pass.
    pqx()
        .arg("verify")
        .arg(&folder)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(format!(
            "no .pqx or .mez file in {}",
            folder.display()
        )));
    let missing = dir.path().join("Missing.mez");
    pqx()
        .arg("pack")
        .arg("-mz")
        .arg(&missing)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(format!(
            "{} does not exist",
            missing.display()
        )));
    let mez = dir.path().join("HelloWorld.mez");
    write_sample_mez(&mez);
    let no_folder = dir.path().join("no-such-folder");
    for out in ["x.pqx", "sub/x.pqx"] {
        pqx()
            .arg("pack")
            .arg("-mz")
            .arg(&mez)
            .arg("-t")
            .arg(no_folder.join(out))
            .assert()
            .code(3)
            .stderr(
                predicate::str::contains("the output folder")
                    .and(predicate::str::contains("does not exist")),
            )
            .stderr(predicate::str::contains(mez.display().to_string()).not());
    }
    let unsigned = unsigned_sample(dir.path());
    sign_with_pem(&unsigned)
        .arg("-t")
        .arg(no_folder.join("x.pqx"))
        .assert()
        .code(3)
        .stderr(predicate::str::contains(format!(
            "the output folder {} does not exist",
            no_folder.display()
        )));
}

#[test]
fn a_missing_password_says_so_and_a_wrong_one_names_its_source() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let target = unsigned_sample(dir.path());
    let sign = || {
        let mut c = pqx();
        c.arg("sign").arg(&target).arg("-c").arg(f.pfx());
        c
    };
    sign().assert().code(4).stderr(
        predicate::str::contains(
            "leaf.pfx needs a password, none was given, and there is no terminal",
        )
        .and(predicate::str::contains(
            "--password-file FILE, the PQX_PASSWORD environment variable, or -p PASSWORD",
        )),
    );
    sign()
        .args(["-p", "wrong"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "the password given with -p does not open it",
        ));
    sign()
        .env("PQX_PASSWORD", "wrong")
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "the password in PQX_PASSWORD does not open it",
        ));
    let file = dir.path().join("pw.txt");
    std::fs::write(&file, "wrong\n").unwrap();
    sign()
        .arg("--password-file")
        .arg(&file)
        .assert()
        .code(4)
        .stderr(predicate::str::contains(format!(
            "the password read from --password-file {} does not open it",
            file.display()
        )));
    sign()
        .args(["--password-file", "-"])
        .write_stdin("wrong\n")
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "the password read from standard input (--password-file -) does not open it",
        ));
}

use pqx_test_support::tsa::openssl;

#[test]
fn a_key_that_is_not_rsa_is_named_with_what_power_bi_needs() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-out",
            "ec.pem",
        ],
    );
    openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:secp384r1",
            "-out",
            "ec384.pem",
        ],
    );
    openssl(d, &["ec", "-in", "ec.pem", "-out", "ec-sec1.pem"]);
    openssl(d, &["genpkey", "-algorithm", "ed25519", "-out", "ed.pem"]);
    openssl(
        d,
        &[
            "genpkey",
            "-genparam",
            "-algorithm",
            "dsa",
            "-pkeyopt",
            "dsa_paramgen_bits:1024",
            "-out",
            "dsap.pem",
        ],
    );
    openssl(d, &["genpkey", "-paramfile", "dsap.pem", "-out", "dsa.pem"]);
    openssl(
        d,
        &[
            "req", "-x509", "-key", "ec.pem", "-subj", "/CN=ec", "-days", "30", "-out", "ec.crt",
        ],
    );
    openssl(
        d,
        &[
            "pkcs12",
            "-export",
            "-inkey",
            "ec.pem",
            "-in",
            "ec.crt",
            "-out",
            "ec.pfx",
            "-passout",
            &format!("pass:{PASSWORD}"),
        ],
    );
    let target = unsigned_sample(d);
    let need = "Power BI's signatures need an RSA key of 2048 bits or more";
    for (key, holds) in [
        ("ec.pem", "ec.pem holds an ECDSA P-256 key"),
        ("ec384.pem", "ec384.pem holds an ECDSA P-384 key"),
        ("ec-sec1.pem", "ec-sec1.pem holds an ECDSA P-256 key"),
        ("ed.pem", "ed.pem holds an Ed25519 key"),
        ("dsa.pem", "dsa.pem holds a DSA key"),
    ] {
        pqx()
            .current_dir(d)
            .arg("sign")
            .arg(&target)
            .args(["--key", key, "--cert"])
            .arg(f.chain())
            .assert()
            .code(5)
            .stderr(
                predicate::str::contains(holds)
                    .and(predicate::str::contains(need))
                    .and(predicate::str::contains("OID").not()),
            );
    }
    pqx()
        .current_dir(d)
        .arg("sign")
        .arg(&target)
        .args(["-c", "ec.pfx", "-p", PASSWORD])
        .assert()
        .code(5)
        .stderr(
            predicate::str::contains("ec.pfx holds an ECDSA P-256 key")
                .and(predicate::str::contains(need)),
        );
}

/// Runs `pqx ARGS` in a private mount namespace where `dir` is a 64 KiB tmpfs (`unshare -rm`:
/// no root needed where user namespaces are allowed). `None` when this machine cannot.
fn pqx_on_a_tiny_disk(dir: &Path, args: &[&std::ffi::OsStr]) -> Option<std::process::Output> {
    let probe = std::process::Command::new("unshare")
        .args(["-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs \"$0\""])
        .arg(dir)
        .output()
        .ok()?;
    if !probe.status.success() {
        return None;
    }
    let out = std::process::Command::new("unshare")
        .args([
            "-rm",
            "sh",
            "-c",
            "mount -t tmpfs -o size=64k tmpfs \"$0\" && shift && exec \"$@\"",
        ])
        .arg(dir)
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_pqx"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .ok()?;
    Some(out)
}

#[test]
fn a_full_disk_is_named_as_such_with_the_file_being_written() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = dir.path().join("tiny");
    std::fs::create_dir(&tiny).unwrap();
    // 200 KiB that do not compress: more than the 64 KiB disk holds.
    let mut x: u32 = 0x2545_F491;
    let noise: Vec<u8> = (0..200_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    let mez = dir.path().join("Big.mez");
    write_zip(&mez, &[("Big.pq", b"section Big;"), ("data.bin", &noise)]);
    let unsigned = dir.path().join("Big.pqx");
    pqx()
        .arg("pack")
        .arg("-mz")
        .arg(&mez)
        .arg("--no-check")
        .assert()
        .success();
    let (key, chain) = (fixture().key(), fixture().chain());
    let pack_target = tiny.join("Packed.pqx");
    let sign_target = tiny.join("Signed.pqx");
    let runs: [(Vec<&std::ffi::OsStr>, &Path); 2] = [
        (
            vec![
                "pack".as_ref(),
                "-mz".as_ref(),
                mez.as_os_str(),
                "-t".as_ref(),
                pack_target.as_os_str(),
            ],
            &pack_target,
        ),
        (
            vec![
                "sign".as_ref(),
                unsigned.as_os_str(),
                "--key".as_ref(),
                key.as_os_str(),
                "--cert".as_ref(),
                chain.as_os_str(),
                "-t".as_ref(),
                sign_target.as_os_str(),
            ],
            &sign_target,
        ),
    ];
    for (args, target) in runs {
        let Some(out) = pqx_on_a_tiny_disk(&tiny, &args) else {
            eprintln!("skipped: cannot mount a tmpfs here (unshare -rm refused); failure::tests covers the mapping");
            return;
        };
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{stderr}");
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.contains("certification"))
            .collect();
        assert_eq!(errors.len(), 1, "one line: {stderr}");
        assert!(
            errors[0].starts_with(&format!(
                "pqx: error: no space left on device while writing {}",
                target.display()
            )),
            "{stderr}"
        );
        assert!(
            !stderr.contains("ZipWriter") && !stderr.contains("malformed"),
            "{stderr}"
        );
    }
}
