/* Sign a .pqx with a .pfx and print the verification report (MakePQX's JSON). */
#include <stdio.h>
#include "pqx.h"

int main(int argc, char **argv) { /* example_short IN.pqx KEY.pfx PASSWORD OUT.pqx */
    pqx_package *pkg = NULL, *signed_pkg = NULL; pqx_signer *signer = NULL; pqx_report *report = NULL; char *json = NULL;
    pqx_status s = argc == 5 ? pqx_package_open_path(argv[1], &pkg) : PQX_INVALID_ARGUMENT;
    if (!s) s = pqx_signer_load_pkcs12_path(argv[2], argv[3], &signer);
    if (!s) s = pqx_sign(pkg, signer, PQX_SIGN_AUTO, PQX_DIGEST_SHA256, &signed_pkg);
    if (!s) s = pqx_package_write_path(signed_pkg, argv[4]);
    if (!s) s = pqx_verify(signed_pkg, NULL, &report);
    if (!s) s = pqx_report_to_json(report, &json);
    if (s) fprintf(stderr, "%s: %s\n", pqx_status_name(s), pqx_last_error_message()); else puts(json);
    pqx_string_free(json); pqx_report_free(report); pqx_package_free(signed_pkg); pqx_signer_free(signer); pqx_package_free(pkg);
    return s != PQX_OK;
}
