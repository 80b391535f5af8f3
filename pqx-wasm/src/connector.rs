//! The connector check (`pqx check`) on a package held in memory.

use pqx_core::limits::Limits;
use pqx_core::lint::{self, CheckOptions};
use pqx_core::Result;

/// Checks the connector in a package; returns the core's JSON report
/// (`{"findings": […], "errors": n, "warnings": n}`).
pub fn check_json(bytes: &[u8], what: &str) -> Result<String> {
    let source = pqx_core::connector::source_from_bytes(bytes, what, &Limits::default())?;
    Ok(lint::to_json(&lint::check(
        &source,
        &CheckOptions::default(),
    )))
}
