/*
 * pqx C example: pack a connector, sign it, verify it and print the report.
 *
 *   example CONNECTOR.mez SIGNER.pfx PASSWORD OUT.pqx [TRUSTED-ROOT.pem]
 *
 * Packs CONNECTOR.mez into an OPC package, signs it with the key and chain in SIGNER.pfx
 * (countersigning if it were already signed), writes OUT.pqx atomically, then re-opens
 * OUT.pqx from disk, verifies it (trusting TRUSTED-ROOT.pem when given) and prints the
 * MakePQX-style JSON report and a one-line verdict. Exit status: 0 when the package verified,
 * 1 when it did not, 2 on an error.
 *
 * Build (from the repository root, after `cargo build -p pqx-ffi`):
 *   gcc -Iinclude bindings/c/example.c -Ltarget/debug -lpqx -Wl,-rpath,$PWD/target/debug -o example
 */
#include <stdio.h>
#include <string.h>

#include "pqx.h"

/* Prints a failed call's status and message; returns 2 so callers can `return fail(...)`. */
static int fail(const char *what, pqx_status status) {
    fprintf(stderr, "%s failed: %s (%d): %s\n", what, pqx_status_name(status), (int)status,
            pqx_last_error_message());
    return 2;
}

static int run(const char *mez, const char *pfx, const char *password, const char *out,
               const char *root) {
    pqx_package *unsigned_pkg = NULL, *signed_pkg = NULL;
    pqx_signer *signer = NULL;
    pqx_trust_policy *policy = NULL;
    pqx_report *report = NULL;
    char *json = NULL, *thumbprint = NULL;
    int rc = 2;
    pqx_status s;

    if ((s = pqx_package_pack_path(mez, &unsigned_pkg)) != PQX_OK) { rc = fail("pack", s); goto done; }
    if ((s = pqx_signer_load_pkcs12_path(pfx, password, &signer)) != PQX_OK) { rc = fail("load key", s); goto done; }
    if ((s = pqx_signer_thumbprint(signer, &thumbprint)) != PQX_OK) { rc = fail("thumbprint", s); goto done; }
    fprintf(stderr, "signing with certificate %s\n", thumbprint);
    if ((s = pqx_sign_to_path(unsigned_pkg, signer, PQX_SIGN_AUTO, PQX_DIGEST_SHA256, out)) != PQX_OK) { rc = fail("sign", s); goto done; }

    if ((s = pqx_package_open_path(out, &signed_pkg)) != PQX_OK) { rc = fail("open", s); goto done; }
    if ((s = pqx_trust_policy_new(&policy)) != PQX_OK) { rc = fail("trust policy", s); goto done; }
    if (root && (s = pqx_trust_policy_add_anchors_path(policy, root)) != PQX_OK) { rc = fail("trust anchor", s); goto done; }
    if ((s = pqx_verify(signed_pkg, policy, &report)) != PQX_OK) { rc = fail("verify", s); goto done; }
    if ((s = pqx_report_to_json(report, &json)) != PQX_OK) { rc = fail("report", s); goto done; }
    printf("%s\n", json);

    s = pqx_report_check(report);
    if (s == PQX_OK) {
        printf("%s: signature verified\n", out);
        rc = 0;
    } else {
        printf("%s: NOT verified: %s\n", out, pqx_last_error_message());
        rc = 1;
    }

done:
    pqx_string_free(json);
    pqx_string_free(thumbprint);
    pqx_report_free(report);
    pqx_trust_policy_free(policy);
    pqx_package_free(signed_pkg);
    pqx_signer_free(signer);
    pqx_package_free(unsigned_pkg);
    return rc;
}

int main(int argc, char **argv) {
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: %s CONNECTOR.mez SIGNER.pfx PASSWORD OUT.pqx [TRUSTED-ROOT.pem]\n"
                        "(pqx %s)\n", argv[0], pqx_version());
        return 2;
    }
    return run(argv[1], argv[2], argv[3], argv[4], argc == 6 ? argv[5] : NULL);
}
