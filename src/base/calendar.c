/* Civil-date arithmetic on day numbers (Rata Die: 1 = 0001-01-01).
 *
 * Everything here is integer arithmetic with explicit range checks, so a
 * bad date is an error code, never undefined behaviour. The conversions are
 * Howard Hinnant's days_from_civil/civil_from_days, shifted to Rata Die. */
#include "base/calendar.h"

#include <stdbool.h>
#include <string.h>

#define RD_UNIX_EPOCH 719163 /* Rata Die of 1970-01-01 */

/* The internal forms below are inline and check nothing their callers
 * have checked: a batch runs tens of these per record. */
static inline bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* m in 1..12 */
static inline int dim(int y, int m)
{
    static const unsigned char len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : len[m - 1];
}

int kigen_is_leap_year(int y)
{
    return leap(y);
}

int kigen_days_in_month(int y, int m)
{
    if (m < 1 || m > 12)
        return 0;
    return dim(y, m);
}

/* Years 1..9999 (every date kigen holds): the same algorithm in unsigned
 * 32-bit arithmetic, where dividing by a constant is a multiply and a
 * shift; a batch converts tens of dates per record. */
static inline kigen_date rd_from_ymd_fast(unsigned y, unsigned m, unsigned d)
{
    y -= m <= 2;
    unsigned era = y / 400;
    unsigned yoe = y - era * 400;
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (kigen_date)(era * 146097 + doe) - (719468 - RD_UNIX_EPOCH);
}

int64_t kg_rd_from_ymd(int64_t y, int m, int d)
{
    if (y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= 31)
        return rd_from_ymd_fast((unsigned)y, (unsigned)m, (unsigned)d);
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468 + RD_UNIX_EPOCH;
}

int kigen_date_valid(kigen_date date)
{
    return date >= KIGEN_DATE_MIN && date <= KIGEN_DATE_MAX;
}

int kigen_date_from_ymd(int y, int m, int d, kigen_date *out)
{
    if (!out)
        return KIGEN_EMISUSE;
    if (y < 1 || y > 9999)
        return KIGEN_ERANGE;
    if (m < 1 || m > 12 || d < 1 || d > dim(y, m))
        return KIGEN_EINVAL;
    *out = rd_from_ymd_fast((unsigned)y, (unsigned)m, (unsigned)d);
    return KIGEN_OK;
}

/* date valid */
static inline void ymd_of(kigen_date date, int *y, int *m, int *d)
{
    /* Neri and Schneider's Euclidean affine form ("Euclidean affine
     * functions and their application to calendar algorithms", 2022) on
     * days since 0000-03-01, which a valid date never makes negative: a
     * few multiplications and shifts, no division that is not one. */
    uint32_t n = (uint32_t)date + (719468 - RD_UNIX_EPOCH);
    uint32_t n1 = 4 * n + 3;
    uint32_t century = n1 / 146097;
    uint32_t nc = n1 % 146097 / 4;
    uint32_t n2 = 4 * nc + 3;
    uint64_t p2 = (uint64_t)2939745 * n2;
    uint32_t z = (uint32_t)(p2 >> 32);        /* year of the century */
    uint32_t ny = (uint32_t)p2 / 2939745 / 4; /* day of the year, from 1 March */
    uint32_t n3 = 2141 * ny + 197913;
    uint32_t mm = n3 >> 16; /* 3 .. 14 */
    uint32_t dd = (n3 & 0xFFFF) / 2141;
    uint32_t jan_feb = ny >= 306;
    *y = (int)(100 * century + z + jan_feb);
    *m = (int)(jan_feb ? mm - 12 : mm);
    *d = (int)dd + 1;
}

void kigen_date_to_ymd(kigen_date date, int *y, int *m, int *d)
{
    int yy0, mm0, dd0;
    if (!y)
        y = &yy0; /* the parts not asked for are not written */
    if (!m)
        m = &mm0;
    if (!d)
        d = &dd0;
    if (!kigen_date_valid(date)) {
        *y = *m = *d = 0;
        return;
    }
    ymd_of(date, y, m, d);
}

static int date_from_i64(int64_t rd, kigen_date *out)
{
    if (rd < KIGEN_DATE_MIN || rd > KIGEN_DATE_MAX)
        return KIGEN_ERANGE;
    *out = (kigen_date)rd;
    return KIGEN_OK;
}

int kigen_date_add_days(kigen_date date, int64_t n, kigen_date *out)
{
    if (!out)
        return KIGEN_EMISUSE;
    if (!kigen_date_valid(date))
        return KIGEN_EINVAL;
    /* Both operands are bounded, so a sum that could overflow is out of
     * range anyway. */
    if (n > KIGEN_DATE_MAX || n < -KIGEN_DATE_MAX)
        return KIGEN_ERANGE;
    return date_from_i64((int64_t)date + n, out);
}

int kg_ymd_add_months(int y, int m, int d, int64_t n, kigen_eom eom, kigen_date *out)
{
    if (n > (int64_t)12 * 10000 || n < (int64_t)-12 * 10000)
        return KIGEN_ERANGE;
    if (y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= 31 && eom == KIGEN_EOM_CLAMP) {
        /* the common case, in plain int arithmetic: month index from year 0 */
        int mi = y * 12 + (m - 1) + (int)n;
        if (mi < 12 || mi >= 10000 * 12)
            return KIGEN_ERANGE;
        int ty = mi / 12, tm = mi % 12 + 1, len = dim(ty, tm);
        *out = rd_from_ymd_fast((unsigned)ty, (unsigned)tm, (unsigned)(d <= len ? d : len));
        return KIGEN_OK;
    }
    int64_t mi = (int64_t)y * 12 + (m - 1) + n;
    int64_t ty = mi >= 0 ? mi / 12 : -((-mi + 11) / 12);
    int tm = (int)(mi - ty * 12) + 1;
    if (ty < 1 || ty > 9999)
        return KIGEN_ERANGE;
    int len = dim((int)ty, tm);
    if (d <= len)
        return kigen_date_from_ymd((int)ty, tm, d, out);
    if (eom == KIGEN_EOM_CLAMP)
        return kigen_date_from_ymd((int)ty, tm, len, out);
    if (eom == KIGEN_EOM_ROLL) {
        /* The 1st of the following month, which may be 10000-01-01. */
        kigen_date last;
        int rc = kigen_date_from_ymd((int)ty, tm, len, &last);
        if (rc != KIGEN_OK)
            return rc;
        return kigen_date_add_days(last, 1, out);
    }
    return KIGEN_EINVAL;
}

int kigen_date_add_months(kigen_date date, int64_t n, kigen_eom eom, kigen_date *out)
{
    if (!out)
        return KIGEN_EMISUSE;
    int y, m, d;
    if (!kigen_date_valid(date))
        return KIGEN_EINVAL;
    ymd_of(date, &y, &m, &d);
    return kg_ymd_add_months(y, m, d, n, eom, out);
}

int kigen_date_add_years(kigen_date date, int64_t n, kigen_eom eom, kigen_date *out)
{
    if (!out)
        return KIGEN_EMISUSE;
    if (n > 10000 || n < -10000)
        return KIGEN_ERANGE;
    return kigen_date_add_months(date, n * 12, eom, out);
}

kigen_date kigen_date_end_of_month(kigen_date date)
{
    int y, m, d;
    kigen_date out = 0;
    if (!kigen_date_valid(date))
        return 0;
    kigen_date_to_ymd(date, &y, &m, &d);
    (void)kigen_date_from_ymd(y, m, kigen_days_in_month(y, m), &out);
    return out;
}

int kigen_date_weekday(kigen_date date)
{
    if (!kigen_date_valid(date))
        return 0;
    /* Rata Die 1 (0001-01-01) was a Monday. */
    return (int)(((int64_t)date - 1) % 7 + 7) % 7 + 1;
}

int64_t kigen_days_between(kigen_date from, kigen_date to)
{
    return (int64_t)to - (int64_t)from;
}

/* The kth anniversary of (by, bm, bd), k >= 0, as a day number, with the
 * 29 February rule for common years. */
static int anniversary(int by, int bm, int bd, int64_t k, kigen_feb29 feb29, kigen_date *out)
{
    int64_t y = by + k;
    if (y < 1 || y > 9999)
        return KIGEN_ERANGE;
    /* (bm, bd) is a valid date's: only 29 February can be missing */
    if (bm == 2 && bd == 29 && !leap((int)y)) {
        *out = feb29 == KIGEN_FEB29_MAR1 ? rd_from_ymd_fast((unsigned)y, 3, 1)
                                         : rd_from_ymd_fast((unsigned)y, 2, 28);
        return KIGEN_OK;
    }
    *out = rd_from_ymd_fast((unsigned)y, (unsigned)bm, (unsigned)bd);
    return KIGEN_OK;
}

int kigen_nth_birthday_after(kigen_date birth, kigen_date after, int n, kigen_feb29 feb29, kigen_date *out)
{
    if (!out)
        return KIGEN_EMISUSE;
    int by, bm, bd, ay, am, ad;
    kigen_date a;
    if (!kigen_date_valid(birth) || !kigen_date_valid(after) || n < 1)
        return KIGEN_EINVAL;
    if (feb29 != KIGEN_FEB29_FEB28 && feb29 != KIGEN_FEB29_MAR1)
        return KIGEN_EINVAL;
    ymd_of(birth, &by, &bm, &bd);
    ymd_of(after, &ay, &am, &ad);
    /* The first anniversary after `after` is in after's year or the next
     * one, since every anniversary falls in its own calendar year. */
    int64_t k = (int64_t)ay - by;
    if (k < 1)
        k = 1;
    if (anniversary(by, bm, bd, k, feb29, &a) != KIGEN_OK)
        return KIGEN_ERANGE;
    if (a <= after)
        k++;
    return anniversary(by, bm, bd, k + n - 1, feb29, out);
}

static int age_birthday_rule(int by, int bm, int bd, int oy, int om, int od, kigen_feb29 feb29)
{
    int age = oy - by;
    kigen_date a = 0,
               on = rd_from_ymd_fast((unsigned)oy, (unsigned)om, (unsigned)od); /* a valid date's parts */
    if (anniversary(by, bm, bd, age, feb29, &a) != KIGEN_OK || a > on)
        age--;
    return age;
}

int kigen_age_on(kigen_date birth, kigen_date on, kigen_age_method method, kigen_feb29 feb29, int *age)
{
    if (!age)
        return KIGEN_EMISUSE;
    int by, bm, bd, oy, om, od;
    if (!kigen_date_valid(birth) || !kigen_date_valid(on) || on < birth)
        return KIGEN_EINVAL;
    ymd_of(birth, &by, &bm, &bd);
    if (method == KIGEN_AGE_BIRTHDAY) {
        if (feb29 != KIGEN_FEB29_FEB28 && feb29 != KIGEN_FEB29_MAR1)
            return KIGEN_EINVAL;
        ymd_of(on, &oy, &om, &od);
        *age = age_birthday_rule(by, bm, bd, oy, om, od, feb29);
        return KIGEN_OK;
    }
    if (method == KIGEN_AGE_ACT) {
        /* Age N is attained at the end of the day before the Nth
         * anniversary (民法143条: the day before the corresponding day, or
         * the month's last day when there is none: 28 Feb for 29 Feb
         * births). On day `on` the age is therefore the birthday-rule age
         * of the next day, with 29 February rolling to 1 March. */
        if (on == KIGEN_DATE_MAX) {
            /* The next day would be 10000-01-01, past our range: only a
             * 1 January birthday has its anniversary on it. */
            *age = (bm == 1 && bd == 1) ? 10000 - by : 9999 - by;
            return KIGEN_OK;
        }
        ymd_of(on + 1, &oy, &om, &od);
        *age = age_birthday_rule(by, bm, bd, oy, om, od, KIGEN_FEB29_MAR1);
        return KIGEN_OK;
    }
    return KIGEN_EINVAL;
}
