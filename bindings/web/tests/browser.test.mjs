// The page in a real browser: Debian's chromium driven by playwright-core, the page served
// by tests/serve.mjs on localhost. Sets the file input to the fixtures and asserts what the
// page shows; fails on any request that is not to the page's own server. Screenshots go to
// test-output/ (test artifacts).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { serve } from "./serve.mjs";
import { distDir, fixturesDir, manifest, outDir } from "./helpers.mjs";

const CHROMIUM = process.env.PQX_CHROMIUM ?? "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

const m = manifest();
let server;
let browser;
let origin;
const foreignRequests = [];
const consoleErrors = [];

before(async () => {
  mkdirSync(outDir, { recursive: true });
  server = await serve(distDir);
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function openPage(viewport = { width: 1100, height: 900 }) {
  const page = await browser.newPage({ viewport });
  page.on("request", (r) => {
    const url = r.url();
    if (!url.startsWith(`${origin}/`) && !url.startsWith("data:") && !url.startsWith("blob:")) foreignRequests.push(url);
  });
  page.on("console", (msg) => { if (msg.type() === "error") consoleErrors.push(msg.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.goto(`${origin}/`);
  return page;
}

/** Chooses `name` in the file input and waits until the page has shown the result. */
async function choose(page, name) {
  const runs = Number((await page.getAttribute("body", "data-runs")) ?? 0);
  await page.setInputFiles("#file", join(fixturesDir, name));
  await page.waitForSelector(`body[data-runs="${runs + 1}"]`, { timeout: 60_000 });
}

test("a signed file shows Valid, the signer, the thumbprint and the registry snippet", async () => {
  const page = await openPage();
  await choose(page, "signed.pqx");
  assert.equal(await page.getAttribute("#status", "data-state"), "valid");
  assert.equal(await page.textContent("#status-title"), "Valid");
  assert.equal(await page.textContent("#thumbprint"), m.leafThumbprint);
  const signer = await page.textContent("#signer");
  assert.ok(signer.includes(m.leafSubject), signer);
  assert.ok(signer.includes(m.intermediateSubject), "issuer shown");
  assert.ok(signer.includes("Valid: false"), "not trusted without settings");
  assert.ok((await page.textContent("#registry-snippet")).includes(`/d ${m.leafThumbprint}`));
  assert.equal(await page.locator("#chain li").count(), 3);
  assert.ok((await page.textContent("#files")).includes("HelloWorld.pq"));
  await page.screenshot({ path: join(outDir, "signed.png"), fullPage: true });
  await page.close();
});

test("a tampered file shows Changed", async () => {
  const page = await openPage();
  await choose(page, "signed.pqx");
  await choose(page, "tampered.pqx");
  assert.equal(await page.getAttribute("#status", "data-state"), "changed");
  assert.equal(await page.getAttribute("#status", "data-status"), "InvalidSignature");
  assert.equal(await page.textContent("#status-title"), "Changed");
  assert.match(await page.textContent("#status-detail"), /modified after it was signed/);
  await page.screenshot({ path: join(outDir, "tampered.png"), fullPage: true });
  await page.close();
});

test("a pasted trusted thumbprint makes the signer Valid: true", async () => {
  const page = await openPage();
  await page.click("#trust summary");
  await page.fill("#thumbprints", m.leafThumbprint);
  await choose(page, "countersigned.pqx");
  assert.equal(await page.getAttribute("#status", "data-state"), "valid");
  assert.ok((await page.textContent("#signer")).includes("Valid: true"));
  const sigs = await page.textContent("#signatures");
  assert.ok(sigs.includes(m.countersignerSubject), "countersignature listed");
  assert.ok(sigs.includes("Countersignature 2"), sigs);
  await page.screenshot({ path: join(outDir, "countersigned-trusted.png"), fullPage: true });
  await page.close();
});

test("unsigned and unreadable files are said to be so", async () => {
  const page = await openPage({ width: 390, height: 844 });
  await choose(page, "unsigned.pqx");
  assert.equal(await page.textContent("#status-title"), "Not signed");
  await page.screenshot({ path: join(outDir, "unsigned-narrow.png"), fullPage: true });
  await choose(page, "not-a-package.pqx");
  assert.equal(await page.isVisible("#error"), true);
  assert.match(await page.textContent("#error"), /\(zip\)/);
  await page.close();
});

/** Chooses several files (or, with `folder`, a folder) and waits for the audit to finish. */
async function chooseMany(page, paths, input = "#file") {
  const runs = Number((await page.getAttribute("body", "data-runs")) ?? 0);
  await page.setInputFiles(input, paths);
  await page.waitForSelector(`body[data-runs="${runs + 1}"]`, { timeout: 60_000 });
}

/** The audit table's cells, as the CLI prints them: file, status, signer, thumbprint, trusted, expires. */
const auditCells = (page) => page.$$eval("#audit-table tbody tr", (rows) => rows.map((tr) => {
  const [file, ...rest] = tr.querySelectorAll("td");
  return [file.querySelector(".path").textContent, ...rest.map((td) => td.textContent)];
}));

/** The rows and summary line of `pqx verify ARGS` run in `cwd` (the CLI test.sh built). */
function cliTable(args, cwd) {
  const run = spawnSync(process.env.PQX_BIN, ["verify", ...args], { cwd, encoding: "utf8" });
  const lines = run.stdout.trimEnd().split("\n");
  return { rows: lines.slice(1, -1).map((l) => l.split(/ {2,}/)), summary: lines.at(-1) };
}
const hasCli = !!process.env.PQX_BIN && existsSync(process.env.PQX_BIN);

const SEVERAL = ["signed.pqx", "tampered.pqx", "unsigned.pqx", "HelloWorld.mez", "not-a-package.pqx"];

test("several files show the CLI's audit table, one row per file, and its summary line", async () => {
  const page = await openPage();
  await page.click("#trust summary");
  await page.fill("#thumbprints", m.leafThumbprint);
  await chooseMany(page, SEVERAL.map((f) => join(fixturesDir, f)));
  assert.equal(await page.isVisible("#audit"), true);
  assert.equal(await page.isVisible("#result"), false, "no single-file detail for several files");
  const cells = await auditCells(page);
  assert.deepEqual(cells.map((c) => c[0]), SEVERAL);
  assert.deepEqual(cells.map((c) => c[1]), ["Success", "InvalidSignature", "NotSigned", "NotSigned", "Error"]);
  assert.deepEqual(cells[0].slice(2, 5), ["pqx Test Signer", m.leafThumbprint, "yes"]);
  assert.match(cells[0][5], /^\d{4}-\d\d-\d\d$/);
  assert.equal(cells[1][4], "no", "a changed package is not trusted");
  assert.deepEqual(cells[4].slice(2), ["-", "-", "-", "-"]);
  assert.match(await page.textContent("#audit-table tbody tr:last-child .why"), /not-a-package\.pqx/);
  assert.equal(await page.textContent("#audit-summary"), "5 files: 1 verified, 3 not valid, 1 error; 1 trusted, 0 not trusted");
  if (hasCli) {
    const cli = cliTable(["--trusted-thumbprint", m.leafThumbprint, ...SEVERAL], fixturesDir);
    assert.deepEqual(cells, cli.rows);
    assert.equal(await page.textContent("#audit-summary"), cli.summary);
  }
  await page.screenshot({ path: join(outDir, "audit.png"), fullPage: true });
  // One file again: the detailed view comes back and the table goes.
  await choose(page, "signed.pqx");
  assert.equal(await page.isVisible("#audit"), false);
  assert.equal(await page.textContent("#status-title"), "Valid");
  await page.close();
});

test("a folder is audited recursively, only its .pqx and .mez files, in the CLI's order", async () => {
  const dir = join(outDir, "audit-folder");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "team"), { recursive: true });
  mkdirSync(join(dir, "deep", "a"), { recursive: true });
  copyFileSync(join(fixturesDir, "signed.pqx"), join(dir, "team", "signed.pqx"));
  copyFileSync(join(fixturesDir, "tampered.pqx"), join(dir, "tampered.pqx"));
  copyFileSync(join(fixturesDir, "HelloWorld.mez"), join(dir, "HelloWorld.mez"));
  copyFileSync(join(fixturesDir, "not-a-package.pqx"), join(dir, "deep", "a", "not-a-package.pqx"));
  writeFileSync(join(dir, "notes.txt"), "not a connector");
  const page = await openPage();
  assert.equal(await page.isVisible("#folder-row"), true, "Chromium offers the folder chooser");
  await chooseMany(page, dir, "#folder");
  const cells = await auditCells(page);
  assert.deepEqual(cells.map((c) => c.slice(0, 2)), [
    ["audit-folder/HelloWorld.mez", "NotSigned"],
    ["audit-folder/deep/a/not-a-package.pqx", "Error"],
    ["audit-folder/tampered.pqx", "InvalidSignature"],
    ["audit-folder/team/signed.pqx", "Success"],
  ]);
  assert.equal(await page.textContent("#audit-summary"), "4 files: 1 verified, 2 not valid, 1 error");
  if (hasCli) {
    const cli = cliTable(["audit-folder"], outDir);
    assert.deepEqual(cells, cli.rows);
    assert.equal(await page.textContent("#audit-summary"), cli.summary);
  }
  await page.close();
});

test("dropping several files audits them", async () => {
  const page = await openPage();
  const runs = Number((await page.getAttribute("body", "data-runs")) ?? 0);
  await page.evaluate(() => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([new Uint8Array([1, 2, 3])], "a.pqx"));
    transfer.items.add(new File([new Uint8Array([4, 5, 6])], "b.MEZ"));
    document.getElementById("drop").dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
  });
  await page.waitForSelector(`body[data-runs="${runs + 1}"]`, { timeout: 60_000 });
  const cells = await auditCells(page);
  assert.deepEqual(cells.map((c) => c.slice(0, 2)), [["a.pqx", "Error"], ["b.MEZ", "NotSigned"]]);
  assert.equal(await page.textContent("#audit-summary"), "2 files: 0 verified, 1 not valid, 1 error");
  await page.close();
});

test("the file input is reachable by keyboard and labelled", async () => {
  const page = await openPage();
  await page.keyboard.press("Tab"); // skip link
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "file");
  assert.match(await page.evaluate(() => document.activeElement.labels[0].textContent), /Drop a .pqx/);
  await page.close();
});

test("verify throughput in chromium on a large signed package", { skip: !existsSync(join(fixturesDir, "large.pqx")) }, async () => {
  const page = await openPage();
  await choose(page, "large.pqx");
  assert.equal(await page.textContent("#status-title"), "Valid");
  const summary = await page.textContent("#file-summary");
  const ms = Number(/verified in (\d+) ms/.exec(summary)?.[1]);
  console.log(`# chromium verify: ${(m.largeBytes / 1e6).toFixed(1)} MB in ${ms} ms = ${(m.largeBytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s (${summary.trim()})`);
  await page.close();
});

test("the page made no request beyond its own server and logged no errors", () => {
  assert.deepEqual(foreignRequests, []);
  assert.deepEqual(consoleErrors, []);
});
