#!/usr/bin/env bash
# Side-by-side timing of pqx against the tools that set its performance targets.
#
#   benches/compare.sh [RUNS]          # default 5 alternating runs per pair
#
# Environment:
#   SIZE=512M          size of the big-part packages (verify/sign/jarsigner/cms rows)
#   BIG=2G             size of the streaming (peak RSS) check; BIG= skips it
#   PACK="64M 10000"   size and entry count of the .mez for the pack-vs-zip row
#   PQX_BENCH_DIR      where inputs go (default target/pqx-bench-inputs; never committed)
#   OUT=FILE           also write the table (markdown) to FILE
#   AUDIT=1000         connectors for the folder-audit rows (benches/audit.sh); AUDIT= skips them
#
# It builds the release binaries once, generates the inputs (cached between runs), warms
# the page cache, then for each row runs the pqx command and its baseline alternately
# (pqx, baseline, pqx, baseline, ...) under /usr/bin/time, and prints medians, the ratio of
# medians, min/max of the per-run ratios (each pqx run over the baseline run next to it),
# and peak RSS. Everything is read from the page cache and every run starts after a `sync`:
# these are CPU timings, plus the disk only where a command syncs its output.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${1:-${RUNS:-5}}
SIZE=${SIZE:-512M}
BIG=${BIG-2G}
PACK=${PACK:-64M 10000}
export PQX_BENCH_DIR=${PQX_BENCH_DIR:-$ROOT/target/pqx-bench-inputs}
mkdir -p "$PQX_BENCH_DIR"
W=$PQX_BENCH_DIR/compare
mkdir -p "$W"
SAMPLES=$W/samples.tsv
: >"$SAMPLES"
log() { printf '%s\n' "$*" >&2; }

for t in openssl unzip zip jar jarsigner keytool python3 /usr/bin/time; do
  command -v "$t" >/dev/null || { log "compare.sh: $t is required"; exit 1; }
done

log "== building release binaries"
TOOL=$ROOT/target/release/pqx-bench-tool
cargo build --release -q -p pqx-benches || {
  [ -x "$TOOL" ] || exit 1
  log "   build failed (the workspace is mid-edit?): using the existing $TOOL"; }
PQX=
if cargo build --release -q -p pqx-cli 2>/dev/null && [ -x "$ROOT/target/release/pqx" ]; then
  PQX=$ROOT/target/release/pqx
  log "   pqx CLI: $PQX"
else
  log "   pqx CLI did not build: timing pqx-bench-tool (the same pqx_core::files calls)"
fi

log "== generating inputs (cached in $PQX_BENCH_DIR)"
mapfile -t S < <("$TOOL" gen stored "$SIZE" 1 --tree)        # mez, pqx, tree
mapfile -t D < <("$TOOL" gen deflated "$SIZE" 1 --tree)
read -r PACK_SIZE PACK_ENTRIES <<<"$PACK"
mapfile -t P < <("$TOOL" gen deflated "$PACK_SIZE" "$PACK_ENTRIES" --tree)
mapfile -t K < <("$TOOL" key)
KEY=${K[0]} CHAIN=${K[1]}
S_PQX=${S[1]} D_PQX=${D[1]}
S_UNSIGNED=${S_PQX%.pqx}.unsigned.pqx
D_UNSIGNED=${D_PQX%.pqx}.unsigned.pqx
if [ -n "$BIG" ]; then
  mapfile -t B < <("$TOOL" gen stored "$BIG" 1)
  B_PQX=${B[1]}
  B_UNSIGNED=${B_PQX%.pqx}.unsigned.pqx
fi

# A .pfx for `pqx sign -c` (openssl's default PKCS#12: AES-256, PBKDF2).
PFX=$W/bench.pfx
[ -f "$PFX" ] || openssl pkcs12 -export -inkey "$KEY" -in "$CHAIN" -out "$PFX" -passout pass:bench
# Detached CMS signatures over the same bytes (made once).
LEAF=$W/leaf.pem
awk '/BEGIN CERT/{n++} n==1' "$CHAIN" >"$LEAF"
for f in "$S_PQX" "$D_PQX"; do
  [ -f "$f.p7s" ] || openssl cms -sign -binary -outform DER -in "$f" -signer "$LEAF" \
    -inkey "$KEY" -out "$f.p7s"
done
# Signed JARs with the same content and entry count (stored for stored, deflated for deflated).
KS=$W/bench.jks
[ -f "$KS" ] || keytool -genkeypair -keystore "$KS" -storepass benchpw -keypass benchpw \
  -alias bench -keyalg RSA -keysize 2048 -dname CN=pqx-bench -validity 3650 2>/dev/null
S_JAR=${S_PQX%.pqx}.jar D_JAR=${D_PQX%.pqx}.jar
[ -f "$S_JAR" ] || { jar --create --no-compress --file "$S_JAR" -C "${S[2]}" . &&
  jarsigner -keystore "$KS" -storepass benchpw "$S_JAR" bench >/dev/null; }
[ -f "$D_JAR" ] || { jar --create --file "$D_JAR" -C "${D[2]}" . &&
  jarsigner -keystore "$KS" -storepass benchpw "$D_JAR" bench >/dev/null; }

pqx_verify() { if [ -n "$PQX" ]; then "$PQX" verify "$1" -q; else "$TOOL" verify "$1"; fi; }
pqx_sign() {
  rm -f "$2"
  if [ -n "$PQX" ]; then "$PQX" sign "$1" -c "$PFX" -p bench -t "$2" >/dev/null
  else "$TOOL" sign "$1" "$2"; fi
}
# The CLI runs the connector check before signing; this times signing alone.
pqx_sign_nocheck() {
  rm -f "$2"
  if [ -n "$PQX" ]; then "$PQX" sign "$1" -c "$PFX" -p bench -t "$2" --no-check >/dev/null
  else "$TOOL" sign "$1" "$2"; fi
}
# Replaces the signature of an already signed package, in place (the target exists).
pqx_resign_in_place() {
  if [ -n "$PQX" ]; then "$PQX" sign "$1" -c "$PFX" -p bench -r --no-check >/dev/null 2>&1
  else "$TOOL" sign "$1" "$1"; fi
}
pqx_pack() {
  rm -f "$2"
  if [ -n "$PQX" ]; then "$PQX" pack -mz "$1" -t "$2" >/dev/null; else "$TOOL" pack "$1" "$2"; fi
}
zip_tree() { rm -f "$2"; (cd "$1" && zip -q -r -X "$2" .); }
export -f pqx_verify pqx_sign pqx_sign_nocheck pqx_resign_in_place pqx_pack zip_tree
export PQX TOOL PFX

log "== sanity: every command succeeds once"
pqx_verify "$S_PQX"; pqx_verify "$D_PQX"
pqx_sign "$S_UNSIGNED" "$W/out.pqx"; pqx_verify "$W/out.pqx"
pqx_pack "${P[0]}" "$W/pack.pqx"
jarsigner -verify "$S_JAR" | grep -q "jar verified"
openssl cms -verify -binary -inform DER -content "$S_PQX" -in "$S_PQX.p7s" -noverify \
  -out /dev/null 2>/dev/null

log "== warming the page cache"
cat "$S_PQX" "$D_PQX" "$S_UNSIGNED" "$D_UNSIGNED" "$S_JAR" "$D_JAR" "${P[0]}" >/dev/null
find "${P[2]}" -type f -exec cat {} + >/dev/null

# measure and pair: the alternating-runs harness (shared with audit.sh).
source "$ROOT/benches/timing.sh"

q() { printf '%q' "$1"; }
log "== timing ($RUNS alternating runs per row)"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
pair "verify stored $SIZE | openssl dgst -sha256" \
  "pqx_verify $(q "$S_PQX")" "openssl dgst -sha256 $(q "$S_PQX")"
pair "verify deflated $SIZE | unzip -p \\| openssl dgst" \
  "pqx_verify $(q "$D_PQX")" "unzip -p $(q "$D_PQX") | openssl dgst -sha256"
pair "sign stored $SIZE | openssl dgst -sha256" \
  "pqx_sign $(q "$S_UNSIGNED") $(q "$W/out.pqx")" "openssl dgst -sha256 $(q "$S_UNSIGNED")"
pair "sign deflated $SIZE | unzip -p \\| openssl dgst" \
  "pqx_sign $(q "$D_UNSIGNED") $(q "$W/out.pqx")" "unzip -p $(q "$D_UNSIGNED") | openssl dgst -sha256"
pair "sign --no-check stored $SIZE | openssl dgst -sha256" \
  "pqx_sign_nocheck $(q "$S_UNSIGNED") $(q "$W/out.pqx")" "openssl dgst -sha256 $(q "$S_UNSIGNED")"
pair "sign --no-check deflated $SIZE | unzip -p \\| openssl dgst" \
  "pqx_sign_nocheck $(q "$D_UNSIGNED") $(q "$W/out.pqx")" "unzip -p $(q "$D_UNSIGNED") | openssl dgst -sha256"
# Signing in place replaces the user's file, so pqx syncs the new one to disk before the
# rename (atomic.rs); the fair baseline also hashes and then writes a durable copy.
cp "$S_PQX" "$W/inplace.pqx"
pair "sign -r --no-check in place (synced) stored $SIZE | openssl dgst + dd conv=fsync (hash, then durable copy)" \
  "pqx_resign_in_place $(q "$W/inplace.pqx")" \
  "openssl dgst -sha256 $(q "$S_UNSIGNED") && dd if=$(q "$S_UNSIGNED") of=$(q "$W/out.pqx") bs=1M conv=fsync status=none"
# A package pqx packed itself from incompressible bytes: pack must store the part (deflating
# it made a bigger entry whose verify cost 1.28 x openssl dgst).
RANDOM_PACKED=$W/random-packed.pqx
pqx_pack "${S[0]}" "$W/random-packed.unsigned.pqx"
pqx_sign "$W/random-packed.unsigned.pqx" "$RANDOM_PACKED"
cat "$RANDOM_PACKED" >/dev/null
pair "verify pqx-packed incompressible $SIZE | openssl dgst -sha256" \
  "pqx_verify $(q "$RANDOM_PACKED")" "openssl dgst -sha256 $(q "$RANDOM_PACKED")"
pair "verify stored $SIZE | openssl cms -verify" \
  "pqx_verify $(q "$S_PQX")" \
  "openssl cms -verify -binary -inform DER -content $(q "$S_PQX") -in $(q "$S_PQX.p7s") -noverify -out /dev/null"
pair "verify stored $SIZE | jarsigner -verify" \
  "pqx_verify $(q "$S_PQX")" "jarsigner -verify $(q "$S_JAR")"
pair "verify deflated $SIZE | jarsigner -verify" \
  "pqx_verify $(q "$D_PQX")" "jarsigner -verify $(q "$D_JAR")"
pair "pack $PACK_SIZE/${PACK_ENTRIES} entries | zip -r" \
  "pqx_pack $(q "${P[0]}") $(q "$W/pack.pqx")" "zip_tree $(q "${P[2]}") $(q "$W/pack.zip")"
if [ -n "$BIG" ]; then
  cat "$B_PQX" >/dev/null
  R=$RUNS; RUNS=$(( RUNS < 3 ? RUNS : 3 ))
  pair "verify stored $BIG | openssl dgst -sha256" \
    "pqx_verify $(q "$B_PQX")" "openssl dgst -sha256 $(q "$B_PQX")"
  cat "$B_UNSIGNED" >/dev/null
  pair "sign --no-check stored $BIG | openssl dgst -sha256" \
    "pqx_sign_nocheck $(q "$B_UNSIGNED") $(q "$W/out.pqx")" "openssl dgst -sha256 $(q "$B_UNSIGNED")"
  RUNS=$R
fi
rm -f "$W/out.pqx" "$W/inplace.pqx" "$W/pack.pqx" "$W/pack.zip" "$RANDOM_PACKED" "$W/random-packed.unsigned.pqx"
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$SAMPLES" "$LOAD_START" "$LOAD_END" "${PQX:-pqx-bench-tool}" "$RUNS" <<'EOF' | tee "${OUT:-/dev/null}"
import statistics as st, sys
from collections import OrderedDict
path, load0, load1, who, runs = sys.argv[1:]
rows = OrderedDict()
for line in open(path):
    row, side, run, secs, rss, user, sys_ = line.rstrip("\n").split("\t")
    rows.setdefault(row, {"pqx": {}, "base": {}})[side][int(run)] = (
        float(secs), int(rss), float(user) + float(sys_))
print(f"pqx = `{who.rsplit('/', 1)[-1]}`; {runs} alternating runs per row (fewer at the big size); "
      f"load average {load0} at start, {load1} at end.\n")
print("| what | baseline | pqx wall s | baseline wall s | wall ratio | per-run ratio min–max | CPU ratio (user+sys) | pqx peak RSS MiB | baseline peak RSS MiB |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
for row, d in rows.items():
    what, base = [x.strip() for x in row.split(" | ", 1)]
    runs_ = sorted(set(d["pqx"]) & set(d["base"]))
    p = [d["pqx"][r][0] for r in runs_]
    b = [d["base"][r][0] for r in runs_]
    per = [x / y for x, y in zip(p, b) if y > 0]
    pm, bm = st.median(p), st.median(b)
    pc = st.median(d["pqx"][r][2] for r in runs_)
    bc = st.median(d["base"][r][2] for r in runs_)
    prss = max(d["pqx"][r][1] for r in runs_) / 1024
    brss = max(d["base"][r][1] for r in runs_) / 1024
    print(f"| {what} | {base} | {pm:.3f} | {bm:.3f} | **{pm / bm:.2f}** | "
          f"{min(per):.2f}–{max(per):.2f} | {pc / bc if bc else float('nan'):.2f} | {prss:.1f} | {brss:.1f} |")
EOF
if [ -n "${AUDIT-1000}" ]; then
  log "== the audit of a folder (benches/audit.sh)"
  FILES=${AUDIT-1000} PQX=${PQX:-} OUT=${OUT:+$OUT.audit} "$ROOT/benches/audit.sh" "$RUNS"
fi
