#!/usr/bin/env bash
# CI smoke run of the fuzz targets: installs the nightly toolchain and cargo-fuzz if missing
# (quietly, idempotently), seeds the corpora (seed.sh), builds every target and runs each for
# FUZZ_SECONDS (default 10) seconds. Prints "N passed, M failed"; exits non-zero when a target
# fails to build or finds a crash, timeout or OOM (its input is left in fuzz/artifacts/).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
seconds="${FUZZ_SECONDS:-10}"
cargo_fuzz_version="0.13.2"
# No sanitizer: pqx-core forbids unsafe code, and the smoke run is about panics, hangs and
# allocation, which libFuzzer itself catches. Same flag in README.md's long runs.
sanitizer=none

log="$here/target/ci-logs"
mkdir -p "$log"

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    rustup toolchain install nightly --profile minimal >"$log/rustup.txt" 2>&1 || {
        cat "$log/rustup.txt" >&2
        echo "fuzz: could not install the nightly toolchain" >&2
        echo "0 passed, 1 failed"
        exit 1
    }
fi
if ! cargo fuzz --version 2>/dev/null | grep -q "$cargo_fuzz_version"; then
    cargo install cargo-fuzz --locked --version "$cargo_fuzz_version" >"$log/install.txt" 2>&1 || {
        cat "$log/install.txt" >&2
        echo "fuzz: could not install cargo-fuzz $cargo_fuzz_version" >&2
        echo "0 passed, 1 failed"
        exit 1
    }
fi

if ! ./seed.sh >"$log/seed.txt" 2>&1; then
    cat "$log/seed.txt" >&2
    echo "fuzz: seed.sh failed" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

if ! cargo +nightly fuzz build -s "$sanitizer" >"$log/build.txt" 2>&1; then
    tail -n 40 "$log/build.txt" >&2
    echo "fuzz: building the targets failed" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

passed=0
failed=0
for target in $(cargo +nightly fuzz list); do
    case "$target" in
        # lint: 256 KiB too, so that a 20 000-deep `let` nest (once 30 s) is in reach.
        zip_read | opc_package | verify | mez | verify_timestamped | lint) max_len=262144 ;;
        *) max_len=65536 ;;
    esac
    mkdir -p "corpus/$target" "artifacts/$target"
    # A scratch copy of the corpus, so what a 10-second run adds does not pile up in corpus/.
    scratch="$here/target/ci-corpus/$target"
    rm -rf "$scratch"
    mkdir -p "$scratch"
    cp -r "corpus/$target/." "$scratch/"
    if cargo +nightly fuzz run -s "$sanitizer" "$target" "$scratch" -- \
        -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
        >"$log/$target.txt" 2>&1; then
        execs="$(grep -Eo 'Done [0-9]+ runs' "$log/$target.txt" | grep -Eo '[0-9]+' | tail -n 1 || true)"
        echo "fuzz $target: ok (${execs:-?} execs in ${seconds}s)"
        passed=$((passed + 1))
    else
        echo "fuzz $target: FAILED (log: $log/$target.txt)"
        grep -E 'panicked at|ERROR: libFuzzer|SUMMARY|Test unit written' "$log/$target.txt" | head -n 10
        failed=$((failed + 1))
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
