//! `pqx_buffer`: bytes the library hands to the caller (signed packages, packed connectors).

/// A byte buffer owned by the library. `data` is NULL when `len` is 0. Release it with
/// `pqx_buffer_free()` — not with `free()`: it was allocated by Rust's allocator.
#[repr(C)]
#[derive(Debug)]
pub struct pqx_buffer {
    /// The bytes (NULL when empty).
    pub data: *mut u8,
    /// Number of bytes at `data`.
    pub len: usize,
}

impl pqx_buffer {
    /// Hands `bytes` over to C.
    pub(crate) fn from_vec(bytes: Vec<u8>) -> Self {
        if bytes.is_empty() {
            return pqx_buffer {
                data: std::ptr::null_mut(),
                len: 0,
            };
        }
        let boxed = bytes.into_boxed_slice();
        let len = boxed.len();
        pqx_buffer {
            data: Box::into_raw(boxed).cast::<u8>(),
            len,
        }
    }
}

/// Frees the bytes of a buffer returned by the library and resets it to `{NULL, 0}`, so a
/// second call is harmless. `buffer == NULL` or an empty buffer is a no-op.
///
/// # Safety
/// `buffer` is NULL or points to a `pqx_buffer` filled by this library and not modified
/// since.
#[no_mangle]
pub unsafe extern "C" fn pqx_buffer_free(buffer: *mut pqx_buffer) {
    crate::panic::guard(|| {
        // SAFETY: NULL or a valid `pqx_buffer` (contract above).
        let Some(b) = (unsafe { buffer.as_mut() }) else {
            return;
        };
        if !b.data.is_null() {
            let slice = std::ptr::slice_from_raw_parts_mut(b.data, b.len);
            // SAFETY: `data`/`len` come from `Box::<[u8]>::into_raw` in `from_vec`.
            drop(unsafe { Box::from_raw(slice) });
        }
        b.data = std::ptr::null_mut();
        b.len = 0;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_round_trip_and_free_twice_safely() {
        let mut b = pqx_buffer::from_vec(vec![1, 2, 3]);
        assert_eq!(b.len, 3);
        // SAFETY: `b` was just filled by `from_vec`.
        assert_eq!(
            unsafe { std::slice::from_raw_parts(b.data, b.len) },
            &[1, 2, 3]
        );
        // SAFETY: as above; the second call sees `{NULL, 0}`.
        unsafe {
            pqx_buffer_free(&mut b);
            pqx_buffer_free(&mut b);
            pqx_buffer_free(std::ptr::null_mut());
        }
        assert!(b.data.is_null());
        let empty = pqx_buffer::from_vec(Vec::new());
        assert!(empty.data.is_null());
    }
}
