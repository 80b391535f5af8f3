//! `pqx sign --prepare STATE` / `pqx sign --complete STATE --signature SIG`: signing where the
//! signing service is another job of a pipeline.
//!
//! `--prepare` does everything `sign` does up to the RSA signature — the signer policy, the
//! countersign checks, every digest, SignedInfo — with the signing time fixed now, and writes
//! the digest of canonical SignedInfo (`STATE.digest`, raw bytes) and a JSON state file:
//! the package's SHA-256, the digest algorithm and value, the signing time, the mode and the
//! certificate chain. Nothing else is written; the package is unchanged.
//!
//! `--complete` refuses a package whose SHA-256 is not the one prepared, then signs again with
//! the recorded time and options: the same input, time and options give the same SignedInfo,
//! and the signer used there answers only the prepared digest (anything else means something
//! changed) with the signature from `--signature` (raw, hex or base64). pqx-core verifies that
//! signature with the certificate before the package is written, atomically.

use crate::external_signer::decode_signature;
use crate::failure::{Exit, Failure};
use base64::Engine as _;
use pqx_core::certificate::Certificate;
use pqx_core::digest::DigestAlgorithm;
use pqx_core::error::{Error, Result};
use pqx_core::files::read_bounded;
use pqx_core::keys::{check_digest_len, Signer};
use pqx_core::limits::MAX_CERTIFICATE_FILE_SIZE;
use pqx_core::sign::{SignMode, SignOptions};
use serde_json::{json, Value};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use time::OffsetDateTime;

/// The `format` member of state files: bumped if their meaning changes.
const STATE_FORMAT: &str = "pqx-sign-state/1";

/// Largest state file read (a chain of a few certificates in PEM is ~10 KiB).
const MAX_STATE_SIZE: u64 = 1 << 20;

/// Largest `--signature` file read.
const MAX_SIGNATURE_SIZE: u64 = 64 * 1024;

/// The marker error a [`Recorder`] ends signing with once it has the digest.
const PREPARED: &str = "prepared: the digest is recorded, nothing was signed";

/// A signer that records the digest it is asked to sign and signs nothing.
pub struct Recorder {
    chain: Vec<Certificate>,
    digest: Mutex<Option<(DigestAlgorithm, Vec<u8>)>>,
}

impl Signer for Recorder {
    fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    fn sign_digest(&self, alg: DigestAlgorithm, digest: &[u8]) -> Result<Vec<u8>> {
        if let Ok(mut slot) = self.digest.lock() {
            *slot = Some((alg, digest.to_vec()));
        }
        Err(Error::Signer(PREPARED.into()))
    }
}

/// A signer that answers the prepared digest, and only it, with the signature supplied.
pub struct Completer {
    chain: Vec<Certificate>,
    alg: DigestAlgorithm,
    digest: Vec<u8>,
    signature: Vec<u8>,
}

impl Signer for Completer {
    fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    fn sign_digest(&self, alg: DigestAlgorithm, digest: &[u8]) -> Result<Vec<u8>> {
        check_digest_len(alg, digest)?;
        if alg != self.alg || digest != self.digest.as_slice() {
            return Err(Error::Signer(
                "what would be signed differs from what --prepare recorded (the package, the certificate or pqx changed); run --prepare again".into(),
            ));
        }
        Ok(self.signature.clone())
    }
}

/// A `Write + Seek` that keeps nothing: `--prepare` runs the signing pass for its digests
/// only.
#[derive(Default)]
pub struct Discard {
    pos: u64,
    len: u64,
}

impl Write for Discard {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pos += buf.len() as u64;
        self.len = self.len.max(self.pos);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Seek for Discard {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = target.ok_or_else(|| std::io::Error::other("seek before the start"))?;
        Ok(self.pos)
    }
}

fn key_problem(e: Error) -> Failure {
    Failure {
        exit: Exit::Key,
        ..Failure::from(e)
    }
}

/// The recorder for `--prepare` over the certificates of `--cert` (signer first, as for
/// `--sign-command`), and `options` with the signing time fixed to now.
pub fn recorder(
    cert: &Path,
    options: SignOptions,
) -> std::result::Result<(Recorder, SignOptions), Failure> {
    let bytes = read_bounded(cert, MAX_CERTIFICATE_FILE_SIZE).map_err(key_problem)?;
    let chain = crate::external_signer::signer_first(
        Certificate::from_bytes_auto(&bytes).map_err(key_problem)?,
    );
    let now = OffsetDateTime::now_utc();
    let mut options = options.time(now);
    // The seed only has to differ between two prepared signatures (it names parts, it guards
    // nothing): the signing time to the nanosecond and the process id.
    let seed = format!("{}/{}", now.unix_timestamp_nanos(), std::process::id());
    options.name_seed = Some(hex_of(&DigestAlgorithm::Sha256.digest(seed.as_bytes())));
    Ok((
        Recorder {
            chain,
            digest: Mutex::new(None),
        },
        options,
    ))
}

/// `STATE.digest`: where `--prepare` writes the raw digest next to the state file.
pub fn digest_path(state: &Path) -> PathBuf {
    state.with_extension("digest")
}

/// Ends `--prepare`: `outcome` is what signing with `recorder` returned; on the marker error,
/// writes the state file and the digest file (atomically) and says what to sign.
pub fn finish_prepare<T>(
    outcome: Result<T>,
    recorder: &Recorder,
    package: &Path,
    state: &Path,
    options: &SignOptions,
) -> std::result::Result<(), Failure> {
    match outcome {
        Err(Error::Signer(m)) if m == PREPARED => {}
        Err(e) => return Err(e.into()),
        Ok(_) => {
            return Err(Failure::new(
                Exit::Input,
                "internal error: --prepare signed without asking for a signature",
            ))
        }
    }
    let Some((alg, digest)) = recorder.digest.lock().ok().and_then(|d| d.clone()) else {
        return Err(Failure::new(
            Exit::Input,
            "internal error: --prepare recorded no digest",
        ));
    };
    let time = options.time.unwrap_or_else(OffsetDateTime::now_utc);
    let chain_pem: String = recorder.chain.iter().map(Certificate::to_pem).collect();
    let value = json!({
        "format": STATE_FORMAT,
        "package_sha256": hex_of(&sha256_file(package)?),
        "digest_algorithm": alg.name(),
        "digest_hex": hex_of(&digest),
        "digest_base64": base64::engine::general_purpose::STANDARD.encode(&digest),
        "signing_time_unix_nanos": time.unix_timestamp_nanos().to_string(),
        "replace": options.mode == SignMode::Replace,
        "name_seed": options.name_seed.clone().unwrap_or_default(),
        "certificate_chain_pem": chain_pem,
    });
    let text = serde_json::to_string_pretty(&value)
        .map_err(|e| Failure::new(Exit::Input, format!("writing the state: {e}")))?;
    let digest_file = digest_path(state);
    write_file(&digest_file, &digest)?;
    write_file(state, format!("{text}\n").as_bytes())?;
    eprintln!(
        "prepared {}: sign the {alg} digest {} (raw bytes in {}) with RSA PKCS#1 v1.5, then run pqx sign {} --complete {} --signature SIG",
        package.display(),
        hex_of(&digest),
        digest_file.display(),
        package.display(),
        state.display()
    );
    Ok(())
}

/// The signer and options for `--complete`: reads the state, refuses a changed package,
/// reads the signature. `options` come from the command line (timestamping); the digest, the
/// mode and the time come from the state.
pub fn completer(
    package: &Path,
    state: &Path,
    signature: &Path,
    options: SignOptions,
) -> std::result::Result<(Completer, SignOptions), Failure> {
    let bad = |what: &str| {
        Failure::new(
            Exit::Input,
            format!("{}: not a pqx sign state file ({what})", state.display()),
        )
    };
    let bytes = read_bounded(state, MAX_STATE_SIZE)?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| bad("not JSON"))?;
    let field = |name: &str| v.get(name).and_then(Value::as_str).ok_or_else(|| bad(name));
    if field("format")? != STATE_FORMAT {
        return Err(bad("unknown format"));
    }
    if field("package_sha256")? != hex_of(&sha256_file(package)?) {
        return Err(Failure::new(
            Exit::Input,
            format!(
                "{} changed since --prepare (its SHA-256 differs from the state's): nothing was written; run --prepare again",
                package.display()
            ),
        ));
    }
    let alg = DigestAlgorithm::from_name(field("digest_algorithm")?)
        .map_err(|_| bad("digest_algorithm"))?;
    let digest = unhex(field("digest_hex")?).ok_or_else(|| bad("digest_hex"))?;
    let nanos: i128 = field("signing_time_unix_nanos")?
        .parse()
        .map_err(|_| bad("signing_time_unix_nanos"))?;
    let time = OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .map_err(|_| bad("signing_time_unix_nanos"))?;
    let replace = v
        .get("replace")
        .and_then(Value::as_bool)
        .ok_or_else(|| bad("replace"))?;
    let chain = Certificate::from_bytes_auto(field("certificate_chain_pem")?.as_bytes())
        .map_err(key_problem)?;
    let modulus_len = chain
        .first()
        .and_then(Certificate::key_bits)
        .unwrap_or(0)
        .div_ceil(8);
    let raw = read_bounded(signature, MAX_SIGNATURE_SIZE)?;
    let signature_bytes = decode_signature(&raw, modulus_len).ok_or_else(|| {
        Failure::new(
            Exit::Key,
            format!(
                "{}: {} bytes that are not a {modulus_len}-byte signature (raw, hex or base64)",
                signature.display(),
                raw.len()
            ),
        )
    })?;
    let mut options = options.time(time).mode(if replace {
        SignMode::Replace
    } else {
        SignMode::Auto
    });
    options.digest = alg;
    options.name_seed = Some(field("name_seed")?.to_owned());
    Ok((
        Completer {
            chain,
            alg,
            digest,
            signature: signature_bytes,
        },
        options,
    ))
}

fn write_file(path: &Path, bytes: &[u8]) -> std::result::Result<(), Failure> {
    pqx_core::atomic::write_atomically(path, |w| {
        w.write_all(bytes)
            .map_err(|e| Error::io(path.display().to_string(), e))
    })
    .map_err(|e| crate::failure::writing(path, e))
}

fn sha256_file(path: &Path) -> std::result::Result<Vec<u8>, Failure> {
    let io = |e| Failure::from(Error::io(path.display().to_string(), e));
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut hasher = DigestAlgorithm::Sha256.hasher();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = std::io::Read::read(&mut file, &mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(buf.get(..n).unwrap_or_default());
    }
    Ok(hasher.finalize())
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    crate::external_signer::unhex(text)
}
