//! Interop with the `openssl` command-line tool: keys, PKCS#12 files and certificates made by
//! OpenSSL load in pqx with the same thumbprints, names and serials; signatures made by pqx
//! verify in OpenSSL and the other way round; the test PKI's chain verifies in OpenSSL.
//!
//! Needs `openssl` (3.x) on PATH. Everything is generated in a temporary directory.

use pqx_core::certificate::Certificate;
use pqx_core::digest::DigestAlgorithm;
use pqx_core::keys::{verify_pkcs1v15, SigningKey};
use pqx_core::test_pki::{TestPki, TestPkiOptions};
use pqx_core::Error;
use std::path::Path;
use std::sync::OnceLock;

/// Runs `openssl args…` in `dir` (the shared test helper, which asserts success); returns
/// stdout.
fn openssl(dir: &Path, args: &[&str]) -> String {
    String::from_utf8_lossy(&pqx_test_support::tsa::openssl(dir, args).stdout).into_owned()
}

/// Like [`openssl`] but returns stderr (where `pkcs12 -info` reports algorithms).
fn openssl_stderr(dir: &Path, args: &[&str]) -> String {
    String::from_utf8_lossy(&pqx_test_support::tsa::openssl(dir, args).stderr).into_owned()
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap()
}

fn cert(dir: &Path, name: &str) -> Certificate {
    Certificate::from_pem(&String::from_utf8(read(dir, name)).unwrap()).unwrap()
}

/// An OpenSSL-made PKI: root → intermediate → code-signing leaf, plus a PKCS#12 of each
/// flavour. Made once per test binary.
struct OpensslPki {
    dir: tempfile::TempDir,
}

fn openssl_pki() -> &'static OpensslPki {
    static PKI: OnceLock<OpensslPki> = OnceLock::new();
    PKI.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(
            d.join("ext.cnf"),
            "[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n\
             [leaf]\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n",
        )
        .unwrap();
        openssl(d, &[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "root.key", "-out", "root.pem",
            "-days", "30", "-subj", "/C=US/O=pqx test/CN=pqx OpenSSL Test Root",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        openssl(d, &["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "inter.key", "-out", "inter.csr",
            "-subj", "/C=US/O=pqx test/CN=pqx OpenSSL Test Intermediate"]);
        openssl(d, &["x509", "-req", "-in", "inter.csr", "-CA", "root.pem", "-CAkey", "root.key",
            "-set_serial", "0x1234", "-days", "30", "-extfile", "ext.cnf", "-extensions", "ca", "-out", "inter.pem"]);
        openssl(d, &["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr",
            "-subj", "/C=US/O=Contoso/CN=Colin Popell"]);
        // A serial whose first byte has the high bit set: DER adds a 00 byte, .NET shows it.
        openssl(d, &["x509", "-req", "-in", "leaf.csr", "-CA", "inter.pem", "-CAkey", "inter.key",
            "-set_serial", "0x8123456789", "-days", "30", "-extfile", "ext.cnf", "-extensions", "leaf",
            "-out", "leaf.pem"]);
        // Chain file deliberately root first: pqx must order it leaf→root.
        let mut extra = read(d, "root.pem");
        extra.extend(read(d, "inter.pem"));
        std::fs::write(d.join("extra.pem"), extra).unwrap();
        openssl(d, &["pkcs12", "-export", "-inkey", "leaf.key", "-in", "leaf.pem", "-certfile", "extra.pem",
            "-passout", "pass:s3cret", "-out", "default.pfx"]);
        openssl(d, &["pkcs12", "-export", "-legacy", "-inkey", "leaf.key", "-in", "leaf.pem", "-certfile",
            "extra.pem", "-passout", "pass:s3cret", "-out", "legacy.pfx"]);
        OpensslPki { dir }
    })
}

fn expected_chain(d: &Path) -> Vec<Certificate> {
    vec![
        cert(d, "leaf.pem"),
        cert(d, "inter.pem"),
        cert(d, "root.pem"),
    ]
}

#[test]
fn pkcs12_openssl3_default_loads_with_its_chain_ordered() {
    let d = openssl_pki().dir.path();
    let key = SigningKey::from_pkcs12(&read(d, "default.pfx"), "s3cret", "default.pfx").unwrap();
    assert_eq!(key.chain(), expected_chain(d).as_slice());
    assert_eq!(key.certificate(), &cert(d, "leaf.pem"));
    assert_eq!(key.key_bits(), 2048);
}

#[test]
fn pkcs12_legacy_rc2_3des_loads_with_its_chain_ordered() {
    let d = openssl_pki().dir.path();
    // Make sure the file really is the legacy flavour (OpenSSL prints this on stderr).
    let info = openssl_stderr(
        d,
        &[
            "pkcs12",
            "-info",
            "-legacy",
            "-in",
            "legacy.pfx",
            "-passin",
            "pass:s3cret",
            "-noout",
        ],
    );
    assert!(info.contains("MAC: sha1") && info.contains("RC2"), "{info}");
    let info = openssl_stderr(
        d,
        &[
            "pkcs12",
            "-info",
            "-in",
            "default.pfx",
            "-passin",
            "pass:s3cret",
            "-noout",
        ],
    );
    assert!(
        info.contains("MAC: sha256") && info.contains("AES-256-CBC"),
        "{info}"
    );
    let key = SigningKey::from_pkcs12(&read(d, "legacy.pfx"), "s3cret", "legacy.pfx").unwrap();
    assert_eq!(key.chain(), expected_chain(d).as_slice());
}

/// `.pfx` files as Windows' `Export-PfxCertificate` writes them (what a Windows admin hands
/// over), emulated with OpenSSL's options since no Windows runs here: `-CryptoAlgorithmOption
/// TripleDES_SHA1` (3DES for the key and the certificates, a SHA-1 MAC, 2000 iterations) and
/// `AES256_SHA256` (PBES2 AES-256-CBC, a SHA-256 MAC), each with the attributes CryptoAPI adds:
/// the key's CSP name (1.3.6.1.4.1.311.17.1), the machine key set flag (…17.2) and a friendly
/// name. pqx loads both with the chain ordered, and signs with them.
#[test]
fn pkcs12_shaped_like_windows_export_pfxcertificate_loads_and_signs() {
    let d = openssl_pki().dir.path();
    for (file, pbe, mac, csp, shows) in [
        (
            "win-3des.pfx",
            "PBE-SHA1-3DES",
            "sha1",
            "Microsoft Enhanced Cryptographic Provider v1.0",
            "TripleDES",
        ),
        (
            "win-aes.pfx",
            "AES-256-CBC",
            "sha256",
            "Microsoft Software Key Storage Provider",
            "AES-256-CBC",
        ),
    ] {
        openssl(
            d,
            &[
                "pkcs12",
                "-export",
                "-inkey",
                "leaf.key",
                "-in",
                "leaf.pem",
                "-certfile",
                "extra.pem",
                "-keypbe",
                pbe,
                "-certpbe",
                pbe,
                "-macalg",
                mac,
                "-iter",
                "2000",
                "-CSP",
                csp,
                "-LMK",
                "-name",
                "Colin Popell code signing",
                "-passout",
                "pass:s3cret",
                "-out",
                file,
            ],
        );
        let info = openssl_stderr(
            d,
            &[
                "pkcs12",
                "-info",
                "-legacy",
                "-in",
                file,
                "-passin",
                "pass:s3cret",
                "-noout",
            ],
        );
        assert!(
            info.contains(&format!("MAC: {mac}")) && info.contains(shows),
            "{file}: {info}"
        );
        let bags = openssl(
            d,
            &[
                "pkcs12",
                "-in",
                file,
                "-passin",
                "pass:s3cret",
                "-nocerts",
                "-nodes",
            ],
        );
        assert!(
            bags.contains(&format!("Microsoft CSP Name: {csp}"))
                && bags.contains("Microsoft Local Key set"),
            "{file}: {bags}"
        );
        let key = SigningKey::from_pkcs12(&read(d, file), "s3cret", file).unwrap();
        assert_eq!(key.chain(), expected_chain(d).as_slice(), "{file}");
        let message = b"a connector";
        let signature = key
            .sign_digest(
                DigestAlgorithm::Sha256,
                &DigestAlgorithm::Sha256.digest(message),
            )
            .unwrap();
        let public = cert(d, "leaf.pem").rsa_public_key().unwrap();
        assert!(
            verify_pkcs1v15(&public, DigestAlgorithm::Sha256, message, &signature),
            "{file}"
        );
    }
}

#[test]
fn pkcs12_wrong_password_is_wrong_password_with_the_file_name() {
    let d = openssl_pki().dir.path();
    for file in ["default.pfx", "legacy.pfx"] {
        let err = SigningKey::from_pkcs12(&read(d, file), "not it", "name.pfx").unwrap_err();
        assert!(
            matches!(&err, Error::WrongPassword(n) if n == "name.pfx"),
            "{file}: {err:?}"
        );
    }
}

#[test]
fn pkcs12_garbage_is_a_key_error() {
    let err = SigningKey::from_pkcs12(b"not a pfx", "x", "junk.pfx").unwrap_err();
    assert!(matches!(err, Error::Key { .. }), "{err:?}");
}

#[test]
fn pkcs8_pem_plain_encrypted_and_pkcs1_load_with_the_signer_found_in_the_chain() {
    let d = openssl_pki().dir.path();
    openssl(
        d,
        &[
            "pkcs8",
            "-topk8",
            "-v2",
            "aes-256-cbc",
            "-in",
            "leaf.key",
            "-passout",
            "pass:pw",
            "-out",
            "enc.pem",
        ],
    );
    openssl(
        d,
        &[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-in",
            "leaf.key",
            "-out",
            "plain.pem",
        ],
    );
    openssl(
        d,
        &[
            "rsa",
            "-traditional",
            "-in",
            "leaf.key",
            "-out",
            "pkcs1.pem",
        ],
    );
    openssl(
        d,
        &[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-in",
            "leaf.key",
            "-outform",
            "DER",
            "-out",
            "plain.der",
        ],
    );
    // Signer not first in the chain file.
    let mut chain = read(d, "extra.pem");
    chain.extend(read(d, "leaf.pem"));
    let want = expected_chain(d);

    let enc =
        SigningKey::from_pem_parts(&read(d, "enc.pem"), Some("pw"), &chain, "enc.pem").unwrap();
    assert_eq!(enc.chain(), want.as_slice());
    for file in ["plain.pem", "pkcs1.pem", "plain.der"] {
        let k = SigningKey::from_pem_parts(&read(d, file), None, &chain, file).unwrap();
        assert_eq!(k.chain(), want.as_slice(), "{file}");
    }

    let err = SigningKey::from_pem_parts(&read(d, "enc.pem"), Some("nope"), &chain, "enc.pem")
        .unwrap_err();
    assert!(
        matches!(&err, Error::WrongPassword(n) if n == "enc.pem"),
        "{err:?}"
    );
    let err = SigningKey::from_pem_parts(&read(d, "enc.pem"), None, &chain, "enc.pem").unwrap_err();
    assert!(matches!(err, Error::Key { .. }), "{err:?}");
    // A chain without the key's certificate.
    let err = SigningKey::from_pem_parts(&read(d, "plain.pem"), None, &read(d, "extra.pem"), "k")
        .unwrap_err();
    assert!(matches!(err, Error::Key { .. }), "{err:?}");
}

#[test]
fn combined_key_and_chain_pem_loads_from_one_file() {
    let d = openssl_pki().dir.path();
    let mut combined = read(d, "leaf.key");
    combined.extend(read(d, "leaf.pem"));
    combined.extend(read(d, "inter.pem"));
    let k = SigningKey::from_pem_parts(&combined, None, b"", "combined.pem").unwrap();
    assert_eq!(k.chain().len(), 2);
    assert_eq!(k.certificate(), &cert(d, "leaf.pem"));
}

fn fingerprint(d: &Path, file: &str, alg: &str) -> String {
    let out = openssl(d, &["x509", "-noout", "-fingerprint", alg, "-in", file]);
    out.trim().split_once('=').unwrap().1.replace(':', "")
}

#[test]
fn thumbprints_match_openssl_fingerprints() {
    let d = openssl_pki().dir.path();
    for file in ["leaf.pem", "inter.pem", "root.pem"] {
        let c = cert(d, file);
        assert_eq!(c.thumbprint_sha1(), fingerprint(d, file, "-sha1"), "{file}");
        assert_eq!(
            c.thumbprint_sha256(),
            fingerprint(d, file, "-sha256"),
            "{file}"
        );
    }
}

#[test]
fn subject_issuer_and_serial_are_in_dotnet_form() {
    let d = openssl_pki().dir.path();
    let leaf = cert(d, "leaf.pem");
    assert_eq!(leaf.subject(), "CN=Colin Popell, O=Contoso, C=US");
    assert_eq!(
        leaf.issuer(),
        "CN=pqx OpenSSL Test Intermediate, O=pqx test, C=US"
    );
    // OpenSSL prints the value; .NET prints the DER bytes, leading 00 included.
    assert_eq!(
        openssl(d, &["x509", "-noout", "-serial", "-in", "leaf.pem"]).trim(),
        "serial=8123456789"
    );
    assert_eq!(leaf.serial_hex(), "008123456789");
    assert_eq!(cert(d, "inter.pem").serial_hex(), "1234");
    assert_eq!(leaf.allows_code_signing(), Some(true));
    assert!(!leaf.is_ca());
    assert!(cert(d, "inter.pem").is_ca());
    assert!(leaf.is_issued_by(&cert(d, "inter.pem")));
    assert!(cert(d, "root.pem").is_self_issued());
}

#[test]
fn validity_matches_openssl() {
    let d = openssl_pki().dir.path();
    let out = openssl(
        d,
        &[
            "x509", "-noout", "-enddate", "-dateopt", "iso_8601", "-in", "leaf.pem",
        ],
    );
    // "notAfter=2026-05-03 12:34:56Z"
    let iso = out
        .trim()
        .trim_start_matches("notAfter=")
        .replace(' ', "T")
        .replace('Z', "+00:00");
    assert_eq!(
        pqx_core::certificate::format_report_time(cert(d, "leaf.pem").not_after()),
        iso
    );
}

#[test]
fn pqx_signature_verifies_in_openssl_and_openssl_signature_in_pqx() {
    let d = openssl_pki().dir.path();
    let key = SigningKey::from_pkcs12(&read(d, "default.pfx"), "s3cret", "default.pfx").unwrap();
    let message = b"<SignedInfo>pqx interop</SignedInfo>";
    std::fs::write(d.join("msg.bin"), message).unwrap();
    openssl(
        d,
        &[
            "x509", "-in", "leaf.pem", "-pubkey", "-noout", "-out", "pub.pem",
        ],
    );
    for (alg, flag) in [
        (DigestAlgorithm::Sha256, "-sha256"),
        (DigestAlgorithm::Sha1, "-sha1"),
        (DigestAlgorithm::Sha512, "-sha512"),
    ] {
        let sig = key.sign_pkcs1v15(alg, message).unwrap();
        let sig_name = format!("sig-{}.bin", alg.name());
        std::fs::write(d.join(&sig_name), &sig).unwrap();
        let out = openssl(
            d,
            &[
                "dgst",
                flag,
                "-verify",
                "pub.pem",
                "-signature",
                &sig_name,
                "msg.bin",
            ],
        );
        assert_eq!(out.trim(), "Verified OK");
    }
    openssl(
        d,
        &[
            "dgst", "-sha256", "-sign", "leaf.key", "-out", "ossl.sig", "msg.bin",
        ],
    );
    let public = key.certificate().rsa_public_key().unwrap();
    let sig = read(d, "ossl.sig");
    assert!(verify_pkcs1v15(
        &public,
        DigestAlgorithm::Sha256,
        message,
        &sig
    ));
    assert!(!verify_pkcs1v15(
        &public,
        DigestAlgorithm::Sha256,
        b"tampered",
        &sig
    ));
    assert!(!verify_pkcs1v15(
        &public,
        DigestAlgorithm::Sha384,
        message,
        &sig
    ));
}

#[test]
fn test_pki_chain_verifies_in_openssl_with_code_signing_eku() {
    let pki = TestPki::generate(&TestPkiOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("root.pem"), pki.root.to_pem()).unwrap();
    std::fs::write(d.join("inter.pem"), pki.intermediate.to_pem()).unwrap();
    std::fs::write(d.join("leaf.pem"), pki.leaf.to_pem()).unwrap();
    std::fs::write(d.join("leaf.key"), pki.leaf_key_pkcs8_pem()).unwrap();
    let out = openssl(
        d,
        &[
            "verify",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "inter.pem",
            "leaf.pem",
        ],
    );
    assert_eq!(out.trim(), "leaf.pem: OK");
    let text = openssl(d, &["x509", "-text", "-noout", "-in", "leaf.pem"]);
    assert!(text.contains("Code Signing"), "{text}");
    assert!(text.contains("Digital Signature"), "{text}");
    assert!(text.contains("CA:FALSE"), "{text}");
    // The key PEM is a real PKCS#8 key for the leaf certificate.
    let key_mod = openssl(d, &["rsa", "-noout", "-modulus", "-in", "leaf.key"]);
    let cert_mod = openssl(d, &["x509", "-noout", "-modulus", "-in", "leaf.pem"]);
    assert_eq!(key_mod, cert_mod);
    // And the chain PEM loads back as a signing key.
    let k = SigningKey::from_pem_parts(
        pki.leaf_key_pkcs8_pem().as_bytes(),
        None,
        pki.chain_pem().as_bytes(),
        "t",
    )
    .unwrap();
    assert_eq!(k.chain().len(), 3);
}
