#!/bin/sh
# Installs Debian packages for the test suites, quietly: `tests/apt_install.sh [apt-get
# install options] PKG...` runs `apt-get update` and `apt-get install -y -qq` with them, as root
# (through sudo when not root: `sudo -n` when there is no terminal to ask for a password, so
# CI never waits). Nothing is printed unless it fails; then apt-get's output and the packages
# are. Callers decide what is missing; with no package this does nothing. One script, so that
# every suite installs the same way.
set -eu
[ $# -gt 0 ] || exit 0
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if [ -t 0 ]; then SUDO="sudo"; else SUDO="sudo -n"; fi
fi
log=$(mktemp)
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "$@"; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "apt_install.sh: apt-get install $* failed" >&2
    exit 1
fi
rm -f "$log"
