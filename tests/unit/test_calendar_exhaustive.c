/* Exhaustive cross-check of the calendar core against a deliberately naive
 * reference that knows only "the next day" and walks, for every date from
 * 1900-01-01 to 2100-12-31: day numbers, weekdays, month addition with both
 * end-of-month policies, Nth birthdays and ages by both conventions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kigen.h"

typedef struct {
    int y, m, d;
} ymd;

/* The reference calendar: a month-length table and the leap rule written
 * out as the Gregorian reform states it. */
static int ref_leap(int y)
{
    if (y % 400 == 0)
        return 1;
    if (y % 100 == 0)
        return 0;
    return y % 4 == 0;
}

static int ref_len(int y, int m)
{
    switch (m) {
    case 2: return ref_leap(y) ? 29 : 28;
    case 4: case 6: case 9: case 11: return 30;
    default: return 31;
    }
}

static ymd ref_next(ymd a)
{
    if (++a.d > ref_len(a.y, a.m)) {
        a.d = 1;
        if (++a.m > 12) {
            a.m = 1;
            a.y++;
        }
    }
    return a;
}

static int ymd_eq(ymd a, ymd b) { return a.y == b.y && a.m == b.m && a.d == b.d; }

#define FIRST_Y 1900
#define LAST_Y 2100

typedef struct {
    ymd *days; /* days[i] is the i-th day of the walk */
    int n;
    kigen_date first;
} walk;

static walk make_walk(void)
{
    walk w;
    w.n = 0;
    w.days = malloc(sizeof(ymd) * 80000);
    assert_non_null(w.days);
    for (ymd a = {FIRST_Y, 1, 1}; a.y <= LAST_Y; a = ref_next(a))
        w.days[w.n++] = a;
    assert_int_equal(kigen_date_from_ymd(FIRST_Y, 1, 1, &w.first), KIGEN_OK);
    return w;
}

static void test_day_numbers_and_weekdays(void **state)
{
    (void)state;
    walk w = make_walk();
    int weekday = 1; /* 1900-01-01 was a Monday */
    for (int i = 0; i < w.n; i++) {
        kigen_date d;
        int y, m, dd;
        assert_int_equal(kigen_date_from_ymd(w.days[i].y, w.days[i].m, w.days[i].d, &d), KIGEN_OK);
        assert_int_equal(d, w.first + i);
        kigen_date_to_ymd(d, &y, &m, &dd);
        assert_true(ymd_eq((ymd){y, m, dd}, w.days[i]));
        assert_int_equal(kigen_date_weekday(d), weekday);
        assert_int_equal(kigen_days_between(w.first, d), i);
        weekday = weekday % 7 + 1;
    }
    assert_int_equal(w.n, 73414);
    free(w.days);
}

/* Walk from index i to the same day number `months` months later (or
 * earlier): find the first and last day of the target month by walking
 * month boundaries, then pick the day by the policy. */
static int ref_add_months(const walk *w, int i, int months, kigen_eom eom)
{
    ymd a = w->days[i];
    int step = months >= 0 ? 1 : -1;
    int j = i, crossed = 0;
    /* Walk to the first day of the target month. */
    if (step > 0) {
        while (crossed < months) {
            j++;
            if (j >= w->n)
                return -1;
            if (w->days[j].d == 1)
                crossed++;
        }
    } else {
        /* Move to the 1st of this month, then back month by month. */
        while (w->days[j].d != 1)
            j--;
        while (crossed < -months) {
            j--;
            if (j < 0)
                return -1;
            while (j >= 0 && w->days[j].d != 1)
                j--;
            if (j < 0)
                return -1;
            crossed++;
        }
    }
    /* j is on the 1st of the target month; walk to the wanted day or past the end. */
    while (w->days[j].d != 1)
        j--;
    int k = j;
    while (k + 1 < w->n && w->days[k + 1].m == w->days[j].m && w->days[k].d < a.d)
        k++;
    if (w->days[k].d == a.d)
        return k;
    /* No such day: k is the month's last day. */
    if (k + 1 >= w->n)
        return -1;
    return eom == KIGEN_EOM_CLAMP ? k : k + 1;
}

static void test_month_addition(void **state)
{
    (void)state;
    walk w = make_walk();
    static const int ns[] = {1, -1, 2, 3, -3, 12, -12, 13};
    long checked = 0;
    for (int i = 0; i < w.n; i++) {
        for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
            for (int p = 0; p < 2; p++) {
                kigen_eom eom = p ? KIGEN_EOM_ROLL : KIGEN_EOM_CLAMP;
                int k = ref_add_months(&w, i, ns[t], eom);
                if (k < 0)
                    continue; /* the reference walk leaves the range */
                kigen_date r;
                assert_int_equal(kigen_date_add_months(w.first + i, ns[t], eom, &r), KIGEN_OK);
                if (r != w.first + k)
                    fail_msg("%04d-%02d-%02d %+d months (%s): got day %d, reference %d",
                             w.days[i].y, w.days[i].m, w.days[i].d, ns[t], p ? "roll" : "clamp",
                             (int)r, (int)(w.first + k));
                checked++;
            }
        }
    }
    assert_true(checked > 1000000);
    free(w.days);
}

/* Births chosen to cover month ends, 29 February, year ends. */
static const ymd births[] = {{1904, 2, 29}, {1960, 2, 29}, {2000, 2, 29}, {1950, 3, 1},
                             {1950, 2, 28}, {1970, 1, 1},  {1970, 12, 31}, {1999, 4, 1},
                             {1999, 4, 2},  {1989, 1, 8},  {2008, 2, 29}, {1931, 8, 31},
                             {1900, 1, 1},  {2012, 6, 30}, {2096, 2, 29}};

/* Is day a the birthday of birth b under the feb29 reading? */
static int ref_is_birthday(ymd b, ymd a, kigen_feb29 f)
{
    if (a.y <= b.y)
        return 0;
    if (b.m == 2 && b.d == 29 && !ref_leap(a.y))
        return f == KIGEN_FEB29_FEB28 ? (a.m == 2 && a.d == 28) : (a.m == 3 && a.d == 1);
    return a.m == b.m && a.d == b.d;
}

static void test_birthdays_and_ages(void **state)
{
    (void)state;
    walk w = make_walk();
    int *bdays = malloc(sizeof(int) * 300);
    assert_non_null(bdays);
    long checked = 0;
    for (size_t bi = 0; bi < sizeof births / sizeof births[0]; bi++) {
        ymd b = births[bi];
        kigen_date birth;
        assert_int_equal(kigen_date_from_ymd(b.y, b.m, b.d, &birth), KIGEN_OK);
        int bidx = (int)(birth - w.first);
        for (int f = 0; f < 2; f++) {
            kigen_feb29 feb29 = f ? KIGEN_FEB29_MAR1 : KIGEN_FEB29_FEB28;
            /* The birthdays, found by walking. */
            int nb = 0;
            for (int i = 0; i < w.n; i++)
                if (ref_is_birthday(b, w.days[i], feb29))
                    bdays[nb++] = i;
            /* Nth birthday after every day of the walk. */
            int next = 0;
            for (int i = 0; i < w.n; i++) {
                while (next < nb && bdays[next] <= i)
                    next++;
                static const int ns[] = {1, 5, 6, 10, 11};
                for (size_t t = 0; t < 5; t++) {
                    if (next + ns[t] - 1 >= nb)
                        break;
                    kigen_date r;
                    assert_int_equal(kigen_nth_birthday_after(birth, w.first + i, ns[t], feb29, &r),
                                     KIGEN_OK);
                    if (r != w.first + bdays[next + ns[t] - 1])
                        fail_msg("birth %04d-%02d-%02d, after day %d, n=%d", b.y, b.m, b.d, i,
                                 ns[t]);
                    checked++;
                }
            }
            /* Ages: the birthday rule counts birthdays up to and including
             * the day; the act counts them up to and including the next day,
             * with 29 February births reaching their age at the end of
             * 28 February (the mar1 walk's birthdays, a day early). */
            if (bidx < 0)
                continue;
            int age = 0;
            for (int i = bidx; i < w.n; i++) {
                if (ref_is_birthday(b, w.days[i], feb29))
                    age++;
                int got;
                assert_int_equal(kigen_age_on(birth, w.first + i, KIGEN_AGE_BIRTHDAY, feb29, &got),
                                 KIGEN_OK);
                assert_int_equal(got, age);
                if (feb29 == KIGEN_FEB29_MAR1 && i + 1 < w.n) {
                    int act_age = age + (ref_is_birthday(b, w.days[i + 1], feb29) ? 1 : 0);
                    assert_int_equal(kigen_age_on(birth, w.first + i, KIGEN_AGE_ACT, feb29, &got),
                                     KIGEN_OK);
                    if (got != act_age)
                        fail_msg("act age: birth %04d-%02d-%02d on day %d: %d, reference %d", b.y,
                                 b.m, b.d, i, got, act_age);
                }
                checked++;
            }
        }
    }
    assert_true(checked > 1000000);
    free(bdays);
    free(w.days);
}

/* Every day kigen can hold, 0001-01-01 to 9999-12-31, walked by the
 * reference: the day number of each is the one before plus one, and both
 * conversions agree with the walk (they were rewritten for speed in
 * unsigned arithmetic, where a wrong constant shows only at some range's
 * edge; was: checked 1900-2100 only). */
static void test_whole_range(void **state)
{
    (void)state;
    kigen_date expect = KIGEN_DATE_MIN;
    long n = 0;
    for (ymd a = {1, 1, 1}; a.y <= 9999; a = ref_next(a), expect++, n++) {
        kigen_date d = 0;
        int y, m, dd;
        if (kigen_date_from_ymd(a.y, a.m, a.d, &d) != KIGEN_OK || d != expect)
            fail_msg("from_ymd(%04d-%02d-%02d) = %d, expected %d", a.y, a.m, a.d, (int)d, (int)expect);
        kigen_date_to_ymd(expect, &y, &m, &dd);
        if (!ymd_eq((ymd){y, m, dd}, a))
            fail_msg("to_ymd(%d) = %04d-%02d-%02d, expected %04d-%02d-%02d", (int)expect, y, m, dd, a.y, a.m, a.d);
    }
    assert_int_equal(expect - 1, KIGEN_DATE_MAX);
    assert_int_equal(n, 3652059);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_range),
        cmocka_unit_test(test_day_numbers_and_weekdays),
        cmocka_unit_test(test_month_addition),
        cmocka_unit_test(test_birthdays_and_ages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
