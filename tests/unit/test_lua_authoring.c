/* Writing policy scripts (issue 17), through the public API: the notes of
 * a record (kigen_note), the script's own traceback (kigen_lua_traceback),
 * print through kigen_opts.lua_print (and its absence, which says to use
 * rec.note), module stand-ins (kigen_opts.lua_stubs, copied at load), the
 * record's number and id in rec, and coverage (kigen_coverage_*): the cases
 * taken, the lines with code read from the compiled chunk (a function's
 * final return alone on a line is not one), and the lines that ran.
 * Files: tests/data/authoring/ (policy.lua's line numbers are quoted). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kigen.h"

static const char *src_dir(void)
{
    const char *s = getenv("KIGEN_SOURCE_DIR");
    return s && *s ? s : KIGEN_SOURCE_DIR;
}

static kigen_ruleset *load(const kigen_opts *o)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/authoring/policy.yaml", src_dir());
    kigen_ruleset *rs = NULL;
    kigen_diags *d = NULL;
    int rc = kigen_load_file(path, o, &rs, &d);
    for (size_t i = 0; rc != KIGEN_OK && i < kigen_diags_count(d); i++)
        print_error("%s\n", kigen_diags_get(d, i)->message);
    kigen_diags_free(d);
    assert_int_equal(rc, KIGEN_OK);
    return rs;
}

static int eval(kigen_ctx *c, const char *d, const char *who)
{
    kigen_ctx_reset(c);
    assert_int_equal(kigen_set(c, "d", d), KIGEN_OK);
    if (who)
        assert_int_equal(kigen_set(c, "who", who), KIGEN_OK);
    return kigen_eval(c);
}

static void text_of(kigen_ctx *c, const char *name, char *buf, size_t n)
{
    kigen_value v;
    buf[0] = '\0';
    if (kigen_get_by_name(c, name, &v) == KIGEN_OK)
        kigen_value_format(&v, buf, n);
}

static void test_notes(void **state)
{
    (void)state;
    kigen_ruleset *rs = load(NULL);
    kigen_ctx *c = NULL;
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    assert_int_equal(kigen_note_count(c), 0); /* nothing evaluated yet */
    assert_int_equal(eval(c, "2024-01-06", NULL), KIGEN_OK);
    assert_int_equal(kigen_note_count(c), 1);
    assert_string_equal(kigen_note(c, 0), "no name given");
    assert_null(kigen_note(c, 1));
    assert_null(kigen_note(c, -1));
    assert_int_equal(eval(c, "2024-01-06", "花子"), KIGEN_OK);
    assert_int_equal(kigen_note_count(c), 0); /* the next record's own */
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
}

static void test_record_in_rec(void **state)
{
    (void)state;
    kigen_ruleset *rs = load(NULL);
    kigen_ctx *c = NULL;
    char buf[200];
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    assert_int_equal(eval(c, "2024-01-06", "x"), KIGEN_OK);
    text_of(c, "stamp", buf, sizeof buf);
    assert_string_equal(buf, "2024-01-08 #nil"); /* no record set: rec.record is nil */
    kigen_set_record(c, 3, "A3");
    assert_int_equal(eval(c, "2024-01-06", "x"), KIGEN_OK);
    text_of(c, "stamp", buf, sizeof buf);
    assert_string_equal(buf, "2024-01-08 #3");
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
}

static void test_traceback(void **state)
{
    (void)state;
    kigen_ruleset *rs = load(NULL);
    kigen_ctx *c = NULL;
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    kigen_set_record(c, 7, "C7");
    assert_int_equal(eval(c, "2024-01-02", "boom"), KIGEN_ELUA);
    /* the hook is named once, the record and its id once */
    const char *m = kigen_errmsg(c);
    assert_non_null(strstr(m, "policy.lua:5: in hook 'letters': no office on 2024-12-31 (record 7, id C7)"));
    assert_null(strstr(strstr(m, "in hook") + 1, "in hook"));
    const char *tb = kigen_lua_traceback(c);
    assert_non_null(tb);
    /* innermost first, the script's frames only */
    const char *a = strstr(tb, "policy.lua:5: in local function 'check'");
    const char *b = strstr(tb, "policy.lua:30: in hook 'letters'");
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a < b);
    assert_null(strstr(tb, "[C]"));
    assert_null(strstr(tb, "error"));
    /* a function: the local functions it went through */
    assert_int_equal(eval(c, "2024-12-31", "x"), KIGEN_EEVAL);
    tb = kigen_lua_traceback(c);
    assert_non_null(tb);
    a = strstr(tb, "policy.lua:5: in local function 'check'");
    b = strstr(tb, "policy.lua:12: in local function 'next_open'");
    const char *d = strstr(tb, "policy.lua:18: in function 'next_open'");
    assert_true(a && b && d && a < b && b < d);
    /* a record that succeeds has none */
    assert_int_equal(eval(c, "2024-01-02", "x"), KIGEN_OK);
    assert_null(kigen_lua_traceback(c));
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
}

static char printed[1024];
static int nprinted;
static void on_print(void *ud, const char *text)
{
    assert_ptr_equal(ud, printed);
    snprintf(printed, sizeof printed, "%s", text);
    nprinted++;
}

static void test_print(void **state)
{
    (void)state;
    /* without a callback: an error that says what to use instead */
    kigen_ruleset *rs = load(NULL);
    kigen_ctx *c = NULL;
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    assert_int_equal(eval(c, "2024-01-06", "debug"), KIGEN_ELUA);
    assert_non_null(
        strstr(kigen_errmsg(c), "print is not available in policy scripts: add a note with rec.note(text)"));
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
    /* with one: a line with where, which hook and record */
    kigen_opts o = KIGEN_OPTS_INIT;
    o.lua_print = on_print;
    o.lua_print_ud = printed;
    rs = load(&o);
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    kigen_set_record(c, 5, "X9");
    nprinted = 0;
    assert_int_equal(eval(c, "2024-01-06", "debug"), KIGEN_OK);
    assert_int_equal(nprinted, 1);
    const char *at = strstr(printed, "policy.lua:27 (hook 'letters', record 5, id X9): who  debug  5  X9");
    assert_non_null(at);
    assert_string_equal(at, "policy.lua:27 (hook 'letters', record 5, id X9): who  debug  5  X9");
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
}

static void test_stubs(void **state)
{
    (void)state;
    char buf[64];
    /* the stand-in closes 2024-01-03 (a Wednesday) */
    kigen_ruleset *rs = load(NULL);
    kigen_ctx *c = NULL;
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    assert_int_equal(eval(c, "2024-01-03", "x"), KIGEN_OK);
    text_of(c, "next", buf, sizeof buf);
    assert_string_equal(buf, "2024-01-03");
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);

    char *name = strdup("days"), *file = malloc(1024);
    assert_non_null(name);
    assert_non_null(file);
    snprintf(file, 1024, "%s/tests/data/authoring/days_stub.lua", src_dir());
    const char *stubs[] = {name, file, NULL};
    kigen_opts o = KIGEN_OPTS_INIT;
    o.lua_stubs = stubs;
    rs = load(&o);
    /* the rule set keeps its own copy: the caller's strings may go */
    memset(name, 'x', strlen(name));
    memset(file, 'x', 1023);
    free(name);
    free(file);
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    assert_int_equal(eval(c, "2024-01-03", "x"), KIGEN_OK);
    text_of(c, "next", buf, sizeof buf);
    assert_string_equal(buf, "2024-01-04");
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
}

/* "[line,hits]" in the coverage JSON of policy.lua, or NULL */
static const char *line_entry(const char *json, int line, char *buf, size_t n)
{
    const char *f = strstr(json, "authoring/policy.lua\"");
    assert_non_null(f);
    snprintf(buf, n, "[%d,", line);
    const char *e = strstr(f, buf);
    const char *end = strchr(f, '}');
    return e && e < end ? e : NULL;
}

static void test_coverage(void **state)
{
    (void)state;
    kigen_ruleset *rs = load(NULL);
    kigen_ruleset *other = load(NULL);
    kigen_coverage *cov = kigen_coverage_new(rs);
    assert_non_null(cov);
    kigen_ctx *c = NULL;
    assert_int_equal(kigen_ctx_new(other, &c), KIGEN_OK);
    assert_int_equal(kigen_set_coverage(c, cov), KIGEN_EMISUSE); /* another rule set's */
    assert_non_null(strstr(kigen_errmsg(c), "another rule set"));
    kigen_ctx_free(c);
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    assert_int_equal(kigen_set_coverage(c, cov), KIGEN_OK);
    assert_int_equal(eval(c, "2024-01-06", NULL), KIGEN_OK);
    assert_int_equal(eval(c, "2024-01-06", "花子"), KIGEN_OK);
    const char *j = kigen_coverage_json(cov);
    assert_non_null(j);
    /* era_part: case 2 (otherwise) taken twice, case 1 never */
    assert_non_null(strstr(j, "\"rule\":\"era_part\",\"case\":1,\"of\":2,\"when\":\"d < date(2019, 5, 1)\""));
    const char *c1 = strstr(j, "\"rule\":\"era_part\",\"case\":1");
    const char *c2 = strstr(j, "\"rule\":\"era_part\",\"case\":2");
    assert_non_null(strstr(c1, "\"hits\":0}"));
    assert_true(strstr(c1, "\"hits\":0}") < c2);
    assert_non_null(strstr(c2, "\"hits\":2}"));
    assert_non_null(strstr(j, "\"total\":2,\"reached\":1"));
    char buf[32];
    /* lines with code: the top level (1), function bodies, a function's
     * 'end' (8: the top level makes the closure there); not blank lines, an
     * if's 'end' (6), nor the chunk's closing return, which never runs a
     * line of its own (39: only that return is on it) */
    assert_non_null(line_entry(j, 1, buf, sizeof buf));
    assert_non_null(line_entry(j, 8, buf, sizeof buf));
    assert_null(line_entry(j, 2, buf, sizeof buf));
    assert_null(line_entry(j, 6, buf, sizeof buf));
    assert_null(line_entry(j, 39, buf, sizeof buf));
    /* ran: the loop (11), the note (35, once), the greeting (33, once);
     * not: the error (5), the print (27), the call of check from the hook (30) */
    assert_non_null(strstr(j, "[11,"));
    assert_non_null(strstr(j, "[35,1]"));
    assert_non_null(strstr(j, "[33,1]"));
    assert_non_null(strstr(j, "[5,0]"));
    assert_non_null(strstr(j, "[27,0]"));
    assert_non_null(strstr(j, "[30,0]"));
    /* the module required: its own file */
    assert_non_null(strstr(j, "authoring/days.lua\""));
    /* the top level ran when the context restarted under coverage */
    assert_null(strstr(j, "[1,0]"));
    kigen_ctx_free(c);
    kigen_coverage_free(cov);
    kigen_ruleset_free(other);
    kigen_ruleset_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_notes), cmocka_unit_test(test_record_in_rec), cmocka_unit_test(test_traceback),
        cmocka_unit_test(test_print), cmocka_unit_test(test_stubs),         cmocka_unit_test(test_coverage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
