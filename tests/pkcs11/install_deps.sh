#!/bin/sh
# Installs what the PKCS#11 tests need (pqx-cli/tests/pkcs11.rs), idempotently and quietly:
# SoftHSM2 (a software token) and OpenSC's pkcs11-tool (to set tokens up). Only what is missing.
set -eu
export DEBIAN_FRONTEND=noninteractive
need=""
command -v softhsm2-util >/dev/null 2>&1 || need="$need softhsm2"
command -v pkcs11-tool >/dev/null 2>&1 || need="$need opensc"
# shellcheck disable=SC2086 # $need is a list of package names
"$(dirname "$0")/../apt_install.sh" $need
