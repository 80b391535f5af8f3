#!/usr/bin/env bash
# Tests of the C ABI (pqx-ffi): builds the library, checks that include/pqx.h matches a fresh
# cbindgen run, makes throwaway keys and connectors, runs the C examples and the C test suite
# under valgrind (zero errors, zero definite/indirect leaks) and the C# test program under
# mono. Installs what it needs (gcc, valgrind, openssl, python3, mono-mcs, mono-runtime,
# cbindgen) idempotently and quietly. Ends with "N passed, M failed"; exits non-zero on any
# failure.
#
# Usage: bindings/run_ffi_tests.sh            (from anywhere)
#   PQX_FFI_NO_VALGRIND=1  run the C programs without valgrind (faster, for debugging)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/target/ffi-tests
FIX=$OUT/fixtures
LIB=$ROOT/target/debug
CBINDGEN_VERSION=0.29.4
PASSWORD=pqx-test-password
export CARGO_TERM_COLOR=never

passed=0
failed=0
failures=()

pass() { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); failures+=("$1"); echo "FAIL - $1"; }

# step NAME CMD...: one check that passes when CMD exits 0 (output shown only on failure).
step() {
  local name=$1; shift
  local log=$OUT/step.log start=$SECONDS
  if "$@" >"$log" 2>&1; then pass "$name ($((SECONDS - start)) s)"; else cat "$log"; fail "$name"; fi
}

# suite NAME LOG CMD...: a test program that prints "N passed, M failed"; its counts are added
# to ours. A non-zero exit without a counted failure (valgrind errors, a crash) is one failure.
suite() {
  local name=$1 log=$2; shift 2
  "$@" >"$log" 2>&1
  local rc=$?
  cat "$log"
  local line p=0 f=0
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
  if [[ -n $line ]]; then
    p=${line%% passed*}
    f=${line#*, }; f=${f%% failed*}
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  if [[ $rc -ne 0 && $f -eq 0 ]]; then fail "$name (exit status $rc)"; fi
  [[ $f -ne 0 ]] && failures+=("$name")
  return 0
}

# ---- tools ---------------------------------------------------------------------------------
install_tools() {
  local missing=()
  command -v gcc >/dev/null || missing+=(gcc libc6-dev)
  command -v valgrind >/dev/null || missing+=(valgrind)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v python3 >/dev/null || missing+=(python3)
  # tests/interop/opc_verify.py, the independent verifier of the callback-signed files
  python3 -c 'import lxml.etree, cryptography' 2>/dev/null || missing+=(python3-lxml python3-cryptography)
  command -v mcs >/dev/null || missing+=(mono-mcs)
  command -v mono >/dev/null || missing+=(mono-runtime)
  if [[ ${#missing[@]} -gt 0 ]]; then
    "$ROOT/tests/apt_install.sh" --no-install-recommends "${missing[@]}" || return 1
  fi
  if [[ "$(cbindgen --version 2>/dev/null)" != "cbindgen $CBINDGEN_VERSION" ]]; then
    cargo install cbindgen --version "$CBINDGEN_VERSION" --locked --quiet || return 1
  fi
}

# ---- fixtures: throwaway PKI and connectors, made fresh each run ---------------------------
# shellcheck source=bindings/ffi_fixtures.sh
source "$ROOT/bindings/ffi_fixtures.sh"

# ---- C --------------------------------------------------------------------------------------
CC_FLAGS=(-std=c11 -Wall -Wextra -Werror -pedantic -g -pthread -I"$ROOT/include")
LINK=(-L"$LIB" -lpqx -Wl,-rpath,"$LIB")
VG_COUNT=0
run_c() { # run_c NAME PROGRAM ARGS...: under valgrind unless disabled; prints its summary
  local name=$1; shift
  if [[ -n ${PQX_FFI_NO_VALGRIND:-} ]]; then "$@"; return; fi
  VG_COUNT=$((VG_COUNT + 1))
  local log=$OUT/valgrind-$name.log
  valgrind --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --log-file="$log" "$@"
  local rc=$?
  if [[ $rc -eq 97 ]]; then cat "$log"; else
    echo "valgrind ($name): $(grep -oE 'ERROR SUMMARY: [0-9]+ errors' "$log"); $(grep -oE 'definitely lost: [0-9,]+ bytes' "$log" || echo 'no leaks possible')"
  fi
  return $rc
}

check_header() {
  cbindgen --quiet --config pqx-ffi/cbindgen.toml --crate pqx-ffi --output "$OUT/pqx.h" || return 1
  diff -u include/pqx.h "$OUT/pqx.h" && return 0
  echo "include/pqx.h is stale: regenerate it with"
  echo "  cbindgen --config pqx-ffi/cbindgen.toml --crate pqx-ffi --output include/pqx.h"
  return 1
}

compile_c() {
  gcc "${CC_FLAGS[@]}" bindings/c/example.c "${LINK[@]}" -o "$OUT/example" &&
    gcc "${CC_FLAGS[@]}" bindings/c/example_short.c "${LINK[@]}" -o "$OUT/example_short" &&
    gcc "${CC_FLAGS[@]}" -DEXPECTED_VERSION="\"$VERSION\"" bindings/c/tests/test_pqx.c "${LINK[@]}" -o "$OUT/test_pqx" || return 1
  # The header must also be valid C++ (cbindgen's cpp_compat).
  if command -v g++ >/dev/null; then
    printf '#include "pqx.h"\nint main() { return pqx_version() == nullptr; }\n' |
      g++ -std=c++11 -Wall -Wextra -Werror -fsyntax-only -I"$ROOT/include" -x c++ - || return 1
  fi
}

example_wrong_password() {
  local out rc
  out=$("$OUT/example" "$FIX/connector.mez" "$FIX/signer.pfx" wrong "$FIX/x.pqx" 2>&1)
  rc=$?
  echo "$out"
  [[ $rc -eq 2 && $out == *wrong-password* && ! -e $FIX/x.pqx ]]
}

short_example_c() {
  run_c example_short "$OUT/example_short" "$FIX/signed.pqx" "$FIX/signer-legacy.pfx" "$PASSWORD" \
    "$FIX/countersigned.pqx" >"$OUT/short.json" || return 1
  cat "$OUT/short.json"
  grep -q '"SignatureStatus": "Success"' "$OUT/short.json" &&
    [[ $(grep -c '"Countersignature": true' "$OUT/short.json") -eq 1 ]]
}

compile_cs() {
  mcs -nologo -warnaserror -target:library -doc:"$OUT/Pqx.xml" -out:"$OUT/Pqx.dll" bindings/dotnet/Pqx/*.cs &&
    mcs -nologo -warnaserror -r:"$OUT/Pqx.dll" -out:"$OUT/PqxTests.exe" bindings/dotnet/tests/PqxTests.cs &&
    mcs -nologo -warnaserror -r:"$OUT/Pqx.dll" -out:"$OUT/ExampleShort.exe" bindings/dotnet/ExampleShort.cs
}

short_example_cs() {
  mono "$OUT/ExampleShort.exe" "$FIX/signed.pqx" "$FIX/signer.pfx" "$PASSWORD" "$FIX/cs-signed.pqx" \
    >"$OUT/cs-short.json" || return 1
  cat "$OUT/cs-short.json"
  grep -q '"SignatureStatus": "Success"' "$OUT/cs-short.json"
}

main() {
  mkdir -p "$OUT"
  rm -f "$OUT"/valgrind-*.log
  VERSION=$(sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -n 1)
  step "install tools" install_tools
  step "build pqx-ffi" cargo build -p pqx-ffi --quiet
  step "include/pqx.h matches cbindgen output" check_header
  step "fixtures (openssl PKI, connector)" make_pki

  # ---- C ---------------------------------------------------------------------------------
  step "compile C example, short example, test suite (gcc -Werror) and header as C++" compile_c
  step "C example: pack, sign, verify against a trusted root, print report" \
    run_c example "$OUT/example" "$FIX/connector.mez" "$FIX/signer.pfx" "$PASSWORD" "$FIX/signed.pqx" "$FIX/root.pem"
  step "C example: wrong password exits 2 with the message, writes nothing" example_wrong_password
  step "C short example: countersign, print JSON" short_example_c
  step "tampered fixture" tamper "$FIX/signed.pqx" "$FIX/tampered.pqx"
  suite "C test suite" "$OUT/test_pqx.log" run_c test_pqx "$OUT/test_pqx" "$FIX"
  step "C callback signer's .pqx verifies with the independent verifier (opc_verify.py)" \
    python3 tests/interop/opc_verify.py --require-all-parts "$FIX/callback-signed.pqx"

  # ---- .NET ------------------------------------------------------------------------------
  export LD_LIBRARY_PATH=$LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  step "compile C# library, test program and short example (mcs)" compile_cs
  step "C# short example: countersign, print JSON" short_example_cs
  suite "C# test program (mono)" "$OUT/cs-tests.log" mono --debug "$OUT/PqxTests.exe" "$FIX" "$VERSION"
  step "C# PqxSigner.FromRsa's .pqx verifies with the independent verifier (opc_verify.py)" \
    python3 tests/interop/opc_verify.py --require-all-parts "$FIX/cs-rsa-signed.pqx"

  echo
  if [[ -z ${PQX_FFI_NO_VALGRIND:-} ]]; then
    local errors lost
    errors=$(grep -ohE 'ERROR SUMMARY: [0-9]+' "$OUT"/valgrind-*.log | awk '{s += $3} END {print s + 0}')
    lost=$(grep -ohE '(definitely|indirectly) lost: [0-9,]+ bytes' "$OUT"/valgrind-*.log | tr -d , | awk '{s += $3} END {print s + 0}')
    echo "valgrind: $VG_COUNT programs, $errors errors, $lost bytes definitely/indirectly lost"
  fi
  for f in "${failures[@]}"; do echo "FAILED: $f"; done
  echo "$passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}

main "$@"
