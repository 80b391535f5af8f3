#!/usr/bin/env bash
# The audit of a folder of connectors (issue 17): N small signed connectors verified by one
# `pqx verify DIR` against a shell loop of N `pqx verify FILE` calls, and against a loop of
# N `openssl cms -verify` calls over detached signatures of the same files (the per-file
# floor: one process, one RSA verification, no package parsing).
#
#   benches/audit.sh [RUNS]            # default 5 alternating runs per pair
#
# Environment:
#   FILES=1000        how many connectors
#   PQX=path          the pqx binary to time (default: build target/release/pqx)
#   PQX_BENCH_DIR     where inputs go (default target/pqx-bench-inputs; never committed)
#   OUT=FILE          also write the table (markdown) to FILE
#
# compare.sh runs it after its own rows; smoke.sh runs it with FILES=5 RUNS=1 on the test
# build so that it never rots.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${1:-${RUNS:-5}}
FILES=${FILES:-1000}
export PQX_BENCH_DIR=${PQX_BENCH_DIR:-$ROOT/target/pqx-bench-inputs}
W=$PQX_BENCH_DIR/audit-$FILES
mkdir -p "$W"
log() { printf '%s\n' "$*" >&2; }
for t in openssl python3 /usr/bin/time; do
  command -v "$t" >/dev/null || { log "audit.sh: $t is required"; exit 1; }
done
if [ -z "${PQX:-}" ]; then
  log "== building target/release/pqx"
  cargo build --release -q -p pqx-cli
  PQX=$ROOT/target/release/pqx
fi

# Inputs, made once: a throwaway code-signing key, N distinct connectors packed and signed
# by pqx, and a detached CMS signature of each file made by openssl.
DIR=$W/connectors
if [ ! -f "$W/done" ]; then
  log "== generating $FILES signed connectors in $DIR"
  rm -rf "$DIR" "$W/mez" && mkdir -p "$DIR" "$W/mez"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/key.pem" -out "$W/cert.pem" -days 3650 \
    -subj "/CN=pqx audit bench" -addext "extendedKeyUsage=codeSigning" \
    -addext "keyUsage=critical,digitalSignature" -addext "basicConstraints=critical,CA:FALSE" 2>/dev/null
  python3 - "$W/mez" "$FILES" <<'PY'
import sys, zipfile
out, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    with zipfile.ZipFile(f"{out}/C{i:05}.mez", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"C{i:05}.pq", f'[Version = "1.0.{i}"]\nsection C{i:05};\nshared C{i:05}.Contents = () => {i};\n')
PY
  for m in "$W"/mez/*.mez; do
    b=$(basename "$m" .mez)
    "$PQX" pack -mz "$m" -t "$DIR/$b.pqx" --key "$W/key.pem" --cert "$W/cert.pem" --no-check 2>/dev/null
    openssl cms -sign -binary -outform DER -in "$DIR/$b.pqx" -signer "$W/cert.pem" \
      -inkey "$W/key.pem" -out "$W/mez/$b.p7s"
  done
  touch "$W/done"
fi
cat "$DIR"/*.pqx "$W"/mez/*.p7s >/dev/null

one_call() { "$PQX" verify "$DIR" -q; }
pqx_loop() { for f in "$DIR"/*.pqx; do "$PQX" verify "$f" -q || return 1; done; }
cms_loop() {
  for f in "$DIR"/*.pqx; do
    b=$(basename "$f" .pqx)
    openssl cms -verify -binary -inform DER -content "$f" -in "$W/mez/$b.p7s" -noverify \
      -out /dev/null 2>/dev/null || return 1
  done
}
export -f one_call pqx_loop cms_loop
export PQX DIR W

log "== sanity"
one_call; "$PQX" verify "$DIR" | tail -1 >&2

SAMPLES=$W/samples.tsv
: >"$SAMPLES"
# measure and pair: the alternating-runs harness (shared with compare.sh).
source "$ROOT/benches/timing.sh"
log "== timing ($RUNS alternating runs per row)"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
pair "pqx verify DIR ($FILES files, $(nproc) cores) | loop of $FILES pqx verify FILE" one_call pqx_loop
pair "pqx verify DIR ($FILES files, $(nproc) cores) | loop of $FILES openssl cms -verify" one_call cms_loop
pair "loop of $FILES pqx verify FILE | loop of $FILES openssl cms -verify" pqx_loop cms_loop
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$SAMPLES" "$LOAD_START" "$LOAD_END" "$RUNS" "$FILES" <<'PY' | tee "${OUT:-/dev/null}"
import statistics as st, sys
from collections import OrderedDict
path, load0, load1, runs, files = sys.argv[1:]
rows = OrderedDict()
for line in open(path):
    row, side, run, secs, rss, user, sys_ = line.rstrip("\n").split("\t")
    rows.setdefault(row, {"pqx": {}, "base": {}})[side][int(run)] = (float(secs), int(rss), float(user) + float(sys_))
print(f"{files} signed connectors; {runs} alternating runs per row; load average {load0} at start, {load1} at end.\n")
print("| what | baseline | wall s | baseline wall s | wall ratio | ms per file | baseline ms per file | CPU s (user+sys) | baseline CPU s | peak RSS MiB |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for row, d in rows.items():
    what, base = [x.strip() for x in row.split(" | ", 1)]
    r = sorted(set(d["pqx"]) & set(d["base"]))
    p = st.median(d["pqx"][i][0] for i in r); b = st.median(d["base"][i][0] for i in r)
    pc = st.median(d["pqx"][i][2] for i in r); bc = st.median(d["base"][i][2] for i in r)
    rss = max(d["pqx"][i][1] for i in r) / 1024
    n = int(files)
    print(f"| {what} | {base} | {p:.3f} | {b:.3f} | **{p / b:.3f}** | {1000 * p / n:.2f} | {1000 * b / n:.2f} | {pc:.2f} | {bc:.2f} | {rss:.1f} |")
PY
