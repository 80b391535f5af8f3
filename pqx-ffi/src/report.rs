//! Verification and `pqx_report`: its JSON (MakePQX's shape) and typed accessors.

use crate::args::{at, free_handle, into_handle, out_arg, ref_arg};
use crate::error::FfiError;
use crate::package::pqx_package;
use crate::status::pqx_status;
use crate::string::{into_c_string, into_opt_c_string};
use crate::trust::pqx_trust_policy;
use pqx_core::report::{CertificateEntry, Report};
use pqx_core::trust::TrustPolicy;
use pqx_core::verify::{verify_bytes, SignatureStatus, Verification, VerifyOptions};
use std::ffi::{c_char, CStr};

/// The verdict on a package or on one signature: .NET's `VerifyResult` names plus pqx's own
/// (the strings MakePQX's `SignatureStatus` JSON field holds). Stable numbers.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum pqx_signature_status {
    /// Every signature verified and every part and relationship is covered.
    PQX_SIGNATURE_SUCCESS = 0,
    /// A SignatureValue, digest or content type does not match: the package was changed.
    PQX_SIGNATURE_INVALID_SIGNATURE = 1,
    /// A signature carries no certificate.
    PQX_SIGNATURE_CERTIFICATE_REQUIRED = 2,
    /// The signer certificate is unacceptable (expired, weak key, no code-signing EKU, …).
    PQX_SIGNATURE_INVALID_CERTIFICATE = 3,
    /// A part a signature references is missing.
    PQX_SIGNATURE_REFERENCE_NOT_FOUND = 4,
    /// The package has no signature.
    PQX_SIGNATURE_NOT_SIGNED = 5,
    /// All signatures verify but something is covered by none of them.
    PQX_SIGNATURE_UNSIGNED_PARTS = 6,
    /// A signature part is malformed.
    PQX_SIGNATURE_MALFORMED_SIGNATURE = 7,
    /// A signature uses an algorithm pqx does not accept.
    PQX_SIGNATURE_UNSUPPORTED_ALGORITHM = 8,
    /// A status newer than this mapping (see the JSON for its name).
    PQX_SIGNATURE_UNKNOWN = 99,
}

impl pqx_signature_status {
    fn from_core(s: SignatureStatus) -> Self {
        match s {
            SignatureStatus::Success => Self::PQX_SIGNATURE_SUCCESS,
            SignatureStatus::InvalidSignature => Self::PQX_SIGNATURE_INVALID_SIGNATURE,
            SignatureStatus::CertificateRequired => Self::PQX_SIGNATURE_CERTIFICATE_REQUIRED,
            SignatureStatus::InvalidCertificate => Self::PQX_SIGNATURE_INVALID_CERTIFICATE,
            SignatureStatus::ReferenceNotFound => Self::PQX_SIGNATURE_REFERENCE_NOT_FOUND,
            SignatureStatus::NotSigned => Self::PQX_SIGNATURE_NOT_SIGNED,
            SignatureStatus::UnsignedParts => Self::PQX_SIGNATURE_UNSIGNED_PARTS,
            SignatureStatus::MalformedSignature => Self::PQX_SIGNATURE_MALFORMED_SIGNATURE,
            SignatureStatus::UnsupportedAlgorithm => Self::PQX_SIGNATURE_UNSUPPORTED_ALGORITHM,
            _ => Self::PQX_SIGNATURE_UNKNOWN,
        }
    }
}

/// One certificate of the report, flattened out of the `Parent` nesting of MakePQX's JSON.
struct FlatCertificate {
    entry: CertificateEntry,
    /// Index of the issuer's entry in the flattened list.
    parent: Option<usize>,
}

/// The result of `pqx_verify()`. Opaque; free it with `pqx_report_free()`. Immutable, so it
/// may be read from several threads at once.
pub struct pqx_report {
    verification: Verification,
    report: Report,
    certificates: Vec<FlatCertificate>,
}

impl pqx_report {
    fn new(verification: Verification) -> Self {
        let report = Report::from_verification(&verification);
        let mut certificates = Vec::new();
        for top in &report.certificate_status {
            let mut current = Some(top);
            while let Some(entry) = current {
                let next = entry.parent.as_deref();
                let parent = next.map(|_| certificates.len() + 1);
                certificates.push(FlatCertificate {
                    entry: entry.clone(),
                    parent,
                });
                current = next;
            }
        }
        pqx_report {
            verification,
            report,
            certificates,
        }
    }

    fn certificate(&self, index: usize) -> Result<&FlatCertificate, FfiError> {
        at(&self.certificates, index, "certificate")
    }
}

/// Writes what `get` reads from `report` to `*out`: the one body of the report's accessors
/// (strings, flags, counts, statuses), so that each checks its pointers, catches panics and
/// reports errors the same way and writes `*out` only on success.
///
/// # Safety
/// As the accessors that call it: `report` is NULL or a live handle; `out` is NULL or
/// writable.
unsafe fn read_report<T>(
    report: *const pqx_report,
    out: *mut T,
    get: impl FnOnce(&pqx_report) -> Result<T, FfiError>,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: forwarded pointer contracts of the calling accessor.
        let (report, out) = unsafe { (ref_arg(report, "report")?, out_arg(out, "out")?) };
        out.write(get(report)?);
        Ok(())
    })
}

/// Verifies every signature of `package` against `policy` (NULL: trust nothing) and returns
/// a report. Returns `PQX_OK` whenever verification *ran*, also for a tampered or unsigned
/// package: the verdict is in the report (`pqx_report_signature_status()`,
/// `pqx_report_check()`). Only a package whose signature structure cannot be read at all
/// gives an error status.
///
/// # Safety
/// `package` is NULL or a live handle; `policy` is NULL or a live handle not being modified;
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_verify(
    package: *const pqx_package,
    policy: *const pqx_trust_policy,
    out: *mut *mut pqx_report,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`; `as_ref` handles NULL.
        let (package, policy, out) = unsafe {
            (
                ref_arg(package, "package")?,
                policy.as_ref(),
                out_arg(out, "out")?,
            )
        };
        let policy = policy.map_or_else(TrustPolicy::none, |p| p.policy.clone());
        let verification = verify_bytes(
            &package.bytes,
            &package.what,
            &VerifyOptions::with_policy(policy),
        )?;
        out.write(into_handle(pqx_report::new(verification)));
        Ok(())
    })
}

/// The report as pretty JSON in MakePQX's shape (`SignatureStatus`, `CertificateStatus` with
/// nested `Parent`s), followed by pqx's `Signatures`, `UnsignedParts` and `Warnings`. Free the
/// string with `pqx_string_free()`.
///
/// # Safety
/// `report` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_report_to_json(
    report: *const pqx_report,
    out: *mut *mut c_char,
) -> pqx_status {
    // SAFETY: same contract.
    unsafe { read_report(report, out, |r| into_c_string(r.report.to_json())) }
}

/// A short human-readable summary of the report (what `pqx verify` prints). Free the string
/// with `pqx_string_free()`.
///
/// # Safety
/// `report` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_report_to_text(
    report: *const pqx_report,
    out: *mut *mut c_char,
) -> pqx_status {
    // SAFETY: same contract.
    unsafe { read_report(report, out, |r| into_c_string(r.report.to_text())) }
}

/// The overall verdict: the first failing signature's status, else `UNSIGNED_PARTS` when
/// something is not covered, else `SUCCESS` (or `NOT_SIGNED`).
///
/// # Safety
/// `report` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_report_signature_status(
    report: *const pqx_report,
    out: *mut pqx_signature_status,
) -> pqx_status {
    // SAFETY: same contract.
    unsafe {
        read_report(report, out, |r| {
            Ok(pqx_signature_status::from_core(r.verification.status))
        })
    }
}

/// Whether the package verified (`SUCCESS`): unchanged since signing and fully covered. Says
/// nothing about trust: see `pqx_report_is_trusted()`.
///
/// # Safety
/// `report` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_report_is_valid(
    report: *const pqx_report,
    out: *mut bool,
) -> pqx_status {
    // SAFETY: same contract.
    unsafe { read_report(report, out, |r| Ok(r.verification.is_valid())) }
}

/// Whether the package verified *and* every signer chains to the trust policy.
///
/// # Safety
/// `report` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_report_is_trusted(
    report: *const pqx_report,
    out: *mut bool,
) -> pqx_status {
    // SAFETY: same contract.
    unsafe { read_report(report, out, |r| Ok(r.verification.is_trusted())) }
}

/// `PQX_OK` when the package verified, otherwise `PQX_SIGNATURE_INVALID` with the reason
/// (status and the first failing signature's explanation) as the last error message: for
/// callers that treat a bad signature like any other error.
///
/// # Safety
/// `report` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pqx_report_check(report: *const pqx_report) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contract of this function's `# Safety`.
        let report = unsafe { ref_arg(report, "report")? };
        if report.verification.is_valid() {
            return Ok(());
        }
        let r = &report.report;
        let why = r
            .signatures
            .iter()
            .find_map(|s| s.reason.clone())
            .or_else(|| {
                (!r.unsigned_parts.is_empty()).then(|| {
                    format!(
                        "not covered by any signature: {}",
                        r.unsigned_parts.join(", ")
                    )
                })
            });
        Err(FfiError::SignatureInvalid(match why {
            Some(why) => format!("verification failed: {}: {why}", r.signature_status),
            None => format!("verification failed: {}", r.signature_status),
        }))
    })
}

/// Number of signatures in the package (countersignatures included).
///
/// # Safety
/// `report` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_report_signature_count(
    report: *const pqx_report,
    out: *mut usize,
) -> pqx_status {
    // SAFETY: same contract.
    unsafe { read_report(report, out, |r| Ok(r.verification.signatures.len())) }
}

/// The status of signature `index` alone.
///
/// # Safety
/// `report` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_report_signature_status_at(
    report: *const pqx_report,
    index: usize,
    out: *mut pqx_signature_status,
) -> pqx_status {
    // SAFETY: same contract.
    unsafe {
        read_report(report, out, |r| {
            Ok(pqx_signature_status::from_core(
                at(&r.verification.signatures, index, "signature")?.status,
            ))
        })
    }
}

/// SHA-1 thumbprint of the certificate that made signature `index`; `*out` is set to NULL
/// when the signature names no certificate. Free the string with `pqx_string_free()`.
///
/// # Safety
/// `report` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_report_signature_thumbprint(
    report: *const pqx_report,
    index: usize,
    out: *mut *mut c_char,
) -> pqx_status {
    // SAFETY: same contract.
    unsafe {
        read_report(report, out, |r| {
            into_opt_c_string(
                at(&r.report.signatures, index, "signature")?
                    .thumbprint
                    .clone(),
            )
        })
    }
}

/// Why signature `index` failed; `*out` is set to NULL when it verified. Free the string with
/// `pqx_string_free()`.
///
/// # Safety
/// `report` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_report_signature_reason(
    report: *const pqx_report,
    index: usize,
    out: *mut *mut c_char,
) -> pqx_status {
    // SAFETY: same contract.
    unsafe {
        read_report(report, out, |r| {
            into_opt_c_string(at(&r.report.signatures, index, "signature")?.reason.clone())
        })
    }
}

/// Whether signature `index` is a countersignature (covers other signatures).
///
/// # Safety
/// `report` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_report_signature_is_countersignature(
    report: *const pqx_report,
    index: usize,
    out: *mut bool,
) -> pqx_status {
    // SAFETY: same contract.
    unsafe {
        read_report(report, out, |r| {
            Ok(at(&r.report.signatures, index, "signature")?.countersignature)
        })
    }
}

/// Number of certificates in the report: for each signer (MakePQX's `CertificateStatus`
/// entries, in order) the signer and then its issuers up the chain. Index them with the
/// `pqx_report_certificate_*` accessors; `pqx_report_certificate_parent()` gives the nesting.
///
/// # Safety
/// `report` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_report_certificate_count(
    report: *const pqx_report,
    out: *mut usize,
) -> pqx_status {
    // SAFETY: same contract.
    unsafe { read_report(report, out, |r| Ok(r.certificates.len())) }
}

/// Index of the issuer (`Parent`) of certificate `index`, or -1 at the top of its chain.
///
/// # Safety
/// `report` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_report_certificate_parent(
    report: *const pqx_report,
    index: usize,
    out: *mut isize,
) -> pqx_status {
    // SAFETY: same contract.
    unsafe {
        read_report(report, out, |r| {
            let parent = r.certificate(index)?.parent;
            Ok(parent.and_then(|p| isize::try_from(p).ok()).unwrap_or(-1))
        })
    }
}

/// Whether certificate `index` chains to the trust policy with no error (MakePQX's `Valid`).
///
/// # Safety
/// `report` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_report_certificate_is_valid(
    report: *const pqx_report,
    index: usize,
    out: *mut bool,
) -> pqx_status {
    // SAFETY: same contract.
    unsafe { read_report(report, out, |r| Ok(r.certificate(index)?.entry.valid)) }
}

/// One string field of certificate `index`: the body of the certificate string accessors,
/// which differ only in the field.
///
/// # Safety
/// As the accessors that call it.
unsafe fn certificate_string(
    report: *const pqx_report,
    index: usize,
    out: *mut *mut c_char,
    field: fn(&CertificateEntry) -> &String,
) -> pqx_status {
    // SAFETY: forwarded contract.
    unsafe {
        read_report(report, out, |r| {
            into_c_string(field(&r.certificate(index)?.entry).clone())
        })
    }
}

/// SHA-1 thumbprint of certificate `index` (MakePQX's `Thumbprint`). Free the string with
/// `pqx_string_free()`.
///
/// # Safety
/// `report` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_report_certificate_thumbprint(
    report: *const pqx_report,
    index: usize,
    out: *mut *mut c_char,
) -> pqx_status {
    // SAFETY: same contract.
    unsafe { certificate_string(report, index, out, |e| &e.thumbprint) }
}

/// Subject of certificate `index`, .NET form (`"CN=…, O=…"`). Free the string with
/// `pqx_string_free()`.
///
/// # Safety
/// `report` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_report_certificate_subject(
    report: *const pqx_report,
    index: usize,
    out: *mut *mut c_char,
) -> pqx_status {
    // SAFETY: same contract.
    unsafe { certificate_string(report, index, out, |e| &e.subject) }
}

/// Issuer of certificate `index`, .NET form. Free the string with `pqx_string_free()`.
///
/// # Safety
/// `report` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_report_certificate_issuer(
    report: *const pqx_report,
    index: usize,
    out: *mut *mut c_char,
) -> pqx_status {
    // SAFETY: same contract.
    unsafe { certificate_string(report, index, out, |e| &e.issuer) }
}

/// Start of validity of certificate `index` (ISO 8601 with offset, as in the JSON). Free the
/// string with `pqx_string_free()`.
///
/// # Safety
/// `report` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_report_certificate_not_before(
    report: *const pqx_report,
    index: usize,
    out: *mut *mut c_char,
) -> pqx_status {
    // SAFETY: same contract.
    unsafe { certificate_string(report, index, out, |e| &e.not_before) }
}

/// End of validity of certificate `index`. Free the string with `pqx_string_free()`.
///
/// # Safety
/// `report` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_report_certificate_not_after(
    report: *const pqx_report,
    index: usize,
    out: *mut *mut c_char,
) -> pqx_status {
    // SAFETY: same contract.
    unsafe { certificate_string(report, index, out, |e| &e.not_after) }
}

/// Chain status of certificate `index`: .NET `X509ChainStatusFlags` names of it and
/// everything above it (`"NoError"`, `"UntrustedRoot"`, `"NotTimeValid, UntrustedRoot"`, …).
/// Free the string with `pqx_string_free()`.
///
/// # Safety
/// `report` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_report_certificate_status(
    report: *const pqx_report,
    index: usize,
    out: *mut *mut c_char,
) -> pqx_status {
    // SAFETY: same contract.
    unsafe { certificate_string(report, index, out, |e| &e.status) }
}

/// The name of a `pqx_signature_status` as it appears in the JSON (`"Success"`,
/// `"InvalidSignature"`, …); `"Unknown"` for other values. Static: do not free.
#[no_mangle]
pub extern "C" fn pqx_signature_status_name(status: i32) -> *const c_char {
    crate::panic::guard(|| signature_status_name(status).as_ptr())
}

fn signature_status_name(status: i32) -> &'static CStr {
    use pqx_signature_status as S;
    const NAMES: [(S, &CStr); 9] = [
        (S::PQX_SIGNATURE_SUCCESS, c"Success"),
        (S::PQX_SIGNATURE_INVALID_SIGNATURE, c"InvalidSignature"),
        (
            S::PQX_SIGNATURE_CERTIFICATE_REQUIRED,
            c"CertificateRequired",
        ),
        (S::PQX_SIGNATURE_INVALID_CERTIFICATE, c"InvalidCertificate"),
        (S::PQX_SIGNATURE_REFERENCE_NOT_FOUND, c"ReferenceNotFound"),
        (S::PQX_SIGNATURE_NOT_SIGNED, c"NotSigned"),
        (S::PQX_SIGNATURE_UNSIGNED_PARTS, c"UnsignedParts"),
        (S::PQX_SIGNATURE_MALFORMED_SIGNATURE, c"MalformedSignature"),
        (
            S::PQX_SIGNATURE_UNSUPPORTED_ALGORITHM,
            c"UnsupportedAlgorithm",
        ),
    ];
    NAMES
        .iter()
        .find(|(s, _)| *s as i32 == status)
        .map_or(c"Unknown", |(_, n)| n)
}

/// Frees a report. NULL is a no-op.
///
/// # Safety
/// `report` is NULL or a handle from this library, not freed before and not in use.
#[no_mangle]
pub unsafe extern "C" fn pqx_report_free(report: *mut pqx_report) {
    // SAFETY: contract above.
    crate::panic::guard(|| unsafe { free_handle(report) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_status_names_match_the_core() {
        for s in SignatureStatus::ALL {
            let c = pqx_signature_status::from_core(s);
            assert_ne!(c, pqx_signature_status::PQX_SIGNATURE_UNKNOWN);
            assert_eq!(
                signature_status_name(c as i32).to_str().ok(),
                Some(s.name())
            );
        }
        assert_eq!(signature_status_name(-1), c"Unknown");
    }
}
