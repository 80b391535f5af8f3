//! `verify_file` on signed packages, stored and deflated, across sizes and entry counts.

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use pqx_benches::{input_dir, signed_file, Spec};
use pqx_core::verify::VerifyOptions;

fn verify(c: &mut Criterion) {
    let dir = input_dir();
    for (group, make) in [
        ("verify-stored", Spec::stored as fn(u64, usize) -> Spec),
        ("verify-deflated", Spec::deflated),
    ] {
        let mut g = c.benchmark_group(group);
        for spec in common::matrix(make) {
            let file = signed_file(&dir, &spec);
            common::sized(&mut g, spec.size);
            g.bench_with_input(BenchmarkId::from_parameter(spec.label()), &file, |b, f| {
                b.iter(|| {
                    let v = pqx_core::files::verify_file(f, &VerifyOptions::default()).unwrap();
                    assert!(v.is_valid());
                })
            });
        }
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = verify
}
criterion_main!(benches);
