//! `pqx_signer_from_callback`: a signer whose private key the host keeps (a Windows
//! certificate store, a smart card, a KMS SDK, .NET's `RSA`), reached through a C callback.
//!
//! The callback only signs a digest. Everything else stays in pqx-core, whatever the callback
//! does: the certificate policy is checked before anything is signed, and the answer is
//! verified with the certificate's public key before a byte is written
//! (`pqx_core::keys::sign_verified`), so a callback that signs with another key or answers
//! garbage gives an error, never a broken package.

use crate::args::{at, into_handle, out_arg};
use crate::error::FfiError;
use crate::sign::pqx_digest;
use crate::signer::pqx_signer;
use crate::status::pqx_status;
use pqx_core::certificate::Certificate;
use pqx_core::digest::DigestAlgorithm;
use pqx_core::keys::{check_digest_len, Signer};
use pqx_core::{Error, Result};
use std::ffi::c_void;

/// Signs a digest for `pqx_signer_from_callback()`.
///
/// Arguments: the `user_data` given to `pqx_signer_from_callback()`; the digest algorithm (a
/// `pqx_digest` value as an `int`); the digest (`digest_len` bytes, already computed — do not
/// hash it again); a buffer for the signature and its capacity in `*signature_len` (the
/// certificate key's size in bytes, e.g. 256 for RSA-2048). The callback writes the RSA
/// PKCS#1 v1.5 signature of `DigestInfo(algorithm, digest)` (what `openssl pkeyutl -sign
/// -pkeyopt digest:sha256`, .NET's `RSA.SignHash(…, RSASignaturePadding.Pkcs1)` and a KMS's
/// `RS256` make) into `signature`, sets `*signature_len` to the bytes written, and returns 0.
/// Any other return value is a failure: signing stops with `PQX_KEY` and
/// `pqx_last_error_message()` names the code. The callback runs on the thread that called
/// the sign function, during that call; it must not call `pqx_signer_free()` on its signer.
pub type pqx_sign_callback = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        algorithm: i32,
        digest: *const u8,
        digest_len: usize,
        signature: *mut u8,
        signature_len: *mut usize,
    ) -> i32,
>;

/// The callback with its `user_data`. `user_data` is the host's: pqx never dereferences or
/// frees it, only hands it back to the callback.
struct CallbackSigner {
    chain: Vec<Certificate>,
    callback: unsafe extern "C" fn(*mut c_void, i32, *const u8, usize, *mut u8, *mut usize) -> i32,
    user_data: *mut c_void,
}

// SAFETY: pqx never touches `user_data` itself; it is passed back to the host's callback on
// whichever thread calls a sign function. The header states that a signer used from several
// threads at once needs a callback (and `user_data`) that allow it — the host's contract, as
// with any C callback API.
unsafe impl Send for CallbackSigner {}
// SAFETY: as above; `&CallbackSigner` gives no access to `user_data` other than the callback.
unsafe impl Sync for CallbackSigner {}

/// The `pqx_digest` value the callback receives for `alg`.
fn digest_code(alg: DigestAlgorithm) -> Result<i32> {
    match alg {
        DigestAlgorithm::Sha256 => Ok(pqx_digest::PQX_DIGEST_SHA256 as i32),
        DigestAlgorithm::Sha384 => Ok(pqx_digest::PQX_DIGEST_SHA384 as i32),
        DigestAlgorithm::Sha512 => Ok(pqx_digest::PQX_DIGEST_SHA512 as i32),
        DigestAlgorithm::Sha1 => Ok(pqx_digest::PQX_DIGEST_SHA1 as i32),
        other => Err(Error::UnsupportedAlgorithm(format!(
            "{other} has no pqx_digest value for a signing callback"
        ))),
    }
}

impl Signer for CallbackSigner {
    fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    fn sign_digest(&self, alg: DigestAlgorithm, digest: &[u8]) -> Result<Vec<u8>> {
        check_digest_len(alg, digest)?;
        let capacity = self.key_bits().div_ceil(8);
        let mut signature = vec![0u8; capacity];
        let mut len = capacity;
        // SAFETY: `digest` and `signature` are live for the call with the lengths passed;
        // `len` is a valid `usize`; `user_data` is handed back untouched (the host's contract).
        let code = unsafe {
            (self.callback)(
                self.user_data,
                digest_code(alg)?,
                digest.as_ptr(),
                digest.len(),
                signature.as_mut_ptr(),
                &mut len,
            )
        };
        if code != 0 {
            return Err(Error::Signer(format!(
                "the signing callback failed (it returned {code}) signing a {alg} digest"
            )));
        }
        if len > capacity {
            return Err(Error::Signer(format!(
                "the signing callback reported a {len}-byte signature, but the buffer it was \
                 given holds {capacity} bytes (the key size)"
            )));
        }
        signature.truncate(len);
        Ok(signature)
    }
}

/// Parses `chain_len` DER certificates given as pointer/length arrays.
///
/// # Safety
/// `ders`/`lens` are NULL (only with `count == 0`) or point to `count` elements; each
/// `ders[i]` points to `lens[i]` readable bytes.
unsafe fn chain_arg(
    ders: *const *const u8,
    lens: *const usize,
    count: usize,
) -> std::result::Result<Vec<Certificate>, FfiError> {
    // SAFETY: forwarded contract (pointer arrays of `count` elements).
    let (ders, lens) = unsafe {
        (
            crate::args::slice_arg(ders, count, "chain_der")?,
            crate::args::slice_arg(lens, count, "chain_lens")?,
        )
    };
    let mut chain = Vec::with_capacity(count);
    for (i, &der) in ders.iter().enumerate() {
        let len = *at(lens, i, "chain_lens")?;
        // SAFETY: `der` points to `len` readable bytes (contract above).
        let bytes = unsafe { crate::args::bytes_arg(der, len, "chain_der[i]")? };
        let cert = Certificate::from_der(bytes).map_err(|e| {
            FfiError::Core(Error::InvalidArgument(format!(
                "chain_der[{i}] is not a DER certificate: {e}"
            )))
        })?;
        chain.push(cert);
    }
    Ok(chain)
}

/// Makes a signer whose signatures come from `callback` (see `pqx_sign_callback`), for a key
/// the host keeps: pass it to `pqx_sign()` and the other sign functions like a loaded key.
///
/// `chain_der[i]`/`chain_lens[i]` are the chain's DER certificates, the signer's first, then
/// its issuers (`chain_len` ≥ 1); they are copied, so the arrays may be freed after the call.
/// `key_bits` is the RSA key size, or 0 to take it from the certificate; a value that differs
/// from the certificate's key gives `PQX_INVALID_ARGUMENT` (the signature must verify with
/// that key). `user_data` is passed to every call of `callback`; pqx never reads or frees it,
/// and it must stay valid until `pqx_signer_free()`. Using the signer from several threads at
/// once calls `callback` concurrently.
///
/// Whatever the callback does, the signing policy is checked on the certificate before it is
/// called, and its answer is verified with the certificate's public key before anything is
/// written: a failing callback gives `PQX_KEY` ("the signing callback failed (it returned
/// N)"), a wrong signature `PQX_KEY` ("… does not verify with the certificate …").
///
/// # Safety
/// `chain_der` and `chain_lens` are NULL or point to `chain_len` elements, each `chain_der[i]`
/// to `chain_lens[i]` readable bytes; `callback` is NULL or a function with the
/// `pqx_sign_callback` contract; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pqx_signer_from_callback(
    chain_der: *const *const u8,
    chain_lens: *const usize,
    chain_len: usize,
    key_bits: u32,
    callback: pqx_sign_callback,
    user_data: *mut c_void,
    out: *mut *mut pqx_signer,
) -> pqx_status {
    ffi_guard!({
        let callback = callback.ok_or(FfiError::NullArgument("callback"))?;
        // SAFETY: pointer contracts of this function's `# Safety`.
        let (chain, out) = unsafe {
            (
                chain_arg(chain_der, chain_lens, chain_len)?,
                out_arg(out, "out")?,
            )
        };
        let signer_cert = chain.first().ok_or_else(|| {
            Error::InvalidArgument(
                "chain_len is 0: the signer's certificate must come first in the chain".into(),
            )
        })?;
        let cert_bits = signer_cert.key_bits().ok_or_else(|| {
            Error::UnsupportedAlgorithm(format!(
                "the certificate {} does not hold an RSA key: a .pqx signature is RSA",
                signer_cert.subject()
            ))
        })?;
        // The signer's key size is the certificate's (`Signer::key_bits`); `key_bits` may only
        // confirm it.
        if key_bits != 0 && usize::try_from(key_bits) != Ok(cert_bits) {
            return Err(Error::InvalidArgument(format!(
                "key_bits is {key_bits} but the certificate {} holds a {cert_bits}-bit RSA \
                 key (pass 0 to use the certificate's)",
                signer_cert.subject()
            ))
            .into());
        }
        let signer = CallbackSigner {
            chain,
            callback,
            user_data,
        };
        out.write(into_handle(pqx_signer::new(Box::new(signer))));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::last_error_text;
    use pqx_core::keys::sign_verified;
    use pqx_core::test_pki::{TestPki, TestPkiOptions};
    use std::sync::OnceLock;

    fn pki() -> &'static TestPki {
        static PKI: OnceLock<TestPki> = OnceLock::new();
        PKI.get_or_init(|| TestPki::generate(&TestPkiOptions::default()).expect("test PKI"))
    }

    /// Signs with the test key; `user_data` points to an `i32` mode: 0 sign, 1 fail with
    /// 42, 2 answer garbage, 3 claim more bytes than the buffer holds.
    unsafe extern "C" fn test_callback(
        user_data: *mut c_void,
        algorithm: i32,
        digest: *const u8,
        digest_len: usize,
        signature: *mut u8,
        signature_len: *mut usize,
    ) -> i32 {
        // SAFETY: the tests pass a live `i32` and pqx passes valid buffers.
        let (mode, digest, out, len) = unsafe {
            (
                *(user_data as *const i32),
                std::slice::from_raw_parts(digest, digest_len),
                std::slice::from_raw_parts_mut(signature, *signature_len),
                &mut *signature_len,
            )
        };
        let alg = match algorithm {
            0 => DigestAlgorithm::Sha256,
            1 => DigestAlgorithm::Sha384,
            2 => DigestAlgorithm::Sha512,
            _ => DigestAlgorithm::Sha1,
        };
        match mode {
            1 => 42,
            3 => {
                *len += 1;
                0
            }
            _ => {
                let Ok(sig) = pki().signing_key().sign_digest(alg, digest) else {
                    return 7;
                };
                let n = sig.len().min(out.len());
                out[..n].copy_from_slice(&sig[..n]);
                if mode == 2 {
                    out[n / 2] ^= 0x55;
                }
                *len = n;
                0
            }
        }
    }

    fn make(mode: &mut i32, key_bits: u32) -> (pqx_status, *mut pqx_signer) {
        let der = pki().leaf.der();
        let ders = [der.as_ptr()];
        let lens = [der.len()];
        let mut out = std::ptr::null_mut();
        // SAFETY: arrays of one element, a live certificate, a live `i32`, writable `out`.
        let status = unsafe {
            pqx_signer_from_callback(
                ders.as_ptr(),
                lens.as_ptr(),
                1,
                key_bits,
                Some(test_callback),
                (mode as *mut i32).cast(),
                &mut out,
            )
        };
        (status, out)
    }

    fn sign_with(mode: i32) -> Result<Vec<u8>> {
        let mut mode = mode;
        let (status, handle) = make(&mut mode, 0);
        assert_eq!(status, pqx_status::PQX_OK, "{}", last_error_text());
        // SAFETY: a live handle just made, freed below.
        let result = unsafe { sign_verified(&*(*handle).signer, DigestAlgorithm::Sha256, b"x") };
        // SAFETY: made above, freed once.
        unsafe { crate::signer::pqx_signer_free(handle) };
        result
    }

    #[test]
    fn callback_signature_verifies_with_the_certificate() {
        let sig = sign_with(0).expect("signature");
        assert_eq!(sig.len(), 256);
    }

    #[test]
    fn a_failing_callback_is_an_error_naming_its_code() {
        let err = sign_with(1).unwrap_err();
        assert!(
            err.to_string().contains("callback failed (it returned 42)"),
            "{err}"
        );
    }

    #[test]
    fn a_garbage_signature_is_refused() {
        let err = sign_with(2).unwrap_err();
        assert!(err.to_string().contains("does not verify"), "{err}");
    }

    #[test]
    fn a_length_past_the_buffer_is_refused() {
        let err = sign_with(3).unwrap_err();
        assert!(err.to_string().contains("holds 256 bytes"), "{err}");
    }

    #[test]
    fn rejects_key_bits_that_differ_from_the_certificate() {
        let mut mode = 0;
        let (status, out) = make(&mut mode, 4096);
        assert_eq!(status, pqx_status::PQX_INVALID_ARGUMENT);
        assert!(out.is_null());
        assert!(
            last_error_text().contains("2048-bit"),
            "{}",
            last_error_text()
        );
        let (status, out) = make(&mut mode, 2048);
        assert_eq!(status, pqx_status::PQX_OK);
        // SAFETY: made above, freed once.
        unsafe { crate::signer::pqx_signer_free(out) };
    }

    #[test]
    fn rejects_an_empty_chain_and_a_null_callback() {
        let mut out = std::ptr::null_mut();
        // SAFETY: NULL arrays with a zero length; writable `out`.
        let status = unsafe {
            pqx_signer_from_callback(
                std::ptr::null(),
                std::ptr::null(),
                0,
                0,
                Some(test_callback),
                std::ptr::null_mut(),
                &mut out,
            )
        };
        assert_eq!(status, pqx_status::PQX_INVALID_ARGUMENT);
        assert!(last_error_text().contains("chain_len is 0"));
        // SAFETY: as above.
        let status = unsafe {
            pqx_signer_from_callback(
                std::ptr::null(),
                std::ptr::null(),
                0,
                0,
                None,
                std::ptr::null_mut(),
                &mut out,
            )
        };
        assert_eq!(status, pqx_status::PQX_NULL_ARGUMENT);
        assert!(out.is_null());
    }
}
