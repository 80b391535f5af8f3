//! Full verification: `verify_bytes` over arbitrary bytes with the default options (no trust
//! anchors, so chains end in `UntrustedRoot`), then every accessor of the result. Also the
//! host-digest path the browser takes: `digest_plan`, and verification with host digests
//! computed (correctly) for every planned range, which must reach the same status.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pqx_core::host_digest::{digest_plan, HostDigests};
use pqx_core::limits::Limits;
use pqx_core::verify::{verify_bytes, VerifyOptions};

fuzz_target!(|data: &[u8]| {
    let options = VerifyOptions::default();
    let Ok(verification) = verify_bytes(data, "fuzz", &options) else {
        return;
    };
    let _ = verification.is_valid();
    let _ = verification.is_trusted();
    let _ = format!("{verification:?}");

    // Every stored part, however small: the fuzzer's inputs are below the real threshold.
    let Ok(plan) = digest_plan(data, "fuzz", &Limits::default(), 1) else {
        return;
    };
    let mut host = HostDigests::new();
    for request in &plan {
        let start = usize::try_from(request.range.offset).expect("offset in the input");
        let end = start + usize::try_from(request.range.len).expect("length in the input");
        let bytes = data
            .get(start..end)
            .expect("a planned range lies in the input");
        for a in &request.algorithms {
            host.insert(request.range, *a, a.digest(bytes))
                .expect("a digest of the algorithm's own length");
        }
    }
    let mut with_host = VerifyOptions::default();
    with_host.host_digests = host;
    let again = verify_bytes(data, "fuzz", &with_host).expect("verified once already");
    assert_eq!(
        again.status, verification.status,
        "host digests changed the verdict"
    );
});
