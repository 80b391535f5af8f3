// The npm package (dist/npm, assembled by build.sh): packed with `npm pack`, installed from the
// tarball into an empty project (no registry: the package has no dependencies), and used from
// Node the way a user would, by its name.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { distDir, fixturesDir, manifest } from "./helpers.mjs";

const npm = (args, cwd) =>
  execFileSync("npm", [...args, "--no-audit", "--no-fund", "--offline"], { cwd, encoding: "utf8" });

const work = mkdtempSync(join(tmpdir(), "pqx-npm-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));

const [packed] = JSON.parse(npm(["pack", join(distDir, "npm"), "--json", "--pack-destination", work], work));

test("npm pack holds the module, its glue, types, the Node entry point, README and licences", () => {
  const cargoVersion = /^version = "([^"]+)"/m.exec(readFileSync(join(distDir, "..", "..", "..", "Cargo.toml"), "utf8"))[1];
  assert.equal(packed.name, "pqx-wasm");
  assert.equal(packed.version, cargoVersion);
  const files = packed.files.map((f) => f.path).sort();
  assert.deepEqual(files, [
    "LICENSE-APACHE", "LICENSE-MIT", "README.md", "node.d.ts", "node.js", "package.json",
    "pqx_wasm.d.ts", "pqx_wasm.js", "pqx_wasm_bg.wasm", "pqx_wasm_bg.wasm.d.ts",
  ]);
});

test("the tarball installs into an empty project and verifies a .pqx from Node by the package's name", () => {
  const project = join(work, "consumer");
  execFileSync("mkdir", ["-p", project]);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  npm(["install", "--silent", join(work, packed.filename)], project);
  writeFileSync(
    join(project, "main.mjs"),
    `import { readFileSync } from "node:fs";
     import { auditFile, auditSummary, verify, thumbprint, version } from "pqx-wasm";
     const dir = process.argv[2];
     const root = readFileSync(dir + "/root.pem", "utf8");
     const untrusted = verify(readFileSync(dir + "/signed.pqx"));
     const trusted = verify(readFileSync(dir + "/signed.pqx"), { trustedCas: [root] });
     let error = null;
     try { verify(new Uint8Array([1, 2, 3])); } catch (e) { error = { name: e.name, code: e.code }; }
     console.log(JSON.stringify({
       version: version(),
       untrusted: [untrusted.SignatureStatus, untrusted.IsTrusted],
       trusted: [trusted.SignatureStatus, trusted.IsTrusted, trusted.Signatures[0].Thumbprint],
       root: thumbprint(readFileSync(dir + "/root.pem")),
       audit: auditSummary(["signed.pqx", "tampered.pqx"].map((f) => auditFile(readFileSync(dir + "/" + f), f))),
       error,
     }));`,
  );
  const out = JSON.parse(execFileSync("node", ["main.mjs", fixturesDir], { cwd: project, encoding: "utf8" }));
  const m = manifest();
  assert.equal(out.version, packed.version);
  assert.deepEqual(out.untrusted, ["Success", false]);
  assert.deepEqual(out.trusted, ["Success", true, m.leafThumbprint]);
  assert.equal(out.root, m.rootThumbprint);
  assert.equal(out.audit, "2 files: 1 verified, 1 not valid, 0 errors");
  assert.equal(out.error?.name, "PqxError");
  assert.equal(typeof out.error?.code, "string");
});
