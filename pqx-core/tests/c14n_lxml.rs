//! Cross-checks pqx's inclusive C14N 1.0 against lxml (libxml2), an independent
//! implementation, byte for byte.
//!
//! Every file in `tests/data/xml/` is canonicalized as a whole document, and for every
//! element name in it the subtree of its first and last occurrence (the XML-DSig
//! same-document case: `SignedInfo`, the `#idPackageObject` `Object`, …). Each file is
//! also tried with its line feeds turned into CR LF. The Python side is
//! `tests/data/xml/c14n_lxml.py`, run once for all jobs.
//!
//! The test prints `SKIPPED: lxml not installed` and passes when `python3 -c "import lxml"`
//! fails; the project's test script installs lxml, so CI runs it.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine;
use pqx_core::limits::Limits;
use pqx_core::xml::{canonicalize, canonicalize_document, decode_text, parse};

/// One canonicalization to compare: a file and either the whole document or the `n`-th
/// element named `local`.
struct Job {
    path: PathBuf,
    select: Option<(String, usize)>,
    ours: String,
}

fn lxml_available() -> bool {
    Command::new("python3")
        .args(["-c", "import lxml.etree"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/xml")
}

/// The input files (everything in the data directory except the Python helper).
fn inputs() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(data_dir())
        .expect("read tests/data/xml")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e != "py"))
        .collect();
    files.sort();
    files
}

/// Builds the jobs for one file, computing our canonical forms.
fn jobs_for(path: &Path) -> Vec<Job> {
    let bytes = std::fs::read(path).expect("read input");
    let name = path.display().to_string();
    let text = decode_text(&bytes, &name).expect("decode");
    let doc = parse(text, &name, &Limits::default()).expect("parse");
    let mut jobs = vec![Job {
        path: path.to_owned(),
        select: None,
        ours: canonicalize_document(&doc),
    }];
    let elements: Vec<_> = doc.descendants().filter(|n| n.is_element()).collect();
    let names: BTreeSet<&str> = elements.iter().map(|n| n.tag_name().name()).collect();
    for local in names {
        let same: Vec<_> = elements
            .iter()
            .filter(|n| n.tag_name().name() == local)
            .collect();
        let mut indexes = vec![0];
        if same.len() > 1 {
            indexes.push(same.len() - 1);
        }
        for index in indexes {
            jobs.push(Job {
                path: path.to_owned(),
                select: Some((local.to_owned(), index)),
                ours: canonicalize(*same[index]),
            });
        }
    }
    jobs
}

/// Runs the Python helper over all jobs and returns lxml's canonical forms (or errors).
fn run_lxml(jobs: &[Job]) -> Vec<Result<String, String>> {
    let request: Vec<serde_json::Value> = jobs
        .iter()
        .map(|j| {
            serde_json::json!({
                "path": j.path.to_str().expect("UTF-8 path"),
                "select": j.select.as_ref().map(|(l, i)| serde_json::json!([l, i])),
            })
        })
        .collect();
    let mut child = Command::new("python3")
        .arg(data_dir().join("c14n_lxml.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run python3");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(serde_json::to_string(&request).expect("json").as_bytes())
        .expect("write jobs");
    let output = child.wait_with_output().expect("python3 output");
    assert!(
        output.status.success(),
        "c14n_lxml.py failed: {}",
        output.status
    );
    let results: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(results.len(), jobs.len());
    results
        .into_iter()
        .map(
            |r| match (r.get("c14n").and_then(|v| v.as_str()), r.get("error")) {
                (Some(b64), _) => {
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(b64)
                        .expect("b64");
                    Ok(String::from_utf8(bytes).expect("lxml output is UTF-8"))
                }
                (None, error) => Err(format!("{error:?}")),
            },
        )
        .collect()
}

#[test]
fn c14n_matches_lxml_byte_for_byte() {
    if !lxml_available() {
        println!("SKIPPED: lxml not installed (pip install lxml)");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut jobs = Vec::new();
    for path in inputs() {
        jobs.extend(jobs_for(&path));
        // The same document with CR LF line ends, which both sides must normalize.
        let crlf = std::fs::read(&path)
            .expect("read")
            .iter()
            .fold(Vec::new(), |mut v, &b| {
                if b == b'\n' {
                    v.push(b'\r');
                }
                v.push(b);
                v
            });
        let file_name = path.file_name().expect("file name").to_string_lossy();
        let crlf_path = tmp.path().join(format!("crlf-{file_name}"));
        std::fs::write(&crlf_path, crlf).expect("write CRLF variant");
        jobs.extend(jobs_for(&crlf_path));
    }
    assert!(
        jobs.len() > 150,
        "only {} jobs: test data missing?",
        jobs.len()
    );

    let theirs = run_lxml(&jobs);
    let mut failures = Vec::new();
    for (job, lxml) in jobs.iter().zip(theirs) {
        let what = format!("{} {:?}", job.path.display(), job.select);
        match lxml {
            Ok(expected) if expected == job.ours => {}
            Ok(expected) => {
                failures.push(format!("{what}\n  pqx:  {}\n  lxml: {expected}", job.ours))
            }
            Err(e) => failures.push(format!("{what}: lxml failed: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        jobs.len(),
        failures.join("\n")
    );
    println!("{} canonical forms identical to lxml's", jobs.len());
}

#[test]
fn dotnet_signature_object_and_signed_info_start_as_xmldsig_expects() {
    // Independent of lxml: the canonical Object carries the inherited xmldsig namespace
    // before its Id (opc-dotnet-notes.md §2), and the BOM / declaration are gone.
    let bytes = std::fs::read(data_dir().join("dotnet-signature.psdsxs")).expect("read");
    let text = decode_text(&bytes, "sig").expect("decode");
    let doc = parse(text, "sig", &Limits::default()).expect("parse");
    let find = |local: &str| {
        doc.descendants()
            .find(|n| n.is_element() && n.tag_name().name() == local)
            .expect(local)
    };
    assert!(canonicalize(find("Object")).starts_with(
        "<Object xmlns=\"http://www.w3.org/2000/09/xmldsig#\" Id=\"idPackageObject\"><Manifest "
    ));
    assert!(canonicalize(find("SignedInfo")).starts_with(
        "<SignedInfo xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><CanonicalizationMethod "
    ));
    assert!(canonicalize_document(&doc)
        .starts_with("<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\" Id="));
}
