//! `verify_file` on signed packages, stored and deflated, across sizes and entry counts.

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use pqx_benches::{input_dir, signed_file, Spec};
use pqx_core::verify::VerifyOptions;

fn verify(c: &mut Criterion) {
    let dir = input_dir();
    for (group, make) in [
        ("verify-stored", Spec::stored as fn(u64, usize) -> Spec),
        ("verify-deflated", Spec::deflated),
    ] {
        common::bench_matrix(
            c,
            group,
            make,
            |spec| signed_file(&dir, spec),
            |f| {
                let v = pqx_core::files::verify_file(f, &VerifyOptions::default()).unwrap();
                assert!(v.is_valid());
            },
        );
    }
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = verify
}
criterion_main!(benches);
