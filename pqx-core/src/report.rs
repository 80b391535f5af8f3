//! The verification report in MakePQX's JSON shape.
//!
//! ```json
//! { "SignatureStatus": "Success",
//!   "CertificateStatus": [ { "Issuer": "CN=…", "Thumbprint": "…", "Subject": "CN=…",
//!       "NotBefore": "…", "NotAfter": "…", "Valid": false, "Parent": null,
//!       "Status": "UntrustedRoot" } ],
//!   …pqx's own fields after MakePQX's… }
//! ```
//! MakePQX's keys come first and in its order; pqx's additions (`Signatures`, `UnsignedParts`,
//! `Warnings`) follow, so tools that read MakePQX's report keep working.

use crate::certificate::{format_report_time, Certificate};
use crate::text::display_safe;
use crate::trust::{Chain, ChainStatus};
use crate::verify::{SignatureCheck, Verification};
use serde::Serialize;

/// One certificate, with its issuer as `Parent` (MakePQX's `CertificateStatus` entry).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct CertificateEntry {
    /// Issuer name, .NET form (`CN=…, O=…, C=…`).
    pub issuer: String,
    /// SHA-1 thumbprint, 40 upper-case hex digits: what Power BI's
    /// `TrustedCertificateThumbprints` holds.
    pub thumbprint: String,
    /// Subject name, .NET form.
    pub subject: String,
    /// Start of validity (ISO 8601 with offset).
    pub not_before: String,
    /// End of validity.
    pub not_after: String,
    /// Whether this certificate chains to the trust policy with no error at the evaluation
    /// time (now, or a trusted timestamp's time; see docs/FORMAT.md).
    pub valid: bool,
    /// The issuer's entry, `null` at the top of the chain.
    pub parent: Option<Box<CertificateEntry>>,
    /// .NET `X509ChainStatusFlags` of this certificate and everything above it
    /// (`NoError`, `UntrustedRoot`, `NotTimeValid, UntrustedRoot`, …).
    pub status: String,
}

/// pqx's per-signature section.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct SignatureEntry {
    /// The signature part.
    pub part: String,
    /// This signature's status.
    pub status: String,
    /// Why, when not `Success`.
    pub reason: Option<String>,
    /// Signer SHA-1 thumbprint.
    pub thumbprint: Option<String>,
    /// Signer SHA-256 thumbprint.
    pub thumbprint_sha256: Option<String>,
    /// Signer subject.
    pub signer: Option<String>,
    /// Digest algorithm of the references (`sha256`, …).
    pub digest_algorithm: Option<String>,
    /// SignatureTime as written (claimed by the signer, not proven).
    pub signing_time: Option<String>,
    /// Whether this signature countersigns others.
    pub countersignature: bool,
    /// Signature parts it countersigns.
    pub countersigns: Vec<String>,
    /// Content parts it covers.
    pub covered_parts: Vec<String>,
    /// Whether the signer chains to the trust policy.
    pub trusted: bool,
    /// Non-fatal findings.
    pub warnings: Vec<String>,
    /// The embedded RFC 3161 timestamp, `null` when the signature has none.
    pub timestamp: Option<TimestampEntry>,
}

/// An embedded timestamp in the report (`"Timestamp": { "Time": …, "TsaSubject": …, … }`).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct TimestampEntry {
    /// The token's `genTime` (ISO 8601, UTC), once its signature verified.
    pub time: Option<String>,
    /// The time-stamping authority's certificate subject, .NET form.
    pub tsa_subject: Option<String>,
    /// The TSA certificate's SHA-1 thumbprint.
    pub tsa_thumbprint: Option<String>,
    /// Whether the token is valid (then the signer was evaluated at `Time`).
    pub valid: bool,
    /// Whether the TSA chains to the trust policy.
    pub trusted: bool,
    /// .NET `X509ChainStatusFlags` of the TSA chain.
    pub status: Option<String>,
    /// Why the token is not valid.
    pub reason: Option<String>,
}

/// The whole report.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Report {
    /// Overall status (see [`crate::verify::SignatureStatus`]).
    pub signature_status: String,
    /// One entry per signature's signer, with its chain as nested `Parent`s.
    pub certificate_status: Vec<CertificateEntry>,
    /// pqx: each signature.
    pub signatures: Vec<SignatureEntry>,
    /// pqx: parts and relationships no valid signature covers.
    pub unsigned_parts: Vec<String>,
    /// pqx: warnings (weak algorithms, …).
    pub warnings: Vec<String>,
}

impl Report {
    /// Builds the report of a verification.
    pub fn from_verification(v: &Verification) -> Self {
        Report {
            signature_status: v.status.name().to_owned(),
            certificate_status: v.signatures.iter().filter_map(certificate_entry).collect(),
            signatures: v.signatures.iter().map(signature_entry).collect(),
            unsigned_parts: v.unsigned.iter().map(ToString::to_string).collect(),
            warnings: v.warnings.iter().map(ToString::to_string).collect(),
        }
    }

    /// Pretty JSON, as MakePQX prints it.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// A short human-readable summary, for a terminal: every text that comes from the
    /// package (part names, certificate names, reasons quoting them) goes through
    /// [`display_safe`], so that control and bidi characters cannot rewrite what is shown.
    pub fn to_text(&self) -> String {
        let safe = |s: &str| display_safe(s).into_owned();
        let mut out = format!("Signature status: {}\n", self.signature_status);
        for s in &self.signatures {
            out.push_str(&format!(
                "Signature {}: {}{}\n",
                safe(&s.part),
                s.status,
                s.reason
                    .as_deref()
                    .map(|r| format!(" — {}", safe(r)))
                    .unwrap_or_default()
            ));
            if let Some(subject) = &s.signer {
                out.push_str(&format!("  signer:     {}\n", safe(subject)));
            }
            if let Some(t) = &s.thumbprint {
                out.push_str(&format!("  thumbprint: {}\n", safe(t)));
            }
            if let Some(t) = &s.signing_time {
                out.push_str(&format!("  signed at:  {} (claimed)\n", safe(t)));
            }
            if let Some(ts) = &s.timestamp {
                out.push_str(&format!(
                    "  timestamp:  {} by {} [{}]{}\n",
                    safe(ts.time.as_deref().unwrap_or("?")),
                    safe(ts.tsa_subject.as_deref().unwrap_or("?")),
                    safe(ts.tsa_thumbprint.as_deref().unwrap_or("?")),
                    match (&ts.reason, ts.trusted) {
                        (Some(r), _) => format!(" — invalid: {}", safe(r)),
                        (None, true) => " (trusted)".to_owned(),
                        (None, false) => " (TSA not trusted)".to_owned(),
                    }
                ));
            }
            out.push_str(&format!(
                "  trusted:    {}\n",
                if s.trusted { "yes" } else { "no" }
            ));
            if s.countersignature {
                out.push_str(&format!(
                    "  countersigns: {}\n",
                    safe(&s.countersigns.join(", "))
                ));
            }
        }
        for c in &self.certificate_status {
            let mut e = Some(c);
            let mut depth = 0;
            while let Some(x) = e {
                out.push_str(&format!(
                    "{:indent$}- {} [{}] {}\n",
                    "",
                    safe(&x.subject),
                    x.status,
                    safe(&x.thumbprint),
                    indent = depth * 2
                ));
                e = x.parent.as_deref();
                depth += 1;
            }
        }
        for u in &self.unsigned_parts {
            out.push_str(&format!("Unsigned: {}\n", safe(u)));
        }
        for w in &self.warnings {
            out.push_str(&format!("Warning: {}\n", safe(w)));
        }
        out
    }
}

fn entry_for(
    cert: &Certificate,
    status: ChainStatus,
    valid: bool,
    parent: Option<Box<CertificateEntry>>,
) -> CertificateEntry {
    CertificateEntry {
        issuer: cert.issuer(),
        thumbprint: cert.thumbprint_sha1(),
        subject: cert.subject(),
        not_before: format_report_time(cert.not_before()),
        not_after: format_report_time(cert.not_after()),
        valid,
        parent,
        status: status.to_dotnet_string(),
    }
}

/// The signer's entry with its chain nested as parents. Each entry's status is the OR of its
/// own flags and those above it; `Valid` is the chain's trust (with no errors from that
/// certificate up). The chain is the one [`CertificatePolicy::judge`] built at the evaluation
/// time — now, unless a valid token whose authority chains to the trust policy proved an
/// earlier time — so an expired signer is never `Valid` on the word of an untrusted TSA.
///
/// [`CertificatePolicy::judge`]: crate::policy::CertificatePolicy::judge
fn certificate_entry(check: &SignatureCheck) -> Option<CertificateEntry> {
    let signer = check.signer.as_ref()?;
    let Some(chain) = &check.chain else {
        return Some(entry_for(signer, ChainStatus::NO_ERROR, false, None));
    };
    Some(chain_entry(chain, 0).unwrap_or_else(|| entry_for(signer, chain.status, false, None)))
}

fn chain_entry(chain: &Chain, i: usize) -> Option<CertificateEntry> {
    let el = chain.elements.get(i)?;
    let parent = chain_entry(chain, i + 1).map(Box::new);
    let mut status = el.status;
    if parent.is_some() {
        status.insert(status_of(chain, i + 1));
    }
    let valid = chain.is_trusted() && status.errors().is_ok();
    Some(entry_for(&el.certificate, status, valid, parent))
}

fn status_of(chain: &Chain, from: usize) -> ChainStatus {
    let mut s = ChainStatus::NO_ERROR;
    for el in chain.elements.iter().skip(from) {
        s.insert(el.status);
    }
    s
}

fn signature_entry(c: &SignatureCheck) -> SignatureEntry {
    SignatureEntry {
        part: c.part.to_string(),
        status: c.status.name().to_owned(),
        reason: c.reason.clone(),
        thumbprint: c.signer.as_ref().map(Certificate::thumbprint_sha1),
        thumbprint_sha256: c.signer.as_ref().map(Certificate::thumbprint_sha256),
        signer: c.signer.as_ref().map(Certificate::subject),
        digest_algorithm: c.digest.map(|d| d.name().to_owned()),
        signing_time: c.signing_time.clone(),
        countersignature: !c.countersigns.is_empty(),
        countersigns: c.countersigns.iter().map(ToString::to_string).collect(),
        covered_parts: c.covered_parts.iter().map(ToString::to_string).collect(),
        trusted: c.is_trusted(),
        warnings: c.warnings.iter().map(ToString::to_string).collect(),
        timestamp: c.timestamp.as_ref().map(timestamp_entry),
    }
}

fn timestamp_entry(t: &crate::cms::TimestampCheck) -> TimestampEntry {
    TimestampEntry {
        time: t.time.map(format_report_time),
        tsa_subject: t.authority.as_ref().map(Certificate::subject),
        tsa_thumbprint: t.authority.as_ref().map(Certificate::thumbprint_sha1),
        valid: t.is_valid(),
        trusted: t.is_trusted(),
        status: t.chain.as_ref().map(|c| c.status.to_dotnet_string()),
        reason: t.reason.clone(),
    }
}
