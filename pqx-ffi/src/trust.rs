//! `pqx_trust_policy`: what verification trusts.

use crate::args::{bytes_arg, free_handle, into_handle, mut_arg, out_arg, str_arg};
use crate::status::pqx_status;
use pqx_core::trust::TrustPolicy;
use std::ffi::c_char;

/// Trust anchors and pinned / distrusted thumbprints for `pqx_verify()`. Opaque; create with
/// `pqx_trust_policy_new()`, free with `pqx_trust_policy_free()`. A fresh policy trusts
/// nothing, so chains end in `UntrustedRoot` as MakePQX reports on a machine that does not
/// trust the root. Not thread-safe while being modified.
pub struct pqx_trust_policy {
    pub(crate) policy: TrustPolicy,
}

/// Creates a policy that trusts nothing.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_trust_policy_new(out: *mut *mut pqx_trust_policy) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contract of this function's `# Safety`.
        let out = unsafe { out_arg(out, "out")? };
        out.write(into_handle(pqx_trust_policy {
            policy: TrustPolicy::none(),
        }));
        Ok(())
    })
}

/// Adds trust anchors: every certificate of PEM text, or one DER certificate (the encoding
/// is detected, as Windows `.cer` files come in both). On error nothing is added.
///
/// # Safety
/// `policy` is NULL or a live handle not used elsewhere during the call; `data` is NULL
/// (only with `len == 0`) or points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn pqx_trust_policy_add_anchors(
    policy: *mut pqx_trust_policy,
    data: *const u8,
    len: usize,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (policy, data) = unsafe { (mut_arg(policy, "policy")?, bytes_arg(data, len, "data")?) };
        Ok(policy.policy.add_anchors_from_pem_or_der(data)?)
    })
}

/// Adds the trust anchors of a `.pem`/`.crt`/`.cer`/`.der` file (see
/// `pqx_trust_policy_add_anchors()`).
///
/// # Safety
/// `policy` is NULL or a live handle not used elsewhere during the call; `path` is NULL or a
/// NUL-terminated UTF-8 string.
#[no_mangle]
pub unsafe extern "C" fn pqx_trust_policy_add_anchors_path(
    policy: *mut pqx_trust_policy,
    path: *const c_char,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (policy, path) = unsafe { (mut_arg(policy, "policy")?, str_arg(path, "path")?) };
        let bytes = pqx_core::files::read_bounded(
            std::path::Path::new(path),
            pqx_core::limits::MAX_CERTIFICATE_FILE_SIZE,
        )?;
        Ok(policy.policy.add_anchors_from_pem_or_der(&bytes)?)
    })
}

/// Pins a certificate by SHA-1 (40 hex digits, as in Power BI's
/// `TrustedCertificateThumbprints`) or SHA-256 (64) thumbprint: a chain containing it is
/// trusted without reaching an anchor. Spaces, colons and lower case are accepted.
///
/// # Safety
/// `policy` is NULL or a live handle not used elsewhere during the call; `thumbprint` is NULL
/// or a NUL-terminated UTF-8 string.
#[no_mangle]
pub unsafe extern "C" fn pqx_trust_policy_pin_thumbprint(
    policy: *mut pqx_trust_policy,
    thumbprint: *const c_char,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (policy, thumbprint) = unsafe {
            (
                mut_arg(policy, "policy")?,
                str_arg(thumbprint, "thumbprint")?,
            )
        };
        Ok(policy.policy.pin_thumbprint(thumbprint)?)
    })
}

/// Distrusts a certificate by SHA-1 or SHA-256 thumbprint: a chain containing it gets
/// `ExplicitDistrust`, whatever else the policy says.
///
/// # Safety
/// `policy` is NULL or a live handle not used elsewhere during the call; `thumbprint` is NULL
/// or a NUL-terminated UTF-8 string.
#[no_mangle]
pub unsafe extern "C" fn pqx_trust_policy_distrust_thumbprint(
    policy: *mut pqx_trust_policy,
    thumbprint: *const c_char,
) -> pqx_status {
    ffi_guard!({
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (policy, thumbprint) = unsafe {
            (
                mut_arg(policy, "policy")?,
                str_arg(thumbprint, "thumbprint")?,
            )
        };
        Ok(policy.policy.distrust_thumbprint(thumbprint)?)
    })
}

/// Frees a trust policy. NULL is a no-op.
///
/// # Safety
/// `policy` is NULL or a handle from this library, not freed before and not in use.
#[no_mangle]
pub unsafe extern "C" fn pqx_trust_policy_free(policy: *mut pqx_trust_policy) {
    // SAFETY: contract above.
    crate::panic::guard(|| unsafe { free_handle(policy) })
}
