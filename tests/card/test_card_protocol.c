/* The JPKI protocol layer over a scripted mock transport: no pcscd needed.
 * Scripts pin down exact APDU sequences; the emulated card
 * (tests/vcard/vcard_card.c) stands in for longer exchanges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "card/jpki.h"
#include "card/parse.h"
#include "mock_transport.h"
#include "vcard_card.h"

#define SEL_JPKI "00A4040C0AD392F000260100000001"
#define SEL_TEXT "00A4040C0AD3921000310001010408"
#define ATR_CONTACT "3BF59100FF918171FE400042000100D1D6"
#define ATR_CONTACTLESS "3B888001000005E0B381A1007F"
#define ATR_JUKI "3BE000FF8131FE4514"
#define ATR_UNKNOWN "3B8A80014B4947454E2D564341520A"

static const char *certdir(void)
{
    const char *d = getenv("KIGEN_CARD_CERTS");
    return d ? d : KIGEN_CARD_CERTS;
}

static uint8_t *slurp(const char *name, size_t *n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", certdir(), name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("%s: missing (run the card_gen_certs test first)", path);
    static uint8_t buf[1 << 16];
    *n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    uint8_t *p = malloc(*n);
    assert_non_null(p);
    memcpy(p, buf, *n);
    return p;
}

static void card_set(vc_card *c, const char *key, const char *value)
{
    char err[512];
    if (vc_card_set(c, key, value, certdir(), err, sizeof err) != 0)
        fail_msg("vc_card_set %s: %s", key, err);
}

static void card_full(vc_card *c)
{
    vc_card_init(c);
    card_set(c, "auth_cert", "auth.der");
    card_set(c, "sign_cert", "sign.der");
    card_set(c, "auth_ca", "jpki-auth-ca-2023.der");
    card_set(c, "sign_ca", "jpki-sign-ca-2023.der");
}

/* One reader with the emulated card in it. */
static void mock_with_card(mock *m, vc_card *c, const char *atr)
{
    memset(m, 0, sizeof *m);
    m->protocol = 1;
    m->readers[0] = (mock_reader){"Mock Reader 00 00", 1, atr};
    m->nreaders = 1;
    m->card = c;
}

static kigen_card *connected(mock *m)
{
    kigen_card *h = mock_handle(m);
    assert_int_equal(kigen_card_connect(h, NULL, 0), KIGEN_OK);
    return h;
}

/* ------------------------------------------------------------------ */
/* readers                                                             */
/* ------------------------------------------------------------------ */

static void test_two_readers(void **state)
{
    (void)state;
    mock m;
    memset(&m, 0, sizeof m);
    m.protocol = 1;
    m.readers[0] = (mock_reader){"ACS ACR39U 00 00", 0, NULL};
    m.readers[1] = (mock_reader){"SONY FeliCa Port 01 00", 1, ATR_CONTACTLESS};
    m.nreaders = 2;
    kigen_card *h = mock_handle(&m);
    size_t n = 0;
    assert_int_equal(kigen_card_list_readers(h, &n), KIGEN_OK);
    assert_int_equal(n, 2);
    assert_string_equal(kigen_card_reader_name(h, 0), "ACS ACR39U 00 00");
    assert_string_equal(kigen_card_reader_name(h, 1), "SONY FeliCa Port 01 00");
    assert_null(kigen_card_reader_name(h, 2));
    int present = -1;
    uint8_t atr[KIGEN_CARD_MAX_ATR];
    size_t al = 0;
    assert_int_equal(kigen_card_reader_status(h, 0, &present, atr, &al), KIGEN_OK);
    assert_int_equal(present, 0);
    assert_int_equal(kigen_card_reader_status(h, 1, &present, atr, &al), KIGEN_OK);
    assert_int_equal(present, 1);
    assert_int_equal(al, 13);

    /* NULL: the first reader holding a card */
    assert_int_equal(kigen_card_connect(h, NULL, 0), KIGEN_OK);
    kigen_card_info info;
    assert_int_equal(kigen_card_get_info(h, &info), KIGEN_OK);
    assert_string_equal(info.reader, "SONY FeliCa Port 01 00");
    kigen_card_detection how;
    assert_int_equal(kigen_card_detect(h, &how), KIGEN_OK);
    assert_int_equal(how, KIGEN_CARD_DETECT_ATR);
    assert_int_equal(m.nlog, 0); /* the ATR table needs no APDU */

    /* the empty reader: no card now, and none within a timeout */
    assert_int_equal(kigen_card_connect(h, "ACS ACR39U 00 00", 0), KIGEN_ECARD);
    assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_NO_CARD);
    assert_non_null(strstr(kigen_card_errmsg(h), "ACS ACR39U"));
    m.wait_err = KIGEN_CARD_E_TIMEOUT;
    assert_int_equal(kigen_card_connect(h, "ACS ACR39U 00 00", 500), KIGEN_ECARD);
    assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_TIMEOUT);
    /* a card arrives while waiting */
    m.wait_err = 0;
    m.wait_which = 0;
    assert_int_equal(kigen_card_connect(h, "ACS ACR39U 00 00", 500), KIGEN_OK);
    /* no such reader */
    assert_int_equal(kigen_card_connect(h, "Nope", 0), KIGEN_ECARD);
    assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_NO_READER);
    kigen_card_free(h);
    assert_int_equal(m.destroyed, 1);
}

static void test_no_pcscd_no_reader(void **state)
{
    (void)state;
    mock m;
    memset(&m, 0, sizeof m);
    m.list_err = KIGEN_CARD_E_NO_PCSCD;
    kigen_card *h = mock_handle(&m);
    size_t n = 99;
    assert_int_equal(kigen_card_list_readers(h, &n), KIGEN_ECARD);
    assert_int_equal(n, 0);
    assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_NO_PCSCD);
    assert_string_equal(kigen_card_error_name(kigen_card_error(h)), "no_pcscd");
    assert_int_equal(kigen_card_connect(h, NULL, 0), KIGEN_ECARD);
    assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_NO_PCSCD);
    m.list_err = 0;
    m.nreaders = 0;
    assert_int_equal(kigen_card_list_readers(h, &n), KIGEN_ECARD);
    assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_NO_READER);
    /* not connected */
    const uint8_t *der;
    size_t len;
    assert_int_equal(kigen_card_read_cert(h, KIGEN_CARD_CERT_AUTH, &der, &len), KIGEN_ECARD);
    assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_NOT_CONNECTED);
    kigen_card_free(h);
}

/* ------------------------------------------------------------------ */
/* detection and token                                                 */
/* ------------------------------------------------------------------ */

static void test_atr_table(void **state)
{
    (void)state;
    const char *atrs[3] = {ATR_CONTACT, ATR_CONTACTLESS, ATR_JUKI};
    for (int i = 0; i < 3; i++) {
        mock m;
        memset(&m, 0, sizeof m);
        m.readers[0] = (mock_reader){"R", 1, atrs[i]};
        m.nreaders = 1;
        kigen_card *h = connected(&m);
        kigen_card_detection how;
        assert_int_equal(kigen_card_detect(h, &how), KIGEN_OK);
        assert_int_equal(how, KIGEN_CARD_DETECT_ATR);
        assert_int_equal(m.nlog, 0);
        kigen_card_free(h);
    }
    uint8_t a[4] = {0x3B, 0xF5, 0x91, 0x00};
    assert_null(kg_card_atr_lookup(a, sizeof a));
    assert_null(kg_card_atr_lookup(NULL, 0));
}

static void test_aid_fallback(void **state)
{
    (void)state;
    static const mock_step yes[] = {{SEL_JPKI, "9000", 0}};
    mock m;
    memset(&m, 0, sizeof m);
    m.readers[0] = (mock_reader){"R", 1, ATR_UNKNOWN};
    m.nreaders = 1;
    m.script = yes;
    m.nsteps = 1;
    kigen_card *h = connected(&m);
    kigen_card_detection how;
    assert_int_equal(kigen_card_detect(h, &how), KIGEN_OK);
    assert_int_equal(how, KIGEN_CARD_DETECT_AID);
    assert_int_equal(m.nlog, 1);
    kigen_card_free(h);

    /* not a JPKI card: 6A82 (or 6D00 from a card that knows no SELECT) */
    const char *no[2] = {"6A82", "6D00"};
    for (int i = 0; i < 2; i++) {
        mock_step s[] = {{SEL_JPKI, no[i], 0}};
        memset(&m, 0, sizeof m);
        m.readers[0] = (mock_reader){"R", 1, ATR_UNKNOWN};
        m.nreaders = 1;
        m.script = s;
        m.nsteps = 1;
        h = connected(&m);
        assert_int_equal(kigen_card_detect(h, &how), KIGEN_ECARD);
        assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_NOT_JPKI);
        assert_int_equal(how, KIGEN_CARD_DETECT_NONE);
        kigen_card_free(h);
    }
}

static void test_token_types(void **state)
{
    (void)state;
    static const struct {
        const char *token;
        kigen_card_token t;
    } cases[] = {
        {"card", KIGEN_CARD_TOKEN_CARD},
        {"juki", KIGEN_CARD_TOKEN_JUKI},
        {"smartphone", KIGEN_CARD_TOKEN_SMARTPHONE},
        {"raw:JPKIAPICCTOKEN3", KIGEN_CARD_TOKEN_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vc_card c;
        vc_card_init(&c);
        card_set(&c, "token", cases[i].token);
        mock m;
        mock_with_card(&m, &c, ATR_CONTACT);
        kigen_card *h = connected(&m);
        kigen_card_token t = 99;
        assert_int_equal(kigen_card_token_type(h, &t), KIGEN_OK);
        assert_int_equal(t, cases[i].t);
        assert_string_equal(mock_sent(&m, 0), SEL_JPKI);
        assert_string_equal(mock_sent(&m, 1), "00A4020C020006");
        assert_string_equal(mock_sent(&m, 2), "00B0000020");
        kigen_card_free(h);
        vc_card_free(&c);
    }
    /* the parser alone: padding with spaces, NULs or FFs; prefixes do not count */
    assert_int_equal(kg_card_parse_token((const uint8_t *)"JPKIAPICCTOKEN2 ", 16), KIGEN_CARD_TOKEN_CARD);
    assert_int_equal(kg_card_parse_token((const uint8_t *)"JPKIAPICCTOKEN\0\0", 16), KIGEN_CARD_TOKEN_JUKI);
    assert_int_equal(kg_card_parse_token((const uint8_t *)"JPKIAPGPSETOKEN\xFF", 16), KIGEN_CARD_TOKEN_SMARTPHONE);
    assert_int_equal(kg_card_parse_token((const uint8_t *)"JPKIAPICCTOKEN2X", 16), KIGEN_CARD_TOKEN_UNKNOWN);
    assert_int_equal(kg_card_parse_token((const uint8_t *)"JPKIAPICC", 9), KIGEN_CARD_TOKEN_UNKNOWN);
    assert_int_equal(kg_card_parse_token(NULL, 0), KIGEN_CARD_TOKEN_UNKNOWN);
    assert_string_equal(kigen_card_token_name(KIGEN_CARD_TOKEN_JUKI), "juki");
}

/* ------------------------------------------------------------------ */
/* T=0                                                                 */
/* ------------------------------------------------------------------ */

static void test_t0_61xx_6cxx(void **state)
{
    (void)state;
    /* 6Cxx: send again with Le = xx; then 61xx: GET RESPONSE */
    static const mock_step s[] = {
        {SEL_JPKI, "9000", 0},
        {"00A4020C020006", "9000", 0},
        {"00B0000020", "6C10", 0},
        {"00B0000010", "6110", 0},
        {"00C0000010", "4A504B494150494343544F4B454E32209000", 0},
    };
    mock m;
    memset(&m, 0, sizeof m);
    m.readers[0] = (mock_reader){"R", 1, ATR_CONTACT};
    m.nreaders = 1;
    m.script = s;
    m.nsteps = 5;
    kigen_card *h = connected(&m);
    kigen_card_token t;
    assert_int_equal(kigen_card_token_type(h, &t), KIGEN_OK);
    assert_int_equal(t, KIGEN_CARD_TOKEN_CARD);
    assert_int_equal(m.pos, 5);
    kigen_card_stats st;
    assert_int_equal(kigen_card_get_stats(h, &st), KIGEN_OK);
    assert_int_equal(st.apdus, 5);
    kigen_card_free(h);

    /* GET RESPONSE in pieces: 61xx after data */
    static const mock_step s2[] = {
        {SEL_JPKI, "9000", 0},
        {"00A4020C020006", "9000", 0},
        {"00B0000020", "6108", 0},
        {"00C0000008", "4A504B4941504943 6108", 0},
        {"00C0000008", "43544F4B454E3220 9000", 0},
    };
    memset(&m, 0, sizeof m);
    m.readers[0] = (mock_reader){"R", 1, ATR_CONTACT};
    m.nreaders = 1;
    m.script = s2;
    m.nsteps = 5;
    h = connected(&m);
    assert_int_equal(kigen_card_token_type(h, &t), KIGEN_OK);
    assert_int_equal(t, KIGEN_CARD_TOKEN_CARD);
    kigen_card_free(h);

    /* a whole certificate from an emulated T=0 card */
    vc_card c;
    card_full(&c);
    card_set(&c, "protocol", "t0");
    card_set(&c, "fault", "short-read=100"); /* and answers shorter than asked, by 6Cxx */
    mock_with_card(&m, &c, "3B054B4947454E");
    m.protocol = 0;
    h = connected(&m);
    kigen_card_detection how;
    assert_int_equal(kigen_card_detect(h, &how), KIGEN_OK);
    assert_int_equal(how, KIGEN_CARD_DETECT_AID);
    const uint8_t *der;
    size_t len, flen;
    assert_int_equal(kigen_card_read_cert(h, KIGEN_CARD_CERT_AUTH, &der, &len), KIGEN_OK);
    uint8_t *file = slurp("auth.der", &flen);
    assert_int_equal(len, flen);
    assert_memory_equal(der, file, flen);
    free(file);
    assert_true(mock_count(&m, "00C00000") > 0);
    kigen_card_info info;
    kigen_card_get_info(h, &info);
    assert_int_equal(info.protocol, 0);
    kigen_card_free(h);
    vc_card_free(&c);

    /* 6Cxx twice, or on a command with no Le, is an error, not a loop */
    static const mock_step s3[] = {
        {SEL_JPKI, "9000", 0},
        {"00A4020C020006", "9000", 0},
        {"00B0000020", "6C10", 0},
        {"00B0000010", "6C08", 0},
    };
    memset(&m, 0, sizeof m);
    m.readers[0] = (mock_reader){"R", 1, ATR_CONTACT};
    m.nreaders = 1;
    m.script = s3;
    m.nsteps = 4;
    h = connected(&m);
    assert_int_equal(kigen_card_token_type(h, &t), KIGEN_ECARD);
    assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_PROTOCOL);
    kigen_card_free(h);

    static const mock_step s4[] = {{SEL_JPKI, "6C10", 0}};
    memset(&m, 0, sizeof m);
    m.readers[0] = (mock_reader){"R", 1, ATR_UNKNOWN};
    m.nreaders = 1;
    m.script = s4;
    m.nsteps = 1;
    h = connected(&m);
    assert_int_equal(kigen_card_detect(h, NULL), KIGEN_ECARD);
    assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_PROTOCOL);
    kigen_card_free(h);
}

static void test_t0_endless_61xx(void **state)
{
    (void)state;
    mock_step s[80];
    s[0] = (mock_step){SEL_JPKI, "9000", 0};
    s[1] = (mock_step){"00A4020C020006", "9000", 0};
    s[2] = (mock_step){"00B0000020", "6101", 0};
    for (int i = 3; i < 80; i++)
        s[i] = (mock_step){"00C0000001", "00 6101", 0};
    mock m;
    memset(&m, 0, sizeof m);
    m.readers[0] = (mock_reader){"R", 1, ATR_CONTACT};
    m.nreaders = 1;
    m.script = s;
    m.nsteps = 80;
    kigen_card *h = connected(&m);
    kigen_card_token t;
    /* 32 bytes fit, the 33rd is over: a protocol error before 64 rounds */
    assert_int_equal(kigen_card_token_type(h, &t), KIGEN_ECARD);
    assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_PROTOCOL);
    assert_true(m.pos < 80);
    kigen_card_free(h);
}

/* ------------------------------------------------------------------ */
/* certificates                                                        */
/* ------------------------------------------------------------------ */

static void test_read_certs_chunked(void **state)
{
    (void)state;
    vc_card c;
    card_full(&c);
    mock m;
    mock_with_card(&m, &c, ATR_CONTACT);
    kigen_card *h = connected(&m);
    const uint8_t *der;
    size_t len, flen;
    assert_int_equal(kigen_card_read_cert(h, KIGEN_CARD_CERT_AUTH, &der, &len), KIGEN_OK);
    uint8_t *file = slurp("auth.der", &flen);
    assert_int_equal(len, flen);
    assert_memory_equal(der, file, flen);
    /* SELECT AP, SELECT 000A, the 4-byte header, then chunks of <= 256 */
    assert_string_equal(mock_sent(&m, 0), SEL_JPKI);
    assert_string_equal(mock_sent(&m, 1), "00A4020C02000A");
    assert_string_equal(mock_sent(&m, 2), "00B0000004");
    size_t off = 4, i = 3;
    while (off < flen) {
        size_t want = flen - off > 256 ? 256 : flen - off;
        char exp[32];
        snprintf(exp, sizeof exp, "00B0%02X%02X%02X", (unsigned)(off >> 8), (unsigned)(off & 0xFF),
                 (unsigned)(want == 256 ? 0 : want));
        assert_string_equal(mock_sent(&m, i), exp);
        off += want;
        i++;
    }
    assert_int_equal(m.nlog, i);
    free(file);

    /* cached: no more APDUs */
    size_t before = m.nlog;
    assert_int_equal(kigen_card_read_cert(h, KIGEN_CARD_CERT_AUTH, &der, &len), KIGEN_OK);
    assert_int_equal(m.nlog, before);

    /* the CA certificates: the real J-LIS ones, no PIN; the AP stays selected */
    assert_int_equal(kigen_card_read_cert(h, KIGEN_CARD_CERT_AUTH_CA, &der, &len), KIGEN_OK);
    assert_int_equal(len, 1319);
    assert_string_equal(mock_sent(&m, before), "00A4020C02000B");
    assert_int_equal(kigen_card_read_cert(h, KIGEN_CARD_CERT_SIGN_CA, &der, &len), KIGEN_OK);
    assert_int_equal(len, 1304);
    assert_int_equal(mock_count(&m, SEL_JPKI), 1);

    /* short reads (fewer bytes than asked, 9000) are followed up */
    kigen_card_free(h);
    card_set(&c, "fault", "short-read=50");
    mock_with_card(&m, &c, ATR_CONTACT);
    h = connected(&m);
    assert_int_equal(kigen_card_read_cert(h, KIGEN_CARD_CERT_AUTH, &der, &len), KIGEN_OK);
    file = slurp("auth.der", &flen);
    assert_memory_equal(der, file, flen);
    free(file);
    assert_true(m.nlog > 17);
    kigen_card_free(h);
    vc_card_free(&c);
}

static void test_sign_cert_needs_password(void **state)
{
    (void)state;
    vc_card c;
    card_full(&c);
    mock m;
    mock_with_card(&m, &c, ATR_CONTACT);
    kigen_card *h = connected(&m);
    const uint8_t *der;
    size_t len;
    assert_int_equal(kigen_card_read_cert(h, KIGEN_CARD_CERT_SIGN, &der, &len), KIGEN_ECARD);
    assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_PIN_REQUIRED);
    assert_non_null(strstr(kigen_card_errmsg(h), "signature password"));
    int left = -1;
    assert_int_equal(kigen_card_verify(h, KIGEN_CARD_PIN_SIGN, "abc123", 0, &left), KIGEN_OK);
    assert_int_equal(left, 5);
    assert_int_equal(kigen_card_read_cert(h, KIGEN_CARD_CERT_SIGN, &der, &len), KIGEN_OK);
    size_t flen;
    uint8_t *file = slurp("sign.der", &flen);
    assert_int_equal(len, flen);
    assert_memory_equal(der, file, flen);
    free(file);
    /* after a VERIFY the card is reset on disconnect */
    kigen_card_disconnect(h);
    assert_int_equal(m.last_reset, 1);
    kigen_card_free(h);
    vc_card_free(&c);

    /* smartphone JPKI: the auth certificate needs the auth PIN */
    card_full(&c);
    card_set(&c, "token", "smartphone");
    mock_with_card(&m, &c, ATR_CONTACT);
    h = connected(&m);
    assert_int_equal(kigen_card_read_cert(h, KIGEN_CARD_CERT_AUTH, &der, &len), KIGEN_ECARD);
    assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_PIN_REQUIRED);
    assert_int_equal(kigen_card_verify(h, KIGEN_CARD_PIN_AUTH, "1234", 0, NULL), KIGEN_OK);
    assert_int_equal(kigen_card_read_cert(h, KIGEN_CARD_CERT_AUTH, &der, &len), KIGEN_OK);
    kigen_card_disconnect(h);
    assert_int_equal(m.last_reset, 1);
    kigen_card_free(h);
    vc_card_free(&c);

    /* without a VERIFY, the card is left as it was */
    card_full(&c);
    mock_with_card(&m, &c, ATR_CONTACT);
    h = connected(&m);
    assert_int_equal(kigen_card_read_cert(h, KIGEN_CARD_CERT_AUTH, &der, &len), KIGEN_OK);
    kigen_card_disconnect(h);
    assert_int_equal(m.last_reset, 0);
    kigen_card_free(h);
    vc_card_free(&c);
}

/* ------------------------------------------------------------------ */
/* PINs                                                                */
/* ------------------------------------------------------------------ */

static void test_tries_before_verify(void **state)
{
    (void)state;
    /* the exact sequence: SELECT AP, SELECT PIN EF, ask, then VERIFY (upper-cased) */
    static const mock_step s[] = {
        {SEL_JPKI, "9000", 0},
        {"00A4020C02001B", "9000", 0},
        {"00200080", "63C5", 0},
        {"00200080 06 414243313233", "9000", 0},
        /* the second VERIFY asks again first */
        {"00A4020C020018", "9000", 0},
        {"00200080", "63C3", 0},
        {"00200080 04 31323334", "63C2", 0},
    };
    mock m;
    memset(&m, 0, sizeof m);
    m.readers[0] = (mock_reader){"R", 1, ATR_CONTACT};
    m.nreaders = 1;
    m.script = s;
    m.nsteps = sizeof s / sizeof s[0];
    kigen_card *h = connected(&m);
    int left = -1;
    assert_int_equal(kigen_card_verify(h, KIGEN_CARD_PIN_SIGN, "abc123", 0, &left), KIGEN_OK);
    assert_int_equal(kigen_card_verify(h, KIGEN_CARD_PIN_AUTH, "1234", 0, &left), KIGEN_ECARD);
    assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_PIN_WRONG);
    assert_int_equal(left, 2);
    assert_non_null(strstr(kigen_card_errmsg(h), "2 tries left"));
    assert_null(strstr(kigen_card_errmsg(h), "1234")); /* never the PIN */
    assert_int_equal(m.pos, m.nsteps);
    kigen_card_free(h);

    /* a card that will not tell the tries gets no PIN */
    static const mock_step s2[] = {
        {SEL_JPKI, "9000", 0},
        {"00A4020C02001B", "9000", 0},
        {"00200080", "6A88", 0},
    };
    memset(&m, 0, sizeof m);
    m.readers[0] = (mock_reader){"R", 1, ATR_CONTACT};
    m.nreaders = 1;
    m.script = s2;
    m.nsteps = 3;
    h = connected(&m);
    assert_int_equal(kigen_card_verify(h, KIGEN_CARD_PIN_SIGN, "ABC123", 1, &left), KIGEN_ECARD);
    assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_PROTOCOL);
    assert_int_equal(m.nlog, 3);
    kigen_card_free(h);
}

/* Every VERIFY with data in the log comes right after a VERIFY without. */
static void assert_query_before_each_verify(const mock *m)
{
    for (size_t i = 0; i < m->nlog; i++) {
        if (strncmp(m->log[i], "00200080", 8) == 0 && strlen(m->log[i]) > 8) {
            assert_true(i > 0);
            assert_string_equal(m->log[i - 1], "00200080");
        }
    }
}

static void test_pin_lockout(void **state)
{
    (void)state;
    vc_card c;
    card_full(&c);
    mock m;
    mock_with_card(&m, &c, ATR_CONTACT);
    kigen_card *h = connected(&m);
    int left = -1, tries = -1;
    assert_int_equal(kigen_card_pin_tries(h, KIGEN_CARD_PIN_TEXT, &tries), KIGEN_OK);
    assert_int_equal(tries, 3);
    /* wrong: 2 left, wrong: 1 left */
    assert_int_equal(kigen_card_verify(h, KIGEN_CARD_PIN_TEXT, "0000", 0, &left), KIGEN_ECARD);
    assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_PIN_WRONG);
    assert_int_equal(left, 2);
    assert_int_equal(kigen_card_verify(h, KIGEN_CARD_PIN_TEXT, "0000", 0, &left), KIGEN_ECARD);
    assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_PIN_WRONG);
    assert_int_equal(left, 1);
    /* the last try is refused without force, and no PIN goes out */
    size_t verifies = mock_count(&m, "0020008004");
    assert_int_equal(verifies, 2);
    assert_int_equal(kigen_card_verify(h, KIGEN_CARD_PIN_TEXT, "1234", 0, &left), KIGEN_ECARD);
    assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_PIN_LAST_TRY);
    assert_int_equal(left, 1);
    assert_int_equal(mock_count(&m, "0020008004"), 2);
    assert_int_equal(c.tries[VC_PIN_TEXT], 1);
    /* forced and wrong: blocked */
    assert_int_equal(kigen_card_verify(h, KIGEN_CARD_PIN_TEXT, "9999", 1, &left), KIGEN_ECARD);
    assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_PIN_BLOCKED);
    assert_int_equal(left, 0);
    assert_int_equal(c.tries[VC_PIN_TEXT], 0);
    /* blocked: even the right PIN, even forced, is not sent */
    assert_int_equal(kigen_card_verify(h, KIGEN_CARD_PIN_TEXT, "1234", 1, &left), KIGEN_ECARD);
    assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_PIN_BLOCKED);
    assert_int_equal(mock_count(&m, "0020008004"), 3);
    assert_int_equal(kigen_card_pin_tries(h, KIGEN_CARD_PIN_TEXT, &tries), KIGEN_OK);
    assert_int_equal(tries, 0);
    assert_query_before_each_verify(&m);
    /* the other PINs are independent */
    assert_int_equal(kigen_card_pin_tries(h, KIGEN_CARD_PIN_SIGN, &tries), KIGEN_OK);
    assert_int_equal(tries, 5);
    kigen_card_free(h);
    vc_card_free(&c);
}

static void test_pin_reset_on_success_and_force(void **state)
{
    (void)state;
    vc_card c;
    card_full(&c);
    mock m;
    mock_with_card(&m, &c, ATR_CONTACT);
    kigen_card *h = connected(&m);
    int left;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(kigen_card_verify(h, KIGEN_CARD_PIN_SIGN, "WRONG1", 0, &left), KIGEN_ECARD);
        assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_PIN_WRONG);
        assert_int_equal(left, 4 - i);
    }
    assert_int_equal(kigen_card_verify(h, KIGEN_CARD_PIN_SIGN, "ABC123", 0, &left), KIGEN_ECARD);
    assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_PIN_LAST_TRY);
    /* with force and the right password: verified, counter back to 5 */
    assert_int_equal(kigen_card_verify(h, KIGEN_CARD_PIN_SIGN, "ABC123", 1, &left), KIGEN_OK);
    assert_int_equal(left, 5);
    assert_int_equal(c.tries[VC_PIN_SIGN], 5);
    assert_query_before_each_verify(&m);
    kigen_card_free(h);
    vc_card_free(&c);
}

static void test_pin_format(void **state)
{
    (void)state;
    mock m;
    memset(&m, 0, sizeof m);
    m.readers[0] = (mock_reader){"R", 1, ATR_CONTACT};
    m.nreaders = 1;
    kigen_card *h = connected(&m);
    static const struct {
        kigen_card_pin p;
        const char *pin;
    } bad[] = {
        {KIGEN_CARD_PIN_AUTH, "123"},     {KIGEN_CARD_PIN_AUTH, "12345"}, {KIGEN_CARD_PIN_AUTH, "12a4"},
        {KIGEN_CARD_PIN_TEXT, ""},        {KIGEN_CARD_PIN_SIGN, "ABC12"}, {KIGEN_CARD_PIN_SIGN, "ABCDEFGHIJ1234567"},
        {KIGEN_CARD_PIN_SIGN, "ABC 123"}, {KIGEN_CARD_PIN_SIGN, "パスワード"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(kigen_card_verify(h, bad[i].p, bad[i].pin, 1, NULL), KIGEN_ECARD);
        assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_PIN_FORMAT);
    }
    assert_int_equal(m.nlog, 0); /* nothing went to the card */
    assert_int_equal(kigen_card_verify(h, KIGEN_CARD_PIN_AUTH, NULL, 0, NULL), KIGEN_EINVAL);
    kigen_card_free(h);
}

/* ------------------------------------------------------------------ */
/* malformed answers                                                   */
/* ------------------------------------------------------------------ */

static void expect_cert_error(const mock_step *s, size_t n, int kind)
{
    mock m;
    memset(&m, 0, sizeof m);
    m.readers[0] = (mock_reader){"R", 1, ATR_CONTACT};
    m.nreaders = 1;
    m.script = s;
    m.nsteps = n;
    kigen_card *h = connected(&m);
    const uint8_t *der = (const uint8_t *)"x";
    size_t len = 7;
    assert_int_equal(kigen_card_read_cert(h, KIGEN_CARD_CERT_AUTH, &der, &len), KIGEN_ECARD);
    assert_int_equal(kigen_card_error(h), kind);
    assert_null(der);
    assert_int_equal(len, 0);
    assert_true(kigen_card_errmsg(h)[0] != '\0');
    kigen_card_free(h);
}

static void test_malformed_answers(void **state)
{
    (void)state;
#define S(...) ((const mock_step[]){__VA_ARGS__}), sizeof((const mock_step[]){__VA_ARGS__}) / sizeof(mock_step)
    /* no status word at all */
    expect_cert_error(S({SEL_JPKI, "90", 0}), KIGEN_CARD_E_PROTOCOL);
    expect_cert_error(S({SEL_JPKI, "", 0}), KIGEN_CARD_E_PROTOCOL);
    /* a wrong status word */
    expect_cert_error(S({SEL_JPKI, "9000", 0}, {"00A4020C02000A", "6F00", 0}), KIGEN_CARD_E_PROTOCOL);
    expect_cert_error(S({SEL_JPKI, "9000", 0}, {"00A4020C02000A", "6A82", 0}), KIGEN_CARD_E_NOT_FOUND);
    /* more data than asked for */
    expect_cert_error(S({SEL_JPKI, "9000", 0}, {"00A4020C02000A", "9000", 0},
                        {"00B0000004", "3082034F3082 9000", 0}),
                      KIGEN_CARD_E_PROTOCOL);
    /* no data with 9000: an error, not an endless loop */
    expect_cert_error(S({SEL_JPKI, "9000", 0}, {"00A4020C02000A", "9000", 0}, {"00B0000004", "9000", 0}),
                      KIGEN_CARD_E_PROTOCOL);
    /* not a DER certificate header */
    expect_cert_error(S({SEL_JPKI, "9000", 0}, {"00A4020C02000A", "9000", 0}, {"00B0000004", "31820100 9000", 0}),
                      KIGEN_CARD_E_PROTOCOL);
    expect_cert_error(S({SEL_JPKI, "9000", 0}, {"00A4020C02000A", "9000", 0}, {"00B0000004", "30840000 9000", 0}),
                      KIGEN_CARD_E_PROTOCOL);
    /* a DER length out of range: too short for a certificate, too long to address */
    expect_cert_error(S({SEL_JPKI, "9000", 0}, {"00A4020C02000A", "9000", 0}, {"00B0000004", "308200FF 9000", 0}),
                      KIGEN_CARD_E_PROTOCOL);
    expect_cert_error(S({SEL_JPKI, "9000", 0}, {"00A4020C02000A", "9000", 0}, {"00B0000004", "3082FFFF 9000", 0}),
                      KIGEN_CARD_E_PROTOCOL);
    /* a length longer than the file: the card says 6B00 past its end */
    expect_cert_error(S({SEL_JPKI, "9000", 0}, {"00A4020C02000A", "9000", 0}, {"00B0000004", "30820100 9000", 0},
                        {"00B0000400", "6B00", 0}),
                      KIGEN_CARD_E_PROTOCOL);
    /* the right length, but not a certificate inside */
    mock_step junk[6];
    static char chunk[2 * 256 + 5], last[2 * 4 + 5];
    memset(chunk, 'A', 512);
    strcpy(chunk + 512, "9000");
    memset(last, 'A', 8);
    strcpy(last + 8, "9000");
    junk[0] = (mock_step){SEL_JPKI, "9000", 0};
    junk[1] = (mock_step){"00A4020C02000A", "9000", 0};
    junk[2] = (mock_step){"00B0000004", "30820104 9000", 0};
    junk[3] = (mock_step){"00B0000400", chunk, 0};
    junk[4] = (mock_step){"00B0010404", last, 0};
    expect_cert_error(junk, 5, KIGEN_CARD_E_CERT);
    /* a PIN needed where none should be */
    expect_cert_error(S({SEL_JPKI, "9000", 0}, {"00A4020C02000A", "9000", 0}, {"00B0000004", "6982", 0}),
                      KIGEN_CARD_E_PIN_REQUIRED);
    /* the bad-der-length fault of the emulator: a header longer than the file */
    vc_card c;
    card_full(&c);
    card_set(&c, "fault", "bad-der-length");
    mock m;
    mock_with_card(&m, &c, ATR_CONTACT);
    kigen_card *h = connected(&m);
    const uint8_t *der;
    size_t len;
    assert_int_equal(kigen_card_read_cert(h, KIGEN_CARD_CERT_AUTH, &der, &len), KIGEN_ECARD);
    assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_PROTOCOL);
    assert_non_null(strstr(kigen_card_errmsg(h), "6B00"));
    kigen_card_free(h);
    vc_card_free(&c);
#undef S
}

static void test_card_pulled_mid_read(void **state)
{
    (void)state;
    vc_card c;
    card_full(&c);
    card_set(&c, "fault", "disconnect-after=5");
    mock m;
    mock_with_card(&m, &c, ATR_CONTACT);
    kigen_card *h = connected(&m);
    const uint8_t *der;
    size_t len;
    assert_int_equal(kigen_card_read_cert(h, KIGEN_CARD_CERT_AUTH, &der, &len), KIGEN_ECARD);
    assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_REMOVED);
    assert_string_equal(kigen_card_error_name(kigen_card_error(h)), "removed");
    assert_non_null(strstr(kigen_card_errmsg(h), "removed"));
    assert_int_equal(m.nlog, 5);
    kigen_card_free(h);
    vc_card_free(&c);

    /* the transport reports the reader gone in the middle */
    card_full(&c);
    mock_with_card(&m, &c, ATR_CONTACT);
    m.fail_at = 4;
    m.fail_kind = KIGEN_CARD_E_READER_GONE;
    h = connected(&m);
    assert_int_equal(kigen_card_read_cert(h, KIGEN_CARD_CERT_AUTH, &der, &len), KIGEN_ECARD);
    assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_READER_GONE);
    kigen_card_free(h);
    vc_card_free(&c);
}

/* ------------------------------------------------------------------ */
/* text AP                                                             */
/* ------------------------------------------------------------------ */

static void test_basic_facts(void **state)
{
    (void)state;
    vc_card c;
    card_full(&c);
    mock m;
    mock_with_card(&m, &c, ATR_CONTACT);
    kigen_card *h = connected(&m);
    kigen_card_basic b;
    assert_int_equal(kigen_card_read_basic(h, &b), KIGEN_ECARD);
    assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_PIN_REQUIRED);
    assert_int_equal(kigen_card_verify(h, KIGEN_CARD_PIN_TEXT, "1234", 0, NULL), KIGEN_OK);
    assert_int_equal(kigen_card_read_basic(h, &b), KIGEN_OK);
    assert_string_equal(b.name, "番号 花子");
    assert_string_equal(b.address, "東京都練馬区豊玉北6丁目12番1号");
    assert_string_equal(b.birth, "19900515");
    assert_string_equal(b.sex, "2");
    kigen_date d;
    kigen_date_from_ymd(1990, 5, 15, &d);
    assert_int_equal(b.birth_date, d);
    assert_int_equal(mock_count(&m, SEL_TEXT), 1);
    /* going back to the JPKI AP selects it again */
    const uint8_t *der;
    size_t len;
    assert_int_equal(kigen_card_read_cert(h, KIGEN_CARD_CERT_AUTH, &der, &len), KIGEN_OK);
    assert_int_equal(mock_count(&m, SEL_JPKI), 1);
    kigen_card_free(h);
    vc_card_free(&c);

    /* an inner TLV running past the record */
    card_full(&c);
    card_set(&c, "fault", "tlv-overrun");
    mock_with_card(&m, &c, ATR_CONTACT);
    h = connected(&m);
    assert_int_equal(kigen_card_verify(h, KIGEN_CARD_PIN_TEXT, "1234", 0, NULL), KIGEN_OK);
    assert_int_equal(kigen_card_read_basic(h, &b), KIGEN_ECARD);
    assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_PROTOCOL);
    assert_non_null(strstr(kigen_card_errmsg(h), "past the record"));
    kigen_card_free(h);
    vc_card_free(&c);

    /* a record claiming more than 4 KiB; a record not starting with FF20 */
    static const mock_step big[] = {
        {SEL_TEXT, "9000", 0},
        {"00A4020C020002", "9000", 0},
        {"00B0000005", "FF20827000 9000", 0},
    };
    static const mock_step notff[] = {
        {SEL_TEXT, "9000", 0},
        {"00A4020C020002", "9000", 0},
        {"00B0000005", "3082010000 9000", 0},
    };
    const mock_step *scripts[2] = {big, notff};
    for (int i = 0; i < 2; i++) {
        memset(&m, 0, sizeof m);
        m.readers[0] = (mock_reader){"R", 1, ATR_CONTACT};
        m.nreaders = 1;
        m.script = scripts[i];
        m.nsteps = 3;
        h = connected(&m);
        assert_int_equal(kigen_card_read_basic(h, &b), KIGEN_ECARD);
        assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_PROTOCOL);
        kigen_card_free(h);
    }

    /* no text AP on the card */
    static const mock_step none[] = {{SEL_TEXT, "6A82", 0}};
    memset(&m, 0, sizeof m);
    m.readers[0] = (mock_reader){"R", 1, ATR_CONTACT};
    m.nreaders = 1;
    m.script = none;
    m.nsteps = 1;
    h = connected(&m);
    assert_int_equal(kigen_card_verify(h, KIGEN_CARD_PIN_TEXT, "1234", 0, NULL), KIGEN_ECARD);
    assert_int_equal(kigen_card_error(h), KIGEN_CARD_E_NOT_JPKI);
    kigen_card_free(h);
}

/* ------------------------------------------------------------------ */
/* pure parsers                                                        */
/* ------------------------------------------------------------------ */

static void test_parsers(void **state)
{
    (void)state;
    unsigned tag;
    size_t v, vl, need;
    static const uint8_t t1[] = {0xFF, 0x22, 0x03, 'a', 'b', 'c'};
    assert_int_equal(kg_card_tlv(t1, sizeof t1, &tag, &v, &vl, &need), 0);
    assert_int_equal(tag, 0xFF22);
    assert_int_equal(v, 3);
    assert_int_equal(vl, 3);
    assert_int_equal(kg_card_tlv(t1, 5, &tag, &v, &vl, &need), -1);
    assert_int_equal(need, 6);
    static const uint8_t t2[] = {0xFF, 0x20, 0x82, 0x01};
    assert_int_equal(kg_card_tlv(t2, sizeof t2, &tag, &v, &vl, &need), -1);
    static const uint8_t t3[] = {0xFF, 0xA0, 0x01, 0x00};
    assert_int_equal(kg_card_tlv(t3, sizeof t3, &tag, &v, &vl, &need), -2); /* 3-byte tag */
    static const uint8_t t4[] = {0x04, 0x83, 0x00, 0x00, 0x01};
    assert_int_equal(kg_card_tlv(t4, sizeof t4, &tag, &v, &vl, &need), -2);
    static const uint8_t t5[] = {0x04, 0x81, 0x02, 0x41, 0x42};
    assert_int_equal(kg_card_tlv(t5, sizeof t5, &tag, &v, &vl, &need), 0);
    assert_int_equal(vl, 2);
    assert_int_equal(kg_card_tlv(t5, 0, &tag, &v, &vl, &need), -1);

    kg_slice s[5];
    char msg[128];
    static const uint8_t rec[] = {0xFF, 0x20, 0x0E, 0xFF, 0x22, 0x02, 'N', 'M', 0xFF, 0x30,
                                  0x01, 0x00, 0xFF, 0x25, 0x01, '1', 0x00};
    assert_int_equal(kg_card_parse_basic(rec, 17, s, msg, sizeof msg), 0);
    assert_int_equal(s[1].n, 2);
    assert_memory_equal(s[1].p, "NM", 2);
    assert_int_equal(s[4].n, 1);
    assert_null(s[2].p);
    static const uint8_t dup[] = {0xFF, 0x20, 0x08, 0xFF, 0x22, 0x01, 'a', 0xFF, 0x22, 0x01, 'b'};
    assert_int_equal(kg_card_parse_basic(dup, sizeof dup, s, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "twice"));

    size_t total;
    static const uint8_t h1[] = {0x30, 0x82, 0x03, 0x4C};
    assert_int_equal(kg_card_der_total(h1, 4, &total), 0);
    assert_int_equal(total, 0x34C + 4);
    assert_int_equal(kg_card_der_total(h1, 3, &total), -1);

    char *t = kg_card_text_dup((const uint8_t *)"ab\xFF\x01" "c\xE3\x81\x82  \0\0", 12);
    assert_string_equal(t, "ab\xEF\xBF\xBD\xEF\xBF\xBD" "c\xE3\x81\x82");
    free(t);
    t = kg_card_text_dup(NULL, 5);
    assert_string_equal(t, "");
    free(t);
    /* overlong and surrogate encodings are not UTF-8 */
    t = kg_card_text_dup((const uint8_t *)"\xC0\xAF\xED\xA0\x80", 5);
    assert_int_equal(strlen(t), 15);
    free(t);

    assert_int_equal(kg_card_sw_tries(0x63C2), 2);
    assert_int_equal(kg_card_sw_tries(0x6983), 0);
    assert_int_equal(kg_card_sw_tries(0x9000), -1);
    assert_string_equal(kigen_card_error_name(KIGEN_CARD_E_PIN_LAST_TRY), "pin_last_try");
    assert_string_equal(kigen_card_error_name(12345), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_readers),
        cmocka_unit_test(test_no_pcscd_no_reader),
        cmocka_unit_test(test_atr_table),
        cmocka_unit_test(test_aid_fallback),
        cmocka_unit_test(test_token_types),
        cmocka_unit_test(test_t0_61xx_6cxx),
        cmocka_unit_test(test_t0_endless_61xx),
        cmocka_unit_test(test_read_certs_chunked),
        cmocka_unit_test(test_sign_cert_needs_password),
        cmocka_unit_test(test_tries_before_verify),
        cmocka_unit_test(test_pin_lockout),
        cmocka_unit_test(test_pin_reset_on_success_and_force),
        cmocka_unit_test(test_pin_format),
        cmocka_unit_test(test_malformed_answers),
        cmocka_unit_test(test_card_pulled_mid_read),
        cmocka_unit_test(test_basic_facts),
        cmocka_unit_test(test_parsers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
