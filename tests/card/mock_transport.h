/* A scripted transport for the card protocol tests: readers with or
 * without cards, and a script of expected command APDUs with the answers
 * to give. After the script (or without one) commands can go to an
 * emulated card (tests/vcard/vcard_card.c). Every command sent is logged
 * as hex so tests can assert the exact APDU sequence. */
#ifndef KIGEN_MOCK_TRANSPORT_H
#define KIGEN_MOCK_TRANSPORT_H

#include <stddef.h>

#include "card/jpki.h"
#include "card/parse.h"
#include "vcard_card.h"

typedef struct mock_step {
    const char *expect; /* hex of the expected command (spaces ignored); NULL: any */
    const char *answer; /* hex of the answer: data then SW1 SW2 */
    int err;            /* instead of an answer: this transport error kind */
} mock_step;

typedef struct mock_reader {
    const char *name;
    int present;
    const char *atr; /* hex */
} mock_reader;

#define MOCK_LOG_MAX 512

typedef struct mock {
    mock_reader readers[4];
    size_t nreaders;
    int list_err;       /* list_readers fails with this kind */
    int wait_err;       /* wait_card fails with this kind (e.g. TIMEOUT) */
    size_t wait_which;  /* else: this reader gets a card */
    int connect_err;
    const mock_step *script;
    size_t nsteps, pos;
    vc_card *card;      /* commands after the script go here */
    unsigned long fail_at; /* > 0: that transmit (1-based) fails with fail_kind */
    int fail_kind;
    unsigned long transmits;
    char log[MOCK_LOG_MAX][600];
    size_t nlog;
    int connected, disconnects, last_reset, destroyed;
    int protocol;
} mock;

extern const kg_card_transport_ops mock_ops;

/* A handle over a mock (the mock stays owned by the test). */
kigen_card *mock_handle(mock *m);
/* The hex of command i sent, "" past the end. */
const char *mock_sent(const mock *m, size_t i);
/* How many commands sent start with this hex prefix. */
size_t mock_count(const mock *m, const char *prefix);

#endif
