//! A bound on the work of one connector check, so that no input makes it slow.
//!
//! The rules walk token spans: a call's arguments, a binding's value, a referenced member.
//! Done once per token that is linear, but a rule that walks a span *for each* of many
//! things (every call naming the same options record, every shared function reaching the
//! same helper) is quadratic on hostile input. The shapes known to be common — nested
//! `let … in`, long binding chains, many calls — are linear by construction (see
//! [`super::syntax::bindings`] and [`super::rules`]'s flow analysis); this budget is the
//! guarantee for every other path: each helper that walks a span pays for the tokens it
//! walks, and once the budget of a check is spent the helpers find nothing and the check
//! reports one `section-document` error saying the connector was not fully analysed. So a
//! check costs at most the budget plus a linear pass, whatever the input.
//!
//! The budget lives in a thread-local cell because the helpers are plain functions over
//! token slices, called from deep inside the rules; a check runs on one thread from start
//! to end ([`Session`] scopes it).

use std::cell::Cell;

/// Work units (tokens walked) a check may spend per significant token of its M files,
/// beyond [`BASE`]. Real connectors spend a few units per token; a rule walking every span
/// of a 64-deep nest of calls spends 64.
pub(crate) const PER_TOKEN: u64 = 128;

/// Work units every check may spend whatever its size.
pub(crate) const BASE: u64 = 4_000_000;

/// The budget of a check of M files with `tokens` significant tokens and `bytes` bytes of
/// files in all (data files are read for secrets too).
pub(crate) fn limit(tokens: usize, bytes: usize) -> u64 {
    let units = u64::try_from(tokens.saturating_add(bytes / 8)).unwrap_or(u64::MAX);
    PER_TOKEN.saturating_mul(units).saturating_add(BASE)
}

thread_local! {
    static LEFT: Cell<u64> = const { Cell::new(u64::MAX) };
    static USED: Cell<u64> = const { Cell::new(0) };
}

/// The budget of one check; ends (unlimited again) when dropped.
pub(crate) struct Session {
    outer_left: u64,
    outer_used: u64,
}

impl Session {
    /// Starts a check that may spend `limit` work units.
    pub fn start(limit: u64) -> Session {
        let session = Session {
            outer_left: LEFT.with(Cell::get),
            outer_used: USED.with(Cell::get),
        };
        LEFT.with(|l| l.set(limit));
        USED.with(|u| u.set(0));
        session
    }

    /// Work units spent so far, the walk that ran out of budget included (what the
    /// linear-time tests count).
    pub fn used(&self) -> u64 {
        USED.with(Cell::get)
    }

    /// True once the budget is spent: the findings may be incomplete.
    pub fn exhausted(&self) -> bool {
        LEFT.with(Cell::get) == 0
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        LEFT.with(|l| l.set(self.outer_left));
        USED.with(|u| u.set(self.outer_used));
    }
}

/// Pays for walking `n` tokens (or bytes, or entries). `false` when the budget cannot pay:
/// the caller must then not walk, and answer as if it found nothing.
pub(crate) fn spend(n: usize) -> bool {
    let n = u64::try_from(n).unwrap_or(u64::MAX).max(1);
    if LEFT.with(Cell::get) == 0 {
        return false;
    }
    USED.with(|u| u.set(u.get().saturating_add(n)));
    LEFT.with(|l| match l.get().checked_sub(n) {
        Some(left) => {
            l.set(left);
            true
        }
        None => {
            l.set(0);
            false
        }
    })
}
