/* Text helpers (text.h): "did you mean", UTF-8, display widths, escaping
 * text from outside for one-line messages, the messages' language. */
#include "base/text.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

int kg_edit_distance(const char *a, const char *b, int cap)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return cap + 1;
    int row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int prev = row[0], best = row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int cur = row[j];
            int v = prev + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < v)
                v = row[j] + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            row[j] = v;
            prev = cur;
            if (v < best)
                best = v;
        }
        if (best > cap)
            return cap + 1;
    }
    return row[lb];
}

const char *kg_closest(const char *name, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t len = strlen(name);
    int cap = len <= 3 ? 1 : len <= 8 ? 2 : 3, bestd = cap + 1;
    for (size_t i = 0; i < n; i++) {
        if (!cands[i])
            continue;
        int d = kg_edit_distance(name, cands[i], cap);
        if (d < bestd) {
            bestd = d;
            best = cands[i];
        }
    }
    return best;
}

size_t kg_utf8_count(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            c++;
    return c;
}

size_t kg_display_width(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            w += 1;
            i += 1;
        } else if ((c & 0xE0) == 0xC0) {
            w += 1;
            i += 2;
        } else if ((c & 0xF0) == 0xE0) {
            /* CJK, kana, full-width forms: all of Japanese text is wide. */
            unsigned cp = (unsigned)(c & 0x0F) << 12;
            if (i + 2 < n)
                cp |= (unsigned)((unsigned char)s[i + 1] & 0x3F) << 6 | ((unsigned char)s[i + 2] & 0x3F);
            w += (cp >= 0x1100 &&
                  (cp <= 0x115F || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
                   (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
                   (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6)))
                     ? 2
                     : 1;
            i += 3;
        } else {
            w += 2;
            i += 4;
        }
    }
    return w;
}

bool kg_is_ident(const char *s, size_t n)
{
    if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

/* The length of the well-formed UTF-8 sequence at s[0..n), 0 when there is
 * none (Unicode 15, table 3-7), and its code point. */
static size_t utf8_seq(const unsigned char *s, size_t n, unsigned *cp)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    unsigned lo = 0x80, hi = 0xBF, v;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        v = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        v = c & 0x07;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    v = (v << 6) | (s[1] & 0x3F);
    for (size_t i = 2; i < len; i++) {
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return len;
}

size_t kg_utf8_valid_prefix(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        /* ASCII runs are the common case */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ULL)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned cp;
        size_t k = utf8_seq(p + i, n - i, &cp);
        if (!k)
            return i;
        i += k;
    }
    return n;
}

bool kg_utf8_valid(const char *s, size_t n)
{
    return kg_utf8_valid_prefix(s, n) == n;
}

size_t kg_escape_line(char *dst, size_t cap, const char *src, size_t n)
{
    const unsigned char *p = (const unsigned char *)src;
    size_t need = 0, w = 0;
    bool full = cap == 0;
    for (size_t i = 0; i < n;) {
        char esc[16];
        size_t el, adv;
        unsigned cp;
        size_t k = utf8_seq(p + i, n - i, &cp);
        if (k == 0) {
            el = (size_t)snprintf(esc, sizeof esc, "\\x%02x", p[i]);
            adv = 1;
        } else if (cp == '\n' || cp == '\t' || cp == '\r') {
            esc[0] = '\\';
            esc[1] = cp == '\n' ? 'n' : cp == '\t' ? 't' : 'r';
            el = 2;
            adv = 1;
        } else if (cp < 0x20 || cp == 0x7F) {
            el = (size_t)snprintf(esc, sizeof esc, "\\x%02x", cp);
            adv = 1;
        } else if ((cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
                   (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F ||
                   /* invisible: zero-width spaces and joiners, a byte order
                    * mark, a no-break space (reads as a space, is not one) */
                   (cp >= 0x200B && cp <= 0x200D) || cp == 0xFEFF || cp == 0xA0) {
            el = (size_t)snprintf(esc, sizeof esc, "\\u%04x", cp);
            adv = k;
        } else {
            memcpy(esc, p + i, k);
            el = adv = k;
        }
        need += el;
        if (!full && w + el < cap) {
            memcpy(dst + w, esc, el);
            w += el;
        } else {
            full = true;
        }
        i += adv;
    }
    if (cap)
        dst[w] = '\0';
    return need;
}

static _Thread_local bool lang_ja;

bool kg_ja(void)
{
    return lang_ja;
}

bool kg_lang_enter(bool ja)
{
    bool prev = lang_ja;
    lang_ja = ja;
    return prev;
}

void kg_lang_restore(bool *prev)
{
    lang_ja = *prev;
}

int kg_utf8_fit(const char *s, int max)
{
    size_t n = 0;
    while (n < (size_t)max && s[n])
        n++;
    if (s[n])
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    return (int)n;
}
