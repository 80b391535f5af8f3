// Node.js entry point: the same functions as the browser build, already initialised.
export { auditCells, auditFile, auditSummary, auditTableHeader, check, inspect, thumbprint, verify, version } from "./pqx_wasm.js";
