/* Pure parsers of what a card sends (parse.c): every one is
 * bounds-checked and total on any input, since a card is outside input.
 * Exposed for the unit tests and the fuzz target. */
#ifndef KIGEN_CARD_PARSE_H
#define KIGEN_CARD_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "card/protocol.h"
#include "kigen_card.h"

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
int kg_card_tlv(const uint8_t *buf, size_t len, unsigned *tag, size_t *value, size_t *vlen, size_t *need);

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
