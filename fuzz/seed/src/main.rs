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
    let mez = pqx_core::sample::hello_world_mez()?;
    let packed = pqx_core::pack::pack_bytes(&mez, "HelloWorld.mez", &Default::default())?;
    let pki = TestPki::generate(&TestPkiOptions::default())?;
    let key = pki.signing_key();
    let signed = sign_bytes(&packed, "seed.pqx", &key, &SignOptions::default())?.output;
    let signed_sha1 = sign_bytes(
        &packed,
        "seed.pqx",
        &key,
        &SignOptions::with_digest(DigestAlgorithm::Sha1),
    )?
    .output;
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
    timestamped_seeds(corpus, work, &packed, &key)?;
    std::fs::write(work.join("leaf-key.pem"), pki.leaf_key_pkcs8_pem())?;
    std::fs::write(work.join("chain.pem"), pki.chain_pem())?;
    Ok(())
}

/// Runs `openssl ARGS` in `dir`; an error with its output when it fails.
fn openssl(dir: &Path, args: &[&str]) -> BoxResult<()> {
    let out = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()?;
    if !out.status.success() {
        return Err(format!("openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    Ok(())
}

/// Seeds of `verify_timestamped`: packages signed with an RFC 3161 token from a throw-away
/// `openssl ts` authority (whole seconds; milliseconds, `clock_precision_digits = 3`; SHA-1
/// signature and ESSCertID v1) and the tokens alone. Skipped, with a note, without `openssl`.
fn timestamped_seeds(
    corpus: &Path,
    work: &Path,
    packed: &[u8],
    key: &pqx_core::keys::SigningKey,
) -> BoxResult<()> {
    let dir = work.join("tsa");
    std::fs::create_dir_all(&dir)?;
    if openssl(&dir, &["version"]).is_err() {
        eprintln!("pqx-fuzz-seed: no openssl; verify_timestamped starts without tokens");
        return Ok(());
    }
    std::fs::write(
        dir.join("ext.cnf"),
        "[tsa]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
         extendedKeyUsage=critical,timeStamping\n",
    )?;
    openssl(
        &dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "root.key",
            "-out",
            "root.pem",
            "-days",
            "3650",
            "-subj",
            "/CN=seed TSA root",
        ],
    )?;
    openssl(
        &dir,
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "tsa.key",
            "-out",
            "tsa.csr",
            "-subj",
            "/CN=seed TSA",
        ],
    )?;
    openssl(
        &dir,
        &[
            "x509",
            "-req",
            "-in",
            "tsa.csr",
            "-CA",
            "root.pem",
            "-CAkey",
            "root.key",
            "-CAcreateserial",
            "-days",
            "3650",
            "-extfile",
            "ext.cnf",
            "-extensions",
            "tsa",
            "-out",
            "tsa.pem",
        ],
    )?;
    std::fs::write(dir.join("serial"), "01\n")?;
    for (name, extra) in [
        (
            "seconds",
            "signer_digest = sha256\ness_cert_id_alg = sha256\n",
        ),
        (
            "millis",
            "signer_digest = sha256\ness_cert_id_alg = sha256\nclock_precision_digits = 3\n",
        ),
        ("sha1", "signer_digest = sha1\ness_cert_id_alg = sha1\n"),
    ] {
        let conf = format!(
            "[tsa]\ndefault_tsa = t\n[t]\ndir = {}\nserial = $dir/serial\ncrypto_device = builtin\n\
             signer_cert = $dir/tsa.pem\ncerts = $dir/root.pem\nsigner_key = $dir/tsa.key\n\
             default_policy = 1.2.3.4.1\ndigests = sha1, sha256, sha384, sha512\n\
             accuracy = secs:1, millisecs:500, microsecs:100\nordering = yes\ntsa_name = yes\n{extra}",
            dir.display()
        );
        std::fs::write(dir.join(format!("{name}.cnf")), conf)?;
        let tsa_dir = dir.clone();
        let config = format!("{name}.cnf");
        let timestamper = move |request: &pqx_core::cms::TimestampRequest| {
            let fail = |e: Box<dyn std::error::Error>| pqx_core::Error::Timestamp(e.to_string());
            std::fs::write(tsa_dir.join("q.tsq"), request.der()).map_err(|e| fail(e.into()))?;
            openssl(
                &tsa_dir,
                &[
                    "ts",
                    "-reply",
                    "-config",
                    &config,
                    "-queryfile",
                    "q.tsq",
                    "-token_out",
                    "-out",
                    "q.tok",
                ],
            )
            .map_err(fail)?;
            std::fs::read(tsa_dir.join("q.tok")).map_err(|e| fail(e.into()))
        };
        let options = SignOptions::default().timestamper(std::sync::Arc::new(timestamper));
        let pqx_core::sign::Signed {
            output: signed,
            outcome,
            ..
        } = sign_bytes(packed, "seed.pqx", key, &options)?;
        put(
            corpus,
            "verify_timestamped",
            &format!("{name}.pqx"),
            &signed,
        )?;
        put(
            corpus,
            "verify",
            &format!("timestamped-{name}.pqx"),
            &signed,
        )?;
        if outcome.timestamp.is_some() {
            let token = std::fs::read(dir.join("q.tok"))?;
            put(corpus, "verify_timestamped", &format!("{name}.tok"), &token)?;
        }
    }
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
