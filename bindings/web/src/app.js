// The verification page: takes a file from the drop zone or the file input, hands it to a
// Web Worker running pqx-wasm, and renders the report. Several files (or a folder) are audited
// in the worker file by file and shown as the table `pqx verify A.pqx B.pqx DIR/` prints, each
// row pqx-core's. No network requests: the worker and the WebAssembly module are files of this
// page.

const $ = (id) => document.getElementById(id);

/** How each overall SignatureStatus is shown: state (colour), icon, word, explanation. */
const STATES = {
  Success: ["valid", "✓", "Valid", "Signed, and unchanged since it was signed."],
  InvalidSignature: ["changed", "!", "Changed", "The package was modified after it was signed."],
  UnsignedParts: ["changed", "!", "Changed", "Files or relationships were added that no signature covers."],
  ReferenceNotFound: ["changed", "!", "Changed", "Files that were signed are missing from the package."],
  NotSigned: ["unsigned", "?", "Not signed", "This package has no signature: anyone could have made or changed it."],
  InvalidCertificate: ["invalid", "✕", "Not valid", "The signing certificate is not acceptable."],
  CertificateRequired: ["invalid", "✕", "Not valid", "A signature carries no certificate."],
  MalformedSignature: ["invalid", "✕", "Not valid", "A signature is damaged or malformed."],
  UnsupportedAlgorithm: ["invalid", "✕", "Not valid", "A signature uses an algorithm that is refused."],
};
const UNKNOWN_STATE = ["invalid", "✕", "Not valid", "The package did not verify."];

const REGISTRY_KEY = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Power BI Desktop";

/** What was chosen last, to run again with new trust settings: one file, or an audit. */
let currentSelection = null;
let currentWorker = null;
let lastResult = null;
let lastAudit = null;
let runs = 0;

/** Most files taken from dropped or chosen folders, and deepest folder walked (the CLI's
 *  limits are higher: a browser tab holds the list in memory). */
const MAX_FILES = 100_000;
const MAX_DEPTH = 64;

// ---------------------------------------------------------------------------------------
// Small helpers

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

function formatDate(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })} (${iso})`;
}

function pill(text, kind) {
  return el("span", { class: `pill ${kind}`, text });
}

function announce(text) {
  $("announce").textContent = "";
  // A fresh text node so screen readers announce repeated messages too.
  setTimeout(() => { $("announce").textContent = text; }, 30);
}

async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = el("textarea", { class: "visually-hidden-input", "aria-hidden": "true" });
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  const old = button.textContent;
  button.textContent = "Copied";
  announce("Copied to the clipboard");
  setTimeout(() => { button.textContent = old; }, 1500);
}

function copyButton(text, label) {
  const b = el("button", { type: "button", class: "button copy", "aria-label": label, text: "Copy" });
  b.addEventListener("click", () => copyText(text, b));
  return b;
}

/** DER bytes → PEM text (the wasm API takes CA certificates as PEM). */
function derToPem(bytes) {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  const b64 = btoa(bin).replace(/.{1,64}/g, "$&\n");
  return `-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n`;
}

// ---------------------------------------------------------------------------------------
// Options from the trust settings

let caFilePem = "";

function trustOptions() {
  const pinnedThumbprints = $("thumbprints").value.split(/[\n,;]+/).map((s) => s.trim()).filter(Boolean);
  const trustedCas = [];
  if ($("cas").value.trim()) trustedCas.push($("cas").value);
  if (caFilePem) trustedCas.push(caFilePem);
  return { pinnedThumbprints, trustedCas };
}

$("ca-file").addEventListener("change", async () => {
  const f = $("ca-file").files[0];
  caFilePem = "";
  if (!f) return;
  const bytes = new Uint8Array(await f.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  caFilePem = text.includes("-----BEGIN") ? text : derToPem(bytes);
  rerun();
});

function rerun() {
  if (currentSelection?.file) start(currentSelection.file);
  else if (currentSelection?.audit) startAudit(currentSelection.audit);
}

$("reverify").addEventListener("click", rerun);

// ---------------------------------------------------------------------------------------
// Running the worker

function showProgress(label, fraction) {
  $("progress-box").hidden = false;
  $("progress-label").textContent = label;
  const p = $("progress");
  if (fraction === null) p.removeAttribute("value");
  else p.value = Math.round(fraction * 100);
}

function showError(code, message, lead = "This file could not be read as a connector package. ") {
  const box = $("error");
  box.replaceChildren(
    el("strong", { text: lead }),
    message,
    code ? el("span", { class: "mono", text: ` (${code})` }) : null,
  );
  box.hidden = false;
  $("result").hidden = true;
  $("audit").hidden = true;
  announce(`Error: ${message}`);
}

/** A fresh worker (the one whose messages count from now on) and the `finish` that ends its
 *  run: terminates it, hides the progress and counts the run (tests wait on `data-runs`). */
function startWorker() {
  const worker = new Worker(new URL("worker.js", import.meta.url), { type: "module" });
  currentWorker = worker;
  const finish = () => {
    worker.terminate();
    if (currentWorker === worker) currentWorker = null;
    $("progress-box").hidden = true;
    $("reverify").disabled = false;
    delete document.body.dataset.busy;
    runs += 1;
    document.body.dataset.runs = String(runs);
  };
  return { worker, finish };
}

/** The worker's `onerror`: ends the run and says the worker failed (`lead` as showError's). */
function failed(finish, lead) {
  return (e) => {
    e.preventDefault();
    finish();
    showError("worker", e.message || "the verification worker failed to start", lead);
  };
}

function start(file) {
  currentSelection = { file };
  if (currentWorker) currentWorker.terminate();
  $("error").hidden = true;
  $("result").hidden = true;
  $("audit").hidden = true;
  $("reverify").disabled = true;
  document.body.dataset.busy = "true";
  showProgress(`Reading ${file.name}…`, 0);
  announce(`Verifying ${file.name}`);

  const { worker, finish } = startWorker();
  worker.onmessage = ({ data }) => {
    if (worker !== currentWorker) return;
    if (data.type === "progress") {
      if (data.phase === "read") showProgress(`Reading ${file.name}… ${formatBytes(data.loaded)} of ${formatBytes(data.total)}`, data.total ? data.loaded / data.total : 1);
      else showProgress(`Verifying signatures of ${file.name}…`, null);
    } else if (data.type === "result") {
      finish();
      lastResult = { file: file.name, ...data };
      render(file, data);
    } else if (data.type === "error") {
      finish();
      showError(data.code, data.message);
    }
  };
  worker.onerror = failed(finish);
  worker.postMessage({ file, name: file.name, options: trustOptions() });
}

/** Audits `files` ([{ file, name }]) in one worker, file by file, filling the table as the
 *  rows come. */
function startAudit(files) {
  currentSelection = { audit: files };
  if (currentWorker) currentWorker.terminate();
  $("error").hidden = true;
  $("result").hidden = true;
  $("reverify").disabled = true;
  document.body.dataset.busy = "true";
  const rows = [];
  $("audit-heading").textContent = `Audit of ${files.length} files`;
  $("audit-summary").textContent = "";
  $("audit-table").querySelector("tbody").replaceChildren();
  $("audit").hidden = false;
  showProgress(`Auditing ${files.length} files…`, 0);
  announce(`Auditing ${files.length} files`);

  const { worker, finish } = startWorker();
  worker.onmessage = ({ data }) => {
    if (worker !== currentWorker) return;
    if (data.type === "audit-progress") {
      showProgress(`Auditing ${data.index + 1} of ${data.total}: ${data.name}…`, data.index / data.total);
    } else if (data.type === "row") {
      rows.push(data.row);
      $("audit-table").querySelector("tbody").append(auditRow(data.row, data.cells));
    } else if (data.type === "audit-done") {
      finish();
      $("version").textContent = data.version ? `v${data.version}` : "";
      $("audit-summary").textContent = data.summary;
      lastAudit = rows;
      announce(data.summary);
    } else if (data.type === "error") {
      finish();
      showError(data.code, data.message, "The audit stopped. ");
    }
  };
  worker.onerror = failed(finish, "The audit stopped. ");
  worker.postMessage({ audit: files, options: trustOptions() });
}

// ---------------------------------------------------------------------------------------
// Rendering

function render(file, { report, inspection, check, timings, version }) {
  $("version").textContent = version ? `v${version}` : "";
  if (!report) {
    // A .mez: a plain ZIP as the SDK builds it, never signed (connectors are signed as .pqx).
    report = { SignatureStatus: "NotSigned", CertificateStatus: [], Signatures: [], UnsignedParts: [], Warnings: [], IsValid: false, IsTrusted: false, PackageSha256: "" };
  }
  const sigs = report.Signatures;
  const [state, icon, word, explanation] = STATES[report.SignatureStatus] ?? UNKNOWN_STATE;
  const firstFailure = sigs.find((s) => s.Status !== "Success" && s.Reason);
  let detail = explanation;
  if (firstFailure) detail += ` ${firstFailure.Reason}.`;
  if (report.SignatureStatus === "Success") {
    const trusted = sigs.filter((s) => s.Trusted).length;
    if (report.IsTrusted) detail += ` ${sigs.length > 1 ? "Every signer is" : "The signer is"} trusted by your trust settings (Valid: true).`;
    else if (trusted) detail += ` ${trusted} of ${sigs.length} signers are trusted by your trust settings; see Signatures.`;
    else detail += " The signer is not in your trust settings: Power BI loads it only if its thumbprint is trusted (see below).";
  }
  const status = $("status");
  status.dataset.state = state;
  status.dataset.status = report.SignatureStatus;
  $("status-icon").textContent = icon;
  $("status-title").textContent = word;
  $("status-detail").textContent = detail.replace(/\.\.$/, ".");

  $("file-summary").replaceChildren(
    el("strong", { text: file.name }),
    inspection.format === "mez" ? " · a .mez (plain ZIP): connectors are signed as .pqx" : "",
    ` · ${formatBytes(timings.size)} · verified in ${Math.round(timings.verifyMs)} ms`,
    report.PackageSha256 ? " · SHA-256 " : "", el("span", { class: "mono", text: report.PackageSha256 }),
  );

  renderSigner(report);
  renderChains(report);
  renderSignatures(report);
  renderFiles(inspection);
  renderCheck(check);

  $("result").hidden = false;
  $("status").scrollIntoView({ block: "nearest" });
  announce(`${word}. ${detail}`);
}

function certOf(report, sig) {
  return report.CertificateStatus.find((c) => c.Thumbprint === sig.Thumbprint) ?? null;
}

function renderSigner(report) {
  const main = report.Signatures.find((s) => !s.Countersignature) ?? report.Signatures[0];
  const section = $("signer-section");
  if (!main || !main.Thumbprint) {
    section.hidden = true;
    return;
  }
  section.hidden = false;
  const cert = certOf(report, main);
  const rows = [
    ["Subject", main.Signer],
    ["Issuer", cert?.Issuer],
    ["Valid from", formatDate(cert?.NotBefore)],
    ["Valid until", formatDate(cert?.NotAfter)],
    ["SHA-1 thumbprint", el("span", { class: "thumb-row" }, el("span", { class: "thumb", id: "thumbprint", text: main.Thumbprint }), copyButton(main.Thumbprint, "Copy the SHA-1 thumbprint"))],
    ["SHA-256 thumbprint", el("span", { class: "thumb", text: main.ThumbprintSha256 })],
    ["Trusted", main.Trusted ? pill("Valid: true — trusted by your settings", "ok") : pill("Valid: false — not in your trust settings", "warn")],
    ["Signed at", main.SigningTime ? `${formatDate(main.SigningTime)} — claimed by the signer` : "—"],
    ["Digest", main.DigestAlgorithm ?? "—"],
  ];
  $("signer").replaceChildren(...rows.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", {}, v ?? "—")]));
  $("registry-snippet").textContent =
    `reg add "${REGISTRY_KEY}" /v TrustedCertificateThumbprints /t REG_MULTI_SZ /d ${main.Thumbprint} /f`;
  $("registry").hidden = report.SignatureStatus !== "Success";
}

function renderChains(report) {
  const list = $("chain");
  list.replaceChildren();
  const many = report.Signatures.length > 1;
  report.Signatures.forEach((sig, i) => {
    let cert = certOf(report, sig);
    if (!cert) return;
    if (many) list.append(el("li", { class: "group", text: `${sig.Countersignature ? "Countersignature" : "Signature"} ${i + 1}` }));
    let depth = 0;
    while (cert) {
      const role = depth === 0 ? "Signer" : cert.Parent ? "Intermediate CA" : "Root CA";
      const ok = cert.Status === "NoError";
      list.append(el("li", { class: `depth-${Math.min(depth, 3)}` },
        el("div", { class: "role", text: role }),
        el("div", { class: "who", text: cert.Subject }),
        el("div", { class: "meta" }, "SHA-1 ", el("span", { class: "mono", text: cert.Thumbprint }), ` · valid ${cert.NotBefore.slice(0, 10)} to ${cert.NotAfter.slice(0, 10)}`),
        el("div", { class: "meta" }, ok ? pill("NoError", "ok") : pill(cert.Status, cert.Status.includes("UntrustedRoot") && !cert.Status.includes(",") ? "warn" : "bad"), " ",
          cert.Valid ? pill("Valid: true", "ok") : pill("Valid: false", "warn")),
      ));
      cert = cert.Parent;
      depth += 1;
    }
  });
  if (!list.children.length) list.append(el("li", { text: "No certificate: the package is not signed." }));
}

function renderSignatures(report) {
  const list = $("signatures");
  list.replaceChildren(...report.Signatures.map((s, i) => el("li", {},
    el("div", { class: "sig-head" },
      el("strong", { text: `${s.Countersignature ? "Countersignature" : "Signature"} ${i + 1}` }), " ",
      s.Status === "Success" ? pill("Success", "ok") : pill(s.Status, "bad")),
    s.Reason ? el("p", { class: "sig-reason", text: s.Reason }) : null,
    el("dl", { class: "facts small" },
      el("dt", { text: "Signer" }), el("dd", {}, s.Signer ?? "—"),
      el("dt", { text: "SHA-1" }), el("dd", { class: "mono", text: s.Thumbprint ?? "—" }),
      el("dt", { text: "Trusted" }), el("dd", {}, s.Trusted ? pill("Valid: true", "ok") : pill("Valid: false", "warn")),
      el("dt", { text: "Signed at" }), el("dd", { text: s.SigningTime ? `${s.SigningTime} (claimed)` : "—" }),
      s.Countersigns.length ? [el("dt", { text: "Countersigns" }), el("dd", { class: "mono", text: s.Countersigns.join(", ") })] : null,
      el("dt", { text: "Part" }), el("dd", { class: "mono", text: s.Part }),
    ),
  )));
  if (!report.Signatures.length) list.append(el("li", { text: "No signatures." }));
  const problems = $("problems");
  problems.replaceChildren();
  if (report.Warnings.length) problems.append(el("ul", { class: "problems" }, report.Warnings.map((w) => el("li", { text: `Warning: ${w}` }))));
  if (report.UnsignedParts.length) {
    const n = report.UnsignedParts.length;
    problems.append(el("details", { class: "unsigned", open: n <= 3 },
      el("summary", { text: `${n} part${n === 1 ? " is" : "s are"} not covered by a valid signature` }),
      el("ul", { class: "problems" }, report.UnsignedParts.map((p) => el("li", { class: "mono", text: p })))));
  }
}

function renderFiles(inspection) {
  const body = $("files").querySelector("tbody");
  body.replaceChildren(...inspection.entries.map((e) => el("tr", { class: e.kind === "Package" ? "infra" : null },
    el("td", { class: "name", text: e.name }),
    el("td", { text: e.kind === "Package" ? "Package (signature/OPC)" : e.kind }),
    el("td", { class: "num", text: formatBytes(e.size) }),
  )));
}

function renderCheck(check) {
  const box = $("check");
  if (!check || check.error) {
    box.replaceChildren(el("p", { class: "hint", text: `The connector check could not run: ${check?.error?.message ?? "unavailable"}` }));
    return;
  }
  const summary = el("p", {}, check.errors ? pill(`${check.errors} error${check.errors === 1 ? "" : "s"}`, "bad") : pill("no errors", "ok"), " ",
    check.warnings ? pill(`${check.warnings} warning${check.warnings === 1 ? "" : "s"}`, "warn") : pill("no warnings", "ok"),
    " against the Power Query certification rules.");
  const items = check.findings.map((f) => el("li", {},
    pill(f.severity, f.severity === "error" ? "bad" : "warn"), " ", el("strong", { text: f.rule }), ": ", f.message,
    el("div", { class: "where", text: f.line ? `${f.file}:${f.line}:${f.column}` : f.file || "package" }),
    el("p", { class: "help", text: f.help }),
  ));
  box.replaceChildren(summary, items.length ? el("ul", { class: "findings" }, items) : "");
}

/** One row of the audit table: pqx-core's cells for the row (`auditCells`, the CLI table's
 *  words), with the row's error under the file name and the signer's full subject on hover. */
function auditRow(row, cells) {
  const [file, status, signer, thumbprint, trusted, expires] = cells;
  const [state] = row.SignatureStatus === "Error" ? ["invalid"] : STATES[row.SignatureStatus] ?? UNKNOWN_STATE;
  const kind = state === "valid" ? "ok" : state === "unsigned" ? "warn" : "bad";
  return el("tr", { "data-status": row.SignatureStatus },
    el("td", { class: "file" }, el("span", { class: "path", text: file }),
      row.SignatureStatus === "Error" && row.Error ? el("div", { class: "why", text: row.Error }) : null),
    el("td", { class: "audit-status" }, pill(status, kind)),
    el("td", { class: "signer", text: signer, title: row.Signer }),
    el("td", { class: "thumb", text: thumbprint }),
    el("td", { class: "trusted", text: trusted }),
    el("td", { class: "expires", text: expires }),
  );
}

$("audit-download").addEventListener("click", () => {
  if (!lastAudit) return;
  // The CLI's `pqx verify A.pqx B.pqx --format json`: an array of the rows.
  const blob = new Blob([JSON.stringify(lastAudit, null, 2)], { type: "application/json" });
  const a = el("a", { href: URL.createObjectURL(blob), download: "pqx-audit.json" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
});

$("download").addEventListener("click", () => {
  if (!lastResult) return;
  const blob = new Blob([JSON.stringify(lastResult.report, null, 2)], { type: "application/json" });
  const a = el("a", { href: URL.createObjectURL(blob), download: `${lastResult.file}.verify.json` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
});

$("registry").querySelector("[data-copy]").addEventListener("click", (e) => copyText($("registry-snippet").textContent, e.currentTarget));

// ---------------------------------------------------------------------------------------
// File input and drag and drop

/** Whether a file found in a folder is taken: `.pqx` and `.mez`, any case, as the CLI's
 *  `is_connector_file` (a file named on its own is taken whatever its name). */
const isConnectorName = (name) => /\.(pqx|mez)$/i.test(name);

/** Orders paths as the CLI does (component by component), so the table reads the same. */
function byPath(a, b) {
  const x = a.name.split("/");
  const y = b.name.split("/");
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return x.length - y.length;
}

/** Runs what was chosen: one plain file gets the detailed view, anything more (several files,
 *  or a folder, even of one file) the audit table. */
function run(files, fromFolder) {
  const seen = new Set();
  const unique = files.filter((f) => !seen.has(f.name) && seen.add(f.name));
  if (!unique.length) return;
  if (unique.length === 1 && !fromFolder) start(unique[0].file);
  else startAudit(unique);
}

function tooMany() {
  return new Error(`more than ${MAX_FILES} files to verify`);
}

$("file").addEventListener("change", () => {
  run(Array.from($("file").files, (file) => ({ file, name: file.name })), false);
});

if ("webkitdirectory" in HTMLInputElement.prototype) $("folder-row").hidden = false;
$("folder").addEventListener("change", () => {
  const all = Array.from($("folder").files);
  const files = all.filter((f) => isConnectorName(f.name))
    .map((file) => ({ file, name: file.webkitRelativePath || file.name }))
    .sort(byPath);
  if (files.length > MAX_FILES) showError("limit-exceeded", tooMany().message, "");
  else if (!files.length) showError("input", "no .pqx or .mez file in the folder chosen", "");
  else run(files, true);
});

const readEntries = (reader) => new Promise((resolve, reject) => reader.readEntries(resolve, reject));
const entryFile = (entry) => new Promise((resolve, reject) => entry.file(resolve, reject));

/** The `.pqx` and `.mez` files under a dropped folder, at any depth, sorted. */
async function walk(dir, depth, out) {
  if (depth > MAX_DEPTH) throw new Error(`${dir.fullPath} is more than ${MAX_DEPTH} folders deep`);
  const reader = dir.createReader();
  for (;;) {
    const batch = await readEntries(reader);
    if (!batch.length) break;
    for (const entry of batch) {
      if (entry.isDirectory) await walk(entry, depth + 1, out);
      else if (entry.isFile && isConnectorName(entry.name)) {
        out.push({ file: await entryFile(entry), name: entry.fullPath.replace(/^\//, "") });
        if (out.length > MAX_FILES) throw tooMany();
      }
    }
  }
}

/** What was dropped: files as they are, folders walked (where the browser exposes entries). */
async function dropped(transfer) {
  // webkitGetAsEntry works only during the drop event: take every entry before awaiting.
  const entries = Array.from(transfer.items ?? [], (item) => item.kind === "file" ? item.webkitGetAsEntry?.() : null);
  if (!entries.length || entries.some((e) => !e)) {
    return { files: Array.from(transfer.files ?? [], (file) => ({ file, name: file.name })), fromFolder: false };
  }
  const files = [];
  let fromFolder = false;
  for (const entry of entries) {
    if (entry.isDirectory) {
      fromFolder = true;
      const found = [];
      await walk(entry, 0, found);
      files.push(...found.sort(byPath));
    } else {
      files.push({ file: await entryFile(entry), name: entry.name });
    }
    if (files.length > MAX_FILES) throw tooMany();
  }
  if (fromFolder && !files.length) throw Object.assign(new Error("no .pqx or .mez file in the folder dropped"), { code: "input" });
  return { files, fromFolder };
}

const drop = $("drop");
for (const type of ["dragenter", "dragover"]) {
  drop.addEventListener(type, (e) => { e.preventDefault(); drop.classList.add("dragging"); });
}
for (const type of ["dragleave", "dragend"]) drop.addEventListener(type, () => drop.classList.remove("dragging"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("dragging");
  if (!e.dataTransfer) return;
  dropped(e.dataTransfer).then(
    ({ files, fromFolder }) => run(files, fromFolder),
    (err) => showError(err.code ?? "limit-exceeded", err.message, ""),
  );
});
// A file dropped beside the zone must not make the browser navigate away to it.
window.addEventListener("dragover", (e) => e.preventDefault());
window.addEventListener("drop", (e) => e.preventDefault());
