#!/usr/bin/env python3
"""Builds limbo-subset.json (the x509-limbo cases pqx's harness runs) from a limbo.json.

Usage: make-subset.py LIMBO_JSON SOURCE_COMMIT > limbo-subset.json

Every case is either kept (run by pqx-core/tests/limbo.rs) or listed under "skipped" with the
reason it cannot apply to pqx's path validation. The rules are here, in one place:
"""
import json
import sys

# (predicate on the case, reason). First match wins.
SKIP_RULES = [
    (lambda c: c["id"].startswith(("webpki::san::", "webpki::cn::"))
     or c["id"] in ("rfc5280::ca-as-leaf-wrong-san", "rfc5280::san::ip-in-dns"),
     "peer-name matching (a TLS client's host-name check; pqx validates no peer name)"),
    (lambda c: bool(c.get("crls")),
     "CRL processing (crlNumber, CRL-issuer keyUsage); pqx's revocation lists are not "
     "path validation"),
    (lambda c: any(f.startswith(("pedantic-webpki", "pedantic-public-suffix"))
                   for f in (c.get("features") or [])),
     "CA/B Forum TLS (Web PKI) profile rule for server certificates, not a code-signing rule"),
    (lambda c: c["id"] == "webpki::forbidden-rsa-not-divisible-by-8-in-root",
     "CA/B Forum TLS (Web PKI) key profile (RSA modulus a multiple of 8 bits)"),
    (lambda c: c["id"] == "rfc5280::aki::cross-signed-root-missing-aki",
     "contradicts cve::cve-2024-0567, whose trusted cross-signed root also lacks an "
     "authority key identifier; pqx requires none of a trust anchor"),
    (lambda c: c["id"].startswith("webpki::aki::"),
     "CA/B Forum TLS (Web PKI) profile rule for root certificates' key identifiers"),
    (lambda c: c["id"] in ("rfc5280::ca-as-leaf", "rfc5280::nc::permitted-dns-match-noncritical"),
     "conflicting expectations between limbo's RFC 5280 and Web PKI cases; pqx follows "
     "the Web PKI side (webpki::ca-as-leaf: a CA issued by another is no signer; "
     "webpki::nc::permitted-dns-match-noncritical: non-critical name constraints are "
     "applied, as Windows does)"),
]

KEEP = ["id", "features", "validation_kind", "trusted_certs", "untrusted_intermediates",
        "peer_certificate", "validation_time", "extended_key_usage", "expected_result",
        "max_chain_depth"]


def main() -> None:
    limbo = json.load(open(sys.argv[1]))
    run, skipped = [], []
    for case in limbo["testcases"]:
        reason = next((r for pred, r in SKIP_RULES if pred(case)), None)
        if reason:
            skipped.append({"id": case["id"], "expected_result": case["expected_result"],
                            "reason": reason})
        else:
            run.append({k: case.get(k) for k in KEEP})
    out = {"source": "https://github.com/C2SP/x509-limbo", "commit": sys.argv[2],
           "licence": "Apache-2.0 (see LICENSE in this directory)",
           "testcases": run, "skipped": skipped}
    json.dump(out, sys.stdout, indent=1)
    print()


main()
