//! Input generators for pqx's benchmarks.
//!
//! Nothing large is committed: every input is generated at bench time from a [`Spec`]
//! (total size, entry count, content, compression), written once under
//! [`input_dir`] (default `target/pqx-bench-inputs`, or `$PQX_BENCH_DIR`) and reused by
//! later runs. The same generators serve the criterion benches (`benches/benches/*.rs`) and
//! `pqx-bench-tool`, which `benches/compare.sh` uses to make the files it times.
//!
//! Two shapes matter for the performance targets:
//! * **stored**: incompressible (pseudo-random) bytes in STORED entries, so verifying is
//!   read + CRC + SHA-256 and nothing else;
//! * **deflated**: compressible text in DEFLATED entries, so verifying is inflate + CRC +
//!   SHA-256.
//!
//! pqx's own writer chooses each part's method (deflated, or stored when deflate does not
//! make it smaller), so unsigned packages are written here with the `zip` crate directly
//! (any compression method); signing then copies parts raw, keeping their method.

use pqx_core::keys::SigningKey;
use pqx_core::opc::{ContentTypes, PartName};
use pqx_core::test_pki::{TestPki, TestPkiOptions};
use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// SHA-256 of the file at `path`, read once in 256 KiB chunks: the in-process floor every
/// verify is compared with (what `openssl dgst -sha256 FILE` does), for the `hash` bench and
/// `pqx-bench-tool hash`.
pub fn sha256_file(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut file = File::open(path)?;
    let mut hasher = pqx_core::digest::DigestAlgorithm::Sha256.hasher();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(hasher.finalize());
        }
        hasher.update(buf.get(..n).unwrap_or_default());
    }
}

/// One mebibyte.
pub const MIB: u64 = 1 << 20;

/// What the bytes of the generated entries look like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Content {
    /// Pseudo-random, incompressible bytes.
    Random,
    /// Words from a small vocabulary: deflates to roughly a third.
    Text,
}

/// How entries are stored in the archive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// ZIP method 0.
    Stored,
    /// ZIP method 8 at the default level.
    Deflated,
}

/// A generated connector: the sample section document `HelloWorld.pq` (a `.mez` needs
/// exactly one, and the CLI's connector check reads it) plus `entries` data files
/// `res/fNNNNN.bin` holding `size` bytes together (`size / entries` each, the remainder in
/// the first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spec {
    /// Total uncompressed bytes of all entries.
    pub size: u64,
    /// Number of connector files (at least 1).
    pub entries: usize,
    /// Their content.
    pub content: Content,
    /// Their compression.
    pub method: Method,
}

impl Spec {
    /// Incompressible bytes in stored entries (the "stored" target).
    pub fn stored(size: u64, entries: usize) -> Self {
        Spec {
            size,
            entries: entries.max(1),
            content: Content::Random,
            method: Method::Stored,
        }
    }

    /// Compressible text in deflated entries (the "deflated" target).
    pub fn deflated(size: u64, entries: usize) -> Self {
        Spec {
            size,
            entries: entries.max(1),
            content: Content::Text,
            method: Method::Deflated,
        }
    }

    /// A file-name stem naming the spec: `512M-1e-stored`.
    pub fn stem(&self) -> String {
        format!(
            "{}-{}e-{}",
            size_label(self.size),
            self.entries,
            match (self.content, self.method) {
                (Content::Random, Method::Stored) => "stored",
                (Content::Text, Method::Deflated) => "deflated",
                (Content::Random, Method::Deflated) => "random-deflated",
                (Content::Text, Method::Stored) => "text-stored",
            }
        )
    }

    /// The criterion parameter label: `512M/1e`.
    pub fn label(&self) -> String {
        format!("{}/{}e", size_label(self.size), self.entries)
    }

    /// The connector files, in archive order.
    pub fn files(&self) -> Vec<(String, Source)> {
        let n = self.entries.max(1) as u64;
        let each = self.size / n;
        let first = self.size - each * (n - 1);
        let mut out = Vec::with_capacity(self.entries + 1);
        out.push((SECTION_NAME.to_owned(), Source::Fixed(section_document())));
        for i in 0..n {
            let size = if i == 0 { first } else { each };
            out.push((format!("res/f{i:05}.bin"), Source::Generated(size)));
        }
        out
    }

    fn options(&self, size: u64) -> SimpleFileOptions {
        SimpleFileOptions::default()
            .compression_method(match self.method {
                Method::Stored => CompressionMethod::Stored,
                Method::Deflated => CompressionMethod::Deflated,
            })
            .last_modified_time(zip::DateTime::default())
            .large_file(size >= u64::from(u32::MAX))
            .unix_permissions(0o644)
    }
}

/// Name of the section document in generated connectors.
pub const SECTION_NAME: &str = "HelloWorld.pq";

/// The sample connector's section document (pqx-core's built-in HelloWorld).
pub fn section_document() -> &'static [u8] {
    pqx_core::sample::FILES
        .iter()
        .find(|(n, _)| *n == SECTION_NAME)
        .map(|(_, b)| *b)
        .unwrap_or(b"section HelloWorld;")
}

/// Where a connector file's bytes come from.
#[derive(Clone, Copy, Debug)]
pub enum Source {
    /// These bytes.
    Fixed(&'static [u8]),
    /// This many bytes from the spec's [`Bytes`] generator.
    Generated(u64),
}

impl Source {
    /// The file's size.
    pub fn len(&self) -> u64 {
        match self {
            Source::Fixed(b) => b.len() as u64,
            Source::Generated(n) => *n,
        }
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes the file's bytes to `out`, drawing generated ones from `bytes`.
    pub fn write_to(&self, bytes: &mut Bytes, out: &mut impl Write) -> std::io::Result<()> {
        match self {
            Source::Fixed(b) => out.write_all(b),
            Source::Generated(n) => bytes.write_to(*n, out),
        }
    }
}

/// `64K`, `1M`, `512M`, `2G`.
pub fn size_label(size: u64) -> String {
    if size >= 1 << 30 && size.is_multiple_of(1 << 30) {
        format!("{}G", size >> 30)
    } else if size >= MIB && size.is_multiple_of(MIB) {
        format!("{}M", size >> 20)
    } else if size.is_multiple_of(1024) {
        format!("{}K", size >> 10)
    } else {
        format!("{size}B")
    }
}

/// Parses `64K`, `1M`, `512M`, `2G`, or a bare number of MiB.
pub fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let (num, mult) = match t.char_indices().last()? {
        (i, 'K' | 'k') => (&t[..i], 1u64 << 10),
        (i, 'M' | 'm') => (&t[..i], MIB),
        (i, 'G' | 'g') => (&t[..i], 1 << 30),
        (i, 'B' | 'b') => (&t[..i], 1),
        _ => (t, MIB),
    };
    num.trim().parse::<u64>().ok()?.checked_mul(mult)
}

/// Sizes to bench: `$PQX_BENCH_SIZES` (comma-separated, see [`parse_size`]), default
/// `1M,64M,512M`.
pub fn sizes_from_env() -> Vec<u64> {
    list_from_env("PQX_BENCH_SIZES", "1M,64M,512M", parse_size)
}

/// Entry counts to bench: `$PQX_BENCH_ENTRIES`, default `1,10000`.
pub fn entries_from_env() -> Vec<usize> {
    list_from_env("PQX_BENCH_ENTRIES", "1,10000", |s| s.trim().parse().ok())
}

fn list_from_env<T>(var: &str, default: &str, parse: impl Fn(&str) -> Option<T>) -> Vec<T> {
    let text = std::env::var(var).unwrap_or_else(|_| default.to_owned());
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| parse(s).unwrap_or_else(|| panic!("{var}: cannot read {s:?}")))
        .collect()
}

/// Deterministic byte source (xorshift64*), fast enough not to matter next to SHA-256.
#[derive(Clone, Debug)]
pub struct Bytes {
    state: u64,
    content: Content,
}

const WORDS: [&str; 32] = [
    "let ",
    "in ",
    "each ",
    "Table.",
    "AddColumn",
    "(",
    ")",
    ", ",
    "Source",
    "Web.Contents",
    "\"https://example.com/api\"",
    "Json.Document",
    "[",
    "]",
    "= ",
    "\n    ",
    "type ",
    "text",
    "number",
    "null",
    "if ",
    "then ",
    "else ",
    "Record.",
    "Field",
    "List.",
    "Transform",
    "_",
    "0",
    "1",
    "#\"Renamed\"",
    "shared ",
];

impl Bytes {
    /// A source seeded by `seed`.
    pub fn new(content: Content, seed: u64) -> Self {
        Bytes {
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            content,
        }
    }

    fn next(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Fills `buf` completely.
    pub fn fill(&mut self, buf: &mut [u8]) {
        match self.content {
            Content::Random => {
                let mut chunks = buf.chunks_exact_mut(8);
                for c in &mut chunks {
                    c.copy_from_slice(&self.next().to_le_bytes());
                }
                let rest = chunks.into_remainder();
                let last = self.next().to_le_bytes();
                rest.copy_from_slice(&last[..rest.len()]);
            }
            Content::Text => {
                let mut i = 0;
                while i < buf.len() {
                    let mut r = self.next();
                    for _ in 0..12 {
                        let w = WORDS[(r & 31) as usize].as_bytes();
                        r >>= 5;
                        let n = w.len().min(buf.len() - i);
                        buf[i..i + n].copy_from_slice(&w[..n]);
                        i += n;
                        if i == buf.len() {
                            break;
                        }
                    }
                }
            }
        }
    }

    /// Writes `len` bytes to `out` in 1 MiB chunks.
    pub fn write_to(&mut self, len: u64, out: &mut impl Write) -> std::io::Result<()> {
        let mut buf = vec![0u8; MIB as usize];
        let mut left = len;
        while left > 0 {
            let n = left.min(MIB) as usize;
            self.fill(&mut buf[..n]);
            out.write_all(&buf[..n])?;
            left -= n as u64;
        }
        Ok(())
    }
}

/// Writes the spec's connector as a `.mez` (a plain ZIP of the files).
pub fn write_mez<W: Write + Seek>(spec: &Spec, out: W) -> zip::result::ZipResult<W> {
    let mut z = ZipWriter::new(out);
    let mut bytes = Bytes::new(spec.content, 1);
    for (name, src) in spec.files() {
        z.start_file(name.as_str(), spec.options(src.len()))?;
        src.write_to(&mut bytes, &mut z)?;
    }
    z.finish()
}

/// Writes the spec's connector as an unsigned `.pqx` (`[Content_Types].xml`, then one part
/// per file, `application/octet-stream`), with the spec's compression method.
pub fn write_unsigned_pqx<W: Write + Seek>(spec: &Spec, out: W) -> pqx_core::Result<W> {
    let zerr = pqx_core::Error::from;
    let files = spec.files();
    let mut ct = ContentTypes::new();
    let mut parts = Vec::with_capacity(files.len());
    for (name, src) in &files {
        let part = PartName::from_file_name(name)?;
        ct.assign(&part, "application/octet-stream");
        parts.push((part, *src));
    }
    let mut z = ZipWriter::new(out);
    let xml = ct.to_xml();
    z.start_file(
        "[Content_Types].xml",
        SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default()),
    )
    .map_err(zerr)?;
    z.write_all(xml.as_bytes())
        .map_err(|e| pqx_core::Error::zip(e.to_string()))?;
    let mut bytes = Bytes::new(spec.content, 1);
    for (part, src) in &parts {
        z.start_file(part.zip_item(), spec.options(src.len()))
            .map_err(zerr)?;
        src.write_to(&mut bytes, &mut z)
            .map_err(|e| pqx_core::Error::zip(e.to_string()))?;
    }
    z.finish().map_err(zerr)
}

/// Writes the spec's files into `dir` (for `zip -r` and `jar`), same names and bytes.
pub fn write_tree(spec: &Spec, dir: &Path) -> std::io::Result<()> {
    let mut bytes = Bytes::new(spec.content, 1);
    for (name, src) in spec.files() {
        let path = dir.join(&name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut f = BufWriter::new(File::create(path)?);
        src.write_to(&mut bytes, &mut f)?;
        f.flush()?;
    }
    Ok(())
}

/// Where inputs live: `$PQX_BENCH_DIR`, else `target/pqx-bench-inputs` of the workspace.
pub fn input_dir() -> PathBuf {
    let dir = std::env::var_os("PQX_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("target")
                .join("pqx-bench-inputs")
        });
    std::fs::create_dir_all(&dir).expect("cannot create the bench input folder");
    dir.canonicalize().unwrap_or(dir)
}

/// Returns `dir/name`, first creating it with `make` (through a temporary name, so an
/// interrupted run never leaves a half-written input) when it does not exist.
pub fn cached(
    dir: &Path,
    name: &str,
    make: impl FnOnce(&Path) -> Result<(), Box<dyn std::error::Error>>,
) -> PathBuf {
    let path = dir.join(name);
    if !path.exists() {
        let tmp = dir.join(format!(".{name}.partial"));
        make(&tmp).unwrap_or_else(|e| panic!("generating {name}: {e}"));
        std::fs::rename(&tmp, &path).expect("renaming a generated input");
    }
    path
}

fn create(path: &Path) -> std::io::Result<BufWriter<File>> {
    Ok(BufWriter::with_capacity(1 << 20, File::create(path)?))
}

/// The bench signing key (test PKI leaf → intermediate → root), generated once and kept as
/// `key.pem` (PKCS#8) and `chain.pem` in `dir`.
pub fn bench_key(dir: &Path) -> SigningKey {
    let key = dir.join("key.pem");
    let chain = dir.join("chain.pem");
    if !key.exists() || !chain.exists() {
        let pki = TestPki::generate(&TestPkiOptions::default()).expect("test PKI");
        std::fs::write(&chain, pki.chain_pem()).expect("writing chain.pem");
        std::fs::write(&key, pki.leaf_key_pkcs8_pem()).expect("writing key.pem");
    }
    pqx_core::files::load_pem_files(&key, None, &chain).expect("loading the bench key")
}

/// The `.mez` of `spec` in `dir`.
pub fn mez_file(dir: &Path, spec: &Spec) -> PathBuf {
    cached(dir, &format!("{}.mez", spec.stem()), |p| {
        write_mez(spec, create(p)?)?.flush()?;
        Ok(())
    })
}

/// The unsigned `.pqx` of `spec` in `dir`.
pub fn unsigned_file(dir: &Path, spec: &Spec) -> PathBuf {
    cached(dir, &format!("{}.unsigned.pqx", spec.stem()), |p| {
        write_unsigned_pqx(spec, create(p)?)?.flush()?;
        Ok(())
    })
}

/// The signed `.pqx` of `spec` in `dir` (signed with [`bench_key`], checked to verify).
pub fn signed_file(dir: &Path, spec: &Spec) -> PathBuf {
    let unsigned = unsigned_file(dir, spec);
    let key = bench_key(dir);
    cached(dir, &format!("{}.pqx", spec.stem()), |p| {
        pqx_core::files::sign_file(&unsigned, p, &key, &pqx_core::sign::SignOptions::default())?;
        let v = pqx_core::files::verify_file(p, &Default::default())?;
        if !v.is_valid() {
            return Err(format!("the generated package does not verify: {:?}", v.status).into());
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_print() {
        assert_eq!(parse_size("64K"), Some(64 << 10));
        assert_eq!(parse_size("512"), Some(512 * MIB));
        assert_eq!(parse_size("2G"), Some(2 << 30));
        assert_eq!(size_label(512 * MIB), "512M");
        assert_eq!(size_label(2 << 30), "2G");
    }

    #[test]
    fn tiny_inputs_are_made_signed_and_verified() {
        let dir = std::env::temp_dir().join(format!("pqx-benches-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for spec in [Spec::stored(64 << 10, 3), Spec::deflated(64 << 10, 3)] {
            let signed = signed_file(&dir, &spec);
            let v = pqx_core::files::verify_file(&signed, &Default::default()).unwrap();
            assert!(v.is_valid(), "{:?}", v.status);
            let mez = mez_file(&dir, &spec);
            let out = dir.join(format!("{}.packed.pqx", spec.stem()));
            pqx_core::files::pack_file(&mez, &out, &Default::default()).unwrap();
            let pkg = pqx_core::opc::Package::open(
                std::fs::File::open(&out).unwrap(),
                "packed",
                &Default::default(),
            )
            .unwrap();
            assert_eq!(pkg.parts().len(), spec.entries + 1);
            // pqx's writer stores what deflate does not shrink (the random data files) and
            // deflates the rest.
            let data_deflated = pkg
                .parts()
                .iter()
                .filter(|p| p.name.as_str().starts_with("/res/"))
                .all(|p| p.entry.deflated);
            assert_eq!(data_deflated, spec.content == Content::Text, "{spec:?}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
