//! What `verify` returns: the core's MakePQX-shaped [`Report`], plus the verdicts the core
//! computes on the whole [`Verification`] and the package's SHA-256.

use crate::options::VerifyOptions;
use pqx_core::digest::DigestAlgorithm;
use pqx_core::host_digest::ByteRange;
use pqx_core::host_digest::HostDigests;
use pqx_core::report::Report;
use pqx_core::verify::{verify_bytes, Verification};
use pqx_core::Result;
use serde::Serialize;

/// The verify report: every field of [`Report`] (`SignatureStatus`, `CertificateStatus`,
/// `Signatures` with their countersignature links, `UnsignedParts`, `Warnings`) at the top
/// level, then `IsValid`, `IsTrusted` and `PackageSha256`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VerifyReport {
    /// The core's report, flattened.
    #[serde(flatten)]
    pub report: Report,
    /// [`Verification::is_valid`]: every signature verifies and covers the whole package.
    pub is_valid: bool,
    /// [`Verification::is_trusted`]: valid, and every signer chains to a trusted CA or a
    /// pinned thumbprint.
    pub is_trusted: bool,
    /// SHA-256 of the whole file, lower-case hex (as `sha256sum` prints it).
    pub package_sha256: String,
}

impl VerifyReport {
    /// Builds the report of a verification of `bytes`; `host` may hold the whole file's
    /// SHA-256 (the browser's own hash is several times faster than pqx's in wasm).
    pub fn new(v: &Verification, bytes: &[u8], host: &HostDigests) -> Self {
        let whole = ByteRange {
            offset: 0,
            len: bytes.len() as u64,
        };
        let sha256 = match host.get(whole, DigestAlgorithm::Sha256) {
            Some(d) => d.to_vec(),
            None => DigestAlgorithm::Sha256.digest(bytes),
        };
        VerifyReport {
            report: Report::from_verification(v),
            is_valid: v.is_valid(),
            is_trusted: v.is_trusted(),
            package_sha256: hex::encode(sha256),
        }
    }
}

/// Verifies a package held in memory with the JS options.
pub fn verify_report(bytes: &[u8], options: &VerifyOptions) -> Result<VerifyReport> {
    let core = options.to_core()?;
    let v = verify_bytes(bytes, options.file_name(), &core)?;
    Ok(VerifyReport::new(&v, bytes, &core.host_digests))
}
