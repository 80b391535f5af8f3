//! Loading the signing key named on the command line: a `.pfx` (`-c`) or a PEM/DER key with
//! its chain (`--key`, `--cert`); the signing options (`--hash`, `--timestamper`); the
//! detached `.p7s` (`--detached-p7s`).

use crate::cli::{KeyArgs, Pkcs11Args, SignOptionsArgs};
use crate::failure::{Exit, Failure};
use crate::password::with_password;
use pqx_core::cms::detached::sign_detached_file;
use pqx_core::cms::http::HttpTimestamper;
use pqx_core::files::read_bounded;
use pqx_core::keys::{Signer, SigningKey};
use pqx_core::limits::{MAX_CERTIFICATE_FILE_SIZE, MAX_KEY_FILE_SIZE};
use pqx_core::sign::{SignMode, SignOptions};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Reads a key or certificate file, refusing one over `limit` bytes before reading it.
fn read(path: &Path, limit: u64) -> Result<Vec<u8>, Failure> {
    Ok(read_bounded(path, limit)?)
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
        let bytes = read(pfx, MAX_KEY_FILE_SIZE).map_err(key_problem)?;
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
    let key_bytes = read(key, MAX_KEY_FILE_SIZE).map_err(key_problem)?;
    let chain = match &args.cert {
        Some(c) => read(c, MAX_CERTIFICATE_FILE_SIZE).map_err(key_problem)?,
        None => Vec::new(),
    };
    let name = file_name(key);
    with_password(&args.password, &name, |p| {
        SigningKey::from_pem_parts(&key_bytes, Some(p), &chain, &name)
    })
    .map(Some)
    .map_err(key_problem)
}

/// The signer `pack`, `build` and `sign` take from their key options: a key in a PKCS#11
/// token (`--key 'pkcs11:…'`), or a key file (`-c` `.pfx`, or `--key` with `--cert`); `None`
/// when no key is given. One function, so that every command that signs takes every key source
/// the same way.
pub fn load_signer(key: &KeyArgs, pkcs11: &Pkcs11Args) -> Result<Option<Box<dyn Signer>>, Failure> {
    if let Some(uri) = crate::pkcs11::uri_of(key) {
        return Ok(Some(Box::new(crate::pkcs11::signer(uri, key, pkcs11)?)));
    }
    Ok(load(key)?.map(|k| Box::new(k) as Box<dyn Signer>))
}

/// [`load_signer`], when a key is required.
pub fn require_signer(key: &KeyArgs, pkcs11: &Pkcs11Args) -> Result<Box<dyn Signer>, Failure> {
    load_signer(key, pkcs11)?.ok_or_else(no_key)
}

fn no_key() -> Failure {
    Failure::new(
        Exit::Usage,
        "no signing key: pass --certificate PFX or --key KEY",
    )
}

/// The signing options of the command line; warns about SHA-1. With `--timestamper`, the
/// signature gets an RFC 3161 timestamp from the first of those authorities that answers
/// (a bad URL is a usage error).
pub fn sign_options(args: &SignOptionsArgs, replace: bool) -> Result<SignOptions, Failure> {
    if args.hash.is_weak() {
        eprintln!("pqx: warning: SHA-1 is weak (practical collisions); sign with sha256 unless a verifier needs SHA-1");
    }
    let options = SignOptions::with_digest(args.hash).mode(if replace {
        SignMode::Replace
    } else {
        SignMode::Auto
    });
    if args.timestamper.is_empty() {
        return Ok(options);
    }
    let timestamper = HttpTimestamper::new(args.timestamper.iter().cloned())?
        .timeout(Duration::from_secs(args.timestamp_timeout))
        .retries(args.timestamp_retries);
    Ok(options.timestamper(Arc::new(timestamper)))
}

/// Writes the detached CMS signature of the signed package `signed` to `--detached-p7s`
/// (atomically), when asked; `options` are the ones the package was signed with.
pub fn write_detached(
    args: &SignOptionsArgs,
    signed: &Path,
    key: &dyn Signer,
    options: &SignOptions,
) -> Result<(), Failure> {
    let Some(out) = &args.detached_p7s else {
        return Ok(());
    };
    sign_detached_file(signed, out, key, options.digest, options.time)?;
    eprintln!("wrote the detached signature {}", out.display());
    Ok(())
}
