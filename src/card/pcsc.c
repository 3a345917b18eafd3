/* The PC/SC transport over pcsc-lite: readers, waiting for a card,
 * connect, transmit. Each PC/SC failure becomes one kigen_card_errkind
 * with a message that says what to do about it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <winscard.h>

#include "card/pcsc.h"

typedef struct pcsc {
    SCARDCONTEXT ctx;
    int have_ctx;
    SCARDHANDLE card;
    int have_card;
    int in_tx;
    DWORD proto;
    char reader[256];
} pcsc;

void *kg_pcsc_new(void)
{
    return calloc(1, sizeof(pcsc));
}

static int msgf(char *msg, size_t cap, int kind, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int msgf(char *msg, size_t cap, int kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (msg && cap)
        vsnprintf(msg, cap, fmt, ap);
    va_end(ap);
    return kind;
}

/* Milliseconds since t0 (monotonic). */
static long ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)(t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Failures that can happen anywhere; -1 when rv is not one of them. */
static int common_err(pcsc *p, LONG rv, char *msg, size_t cap)
{
    switch (rv) {
    case SCARD_E_NO_SERVICE:
    case SCARD_E_SERVICE_STOPPED:
    case SCARD_E_INVALID_HANDLE:
        /* the daemon is gone: the next call establishes a new context */
        if (p->have_ctx && rv != SCARD_E_NO_SERVICE)
            SCardReleaseContext(p->ctx);
        p->have_ctx = 0;
        p->have_card = 0;
        p->in_tx = 0;
        return msgf(msg, cap, KIGEN_CARD_E_NO_PCSCD,
                    "the PC/SC service is not running (%s): start pcscd "
                    "(systemctl start pcscd.socket, or run pcscd) and try again",
                    pcsc_stringify_error(rv));
    case SCARD_E_NO_MEMORY: return msgf(msg, cap, KIGEN_CARD_E_PCSC, "PC/SC: out of memory");
    default: return -1;
    }
}

static int ensure_ctx(pcsc *p, char *msg, size_t cap)
{
    if (p->have_ctx) {
        if (SCardIsValidContext(p->ctx) == SCARD_S_SUCCESS)
            return 0;
        SCardReleaseContext(p->ctx);
        p->have_ctx = 0;
    }
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &p->ctx);
    if (rv != SCARD_S_SUCCESS) {
        int k = common_err(p, rv, msg, cap);
        return k >= 0 ? k
                      : msgf(msg, cap, KIGEN_CARD_E_NO_PCSCD, "cannot reach the PC/SC service: %s (0x%08lX)",
                             pcsc_stringify_error(rv), (unsigned long)rv);
    }
    p->have_ctx = 1;
    return 0;
}

static int list_readers(void *self, char ***names, size_t *n, char *msg, size_t cap)
{
    pcsc *p = self;
    *names = NULL;
    *n = 0;
    int k = ensure_ctx(p, msg, cap);
    if (k)
        return k;
    DWORD len = 0;
    LONG rv = SCardListReaders(p->ctx, NULL, NULL, &len);
    char *multi = NULL;
    if (rv == SCARD_S_SUCCESS) {
        multi = malloc(len ? len : 1);
        if (!multi)
            return msgf(msg, cap, KIGEN_CARD_E_PCSC, "out of memory");
        rv = SCardListReaders(p->ctx, NULL, multi, &len);
    }
    if (rv == SCARD_E_NO_READERS_AVAILABLE || (rv == SCARD_S_SUCCESS && (len < 2 || multi[0] == '\0'))) {
        free(multi);
        return msgf(msg, cap, KIGEN_CARD_E_NO_READER,
                    "no card reader is connected: plug in a reader (any CCID reader works)");
    }
    if (rv != SCARD_S_SUCCESS) {
        free(multi);
        k = common_err(p, rv, msg, cap);
        return k >= 0 ? k
                      : msgf(msg, cap, KIGEN_CARD_E_PCSC, "cannot list the readers: %s",
                             pcsc_stringify_error(rv));
    }
    multi[len - 1] = '\0';
    size_t count = 0;
    for (size_t i = 0; i < len && multi[i]; i += strlen(multi + i) + 1)
        count++;
    char **arr = calloc(count ? count : 1, sizeof *arr);
    if (!arr) {
        free(multi);
        return msgf(msg, cap, KIGEN_CARD_E_PCSC, "out of memory");
    }
    size_t j = 0;
    for (size_t i = 0; i < len && multi[i] && j < count; i += strlen(multi + i) + 1) {
        arr[j] = strdup(multi + i);
        if (!arr[j]) {
            kg_card_free_names(arr, j);
            free(multi);
            return msgf(msg, cap, KIGEN_CARD_E_PCSC, "out of memory");
        }
        j++;
    }
    free(multi);
    *names = arr;
    *n = count;
    return 0;
}

static int state_err(const char *reader, DWORD ev, char *msg, size_t cap)
{
    if (ev & SCARD_STATE_UNKNOWN)
        return msgf(msg, cap, KIGEN_CARD_E_READER_GONE, "the reader \"%s\" is gone (unplugged?)", reader);
    return 0;
}

static int reader_status(void *self, const char *reader, int *present, uint8_t *atr, size_t *atr_len,
                         char *msg, size_t cap)
{
    pcsc *p = self;
    *present = 0;
    *atr_len = 0;
    int k = ensure_ctx(p, msg, cap);
    if (k)
        return k;
    SCARD_READERSTATE st;
    memset(&st, 0, sizeof st);
    st.szReader = reader;
    st.dwCurrentState = SCARD_STATE_UNAWARE;
    LONG rv = SCardGetStatusChange(p->ctx, 0, &st, 1);
    if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) {
        k = common_err(p, rv, msg, cap);
        if (k >= 0)
            return k;
        if (rv == SCARD_E_UNKNOWN_READER || rv == SCARD_E_READER_UNAVAILABLE)
            return msgf(msg, cap, KIGEN_CARD_E_READER_GONE, "the reader \"%s\" is gone (unplugged?)", reader);
        return msgf(msg, cap, KIGEN_CARD_E_PCSC, "cannot read the state of \"%s\": %s", reader,
                    pcsc_stringify_error(rv));
    }
    if ((k = state_err(reader, st.dwEventState, msg, cap)) != 0)
        return k;
    if ((st.dwEventState & SCARD_STATE_PRESENT) && !(st.dwEventState & SCARD_STATE_MUTE)) {
        *present = 1;
        size_t n = st.cbAtr > KIGEN_CARD_MAX_ATR ? KIGEN_CARD_MAX_ATR : st.cbAtr;
        memcpy(atr, st.rgbAtr, n);
        *atr_len = n;
    }
    return 0;
}

static int wait_card(void *self, char *const *readers, size_t n, int timeout_ms, size_t *which, char *msg,
                     size_t cap)
{
    pcsc *p = self;
    int k = ensure_ctx(p, msg, cap);
    if (k)
        return k;
    if (n == 0 || n > 64)
        return msgf(msg, cap, KIGEN_CARD_E_NO_READER, "no reader to wait on");
    SCARD_READERSTATE st[64];
    memset(st, 0, sizeof st);
    for (size_t i = 0; i < n; i++) {
        st[i].szReader = readers[i];
        st[i].dwCurrentState = SCARD_STATE_UNAWARE;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        DWORD wait = INFINITE;
        if (timeout_ms >= 0) {
            long left = timeout_ms - ms_since(&t0);
            wait = left > 0 ? (DWORD)left : 0;
        }
        LONG rv = SCardGetStatusChange(p->ctx, wait, st, (DWORD)n);
        if (rv == SCARD_E_TIMEOUT)
            return msgf(msg, cap, KIGEN_CARD_E_TIMEOUT, "no card was inserted within %d.%d s",
                        timeout_ms / 1000, timeout_ms % 1000 / 100);
        if (rv != SCARD_S_SUCCESS) {
            k = common_err(p, rv, msg, cap);
            if (k >= 0)
                return k;
            if (rv == SCARD_E_UNKNOWN_READER || rv == SCARD_E_READER_UNAVAILABLE)
                return msgf(msg, cap, KIGEN_CARD_E_READER_GONE,
                            "a reader went away while waiting for a card");
            return msgf(msg, cap, KIGEN_CARD_E_PCSC, "waiting for a card failed: %s",
                        pcsc_stringify_error(rv));
        }
        for (size_t i = 0; i < n; i++) {
            DWORD ev = st[i].dwEventState;
            if ((k = state_err(readers[i], ev, msg, cap)) != 0)
                return k;
            if ((ev & SCARD_STATE_PRESENT) && !(ev & SCARD_STATE_MUTE)) {
                *which = i;
                return 0;
            }
            st[i].dwCurrentState = ev;
        }
        if (timeout_ms >= 0 && ms_since(&t0) >= timeout_ms)
            return msgf(msg, cap, KIGEN_CARD_E_TIMEOUT, "no card was inserted within %d.%d s",
                        timeout_ms / 1000, timeout_ms % 1000 / 100);
    }
}

/* After a failed or empty exchange: has the card (or the reader) gone?
 * pcscd notices a removal only at its next poll (about every 400 ms), so
 * watch the reader's state for up to a second. 0 when the card is still
 * there, else the kind, with a message. */
static int gone(pcsc *p, const char *what, char *msg, size_t cap)
{
    if (!p->have_ctx || !p->reader[0])
        return 0;
    SCARD_READERSTATE st;
    memset(&st, 0, sizeof st);
    st.szReader = p->reader;
    st.dwCurrentState = SCARD_STATE_UNAWARE;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int round = 0; round < 8; round++) {
        long left = 1000 - ms_since(&t0);
        LONG rv = SCardGetStatusChange(p->ctx, round == 0 ? 0 : (DWORD)(left > 0 ? left : 0), &st, 1);
        if (rv == SCARD_E_UNKNOWN_READER || rv == SCARD_E_READER_UNAVAILABLE ||
            (st.dwEventState & SCARD_STATE_UNKNOWN))
            return msgf(msg, cap, KIGEN_CARD_E_READER_GONE, "the reader went away in the middle of %s", what);
        if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT)
            return 0;
        if (st.dwEventState & SCARD_STATE_EMPTY)
            return msgf(msg, cap, KIGEN_CARD_E_REMOVED,
                        "the card was removed in the middle of %s: put it back and try again", what);
        if (rv == SCARD_E_TIMEOUT && round > 0)
            return 0;
        if (ms_since(&t0) >= 1000)
            return 0;
        st.dwCurrentState = st.dwEventState;
    }
    return 0;
}

/* A failure while talking to a connected card. */
static int card_err(pcsc *p, LONG rv, const char *what, char *msg, size_t cap)
{
    int k = common_err(p, rv, msg, cap);
    if (k >= 0)
        return k;
    switch (rv) {
    case SCARD_W_REMOVED_CARD:
    case SCARD_E_NO_SMARTCARD:
        return msgf(msg, cap, KIGEN_CARD_E_REMOVED, "the card was removed (%s): put it back and try again",
                    what);
    case SCARD_W_RESET_CARD:
        return msgf(msg, cap, KIGEN_CARD_E_RESET, "another program reset the card (%s): try again", what);
    case SCARD_E_READER_UNAVAILABLE:
    case SCARD_E_UNKNOWN_READER:
        return msgf(msg, cap, KIGEN_CARD_E_READER_GONE, "the reader went away (%s)", what);
    case SCARD_E_SHARING_VIOLATION:
        return msgf(msg, cap, KIGEN_CARD_E_SHARING,
                    "another program is using the card exclusively (%s): close it and try again", what);
    case SCARD_E_TIMEOUT: return msgf(msg, cap, KIGEN_CARD_E_TIMEOUT, "the reader timed out (%s)", what);
    case SCARD_W_UNRESPONSIVE_CARD:
    case SCARD_W_UNPOWERED_CARD:
    case SCARD_E_PROTO_MISMATCH:
        return msgf(msg, cap, KIGEN_CARD_E_PROTOCOL, "the card does not answer properly (%s: %s)", what,
                    pcsc_stringify_error(rv));
    case SCARD_E_INSUFFICIENT_BUFFER:
        return msgf(msg, cap, KIGEN_CARD_E_PROTOCOL, "the card's answer is too long (%s)", what);
    default: break;
    }
    /* A failed exchange (SCARD_E_NOT_TRANSACTED, SCARD_F_COMM_ERROR...):
     * was the card pulled out in the middle of it? */
    if ((k = gone(p, what, msg, cap)) != 0)
        return k;
    return msgf(msg, cap, KIGEN_CARD_E_PCSC, "%s failed: %s (0x%08lX)", what, pcsc_stringify_error(rv),
                (unsigned long)rv);
}

static int do_connect(void *self, const char *reader, uint8_t *atr, size_t *atr_len, int *protocol, char *msg,
                      size_t cap)
{
    pcsc *p = self;
    int k = ensure_ctx(p, msg, cap);
    if (k)
        return k;
    DWORD proto = 0;
    LONG rv = SCardConnect(p->ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                           &p->card, &proto);
    if (rv == SCARD_E_NO_SMARTCARD || rv == SCARD_W_REMOVED_CARD)
        return msgf(msg, cap, KIGEN_CARD_E_NO_CARD, "no card in the reader \"%s\"", reader);
    if (rv != SCARD_S_SUCCESS)
        return card_err(p, rv, "connecting", msg, cap);
    p->have_card = 1;
    p->proto = proto;
    snprintf(p->reader, sizeof p->reader, "%s", reader);
    rv = SCardBeginTransaction(p->card);
    if (rv != SCARD_S_SUCCESS) {
        k = card_err(p, rv, "starting a transaction", msg, cap);
        SCardDisconnect(p->card, SCARD_LEAVE_CARD);
        p->have_card = 0;
        return k;
    }
    p->in_tx = 1;
    char rname[256];
    DWORD rl = sizeof rname, state = 0, pr = 0, al = MAX_ATR_SIZE;
    BYTE a[MAX_ATR_SIZE];
    rv = SCardStatus(p->card, rname, &rl, &state, &pr, a, &al);
    if (rv != SCARD_S_SUCCESS) {
        k = card_err(p, rv, "reading the card's status", msg, cap);
        SCardEndTransaction(p->card, SCARD_LEAVE_CARD);
        SCardDisconnect(p->card, SCARD_LEAVE_CARD);
        p->have_card = 0;
        p->in_tx = 0;
        return k;
    }
    size_t n = al > KIGEN_CARD_MAX_ATR ? KIGEN_CARD_MAX_ATR : al;
    memcpy(atr, a, n);
    *atr_len = n;
    *protocol = proto == SCARD_PROTOCOL_T0 ? 0 : 1;
    return 0;
}

static int transmit(void *self, const uint8_t *cmd, size_t cmd_len, uint8_t *resp, size_t *resp_len,
                    char *msg, size_t cap)
{
    pcsc *p = self;
    if (!p->have_card)
        return msgf(msg, cap, KIGEN_CARD_E_NOT_CONNECTED, "no card is connected");
    const SCARD_IO_REQUEST *pci = p->proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    DWORD rl = (DWORD)*resp_len;
    LONG rv = SCardTransmit(p->card, pci, cmd, (DWORD)cmd_len, NULL, resp, &rl);
    if (rv != SCARD_S_SUCCESS) {
        *resp_len = 0;
        return card_err(p, rv, "an exchange with the card", msg, cap);
    }
    *resp_len = rl;
    if (rl < 2) {
        /* vpcd answers an empty success when its card has vanished */
        int k = gone(p, "an exchange with the card", msg, cap);
        if (k)
            return k;
    }
    return 0;
}

static void disconnect(void *self, int reset)
{
    pcsc *p = self;
    if (!p->have_card)
        return;
    if (p->in_tx)
        SCardEndTransaction(p->card, SCARD_LEAVE_CARD);
    SCardDisconnect(p->card, reset ? SCARD_RESET_CARD : SCARD_LEAVE_CARD);
    p->have_card = 0;
    p->in_tx = 0;
}

static void destroy(void *self)
{
    pcsc *p = self;
    if (!p)
        return;
    disconnect(p, 0);
    if (p->have_ctx)
        SCardReleaseContext(p->ctx);
    free(p);
}

const kg_card_transport_ops kg_pcsc_ops = {
    .list_readers = list_readers,
    .reader_status = reader_status,
    .wait_card = wait_card,
    .connect = do_connect,
    .transmit = transmit,
    .disconnect = disconnect,
    .destroy = destroy,
};
