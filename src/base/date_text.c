/* Dates as text: ISO 8601 calendar dates, and the dispatch to era dates. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/calendar.h"
#include "base/era.h"
#include "base/text.h"

static const char *const month_names[12] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int parse_iso(const char *s, size_t len, kigen_date *out, char *err, size_t errlen)
{
    if (len != 10 || s[4] != '-' || s[7] != '-')
        return KIGEN_EPARSE;
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < 0 || m < 0 || d < 0)
        return KIGEN_EPARSE;
    if (y < 1) {
        if (err)
            snprintf(err, errlen,
                     kg_ja() ? "%.10s は範囲外です（年は 0001 〜 9999）"
                             : "%.10s is out of range: years run from 0001 to 9999",
                     s);
        return KIGEN_ERANGE;
    }
    if (m < 1 || m > 12) {
        if (err)
            snprintf(err, errlen,
                     kg_ja() ? "%.10s という日はありません（%02d月はありません）"
                             : "%.10s does not exist: month %02d is out of 01-12",
                     s, m);
        return KIGEN_EINVAL;
    }
    if (d < 1 || d > kigen_days_in_month(y, m)) {
        if (err) {
            if (m == 2 && d == 29)
                snprintf(err, errlen,
                         kg_ja() ? "%.10s という日はありません（%04d年はうるう年ではありません）"
                                 : "%.10s does not exist: %04d is not a leap year",
                         s, y);
            else if (kg_ja())
                snprintf(err, errlen, "%.10s という日はありません（%d月は%d日までです）", s, m,
                         kigen_days_in_month(y, m));
            else
                snprintf(err, errlen, "%.10s does not exist: %s has %d days", s, month_names[m - 1],
                         kigen_days_in_month(y, m));
        }
        return KIGEN_EINVAL;
    }
    return kigen_date_from_ymd(y, m, d, out);
}

/* A year, month and day from an office's form of a date, checked like ISO. */
static int check_ymd(const char *shown, int y, int m, int d, kigen_date *out, char *err, size_t errlen)
{
    if (y < 1 || y > 9999) {
        snprintf(err, errlen,
                 kg_ja() ? "%s は範囲外です（年は 0001 〜 9999）"
                         : "%s is out of range: years run from 0001 to 9999",
                 shown);
        return KIGEN_ERANGE;
    }
    if (m < 1 || m > 12) {
        snprintf(err, errlen,
                 kg_ja() ? "%s という日はありません（%d月はありません）"
                         : "%s does not exist: month %d is out of 1-12",
                 shown, m);
        return KIGEN_EINVAL;
    }
    if (d < 1 || d > kigen_days_in_month(y, m)) {
        if (m == 2 && d == 29)
            snprintf(err, errlen,
                     kg_ja() ? "%s という日はありません（%04d年はうるう年ではありません）"
                             : "%s does not exist: %04d is not a leap year",
                     shown, y);
        else if (kg_ja())
            snprintf(err, errlen, "%s という日はありません（%d月は%d日までです）", shown, m,
                     kigen_days_in_month(y, m));
        else
            snprintf(err, errlen, "%s does not exist: %s has %d days", shown, month_names[m - 1],
                     kigen_days_in_month(y, m));
        return KIGEN_EINVAL;
    }
    return kigen_date_from_ymd(y, m, d, out);
}

/* 1 or 2 digits (at most `max`), or -1. */
static int small_number(const char **p, const char *end, int max)
{
    int v = 0, n = 0;
    while (*p < end && **p >= '0' && **p <= '9' && n < max) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    return n ? v : -1;
}

static bool lit(const char **p, const char *end, const char *s)
{
    size_t n = strlen(s);
    if ((size_t)(end - *p) < n || memcmp(*p, s, n) != 0)
        return false;
    *p += n;
    return true;
}

/* Gregorian dates as Japanese offices write them (after normalise):
 * 2023/04/01, 2023/4/1, 2023-4-1, 2023.4.1, 2023年4月1日. The year has
 * four digits: 23/4/1 is too ambiguous to guess. */
static int parse_office(const char *s, size_t len, kigen_date *out, char *err, size_t errlen)
{
    const char *p = s, *end = s + len;
    if (len < 8 || digits(s, 4) < 0)
        return KIGEN_EPARSE;
    int y = digits(s, 4), m, d;
    p += 4;
    if (p < end && (*p == '/' || *p == '-' || *p == '.')) {
        char sep = *p++;
        if ((m = small_number(&p, end, 2)) < 0 || p >= end || *p++ != sep ||
            (d = small_number(&p, end, 2)) < 0 || p != end)
            return KIGEN_EPARSE;
    } else if (lit(&p, end, "年")) {
        if ((m = small_number(&p, end, 2)) < 0 || !lit(&p, end, "月") || (d = small_number(&p, end, 2)) < 0 ||
            !lit(&p, end, "日") || p != end)
            return KIGEN_EPARSE;
    } else {
        return KIGEN_EPARSE;
    }
    char shown[48];
    snprintf(shown, sizeof shown, "%.*s", (int)len, s);
    return check_ymd(shown, y, m, d, out, err, errlen);
}

/* Full-width letters, digits and signs as ASCII; spaces (ASCII and
 * ideographic) dropped. false when the text is too long to be a date. */
static bool normalise(const char *text, size_t len, char *out, size_t cap, size_t *n)
{
    const unsigned char *p = (const unsigned char *)text, *end = p + len;
    size_t k = 0;
    while (p < end) {
        unsigned char c = *p;
        if (c == ' ' || c == '\t') {
            p++;
            continue;
        }
        if (end - p >= 3 && c == 0xE3 && p[1] == 0x80 && p[2] == 0x80) { /* U+3000 */
            p += 3;
            continue;
        }
        if (end - p >= 3 && c == 0xEF && (p[1] == 0xBC || p[1] == 0xBD)) {
            unsigned cp = 0xF000 | ((unsigned)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
            if (cp >= 0xFF01 && cp <= 0xFF5E) { /* U+FF01..FF5E: full-width ASCII */
                if (k + 1 >= cap)
                    return false;
                out[k++] = (char)(cp - 0xFF01 + 0x21);
                p += 3;
                continue;
            }
        }
        if (k + 1 >= cap)
            return false;
        out[k++] = (char)c;
        p++;
    }
    out[k] = '\0';
    *n = k;
    return true;
}

int kigen_date_parse(const char *text, size_t len, kigen_date *out, char *err, size_t errlen)
{
    char dummy[1];
    if (err && errlen)
        err[0] = '\0';
    if (!text || !out)
        return KIGEN_EMISUSE;
    if (len == (size_t)-1)
        len = strlen(text);
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    int rc = parse_iso(text, len, out, err, errlen);
    if (rc != KIGEN_EPARSE)
        return rc;
    char norm[64];
    size_t n = 0;
    if (normalise(text, len, norm, sizeof norm, &n)) {
        rc = parse_iso(norm, n, out, err, errlen);
        if (rc == KIGEN_EPARSE)
            rc = parse_office(norm, n, out, err, errlen);
        if (rc == KIGEN_EPARSE)
            rc = kg_era_parse(norm, n, out, err, errlen);
        if (rc != KIGEN_EPARSE)
            return rc;
    }
    snprintf(err, errlen,
             kg_ja()
                 ? "「%.*s」は日付ではありません（2023-04-01、2023/4/1、2023年4月1日、令和5年4月1日、R5.4.1 "
                   "のように書きます）"
                 : "'%.*s' is not a date: expected YYYY-MM-DD (or 2023/4/1, 2023年4月1日) or a Japanese era "
                   "date such as 令和5年4月1日 or R5.4.1",
             (int)(len > 40 ? 40 : len), text);
    return KIGEN_EPARSE;
}

int kigen_date_format_iso(kigen_date date, char *buf, size_t buflen)
{
    int y, m, d;
    if (!buf || buflen < 11)
        return KIGEN_EMISUSE;
    if (!kigen_date_valid(date))
        return KIGEN_EINVAL;
    kigen_date_to_ymd(date, &y, &m, &d);
    /* by hand, not snprintf: a batch prints millions of these */
    buf[0] = (char)('0' + y / 1000 % 10);
    buf[1] = (char)('0' + y / 100 % 10);
    buf[2] = (char)('0' + y / 10 % 10);
    buf[3] = (char)('0' + y % 10);
    buf[4] = '-';
    buf[5] = (char)('0' + m / 10);
    buf[6] = (char)('0' + m % 10);
    buf[7] = '-';
    buf[8] = (char)('0' + d / 10);
    buf[9] = (char)('0' + d % 10);
    buf[10] = '\0';
    return KIGEN_OK;
}
