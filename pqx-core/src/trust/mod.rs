//! Trust policy and certificate chain building.
//!
//! An OPC signature embeds the signer's certificate and usually its chain. Whether the
//! signature is *valid* (the bytes verify) and whether the signer is *trusted* are separate
//! questions; this module answers the second. The answer is a [`Chain`] whose elements carry
//! .NET [`ChainStatus`] flags, because that is the vocabulary of MakePQX's report and of
//! Windows' certificate dialogs, and a `trusted` verdict under a [`TrustPolicy`].

mod chain;
mod extensions;
mod name_constraints;
mod policy;
pub mod registry_list;
mod revocation;
mod status;
mod thumbprint;

pub use chain::{build_chain, build_chain_for, Chain, ChainElement, TrustSource};
pub use policy::TrustPolicy;
pub use registry_list::{parse_registry_list, RegistryList};
pub use revocation::{apply_revocation, Crl, Revocation, RevocationList, RevocationSource};
pub use status::ChainStatus;
pub use thumbprint::Thumbprint;
