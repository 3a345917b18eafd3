/* The shipped ward policy (lua/nerima.lua, lua/holidays_jp.lua,
 * examples/ward/nerima.yaml): the holiday data against the Cabinet
 * Office's published lists (内閣府「国民の祝日について」, with 振替休日 and
 * 国民の休日), historical rule changes, business days, and the reminders
 * for sample residents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kigen.h"
#include "support/support.h"

static const char *src_dir(void)
{
    const char *s = getenv("KIGEN_SOURCE_DIR");
    return s && *s ? s : KIGEN_SOURCE_DIR;
}

typedef struct fx {
    kigen_ruleset *rs;
    kigen_ctx *c;
} fx;

static int open_rules(void **state, const char *rel)
{
    fx *f = calloc(1, sizeof *f);
    char path[1024];
    kigen_diags *d = NULL;
    snprintf(path, sizeof path, "%s/%s", src_dir(), rel);
    if (kigen_load_file(path, NULL, &f->rs, &d) != KIGEN_OK) {
        support_print_diags(d);
        kigen_diags_free(d);
        free(f);
        return -1;
    }
    kigen_diags_free(d);
    if (kigen_ctx_new(f->rs, &f->c) != KIGEN_OK)
        return -1;
    kigen_set_today(f->c, 739252); /* 2025-01-01 */
    *state = f;
    return 0;
}

static int setup_holidays(void **state) { return open_rules(state, "tests/data/lua/holidays.yaml"); }
static int setup_ward(void **state) { return open_rules(state, "examples/ward/nerima.yaml"); }

static int teardown(void **state)
{
    fx *f = *state;
    kigen_ctx_free(f->c);
    kigen_ruleset_free(f->rs);
    free(f);
    return 0;
}

static kigen_date D(const char *s)
{
    kigen_date d = 0;
    if (kigen_date_parse(s, (size_t)-1, &d, NULL, 0) != KIGEN_OK)
        fail_msg("bad date %s", s);
    return d;
}

static void text_of(kigen_ctx *c, const char *name, char *buf, size_t n)
{
    kigen_value v;
    assert_int_equal(kigen_get_by_name(c, name, &v), KIGEN_OK);
    kigen_value_format(&v, buf, n);
}

/* Evaluate the holiday functions on day d. */
static void on_day(fx *f, kigen_date d)
{
    kigen_ctx_reset(f->c);
    assert_int_equal(kigen_set(f->c, "birth_date", "1980-01-01"), KIGEN_OK);
    assert_int_equal(kigen_set(f->c, "card_issue_date", "2020-01-01"), KIGEN_OK);
    assert_int_equal(kigen_set_date(f->c, kigen_fact_index(f->rs, "d"), d), KIGEN_OK);
    if (kigen_eval(f->c) != KIGEN_OK)
        fail_msg("eval: %s", kigen_errmsg(f->c));
}

static const char *name_on(fx *f, const char *iso, char *buf, size_t n)
{
    on_day(f, D(iso));
    text_of(f->c, "name", buf, n);
    return buf;
}

/* Every day off of a year, "MM-DD name" joined by ';', from the script. */
static void year_list(fx *f, int y, char *out, size_t n)
{
    kigen_date d, end;
    kigen_date_from_ymd(y, 1, 1, &d);
    kigen_date_from_ymd(y, 12, 31, &end);
    size_t used = 0;
    out[0] = '\0';
    for (; d <= end; d++) {
        char name[128], iso[16];
        on_day(f, d);
        text_of(f->c, "name", name, sizeof name);
        if (!name[0])
            continue;
        kigen_date_format_iso(d, iso, sizeof iso);
        used += (size_t)snprintf(out + used, n - used, "%s%s %s", used ? ";" : "", iso + 5, name);
    }
}

static void assert_year(fx *f, int y, const char *want)
{
    char got[4096];
    year_list(f, y, got, sizeof got);
    if (strcmp(got, want) != 0)
        fail_msg("%d:\n got: %s\nwant: %s", y, got, want);
}

/* The lists published by the Cabinet Office (内閣府), days off included. */
static void test_holidays_2019_era_change(void **state)
{
    assert_year(*state, 2019,
                "01-01 元日;01-14 成人の日;02-11 建国記念の日;03-21 春分の日;04-29 昭和の日;"
                "04-30 国民の休日;05-01 天皇の即位の日;05-02 国民の休日;05-03 憲法記念日;"
                "05-04 みどりの日;05-05 こどもの日;05-06 振替休日;07-15 海の日;08-11 山の日;"
                "08-12 振替休日;09-16 敬老の日;09-23 秋分の日;10-14 体育の日;10-22 即位礼正殿の儀;"
                "11-03 文化の日;11-04 振替休日;11-23 勤労感謝の日");
}

static void test_holidays_2020_2021_olympics(void **state)
{
    assert_year(*state, 2020,
                "01-01 元日;01-13 成人の日;02-11 建国記念の日;02-23 天皇誕生日;02-24 振替休日;"
                "03-20 春分の日;04-29 昭和の日;05-03 憲法記念日;05-04 みどりの日;05-05 こどもの日;"
                "05-06 振替休日;07-23 海の日;07-24 スポーツの日;08-10 山の日;09-21 敬老の日;"
                "09-22 秋分の日;11-03 文化の日;11-23 勤労感謝の日");
    assert_year(*state, 2021,
                "01-01 元日;01-11 成人の日;02-11 建国記念の日;02-23 天皇誕生日;03-20 春分の日;"
                "04-29 昭和の日;05-03 憲法記念日;05-04 みどりの日;05-05 こどもの日;07-22 海の日;"
                "07-23 スポーツの日;08-08 山の日;08-09 振替休日;09-20 敬老の日;09-23 秋分の日;"
                "11-03 文化の日;11-23 勤労感謝の日");
}

static void test_holidays_2024_2025_2026(void **state)
{
    assert_year(*state, 2024,
                "01-01 元日;01-08 成人の日;02-11 建国記念の日;02-12 振替休日;02-23 天皇誕生日;"
                "03-20 春分の日;04-29 昭和の日;05-03 憲法記念日;05-04 みどりの日;05-05 こどもの日;"
                "05-06 振替休日;07-15 海の日;08-11 山の日;08-12 振替休日;09-16 敬老の日;"
                "09-22 秋分の日;09-23 振替休日;10-14 スポーツの日;11-03 文化の日;11-04 振替休日;"
                "11-23 勤労感謝の日");
    assert_year(*state, 2025,
                "01-01 元日;01-13 成人の日;02-11 建国記念の日;02-23 天皇誕生日;02-24 振替休日;"
                "03-20 春分の日;04-29 昭和の日;05-03 憲法記念日;05-04 みどりの日;05-05 こどもの日;"
                "05-06 振替休日;07-21 海の日;08-11 山の日;09-15 敬老の日;09-23 秋分の日;"
                "10-13 スポーツの日;11-03 文化の日;11-23 勤労感謝の日;11-24 振替休日");
    assert_year(*state, 2026,
                "01-01 元日;01-12 成人の日;02-11 建国記念の日;02-23 天皇誕生日;03-20 春分の日;"
                "04-29 昭和の日;05-03 憲法記念日;05-04 みどりの日;05-05 こどもの日;05-06 振替休日;"
                "07-20 海の日;08-11 山の日;09-21 敬老の日;09-22 国民の休日;09-23 秋分の日;"
                "10-12 スポーツの日;11-03 文化の日;11-23 勤労感謝の日");
}

static void test_holidays_history(void **state)
{
    fx *f = *state;
    char b[128];
    struct {
        const char *day, *name;
    } cases[] = {
        {"2024-02-12", "振替休日"},      /* 建国記念の日 on a Sunday */
        {"2019-04-30", "国民の休日"},    /* between 昭和の日 and 即位の日 */
        {"2019-05-02", "国民の休日"},    /* between 即位の日 and 憲法記念日 */
        {"2026-09-22", "国民の休日"},    /* between 敬老の日 and 秋分の日 */
        {"2009-09-22", "国民の休日"},
        {"2015-09-22", "国民の休日"},
        {"1973-04-30", "振替休日"},      /* the first, from 1973-04-12 */
        {"1973-02-12", ""},              /* 建国記念の日 on a Sunday, before the rule */
        {"1988-05-04", "国民の休日"},    /* the rule from 1985-12-27 */
        {"1992-05-04", "振替休日"},      /* 5/3 a Sunday: the next day only (until 2006) */
        {"2006-05-04", "国民の休日"},
        {"2007-05-04", "みどりの日"},    /* moved in 2007 */
        {"2008-05-06", "振替休日"},      /* 5/4 a Sunday: the first day not a holiday (2007-) */
        {"1989-02-24", "昭和天皇の大喪の礼"},
        {"1959-04-10", "皇太子明仁親王の結婚の儀"},
        {"1993-06-09", "皇太子徳仁親王の結婚の儀"},
        {"1990-11-12", "即位礼正殿の儀"},
        {"1999-01-15", "成人の日"},
        {"2000-01-10", "成人の日"},      /* happy Monday from 2000 */
        {"1988-04-29", "天皇誕生日"},
        {"1989-04-29", "みどりの日"},
        {"2018-12-23", "天皇誕生日"},
        {"2018-12-24", "振替休日"},
        {"2019-12-23", ""},              /* no 天皇誕生日 in 2019 */
        {"1966-09-15", "敬老の日"},
        {"1965-09-15", ""},
        {"2016-08-11", "山の日"},
        {"1979-09-24", "秋分の日"},
        {"1980-03-20", "春分の日"},
        {"2030-03-20", "春分の日"},
        {"2030-09-23", "秋分の日"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (strcmp(name_on(f, cases[i].day, b, sizeof b), cases[i].name) != 0)
            fail_msg("%s: got '%s', expected '%s'", cases[i].day, b, cases[i].name);
}

static void test_holidays_out_of_range(void **state)
{
    fx *f = *state;
    kigen_ctx_reset(f->c);
    kigen_set(f->c, "birth_date", "1980-01-01");
    kigen_set(f->c, "card_issue_date", "2020-01-01");
    kigen_set(f->c, "d", "2100-03-20");
    assert_int_equal(kigen_eval(f->c), KIGEN_EEVAL);
    if (!strstr(kigen_errmsg(f->c), "holidays_jp: no data for year 2100 (this table covers 1949-2099)"))
        fail_msg("%s", kigen_errmsg(f->c));
}

static void test_business_days(void **state)
{
    fx *f = *state;
    struct {
        const char *day, *open, *next;
    } cases[] = {
        {"2024-02-13", "true", "2024-02-13"},
        {"2024-02-10", "false", "2024-02-13"}, /* Sat, Sun, 振替休日 */
        {"2024-12-28", "false", "2025-01-06"}, /* Sat, 12/29-1/3 closed, Sat, Sun */
        {"2025-12-29", "false", "2026-01-05"}, /* Mon: the year-end closure */
        {"2019-04-27", "false", "2019-05-07"}, /* the ten days of 2019 */
        {"2026-09-19", "false", "2026-09-24"}, /* Sat, Sun, 敬老, 国民の休日, 秋分 */
        {"2025-01-03", "false", "2025-01-06"},
        {"2025-01-06", "true", "2025-01-06"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char open[16], next[16];
        on_day(f, D(cases[i].day));
        text_of(f->c, "open", open, sizeof open);
        text_of(f->c, "next_open", next, sizeof next);
        if (strcmp(open, cases[i].open) != 0 || strcmp(next, cases[i].next) != 0)
            fail_msg("%s: open %s next %s, expected %s %s", cases[i].day, open, next, cases[i].open,
                     cases[i].next);
    }
}

/* The sample residents of examples/ward/residents.csv. */
static void test_ward_residents(void **state)
{
    fx *f = *state;
    kigen_set_explain(f->c, 1);
    struct {
        const char *district, *birth, *issue, *expiry, *r1, *r2, *office, *note;
    } rows[] = {
        {"光が丘", "1985-06-15", "2018-03-20", "2022-06-15", "2022-03-17", "2022-05-16", "光が丘区民事務所", NULL},
        {"石神井町", "1992-02-29", "2021-07-07", "2026-02-28", "2025-12-01", "2026-01-29", "石神井区民事務所",
         "reminder_1: 2025-11-30（日曜日） は閉庁日のため、次の開庁日 2025-12-01 に移しました"},
        {"大泉学園町", "2004-04-02", "2022-04-01", "2026-04-02", "2026-01-05", "2026-03-03", "大泉区民事務所",
         "2026-01-02（年末年始の閉庁日）、2026-01-03（年末年始の閉庁日）、2026-01-04（日曜日）"},
        {"関町北", "1990-11-06", "2020-08-10", "2024-11-06", "2024-08-08", "2024-10-07", "関区民事務所", NULL},
        {"豊玉北", "1978-01-05", "2019-12-27", "2024-01-05", "2023-10-10", "2023-12-06", "練馬区民事務所",
         "2023-10-09（スポーツの日）"},
        {"", "1988-09-21", "2021-09-01", "2025-09-21", "2025-06-23", "2025-08-22",
         "練馬区役所 本庁舎 戸籍住民課", "no district given"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char buf[1024];
        kigen_ctx_reset(f->c);
        kigen_set(f->c, "district", rows[i].district);
        kigen_set(f->c, "birth_date", rows[i].birth);
        kigen_set(f->c, "card_issue_date", rows[i].issue);
        if (kigen_eval(f->c) != KIGEN_OK)
            fail_msg("row %zu: %s", i, kigen_errmsg(f->c));
        text_of(f->c, "auth_cert_expiry", buf, sizeof buf);
        assert_string_equal(buf, rows[i].expiry);
        text_of(f->c, "reminder_1", buf, sizeof buf);
        assert_string_equal(buf, rows[i].r1);
        assert_true(kigen_date_weekday(D(buf)) <= 5);
        text_of(f->c, "reminder_2", buf, sizeof buf);
        assert_string_equal(buf, rows[i].r2);
        assert_true(kigen_date_weekday(D(buf)) <= 5);
        text_of(f->c, "office", buf, sizeof buf);
        assert_string_equal(buf, rows[i].office);
        text_of(f->c, "message_ja", buf, sizeof buf);
        if (!strstr(buf, "利用者証明用電子証明書の有効期限は") || !strstr(buf, rows[i].office))
            fail_msg("message: %s", buf);
        const char *ex = kigen_explain_text(f->c, "reminder_1");
        if (rows[i].note && !strstr(ex, rows[i].note))
            fail_msg("row %zu: explain lacks the note '%s':\n%s", i, rows[i].note, ex);
        if (!rows[i].note && strstr(ex, "notes from policy scripts"))
            fail_msg("row %zu: unexpected notes:\n%s", i, ex);
    }
    /* no user certificate: no reminders, a message that says so */
    kigen_ctx_reset(f->c);
    kigen_set(f->c, "district", "谷原");
    kigen_set(f->c, "birth_date", "2010-03-03");
    kigen_set(f->c, "card_issue_date", "2020-03-02");
    kigen_set(f->c, "user_cert_issued", "false");
    assert_int_equal(kigen_eval(f->c), KIGEN_OK);
    kigen_value v;
    kigen_get_by_name(f->c, "reminder_1", &v);
    assert_int_equal(v.type, KIGEN_T_NONE);
    char buf[512];
    text_of(f->c, "message_ja", buf, sizeof buf);
    assert_non_null(strstr(buf, "更新のお知らせはありません"));
}

/* Over many issue dates: every reminder is a business day at or after the
 * wanted day, and the first business day from it. */
static void test_reminders_always_business_days(void **state)
{
    fx *f = *state;
    int checked = 0;
    for (kigen_date issue = D("2016-01-04"); issue < D("2025-12-31"); issue += 5) {
        char iso[16], r1[16], r2[16], exp[16];
        kigen_date_format_iso(issue, iso, sizeof iso);
        kigen_ctx_reset(f->c);
        kigen_set(f->c, "birth_date", "1970-07-07");
        kigen_set(f->c, "card_issue_date", iso);
        kigen_set(f->c, "d", iso);
        if (kigen_eval(f->c) != KIGEN_OK)
            fail_msg("%s: %s", iso, kigen_errmsg(f->c));
        text_of(f->c, "auth_cert_expiry", exp, sizeof exp);
        text_of(f->c, "reminder_1", r1, sizeof r1);
        text_of(f->c, "reminder_2", r2, sizeof r2);
        const char *rs[2] = {r1, r2};
        int days[2] = {90, 30};
        for (int k = 0; k < 2; k++) {
            kigen_date want = D(exp) - days[k], got = D(rs[k]);
            assert_true(got >= want && got - want <= 10);
            /* the same rule set answers "is it open" */
            on_day(f, got);
            char open[8];
            text_of(f->c, "open", open, sizeof open);
            assert_string_equal(open, "true");
            for (kigen_date x = want; x < got; x++) {
                on_day(f, x);
                text_of(f->c, "open", open, sizeof open);
                assert_string_equal(open, "false");
            }
            checked++;
        }
    }
    assert_true(checked > 1000);
}

/* The ward's outputs with a selection and explain off (the compiled
 * program): the hook reads the district and the national outputs, which
 * the selection does not name; they must still be computed, or the hook
 * reads values that were never set (it gave every resident the main
 * office and "no certificate" before the fix). Rows as in
 * test_ward_residents. */
static void test_ward_selected_outputs(void **state)
{
    fx *f = *state;
    static const char *const chosen[] = {"office", "reminder_1"};
    assert_int_equal(kigen_ctx_select_outputs(f->c, chosen, 2), KIGEN_OK);
    static const struct {
        const char *district, *birth, *issue, *r1, *office;
    } rows[] = {
        {"光が丘", "1985-06-15", "2018-03-20", "2022-03-17", "光が丘区民事務所"},
        {"石神井町", "1992-02-29", "2021-07-07", "2025-12-01", "石神井区民事務所"},
        {"関町北", "1990-11-06", "2020-08-10", "2024-08-08", "関区民事務所"},
    };
    for (int round = 0; round < 2; round++) /* the second round: programs from the cache */
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
            char buf[1024];
            kigen_ctx_reset(f->c);
            kigen_set(f->c, "district", rows[i].district);
            kigen_set(f->c, "birth_date", rows[i].birth);
            kigen_set(f->c, "card_issue_date", rows[i].issue);
            if (kigen_eval(f->c) != KIGEN_OK)
                fail_msg("row %zu: %s", i, kigen_errmsg(f->c));
            text_of(f->c, "office", buf, sizeof buf);
            assert_string_equal(buf, rows[i].office);
            text_of(f->c, "reminder_1", buf, sizeof buf);
            assert_string_equal(buf, rows[i].r1);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_holidays_2019_era_change, setup_holidays, teardown),
        cmocka_unit_test_setup_teardown(test_holidays_2020_2021_olympics, setup_holidays, teardown),
        cmocka_unit_test_setup_teardown(test_holidays_2024_2025_2026, setup_holidays, teardown),
        cmocka_unit_test_setup_teardown(test_holidays_history, setup_holidays, teardown),
        cmocka_unit_test_setup_teardown(test_holidays_out_of_range, setup_holidays, teardown),
        cmocka_unit_test_setup_teardown(test_business_days, setup_holidays, teardown),
        cmocka_unit_test_setup_teardown(test_ward_residents, setup_ward, teardown),
        cmocka_unit_test_setup_teardown(test_ward_selected_outputs, setup_ward, teardown),
        cmocka_unit_test_setup_teardown(test_reminders_always_business_days, setup_holidays, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
