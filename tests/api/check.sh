#!/usr/bin/env bash
# The public API snapshot of pqx-core: lists the crate's public items from rustdoc's JSON
# (tests/api/public_api.py) and compares them with tests/api/pqx-core.txt, so that every API
# change is a conscious one, seen in review. PQX_UPDATE_SNAPSHOTS=1 rewrites the snapshot.
#
# rustdoc's JSON needs a nightly toolchain; a dated one, installed here quietly when missing,
# so that the JSON format does not change under the snapshot. Default features only: the
# test-pki feature's `test_pki` is not part of the default API.
set -uo pipefail
cd "$(dirname "$0")/../.."
toolchain="nightly-2026-05-20"
snapshot="tests/api/pqx-core.txt"
out="target/api"

if ! rustup run "$toolchain" rustc --version >/dev/null 2>&1; then
  rustup toolchain install "$toolchain" --profile minimal >/dev/null 2>&1 || {
    echo "api: could not install $toolchain" >&2
    exit 1
  }
fi
if ! CARGO_TARGET_DIR="$out" cargo "+$toolchain" rustdoc -q -p pqx-core --lib -- \
    -Z unstable-options --output-format json 2>"$out.log"; then
  cat "$out.log" >&2
  echo "api: rustdoc --output-format json failed" >&2
  exit 1
fi
python3 tests/api/public_api.py "$out/doc/pqx_core.json" >"$out/pqx-core.txt" || exit 1
if [[ -n "${PQX_UPDATE_SNAPSHOTS:-}" ]]; then
  cp "$out/pqx-core.txt" "$snapshot"
  echo "api: $snapshot rewritten ($(wc -l <"$snapshot") items)"
  exit 0
fi
if diff -u "$snapshot" "$out/pqx-core.txt"; then
  echo "api: pqx-core's public API matches $snapshot ($(wc -l <"$snapshot") items)"
else
  echo "api: pqx-core's public API changed (- snapshot, + now). If intended, run" >&2
  echo "  PQX_UPDATE_SNAPSHOTS=1 tests/api/check.sh   and commit $snapshot" >&2
  exit 1
fi
