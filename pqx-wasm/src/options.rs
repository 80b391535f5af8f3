//! `verify`'s options object, as JavaScript passes it, and its translation into the core's
//! [`pqx_core::verify::VerifyOptions`].

use pqx_core::digest::DigestAlgorithm;
use pqx_core::host_digest::ByteRange;
use pqx_core::host_digest::HostDigests;
use pqx_core::trust::TrustPolicy;
use pqx_core::verify;
use pqx_core::{Error, Result};
use serde::Deserialize;

/// The options object of `verify(bytes, options)`. Every field is optional; unknown fields
/// are rejected (code `invalid-argument`) so that a misspelt option cannot silently verify
/// against nothing.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerifyOptions {
    /// Trust anchors: PEM texts, each with one or more certificates.
    #[serde(default)]
    pub trusted_cas: Vec<String>,
    /// Pinned SHA-1 (40 hex digits) or SHA-256 (64) thumbprints, as Power BI's
    /// `TrustedCertificateThumbprints` holds them.
    #[serde(default)]
    pub pinned_thumbprints: Vec<String>,
    /// The file's name, used in error messages (default `"package.pqx"`).
    #[serde(default)]
    pub file_name: Option<String>,
    /// Digests the host computed (WebCrypto) over the ranges `digestPlan` named, and over
    /// the whole file for `PackageSha256`; see [`pqx_core::host_digest`].
    #[serde(default)]
    pub host_digests: Vec<HostDigest>,
}

/// One digest the host computed: `digest` (hex) of `length` bytes at `offset` of the file.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HostDigest {
    /// Offset of the first byte hashed.
    pub offset: u64,
    /// Number of bytes hashed.
    pub length: u64,
    /// `"sha1"`, `"sha256"`, `"sha384"` or `"sha512"` (WebCrypto's `"SHA-256"` spelling too).
    pub algorithm: String,
    /// The digest, hex.
    pub digest: String,
}

/// The name used in messages when the caller gives none.
pub const DEFAULT_FILE_NAME: &str = "package.pqx";

impl VerifyOptions {
    /// Parses the options from JSON text (what `JSON.stringify(options)` gives).
    pub fn from_json(json: &str) -> Result<Self> {
        serde_json::from_str(json)
            .map_err(|e| Error::InvalidArgument(format!("verify options: {e}")))
    }

    /// The name to report the file under.
    pub fn file_name(&self) -> &str {
        self.file_name.as_deref().unwrap_or(DEFAULT_FILE_NAME)
    }

    /// Whether the caller gave a trust policy (anchors or pins): without one, "not trusted"
    /// means nothing, and audit rows say `Trusted: null`, as the CLI's do.
    pub fn has_trust_policy(&self) -> bool {
        !(self.trusted_cas.is_empty() && self.pinned_thumbprints.is_empty())
    }

    /// The core's trust policy: every certificate of every PEM an anchor, every thumbprint
    /// pinned. A PEM without a certificate or a malformed thumbprint is an error, not ignored.
    pub fn trust_policy(&self) -> Result<TrustPolicy> {
        let mut policy = TrustPolicy::none();
        for pem in &self.trusted_cas {
            policy.add_anchors_from_pem_or_der(pem.as_bytes())?;
        }
        for thumbprint in &self.pinned_thumbprints {
            policy.pin_thumbprint(thumbprint)?;
        }
        Ok(policy)
    }

    /// The host's digests, checked for form (algorithm name, hex, length).
    pub fn host_digests(&self) -> Result<HostDigests> {
        let mut host = HostDigests::new();
        for d in &self.host_digests {
            let digest = hex::decode(&d.digest).map_err(|e| {
                Error::InvalidArgument(format!("hostDigests: digest {:?}: {e}", d.digest))
            })?;
            let range = ByteRange {
                offset: d.offset,
                len: d.length,
            };
            host.insert(range, DigestAlgorithm::from_name(&d.algorithm)?, digest)?;
        }
        Ok(host)
    }

    /// The core's verify options.
    pub fn to_core(&self) -> Result<verify::VerifyOptions> {
        let mut options = verify::VerifyOptions::with_policy(self.trust_policy()?);
        options.host_digests = self.host_digests()?;
        Ok(options)
    }
}
