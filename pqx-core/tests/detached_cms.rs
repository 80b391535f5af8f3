//! Detached CMS (`.p7s`) over a signed `.pqx`, both directions with the openssl CLI.

mod support;

use pqx_core::cms::detached::{sign_detached_file, verify_detached_file, MAX_P7S_SIZE};
use pqx_core::cms::{sign_detached, verify_detached};
use pqx_core::digest::DigestAlgorithm;
use pqx_core::report::Report;
use pqx_core::sign::{sign_bytes, SignOptions};
use pqx_core::test_pki::TestPkiOptions;
use pqx_core::trust::TrustPolicy;
use pqx_core::verify::{SignatureStatus, VerifyOptions};
use pqx_core::ErrorKind;
use std::path::Path;
use std::process::{Command, Output};
use support::packages::pki;
use time::OffsetDateTime;

fn signed_pqx() -> Vec<u8> {
    let mez = pqx_core::sample::hello_world_mez().unwrap();
    let pqx = pqx_core::pack::pack_bytes(&mez, "HelloWorld.mez", &Default::default()).unwrap();
    sign_bytes(
        &pqx,
        "HelloWorld.pqx",
        &pki().signing_key(),
        &SignOptions::default(),
    )
    .unwrap()
    .output
}

fn run_openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command-line tool is needed for these tests")
}

fn trusting_root() -> VerifyOptions {
    let mut p = TrustPolicy::none();
    p.add_anchor(pki().root.clone());
    VerifyOptions::with_policy(p)
}

#[test]
fn openssl_cms_verify_accepts_what_pqx_writes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pqx = signed_pqx();
    std::fs::write(d.join("HelloWorld.pqx"), &pqx).unwrap();
    std::fs::write(d.join("root.pem"), pki().root.to_pem()).unwrap();
    for digest in [DigestAlgorithm::Sha256, DigestAlgorithm::Sha512] {
        let p7s = sign_detached(
            &pqx,
            &pki().signing_key(),
            digest,
            OffsetDateTime::now_utc(),
        )
        .unwrap();
        std::fs::write(d.join("HelloWorld.p7s"), &p7s).unwrap();
        // The command of the issue. OpenSSL judges the signer for S/MIME by default, which a
        // code-signing-only certificate is not, so `-purpose any` is needed with such a one.
        let out = run_openssl(
            d,
            &[
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-content",
                "HelloWorld.pqx",
                "-in",
                "HelloWorld.p7s",
                "-CAfile",
                "root.pem",
                "-purpose",
                "any",
                "-out",
                "/dev/null",
            ],
        );
        assert!(
            out.status.success(),
            "{digest}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains("Verification successful"));
        // And openssl refuses it for other content.
        std::fs::write(d.join("other.pqx"), b"not the package").unwrap();
        let out = run_openssl(
            d,
            &[
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-content",
                "other.pqx",
                "-in",
                "HelloWorld.p7s",
                "-CAfile",
                "root.pem",
                "-purpose",
                "any",
                "-out",
                "/dev/null",
            ],
        );
        assert!(!out.status.success());
        // pqx reads back its own.
        let v = verify_detached(&pqx, &p7s, "HelloWorld.p7s", &trusting_root()).unwrap();
        assert_eq!(v.status, SignatureStatus::Success, "{v:?}");
        assert!(v.is_trusted());
    }
}

#[test]
fn openssl_cms_verify_accepts_it_with_its_default_purpose_for_an_smime_capable_signer() {
    // The exact command of the issue (no -purpose) with a signer whose EKU also allows
    // e-mail protection, which OpenSSL's default (S/MIME signing) purpose wants.
    let opts = TestPkiOptions {
        leaf_key: Some(pki().leaf_key.clone()),
        leaf_other_eku: vec![const_oid::db::rfc5280::ID_KP_EMAIL_PROTECTION],
        ..TestPkiOptions::default()
    };
    let (cert, key) = pki().issue_leaf(&opts).unwrap();
    let signing_key = pqx_core::keys::SigningKey::from_parts(
        key,
        vec![cert, pki().intermediate.clone(), pki().root.clone()],
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pqx = signed_pqx();
    let p7s = sign_detached(
        &pqx,
        &signing_key,
        DigestAlgorithm::Sha256,
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    std::fs::write(d.join("FILE.pqx"), &pqx).unwrap();
    std::fs::write(d.join("OUT.p7s"), &p7s).unwrap();
    std::fs::write(d.join("root.pem"), pki().root.to_pem()).unwrap();
    let out = run_openssl(
        d,
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-content",
            "FILE.pqx",
            "-in",
            "OUT.p7s",
            "-CAfile",
            "root.pem",
            "-out",
            "/dev/null",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn pqx_verifies_what_openssl_cms_sign_cades_writes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pqx = signed_pqx();
    std::fs::write(d.join("x.pqx"), &pqx).unwrap();
    std::fs::write(d.join("leaf.key"), pki().leaf_key_pkcs8_pem()).unwrap();
    std::fs::write(d.join("leaf.pem"), pki().leaf.to_pem()).unwrap();
    std::fs::write(d.join("inter.pem"), pki().intermediate.to_pem()).unwrap();
    let out = run_openssl(
        d,
        &[
            "cms",
            "-sign",
            "-cades",
            "-binary",
            "-outform",
            "DER",
            "-nosmimecap",
            "-in",
            "x.pqx",
            "-signer",
            "leaf.pem",
            "-inkey",
            "leaf.key",
            "-certfile",
            "inter.pem",
            "-out",
            "x.p7s",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let p7s = std::fs::read(d.join("x.p7s")).unwrap();

    let v = verify_detached(&pqx, &p7s, "x.p7s", &trusting_root()).unwrap();
    assert_eq!(v.status, SignatureStatus::Success, "{v:?}");
    assert!(v.is_trusted());
    let report = Report::from_verification(&v);
    assert_eq!(report.signature_status, "Success");
    assert_eq!(report.signatures[0].part, "/x.p7s");
    assert_eq!(
        report.certificate_status[0].thumbprint,
        pki().leaf.thumbprint_sha1()
    );
    assert!(report.signatures[0].signing_time.is_some());

    // Untrusted root: still a valid signature, reported like MakePQX does.
    let v = verify_detached(&pqx, &p7s, "x.p7s", &VerifyOptions::default()).unwrap();
    assert_eq!(v.status, SignatureStatus::Success);
    assert!(!v.is_trusted());

    // One changed byte of the package: InvalidSignature.
    let mut changed = pqx.clone();
    let mid = changed.len() / 2;
    changed[mid] ^= 1;
    let v = verify_detached(&changed, &p7s, "x.p7s", &trusting_root()).unwrap();
    assert_eq!(v.status, SignatureStatus::InvalidSignature, "{v:?}");

    // A signature that encapsulates its content is not a detached one.
    let out = run_openssl(
        d,
        &[
            "cms",
            "-sign",
            "-nodetach",
            "-binary",
            "-outform",
            "DER",
            "-in",
            "x.pqx",
            "-signer",
            "leaf.pem",
            "-inkey",
            "leaf.key",
            "-out",
            "attached.p7s",
        ],
    );
    assert!(out.status.success());
    let attached = std::fs::read(d.join("attached.p7s")).unwrap();
    let v = verify_detached(&pqx, &attached, "attached.p7s", &trusting_root()).unwrap();
    assert_eq!(v.status, SignatureStatus::MalformedSignature, "{v:?}");

    // Garbage is malformed, not a panic.
    let v = verify_detached(&pqx, b"\x30\x03\x02\x01\x01", "bad.p7s", &trusting_root()).unwrap();
    assert_eq!(v.status, SignatureStatus::MalformedSignature);
}

#[test]
fn a_revoked_detached_signer_is_invalid_and_an_expired_one_too() {
    let pqx = signed_pqx();
    let p7s = sign_detached(
        &pqx,
        &pki().signing_key(),
        DigestAlgorithm::Sha256,
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    let mut opts = trusting_root();
    opts.policy.revoke(&pki().leaf.thumbprint_sha256()).unwrap();
    let v = verify_detached(&pqx, &p7s, "x.p7s", &opts).unwrap();
    assert_eq!(v.status, SignatureStatus::InvalidCertificate, "{v:?}");

    let later = trusting_root().at(pki().leaf.not_after() + time::Duration::days(1));
    let v = verify_detached(&pqx, &p7s, "x.p7s", &later).unwrap();
    assert_eq!(v.status, SignatureStatus::InvalidCertificate, "{v:?}");
}

#[test]
fn a_huge_p7s_is_refused_before_it_is_read() {
    // 3 GiB, sparse: it costs no disk, and reading it would cost 3 GiB of memory.
    let dir = tempfile::tempdir().unwrap();
    let pqx = dir.path().join("x.pqx");
    std::fs::write(&pqx, signed_pqx()).unwrap();
    let p7s = dir.path().join("huge.p7s");
    std::fs::File::create(&p7s)
        .unwrap()
        .set_len(3 << 30)
        .unwrap();
    let e = verify_detached_file(&pqx, &p7s, &trusting_root()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    let m = e.to_string();
    assert!(m.contains("huge.p7s"), "{m}");
    assert!(m.contains(&format!("limit {MAX_P7S_SIZE}")), "{m}");
    assert!(m.contains(&(3u64 << 30).to_string()), "{m}");
}

#[test]
fn detached_files_are_signed_and_verified_by_streaming_the_package() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pqx = d.join("HelloWorld.pqx");
    std::fs::write(&pqx, signed_pqx()).unwrap();
    let p7s = d.join("HelloWorld.p7s");
    for digest in [DigestAlgorithm::Sha256, DigestAlgorithm::Sha384] {
        sign_detached_file(&pqx, &p7s, &pki().signing_key(), digest, None).unwrap();
        let v = verify_detached_file(&pqx, &p7s, &trusting_root()).unwrap();
        assert_eq!(v.status, SignatureStatus::Success, "{v:?}");
        assert_eq!(v.signatures[0].digest, Some(digest));
        assert_eq!(v.signatures[0].part.to_string(), "/HelloWorld.p7s");
    }
    // The streamed digest is the real one: openssl agrees.
    std::fs::write(d.join("root.pem"), pki().root.to_pem()).unwrap();
    let out = run_openssl(
        d,
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            "HelloWorld.p7s",
            "-content",
            "HelloWorld.pqx",
            "-CAfile",
            "root.pem",
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // One changed byte of the package on disk: InvalidSignature.
    let mut changed = std::fs::read(&pqx).unwrap();
    let mid = changed.len() / 2;
    changed[mid] ^= 1;
    std::fs::write(&pqx, &changed).unwrap();
    let v = verify_detached_file(&pqx, &p7s, &trusting_root()).unwrap();
    assert_eq!(v.status, SignatureStatus::InvalidSignature, "{v:?}");

    // A package that cannot be read is an error naming it, not a verdict.
    let e = verify_detached_file(&d.join("missing.pqx"), &p7s, &trusting_root()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    assert!(e.to_string().contains("missing.pqx"), "{e}");
}
