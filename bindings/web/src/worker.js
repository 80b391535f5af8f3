// Verification worker: reads the file in chunks (posting progress), then runs pqx-wasm's
// verify, inspect and check on it, off the page's main thread so the page stays responsive.
//
// One worker per file: the page terminates it afterwards, which also returns the WebAssembly
// memory (it only ever grows while an instance lives) to the browser.
//
// Messages in:  { file: File|Blob, name: string, options: VerifyOptions }
// Messages out: { type: "progress", phase: "read"|"verify", loaded, total }
//               { type: "result", report, inspection, check, timings }
//               { type: "error", code, message }

import init, { verify, inspect, check, digestPlan, version } from "./pkg/pqx_wasm.js";
import { hostDigests } from "./host_digests.js";

const ready = init();

/** Reads a Blob into one Uint8Array of its size, chunk by chunk, reporting progress. */
async function readAll(blob) {
  const total = blob.size;
  const bytes = new Uint8Array(total);
  let loaded = 0;
  let lastPost = 0;
  const reader = blob.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.length > total) throw Object.assign(new Error("the file changed while it was being read"), { code: "io" });
    bytes.set(value, loaded);
    loaded += value.length;
    const now = performance.now();
    if (now - lastPost > 50 || loaded === total) {
      lastPost = now;
      postMessage({ type: "progress", phase: "read", loaded, total });
    }
  }
  return loaded === total ? bytes : bytes.subarray(0, loaded);
}

function tryInspect(bytes, name, options) {
  try {
    return inspect(bytes, name, options);
  } catch {
    return null;
  }
}

self.onmessage = async (event) => {
  const { file, name, options } = event.data;
  try {
    await ready;
    const t0 = performance.now();
    let bytes = await readAll(file);
    const t1 = performance.now();
    postMessage({ type: "progress", phase: "verify", loaded: bytes.length, total: bytes.length });
    // A .mez (plain ZIP, the SDK's output) is not an OPC package: verify refuses it, inspect
    // reads it, and the page shows it as not signed.
    // The browser's SHA for the large parts and the whole file; pqx hashes the rest.
    const host = { hostDigests: await hostDigests(digestPlan, bytes, name) };
    let report = null;
    try {
      report = verify(bytes, { ...options, ...host, fileName: name });
    } catch (e) {
      if (e.code === "invalid-argument") throw e;
      const inspection = tryInspect(bytes, name, host);
      if (!inspection || inspection.format !== "mez") throw e;
    }
    const t2 = performance.now();
    const inspection = inspect(bytes, name, host);
    let checkReport = null;
    try {
      checkReport = check(bytes, name);
    } catch (e) {
      checkReport = { error: { code: e.code ?? "error", message: String(e.message ?? e) } };
    }
    const size = bytes.length;
    bytes = null;
    postMessage({
      type: "result",
      report,
      inspection,
      check: checkReport,
      version: version(),
      timings: { readMs: t1 - t0, verifyMs: t2 - t1, totalMs: performance.now() - t0, size },
    });
  } catch (e) {
    // A WebAssembly trap (RuntimeError) would be a bug in pqx: say so rather than hide it.
    const code = e && e.code ? e.code : e instanceof WebAssembly.RuntimeError ? "panic" : "error";
    postMessage({ type: "error", code, message: String(e && e.message ? e.message : e) });
  }
};
