//! Signed test packages and tools to take them apart and put them back together.

#![allow(dead_code)]

use base64::Engine as _;
use pqx_core::digest::DigestAlgorithm;
use pqx_core::keys::SigningKey;
use pqx_core::limits::Limits;
use pqx_core::sign::{sign_bytes, SignOptions};
use pqx_core::test_pki::{TestPki, TestPkiOptions};
use pqx_core::verify::{verify_bytes, Verification, VerifyOptions};
use std::io::{Cursor, Read, Write};
use std::sync::OnceLock;

/// One test PKI per test binary (key generation dominates test time).
pub fn pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| TestPki::generate(&TestPkiOptions::default()).expect("test PKI"))
}

/// The sample connector, packed.
pub fn packed() -> Vec<u8> {
    let mez = pqx_core::sample::hello_world_mez().unwrap();
    pqx_core::pack::pack_bytes(&mez, "HelloWorld.mez", &Default::default()).unwrap()
}

/// The sample connector, packed and signed by the test PKI's leaf.
pub fn signed() -> Vec<u8> {
    sign_bytes(
        &packed(),
        "x.pqx",
        &pki().signing_key(),
        &SignOptions::default(),
    )
    .unwrap()
    .output
}

/// What verification found unsigned, as the report prints it.
pub fn unsigned(v: &Verification) -> Vec<String> {
    v.unsigned.iter().map(ToString::to_string).collect()
}

pub fn verify(pqx: &[u8]) -> Verification {
    verify_bytes(pqx, "x.pqx", &VerifyOptions::default()).unwrap()
}

/// The entries of a ZIP as (name, bytes).
pub fn entries(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut a = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
    let mut out = Vec::new();
    for i in 0..a.len() {
        let mut f = a.by_index(i).unwrap();
        let mut b = Vec::new();
        f.read_to_end(&mut b).unwrap();
        out.push((f.name().unwrap().to_string(), b));
    }
    out
}

/// Writes entries back into a ZIP.
pub fn zip_of(entries: Vec<(String, Vec<u8>)>) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (n, b) in entries {
        w.start_file(n, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(&b).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Rewrites a ZIP through `edit`.
pub fn rewrite(zip: &[u8], edit: impl FnOnce(&mut Vec<(String, Vec<u8>)>)) -> Vec<u8> {
    let mut e = entries(zip);
    edit(&mut e);
    zip_of(e)
}

/// Replaces text in one entry.
pub fn replace_in(zip: &[u8], entry: &str, from: &str, to: &str) -> Vec<u8> {
    rewrite(zip, |es| {
        let (_, b) = es
            .iter_mut()
            .find(|(n, _)| n == entry)
            .unwrap_or_else(|| panic!("no entry {entry}"));
        let s = String::from_utf8(b.clone()).unwrap();
        assert!(s.contains(from), "{entry} does not contain {from:?}");
        *b = s.replacen(from, to, 1).into_bytes();
    })
}

/// Name of the (first) signature part's ZIP entry.
pub fn signature_entry(zip: &[u8]) -> String {
    entries(zip)
        .into_iter()
        .map(|(n, _)| n)
        .find(|n| n.ends_with(".psdsxs"))
        .unwrap()
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn between<'a>(s: &'a str, open: &str, close: &str) -> &'a str {
    let a = s.find(open).unwrap() + open.len();
    let b = a + s[a..].find(close).unwrap();
    &s[a..b]
}

/// Edits the signature XML with `edit`, then makes the SignedInfo consistent again (package
/// Object digest, SignatureValue by `key`) so that only the edit itself can make it fail.
pub fn edit_and_resign(
    zip: &[u8],
    key: &SigningKey,
    edit: impl FnOnce(String) -> String,
) -> Vec<u8> {
    let name = signature_entry(zip);
    rewrite(zip, |es| {
        let (_, b) = es.iter_mut().find(|(n, _)| *n == name).unwrap();
        let xml = edit(String::from_utf8(b.clone()).unwrap());
        *b = resign(&xml, key).into_bytes();
    })
}

/// Recomputes the package-object digest and the SignatureValue of signature XML written
/// the way pqx writes it (canonical, SHA-256 in SignedInfo).
pub fn resign(xml: &str, key: &SigningKey) -> String {
    let limits = Limits::default();
    let doc = pqx_core::xml::parse(xml, "sig", &limits).unwrap();
    let object = doc
        .descendants()
        .find(|n| n.has_tag_name("Object") && n.attribute("Id") == Some("idPackageObject"))
        .unwrap();
    let digest =
        b64(&DigestAlgorithm::Sha256.digest(pqx_core::xml::canonicalize(object).as_bytes()));
    let old_signed_info = between(xml, "<SignedInfo>", "</SignedInfo>").to_string();
    let old_digest = between(&old_signed_info, "<DigestValue>", "</DigestValue>").to_string();
    let new_signed_info = old_signed_info.replacen(&old_digest, &digest, 1);
    let xml = xml.replacen(&old_signed_info, &new_signed_info, 1);
    let doc = pqx_core::xml::parse(&xml, "sig", &limits).unwrap();
    let si = doc
        .descendants()
        .find(|n| n.has_tag_name("SignedInfo"))
        .unwrap();
    let sig = key
        .sign_pkcs1v15(
            DigestAlgorithm::Sha256,
            pqx_core::xml::canonicalize(si).as_bytes(),
        )
        .unwrap();
    let old_value = between(&xml, "<SignatureValue>", "</SignatureValue>").to_string();
    xml.replacen(&old_value, &b64(&sig), 1)
}

/// The KeyInfo element pqx writes for these certificates.
pub fn key_info(certs: &[&pqx_core::certificate::Certificate]) -> String {
    let mut s = String::from("<KeyInfo><X509Data>");
    for c in certs {
        s.push_str("<X509Certificate>");
        s.push_str(&b64(c.der()));
        s.push_str("</X509Certificate>");
    }
    s.push_str("</X509Data></KeyInfo>");
    s
}

/// Replaces the KeyInfo of signature XML.
pub fn with_key_info(xml: String, key_info: &str) -> String {
    let a = xml.find("<KeyInfo>").unwrap();
    let b = xml.find("</KeyInfo>").unwrap() + "</KeyInfo>".len();
    format!("{}{}{}", &xml[..a], key_info, &xml[b..])
}
