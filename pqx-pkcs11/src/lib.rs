//! Signing `.pqx` packages with a private key that stays inside a PKCS#11 token or HSM
//! (YubiKey PIV, SafeNet, a cloud HSM's PKCS#11 client, SoftHSM).
//!
//! Since June 2023 publicly trusted code-signing keys must live in hardware; this crate is
//! how pqx signs with them. It lives outside pqx-core so that pqx-core stays pure Rust
//! without `unsafe` (loading a vendor's module is FFI, done by the `cryptoki` crate), and
//! only implements [`pqx_core::keys::Signer`]: the certificate policy and the check of the
//! returned signature against the certificate are pqx-core's, whatever the signer.
//!
//! ```no_run
//! # fn main() -> Result<(), pqx_pkcs11::Pkcs11Error> {
//! use pqx_pkcs11::{Module, Pkcs11Signer, Pkcs11Uri};
//! let module = Module::load("/usr/lib/softhsm/libsofthsm2.so".as_ref())?;
//! let uri = Pkcs11Uri::parse("pkcs11:token=ci;object=signer")?;
//! let token = module.find_token(&uri, "pkcs11:token=ci;object=signer")?;
//! let signer = Pkcs11Signer::open(&module, &token, &uri, Some("1234"), Vec::new())?;
//! # let _ = signer; Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
mod listing;
mod objects;
mod signer;
mod token;
mod uri;

pub use error::Pkcs11Error;
pub use listing::{list_token, CertListing, KeyListing, TokenListing};
pub use signer::Pkcs11Signer;
pub use token::{Module, TokenSlot};
pub use uri::{is_pkcs11_uri, object_uri, ObjectType, Pkcs11Uri};
