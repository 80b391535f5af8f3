// The browser's own SHA (WebCrypto) for the bytes pqx would otherwise hash in wasm, several
// times slower. pqx-wasm's digestPlan names the ranges (large stored parts, with the
// algorithms their signatures use); this hashes them and the whole file (PackageSha256), and
// the result goes to verify/inspect as `hostDigests`. pqx decides where each digest applies;
// this module only hashes. Without WebCrypto (or for a file pqx cannot plan) it returns what
// it can, and pqx hashes the rest itself.

const WEBCRYPTO_NAMES = { sha1: "SHA-1", sha256: "SHA-256", sha384: "SHA-384", sha512: "SHA-512" };

const toHex = (buffer) =>
  Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");

/** `hostDigests` for `bytes`: [{ offset, length, algorithm, digest }]. */
export async function hostDigests(digestPlan, bytes, name) {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return [];
  const jobs = [{ offset: 0, length: bytes.length, algorithm: "sha256" }];
  let plan = [];
  try {
    plan = digestPlan(bytes, name);
  } catch {
    // Not a package pqx can plan for (a .mez, a broken file): verify reports it.
  }
  for (const r of plan) {
    for (const algorithm of r.algorithms) jobs.push({ offset: r.offset, length: r.length, algorithm });
  }
  return Promise.all(
    jobs.map(async (job) => ({
      ...job,
      digest: toHex(await subtle.digest(WEBCRYPTO_NAMES[job.algorithm], bytes.subarray(job.offset, job.offset + job.length))),
    })),
  );
}
