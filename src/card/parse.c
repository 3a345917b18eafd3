/* Pure parsers of what a card sends: ATRs, token info, DER headers and the
 * text AP's BER-TLV record. A card is outside input: every read here is
 * bounds-checked against the length actually received. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card/parse.h"

const uint8_t kg_aid_jpki[KG_AID_JPKI_LEN] = {0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01};
const uint8_t kg_aid_text[KG_AID_TEXT_LEN] = {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08};

static const struct {
    uint8_t len;
    uint8_t atr[20];
    const char *what;
} known_atrs[] = {
    {17,
     {0x3B, 0xF5, 0x91, 0x00, 0xFF, 0x91, 0x81, 0x71, 0xFE, 0x40, 0x00, 0x42, 0x00, 0x01, 0x00, 0xD1, 0xD6},
     "My Number card (contact)"},
    {13,
     {0x3B, 0x88, 0x80, 0x01, 0x00, 0x00, 0x05, 0xE0, 0xB3, 0x81, 0xA1, 0x00, 0x7F},
     "My Number card (contactless)"},
    {9, {0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14}, "Juki card (OpenSC's JPKI ATR)"},
};

const char *kg_card_atr_lookup(const uint8_t *atr, size_t len)
{
    if (!atr)
        return NULL;
    for (size_t i = 0; i < sizeof known_atrs / sizeof known_atrs[0]; i++)
        if (len == known_atrs[i].len && memcmp(atr, known_atrs[i].atr, len) == 0)
            return known_atrs[i].what;
    return NULL;
}

kigen_card_token kg_card_parse_token(const uint8_t *buf, size_t len)
{
    static const struct {
        const char *text;
        kigen_card_token t;
    } tokens[] = {
        {"JPKIAPICCTOKEN2", KIGEN_CARD_TOKEN_CARD},
        {"JPKIAPICCTOKEN", KIGEN_CARD_TOKEN_JUKI},
        {"JPKIAPGPSETOKEN", KIGEN_CARD_TOKEN_SMARTPHONE},
    };
    if (!buf)
        return KIGEN_CARD_TOKEN_UNKNOWN;
    /* the text, without its padding */
    size_t n = len;
    while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == 0x00 || buf[n - 1] == 0xFF))
        n--;
    for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
        size_t tl = strlen(tokens[i].text);
        if (n == tl && memcmp(buf, tokens[i].text, tl) == 0)
            return tokens[i].t;
    }
    return KIGEN_CARD_TOKEN_UNKNOWN;
}

int kg_card_der_total(const uint8_t *hdr, size_t len, size_t *total)
{
    if (!hdr || len < 4 || hdr[0] != 0x30)
        return -1;
    if (hdr[1] != 0x82)
        /* A certificate of a 2048-bit key is always 256 bytes or longer,
         * and DER takes the shortest length form: 30 82 or not at all. */
        return -1;
    size_t body = ((size_t)hdr[2] << 8) | hdr[3];
    if (body < 0x100 || body + 4 > KG_CERT_MAX)
        return -2;
    *total = body + 4;
    return 0;
}

int kg_card_tlv(const uint8_t *buf, size_t len, unsigned *tag, size_t *value, size_t *vlen, size_t *need)
{
    size_t i = 0;
    if (need)
        *need = 0;
    if (len < 1)
        return -1;
    unsigned t = buf[i++];
    if ((t & 0x1F) == 0x1F) {
        /* two-byte tag; a third byte (continuation bit) is not used here */
        if (i >= len)
            return -1;
        if (buf[i] & 0x80)
            return -2;
        t = (t << 8) | buf[i++];
    }
    if (i >= len)
        return -1;
    size_t l = buf[i++];
    if (l == 0x81) {
        if (i + 1 > len)
            return -1;
        l = buf[i++];
    } else if (l == 0x82) {
        if (i + 2 > len)
            return -1;
        l = ((size_t)buf[i] << 8) | buf[i + 1];
        i += 2;
    } else if (l >= 0x80) {
        return -2; /* indefinite or longer forms: not on this card */
    }
    if (need)
        *need = i + l;
    if (l > len - i)
        return -1;
    *tag = t;
    *value = i;
    *vlen = l;
    return 0;
}

int kg_card_parse_basic(const uint8_t *buf, size_t len, kg_slice out[5], char *msg, size_t cap)
{
    unsigned tag;
    size_t v, vl, need;
    for (int k = 0; k < 5; k++) {
        out[k].p = NULL;
        out[k].n = 0;
    }
    int rc = kg_card_tlv(buf, len, &tag, &v, &vl, &need);
    if (rc != 0 || tag != 0xFF20) {
        if (msg && cap)
            snprintf(msg, cap, "%s",
                     rc == -1   ? "the basic-facts record is cut short"
                     : rc == -2 ? "the basic-facts record is not BER-TLV"
                                : "the basic-facts record does not start with tag FF20");
        return -1;
    }
    const uint8_t *p = buf + v;
    size_t left = vl;
    while (left > 0) {
        /* padding after the last TLV */
        if (p[0] == 0x00 || p[0] == 0xFF) {
            size_t k = 0;
            while (k < left && (p[k] == 0x00 || p[k] == 0xFF))
                k++;
            if (k == left)
                break;
            if (p[0] == 0x00) {
                if (msg && cap)
                    snprintf(msg, cap, "stray bytes inside the basic-facts record");
                return -1;
            }
        }
        rc = kg_card_tlv(p, left, &tag, &v, &vl, &need);
        if (rc != 0) {
            if (msg && cap)
                snprintf(msg, cap, "an inner TLV of the basic-facts record %s",
                         rc == -1 ? "runs past the record's end" : "is malformed");
            return -1;
        }
        if (tag >= 0xFF21 && tag <= 0xFF25) {
            int k = (int)(tag - 0xFF21);
            if (out[k].p) {
                if (msg && cap)
                    snprintf(msg, cap, "tag %04X appears twice in the basic-facts record", tag);
                return -1;
            }
            out[k].p = p + v;
            out[k].n = vl;
        }
        p += v + vl;
        left -= v + vl;
    }
    return 0;
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0. */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

char *kg_card_text_dup(const uint8_t *p, size_t n)
{
    if (!p)
        n = 0;
    while (n > 0 && (p[n - 1] == 0x00 || p[n - 1] == ' '))
        n--;
    /* at worst every byte becomes the 3-byte U+FFFD */
    if (n > (SIZE_MAX - 1) / 3)
        return NULL;
    char *s = malloc(n * 3 + 1);
    if (!s)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t l = utf8_seq(p + i, n - i);
        if (l == 0 || (l == 1 && (p[i] < 0x20 || p[i] == 0x7F))) {
            memcpy(s + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i += 1;
        } else {
            memcpy(s + o, p + i, l);
            o += l;
            i += l;
        }
    }
    s[o] = '\0';
    return s;
}

int kg_card_sw_tries(unsigned sw)
{
    if ((sw & 0xFFF0) == 0x63C0)
        return (int)(sw & 0x0F);
    if (sw == 0x6983)
        return 0;
    return -1;
}
