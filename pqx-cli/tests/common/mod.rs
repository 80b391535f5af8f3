//! Fixtures shared by the CLI tests: the `pqx` binary, a test PKI written to disk (PEM and
//! `.pfx` files made by the `openssl` command, AES and legacy), sample connectors.
//!
//! The PKI is made once per test binary (RSA key generation is the slow part) and its files
//! live in a temporary folder for the whole run.

#![allow(dead_code)]

use assert_cmd::Command;
use pqx_core::test_pki::{TestPki, TestPkiOptions};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The password of every test `.pfx`.
pub const PASSWORD: &str = "test-password";

/// A command running the `pqx` binary under test, with no password in its environment.
pub fn pqx() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pqx"));
    c.env_remove("PQX_PASSWORD").env("NO_COLOR", "1");
    c
}

/// The test PKI and its files.
pub struct Fixture {
    /// The PKI itself.
    pub pki: TestPki,
    /// Folder holding the files below.
    pub dir: tempfile::TempDir,
}

impl Fixture {
    /// Signer key, PKCS#8 PEM.
    pub fn key(&self) -> PathBuf {
        self.dir.path().join("key.pem")
    }
    /// Leaf, intermediate, root, PEM.
    pub fn chain(&self) -> PathBuf {
        self.dir.path().join("chain.pem")
    }
    /// The leaf certificate alone, PEM.
    pub fn leaf_pem(&self) -> PathBuf {
        self.dir.path().join("leaf.pem")
    }
    /// The leaf certificate alone, DER (as Windows exports `.cer`).
    pub fn leaf_der(&self) -> PathBuf {
        self.dir.path().join("leaf.cer")
    }
    /// The root certificate, PEM.
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("root.pem")
    }
    /// `.pfx` in OpenSSL 3's default (AES) format, password [`PASSWORD`].
    pub fn pfx(&self) -> PathBuf {
        self.dir.path().join("leaf.pfx")
    }
    /// `.pfx` in the legacy (RC2/3DES) format, password [`PASSWORD`].
    pub fn legacy_pfx(&self) -> PathBuf {
        self.dir.path().join("leaf-legacy.pfx")
    }
    /// The signer's SHA-1 thumbprint.
    pub fn thumbprint(&self) -> String {
        self.pki.leaf.thumbprint_sha1()
    }
}

/// The fixture of this test binary.
pub fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let pki = TestPki::generate(&TestPkiOptions::default()).expect("test PKI");
        let dir = tempfile::tempdir().expect("temp dir");
        let f = Fixture { pki, dir };
        std::fs::write(f.key(), f.pki.leaf_key_pkcs8_pem()).unwrap();
        std::fs::write(f.chain(), f.pki.chain_pem()).unwrap();
        std::fs::write(f.leaf_pem(), f.pki.leaf.to_pem()).unwrap();
        std::fs::write(f.leaf_der(), f.pki.leaf.der()).unwrap();
        std::fs::write(f.root(), f.pki.root.to_pem()).unwrap();
        make_pfx(&f.key(), &f.chain(), &f.pfx(), false);
        make_pfx(&f.key(), &f.chain(), &f.legacy_pfx(), true);
        f
    })
}

/// Writes a `.pfx` with the `openssl` command (password [`PASSWORD`]).
pub fn make_pfx(key: &Path, chain: &Path, out: &Path, legacy: bool) {
    let mut c = std::process::Command::new("openssl");
    c.args(["pkcs12", "-export", "-inkey"])
        .arg(key)
        .arg("-in")
        .arg(chain)
        .arg("-out")
        .arg(out)
        .arg("-passout")
        .arg(format!("pass:{PASSWORD}"));
    if legacy {
        c.arg("-legacy");
    }
    let out = c.output().expect(
        "the openssl command is needed by the tests (tests/interop/install_deps.sh installs it)",
    );
    assert!(
        out.status.success(),
        "openssl pkcs12: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes the built-in HelloWorld connector (no check finding) as a `.mez`.
pub fn write_sample_mez(path: &Path) {
    std::fs::write(path, pqx_core::sample::hello_world_mez().unwrap()).unwrap();
}

/// Writes a ZIP with these entries (names taken as given: hostile names included).
pub fn write_zip(path: &Path, entries: &[(&str, &[u8])]) {
    let mut w = pqx_core::archive::ArchiveWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        w.add(name, bytes).unwrap();
    }
    std::fs::write(path, w.finish().unwrap().into_inner()).unwrap();
}

/// A connector that packs and signs fine but breaks certification rules (no documentation,
/// no TestConnection): the check reports errors.
pub const UNCERTIFIED_PQ: &str = "[Version = \"1.0.0\"]\nsection Plain;\n\n[DataSource.Kind=\"Plain\"]\nshared Plain.Contents = () => Web.Contents(\"https://example.com/data\");\n\nPlain = [Authentication = [Anonymous = []]];\n";

/// Writes [`UNCERTIFIED_PQ`] as `Plain.mez`-style package at `path`.
pub fn write_uncertified_mez(path: &Path) {
    write_zip(path, &[("Plain.pq", UNCERTIFIED_PQ.as_bytes())]);
}

/// Packs and signs the sample into `dir/name` with the fixture's PEM key; returns its path.
pub fn signed_sample(dir: &Path, name: &str) -> PathBuf {
    let f = fixture();
    let mez = dir.join(format!("{name}.mez"));
    write_sample_mez(&mez);
    let out = dir.join(format!("{name}.pqx"));
    pqx()
        .arg("pack")
        .arg("-mz")
        .arg(&mez)
        .arg("-t")
        .arg(&out)
        .arg("--key")
        .arg(f.key())
        .arg("--cert")
        .arg(f.chain())
        .assert()
        .success();
    out
}

/// Packs the sample into `dir/HelloWorld.pqx`, unsigned; returns its path.
pub fn unsigned_sample(dir: &Path) -> PathBuf {
    let mez = dir.join("HelloWorld.mez");
    write_sample_mez(&mez);
    pqx().arg("pack").arg("-mz").arg(&mez).assert().success();
    dir.join("HelloWorld.pqx")
}

/// `pqx sign PATH` with the fixture's PEM key and chain.
pub fn sign_with_pem(path: &Path) -> Command {
    let f = fixture();
    let mut c = pqx();
    c.arg("sign")
        .arg(path)
        .arg("--key")
        .arg(f.key())
        .arg("--cert")
        .arg(f.chain());
    c
}

/// Asserts that `pqx verify -q PATH` succeeds.
pub fn verifies(path: &Path) {
    pqx().arg("verify").arg(path).arg("-q").assert().success();
}

/// Names of the files in `dir` (sorted).
pub fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The `SignatureStatus` of a JSON report.
pub fn status_of(report: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(report).expect("JSON report");
    v["SignatureStatus"].as_str().unwrap_or_default().to_owned()
}

/// Rewrites the ZIP at `pqx` with the first byte of entry `item` flipped.
pub fn tamper_part(pqx: &Path, item: &str) {
    let bytes = std::fs::read(pqx).unwrap();
    let mut archive = pqx_core::archive::ArchiveReader::open(
        std::io::Cursor::new(bytes),
        "t",
        &pqx_core::limits::Limits::default(),
    )
    .unwrap();
    let mut w = pqx_core::archive::ArchiveWriter::new(std::io::Cursor::new(Vec::new()));
    for entry in archive.entries().to_vec() {
        let mut data = archive.read(&entry, u64::MAX).unwrap();
        if entry.name == item {
            data[0] ^= 1;
        }
        w.add(&entry.name, &data).unwrap();
    }
    std::fs::write(pqx, w.finish().unwrap().into_inner()).unwrap();
}
