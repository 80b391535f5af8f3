//! `--sign-command`: a [`Signer`] that asks an external command — a KMS client, an HSM tool, a
//! signing service — to sign, so the private key never reaches pqx.
//!
//! The protocol (docs/SIGNING.md has recipes):
//! * pqx runs the command through the shell (`sh -c` on Unix, `cmd /C` on Windows), once per
//!   signature (twice with `--detached-p7s`: the package, then the `.p7s`).
//! * Standard input: the digest to sign, raw bytes (32 for SHA-256) or, with
//!   `--sign-command-input hex`, lowercase hex and a newline. Standard input is then closed.
//! * Environment: `PQX_DIGEST_ALGORITHM` (`sha256`, `sha384`, `sha512`, `sha1`),
//!   `PQX_DIGEST_HEX` and `PQX_DIGEST_BASE64` (the same digest as text, for tools that take
//!   it as an argument).
//! * The command signs `DigestInfo(algorithm, digest)` with RSA PKCS#1 v1.5 (what `openssl
//!   pkeyutl -sign -pkeyopt digest:sha256`, `aws kms sign --message-type DIGEST
//!   --signing-algorithm RSASSA_PKCS1_V1_5_SHA_256` and Azure's `RS256` do) and writes the
//!   signature to standard output: raw bytes, hex, or base64 (standard or URL-safe, padded or
//!   not; surrounding whitespace ignored). The form is told apart by length, which is
//!   unambiguous: a raw signature has exactly the modulus' length, hex twice that, base64
//!   about 4/3 of it.
//! * Exit status 0 means success; anything else, or no answer within `--sign-timeout`
//!   seconds (the command is killed), fails the signing with the command's first lines of
//!   standard error. Nothing is written then.
//!
//! pqx-core verifies the returned signature with the certificate before writing anything
//! ([`pqx_core::keys::sign_verified`]): a command that signs with another key or padding
//! fails with "does not verify".

use crate::cli::{ExternalSignerArgs, KeyArgs};
use crate::failure::{Exit, Failure};
use base64::Engine as _;
use pqx_core::certificate::Certificate;
use pqx_core::digest::DigestAlgorithm;
use pqx_core::error::{Error, Result};
use pqx_core::files::read_bounded;
use pqx_core::keys::{check_digest_len, Signer};
use pqx_core::limits::MAX_CERTIFICATE_FILE_SIZE;
use std::io::{Read as _, Write as _};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The signer of `pqx sign --cert CHAIN --sign-command CMD`: the certificates of `--cert`, the
/// signer being the first that is not a CA (the first one when all are), the others after it
/// in file order. An unreadable or empty chain is a key problem (exit 4).
pub fn from_args(
    key: &KeyArgs,
    args: &ExternalSignerArgs,
) -> std::result::Result<ExternalSigner, Failure> {
    let (Some(command), Some(cert)) = (&args.sign_command, &key.cert) else {
        return Err(Failure::new(
            Exit::Usage,
            "--sign-command needs --cert with the signer's certificate",
        ));
    };
    let key_problem = |e: Error| Failure {
        exit: Exit::Key,
        ..Failure::from(e)
    };
    let bytes = read_bounded(cert, MAX_CERTIFICATE_FILE_SIZE).map_err(key_problem)?;
    let chain = signer_first(Certificate::from_bytes_auto(&bytes).map_err(key_problem)?);
    ExternalSigner::new(
        command.clone(),
        chain,
        args.sign_command_input,
        Duration::from_secs(args.sign_timeout),
    )
    .map_err(key_problem)
}

/// `chain` with its signer first: the first certificate that is not a CA (the first one when
/// all are), the others after it in their order.
pub fn signer_first(mut chain: Vec<Certificate>) -> Vec<Certificate> {
    let leaf = chain.iter().position(|c| !c.is_ca()).unwrap_or(0);
    if leaf < chain.len() {
        let signer = chain.remove(leaf);
        chain.insert(0, signer);
    }
    chain
}

/// Default for `--sign-timeout`: a KMS round trip, or a token waiting for a touch.
pub const DEFAULT_TIMEOUT_SECS: u64 = 120;

/// Most bytes read from the command's standard output (a 16384-bit signature in base64 is
/// under 3 KiB) and standard error.
const MAX_OUTPUT: u64 = 64 * 1024;

/// How the digest is written to the command's standard input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DigestInput {
    // (Plain comments: doc comments would become per-value help and switch `pqx sign --help`
    // to its long layout.)
    // The digest's bytes (32 for SHA-256), nothing else.
    Raw,
    // The digest in lowercase hex, then a newline.
    Hex,
}

/// A signer whose private key is behind a command.
pub struct ExternalSigner {
    command: String,
    chain: Vec<Certificate>,
    input: DigestInput,
    timeout: Duration,
}

impl ExternalSigner {
    /// A signer running `command` for the certificate chain `chain` (signer first).
    pub fn new(
        command: String,
        chain: Vec<Certificate>,
        input: DigestInput,
        timeout: Duration,
    ) -> Result<Self> {
        if chain.is_empty() {
            return Err(Error::InvalidArgument(
                "--cert holds no certificate for --sign-command".into(),
            ));
        }
        Ok(ExternalSigner {
            command,
            chain,
            input,
            timeout,
        })
    }

    fn spawn(&self, alg: DigestAlgorithm, digest: &[u8]) -> Result<Child> {
        let mut cmd = shell(&self.command);
        cmd.env("PQX_DIGEST_ALGORITHM", alg.name())
            .env("PQX_DIGEST_HEX", hex(digest))
            .env(
                "PQX_DIGEST_BASE64",
                base64::engine::general_purpose::STANDARD.encode(digest),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd.spawn().map_err(|e| {
            Error::Signer(format!(
                "cannot run the sign command `{}`: {e}",
                self.command
            ))
        })
    }

    fn failed(&self, what: &str, stderr: &[u8]) -> Error {
        Error::Signer(format!(
            "the sign command `{}` {what}{}",
            self.command,
            stderr_excerpt(stderr)
        ))
    }
}

impl Signer for ExternalSigner {
    fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    fn sign_digest(&self, alg: DigestAlgorithm, digest: &[u8]) -> Result<Vec<u8>> {
        check_digest_len(alg, digest)?;
        let mut child = self.spawn(alg, digest)?;
        let stdin_bytes = match self.input {
            DigestInput::Raw => digest.to_vec(),
            DigestInput::Hex => format!("{}\n", hex(digest)).into_bytes(),
        };
        // Each pipe has its own thread, so a command that writes before it reads (or never
        // reads) cannot deadlock pqx; a command that ignores its input is fine too.
        let stdin = child.stdin.take().map(|mut w| {
            std::thread::spawn(move || {
                let _ = w.write_all(&stdin_bytes);
            })
        });
        let stdout = child.stdout.take().map(read_pipe);
        let stderr = child.stderr.take().map(read_pipe);
        let status = wait_with_timeout(&mut child, self.timeout)?;
        let Some(status) = status else {
            // Killed: the readers may still wait on a grandchild holding the pipes, so they
            // are not joined; their threads end with the pipes.
            return Err(Error::Signer(format!(
                "the sign command `{}` did not finish within {} s and was stopped (raise --sign-timeout if the signer is slow)",
                self.command,
                self.timeout.as_secs()
            )));
        };
        if let Some(t) = stdin {
            let _ = t.join();
        }
        let out = join(stdout);
        let err = join(stderr);
        if !status.success() {
            return Err(self.failed(&format!("failed ({})", describe(status)), &err));
        }
        let modulus_len = self.key_bits().div_ceil(8);
        decode_signature(&out, modulus_len).ok_or_else(|| {
            self.failed(
                &format!(
                    "printed {} bytes that are not a {modulus_len}-byte signature (raw, hex or base64)",
                    out.len()
                ),
                &err,
            )
        })
    }
}

/// The shell command line running `command`.
fn shell(command: &str) -> Command {
    if cfg!(windows) {
        let mut c = Command::new("cmd");
        c.arg("/C").arg(command);
        c
    } else {
        let mut c = Command::new("sh");
        c.arg("-c").arg(command);
        c
    }
}

/// Reads at most [`MAX_OUTPUT`] bytes of a pipe on its own thread, then drains the rest so
/// the command is not blocked on a full pipe.
fn read_pipe<R: std::io::Read + Send + 'static>(pipe: R) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let mut limited = pipe.take(MAX_OUTPUT);
        let _ = limited.read_to_end(&mut buf);
        let _ = std::io::copy(&mut limited.into_inner(), &mut std::io::sink());
        buf
    })
}

fn join(handle: Option<JoinHandle<Vec<u8>>>) -> Vec<u8> {
    handle.and_then(|h| h.join().ok()).unwrap_or_default()
}

/// Waits for `child` until `timeout`; `None` when it had to be killed.
fn wait_with_timeout(child: &mut Child, timeout: Duration) -> Result<Option<ExitStatus>> {
    let deadline = Instant::now() + timeout;
    let io = |e| Error::Signer(format!("waiting for the sign command: {e}"));
    loop {
        if let Some(status) = child.try_wait().map_err(io)? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn describe(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exit status {code}"),
        None => format!("{status}"),
    }
}

/// `; its standard error: …` with the first three non-empty lines (at most 400 characters),
/// or nothing when the command wrote nothing there.
fn stderr_excerpt(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(3)
        .collect();
    if lines.is_empty() {
        return String::new();
    }
    let joined: String = lines.join(" | ").chars().take(400).collect();
    format!("; its standard error: {joined}")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The signature in `out`: raw when it has exactly `len` bytes, else hex or base64 text
/// (whitespace ignored) decoding to `len` bytes; `None` otherwise.
pub fn decode_signature(out: &[u8], len: usize) -> Option<Vec<u8>> {
    if out.len() == len {
        return Some(out.to_vec());
    }
    let text: String = std::str::from_utf8(out)
        .ok()?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if text.len() == 2 * len {
        if let Some(bytes) = unhex(&text) {
            return Some(bytes);
        }
    }
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|e| e.decode(&text).ok())
        .filter(|b| b.len() == len)
}

/// The bytes of an even-length hex string; `None` for anything else.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let digits: Vec<u8> = text
        .chars()
        .map(|c| c.to_digit(16).and_then(|d| u8::try_from(d).ok()))
        .collect::<Option<_>>()?;
    Some(
        digits
            .chunks(2)
            .map(|p| p.iter().fold(0, |a, d| a * 16 + d))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_raw_hex_and_base64_signatures_by_length() {
        let sig: Vec<u8> = (0..=255u8).collect();
        assert_eq!(decode_signature(&sig, 256), Some(sig.clone()));
        assert_eq!(
            decode_signature(format!("{}\n", hex(&sig)).as_bytes(), 256),
            Some(sig.clone())
        );
        let b64 = base64::engine::general_purpose::STANDARD.encode(&sig);
        assert_eq!(decode_signature(b64.as_bytes(), 256), Some(sig.clone()));
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&sig);
        assert_eq!(decode_signature(url.as_bytes(), 256), Some(sig.clone()));
    }

    #[test]
    fn refuses_output_that_is_no_signature_of_the_key_length() {
        assert_eq!(decode_signature(b"", 256), None);
        assert_eq!(decode_signature(b"error: access denied\n", 256), None);
        assert_eq!(decode_signature(&[0u8; 255], 256), None);
        assert_eq!(decode_signature("zz".repeat(256).as_bytes(), 256), None);
    }

    #[test]
    fn stderr_excerpt_keeps_the_first_lines() {
        assert_eq!(stderr_excerpt(b""), "");
        assert_eq!(
            stderr_excerpt(b"\nfirst\n\nsecond\nthird\nfourth\n"),
            "; its standard error: first | second | third"
        );
    }
}
