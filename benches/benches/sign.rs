//! `sign_package` of unsigned packages (stored and deflated) from disk to disk: one pass that
//! digests each part while copying it (big parts hashed on a second core). The output is not
//! synced (the CLI syncs only when it replaces an existing file; `compare.sh` times both).

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use pqx_benches::{bench_key, input_dir, unsigned_file, Spec};
use pqx_core::limits::Limits;
use pqx_core::opc::Package;
use pqx_core::sign::{sign_package, SignOptions};
use std::fs::File;
use std::io::{BufReader, BufWriter};

fn sign(c: &mut Criterion) {
    let dir = input_dir();
    let key = bench_key(&dir);
    let out = dir.join("sign-bench-output.pqx");
    for (group, make) in [
        ("sign-stored", Spec::stored as fn(u64, usize) -> Spec),
        ("sign-deflated", Spec::deflated),
    ] {
        common::bench_matrix(
            c,
            group,
            make,
            |spec| unsigned_file(&dir, spec),
            |f| {
                let input = BufReader::new(File::open(f).unwrap());
                let mut p = Package::open(input, "bench.pqx", &Limits::default()).unwrap();
                let w = BufWriter::with_capacity(1 << 20, File::create(&out).unwrap());
                sign_package(&mut p, &key, &SignOptions::default(), w).unwrap()
            },
        );
    }
    let _ = std::fs::remove_file(out);
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = sign
}
criterion_main!(benches);
