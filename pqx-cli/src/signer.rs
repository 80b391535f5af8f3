//! Loading the signing key named on the command line: a `.pfx` (`-c`) or a PEM/DER key with
//! its chain (`--key`, `--cert`).

use crate::cli::{KeyArgs, SignOptionsArgs};
use crate::failure::{Exit, Failure};
use crate::password::with_password;
use pqx_core::keys::SigningKey;
use pqx_core::sign::{SignMode, SignOptions};
use std::path::Path;

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::io(path, e))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// The key of `args`, or `None` when neither `-c` nor `--key` was given. A certificate that
/// cannot be read while loading a key is a key problem (exit 4), not an input one.
pub fn load(args: &KeyArgs) -> Result<Option<SigningKey>, Failure> {
    let key_problem = |f: Failure| {
        if f.exit == Exit::Input {
            Failure {
                exit: Exit::Key,
                ..f
            }
        } else {
            f
        }
    };
    if let Some(pfx) = &args.certificate {
        let bytes = read(pfx).map_err(key_problem)?;
        let name = file_name(pfx);
        return with_password(&args.password, &name, |p| {
            SigningKey::from_pkcs12(&bytes, p, &name)
        })
        .map(Some)
        .map_err(key_problem);
    }
    let Some(key) = &args.key else {
        return Ok(None);
    };
    let key_bytes = read(key).map_err(key_problem)?;
    let chain = match &args.cert {
        Some(c) => read(c).map_err(key_problem)?,
        None => Vec::new(),
    };
    let name = file_name(key);
    with_password(&args.password, &name, |p| {
        SigningKey::from_pem_parts(&key_bytes, Some(p), &chain, &name)
    })
    .map(Some)
    .map_err(key_problem)
}

/// The key of `args`, which the command requires (clap makes sure one was named).
pub fn require(args: &KeyArgs) -> Result<SigningKey, Failure> {
    load(args)?.ok_or_else(|| {
        Failure::new(
            Exit::Usage,
            "no signing key: pass --certificate PFX or --key KEY",
        )
    })
}

/// The signing options of the command line; warns about SHA-1.
pub fn sign_options(args: &SignOptionsArgs, replace: bool) -> SignOptions {
    if args.hash.is_weak() {
        eprintln!("pqx: warning: SHA-1 is weak (practical collisions); sign with sha256 unless a verifier needs SHA-1");
    }
    SignOptions::with_digest(args.hash).mode(if replace {
        SignMode::Replace
    } else {
        SignMode::Auto
    })
}
