/* Evaluation and explanation through the C API: setting facts by name and
 * by index, defaults, required facts, param overrides, today, outputs,
 * messages, explain text and JSON, rule set reference counting, and the
 * host allocator (every byte returned; a refused allocation never crashes,
 * leaks or gives a wrong answer).
 *
 * Expected values are worked out by hand: ages per 年齢計算ニ関スル法律
 * (SPEC D3: N on the day before the Nth birthday), birthdays per SPEC D1
 * (strictly after the issue date). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "kigen.h"

static const char rules[] =
    "kigen: 1\n"
    "name: demo\n"
    "title: Demo rules\n"
    "sources:\n"
    "  S2: {title: 施行規則, url: \"https://example.invalid/s2\"}\n"
    "  R9: {title: Another rule}\n"
    "facts:\n"
    "  birth_date: date\n"
    "  issue: {type: date}\n"
    "  app: {type: date, default: issue}\n"
    "  minor_ok: {type: boolean, default: false}\n"
    "  count: {type: integer, optional: true}\n"
    "  note: {type: string, optional: true}\n"
    "params:\n"
    "  age_line: {doc: the line, source: S2, values: {2016-01-01: 20, 2022-04-01: 18}}\n"
    "  feb29: {type: enum, choices: [feb28, mar1], value: feb28, source: U1}\n"
    "  years: {source: S2, value: 10}\n"
    "rules:\n"
    "  adult: {source: S2, value: \"age(birth_date, issue, age_act, feb29) >= age_line@app\"}\n"
    "  expiry:\n"
    "    doc: the card's expiry\n"
    "    source: S2 R1\n"
    "    cases:\n"
    "      - when: adult\n"
    "        then: nth_birthday(birth_date, years, issue, feb29)\n"
    "        doc: adults get ten years\n"
    "      - when: minor_ok\n"
    "        then: nth_birthday(birth_date, 7, issue, feb29)\n"
    "        source: S2 minors\n"
    "      - otherwise: nth_birthday(birth_date, 5, issue, feb29)\n"
    "  status_label:\n"
    "    source: S2\n"
    "    type: enum\n"
    "    choices: [valid, expired]\n"
    "    cases:\n"
    "      - when: today() > expiry\n"
    "        then: expired\n"
    "      - otherwise: valid\n"
    "  next_count: {source: R9, value: \"default(count, 0) + 1\"}\n"
    "  shout: {source: R9, value: \"default(note, 'none') + '!'\"}\n"
    "outputs: [expiry, adult, status_label, next_count]\n"
    "messages:\n"
    "  status_label:\n"
    "    expired: {ja: 有効期限が過ぎています。, en: The card has expired.}\n"
    "    valid: {en: The card is valid.}\n"
    "  adult:\n"
    "    true: {ja: 成人, en: an adult}\n";

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static kigen_ruleset *load_with(const char *text, const kigen_opts *o)
{
    kigen_ruleset *rs = NULL;
    kigen_diags *d = NULL;
    int rc = kigen_load_string("demo.yaml", text, strlen(text), o, &rs, &d);
    if (rc != KIGEN_OK) {
        for (size_t i = 0; i < kigen_diags_count(d); i++)
            print_message("%s: %s\n", kigen_diags_get(d, i)->code, kigen_diags_get(d, i)->message);
        fail_msg("load: %s", kigen_status_str(rc));
    }
    assert_int_equal(kigen_diags_errors(d), 0);
    kigen_diags_free(d);
    return rs;
}

static kigen_ruleset *load_demo(void) { return load_with(rules, NULL); }

static kigen_date D(const char *iso)
{
    kigen_date d;
    if (kigen_date_parse(iso, (size_t)-1, &d, NULL, 0) != KIGEN_OK)
        fail_msg("bad date %s", iso);
    return d;
}

/* The value of `name` printed the CLI way; "ERROR:..." for an error. */
static const char *val(kigen_ctx *c, const char *name)
{
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    kigen_value v;
    int rc = kigen_get_by_name(c, name, &v);
    if (rc != KIGEN_OK) {
        snprintf(buf[k], sizeof buf[k], "<%s>", kigen_status_str(rc));
        return buf[k];
    }
    if (v.type == KIGEN_T_ERROR) {
        snprintf(buf[k], sizeof buf[k], "ERROR:%.*s", (int)v.u.str.len, v.u.str.ptr);
        return buf[k];
    }
    kigen_value_format(&v, buf[k], sizeof buf[k]);
    return buf[k];
}

static void set_ok(kigen_ctx *c, const char *fact, const char *text)
{
    int rc = kigen_set(c, fact, text);
    if (rc != KIGEN_OK)
        fail_msg("kigen_set(%s, %s): %s", fact, text, kigen_errmsg(c));
}

/* Run fn in a child process and return its wait status. The child gets
 * the default signal actions back: cmocka's handlers would otherwise catch
 * a crash there and go on running the other tests in the child. */
static int run_in_child(int (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGSYS};
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
            signal(sigs[i], SIG_DFL);
        _exit(fn());
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

/* ------------------------------------------------------------------ */
/* Facts                                                               */
/* ------------------------------------------------------------------ */

static void test_introspection(void **state)
{
    (void)state;
    kigen_ruleset *rs = load_demo();
    assert_string_equal(kigen_ruleset_name(rs), "demo");
    assert_int_equal(kigen_fact_count(rs), 6);
    assert_string_equal(kigen_fact_name(rs, 0), "birth_date");
    assert_string_equal(kigen_fact_name(rs, 5), "note");
    assert_null(kigen_fact_name(rs, 6));
    assert_null(kigen_fact_name(rs, -1));
    assert_int_equal(kigen_fact_index(rs, "minor_ok"), 3);
    assert_int_equal(kigen_fact_index(rs, "expiry"), -1); /* a rule, not a fact */
    assert_int_equal(kigen_fact_index(rs, "nope"), -1);
    assert_int_equal(kigen_fact_type(rs, 0), KIGEN_T_DATE);
    assert_int_equal(kigen_fact_type(rs, 3), KIGEN_T_BOOL);
    assert_int_equal(kigen_fact_type(rs, 4), KIGEN_T_INT);
    assert_int_equal(kigen_fact_type(rs, 5), KIGEN_T_STRING);
    assert_int_equal(kigen_output_count(rs), 4);
    assert_string_equal(kigen_output_name(rs, 0), "expiry");
    assert_string_equal(kigen_output_name(rs, 3), "next_count");
    assert_null(kigen_output_name(rs, 4));
    assert_int_equal(kigen_output_index(rs, "adult"), 1);
    assert_int_equal(kigen_output_index(rs, "shout"), -1); /* a rule, not an output */
    kigen_ctx *c;
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    assert_ptr_equal(kigen_ctx_ruleset(c), rs);
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
}

static void test_facts_by_name_and_defaults(void **state)
{
    (void)state;
    kigen_ruleset *rs = load_demo();
    kigen_ctx *c;
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    /* 18 on 2022-04-01 (the day before the 18th birthday), line 18 from
     * that day: an adult, the 10th birthday after 2022-04-01. */
    set_ok(c, "birth_date", "2004-04-02");
    set_ok(c, "issue", "2022-04-01");
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_string_equal(kigen_errmsg(c), "");
    assert_string_equal(val(c, "app"), "2022-04-01"); /* default: issue */
    assert_string_equal(val(c, "minor_ok"), "false");
    assert_string_equal(val(c, "count"), "");
    assert_string_equal(val(c, "adult"), "true");
    assert_string_equal(val(c, "expiry"), "2031-04-02");
    assert_string_equal(val(c, "next_count"), "1");
    assert_string_equal(val(c, "shout"), "none!");

    /* One day younger: 17, so the 5th birthday; minor_ok gives the 7th. */
    set_ok(c, "birth_date", "2004-04-03");
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_string_equal(val(c, "adult"), "false");
    assert_string_equal(val(c, "expiry"), "2026-04-03");
    set_ok(c, "minor_ok", "true");
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_string_equal(val(c, "expiry"), "2028-04-03");
    set_ok(c, "minor_ok", "");
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_string_equal(val(c, "expiry"), "2026-04-03");

    /* The line is read at app: an application before 2022-04-01 sees 20,
     * so an 18-year-old is not an adult. */
    set_ok(c, "birth_date", "2003-06-01");
    set_ok(c, "issue", "2022-04-10");
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_string_equal(val(c, "expiry"), "2031-06-01");
    set_ok(c, "app", "2022-03-31");
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_string_equal(val(c, "app"), "2022-03-31");
    assert_string_equal(val(c, "adult"), "false");
    assert_string_equal(val(c, "expiry"), "2026-06-01");
    /* era dates and full-width digits are facts too */
    set_ok(c, "app", "令和４年４月１日");
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_string_equal(val(c, "app"), "2022-04-01");
    assert_string_equal(val(c, "adult"), "true");
    /* unset: the default again */
    assert_int_equal(kigen_unset(c, kigen_fact_index(rs, "app")), KIGEN_OK);
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_string_equal(val(c, "app"), "2022-04-10");
    assert_int_equal(kigen_unset(c, 99), KIGEN_EMISUSE);

    set_ok(c, "count", "41");
    set_ok(c, "note", "hello, world");
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_string_equal(val(c, "next_count"), "42");
    assert_string_equal(val(c, "shout"), "hello, world!");
    set_ok(c, "count", "-8");
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_string_equal(val(c, "next_count"), "-7");

    /* reset forgets every fact */
    kigen_ctx_reset(c);
    assert_int_equal(kigen_eval(c), KIGEN_EEVAL);
    assert_string_equal(val(c, "next_count"), "1");
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
}

static void test_bad_fact_text(void **state)
{
    (void)state;
    kigen_ruleset *rs = load_demo();
    kigen_ctx *c;
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    assert_int_equal(kigen_set(c, "birth_date", "2023-02-29"), KIGEN_EPARSE);
    assert_non_null(strstr(kigen_errmsg(c), "birth_date"));
    assert_non_null(strstr(kigen_errmsg(c), "not a leap year"));
    assert_int_equal(kigen_set(c, "birth_date", "2023/13/01"), KIGEN_EPARSE);
    assert_non_null(strstr(kigen_errmsg(c), "month 13 is out of 1-12"));
    assert_int_equal(kigen_set(c, "birth_date", "平成32年1月1日"), KIGEN_EPARSE);
    assert_non_null(strstr(kigen_errmsg(c), "平成"));
    assert_int_equal(kigen_set(c, "count", "12x"), KIGEN_EPARSE);
    assert_non_null(strstr(kigen_errmsg(c), "not a whole number"));
    assert_int_equal(kigen_set(c, "count", "1 2"), KIGEN_EPARSE);
    assert_int_equal(kigen_set(c, "count", "1.5"), KIGEN_EPARSE);
    assert_int_equal(kigen_set(c, "minor_ok", "yes"), KIGEN_EPARSE);
    assert_non_null(strstr(kigen_errmsg(c), "true or false"));
    /* as spreadsheets write them (issue 10) */
    set_ok(c, "minor_ok", "TRUE");
    set_ok(c, "minor_ok", "0");
    set_ok(c, "minor_ok", "はい");
    set_ok(c, "count", " １２ ");
    set_ok(c, "birth_date", "平成12年1月1日");
    assert_int_equal(kigen_set(c, "brith_date", "2000-01-01"), KIGEN_ENOTFOUND);
    assert_non_null(strstr(kigen_errmsg(c), "did you mean 'birth_date'?"));
    assert_int_equal(kigen_set(c, "expiry", "2000-01-01"), KIGEN_ENOTFOUND); /* a rule */
    assert_int_equal(kigen_set(NULL, "count", "1"), KIGEN_EMISUSE);
    assert_int_equal(kigen_set(c, NULL, "1"), KIGEN_EMISUSE);
    /* A refused text leaves the fact as it was. */
    set_ok(c, "count", "5");
    assert_int_equal(kigen_set(c, "count", "five"), KIGEN_EPARSE);
    set_ok(c, "birth_date", "2000-01-01");
    set_ok(c, "issue", "2020-01-01");
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_string_equal(val(c, "next_count"), "6");
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
}

/* An integer that does not fit 64 bits is refused, not clamped. */
static void test_integer_fact_out_of_range(void **state)
{
    (void)state;
    kigen_ruleset *rs = load_demo();
    kigen_ctx *c;
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    set_ok(c, "count", "9223372036854775806");
    assert_int_equal(kigen_set(c, "count", "-9223372036854775808"), KIGEN_OK);
    int rc = kigen_set(c, "count", "99999999999999999999");
    if (rc == KIGEN_OK) {
        set_ok(c, "birth_date", "2000-01-01");
        set_ok(c, "issue", "2020-01-01");
        kigen_eval(c);
        fail_msg("count=99999999999999999999 was accepted (next_count = %s)", val(c, "next_count"));
    }
    assert_true(rc == KIGEN_EPARSE || rc == KIGEN_ERANGE);
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
}

static void test_typed_setters_by_index(void **state)
{
    (void)state;
    kigen_ruleset *rs = load_demo();
    kigen_ctx *c;
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    int birth = kigen_fact_index(rs, "birth_date"), issue = kigen_fact_index(rs, "issue"),
        minor = kigen_fact_index(rs, "minor_ok"), count = kigen_fact_index(rs, "count"),
        note = kigen_fact_index(rs, "note");
    assert_int_equal(kigen_set_date(c, birth, D("2004-04-03")), KIGEN_OK);
    assert_int_equal(kigen_set_date(c, issue, D("2022-04-01")), KIGEN_OK);
    assert_int_equal(kigen_set_bool(c, minor, 7), KIGEN_OK); /* any non-zero is true */
    assert_int_equal(kigen_set_int(c, count, 99), KIGEN_OK);
    assert_int_equal(kigen_set_text(c, note, "hi there", 2), KIGEN_OK); /* two bytes */
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_string_equal(val(c, "minor_ok"), "true");
    assert_string_equal(val(c, "expiry"), "2028-04-03");
    assert_string_equal(val(c, "next_count"), "100");
    assert_string_equal(val(c, "shout"), "hi!");
    /* text setters parse by the fact's type */
    assert_int_equal(kigen_set_text(c, issue, "R4.4.1", 6), KIGEN_OK);
    assert_int_equal(kigen_set_text(c, count, "7", 1), KIGEN_OK);
    assert_int_equal(kigen_set_text(c, minor, "false", 5), KIGEN_OK);
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_string_equal(val(c, "issue"), "2022-04-01");
    assert_string_equal(val(c, "next_count"), "8");
    assert_string_equal(val(c, "expiry"), "2026-04-03");
    assert_int_equal(kigen_set_text(c, count, "7x", 2), KIGEN_EPARSE);
    assert_int_equal(kigen_set_text(c, count, NULL, 3), KIGEN_EMISUSE);
    assert_int_equal(kigen_set_text(c, count, NULL, 0), KIGEN_OK); /* not given */
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_string_equal(val(c, "next_count"), "1");
    /* the wrong setter for the type */
    assert_int_equal(kigen_set_int(c, birth, 5), KIGEN_ETYPE);
    assert_non_null(strstr(kigen_errmsg(c), "birth_date"));
    assert_int_equal(kigen_set_date(c, count, D("2020-01-01")), KIGEN_ETYPE);
    assert_int_equal(kigen_set_bool(c, note, 1), KIGEN_ETYPE);
    /* out of range */
    assert_int_equal(kigen_set_date(c, birth, 0), KIGEN_ERANGE);
    assert_int_equal(kigen_set_date(c, birth, KIGEN_DATE_MAX + 1), KIGEN_ERANGE);
    assert_int_equal(kigen_set_date(c, birth, KIGEN_DATE_MIN), KIGEN_OK);
    assert_int_equal(kigen_set_int(c, 6, 1), KIGEN_EMISUSE);
    assert_int_equal(kigen_set_int(c, -1, 1), KIGEN_EMISUSE);
    assert_int_equal(kigen_set_text(c, 42, "x", 1), KIGEN_EMISUSE);
    /* kigen_errcode goes with kigen_errmsg (was: no way to ask) */
    assert_int_equal(kigen_errcode(c), KIGEN_EMISUSE);
    assert_non_null(strstr(kigen_errmsg(c), "no fact with index 42"));
    int rc = kigen_set_text(c, 0, "x", 1);
    assert_int_not_equal(rc, KIGEN_OK);
    assert_int_equal(kigen_errcode(c), rc);
    kigen_ctx_reset(c);
    assert_int_equal(kigen_errcode(c), KIGEN_OK);
    assert_int_equal(kigen_errcode(NULL), KIGEN_EMISUSE);
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
}

static void test_required_fact_missing(void **state)
{
    (void)state;
    kigen_ruleset *rs = load_demo();
    kigen_ctx *c;
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    set_ok(c, "issue", "2022-04-01");
    set_ok(c, "count", "2");
    assert_int_equal(kigen_eval(c), KIGEN_EEVAL);
    assert_string_equal(kigen_errmsg(c), "fact birth_date is required but not given");
    /* the other outputs are still readable */
    assert_string_equal(val(c, "next_count"), "3");
    kigen_value v;
    assert_int_equal(kigen_get(c, 0, &v), KIGEN_OK);
    assert_int_equal(v.type, KIGEN_T_ERROR);
    assert_string_equal(val(c, "birth_date"), "ERROR:fact birth_date is required but not given");
    /* and the record fails even if no output reads the missing fact */
    static const char only_count[] = "kigen: 1\n"
                                     "name: c\n"
                                     "facts:\n"
                                     "  id: string\n"
                                     "  n: integer\n"
                                     "rules:\n"
                                     "  r: {source: S, value: \"n + 1\"}\n";
    kigen_ruleset *rs2 = NULL;
    assert_int_equal(kigen_load_string("c.yaml", only_count, strlen(only_count), NULL, &rs2, NULL),
                     KIGEN_OK);
    kigen_ctx *c2;
    assert_int_equal(kigen_ctx_new(rs2, &c2), KIGEN_OK);
    set_ok(c2, "n", "1");
    assert_int_equal(kigen_eval(c2), KIGEN_EEVAL);
    assert_string_equal(kigen_errmsg(c2), "fact id is required but not given");
    assert_string_equal(val(c2, "r"), "2");
    set_ok(c2, "id", "A-1");
    assert_int_equal(kigen_eval(c2), KIGEN_OK);
    kigen_ctx_free(c2);
    kigen_ruleset_free(rs2);
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
}

/* ------------------------------------------------------------------ */
/* Params, today, outputs, messages                                    */
/* ------------------------------------------------------------------ */

static void test_param_overrides(void **state)
{
    (void)state;
    kigen_ruleset *rs = load_demo();
    kigen_ctx *c;
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    set_ok(c, "birth_date", "2004-04-03");
    set_ok(c, "issue", "2022-04-01");
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_string_equal(val(c, "expiry"), "2026-04-03");
    /* Another reading of the law: the line at 16, for every date. */
    assert_int_equal(kigen_set_param(c, "age_line", "16"), KIGEN_OK);
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_string_equal(val(c, "adult"), "true");
    assert_string_equal(val(c, "expiry"), "2031-04-03");
    set_ok(c, "app", "2010-01-01"); /* before the first effective date: overridden too */
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_string_equal(val(c, "adult"), "true");
    assert_int_equal(kigen_set_param(c, "years", "3"), KIGEN_OK);
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_string_equal(val(c, "expiry"), "2024-04-03");
    /* overrides survive kigen_ctx_reset */
    kigen_ctx_reset(c);
    set_ok(c, "birth_date", "2004-04-03");
    set_ok(c, "issue", "2022-04-01");
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_string_equal(val(c, "expiry"), "2024-04-03");
    /* bad text */
    assert_int_equal(kigen_set_param(c, "years", "ten"), KIGEN_EPARSE);
    assert_non_null(strstr(kigen_errmsg(c), "years"));
    assert_non_null(strstr(kigen_errmsg(c), "not a whole number"));
    assert_int_equal(kigen_set_param(c, "feb29", "mar2"), KIGEN_EPARSE);
    assert_non_null(strstr(kigen_errmsg(c), "feb28|mar1"));
    assert_int_equal(kigen_set_param(c, "age_line", ""), KIGEN_EPARSE);
    assert_int_equal(kigen_set_param(c, "yeers", "3"), KIGEN_ENOTFOUND);
    assert_non_null(strstr(kigen_errmsg(c), "did you mean 'years'?"));
    assert_int_equal(kigen_set_param(c, "expiry", "3"), KIGEN_ENOTFOUND);
    assert_int_equal(kigen_set_param(c, NULL, "3"), KIGEN_EMISUSE);
    /* the refused texts changed nothing */
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_string_equal(val(c, "expiry"), "2024-04-03");
    /* NULL removes an override */
    assert_int_equal(kigen_set_param(c, "years", NULL), KIGEN_OK);
    assert_int_equal(kigen_set_param(c, "age_line", NULL), KIGEN_OK);
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_string_equal(val(c, "expiry"), "2026-04-03");
    /* an enum param; a 29 February birth */
    set_ok(c, "birth_date", "2004-02-29");
    set_ok(c, "issue", "2023-02-28");
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_string_equal(val(c, "expiry"), "2033-02-28");
    assert_int_equal(kigen_set_param(c, "feb29", "mar1"), KIGEN_OK);
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_string_equal(val(c, "expiry"), "2032-02-29");
    /* overrides belong to the context */
    kigen_ctx *c2;
    assert_int_equal(kigen_ctx_new(rs, &c2), KIGEN_OK);
    set_ok(c2, "birth_date", "2004-02-29");
    set_ok(c2, "issue", "2023-02-28");
    assert_int_equal(kigen_eval(c2), KIGEN_OK);
    assert_string_equal(val(c2, "expiry"), "2033-02-28");
    kigen_ctx_free(c2);
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
}

static void test_param_before_first_date_fails_record(void **state)
{
    (void)state;
    kigen_ruleset *rs = load_demo();
    kigen_ctx *c;
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    set_ok(c, "birth_date", "2004-04-03");
    set_ok(c, "issue", "2022-04-01");
    set_ok(c, "app", "2015-12-31");
    assert_int_equal(kigen_eval(c), KIGEN_EEVAL);
    assert_string_equal(kigen_errmsg(c), "expiry: param age_line has no value on 2015-12-31: its "
                                         "first effective date is 2016-01-01");
    assert_string_equal(val(c, "next_count"), "1");
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
}

static void test_today(void **state)
{
    (void)state;
    kigen_ruleset *rs = load_demo();
    kigen_ctx *c;
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    set_ok(c, "birth_date", "2004-04-02");
    set_ok(c, "issue", "2022-04-01");
    /* valid through the whole expiry day 2031-04-02 */
    assert_int_equal(kigen_set_today(c, D("2031-04-02")), KIGEN_OK);
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_string_equal(val(c, "status_label"), "valid");
    assert_int_equal(kigen_set_today(c, D("2031-04-03")), KIGEN_OK);
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_string_equal(val(c, "status_label"), "expired");
    kigen_value v;
    assert_int_equal(kigen_get(c, 2, &v), KIGEN_OK);
    assert_int_equal(v.type, KIGEN_T_ENUM);
    assert_int_equal(kigen_set_today(c, -3), KIGEN_ERANGE);
    assert_int_equal(kigen_set_today(c, KIGEN_DATE_MAX + 1), KIGEN_ERANGE);
    assert_int_equal(kigen_set_today(NULL, D("2020-01-01")), KIGEN_EMISUSE);
    /* 0: the clock again (this test runs long before 2031) */
    assert_int_equal(kigen_set_today(c, 0), KIGEN_OK);
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_string_equal(val(c, "status_label"), "valid");
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
}

static void test_outputs_by_index_and_name(void **state)
{
    (void)state;
    kigen_ruleset *rs = load_demo();
    kigen_ctx *c;
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    set_ok(c, "birth_date", "2004-04-02");
    set_ok(c, "issue", "2022-04-01");
    assert_int_equal(kigen_set_today(c, D("2025-01-01")), KIGEN_OK);
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    kigen_value v;
    assert_int_equal(kigen_get(c, 0, &v), KIGEN_OK);
    assert_int_equal(v.type, KIGEN_T_DATE);
    assert_int_equal(v.u.date, D("2031-04-02"));
    assert_int_equal(kigen_get(c, 1, &v), KIGEN_OK);
    assert_int_equal(v.type, KIGEN_T_BOOL);
    assert_int_equal(v.u.b, 1);
    assert_int_equal(kigen_get(c, 2, &v), KIGEN_OK);
    assert_int_equal(v.type, KIGEN_T_ENUM);
    assert_int_equal(v.u.str.len, 5);
    assert_memory_equal(v.u.str.ptr, "valid", 5);
    assert_int_equal(kigen_get(c, 3, &v), KIGEN_OK);
    assert_int_equal(v.type, KIGEN_T_INT);
    assert_int_equal(v.u.i, 1);
    assert_int_equal(kigen_get(c, 4, &v), KIGEN_EMISUSE);
    assert_int_equal(kigen_get(c, -1, &v), KIGEN_EMISUSE);
    /* by name: outputs, other rules, facts; params are not values */
    assert_int_equal(kigen_get_by_name(c, "expiry", &v), KIGEN_OK);
    assert_int_equal(v.u.date, D("2031-04-02"));
    assert_int_equal(kigen_get_by_name(c, "shout", &v), KIGEN_OK);
    assert_int_equal(v.type, KIGEN_T_STRING);
    assert_int_equal(kigen_get_by_name(c, "app", &v), KIGEN_OK);
    assert_int_equal(v.u.date, D("2022-04-01"));
    assert_int_equal(kigen_get_by_name(c, "count", &v), KIGEN_OK);
    assert_int_equal(v.type, KIGEN_T_NONE);
    assert_int_equal(kigen_get_by_name(c, "years", &v), KIGEN_ENOTFOUND);
    assert_int_equal(kigen_get_by_name(c, "nope", &v), KIGEN_ENOTFOUND);
    assert_int_equal(kigen_get_by_name(c, NULL, &v), KIGEN_EMISUSE);
    /* kigen_value_format, like snprintf, returns the length it needed */
    char small[4];
    assert_int_equal(kigen_get(c, 0, &v), KIGEN_OK);
    assert_int_equal(kigen_value_format(&v, small, sizeof small), 10);
    assert_string_equal(small, "203");
    kigen_value none = {KIGEN_T_NONE, {0}};
    char buf[8] = "x";
    assert_int_equal(kigen_value_format(&none, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
}

static void test_messages(void **state)
{
    (void)state;
    kigen_ruleset *rs = load_demo();
    kigen_ctx *c;
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    set_ok(c, "birth_date", "2004-04-02");
    set_ok(c, "issue", "2022-04-01");
    assert_int_equal(kigen_set_today(c, D("2032-01-01")), KIGEN_OK);
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    int st = kigen_output_index(rs, "status_label"), ad = kigen_output_index(rs, "adult");
    assert_string_equal(kigen_message(c, st, "ja"), "有効期限が過ぎています。");
    assert_string_equal(kigen_message(c, st, "en"), "The card has expired.");
    assert_null(kigen_message(c, st, "fr"));
    assert_string_equal(kigen_message(c, ad, "ja"), "成人");
    assert_string_equal(kigen_message(c, ad, "en"), "an adult");
    assert_null(kigen_message(c, 0, "en")); /* expiry has no messages */
    assert_null(kigen_message(c, 9, "en"));
    assert_null(kigen_message(c, st, NULL));
    assert_int_equal(kigen_set_today(c, D("2030-01-01")), KIGEN_OK);
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_null(kigen_message(c, st, "ja")); /* valid has only an English text */
    assert_string_equal(kigen_message(c, st, "en"), "The card is valid.");
    set_ok(c, "birth_date", "2010-01-01");
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_null(kigen_message(c, ad, "ja")); /* no message for false */
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
}

/* A message for a long string outcome (over 63 bytes) is found like any
 * other. Run in a child: the lookup formats the value into a fixed buffer,
 * and a sanitizer build aborts on the overread. */
static int long_outcome_child(void)
{
    char text[1024], outcome[80];
    memset(outcome, 'a', 70);
    outcome[70] = '\0';
    snprintf(text, sizeof text,
             "kigen: 1\nname: m\nfacts: {x: {type: integer, optional: true}}\n"
             "rules:\n  label: {source: S, value: \"if given(x) then 'short' else '%s'\"}\n"
             "messages:\n  label:\n    %s: {en: the long one}\n    short: {en: the short one}\n",
             outcome, outcome);
    kigen_ruleset *rs = NULL;
    if (kigen_load_string("m.yaml", text, strlen(text), NULL, &rs, NULL) != KIGEN_OK)
        return 3;
    kigen_ctx *c = NULL;
    if (kigen_ctx_new(rs, &c) != KIGEN_OK || kigen_eval(c) != KIGEN_OK)
        return 4;
    const char *m = kigen_message(c, 0, "en");
    int rc = m && strcmp(m, "the long one") == 0 ? 0 : 1;
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
    return rc;
}

static void test_message_for_long_outcome(void **state)
{
    (void)state;
    int status = run_in_child(long_outcome_child);
    if (WIFSIGNALED(status))
        fail_msg("kigen_message crashed (signal %d)", WTERMSIG(status));
    if (WEXITSTATUS(status) != 0)
        fail_msg("kigen_message did not find the message of a 70-byte outcome (child exit %d)",
                 WEXITSTATUS(status));
}

/* ------------------------------------------------------------------ */
/* Explain                                                             */
/* ------------------------------------------------------------------ */

static kigen_ctx *explained(kigen_ruleset *rs, const char *birth, const char *issue)
{
    kigen_ctx *c;
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    assert_int_equal(kigen_set_explain(c, 1), KIGEN_OK);
    set_ok(c, "birth_date", birth);
    set_ok(c, "issue", issue);
    assert_int_equal(kigen_set_today(c, D("2025-01-01")), KIGEN_OK);
    return c;
}

static void assert_has(const char *text, const char *part)
{
    if (!strstr(text, part))
        fail_msg("'%s' is not in:\n%s", part, text);
}

static void test_explain_text(void **state)
{
    (void)state;
    kigen_ruleset *rs = load_demo();
    kigen_ctx *c = explained(rs, "2004-04-02", "2022-04-01");
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    const char *t = kigen_explain_text(c, "expiry");
    assert_non_null(t);
    assert_has(t, "expiry = 2031-04-02  [rule]");
    assert_has(t, "the card's expiry");
    assert_has(t, "source: S2 R1");
    assert_has(t, "S2: 施行規則 <https://example.invalid/s2>");
    assert_has(t, "case 1 of 3 taken: when adult");
    assert_has(t, "adults get ten years");
    assert_has(t, "param years = 10");
    assert_has(t, "param feb29 = feb28");
    assert_has(t, "adult = true  [rule]");
    assert_has(t, "param age_line = 18  (in effect from 2022-04-01; looked up at 2022-04-01)");
    assert_has(t, "birth_date = 2004-04-02  [fact, given]");
    assert_has(t, "app = 2022-04-01  [fact, default]");
    assert_has(t, "(see above)"); /* birth_date and issue are read twice */
    /* R1 is not a source id of the file: no line for it */
    assert_null(strstr(t, "R1:"));

    /* the otherwise case, and an override */
    assert_int_equal(kigen_set_param(c, "age_line", "19"), KIGEN_OK);
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    t = kigen_explain_text(c, "expiry");
    assert_has(t, "expiry = 2026-04-02  [rule]");
    assert_has(t, "case 3 of 3 taken: otherwise (no earlier case held)");
    assert_has(t, "param age_line = 19  (overridden for this run; looked up at 2022-04-01)");
    assert_has(t, "minor_ok = false  [fact, default]");

    /* every output */
    t = kigen_explain_text(c, NULL);
    assert_has(t, "expiry = 2026-04-02");
    assert_has(t, "status_label = valid");
    assert_has(t, "next_count = 1");
    assert_has(t, "count = (none)  [fact, not given]");

    assert_null(kigen_explain_text(c, "nope"));
    assert_non_null(strstr(kigen_errmsg(c), "no rule or fact named 'nope'"));
    kigen_ctx_free(c);

    /* explain is off by default */
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    set_ok(c, "birth_date", "2004-04-02");
    set_ok(c, "issue", "2022-04-01");
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_null(kigen_explain_text(c, NULL));
    assert_non_null(strstr(kigen_errmsg(c), "kigen_set_explain"));
    assert_null(kigen_explain_json(c, NULL));
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
}

static json_t *param_named(json_t *node, const char *name)
{
    json_t *ps = json_object_get(node, "params"), *p;
    size_t i;
    json_array_foreach(ps, i, p) {
        if (strcmp(json_string_value(json_object_get(p, "name")), name) == 0)
            return p;
    }
    return NULL;
}

static json_t *input_named(json_t *node, const char *name)
{
    json_t *in = json_object_get(node, "inputs"), *p;
    size_t i;
    json_array_foreach(in, i, p) {
        if (strcmp(json_string_value(json_object_get(p, "name")), name) == 0)
            return p;
    }
    return NULL;
}

static const char *jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        fail_msg("'%s' is not a string", key);
    return json_string_value(v);
}

static void test_explain_json(void **state)
{
    (void)state;
    kigen_ruleset *rs = load_demo();
    kigen_ctx *c = explained(rs, "2004-04-02", "2022-04-01");
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    const char *s = kigen_explain_json(c, "expiry");
    assert_non_null(s);
    json_error_t je;
    json_t *root = json_loads(s, 0, &je);
    if (!root)
        fail_msg("not JSON: %s\n%s", je.text, s);
    assert_string_equal(jstr(root, "name"), "expiry");
    assert_string_equal(jstr(root, "value"), "2031-04-02");
    assert_string_equal(jstr(root, "kind"), "rule");
    assert_string_equal(jstr(root, "doc"), "the card's expiry");
    assert_string_equal(jstr(root, "source"), "S2 R1");
    json_t *sources = json_object_get(root, "sources");
    assert_int_equal(json_array_size(sources), 1);
    assert_string_equal(jstr(json_array_get(sources, 0), "id"), "S2");
    assert_string_equal(jstr(json_array_get(sources, 0), "title"), "施行規則");
    assert_string_equal(jstr(json_array_get(sources, 0), "url"), "https://example.invalid/s2");
    /* the case taken */
    json_t *cs = json_object_get(root, "case");
    assert_non_null(cs);
    assert_int_equal(json_integer_value(json_object_get(cs, "index")), 1);
    assert_int_equal(json_integer_value(json_object_get(cs, "of")), 3);
    assert_string_equal(jstr(cs, "when"), "adult");
    assert_string_equal(jstr(cs, "doc"), "adults get ten years");
    /* an undated param: its value, no dates */
    json_t *years = param_named(root, "years");
    assert_non_null(years);
    assert_int_equal(json_integer_value(json_object_get(years, "value")), 10);
    assert_null(json_object_get(years, "effective_from"));
    assert_string_equal(jstr(years, "source"), "S2");
    /* the dated param, in the input rule adult */
    json_t *adult = input_named(root, "adult");
    assert_non_null(adult);
    assert_true(json_is_true(json_object_get(adult, "value")));
    json_t *line = param_named(adult, "age_line");
    assert_non_null(line);
    assert_int_equal(json_integer_value(json_object_get(line, "value")), 18);
    assert_string_equal(jstr(line, "effective_from"), "2022-04-01");
    assert_string_equal(jstr(line, "looked_up_at"), "2022-04-01");
    assert_string_equal(jstr(line, "source"), "S2");
    /* birth_date is explained under adult, and referred to after */
    json_t *birth = input_named(adult, "birth_date");
    assert_non_null(birth);
    assert_string_equal(jstr(birth, "kind"), "fact, given");
    assert_string_equal(jstr(birth, "value"), "2004-04-02");
    birth = input_named(root, "birth_date");
    assert_non_null(birth);
    assert_true(json_is_true(json_object_get(birth, "see_above")));
    json_t *app = input_named(adult, "app");
    assert_string_equal(jstr(app, "kind"), "fact, default");
    json_decref(root);

    /* An earlier application reads the older version; case 3 is taken. */
    set_ok(c, "app", "2021-12-01");
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    root = json_loads(kigen_explain_json(c, "expiry"), 0, &je);
    assert_non_null(root);
    assert_string_equal(jstr(root, "value"), "2026-04-02");
    cs = json_object_get(root, "case");
    assert_int_equal(json_integer_value(json_object_get(cs, "index")), 3);
    assert_string_equal(jstr(cs, "when"), "otherwise");
    line = param_named(input_named(root, "adult"), "age_line");
    assert_int_equal(json_integer_value(json_object_get(line, "value")), 20);
    assert_string_equal(jstr(line, "effective_from"), "2016-01-01");
    assert_string_equal(jstr(line, "looked_up_at"), "2021-12-01");
    json_decref(root);

    /* Overridden: flagged, no effective date. */
    assert_int_equal(kigen_set_param(c, "age_line", "17"), KIGEN_OK);
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    root = json_loads(kigen_explain_json(c, "adult"), 0, &je);
    line = param_named(root, "age_line");
    assert_true(json_is_true(json_object_get(line, "overridden")));
    assert_int_equal(json_integer_value(json_object_get(line, "value")), 17);
    assert_null(json_object_get(line, "effective_from"));
    json_decref(root);
    assert_int_equal(kigen_set_param(c, "age_line", NULL), KIGEN_OK);

    /* Before the first effective date: the lookup is an error. */
    set_ok(c, "app", "2015-06-01");
    assert_int_equal(kigen_eval(c), KIGEN_EEVAL);
    root = json_loads(kigen_explain_json(c, "adult"), 0, &je);
    assert_non_null(root);
    assert_string_equal(jstr(json_object_get(root, "value"), "error"),
                        "param age_line has no value on 2015-06-01: its first effective date is 2016-01-01");
    line = param_named(root, "age_line");
    assert_true(json_is_null(json_object_get(line, "value")));
    assert_string_equal(jstr(line, "looked_up_at"), "2015-06-01");
    assert_non_null(json_object_get(line, "error"));
    json_decref(root);

    /* Every output: {outputs: [...], notes: []} */
    set_ok(c, "app", "");
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    root = json_loads(kigen_explain_json(c, NULL), 0, &je);
    assert_non_null(root);
    json_t *outs = json_object_get(root, "outputs");
    assert_int_equal(json_array_size(outs), 4);
    assert_string_equal(jstr(json_array_get(outs, 0), "name"), "expiry");
    assert_string_equal(jstr(json_array_get(outs, 2), "name"), "status_label");
    assert_string_equal(jstr(json_array_get(outs, 2), "value"), "valid");
    /* adult is explained under expiry first; as an output it is a reference */
    json_t *ad = json_array_get(outs, 1);
    assert_true(json_is_true(json_object_get(ad, "see_above")));
    assert_true(json_is_array(json_object_get(root, "notes")));
    json_decref(root);
    assert_null(kigen_explain_json(c, "nope"));
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
}

/* ------------------------------------------------------------------ */
/* Reference counting and memory                                       */
/* ------------------------------------------------------------------ */

/* A host allocator that counts, checks the lua_Alloc contract (osize is
 * the block's size) and can refuse the Nth request. */
typedef struct counting {
    long live_blocks;
    size_t live_bytes;
    long requests; /* allocations and growths */
    long frees;
    long bad_osize;
    long fail_at; /* refuse this request (1-based); 0: never */
    long refused;
} counting;

typedef struct hdr {
    size_t size;
    size_t magic;
} hdr;
#define MAGIC ((size_t)0x6b6967656e)

static void *count_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    counting *a = ud;
    hdr *h = ptr ? (hdr *)ptr - 1 : NULL;
    if (h && (h->magic != MAGIC || h->size != osize))
        a->bad_osize++;
    if (nsize == 0) {
        if (h) {
            a->live_bytes -= h->size;
            a->live_blocks--;
            a->frees++;
            h->magic = 0;
            free(h);
        }
        return NULL;
    }
    a->requests++;
    if (a->fail_at && a->requests == a->fail_at) {
        a->refused++;
        return NULL;
    }
    hdr *n = realloc(h, sizeof *n + nsize);
    if (!n)
        return NULL;
    if (h)
        a->live_bytes -= n->size;
    else
        a->live_blocks++;
    n->size = nsize;
    n->magic = MAGIC;
    a->live_bytes += nsize;
    return n + 1;
}

/* An allocator whose new blocks are not zero, as malloc's need not be. */
static void *poison_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    unsigned char *p = realloc(ptr, nsize);
    if (p && nsize > osize)
        memset(p + osize, 0x01, nsize - osize);
    return p;
}

/* Explaining before the first evaluation: nothing to explain yet, but
 * nothing read from memory that was never written either. */
static int explain_first_child(void)
{
    kigen_opts o = KIGEN_OPTS_INIT;
    o.alloc = poison_alloc;
    kigen_ruleset *rs = NULL;
    if (kigen_load_string("demo.yaml", rules, strlen(rules), &o, &rs, NULL) != KIGEN_OK)
        return 3;
    kigen_ctx *c = NULL;
    if (kigen_ctx_new(rs, &c) != KIGEN_OK)
        return 4;
    kigen_set_explain(c, 1);
    const char *t = kigen_explain_text(c, NULL);
    const char *j = kigen_explain_json(c, "expiry");
    int rc = 0;
    if (t && (strstr(t, "case ") || strstr(t, "param ")))
        rc = 1; /* a case taken or a param read by an evaluation that never ran */
    if (j && strstr(j, "\"case\""))
        rc = 1;
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
    return rc;
}

static void test_explain_before_first_eval(void **state)
{
    (void)state;
    int status = run_in_child(explain_first_child);
    if (WIFSIGNALED(status))
        fail_msg("kigen_explain_text before kigen_eval crashed (signal %d)", WTERMSIG(status));
    if (WEXITSTATUS(status) != 0)
        fail_msg("kigen_explain_text before kigen_eval reports things that never happened "
                 "(child exit %d)",
                 WEXITSTATUS(status));
}

static void test_ruleset_refcount(void **state)
{
    (void)state;
    counting a = {0};
    kigen_opts o = KIGEN_OPTS_INIT;
    o.alloc = count_alloc;
    o.alloc_ud = &a;
    kigen_ruleset *rs = load_with(rules, &o);
    kigen_ctx *c1, *c2;
    assert_int_equal(kigen_ctx_new(rs, &c1), KIGEN_OK);
    assert_int_equal(kigen_ctx_new(rs, &c2), KIGEN_OK);
    kigen_ruleset_retain(rs);
    kigen_ruleset_free(rs);
    kigen_ruleset_free(rs); /* the loader's reference: the contexts keep it alive */
    assert_true(a.live_blocks > 0);
    set_ok(c1, "birth_date", "2004-04-02");
    set_ok(c1, "issue", "2022-04-01");
    assert_int_equal(kigen_eval(c1), KIGEN_OK);
    assert_string_equal(val(c1, "expiry"), "2031-04-02");
    assert_string_equal(kigen_output_name(kigen_ctx_ruleset(c1), 0), "expiry");
    kigen_ctx_free(c1);
    assert_true(a.live_blocks > 0);
    set_ok(c2, "birth_date", "2004-04-03");
    set_ok(c2, "issue", "2022-04-01");
    assert_int_equal(kigen_eval(c2), KIGEN_OK);
    assert_string_equal(val(c2, "expiry"), "2026-04-03");
    kigen_ctx_free(c2); /* the last reference */
    assert_int_equal(a.live_blocks, 0);
    assert_int_equal(a.live_bytes, 0);
    assert_int_equal(a.bad_osize, 0);
    kigen_ruleset_free(NULL);
    kigen_ruleset_retain(NULL);
    kigen_ctx_free(NULL);
    assert_int_equal(kigen_ctx_new(NULL, &c1), KIGEN_EMISUSE);
}

/* One record's whole life through the API; returns a status and, when
 * everything worked, the outputs as "a|b|c|d". */
static int scenario(const kigen_opts *o, char *out, size_t n)
{
    kigen_ruleset *rs = NULL;
    kigen_diags *d = NULL;
    kigen_ctx *c = NULL;
    out[0] = '\0';
    int rc = kigen_load_string("demo.yaml", rules, strlen(rules), o, &rs, &d);
    kigen_diags_free(d);
    if (rc != KIGEN_OK)
        return rc;
    rc = kigen_ctx_new(rs, &c);
    kigen_ruleset_free(rs);
    if (rc != KIGEN_OK)
        return rc;
    kigen_set_explain(c, 1);
    kigen_set_today(c, D("2025-01-01"));
    if ((rc = kigen_set(c, "birth_date", "2004-04-02")) != KIGEN_OK ||
        (rc = kigen_set(c, "issue", "2022-04-01")) != KIGEN_OK ||
        (rc = kigen_set(c, "note", "a note")) != KIGEN_OK ||
        (rc = kigen_set_param(c, "years", "9")) != KIGEN_OK)
        goto done;
    rc = kigen_eval(c);
    if (rc != KIGEN_OK)
        goto done;
    size_t used = 0;
    for (int i = 0; i < 4 && used < n; i++) {
        kigen_value v;
        char buf[64];
        kigen_get(c, i, &v);
        kigen_value_format(&v, buf, sizeof buf);
        used += (size_t)snprintf(out + used, n - used, "%s%s", i ? "|" : "", buf);
    }
    if (used < n)
        snprintf(out + used, n - used, "|%s", val(c, "shout"));
    const char *t = kigen_explain_text(c, NULL);
    const char *j = kigen_explain_json(c, "expiry");
    if (!t || !j)
        rc = KIGEN_ENOMEM;
done:
    kigen_ctx_free(c);
    return rc;
}

static void test_host_allocator_frees_everything(void **state)
{
    (void)state;
    counting a = {0};
    kigen_opts o = KIGEN_OPTS_INIT;
    o.alloc = count_alloc;
    o.alloc_ud = &a;
    char out[256];
    assert_int_equal(scenario(&o, out, sizeof out), KIGEN_OK);
    assert_string_equal(out, "2030-04-02|true|valid|1|a note!");
    assert_true(a.requests > 10);
    assert_int_equal(a.live_blocks, 0);
    assert_int_equal(a.live_bytes, 0);
    assert_int_equal(a.bad_osize, 0);
    /* A failed load frees everything too. */
    kigen_ruleset *rs = NULL;
    kigen_diags *d = NULL;
    static const char bad[] = "kigen: 1\nname: x\nfacts: {a: dat}\nrules: {r: {value: b}}\n";
    assert_int_equal(kigen_load_string("bad.yaml", bad, strlen(bad), &o, &rs, &d), KIGEN_ELOAD);
    assert_true(kigen_diags_count(d) >= 2);
    kigen_diags_free(d);
    assert_int_equal(a.live_blocks, 0);
    assert_int_equal(a.bad_osize, 0);
}

/* "kigen_eval allocates nothing in the steady state" (docs/api.md). */
static void test_eval_steady_state_allocates_nothing(void **state)
{
    (void)state;
    counting a = {0};
    kigen_opts o = KIGEN_OPTS_INIT;
    o.alloc = count_alloc;
    o.alloc_ud = &a;
    kigen_ruleset *rs = load_with(rules, &o);
    kigen_ctx *c;
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    static const char *const births[] = {"2004-04-02", "2004-04-03", "1990-02-28", "2004-02-29"};
    for (int round = 0; round < 2; round++) {
        long before = a.requests;
        for (int i = 0; i < 200; i++) {
            kigen_ctx_reset(c);
            set_ok(c, "birth_date", births[i % 4]);
            set_ok(c, "issue", "2022-04-01");
            set_ok(c, "note", i % 2 ? "odd" : "even");
            assert_int_equal(kigen_eval(c), KIGEN_OK);
        }
        if (round == 1 && a.requests != before)
            fail_msg("200 records after warm-up made %ld allocations", a.requests - before);
    }
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
    assert_int_equal(a.live_blocks, 0);
}

/* One refused request, in a child (a crash must not end the test): exit 0
 * when the scenario failed cleanly or gave the right answer, 1 on a leak
 * or a bad size, 2 on a wrong answer, 3 on an unexpected status. */
static long child_fail_at;
static char child_want[256];

static int refused_request_child(void)
{
    counting a = {0};
    kigen_opts o = KIGEN_OPTS_INIT;
    o.alloc = count_alloc;
    o.alloc_ud = &a;
    a.fail_at = child_fail_at;
    char got[256];
    int rc = scenario(&o, got, sizeof got);
    if (a.live_blocks != 0 || a.bad_osize != 0)
        return 1;
    if (rc == KIGEN_OK && a.refused && strcmp(got, child_want) != 0) {
        fprintf(stderr, "  refusing request %ld: '%s' instead of '%s'\n", child_fail_at, got,
                child_want);
        return 2;
    }
    if (rc != KIGEN_OK && rc != KIGEN_ENOMEM && rc != KIGEN_ELOAD && rc != KIGEN_EEVAL)
        return 3;
    if (rc == KIGEN_EEVAL && !a.refused)
        return 3;
    return rc == KIGEN_OK ? 0 : 10;
}

static void test_failing_allocator(void **state)
{
    (void)state;
    counting a = {0};
    kigen_opts o = KIGEN_OPTS_INIT;
    o.alloc = count_alloc;
    o.alloc_ud = &a;
    assert_int_equal(scenario(&o, child_want, sizeof child_want), KIGEN_OK);
    long total = a.requests;
    assert_true(total > 10);
    int clean_failures = 0, problems = 0;
    char summary[1200] = "";
    size_t used = 0;
    for (long n = 1; n <= total + 3; n++) {
        child_fail_at = n;
        int status = run_in_child(refused_request_child);
        const char *what = NULL;
        if (WIFSIGNALED(status))
            what = "crash";
        else if (WEXITSTATUS(status) == 10)
            clean_failures++;
        else if (WEXITSTATUS(status) == 1)
            what = "leak";
        else if (WEXITSTATUS(status) == 2)
            what = "wrong answer";
        else if (WEXITSTATUS(status) != 0)
            what = "bad status";
        if (what) {
            problems++;
            if (used < sizeof summary)
                used += (size_t)snprintf(summary + used, sizeof summary - used, " %ld:%s", n, what);
        }
    }
    if (problems)
        fail_msg("%d of %ld refused requests mishandled (request:problem):%s", problems, total + 3,
                 summary);
    assert_true(clean_failures > 0);
}

/* Was: no bound on what one record may allocate; 28 rules that each
 * double a string took 1 GB for one record. Now the record fails with a
 * message that names the limit, and the next record is fine. */
static void test_record_memory_limit(void **state)
{
    (void)state;
    char text[8192];
    size_t n = (size_t)snprintf(text, sizeof text,
                                "kigen: 1\nname: doubling\nfacts:\n  s: {type: string}\n  big: {type: boolean}\n"
                                "rules:\n  r0: {value: s, source: t}\n");
    for (int i = 1; i <= 28; i++)
        n += (size_t)snprintf(text + n, sizeof text - n,
                              "  r%d: {value: 'if big then r%d + r%d else r%d', source: t}\n", i, i - 1, i - 1, i - 1);
    snprintf(text + n, sizeof text - n, "outputs: [r28]\n");
    for (int round = 0; round < 2; round++) {
        kigen_opts o = KIGEN_OPTS_INIT;
        o.record_memory_limit = round ? (size_t)1 << 20 : 0;
        kigen_ruleset *rs = load_with(text, &o);
        kigen_ctx *c = NULL;
        assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
        set_ok(c, "s", "xy");
        set_ok(c, "big", "true");
        assert_int_equal(kigen_eval(c), KIGEN_EEVAL);
        const char *msg = kigen_errmsg(c);
        assert_non_null(strstr(msg, "working memory"));
        assert_non_null(strstr(msg, round ? "1048576 bytes" : "67108864 bytes"));
        /* a small record in the same context is fine: the scratch was reset */
        kigen_ctx_reset(c);
        set_ok(c, "s", "x");
        set_ok(c, "big", "false");
        assert_int_equal(kigen_eval(c), KIGEN_OK);
        assert_string_equal(val(c, "r28"), "x");
        kigen_ctx_free(c);
        kigen_ruleset_free(rs);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_introspection),
        cmocka_unit_test(test_facts_by_name_and_defaults),
        cmocka_unit_test(test_bad_fact_text),
        cmocka_unit_test(test_integer_fact_out_of_range),
        cmocka_unit_test(test_typed_setters_by_index),
        cmocka_unit_test(test_required_fact_missing),
        cmocka_unit_test(test_param_overrides),
        cmocka_unit_test(test_param_before_first_date_fails_record),
        cmocka_unit_test(test_today),
        cmocka_unit_test(test_outputs_by_index_and_name),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_message_for_long_outcome),
        cmocka_unit_test(test_explain_text),
        cmocka_unit_test(test_explain_json),
        cmocka_unit_test(test_explain_before_first_eval),
        cmocka_unit_test(test_ruleset_refcount),
        cmocka_unit_test(test_host_allocator_frees_everything),
        cmocka_unit_test(test_eval_steady_state_allocates_nothing),
        cmocka_unit_test(test_failing_allocator),
        cmocka_unit_test(test_record_memory_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
