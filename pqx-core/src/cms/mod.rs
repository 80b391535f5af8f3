//! CMS (RFC 5652) where it genuinely belongs in a `.pqx` world: RFC 3161 time-stamp tokens
//! over a signature's `SignatureValue`, and a detached PKCS#7 signature (`.p7s`) of a whole
//! `.pqx` file for pipelines that check artifacts with `openssl cms -verify`.
//!
//! Neither replaces the OPC XML signature: Power BI only reads that one. A timestamp makes a
//! signature outlive its certificate (the signer is evaluated at the token's time); a `.p7s`
//! is an optional export.
//!
//! ```text
//! algorithm    (re-export of crate::algorithm) OIDs ⇄ DigestAlgorithm
//! ess          ESS signing-certificate(-v2) attributes (RFC 2634 / RFC 5035)
//! signer       the RSA signer adaptor cms' builder needs
//! signer_info  verifying one SignerInfo (the cms crate builds, it does not verify)
//! detached     build + verify a detached SignedData over the .pqx bytes
//! timestamp    RFC 3161 requests, responses and tokens; the `Timestamper` hook
//! tst_info     TSTInfo with genTime's fractional seconds (x509-tsp refuses them)
//! http         the blocking HTTP client for time-stamping authorities (feature
//!              `timestamp-client`, never on wasm)
//! ```

pub(crate) use crate::algorithm;
pub mod detached;
pub(crate) mod ess;
#[cfg(all(feature = "timestamp-client", not(target_arch = "wasm32")))]
pub mod http;
mod signer;
pub(crate) mod signer_info;
pub mod timestamp;
pub mod tst_info;

pub use detached::{sign_detached, verify_detached};
pub use timestamp::{TimestampCheck, TimestampRequest, Timestamper, VerifiedToken};
