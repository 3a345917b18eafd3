/* Dates as text: ISO 8601 calendar dates, and the dispatch to era dates. */
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "era.h"

static const char *const month_names[12] = {"January", "February", "March",     "April",
                                            "May",     "June",     "July",      "August",
                                            "September", "October", "November", "December"};

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
            snprintf(err, errlen, "%.10s is out of range: years run from 0001 to 9999", s);
        return KIGEN_ERANGE;
    }
    if (m < 1 || m > 12) {
        if (err)
            snprintf(err, errlen, "%.10s does not exist: month %02d is out of 01-12", s, m);
        return KIGEN_EINVAL;
    }
    if (d < 1 || d > kigen_days_in_month(y, m)) {
        if (err) {
            if (m == 2 && d == 29)
                snprintf(err, errlen, "%.10s does not exist: %04d is not a leap year", s, y);
            else
                snprintf(err, errlen, "%.10s does not exist: %s has %d days", s,
                         month_names[m - 1], kigen_days_in_month(y, m));
        }
        return KIGEN_EINVAL;
    }
    return kigen_date_from_ymd(y, m, d, out);
}

int kigen_date_parse(const char *text, size_t len, kigen_date *out, char *err, size_t errlen)
{
    char dummy[1];
    if (err && errlen)
        err[0] = '\0';
    if (!text || !out)
        return KIGEN_EINVAL;
    if (len == (size_t)-1)
        len = strlen(text);
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    int rc = parse_iso(text, len, out, err, errlen);
    if (rc != KIGEN_EPARSE)
        return rc;
    rc = kg_era_parse(text, len, out, err, errlen);
    if (rc != KIGEN_EPARSE)
        return rc;
    snprintf(err, errlen,
             "'%.*s' is not a date: expected YYYY-MM-DD or a Japanese era date such as "
             "令和4年4月1日 or R4.4.1",
             (int)(len > 40 ? 40 : len), text);
    return KIGEN_EPARSE;
}

int kigen_date_format_iso(kigen_date date, char *buf, size_t buflen)
{
    int y, m, d;
    if (!kigen_date_valid(date) || !buf || buflen < 11)
        return KIGEN_EINVAL;
    kigen_date_to_ymd(date, &y, &m, &d);
    snprintf(buf, buflen, "%04d-%02d-%02d", y, m, d);
    return KIGEN_OK;
}
