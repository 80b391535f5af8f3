// Shared by the tests: where the built page and the fixtures are, and loading pqx-wasm in
// Node from the very files the page serves.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const webDir = join(dirname(fileURLToPath(import.meta.url)), "..");
export const distDir = process.env.PQX_WEB_DIST ?? join(webDir, "dist");
export const outDir = process.env.PQX_WEB_OUT ?? join(webDir, "test-output");
export const fixturesDir = join(outDir, "fixtures");

export const fixture = (name) => readFileSync(join(fixturesDir, name));
export const manifest = () => JSON.parse(readFileSync(join(fixturesDir, "fixtures.json"), "utf8"));

/** The pqx-wasm module, instantiated synchronously from dist/pkg. */
export async function loadPqx() {
  const pqx = await import(join(distDir, "pkg", "pqx_wasm.js"));
  const exports = pqx.initSync({ module: readFileSync(join(distDir, "pkg", "pqx_wasm_bg.wasm")) });
  return { ...pqx, memory: exports.memory };
}
