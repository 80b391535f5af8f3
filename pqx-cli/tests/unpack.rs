//! `pqx unpack`: extraction of .mez and .pqx, the non-empty-folder rule, and refusal of
//! every name that would escape the folder or mean something else.

mod common;

use common::*;
use predicates::prelude::*;

#[test]
fn unpacks_a_signed_pqx_to_the_connector_files_only() {
    let dir = tempfile::tempdir().unwrap();
    let signed = signed_sample(dir.path(), "HelloWorld");
    let out = dir.path().join("out dir");
    pqx()
        .arg("unpack")
        .arg(&signed)
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("extracted 10 files"));
    let mut expected: Vec<String> = pqx_core::sample::FILES
        .iter()
        .map(|(n, _)| (*n).to_owned())
        .collect();
    expected.sort();
    assert_eq!(listing(&out), expected);
    for (name, bytes) in pqx_core::sample::FILES {
        assert_eq!(std::fs::read(out.join(name)).unwrap(), bytes, "{name}");
    }
}

#[test]
fn unpacks_a_mez_with_folders_and_refuses_a_non_empty_folder_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let mez = dir.path().join("c.mez");
    write_zip(&mez, &[("C.pq", b"section C;"), ("icons/C16.png", b"png")]);
    let out = dir.path().join("out");
    pqx()
        .arg("unpack")
        .arg(&mez)
        .arg("--output")
        .arg(&out)
        .assert()
        .success();
    assert_eq!(
        std::fs::read(out.join("icons").join("C16.png")).unwrap(),
        b"png"
    );
    pqx()
        .arg("unpack")
        .arg(&mez)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not empty").and(predicate::str::contains("--force")));
    std::fs::write(out.join("C.pq"), b"old").unwrap();
    pqx()
        .arg("unpack")
        .arg(&mez)
        .arg("-o")
        .arg(&out)
        .arg("--force")
        .assert()
        .success();
    assert_eq!(std::fs::read(out.join("C.pq")).unwrap(), b"section C;");
}

#[test]
fn refuses_names_that_escape_the_folder_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    for (i, evil) in [
        "../evil.pqm",
        "a/../../evil.pqm",
        "/etc/evil.pqm",
        "C:/evil.pqm",
        "a\\..\\evil.pqm",
        "icons/CON.png",
        "x:stream.pqm",
    ]
    .iter()
    .enumerate()
    {
        let mez = dir.path().join(format!("evil{i}.mez"));
        write_zip(&mez, &[("C.pq", b"section C;"), (evil, b"boom")]);
        let assert = pqx()
            .arg("unpack")
            .arg(&mez)
            .arg("-o")
            .arg(&out)
            .assert()
            .code(3);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(stderr.contains("refusing to extract"), "{evil}: {stderr}");
        assert!(
            !out.exists() || listing(&out).is_empty(),
            "{evil}: something was written"
        );
    }
    assert!(!dir.path().join("evil.pqm").exists());
}

#[cfg(unix)]
#[test]
fn never_writes_through_a_symbolic_link_in_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::os::unix::fs::symlink(&outside, out.join("icons")).unwrap();
    std::os::unix::fs::symlink(outside.join("target.pq"), out.join("C.pq")).unwrap();
    let mez = dir.path().join("c.mez");
    write_zip(&mez, &[("C.pq", b"section C;"), ("icons/C16.png", b"png")]);
    pqx()
        .arg("unpack")
        .arg(&mez)
        .arg("-o")
        .arg(&out)
        .arg("--force")
        .assert()
        .code(3)
        .stderr(
            predicate::str::contains("not a regular file")
                .or(predicate::str::contains("is a link")),
        );
    assert!(listing(&outside).is_empty(), "wrote through a link");
    // The output folder itself being a link is refused too.
    let link = dir.path().join("link-out");
    std::os::unix::fs::symlink(&outside, &link).unwrap();
    pqx()
        .arg("unpack")
        .arg(&mez)
        .arg("-o")
        .arg(&link)
        .assert()
        .code(3);
    assert!(listing(&outside).is_empty());
}

/// Runs `pqx unpack PACKAGE -o OUT --force` into `out` (which holds `keep.txt`), expects exit
/// 3 with `expected` on standard error, and that nothing but `keep.txt` is in `out` after.
fn assert_refused_with_force(package: &std::path::Path, out: &std::path::Path, expected: &[&str]) {
    std::fs::create_dir_all(out).unwrap();
    std::fs::write(out.join("keep.txt"), b"mine").unwrap();
    let assert = pqx()
        .arg("unpack")
        .arg(package)
        .arg("-o")
        .arg(out)
        .arg("--force")
        .assert()
        .code(3);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    for e in expected {
        assert!(stderr.contains(e), "{package:?}: no {e:?} in {stderr}");
    }
    assert_eq!(
        listing(out),
        ["keep.txt"],
        "{package:?}: something was written"
    );
    assert_eq!(std::fs::read(out.join("keep.txt")).unwrap(), b"mine");
}

#[test]
fn refuses_every_windows_device_name_in_any_folder_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for (i, device) in [
        "COM\u{b9}.png",
        "lpt\u{b3}",
        "COM0.txt",
        "LPT0",
        "CONIN$",
        "conout$.txt",
        "Aux .pqm",
        "icons/nul/x.png",
        "a/b/Prn.tar.gz",
    ]
    .iter()
    .enumerate()
    {
        let mez = dir.path().join(format!("device{i}.mez"));
        write_zip(&mez, &[("C.pq", b"section C;"), (device, b"boom")]);
        assert_refused_with_force(
            &mez,
            &dir.path().join(format!("out{i}")),
            &["refusing to extract", "Windows device name"],
        );
    }
}

/// A `.pqx` holding the sample plus `extra` parts (ZIP item names, percent-escaped).
fn pqx_with_parts(dir: &std::path::Path, extra: &[&str]) -> std::path::PathBuf {
    let unsigned = unsigned_sample(dir);
    let bytes = std::fs::read(&unsigned).unwrap();
    let mut archive = pqx_core::archive::ArchiveReader::open(
        std::io::Cursor::new(bytes),
        "t",
        &pqx_core::limits::Limits::default(),
    )
    .unwrap();
    let mut w = pqx_core::archive::ArchiveWriter::new(std::io::Cursor::new(Vec::new()));
    for entry in archive.entries().to_vec() {
        let data = archive.read(&entry, u64::MAX).unwrap();
        w.add(&entry.name, &data).unwrap();
    }
    for name in extra {
        w.add(name, name.as_bytes()).unwrap();
    }
    let path = dir.join("extra.pqx");
    std::fs::write(&path, w.finish().unwrap().into_inner()).unwrap();
    path
}

/// `%FF` and `%FE` both decoded to U+FFFD: with `--force` the second part silently replaced
/// the first. A name that does not decode to UTF-8 is refused now.
#[test]
fn refuses_part_names_whose_escapes_are_not_utf8_even_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let package = pqx_with_parts(dir.path(), &["x%FF.png", "x%FE.png"]);
    assert_refused_with_force(
        &package,
        &dir.path().join("out"),
        &["refusing to extract", "do not decode to UTF-8"],
    );
    // Escapes that are UTF-8 are fine and decoded.
    let dir = tempfile::tempdir().unwrap();
    let package = pqx_with_parts(dir.path(), &["caf%C3%A9.png"]);
    let out = dir.path().join("out");
    pqx()
        .arg("unpack")
        .arg(&package)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    assert!(out.join("caf\u{e9}.png").is_file(), "{:?}", listing(&out));
}

/// NTFS and APFS ignore case and Unicode normalisation: these pairs are one file there (the
/// archive reader already refuses names equal ignoring case alone).
#[test]
fn refuses_names_colliding_by_case_or_normalisation_even_with_force() {
    let dir = tempfile::tempdir().unwrap();
    for (i, (a, b)) in [
        ("\u{c9}T\u{c9}.txt", "e\u{301}te\u{301}.txt"),
        ("caf\u{e9}.pqm", "cafe\u{301}.pqm"),
        ("Icons/caf\u{e9}.png", "icons/CAFE\u{301}.png"),
        ("data", "Data/x.json"),
        ("notes.txt", "notes.txt. "),
    ]
    .iter()
    .enumerate()
    {
        let mez = dir.path().join(format!("collide{i}.mez"));
        write_zip(
            &mez,
            &[("C.pq", b"section C;"), (a, b"first"), (b, b"second")],
        );
        let out = dir.path().join(format!("out{i}"));
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("keep.txt"), b"mine").unwrap();
        let assert = pqx()
            .arg("unpack")
            .arg(&mez)
            .arg("-o")
            .arg(&out)
            .arg("--force")
            .assert()
            .code(3);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(
            stderr.contains("refusing to extract"),
            "{a} / {b}: {stderr}"
        );
        assert_eq!(
            listing(&out),
            ["keep.txt"],
            "{a} / {b}: something was written"
        );
    }
    // The pair's names are both in the message (the combining accent shown escaped).
    let mez = dir.path().join("named.mez");
    write_zip(
        &mez,
        &[
            ("C.pq", b"section C;"),
            ("Caf\u{e9}.txt", b"a"),
            ("CAFE\u{301}.txt", b"b"),
        ],
    );
    assert_refused_with_force(
        &mez,
        &dir.path().join("named"),
        &["\"Caf\u{e9}.txt\"", "\"CAFE\\u{301}.txt\"", "same file"],
    );
}
