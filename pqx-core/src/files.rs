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
use std::io::{BufReader, Cursor};
use std::path::{Path, PathBuf};

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

/// Where a package made from the `.mez` (or build output) at `mez` goes when no target is
/// named: beside it, with the same name and the extension `.pqx` (`X.mez` → `X.pqx`,
/// `a.b.mez` → `a.b.pqx`, `X` → `X.pqx`). This is MakePQX's `pack` rule; `pqx pack` and
/// `pqx build --sign` follow it, so one function owns it and every front end names the same
/// file.
pub fn default_package_path(mez: &Path) -> PathBuf {
    mez.with_extension("pqx")
}

/// Packs the `.mez` at `mez` into an unsigned `.pqx` at `out` (atomically).
pub fn pack_file(mez: &Path, out: &Path, options: &PackOptions) -> Result<()> {
    refuse_same_file(mez, out, false)?;
    let mut m = Mez::open(open(mez)?, &name(mez), &options.limits)?;
    // `&mut BufWriter<File>` is itself `Write + Seek` (a `BufWriter` flushes before it
    // seeks), which is all the ZIP writer needs.
    write_atomically(out, |w| crate::pack::pack(&mut m, w).map(drop))
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
    let outcome = sign_package(&mut package, key, options, out.writer())?.outcome;
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
        Ok(sign_package(&mut package, key, options, w)?.outcome)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::SignatureStatus;

    /// The files are written through `&mut BufWriter<File>`, seeks included (the ZIP writer
    /// seeks back to fill in sizes): the bytes must be those of the in-memory path, and the
    /// signed results must verify.
    #[test]
    fn packs_and_signs_through_the_buffered_file_writer() {
        let d = tempfile::tempdir().unwrap();
        let options = PackOptions::default();
        let mez_bytes = crate::sample::hello_world_mez().unwrap();
        let mez = d.path().join("HelloWorld.mez");
        std::fs::write(&mez, &mez_bytes).unwrap();
        let unsigned = default_package_path(&mez);
        pack_file(&mez, &unsigned, &options).unwrap();
        assert_eq!(
            std::fs::read(&unsigned).unwrap(),
            crate::pack::pack_bytes(&mez_bytes, "HelloWorld.mez", &options).unwrap()
        );
        let options = VerifyOptions::default();
        assert_eq!(
            verify_file(&unsigned, &options).unwrap().status,
            SignatureStatus::NotSigned
        );
        let key = crate::test_pki::TestPki::generate(&Default::default())
            .unwrap()
            .signing_key();
        let signed = d.path().join("Signed.pqx");
        pack_and_sign_file(&mez, &signed, &key, &SignOptions::default()).unwrap();
        assert!(verify_file(&signed, &options).unwrap().is_valid());
        sign_file(&unsigned, &unsigned, &key, &SignOptions::default()).unwrap();
        assert!(verify_file(&unsigned, &options).unwrap().is_valid());
    }

    #[test]
    fn default_package_path_is_the_input_beside_itself_with_the_pqx_extension() {
        let cases = [
            ("dir/HelloWorld.mez", "dir/HelloWorld.pqx"),
            ("dir/a.b.MEZ", "dir/a.b.pqx"),
            ("HelloWorld", "HelloWorld.pqx"),
            ("bin/AnyCPU/Debug/X.mez", "bin/AnyCPU/Debug/X.pqx"),
        ];
        for (mez, want) in cases {
            assert_eq!(
                default_package_path(Path::new(mez)),
                Path::new(want),
                "{mez}"
            );
        }
    }
}
