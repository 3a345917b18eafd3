/* Certificates: parsed by OpenSSL's libcrypto only (no hand-written DER),
 * validity converted to Japan time (UTC+9) before it becomes a date. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "kigen_card.h"

#define JST_OFFSET ((int64_t)9 * 3600)

static int fail(char *err, size_t errlen, const char *what)
{
    if (err && errlen) {
        unsigned long e = ERR_peek_last_error();
        if (e) {
            char buf[256];
            ERR_error_string_n(e, buf, sizeof buf);
            snprintf(err, errlen, "%s (%s)", what, buf);
        } else {
            snprintf(err, errlen, "%s", what);
        }
    }
    ERR_clear_error();
    return KIGEN_EPARSE;
}

/* A name as one UTF-8 line in RFC 2253 order, non-ASCII left as is. */
static char *name_text(const X509_NAME *name)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return NULL;
    char *s = NULL;
    unsigned long flags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
    if (X509_NAME_print_ex(b, name, 0, flags) >= 0) {
        char *data;
        long n = BIO_get_mem_data(b, &data);
        if (n >= 0) {
            s = malloc((size_t)n + 1);
            if (s) {
                memcpy(s, data, (size_t)n);
                s[n] = '\0';
            }
        }
    }
    BIO_free(b);
    return s;
}

/* UTC broken-down time -> Japan date, an ISO text with +09:00, Unix time. */
static int to_jst(const struct tm *utc, kigen_date *date, char *iso, size_t isolen, int64_t *unix_time)
{
    kigen_date d0, epoch;
    if (kigen_date_from_ymd(utc->tm_year + 1900, utc->tm_mon + 1, utc->tm_mday, &d0) != KIGEN_OK ||
        kigen_date_from_ymd(1970, 1, 1, &epoch) != KIGEN_OK)
        return -1;
    int64_t secs = (int64_t)utc->tm_hour * 3600 + (int64_t)utc->tm_min * 60 + utc->tm_sec;
    *unix_time = ((int64_t)d0 - epoch) * 86400 + secs;
    int64_t local = secs + JST_OFFSET;
    kigen_date d = d0;
    if (kigen_date_add_days(d0, local / 86400, &d) != KIGEN_OK)
        return -1;
    local %= 86400;
    char day[16];
    if (kigen_date_format_iso(d, day, sizeof day) != KIGEN_OK)
        return -1;
    unsigned hh = (unsigned)(local / 3600) % 24u, mm = (unsigned)(local / 60) % 60u,
             ss = (unsigned)local % 60u;
    snprintf(iso, isolen, "%.10sT%02u:%02u:%02u+09:00", day, hh, mm, ss);
    *date = d;
    return 0;
}

int kigen_card_cert_parse(const uint8_t *der, size_t len, kigen_card_cert *out, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!out)
        return KIGEN_EINVAL;
    memset(out, 0, sizeof *out);
    if (!der || len == 0)
        return fail(err, errlen, "no certificate bytes");
    if (len > (size_t)LONG_MAX)
        return fail(err, errlen, "certificate too large");
    ERR_clear_error();
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (!x)
        return fail(err, errlen, "not a DER X.509 certificate");
    int rc = KIGEN_OK;
    if ((size_t)(p - der) != len) {
        rc = fail(err, errlen, "bytes left over after the certificate");
        goto done;
    }

    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    BN_free(bn);
    if (!hex) {
        rc = fail(err, errlen, "cannot read the serial number");
        goto done;
    }
    out->serial = strdup(hex);
    OPENSSL_free(hex);
    out->subject = name_text(X509_get_subject_name(x));
    out->issuer = name_text(X509_get_issuer_name(x));
    if (!out->serial || !out->subject || !out->issuer) {
        rc = KIGEN_ENOMEM;
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        goto done;
    }

    struct tm nb, na;
    if (!ASN1_TIME_to_tm(X509_get0_notBefore(x), &nb) || !ASN1_TIME_to_tm(X509_get0_notAfter(x), &na)) {
        rc = fail(err, errlen, "the validity times cannot be read");
        goto done;
    }
    if (to_jst(&nb, &out->not_before, out->not_before_jst, sizeof out->not_before_jst,
               &out->not_before_unix) != 0 ||
        to_jst(&na, &out->not_after, out->not_after_jst, sizeof out->not_after_jst, &out->not_after_unix) !=
            0) {
        rc = fail(err, errlen, "a validity time is outside 0001-9999");
        goto done;
    }

    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) {
        rc = fail(err, errlen, "SHA-256 failed");
        goto done;
    }
    for (unsigned i = 0; i < mdlen; i++)
        snprintf(out->sha256 + (size_t)2 * i, 3, "%02x", md[i]);

done:
    X509_free(x);
    if (rc != KIGEN_OK)
        kigen_card_cert_clear(out);
    return rc;
}

void kigen_card_cert_clear(kigen_card_cert *c)
{
    if (!c)
        return;
    free(c->serial);
    free(c->subject);
    free(c->issuer);
    memset(c, 0, sizeof *c);
}
