//! Verification of RFC 3161-timestamped packages: dates from the token (genTime, fractional
//! seconds, years 0000–9999), the TSA's certificate and chain, and the evaluation time they
//! may move must never panic.
//!
//! Input starting with `PK` is a package: `verify_bytes` with default options, then the
//! MakePQX-shaped report (which formats every date). Anything else is a token:
//! `parse_token`, `check_token` over a fixed SignatureValue, and the report of a package
//! whose signature carries it (`add_timestamp` into a package signed once per process).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pqx_core::archive::{ArchiveReader, ArchiveWriter};
use pqx_core::cms::timestamp::{check_token, parse_token};
use pqx_core::limits::Limits;
use pqx_core::policy::CertificatePolicy;
use pqx_core::report::Report;
use pqx_core::sign::{sign_bytes, SignOptions};
use pqx_core::signature::build::add_timestamp;
use pqx_core::signature::parse::parse_signature;
use pqx_core::test_pki::{TestPki, TestPkiOptions};
use pqx_core::trust::TrustPolicy;
use pqx_core::verify::{verify_bytes, VerifyOptions};
use std::io::Cursor;
use std::sync::OnceLock;
use std::time::Duration;

/// A signed package, taken apart: where a fuzzed token goes.
struct Base {
    entries: Vec<(String, Vec<u8>)>,
    signature_part: usize,
    signature_value: Vec<u8>,
}

/// A package signed by a fresh test PKI. 2048-bit keys: the chain's CAs must have them (path
/// validation refuses smaller RSA CA keys), and making three of them is most of a second.
fn sign_a_package() -> Vec<u8> {
    let mez = pqx_core::sample::hello_world_mez().expect("sample");
    let packed =
        pqx_core::pack::pack_bytes(&mez, "HelloWorld.mez", &Default::default()).expect("pack");
    let pki = TestPki::generate(&TestPkiOptions::default()).expect("pki");
    sign_bytes(
        &packed,
        "base.pqx",
        &pki.signing_key(),
        &SignOptions::default(),
    )
    .expect("sign")
    .output
}

/// The signed package, shared by every process of a run through a file in the temporary
/// folder (renewed daily, so that its certificates stay valid): fork mode (`fuzz/long.sh`)
/// starts a process per job, and making the PKI in each took most of the run's time.
fn signed_package() -> Vec<u8> {
    const DAY: Duration = Duration::from_secs(24 * 60 * 60);
    let cache = std::env::temp_dir().join("pqx-fuzz-verify-timestamped-base.pqx");
    let fresh = std::fs::metadata(&cache)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age < DAY);
    if fresh {
        if let Ok(bytes) = std::fs::read(&cache) {
            if verify_bytes(&bytes, "cache", options()).is_ok_and(|v| v.is_valid()) {
                return bytes;
            }
        }
    }
    let bytes = sign_a_package();
    // Written whole, then renamed: a process starting meanwhile never reads half a file.
    let part = cache.with_extension(format!("{}.tmp", std::process::id()));
    if std::fs::write(&part, &bytes).is_ok() && std::fs::rename(&part, &cache).is_err() {
        let _ = std::fs::remove_file(&part);
    }
    bytes
}

fn base() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| {
        let limits = Limits::default();
        // Made once, in libFuzzer's `init`, outside the per-input timeout.
        let signed = signed_package();
        let mut archive =
            ArchiveReader::open(Cursor::new(&signed), "base", &limits).expect("archive");
        let list = archive.entries().to_vec();
        let entries: Vec<(String, Vec<u8>)> = list
            .iter()
            .map(|e| (e.name.clone(), archive.read(e, 1 << 24).expect("entry")))
            .collect();
        let signature_part = entries
            .iter()
            .position(|(n, _)| n.ends_with(".psdsxs"))
            .expect("signature part");
        let signature_value = parse_signature(&entries[signature_part].1, "base", &limits)
            .expect("signature")
            .signature_value;
        Base {
            entries,
            signature_part,
            signature_value,
        }
    })
}

/// The default verification options (made once).
fn options() -> &'static VerifyOptions {
    static OPTIONS: OnceLock<VerifyOptions> = OnceLock::new();
    OPTIONS.get_or_init(VerifyOptions::default)
}

fn report(bytes: &[u8]) {
    if let Ok(v) = verify_bytes(bytes, "fuzz", options()) {
        let r = Report::from_verification(&v);
        let _ = r.to_json();
        let _ = r.to_text();
        let _ = v.is_trusted();
    }
}

fuzz_target!(
    // Built before the first input, outside libFuzzer's per-input timeout.
    init: {
        base();
    },
    |data: &[u8]| {
    if data.starts_with(b"PK") {
        report(data);
        return;
    }
    let _ = parse_token(data).map(|info| format!("{info:?}"));
    let b = base();
    let check = check_token(
        data,
        &b.signature_value,
        &CertificatePolicy::time_stamping(),
        &TrustPolicy::default(),
    );
    let _ = format!("{check:?}");
    let limits = Limits::default();
    let Ok(xml) = add_timestamp(&b.entries[b.signature_part].1, data, &limits) else {
        return;
    };
    let mut w = ArchiveWriter::new(Cursor::new(Vec::new()));
    for (i, (name, bytes)) in b.entries.iter().enumerate() {
        let body = if i == b.signature_part { &xml } else { bytes };
        if w.add(name, body).is_err() {
            return;
        }
    }
    let Ok(out) = w.finish() else { return };
    report(&out.into_inner());
});
