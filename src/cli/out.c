/* See out.h. */
#include "cli/out.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/text.h"

#define OUT_BUF ((size_t)64 << 10)

void out_open(cli_out *o, int fd)
{
    memset(o, 0, sizeof *o);
    o->fd = fd;
}

void out_reset(cli_out *o)
{
    o->len = 0;
    o->err = 0;
}

/* Memory mode: room for n more bytes. */
static bool grow(cli_out *o, size_t n)
{
    if (o->cap - o->len >= n)
        return true;
    size_t cap = o->cap ? o->cap : OUT_BUF;
    while (cap - o->len < n) {
        if (cap > ((size_t)1 << 40)) {
            o->err = ENOMEM;
            return false;
        }
        cap *= 2;
    }
    char *b = realloc(o->buf, cap);
    if (!b) {
        o->err = ENOMEM;
        return false;
    }
    o->buf = b;
    o->cap = cap;
    return true;
}

/* All n bytes to the descriptor, or the first failure in o->err. */
static void write_all(cli_out *o, const char *s, size_t n)
{
    size_t done = 0;
    while (done < n && !o->err) {
        ssize_t w = write(o->fd, s + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            o->err = w < 0 ? errno : EIO;
            break;
        }
        done += (size_t)w;
    }
}

void out_flush(cli_out *o)
{
    if (o->fd == CLI_OUT_MEMORY)
        return;
    write_all(o, o->buf, o->len);
    o->len = 0;
}

void out_bytes(cli_out *o, const char *s, size_t n)
{
    if (o->err || n == 0)
        return;
    if (o->cap - o->len >= n) { /* the common case: it fits */
        memcpy(o->buf + o->len, s, n);
        o->len += n;
        return;
    }
    if (o->fd == CLI_OUT_MEMORY) {
        if (grow(o, n)) {
            memcpy(o->buf + o->len, s, n);
            o->len += n;
        }
        return;
    }
    if (!o->buf) {
        o->buf = malloc(OUT_BUF);
        if (!o->buf) {
            o->err = ENOMEM;
            return;
        }
        o->cap = OUT_BUF;
    }
    while (n > 0 && !o->err) {
        if (o->len == o->cap)
            out_flush(o);
        size_t k = o->cap - o->len < n ? o->cap - o->len : n;
        memcpy(o->buf + o->len, s, k);
        o->len += k;
        s += k;
        n -= k;
    }
}

/* Room for n more bytes at o->buf + o->len (flushing or growing first):
 * the caller writes them and adds n to o->len. NULL after a failure. */
static char *out_room(cli_out *o, size_t n)
{
    if (o->err)
        return NULL;
    if (o->cap - o->len >= n)
        return o->buf + o->len;
    if (o->fd == CLI_OUT_MEMORY)
        return grow(o, n) ? o->buf + o->len : NULL;
    if (!o->buf) {
        o->buf = malloc(OUT_BUF);
        if (!o->buf) {
            o->err = ENOMEM;
            return NULL;
        }
        o->cap = OUT_BUF;
    }
    out_flush(o);
    return !o->err && o->cap - o->len >= n ? o->buf + o->len : NULL;
}

/* "00" .. "99": two digits per lookup instead of a division per digit. */
static const char two_digits[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

void out_date_iso(cli_out *o, kigen_date d)
{
    int y, m, day;
    kigen_date_to_ymd(d, &y, &m, &day);
    if (y < 1 || y > 9999)
        return; /* not a date kigen holds (kigen_date_to_ymd gave zeros) */
    char *b = o->cap - o->len >= 10 && !o->err ? o->buf + o->len : out_room(o, 10);
    if (!b)
        return;
    o->len += 10;
    memcpy(b, two_digits + (size_t)2 * (size_t)(y / 100), 2);
    memcpy(b + 2, two_digits + (size_t)2 * (size_t)(y % 100), 2);
    b[4] = '-';
    memcpy(b + 5, two_digits + (size_t)2 * (size_t)m, 2);
    b[7] = '-';
    memcpy(b + 8, two_digits + (size_t)2 * (size_t)day, 2);
}

void out_int(cli_out *o, long long v)
{
    char b[24];
    int k = sizeof b;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        b[--k] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        b[--k] = '-';
    out_bytes(o, b + k, sizeof b - (size_t)k);
}

void out_bytes_direct(cli_out *o, const char *s, size_t n)
{
    if (o->fd == CLI_OUT_MEMORY || n < OUT_BUF / 4) {
        out_bytes(o, s, n);
        return;
    }
    out_flush(o);
    write_all(o, s, n);
}

void out_str(cli_out *o, const char *s)
{
    out_bytes(o, s, strlen(s));
}
void out_eol(cli_out *o)
{
    out_bytes(o, o->crlf ? "\r\n" : "\n", o->crlf ? 2 : 1);
}

static bool formula_like(const char *s, size_t n)
{
    if (n == 0)
        return false;
    char c = s[0];
    if (c == '-') {
        /* a negative number stays a number; anything else after a '-' (as
         * in "-2+3+cmd|' /C calc'!A0") is a formula to Excel */
        size_t i = 1, digits = 0, dots = 0;
        for (; i < n; i++) {
            if (s[i] >= '0' && s[i] <= '9')
                digits++;
            else if (s[i] == '.' && dots++ == 0)
                continue;
            else
                break;
        }
        return i < n || digits == 0;
    }
    return c == '=' || c == '+' || c == '@' || c == '\t' || c == '\r';
}

void out_csv(cli_out *o, const char *s, size_t n, char delim)
{
    if (n == 0)
        return;
    bool guard = o->formula_safe && formula_like(s, n);
    bool quote = (s[0] == ' ' && !guard) || s[n - 1] == ' ';
    if (!quote) {
        /* only bytes below '#' (and the delimiter) can need quotes: one
         * comparison per byte for the rest */
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            if ((c <= '"' && (c == '"' || c == '\n' || c == '\r' || c == (unsigned char)delim)) ||
                c == (unsigned char)delim) {
                quote = true;
                break;
            }
        }
    }
    if (!quote) {
        if (guard)
            out_char(o, '\'');
        out_bytes(o, s, n);
        return;
    }
    out_char(o, '"');
    if (guard)
        out_char(o, '\'');
    size_t from = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '"') {
            out_bytes(o, s + from, i + 1 - from);
            from = i; /* the quote again: "" */
        }
    out_bytes(o, s + from, n - from);
    out_char(o, '"');
}

void out_json_str(cli_out *o, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    out_char(o, '"');
    size_t i = 0;
    while (i < n) {
        size_t ok = kg_utf8_valid_prefix(s + i, n - i);
        /* copy the valid run, escaping what JSON needs escaped */
        size_t from = i, end = i + ok;
        for (; i < end; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c >= 0x20 && c != '"' && c != '\\')
                continue;
            out_bytes(o, s + from, i - from);
            from = i + 1;
            char esc[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
            if (c == '"' || c == '\\') {
                esc[1] = (char)c;
                out_bytes(o, esc, 2);
            } else if (c == '\n') {
                out_bytes(o, "\\n", 2);
            } else if (c == '\t') {
                out_bytes(o, "\\t", 2);
            } else if (c == '\r') {
                out_bytes(o, "\\r", 2);
            } else {
                out_bytes(o, esc, 6);
            }
        }
        out_bytes(o, s + from, end - from);
        if (i < n) {
            out_bytes(o, "\\ufffd", 6); /* a byte that is not UTF-8 */
            i++;
        }
    }
    out_char(o, '"');
}

int out_close(cli_out *o, bool close_fd)
{
    out_flush(o);
    if (close_fd && o->fd >= 0 && close(o->fd) != 0 && !o->err)
        o->err = errno;
    free(o->buf);
    o->buf = NULL;
    o->cap = 0;
    return o->err;
}
