//! Digests the host computes: for hosts whose own hash is much faster than pqx's portable one.
//!
//! In a browser, pqx runs as WebAssembly with software SHA-256, several times slower than the
//! browser's native `crypto.subtle.digest`, which is asynchronous and so cannot be called from
//! inside a synchronous verification. Verification therefore goes in two steps:
//!
//! 1. [`digest_plan`] names the byte ranges of the package file worth hashing natively: the
//!    content of every large *stored* part, each with the algorithms the signatures use for it.
//! 2. The host hashes exactly those ranges and passes the results in
//!    [`VerifyOptions::host_digests`](crate::verify::VerifyOptions::host_digests);
//!    [`verify`](crate::verify) uses a host digest in place of its own only where the range
//!    and algorithm match the part it is checking, and still reads the part for its CRC-32.
//!
//! The core owns the plan and every comparison; the host only hashes bytes. A digest for a
//! range that is not a stored part's content is never used (pqx hashes that part itself).

/// Where a stored part's bytes lie in the package file: re-exported here because hosts hash
/// exactly these ranges, while the ZIP reader that finds them is internal.
pub use crate::archive::ByteRange;
use crate::digest::DigestAlgorithm;
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::opc::signature_parts::SignatureLayout;
use crate::opc::Package;
use crate::signature::parse::parse_signature;
use std::collections::{BTreeSet, HashMap};

/// Parts smaller than this are hashed by pqx itself: below it, a call out to the host costs
/// more than the hash.
pub const MIN_HOST_DIGEST_LEN: u64 = 256 * 1024;

/// One range of the package file to hash, with the algorithms wanted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestRequest {
    /// The part whose content the range is (for messages and tests).
    pub part: String,
    /// Where the part's bytes lie in the file.
    pub range: ByteRange,
    /// The algorithms the signatures use for this part.
    pub algorithms: Vec<DigestAlgorithm>,
}

/// Digests computed by the host, keyed by the range and algorithm it hashed.
#[derive(Clone, Debug, Default)]
pub struct HostDigests {
    digests: HashMap<(ByteRange, DigestAlgorithm), Vec<u8>>,
}

impl HostDigests {
    /// No host digests: pqx hashes everything itself.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the host's `digest` of `range` with `algorithm`. A digest of the wrong length
    /// for the algorithm is [`Error::InvalidArgument`]: it cannot be a digest at all.
    pub fn insert(
        &mut self,
        range: ByteRange,
        algorithm: DigestAlgorithm,
        digest: Vec<u8>,
    ) -> Result<()> {
        let want = algorithm.digest(&[]).len();
        if digest.len() != want {
            return Err(Error::InvalidArgument(format!(
                "host digest of bytes {}..+{}: {} bytes, but {} digests are {want}",
                range.offset,
                range.len,
                digest.len(),
                algorithm.name()
            )));
        }
        self.digests.insert((range, algorithm), digest);
        Ok(())
    }

    /// The host's digest of `range` with `algorithm`, if it gave one.
    pub fn get(&self, range: ByteRange, algorithm: DigestAlgorithm) -> Option<&[u8]> {
        self.digests.get(&(range, algorithm)).map(Vec::as_slice)
    }

    /// Whether the host gave no digest.
    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }
}

/// The ranges of `bytes` (a signed package) that the host should hash: every stored part of
/// at least `min_len` bytes (hosts pass [`MIN_HOST_DIGEST_LEN`]) that a signature references
/// without a transform, with the algorithms those references use. An unsigned package or one
/// without such parts gives an empty plan; a package that cannot be opened is the error
/// [`verify`](crate::verify::verify_bytes) would also give.
pub fn digest_plan(
    bytes: &[u8],
    what: &str,
    limits: &Limits,
    min_len: u64,
) -> Result<Vec<DigestRequest>> {
    let mut package = Package::open(std::io::Cursor::new(bytes), what, limits)?;
    let layout = SignatureLayout::locate(&package)?;
    let mut wanted: HashMap<String, BTreeSet<DigestAlgorithm>> = HashMap::new();
    for s in layout.signatures.iter().take(limits.max_signatures) {
        let Some(part) = package.part(&s.part).cloned() else {
            continue;
        };
        // A signature pqx cannot read plans nothing: verification reports it.
        let Ok(xml) = package.read_part(&part, limits.max_xml_size) else {
            continue;
        };
        let Ok(sig) = parse_signature(&xml, s.part.as_str(), limits) else {
            continue;
        };
        for r in sig.references.iter().filter(|r| r.transforms.is_empty()) {
            wanted
                .entry(r.part.key().to_owned())
                .or_default()
                .insert(r.digest);
        }
    }
    let mut plan = Vec::new();
    for part in package.parts().to_vec() {
        let Some(algorithms) = wanted.get(part.name.key()) else {
            continue;
        };
        let Some(range) = package.stored_range(&part)? else {
            continue;
        };
        if range.len >= min_len.max(1) {
            plan.push(DigestRequest {
                part: part.name.to_string(),
                range,
                algorithms: algorithms.iter().copied().collect(),
            });
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_of_the_wrong_length_is_refused() {
        let mut host = HostDigests::new();
        let range = ByteRange { offset: 0, len: 1 };
        assert!(host
            .insert(range, DigestAlgorithm::Sha256, vec![0; 20])
            .is_err());
        assert!(host.is_empty());
        host.insert(range, DigestAlgorithm::Sha1, vec![0; 20])
            .expect("a SHA-1 digest is 20 bytes");
        assert_eq!(host.get(range, DigestAlgorithm::Sha1), Some(&[0u8; 20][..]));
        assert_eq!(host.get(range, DigestAlgorithm::Sha256), None);
    }
}
