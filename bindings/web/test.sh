#!/usr/bin/env bash
# Tests pqx-wasm and the verification page:
#   1. installs what is missing, quietly and idempotently: the wasm32 target and
#      wasm-bindgen-cli (by build.sh), Debian's chromium (apt-get), playwright-core (npm ci);
#   2. builds dist/ (build.sh);
#   3. writes fresh fixtures with the Rust test PKI (pqx-wasm/examples/make_fixtures.rs) and
#      builds the pqx CLI (the audit rows of the wasm API are compared with its JSON);
#   4. runs pqx-wasm's Rust tests, the Node tests of the JS API and the Chromium page test.
# Artifacts (fixtures, screenshots, TAP output) go to test-output/. Prints "N passed, M failed"
# last and exits non-zero when anything failed.
#
# Environment: PQX_LARGE_MIB (size of the throughput fixture, default 32; 0 to skip),
# VERBOSE=1 to see the tools' output.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$here/test-output"
passed=0
failed=0
log="$out/setup.log"
mkdir -p "$out"
: >"$log"

step() { # step <description> <command…>: a setup step, counted as one test.
  local what="$1"; shift
  if "$@" >>"$log" 2>&1; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAILED: $what (see test-output/setup.log)"
    tail -n 30 "$log"
    finish
  fi
}

finish() {
  echo "$passed passed, $failed failed"
  [[ $failed -eq 0 ]]
  exit $?
}

install_chromium() {
  [[ -x /usr/bin/chromium ]] && return 0
  echo "test.sh: installing chromium (apt-get)"
  "$root/tests/apt_install.sh" chromium
}

install_node_modules() {
  local want have
  want="$(node -p 'require("./package-lock.json").packages["node_modules/playwright-core"].version')"
  have="$(node -p 'require("./node_modules/playwright-core/package.json").version' 2>/dev/null || true)"
  [[ "$want" == "$have" ]] && return 0
  echo "test.sh: npm ci"
  npm ci --no-audit --no-fund --silent
}

make_fixtures() {
  rm -rf "$out/fixtures"
  cargo run -q -p pqx-wasm --example make_fixtures --manifest-path "$root/Cargo.toml" -- \
    "$out/fixtures" "${PQX_LARGE_MIB:-32}"
}

cd "$here"
step "install chromium" install_chromium
step "install node modules" install_node_modules
echo "test.sh: building dist/"
step "build.sh" env VERBOSE="${VERBOSE:-0}" "$here/build.sh"
grep '^build.sh: dist/ ready' "$log" | tail -n 1
step "make fixtures" make_fixtures
# The CLI, to compare its audit rows (`pqx verify --format json`) with the module's auditFile.
# ./test.sh passes the binary it built (PQX_BIN); run alone, this builds one.
if [[ ! -x ${PQX_BIN:-} ]]; then
  step "build pqx (CLI)" cargo build -q -p pqx-cli --manifest-path "$root/Cargo.toml"
  export PQX_BIN="${CARGO_TARGET_DIR:-$root/target}/debug/pqx"
fi

# Rust tests of pqx-wasm (host target: the adapters without the JS boundary).
echo "test.sh: cargo test -p pqx-wasm"
cargo test -q -p pqx-wasm --manifest-path "$root/Cargo.toml" >"$out/cargo-test.log" 2>&1
cargo_rc=$?
read -r cp cf < <(awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } } END { print p + 0, f + 0 }' "$out/cargo-test.log")
if [[ $cargo_rc -ne 0 && $cf -eq 0 ]]; then cf=1; tail -n 40 "$out/cargo-test.log"; fi
[[ $cf -gt 0 ]] && grep -E "^(test .* FAILED|---- )" "$out/cargo-test.log"
echo "test.sh: rust: $cp passed, $cf failed"
passed=$((passed + cp)); failed=$((failed + cf))

# Node: the JS API, then the page in Chromium.
echo "test.sh: node --test"
node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$out/node-tests.tap" \
  tests/api.test.mjs tests/npm.test.mjs tests/browser.test.mjs
node_rc=$?
np="$(awk '/^# pass /{ print $3 }' "$out/node-tests.tap" | tail -n 1)"
nf="$(awk '/^# fail /{ print $3 }' "$out/node-tests.tap" | tail -n 1)"
np=${np:-0}; nf=${nf:-0}
if [[ $node_rc -ne 0 && $nf -eq 0 ]]; then nf=1; fi
passed=$((passed + np)); failed=$((failed + nf))
echo "test.sh: screenshots in test-output/*.png"
finish
