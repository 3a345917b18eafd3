/* The card driver's insides: the transport interface that the JPKI protocol
 * layer talks through (PC/SC in pcsc.c, a scripted mock in the tests), and
 * the pure parsers of card answers (parse.c), exposed for the unit tests
 * and the fuzz target. Not installed; not part of the public API. */
#ifndef KIGEN_CARD_INTERNAL_H
#define KIGEN_CARD_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "kigen.h"

/* ------------------------------------------------------------------ */
/* Transport                                                           */
/* ------------------------------------------------------------------ */

/* Largest short-APDU answer: 256 data bytes and the status word. */
#define KG_CARD_RESP_MAX 258

/* What the protocol layer needs from a reader stack. Every function
 * returns 0 (KIGEN_CARD_E_NONE) or a kigen_card_errkind, and on failure
 * writes a readable message into msg (cap bytes, NUL-terminated). `self`
 * is the transport's own state. */
typedef struct kg_card_transport_ops {
    /* The readers, as *n strings in a malloc'd array of malloc'd strings
     * (the caller frees both with kg_card_free_names). No reader at all is
     * KIGEN_CARD_E_NO_READER. */
    int (*list_readers)(void *self, char ***names, size_t *n, char *msg, size_t cap);
    /* Is a card in `reader`? Its ATR (KIGEN_CARD_MAX_ATR bytes) when so. */
    int (*reader_status)(void *self, const char *reader, int *present, uint8_t *atr,
                         size_t *atr_len, char *msg, size_t cap);
    /* Wait until one of the n readers holds a card: *which is its index.
     * timeout_ms < 0 waits forever. KIGEN_CARD_E_TIMEOUT when none came. */
    int (*wait_card)(void *self, char *const *readers, size_t n, int timeout_ms, size_t *which,
                     char *msg, size_t cap);
    /* Connect (shared, T=0 or T=1) and start a transaction. */
    int (*connect)(void *self, const char *reader, uint8_t *atr, size_t *atr_len, int *protocol,
                   char *msg, size_t cap);
    /* Send one command APDU; the answer (data and SW1 SW2) goes to resp,
     * which holds *resp_len bytes on entry and the answer's length on
     * return. */
    int (*transmit)(void *self, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                    size_t *resp_len, char *msg, size_t cap);
    /* End the transaction and disconnect; reset != 0 resets the card. */
    void (*disconnect)(void *self, int reset);
    /* Release everything (after disconnect). */
    void (*destroy)(void *self);
} kg_card_transport_ops;

/* A handle over any transport. The handle takes `self` over: it calls
 * ops->destroy(self) from kigen_card_free (also when this fails). */
int kg_card_new_with_transport(const kg_card_transport_ops *ops, void *self, kigen_card **out);
void kg_card_free_names(char **names, size_t n);

/* The PC/SC transport (pcsc.c). The context is established lazily. */
extern const kg_card_transport_ops kg_pcsc_ops;
void *kg_pcsc_new(void);

/* ------------------------------------------------------------------ */
/* Protocol constants                                                  */
/* ------------------------------------------------------------------ */

#define KG_AID_JPKI_LEN 10
#define KG_AID_TEXT_LEN 10
extern const uint8_t kg_aid_jpki[KG_AID_JPKI_LEN];
extern const uint8_t kg_aid_text[KG_AID_TEXT_LEN];

#define KG_EF_TOKEN 0x0006
#define KG_EF_AUTH_CERT 0x000A
#define KG_EF_AUTH_CA 0x000B
#define KG_EF_SIGN_CERT 0x0001
#define KG_EF_SIGN_CA 0x0002
#define KG_EF_AUTH_PIN 0x0018
#define KG_EF_SIGN_PIN 0x001B
#define KG_EF_TEXT_PIN 0x0011
#define KG_EF_TEXT_BASIC 0x0002

/* The largest certificate READ BINARY can address (15-bit offsets). */
#define KG_CERT_MAX 0x8000
/* The largest basic-facts record we accept. */
#define KG_BASIC_MAX 4096

/* ------------------------------------------------------------------ */
/* Pure parsers (parse.c): every one is bounds-checked and total on any  */
/* input, since a card is outside input.                                 */
/* ------------------------------------------------------------------ */

/* Is this ATR one of the known JPKI ATRs? Returns a static description
 * ("My Number card (contact)") or NULL. */
const char *kg_card_atr_lookup(const uint8_t *atr, size_t len);

/* The token type from EF 0006's bytes (space or NUL padded). */
kigen_card_token kg_card_parse_token(const uint8_t *buf, size_t len);

/* The total size of a DER certificate from its first 4 bytes
 * (30 82 HH LL -> HHLL + 4). 0 on success, -1 when the header is not a
 * certificate's, -2 when the size is out of range (< 256 or > KG_CERT_MAX). */
int kg_card_der_total(const uint8_t *hdr, size_t len, size_t *total);

/* One BER-TLV at buf[0..len): tag (1 or 2 bytes), length (short form or
 * 81/82), value. 0 on success with *tag, *value (offset) and *vlen set
 * (the value lies inside buf); -1 when buf ends too early (with *need the
 * bytes a complete TLV needs, when known), -2 when malformed. */
int kg_card_tlv(const uint8_t *buf, size_t len, unsigned *tag, size_t *value, size_t *vlen,
                size_t *need);

/* A slice of a buffer. */
typedef struct kg_slice {
    const uint8_t *p;
    size_t n;
} kg_slice;

/* Parse the text AP's EF 0002: FF20 { FF21 header, FF22 name, FF23 address,
 * FF24 birth, FF25 sex }. out[0..4] get FF21..FF25 (n 0 when absent).
 * Unknown inner tags are skipped. 0 on success, -1 with a reason in msg. */
int kg_card_parse_basic(const uint8_t *buf, size_t len, kg_slice out[5], char *msg, size_t cap);

/* Copy text from the card as a NUL-terminated UTF-8 string: trailing NULs
 * and spaces are dropped, invalid UTF-8 and control bytes become U+FFFD.
 * malloc'd; NULL on allocation failure. */
char *kg_card_text_dup(const uint8_t *p, size_t n);

/* The tries left in a status word: 63Cx -> x, 6983 -> 0, else -1. */
int kg_card_sw_tries(unsigned sw);

#endif
