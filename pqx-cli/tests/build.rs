//! `pqx build`: SDK projects (in the shape of the Power Query SDK's project template and of
//! the microsoft/DataConnectors samples) built into the `.mez` the SDK would write, checked
//! with other ZIP readers; the error cases; `--sign` in one step.

mod common;

use common::*;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

/// The SDK template's project, as in every DataConnectors sample: the `OutputPath` /
/// `MezOutputPath` properties and the `BuildMez` target, with `items` as its ItemGroup and
/// `properties` in a PropertyGroup of its own.
fn sdk_project(properties: &str, items: &str, output_name: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<Project ToolsVersion="Current" xmlns="http://schemas.microsoft.com/developer/msbuild/2003" DefaultTargets="BuildMez">
  <PropertyGroup>{properties}</PropertyGroup>
  <PropertyGroup>
    <OutputPath Condition="'$(OutputPath)' == ''">$(MSBuildProjectDirectory)\bin\AnyCPU\Debug\</OutputPath>
    <IntermediateOutputPath Condition="'$(IntermediateOutputPath)' == ''">$(MSBuildProjectDirectory)\obj\</IntermediateOutputPath>
    <MezIntermediatePath>$(IntermediateOutputPath)MEZ\</MezIntermediatePath>
    <MezOutputPath>$(OutputPath){output_name}.mez</MezOutputPath>
  </PropertyGroup>
  <ItemGroup>
{items}
  </ItemGroup>
  <Target Name="BuildMez" AfterTargets="Build" Inputs="@(MezContent)" Outputs="$(MezOutputPath)">
    <RemoveDir Directories="$(MezIntermediatePath)" />
    <Copy SourceFiles="@(MezContent)" DestinationFolder="$(MezIntermediatePath)" />
    <MakeDir Directories="$(OutputPath)" Condition="!Exists('$(OutputPath)')" />
    <ZipDirectory SourceDirectory="$(MezIntermediatePath)" DestinationFile="$(MezOutputPath)" Overwrite="true" />
  </Target>
</Project>
"#
    )
}

/// A HelloWorld project folder (pqx's built-in sample files) with a test query, a README and
/// the given project file.
fn hello_folder(project_name: &str, project: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in pqx_core::sample::FILES {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    std::fs::write(
        dir.path().join("HelloWorld.query.pq"),
        "HelloWorld.Contents()",
    )
    .unwrap();
    std::fs::write(dir.path().join("README.md"), "# HelloWorld").unwrap();
    std::fs::write(dir.path().join(project_name), project).unwrap();
    dir
}

fn explicit_items(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("    <MezContent Include=\"{n}\" />"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The entry names of a ZIP as Python's `zipfile` reads them (an independent reader), or
/// as pqx reads them where Python is missing.
fn zip_names(path: &Path) -> Vec<String> {
    let script = "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nprint('\\n'.join(z.namelist()))";
    if let Ok(out) = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(path)
        .output()
    {
        assert!(out.status.success(), "python zipfile: {out:?}");
        return String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
    }
    let r = pqx_core::archive::ArchiveReader::open(
        std::fs::File::open(path).unwrap(),
        "t.mez",
        &pqx_core::limits::Limits::default(),
    )
    .unwrap();
    r.entries().iter().map(|e| e.name.clone()).collect()
}

/// Each entry of the ZIP at `mez`, byte for byte the file of the same name in `dir`.
fn entries_are_the_files_of(mez: &Path, dir: &Path) {
    let mut r = pqx_core::archive::ArchiveReader::open(
        std::fs::File::open(mez).unwrap(),
        "t.mez",
        &pqx_core::limits::Limits::default(),
    )
    .unwrap();
    for e in r.entries().to_vec() {
        let bytes = r.read(&e, 1 << 24).unwrap();
        assert_eq!(
            bytes,
            std::fs::read(dir.join(&e.name)).unwrap(),
            "{}",
            e.name
        );
    }
}

#[test]
fn builds_the_project_items_into_the_sdk_output_path() {
    let mut names: Vec<&str> = pqx_core::sample::FILES.iter().map(|(n, _)| *n).collect();
    let project = sdk_project("", &explicit_items(&names), "$(MsBuildProjectName)");
    let d = hello_folder("HelloWorld.proj", &project);
    pqx()
        .arg("build")
        .arg(d.path())
        .arg("--no-check")
        .assert()
        .success()
        .stderr(predicate::str::contains("built"));
    let mez = d.path().join("bin/AnyCPU/Debug/HelloWorld.mez");
    names.sort_unstable();
    assert_eq!(zip_names(&mez), names);
    entries_are_the_files_of(&mez, d.path());
}

#[test]
fn builds_the_tripin_shape_wildcards_and_connector_name_property() {
    let project = sdk_project(
        "<ConnectorName>HelloWorld</ConnectorName>",
        "    <MezContent Include=\"$(ConnectorName).pq\" />\n    <MezContent Include=\"*.pqm\" />",
        "$(ConnectorName)",
    );
    let d = hello_folder("TripPin.proj", &project);
    std::fs::write(d.path().join("Extra.pqm"), "let x = 1 in x").unwrap();
    let out = d.path().join("out.mez");
    pqx()
        .arg("build")
        .arg(d.path().join("TripPin.proj"))
        .arg("-o")
        .arg(&out)
        .arg("--no-check")
        .assert()
        .success();
    assert_eq!(
        zip_names(&out),
        ["Extra.pqm", "HelloWorld.pq", "Table.ToNavigationTable.pqm"]
    );
    entries_are_the_files_of(&out, d.path());
}

#[test]
fn build_output_is_the_same_bytes_every_time() {
    let project = sdk_project(
        "",
        "    <MezContent Include=\"*.pq;*.pqm;*.png;resources.resx\" Exclude=\"*.query.pq\" />",
        "X",
    );
    let d = hello_folder("X.proj", &project);
    let build = |name: &str| {
        let out = d.path().join(name);
        pqx()
            .arg("build")
            .arg(d.path())
            .arg("-o")
            .arg(&out)
            .arg("--no-check")
            .assert()
            .success();
        std::fs::read(out).unwrap()
    };
    let first = build("a.mez");
    // A newer modification time changes nothing: the archive's timestamps are fixed.
    let pq = d.path().join("HelloWorld.pq");
    let bytes = std::fs::read(&pq).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    std::fs::write(&pq, bytes).unwrap();
    assert_eq!(first, build("b.mez"));
    assert_eq!(zip_names(&d.path().join("a.mez")).len(), 10);
}

#[test]
fn verbose_lists_the_folder_files_the_project_leaves_out() {
    let project = sdk_project(
        "",
        &explicit_items(&["HelloWorld.pq", "resources.resx"]),
        "$(MSBuildProjectName)",
    );
    let d = hello_folder("HelloWorld.proj", &project);
    pqx()
        .arg("build")
        .arg(d.path())
        .arg("--verbose")
        .arg("--no-check")
        .assert()
        .success()
        .stderr(
            predicate::str::contains("- Table.ToNavigationTable.pqm")
                .and(predicate::str::contains("- HelloWorld16.png"))
                .and(predicate::str::contains("+ HelloWorld.pq")),
        );
}

#[test]
fn refuses_a_missing_item_naming_it_and_writes_nothing() {
    let project = sdk_project("", &explicit_items(&["HelloWorld.pq", "Missing.pqm"]), "X");
    let d = hello_folder("X.proj", &project);
    pqx().arg("build").arg(d.path()).assert().code(3).stderr(
        predicate::str::contains("Missing.pqm").and(predicate::str::contains("X.proj line")),
    );
    assert!(!d.path().join("bin").exists());
}

#[test]
fn refuses_a_condition_it_cannot_evaluate() {
    let items =
        "    <MezContent Include=\"HelloWorld.pq\" Condition=\"Exists('HelloWorld.pq')\" />";
    let d = hello_folder("X.proj", &sdk_project("", items, "X"));
    pqx().arg("build").arg(d.path()).assert().code(3).stderr(
        predicate::str::contains("Exists('HelloWorld.pq')")
            .and(predicate::str::contains("cannot be evaluated")),
    );
}

#[test]
fn refuses_a_folder_without_a_section_document() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("Util.pqm"), "1").unwrap();
    pqx().arg("build").arg(d.path()).assert().code(3).stderr(
        predicate::str::contains("no section document").and(predicate::str::contains("Util.pqm")),
    );
}

#[test]
fn builds_a_folder_without_a_project_by_the_sdk_conventions() {
    let d = hello_folder("notes.txt", "not a project");
    pqx()
        .arg("build")
        .arg(d.path())
        .arg("--no-check")
        .assert()
        .success();
    let mut names: Vec<&str> = pqx_core::sample::FILES.iter().map(|(n, _)| *n).collect();
    names.sort_unstable();
    assert_eq!(
        zip_names(&d.path().join("bin/AnyCPU/Debug/HelloWorld.mez")),
        names
    );
}

#[test]
fn strict_check_refuses_before_writing() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("Plain.pq"), UNCERTIFIED_PQ).unwrap();
    pqx()
        .arg("build")
        .arg(d.path())
        .arg("--strict")
        .assert()
        .code(5);
    assert!(!d.path().join("bin/AnyCPU/Debug/Plain.mez").exists());
    // Without --strict the check advises and the build goes on.
    pqx()
        .arg("build")
        .arg(d.path())
        .assert()
        .success()
        .stderr(predicate::str::contains("pqx check"));
}

#[test]
fn build_and_sign_in_one_step_gives_a_pqx_that_verifies() {
    let f = fixture();
    let names: Vec<&str> = pqx_core::sample::FILES.iter().map(|(n, _)| *n).collect();
    let d = hello_folder(
        "HelloWorld.proj",
        &sdk_project("", &explicit_items(&names), "$(MSBuildProjectName)"),
    );
    pqx()
        .arg("build")
        .arg(d.path())
        .arg("--sign")
        .arg("-c")
        .arg(f.pfx())
        .arg("-p")
        .arg(PASSWORD)
        .assert()
        .success()
        .stderr(predicate::str::contains("signed"));
    let pqx_path: PathBuf = d.path().join("bin/AnyCPU/Debug/HelloWorld.pqx");
    verifies(&pqx_path);
    // A key without --sign is a usage error: nothing is signed by accident or left unsigned.
    pqx()
        .arg("build")
        .arg(d.path())
        .arg("-c")
        .arg(f.pfx())
        .assert()
        .code(2);
}
