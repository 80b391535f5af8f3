//! `pack` of a `.mez` of compressible text (every part deflated, as pqx writes them) across
//! sizes and entry counts, plus the built-in HelloWorld sample in memory.

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use pqx_benches::{input_dir, mez_file, Spec};
use pqx_core::limits::Limits;
use pqx_core::mez::Mez;
use std::fs::File;
use std::io::{BufReader, BufWriter};

fn pack(c: &mut Criterion) {
    let dir = input_dir();
    let sample = pqx_core::sample::hello_world_mez().unwrap();
    c.bench_function("pack-bytes/hello-world", |b| {
        b.iter(|| {
            pqx_core::pack::pack_bytes(&sample, "HelloWorld.mez", &Default::default()).unwrap()
        })
    });

    let out = dir.join("pack-bench-output.pqx");
    common::bench_matrix(
        c,
        "pack",
        Spec::deflated,
        |spec| mez_file(&dir, spec),
        |f| {
            let input = BufReader::new(File::open(f).unwrap());
            let mut m = Mez::open(input, "bench.mez", &Limits::default()).unwrap();
            let w = BufWriter::with_capacity(1 << 20, File::create(&out).unwrap());
            pqx_core::pack::pack(&mut m, w).unwrap()
        },
    );
    let _ = std::fs::remove_file(out);
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = pack
}
criterion_main!(benches);
