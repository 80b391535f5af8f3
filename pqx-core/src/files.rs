//! File-level operations: what `pqx pack|sign|verify` and the C ABI do with paths.
//!
//! Each is a thin composition of the streaming library functions with atomic output, kept
//! here so that every front end (CLI, C, .NET) behaves identically.

use crate::atomic::{write_atomically, AtomicFile};
pub use crate::bounded_read::read_bounded;
use crate::error::{Error, Result};
use crate::file_identity::{refuse_overlaps, Role};
use crate::keys::{Signer, SigningKey};
use crate::limits::{MAX_CERTIFICATE_FILE_SIZE, MAX_KEY_FILE_SIZE};
use crate::mez::Mez;
use crate::opc::Package;
use crate::pack::PackOptions;
use crate::sign::{sign_package, SignOptions, SignOutcome};
use crate::verify::{verify_package, Verification, VerifyOptions};
use std::fs::File;
use std::io::{BufReader, Cursor, Seek, Write};
use std::path::Path;

fn open(path: &Path) -> Result<BufReader<File>> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|e| Error::io(path.display().to_string(), e))
}

fn name(path: &Path) -> String {
    path.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Refuses an `output` that is the `input` file under any spelling (a link, `./`, `..`),
/// unless the output replaces the input on purpose (`in_place`: signing in place).
fn refuse_same_file(input: &Path, output: &Path, in_place: bool) -> Result<()> {
    let inputs = [Role {
        role: "input",
        path: input,
    }];
    let outputs = [Role {
        role: "output",
        path: output,
    }];
    refuse_overlaps(&inputs, &outputs, in_place.then_some((output, input)))
}

/// Packs the `.mez` at `mez` into an unsigned `.pqx` at `out` (atomically).
pub fn pack_file(mez: &Path, out: &Path, options: &PackOptions) -> Result<()> {
    refuse_same_file(mez, out, false)?;
    let mut m = Mez::open(open(mez)?, &name(mez), &options.limits)?;
    write_atomically(out, |w| {
        crate::pack::pack(&mut m, SeekWriter::new(w)).map(drop)
    })
}

/// Signs (or countersigns, or replaces — see [`SignOptions`]) the package at `input`,
/// writing the result atomically to `output` (which may be the same path, or a symbolic link
/// to it: the link's target is signed).
pub fn sign_file(
    input: &Path,
    output: &Path,
    key: &dyn Signer,
    options: &SignOptions,
) -> Result<SignOutcome> {
    refuse_same_file(input, output, true)?;
    let mut package = Package::open(open(input)?, &name(input), &options.limits)?;
    let mut out = AtomicFile::create(output)?;
    let outcome = sign_package(&mut package, key, options, SeekWriter::new(out.writer()))?.outcome;
    // Closed before the rename: Windows refuses to replace a file that is still open, which
    // signing in place does.
    drop(package);
    out.commit()?;
    Ok(outcome)
}

/// Packs a `.mez` and signs it in one step (MakePQX's `pack -c`), atomically. The unsigned
/// intermediate package is held in memory (connectors are small).
pub fn pack_and_sign_file(
    mez: &Path,
    out: &Path,
    key: &dyn Signer,
    options: &SignOptions,
) -> Result<SignOutcome> {
    refuse_same_file(mez, out, false)?;
    let mut m = Mez::open(open(mez)?, &name(mez), &options.limits)?;
    let unsigned = crate::pack::pack(&mut m, Cursor::new(Vec::new()))?.into_inner();
    let mut package = Package::open(Cursor::new(unsigned), &name(out), &options.limits)?;
    write_atomically(out, |w| {
        Ok(sign_package(&mut package, key, options, SeekWriter::new(w))?.outcome)
    })
}

/// Verifies the package at `path`.
pub fn verify_file(path: &Path, options: &VerifyOptions) -> Result<Verification> {
    let mut package = Package::open(open(path)?, &name(path), &options.limits)?;
    verify_package(&mut package, options)
}

/// Loads a PKCS#12 (`.pfx`) signing key from a file (at most [`MAX_KEY_FILE_SIZE`] bytes).
pub fn load_pkcs12_file(path: &Path, password: &str) -> Result<SigningKey> {
    let bytes = read_bounded(path, MAX_KEY_FILE_SIZE)?;
    SigningKey::from_pkcs12(&bytes, password, &name(path))
}

/// Loads a PEM/DER PKCS#8 key and a PEM certificate chain from files (at most
/// [`MAX_KEY_FILE_SIZE`] and [`MAX_CERTIFICATE_FILE_SIZE`] bytes).
pub fn load_pem_files(key: &Path, key_password: Option<&str>, chain: &Path) -> Result<SigningKey> {
    let k = read_bounded(key, MAX_KEY_FILE_SIZE)?;
    let c = read_bounded(chain, MAX_CERTIFICATE_FILE_SIZE)?;
    SigningKey::from_pem_parts(&k, key_password, &c, &name(key))
}

/// Adapts a plain [`Write`] (the atomic temp file) to `Write + Seek` for the ZIP writer by
/// seeking the underlying file: the buffered writer is flushed first.
struct SeekWriter<'a, W: Write + Seek>(&'a mut std::io::BufWriter<W>);

impl<'a, W: Write + Seek> SeekWriter<'a, W> {
    fn new(w: &'a mut std::io::BufWriter<W>) -> Self {
        SeekWriter(w)
    }
}

impl<W: Write + Seek> Write for SeekWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl<W: Write + Seek> Seek for SeekWriter<'_, W> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.0.seek(pos)
    }
}
