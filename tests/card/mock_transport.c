/* The scripted transport: see mock_transport.h. */
#include "mock_transport.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (; s && *s; s++) {
        int v;
        if (*s >= '0' && *s <= '9')
            v = *s - '0';
        else if (*s >= 'A' && *s <= 'F')
            v = *s - 'A' + 10;
        else if (*s >= 'a' && *s <= 'f')
            v = *s - 'a' + 10;
        else
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            assert_true(n < cap);
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return n;
}

static void tohex(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 3 < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%02X", p[i]);
    out[o] = '\0';
}

static void canon(const char *s, char *out, size_t cap)
{
    uint8_t b[300];
    size_t n = unhex(s, b, sizeof b);
    tohex(b, n, out, cap);
}

static int m_list(void *self, char ***names, size_t *n, char *msg, size_t cap)
{
    mock *m = self;
    *names = NULL;
    *n = 0;
    if (m->list_err) {
        snprintf(msg, cap, "mock: list fails (%s)", kigen_card_error_name(m->list_err));
        return m->list_err;
    }
    if (m->nreaders == 0) {
        snprintf(msg, cap, "mock: no reader");
        return KIGEN_CARD_E_NO_READER;
    }
    char **arr = calloc(m->nreaders, sizeof *arr);
    assert_non_null(arr);
    for (size_t i = 0; i < m->nreaders; i++)
        arr[i] = strdup(m->readers[i].name);
    *names = arr;
    *n = m->nreaders;
    return 0;
}

static mock_reader *find(mock *m, const char *name)
{
    for (size_t i = 0; i < m->nreaders; i++)
        if (strcmp(m->readers[i].name, name) == 0)
            return &m->readers[i];
    return NULL;
}

static int m_status(void *self, const char *reader, int *present, uint8_t *atr, size_t *atr_len, char *msg,
                    size_t cap)
{
    mock *m = self;
    mock_reader *r = find(m, reader);
    if (!r) {
        snprintf(msg, cap, "mock: reader gone");
        return KIGEN_CARD_E_READER_GONE;
    }
    *present = r->present;
    *atr_len = r->present ? unhex(r->atr, atr, KIGEN_CARD_MAX_ATR) : 0;
    return 0;
}

static int m_wait(void *self, char *const *readers, size_t n, int timeout_ms, size_t *which, char *msg, size_t cap)
{
    mock *m = self;
    (void)readers;
    (void)timeout_ms;
    if (m->wait_err) {
        snprintf(msg, cap, "mock: no card came");
        return m->wait_err;
    }
    assert_true(m->wait_which < n);
    *which = m->wait_which;
    return 0;
}

static int m_connect(void *self, const char *reader, uint8_t *atr, size_t *atr_len, int *protocol, char *msg,
                     size_t cap)
{
    mock *m = self;
    if (m->connect_err) {
        snprintf(msg, cap, "mock: connect fails");
        return m->connect_err;
    }
    mock_reader *r = find(m, reader);
    assert_non_null(r);
    r->present = 1; /* a card waited for has arrived */
    if (!r->atr)
        r->atr = "3BF59100FF918171FE400042000100D1D6";
    *atr_len = unhex(r->atr, atr, KIGEN_CARD_MAX_ATR);
    *protocol = m->protocol;
    m->connected = 1;
    if (m->card)
        vc_card_reset(m->card);
    return 0;
}

static int m_transmit(void *self, const uint8_t *cmd, size_t n, uint8_t *resp, size_t *resp_len, char *msg,
                      size_t cap)
{
    mock *m = self;
    assert_true(m->connected);
    m->transmits++;
    if (m->nlog < MOCK_LOG_MAX)
        tohex(cmd, n, m->log[m->nlog++], sizeof m->log[0]);
    if (m->fail_at && m->transmits == m->fail_at) {
        snprintf(msg, cap, "mock: the card was removed in the middle of the exchange");
        return m->fail_kind;
    }
    if (m->script && m->pos < m->nsteps) {
        const mock_step *s = &m->script[m->pos++];
        if (s->expect) {
            char want[600], got[600];
            canon(s->expect, want, sizeof want);
            tohex(cmd, n, got, sizeof got);
            if (strcmp(want, got) != 0)
                fail_msg("APDU %zu: expected %s, got %s", m->pos, want, got);
        }
        if (s->err) {
            snprintf(msg, cap, "mock: scripted failure");
            return s->err;
        }
        uint8_t a[600];
        size_t an = unhex(s->answer, a, sizeof a);
        if (an > *resp_len) {
            snprintf(msg, cap, "mock: the answer does not fit");
            return KIGEN_CARD_E_PROTOCOL;
        }
        memcpy(resp, a, an);
        *resp_len = an;
        return 0;
    }
    if (m->card) {
        size_t rl = 0;
        uint8_t r[258];
        if (vc_card_apdu(m->card, cmd, n, r, &rl) != 0) {
            snprintf(msg, cap, "mock: the card was removed in the middle of the exchange");
            return KIGEN_CARD_E_REMOVED;
        }
        assert_true(rl <= *resp_len);
        memcpy(resp, r, rl);
        *resp_len = rl;
        return 0;
    }
    char got[600];
    tohex(cmd, n, got, sizeof got);
    fail_msg("unexpected APDU %s after the script", got);
    return KIGEN_CARD_E_PROTOCOL;
}

static void m_disconnect(void *self, int reset)
{
    mock *m = self;
    m->connected = 0;
    m->disconnects++;
    m->last_reset = reset;
}

static void m_destroy(void *self)
{
    mock *m = self;
    m->destroyed++;
}

const kg_card_transport_ops mock_ops = {
    .list_readers = m_list,
    .reader_status = m_status,
    .wait_card = m_wait,
    .connect = m_connect,
    .transmit = m_transmit,
    .disconnect = m_disconnect,
    .destroy = m_destroy,
};

kigen_card *mock_handle(mock *m)
{
    kigen_card *h = NULL;
    assert_int_equal(kg_card_new_with_transport(&mock_ops, m, &h), KIGEN_OK);
    return h;
}

const char *mock_sent(const mock *m, size_t i) { return i < m->nlog ? m->log[i] : ""; }

size_t mock_count(const mock *m, const char *prefix)
{
    char p[600];
    canon(prefix, p, sizeof p);
    size_t k = 0, pl = strlen(p);
    for (size_t i = 0; i < m->nlog; i++)
        if (strncmp(m->log[i], p, pl) == 0)
            k++;
    return k;
}
