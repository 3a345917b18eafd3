/* The expression language through the public API: literals, precedence,
 * params at dates, named arguments, `in`, absent values, error values, enum
 * literals. Every expression is put into a small rule file built here,
 * loaded with kigen_load_string and evaluated with the C API; the value is
 * read back with kigen_get_by_name and printed with kigen_value_format.
 *
 * Most cases are a table (the .cases files in tests/data/expr, run by
 * test_expr_cases.c); what stays here needs more than a value compared.
 *
 * The expected values are worked out by hand from docs/rules.md (the
 * language reference) and the calendar rules of SPEC.md D1-D3, never copied
 * from the engine's output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "kigen.h"
#include "support/expr.h"

/* ------------------------------------------------------------------ */
/* Harness                                                             */
/* ------------------------------------------------------------------ */

/* Run `fn` in a child process and fail (with its message) unless it exits
 * 0. For checks whose failure mode is undefined behaviour: under
 * -fsanitize=undefined a wrong result aborts, and the abort must not take
 * the other tests down with it. */
static void in_child(const char *what, int (*fn)(char *msg, size_t n))
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGSYS};
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
            signal(sigs[i], SIG_DFL);
        char msg[600] = "";
        close(fds[0]);
        int rc = fn(msg, sizeof msg);
        if (write(fds[1], msg, strlen(msg)) < 0)
            rc = 3;
        _exit(rc);
    }
    close(fds[1]);
    char msg[600];
    ssize_t got = 0, n;
    while (got < (ssize_t)sizeof msg - 1 && (n = read(fds[0], msg + got, sizeof msg - 1 - (size_t)got)) > 0)
        got += n;
    msg[got > 0 ? got : 0] = '\0';
    close(fds[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        fail_msg("%s: the child died of signal %d", what, WTERMSIG(status));
    if (WEXITSTATUS(status) != 0)
        fail_msg("%s: %s (child exit %d)", what, msg[0] ? msg : "failed", WEXITSTATUS(status));
}


/* Assert that `expr` (with facts) loads and evaluates to `type` printed as
 * `text`. */
static void expect_f(const char *expr, const char *const *facts, kigen_type type, const char *text)
{
    res r = run(expr, facts);
    if (r.load_rc != KIGEN_OK)
        fail_msg("'%s' did not load: %s %s", expr, r.diag_code, r.diag_msg);
    if (r.type != type || strcmp(r.text, text) != 0)
        fail_msg("'%s': expected %s '%s', got %s '%s'", expr, type_name(type), text,
                 type_name(r.type), r.text);
}

static void expect(const char *expr, kigen_type type, const char *text)
{
    expect_f(expr, NULL, type, text);
}

/* The file must be refused with `code` (the first error) and a message
 * containing `phrase`. */
static void expect_load_error(const char *expr, const char *code, const char *phrase)
{
    res r = run(expr, NULL);
    if (r.load_rc != KIGEN_ELOAD)
        fail_msg("'%s' loaded (rc %d) but should fail with %s", expr, r.load_rc, code);
    if (strcmp(r.diag_code, code) != 0)
        fail_msg("'%s': expected %s, got %s: %s", expr, code, r.diag_code, r.diag_msg);
    if (phrase && !strstr(r.diag_msg, phrase))
        fail_msg("'%s': message '%s' does not say '%s'", expr, r.diag_msg, phrase);
}

#define FACTS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ------------------------------------------------------------------ */
/* Literals                                                            */
/* ------------------------------------------------------------------ */

static void test_literal_dates(void **state)
{
    (void)state;
    expect("2022-04-01", KIGEN_T_DATE, "2022-04-01");
    expect("0001-01-01", KIGEN_T_DATE, "0001-01-01");
    expect("9999-12-31", KIGEN_T_DATE, "9999-12-31");
    expect("2024-02-29", KIGEN_T_DATE, "2024-02-29");
    res r = run("2000-01-01", NULL);
    assert_int_equal(r.type, KIGEN_T_DATE);
    kigen_date want;
    assert_int_equal(kigen_date_from_ymd(2000, 1, 1, &want), KIGEN_OK);
    assert_int_equal(r.date, want);
    /* A day that does not exist is refused when the file loads. */
    expect_load_error("2023-02-29", "E0200", "not a leap year");
    expect_load_error("2023-04-31", "E0200", "does not exist");
    expect_load_error("2023-13-01", "E0200", "month");
    /* Without zero padding it is not a date literal but a subtraction
     * (2022 - 4 - 1): where a date is expected the types catch it. */
    expect("2022-4-01", KIGEN_T_INT, "2017");
    expect_load_error("day_after(2022-4-01)", "E0203", "must be date, not integer");
}

static void test_literal_integers(void **state)
{
    (void)state;
    expect("42", KIGEN_T_INT, "42");
    expect("0", KIGEN_T_INT, "0");
    expect("007", KIGEN_T_INT, "7");
    expect("-3", KIGEN_T_INT, "-3");
    expect("- 3", KIGEN_T_INT, "-3");
    expect("--3", KIGEN_T_INT, "3");
    res r = run("123456789012", NULL);
    assert_int_equal(r.type, KIGEN_T_INT);
    assert_true(r.i == INT64_C(123456789012));
    expect("922337203685477579", KIGEN_T_INT, "922337203685477579");
    expect_load_error("9223372036854775808", "E0200", "not a number");
    expect_load_error("99999999999999999999", "E0200", "not a number");
    expect_load_error("3months", "E0200", "'3months' is not a number");
}

static void test_literal_durations(void **state)
{
    (void)state;
    res r = run("3 months", NULL);
    assert_int_equal(r.load_rc, KIGEN_OK);
    assert_int_equal(r.type, KIGEN_T_DURATION);
    assert_int_equal(r.dur_n, 3);
    assert_int_equal(r.dur_months, 1);
    assert_string_equal(r.text, "3 months");
    r = run("10 days", NULL);
    assert_int_equal(r.type, KIGEN_T_DURATION);
    assert_int_equal(r.dur_n, 10);
    assert_int_equal(r.dur_months, 0);
    assert_string_equal(r.text, "10 days");
    /* Weeks are 7 days, years 12 months. */
    r = run("2 weeks", NULL);
    assert_int_equal(r.dur_n, 14);
    assert_int_equal(r.dur_months, 0);
    r = run("1 year", NULL);
    assert_int_equal(r.dur_n, 12);
    assert_int_equal(r.dur_months, 1);
    expect("1 day", KIGEN_T_DURATION, "1 day");
    expect("1 month", KIGEN_T_DURATION, "1 month");
    expect("1 week", KIGEN_T_DURATION, "7 days");
    expect("-3 months", KIGEN_T_DURATION, "-3 months");
    expect("3 months + 1 year", KIGEN_T_DURATION, "15 months");
    expect("text(2 weeks)", KIGEN_T_STRING, "14 days");
    /* A computed count: (n) years, and a name followed by a unit. */
    expect_f("add(2020-02-29, (n) years, clamp)", FACTS("n=2"), KIGEN_T_DATE, "2022-02-28");
    expect_f("add(2020-02-29, n years, roll)", FACTS("n=1"), KIGEN_T_DATE, "2021-03-01");
    expect_f("add(2020-01-01, (n + 1) days)", FACTS("n=30"), KIGEN_T_DATE, "2020-02-01");
    /* Days need no policy; months need one. */
    expect("2020-01-31 + 10 days", KIGEN_T_DATE, "2020-02-10");
    expect("10 days + 2020-01-31", KIGEN_T_DATE, "2020-02-10");
    expect("2020-01-01 + 2 weeks", KIGEN_T_DATE, "2020-01-15");
    expect("2020-03-01 - 1 day", KIGEN_T_DATE, "2020-02-29");
    expect("2021-03-01 + -1 days", KIGEN_T_DATE, "2021-02-28");
    expect("add(2020-01-31, 1 month, clamp)", KIGEN_T_DATE, "2020-02-29");
    expect("add(2021-01-31, 1 month, clamp)", KIGEN_T_DATE, "2021-02-28");
    expect("add(2021-01-31, 1 month, roll)", KIGEN_T_DATE, "2021-03-01");
    expect("add(2020-05-31, -3 months, clamp)", KIGEN_T_DATE, "2020-02-29");
    expect("add(2024-02-29, 1 year, clamp)", KIGEN_T_DATE, "2025-02-28");
    expect("add(2024-02-29, 1 year, roll)", KIGEN_T_DATE, "2025-03-01");
    expect("add(2020-01-31, 10 days)", KIGEN_T_DATE, "2020-02-10");
    expect_load_error("2020-01-31 + 1 month", "E0205", "end-of-month policy");
    expect_load_error("add(2020-01-31, 3 months)", "E0205", "end-of-month policy");
    expect_load_error("add(2020-01-31, 3 days, clamp)", "E0203", "months and years only");
    expect_load_error("add(2020-01-31, 3, clamp)", "E0203", "must be a duration");
    expect_load_error("'x' days", "E0203", "whole number");
}

/* ------------------------------------------------------------------ */
/* Operators and precedence                                            */
/* ------------------------------------------------------------------ */

/* ------------------------------------------------------------------ */
/* Params at a date, calls, named arguments, membership                */
/* ------------------------------------------------------------------ */

/* "positional, then named" (docs/rules.md): a positional argument after a
 * named one must not silently take the named one's place. */
static void test_positional_after_named_is_refused(void **state)
{
    (void)state;
    res r = run("nth_birthday(feb29: mar1, birth_date, 1, issue, feb28)", NULL);
    if (r.load_rc == KIGEN_OK)
        fail_msg("feb29: mar1 is silently replaced by the positional feb28");
    assert_string_equal(r.diag_code, "E0204");
    r = run("nth_birthday(n: 5, birth_date, 1, issue, feb28)", NULL);
    if (r.load_rc == KIGEN_OK)
        fail_msg("n: 5 is silently replaced by the positional 1");
    assert_string_equal(r.diag_code, "E0204");
}

/* ------------------------------------------------------------------ */
/* Absent values                                                       */
/* ------------------------------------------------------------------ */

/* ------------------------------------------------------------------ */
/* Error values                                                        */
/* ------------------------------------------------------------------ */

/* The overflow checks run in a child: the bug they catch is signed
 * overflow, which UBSan turns into an abort. */
static const char *child_expr, *child_phrase;

static int child_expect_error(char *msg, size_t n)
{
    res r = run(child_expr, NULL);
    if (r.load_rc != KIGEN_OK) {
        snprintf(msg, n, "did not load: %s %s", r.diag_code, r.diag_msg);
        return 1;
    }
    if (r.type != KIGEN_T_ERROR || !strstr(r.text, child_phrase)) {
        snprintf(msg, n, "expected an error saying '%s', got %s '%s'", child_phrase,
                 type_name(r.type), r.text);
        return 1;
    }
    return 0;
}

static void expect_error_isolated(const char *expr, const char *phrase)
{
    child_expr = expr;
    child_phrase = phrase;
    in_child(expr, child_expect_error);
}

/* 64-bit overflow is an error value (docs/rules.md), never a wrapped
 * number: negation, subtraction and duration units. */
static void test_overflow_is_an_error(void **state)
{
    (void)state;
    /* -4611686018427387904 * 2 is INT64_MIN. */
    expect("-4611686018427387904 * 2", KIGEN_T_INT, "-9223372036854775808");
    expect_error_isolated("4611686018427387904 * 2", "integer overflow");
    expect_error_isolated("-(-4611686018427387904 * 2)", "overflow");
    expect_error_isolated("0 - (-4611686018427387904 * 2)", "overflow");
    expect_error_isolated("1 - (-4611686018427387904 * 2)", "overflow");
}

/* A count times its unit: 4611686018427387905 years is 2^64 + 12 months,
 * which wraps to 12 months; 2635249153387078803 weeks wraps to 5 days. */
static void test_duration_overflow_is_an_error(void **state)
{
    (void)state;
    expect_error_isolated("add(2020-01-31, 4611686018427387905 years, clamp)", "overflow");
    expect_error_isolated("2020-01-01 + 2635249153387078803 weeks", "overflow");
    expect_error_isolated("2020-01-01 + (4611686018427387904 days + 4611686018427387904 days + "
                          "4611686018427387904 days + 4611686018427387904 days + 5 days)",
                          "overflow");
}

/* ------------------------------------------------------------------ */
/* Enum literals and ambiguity                                          */
/* ------------------------------------------------------------------ */

static const char enum_rules[] =
    "kigen: 1\n"
    "name: enums\n"
    "facts:\n"
    "  st: {type: enum, choices: [japanese, mid_long, permanent], default: japanese}\n"
    "  on: {type: date, default: 2024-01-01}\n"
    "  expiry: {type: date, optional: true}\n"
    "rules:\n"
    "  status:\n"
    "    type: enum\n"
    "    choices: [valid, expired, unknown]\n"
    "    source: X\n"
    "    cases:\n"
    "      - when: not given(expiry)\n"
    "        then: unknown\n"
    "      - when: on > expiry\n"
    "        then: expired\n"
    "      - otherwise: valid\n"
    "  foreign: {source: X, value: \"st in [mid_long, permanent]\"}\n"
    "  perm: {source: X, value: \"permanent == st\"}\n"
    "  not_jp: {source: X, value: \"st != japanese\"}\n"
    "  label: {source: X, type: enum, choices: [jp, other],\n"
    "          value: \"if st == japanese then jp else other\"}\n";

static void test_enum_literals(void **state)
{
    (void)state;
    kigen_ruleset *rs = NULL;
    kigen_diags *dg = NULL;
    int rc = kigen_load_string("enums.yaml", enum_rules, strlen(enum_rules), NULL, &rs, &dg);
    if (rc != KIGEN_OK)
        fail_msg("enum rules: %s", kigen_diags_get(dg, 0)->message);
    kigen_diags_free(dg);
    kigen_ctx *c;
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    kigen_value v;
    char buf[64];
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_int_equal(kigen_get_by_name(c, "status", &v), KIGEN_OK);
    assert_int_equal(v.type, KIGEN_T_ENUM);
    kigen_value_format(&v, buf, sizeof buf);
    assert_string_equal(buf, "unknown");
    assert_int_equal(kigen_get_by_name(c, "foreign", &v), KIGEN_OK);
    assert_int_equal(v.type, KIGEN_T_BOOL);
    assert_false(v.u.b);
    assert_int_equal(kigen_get_by_name(c, "label", &v), KIGEN_OK);
    kigen_value_format(&v, buf, sizeof buf);
    assert_string_equal(buf, "jp");

    assert_int_equal(kigen_set(c, "st", "permanent"), KIGEN_OK);
    assert_int_equal(kigen_set(c, "expiry", "2023-12-31"), KIGEN_OK);
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_int_equal(kigen_get_by_name(c, "status", &v), KIGEN_OK);
    kigen_value_format(&v, buf, sizeof buf);
    assert_string_equal(buf, "expired");
    assert_int_equal(kigen_get_by_name(c, "foreign", &v), KIGEN_OK);
    assert_true(v.u.b);
    assert_int_equal(kigen_get_by_name(c, "perm", &v), KIGEN_OK);
    assert_true(v.u.b);
    assert_int_equal(kigen_get_by_name(c, "not_jp", &v), KIGEN_OK);
    assert_true(v.u.b);
    assert_int_equal(kigen_get_by_name(c, "label", &v), KIGEN_OK);
    kigen_value_format(&v, buf, sizeof buf);
    assert_string_equal(buf, "other");
    assert_int_equal(kigen_set(c, "expiry", "2024-01-01"), KIGEN_OK);
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_int_equal(kigen_get_by_name(c, "status", &v), KIGEN_OK);
    kigen_value_format(&v, buf, sizeof buf);
    assert_string_equal(buf, "valid"); /* valid through the whole expiry day */
    /* A value outside the choices is refused when set. */
    assert_int_equal(kigen_set(c, "st", "alien"), KIGEN_EPARSE);
    assert_non_null(strstr(kigen_errmsg(c), "alien"));
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);

    /* Bare names only mean enum values where an enum is expected. */
    expect_load_error("japanese", "E0201", "unknown name 'japanese'");
    expect_load_error("st == alien", "E0209", "'alien'");
    expect_load_error("st == 'alien'", "E0209", "'alien'");
    expect_load_error("age(2000-01-01, 2020-01-01, by_birthday, feb28)", "E0209", "by_birthday");
    expect_f("st == 'permanent'", FACTS("st=permanent"), KIGEN_T_BOOL, "true");
}

/* A fact named like a value of the enum expected there. */
static const char ambiguous_rules[] =
    "kigen: 1\n"
    "name: amb\n"
    "facts:\n"
    "  birth_date: date\n"
    "  issue: date\n"
    "  mar1: {type: date, optional: true}\n"
    "rules:\n"
    "  r: {source: X, value: \"nth_birthday(birth_date, 1, issue, %s)\"}\n"
    "  m: {source: X, value: \"mar1\"}\n";

static int load_ambiguous(const char *arg, char *code, size_t n)
{
    char text[1024];
    snprintf(text, sizeof text, ambiguous_rules, arg);
    kigen_ruleset *rs = NULL;
    kigen_diags *dg = NULL;
    int rc = kigen_load_string("amb.yaml", text, strlen(text), NULL, &rs, &dg);
    code[0] = '\0';
    for (size_t i = 0; i < kigen_diags_count(dg); i++)
        if (kigen_diags_get(dg, i)->severity == KIGEN_SEV_ERROR) {
            snprintf(code, n, "%s", kigen_diags_get(dg, i)->code);
            break;
        }
    kigen_diags_free(dg);
    kigen_ruleset_free(rs);
    return rc;
}

static void test_enum_ambiguity_e0210(void **state)
{
    (void)state;
    char code[16];
    assert_int_equal(load_ambiguous("mar1", code, sizeof code), KIGEN_ELOAD);
    assert_string_equal(code, "E0210");
    /* the same name where no enum is expected is just the fact */
    assert_int_equal(load_ambiguous("feb28", code, sizeof code), KIGEN_OK);
}

/* E0210's hint (and docs/rules.md) says: quote the value. The quoted value
 * must then be accepted as that enum value. */
static void test_enum_ambiguity_quoted_value_accepted(void **state)
{
    (void)state;
    char code[16];
    int rc = load_ambiguous("'mar1'", code, sizeof code);
    if (rc != KIGEN_OK)
        fail_msg("following E0210's hint ('mar1' quoted) gives %s", code);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal_dates),
        cmocka_unit_test(test_literal_integers),
        cmocka_unit_test(test_literal_durations),
        cmocka_unit_test(test_positional_after_named_is_refused),
        cmocka_unit_test(test_overflow_is_an_error),
        cmocka_unit_test(test_duration_overflow_is_an_error),
        cmocka_unit_test(test_enum_literals),
        cmocka_unit_test(test_enum_ambiguity_e0210),
        cmocka_unit_test(test_enum_ambiguity_quoted_value_accepted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
