// pqx-wasm for Node.js: the module is instantiated synchronously from the .wasm file beside
// this one, so `import { verify } from "pqx-wasm"` is ready to use (no init call).
import { readFileSync } from "node:fs";
import { initSync } from "./pqx_wasm.js";

initSync({ module: readFileSync(new URL("./pqx_wasm_bg.wasm", import.meta.url)) });

export { auditCells, auditFile, auditSummary, auditTableHeader, check, inspect, thumbprint, verify, version } from "./pqx_wasm.js";
