//! Signing copies each part while it digests it: stored parts stay stored with the same
//! bytes, deflated parts keep their compressed bytes (no re-compression), the digests are
//! the parts' real SHA-256 (computed here independently), and a part that fails its CRC
//! stops the signing with an error naming it.

mod support;
use base64::Engine as _;
use pqx_core::limits::Limits;
use pqx_core::opc::Package;
use pqx_core::sign::{sign_package, SignOptions};
use pqx_core::verify::SignatureStatus;
use sha2::{Digest, Sha256};
use std::io::{Cursor, Read};
use support::packages::{pki, signature_entry, verify};
use support::rawzip::{RawEntry, RawZip};

const CONTENT_TYPES: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="pq" ContentType="application/octet-stream"/><Default Extension="bin" ContentType="application/octet-stream"/></Types>"#;
const SECTION: &[u8] = b"section HelloWorld; shared A = 1;";

/// Bytes that do not compress, big enough (3 MiB) for the second-core hashing path.
fn payload() -> Vec<u8> {
    let mut x: u32 = 0x1234_5678;
    (0..3 * (1 << 20) + 17)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (x >> 24) as u8
        })
        .collect()
}

fn unsigned_package(big: RawEntry) -> Vec<u8> {
    RawZip::new(vec![
        RawEntry::stored("[Content_Types].xml", CONTENT_TYPES),
        RawEntry::deflated("HelloWorld.pq", SECTION),
        big,
    ])
    .build()
}

fn sign(pqx: &[u8]) -> pqx_core::Result<Vec<u8>> {
    let mut p = Package::open(Cursor::new(pqx), "one-pass.pqx", &Limits::default())?;
    let out = sign_package(
        &mut p,
        &pki().signing_key(),
        &SignOptions::default(),
        Cursor::new(Vec::new()),
    )?
    .output;
    Ok(out.into_inner())
}

/// (compression method, compressed bytes, uncompressed bytes) of `name` in `zip`.
fn entry(zip: &[u8], name: &str) -> (zip::CompressionMethod, Vec<u8>, Vec<u8>) {
    let mut a = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
    let index = a.index_for_name(name).unwrap();
    let mut raw = Vec::new();
    let method = {
        let mut f = a.by_index_raw(index).unwrap();
        f.read_to_end(&mut raw).unwrap();
        f.compression()
    };
    let mut plain = Vec::new();
    a.by_index(index).unwrap().read_to_end(&mut plain).unwrap();
    (method, raw, plain)
}

fn b64_sha256(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(data))
}

#[test]
fn stored_parts_stay_stored_and_deflated_parts_keep_their_compressed_bytes() {
    let big = payload();
    let input = unsigned_package(RawEntry::stored("big.bin", &big));
    let signed = sign(&input).unwrap();
    assert_eq!(verify(&signed).status, SignatureStatus::Success);

    let (method, raw, plain) = entry(&signed, "big.bin");
    assert_eq!(method, zip::CompressionMethod::Stored);
    assert_eq!(raw, big);
    assert_eq!(plain, big);

    let (in_method, in_raw, _) = entry(&input, "HelloWorld.pq");
    let (out_method, out_raw, out_plain) = entry(&signed, "HelloWorld.pq");
    assert_eq!((out_method, &out_raw), (in_method, &in_raw));
    assert_eq!(out_plain, SECTION);
}

#[test]
fn the_signature_holds_the_parts_real_digests() {
    let big = payload();
    let signed = sign(&unsigned_package(RawEntry::stored("big.bin", &big))).unwrap();
    let (_, _, xml) = entry(&signed, &signature_entry(&signed));
    let xml = String::from_utf8(xml).unwrap();
    for (part, bytes) in [("/big.bin", &big[..]), ("/HelloWorld.pq", SECTION)] {
        let reference = xml
            .split("<Reference ")
            .find(|r| r.starts_with(&format!("URI=\"{part}?")))
            .unwrap_or_else(|| panic!("no reference to {part} in {xml}"));
        assert!(
            reference.contains(&format!("<DigestValue>{}</DigestValue>", b64_sha256(bytes))),
            "wrong digest for {part}: {reference}"
        );
    }
}

#[test]
fn a_stored_part_that_fails_its_crc_stops_signing_and_is_named() {
    let big = payload();
    let mut bad = RawEntry::stored("big.bin", &big);
    bad.crc ^= 1;
    let err = sign(&unsigned_package(bad)).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("big.bin"), "{msg}");
    assert!(msg.to_lowercase().contains("checksum"), "{msg}");
}
