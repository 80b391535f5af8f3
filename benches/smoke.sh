#!/usr/bin/env bash
# CI smoke run of the criterion benches on tiny inputs, so they never rot.
#
# `cargo test --benches` runs each criterion bench once in test mode (no measurement), in
# the test profile that `cargo test` has already built. Inputs are 64 KiB with 1 and 100
# entries, in a throwaway folder. Takes well under two minutes once the workspace's test
# build exists.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d "${TMPDIR:-/tmp}/pqx-bench-smoke.XXXXXX")
trap 'rm -rf "$dir"' EXIT
export PQX_BENCH_DIR=$dir PQX_BENCH_SIZES=${PQX_BENCH_SIZES:-64K} PQX_BENCH_ENTRIES=${PQX_BENCH_ENTRIES:-1,100}
# --lib also runs the generator tests (tiny packages made, signed and verified end to end).
cargo test -p pqx-benches --lib --benches
# The folder audit's script (benches/audit.sh) on 5 connectors, once, with the test build.
cargo build -q -p pqx-cli
FILES=5 RUNS=1 PQX=$PWD/target/debug/pqx benches/audit.sh >/dev/null
