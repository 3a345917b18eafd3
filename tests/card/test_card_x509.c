/* Certificates through kigen_card_cert_parse: the two real J-LIS CA
 * certificates (UTF-8 names, real-world encoding) and certificates made
 * by the openssl command at test time (tests/card/gen-certs.sh), whose
 * times check the conversion to Japan time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "kigen_card.h"

static const char *certdir(void)
{
    const char *d = getenv("KIGEN_CARD_CERTS");
    return d ? d : KIGEN_CARD_CERTS;
}

static uint8_t *slurp(const char *name, size_t *n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", certdir(), name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("%s: missing (run the card_gen_certs test first)", path);
    static uint8_t buf[1 << 16];
    *n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    uint8_t *p = malloc(*n);
    assert_non_null(p);
    memcpy(p, buf, *n);
    return p;
}

static kigen_date ymd(int y, int m, int d)
{
    kigen_date out = 0;
    assert_int_equal(kigen_date_from_ymd(y, m, d, &out), KIGEN_OK);
    return out;
}

static void parse(const char *file, kigen_card_cert *c)
{
    size_t n;
    uint8_t *der = slurp(file, &n);
    char err[256];
    int rc = kigen_card_cert_parse(der, n, c, err, sizeof err);
    if (rc != KIGEN_OK)
        fail_msg("%s: %s", file, err);
    free(der);
}

static void test_jlis_auth_ca(void **state)
{
    (void)state;
    kigen_card_cert c;
    parse("jpki-auth-ca-2023.der", &c);
    assert_string_equal(c.serial, "06D18006");
    assert_string_equal(c.subject, "OU=Japan Agency for Local Authority Information Systems,"
                                   "OU=JPKI for user authentication,O=JPKI,C=JP");
    assert_string_equal(c.issuer, c.subject); /* a root: self-issued */
    /* notBefore 2023-07-16T01:01:04Z = 10:01:04 JST, the same day */
    assert_int_equal(c.not_before, ymd(2023, 7, 16));
    assert_string_equal(c.not_before_jst, "2023-07-16T10:01:04+09:00");
    /* notAfter 2033-07-15T14:59:59Z = 23:59:59 JST: the last valid day */
    assert_int_equal(c.not_after, ymd(2033, 7, 15));
    assert_string_equal(c.not_after_jst, "2033-07-15T23:59:59+09:00");
    assert_int_equal(c.not_after_unix, 2005052399);
    assert_int_equal(strlen(c.sha256), 64);
    kigen_card_cert_clear(&c);
    assert_null(c.subject);
}

static void test_jlis_sign_ca(void **state)
{
    (void)state;
    kigen_card_cert c;
    parse("jpki-sign-ca-2023.der", &c);
    assert_string_equal(c.serial, "067C6A21");
    assert_non_null(strstr(c.subject, "OU=JPKI for digital signature"));
    assert_int_equal(c.not_before, ymd(2023, 7, 16));
    assert_string_equal(c.not_before_jst, "2023-07-16T09:50:27+09:00");
    assert_int_equal(c.not_after, ymd(2033, 7, 15));
    kigen_card_cert_clear(&c);
}

/* The J-LIS certificates carry UTF-8 Japanese in a subjectAltName
 * directoryName: OpenSSL reads it, and our one-line form keeps it UTF-8. */
static void test_jlis_utf8_san(void **state)
{
    (void)state;
    size_t n;
    uint8_t *der = slurp("jpki-auth-ca-2023.der", &n);
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)n);
    assert_non_null(x);
    GENERAL_NAMES *san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    assert_non_null(san);
    int found = 0;
    for (int i = 0; i < sk_GENERAL_NAME_num(san); i++) {
        GENERAL_NAME *g = sk_GENERAL_NAME_value(san, i);
        if (g->type != GEN_DIRNAME)
            continue;
        BIO *b = BIO_new(BIO_s_mem());
        X509_NAME_print_ex(b, g->d.directoryName, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
        char *data;
        long len = BIO_get_mem_data(b, &data);
        char *s = strndup(data, (size_t)len);
        if (strstr(s, "O=公的個人認証サービス"))
            found = 1;
        free(s);
        BIO_free(b);
    }
    GENERAL_NAMES_free(san);
    X509_free(x);
    free(der);
    assert_true(found);
}

static void test_generated_auth(void **state)
{
    (void)state;
    kigen_card_cert c;
    parse("auth.der", &c);
    assert_string_equal(c.serial, "0123ABCD");
    assert_string_equal(c.subject, "CN=KIGEN-TEST-AUTH-0001,C=JP");
    assert_string_equal(c.issuer, "CN=kigen テスト認証局,O=kigen test,C=JP");
    /* 2024-05-01T15:28:06Z is already 2024-05-02 in Japan */
    assert_int_equal(c.not_before, ymd(2024, 5, 2));
    assert_string_equal(c.not_before_jst, "2024-05-02T00:28:06+09:00");
    assert_int_equal(c.not_before_unix, 1714577286);
    /* 2029-05-02T14:59:59Z = 2029-05-02 23:59:59 JST */
    assert_int_equal(c.not_after, ymd(2029, 5, 2));
    assert_string_equal(c.not_after_jst, "2029-05-02T23:59:59+09:00");
    assert_int_equal(c.not_after_unix, 1872428399);
    kigen_card_cert_clear(&c);
}

static void test_generated_sign_utf8(void **state)
{
    (void)state;
    kigen_card_cert c;
    parse("sign.der", &c);
    assert_string_equal(c.serial, "0123ABCE");
    assert_string_equal(c.subject, "CN=KIGEN-TEST-SIGN-0001,L=練馬区,L=東京都,C=JP");
    assert_int_equal(c.not_before, ymd(2024, 5, 2));
    assert_int_equal(c.not_after, ymd(2029, 5, 2));
    kigen_card_cert_clear(&c);
}

static void test_generated_edges(void **state)
{
    (void)state;
    kigen_card_cert c;
    parse("edge.der", &c);
    /* 2023-12-31T15:00:00Z: New Year's Day in Japan */
    assert_int_equal(c.not_before, ymd(2024, 1, 1));
    assert_string_equal(c.not_before_jst, "2024-01-01T00:00:00+09:00");
    /* 2028-02-28T15:00:00Z: the leap day in Japan */
    assert_int_equal(c.not_after, ymd(2028, 2, 29));
    assert_string_equal(c.not_after_jst, "2028-02-29T00:00:00+09:00");
    kigen_card_cert_clear(&c);
}

static void test_bad_input(void **state)
{
    (void)state;
    size_t n;
    uint8_t *der = slurp("auth.der", &n);
    kigen_card_cert c;
    char err[256];
    /* cut short, anywhere */
    for (size_t cut = 0; cut < n; cut += 37) {
        assert_int_equal(kigen_card_cert_parse(der, cut, &c, err, sizeof err), KIGEN_EPARSE);
        assert_true(err[0] != '\0');
        assert_null(c.serial);
    }
    /* trailing bytes */
    uint8_t *more = malloc(n + 3);
    memcpy(more, der, n);
    memset(more + n, 0, 3);
    assert_int_equal(kigen_card_cert_parse(more, n + 3, &c, err, sizeof err), KIGEN_EPARSE);
    assert_non_null(strstr(err, "left over"));
    free(more);
    /* a flipped byte in the body */
    der[n / 2] ^= 0xFF;
    int rc = kigen_card_cert_parse(der, n, &c, NULL, 0);
    if (rc == KIGEN_OK) /* a byte of the signature: still a certificate */
        kigen_card_cert_clear(&c);
    else
        assert_int_equal(rc, KIGEN_EPARSE);
    free(der);
    assert_int_equal(kigen_card_cert_parse(NULL, 10, &c, err, sizeof err), KIGEN_EPARSE);
    assert_int_equal(kigen_card_cert_parse((const uint8_t *)"x", 1, NULL, err, sizeof err), KIGEN_EINVAL);
    kigen_card_cert_clear(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jlis_auth_ca),        cmocka_unit_test(test_jlis_sign_ca),
        cmocka_unit_test(test_jlis_utf8_san),       cmocka_unit_test(test_generated_auth),
        cmocka_unit_test(test_generated_sign_utf8), cmocka_unit_test(test_generated_edges),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
