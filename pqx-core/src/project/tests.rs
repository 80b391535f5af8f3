//! Synthetic projects: what `plan` packages and what it refuses.

use super::*;
use crate::archive::ArchiveReader;
use std::io::Cursor;

const HEAD: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Project ToolsVersion=\"Current\" \
    xmlns=\"http://schemas.microsoft.com/developer/msbuild/2003\" DefaultTargets=\"BuildMez\">\n";

fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn project(body: &str) -> String {
    format!("{HEAD}{body}\n</Project>\n")
}

fn names(plan: &BuildPlan) -> Vec<&str> {
    plan.files.iter().map(|f| f.name.as_str()).collect()
}

fn plan_of(dir: &tempfile::TempDir) -> Result<BuildPlan> {
    plan(dir.path(), &Limits::default())
}

#[test]
fn packages_wildcards_and_properties_flat_and_sorted() {
    let d = folder(&[
        (
            "TripPin.proj",
            &project(
                "<PropertyGroup><ConnectorName>TripPin</ConnectorName>\
             <MezOutputPath>$(OutputPath)$(ConnectorName).mez</MezOutputPath></PropertyGroup>\
             <ItemGroup><MezContent Include=\"$(ConnectorName).pq\"/>\
             <MezContent Include=\"*.pqm;lib\\**\\*.pqm\"/></ItemGroup>",
            ),
        ),
        ("TripPin.pq", "section TripPin;"),
        ("TripPin.query.pq", "TripPin.Feed()"),
        ("Diagnostics.pqm", "1"),
        ("lib/deep/Table.ToNavigationTable.pqm", "2"),
        ("README.md", "x"),
    ]);
    let p = plan_of(&d).unwrap();
    assert_eq!(
        names(&p),
        [
            "Diagnostics.pqm",
            "Table.ToNavigationTable.pqm",
            "TripPin.pq"
        ]
    );
    assert_eq!(p.name, "TripPin");
    assert_eq!(
        p.default_output(),
        d.path().join("bin/AnyCPU/Debug/TripPin.mez")
    );
    assert_eq!(
        p.left_out,
        ["README.md", "TripPin.proj", "TripPin.query.pq"]
    );
}

#[test]
fn exclude_and_remove_drop_matching_items() {
    let d = folder(&[
        (
            "A.proj",
            &project(
                "<ItemGroup><MezContent Include=\"*.pq;*.pqm\" Exclude=\"*.query.pq;Old*.pqm\"/>\
             <MezContent Remove=\"Scratch.pqm\"/></ItemGroup>",
            ),
        ),
        ("A.pq", "section A;"),
        ("A.query.pq", "A.Contents()"),
        ("Keep.pqm", "1"),
        ("OldThing.pqm", "2"),
        ("Scratch.pqm", "3"),
    ]);
    let p = plan_of(&d).unwrap();
    assert_eq!(names(&p), ["A.pq", "Keep.pqm"]);
    assert_eq!(p.name, "A");
}

#[test]
fn a_false_condition_leaves_its_items_out() {
    let d = folder(&[
        (
            "A.proj",
            &project(
                "<PropertyGroup><Flavour>lite</Flavour></PropertyGroup>\
             <ItemGroup><MezContent Include=\"A.pq\"/>\
             <MezContent Include=\"Heavy.pqm\" Condition=\"'$(Flavour)' == 'full'\"/></ItemGroup>",
            ),
        ),
        ("A.pq", "section A;"),
        ("Heavy.pqm", "1"),
    ]);
    assert_eq!(names(&plan_of(&d).unwrap()), ["A.pq"]);
}

#[test]
fn refuses_a_listed_file_that_does_not_exist_naming_it_and_the_line() {
    let d = folder(&[
        (
            "A.proj",
            &project("<ItemGroup>\n<MezContent Include=\"A.pq;Missing.pqm\"/></ItemGroup>"),
        ),
        ("A.pq", "section A;"),
    ]);
    let e = plan_of(&d).unwrap_err().to_string();
    assert!(
        e.contains("Missing.pqm") && e.contains("A.proj line 4"),
        "{e}"
    );
}

#[test]
fn refuses_two_files_that_would_collide_in_the_package() {
    let d = folder(&[
        (
            "A.proj",
            &project("<ItemGroup><MezContent Include=\"A.pq;x\\M.pqm;y\\m.PQM\"/></ItemGroup>"),
        ),
        ("A.pq", "section A;"),
        ("x/M.pqm", "1"),
        ("y/m.PQM", "2"),
    ]);
    let e = plan_of(&d).unwrap_err().to_string();
    assert!(e.contains("M.pqm") && e.contains("m.PQM"), "{e}");
}

#[test]
fn the_same_file_listed_twice_is_packaged_once() {
    let d = folder(&[
        (
            "A.proj",
            &project("<ItemGroup><MezContent Include=\"A.pq;*.pq\"/></ItemGroup>"),
        ),
        ("A.pq", "section A;"),
    ]);
    assert_eq!(names(&plan_of(&d).unwrap()), ["A.pq"]);
}

#[test]
fn refuses_a_project_without_a_section_document() {
    let d = folder(&[
        (
            "A.proj",
            &project("<ItemGroup><MezContent Include=\"*.pqm\"/></ItemGroup>"),
        ),
        ("M.pqm", "1"),
    ]);
    let e = plan_of(&d).unwrap_err().to_string();
    assert!(
        e.contains("no section document") && e.contains("M.pqm"),
        "{e}"
    );
}

#[test]
fn refuses_a_project_without_mez_content_and_a_folder_with_two_projects() {
    let d = folder(&[(
        "dirs.proj",
        &project("<ItemGroup><ProjectFile Include=\"**\\*.proj\"/></ItemGroup>"),
    )]);
    assert!(plan_of(&d)
        .unwrap_err()
        .to_string()
        .contains("no MezContent"));
    let d = folder(&[("A.proj", &project("")), ("B.proj", &project(""))]);
    let e = plan_of(&d).unwrap_err().to_string();
    assert!(e.contains("A.proj") && e.contains("B.proj"), "{e}");
}

#[test]
fn without_a_project_file_follows_the_sdk_conventions() {
    let d = folder(&[
        ("Hello.pq", "section Hello;"),
        ("Hello.query.pq", "Hello.Contents()"),
        ("Hello16.png", "png"),
        ("resources.resx", "<root/>"),
        ("Util.pqm", "1"),
        ("notes.txt", "x"),
    ]);
    let p = plan_of(&d).unwrap();
    assert_eq!(
        names(&p),
        ["Hello.pq", "Hello16.png", "Util.pqm", "resources.resx"]
    );
    assert_eq!(p.name, "Hello");
    assert!(p.project_file.is_none());
    let d = folder(&[("Util.pqm", "1")]);
    assert!(plan_of(&d)
        .unwrap_err()
        .to_string()
        .contains("no section document"));
}

#[test]
fn writes_the_same_bytes_every_time_with_the_files_unchanged() {
    let d = folder(&[
        (
            "A.proj",
            &project("<ItemGroup><MezContent Include=\"*.pq;*.pqm\"/></ItemGroup>"),
        ),
        ("A.pq", "section A; shared X = 1;"),
        ("B.pqm", "let a = 1 in a"),
    ]);
    let p = plan_of(&d).unwrap();
    let write = || {
        write_mez(&p, Cursor::new(Vec::new()), &Limits::default())
            .unwrap()
            .into_inner()
    };
    let first = write();
    assert_eq!(first, write());
    let mut r = ArchiveReader::open(Cursor::new(&first), "A.mez", &Limits::default()).unwrap();
    let entries: Vec<_> = r.entries().to_vec();
    let listed: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(listed, ["A.pq", "B.pqm"]);
    let a = r.read(&entries[0], 1 << 20).unwrap();
    assert_eq!(a, b"section A; shared X = 1;");
}
