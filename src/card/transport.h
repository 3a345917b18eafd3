/* The transport interface: what the JPKI protocol layer (jpki.c) needs
 * from a reader stack. PC/SC implements it (pcsc.c), the tests a scripted
 * mock, the fuzz target a feed of bytes. The protocol layer knows only
 * this header; which transport a handle gets is decided in open.c. */
#ifndef KIGEN_CARD_TRANSPORT_H
#define KIGEN_CARD_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "kigen_card.h"

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
    int (*reader_status)(void *self, const char *reader, int *present, uint8_t *atr, size_t *atr_len,
                         char *msg, size_t cap);
    /* Wait until one of the n readers holds a card: *which is its index.
     * timeout_ms < 0 waits forever. KIGEN_CARD_E_TIMEOUT when none came. */
    int (*wait_card)(void *self, char *const *readers, size_t n, int timeout_ms, size_t *which, char *msg,
                     size_t cap);
    /* Connect (shared, T=0 or T=1) and start a transaction. */
    int (*connect)(void *self, const char *reader, uint8_t *atr, size_t *atr_len, int *protocol, char *msg,
                   size_t cap);
    /* Send one command APDU; the answer (data and SW1 SW2) goes to resp,
     * which holds *resp_len bytes on entry and the answer's length on
     * return. */
    int (*transmit)(void *self, const uint8_t *cmd, size_t cmd_len, uint8_t *resp, size_t *resp_len,
                    char *msg, size_t cap);
    /* End the transaction and disconnect; reset != 0 resets the card. */
    void (*disconnect)(void *self, int reset);
    /* Release everything (after disconnect). */
    void (*destroy)(void *self);
} kg_card_transport_ops;

/* Free a list of reader names (list_readers' result): the strings, then
 * the array. NULL is fine. (transport.c) */
void kg_card_free_names(char **names, size_t n);

#endif
