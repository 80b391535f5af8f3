#!/usr/bin/env bash
# Generates the seed corpora of the fuzz targets into fuzz/corpus/<target>/ (gitignored):
#   * pqx-core's own material via the `seed/` program (stable toolchain): the sample .mez,
#     packed and TestPki-signed .pqx (SHA-256 and SHA-1), their XML parts, the test PKI's
#     certificates in DER and PEM;
#   * PKCS#12 files from that key and chain via `openssl pkcs12 -export`, default (AES) and
#     -legacy (RC2/3DES), password "password" (what the pkcs12 target tries);
#   * the test fixtures: pqx-core/tests/data/connectors/*/ (.pq/.pqm/.m for lint, whole
#     connectors zipped for mez) and pqx-core/tests/data/xml/* (xml_signature).
# Idempotent: existing corpus files (including ones the fuzzer found) are kept.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
core="$here/../pqx-core"
corpus="$here/corpus"
work="$here/target/seed-work"
mkdir -p "$corpus" "$work"

cargo build --quiet --release --manifest-path "$here/seed/Cargo.toml" \
    --target-dir "$here/target/seed-build"
"$here/target/seed-build/release/pqx-fuzz-seed" "$corpus" "$work"

if command -v openssl >/dev/null 2>&1; then
    mkdir -p "$corpus/pkcs12"
    openssl pkcs12 -export -inkey "$work/leaf-key.pem" -in "$work/chain.pem" \
        -passout pass:password -out "$corpus/pkcs12/default.pfx"
    openssl pkcs12 -export -legacy -inkey "$work/leaf-key.pem" -in "$work/chain.pem" \
        -passout pass:password -out "$corpus/pkcs12/legacy.pfx" 2>/dev/null \
        || echo "seed.sh: openssl has no -legacy; skipped legacy.pfx" >&2
    openssl pkcs12 -export -nocerts -inkey "$work/leaf-key.pem" \
        -passout pass:password -out "$corpus/pkcs12/nocerts.pfx" 2>/dev/null
else
    echo "seed.sh: no openssl; the pkcs12 corpus starts from the certificates only" >&2
    mkdir -p "$corpus/pkcs12"
    cp "$corpus/certificate/"*.der "$corpus/pkcs12/"
fi

# Connector fixtures: each file for the lint, each connector folder zipped for mez.
mkdir -p "$corpus/lint" "$corpus/mez"
for dir in "$core"/tests/data/connectors/*/; do
    name="$(basename "$dir")"
    for f in "$dir"*; do
        case "$f" in
            *.pq | *.pqm | *.m | *.resx) cp "$f" "$corpus/lint/$name-$(basename "$f")" ;;
        esac
    done
    if command -v zip >/dev/null 2>&1; then
        rm -f "$corpus/mez/$name.mez"
        (cd "$dir" && zip -q -r -X "$corpus/mez/$name.mez" . -x '.*')
    fi
done

mkdir -p "$corpus/xml_signature"
for f in "$core"/tests/data/xml/*; do
    case "$f" in
        *.py) ;;
        *) cp "$f" "$corpus/xml_signature/fixture-$(basename "$f")" ;;
    esac
done

for t in "$corpus"/*/; do
    printf '%s: %s seeds\n' "$(basename "$t")" "$(find "$t" -type f | wc -l)"
done
