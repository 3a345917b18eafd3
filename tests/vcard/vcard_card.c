/* The emulated card's behaviour. Status words follow ISO 7816-4 and
 * JPKI.md: 9000 fine, 6A82 no such file/application, 6982 security status
 * not satisfied, 63Cx wrong PIN (x left), 6983 blocked, 6B00 offset past
 * the end, 6D00 unknown instruction, 6E00 unknown class. Unknown commands
 * get 6A82/6D00 so that OpenSC's probes for other cards find nothing. */
#include "vcard_card.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

static const uint8_t aid_jpki[10] = {0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01};
static const uint8_t aid_text[10] = {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08};
static const uint8_t atr_contact[17] = {0x3B, 0xF5, 0x91, 0x00, 0xFF, 0x91, 0x81, 0x71, 0xFE,
                                        0x40, 0x00, 0x42, 0x00, 0x01, 0x00, 0xD1, 0xD6};

static void set_token(vc_card *c, const char *t)
{
    memset(c->token, ' ', 32);
    size_t n = strlen(t);
    memcpy(c->token, t, n > 32 ? 32 : n);
    c->token[32] = '\0';
}

void vc_card_init(vc_card *c)
{
    memset(c, 0, sizeof *c);
    memcpy(c->atr, atr_contact, sizeof atr_contact);
    c->atr_len = sizeof atr_contact;
    set_token(c, "JPKIAPICCTOKEN2");
    strcpy(c->pin[VC_PIN_AUTH], "1234");
    strcpy(c->pin[VC_PIN_SIGN], "ABC123");
    strcpy(c->pin[VC_PIN_TEXT], "1234");
    c->max_tries[VC_PIN_AUTH] = 3;
    c->max_tries[VC_PIN_SIGN] = 5;
    c->max_tries[VC_PIN_TEXT] = 3;
    for (int i = 0; i < VC_NPINS; i++)
        c->tries[i] = c->max_tries[i];
    strcpy(c->name, "番号 花子");
    strcpy(c->address, "東京都練馬区豊玉北6丁目12番1号");
    strcpy(c->birth, "19900515");
    strcpy(c->sex, "2");
    strcpy(c->my_number, "123456789018");
    c->wrong_sw = 0x6F00;
    vc_card_reset(c);
}

static void blob_free(vc_blob *b)
{
    free(b->p);
    b->p = NULL;
    b->n = 0;
}

void vc_card_free(vc_card *c)
{
    blob_free(&c->auth_cert);
    blob_free(&c->auth_ca);
    blob_free(&c->sign_cert);
    blob_free(&c->sign_ca);
}

void vc_card_reset(vc_card *c)
{
    c->df = VC_DF_NONE;
    c->ef = -1;
    memset(c->verified, 0, sizeof c->verified);
    c->pending_n = c->pending_off = 0;
}

/* A certificate file: DER, or PEM (converted to DER). */
static int load_cert(vc_blob *b, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        if (got == 0)
            break;
        n += got;
    }
    fclose(f);
    if (n > 10 && memcmp(buf, "-----BEGIN", 10) == 0) {
        BIO *bio = BIO_new_mem_buf(buf, (int)n);
        X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
        BIO_free(bio);
        free(buf);
        buf = NULL;
        int len = x ? i2d_X509(x, &buf) : -1;
        X509_free(x);
        if (len <= 0) {
            snprintf(err, errlen, "%s: not a PEM certificate", path);
            return -1;
        }
        /* i2d allocated with OPENSSL_malloc: copy to malloc memory */
        uint8_t *m = malloc((size_t)len);
        if (m)
            memcpy(m, buf, (size_t)len);
        OPENSSL_free(buf);
        buf = m;
        n = (size_t)len;
        if (!buf) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    blob_free(b);
    b->p = buf;
    b->n = n;
    return 0;
}

static int parse_hex(const char *s, uint8_t *out, size_t cap, size_t *n)
{
    size_t k = 0;
    int hi = -1;
    for (; *s; s++) {
        if (*s == ' ' || *s == ':')
            continue;
        int v = isdigit((unsigned char)*s) ? *s - '0'
                : (*s >= 'a' && *s <= 'f') ? *s - 'a' + 10
                : (*s >= 'A' && *s <= 'F') ? *s - 'A' + 10
                                           : -1;
        if (v < 0)
            return -1;
        if (hi < 0) {
            hi = v;
        } else {
            if (k == cap)
                return -1;
            out[k++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0)
        return -1;
    *n = k;
    return 0;
}

static int copy_str(char *dst, size_t cap, const char *v, const char *key, char *err, size_t errlen)
{
    if (strlen(v) >= cap) {
        snprintf(err, errlen, "%s: too long", key);
        return -1;
    }
    strcpy(dst, v);
    return 0;
}

static int set_fault(vc_card *c, const char *v, char *err, size_t errlen)
{
    const char *eq = strchr(v, '=');
    size_t kl = eq ? (size_t)(eq - v) : strlen(v);
    const char *arg = eq ? eq + 1 : "";
    char *end;
    if (strncmp(v, "disconnect-after", kl) == 0 && kl == 16) {
        c->disconnect_after = strtoul(arg, &end, 10);
        if (!*arg || *end || c->disconnect_after == 0)
            goto bad;
    } else if (strncmp(v, "short-read", kl) == 0 && kl == 10) {
        c->short_read = (int)strtol(arg, &end, 10);
        if (!*arg || *end || c->short_read < 1 || c->short_read > 256)
            goto bad;
    } else if (strncmp(v, "wrong-sw", kl) == 0 && kl == 8) {
        /* wrong-sw=N or wrong-sw=N:SSSS */
        c->wrong_sw_at = strtoul(arg, &end, 10);
        if (!*arg || c->wrong_sw_at == 0)
            goto bad;
        if (*end == ':') {
            const char *s = end + 1;
            c->wrong_sw = (unsigned)strtoul(s, &end, 16);
            if (end == s || *end || c->wrong_sw > 0xFFFF)
                goto bad;
        } else if (*end) {
            goto bad;
        }
    } else if (strncmp(v, "bad-der-length", kl) == 0 && kl == 14) {
        c->bad_der_length = 1;
    } else if (strncmp(v, "tlv-overrun", kl) == 0 && kl == 11) {
        c->tlv_overrun = 1;
    } else {
        snprintf(err, errlen,
                 "unknown fault '%s' (disconnect-after=N, short-read=N, wrong-sw=N[:SSSS], "
                 "bad-der-length, tlv-overrun)",
                 v);
        return -1;
    }
    return 0;
bad:
    snprintf(err, errlen, "bad fault argument in '%s'", v);
    return -1;
}

int vc_card_set(vc_card *c, const char *key, const char *value, const char *base, char *err, size_t errlen)
{
    char path[4096];
    const char *file = value;
    if (base && value[0] != '/' && (strstr(key, "cert") || strstr(key, "_ca"))) {
        snprintf(path, sizeof path, "%s/%s", base, value);
        file = path;
    }
    if (strcmp(key, "auth_cert") == 0)
        return load_cert(&c->auth_cert, file, err, errlen);
    if (strcmp(key, "auth_ca") == 0)
        return load_cert(&c->auth_ca, file, err, errlen);
    if (strcmp(key, "sign_cert") == 0)
        return load_cert(&c->sign_cert, file, err, errlen);
    if (strcmp(key, "sign_ca") == 0)
        return load_cert(&c->sign_ca, file, err, errlen);
    if (strcmp(key, "auth_pin") == 0)
        return copy_str(c->pin[VC_PIN_AUTH], sizeof c->pin[0], value, key, err, errlen);
    if (strcmp(key, "sign_pin") == 0)
        return copy_str(c->pin[VC_PIN_SIGN], sizeof c->pin[0], value, key, err, errlen);
    if (strcmp(key, "text_pin") == 0)
        return copy_str(c->pin[VC_PIN_TEXT], sizeof c->pin[0], value, key, err, errlen);
    if (strcmp(key, "auth_tries") == 0 || strcmp(key, "sign_tries") == 0 || strcmp(key, "text_tries") == 0) {
        int i = key[0] == 'a' ? VC_PIN_AUTH : key[0] == 's' ? VC_PIN_SIGN : VC_PIN_TEXT;
        char *end;
        long t = strtol(value, &end, 10);
        if (!*value || *end || t < 0 || t > 15) {
            snprintf(err, errlen, "%s: a number 0-15", key);
            return -1;
        }
        c->tries[i] = (int)t;
        return 0;
    }
    if (strcmp(key, "token") == 0) {
        if (strcmp(value, "card") == 0)
            set_token(c, "JPKIAPICCTOKEN2");
        else if (strcmp(value, "juki") == 0)
            set_token(c, "JPKIAPICCTOKEN");
        else if (strcmp(value, "smartphone") == 0)
            set_token(c, "JPKIAPGPSETOKEN");
        else if (strncmp(value, "raw:", 4) == 0)
            set_token(c, value + 4);
        else {
            snprintf(err, errlen, "token: card, juki, smartphone or raw:TEXT");
            return -1;
        }
        return 0;
    }
    if (strcmp(key, "atr") == 0) {
        if (strcmp(value, "contact") == 0) {
            memcpy(c->atr, atr_contact, sizeof atr_contact);
            c->atr_len = sizeof atr_contact;
            return 0;
        }
        if (strcmp(value, "unknown") == 0) /* a T=1 ATR no table knows */
            value = "3B 8A 80 01 4B 49 47 45 4E 2D 56 43 41 52 0A";
        else if (strcmp(value, "t0") == 0) /* T=0 only: "KIGEN" */
            value = "3B 05 4B 49 47 45 4E";
        size_t n;
        if (parse_hex(value, c->atr, sizeof c->atr, &n) != 0 || n < 2) {
            snprintf(err, errlen, "atr: hex bytes, or contact/unknown/t0");
            return -1;
        }
        c->atr_len = n;
        return 0;
    }
    if (strcmp(key, "protocol") == 0) {
        if (strcmp(value, "t0") == 0)
            c->t0 = 1;
        else if (strcmp(value, "t1") == 0)
            c->t0 = 0;
        else {
            snprintf(err, errlen, "protocol: t0 or t1");
            return -1;
        }
        return 0;
    }
    if (strcmp(key, "name") == 0)
        return copy_str(c->name, sizeof c->name, value, key, err, errlen);
    if (strcmp(key, "address") == 0)
        return copy_str(c->address, sizeof c->address, value, key, err, errlen);
    if (strcmp(key, "birth") == 0)
        return copy_str(c->birth, sizeof c->birth, value, key, err, errlen);
    if (strcmp(key, "sex") == 0)
        return copy_str(c->sex, sizeof c->sex, value, key, err, errlen);
    if (strcmp(key, "my_number") == 0)
        return copy_str(c->my_number, sizeof c->my_number, value, key, err, errlen);
    if (strcmp(key, "fault") == 0)
        return set_fault(c, value, err, errlen);
    snprintf(err, errlen, "unknown setting '%s'", key);
    return -1;
}

int vc_card_load_config(vc_card *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char base[4096];
    snprintf(base, sizeof base, "%s", path);
    char *slash = strrchr(base, '/');
    if (slash)
        *slash = '\0';
    else
        strcpy(base, ".");
    char line[1024];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        s[strcspn(s, "\r\n")] = '\0';
        if (*s == '#' || *s == '\0')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%d: expected key = value", path, lineno);
            rc = -1;
            break;
        }
        char *k = s, *v = eq + 1;
        char *ke = eq;
        while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t'))
            ke--;
        *ke = '\0';
        while (*v == ' ' || *v == '\t')
            v++;
        char *ve = v + strlen(v);
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
            ve--;
        *ve = '\0';
        char e2[512];
        if (vc_card_set(c, k, v, base, e2, sizeof e2) != 0) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, e2);
            rc = -1;
        }
    }
    fclose(f);
    return rc;
}

/* ------------------------------------------------------------------ */

static void logf_apdu(vc_card *c, const char *dir, const uint8_t *p, size_t n, size_t mask_from)
{
    if (!c->log)
        return;
    fputs(dir, c->log);
    for (size_t i = 0; i < n; i++) {
        if ((i == 4 && n > 4) || (i == 5 && n > 5 && dir[0] == '>'))
            fputc(' ', c->log);
        if (i >= mask_from)
            fputs("**", c->log);
        else
            fprintf(c->log, "%02X", p[i]);
    }
    fputc('\n', c->log);
    fflush(c->log);
}

static size_t put_sw(uint8_t *r, size_t n, unsigned sw)
{
    r[n] = (uint8_t)(sw >> 8);
    r[n + 1] = (uint8_t)sw;
    return n + 2;
}

/* The file behind an EF id in the selected DF; NULL when none. *is_pin
 * for PIN EFs. Content built into buf when it is generated. */
typedef struct vc_file {
    const uint8_t *p;
    size_t n;
    int pin;  /* PIN EF: VC_PIN_*; -1 otherwise */
    int need; /* PIN needed to read: VC_PIN_*; -1 none */
} vc_file;

static uint8_t basic_buf[2048];
static uint8_t mynum_buf[32];

static size_t tlv(uint8_t *out, unsigned tag, const void *v, size_t n)
{
    size_t k = 0;
    out[k++] = (uint8_t)(tag >> 8);
    out[k++] = (uint8_t)tag;
    if (n < 0x80) {
        out[k++] = (uint8_t)n;
    } else if (n < 0x100) {
        out[k++] = 0x81;
        out[k++] = (uint8_t)n;
    } else {
        out[k++] = 0x82;
        out[k++] = (uint8_t)(n >> 8);
        out[k++] = (uint8_t)n;
    }
    memcpy(out + k, v, n);
    return k + n;
}

static size_t build_basic(vc_card *c)
{
    uint8_t inner[1900];
    size_t k = 0;
    static const uint8_t header[3] = {0xDF, 0x21, 0x00}; /* opaque: its meaning is not published */
    k += tlv(inner + k, 0xFF21, header, sizeof header);
    k += tlv(inner + k, 0xFF22, c->name, strlen(c->name));
    k += tlv(inner + k, 0xFF23, c->address, strlen(c->address));
    k += tlv(inner + k, 0xFF24, c->birth, strlen(c->birth));
    k += tlv(inner + k, 0xFF25, c->sex, strlen(c->sex));
    if (c->tlv_overrun) {
        /* the sex TLV claims 0x40 bytes that are not there */
        inner[k - strlen(c->sex) - 1] = 0x40;
    }
    /* always the 82 LL LL form, as on the card */
    basic_buf[0] = 0xFF;
    basic_buf[1] = 0x20;
    basic_buf[2] = 0x82;
    basic_buf[3] = (uint8_t)(k >> 8);
    basic_buf[4] = (uint8_t)k;
    memcpy(basic_buf + 5, inner, k);
    return k + 5;
}

static int find_file(vc_card *c, int fid, vc_file *f)
{
    f->p = NULL;
    f->n = 0;
    f->pin = -1;
    f->need = -1;
    if (c->df == VC_DF_JPKI) {
        switch (fid) {
        case 0x0006:
            f->p = (const uint8_t *)c->token;
            f->n = 32;
            return 1;
        case 0x000A:
            if (!c->auth_cert.p)
                return 0;
            f->p = c->auth_cert.p;
            f->n = c->auth_cert.n;
            if (memcmp(c->token, "JPKIAPGPSETOKEN", 15) == 0)
                f->need = VC_PIN_AUTH;
            return 1;
        case 0x000B:
            f->p = c->auth_ca.p;
            f->n = c->auth_ca.n;
            return f->p != NULL;
        case 0x0001:
            f->p = c->sign_cert.p;
            f->n = c->sign_cert.n;
            f->need = VC_PIN_SIGN;
            return f->p != NULL;
        case 0x0002:
            f->p = c->sign_ca.p;
            f->n = c->sign_ca.n;
            return f->p != NULL;
        case 0x0018:
            f->pin = VC_PIN_AUTH;
            return 1;
        case 0x001B:
            f->pin = VC_PIN_SIGN;
            return 1;
        case 0x0017:
        case 0x001A:
            f->need = 99; /* keys: never readable */
            f->p = (const uint8_t *)"";
            return 1;
        default:
            return 0;
        }
    }
    if (c->df == VC_DF_TEXT) {
        switch (fid) {
        case 0x0011:
            f->pin = VC_PIN_TEXT;
            return 1;
        case 0x0001: {
            size_t n = strlen(c->my_number);
            mynum_buf[0] = 0xFF;
            mynum_buf[1] = 0x10;
            mynum_buf[2] = (uint8_t)n;
            memcpy(mynum_buf + 3, c->my_number, n);
            f->p = mynum_buf;
            f->n = n + 3;
            f->need = VC_PIN_TEXT;
            return 1;
        }
        case 0x0002:
            f->n = build_basic(c);
            f->p = basic_buf;
            f->need = VC_PIN_TEXT;
            return 1;
        default:
            return 0;
        }
    }
    return 0;
}

/* A data answer; on a T=0 card it waits behind 61xx for GET RESPONSE. */
static size_t answer(vc_card *c, uint8_t *resp, const uint8_t *data, size_t n, unsigned sw)
{
    if (c->t0 && n > 0) {
        memcpy(c->pending, data, n);
        c->pending_n = n;
        c->pending_off = 0;
        c->pending_sw = sw;
        return put_sw(resp, 0, 0x6100 | (n >= 256 ? 0 : (unsigned)n));
    }
    memcpy(resp, data, n);
    return put_sw(resp, n, sw);
}

static size_t do_select(vc_card *c, const uint8_t *cmd, size_t n, uint8_t *resp)
{
    if (n < 5 || cmd[4] == 0 || n < 5u + cmd[4])
        return put_sw(resp, 0, 0x6700);
    const uint8_t *data = cmd + 5;
    size_t lc = cmd[4];
    if (cmd[2] == 0x04) {
        if (lc == 10 && memcmp(data, aid_jpki, 10) == 0) {
            vc_card_reset(c);
            c->df = VC_DF_JPKI;
            return put_sw(resp, 0, 0x9000);
        }
        if (lc == 10 && memcmp(data, aid_text, 10) == 0) {
            vc_card_reset(c);
            c->df = VC_DF_TEXT;
            return put_sw(resp, 0, 0x9000);
        }
        return put_sw(resp, 0, 0x6A82);
    }
    if (cmd[2] == 0x02 && lc == 2) {
        vc_file f;
        int fid = data[0] << 8 | data[1];
        if (!find_file(c, fid, &f))
            return put_sw(resp, 0, 0x6A82);
        c->ef = fid;
        return put_sw(resp, 0, 0x9000);
    }
    if (cmd[2] == 0x00 || cmd[2] == 0x01 || cmd[2] == 0x02 || cmd[2] == 0x08 || cmd[2] == 0x09)
        return put_sw(resp, 0, 0x6A82);
    return put_sw(resp, 0, 0x6A86);
}

static size_t do_read(vc_card *c, const uint8_t *cmd, size_t n, uint8_t *resp)
{
    if (n != 5)
        return put_sw(resp, 0, 0x6700);
    if (cmd[2] & 0x80)
        return put_sw(resp, 0, 0x6A81); /* short EF ids: not on this card */
    vc_file f;
    if (c->ef < 0 || !find_file(c, c->ef, &f))
        return put_sw(resp, 0, 0x6986);
    if (f.pin >= 0)
        return put_sw(resp, 0, 0x6981);
    if (f.need == 99 || (f.need >= 0 && !c->verified[f.need]))
        return put_sw(resp, 0, 0x6982);
    size_t off = (size_t)(cmd[2] & 0x7F) << 8 | cmd[3];
    size_t le = cmd[4] ? cmd[4] : 256;
    if (off >= f.n)
        return put_sw(resp, 0, 0x6B00);
    size_t avail = f.n - off;
    size_t give = le < avail ? le : avail;
    if (c->short_read > 0 && give > (size_t)c->short_read)
        give = (size_t)c->short_read;
    if (c->t0 && le != give)
        return put_sw(resp, 0, 0x6C00 | (unsigned)(give & 0xFF));
    uint8_t tmp[256];
    memcpy(tmp, f.p + off, give);
    if (c->bad_der_length && c->df == VC_DF_JPKI && c->ef == 0x000A) {
        /* the header claims 32756 bytes: more than the file holds */
        static const uint8_t bad[4] = {0x30, 0x82, 0x7F, 0xF0};
        for (size_t i = off; i < 4 && i - off < give; i++)
            tmp[i - off] = bad[i];
    }
    unsigned sw = give < le && !c->short_read ? 0x6282 : 0x9000;
    return answer(c, resp, tmp, give, sw);
}

static size_t do_verify(vc_card *c, const uint8_t *cmd, size_t n, uint8_t *resp)
{
    if (cmd[2] != 0x00 || cmd[3] != 0x80)
        return put_sw(resp, 0, 0x6A86);
    vc_file f;
    if (c->ef < 0 || !find_file(c, c->ef, &f) || f.pin < 0)
        return put_sw(resp, 0, 0x6A88); /* referenced data not found */
    int p = f.pin;
    if (n == 4 || (n == 5 && cmd[4] == 0)) {
        if (c->tries[p] == 0)
            return put_sw(resp, 0, 0x6983);
        return put_sw(resp, 0, 0x63C0 | (unsigned)c->tries[p]);
    }
    if (n < 5 || n != 5u + cmd[4])
        return put_sw(resp, 0, 0x6700);
    if (c->tries[p] == 0)
        return put_sw(resp, 0, 0x6983);
    size_t len = cmd[4];
    if (len == strlen(c->pin[p]) && memcmp(cmd + 5, c->pin[p], len) == 0) {
        c->tries[p] = c->max_tries[p];
        c->verified[p] = 1;
        return put_sw(resp, 0, 0x9000);
    }
    c->tries[p]--;
    c->verified[p] = 0;
    return put_sw(resp, 0, 0x63C0 | (unsigned)c->tries[p]);
}

static size_t do_get_response(vc_card *c, const uint8_t *cmd, size_t n, uint8_t *resp)
{
    if (!c->t0 || c->pending_off >= c->pending_n || n != 5)
        return put_sw(resp, 0, c->t0 ? 0x6985 : 0x6D00);
    size_t left = c->pending_n - c->pending_off;
    size_t le = cmd[4] ? cmd[4] : 256;
    if (le > left)
        return put_sw(resp, 0, 0x6C00 | (unsigned)(left & 0xFF));
    memcpy(resp, c->pending + c->pending_off, le);
    c->pending_off += le;
    left -= le;
    if (left > 0)
        return put_sw(resp, le, 0x6100 | (unsigned)(left >= 256 ? 0 : left));
    c->pending_n = c->pending_off = 0;
    return put_sw(resp, le, c->pending_sw);
}

int vc_card_apdu(vc_card *c, const uint8_t *cmd, size_t n, uint8_t *resp, size_t *resp_len)
{
    c->apdus++;
    size_t mask = (size_t)-1;
    if (n > 5 && cmd[1] == 0x20)
        mask = 5; /* VERIFY data: never log a PIN */
    logf_apdu(c, "> ", cmd, n, mask);
    if (c->disconnect_after && c->apdus >= c->disconnect_after) {
        if (c->log)
            fprintf(c->log, "-- disconnect (fault)\n");
        return -1;
    }
    size_t rl;
    if (c->wrong_sw_at && c->apdus == c->wrong_sw_at) {
        rl = put_sw(resp, 0, c->wrong_sw);
    } else if (n < 4) {
        rl = put_sw(resp, 0, 0x6700);
    } else if (cmd[0] != 0x00 && cmd[0] != 0x80) {
        rl = put_sw(resp, 0, 0x6E00);
    } else {
        if (cmd[1] != 0xC0)
            c->pending_n = c->pending_off = 0;
        switch (cmd[1]) {
        case 0xA4: rl = do_select(c, cmd, n, resp); break;
        case 0xB0: rl = do_read(c, cmd, n, resp); break;
        case 0x20: rl = do_verify(c, cmd, n, resp); break;
        case 0xC0: rl = do_get_response(c, cmd, n, resp); break;
        default: rl = put_sw(resp, 0, 0x6D00); break;
        }
    }
    logf_apdu(c, "< ", resp, rl, (size_t)-1);
    *resp_len = rl;
    return 0;
}
