//! The floor: SHA-256 over the bytes in memory, and over a signed package read from disk
//! (what `openssl dgst -sha256 FILE` does).

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use pqx_benches::{input_dir, sha256_file, signed_file, sizes_from_env, Bytes, Content, Spec};
use pqx_core::digest::DigestAlgorithm;
use std::hint::black_box;

fn hash(c: &mut Criterion) {
    let dir = input_dir();
    let mut g = c.benchmark_group("sha256-memory");
    for size in sizes_from_env() {
        common::sized(&mut g, size);
        let mut data = vec![0u8; size as usize];
        Bytes::new(Content::Random, 7).fill(&mut data);
        g.bench_with_input(
            BenchmarkId::from_parameter(pqx_benches::size_label(size)),
            &data,
            |b, d| b.iter(|| DigestAlgorithm::Sha256.digest(black_box(d))),
        );
    }
    g.finish();

    let mut g = c.benchmark_group("sha256-file");
    for size in sizes_from_env() {
        let spec = Spec::stored(size, 1);
        let file = signed_file(&dir, &spec);
        common::sized(&mut g, size);
        g.bench_with_input(BenchmarkId::from_parameter(spec.label()), &file, |b, f| {
            b.iter(|| sha256_file(f).unwrap())
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = hash
}
criterion_main!(benches);
