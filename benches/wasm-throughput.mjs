// Verify throughput of the pqx-wasm build (bindings/web/dist/pkg), in Node and in headless
// Chromium, in MB/s (10^6 bytes of package per second, median of RUNS runs after one warm-up).
//
//   node benches/wasm-throughput.mjs FILE.pqx [FILE.pqx ...]
//
// Chromium is driven with playwright-core from bindings/web/node_modules and the system
// `chromium`; it is skipped (with a note) when either is missing. Inputs: the signed packages
// pqx-bench-tool makes (compare.sh). Timing covers `verify(bytes)` only (the copy into wasm
// memory included), not reading the file, in two modes: "wasm SHA" (pqx hashes everything)
// and "WebCrypto" (bindings/web/src/host_digests.js hashes digestPlan's ranges and the whole
// file with crypto.subtle.digest first, as the page does; that time is included).
import { readFileSync, existsSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const pkg = path.join(root, "bindings/web/dist/pkg");
const RUNS = Number(process.env.RUNS ?? 5);
const files = process.argv.slice(2);
if (!files.length) {
  console.error("usage: node benches/wasm-throughput.mjs FILE.pqx...");
  process.exit(2);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const hostDigestsModule = path.join(root, "bindings/web/src/host_digests.js");

async function node() {
  const mod = await import(pathToFileURL(path.join(pkg, "pqx_wasm.js")).href);
  mod.initSync({ module: readFileSync(path.join(pkg, "pqx_wasm_bg.wasm")) });
  const { hostDigests } = await import(pathToFileURL(hostDigestsModule).href);
  for (const f of files) {
    const bytes = new Uint8Array(readFileSync(f));
    for (const mode of ["wasm SHA", "WebCrypto"]) {
      const times = [];
      for (let i = 0; i <= RUNS; i++) {
        const t0 = performance.now();
        const options = mode === "WebCrypto" ? { hostDigests: await hostDigests(mod.digestPlan, bytes, f) } : undefined;
        const report = mod.verify(bytes, options);
        const t = (performance.now() - t0) / 1000;
        if (!(report.IsValid ?? report.status === "Success")) throw new Error(`${f}: ${report.SignatureStatus ?? report.status}`);
        if (i) times.push(t);
      }
      const s = median(times);
      console.log(`| Node ${process.version} | ${mode} | ${path.basename(f)} | ${s.toFixed(3)} | ${(bytes.length / 1e6 / s).toFixed(0)} |`);
    }
  }
}

async function chromium() {
  let playwright;
  try {
    playwright = createRequire(path.join(root, "bindings/web/package.json"))("playwright-core");
  } catch {
    console.log("| Chromium | | (skipped: playwright-core not installed in bindings/web) | | |");
    return;
  }
  const exe = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find(existsSync);
  if (!exe) {
    console.log("| Chromium | | (skipped: no chromium binary) | | |");
    return;
  }
  const routes = new Map([["/", "<!doctype html><title>pqx wasm bench</title>"]]);
  const server = createServer((req, res) => {
    const url = decodeURIComponent(req.url.split("?")[0]);
    if (url === "/host_digests.js") {
      res.writeHead(200, { "content-type": "text/javascript" });
      return res.end(readFileSync(hostDigestsModule));
    }
    if (url.startsWith("/pkg/")) {
      const p = path.join(pkg, path.basename(url));
      const type = p.endsWith(".wasm") ? "application/wasm" : "text/javascript";
      res.writeHead(200, { "content-type": type });
      return res.end(readFileSync(p));
    }
    if (url.startsWith("/input/")) {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      return res.end(readFileSync(files[Number(url.slice(7))]));
    }
    res.writeHead(200, { "content-type": "text/html" });
    res.end(routes.get("/"));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await playwright.chromium.launch({ executablePath: exe, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage();
    await page.goto(base + "/");
    const version = browser.version();
    for (let i = 0; i < files.length; i++) {
      for (const mode of ["wasm SHA", "WebCrypto"]) {
        const r = await page.evaluate(async ({ i, runs, mode }) => {
          const mod = await import("/pkg/pqx_wasm.js");
          await mod.default("/pkg/pqx_wasm_bg.wasm");
          const { hostDigests } = await import("/host_digests.js");
          const bytes = new Uint8Array(await (await fetch(`/input/${i}`)).arrayBuffer());
          const times = [];
          for (let k = 0; k <= runs; k++) {
            const t0 = performance.now();
            const options = mode === "WebCrypto" ? { hostDigests: await hostDigests(mod.digestPlan, bytes, "x.pqx") } : undefined;
            const report = mod.verify(bytes, options);
            const t = (performance.now() - t0) / 1000;
            if (!(report.IsValid ?? report.status === "Success")) throw new Error(report.SignatureStatus ?? report.status);
            if (k) times.push(t);
          }
          times.sort((a, b) => a - b);
          return { s: times[Math.floor(times.length / 2)], n: bytes.length };
        }, { i, runs: RUNS, mode });
        console.log(`| Chromium ${version} | ${mode} | ${path.basename(files[i])} | ${r.s.toFixed(3)} | ${(r.n / 1e6 / r.s).toFixed(0)} |`);
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
}

console.log("| runtime | hashing | package | verify median s | MB/s |");
console.log("|---|---|---|---:|---:|");
await node();
await chromium();
