/* JPKI protocol facts: application ids, elementary files, sizes (the
 * card's protocol is described in docs/card.md). The AIDs are defined in
 * parse.c. */
#ifndef KIGEN_CARD_PROTOCOL_H
#define KIGEN_CARD_PROTOCOL_H

#include <stdint.h>

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

#endif
