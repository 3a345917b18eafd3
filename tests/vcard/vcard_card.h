/* The emulated My Number card: the JPKI AP and the text AP, PIN counters
 * and injectable faults. Pure APDU in, APDU out: kigen-vcard (vcard_main.c)
 * puts it behind vpcd's socket, and the unit tests use it directly as a
 * realistic card behind a mock transport. */
#ifndef KIGEN_VCARD_CARD_H
#define KIGEN_VCARD_CARD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { VC_PIN_AUTH = 0, VC_PIN_SIGN = 1, VC_PIN_TEXT = 2, VC_NPINS = 3 };
enum { VC_DF_NONE = 0, VC_DF_JPKI = 1, VC_DF_TEXT = 2 };

typedef struct vc_blob {
    uint8_t *p;
    size_t n;
} vc_blob;

typedef struct vc_card {
    /* --- configuration --- */
    uint8_t atr[33];
    size_t atr_len;
    char token[33];       /* EF 0006 text, padded with spaces to 32 bytes */
    vc_blob auth_cert, auth_ca, sign_cert, sign_ca;
    char pin[VC_NPINS][17];
    int max_tries[VC_NPINS];
    char name[256], address[512], birth[16], sex[8], my_number[16];
    int t0;               /* answer with 61xx / GET RESPONSE and 6Cxx, as a T=0 card */
    /* faults */
    int short_read;       /* > 0: READ BINARY returns at most this many bytes */
    unsigned long wrong_sw_at; /* > 0: that APDU (1-based count) gets wrong_sw */
    unsigned wrong_sw;
    unsigned long disconnect_after; /* > 0: vanish when that APDU arrives */
    int bad_der_length;   /* serve the auth certificate with a broken header */
    int tlv_overrun;      /* serve a basic-facts record whose inner TLV overruns */
    FILE *log;            /* APDU log (PINs masked); may be NULL */

    /* --- state --- */
    int tries[VC_NPINS];  /* persists across power cycles, as on a card */
    int df;
    int ef;               /* selected EF id, -1 none */
    int verified[VC_NPINS];
    unsigned long apdus;
    uint8_t pending[256 * 64];
    size_t pending_n, pending_off;
    unsigned pending_sw;
} vc_card;

/* Defaults: the contact card ATR, token JPKIAPICCTOKEN2, PINs 1234 /
 * ABC123 / 1234, tries 3/5/3, made-up basic facts, no certificates. */
void vc_card_init(vc_card *c);
void vc_card_free(vc_card *c);
/* Power on / reset: selection and verified state are lost; counters stay. */
void vc_card_reset(vc_card *c);
/* Set one option by name ("auth_pin", "token", "fault", ...); `base` is
 * the directory relative file names are resolved against (may be NULL).
 * 0 on success, -1 with a reason in err. */
int vc_card_set(vc_card *c, const char *key, const char *value, const char *base, char *err, size_t errlen);
/* Read a key=value config file. */
int vc_card_load_config(vc_card *c, const char *path, char *err, size_t errlen);
/* Answer one command APDU. Returns 0 with the answer in resp (*resp_len
 * bytes, room for 258), or -1 when the card "vanishes" (disconnect fault). */
int vc_card_apdu(vc_card *c, const uint8_t *cmd, size_t n, uint8_t *resp, size_t *resp_len);

#endif
