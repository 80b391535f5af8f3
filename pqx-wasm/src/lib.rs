//! WebAssembly bindings for pqx-core: verify, inspect and check Power Query connectors
//! (`.pqx`, `.mez`) in a browser or Node, with nothing leaving the machine.
//!
//! Built with `wasm-bindgen --target web`, the package is one ES module (`pqx_wasm.js`) with
//! TypeScript declarations (`pqx_wasm.d.ts`):
//!
//! ```js
//! import init, { verify, inspect, thumbprint, check, auditFile, auditSummary } from "./pkg/pqx_wasm.js";
//! await init();                       // or initSync({ module: wasmBytes }) in Node
//! const report = verify(new Uint8Array(await file.arrayBuffer()), {
//!   trustedCas: [rootPem],            // PEM texts (optional)
//!   pinnedThumbprints: ["AB12…"],     // SHA-1 or SHA-256 (optional)
//! });
//! report.SignatureStatus;             // "Success", "InvalidSignature", "NotSigned", …
//! ```
//!
//! Every function is an adapter: convert the arguments, call pqx-core, convert the result.
//! Failures are thrown as `Error`s named `PqxError` whose `code` is the core's
//! [`pqx_core::ErrorKind::name`] (see [`js`]).
//!
//! Memory: the bytes passed in are copied once into the module's memory for the call (the
//! core hashes parts in a streaming pass, so decompressed parts are not held whole).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod audit;
pub mod connector;
pub mod js;
pub mod options;
pub mod report;

use js::{JsError, JsResult};
use pqx_core::certificate::Certificate;
use pqx_core::host_digest::{self, MIN_HOST_DIGEST_LEN};
use pqx_core::inspect::inspect_with;
use pqx_core::limits::Limits;
use pqx_core::Error;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** Options of `verify`. Every field is optional; unknown fields are an `invalid-argument` error. */
export interface VerifyOptions {
  /** Trust anchors: PEM texts, each with one or more certificates. */
  trustedCas?: string[];
  /** Pinned SHA-1 (40 hex digits) or SHA-256 (64) thumbprints (Power BI's TrustedCertificateThumbprints). */
  pinnedThumbprints?: string[];
  /** The file's name, used in error messages. */
  fileName?: string;
  /** Digests the host computed (e.g. with `crypto.subtle.digest`) over the ranges
   *  `digestPlan` named, and over the whole file (offset 0, the file's length, sha256) for
   *  `PackageSha256`. pqx uses one only where range and algorithm match what it checks. */
  hostDigests?: HostDigest[];
}

/** A digest the host computed: `digest` (hex) of `length` bytes at `offset`. */
export interface HostDigest {
  offset: number;
  length: number;
  /** "sha1" | "sha256" | "sha384" | "sha512" */
  algorithm: string;
  digest: string;
}

/** A range of the file `verify` would hash, worth hashing with the host's own SHA. */
export interface DigestRequest {
  part: string;
  offset: number;
  length: number;
  /** "sha1" | "sha256" | "sha384" | "sha512" */
  algorithms: string[];
}

/** "Success" | "InvalidSignature" | "NotSigned" | "UnsignedParts" | "ReferenceNotFound" |
 *  "InvalidCertificate" | "CertificateRequired" | "MalformedSignature" | "UnsupportedAlgorithm" */
export type SignatureStatus = string;

/** A certificate of a signer's chain, as MakePQX reports it. */
export interface CertificateEntry {
  Issuer: string;
  /** SHA-1, 40 upper-case hex digits. */
  Thumbprint: string;
  Subject: string;
  NotBefore: string;
  NotAfter: string;
  /** Chains to the trust policy with no error from this certificate up. */
  Valid: boolean;
  /** The issuer's entry; null at the top of the chain. */
  Parent: CertificateEntry | null;
  /** .NET X509ChainStatusFlags: "NoError", "UntrustedRoot", … */
  Status: string;
}

/** One signature part. */
export interface SignatureEntry {
  Part: string;
  Status: SignatureStatus;
  Reason: string | null;
  Thumbprint: string | null;
  ThumbprintSha256: string | null;
  Signer: string | null;
  DigestAlgorithm: string | null;
  /** SignatureTime as written: claimed by the signer, not proven. */
  SigningTime: string | null;
  /** Whether this signature countersigns others. */
  Countersignature: boolean;
  /** The signature parts it countersigns. */
  Countersigns: string[];
  CoveredParts: string[];
  Trusted: boolean;
  Warnings: string[];
}

/** What `verify` returns: MakePQX's JSON plus pqx's sections. */
export interface VerifyReport {
  SignatureStatus: SignatureStatus;
  CertificateStatus: CertificateEntry[];
  Signatures: SignatureEntry[];
  /** Parts and relationships no valid signature covers. */
  UnsignedParts: string[];
  Warnings: string[];
  /** Every signature verifies and covers the whole package. */
  IsValid: boolean;
  /** Valid, and every signer chains to a trusted CA or a pinned thumbprint. */
  IsTrusted: boolean;
  /** SHA-256 of the whole file, lower-case hex. */
  PackageSha256: string;
}

/** One file of a package. */
export interface EntryInfo {
  name: string;
  /** "SectionDocument", "Module", "Resources", "Icon", "Other" or "Package" (OPC machinery). */
  kind: string;
  size: number;
  compressedSize: number;
  contentType: string | null;
}

/** One signature, as `inspect` sees it (no trust policy). */
export interface SignerInfo {
  part: string;
  status: SignatureStatus;
  subject: string | null;
  issuer: string | null;
  thumbprintSha1: string | null;
  thumbprintSha256: string | null;
  signingTime: string | null;
  digestAlgorithm: string | null;
  countersignature: boolean;
}

/** What `inspect` returns. */
export interface Inspection {
  format: "mez" | "pqx";
  sectionDocument: string | null;
  sectionName: string | null;
  version: string | null;
  entries: EntryInfo[];
  signatures: SignerInfo[];
}

/** One finding of the connector check. */
export interface Finding {
  rule: string;
  severity: "error" | "warning";
  message: string;
  file: string;
  line: number;
  column: number;
  help: string;
}

/** What `check` returns. */
export interface CheckReport {
  findings: Finding[];
  errors: number;
  warnings: number;
}

/** One row of a multi-file audit (`auditFile`): the object `pqx verify A.pqx B.pqx --format json`
 *  prints for each file. */
export interface AuditRow {
  /** The name the file was given. */
  File: string;
  /** The overall SignatureStatus, or "Error" when the file is not a readable package. */
  SignatureStatus: SignatureStatus | "Error";
  /** The first signer's subject. */
  Signer: string | null;
  /** The first signer's SHA-1 thumbprint. */
  Thumbprint: string | null;
  /** Valid and every signer trusted; null when the options held no trust policy. */
  Trusted: boolean | null;
  /** When the first signer's certificate expires. */
  Expires: string | null;
  /** Why the file could not be verified (Error rows), or why a .mez is not signed. */
  Error: string | null;
  /** MakePQX's report (null for Error rows and .mez files). */
  Report: VerifyReport | null;
}

/** Errors thrown by this module: `name` is "PqxError", `code` the pqx error kind
 *  ("zip", "opc", "xml", "certificate", "invalid-argument", "limit-exceeded", …). */
export interface PqxError extends Error {
  code: string;
  /** What the user can do about it (the same words as the CLI and the C and .NET bindings), or null. */
  hint: string | null;
}
"#;

/// Runs when the module is instantiated: installs the debug-build panic hook.
#[wasm_bindgen(start)]
fn start() {
    js::install_panic_hook();
}

/// Verifies a signed connector (`.pqx`): every signature, every digest, the certificates
/// and that no file escapes the signatures.
///
/// Returns the MakePQX-shaped report plus `Signatures` (with countersignatures),
/// `UnsignedParts`, `IsValid`, `IsTrusted` and `PackageSha256`. A package whose signatures
/// fail verification is a report (e.g. `SignatureStatus: "InvalidSignature"`), not an
/// error; errors are for input that is not a readable package, or bad options.
#[wasm_bindgen(unchecked_return_type = "VerifyReport")]
pub fn verify(
    bytes: &[u8],
    #[wasm_bindgen(unchecked_optional_param_type = "VerifyOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let options = verify_options(&options)?;
    Ok(js::to_js(
        &report::verify_report(bytes, &options).map_err(JsError::from)?,
    )?)
}

/// Lists what is inside a `.mez` or `.pqx`: entries, the section document's name and
/// version, and the signers (statuses under an empty trust policy). `options` are
/// `verify`'s; only `hostDigests` matters here (the trust options are not used).
#[wasm_bindgen(unchecked_return_type = "Inspection")]
pub fn inspect(
    bytes: &[u8],
    file_name: Option<String>,
    #[wasm_bindgen(unchecked_optional_param_type = "VerifyOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let what = file_name.as_deref().unwrap_or(options::DEFAULT_FILE_NAME);
    let mut core = pqx_core::verify::VerifyOptions::default();
    core.host_digests = verify_options(&options)?
        .host_digests()
        .map_err(JsError::from)?;
    let inspection =
        inspect_with(std::io::Cursor::new(bytes), what, &core).map_err(JsError::from)?;
    Ok(js::to_js(&inspection)?)
}

/// The ranges of a signed package worth hashing with the host's own SHA (WebCrypto is
/// several times faster than pqx's in wasm): large stored parts the signatures reference,
/// each with the algorithms they use. Hash them (and the whole file with SHA-256), then pass
/// the digests as `hostDigests` to `verify` and `inspect`. Empty for small packages.
#[wasm_bindgen(js_name = digestPlan, unchecked_return_type = "DigestRequest[]")]
pub fn digest_plan(bytes: &[u8], file_name: Option<String>) -> Result<JsValue, JsValue> {
    let what = file_name.as_deref().unwrap_or(options::DEFAULT_FILE_NAME);
    let plan = host_digest::digest_plan(bytes, what, &Limits::default(), MIN_HOST_DIGEST_LEN)
        .map_err(JsError::from)?;
    let plan: Vec<serde_json::Value> = plan
        .iter()
        .map(|r| {
            serde_json::json!({
                "part": r.part,
                "offset": r.range.offset,
                "length": r.range.len,
                "algorithms": r.algorithms.iter().map(|a| a.name()).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(js::to_js(&plan)?)
}

/// The SHA-1 thumbprint (40 upper-case hex digits, what Power BI's
/// `TrustedCertificateThumbprints` holds) of the certificate in `cert_bytes` (PEM or DER; of a
/// PEM chain, the signer's: the first that is not a CA, else the first). No certificate at
/// all is a `certificate` error.
#[wasm_bindgen]
pub fn thumbprint(cert_bytes: &[u8]) -> Result<String, JsValue> {
    let signer = Certificate::signer_from_pem_or_der(cert_bytes).map_err(JsError::from)?;
    Ok(signer.thumbprint_sha1())
}

/// Checks the connector in a `.mez` or `.pqx` against the certification rules (`pqx
/// check`): returns `{ findings, errors, warnings }`.
#[wasm_bindgen(unchecked_return_type = "CheckReport")]
pub fn check(bytes: &[u8], file_name: Option<String>) -> Result<JsValue, JsValue> {
    let what = file_name.as_deref().unwrap_or(options::DEFAULT_FILE_NAME);
    let json = connector::check_json(bytes, what).map_err(JsError::from)?;
    Ok(js::json_to_js(&json)?)
}

/// Audits one file of several (`pqx verify A.pqx B.pqx DIR/`): verifies `bytes` and returns
/// the core's row for it, the object the CLI's `--format json` prints per file. `file_name`
/// names the row; a `.mez` is `NotSigned` without being opened, as in the CLI. A file that
/// is not a readable package is a row with `SignatureStatus: "Error"`, not an exception:
/// one bad file must not stop the audit of the others. Bad options throw.
#[wasm_bindgen(js_name = auditFile, unchecked_return_type = "AuditRow")]
pub fn audit_file(
    bytes: &[u8],
    file_name: String,
    #[wasm_bindgen(unchecked_optional_param_type = "VerifyOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let options = verify_options(&options)?;
    let json = audit::audit_row_json(bytes, &file_name, &options).map_err(JsError::from)?;
    Ok(js::json_to_js(&json)?)
}

/// The line under an audit's table (`3 files: 1 verified, 1 not valid, 1 error`, plus `; N
/// trusted, M not trusted` when the rows carry trust), from the rows `auditFile` returned:
/// the CLI's very words.
#[wasm_bindgen(js_name = auditSummary)]
pub fn audit_summary(
    #[wasm_bindgen(unchecked_param_type = "AuditRow[]")] rows: JsValue,
) -> Result<String, JsValue> {
    let json = json_text(
        &rows,
        "auditSummary takes the array of rows auditFile returned",
    )?;
    Ok(audit::summary_of_rows_json(&json).map_err(JsError::from)?)
}

/// The cells of the audit table for the rows `auditFile` returned: per row the six strings
/// the CLI's table prints (file, status, the signer's common name, SHA-1 thumbprint,
/// trusted yes/no/-, expiry date), under `auditTableHeader()`. The page shows these, so that
/// its table and the CLI's cannot disagree.
#[wasm_bindgen(js_name = auditCells, unchecked_return_type = "string[][]")]
pub fn audit_cells(
    #[wasm_bindgen(unchecked_param_type = "AuditRow[]")] rows: JsValue,
) -> Result<JsValue, JsValue> {
    let json = json_text(
        &rows,
        "auditCells takes the array of rows auditFile returned",
    )?;
    let cells = audit::cells_of_rows_json(&json).map_err(JsError::from)?;
    Ok(js::json_to_js(&cells)?)
}

/// The column titles of the audit table (the CLI's: `FILE`, `STATUS`, `SIGNER`,
/// `SHA-1 THUMBPRINT`, `TRUSTED`, `EXPIRES`).
#[wasm_bindgen(js_name = auditTableHeader, unchecked_return_type = "string[]")]
pub fn audit_table_header() -> Vec<String> {
    pqx_core::audit::TABLE_HEADER.map(str::to_owned).to_vec()
}

/// The version of pqx this module was built from.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Reads `verify`'s options object (through `JSON.stringify`; `undefined`/`null` mean none).
fn verify_options(value: &JsValue) -> JsResult<options::VerifyOptions> {
    if value.is_undefined() || value.is_null() {
        return Ok(options::VerifyOptions::default());
    }
    let json = json_text(value, "verify options must be a plain object")?;
    Ok(options::VerifyOptions::from_json(&json)?)
}

/// `value` as JSON text (`JSON.stringify`), or an `invalid-argument` error saying `expected`.
fn json_text(value: &JsValue, expected: &str) -> JsResult<String> {
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| JsError::from(Error::InvalidArgument(expected.to_owned())))
}
