#!/usr/bin/env bash
# Long fuzz runs, one target at a time, for the table in fuzz/README.md ("Runs").
# Usage: fuzz/long.sh [TARGET...]   (default: every target; FUZZ_SECONDS per target, default 600)
#
# libFuzzer runs in fork mode with -ignore_crashes/-ignore_timeouts/-ignore_ooms, so a finding
# does not end the run: it is counted (oom/timeout/crash) and its input written to
# fuzz/artifacts/<target>/. The corpus grows in fuzz/corpus/<target>/ (seeded by seed.sh).
# Each target's log is kept in fuzz/target/long-logs/<target>.txt; the script ends with one
# markdown table row per target, taken from libFuzzer's last status line.
# Assumes fuzz/ci.sh has run once (nightly toolchain, cargo-fuzz, seeds, built targets).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
seconds="${FUZZ_SECONDS:-600}"
log="$here/target/long-logs"
mkdir -p "$log"

cargo +nightly fuzz build -s none >"$log/build.txt" 2>&1 || {
    tail -n 40 "$log/build.txt" >&2
    echo "fuzz: building the targets failed" >&2
    exit 1
}

targets=("$@")
[ ${#targets[@]} -eq 0 ] && mapfile -t targets < <(cargo +nightly fuzz list)

rows=()
for target in "${targets[@]}"; do
    case "$target" in
        zip_read | opc_package | verify | mez | verify_timestamped | lint) max_len=262144 ;;
        *) max_len=65536 ;;
    esac
    mkdir -p "corpus/$target" "artifacts/$target"
    start=$SECONDS
    nice -n 19 cargo +nightly fuzz run -s none "$target" "corpus/$target" -- \
        -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
        >"$log/$target.txt" 2>&1
    elapsed=$((SECONDS - start))
    # Fork mode's status lines: "#N: cov: C ft: F corp: K exec/s: E oom/timeout/crash: O/T/X time: Ss"
    last="$(grep -E '^#[0-9]+: cov:' "$log/$target.txt" | tail -n 1)"
    execs="$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$last")"
    cov="$(sed -E 's/.* cov: ([0-9]+) .*/\1/' <<<"$last")"
    ft="$(sed -E 's/.* ft: ([0-9]+) .*/\1/' <<<"$last")"
    corp="$(sed -E 's/.* corp: ([0-9]+) .*/\1/' <<<"$last")"
    otc="$(sed -E 's/.* oom\/timeout\/crash: ([0-9]+)\/([0-9]+)\/([0-9]+) .*/\3 \/ \2 \/ \1/' <<<"$last")"
    row="| \`$target\` | $elapsed | $(printf "%'d" "${execs:-0}") | $cov / $ft | $corp | $otc |"
    rows+=("$row")
    echo "$row"
done

echo
echo "| target | seconds | execs | coverage (edges / features) | corpus | crashes / timeouts / OOMs |"
echo "|---|---:|---:|---|---:|---|"
printf '%s\n' "${rows[@]}"
