// Tests of pqx-wasm's JavaScript API in Node, on packages made by the Rust fixture program
// (pqx-wasm/examples/make_fixtures.rs): the same dist/pkg files the page loads.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { distDir, fixture, fixturesDir, loadPqx, manifest } from "./helpers.mjs";
import { hostDigests } from "../src/host_digests.js";

const pqx = await loadPqx();
const m = manifest();
const rootPem = fixture("root.pem").toString("utf8");

/** Calls `fn` and returns the error it throws (fails when it does not throw). */
function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail("expected an exception");
}

test("verify reports a signed package as Success with the signer, chain and package hash", () => {
  const bytes = fixture("signed.pqx");
  const r = pqx.verify(bytes);
  assert.equal(r.SignatureStatus, "Success");
  assert.equal(r.IsValid, true);
  assert.equal(r.IsTrusted, false, "no trust settings: the test root is not trusted");
  assert.equal(r.Signatures.length, 1);
  const [sig] = r.Signatures;
  assert.equal(sig.Status, "Success");
  assert.equal(sig.Reason, null);
  assert.equal(sig.Thumbprint, m.leafThumbprint);
  assert.equal(sig.ThumbprintSha256, m.leafThumbprintSha256);
  assert.equal(sig.Signer, m.leafSubject);
  assert.equal(sig.DigestAlgorithm, "sha256");
  assert.equal(sig.Countersignature, false);
  assert.ok(sig.CoveredParts.includes("/HelloWorld.pq"), sig.CoveredParts.join());
  // MakePQX's CertificateStatus: the signer with its chain nested as Parents.
  const [leaf] = r.CertificateStatus;
  assert.equal(leaf.Thumbprint, m.leafThumbprint);
  assert.equal(leaf.Subject, m.leafSubject);
  assert.equal(leaf.Issuer, m.intermediateSubject);
  assert.match(leaf.NotBefore, /^\d{4}-\d\d-\d\dT/);
  assert.equal(leaf.Parent.Subject, m.intermediateSubject);
  assert.equal(leaf.Parent.Parent.Subject, m.rootSubject);
  assert.equal(leaf.Parent.Parent.Parent, null);
  assert.match(leaf.Status, /UntrustedRoot/);
  assert.equal(leaf.Valid, false);
  assert.deepEqual(r.UnsignedParts, []);
  assert.equal(r.PackageSha256, createHash("sha256").update(bytes).digest("hex"));
});

test("verify with the root CA as trust anchor makes the chain Valid and the package trusted", () => {
  const r = pqx.verify(fixture("signed.pqx"), { trustedCas: [rootPem] });
  assert.equal(r.SignatureStatus, "Success");
  assert.equal(r.IsTrusted, true);
  assert.equal(r.CertificateStatus[0].Valid, true);
  assert.equal(r.CertificateStatus[0].Status, "NoError");
  assert.equal(r.Signatures[0].Trusted, true);
});

test("verify with the pinned leaf thumbprint (any case, with colons) trusts the signer", () => {
  const pretty = m.leafThumbprint.toLowerCase().match(/../g).join(":");
  const r = pqx.verify(fixture("signed.pqx"), { pinnedThumbprints: [pretty] });
  assert.equal(r.IsTrusted, true);
  assert.equal(r.Signatures[0].Trusted, true);
  const other = pqx.verify(fixture("signed.pqx"), { pinnedThumbprints: ["00".repeat(20)] });
  assert.equal(other.IsTrusted, false);
});

test("verify reports a countersigned package: both signatures valid, the second countersigns the first", () => {
  const r = pqx.verify(fixture("countersigned.pqx"), { trustedCas: [rootPem] });
  assert.equal(r.SignatureStatus, "Success");
  assert.equal(r.Signatures.length, 2);
  const counter = r.Signatures.find((s) => s.Countersignature);
  const first = r.Signatures.find((s) => !s.Countersignature);
  assert.ok(counter && first, JSON.stringify(r.Signatures));
  assert.equal(first.Thumbprint, m.leafThumbprint);
  assert.equal(counter.Thumbprint, m.countersignerThumbprint);
  assert.equal(counter.Signer, m.countersignerSubject);
  assert.deepEqual(counter.Countersigns, [first.Part]);
  assert.ok(r.Signatures.every((s) => s.Status === "Success" && s.Trusted));
  assert.equal(r.CertificateStatus.length, 2);
});

test("verify reports a tampered package as InvalidSignature naming the changed part", () => {
  const r = pqx.verify(fixture("tampered.pqx"), { trustedCas: [rootPem] });
  assert.equal(r.SignatureStatus, "InvalidSignature");
  assert.equal(r.IsValid, false);
  assert.equal(r.IsTrusted, false);
  assert.equal(r.Signatures[0].Status, "InvalidSignature");
  assert.match(r.Signatures[0].Reason, /HelloWorld\.pq/);
  // The signer is still reported: who signed the original.
  assert.equal(r.Signatures[0].Thumbprint, m.leafThumbprint);
});

test("verify reports an unsigned package as NotSigned", () => {
  const r = pqx.verify(fixture("unsigned.pqx"));
  assert.equal(r.SignatureStatus, "NotSigned");
  assert.equal(r.IsValid, false);
  assert.deepEqual(r.Signatures, []);
  assert.deepEqual(r.CertificateStatus, []);
  assert.equal(r.PackageSha256.length, 64);
});

test("errors are PqxError Errors with the core's error-kind code", () => {
  const notZip = thrown(() => pqx.verify(fixture("not-a-package.pqx")));
  assert.ok(notZip instanceof Error);
  assert.equal(notZip.name, "PqxError");
  assert.equal(notZip.code, "zip");
  assert.match(notZip.message, /ZIP/i);
  // The core's hint (Error::hint), the same words the CLI and the C and .NET bindings show.
  assert.equal(notZip.hint, "is it a .mez or .pqx file?");

  const empty = thrown(() => pqx.verify(new Uint8Array()));
  assert.ok(empty instanceof Error);
  assert.equal(typeof empty.code, "string");

  const badPin = thrown(() => pqx.verify(fixture("signed.pqx"), { pinnedThumbprints: ["not hex"] }));
  assert.equal(badPin.code, "invalid-argument");
  assert.equal(badPin.hint, null, "nothing to add to an invalid argument's message");

  const badCa = thrown(() => pqx.verify(fixture("signed.pqx"), { trustedCas: ["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"] }));
  assert.equal(badCa.code, "certificate");

  const typo = thrown(() => pqx.verify(fixture("signed.pqx"), { trustedCA: [rootPem] }));
  assert.equal(typo.code, "invalid-argument");
  assert.match(typo.message, /trustedCA/);

  const mez = thrown(() => pqx.verify(fixture("HelloWorld.mez")));
  assert.equal(typeof mez.code, "string");
});

test("the module keeps working after errors (no trap, no poisoned state)", () => {
  for (let i = 0; i < 3; i++) thrown(() => pqx.verify(fixture("not-a-package.pqx")));
  // Random and truncated input must never trap (a WebAssembly RuntimeError would be a panic).
  const signed = fixture("signed.pqx");
  let seed = 7;
  for (let i = 0; i < 40; i++) {
    const cut = signed.subarray(0, (seed = (seed * 1103515245 + 12345) % 2 ** 31) % signed.length);
    const mangled = Uint8Array.from(signed);
    mangled[seed % mangled.length] ^= 0xff;
    for (const input of [cut, mangled]) {
      try {
        pqx.verify(input);
      } catch (e) {
        assert.equal(e.name, "PqxError", `${e}`);
      }
      try {
        pqx.inspect(input);
      } catch (e) {
        assert.equal(e.name, "PqxError", `${e}`);
      }
    }
  }
  assert.equal(pqx.verify(signed).SignatureStatus, "Success");
});

test("inspect lists the entries and the section document", () => {
  const i = pqx.inspect(fixture("signed.pqx"), "signed.pqx");
  assert.equal(i.format, "pqx");
  assert.equal(i.sectionDocument, "HelloWorld.pq");
  assert.equal(i.sectionName, "HelloWorld");
  assert.equal(i.version, "1.0.0");
  const names = i.entries.map((e) => e.name);
  for (const n of ["HelloWorld.pq", "resources.resx", "HelloWorld16.png"]) assert.ok(names.includes(n), names.join());
  const pq = i.entries.find((e) => e.name === "HelloWorld.pq");
  assert.equal(pq.kind, "SectionDocument");
  assert.ok(pq.size > 0);
  assert.ok(i.entries.some((e) => e.kind === "Package"), "signature parts are listed as Package");
  assert.equal(i.signatures.length, 1);
  assert.equal(i.signatures[0].thumbprintSha1, m.leafThumbprint);

  const mez = pqx.inspect(fixture("HelloWorld.mez"));
  assert.equal(mez.format, "mez");
  assert.deepEqual(mez.signatures, []);
});

test("thumbprint gives the SHA-1 of a PEM or DER certificate and rejects non-certificates", () => {
  assert.equal(pqx.thumbprint(fixture("root.pem")), m.rootThumbprint);
  const der = Buffer.from(rootPem.replace(/-----[^-]+-----|\s/g, ""), "base64");
  assert.equal(pqx.thumbprint(der), m.rootThumbprint);
  assert.equal(thrown(() => pqx.thumbprint(new TextEncoder().encode("hello"))).code, "certificate");
});

test("check runs the connector rules on the package's files", () => {
  const c = pqx.check(fixture("signed.pqx"), "signed.pqx");
  assert.ok(Array.isArray(c.findings));
  assert.equal(c.errors, c.findings.filter((f) => f.severity === "error").length);
  assert.equal(c.warnings, c.findings.filter((f) => f.severity === "warning").length);
  // Only connector files are checked, never the OPC machinery.
  assert.ok(c.findings.every((f) => !f.file.startsWith("package/") && f.file !== "[Content_Types].xml"), JSON.stringify(c.findings));
  assert.equal(thrown(() => pqx.check(fixture("not-a-package.pqx"))).code, "zip");
});

test("the TypeScript declarations describe the API", () => {
  const dts = readFileSync(join(distDir, "pkg", "pqx_wasm.d.ts"), "utf8");
  assert.match(dts, /export function verify\(bytes: Uint8Array[^)]*options\?: VerifyOptions\): VerifyReport;/);
  assert.match(dts, /export function inspect\([^)]*\): Inspection;/);
  assert.match(dts, /export function thumbprint\([^)]*\): string;/);
  assert.match(dts, /export function check\([^)]*\): CheckReport;/);
  assert.match(dts, /export function auditFile\(bytes: Uint8Array[^,]*, file_name: string, options\?: VerifyOptions\): AuditRow;/);
  assert.match(dts, /export function auditSummary\(rows: AuditRow\[\]\): string;/);
  assert.match(dts, /export function auditCells\(rows: AuditRow\[\]\): string\[\]\[\];/);
  assert.match(dts, /export function auditTableHeader\(\): string\[\];/);
  assert.match(dts, /export interface AuditRow/);
  assert.match(dts, /export interface VerifyReport/);
  assert.match(dts, /PackageSha256: string;/);
});

// --- the multi-file audit: pqx-core's rows, the CLI's words -----------------------------

/** The fixtures of the audit, and the status `pqx verify` prints for each. */
const AUDITED = [
  ["signed.pqx", "Success"],
  ["countersigned.pqx", "Success"],
  ["tampered.pqx", "InvalidSignature"],
  ["unsigned.pqx", "NotSigned"],
  ["HelloWorld.mez", "NotSigned"],
  ["not-a-package.pqx", "Error"],
];

test("auditFile gives each file the CLI's row: status, signer, trust; garbage is an Error row", () => {
  const options = { trustedCas: [rootPem] };
  const rows = AUDITED.map(([name]) => pqx.auditFile(fixture(name), name, options));
  assert.deepEqual(rows.map((r) => r.SignatureStatus), AUDITED.map(([, status]) => status));
  assert.deepEqual(Object.keys(rows[0]), ["File", "SignatureStatus", "Signer", "Thumbprint", "Trusted", "Expires", "Error", "Report"]);
  const [signed, , tampered, , mez, garbage] = rows;
  assert.equal(signed.File, "signed.pqx");
  assert.equal(signed.Signer, m.leafSubject);
  assert.equal(signed.Thumbprint, m.leafThumbprint);
  assert.equal(signed.Trusted, true);
  assert.match(signed.Expires, /^\d{4}-\d\d-\d\dT/);
  assert.equal(signed.Report.SignatureStatus, "Success");
  assert.equal(tampered.Trusted, false, "a changed package is not trusted, whoever signed it");
  assert.equal(mez.Report, null);
  assert.match(mez.Error, /\.mez cannot be signed/);
  assert.equal(garbage.Trusted, false);
  assert.match(garbage.Error, /not-a-package\.pqx/);
  assert.equal(pqx.auditSummary(rows), "6 files: 2 verified, 3 not valid, 1 error; 2 trusted, 0 not trusted");
  // Without trust options "Trusted" is null and the summary does not count trust.
  const plain = AUDITED.map(([name]) => pqx.auditFile(fixture(name), name));
  assert.ok(plain.every((r) => r.Trusted === null));
  assert.equal(pqx.auditSummary(plain), "6 files: 2 verified, 3 not valid, 1 error");
  assert.equal(pqx.auditSummary([]), "0 files: 0 verified, 0 not valid, 0 errors");
});

test("auditFile throws only for bad options; auditSummary refuses rows it did not make", () => {
  const e = thrown(() => pqx.auditFile(fixture("signed.pqx"), "signed.pqx", { pinnedThumbprints: ["XYZ"] }));
  assert.equal(e.name, "PqxError");
  assert.equal(e.code, "invalid-argument");
  assert.equal(thrown(() => pqx.auditSummary([{ SignatureStatus: "Fine" }])).code, "invalid-argument");
  assert.equal(thrown(() => pqx.auditSummary({})).code, "invalid-argument");
  // An empty file and a truncated package are rows too, never exceptions.
  assert.equal(pqx.auditFile(new Uint8Array(0), "empty.pqx").SignatureStatus, "Error");
  const signed = fixture("signed.pqx");
  assert.equal(pqx.auditFile(signed.subarray(0, signed.length >> 1), "half.pqx").SignatureStatus, "Error");
});

/** The CLI binary test.sh built (PQX_BIN), for comparing its rows with the module's. */
const PQX_BIN = process.env.PQX_BIN && existsSync(process.env.PQX_BIN) ? process.env.PQX_BIN : null;

test("auditFile's rows are the very rows of `pqx verify --format json` on the same files", { skip: !PQX_BIN && "PQX_BIN not set (test.sh builds it)" }, () => {
  for (const trust of [[], ["--trusted-ca", "root.pem"]]) {
    const run = spawnSync(PQX_BIN, ["verify", "--format", "json", ...trust, ...AUDITED.map(([name]) => name)], { cwd: fixturesDir, encoding: "utf8" });
    assert.equal(run.status, 1, `not every file verifies: exit 1\n${run.stderr}`);
    const cli = JSON.parse(run.stdout);
    const options = trust.length ? { trustedCas: [rootPem] } : undefined;
    const wasm = AUDITED.map(([name]) => pqx.auditFile(fixture(name), name, options));
    assert.deepEqual(wasm, cli);
    const text = spawnSync(PQX_BIN, ["verify", ...trust, ...AUDITED.map(([name]) => name)], { cwd: fixturesDir, encoding: "utf8" });
    const lines = text.stdout.trimEnd().split("\n");
    assert.equal(lines.at(-1), pqx.auditSummary(wasm));
    // The table itself: its header and every cell are the module's (columns are separated by
    // two or more spaces; no cell is empty).
    assert.deepEqual(lines[0].split(/ {2,}/), pqx.auditTableHeader());
    const cells = pqx.auditCells(wasm);
    assert.deepEqual(lines.slice(1, 1 + cells.length).map((l) => l.split(/ {2,}/)), cells);
  }
});

const hasLarge = existsSync(join(fixturesDir, "large.pqx"));

test("digestPlan names the large stored payload; WebCrypto digests of it verify as pqx's own", { skip: !hasLarge }, async () => {
  const bytes = fixture("large.pqx");
  const plan = pqx.digestPlan(bytes, "large.pqx");
  assert.equal(plan.length, 1, JSON.stringify(plan));
  assert.equal(plan[0].part, "/data/payload.bin");
  assert.deepEqual(plan[0].algorithms, ["sha256"]);
  assert.ok(plan[0].offset + plan[0].length <= bytes.length && plan[0].length > 0.9 * bytes.length, JSON.stringify(plan));
  const host = await hostDigests(pqx.digestPlan, bytes, "large.pqx");
  assert.equal(host.length, 2, "the whole file and the payload");
  const own = pqx.verify(bytes);
  const fast = pqx.verify(bytes, { hostDigests: host });
  assert.equal(fast.SignatureStatus, "Success");
  assert.equal(fast.PackageSha256, own.PackageSha256);
  assert.equal(fast.PackageSha256, createHash("sha256").update(bytes).digest("hex"));
  assert.equal(pqx.inspect(bytes, "large.pqx", { hostDigests: host }).signatures[0].status, "Success");
});

test("a host digest is used, so a wrong one fails the signature; a malformed one is an error", { skip: !hasLarge }, () => {
  const bytes = fixture("large.pqx");
  const [r] = pqx.digestPlan(bytes, "large.pqx");
  const wrong = { offset: r.offset, length: r.length, algorithm: "sha256", digest: "00".repeat(32) };
  const v = pqx.verify(bytes, { hostDigests: [wrong] });
  assert.equal(v.SignatureStatus, "InvalidSignature");
  assert.match(v.Signatures[0].Reason, /payload\.bin was changed after signing/);
  // A digest of any other range is ignored, never trusted.
  const elsewhere = { ...wrong, offset: r.offset + 1 };
  assert.equal(pqx.verify(bytes, { hostDigests: [elsewhere] }).SignatureStatus, "Success");
  assert.equal(thrown(() => pqx.verify(bytes, { hostDigests: [{ ...wrong, digest: "00" }] })).code, "invalid-argument");
  assert.equal(thrown(() => pqx.verify(bytes, { hostDigests: [{ ...wrong, digest: "zz".repeat(32) }] })).code, "invalid-argument");
  assert.equal(thrown(() => pqx.verify(bytes, { hostDigests: [{ ...wrong, algorithm: "md5" }] })).code, "unsupported-algorithm");
});

test("small packages plan nothing: pqx hashes them itself", () => {
  assert.deepEqual(pqx.digestPlan(fixture("signed.pqx")), []);
  assert.equal(thrown(() => pqx.digestPlan(fixture("not-a-package.pqx"))).code, "zip");
});

test("verify throughput on a large signed package", { skip: !existsSync(join(fixturesDir, "large.pqx")) }, () => {
  const bytes = fixture("large.pqx");
  const t0 = performance.now();
  const r = pqx.verify(bytes);
  const ms = performance.now() - t0;
  assert.equal(r.SignatureStatus, "Success");
  const mbps = bytes.length / 1e6 / (ms / 1000);
  console.log(`# node verify: ${(bytes.length / 1e6).toFixed(1)} MB in ${ms.toFixed(0)} ms = ${mbps.toFixed(1)} MB/s; WebAssembly memory ${(pqx.memory.buffer.byteLength / 1e6).toFixed(1)} MB`);
  const t1 = performance.now();
  return hostDigests(pqx.digestPlan, bytes, "large.pqx").then((host) => {
    const fast = pqx.verify(bytes, { hostDigests: host });
    const fastMs = performance.now() - t1;
    assert.equal(fast.SignatureStatus, "Success");
    console.log(`# node verify with WebCrypto digests: ${fastMs.toFixed(0)} ms = ${(bytes.length / 1e6 / (fastMs / 1000)).toFixed(1)} MB/s`);
  });
});
