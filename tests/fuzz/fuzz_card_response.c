/* Fuzz the card driver with what a malicious card could answer.
 *
 * Input: byte 0 picks the operations (bit 0 detect, 1 token info, 2 PIN
 * tries, 3 VERIFY of the sign password, 4 force, 5 read the auth
 * certificate, 6 read the sign certificate, 7 read the basic facts);
 * byte 1 is the ATR's length (at most 33) and the ATR follows; then come
 * the card's answers, each a 2-byte big-endian length and that many bytes.
 * When the answers run out, the card is "removed". The pure parsers also
 * get the whole input. Nothing here may crash, leak, loop or read out of
 * bounds, whatever the bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The card driver is only in the library when it is built with it. */
#include "kigen_version.h"
#if KIGEN_HAS_CARD
#define HAVE_CARD 1
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifdef HAVE_CARD
#include "card/jpki.h"
#include "card/parse.h"

typedef struct feed {
    const uint8_t *p;
    size_t n, off;
    int connected;
} feed;

static int f_list(void *self, char ***names, size_t *n, char *msg, size_t cap)
{
    (void)self;
    (void)msg;
    (void)cap;
    char **a = calloc(1, sizeof *a);
    if (!a)
        return KIGEN_CARD_E_PCSC;
    a[0] = strdup("Fuzz Reader 00 00");
    if (!a[0]) {
        free(a);
        return KIGEN_CARD_E_PCSC;
    }
    *names = a;
    *n = 1;
    return 0;
}

static int f_status(void *self, const char *reader, int *present, uint8_t *atr, size_t *atr_len, char *msg,
                    size_t cap)
{
    (void)self;
    (void)reader;
    (void)atr;
    (void)msg;
    (void)cap;
    *present = 1;
    *atr_len = 0;
    return 0;
}

static int f_wait(void *self, char *const *readers, size_t n, int timeout_ms, size_t *which, char *msg, size_t cap)
{
    (void)self;
    (void)readers;
    (void)n;
    (void)timeout_ms;
    (void)which;
    snprintf(msg, cap, "no card");
    return KIGEN_CARD_E_TIMEOUT;
}

static int f_connect(void *self, const char *reader, uint8_t *atr, size_t *atr_len, int *protocol, char *msg,
                     size_t cap)
{
    feed *f = self;
    (void)reader;
    if (f->n < 2) {
        snprintf(msg, cap, "no card");
        return KIGEN_CARD_E_NO_CARD;
    }
    size_t al = f->p[1];
    if (al > KIGEN_CARD_MAX_ATR)
        al = KIGEN_CARD_MAX_ATR;
    if (al > f->n - 2)
        al = f->n - 2;
    memcpy(atr, f->p + 2, al);
    *atr_len = al;
    *protocol = f->p[0] & 1;
    f->off = 2 + al;
    f->connected = 1;
    return 0;
}

static int f_transmit(void *self, const uint8_t *cmd, size_t n, uint8_t *resp, size_t *resp_len, char *msg,
                      size_t cap)
{
    feed *f = self;
    (void)cmd;
    (void)n;
    if (f->off + 2 > f->n) {
        snprintf(msg, cap, "removed");
        return KIGEN_CARD_E_REMOVED;
    }
    size_t len = (size_t)f->p[f->off] << 8 | f->p[f->off + 1];
    f->off += 2;
    if (len > f->n - f->off)
        len = f->n - f->off;
    const uint8_t *r = f->p + f->off;
    f->off += len;
    if (len > *resp_len) {
        snprintf(msg, cap, "answer too long");
        return KIGEN_CARD_E_PROTOCOL;
    }
    memcpy(resp, r, len);
    *resp_len = len;
    return 0;
}

static void f_disconnect(void *self, int reset)
{
    feed *f = self;
    (void)reset;
    f->connected = 0;
}

static void f_destroy(void *self) { (void)self; }

static const kg_card_transport_ops feed_ops = {
    .list_readers = f_list,
    .reader_status = f_status,
    .wait_card = f_wait,
    .connect = f_connect,
    .transmit = f_transmit,
    .disconnect = f_disconnect,
    .destroy = f_destroy,
};

static void parsers(const uint8_t *data, size_t size)
{
    unsigned tag;
    size_t v, vl, need, total;
    (void)kg_card_tlv(data, size, &tag, &v, &vl, &need);
    (void)kg_card_der_total(data, size, &total);
    (void)kg_card_parse_token(data, size);
    (void)kg_card_atr_lookup(data, size);
    kg_slice s[5];
    char msg[128];
    if (kg_card_parse_basic(data, size, s, msg, sizeof msg) == 0) {
        for (int i = 0; i < 5; i++) {
            char *t = kg_card_text_dup(s[i].p, s[i].n);
            free(t);
        }
    }
    char *t = kg_card_text_dup(data, size);
    free(t);
    kigen_card_cert c;
    if (kigen_card_cert_parse(data, size, &c, msg, sizeof msg) == KIGEN_OK)
        kigen_card_cert_clear(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    parsers(data, size);
    if (size < 2)
        return 0;
    feed f = {data, size, 0, 0};
    kigen_card *h = NULL;
    if (kg_card_new_with_transport(&feed_ops, &f, &h) != KIGEN_OK)
        return 0;
    unsigned ops = data[0];
    if (kigen_card_connect(h, NULL, 0) == KIGEN_OK) {
        if (ops & 0x01)
            (void)kigen_card_detect(h, NULL);
        if (ops & 0x02) {
            kigen_card_token t;
            (void)kigen_card_token_type(h, &t);
        }
        if (ops & 0x04) {
            int tries;
            (void)kigen_card_pin_tries(h, KIGEN_CARD_PIN_TEXT, &tries);
        }
        if (ops & 0x08) {
            int left;
            (void)kigen_card_verify(h, KIGEN_CARD_PIN_SIGN, "abc123", (ops & 0x10) != 0, &left);
        }
        const uint8_t *der;
        size_t len;
        if (ops & 0x20)
            (void)kigen_card_read_cert(h, KIGEN_CARD_CERT_AUTH, &der, &len);
        if (ops & 0x40)
            (void)kigen_card_read_cert(h, KIGEN_CARD_CERT_SIGN, &der, &len);
        if (ops & 0x80) {
            kigen_card_basic b;
            if (kigen_card_verify(h, KIGEN_CARD_PIN_TEXT, "1234", 1, NULL) == KIGEN_OK &&
                kigen_card_read_basic(h, &b) == KIGEN_OK) {
                /* the strings must be NUL-terminated */
                size_t k = strlen(b.name) + strlen(b.address) + strlen(b.birth) + strlen(b.sex);
                (void)k;
            }
        }
        (void)kigen_card_errmsg(h);
    }
    kigen_card_free(h);
    return 0;
}

#else /* no card driver in this build */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)data;
    (void)size;
    return 0;
}
#endif
