//! Randomness for names that must not collide: signature part names and relationship Ids.
//!
//! They are not secrets; the operating system's generator (getrandom; `crypto.getRandomValues`
//! in browsers) is used so that two signatures made at the same time never share a name.

use rand_core::{OsRng, RngCore};

/// `n` random bytes as lower-case hex (2·n characters).
pub fn hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}
