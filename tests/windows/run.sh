#!/usr/bin/env bash
# pqx as a Windows program: cross-builds pqx.exe and pqx.dll for x86_64-pc-windows-gnu (mingw)
# and runs them under wine: named end-to-end scenarios of the CLI (pack, sign with every key
# source, countersign, verify, inspect, unpack, thumbprint, check, the registry trust list,
# Windows paths, replacing a file another process holds open, exit statuses), then the C ABI
# test suite (bindings/c/tests) compiled with mingw against pqx.dll.
#
# Installs what it needs (the rustup target, Debian's gcc-mingw-w64-x86-64 and wine),
# idempotently and quietly. One throwaway wine prefix per run (WINEPREFIX in a temporary
# folder). Wine 8 lacks bcryptprimitives.dll's ProcessPrng, which Rust's standard library
# imports: a shim (process_prng_shim.c) is built and placed next to the programs in the test
# folder only. Prints "ok/FAIL - scenario" lines and ends with "N passed, M failed"; exits
# non-zero on any failure.
#
# Usage: tests/windows/run.sh            (from anywhere)
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
TARGET=x86_64-pc-windows-gnu
BUILD=$ROOT/target/$TARGET/debug
OUT=$ROOT/target/windows-tests
WIN=$OUT/bin
WORK=$OUT/work
FIX=$OUT/ffi-fixtures
PASSWORD=pqx-test-password # the C ABI fixtures' (tests/interop/make_test_pki.sh's is test-password)
CC=x86_64-w64-mingw32-gcc
export CARGO_TERM_COLOR=never

passed=0
failed=0
failures=()
pass() { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); failures+=("$1"); echo "FAIL - $1"; }

# scenario NAME FUNCTION: one check; its output is shown only when it fails.
scenario() {
  local name=$1; shift
  local log=$OUT/scenario.log
  if (cd "$WORK" && "$@") >"$log" 2>&1; then pass "$name"; else sed 's/^/    /' "$log"; fail "$name"; fi
}

# ---- tools, build, prefix --------------------------------------------------------------------
install_tools() {
  rustup target list --installed | grep -qx "$TARGET" || rustup target add "$TARGET" >/dev/null 2>&1 || return 1
  local missing=()
  command -v "$CC" >/dev/null || missing+=(gcc-mingw-w64-x86-64)
  command -v wine >/dev/null || missing+=(wine64 wine)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v python3 >/dev/null || missing+=(python3)
  if [[ ${#missing[@]} -gt 0 ]]; then
    "$ROOT/tests/apt_install.sh" --no-install-recommends "${missing[@]}" || return 1
  fi
}

build() {
  cargo build --target "$TARGET" -p pqx-cli -p pqx-ffi --quiet || return 1
  rm -rf "$WIN" && mkdir -p "$WIN" || return 1
  cp "$BUILD/pqx.exe" "$BUILD/pqx.dll" "$WIN/" || return 1
  $CC -O2 -s -shared -o "$WIN/bcryptprimitives.dll" tests/windows/process_prng_shim.c || return 1
  $CC -O2 -s -o "$WIN/hold_open.exe" tests/windows/hold_open.c || return 1
  local version
  version=$(sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -n 1)
  # Statically linked (winpthreads included): the test folder holds only pqx.dll and the shim.
  $CC -std=c11 -Wall -Wextra -Werror -pedantic -O1 -static -pthread -I"$ROOT/include" \
    -DEXPECTED_VERSION="\"$version\"" bindings/c/tests/test_pqx.c "$BUILD/libpqx.dll.a" \
    -o "$WIN/test_pqx.exe"
}

make_prefix() {
  WINEPREFIX=$(mktemp -d /tmp/pqx-wine.XXXXXX) || return 1
  export WINEPREFIX WINEDEBUG=-all WINEDLLOVERRIDES="bcryptprimitives=n,b"
  wineboot -i >/dev/null 2>&1
}

cleanup() {
  if [[ -n ${WINEPREFIX:-} && -d $WINEPREFIX ]]; then
    wineserver -k >/dev/null 2>&1
    rm -rf "$WINEPREFIX"
  fi
}

# pqx ARGS...: runs pqx.exe under wine (wine's own chatter on stderr is filtered out).
pqx() { wine "$WIN/pqx.exe" "$@"; }
# winpath PATH: the Windows form of a Unix path (Z:\...).
winpath() { winepath -w "$1" 2>/dev/null; }
# status EXPECTED CMD...: CMD exits with EXPECTED.
status() {
  local want=$1; shift
  "$@"
  local rc=$?
  [[ $rc -eq $want ]] || { echo "exit status $rc, expected $want: $*"; return 1; }
}

make_fixtures() {
  rm -rf "$WORK" && mkdir -p "$WORK" || return 1
  tests/interop/make_test_pki.sh "$WORK/pki" || return 1
  tests/interop/make_test_pki.sh "$WORK/pki2" || return 1
  python3 tests/interop/make_sample_mez.py "$WORK/HelloWorld.mez" --name HelloWorld || return 1
  cp "$WORK/HelloWorld.mez" "$WORK/Café.mez" || return 1
  printf 'test-password\n' >"$WORK/pw.txt"
  # As Windows Notepad saves it: a UTF-8 byte order mark and CRLF.
  printf '\xef\xbb\xbftest-password\r\n' >"$WORK/pw-notepad.txt"
  openssl x509 -in "$WORK/pki/cert.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' >"$WORK/leaf.sha1"
}

# ---- scenarios (run in $WORK) ------------------------------------------------------------------
no_temporary_files() {
  local left
  left=$(find . -maxdepth 1 -name '.*.tmp')
  [[ -z $left ]] || { echo "temporary files left: $left"; return 1; }
}

pack_unsigned() {
  status 0 pqx pack -mz HelloWorld.mez -t unsigned.pqx &&
    python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; assert "HelloWorld.pq" in z.namelist()' unsigned.pqx
}

sign_in_place_with_pfx() {
  cp unsigned.pqx signed.pqx && status 0 pqx sign signed.pqx -c pki/leaf.pfx --password-file pw.txt &&
    ! cmp -s unsigned.pqx signed.pqx && no_temporary_files && status 0 pqx verify -q signed.pqx
}

sign_with_legacy_pfx_and_notepad_password_file() {
  status 0 pqx sign unsigned.pqx -c pki/leaf-legacy.pfx --password-file pw-notepad.txt -t legacy.pqx &&
    status 0 pqx verify -q legacy.pqx
}

sign_with_pem_key_and_chain() {
  cat pki/cert.pem pki/chain.pem >fullchain.pem &&
    status 0 pqx sign unsigned.pqx --key pki/key.pem --cert fullchain.pem -t pem.pqx && status 0 pqx verify -q pem.pqx
}

pack_and_sign_in_one_step() {
  PQX_PASSWORD=test-password status 0 pqx pack -mz HelloWorld.mez -c pki/leaf.pfx -t packed-signed.pqx &&
    status 0 pqx verify -q packed-signed.pqx
}

countersign() {
  status 0 pqx sign signed.pqx -c pki2/leaf.pfx --password-file pw.txt -t countersigned.pqx &&
    pqx verify countersigned.pqx >report.json &&
    [[ $(grep -c '"Countersignature": true' report.json) -eq 1 ]] && grep -q '"SignatureStatus": "Success"' report.json
}

verify_reports_and_trust() {
  local leaf
  leaf=$(cat leaf.sha1)
  pqx verify signed.pqx >report.json && grep -q '"SignatureStatus": "Success"' report.json &&
    status 0 pqx verify -q --require-trusted --trusted-thumbprint "$leaf" signed.pqx &&
    status 1 pqx verify -q --require-trusted --trusted-thumbprint "$(printf '0%.0s' {1..40})" signed.pqx &&
    status 0 pqx verify -q --require-trusted --trusted-ca pki/root.pem signed.pqx
}

verify_rejects_a_tampered_package() {
  python3 - signed.pqx tampered.pqx <<'PY' || return 1
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as zin, zipfile.ZipFile(sys.argv[2], "w") as zout:
    for info in zin.infolist():
        data = zin.read(info)
        if info.filename == "HelloWorld.pq":
            data = data.replace(b"section", b"sectioN", 1)
        zout.writestr(info, data, compress_type=info.compress_type)
PY
  status 1 pqx verify -q tampered.pqx && status 1 pqx verify -q unsigned.pqx
}

inspect_names_parts_and_signer() {
  pqx inspect signed.pqx >inspect.txt && grep -q 'HelloWorld.pq' inspect.txt && grep -q 'pqx Test Code Signing' inspect.txt
}

unpack_extracts_the_files() {
  rm -rf unpacked && status 0 pqx unpack signed.pqx -o unpacked && mkdir -p from-mez &&
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' HelloWorld.mez from-mez &&
    diff -r from-mez unpacked
}

thumbprint_matches_openssl() {
  [[ $(pqx thumbprint pki/cert.pem | tr -d '\r') == "$(cat leaf.sha1)" ]] &&
    [[ $(pqx thumbprint signed.pqx | tr -d '\r') == "$(cat leaf.sha1)" ]] &&
    pqx thumbprint --reg pki/cert.pem | grep -q '"TrustedCertificateThumbprints"=hex(7):'
}

check_passes_the_sample() {
  status 0 pqx check HelloWorld.mez
}

error_exit_statuses() {
  status 2 pqx sign --no-such-option x.pqx &&
    status 3 pqx verify missing.pqx &&
    status 3 pqx verify HelloWorld.mez &&
    status 4 pqx sign unsigned.pqx -c pki/leaf.pfx -p wrong-password -t never.pqx &&
    [[ ! -e never.pqx ]] && no_temporary_files
}

windows_paths_with_drive_letter_and_backslashes() {
  local in out
  in=$(winpath "$WORK/unsigned.pqx") && out=$(winpath "$WORK/sub/win-path.pqx") || return 1
  [[ $in == [A-Z]:\\* ]] || { echo "not a Windows path: $in"; return 1; }
  mkdir -p sub && pqx sign "$in" -c 'pki\leaf.pfx' --password-file pw.txt -t "$out" 2>err.txt &&
    grep -qF "signed $out as" err.txt && status 0 pqx verify -q 'sub\win-path.pqx'
}

# Paths over MAX_PATH (260) and in the verbatim form `\\?\Z:\…` (what long-path-aware tools
# and some scripts pass): signing in place (temporary file and rename beside the target), signing
# to a new file and verifying all work, and messages name the file as given. winepath stops at
# 260 characters, so the long Windows path is spelled here.
long_and_verbatim_paths() {
  local seg deep unix win
  seg=$(printf 'd%.0s' $(seq 60))
  deep="$seg/$seg/$seg/$seg/$seg"
  unix="$WORK/$deep"
  win="$(winpath "$WORK")\\${deep//\//\\}"
  mkdir -p "$unix" && cp unsigned.pqx "$unix/in-place.pqx" || return 1
  (( ${#win} > 300 )) || { echo "path too short: ${#win}"; return 1; }
  pqx sign "$win\\in-place.pqx" -c 'pki\leaf.pfx' --password-file pw.txt --no-check 2>err.txt &&
    grep -qF "signed $win\\in-place.pqx as" err.txt || { cat err.txt; return 1; }
  ! cmp -s unsigned.pqx "$unix/in-place.pqx" || { echo "not signed in place"; return 1; }
  [[ -z $(find "$unix" -name '.*.tmp') ]] || { echo "temporary file left"; return 1; }
  status 0 pqx sign '\\?\'"$win\\in-place.pqx" -c 'pki2\leaf.pfx' --password-file pw.txt \
    --no-check -t "$win\\countersigned.pqx" 2>err.txt || { cat err.txt; return 1; }
  status 0 pqx verify -q '\\?\'"$win\\countersigned.pqx" &&
    python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None' "$unix/countersigned.pqx"
}

non_ascii_file_names_in_messages() {
  status 0 pqx pack -mz Café.mez -c pki/leaf.pfx --password-file pw.txt -t Café.pqx 2>err.txt &&
    grep -q 'signed Café.pqx as' err.txt && [[ -s Café.pqx ]]
}

# Power BI Desktop keeps loaded connectors open: the replace retries, then fails plainly
# leaving the original intact and no temporary file.
replace_refused_while_another_program_holds_the_file() {
  cp signed.pqx held.pqx && cp held.pqx held-before.pqx || return 1
  wine "$WIN/hold_open.exe" held.pqx 8000 >hold.txt 2>/dev/null &
  local holder=$! i
  for i in $(seq 50); do grep -q held hold.txt 2>/dev/null && break; sleep 0.1; done
  status 3 pqx sign held.pqx -c pki2/leaf.pfx --password-file pw.txt 2>err.txt
  local rc=$?
  cat err.txt
  wait "$holder"
  [[ $rc -eq 0 ]] && grep -q 'another program has the file open' err.txt &&
    cmp held.pqx held-before.pqx && no_temporary_files
}

replace_retried_until_the_other_program_closes_the_file() {
  cp signed.pqx briefly.pqx || return 1
  wine "$WIN/hold_open.exe" briefly.pqx 600 >hold.txt 2>/dev/null &
  local holder=$! i
  for i in $(seq 50); do grep -q held hold.txt 2>/dev/null && break; sleep 0.1; done
  status 0 pqx sign briefly.pqx -c pki2/leaf.pfx --password-file pw.txt
  local rc=$?
  wait "$holder"
  [[ $rc -eq 0 ]] && status 0 pqx verify -q briefly.pqx && no_temporary_files
}

REG_KEY='HKLM\SOFTWARE\Policies\Microsoft\Power BI Desktop'
set_registry_list() { wine reg add "$REG_KEY" /v TrustedCertificateThumbprints /t REG_MULTI_SZ /d "$1" /f >/dev/null 2>&1; }

registry_list_set_with_reg_add_is_read_back_exactly() {
  local a="0123456789abcdef0123456789abcdef01234567" b="89 AB CD EF 01 23 45 67 89 AB CD EF 01 23 45 67 89 AB CD EF"
  set_registry_list "$a\\0$b" || return 1
  pqx trust list --connectors . >list.txt || return 1
  [[ $(tr -d '\r' <list.txt) == "$a"$'\n'"$b" ]] || { echo "listed:"; cat list.txt; return 1; }
}

registry_trust_add_list_remove_round_trip() {
  local leaf a="0123456789abcdef0123456789abcdef01234567"
  leaf=$(cat leaf.sha1)
  set_registry_list "$a" || return 1
  status 1 pqx verify -q --require-trusted --trusted-registry signed.pqx &&
    status 0 pqx trust add signed.pqx &&
    status 0 pqx trust add "$leaf" &&
    wine reg query "$REG_KEY" /v TrustedCertificateThumbprints >query.txt 2>/dev/null &&
    grep -qF "$a\\0$leaf" query.txt &&
    status 0 pqx verify -q --require-trusted --trusted-registry signed.pqx &&
    mkdir -p connectors && cp signed.pqx connectors/Signed.pqx &&
    [[ $(pqx trust list --connectors connectors | tr -d '\r') == "$a"$'\n'"$leaf  signs: Signed.pqx" ]] &&
    status 0 pqx trust remove pki/cert.pem &&
    [[ $(pqx trust list --connectors connectors | tr -d '\r') == "$a" ]] &&
    status 1 pqx verify -q --require-trusted --trusted-registry signed.pqx
}

c_abi_suite() {
  rm -rf "$FIX" && mkdir -p "$FIX" || return 1
  # shellcheck source=bindings/ffi_fixtures.sh
  source "$ROOT/bindings/ffi_fixtures.sh"
  make_pki >/dev/null 2>&1 || { echo "fixtures failed"; return 1; }
  (cd "$FIX" && PQX_PASSWORD=$PASSWORD pqx pack -mz connector.mez -c signer.pfx -t signed.pqx 2>/dev/null) &&
    tamper "$FIX/signed.pqx" "$FIX/tampered.pqx" || { echo "fixtures failed"; return 1; }
  local log=$OUT/test_pqx.log line p=0 f=0
  (cd "$WIN" && wine ./test_pqx.exe "$(winpath "$FIX")") >"$log" 2>&1
  local rc=$?
  line=$(tr -d '\r' <"$log" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
  if [[ -n $line ]]; then
    p=${line%% passed*}
    f=${line#*, }; f=${f%% failed*}
  fi
  grep -E '^(FAIL|not ok)' "$log"
  [[ $rc -eq 0 && $f -eq 0 && $p -gt 0 ]] || { tail -n 20 "$log"; return 1; }
}

main() {
  mkdir -p "$OUT"
  local start=$SECONDS
  install_tools || { echo "FAIL - install tools"; return 1; }
  echo "tools: $((SECONDS - start)) s"; start=$SECONDS
  build || { echo "FAIL - cross-build for $TARGET"; return 1; }
  echo "cross-build: $((SECONDS - start)) s"; start=$SECONDS
  trap cleanup EXIT
  make_prefix || { echo "FAIL - wine prefix"; return 1; }
  make_fixtures >"$OUT/fixtures.log" 2>&1 || { cat "$OUT/fixtures.log"; echo "FAIL - fixtures"; return 1; }
  echo "wine prefix and fixtures: $((SECONDS - start)) s"; start=$SECONDS

  scenario "pack: unsigned .pqx from a .mez" pack_unsigned
  scenario "sign in place with a .pfx (MakePQX's form)" sign_in_place_with_pfx
  scenario "sign with a legacy 3DES .pfx and a Notepad password file (BOM, CRLF)" sign_with_legacy_pfx_and_notepad_password_file
  scenario "sign with a PEM key and chain" sign_with_pem_key_and_chain
  scenario "pack and sign in one step (PQX_PASSWORD)" pack_and_sign_in_one_step
  scenario "countersign" countersign
  scenario "verify: report, --trusted-thumbprint, --trusted-ca" verify_reports_and_trust
  scenario "verify: tampered and unsigned packages exit 1" verify_rejects_a_tampered_package
  scenario "inspect names the parts and the signer" inspect_names_parts_and_signer
  scenario "unpack extracts the connector files" unpack_extracts_the_files
  scenario "thumbprint matches openssl's; --reg" thumbprint_matches_openssl
  scenario "check passes the sample connector" check_passes_the_sample
  scenario "exit statuses: usage 2, input 3, password 4" error_exit_statuses
  scenario "paths with a drive letter and backslashes" windows_paths_with_drive_letter_and_backslashes
  scenario "long paths (over 260 characters) and \\\\?\\ paths: sign in place, countersign, verify" long_and_verbatim_paths
  scenario "non-ASCII file names in messages (UTF-8)" non_ascii_file_names_in_messages
  scenario "replace refused while another program holds the file" replace_refused_while_another_program_holds_the_file
  scenario "replace retried until the other program closes the file" replace_retried_until_the_other_program_closes_the_file
  scenario "registry: a list set with reg add is read back exactly" registry_list_set_with_reg_add_is_read_back_exactly
  scenario "registry: trust add, list, remove round-trip; verify --trusted-registry" registry_trust_add_list_remove_round_trip
  scenario "C ABI suite against pqx.dll" c_abi_suite
  echo "C ABI suite (test_pqx.exe against pqx.dll under wine): $(tr -d '\r' <"$OUT/test_pqx.log" 2>/dev/null | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)"
  echo "scenarios: $((SECONDS - start)) s"

  echo
  for f in "${failures[@]}"; do echo "FAILED: $f"; done
  echo "$passed passed, $failed failed (CLI scenarios under wine and the C ABI suite as one)"
  [[ $failed -eq 0 ]]
}

main "$@"
