/*
 * C test suite for the pqx C ABI (include/pqx.h), run under valgrind by
 * bindings/run_ffi_tests.sh:
 *
 *   test_pqx FIXTURE_DIR
 *
 * FIXTURE_DIR holds throwaway material made at test time (see run_ffi_tests.sh):
 * connector.mez, signer.pfx / signer-legacy.pfx (password "pqx-test-password"), noeku.pfx
 * (a leaf without the code-signing EKU), leaf.key + chain.pem, root.pem / root.der /
 * root.sha1 (its thumbprint per openssl), leaf.der / noeku.der / ec.der (certificates in DER, for
 * pqx_signer_from_callback) and tampered.pqx (signed, then a part changed). The callback
 * tests sign with `openssl pkeyutl` (on PATH) and leave callback-signed.pqx for the
 * independent verifier.
 *
 * Every test frees everything it allocated on its success path, so valgrind's leak check
 * covers the error paths too. Prints "N passed, M failed" and exits non-zero on a failure.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pqx.h"

#ifndef EXPECTED_VERSION
#error "compile with -DEXPECTED_VERSION='\"x.y.z\"' (the crate version)"
#endif

#define PASSWORD "pqx-test-password"

static const char *fixtures;
static char path_buf[8][4096];
static int path_next;

/* FIXTURE_DIR/name (a few rotating static buffers). */
static const char *fx(const char *name) {
    char *p = path_buf[path_next++ % 8];
    snprintf(p, sizeof path_buf[0], "%s/%s", fixtures, name);
    return p;
}

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "    %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            return 0;                                                                   \
        }                                                                               \
    } while (0)

#define CHECK_STATUS(expr, expected)                                                     \
    do {                                                                                 \
        pqx_status got_ = (expr);                                                        \
        if (got_ != (expected)) {                                                        \
            fprintf(stderr, "    %s:%d: %s gave %s (%d), expected %s: %s\n", __FILE__,     \
                    __LINE__, #expr, pqx_status_name(got_), (int)got_, #expected,        \
                    pqx_last_error_message());                                           \
            return 0;                                                                    \
        }                                                                                \
    } while (0)

#define OK(expr) CHECK_STATUS(expr, PQX_OK)

static int contains(const char *haystack, const char *needle) {
    return haystack && needle && strstr(haystack, needle) != NULL;
}

static int is_upper_hex(const char *s, size_t len) {
    if (!s || strlen(s) != len) return 0;
    for (size_t i = 0; i < len; i++)
        if (!isxdigit((unsigned char)s[i]) || islower((unsigned char)s[i])) return 0;
    return 1;
}

/* Reads a whole file into a malloc'd buffer (the caller frees). */
static unsigned char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc(n > 0 ? (size_t)n : 1);
    if (data && fread(data, 1, (size_t)n, f) != (size_t)n) { free(data); data = NULL; }
    fclose(f);
    if (data) *len = (size_t)n;
    return data;
}

/* Opens the fixture connector as an unsigned package and loads the default signer. */
static int setup(pqx_package **pkg, pqx_signer **signer) {
    OK(pqx_package_pack_path(fx("connector.mez"), pkg));
    OK(pqx_signer_load_pkcs12_path(fx("signer.pfx"), PASSWORD, signer));
    return 1;
}

/* ---- tests ---------------------------------------------------------------------------- */

static int test_version_and_names(void) {
    CHECK(strcmp(pqx_version(), EXPECTED_VERSION) == 0);
    CHECK(strcmp(pqx_status_name(PQX_OK), "ok") == 0);
    CHECK(strcmp(pqx_status_name(PQX_WRONG_PASSWORD), "wrong-password") == 0);
    CHECK(strcmp(pqx_status_name(PQX_NULL_ARGUMENT), "null-argument") == 0);
    CHECK(strcmp(pqx_status_name(-7), "unknown-status") == 0);
    /* stable numbers shared with pqx-core's ErrorKind */
    CHECK(PQX_IO == 10 && PQX_WRONG_PASSWORD == 19 && PQX_LIMIT_EXCEEDED == 23);
    CHECK(strcmp(pqx_signature_status_name(PQX_SIGNATURE_INVALID_SIGNATURE), "InvalidSignature") == 0);
    CHECK(strcmp(pqx_signature_status_name(1234), "Unknown") == 0);
    return 1;
}

static int test_null_arguments(void) {
    pqx_package *pkg = (pqx_package *)0x1; /* sentinels: must stay untouched on failure */
    pqx_signer *signer = (pqx_signer *)0x1;
    pqx_report *report = (pqx_report *)0x1;
    char *s = (char *)0x1;
    size_t n = 77;
    pqx_buffer buf = {(uint8_t *)0x1, 5};

    CHECK_STATUS(pqx_package_open_path(NULL, &pkg), PQX_NULL_ARGUMENT);
    CHECK(contains(pqx_last_error_message(), "path"));
    CHECK_STATUS(pqx_package_open_path(fx("connector.mez"), NULL), PQX_NULL_ARGUMENT);
    CHECK_STATUS(pqx_package_open_buffer(NULL, 10, &pkg), PQX_NULL_ARGUMENT);
    CHECK_STATUS(pqx_package_pack_buffer(NULL, 3, &pkg), PQX_NULL_ARGUMENT);
    CHECK_STATUS(pqx_signer_load_pkcs12_path(fx("signer.pfx"), NULL, &signer), PQX_NULL_ARGUMENT);
    CHECK(contains(pqx_last_error_message(), "password"));
    CHECK_STATUS(pqx_sign(NULL, NULL, PQX_SIGN_AUTO, PQX_DIGEST_SHA256, &pkg), PQX_NULL_ARGUMENT);
    CHECK_STATUS(pqx_sign_to_buffer(NULL, NULL, PQX_SIGN_AUTO, PQX_DIGEST_SHA256, &buf), PQX_NULL_ARGUMENT);
    CHECK_STATUS(pqx_sign_to_path(NULL, NULL, PQX_SIGN_AUTO, PQX_DIGEST_SHA256, "x.pqx"), PQX_NULL_ARGUMENT);
    CHECK_STATUS(pqx_verify(NULL, NULL, &report), PQX_NULL_ARGUMENT);
    CHECK_STATUS(pqx_report_to_json(NULL, &s), PQX_NULL_ARGUMENT);
    CHECK_STATUS(pqx_report_check(NULL), PQX_NULL_ARGUMENT);
    CHECK_STATUS(pqx_report_certificate_count(NULL, &n), PQX_NULL_ARGUMENT);
    CHECK_STATUS(pqx_package_entry_count(NULL, &n), PQX_NULL_ARGUMENT);
    CHECK_STATUS(pqx_trust_policy_new(NULL), PQX_NULL_ARGUMENT);
    CHECK_STATUS(pqx_trust_policy_pin_thumbprint(NULL, "00"), PQX_NULL_ARGUMENT);
    CHECK_STATUS(pqx_certificate_thumbprint(NULL, 1, &s), PQX_NULL_ARGUMENT);
    CHECK_STATUS(pqx_sample_mez(NULL), PQX_NULL_ARGUMENT);
    CHECK(pkg == (pqx_package *)0x1 && signer == (pqx_signer *)0x1);
    CHECK(report == (pqx_report *)0x1 && s == (char *)0x1 && n == 77);
    CHECK(buf.data == (uint8_t *)0x1 && buf.len == 5);

    /* freeing NULL is a no-op */
    pqx_package_free(NULL);
    pqx_signer_free(NULL);
    pqx_trust_policy_free(NULL);
    pqx_report_free(NULL);
    pqx_string_free(NULL);
    pqx_buffer_free(NULL);
    return 1;
}

static int test_invalid_utf8_and_enums(void) {
    pqx_package *pkg = NULL, *out = NULL;
    pqx_signer *signer = NULL;
    pqx_buffer buf = {NULL, 0};
    CHECK_STATUS(pqx_package_open_path("bad-\xff\xfe.pqx", &pkg), PQX_INVALID_UTF8);
    CHECK(contains(pqx_last_error_message(), "UTF-8"));
    CHECK_STATUS(pqx_signer_load_pkcs12_path(fx("signer.pfx"), "\xc3\x28", &signer), PQX_INVALID_UTF8);
    CHECK(pkg == NULL && signer == NULL);

    if (!setup(&pkg, &signer)) return 0;
    CHECK_STATUS(pqx_sign(pkg, signer, 42, PQX_DIGEST_SHA256, &out), PQX_INVALID_ENUM);
    CHECK(contains(pqx_last_error_message(), "mode"));
    CHECK_STATUS(pqx_sign_to_buffer(pkg, signer, PQX_SIGN_AUTO, -1, &buf), PQX_INVALID_ENUM);
    CHECK(out == NULL && buf.data == NULL);
    pqx_signer_free(signer);
    pqx_package_free(pkg);
    return 1;
}

static int test_last_error_lifecycle(void) {
    pqx_package *pkg = NULL;
    pqx_trust_policy *policy = NULL;
    CHECK_STATUS(pqx_package_open_path(fx("does-not-exist.pqx"), &pkg), PQX_IO);
    CHECK(contains(pqx_last_error_message(), "does-not-exist.pqx"));
    /* the core's hint: the same words as the pqx command line */
    CHECK(strcmp(pqx_last_error_hint(), "check the path") == 0);
    OK(pqx_trust_policy_new(&policy));
    CHECK(strcmp(pqx_last_error_message(), "") == 0); /* a success clears it */
    CHECK(strcmp(pqx_last_error_hint(), "") == 0);
    pqx_trust_policy_free(policy);
    return 1;
}

static void *fail_in_thread(void *arg) {
    pqx_package *pkg = NULL;
    (void)arg;
    pqx_status s = pqx_package_open_path(NULL, &pkg);
    return (void *)(intptr_t)(s == PQX_NULL_ARGUMENT && contains(pqx_last_error_message(), "path"));
}

static int test_last_error_is_per_thread(void) {
    pqx_trust_policy *policy = NULL;
    pthread_t t;
    void *result = NULL;
    OK(pqx_trust_policy_new(&policy));
    CHECK(pthread_create(&t, NULL, fail_in_thread, NULL) == 0);
    CHECK(pthread_join(t, &result) == 0);
    CHECK(result == (void *)1);
    CHECK(strcmp(pqx_last_error_message(), "") == 0); /* the other thread's error is not ours */
    pqx_trust_policy_free(policy);
    return 1;
}

static int test_sample_pack_inspect(void) {
    pqx_buffer mez = {NULL, 0};
    pqx_package *pkg = NULL;
    size_t count = 0;
    char *name = NULL, *json = NULL;
    int found = 0;
    OK(pqx_sample_mez(&mez));
    CHECK(mez.len > 100 && mez.data[0] == 'P' && mez.data[1] == 'K');
    OK(pqx_package_pack_buffer(mez.data, mez.len, &pkg));
    OK(pqx_package_entry_count(pkg, &count));
    CHECK(count >= 10);
    for (size_t i = 0; i < count; i++) {
        OK(pqx_package_entry_name(pkg, i, &name));
        found |= strcmp(name, "HelloWorld.pq") == 0;
        pqx_string_free(name);
        name = NULL;
    }
    CHECK(found);
    CHECK_STATUS(pqx_package_entry_name(pkg, count, &name), PQX_INDEX_OUT_OF_RANGE);
    CHECK(name == NULL);
    OK(pqx_package_inspect_json(pkg, &json));
    CHECK(contains(json, "\"sectionName\": \"HelloWorld\""));
    pqx_string_free(json);
    OK(pqx_inspect_buffer_json(mez.data, mez.len, &json));
    CHECK(contains(json, "\"format\": \"mez\""));
    pqx_string_free(json);
    pqx_package_free(pkg);
    pqx_buffer_free(&mez);
    CHECK(mez.data == NULL && mez.len == 0);
    pqx_buffer_free(&mez); /* twice is harmless */
    return 1;
}

static int test_open_errors(void) {
    static const unsigned char garbage[] = "this is not a zip archive at all";
    pqx_package *pkg = NULL;
    CHECK_STATUS(pqx_package_open_buffer(garbage, sizeof garbage, &pkg), PQX_ZIP);
    CHECK(strlen(pqx_last_error_message()) > 0);
    CHECK(strcmp(pqx_last_error_hint(), "is it a .mez or .pqx file?") == 0);
    /* a .mez is a ZIP but not an OPC package */
    CHECK_STATUS(pqx_package_open_path(fx("connector.mez"), &pkg), PQX_OPC);
    CHECK_STATUS(pqx_package_pack_buffer(garbage, sizeof garbage, &pkg), PQX_ZIP);
    CHECK(pkg == NULL);
    return 1;
}

static int test_write_and_reopen(void) {
    pqx_package *pkg = NULL, *again = NULL;
    pqx_buffer a = {NULL, 0}, b = {NULL, 0};
    const char *path = fx("written.pqx");
    OK(pqx_package_pack_path(fx("connector.mez"), &pkg));
    OK(pqx_package_write_path(pkg, path));
    OK(pqx_package_open_path(path, &again));
    OK(pqx_package_to_buffer(pkg, &a));
    OK(pqx_package_to_buffer(again, &b));
    CHECK(a.len == b.len && a.len > 0 && memcmp(a.data, b.data, a.len) == 0);
    pqx_buffer_free(&a);
    pqx_buffer_free(&b);
    pqx_package_free(again);
    pqx_package_free(pkg);
    return 1;
}

static int test_load_signers(void) {
    pqx_signer *a = NULL, *b = NULL, *c = NULL;
    char *tp_a = NULL, *tp_b = NULL, *tp_c = NULL, *subject = NULL;
    size_t chain = 0, key_len = 0, chain_len = 0;
    unsigned char *pfx = NULL, *key = NULL, *chain_pem = NULL;
    size_t pfx_len = 0;
    pqx_signer *d = NULL;

    OK(pqx_signer_load_pkcs12_path(fx("signer.pfx"), PASSWORD, &a));
    OK(pqx_signer_load_pkcs12_path(fx("signer-legacy.pfx"), PASSWORD, &b));
    OK(pqx_signer_load_pem_path(fx("leaf.key"), NULL, fx("chain.pem"), &c));
    OK(pqx_signer_thumbprint(a, &tp_a));
    OK(pqx_signer_thumbprint(b, &tp_b));
    OK(pqx_signer_thumbprint(c, &tp_c));
    CHECK(is_upper_hex(tp_a, 40));
    CHECK(strcmp(tp_a, tp_b) == 0 && strcmp(tp_a, tp_c) == 0);
    OK(pqx_signer_subject(a, &subject));
    CHECK(contains(subject, "CN=pqx FFI Test Signer"));
    OK(pqx_signer_chain_length(a, &chain));
    CHECK(chain == 2);

    pfx = read_all(fx("signer.pfx"), &pfx_len);
    key = read_all(fx("leaf.key"), &key_len);
    chain_pem = read_all(fx("chain.pem"), &chain_len);
    CHECK(pfx && key && chain_pem);
    OK(pqx_signer_load_pkcs12_buffer(pfx, pfx_len, PASSWORD, &d));
    pqx_signer_free(d);
    d = NULL;
    OK(pqx_signer_load_pem_buffer(key, key_len, NULL, chain_pem, chain_len, &d));
    pqx_signer_free(d);
    free(pfx);
    free(key);
    free(chain_pem);

    pqx_string_free(subject);
    pqx_string_free(tp_a);
    pqx_string_free(tp_b);
    pqx_string_free(tp_c);
    pqx_signer_free(a);
    pqx_signer_free(b);
    pqx_signer_free(c);
    return 1;
}

static int test_wrong_password(void) {
    pqx_signer *signer = NULL;
    CHECK_STATUS(pqx_signer_load_pkcs12_path(fx("signer.pfx"), "not the password", &signer), PQX_WRONG_PASSWORD);
    CHECK(contains(pqx_last_error_message(), "signer.pfx"));
    CHECK(contains(pqx_last_error_hint(), "password"));
    CHECK_STATUS(pqx_signer_load_pkcs12_path(fx("signer-legacy.pfx"), "", &signer), PQX_WRONG_PASSWORD);
    CHECK(signer == NULL);
    CHECK_STATUS(pqx_signer_load_pkcs12_path(fx("missing.pfx"), PASSWORD, &signer), PQX_IO);
    CHECK_STATUS(pqx_signer_load_pem_path(fx("chain.pem"), NULL, fx("chain.pem"), &signer), PQX_KEY);
    CHECK(signer == NULL);
    return 1;
}

static int test_signing_policy(void) {
    pqx_package *pkg = NULL, *out = NULL;
    pqx_signer *noeku = NULL;
    OK(pqx_package_pack_path(fx("connector.mez"), &pkg));
    OK(pqx_signer_load_pkcs12_path(fx("noeku.pfx"), PASSWORD, &noeku));
    CHECK_STATUS(pqx_sign(pkg, noeku, PQX_SIGN_AUTO, PQX_DIGEST_SHA256, &out), PQX_SIGNING_POLICY);
    CHECK(out == NULL);
    pqx_signer_free(noeku);
    pqx_package_free(pkg);
    return 1;
}

/* Issue 14: the 2018 SDK's unsigned OPC-shaped .mez packs; a signed .pqx given to pack is
 * refused as such; a non-RSA key is named. */
static int test_dropin_inputs(void) {
    pqx_package *pkg = NULL, *signed_pkg = NULL, *repacked = NULL;
    pqx_signer *signer = NULL;
    pqx_buffer bytes = {NULL, 0};
    size_t count = 0;
    OK(pqx_package_pack_path(fx("opc-shaped.mez"), &pkg));
    OK(pqx_package_entry_count(pkg, &count));
    char *name = NULL;
    CHECK(count == 1); /* the SDK's [Content_Types].xml is not a connector file */
    OK(pqx_package_entry_name(pkg, 0, &name));
    CHECK(strcmp(name, "Connector.m") == 0);
    pqx_string_free(name);
    OK(pqx_signer_load_pkcs12_path(fx("signer.pfx"), PASSWORD, &signer));
    OK(pqx_sign(pkg, signer, PQX_SIGN_AUTO, PQX_DIGEST_SHA256, &signed_pkg));
    OK(pqx_package_to_buffer(signed_pkg, &bytes));
    CHECK_STATUS(pqx_package_pack_buffer(bytes.data, bytes.len, &repacked), PQX_MEZ);
    CHECK(contains(pqx_last_error_message(), "is a signed .pqx package, not a .mez"));
    CHECK(repacked == NULL);
    pqx_buffer_free(&bytes);
    pqx_package_free(signed_pkg);
    pqx_signer_free(signer);
    pqx_package_free(pkg);
    signer = NULL;
    CHECK_STATUS(pqx_signer_load_pkcs12_path(fx("ec.pfx"), PASSWORD, &signer), PQX_SIGNING_POLICY);
    CHECK(contains(pqx_last_error_message(), "ec.pfx holds an ECDSA P-256 key"));
    CHECK(signer == NULL);
    return 1;
}

static int test_unsigned_package(void) {
    pqx_package *pkg = NULL;
    pqx_report *report = NULL;
    pqx_signature_status st = PQX_SIGNATURE_SUCCESS;
    size_t n = 9;
    bool valid = true;
    OK(pqx_package_pack_path(fx("connector.mez"), &pkg));
    OK(pqx_verify(pkg, NULL, &report));
    OK(pqx_report_signature_status(report, &st));
    CHECK(st == PQX_SIGNATURE_NOT_SIGNED);
    OK(pqx_report_is_valid(report, &valid));
    CHECK(!valid);
    OK(pqx_report_signature_count(report, &n));
    CHECK(n == 0);
    CHECK_STATUS(pqx_report_check(report), PQX_SIGNATURE_INVALID);
    CHECK(contains(pqx_last_error_message(), "NotSigned"));
    pqx_report_free(report);
    pqx_package_free(pkg);
    return 1;
}

static int test_sign_verify_untrusted(void) {
    pqx_package *pkg = NULL, *signed_pkg = NULL;
    pqx_signer *signer = NULL;
    pqx_report *report = NULL;
    pqx_signature_status st = PQX_SIGNATURE_UNKNOWN;
    bool valid = false, trusted = true, cert_valid = true, counter = true;
    size_t sigs = 0, certs = 0;
    ptrdiff_t parent = 0;
    char *json = NULL, *text = NULL, *tp = NULL, *signer_tp = NULL, *status = NULL, *reason = (char *)0x1;

    if (!setup(&pkg, &signer)) return 0;
    OK(pqx_sign(pkg, signer, PQX_SIGN_AUTO, PQX_DIGEST_SHA256, &signed_pkg));
    OK(pqx_verify(signed_pkg, NULL, &report));
    OK(pqx_report_signature_status(report, &st));
    CHECK(st == PQX_SIGNATURE_SUCCESS);
    OK(pqx_report_is_valid(report, &valid));
    OK(pqx_report_is_trusted(report, &trusted));
    CHECK(valid && !trusted); /* no trust anchors: verified but untrusted */
    OK(pqx_report_check(report));
    OK(pqx_report_signature_count(report, &sigs));
    CHECK(sigs == 1);
    OK(pqx_report_signature_is_countersignature(report, 0, &counter));
    CHECK(!counter);
    OK(pqx_report_signature_reason(report, 0, &reason));
    CHECK(reason == NULL);
    OK(pqx_report_signature_thumbprint(report, 0, &tp));
    OK(pqx_signer_thumbprint(signer, &signer_tp));
    CHECK(strcmp(tp, signer_tp) == 0);

    OK(pqx_report_certificate_count(report, &certs));
    CHECK(certs == 2); /* leaf, then its root as Parent */
    OK(pqx_report_certificate_parent(report, 0, &parent));
    CHECK(parent == 1);
    OK(pqx_report_certificate_parent(report, 1, &parent));
    CHECK(parent == -1);
    OK(pqx_report_certificate_is_valid(report, 0, &cert_valid));
    CHECK(!cert_valid);
    OK(pqx_report_certificate_status(report, 1, &status));
    CHECK(contains(status, "UntrustedRoot"));
    CHECK_STATUS(pqx_report_certificate_status(report, 2, &text), PQX_INDEX_OUT_OF_RANGE);
    CHECK_STATUS(pqx_report_signature_status_at(report, 1, &st), PQX_INDEX_OUT_OF_RANGE);

    OK(pqx_report_to_json(report, &json));
    CHECK(contains(json, "\"SignatureStatus\": \"Success\""));
    CHECK(contains(json, "\"CertificateStatus\""));
    CHECK(contains(json, signer_tp));
    OK(pqx_report_to_text(report, &text));
    CHECK(contains(text, "Signature status: Success"));

    pqx_string_free(json);
    pqx_string_free(text);
    pqx_string_free(tp);
    pqx_string_free(signer_tp);
    pqx_string_free(status);
    pqx_report_free(report);
    pqx_package_free(signed_pkg);
    pqx_signer_free(signer);
    pqx_package_free(pkg);
    return 1;
}

static int test_trust_policies(void) {
    pqx_package *pkg = NULL, *signed_pkg = NULL;
    pqx_signer *signer = NULL;
    pqx_trust_policy *anchored = NULL, *pinned = NULL, *distrusted = NULL;
    pqx_report *report = NULL;
    bool trusted = false, valid = false;
    char *status = NULL, *subject = NULL, *issuer = NULL, *nb = NULL, *na = NULL, *root_tp = NULL;
    unsigned char *root_der = NULL;
    size_t root_der_len = 0, sha1_len = 0;
    unsigned char *sha1 = read_all(fx("root.sha1"), &sha1_len);
    CHECK(sha1 && sha1_len >= 40);
    sha1[40] = '\0';

    if (!setup(&pkg, &signer)) return 0;
    OK(pqx_sign(pkg, signer, PQX_SIGN_AUTO, PQX_DIGEST_SHA384, &signed_pkg));

    OK(pqx_trust_policy_new(&anchored));
    OK(pqx_trust_policy_add_anchors_path(anchored, fx("root.pem")));
    OK(pqx_verify(signed_pkg, anchored, &report));
    OK(pqx_report_is_trusted(report, &trusted));
    CHECK(trusted);
    OK(pqx_report_certificate_is_valid(report, 0, &valid));
    CHECK(valid);
    OK(pqx_report_certificate_status(report, 0, &status));
    CHECK(strcmp(status, "NoError") == 0);
    OK(pqx_report_certificate_subject(report, 1, &subject));
    OK(pqx_report_certificate_issuer(report, 0, &issuer));
    CHECK(contains(subject, "CN=pqx FFI Test Root") && strcmp(subject, issuer) == 0);
    OK(pqx_report_certificate_not_before(report, 0, &nb));
    OK(pqx_report_certificate_not_after(report, 0, &na));
    CHECK(strlen(nb) >= 19 && strlen(na) >= 19 && strcmp(nb, na) < 0);
    OK(pqx_report_certificate_thumbprint(report, 1, &root_tp));
    CHECK(strcmp(root_tp, (char *)sha1) == 0);
    pqx_report_free(report);
    report = NULL;

    /* pinning the root's thumbprint (as Power BI's TrustedCertificateThumbprints) trusts it */
    OK(pqx_trust_policy_new(&pinned));
    OK(pqx_trust_policy_pin_thumbprint(pinned, (char *)sha1));
    OK(pqx_verify(signed_pkg, pinned, &report));
    OK(pqx_report_is_trusted(report, &trusted));
    CHECK(trusted);
    pqx_report_free(report);
    report = NULL;

    /* an anchor that is also explicitly distrusted is not trusted */
    root_der = read_all(fx("root.der"), &root_der_len);
    CHECK(root_der);
    OK(pqx_trust_policy_new(&distrusted));
    OK(pqx_trust_policy_add_anchors(distrusted, root_der, root_der_len));
    OK(pqx_trust_policy_distrust_thumbprint(distrusted, (char *)sha1));
    OK(pqx_verify(signed_pkg, distrusted, &report));
    OK(pqx_report_is_trusted(report, &trusted));
    CHECK(!trusted);
    pqx_string_free(status);
    status = NULL;
    OK(pqx_report_certificate_status(report, 1, &status));
    CHECK(contains(status, "ExplicitDistrust"));
    CHECK_STATUS(pqx_trust_policy_pin_thumbprint(pinned, "not hex"), PQX_INVALID_ARGUMENT);
    CHECK_STATUS(pqx_trust_policy_add_anchors(pinned, (const uint8_t *)"junk", 4), PQX_CERTIFICATE);

    free(root_der);
    free(sha1);
    pqx_string_free(status);
    pqx_string_free(subject);
    pqx_string_free(issuer);
    pqx_string_free(nb);
    pqx_string_free(na);
    pqx_string_free(root_tp);
    pqx_report_free(report);
    pqx_trust_policy_free(anchored);
    pqx_trust_policy_free(pinned);
    pqx_trust_policy_free(distrusted);
    pqx_package_free(signed_pkg);
    pqx_signer_free(signer);
    pqx_package_free(pkg);
    return 1;
}

static int test_countersign_and_replace(void) {
    pqx_package *pkg = NULL, *once = NULL, *twice = NULL, *replaced = NULL;
    pqx_signer *signer = NULL, *legacy = NULL;
    pqx_report *report = NULL;
    size_t n = 0;
    bool counter = false;
    pqx_signature_status st = PQX_SIGNATURE_UNKNOWN;

    if (!setup(&pkg, &signer)) return 0;
    OK(pqx_signer_load_pkcs12_path(fx("signer-legacy.pfx"), PASSWORD, &legacy));
    OK(pqx_sign(pkg, signer, PQX_SIGN_AUTO, PQX_DIGEST_SHA256, &once));
    OK(pqx_sign(once, legacy, PQX_SIGN_AUTO, PQX_DIGEST_SHA512, &twice)); /* countersign */
    OK(pqx_verify(twice, NULL, &report));
    OK(pqx_report_signature_count(report, &n));
    CHECK(n == 2);
    OK(pqx_report_signature_status(report, &st));
    CHECK(st == PQX_SIGNATURE_SUCCESS);
    OK(pqx_report_signature_is_countersignature(report, 1, &counter));
    if (!counter) OK(pqx_report_signature_is_countersignature(report, 0, &counter));
    CHECK(counter);
    pqx_report_free(report);
    report = NULL;

    OK(pqx_sign(twice, signer, PQX_SIGN_REPLACE, PQX_DIGEST_SHA256, &replaced));
    OK(pqx_verify(replaced, NULL, &report));
    OK(pqx_report_signature_count(report, &n));
    CHECK(n == 1);
    OK(pqx_report_check(report));

    pqx_report_free(report);
    pqx_package_free(replaced);
    pqx_package_free(twice);
    pqx_package_free(once);
    pqx_signer_free(legacy);
    pqx_signer_free(signer);
    pqx_package_free(pkg);
    return 1;
}

static int test_sign_to_buffer_and_path(void) {
    pqx_package *pkg = NULL, *from_buf = NULL, *from_file = NULL;
    pqx_signer *signer = NULL;
    pqx_buffer buf = {NULL, 0};
    pqx_report *r1 = NULL, *r2 = NULL;
    const char *path = fx("signed-to-path.pqx");

    if (!setup(&pkg, &signer)) return 0;
    OK(pqx_sign_to_buffer(pkg, signer, PQX_SIGN_AUTO, PQX_DIGEST_SHA256, &buf));
    CHECK(buf.len > 0 && buf.data[0] == 'P');
    OK(pqx_package_open_buffer(buf.data, buf.len, &from_buf));
    pqx_buffer_free(&buf); /* the package holds its own copy */
    OK(pqx_sign_to_path(pkg, signer, PQX_SIGN_AUTO, PQX_DIGEST_SHA256, path));
    OK(pqx_package_open_path(path, &from_file));
    OK(pqx_verify(from_buf, NULL, &r1));
    OK(pqx_verify(from_file, NULL, &r2));
    OK(pqx_report_check(r1));
    OK(pqx_report_check(r2));
    /* a path in a missing folder: I/O error, nothing written */
    CHECK_STATUS(pqx_sign_to_path(pkg, signer, PQX_SIGN_AUTO, PQX_DIGEST_SHA256, fx("no/such/dir/x.pqx")), PQX_IO);

    pqx_report_free(r1);
    pqx_report_free(r2);
    pqx_package_free(from_buf);
    pqx_package_free(from_file);
    pqx_signer_free(signer);
    pqx_package_free(pkg);
    return 1;
}

static int test_tampered_file(void) {
    pqx_package *pkg = NULL;
    pqx_report *report = NULL;
    pqx_signature_status st = PQX_SIGNATURE_SUCCESS;
    bool valid = true;
    char *reason = NULL, *json = NULL;
    OK(pqx_package_open_path(fx("tampered.pqx"), &pkg));
    OK(pqx_verify(pkg, NULL, &report)); /* verification ran; the verdict is in the report */
    OK(pqx_report_signature_status(report, &st));
    CHECK(st == PQX_SIGNATURE_INVALID_SIGNATURE);
    OK(pqx_report_is_valid(report, &valid));
    CHECK(!valid);
    OK(pqx_report_signature_reason(report, 0, &reason));
    CHECK(contains(reason, "Connector.pq"));
    CHECK_STATUS(pqx_report_check(report), PQX_SIGNATURE_INVALID);
    CHECK(contains(pqx_last_error_message(), "InvalidSignature"));
    OK(pqx_report_to_json(report, &json));
    CHECK(contains(json, "\"SignatureStatus\": \"InvalidSignature\""));
    pqx_string_free(json);
    pqx_string_free(reason);
    pqx_report_free(report);
    pqx_package_free(pkg);
    return 1;
}

static int test_certificate_thumbprints(void) {
    unsigned char *pem = NULL, *der = NULL, *sha1 = NULL;
    size_t pem_len = 0, der_len = 0, sha1_len = 0;
    char *a = NULL, *b = NULL, *c = NULL;
    pem = read_all(fx("root.pem"), &pem_len);
    der = read_all(fx("root.der"), &der_len);
    sha1 = read_all(fx("root.sha1"), &sha1_len);
    CHECK(pem && der && sha1 && sha1_len >= 40);
    OK(pqx_certificate_thumbprint(pem, pem_len, &a));
    OK(pqx_certificate_thumbprint(der, der_len, &b));
    OK(pqx_certificate_thumbprint_sha256(der, der_len, &c));
    CHECK(strncmp(a, (char *)sha1, 40) == 0 && strcmp(a, b) == 0);
    CHECK(is_upper_hex(c, 64));
    CHECK_STATUS(pqx_certificate_thumbprint((const uint8_t *)"nope", 4, &a), PQX_CERTIFICATE);
    pqx_string_free(a);
    pqx_string_free(b);
    pqx_string_free(c);
    free(pem);
    free(der);
    free(sha1);
    return 1;
}

/* A chain file that lists the root first gives the signer's thumbprint (openssl's), as
 * `pqx thumbprint` does: Power BI trusts a connector by its signer's thumbprint. */
static int test_certificate_thumbprint_of_a_chain_is_the_signers(void) {
    unsigned char *chain = NULL, *der = NULL, *sha1 = NULL;
    size_t chain_len = 0, der_len = 0, sha1_len = 0;
    char *a = NULL, *b = NULL, *c = NULL;
    chain = read_all(fx("root-first.pem"), &chain_len);
    der = read_all(fx("leaf.der"), &der_len);
    sha1 = read_all(fx("leaf.sha1"), &sha1_len);
    CHECK(chain && der && sha1 && sha1_len >= 40);
    OK(pqx_certificate_thumbprint(chain, chain_len, &a));
    OK(pqx_certificate_thumbprint_sha256(chain, chain_len, &b));
    OK(pqx_certificate_thumbprint_sha256(der, der_len, &c));
    CHECK(strncmp(a, (char *)sha1, 40) == 0 && strcmp(b, c) == 0);
    pqx_string_free(a);
    pqx_string_free(b);
    pqx_string_free(c);
    free(chain);
    free(der);
    free(sha1);
    return 1;
}

/* ---- signing through a callback (pqx_signer_from_callback) ----------------------------- */

/* What the test callbacks do; passed as user_data. */
enum cb_mode { CB_OPENSSL, CB_FAIL, CB_GARBAGE };
struct cb_state {
    enum cb_mode mode;
    int calls;
    int last_algorithm;
    size_t last_digest_len;
};

/* Signs the digest as a KMS or token would, outside pqx: `openssl pkeyutl -sign` with the
 * leaf key (PKCS#1 v1.5 over DigestInfo(algorithm, digest)), through files. */
static int openssl_sign(int algorithm, const uint8_t *digest, size_t digest_len,
                        uint8_t *signature, size_t *signature_len) {
    static const char *const NAMES[] = {"sha256", "sha384", "sha512", "sha1"};
    char in[4096], out[4096], cmd[3 * 4096];
    if (algorithm < 0 || algorithm > 3) return 3;
    snprintf(in, sizeof in, "%s", fx("cb-digest.bin"));
    snprintf(out, sizeof out, "%s", fx("cb-signature.bin"));
    FILE *f = fopen(in, "wb");
    if (!f) return 4;
    size_t written = fwrite(digest, 1, digest_len, f);
    if (fclose(f) != 0 || written != digest_len) return 4;
    snprintf(cmd, sizeof cmd, "openssl pkeyutl -sign -inkey '%s' -pkeyopt digest:%s -in '%s' -out '%s'",
             fx("leaf.key"), NAMES[algorithm], in, out);
    if (system(cmd) != 0) return 5;
    size_t len = 0;
    unsigned char *sig = read_all(out, &len);
    if (!sig) return 6;
    int rc = 0;
    if (len > *signature_len) rc = 8; /* a bigger key than the certificate says */
    else {
        memcpy(signature, sig, len);
        *signature_len = len;
    }
    free(sig);
    return rc;
}

static int32_t test_callback(void *user_data, int32_t algorithm, const uint8_t *digest,
                             size_t digest_len, uint8_t *signature, size_t *signature_len) {
    struct cb_state *st = user_data;
    st->calls++;
    st->last_algorithm = algorithm;
    st->last_digest_len = digest_len;
    switch (st->mode) {
    case CB_OPENSSL:
        return openssl_sign(algorithm, digest, digest_len, signature, signature_len);
    case CB_FAIL:
        return 7; /* e.g. "token removed" in the host's own numbering */
    case CB_GARBAGE:
        memset(signature, 0x42, *signature_len);
        return 0;
    }
    return 1;
}

/* A callback signer over the DER fixture `leaf_der` and root.der (signer first); `status`
 * gets pqx_signer_from_callback's result. Returns 0 if a fixture cannot be read. */
static int callback_signer(const char *leaf_der, struct cb_state *st, uint32_t key_bits,
                           pqx_signer **out, pqx_status *status) {
    size_t leaf_len = 0, root_len = 0;
    unsigned char *leaf = read_all(fx(leaf_der), &leaf_len);
    unsigned char *root = read_all(fx("root.der"), &root_len);
    const uint8_t *ders[2] = {leaf, root};
    const size_t lens[2] = {leaf_len, root_len};
    int ok = leaf && root;
    if (ok) *status = pqx_signer_from_callback(ders, lens, 2, key_bits, test_callback, st, out);
    free(leaf);
    free(root);
    return ok;
}

/* A test that cannot run here returns SKIP (with its reason printed) rather than passing. */
#define SKIP (-1)

static int test_callback_signer_signs_with_openssl(void) {
#ifdef _WIN32
    /* Under wine, system() runs cmd.exe, which cannot start the Linux openssl: the callback
     * path itself is covered by the other callback tests here and by this one on Linux. */
    printf("  skipped: needs openssl through system(), which the Windows build under wine lacks\n");
    return SKIP;
#endif
    struct cb_state st = {CB_OPENSSL, 0, -1, 0};
    pqx_signer *signer = NULL, *loaded = NULL;
    pqx_package *pkg = NULL, *signed_pkg = NULL, *twice = NULL;
    pqx_report *report = NULL;
    pqx_status status = PQX_PANIC;
    char *tp_cb = NULL, *tp_loaded = NULL, *report_tp = NULL;
    size_t chain = 0, count = 0;

    CHECK(callback_signer("leaf.der", &st, 0, &signer, &status));
    OK(status);
    CHECK(st.calls == 0); /* nothing is signed until a sign function runs */
    OK(pqx_signer_thumbprint(signer, &tp_cb));
    OK(pqx_signer_load_pkcs12_path(fx("signer.pfx"), PASSWORD, &loaded));
    OK(pqx_signer_thumbprint(loaded, &tp_loaded));
    CHECK(strcmp(tp_cb, tp_loaded) == 0);
    OK(pqx_signer_chain_length(signer, &chain));
    CHECK(chain == 2);

    OK(pqx_package_pack_path(fx("connector.mez"), &pkg));
    OK(pqx_sign_to_path(pkg, signer, PQX_SIGN_AUTO, PQX_DIGEST_SHA256, fx("callback-signed.pqx")));
    CHECK(st.calls == 1 && st.last_algorithm == PQX_DIGEST_SHA256 && st.last_digest_len == 32);
    /* and with SHA-384, countersigning the file just written */
    OK(pqx_package_open_path(fx("callback-signed.pqx"), &signed_pkg));
    OK(pqx_sign(signed_pkg, signer, PQX_SIGN_AUTO, PQX_DIGEST_SHA384, &twice));
    CHECK(st.calls == 2 && st.last_algorithm == PQX_DIGEST_SHA384 && st.last_digest_len == 48);

    OK(pqx_verify(twice, NULL, &report));
    OK(pqx_report_check(report));
    OK(pqx_report_signature_count(report, &count));
    CHECK(count == 2);
    OK(pqx_report_signature_thumbprint(report, 0, &report_tp));
    CHECK(strcmp(report_tp, tp_loaded) == 0);

    pqx_string_free(report_tp);
    pqx_string_free(tp_cb);
    pqx_string_free(tp_loaded);
    pqx_report_free(report);
    pqx_package_free(twice);
    pqx_package_free(signed_pkg);
    pqx_package_free(pkg);
    pqx_signer_free(loaded);
    pqx_signer_free(signer);
    return 1;
}

static int test_callback_failure_is_reported_with_its_code(void) {
    struct cb_state st = {CB_FAIL, 0, -1, 0};
    pqx_signer *signer = NULL;
    pqx_package *pkg = NULL, *out = (pqx_package *)0x1;
    pqx_status status = PQX_PANIC;
    FILE *f;

    CHECK(callback_signer("leaf.der", &st, 2048, &signer, &status));
    OK(status);
    OK(pqx_package_pack_path(fx("connector.mez"), &pkg));
    CHECK_STATUS(pqx_sign(pkg, signer, PQX_SIGN_AUTO, PQX_DIGEST_SHA256, &out), PQX_KEY);
    CHECK(contains(pqx_last_error_message(), "signing callback failed (it returned 7)"));
    CHECK(out == (pqx_package *)0x1);
    remove(fx("callback-failed.pqx"));
    CHECK_STATUS(pqx_sign_to_path(pkg, signer, PQX_SIGN_AUTO, PQX_DIGEST_SHA256, fx("callback-failed.pqx")),
                 PQX_KEY);
    f = fopen(fx("callback-failed.pqx"), "rb");
    CHECK(f == NULL); /* nothing written */
    CHECK(st.calls == 2);
    pqx_package_free(pkg);
    pqx_signer_free(signer);
    return 1;
}

static int test_callback_garbage_is_refused_before_writing(void) {
    struct cb_state st = {CB_GARBAGE, 0, -1, 0};
    pqx_signer *signer = NULL;
    pqx_package *pkg = NULL;
    pqx_status status = PQX_PANIC;
    FILE *f;

    CHECK(callback_signer("leaf.der", &st, 0, &signer, &status));
    OK(status);
    OK(pqx_package_pack_path(fx("connector.mez"), &pkg));
    remove(fx("callback-garbage.pqx"));
    CHECK_STATUS(pqx_sign_to_path(pkg, signer, PQX_SIGN_AUTO, PQX_DIGEST_SHA256, fx("callback-garbage.pqx")),
                 PQX_KEY);
    CHECK(contains(pqx_last_error_message(), "does not verify with the certificate"));
    f = fopen(fx("callback-garbage.pqx"), "rb");
    CHECK(f == NULL);
    CHECK(st.calls == 1);
    pqx_package_free(pkg);
    pqx_signer_free(signer);
    return 1;
}

static int test_callback_signer_arguments_and_policy(void) {
    struct cb_state st = {CB_OPENSSL, 0, -1, 0};
    pqx_signer *signer = (pqx_signer *)0x1, *noeku = NULL;
    pqx_package *pkg = NULL, *out = NULL;
    pqx_status status = PQX_PANIC;
    unsigned char junk[4] = {1, 2, 3, 4};
    const uint8_t *ders[1] = {junk};
    const size_t lens[1] = {sizeof junk};

    CHECK_STATUS(pqx_signer_from_callback(NULL, NULL, 0, 0, test_callback, &st, &signer),
                 PQX_INVALID_ARGUMENT);
    CHECK(contains(pqx_last_error_message(), "chain_len is 0"));
    CHECK_STATUS(pqx_signer_from_callback(NULL, NULL, 1, 0, test_callback, &st, &signer),
                 PQX_NULL_ARGUMENT);
    CHECK_STATUS(pqx_signer_from_callback(ders, lens, 1, 0, NULL, &st, &signer), PQX_NULL_ARGUMENT);
    CHECK(contains(pqx_last_error_message(), "callback"));
    CHECK_STATUS(pqx_signer_from_callback(ders, lens, 1, 0, test_callback, &st, &signer),
                 PQX_INVALID_ARGUMENT);
    CHECK(contains(pqx_last_error_message(), "chain_der[0] is not a DER certificate"));
    CHECK(callback_signer("leaf.der", &st, 4096, &signer, &status));
    CHECK_STATUS(status, PQX_INVALID_ARGUMENT);
    CHECK(contains(pqx_last_error_message(), "2048-bit"));
    CHECK(callback_signer("ec.der", &st, 0, &signer, &status));
    CHECK_STATUS(status, PQX_UNSUPPORTED_ALGORITHM);
    CHECK(contains(pqx_last_error_message(), "does not hold an RSA key"));
    CHECK(signer == (pqx_signer *)0x1);

    /* the signing policy is judged on the certificate before the callback is asked */
    CHECK(callback_signer("noeku.der", &st, 0, &noeku, &status));
    OK(status);
    OK(pqx_package_pack_path(fx("connector.mez"), &pkg));
    CHECK_STATUS(pqx_sign(pkg, noeku, PQX_SIGN_AUTO, PQX_DIGEST_SHA256, &out), PQX_SIGNING_POLICY);
    CHECK(st.calls == 0);
    pqx_package_free(pkg);
    pqx_signer_free(noeku);
    return 1;
}

/* ---- runner --------------------------------------------------------------------------- */

struct test {
    const char *name;
    int (*fn)(void);
};

static const struct test TESTS[] = {
    {"version and status names", test_version_and_names},
    {"NULL arguments give a status and leave out-parameters alone", test_null_arguments},
    {"invalid UTF-8 and undefined enum values", test_invalid_utf8_and_enums},
    {"last error message is set and cleared", test_last_error_lifecycle},
    {"last error message is per thread", test_last_error_is_per_thread},
    {"sample connector: pack, entries, inspect", test_sample_pack_inspect},
    {"opening garbage or a .mez as a package fails cleanly", test_open_errors},
    {"write a package and reopen it", test_write_and_reopen},
    {"load signers: PKCS#12 (default and legacy), PEM", test_load_signers},
    {"wrong password and unreadable keys", test_wrong_password},
    {"signing policy refuses a certificate without code-signing EKU", test_signing_policy},
    {"unsigned package reports NotSigned", test_unsigned_package},
    {"old SDK's OPC-shaped .mez packs, a signed .pqx is refused, an EC key is named", test_dropin_inputs},
    {"sign and verify without trust anchors", test_sign_verify_untrusted},
    {"trust policies: anchor, pin, distrust", test_trust_policies},
    {"countersign and replace", test_countersign_and_replace},
    {"sign to a buffer and to a path", test_sign_to_buffer_and_path},
    {"tampered file is InvalidSignature", test_tampered_file},
    {"certificate thumbprints (PEM and DER)", test_certificate_thumbprints},
    {"certificate thumbprint of a root-first chain is the signer's", test_certificate_thumbprint_of_a_chain_is_the_signers},
    {"callback signer: openssl pkeyutl signs, SHA-256 and SHA-384, verifies", test_callback_signer_signs_with_openssl},
    {"callback signer: a failing callback gives PQX_KEY with its code, writes nothing", test_callback_failure_is_reported_with_its_code},
    {"callback signer: a garbage signature is refused before writing", test_callback_garbage_is_refused_before_writing},
    {"callback signer: bad chains, NULL callback, wrong key_bits, EC certificate, policy before callback", test_callback_signer_arguments_and_policy},
};

int main(int argc, char **argv) {
    int passed = 0, failed = 0, skipped = 0;
    if (argc != 2) {
        fprintf(stderr, "usage: %s FIXTURE_DIR\n", argv[0]);
        return 2;
    }
    fixtures = argv[1];
    for (size_t i = 0; i < sizeof TESTS / sizeof TESTS[0]; i++) {
        int ok = TESTS[i].fn();
        printf("%s - %s\n", ok == SKIP ? "skip" : ok ? "ok  " : "FAIL", TESTS[i].name);
        fflush(stdout);
        if (ok == SKIP) skipped++; else if (ok) passed++; else failed++;
    }
    if (skipped) printf("%d skipped\n", skipped);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
