// Verification worker: reads the file in chunks (posting progress), then runs pqx-wasm's
// verify, inspect and check on it, off the page's main thread so the page stays responsive.
//
// One worker per file: the page terminates it afterwards, which also returns the WebAssembly
// memory (it only ever grows while an instance lives) to the browser.
//
// Several files are audited in one worker, one file at a time (only one is in memory at
// once), each into pqx-core's audit row (`auditFile`, what `pqx verify A.pqx B.pqx DIR/`
// prints per file); the summary line is the core's too (`auditSummary`).
//
// Messages in:  { file: File|Blob, name: string, options: VerifyOptions }
//               { audit: [{ file: File|Blob, name: string }], options: VerifyOptions }
// Messages out: { type: "progress", phase: "read"|"verify", loaded, total }
//               { type: "result", report, inspection, check, timings }
//               { type: "audit-progress", index, total, name }
//               { type: "row", index, row }           (one per file, in order)
//               { type: "audit-done", summary, version }
//               { type: "error", code, message }

import init, { verify, inspect, check, digestPlan, version, auditFile, auditSummary, auditCells } from "./pkg/pqx_wasm.js";
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

/** The code and message of an exception, for an "error" message. */
function describe(e) {
  // A WebAssembly trap (RuntimeError) would be a bug in pqx: say so rather than hide it.
  const code = e && e.code ? e.code : e instanceof WebAssembly.RuntimeError ? "panic" : "error";
  return { code, message: String(e && e.message ? e.message : e) };
}

/** Audits `files` in order, posting each row as it is made. A file that is not a package is
 *  an Error row (pqx-core's); only bad options or a file the browser cannot read stop. */
async function audit(files, options) {
  const rows = [];
  for (const [index, { file, name }] of files.entries()) {
    postMessage({ type: "audit-progress", index, total: files.length, name });
    let bytes = new Uint8Array(await file.arrayBuffer());
    const host = { hostDigests: await hostDigests(digestPlan, bytes, name) };
    const row = auditFile(bytes, name, { ...options, ...host });
    bytes = null;
    rows.push(row);
    // The table's words are the core's (the CLI's table), not the page's.
    const [cells] = auditCells([row]);
    postMessage({ type: "row", index, row, cells });
  }
  postMessage({ type: "audit-done", summary: auditSummary(rows), version: version() });
}

self.onmessage = async (event) => {
  const { file, name, options } = event.data;
  if (event.data.audit) {
    try {
      await ready;
      await audit(event.data.audit, options);
    } catch (e) {
      postMessage({ type: "error", ...describe(e) });
    }
    return;
  }
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
    postMessage({ type: "error", ...describe(e) });
  }
};
