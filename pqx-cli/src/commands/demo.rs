//! `pqx demo`: the whole job on the built-in HelloWorld connector, with a throwaway test PKI.
//!
//! Nothing needs to exist beforehand: the connector comes from `pqx_core::sample`, the
//! certificates from `pqx_core::test_pki` (made now, in memory, named "pqx Test …": NOT for
//! production). The files are left in a folder so the user can try the other commands on them.

use crate::cli::DemoArgs;
use crate::failure::{Exit, Failure};
use indicatif::{ProgressBar, ProgressDrawTarget};
use pqx_core::files::{pack_and_sign_file, verify_file};
use pqx_core::lint::{self, CheckOptions, ConnectorFile, ConnectorSource};
use pqx_core::report::Report;
use pqx_core::sign::SignOptions;
use pqx_core::test_pki::{TestPki, TestPkiOptions};
use pqx_core::trust::TrustPolicy;
use pqx_core::verify::VerifyOptions;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Runs `pqx demo`.
pub fn run(args: &DemoArgs) -> Result<Exit, Failure> {
    let dir = match &args.out {
        Some(d) => {
            std::fs::create_dir_all(d).map_err(|e| Failure::io(d, e))?;
            d.clone()
        }
        None => new_temp_dir()?,
    };
    outln!("pqx demo — files in {}\n", dir.display());

    let mez = dir.join("HelloWorld.mez");
    write(&mez, &pqx_core::sample::hello_world_mez()?)?;
    outln!("1. Wrote the sample connector {}", mez.display());

    let source = ConnectorSource::from_files(
        pqx_core::sample::FILES
            .iter()
            .map(|(name, bytes)| ConnectorFile {
                name: (*name).to_owned(),
                bytes: bytes.to_vec(),
            })
            .collect(),
    );
    let findings = lint::check(&source, &CheckOptions::default());
    outln!(
        "2. Checked it against the certification rules: {} finding(s)",
        findings.len()
    );

    let spinner = if std::io::stderr().is_terminal() {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden())
    };
    spinner.set_message("making RSA keys…");
    spinner.enable_steady_tick(Duration::from_millis(100));
    let pki = TestPki::generate(&TestPkiOptions::default());
    spinner.finish_and_clear();
    let pki = pki?;
    let root = dir.join("test-root.pem");
    let key = dir.join("test-signer-key.pem");
    let chain = dir.join("test-signer-chain.pem");
    write(&root, pki.root.to_pem().as_bytes())?;
    write(&key, pki.leaf_key_pkcs8_pem().as_bytes())?;
    write(&chain, pki.chain_pem().as_bytes())?;
    outln!("3. Made a throwaway test PKI (root → intermediate → code-signing signer; NOT FOR PRODUCTION):");
    outln!(
        "   {}, {}, {}",
        root.display(),
        key.display(),
        chain.display()
    );

    let pqx = dir.join("HelloWorld.pqx");
    pack_and_sign_file(&mez, &pqx, &pki.signing_key(), &SignOptions::default())?;
    outln!(
        "4. Packed and signed {} as {}",
        pqx.display(),
        pki.leaf.subject()
    );

    let policy = TrustPolicy::none().with_anchor_pem(&pki.root.to_pem())?;
    let verification = verify_file(&pqx, &VerifyOptions::with_policy(policy))?;
    outln!(
        "5. Verified it, trusting the test root (what `pqx verify --trusted-ca {}` does):\n",
        root.display()
    );
    outln!("{}\n", Report::from_verification(&verification).to_json());

    outln!("Try next:");
    let (p, r, k, c) = (quote(&pqx), quote(&root), quote(&key), quote(&chain));
    outln!("  pqx inspect {p}");
    outln!("  pqx verify {p} --format text --trusted-ca {r}");
    outln!("  pqx thumbprint {p} --reg");
    outln!("  pqx sign {p} --key {k} --cert {c}    # countersigns");
    outln!("  pqx unpack {p} -o {}", quote(&dir.join("unpacked")));
    Ok(if verification.is_trusted() {
        Exit::Success
    } else {
        Exit::NotValid
    })
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    std::fs::write(path, bytes).map_err(|e| Failure::io(path, e))
}

/// A new folder `pqx-demo-<pid>-<time>` in the system's temporary folder.
fn new_temp_dir() -> Result<PathBuf, Failure> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("pqx-demo-{}-{stamp}", std::process::id()));
    std::fs::create_dir(&dir).map_err(|e| Failure::io(&dir, e))?;
    Ok(dir)
}

/// A path as a shell argument (quoted when it holds spaces or quotes).
fn quote(path: &Path) -> String {
    let s = path.display().to_string();
    if s.chars()
        .any(|c| c.is_whitespace() || c == '"' || c == '\'')
    {
        format!("\"{}\"", s.replace('"', "\\\""))
    } else {
        s
    }
}
