//! What every bench shares: the criterion configuration and the input matrix.

use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};
use pqx_benches::{entries_from_env, sizes_from_env, Spec, MIB};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Few samples and short windows: the large inputs take seconds per iteration, and the
/// machine is shared, so medians of a handful of runs are what we can honestly claim.
pub fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
}

/// Sets up a group for inputs of `size` bytes: flat sampling for big inputs.
pub fn sized<M: criterion::measurement::Measurement>(g: &mut BenchmarkGroup<'_, M>, size: u64) {
    g.throughput(Throughput::Bytes(size));
    if size >= 64 * MIB {
        g.sampling_mode(SamplingMode::Flat);
    }
}

/// Every (size, entries) pair of `$PQX_BENCH_SIZES` × `$PQX_BENCH_ENTRIES`, as specs made by
/// `make`. Pairs with more entries than bytes are skipped. (The hash bench does not use it.)
#[allow(dead_code)]
pub fn matrix(make: fn(u64, usize) -> Spec) -> Vec<Spec> {
    let mut out = Vec::new();
    for size in sizes_from_env() {
        for entries in entries_from_env() {
            if entries as u64 <= size {
                out.push(make(size, entries));
            }
        }
    }
    out
}

/// Benches `routine` on the input file of every spec of [`matrix`]`(make)` in group `name`:
/// `file_of` makes (or finds) the input, each bench is named by the spec's label and sized
/// by its bytes. (The hash bench does not use it.)
#[allow(dead_code)]
pub fn bench_matrix<R>(
    c: &mut Criterion,
    name: &str,
    make: fn(u64, usize) -> Spec,
    file_of: impl Fn(&Spec) -> PathBuf,
    mut routine: impl FnMut(&Path) -> R,
) {
    let mut g = c.benchmark_group(name);
    for spec in matrix(make) {
        let file = file_of(&spec);
        sized(&mut g, spec.size);
        g.bench_with_input(BenchmarkId::from_parameter(spec.label()), &file, |b, f| {
            b.iter(|| routine(f))
        });
    }
    g.finish();
}
