/* Japanese era dates (和暦): reading and printing, from one table.
 *
 * An era runs from its first day to the day before the next era's first
 * day. 明治 dates exist in kigen only from 明治6年1月1日 (1873-01-01), when
 * Japan adopted the Gregorian calendar; earlier 明治 dates are lunisolar
 * and are refused rather than silently misread. */
#include "base/era.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/calendar.h"
#include "base/text.h"

const kg_era kg_eras[] = {
    /* name, letter, first day (Gregorian), first year */
    {"明治", 'M', 1868, 1, 25, 1868}, /* 明治元年1月1日 (lunisolar); usable from 1873 */
    {"大正", 'T', 1912, 7, 30, 1912}, {"昭和", 'S', 1926, 12, 25, 1926},
    {"平成", 'H', 1989, 1, 8, 1989},  {"令和", 'R', 2019, 5, 1, 2019},
};
const int kg_era_count = (int)(sizeof kg_eras / sizeof kg_eras[0]);

/* The Gregorian calendar's first day in Japan: 明治6年1月1日. */
#define GREGORIAN_ADOPTION_Y 1873

static kigen_date era_first_day(int i)
{
    kigen_date d = 0;
    (void)kigen_date_from_ymd(kg_eras[i].y, kg_eras[i].m, kg_eras[i].d, &d);
    return d;
}

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Read one digit, ASCII or full-width (０-９, U+FF10–U+FF19). */
static int take_digit(const unsigned char **p, const unsigned char *end)
{
    const unsigned char *s = *p;
    if (s < end && *s >= '0' && *s <= '9') {
        *p = s + 1;
        return *s - '0';
    }
    if (end - s >= 3 && s[0] == 0xEF && s[1] == 0xBC && s[2] >= 0x90 && s[2] <= 0x99) {
        *p = s + 3;
        return s[2] - 0x90;
    }
    return -1;
}

/* 1 to 4 digits; -1 when there are none or too many. */
static int take_number(const unsigned char **p, const unsigned char *end)
{
    int v = 0, n = 0, dgt;
    while ((dgt = take_digit(p, end)) >= 0) {
        if (++n > 4)
            return -1;
        v = v * 10 + dgt;
    }
    return n ? v : -1;
}

static int take_str(const unsigned char **p, const unsigned char *end, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(end - *p) >= n && memcmp(*p, lit, n) == 0) {
        *p += n;
        return 1;
    }
    return 0;
}

/* Validate era + era year + month + day and produce the day number. */
static int era_to_date(int ei, int ey, int m, int d, kigen_date *out, char *err, size_t errlen)
{
    const kg_era *e = &kg_eras[ei];
    int gy = e->first_year + ey - 1;
    if (ey < 1) {
        set_err(err, errlen,
                kg_ja() ? "%s%d年はありません（年は元年から数えます）"
                        : "%s%d年 does not exist: era years start at 元年 (1)",
                e->name, ey);
        return KIGEN_EINVAL;
    }
    if (m < 1 || m > 12) {
        set_err(err, errlen, kg_ja() ? "%d月はありません" : "month %d is out of 1-12", m);
        return KIGEN_EINVAL;
    }
    if (gy > 9999) {
        set_err(err, errlen, kg_ja() ? "%s%d年は9999年より後です" : "%s%d年 is after 9999", e->name, ey);
        return KIGEN_ERANGE;
    }
    if (d < 1 || d > kigen_days_in_month(gy, m)) {
        set_err(err, errlen,
                kg_ja() ? "%s%d年%d月%d日という日はありません（その月は%d日までです）"
                        : "%s%d年%d月%d日 does not exist: that month has %d days",
                e->name, ey, m, d, kigen_days_in_month(gy, m));
        return KIGEN_EINVAL;
    }
    if (ei == 0 && gy < GREGORIAN_ADOPTION_Y) {
        set_err(
            err, errlen,
            kg_ja()
                ? "%s%d年%d月%d日は旧暦の日付です（グレゴリオ暦になったのは明治6年1月1日＝1873-01-01 からで、"
                  "kigen はそれ以降の日付だけを読みます）"
                : "%s%d年%d月%d日 is a lunisolar (旧暦) date: Japan adopted the Gregorian calendar "
                  "on 明治6年1月1日 (1873-01-01), and kigen reads only Gregorian dates",
            e->name, ey, m, d);
        return KIGEN_EINVAL;
    }
    kigen_date day;
    (void)kigen_date_from_ymd(gy, m, d, &day);
    if (day < era_first_day(ei)) {
        set_err(err, errlen,
                kg_ja() ? "%s%d年%d月%d日という日はありません（%sは%04d-%02d-%02dに始まりました）"
                        : "%s%d年%d月%d日 does not exist: %s began on %04d-%02d-%02d",
                e->name, ey, m, d, e->name, e->y, e->m, e->d);
        return KIGEN_EINVAL;
    }
    if (ei + 1 < kg_era_count && day >= era_first_day(ei + 1)) {
        kigen_date last = era_first_day(ei + 1) - 1;
        int ly, lm, ld;
        kigen_date_to_ymd(last, &ly, &lm, &ld);
        char next[32];
        (void)kigen_date_format_era(day, KIGEN_ERA_KANJI, next, sizeof next);
        set_err(err, errlen,
                kg_ja()
                    ? "%s%d年%d月%d日という日はありません（%sは%04d-%02d-%02dに終わりました。その日は%sです）"
                    : "%s%d年%d月%d日 does not exist: %s ended on %04d-%02d-%02d; that day is %s",
                e->name, ey, m, d, e->name, ly, lm, ld, next);
        return KIGEN_EINVAL;
    }
    *out = day;
    return KIGEN_OK;
}

int kg_era_parse(const char *text, size_t len, kigen_date *out, char *err, size_t errlen)
{
    const unsigned char *p = (const unsigned char *)text, *end = p + len;
    int ei = -1;
    int kanji = 0;
    for (int i = 0; i < kg_era_count && ei < 0; i++) {
        if (take_str(&p, end, kg_eras[i].name)) {
            ei = i;
            kanji = 1;
        } else if (p < end && (*p == (unsigned char)kg_eras[i].letter ||
                               *p == (unsigned char)(kg_eras[i].letter + ('a' - 'A')))) {
            ei = i;
            p++;
        }
    }
    if (ei < 0)
        return KIGEN_EPARSE;
    int ey, m, d;
    if (kanji) {
        if (take_str(&p, end, "元"))
            ey = 1;
        else if ((ey = take_number(&p, end)) < 0)
            return KIGEN_EPARSE;
        if (!take_str(&p, end, "年") || (m = take_number(&p, end)) < 0 || !take_str(&p, end, "月") ||
            (d = take_number(&p, end)) < 0 || !take_str(&p, end, "日") || p != end)
            return KIGEN_EPARSE;
    } else {
        if ((ey = take_number(&p, end)) < 0 || p >= end)
            return KIGEN_EPARSE;
        unsigned char sep = *p;
        if (sep != '.' && sep != '/' && sep != '-')
            return KIGEN_EPARSE;
        p++;
        if ((m = take_number(&p, end)) < 0 || p >= end || *p != sep)
            return KIGEN_EPARSE;
        p++;
        if ((d = take_number(&p, end)) < 0 || p != end)
            return KIGEN_EPARSE;
    }
    return era_to_date(ei, ey, m, d, out, err, errlen);
}

int kigen_date_format_era(kigen_date date, kigen_era_style style, char *buf, size_t buflen)
{
    int y, m, d;
    if (!buf)
        return KIGEN_EMISUSE;
    if (!kigen_date_valid(date))
        return KIGEN_EINVAL;
    kigen_date_to_ymd(date, &y, &m, &d);
    if (y < GREGORIAN_ADOPTION_Y)
        return KIGEN_ERANGE;
    int ei = kg_era_count - 1;
    while (ei > 0 && date < era_first_day(ei))
        ei--;
    int ey = y - kg_eras[ei].first_year + 1;
    int n;
    if (style == KIGEN_ERA_SHORT)
        n = snprintf(buf, buflen, "%c%d.%d.%d", kg_eras[ei].letter, ey, m, d);
    else if (style == KIGEN_ERA_KANJI && ey == 1)
        n = snprintf(buf, buflen, "%s元年%d月%d日", kg_eras[ei].name, m, d);
    else if (style == KIGEN_ERA_KANJI)
        n = snprintf(buf, buflen, "%s%d年%d月%d日", kg_eras[ei].name, ey, m, d);
    else
        return KIGEN_EINVAL;
    return n >= 0 && (size_t)n < buflen ? KIGEN_OK : KIGEN_EINVAL;
}
