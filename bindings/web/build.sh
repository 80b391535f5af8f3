#!/usr/bin/env bash
# Builds the verification page into bindings/web/dist/: the pqx-wasm module (size-optimised
# release build), its wasm-bindgen ES-module glue and TypeScript declarations, and the static
# page. Serve dist/ with any static file server (it must be served over http(s), not file://,
# because the page uses a module Web Worker).
#
# Tools: the wasm32-unknown-unknown Rust target and wasm-bindgen-cli at exactly the version of
# the wasm-bindgen crate in Cargo.lock; both are installed here when missing (cargo install
# compiles wasm-bindgen-cli from crates.io: several minutes, once). wasm-opt (Debian package
# `binaryen`) is used when present; it is optional.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dist="$here/dist"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
quiet() { if [[ "${VERBOSE:-0}" == 1 ]]; then "$@"; else "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; "$@"; }; fi; }

# --- tools --------------------------------------------------------------------------------
bindgen_version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$root/Cargo.lock")"
if [[ -z "$bindgen_version" ]]; then
  echo "build.sh: cannot find the wasm-bindgen version in Cargo.lock" >&2
  exit 1
fi
if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "build.sh: adding the wasm32-unknown-unknown target"
  quiet rustup target add wasm32-unknown-unknown
fi
if [[ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $bindgen_version" ]]; then
  echo "build.sh: installing wasm-bindgen-cli $bindgen_version (cargo install, takes several minutes once)"
  # --locked first, as the issue asks; when crates.io no longer has a version wasm-bindgen-cli's
  # own lock file names (it happens: yanked or newer-than-index crates), resolve afresh.
  cargo install wasm-bindgen-cli --version "$bindgen_version" --locked --quiet 2>/dev/null \
    || cargo install wasm-bindgen-cli --version "$bindgen_version" --quiet
fi

# --- wasm ---------------------------------------------------------------------------------
# A profile of its own, defined here rather than in the workspace manifest: size-optimised,
# fat LTO, one codegen unit, abort on panic; the hot loops (RSA big numbers, SHA-1/SHA-256,
# CRC-32, inflate) at full speed.
profile=wasm-release
echo "build.sh: cargo build -p pqx-wasm --target wasm32-unknown-unknown --profile $profile"
cargo build -p pqx-wasm --lib --target wasm32-unknown-unknown --profile "$profile" --quiet \
  --manifest-path "$root/Cargo.toml" \
  --config "profile.$profile.inherits=\"release\"" \
  --config "profile.$profile.opt-level=\"${PQX_WASM_OPT_LEVEL:-s}\"" \
  --config "profile.$profile.lto=true" \
  --config "profile.$profile.codegen-units=1" \
  --config "profile.$profile.panic=\"abort\"" \
  --config "profile.$profile.debug=false" \
  --config "profile.$profile.package.num-bigint-dig.opt-level=3" \
  --config "profile.$profile.package.sha1.opt-level=3" \
  --config "profile.$profile.package.sha2.opt-level=3" \
  --config "profile.$profile.package.crc32fast.opt-level=3" \
  --config "profile.$profile.package.zlib-rs.opt-level=3"
wasm="$target_dir/wasm32-unknown-unknown/$profile/pqx_wasm.wasm"

rm -rf "$dist"
mkdir -p "$dist/pkg"
wasm-bindgen --target web --out-dir "$dist/pkg" --remove-name-section --remove-producers-section "$wasm"
if command -v wasm-opt >/dev/null 2>&1; then
  wasm-opt -Os --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals "$dist/pkg/pqx_wasm_bg.wasm" -o "$dist/pkg/pqx_wasm_bg.wasm"
fi

# --- page ---------------------------------------------------------------------------------
cp "$here"/src/*.html "$here"/src/*.js "$here"/src/*.css "$dist/"

# --- npm package ------------------------------------------------------------------------
# dist/npm/: the publishable package (`npm pack dist/npm`): the same module and glue as the
# page, a Node entry point that instantiates it on import, README and licences. Its version is
# the workspace's.
npm_dir="$dist/npm"
mkdir -p "$npm_dir"
cp "$dist"/pkg/pqx_wasm.js "$dist"/pkg/pqx_wasm.d.ts "$dist"/pkg/pqx_wasm_bg.wasm \
  "$dist"/pkg/pqx_wasm_bg.wasm.d.ts "$here"/npm/node.js "$here"/npm/node.d.ts "$here"/npm/README.md \
  "$root"/LICENSE-MIT "$root"/LICENSE-APACHE "$npm_dir/"
version="$(awk -F'"' '/^\[workspace.package\]/ { ws = 1 } ws && /^version = / { print $2; exit }' "$root/Cargo.toml")"
PQX_VERSION="$version" node -e '
  const pkg = {
    name: "pqx-wasm",
    version: process.env.PQX_VERSION,
    description: "Verify and inspect Power Query signed connectors (.pqx) and .mez packages in the browser or Node.js",
    license: "MIT OR Apache-2.0",
    repository: { type: "git", url: "https://github.com/pqx-rs/pqx" },
    keywords: ["power-query", "power-bi", "pqx", "mez", "xml-dsig", "code-signing", "wasm"],
    type: "module",
    engines: { node: ">=20" },
    sideEffects: ["./node.js"],
    exports: {
      ".": {
        node: { types: "./node.d.ts", default: "./node.js" },
        default: { types: "./pqx_wasm.d.ts", default: "./pqx_wasm.js" },
      },
      "./pqx_wasm_bg.wasm": "./pqx_wasm_bg.wasm",
      "./package.json": "./package.json",
    },
    types: "./pqx_wasm.d.ts",
    files: ["pqx_wasm.js", "pqx_wasm.d.ts", "pqx_wasm_bg.wasm", "pqx_wasm_bg.wasm.d.ts",
            "node.js", "node.d.ts", "README.md", "LICENSE-MIT", "LICENSE-APACHE"],
  };
  process.stdout.write(JSON.stringify(pkg, null, 2) + "\n");
' >"$npm_dir/package.json"

size="$(wc -c <"$dist/pkg/pqx_wasm_bg.wasm")"
gz="$(gzip -9 -c "$dist/pkg/pqx_wasm_bg.wasm" | wc -c)"
echo "build.sh: dist/ ready; pqx_wasm_bg.wasm is $size bytes ($gz gzipped)"
