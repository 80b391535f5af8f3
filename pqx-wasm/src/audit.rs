//! `auditFile` and `auditSummary`: the row of one file of a multi-file audit, and the summary
//! line under the table, both the core's ([`pqx_core::audit`]), in the shape `pqx verify
//! A.pqx B.pqx --format json` prints. The page audits file by file (so it can show progress
//! and keep no file in memory after its row), then sums up the rows it kept.

use crate::options::VerifyOptions;
use pqx_core::audit::{audit_bytes, table_cells, AuditStatus, AuditSummary};
use pqx_core::{Error, Result};
use serde::Deserialize;

/// The row of the file `bytes` named `name`, as JSON text: [`pqx_core::audit::FileAudit::to_json`].
/// A file that is not a readable package is an `"Error"` row, not an error; only bad
/// options are.
pub fn audit_row_json(bytes: &[u8], name: &str, options: &VerifyOptions) -> Result<String> {
    let core = options.to_core()?;
    let row = audit_bytes(bytes, name, &core);
    Ok(row.to_json(options.has_trust_policy()))
}

/// What [`summary_of_rows_json`] reads of a row; the other fields are ignored.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RowVerdict {
    signature_status: String,
    #[serde(default)]
    trusted: Option<bool>,
}

/// The summary line of the rows `auditFile` returned (a JSON array of them): [`AuditSummary`].
/// The audit had a trust policy when the rows say `Trusted` (it is `null` in every row
/// otherwise). A row without `SignatureStatus`, or with a status pqx does not print, is an
/// `invalid-argument` error.
pub fn summary_of_rows_json(json: &str) -> Result<String> {
    let rows: Vec<RowVerdict> = serde_json::from_str(json)
        .map_err(|e| Error::InvalidArgument(format!("audit rows: {e}")))?;
    let mut summary = AuditSummary::new(rows.iter().any(|r| r.trusted.is_some()));
    for r in &rows {
        let status = AuditStatus::from_name(&r.signature_status).ok_or_else(|| {
            Error::InvalidArgument(format!(
                "audit rows: unknown SignatureStatus {:?}",
                r.signature_status
            ))
        })?;
        summary.add(status, r.trusted == Some(true));
    }
    Ok(summary.to_string())
}

/// What [`cells_of_rows_json`] reads of a row: the fields the table shows.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RowFields {
    file: String,
    signature_status: String,
    #[serde(default)]
    signer: Option<String>,
    #[serde(default)]
    thumbprint: Option<String>,
    #[serde(default)]
    trusted: Option<bool>,
    #[serde(default)]
    expires: Option<String>,
}

/// The table cells of the rows `auditFile` returned (a JSON array of them), one array of six
/// strings per row under [`pqx_core::audit::TABLE_HEADER`]: [`table_cells`], the words of the
/// CLI's table. A row without `File` or `SignatureStatus` is an `invalid-argument` error.
pub fn cells_of_rows_json(json: &str) -> Result<String> {
    let rows: Vec<RowFields> = serde_json::from_str(json)
        .map_err(|e| Error::InvalidArgument(format!("audit rows: {e}")))?;
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            table_cells(
                &r.file,
                &r.signature_status,
                r.signer.as_deref(),
                r.thumbprint.as_deref(),
                r.trusted,
                r.expires.as_deref(),
            )
        })
        .collect();
    serde_json::to_string(&cells).map_err(|e| Error::InvalidArgument(format!("audit rows: {e}")))
}
