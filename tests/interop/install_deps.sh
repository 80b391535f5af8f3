#!/bin/sh
# Installs what tests/interop needs, idempotently and quietly (fresh Debian 12, as root or
# with sudo, no prompts). Installs only what is missing:
#   Python: lxml, cryptography (pip)
#   Debian: xmlsec1, openssl, unzip, a JDK (javac), Apache POI + Santuario + BouncyCastle + SLF4J jars
set -eu
export DEBIAN_FRONTEND=noninteractive

if ! python3 -c 'import lxml.etree, cryptography' >/dev/null 2>&1; then
    python3 -m pip install --quiet lxml cryptography >/dev/null 2>&1 \
        || python3 -m pip install --quiet --break-system-packages lxml cryptography
fi

need=""
command -v xmlsec1 >/dev/null 2>&1 || need="$need xmlsec1"
command -v openssl >/dev/null 2>&1 || need="$need openssl"
command -v unzip >/dev/null 2>&1 || need="$need unzip"
command -v javac >/dev/null 2>&1 || need="$need openjdk-17-jdk-headless"
J=/usr/share/java
[ -f $J/poi.jar ] && [ -f $J/poi-ooxml.jar ] && [ -f $J/poi-ooxml-schemas.jar ] \
    && [ -f $J/xmlbeans.jar ] || need="$need libapache-poi-java"
[ -f $J/xmlsec.jar ] || need="$need libxml-security-java"
[ -f $J/bcprov.jar ] || need="$need libbcprov-java"
[ -f $J/bcpkix.jar ] || need="$need libbcpkix-java"
[ -f $J/slf4j-api.jar ] && [ -f $J/slf4j-nop.jar ] || need="$need libslf4j-java"

# shellcheck disable=SC2086 # $need is a list of package names
"$(dirname "$0")/../apt_install.sh" $need
