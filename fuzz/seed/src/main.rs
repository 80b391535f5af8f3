//! Writes seed corpora for the pqx fuzz targets from pqx-core's own material: the sample
//! connector as `.mez`, packed and signed `.pqx` packages, their XML parts (content types,
//! relationships, signature), the test PKI's certificates (DER and PEM) and its key and chain
//! as PEM for `openssl pkcs12 -export` (done by `seed.sh`).
//!
//! Usage: `pqx-fuzz-seed <corpus-dir> <work-dir>`; files go to `<corpus-dir>/<target>/`.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use pqx_core::archive::ArchiveReader;
use pqx_core::digest::DigestAlgorithm;
use pqx_core::limits::Limits;
use pqx_core::sign::{sign_bytes, SignOptions};
use pqx_core::test_pki::{TestPki, TestPkiOptions};

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Writes `bytes` as `<dir>/<target>/<name>`.
fn put(dir: &Path, target: &str, name: &str, bytes: &[u8]) -> BoxResult<()> {
    let folder = dir.join(target);
    std::fs::create_dir_all(&folder)?;
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    std::fs::write(folder.join(safe), bytes)?;
    Ok(())
}

/// Every entry of a ZIP as (name, bytes).
fn entries(zip: &[u8]) -> BoxResult<Vec<(String, Vec<u8>)>> {
    let mut archive = ArchiveReader::open(Cursor::new(zip), "seed", &Limits::default())?;
    let list = archive.entries().to_vec();
    let mut out = Vec::new();
    for e in &list {
        out.push((e.name.clone(), archive.read(e, 1 << 24)?));
    }
    Ok(out)
}

fn run(corpus: &Path, work: &Path) -> BoxResult<()> {
    let limits = Limits::default();
    let mez = pqx_core::sample::hello_world_mez()?;
    let packed = pqx_core::pack::pack_bytes(&mez, "HelloWorld.mez", &limits)?;
    let pki = TestPki::generate(&TestPkiOptions::default())?;
    let key = pki.signing_key();
    let (signed, _) = sign_bytes(&packed, "seed.pqx", &key, &SignOptions::default(), &limits)?;
    let (signed_sha1, _) = sign_bytes(
        &packed,
        "seed.pqx",
        &key,
        &SignOptions::with_digest(DigestAlgorithm::Sha1),
        &limits,
    )?;
    // The smallest archive: an end-of-central-directory record alone.
    let mut empty_zip = vec![0x50, 0x4b, 0x05, 0x06];
    empty_zip.extend_from_slice(&[0; 18]);

    for target in ["zip_read", "mez"] {
        put(corpus, target, "hello.mez", &mez)?;
        put(corpus, target, "hello.pqx", &packed)?;
        put(corpus, target, "signed.pqx", &signed)?;
        put(corpus, target, "empty.zip", &empty_zip)?;
    }
    for target in ["opc_package", "verify"] {
        put(corpus, target, "hello.pqx", &packed)?;
        put(corpus, target, "signed-sha256.pqx", &signed)?;
        put(corpus, target, "signed-sha1.pqx", &signed_sha1)?;
    }
    put(corpus, "verify", "hello.mez", &mez)?;

    for (name, bytes) in entries(&signed)?.into_iter().chain(entries(&signed_sha1)?) {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".psdsxs") || lower.ends_with(".rels") || lower.ends_with(".xml") {
            put(corpus, "xml_signature", &name, &bytes)?;
        }
        if lower.ends_with(".psdsxs") {
            // The signature again under a distinct name: SHA-1 and SHA-256 forms differ.
            put(
                corpus,
                "xml_signature",
                &format!("{name}.{}", bytes.len()),
                &bytes,
            )?;
        }
        if lower.ends_with(".cer") {
            put(corpus, "certificate", &name, &bytes)?;
        }
    }

    for (label, cert) in [
        ("root", &pki.root),
        ("intermediate", &pki.intermediate),
        ("leaf", &pki.leaf),
    ] {
        put(corpus, "certificate", &format!("{label}.der"), cert.der())?;
        put(
            corpus,
            "certificate",
            &format!("{label}.pem"),
            cert.to_pem().as_bytes(),
        )?;
    }
    put(
        corpus,
        "certificate",
        "chain.pem",
        pki.chain_pem().as_bytes(),
    )?;

    for (name, bytes) in pqx_core::sample::FILES {
        if name.ends_with(".pq") || name.ends_with(".pqm") {
            put(corpus, "lint", name, bytes)?;
        }
    }

    std::fs::create_dir_all(work)?;
    std::fs::write(work.join("leaf-key.pem"), pki.leaf_key_pkcs8_pem())?;
    std::fs::write(work.join("chain.pem"), pki.chain_pem())?;
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [corpus, work] = args.as_slice() else {
        eprintln!("usage: pqx-fuzz-seed <corpus-dir> <work-dir>");
        return ExitCode::from(2);
    };
    match run(corpus, work) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pqx-fuzz-seed: {e}");
            ExitCode::FAILURE
        }
    }
}
