//! Writes the packages the JavaScript tests of pqx-wasm and the web page verify.
//!
//! ```text
//! cargo run -p pqx-wasm --example make_fixtures -- <out-dir> [large-MiB]
//! ```
//!
//! Produces, from the built-in HelloWorld sample and a fresh throwaway test PKI:
//! `unsigned.pqx`, `signed.pqx`, `countersigned.pqx` (signed, then countersigned by a second
//! signer), `tampered.pqx` (signed, then one byte of `HelloWorld.pq` flipped),
//! `not-a-package.pqx` (random bytes), `root.pem`, `HelloWorld.mez`, optionally `large.pqx`
//! (the sample plus `large-MiB` MiB of incompressible data, signed) for throughput
//! measurements, and `fixtures.json` naming the thumbprints the tests expect.
//! Nothing here is committed: the tests generate it.

use pqx_core::keys::SigningKey;
use pqx_core::pack::pack_bytes;
use pqx_core::sample::hello_world_mez;
use pqx_core::sign::{sign_bytes, SignOptions};
use pqx_core::test_pki::{TestPki, TestPkiOptions};
use std::io::{Cursor, Read, Write};
use std::path::Path;
use zip::write::SimpleFileOptions;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> Res<()> {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .ok_or("usage: make_fixtures <out-dir> [large-MiB]")?;
    let large_mib: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(0);
    let out = Path::new(&out);
    std::fs::create_dir_all(out)?;

    let pki = TestPki::generate(&TestPkiOptions::default())?;
    let counter_opts = TestPkiOptions {
        leaf_common_name: "pqx Test Countersigner".to_owned(),
        leaf_key: Some(pki.leaf_key.clone()),
        ..TestPkiOptions::default()
    };
    let (counter_leaf, counter_key) = pki.issue_leaf(&counter_opts)?;
    let counter_signer = SigningKey::from_parts(
        counter_key,
        vec![
            counter_leaf.clone(),
            pki.intermediate.clone(),
            pki.root.clone(),
        ],
    )?;

    let mez = hello_world_mez()?;
    let unsigned = pack_bytes(&mez, "HelloWorld.mez", &Default::default())?;
    let signed = sign_bytes(
        &unsigned,
        "unsigned.pqx",
        &pki.signing_key(),
        &SignOptions::default(),
    )?
    .output;
    let countersigned = sign_bytes(
        &signed,
        "signed.pqx",
        &counter_signer,
        &SignOptions::default(),
    )?
    .output;
    let tampered = flip_byte_in(&signed, "HelloWorld.pq")?;

    std::fs::write(out.join("HelloWorld.mez"), &mez)?;
    std::fs::write(out.join("unsigned.pqx"), &unsigned)?;
    std::fs::write(out.join("signed.pqx"), &signed)?;
    std::fs::write(out.join("countersigned.pqx"), &countersigned)?;
    std::fs::write(out.join("tampered.pqx"), &tampered)?;
    std::fs::write(
        out.join("not-a-package.pqx"),
        b"PK\x03\x04 this is not a zip archive",
    )?;
    std::fs::write(out.join("root.pem"), pki.root.to_pem())?;

    let large = if large_mib > 0 {
        let mez = large_mez(large_mib)?;
        let pqx = pack_bytes(&mez, "Large.mez", &Default::default())?;
        let pqx = sign_bytes(
            &pqx,
            "large.pqx",
            &pki.signing_key(),
            &SignOptions::default(),
        )?
        .output;
        std::fs::write(out.join("large.pqx"), &pqx)?;
        Some(pqx.len())
    } else {
        None
    };

    let manifest = serde_json::json!({
        "leafThumbprint": pki.leaf.thumbprint_sha1(),
        "leafThumbprintSha256": pki.leaf.thumbprint_sha256(),
        "leafSubject": pki.leaf.subject(),
        "intermediateSubject": pki.intermediate.subject(),
        "rootThumbprint": pki.root.thumbprint_sha1(),
        "rootSubject": pki.root.subject(),
        "countersignerThumbprint": counter_leaf.thumbprint_sha1(),
        "countersignerSubject": counter_leaf.subject(),
        "largeBytes": large,
    });
    std::fs::write(
        out.join("fixtures.json"),
        serde_json::to_string_pretty(&manifest)?,
    )?;
    println!("fixtures written to {}", out.display());
    Ok(())
}

/// Rewrites the archive with one byte of `name` changed (every other entry copied raw), as
/// an attacker editing a signed connector would.
fn flip_byte_in(package: &[u8], name: &str) -> Res<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(package))?;
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let file = archive.by_index(i)?;
        let entry_name = file.name()?.into_owned();
        if entry_name == name {
            let mut data = Vec::new();
            file.take(u64::MAX).read_to_end(&mut data)?;
            let first = data.first_mut().ok_or("the part to tamper with is empty")?;
            *first ^= 0x20;
            writer.start_file(
                entry_name,
                SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated),
            )?;
            writer.write_all(&data)?;
        } else {
            writer.raw_copy_file(file)?;
        }
    }
    Ok(writer.finish()?.into_inner())
}

/// The sample connector plus `mib` MiB of pseudo-random (incompressible) data.
fn large_mez(mib: usize) -> Res<Vec<u8>> {
    let mut w = pqx_core::archive::ArchiveWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in pqx_core::sample::FILES {
        w.add(name, bytes)?;
    }
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut data = Vec::with_capacity(mib << 20);
    while data.len() < mib << 20 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        data.extend_from_slice(&state.to_le_bytes());
    }
    w.add("data/payload.bin", &data)?;
    Ok(w.finish()?.into_inner())
}
