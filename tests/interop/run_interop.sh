#!/usr/bin/env bash
# Interop tests between pqx and independent OPC-signature implementations:
#   opc_sign.py / opc_verify.py (Python: lxml C14N + cryptography),
#   xmlsec1 (C: SignedInfo -> package Object chain + SignatureValue),
#   Apache POI 4 + Santuario (Java: PoiVerify.java; part and relationship references).
#
#   run_interop.sh PQX_BIN      pqx <-> independent implementations (includes the self-test)
#   run_interop.sh --self-test  independent implementations against each other only
#
# Needs what install_deps.sh installs (it installs nothing itself). No network. Keys and
# certificates are generated in a temp dir. Prints "N passed, M failed"; exit 1 if M > 0.
# PQX_INTEROP_ALLOW_SKIP=1 turns a missing xmlsec1/javac/POI into SKIP instead of failure.
# PQX_INTEROP_KEEP=1 keeps the temp dir.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
if [ $# -ne 1 ]; then
    echo "usage: run_interop.sh PQX_BIN | --self-test" >&2
    exit 2
fi
PQX=""
if [ "$1" != "--self-test" ]; then
    PQX=$1
    case "$PQX" in /*) ;; *) PQX="$(pwd)/$PQX" ;; esac
    if [ ! -x "$PQX" ]; then
        echo "run_interop.sh: $PQX is not executable" >&2
        exit 2
    fi
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pqx-interop.XXXXXX")
cleanup() { if [ "${PQX_INTEROP_KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
cd "$WORK" || exit 2

PY=python3
SIGN="$PY $HERE/opc_sign.py"
VERIFY="$PY $HERE/opc_verify.py"
TOOL="$PY $HERE/pkg_tool.py"
PASS=0
FAILED=0
FAILS=()
LOG="$WORK/last.log"

pass() { PASS=$((PASS + 1)); echo "PASS $1"; }
fail() {
    FAILED=$((FAILED + 1)); FAILS+=("$1"); echo "FAIL $1"
    if [ -s "$LOG" ]; then sed 's/^/    | /' "$LOG" | head -n 30; fi
}
skip_or_fail() {
    if [ "${PQX_INTEROP_ALLOW_SKIP:-0}" = 1 ]; then echo "SKIP $1"; else fail "$1"; fi
}
# ok NAME CMD...    : CMD must exit 0
ok() { local n=$1; shift; if "$@" >"$LOG" 2>&1; then pass "$n"; else fail "$n (exit $?)"; fi; }
# rejects NAME CMD... : CMD must exit non-zero (and not crash with a signal)
rejects() {
    local n=$1; shift
    "$@" >"$LOG" 2>&1; local rc=$?
    if [ $rc -ne 0 ] && [ $rc -lt 126 ]; then pass "$n"; else fail "$n (exit $rc, expected rejection)"; fi
}
# prints NAME EXPECTED CMD... : CMD exits 0 and its last stdout line is EXPECTED
prints() {
    local n=$1 want=$2; shift 2
    if "$@" >"$LOG" 2>&1 && [ "$(tail -n 1 "$LOG")" = "$want" ]; then pass "$n"; else fail "$n (wanted '$want')"; fi
}

# --- tools -------------------------------------------------------------------------------
HAVE_XMLSEC=0; command -v xmlsec1 >/dev/null 2>&1 && HAVE_XMLSEC=1
HAVE_POI=0
J=${PQX_INTEROP_JAVA_DIR:-/usr/share/java}
POI_CP=""
for jar in poi poi-ooxml poi-ooxml-schemas xmlbeans commons-collections4 commons-compress \
           commons-codec commons-math3 xmlsec bcprov bcpkix slf4j-api slf4j-nop; do
    if [ -f "$J/$jar.jar" ]; then POI_CP="$POI_CP:$J/$jar.jar"; else POI_CP=""; break; fi
done
if [ -n "$POI_CP" ] && command -v javac >/dev/null 2>&1 && command -v java >/dev/null 2>&1; then
    mkdir -p poi-classes
    if javac -nowarn -cp "${POI_CP#:}" -d poi-classes "$HERE/PoiVerify.java" >"$LOG" 2>&1; then
        HAVE_POI=1
    else
        fail "compile PoiVerify.java"
    fi
fi
poi() { java -cp "poi-classes$POI_CP" PoiVerify "$@"; }

# xmlsec_check PKG CERT : every .psdsxs of PKG verifies with xmlsec1 (SignedInfo -> Object
# digest and SignatureValue; manifests are not processed by xmlsec1), with the key of CERT,
# and -- when the signature carries KeyInfo/X509Data -- again with the certificate taken
# from KeyInfo and chain-validated against the test root.
xmlsec_check() {
    local pkg=$1 cert=$2 n=0 s f
    for s in $($TOOL list "$pkg" | grep '\.psdsxs$'); do
        n=$((n + 1)); f="xs-$n.xml"
        $TOOL extract "$pkg" "$s" "$f" || return 1
        xmlsec1 --verify --ignore-manifests --enabled-reference-uris same-doc \
            --id-attr:Id Object --pubkey-cert-pem "$cert" "$f" || { echo "xmlsec1 (key) rejects $s"; return 1; }
        if grep -q X509Certificate "$f"; then
            xmlsec1 --verify --ignore-manifests --enabled-reference-uris same-doc \
                --id-attr:Id Object --trusted-pem pki/root.pem --untrusted-pem pki/intermediate.pem "$f" \
                || { echo "xmlsec1 (KeyInfo cert + chain) rejects $s"; return 1; }
        fi
    done
    [ $n -gt 0 ]
}
xmlsec_rejects() {   # xmlsec1 must reject at least one signature of PKG
    local pkg=$1 cert=$2 n=0 s f
    for s in $($TOOL list "$pkg" | grep '\.psdsxs$'); do
        n=$((n + 1)); f="xs-$n.xml"
        $TOOL extract "$pkg" "$s" "$f" || return 1
        xmlsec1 --verify --ignore-manifests --enabled-reference-uris same-doc \
            --id-attr:Id Object --pubkey-cert-pem "$cert" "$f" || return 0
    done
    return 1
}

# independent_checks NAME PKG [nopoi] : opc_verify --require-all-parts, zip integrity,
# content types, xmlsec1, POI (POI skipped for certificate-part-only signatures)
independent_checks() {
    local name=$1 pkg=$2 nopoi=${3:-}
    ok "$name: opc_verify.py --require-all-parts" $VERIFY --require-all-parts "$pkg"
    ok "$name: zipfile.testzip" $PY -c 'import sys,zipfile; sys.exit(zipfile.ZipFile(sys.argv[1]).testzip() is not None)' "$pkg"
    ok "$name: unzip -t" unzip -tq "$pkg"
    ok "$name: [Content_Types].xml covers every part, no duplicate names" $TOOL check "$pkg"
    if [ $HAVE_XMLSEC = 1 ]; then
        ok "$name: xmlsec1 verifies SignedInfo/Object" xmlsec_check "$pkg" pki/cert.pem
    else
        skip_or_fail "$name: xmlsec1 (not installed)"
    fi
    if [ -n "$nopoi" ]; then
        :
    elif [ $HAVE_POI = 1 ]; then
        ok "$name: Apache POI SignaturePart.validate()" poi "$pkg"
    else
        skip_or_fail "$name: Apache POI (not installed)"
    fi
}

# --- fixtures ----------------------------------------------------------------------------
if ! "$HERE/make_test_pki.sh" pki >"$LOG" 2>&1; then fail "make_test_pki.sh"; fi
ok "make_sample_mez.py" $PY "$HERE/make_sample_mez.py" sample.mez
ok "make_sample_mez.py --legacy-m" $PY "$HERE/make_sample_mez.py" legacy.mez --legacy-m --name Legacy
KEY=(--key pki/key.pem --cert pki/cert.pem --chain pki/chain.pem)
ORIGIN_T=http://schemas.openxmlformats.org/package/2006/relationships/digital-signature/origin
# a relationship type the package's root relationships use (not origin, if there is another)
signed_root_type() {
    local t
    t=$($TOOL root-types "$1" | grep -v -F -x "$ORIGIN_T" | head -n 1)
    [ -n "$t" ] || t=$ORIGIN_T
    echo "$t"
}

# =========================================================================================
echo "== self-test: opc_sign.py vs opc_verify.py vs xmlsec1 vs POI"
ok "pkg_tool pack (unsigned OPC input)" $TOOL pack sample.mez st-u.pqx

ok "opc_sign (KeyInfo/X509Data)" $SIGN st-u.pqx st-k.pqx "${KEY[@]}"
independent_checks "self KeyInfo" st-k.pqx
ok "opc_sign --dotnet-style --digest sha1" $SIGN st-u.pqx st-d.pqx "${KEY[@]}" --dotnet-style --digest sha1
independent_checks "self dotnet-style sha1" st-d.pqx
ok "opc_sign --digest sha512 --ct-style override" $SIGN st-u.pqx st-5.pqx "${KEY[@]}" --digest sha512 --ct-style override
independent_checks "self sha512" st-5.pqx
ok "opc_sign --cert-part" $SIGN st-u.pqx st-c.pqx "${KEY[@]}" --cert-part
independent_checks "self cert-part" st-c.pqx nopoi
if [ $HAVE_POI = 1 ]; then
    rejects "self cert-part: POI rejects (documented: needs KeyInfo)" poi st-c.pqx
fi
ok "opc_sign --countersign" $SIGN st-k.pqx st-cs.pqx "${KEY[@]}" --countersign
prints "self countersigned: opc_verify sees 2 signatures" "OK 2 signatures" $VERIFY --require-all-parts st-cs.pqx
independent_checks "self countersigned" st-cs.pqx

# negative cases
$TOOL flip st-k.pqx st-t1.pqx /HelloWorld.pq
rejects "self tamper part byte: opc_verify rejects" $VERIFY st-t1.pqx
[ $HAVE_POI = 1 ] && rejects "self tamper part byte: POI rejects" poi st-t1.pqx
$TOOL set-ct st-k.pqx st-t2.pqx /Helpers.pqm text/plain
rejects "self changed content type: opc_verify rejects" $VERIFY st-t2.pqx
$TOOL add-rel st-k.pqx st-t3.pqx "$(signed_root_type st-k.pqx)" /Helpers.pqm
rejects "self added root relationship of a signed type: opc_verify rejects" $VERIFY st-t3.pqx
[ $HAVE_POI = 1 ] && rejects "self added root relationship of a signed type: POI rejects" poi st-t3.pqx
$TOOL add-rel st-k.pqx st-t4.pqx http://example.invalid/pqx-test/unsigned-type /Helpers.pqm
ok "self added relationship of an unsigned type: opc_verify accepts (as .NET)" $VERIFY st-t4.pqx
rejects "self added relationship of an unsigned type: opc_verify --require-all-parts rejects" $VERIFY --require-all-parts st-t4.pqx
$TOOL add-part st-k.pqx st-t5.pqx /Extra.pqm '[ Evil = true ]'
ok "self added unsigned part: opc_verify accepts (as .NET)" $VERIFY st-t5.pqx
rejects "self added unsigned part: opc_verify --require-all-parts rejects" $VERIFY --require-all-parts st-t5.pqx
SIGPART=$($TOOL list st-k.pqx | grep '\.psdsxs$' | head -n 1)
$TOOL tamper-sig st-k.pqx st-t6.pqx "$SIGPART" value
rejects "self tampered SignatureValue: opc_verify rejects" $VERIFY st-t6.pqx
[ $HAVE_XMLSEC = 1 ] && ok "self tampered SignatureValue: xmlsec1 rejects" xmlsec_rejects st-t6.pqx pki/cert.pem
[ $HAVE_POI = 1 ] && rejects "self tampered SignatureValue: POI rejects" poi st-t6.pqx
$TOOL tamper-sig st-k.pqx st-t9.pqx "$SIGPART" object
rejects "self tampered signing time (Object digest): opc_verify rejects" $VERIFY st-t9.pqx
[ $HAVE_XMLSEC = 1 ] && ok "self tampered signing time (Object digest): xmlsec1 rejects" xmlsec_rejects st-t9.pqx pki/cert.pem
[ $HAVE_POI = 1 ] && rejects "self tampered signing time (Object digest): POI rejects" poi st-t9.pqx
$TOOL doctype st-k.pqx st-t7.pqx "$SIGPART"
rejects "self DOCTYPE in signature part: opc_verify rejects" $VERIFY st-t7.pqx
$TOOL tamper-sig st-cs.pqx st-t8.pqx "$SIGPART" object
rejects "self countersigned, first signature tampered: opc_verify rejects" $VERIFY st-t8.pqx

# =========================================================================================
if [ -n "$PQX" ]; then
    PFX=(-c pki/leaf.pfx -p test-password)
    echo "== pqx signs, independent implementations verify"
    ok "pqx pack" "$PQX" pack -mz sample.mez -t a.pqx
    ok "pqx pack is deterministic" bash -c "'$PQX' pack -mz sample.mez -t a2.pqx && cmp a.pqx a2.pqx"
    ok "pqx pack: zip + content types valid" $TOOL check a.pqx
    cp a.pqx unsigned.pqx
    ok "pqx sign (AES pfx)" "$PQX" sign a.pqx "${PFX[@]}"
    independent_checks "pqx-signed" a.pqx
    cp unsigned.pqx a-legacy.pqx
    ok "pqx sign (-legacy pfx)" "$PQX" sign a-legacy.pqx -c pki/leaf-legacy.pfx -p test-password
    independent_checks "pqx-signed legacy pfx" a-legacy.pqx
    ok "pqx pack -c -p (pack and sign)" "$PQX" pack -mz sample.mez -c pki/leaf.pfx -p test-password -t ap.pqx
    ok "pqx pack -c -p: opc_verify" $VERIFY --require-all-parts ap.pqx
    ok "pqx pack legacy .m mez + sign" bash -c "'$PQX' pack -mz legacy.mez -t l.pqx && '$PQX' sign l.pqx -c pki/leaf.pfx -p test-password"
    ok "pqx-signed legacy .m: opc_verify" $VERIFY --require-all-parts l.pqx

    echo "== pqx verify: its report"
    ok "pqx verify (pqx-signed) exits 0" "$PQX" verify a.pqx
    ok "pqx verify -q (pqx-signed) exits 0" "$PQX" verify a.pqx -q
    "$PQX" verify a.pqx >report.json 2>/dev/null
    WANT=$(openssl x509 -noout -fingerprint -sha1 -in pki/cert.pem | sed 's/.*=//; s/://g' | tr a-f A-F)
    ok "pqx verify: SignatureStatus Success" $PY -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(r["SignatureStatus"]!="Success")' report.json
    ok "pqx verify: Thumbprint == openssl SHA-1 fingerprint" $PY -c 'import json,sys; r=json.load(open(sys.argv[1])); t=r["CertificateStatus"][0]["Thumbprint"]; print(t, sys.argv[2]); sys.exit(t!=sys.argv[2])' report.json "$WANT"

    echo "== independent implementation signs, pqx verifies"
    pqx_accepts() {   # pqx verify exits 0 and reports Success
        "$PQX" verify "$1" >"$1.json" || { cat "$1.json"; return 1; }
        $PY -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["SignatureStatus"]); sys.exit(r["SignatureStatus"]!="Success")' "$1.json"
    }
    ok "opc_sign (KeyInfo) on pqx-packed" $SIGN unsigned.pqx o-k.pqx "${KEY[@]}"
    ok "pqx verify accepts opc_sign KeyInfo" pqx_accepts o-k.pqx
    ok "opc_sign --cert-part on pqx-packed" $SIGN unsigned.pqx o-c.pqx "${KEY[@]}" --cert-part --ct-style override
    ok "pqx verify accepts opc_sign --cert-part" pqx_accepts o-c.pqx
    ok "opc_sign --dotnet-style --digest sha1 on pqx-packed" $SIGN unsigned.pqx o-d.pqx "${KEY[@]}" --dotnet-style --digest sha1
    ok "pqx verify accepts opc_sign dotnet-style sha1" pqx_accepts o-d.pqx
    ok "opc_sign --digest sha384 on pqx-packed" $SIGN unsigned.pqx o-3.pqx "${KEY[@]}" --digest sha384
    ok "pqx verify accepts opc_sign sha384" pqx_accepts o-3.pqx

    echo "== countersignatures"
    ok "opc_sign --countersign on pqx-signed" $SIGN a.pqx cs1.pqx "${KEY[@]}" --countersign
    ok "pqx verify accepts opc_sign countersignature" pqx_accepts cs1.pqx
    independent_checks "opc_sign countersignature" cs1.pqx
    cp a.pqx b.pqx
    ok "pqx sign on a pqx-signed file (countersign)" "$PQX" sign b.pqx "${PFX[@]}"
    prints "pqx countersigned: opc_verify sees 2 signatures" "OK 2 signatures" $VERIFY --require-all-parts b.pqx
    independent_checks "pqx countersigned" b.pqx
    ok "pqx verify accepts its countersigned file" pqx_accepts b.pqx
    cp o-k.pqx b2.pqx
    ok "pqx sign on an opc_sign-signed file (countersign)" "$PQX" sign b2.pqx "${PFX[@]}"
    prints "pqx countersign of opc_sign: opc_verify sees 2 signatures" "OK 2 signatures" $VERIFY --require-all-parts b2.pqx
    cp o-c.pqx r.pqx
    ok "pqx sign -r (replace) on an opc_sign --cert-part file" "$PQX" sign r.pqx "${PFX[@]}" -r
    prints "pqx sign -r: opc_verify sees 1 signature" "OK 1 signatures" $VERIFY --require-all-parts r.pqx
    ok "pqx sign -r: no certificate part left" bash -c "! $TOOL list r.pqx | grep -q '\.cer\$'"

    echo "== tampering"
    $TOOL flip a.pqx ta1.pqx /HelloWorld.pq
    rejects "pqx-signed, HelloWorld.pq byte flipped: pqx verify rejects" "$PQX" verify ta1.pqx
    rejects "pqx-signed, HelloWorld.pq byte flipped: opc_verify rejects" $VERIFY ta1.pqx
    rejects "pqx-signed, HelloWorld.pq byte flipped: pqx verify -q rejects" "$PQX" verify ta1.pqx -q
    [ $HAVE_POI = 1 ] && rejects "pqx-signed, HelloWorld.pq byte flipped: POI rejects" poi ta1.pqx
    $TOOL flip o-k.pqx ta2.pqx /HelloWorld.pq
    rejects "opc_sign-signed, HelloWorld.pq byte flipped: pqx verify rejects" "$PQX" verify ta2.pqx
    $TOOL flip o-c.pqx ta3.pqx /HelloWorld.pq
    rejects "opc_sign --cert-part, byte flipped: pqx verify rejects" "$PQX" verify ta3.pqx
    $TOOL set-ct a.pqx ta4.pqx /Helpers.pqm text/plain
    rejects "pqx-signed, content type changed: pqx verify rejects" "$PQX" verify ta4.pqx
    rejects "pqx-signed, content type changed: opc_verify rejects" $VERIFY ta4.pqx
    $TOOL add-rel o-k.pqx ta5.pqx "$(signed_root_type o-k.pqx)" /Helpers.pqm
    rejects "opc_sign-signed, root relationship of a signed type added: pqx verify rejects" "$PQX" verify ta5.pqx
    $TOOL add-rel a.pqx ta6.pqx "$(signed_root_type a.pqx)" /Helpers.pqm
    rejects "pqx-signed, root relationship of a signed type added: pqx verify rejects" "$PQX" verify ta6.pqx
    rejects "pqx-signed, root relationship of a signed type added: opc_verify rejects" $VERIFY --require-all-parts ta6.pqx
    $TOOL add-part a.pqx ta7.pqx /Extra.pqm '[ Evil = true ]'
    rejects "pqx-signed, unsigned part added: pqx verify rejects" "$PQX" verify ta7.pqx
    rejects "pqx-signed, unsigned part added: opc_verify --require-all-parts rejects" $VERIFY --require-all-parts ta7.pqx
    SP=$($TOOL list a.pqx | grep '\.psdsxs$' | head -n 1)
    $TOOL tamper-sig a.pqx ta8.pqx "$SP" value
    rejects "pqx-signed, SignatureValue changed: pqx verify rejects" "$PQX" verify ta8.pqx
    rejects "pqx-signed, SignatureValue changed: opc_verify rejects" $VERIFY ta8.pqx
    $TOOL tamper-sig a.pqx ta11.pqx "$SP" object
    rejects "pqx-signed, signing time changed: pqx verify rejects" "$PQX" verify ta11.pqx
    rejects "pqx-signed, signing time changed: opc_verify rejects" $VERIFY ta11.pqx
    $TOOL doctype o-k.pqx ta9.pqx "$($TOOL list o-k.pqx | grep '\.psdsxs$' | head -n 1)"
    rejects "DOCTYPE in signature part: pqx verify rejects" "$PQX" verify ta9.pqx
    $TOOL tamper-sig b.pqx ta10.pqx "$SP" object
    rejects "pqx countersigned, first signature tampered: pqx verify rejects" "$PQX" verify ta10.pqx
    rejects "pqx countersigned, first signature tampered: opc_verify rejects" $VERIFY ta10.pqx
fi

echo
if [ $FAILED -gt 0 ]; then printf 'failed: %s\n' "${FAILS[@]}"; fi
echo "$PASS passed, $FAILED failed"
[ $FAILED -eq 0 ]
