//! Host digests (`pqx_core::host_digest`): the plan names exactly the large stored parts the
//! signatures reference, a host's digests of those ranges replace pqx's own hashing, and a
//! digest for any other range, or a wrong one, can never make a package verify.

mod support;

use pqx_core::archive::{ArchiveWriter, ByteRange};
use pqx_core::digest::DigestAlgorithm;
use pqx_core::host_digest::{digest_plan, HostDigests, MIN_HOST_DIGEST_LEN};
use pqx_core::limits::Limits;
use pqx_core::pack::pack_bytes;
use pqx_core::sign::{sign_bytes, SignOptions};
use pqx_core::verify::{verify_bytes, SignatureStatus, VerifyOptions};
use std::io::Cursor;
use support::packages::{packed, pki, signed};

/// `len` bytes deflate cannot shrink, so `pack` stores them.
fn noise(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// The sample connector plus a 1 MiB stored payload, packed and signed (SHA-256).
fn signed_with_payload() -> Vec<u8> {
    let mut w = ArchiveWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in pqx_core::sample::FILES {
        w.add(name, bytes).unwrap();
    }
    w.add("data/payload.bin", &noise(1 << 20)).unwrap();
    let mez = w.finish().unwrap().into_inner();
    let packed = pack_bytes(&mez, "Payload.mez", &Default::default()).unwrap();
    sign_bytes(
        &packed,
        "payload.pqx",
        &pki().signing_key(),
        &SignOptions::default(),
    )
    .unwrap()
    .output
}

fn options_with(host: HostDigests) -> VerifyOptions {
    let mut options = VerifyOptions::default();
    options.host_digests = host;
    options
}

fn status(pqx: &[u8], host: HostDigests) -> SignatureStatus {
    verify_bytes(pqx, "payload.pqx", &options_with(host))
        .unwrap()
        .status
}

#[test]
fn the_plan_names_the_large_stored_part_and_its_exact_bytes() {
    let pqx = signed_with_payload();
    let plan = digest_plan(&pqx, "payload.pqx", &Limits::default(), MIN_HOST_DIGEST_LEN).unwrap();
    assert_eq!(plan.len(), 1, "{plan:?}");
    let request = &plan[0];
    assert_eq!(request.part, "/data/payload.bin");
    assert_eq!(request.algorithms, vec![DigestAlgorithm::Sha256]);
    let (start, len) = (request.range.offset as usize, request.range.len as usize);
    assert_eq!(&pqx[start..start + len], &noise(1 << 20)[..]);
}

#[test]
fn small_or_unsigned_packages_plan_nothing() {
    let plan = |pqx: &[u8], min_len| digest_plan(pqx, "x.pqx", &Limits::default(), min_len);
    assert!(plan(&signed(), MIN_HOST_DIGEST_LEN).unwrap().is_empty());
    assert!(plan(&packed(), 1).unwrap().is_empty(), "nothing is signed");
    // With no threshold the payload's plan also holds the small stored parts, and every
    // planned range is exactly a stored part's bytes: host digests of them all verify.
    let pqx = signed_with_payload();
    let all = plan(&pqx, 1).unwrap();
    assert!(all.len() >= plan(&pqx, MIN_HOST_DIGEST_LEN).unwrap().len());
    let mut host = HostDigests::new();
    for r in &all {
        let bytes = &pqx[r.range.offset as usize..(r.range.offset + r.range.len) as usize];
        host.insert(
            r.range,
            DigestAlgorithm::Sha256,
            DigestAlgorithm::Sha256.digest(bytes),
        )
        .unwrap();
    }
    assert_eq!(status(&pqx, host), SignatureStatus::Success);
}

#[test]
fn the_hosts_correct_digests_verify_as_pqxs_own_hashing_does() {
    let pqx = signed_with_payload();
    let mut host = HostDigests::new();
    for r in digest_plan(&pqx, "payload.pqx", &Limits::default(), MIN_HOST_DIGEST_LEN).unwrap() {
        let bytes = &pqx[r.range.offset as usize..(r.range.offset + r.range.len) as usize];
        for a in r.algorithms {
            host.insert(r.range, a, a.digest(bytes)).unwrap();
        }
    }
    assert_eq!(status(&pqx, HostDigests::new()), SignatureStatus::Success);
    assert_eq!(status(&pqx, host), SignatureStatus::Success);
}

#[test]
fn a_wrong_host_digest_fails_the_signature_so_it_was_used() {
    let pqx = signed_with_payload();
    let plan = digest_plan(&pqx, "payload.pqx", &Limits::default(), MIN_HOST_DIGEST_LEN).unwrap();
    let mut host = HostDigests::new();
    host.insert(plan[0].range, DigestAlgorithm::Sha256, vec![0; 32])
        .unwrap();
    let v = verify_bytes(&pqx, "payload.pqx", &options_with(host)).unwrap();
    assert_eq!(v.status, SignatureStatus::InvalidSignature);
    assert!(
        v.signatures[0]
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("/data/payload.bin was changed after signing"),
        "{:?}",
        v.signatures[0].reason
    );
}

#[test]
fn a_digest_of_another_range_is_never_used() {
    let pqx = signed_with_payload();
    let plan = digest_plan(&pqx, "payload.pqx", &Limits::default(), MIN_HOST_DIGEST_LEN).unwrap();
    let r = plan[0].range;
    let mut host = HostDigests::new();
    // Off by one at either end: the wrong digest must be ignored, not trusted.
    for range in [
        ByteRange {
            offset: r.offset + 1,
            len: r.len,
        },
        ByteRange {
            offset: r.offset,
            len: r.len - 1,
        },
        ByteRange {
            offset: 0,
            len: pqx.len() as u64,
        },
    ] {
        host.insert(range, DigestAlgorithm::Sha256, vec![0; 32])
            .unwrap();
    }
    assert_eq!(status(&pqx, host), SignatureStatus::Success);
}

#[test]
fn host_digests_do_not_hide_a_changed_part() {
    // The host hashes the original bytes, the package it passes is tampered: the host's
    // digest matches the signature, but the CRC-32 pass over the real bytes still refuses it.
    let pqx = signed_with_payload();
    let plan = digest_plan(&pqx, "payload.pqx", &Limits::default(), MIN_HOST_DIGEST_LEN).unwrap();
    let r = plan[0].range;
    let original = &pqx[r.offset as usize..(r.offset + r.len) as usize];
    let mut host = HostDigests::new();
    host.insert(
        r,
        DigestAlgorithm::Sha256,
        DigestAlgorithm::Sha256.digest(original),
    )
    .unwrap();
    let mut tampered = pqx.clone();
    tampered[r.offset as usize + 100] ^= 1;
    let outcome = verify_bytes(&tampered, "payload.pqx", &options_with(host));
    assert!(
        outcome.is_err() || outcome.as_ref().unwrap().status != SignatureStatus::Success,
        "{outcome:?}"
    );
}
