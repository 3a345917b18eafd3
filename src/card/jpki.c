/* The card handle and the JPKI protocol over a transport (kg_card_transport_ops):
 * detection, token info, certificates, PIN tries and VERIFY, the text AP.
 * The protocol is described in docs/card.md. This file knows the
 * transport only through transport.h: which one a handle gets is open.c's
 * choice. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "card/jpki.h"
#include "card/parse.h"

enum { AP_NONE = 0, AP_JPKI = 1, AP_TEXT = 2 };

struct kigen_card {
    const kg_card_transport_ops *ops;
    void *tp;
    int err;
    char errmsg[512];

    char **readers;
    size_t nreaders;

    int connected;
    char *reader;
    uint8_t atr[KIGEN_CARD_MAX_ATR];
    size_t atr_len;
    int protocol;
    kigen_card_detection detected_by;
    int selected_ap;
    int verified; /* a PIN was verified in this connection: reset on disconnect */
    uint8_t *certs[4];
    size_t cert_len[4];
    char *basic[4]; /* name, address, birth, sex */
    kigen_card_stats stats;
};

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

static int set_err(kigen_card *h, int kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int set_err(kigen_card *h, int kind, const char *fmt, ...)
{
    va_list ap;
    h->err = kind;
    va_start(ap, fmt);
    vsnprintf(h->errmsg, sizeof h->errmsg, fmt, ap);
    va_end(ap);
    return kind == KIGEN_CARD_E_NONE ? KIGEN_OK : KIGEN_ECARD;
}

static void clear_err(kigen_card *h)
{
    h->err = KIGEN_CARD_E_NONE;
    h->errmsg[0] = '\0';
}

/* A transport failure: its message is already in h->errmsg. */
static int tp_err(kigen_card *h, int kind)
{
    h->err = kind;
    if (kind == KIGEN_CARD_E_REMOVED || kind == KIGEN_CARD_E_READER_GONE || kind == KIGEN_CARD_E_RESET ||
        kind == KIGEN_CARD_E_NO_PCSCD) {
        /* the card's state (selection, verified PINs) is gone */
        h->selected_ap = AP_NONE;
    }
    return KIGEN_ECARD;
}

const char *kigen_card_error_name(int kind)
{
    switch (kind) {
    case KIGEN_CARD_E_NONE: return "none";
    case KIGEN_CARD_E_NO_PCSCD: return "no_pcscd";
    case KIGEN_CARD_E_NO_READER: return "no_reader";
    case KIGEN_CARD_E_NO_CARD: return "no_card";
    case KIGEN_CARD_E_TIMEOUT: return "timeout";
    case KIGEN_CARD_E_REMOVED: return "removed";
    case KIGEN_CARD_E_READER_GONE: return "reader_gone";
    case KIGEN_CARD_E_RESET: return "reset";
    case KIGEN_CARD_E_SHARING: return "sharing";
    case KIGEN_CARD_E_NOT_JPKI: return "not_jpki";
    case KIGEN_CARD_E_PIN_WRONG: return "pin_wrong";
    case KIGEN_CARD_E_PIN_BLOCKED: return "pin_blocked";
    case KIGEN_CARD_E_PIN_LAST_TRY: return "pin_last_try";
    case KIGEN_CARD_E_PIN_FORMAT: return "pin_format";
    case KIGEN_CARD_E_PIN_REQUIRED: return "pin_required";
    case KIGEN_CARD_E_NOT_FOUND: return "not_found";
    case KIGEN_CARD_E_PROTOCOL: return "protocol";
    case KIGEN_CARD_E_CERT: return "cert";
    case KIGEN_CARD_E_PCSC: return "pcsc";
    case KIGEN_CARD_E_NOT_CONNECTED: return "not_connected";
    default: return "unknown";
    }
}

const char *kigen_card_token_name(kigen_card_token t)
{
    switch (t) {
    case KIGEN_CARD_TOKEN_CARD: return "card";
    case KIGEN_CARD_TOKEN_JUKI: return "juki";
    case KIGEN_CARD_TOKEN_SMARTPHONE: return "smartphone";
    default: return "unknown";
    }
}

int kigen_card_error(const kigen_card *h)
{
    return h ? h->err : KIGEN_CARD_E_NONE;
}

const char *kigen_card_errmsg(const kigen_card *h)
{
    return h ? h->errmsg : "";
}

/* ------------------------------------------------------------------ */
/* Handle                                                              */
/* ------------------------------------------------------------------ */

int kg_card_new_with_transport(const kg_card_transport_ops *ops, void *self, kigen_card **out)
{
    if (!out || !ops) {
        if (ops && ops->destroy)
            ops->destroy(self);
        return KIGEN_EINVAL;
    }
    *out = NULL;
    kigen_card *h = calloc(1, sizeof *h);
    if (!h) {
        if (ops->destroy)
            ops->destroy(self);
        return KIGEN_ENOMEM;
    }
    h->ops = ops;
    h->tp = self;
    *out = h;
    return KIGEN_OK;
}

static void wipe_free(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

static void drop_basic(kigen_card *h)
{
    for (int i = 0; i < 4; i++) {
        wipe_free(h->basic[i]);
        h->basic[i] = NULL;
    }
}

static void drop_card_data(kigen_card *h)
{
    for (int i = 0; i < 4; i++) {
        free(h->certs[i]);
        h->certs[i] = NULL;
        h->cert_len[i] = 0;
    }
    drop_basic(h);
}

void kigen_card_disconnect(kigen_card *h)
{
    if (!h)
        return;
    if (h->connected && h->ops->disconnect)
        h->ops->disconnect(h->tp, h->verified);
    h->connected = 0;
    h->verified = 0;
    h->selected_ap = AP_NONE;
    h->detected_by = KIGEN_CARD_DETECT_NONE;
    free(h->reader);
    h->reader = NULL;
    h->atr_len = 0;
    drop_card_data(h);
}

void kigen_card_free(kigen_card *h)
{
    if (!h)
        return;
    kigen_card_disconnect(h);
    kg_card_free_names(h->readers, h->nreaders);
    if (h->ops->destroy)
        h->ops->destroy(h->tp);
    OPENSSL_cleanse(h->errmsg, sizeof h->errmsg);
    free(h);
}

/* ------------------------------------------------------------------ */
/* Readers and connection                                              */
/* ------------------------------------------------------------------ */

int kigen_card_list_readers(kigen_card *h, size_t *count)
{
    if (!h)
        return KIGEN_EINVAL;
    clear_err(h);
    if (count)
        *count = 0;
    kg_card_free_names(h->readers, h->nreaders);
    h->readers = NULL;
    h->nreaders = 0;
    char **names = NULL;
    size_t n = 0;
    int k = h->ops->list_readers(h->tp, &names, &n, h->errmsg, sizeof h->errmsg);
    if (k != KIGEN_CARD_E_NONE)
        return tp_err(h, k);
    if (n == 0) {
        kg_card_free_names(names, n);
        return set_err(h, KIGEN_CARD_E_NO_READER, "no card reader is connected");
    }
    h->readers = names;
    h->nreaders = n;
    if (count)
        *count = n;
    return KIGEN_OK;
}

const char *kigen_card_reader_name(const kigen_card *h, size_t i)
{
    return h && i < h->nreaders ? h->readers[i] : NULL;
}

int kigen_card_reader_status(kigen_card *h, size_t i, int *present, uint8_t *atr, size_t *atr_len)
{
    if (!h || !present)
        return KIGEN_EINVAL;
    clear_err(h);
    *present = 0;
    if (atr_len)
        *atr_len = 0;
    if (i >= h->nreaders)
        return set_err(h, KIGEN_CARD_E_NO_READER, "there is no reader number %zu", i);
    uint8_t buf[KIGEN_CARD_MAX_ATR];
    size_t len = 0;
    int k = h->ops->reader_status(h->tp, h->readers[i], present, buf, &len, h->errmsg, sizeof h->errmsg);
    if (k != KIGEN_CARD_E_NONE)
        return tp_err(h, k);
    if (len > sizeof buf)
        len = sizeof buf;
    if (*present && atr)
        memcpy(atr, buf, len);
    if (atr_len)
        *atr_len = *present ? len : 0;
    return KIGEN_OK;
}

int kigen_card_connect(kigen_card *h, const char *reader, int timeout_ms)
{
    if (!h)
        return KIGEN_EINVAL;
    kigen_card_disconnect(h);
    clear_err(h);
    int rc = kigen_card_list_readers(h, NULL);
    if (rc != KIGEN_OK)
        return rc;
    size_t idx = h->nreaders;
    if (reader) {
        for (size_t i = 0; i < h->nreaders; i++)
            if (strcmp(h->readers[i], reader) == 0)
                idx = i;
        if (idx == h->nreaders)
            return set_err(h, KIGEN_CARD_E_NO_READER, "no reader is called \"%s\"", reader);
    }
    /* Is a card there already? */
    size_t first = reader ? idx : 0, last = reader ? idx + 1 : h->nreaders;
    size_t found = h->nreaders;
    for (size_t i = first; i < last && found == h->nreaders; i++) {
        int present = 0;
        uint8_t atr[KIGEN_CARD_MAX_ATR];
        size_t al = 0;
        int k = h->ops->reader_status(h->tp, h->readers[i], &present, atr, &al, h->errmsg, sizeof h->errmsg);
        if (k != KIGEN_CARD_E_NONE)
            return tp_err(h, k);
        if (present)
            found = i;
    }
    if (found == h->nreaders) {
        if (timeout_ms == 0)
            return set_err(h, KIGEN_CARD_E_NO_CARD, "no card in %s%s%s",
                           reader ? "the reader \"" : "any reader", reader ? reader : "", reader ? "\"" : "");
        size_t which = 0;
        int k = h->ops->wait_card(h->tp, h->readers + first, last - first, timeout_ms, &which, h->errmsg,
                                  sizeof h->errmsg);
        if (k != KIGEN_CARD_E_NONE)
            return tp_err(h, k);
        if (which >= last - first)
            return set_err(h, KIGEN_CARD_E_PCSC, "the reader layer named no reader");
        found = first + which;
    }
    h->reader = strdup(h->readers[found]);
    if (!h->reader)
        return KIGEN_ENOMEM;
    size_t al = sizeof h->atr;
    int proto = 1;
    int k = h->ops->connect(h->tp, h->reader, h->atr, &al, &proto, h->errmsg, sizeof h->errmsg);
    if (k != KIGEN_CARD_E_NONE) {
        free(h->reader);
        h->reader = NULL;
        return tp_err(h, k);
    }
    h->atr_len = al > sizeof h->atr ? sizeof h->atr : al;
    h->protocol = proto;
    h->connected = 1;
    h->selected_ap = AP_NONE;
    memset(&h->stats, 0, sizeof h->stats);
    return KIGEN_OK;
}

int kigen_card_get_info(const kigen_card *h, kigen_card_info *out)
{
    if (!h || !out)
        return KIGEN_EINVAL;
    memset(out, 0, sizeof *out);
    if (!h->connected)
        return KIGEN_ECARD;
    out->reader = h->reader;
    out->atr = h->atr;
    out->atr_len = h->atr_len;
    out->protocol = h->protocol;
    out->detected_by = h->detected_by;
    return KIGEN_OK;
}

int kigen_card_get_stats(const kigen_card *h, kigen_card_stats *out)
{
    if (!h || !out)
        return KIGEN_EINVAL;
    *out = h->stats;
    return KIGEN_OK;
}

/* ------------------------------------------------------------------ */
/* APDUs                                                               */
/* ------------------------------------------------------------------ */

static uint64_t now_usec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* One raw exchange. resp holds KG_CARD_RESP_MAX bytes. */
static int raw(kigen_card *h, const uint8_t *cmd, size_t n, uint8_t *resp, size_t *rlen)
{
    if (!h->connected)
        return set_err(h, KIGEN_CARD_E_NOT_CONNECTED, "no card is connected");
    *rlen = KG_CARD_RESP_MAX;
    uint64_t t0 = now_usec();
    int k = h->ops->transmit(h->tp, cmd, n, resp, rlen, h->errmsg, sizeof h->errmsg);
    h->stats.transmit_usec += now_usec() - t0;
    h->stats.apdus++;
    if (k != KIGEN_CARD_E_NONE)
        return tp_err(h, k);
    if (*rlen > KG_CARD_RESP_MAX)
        return set_err(h, KIGEN_CARD_E_PROTOCOL, "the reader returned more than it was given room for");
    if (*rlen < 2)
        return set_err(h, KIGEN_CARD_E_PROTOCOL, "the card's answer has %zu byte%s: no status word", *rlen,
                       *rlen == 1 ? "" : "s");
    return KIGEN_OK;
}

/* Send a command, following T=0's 61xx (GET RESPONSE, more data waiting)
 * and 6Cxx (wrong Le: send again with Le = xx). Up to `cap` data bytes go
 * to out; more is a protocol error. *sw is the final status word. */
static int xfer(kigen_card *h, const uint8_t *cmd, size_t n, uint8_t *out, size_t cap, size_t *outlen,
                unsigned *sw)
{
    uint8_t resp[KG_CARD_RESP_MAX];
    uint8_t again[5 + 255 + 1];
    size_t rlen = 0, total = 0;
    int rc = raw(h, cmd, n, resp, &rlen);
    if (rc == KIGEN_OK && rlen >= 2 && resp[rlen - 2] == 0x6C) {
        /* Wrong Le: the same command with Le = SW2. Only for commands
         * that carry an Le (case 2: 5 bytes; case 4: 5 + Lc + 1). */
        int has_le = n == 5 || (n > 5 && n == 6 + (size_t)cmd[4]);
        if (!has_le || n > sizeof again) {
            rc = set_err(h, KIGEN_CARD_E_PROTOCOL,
                         "the card asked for another Le (6C%02X) on a command without one", resp[rlen - 1]);
        } else {
            memcpy(again, cmd, n);
            again[n - 1] = resp[rlen - 1];
            rc = raw(h, again, n, resp, &rlen);
            OPENSSL_cleanse(again, sizeof again);
            if (rc == KIGEN_OK && resp[rlen - 2] == 0x6C)
                rc = set_err(h, KIGEN_CARD_E_PROTOCOL, "the card asked for another Le twice (6C%02X)",
                             resp[rlen - 1]);
        }
    }
    for (int rounds = 0; rc == KIGEN_OK; rounds++) {
        size_t dl = rlen - 2;
        if (dl > cap - total) {
            rc = set_err(h, KIGEN_CARD_E_PROTOCOL, "the card sent %zu bytes where at most %zu were expected",
                         total + dl, cap);
            break;
        }
        if (dl)
            memcpy(out + total, resp, dl);
        total += dl;
        *sw = ((unsigned)resp[rlen - 2] << 8) | resp[rlen - 1];
        if (resp[rlen - 2] != 0x61)
            break;
        if (rounds >= 64) {
            rc = set_err(h, KIGEN_CARD_E_PROTOCOL, "the card keeps answering 61xx (more data)");
            break;
        }
        uint8_t get[5] = {0x00, 0xC0, 0x00, 0x00, resp[rlen - 1]};
        rc = raw(h, get, sizeof get, resp, &rlen);
    }
    OPENSSL_cleanse(resp, sizeof resp);
    *outlen = total;
    return rc;
}

static int sw_err(kigen_card *h, unsigned sw, const char *what)
{
    switch (sw) {
    case 0x6982: return set_err(h, KIGEN_CARD_E_PIN_REQUIRED, "%s: the card wants a PIN first (6982)", what);
    case 0x6A82: return set_err(h, KIGEN_CARD_E_NOT_FOUND, "%s: no such file on the card (6A82)", what);
    case 0x6B00: return set_err(h, KIGEN_CARD_E_PROTOCOL, "%s: read past the end of the file (6B00)", what);
    default: return set_err(h, KIGEN_CARD_E_PROTOCOL, "%s: unexpected status %04X", what, sw);
    }
}

static int select_ap(kigen_card *h, int ap)
{
    if (h->selected_ap == ap)
        return KIGEN_OK;
    uint8_t cmd[5 + 10] = {0x00, 0xA4, 0x04, 0x0C, 0x0A};
    memcpy(cmd + 5, ap == AP_JPKI ? kg_aid_jpki : kg_aid_text, 10);
    uint8_t out[KG_CARD_RESP_MAX];
    size_t ol;
    unsigned sw = 0;
    h->selected_ap = AP_NONE;
    int rc = xfer(h, cmd, sizeof cmd, out, sizeof out, &ol, &sw);
    if (rc != KIGEN_OK)
        return rc;
    if (sw == 0x6A82 || sw == 0x6A86 || sw == 0x6D00 || sw == 0x6E00)
        return set_err(h, KIGEN_CARD_E_NOT_JPKI,
                       "the card has no %s (SELECT answered %04X): not a My Number card",
                       ap == AP_JPKI ? "JPKI application" : "text application (券面事項入力補助AP)", sw);
    if (sw != 0x9000)
        return sw_err(h, sw,
                      ap == AP_JPKI ? "SELECT of the JPKI application" : "SELECT of the text application");
    h->selected_ap = ap;
    return KIGEN_OK;
}

static int select_ef(kigen_card *h, int ap, unsigned fid)
{
    int rc = select_ap(h, ap);
    if (rc != KIGEN_OK)
        return rc;
    uint8_t cmd[7] = {0x00, 0xA4, 0x02, 0x0C, 0x02, (uint8_t)(fid >> 8), (uint8_t)fid};
    uint8_t out[KG_CARD_RESP_MAX];
    size_t ol;
    unsigned sw = 0;
    rc = xfer(h, cmd, sizeof cmd, out, sizeof out, &ol, &sw);
    if (rc != KIGEN_OK)
        return rc;
    if (sw != 0x9000) {
        char what[48];
        snprintf(what, sizeof what, "SELECT of EF %04X", fid);
        return sw_err(h, sw, what);
    }
    return KIGEN_OK;
}

/* READ BINARY of up to `want` (1..256) bytes at `off`; *got may be fewer
 * (a card may answer short, with 9000 or 6282). */
static int read_some(kigen_card *h, unsigned fid, size_t off, size_t want, uint8_t *buf, size_t *got)
{
    if (off > 0x7FFF)
        return set_err(h, KIGEN_CARD_E_PROTOCOL, "EF %04X: offset %zu is beyond READ BINARY's reach", fid,
                       off);
    uint8_t cmd[5] = {0x00, 0xB0, (uint8_t)((off >> 8) & 0x7F), (uint8_t)off,
                      (uint8_t)(want == 256 ? 0 : want)};
    unsigned sw = 0;
    int rc = xfer(h, cmd, sizeof cmd, buf, want, got, &sw);
    if (rc != KIGEN_OK)
        return rc;
    if (sw == 0x9000 || (sw == 0x6282 && *got > 0)) {
        if (*got == 0)
            return set_err(h, KIGEN_CARD_E_PROTOCOL, "EF %04X: READ BINARY at %zu returned no data", fid,
                           off);
        return KIGEN_OK;
    }
    char what[48];
    snprintf(what, sizeof what, "READ BINARY of EF %04X at %zu", fid, off);
    return sw_err(h, sw, what);
}

/* Read exactly len bytes at off, in chunks of at most 256. */
static int read_exact(kigen_card *h, unsigned fid, size_t off, uint8_t *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        size_t want = len - done > 256 ? 256 : len - done, got = 0;
        int rc = read_some(h, fid, off + done, want, buf + done, &got);
        if (rc != KIGEN_OK)
            return rc;
        done += got;
    }
    return KIGEN_OK;
}

/* ------------------------------------------------------------------ */
/* JPKI                                                                */
/* ------------------------------------------------------------------ */

int kigen_card_detect(kigen_card *h, kigen_card_detection *how)
{
    if (!h)
        return KIGEN_EINVAL;
    clear_err(h);
    if (how)
        *how = KIGEN_CARD_DETECT_NONE;
    if (!h->connected)
        return set_err(h, KIGEN_CARD_E_NOT_CONNECTED, "no card is connected");
    if (kg_card_atr_lookup(h->atr, h->atr_len)) {
        h->detected_by = KIGEN_CARD_DETECT_ATR;
    } else {
        /* Unknown ATR (another reader, a newer card): ask the card. */
        h->selected_ap = AP_NONE;
        int rc = select_ap(h, AP_JPKI);
        if (rc != KIGEN_OK)
            return rc;
        h->detected_by = KIGEN_CARD_DETECT_AID;
    }
    if (how)
        *how = h->detected_by;
    return KIGEN_OK;
}

int kigen_card_token_type(kigen_card *h, kigen_card_token *out)
{
    if (!h || !out)
        return KIGEN_EINVAL;
    clear_err(h);
    *out = KIGEN_CARD_TOKEN_UNKNOWN;
    int rc = select_ef(h, AP_JPKI, KG_EF_TOKEN);
    if (rc != KIGEN_OK)
        return rc;
    uint8_t buf[32];
    size_t got = 0;
    rc = read_some(h, KG_EF_TOKEN, 0, sizeof buf, buf, &got);
    if (rc != KIGEN_OK)
        return rc;
    *out = kg_card_parse_token(buf, got);
    return KIGEN_OK;
}

static const struct {
    int ap;
    unsigned ef;
    int max_tries;
    const char *name;
} pins[3] = {
    {AP_JPKI, KG_EF_AUTH_PIN, 3, "the authentication PIN (利用者証明用暗証番号)"},
    {AP_JPKI, KG_EF_SIGN_PIN, 5, "the signature password (署名用パスワード)"},
    {AP_TEXT, KG_EF_TEXT_PIN, 3, "the text application PIN (券面事項入力補助用暗証番号)"},
};

/* Select the PIN's EF and ask its tries without spending one. *tries: the
 * count, or -2 when the card says it is verified already (9000). */
static int query_tries(kigen_card *h, kigen_card_pin pin, int *tries)
{
    int rc = select_ef(h, pins[pin].ap, pins[pin].ef);
    if (rc != KIGEN_OK)
        return rc;
    uint8_t cmd[4] = {0x00, 0x20, 0x00, 0x80};
    uint8_t out[KG_CARD_RESP_MAX];
    size_t ol;
    unsigned sw = 0;
    rc = xfer(h, cmd, sizeof cmd, out, sizeof out, &ol, &sw);
    if (rc != KIGEN_OK)
        return rc;
    if (sw == 0x9000) {
        *tries = -2;
        return KIGEN_OK;
    }
    int t = kg_card_sw_tries(sw);
    if (t < 0)
        return set_err(h, KIGEN_CARD_E_PROTOCOL,
                       "the card did not tell the tries left for %s (status %04X); not sending a PIN blind",
                       pins[pin].name, sw);
    *tries = t;
    return KIGEN_OK;
}

int kigen_card_pin_tries(kigen_card *h, kigen_card_pin pin, int *tries)
{
    if (!h || !tries || (unsigned)pin > KIGEN_CARD_PIN_TEXT)
        return KIGEN_EINVAL;
    clear_err(h);
    *tries = -1;
    int t = -1;
    int rc = query_tries(h, pin, &t);
    if (rc != KIGEN_OK)
        return rc;
    *tries = t == -2 ? pins[pin].max_tries : t;
    return KIGEN_OK;
}

/* Check and normalise the PIN into buf (NUL-terminated); 0 when good. */
static int pin_form(kigen_card_pin pin, const char *text, char *buf, size_t cap, char *why, size_t whycap)
{
    size_t n = strnlen(text, cap);
    if (pin == KIGEN_CARD_PIN_SIGN) {
        if (n < 6 || n > 16) {
            snprintf(why, whycap, "the signature password has 6 to 16 characters");
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            char c = text[i];
            if (c >= 'a' && c <= 'z')
                c = (char)(c - 'a' + 'A');
            if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
                snprintf(why, whycap, "the signature password has only letters A-Z and digits");
                return -1;
            }
            buf[i] = c;
        }
    } else {
        if (n != 4) {
            snprintf(why, whycap, "the PIN has exactly 4 digits");
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            if (text[i] < '0' || text[i] > '9') {
                snprintf(why, whycap, "the PIN has only digits");
                return -1;
            }
            buf[i] = text[i];
        }
    }
    buf[n] = '\0';
    return 0;
}

int kigen_card_verify(kigen_card *h, kigen_card_pin pin, const char *pin_text, int force, int *tries_left)
{
    if (!h || !pin_text || (unsigned)pin > KIGEN_CARD_PIN_TEXT)
        return KIGEN_EINVAL;
    clear_err(h);
    if (tries_left)
        *tries_left = -1;
    char norm[17];
    char why[96];
    if (pin_form(pin, pin_text, norm, sizeof norm, why, sizeof why) != 0) {
        OPENSSL_cleanse(norm, sizeof norm);
        return set_err(h, KIGEN_CARD_E_PIN_FORMAT, "%s: not sent to the card", why);
    }
    size_t n = strlen(norm);

    int tries = -1;
    int rc = query_tries(h, pin, &tries);
    if (rc != KIGEN_OK)
        goto out;
    if (tries == -2) { /* already verified in this session */
        if (tries_left)
            *tries_left = pins[pin].max_tries;
        goto out;
    }
    if (tries_left)
        *tries_left = tries;
    if (tries == 0) {
        rc = set_err(h, KIGEN_CARD_E_PIN_BLOCKED,
                     "%s is blocked (no tries left); only the city office can reset it", pins[pin].name);
        goto out;
    }
    if (tries == 1 && !force) {
        rc = set_err(h, KIGEN_CARD_E_PIN_LAST_TRY,
                     "%s has only 1 try left: not trying (a wrong PIN would block it; "
                     "force it only if you are sure)",
                     pins[pin].name);
        goto out;
    }

    uint8_t cmd[5 + 16] = {0x00, 0x20, 0x00, 0x80, (uint8_t)n};
    memcpy(cmd + 5, norm, n); /* NOLINT(bugprone-not-null-terminated-result): an APDU, not a string */
    uint8_t resp[KG_CARD_RESP_MAX];
    size_t rl = 0;
    unsigned sw = 0;
    rc = xfer(h, cmd, 5 + n, resp, sizeof resp, &rl, &sw);
    OPENSSL_cleanse(cmd, sizeof cmd);
    if (rc != KIGEN_OK)
        goto out;
    if (sw == 0x9000) {
        h->verified = 1;
        if (tries_left)
            *tries_left = pins[pin].max_tries;
        goto out;
    }
    int left = kg_card_sw_tries(sw);
    if (sw == 0x6984)
        left = 0;
    if (left == 0) {
        if (tries_left)
            *tries_left = 0;
        rc = set_err(h, KIGEN_CARD_E_PIN_BLOCKED,
                     "wrong PIN: %s is now blocked; only the city office can reset it", pins[pin].name);
    } else if (left > 0) {
        if (tries_left)
            *tries_left = left;
        rc = set_err(h, KIGEN_CARD_E_PIN_WRONG, "wrong PIN: %s has %d tr%s left", pins[pin].name, left,
                     left == 1 ? "y" : "ies");
    } else if (sw == 0x6700) {
        rc = set_err(h, KIGEN_CARD_E_PIN_FORMAT, "the card refused the PIN's length (6700)");
    } else {
        rc = sw_err(h, sw, "VERIFY");
    }
out:
    OPENSSL_cleanse(norm, sizeof norm);
    return rc;
}

static const struct {
    unsigned ef;
    const char *name;
} cert_files[4] = {
    {KG_EF_AUTH_CERT, "the authentication certificate"},
    {KG_EF_AUTH_CA, "the authentication CA certificate"},
    {KG_EF_SIGN_CERT, "the signature certificate"},
    {KG_EF_SIGN_CA, "the signature CA certificate"},
};

int kigen_card_read_cert(kigen_card *h, kigen_card_cert_id id, const uint8_t **der, size_t *len)
{
    if (!h || !der || !len || (unsigned)id > KIGEN_CARD_CERT_SIGN_CA)
        return KIGEN_EINVAL;
    clear_err(h);
    *der = NULL;
    *len = 0;
    if (h->certs[id]) {
        *der = h->certs[id];
        *len = h->cert_len[id];
        return KIGEN_OK;
    }
    unsigned ef = cert_files[id].ef;
    int rc = select_ef(h, AP_JPKI, ef);
    if (rc != KIGEN_OK) {
        if (h->err == KIGEN_CARD_E_PIN_REQUIRED || h->err == KIGEN_CARD_E_NOT_FOUND) {
            char m[sizeof h->errmsg];
            snprintf(m, sizeof m, "%s", h->errmsg);
            set_err(h, h->err, "%s: %s", cert_files[id].name, m);
        }
        return rc;
    }
    uint8_t hdr[4];
    rc = read_exact(h, ef, 0, hdr, sizeof hdr);
    if (rc != KIGEN_OK) {
        if (h->err == KIGEN_CARD_E_PIN_REQUIRED)
            set_err(h, h->err, "%s (EF %04X) needs %s first", cert_files[id].name, ef,
                    id == KIGEN_CARD_CERT_SIGN ? "the signature password" : "the authentication PIN");
        return rc;
    }
    size_t total = 0;
    int d = kg_card_der_total(hdr, sizeof hdr, &total);
    if (d != 0)
        return set_err(h, KIGEN_CARD_E_PROTOCOL,
                       "%s (EF %04X) does not start with a DER certificate header (%02X %02X %02X %02X%s)",
                       cert_files[id].name, ef, hdr[0], hdr[1], hdr[2], hdr[3],
                       d == -2 ? ": length out of range" : "");
    uint8_t *buf = malloc(total);
    if (!buf)
        return KIGEN_ENOMEM;
    memcpy(buf, hdr, sizeof hdr);
    rc = read_exact(h, ef, sizeof hdr, buf + sizeof hdr, total - sizeof hdr);
    if (rc != KIGEN_OK) {
        free(buf);
        return rc;
    }
    /* It must be a certificate, all of it. */
    const unsigned char *p = buf;
    X509 *x = d2i_X509(NULL, &p, (long)total);
    int whole = x && (size_t)(p - buf) == total;
    X509_free(x);
    if (!whole) {
        free(buf);
        return set_err(h, KIGEN_CARD_E_CERT, "%s (EF %04X, %zu bytes) is not a valid X.509 certificate",
                       cert_files[id].name, ef, total);
    }
    h->certs[id] = buf;
    h->cert_len[id] = total;
    *der = buf;
    *len = total;
    return KIGEN_OK;
}

int kigen_card_read_basic(kigen_card *h, kigen_card_basic *out)
{
    if (!h || !out)
        return KIGEN_EINVAL;
    clear_err(h);
    memset(out, 0, sizeof *out);
    if (!h->basic[0]) {
        int rc = select_ef(h, AP_TEXT, KG_EF_TEXT_BASIC);
        if (rc != KIGEN_OK)
            return rc;
        /* FF 20 and up to 3 length bytes: read 5, then the rest */
        uint8_t head[5];
        rc = read_exact(h, KG_EF_TEXT_BASIC, 0, head, sizeof head);
        if (rc != KIGEN_OK) {
            if (h->err == KIGEN_CARD_E_PIN_REQUIRED)
                set_err(h, h->err, "the basic facts (text AP EF 0002) need the text application PIN first");
            return rc;
        }
        unsigned tag;
        size_t v, vl, need = 0;
        int t = kg_card_tlv(head, sizeof head, &tag, &v, &vl, &need);
        if (t == -2 || (t == -1 && need == 0) || (head[0] != 0xFF || head[1] != 0x20))
            return set_err(h, KIGEN_CARD_E_PROTOCOL,
                           "the basic-facts record does not start with FF20 and a length");
        size_t total = t == 0 ? v + vl : need;
        if (total > KG_BASIC_MAX)
            return set_err(h, KIGEN_CARD_E_PROTOCOL, "the basic-facts record claims %zu bytes", total);
        uint8_t *buf = malloc(total < sizeof head ? sizeof head : total);
        if (!buf)
            return KIGEN_ENOMEM;
        memcpy(buf, head, sizeof head);
        if (total > sizeof head)
            rc = read_exact(h, KG_EF_TEXT_BASIC, sizeof head, buf + sizeof head, total - sizeof head);
        kg_slice s[5];
        char why[128];
        if (rc == KIGEN_OK && kg_card_parse_basic(buf, total, s, why, sizeof why) != 0)
            rc = set_err(h, KIGEN_CARD_E_PROTOCOL, "%s", why);
        if (rc == KIGEN_OK) {
            for (int i = 0; i < 4 && rc == KIGEN_OK; i++) {
                h->basic[i] = kg_card_text_dup(s[i + 1].p, s[i + 1].n);
                if (!h->basic[i])
                    rc = KIGEN_ENOMEM;
            }
            if (rc != KIGEN_OK)
                drop_basic(h);
        }
        OPENSSL_cleanse(buf, total < sizeof head ? sizeof head : total);
        OPENSSL_cleanse(head, sizeof head);
        free(buf);
        if (rc != KIGEN_OK)
            return rc;
    }
    out->name = h->basic[0];
    out->address = h->basic[1];
    out->birth = h->basic[2];
    out->sex = h->basic[3];
    const char *b = h->basic[2];
    if (strlen(b) == 8 && strspn(b, "0123456789") == 8) {
        /* eight digits, checked above: YYYYMMDD */
        int y = (b[0] - '0') * 1000 + (b[1] - '0') * 100 + (b[2] - '0') * 10 + (b[3] - '0');
        int m = (b[4] - '0') * 10 + (b[5] - '0'), d = (b[6] - '0') * 10 + (b[7] - '0');
        kigen_date date;
        if (kigen_date_from_ymd(y, m, d, &date) == KIGEN_OK)
            out->birth_date = date;
    }
    return KIGEN_OK;
}
