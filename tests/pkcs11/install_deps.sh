#!/bin/sh
# Installs what the PKCS#11 tests need (pqx-cli/tests/pkcs11.rs), idempotently and quietly:
# SoftHSM2 (a software token) and OpenSC's pkcs11-tool (to set tokens up). Only what is missing.
set -eu
export DEBIAN_FRONTEND=noninteractive
need=""
command -v softhsm2-util >/dev/null 2>&1 || need="$need softhsm2"
command -v pkcs11-tool >/dev/null 2>&1 || need="$need opensc"
if [ -n "$need" ]; then
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo -n"; fi
    log=$(mktemp)
    if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq $need; } >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        echo "tests/pkcs11/install_deps.sh: apt-get install$need failed" >&2
        exit 1
    fi
    rm -f "$log"
fi
