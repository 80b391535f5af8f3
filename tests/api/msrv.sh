#!/usr/bin/env bash
# pqx-core builds on the minimum supported Rust version it declares (`rust-version` in the
# workspace Cargo.toml), with the committed Cargo.lock: a crate other projects depend on must
# not start needing a newer compiler unnoticed. Installs that toolchain quietly when missing;
# checks default features and all features (test-pki, internals, timestamp-client).
set -uo pipefail
cd "$(dirname "$0")/../.."
msrv="$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
[[ -n $msrv ]] || { echo "msrv: no rust-version in Cargo.toml" >&2; exit 1; }
if ! rustup run "$msrv" rustc --version >/dev/null 2>&1; then
  rustup toolchain install "$msrv" --profile minimal >/dev/null 2>&1 || {
    echo "msrv: could not install Rust $msrv" >&2
    exit 1
  }
fi
for features in "" "--all-features"; do
  # shellcheck disable=SC2086 # $features is one flag or none
  cargo "+$msrv" check -q --locked -p pqx-core $features --target-dir target/msrv || {
    echo "msrv: pqx-core does not build on Rust $msrv ${features:-(default features)}" >&2
    exit 1
  }
done
echo "msrv: pqx-core builds on Rust $msrv (default and all features)"
