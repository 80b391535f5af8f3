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
