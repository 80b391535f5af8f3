//! Signing through the `Signer` trait with a signer that is not a `SigningKey`: the shape of a
//! KMS or a token, which only ever sees digests. The package verifies; a signer that answers
//! with a wrong signature is caught by the core before anything is written; the certificate
//! policy refuses a signer before it is asked to sign.

mod support;

use pqx_core::certificate::Certificate;
use pqx_core::cms::detached::{sign_detached, verify_detached};
use pqx_core::digest::DigestAlgorithm;
use pqx_core::error::{Error, Result};
use pqx_core::files::sign_file;
use pqx_core::keys::Signer;
use pqx_core::sign::SignOptions;
use pqx_core::test_pki::TestPkiOptions;
use pqx_core::verify::{verify_bytes, SignatureStatus, VerifyOptions};
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use std::sync::atomic::{AtomicUsize, Ordering};
use support::packages::pki;
use time::OffsetDateTime;

/// What a remote signer looks like from pqx: a chain, and a key pqx never touches that signs
/// SHA-256 digests (here the test PKI's key, used directly through `rsa`).
struct DigestOnlySigner {
    key: RsaPrivateKey,
    chain: Vec<Certificate>,
    corrupt: bool,
    calls: AtomicUsize,
}

impl DigestOnlySigner {
    fn new(key: RsaPrivateKey, chain: Vec<Certificate>, corrupt: bool) -> Self {
        DigestOnlySigner {
            key,
            chain,
            corrupt,
            calls: AtomicUsize::new(0),
        }
    }
}

impl Signer for DigestOnlySigner {
    fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    fn key_bits(&self) -> usize {
        self.key.n().bits()
    }

    fn sign_digest(&self, alg: DigestAlgorithm, digest: &[u8]) -> Result<Vec<u8>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if alg != DigestAlgorithm::Sha256 {
            return Err(Error::Signer(format!("this signer does {alg}? no")));
        }
        let mut sig = self
            .key
            .sign(Pkcs1v15Sign::new::<sha2::Sha256>(), digest)
            .map_err(|e| Error::Signer(e.to_string()))?;
        if self.corrupt {
            if let Some(b) = sig.first_mut() {
                *b ^= 0x40;
            }
        }
        Ok(sig)
    }
}

fn test_signer(corrupt: bool) -> DigestOnlySigner {
    let p = pki();
    DigestOnlySigner::new(
        p.leaf_key.clone(),
        vec![p.leaf.clone(), p.intermediate.clone()],
        corrupt,
    )
}

fn unsigned_file() -> (tempfile::TempDir, std::path::PathBuf, Vec<u8>) {
    let mez = pqx_core::sample::hello_world_mez().unwrap();
    let pqx = pqx_core::pack::pack_bytes(&mez, "HelloWorld.mez", &Default::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("HelloWorld.pqx");
    std::fs::write(&path, &pqx).unwrap();
    (dir, path, pqx)
}

#[test]
fn a_signer_that_only_signs_digests_makes_a_package_that_verifies() {
    let (_dir, path, _) = unsigned_file();
    let signer = test_signer(false);
    sign_file(&path, &path, &signer, &SignOptions::default()).unwrap();
    assert_eq!(signer.calls.load(Ordering::SeqCst), 1);
    let signed = std::fs::read(&path).unwrap();
    let v = verify_bytes(&signed, "HelloWorld.pqx", &VerifyOptions::default()).unwrap();
    assert_eq!(v.status, SignatureStatus::Success, "{v:?}");

    // The detached CMS signature goes through the same signer.
    let p7s = sign_detached(
        &signed,
        &signer,
        DigestAlgorithm::Sha256,
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    let d = verify_detached(&signed, &p7s, "x.p7s", &VerifyOptions::default()).unwrap();
    assert_eq!(d.status, SignatureStatus::Success, "{d:?}");
}

#[test]
fn refuses_a_signature_that_does_not_verify_and_leaves_the_input_untouched() {
    let (dir, path, before) = unsigned_file();
    let signer = test_signer(true);
    let err = sign_file(&path, &path, &signer, &SignOptions::default()).unwrap_err();
    assert!(
        matches!(&err, Error::Signer(m) if m.contains("does not verify with the certificate")),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file is left behind"
    );
}

#[test]
fn the_policy_refuses_a_signer_before_it_is_asked_to_sign() {
    let opts = TestPkiOptions {
        key_bits: 1024,
        ..TestPkiOptions::default()
    };
    let (cert, key) = pki().issue_leaf(&opts).unwrap();
    let signer = DigestOnlySigner::new(key, vec![cert, pki().intermediate.clone()], false);
    let (_dir, path, before) = unsigned_file();
    let err = sign_file(&path, &path, &signer, &SignOptions::default()).unwrap_err();
    assert!(matches!(err, Error::SigningPolicy(_)), "{err}");
    assert_eq!(signer.calls.load(Ordering::SeqCst), 0);
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_name_seed_and_a_fixed_time_make_signing_repeatable() {
    let mez = pqx_core::sample::hello_world_mez().unwrap();
    let pqx = pqx_core::pack::pack_bytes(&mez, "HelloWorld.mez", &Default::default()).unwrap();
    let key = pki().signing_key();
    let signature_part = |seed: &str| {
        let mut options = SignOptions::default()
            .time(OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap());
        options.name_seed = Some(seed.to_owned());
        let pqx_core::sign::Signed {
            output: signed,
            outcome,
            ..
        } = pqx_core::sign::sign_bytes(&pqx, "x.pqx", &key, &options).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(signed)).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(
            &mut zip
                .by_name(outcome.signature_part.as_str().trim_start_matches('/'))
                .unwrap(),
            &mut xml,
        )
        .unwrap();
        (outcome.signature_part, xml)
    };
    let (name_a, xml_a) = signature_part("seed-1");
    let (name_b, xml_b) = signature_part("seed-1");
    assert_eq!(name_a, name_b);
    assert_eq!(xml_a, xml_b, "same SignedInfo, same signature");
    let (name_c, xml_c) = signature_part("seed-2");
    assert_ne!(name_a, name_c);
    // The origin relationship's Id is signed: another seed, another SignedInfo.
    assert_ne!(xml_a, xml_c);
}
