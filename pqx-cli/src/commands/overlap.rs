//! No output lands on an input: each command names every file it reads and writes, and
//! [`refuse`] compares them by file identity (pqx-core's `file_identity`) before anything is
//! read or written.

use crate::cli::KeyArgs;
use crate::failure::Failure;
use pqx_core::file_identity::{refuse_overlaps, Role};
use std::path::Path;

/// The key files a signing command reads.
pub fn key_inputs(key: &KeyArgs) -> Vec<Role<'_>> {
    let named = [
        ("certificate", key.certificate.as_deref()),
        ("key", key.key.as_deref()),
        ("certificate chain", key.cert.as_deref()),
        (
            "password file",
            key.password
                .password_file
                .as_deref()
                .filter(|p| p.as_os_str() != "-"),
        ),
    ];
    named
        .into_iter()
        .filter_map(|(role, path)| Some(Role { role, path: path? }))
        .collect()
}

/// Refuses (exit 2) an output that is an input or another output, but for `in_place`, the
/// (output, input) pair that may be one file (signing in place).
pub fn refuse(
    inputs: &[Role<'_>],
    outputs: &[Role<'_>],
    in_place: Option<(&Path, &Path)>,
) -> Result<(), Failure> {
    refuse_overlaps(inputs, outputs, in_place)
        .map_err(|e| Failure::from(e).hint("name another output file; nothing was written"))
}
