/* The expression language through the public API: literals, precedence,
 * params at dates, named arguments, `in`, absent values, error values, enum
 * literals. Every expression is put into a small rule file built here,
 * loaded with kigen_load_string and evaluated with the C API; the value is
 * read back with kigen_get_by_name and printed with kigen_value_format.
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

/* ------------------------------------------------------------------ */
/* Harness                                                             */
/* ------------------------------------------------------------------ */

/* Every test expression becomes rule `r` of this file. The facts are all
 * optional, so an expression sees an absent value unless the test sets it. */
static const char prelude[] =
    "kigen: 1\n"
    "name: parse_test\n"
    "facts:\n"
    "  d: {type: date, optional: true}\n"
    "  d2: {type: date, optional: true}\n"
    "  n: {type: integer, optional: true}\n"
    "  b: {type: boolean, optional: true}\n"
    "  s: {type: string, optional: true}\n"
    "  st: {type: enum, choices: [japanese, mid_long, permanent], optional: true}\n"
    "  birth_date: {type: date, optional: true}\n"
    "  issue: {type: date, optional: true}\n"
    "params:\n"
    "  line: {source: P, values: {2016-01-01: 20, 2022-04-01: 18}}\n"
    "  feb29: {type: enum, choices: [feb28, mar1], value: feb28, source: P}\n"
    "  k: {source: P, value: 7}\n"
    "rules:\n"
    "  r:\n"
    "    source: P\n"
    "    value: |-\n"
    "      ";

typedef struct res {
    int load_rc;
    int eval_rc;
    kigen_type type;
    char text[512];
    int64_t i;
    kigen_date date;
    int64_t dur_n;
    int dur_months;
    char diag_code[16];
    char diag_msg[512];
    char errmsg[512];
} res;

static char *rule_file(const char *expr)
{
    size_t n = strlen(prelude) + strlen(expr) + 2;
    char *s = malloc(n);
    assert_non_null(s);
    snprintf(s, n, "%s%s\n", prelude, expr);
    return s;
}

/* Load `expr` as rule r, set the facts ("name=value", NULL-terminated),
 * evaluate and read r. Load failures are returned, not asserted; nothing
 * here asserts, so it can also run in a child process (see in_child). */
static res run(const char *expr, const char *const *facts)
{
    res out;
    memset(&out, 0, sizeof out);
    char *text = rule_file(expr);
    kigen_ruleset *rs = NULL;
    kigen_diags *dg = NULL;
    kigen_ctx *c = NULL;
    out.load_rc = kigen_load_string("parse_test.yaml", text, strlen(text), NULL, &rs, &dg);
    free(text);
    for (size_t i = 0; i < kigen_diags_count(dg); i++) {
        const kigen_diag *g = kigen_diags_get(dg, i);
        if (g->severity == KIGEN_SEV_ERROR && !out.diag_code[0]) {
            snprintf(out.diag_code, sizeof out.diag_code, "%s", g->code);
            snprintf(out.diag_msg, sizeof out.diag_msg, "%s", g->message);
        }
    }
    kigen_diags_free(dg);
    if (out.load_rc != KIGEN_OK)
        return out;
    if (kigen_ctx_new(rs, &c) != KIGEN_OK) {
        out.load_rc = -1;
        snprintf(out.diag_msg, sizeof out.diag_msg, "kigen_ctx_new failed");
        goto done;
    }
    for (size_t i = 0; facts && facts[i]; i++) {
        const char *eq = strchr(facts[i], '=');
        char name[64];
        snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - facts[i]) : 0, facts[i]);
        if (!eq || kigen_set(c, name, eq + 1) != KIGEN_OK) {
            out.load_rc = -1;
            snprintf(out.diag_msg, sizeof out.diag_msg, "kigen_set(%s): %s", facts[i],
                     kigen_errmsg(c));
            goto done;
        }
    }
    out.eval_rc = kigen_eval(c);
    snprintf(out.errmsg, sizeof out.errmsg, "%s", kigen_errmsg(c));
    kigen_value v;
    if (kigen_get_by_name(c, "r", &v) != KIGEN_OK) {
        out.load_rc = -1;
        snprintf(out.diag_msg, sizeof out.diag_msg, "kigen_get_by_name(r) failed");
        goto done;
    }
    out.type = v.type;
    kigen_value_format(&v, out.text, sizeof out.text);
    if (v.type == KIGEN_T_INT)
        out.i = v.u.i;
    if (v.type == KIGEN_T_DATE)
        out.date = v.u.date;
    if (v.type == KIGEN_T_DURATION) {
        out.dur_n = v.u.dur.n;
        out.dur_months = v.u.dur.months;
    }
done:
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
    return out;
}

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

static const char *type_name(kigen_type t)
{
    static const char *const names[] = {"none", "bool", "int",      "date",
                                        "string", "enum", "duration", "error"};
    return (unsigned)t < 8 ? names[t] : "?";
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

/* An error value whose message contains `phrase`; the evaluation fails
 * with KIGEN_EEVAL and kigen_errmsg names the rule and the reason. */
static void expect_error_f(const char *expr, const char *const *facts, const char *phrase)
{
    res r = run(expr, facts);
    if (r.load_rc != KIGEN_OK)
        fail_msg("'%s' did not load: %s %s", expr, r.diag_code, r.diag_msg);
    if (r.type != KIGEN_T_ERROR)
        fail_msg("'%s': expected an error value, got %s '%s'", expr, type_name(r.type), r.text);
    if (!strstr(r.text, phrase))
        fail_msg("'%s': the error '%s' does not say '%s'", expr, r.text, phrase);
    assert_int_equal(r.eval_rc, KIGEN_EEVAL);
    assert_non_null(strstr(r.errmsg, "r: "));
    assert_non_null(strstr(r.errmsg, phrase));
}

static void expect_error(const char *expr, const char *phrase)
{
    expect_error_f(expr, NULL, phrase);
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

/* Integers are 64-bit (docs/rules.md): every value up to INT64_MAX can be
 * written, and only one more is refused. */
static void test_integer_literal_max(void **state)
{
    (void)state;
    expect("922337203685477580", KIGEN_T_INT, "922337203685477580");
    expect("9223372036854775800", KIGEN_T_INT, "9223372036854775800");
    expect("9223372036854775807", KIGEN_T_INT, "9223372036854775807");
}

static void test_literal_strings_booleans_none(void **state)
{
    (void)state;
    expect("'valid'", KIGEN_T_STRING, "valid");
    expect("\"text\"", KIGEN_T_STRING, "text");
    expect("''", KIGEN_T_STRING, "");
    /* No escapes: the other quote is an ordinary character. */
    expect("\"it's\"", KIGEN_T_STRING, "it's");
    expect("'say \"hi\"'", KIGEN_T_STRING, "say \"hi\"");
    expect("'令和'", KIGEN_T_STRING, "令和");
    expect_load_error("'open", "E0200", "not closed");
    expect("true", KIGEN_T_BOOL, "true");
    expect("false", KIGEN_T_BOOL, "false");
    expect("not true", KIGEN_T_BOOL, "false");
    /* `none` is the absent value: as a branch it takes the other's type. */
    expect("if false then 1 else none", KIGEN_T_NONE, "");
    expect("if true then 1 else none", KIGEN_T_INT, "1");
    expect("given(none)", KIGEN_T_BOOL, "false");
    /* A rule that is only none has no type. */
    expect_load_error("none", "E0203", "always none");
    /* Keywords are not values. */
    expect_load_error("then", "E0200", "keyword");
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

static void test_arithmetic_precedence(void **state)
{
    (void)state;
    expect("1 + 2 * 3", KIGEN_T_INT, "7");
    expect("(1 + 2) * 3", KIGEN_T_INT, "9");
    expect("2 * 3 + 1", KIGEN_T_INT, "7");
    expect("10 - 3 - 2", KIGEN_T_INT, "5"); /* left to right */
    expect("100 / 10 / 5", KIGEN_T_INT, "2");
    expect("7 / 2", KIGEN_T_INT, "3");
    expect("-7 / 2", KIGEN_T_INT, "-3"); /* truncation towards zero */
    expect("7 % 3", KIGEN_T_INT, "1");
    expect("1 + 7 % 3 * 2", KIGEN_T_INT, "3");
    expect("-2 * -3", KIGEN_T_INT, "6");
    expect("-(2 + 3)", KIGEN_T_INT, "-5");
    expect("2020-03-01 - 2020-02-01", KIGEN_T_INT, "29");
    expect("2020-02-01 - 2020-03-01", KIGEN_T_INT, "-29");
    expect("'ab' + 'cd'", KIGEN_T_STRING, "abcd");
    expect("k * 2", KIGEN_T_INT, "14");
    expect("line@2022-04-01 * 2 + 1", KIGEN_T_INT, "37");
    expect_load_error("2020-01-01 + 1", "E0203", "cannot combine date and integer");
    expect_load_error("'a' * 2", "E0203", "cannot combine");
    expect_load_error("1 + * 2", "E0200", "expected a value");
    expect_load_error("(1 + 2", "E0200", "')'");
    expect_load_error("1 2", "E0200", "after a complete expression");
}

static void test_logic_precedence(void **state)
{
    (void)state;
    /* not binds tighter than and: (not false) and false. */
    expect("not false and false", KIGEN_T_BOOL, "false");
    expect("not (false and false)", KIGEN_T_BOOL, "true");
    /* and binds tighter than or: true or (true and false). */
    expect("true or true and false", KIGEN_T_BOOL, "true");
    expect("(true or true) and false", KIGEN_T_BOOL, "false");
    expect("false and true or true", KIGEN_T_BOOL, "true");
    /* comparisons bind tighter than not: not (1 == 2). */
    expect("not 1 == 2", KIGEN_T_BOOL, "true");
    expect("1 + 1 == 2", KIGEN_T_BOOL, "true");
    expect("2 * 3 > 5 and 1 < 2", KIGEN_T_BOOL, "true");
    expect("2022-04-01 < 2022-04-02", KIGEN_T_BOOL, "true");
    expect("2022-04-01 >= 2022-04-02", KIGEN_T_BOOL, "false");
    expect("'a' == 'a'", KIGEN_T_BOOL, "true");
    expect("'a' != 'b'", KIGEN_T_BOOL, "true");
    expect("true == false", KIGEN_T_BOOL, "false");
    expect("3 months == 3 months", KIGEN_T_BOOL, "true");
    expect("not not true", KIGEN_T_BOOL, "true");
    expect_load_error("1 < 2 < 3", "E0200", "do not chain");
    expect_load_error("'a' < 'b'", "E0203", "order numbers and dates");
    expect_load_error("1 == 'a'", "E0203", "cannot compare");
    expect_load_error("not 1", "E0203", "'not' needs a boolean");
    expect_load_error("1 and true", "E0203", "'and' needs booleans");
}

/* The parser has a message for the two most common slips from other
 * languages; it must be the one a user sees for `a = b` and `c ? a : b`,
 * where the slip is after a value, not only at the start. */
static void test_typo_messages(void **state)
{
    (void)state;
    expect_load_error("= 1", "E0200", "'=' is not an operator");
    expect_load_error("? 1", "E0200", "if C then A else B");
    expect_load_error("1 = 1", "E0200", "'=' is not an operator");
    expect_load_error("true ? 1 : 2", "E0200", "if C then A else B");
}

static void test_if_nesting(void **state)
{
    (void)state;
    expect("if true then 1 else 2", KIGEN_T_INT, "1");
    expect("if false then 1 else 2", KIGEN_T_INT, "2");
    expect("if true then if false then 1 else 2 else 3", KIGEN_T_INT, "2");
    expect("if false then 1 else if true then 2 else 3", KIGEN_T_INT, "2");
    expect("if false then 1 else if false then 2 else 3", KIGEN_T_INT, "3");
    /* The else branch extends as far as it can. */
    expect("if true then 1 else 2 + 10", KIGEN_T_INT, "1");
    expect("if false then 1 else 2 + 10", KIGEN_T_INT, "12");
    expect("(if true then 1 else 2) + 10", KIGEN_T_INT, "11");
    expect("if 1 < 2 and 2 < 3 then 'yes' else 'no'", KIGEN_T_STRING, "yes");
    expect_load_error("if true then 1", "E0200", "'else'");
    expect_load_error("if true 1 else 2", "E0200", "'then'");
    expect_load_error("if 1 then 1 else 2", "E0203", "condition of 'if'");
    expect_load_error("if true then 1 else 'x'", "E0203", "branches of 'if' differ");
}

/* ------------------------------------------------------------------ */
/* Params at a date, calls, named arguments, membership                */
/* ------------------------------------------------------------------ */

static void test_param_at_date(void **state)
{
    (void)state;
    expect("line@2016-01-01", KIGEN_T_INT, "20");
    expect("line@2022-03-31", KIGEN_T_INT, "20");
    expect("line@2022-04-01", KIGEN_T_INT, "18");
    expect("line@9999-12-31", KIGEN_T_INT, "18");
    expect_f("line@d", FACTS("d=2022-03-31"), KIGEN_T_INT, "20");
    expect_f("line@d", FACTS("d=令和4年4月1日"), KIGEN_T_INT, "18");
    expect_f("line@(d + 1 day)", FACTS("d=2022-03-31"), KIGEN_T_INT, "18");
    expect_f("line@d", NULL, KIGEN_T_NONE, ""); /* an absent date: absent */
    expect("k", KIGEN_T_INT, "7");
    expect("feb29", KIGEN_T_ENUM, "feb28");
    expect_load_error("line", "E0206", "say at which date");
    expect_load_error("k@2020-01-01", "E0206", "without '@'");
    expect_load_error("line@2015-12-31", "E0207", "before its first effective date 2016-01-01");
    expect_load_error("line@5", "E0203", "'@' needs a date");
    expect_load_error("lime@2020-01-01", "E0201", "unknown param 'lime'");
    expect_load_error("d@2020-01-01", "E0201", "not a param");
    expect_load_error("day_after(d)@2020-01-01", "E0200", "param_name@date");
}

static void test_calls_and_named_arguments(void **state)
{
    (void)state;
    const char *const *f = FACTS("birth_date=2004-02-29", "issue=2023-02-28");
    /* SPEC D1: the 1st birthday strictly after 2023-02-28. With feb28 the
     * 2023 birthday is 02-28 itself, not after it, so 2024-02-29. */
    expect_f("nth_birthday(birth_date, 1, issue, feb28)", f, KIGEN_T_DATE, "2024-02-29");
    expect_f("nth_birthday(birth_date, 1, issue, mar1)", f, KIGEN_T_DATE, "2023-03-01");
    expect_f("nth_birthday(birth_date, n: 1, after: issue, feb29: feb28)", f, KIGEN_T_DATE,
             "2024-02-29");
    expect_f("nth_birthday(birth_date, n: 1, after: issue, feb29: mar1)", f, KIGEN_T_DATE,
             "2023-03-01");
    expect_f("nth_birthday(feb29: mar1, after: issue, n: 1, birth: birth_date)", f, KIGEN_T_DATE,
             "2023-03-01");
    expect_f("nth_birthday(birth_date, 5, issue, feb29)", f, KIGEN_T_DATE, "2028-02-29");
    expect_f("age(birth_date, issue, age_act, feb28)", f, KIGEN_T_INT, "19");
    /* SPEC D3: under the act, 18 on the day before the 18th birthday. */
    const char *const *g = FACTS("birth_date=2004-04-02", "issue=2022-04-01");
    expect_f("age(birth_date, issue, age_act, feb28)", g, KIGEN_T_INT, "18");
    expect_f("age(birth_date, issue, birthday, feb28)", g, KIGEN_T_INT, "17");
    expect_f("age(birth_date, on: issue, method: birthday, feb29: feb28)", g, KIGEN_T_INT, "17");
    expect("days_between(2022-04-01, 2023-04-01)", KIGEN_T_INT, "365");
    expect("day_after(2024-02-28)", KIGEN_T_DATE, "2024-02-29");
    expect("day_before(2024-03-01)", KIGEN_T_DATE, "2024-02-29");
    expect("end_of_month(2023-02-10)", KIGEN_T_DATE, "2023-02-28");
    expect("start_of_month(2023-02-10)", KIGEN_T_DATE, "2023-02-01");
    expect("year(2022-04-01) * 10000 + month(2022-04-01) * 100 + day(2022-04-01)", KIGEN_T_INT,
           "20220401");
    expect("weekday(2022-04-01)", KIGEN_T_INT, "5");
    expect("add_days(2022-04-01, 30)", KIGEN_T_DATE, "2022-05-01");
    expect("add_months(2022-03-31, 1, clamp)", KIGEN_T_DATE, "2022-04-30");
    expect("add_years(2024-02-29, 1, roll)", KIGEN_T_DATE, "2025-03-01");
    expect("era(2019-05-01)", KIGEN_T_STRING, "令和元年5月1日");
    expect("era(2022-04-01, short)", KIGEN_T_STRING, "R4.4.1");
    expect("era(2022-04-01, style: kanji)", KIGEN_T_STRING, "令和4年4月1日");
    expect("text(2022-04-01)", KIGEN_T_STRING, "2022-04-01");
    expect("text(12)", KIGEN_T_STRING, "12");
    expect("date(2024, 2, 29)", KIGEN_T_DATE, "2024-02-29");
    expect("today() == today()", KIGEN_T_BOOL, "true");
    /* Argument errors. */
    expect_load_error("nth_birthday(birth_date, 1, issue)", "E0204", "needs the argument 'feb29'");
    expect_load_error("day_after(d, 1)", "E0204", "at most 1 argument");
    expect_load_error("nth_birthday(birth_date, n: 1, n: 2, after: issue, feb29: feb28)", "E0204",
                      "given twice");
    expect_load_error("nth_birthday(birth_date, 1, issue, feb29: feb28, when: issue)", "E0204",
                      "no argument named 'when'");
    expect_load_error("nth_brithday(birth_date, 1, issue, feb28)", "E0202", "unknown function");
    expect_load_error("day_after(1)", "E0203", "argument 'date' of day_after must be date");
}

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

static void test_in_lists(void **state)
{
    (void)state;
    expect_f("st in [permanent, mid_long]", FACTS("st=mid_long"), KIGEN_T_BOOL, "true");
    expect_f("st in [permanent, mid_long]", FACTS("st=japanese"), KIGEN_T_BOOL, "false");
    expect_f("st in [permanent, mid_long]", NULL, KIGEN_T_NONE, "");
    expect_f("st in ['permanent']", FACTS("st=permanent"), KIGEN_T_BOOL, "true");
    expect("3 in [1, 2, 3]", KIGEN_T_BOOL, "true");
    expect("4 in [1, 2, 3]", KIGEN_T_BOOL, "false");
    expect("2022-04-01 in [2022-04-01]", KIGEN_T_BOOL, "true");
    expect("'x' in []", KIGEN_T_BOOL, "false");
    expect("1 + 1 in [2] and true", KIGEN_T_BOOL, "true");
    expect_load_error("1 in 1", "E0203", "needs a list");
    expect_load_error("1 in ['a']", "E0203", "the list holds");
    expect_load_error("[1, 2]", "E0203", "only follow 'in'");
    expect_load_error("st in [permanent, alien]", "E0209", "'alien'");
}

/* ------------------------------------------------------------------ */
/* Absent values                                                       */
/* ------------------------------------------------------------------ */

static void test_absent_propagation(void **state)
{
    (void)state;
    /* arithmetic, comparison, calls with an absent argument: absent */
    expect("n + 1", KIGEN_T_NONE, "");
    expect("1 - n", KIGEN_T_NONE, "");
    expect("n * 0", KIGEN_T_NONE, "");
    expect("-n", KIGEN_T_NONE, "");
    expect("d + 1 day", KIGEN_T_NONE, "");
    expect("d - 2020-01-01", KIGEN_T_NONE, "");
    expect("s + 'x'", KIGEN_T_NONE, "");
    expect("n < 3", KIGEN_T_NONE, "");
    expect("n == n", KIGEN_T_NONE, "");
    expect("day_after(d)", KIGEN_T_NONE, "");
    expect("nth_birthday(birth_date, 1, 2020-01-01, feb28)", KIGEN_T_NONE, "");
    expect("text(n)", KIGEN_T_NONE, "");
    expect("line@d", KIGEN_T_NONE, "");
    /* An absent optional argument is fine. */
    expect_f("era(d)", FACTS("d=2019-04-30"), KIGEN_T_STRING, "平成31年4月30日");
    /* Present values are not affected. */
    expect_f("n + 1", FACTS("n=41"), KIGEN_T_INT, "42");
}

static void test_absent_kleene_logic(void **state)
{
    (void)state;
    /* false and X = false, true or X = true, whatever X is */
    expect("n > 0 and false", KIGEN_T_BOOL, "false");
    expect("false and n > 0", KIGEN_T_BOOL, "false");
    expect("n > 0 or true", KIGEN_T_BOOL, "true");
    expect("true or n > 0", KIGEN_T_BOOL, "true");
    expect("b or true", KIGEN_T_BOOL, "true");
    /* otherwise absent */
    expect("n > 0 and true", KIGEN_T_NONE, "");
    expect("true and b", KIGEN_T_NONE, "");
    expect("n > 0 or false", KIGEN_T_NONE, "");
    expect("b or b", KIGEN_T_NONE, "");
    expect("not b", KIGEN_T_NONE, "");
    expect("not (n > 0)", KIGEN_T_NONE, "");
    /* an absent condition does not hold */
    expect("if b then 1 else 2", KIGEN_T_INT, "2");
    expect("if not b then 1 else 2", KIGEN_T_INT, "2");
    expect_f("b and true", FACTS("b=true"), KIGEN_T_BOOL, "true");
    expect_f("b or false", FACTS("b=false"), KIGEN_T_BOOL, "false");
}

static void test_absent_aware_functions(void **state)
{
    (void)state;
    expect("given(n)", KIGEN_T_BOOL, "false");
    expect_f("given(n)", FACTS("n=0"), KIGEN_T_BOOL, "true");
    expect("given(d + 1 day)", KIGEN_T_BOOL, "false");
    expect("default(n, 5)", KIGEN_T_INT, "5");
    expect_f("default(n, 5)", FACTS("n=3"), KIGEN_T_INT, "3");
    expect("default(d, 2020-01-01)", KIGEN_T_DATE, "2020-01-01");
    expect("default(n, none)", KIGEN_T_NONE, "");
    expect_load_error("default(n, 'x')", "E0203", "fallback of default");
    expect("earliest(d, 2020-05-01, 2020-03-01)", KIGEN_T_DATE, "2020-03-01");
    expect_f("earliest(d, 2020-05-01, 2020-03-01)", FACTS("d=2019-12-31"), KIGEN_T_DATE,
             "2019-12-31");
    expect("latest(d, 2020-05-01, d2, 2020-03-01)", KIGEN_T_DATE, "2020-05-01");
    expect("earliest(d)", KIGEN_T_NONE, "");
    expect("latest(d, d2)", KIGEN_T_NONE, "");
    expect("min(n, 4, 2)", KIGEN_T_INT, "2");
    expect("max(n, -4, -2)", KIGEN_T_INT, "-2");
    expect("max(n)", KIGEN_T_NONE, "");
    expect("join('-', s, 'a', 'b')", KIGEN_T_STRING, "a-b");
    expect_f("join('-', s, 'a', 'b')", FACTS("s=x"), KIGEN_T_STRING, "x-a-b");
    expect("join(', ', s)", KIGEN_T_NONE, ""); /* nothing present: none (issue 10, JSON null) */
    /* many arguments */
    expect("max(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)", KIGEN_T_INT, "12");
    expect("min(n, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, -1, n)", KIGEN_T_INT, "-1");
    expect("earliest(d, d2, 2020-01-09, 2020-01-08, 2020-01-07, 2020-01-06, 2020-01-05, "
           "2020-01-04, 2020-01-03, 2020-01-02, d)",
           KIGEN_T_DATE, "2020-01-02");
    expect("join('', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', s)", KIGEN_T_STRING,
           "abcdefghij");
}

/* ------------------------------------------------------------------ */
/* Error values                                                        */
/* ------------------------------------------------------------------ */

static void test_error_values(void **state)
{
    (void)state;
    expect_error("if true then fail('no such card') else 1", "no such card");
    expect_error("1 / 0", "division by zero");
    expect_error("5 % 0", "division by zero");
    expect_f("if true then 1 else 1 / 0", NULL, KIGEN_T_INT, "1"); /* branch not taken */
    expect_error("date(2023, 2, 29)", "does not exist");
    expect_error("date(2023, 13, 1)", "does not exist");
    expect_error("date(0, 1, 1)", "does not exist");
    expect_error("9999-12-31 + 1 day", "outside");
    expect_error("day_before(0001-01-01)", "outside");
    expect_error("age(2020-01-01, 2019-12-31, age_act, feb28)", "before the birth date");
    expect_error("nth_birthday(2000-01-01, 0, 2020-01-01, feb28)", "n must be from 1 to 9999");
    /* A param read before its first effective date, at run time. */
    expect_error_f("line@d", FACTS("d=2015-12-31"),
                   "param line has no value on 2015-12-31: its first effective date is 2016-01-01");
    /* Errors propagate through operators and calls. */
    expect_error("(if true then fail('boom') else 1) + 1", "boom");
    expect_error("1 + (if true then fail('boom') else 1)", "boom");
    expect_error("(if true then fail('boom') else 1) < 3", "boom");
    expect_error("day_after(if true then fail('boom') else 2020-01-01)", "boom");
    expect_error("(if true then fail('boom') else true) and false", "boom");
    expect_error("(if true then fail('boom') else 2) in [1, 2]", "boom");
    expect_error("if (if true then fail('boom') else true) then 1 else 2", "boom");
    expect_error("given(if true then fail('boom') else 1)", "boom");
    expect_error("default(if true then fail('boom') else 1, 2)", "boom");
    expect_error("earliest(2020-01-01, if true then fail('boom') else 2020-01-01)", "boom");
    expect_error("join('-', 'a', if true then fail('boom') else 'b')", "boom");
    expect_error("max(1, 2, 3, 4, 5, 6, 7, 8, 9, if true then fail('boom') else 1)", "boom");
    /* ... even when another operand is absent: an error beats absence. */
    expect_error("n + (if true then fail('boom') else 1)", "boom");
    expect_error("(if true then fail('boom') else 1) + n", "boom");
    /* Kleene logic decides without looking at the other side. */
    expect("false and (if true then fail('boom') else true)", KIGEN_T_BOOL, "false");
    expect("true or (if true then fail('boom') else true)", KIGEN_T_BOOL, "true");
}

/* "Error values ... propagate through every operation": a call must not
 * hide an error argument because an earlier argument is absent, as the
 * binary operators do not. */
static void test_error_beats_absent_in_calls(void **state)
{
    (void)state;
    expect_error("d - (if true then fail('boom') else 2020-01-01)", "boom");
    expect_error("days_between(d, if true then fail('boom') else 2020-01-01)", "boom");
}

/* An error in join's separator is an error too. */
static void test_join_separator_error(void **state)
{
    (void)state;
    expect_error("join(if true then fail('sep') else ',', 'a', 'b')", "sep");
}

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

/* A quoted value compared with an enum must be one of its values, on
 * either side of the comparison and in a list: otherwise the comparison
 * is constant (a typo nobody notices). */
static void test_enum_quoted_value_checked(void **state)
{
    (void)state;
    expect_load_error("st == 'alien'", "E0209", "'alien'");
    expect_load_error("st != 'alien'", "E0209", "'alien'");
    expect_load_error("st in ['permanent', 'alien']", "E0209", "'alien'");
    expect_load_error("'alien' == st", "E0209", "'alien'");
    expect_load_error("'alien' != st", "E0209", "'alien'");
    expect_f("'permanent' == st", FACTS("st=permanent"), KIGEN_T_BOOL, "true");
}

/* The fallback of default() has the value's type (docs/rules.md), so a
 * bare enum value is read as one, as it is in the branches of an if. */
static void test_enum_default_fallback(void **state)
{
    (void)state;
    expect("if b then st else japanese", KIGEN_T_ENUM, "japanese");
    expect("default(st, japanese)", KIGEN_T_ENUM, "japanese");
    expect_f("default(st, japanese)", FACTS("st=permanent"), KIGEN_T_ENUM, "permanent");
    expect("default(st, japanese) == japanese", KIGEN_T_BOOL, "true");
    expect_load_error("default(st, alien)", "E0209", "'alien'");
}

/* Bare enum values inside an if, in an enum argument. */
static void test_enum_in_function_argument(void **state)
{
    (void)state;
    const char *const *f = FACTS("birth_date=2004-02-29", "issue=2023-02-28");
    expect_f("nth_birthday(birth_date, 1, issue, if true then mar1 else feb28)", f, KIGEN_T_DATE,
             "2023-03-01");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal_dates),
        cmocka_unit_test(test_literal_integers),
        cmocka_unit_test(test_integer_literal_max),
        cmocka_unit_test(test_literal_strings_booleans_none),
        cmocka_unit_test(test_literal_durations),
        cmocka_unit_test(test_arithmetic_precedence),
        cmocka_unit_test(test_logic_precedence),
        cmocka_unit_test(test_typo_messages),
        cmocka_unit_test(test_if_nesting),
        cmocka_unit_test(test_param_at_date),
        cmocka_unit_test(test_calls_and_named_arguments),
        cmocka_unit_test(test_positional_after_named_is_refused),
        cmocka_unit_test(test_in_lists),
        cmocka_unit_test(test_absent_propagation),
        cmocka_unit_test(test_absent_kleene_logic),
        cmocka_unit_test(test_absent_aware_functions),
        cmocka_unit_test(test_error_values),
        cmocka_unit_test(test_error_beats_absent_in_calls),
        cmocka_unit_test(test_join_separator_error),
        cmocka_unit_test(test_overflow_is_an_error),
        cmocka_unit_test(test_duration_overflow_is_an_error),
        cmocka_unit_test(test_enum_literals),
        cmocka_unit_test(test_enum_ambiguity_e0210),
        cmocka_unit_test(test_enum_ambiguity_quoted_value_accepted),
        cmocka_unit_test(test_enum_quoted_value_checked),
        cmocka_unit_test(test_enum_default_fallback),
        cmocka_unit_test(test_enum_in_function_argument),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
