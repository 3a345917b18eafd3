/* Policy scripts end to end: functions of every type called from rule
 * expressions (checked at load like built-ins), hooks that set outputs and
 * add notes, the diagnostics a broken script gets (E0400-E0409, at the
 * script's line), run-time errors (script:line, the function's name), the
 * limits from kigen_opts, and one Lua state per context (threads). Rule
 * files and scripts: tests/data/lua/. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "kigen.h"
#include "support/support.h"
#include "lua/sandbox.h"
#include "rt/ctx.h"

static const char *src_dir(void)
{
    const char *s = getenv("KIGEN_SOURCE_DIR");
    return s && *s ? s : KIGEN_SOURCE_DIR;
}

static void data_path(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/tests/data/lua/%s", src_dir(), name);
}

static int line_of(const char *file, const char *marker)
{
    char path[1024], line[1024], tag[128];
    data_path(path, sizeof path, file);
    snprintf(tag, sizeof tag, "-- @%s", marker);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    int n = 0, found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        n++;
        if (strstr(line, tag))
            found = n;
    }
    fclose(f);
    if (!found)
        fail_msg("no marker %s in %s", tag, file);
    return found;
}

static kigen_ruleset *load(const char *name, const kigen_opts *o)
{
    char path[1024];
    kigen_ruleset *rs = NULL;
    kigen_diags *d = NULL;
    data_path(path, sizeof path, name);
    if (kigen_load_file(path, o, &rs, &d) != KIGEN_OK) {
        support_print_diags(d);
        fail_msg("cannot load %s", name);
    }
    kigen_diags_free(d);
    return rs;
}

/* Load a file that must fail, and return its diagnostics. */
static kigen_diags *load_bad(const char *name, const kigen_opts *o)
{
    char path[1024];
    kigen_ruleset *rs = NULL;
    kigen_diags *d = NULL;
    data_path(path, sizeof path, name);
    int rc = kigen_load_file(path, o, &rs, &d);
    assert_int_equal(rc, KIGEN_ELOAD);
    assert_null(rs);
    return d;
}

/* The diagnostic with this code at file:line (file matched by its end). */
static const kigen_diag *find_diag(const kigen_diags *d, const char *code, const char *file, int line)
{
    for (size_t i = 0; i < kigen_diags_count(d); i++) {
        const kigen_diag *g = kigen_diags_get(d, i);
        size_t fl = g->file ? strlen(g->file) : 0, wl = strlen(file);
        if (strcmp(g->code, code) == 0 && g->line == line && fl >= wl && strcmp(g->file + fl - wl, file) == 0)
            return g;
    }
    support_print_diags(d);
    fail_msg("no %s at %s:%d", code, file, line);
    return NULL;
}

static void assert_contains(const char *text, const char *part)
{
    if (!text || !strstr(text, part))
        fail_msg("'%s' does not contain '%s'", text ? text : "(null)", part);
}

static void get_text(kigen_ctx *c, const char *name, char *buf, size_t n)
{
    kigen_value v;
    assert_int_equal(kigen_get_by_name(c, name, &v), KIGEN_OK);
    kigen_value_format(&v, buf, n);
}

static void assert_value(kigen_ctx *c, const char *name, const char *want)
{
    char buf[512];
    get_text(c, name, buf, sizeof buf);
    if (strcmp(buf, want) != 0)
        fail_msg("%s = '%s', expected '%s'", name, buf, want);
}

typedef struct fx {
    kigen_ruleset *rs;
    kigen_ctx *c;
} fx;

static int setup_funcs(void **state)
{
    fx *f = calloc(1, sizeof *f);
    f->rs = load("funcs.yaml", NULL);
    assert_int_equal(kigen_ctx_new(f->rs, &f->c), KIGEN_OK);
    kigen_set_today(f->c, 739252); /* 2025-01-01 */
    *state = f;
    return 0;
}

static int teardown_funcs(void **state)
{
    fx *f = *state;
    kigen_ctx_free(f->c);
    kigen_ruleset_free(f->rs);
    free(f);
    return 0;
}

static int eval_with(fx *f, const char *d, const char *n, const char *mode)
{
    kigen_ctx_reset(f->c);
    assert_int_equal(kigen_set(f->c, "d", d), KIGEN_OK);
    if (n)
        assert_int_equal(kigen_set(f->c, "n", n), KIGEN_OK);
    assert_int_equal(kigen_set(f->c, "who", "kigen"), KIGEN_OK);
    if (mode)
        assert_int_equal(kigen_set(f->c, "mode", mode), KIGEN_OK);
    return kigen_eval(f->c);
}

static void test_functions_every_type(void **state)
{
    fx *f = *state;
    char iso[16];
    kigen_date today = 0;
    assert_int_equal(kigen_date_parse("2025-01-01", 10, &today, NULL, 0), KIGEN_OK);
    assert_int_equal(today, 739252);
    kigen_date_format_iso(today, iso, sizeof iso);
    if (eval_with(f, "2024-02-10", "3", NULL) != KIGEN_OK)
        fail_msg("%s", kigen_errmsg(f->c));
    assert_value(f->c, "next_wd", "2024-02-12"); /* date -> date: Saturday to Monday */
    assert_value(f->c, "twice", "6");            /* integer -> integer */
    assert_value(f->c, "even", "false");         /* integer -> boolean */
    assert_value(f->c, "hello", "hello, kigen"); /* string -> string */
    assert_value(f->c, "size", "low");           /* integer -> enum */
    assert_value(f->c, "later", "2024-02-11");   /* optional argument absent: nil */
    assert_value(f->c, "later_n", "2024-02-13"); /* optional argument given */
    assert_value(f->c, "named", "2024-02-20");   /* named arguments, as with built-ins */
    assert_value(f->c, "maybe", "2024-02-10");
    kigen_value v;
    assert_int_equal(kigen_get_by_name(f->c, "size", &v), KIGEN_OK);
    assert_int_equal(v.type, KIGEN_T_ENUM);
    assert_int_equal(eval_with(f, "2024-02-14", "8", NULL), KIGEN_OK);
    assert_value(f->c, "next_wd", "2024-02-14");
    assert_value(f->c, "even", "true");
    assert_value(f->c, "size", "high");
}

static void test_hook_outputs_and_notes(void **state)
{
    fx *f = *state;
    kigen_set_explain(f->c, 1);
    assert_int_equal(eval_with(f, "2024-02-10", "3", NULL), KIGEN_OK);
    assert_value(f->c, "label", "hello, kigen on R6.2.10");
    assert_value(f->c, "stamp", "2024-02-12"); /* hooks read outputs */
    assert_value(f->c, "flag", "true");
    /* hook outputs are outputs: in the rule set's list */
    assert_true(kigen_output_index(f->rs, "label") >= 0);
    const char *text = kigen_explain_text(f->c, NULL);
    assert_contains(text, "notes from policy scripts:");
    assert_contains(text, "twice is 6, today is 2025-01-01");
    /* the second hook ran after the first and saw its output */
    assert_contains(text, "second hook saw: hello, kigen on R6.2.10");
    assert_contains(text, "source: policy script");
    const char *json = kigen_explain_json(f->c, NULL);
    assert_contains(json, "\"notes\"");
    assert_contains(json, "twice is 6");
    /* notes belong to one record */
    assert_int_equal(eval_with(f, "2024-02-14", "4", NULL), KIGEN_OK);
    text = kigen_explain_text(f->c, NULL);
    assert_contains(text, "twice is 8");
    assert_null(strstr(text, "twice is 6"));
    assert_value(f->c, "flag", "false");
}

static void test_hook_sets_absent(void **state)
{
    fx *f = *state;
    assert_int_equal(eval_with(f, "2024-02-10", "3", "set_nil"), KIGEN_OK);
    kigen_value v;
    assert_int_equal(kigen_get_by_name(f->c, "label", &v), KIGEN_OK);
    assert_int_equal(v.type, KIGEN_T_NONE);
}

static void test_function_wrong_return_type(void **state)
{
    fx *f = *state;
    int rc = eval_with(f, "2024-02-10", "3", "wrong_return");
    assert_int_equal(rc, KIGEN_EEVAL);
    char where[256];
    /* placed at the function's definition, named, with both types */
    snprintf(where, sizeof where, "funcs.lua:%d: ", line_of("funcs.lua", "wrong_return") - 1);
    assert_contains(kigen_errmsg(f->c), "maybe: ");
    assert_contains(kigen_errmsg(f->c), where);
    assert_contains(kigen_errmsg(f->c),
                    "function wrong_date returned an integer, but it is declared to return a date 'YYYY-MM-DD'");
    assert_int_equal(eval_with(f, "2024-02-10", "3", NULL), KIGEN_OK);
}

static void test_function_runtime_error(void **state)
{
    fx *f = *state;
    assert_int_equal(eval_with(f, "2024-02-10", "3", "raise"), KIGEN_EEVAL);
    char where[256];
    snprintf(where, sizeof where, "funcs.lua:%d: in function 'raises': raised on purpose with 3",
             line_of("funcs.lua", "raise"));
    assert_contains(kigen_errmsg(f->c), "boom: ");
    assert_contains(kigen_errmsg(f->c), where);
    /* with a record number from the host, the message carries it */
    kigen_set_record(f->c, 7, NULL);
    assert_int_equal(eval_with(f, "2024-02-10", "3", "raise"), KIGEN_EEVAL);
    assert_contains(kigen_errmsg(f->c), "raised on purpose with 3 (record 7)");
    kigen_set_record(f->c, 0, NULL);
    assert_int_equal(eval_with(f, "2024-02-10", "3", NULL), KIGEN_OK);
}

static void test_function_budget(void **state)
{
    fx *f = *state;
    assert_int_equal(eval_with(f, "2024-02-10", "3", "slow_fn"), KIGEN_EEVAL);
    char where[256];
    snprintf(where, sizeof where, "funcs.lua:%d: instruction limit of 1000000 exceeded in function 'spins'",
             line_of("funcs.lua", "slow_fn"));
    assert_contains(kigen_errmsg(f->c), where);
    assert_int_equal(eval_with(f, "2024-02-10", "3", NULL), KIGEN_OK);
}

static void test_hook_set_wrong_type(void **state)
{
    fx *f = *state;
    assert_int_equal(eval_with(f, "2024-02-10", "3", "bad_set"), KIGEN_ELUA);
    char where[256];
    snprintf(where, sizeof where,
             "funcs.lua:%d: in hook 'labels': rec.set('stamp'): expected a date 'YYYY-MM-DD', got the string '2024/01/01'",
             line_of("funcs.lua", "bad_set"));
    assert_contains(kigen_errmsg(f->c), where);
    assert_int_equal(eval_with(f, "2024-02-10", "3", NULL), KIGEN_OK);
}

static void test_hook_undeclared_output(void **state)
{
    fx *f = *state;
    assert_int_equal(eval_with(f, "2024-02-10", "3", "undeclared"), KIGEN_ELUA);
    char where[256];
    snprintf(where, sizeof where,
             "funcs.lua:%d: rec.set: hook 'labels' did not declare an output 'next_wd' (it declares: flag, label, stamp)",
             line_of("funcs.lua", "undeclared"));
    assert_contains(kigen_errmsg(f->c), where);
}

static void test_failed_hook_sets_nothing(void **state)
{
    fx *f = *state;
    kigen_set_explain(f->c, 1);
    assert_int_equal(eval_with(f, "2024-02-10", "3", "late_fail"), KIGEN_ELUA);
    char where[256];
    snprintf(where, sizeof where, "funcs.lua:%d: in hook 'labels': failed after setting label", line_of("funcs.lua", "late_fail"));
    assert_contains(kigen_errmsg(f->c), where);
    /* the hook's outputs count only when it finishes */
    kigen_value v;
    assert_int_equal(kigen_get_by_name(f->c, "label", &v), KIGEN_OK);
    assert_int_equal(v.type, KIGEN_T_NONE);
    /* rule outputs are still readable */
    assert_value(f->c, "next_wd", "2024-02-12");
    assert_int_equal(eval_with(f, "2024-02-10", "3", NULL), KIGEN_OK);
    assert_value(f->c, "label", "hello, kigen on R6.2.10");
}

static void test_checker_types_script_functions(void **state)
{
    (void)state;
    kigen_diags *d = load_bad("bad_args.yaml", NULL);
    const kigen_diag *g = find_diag(d, "E0203", "bad_args.yaml", 10);
    assert_contains(g->message, "argument 'd' of next_weekday must be date, not integer");
    g = find_diag(d, "E0203", "bad_args.yaml", 11);
    assert_contains(g->message, "argument 'arg1' of double must be integer, not date");
    g = find_diag(d, "E0204", "bad_args.yaml", 12);
    assert_contains(g->message, "greet needs the argument 'arg1'");
    g = find_diag(d, "E0202", "bad_args.yaml", 13);
    assert_string_equal(g->hint, "did you mean 'next_weekday'?");
    g = find_diag(d, "E0203", "bad_args.yaml", 14); /* an integer function where a date is declared */
    assert_contains(g->message, "its value is integer");
    assert_int_equal(kigen_diags_errors(d), 5);
    kigen_diags_free(d);
}

static void test_registration_diagnostics(void **state)
{
    (void)state;
    kigen_diags *d = load_bad("load_errors.yaml", NULL);
    const kigen_diag *g = find_diag(d, "E0404", "load_errors.lua", 1);
    assert_contains(g->message, "unknown type 'int'");
    assert_string_equal(g->hint, "did you mean 'integer'?");
    assert_non_null(g->source_line);
    g = find_diag(d, "E0403", "load_errors.lua", 2);
    assert_contains(g->message, "unknown field 'retruns'");
    assert_string_equal(g->hint, "did you mean 'returns'?");
    g = find_diag(d, "E0405", "load_errors.lua", 3);
    assert_contains(g->message, "'add' is a built-in function");
    g = find_diag(d, "E0405", "load_errors.lua", 5);
    assert_contains(g->message, "function 'f3' is registered twice");
    g = find_diag(d, "E0111", "load_errors.lua", 6);
    assert_contains(g->message, "'taken' is already defined as a fact");
    g = find_diag(d, "E0403", "load_errors.lua", 7);
    assert_contains(g->message, "hook 'h2' reads 'dd'");
    assert_string_equal(g->hint, "did you mean 'd'?");
    g = find_diag(d, "E0404", "load_errors.lua", 8);
    assert_contains(g->message, "enum value 'a' is listed twice");
    g = find_diag(d, "E0403", "load_errors.lua", 9);
    assert_contains(g->message, "'fn' must be a function");
    g = find_diag(d, "E0400", "load_errors.yaml", 6); /* the missing script, at the rule file's lua: */
    assert_contains(g->message, "no_such_script.lua': No such file or directory");
    kigen_diags_free(d);
}

/* Was: a metamethod of the registration's own tables emptied them while
 * kigen held pointers to their keys (heap-use-after-free under ASan, from
 * `kigen check` alone). Now registration reads them raw: the outputs'
 * "types" are tables with no raw 'type', so each is an error, found at the
 * registration, and nothing is freed under us. */
static void test_registration_reads_tables_raw(void **state)
{
    (void)state;
    kigen_diags *d = load_bad("reg_mutate.yaml", NULL);
    size_t n = kigen_diags_count(d), e0404 = 0;
    for (size_t i = 0; i < n; i++) {
        const kigen_diag *g = kigen_diags_get(d, i);
        if (strcmp(g->code, "E0404") == 0) {
            e0404++;
            assert_non_null(strstr(g->message, "hook 'mutating', output 'long_output_name_"));
        }
    }
    assert_int_equal(e0404, 40); /* every bad output is reported (issue 17), none by a metamethod */
    kigen_diags_free(d);
}

/* Was: names and docs copied to host memory without bound (one 5 MiB doc
 * per output of every hook). */
static void test_registrations_bounded(void **state)
{
    (void)state;
    kigen_diags *d = load_bad("reg_bomb.yaml", NULL);
    const kigen_diag *g = find_diag(d, "E0403", "reg_bomb.lua", line_of("reg_bomb.lua", "big_fn_doc"));
    assert_contains(g->message, "function 'f1': 'doc' is 5242880 bytes, at most 4096");
    g = find_diag(d, "E0403", "reg_bomb.lua", line_of("reg_bomb.lua", "many_outputs"));
    assert_contains(g->message, "hook 'h2', output 'o2_");
    assert_contains(g->message, "registrations (names and docs) take more than 1048576 bytes");
    kigen_diags_free(d);
    d = load_bad("reg_many.yaml", NULL);
    g = find_diag(d, "E0403", "reg_many.lua", line_of("reg_many.lua", "many_fns"));
    assert_contains(g->message, "function 'g1025': the policy scripts register more than 1024 functions");
    kigen_diags_free(d);
}

/* Was: `lua:` read any path. A policy script is a *.lua file. */
static void test_script_must_be_lua_file(void **state)
{
    (void)state;
    kigen_diags *d = load_bad("not_lua.yaml", NULL);
    const kigen_diag *g = find_diag(d, "E0400", "not_lua.yaml", 4);
    assert_contains(g->message, "policy script '/proc/self/environ' is not named *.lua");
    kigen_diags_free(d);
}

/* Was: a link named *.lua to any file was read as a script, and a FIFO
 * named *.lua (or a module reached by require) hung the load. */
static void test_script_opens_safely(void **state)
{
    (void)state;
    char dir[] = "/tmp/kigen_lua_open_XXXXXX", p[4][256];
    assert_non_null(mkdtemp(dir));
    const char *names[] = {"secret.txt", "disguised.lua", "pipe.lua", "rules.yaml"};
    for (int i = 0; i < 4; i++)
        snprintf(p[i], sizeof p[i], "%s/%s", dir, names[i]);
    FILE *f = fopen(p[0], "w");
    assert_non_null(f);
    fputs("return 'secret'\n", f);
    fclose(f);
    assert_int_equal(symlink(p[0], p[1]), 0);
    assert_int_equal(mkfifo(p[2], 0600), 0);
    f = fopen(p[3], "w");
    assert_non_null(f);
    fputs("kigen: 1\nname: t\nlua: [disguised.lua, pipe.lua]\n", f);
    fclose(f);
    kigen_ruleset *rs = NULL;
    kigen_diags *d = NULL;
    assert_int_equal(kigen_load_file(p[3], NULL, &rs, &d), KIGEN_ELOAD);
    const kigen_diag *g = find_diag(d, "E0400", "rules.yaml", 3);
    assert_contains(g->message, "secret.txt', not a Lua file named *.lua");
    int pipes = 0;
    for (size_t i = 0; i < kigen_diags_count(d); i++)
        pipes += strstr(kigen_diags_get(d, i)->message, "pipe.lua': not a regular file") != NULL;
    assert_int_equal(pipes, 1);
    kigen_diags_free(d);
    for (int i = 3; i >= 0; i--)
        unlink(p[i]);
    rmdir(dir);
}

static void test_syntax_error_position(void **state)
{
    (void)state;
    kigen_diags *d = load_bad("syntax.yaml", NULL);
    const kigen_diag *g = find_diag(d, "E0401", "syntax.lua", 4);
    assert_contains(g->message, "'}' expected (to close '{' at line 3) near 'end'");
    assert_string_equal(g->source_line, "  fn = function(d) return d end end }");
    kigen_diags_free(d);
}

static void test_runtime_error_at_load(void **state)
{
    (void)state;
    kigen_diags *d = load_bad("runtime_load.yaml", NULL);
    const kigen_diag *g = find_diag(d, "E0402", "runtime_load.lua", 3);
    assert_contains(g->message, "attempt to index a nil value (local 't')");
    kigen_diags_free(d);
}

static void test_require_missing_module(void **state)
{
    (void)state;
    kigen_diags *d = load_bad("require_missing.yaml", NULL);
    const kigen_diag *g = find_diag(d, "E0408", "require_missing.lua", 2);
    assert_contains(g->message, "module 'ffi' not found: policy scripts can require only Lua files beside them");
    kigen_diags_free(d);
}

static void test_load_budget_from_opts(void **state)
{
    (void)state;
    kigen_opts o = KIGEN_OPTS_INIT;
    o.lua_instruction_limit = 50000;
    kigen_diags *d = load_bad("load_loop.yaml", &o);
    const kigen_diag *g = find_diag(d, "E0406", "load_loop.lua", 3);
    assert_contains(g->message, "instruction limit of 50000 exceeded in the script's top level");
    kigen_diags_free(d);
}

static void test_load_memory_from_opts(void **state)
{
    (void)state;
    kigen_opts o = KIGEN_OPTS_INIT;
    o.lua_memory_limit = (size_t)2 << 20;
    o.lua_instruction_limit = 100000000;
    kigen_diags *d = load_bad("load_memory.yaml", &o);
    const kigen_diag *g = find_diag(d, "E0407", "load_memory.lua", 1);
    assert_contains(g->message, "memory limit of 2097152 bytes exceeded");
    kigen_diags_free(d);
    /* a limit below any Lua state's needs: refused as an option (E0002) */
    o.lua_memory_limit = 1000;
    char path[1024];
    kigen_ruleset *rs = NULL;
    data_path(path, sizeof path, "funcs.yaml");
    assert_int_equal(kigen_load_file(path, &o, &rs, &d), KIGEN_EINVAL);
    assert_string_equal(kigen_diags_get(d, 0)->code, "E0002");
    assert_contains(kigen_diags_get(d, 0)->message, "lua_memory_limit is 1000 bytes");
    kigen_diags_free(d);
    /* the smallest allowed limit holds a state and a small script */
    o.lua_memory_limit = KIGEN_LUA_MIN_MEMORY;
    kigen_ruleset_free(load("funcs.yaml", &o));
}

static void test_default_limits(void **state)
{
    fx *f = *state;
    lp_state *lp = kg_ctx_ext_state(f->c);
    assert_non_null(lp);
    assert_int_equal(lp->insn_limit, 1000000);
    assert_true(lp->mem_limit == (size_t)16 << 20);
    assert_true(f->rs->opts.lua_instruction_limit == 0);
}

/* The rule set keeps the scripts' texts: contexts made after the files
 * changed or vanished run the code that was checked. */
static void test_rule_set_keeps_scripts(void **state)
{
    (void)state;
    char dir[] = "/tmp/kigen_lua_XXXXXX";
    assert_non_null(mkdtemp(dir));
    const char *files[] = {"funcs.yaml", "funcs.lua"};
    for (int i = 0; i < 2; i++) {
        char from[1024], to[1024], buf[8192];
        data_path(from, sizeof from, files[i]);
        snprintf(to, sizeof to, "%s/%s", dir, files[i]);
        FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
        assert_non_null(in);
        assert_non_null(out);
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, in)) > 0)
            fwrite(buf, 1, n, out);
        fclose(in);
        fclose(out);
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/funcs.yaml", dir);
    kigen_ruleset *rs = NULL;
    assert_int_equal(kigen_load_file(path, NULL, &rs, NULL), KIGEN_OK);
    snprintf(path, sizeof path, "%s/funcs.lua", dir);
    FILE *w = fopen(path, "w");
    fputs("error('not the checked script')\n", w);
    fclose(w);
    kigen_ctx *c = NULL;
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    assert_int_equal(kigen_set(c, "d", "2024-02-10"), KIGEN_OK);
    assert_int_equal(kigen_eval(c), KIGEN_OK);
    assert_value(c, "next_wd", "2024-02-12");
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
    unlink(path);
    snprintf(path, sizeof path, "%s/funcs.yaml", dir);
    unlink(path);
    rmdir(dir);
}

/* One state per context: threads evaluating at once share nothing. */
typedef struct job {
    kigen_ruleset *rs;
    int id, failures;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    kigen_ctx *c = NULL;
    if (kigen_ctx_new(j->rs, &c) != KIGEN_OK) {
        j->failures = -1;
        return NULL;
    }
    for (int i = 0; i < 300; i++) {
        kigen_date d;
        kigen_date_from_ymd(2024, 1, 1, &d);
        d += (j->id * 300 + i) % 365;
        kigen_ctx_reset(c);
        char n[16];
        snprintf(n, sizeof n, "%d", i);
        kigen_set_date(c, kigen_fact_index(j->rs, "d"), d);
        kigen_set(c, "n", n);
        if (kigen_eval(c) != KIGEN_OK) {
            j->failures++;
            continue;
        }
        kigen_value v;
        kigen_get_by_name(c, "twice", &v);
        if (v.type != KIGEN_T_INT || v.u.i != 2 * i)
            j->failures++;
        kigen_get_by_name(c, "stamp", &v);
        kigen_date want = d;
        while (kigen_date_weekday(want) >= 6)
            want++;
        if (v.type != KIGEN_T_DATE || v.u.date != want)
            j->failures++;
    }
    kigen_ctx_free(c);
    return NULL;
}

static void test_threads_own_states(void **state)
{
    fx *f = *state;
    pthread_t t[4];
    job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (job){f->rs, i, 0};
        assert_int_equal(pthread_create(&t[i], NULL, worker, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(jobs[i].failures, 0);
    }
}

/* Found by review: a call whose argument is a constant error after one
 * computed at run time (add3(i, fail(..), tick(1))) still ran the later
 * arguments in the compiled program, calling the script where the walker
 * (which stops at the first error argument) does not: a script's state
 * and its per-record budget saw extra calls. zz counts the calls of tick:
 * one per record (its own), whatever the engine. */
static void test_no_call_after_an_error_argument(void **state)
{
    (void)state;
    kigen_ruleset *rs = load("calls_counted.yaml", NULL);
    kigen_ctx *c = NULL;
    /* the compiled program alone, even when the suite runs under
     * KIGEN_EVAL=check (which calls the script once per engine it runs) */
    char *was = getenv("KIGEN_EVAL") ? strdup(getenv("KIGEN_EVAL")) : NULL;
    setenv("KIGEN_EVAL", "program", 1);
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    if (was)
        setenv("KIGEN_EVAL", was, 1);
    else
        unsetenv("KIGEN_EVAL");
    free(was);
    for (int rec = 1; rec <= 3; rec++) {
        kigen_value v;
        assert_int_equal(kigen_set(c, "i", "1"), KIGEN_OK);
        assert_int_equal(kigen_eval(c), KIGEN_OK);
        assert_int_equal(kigen_get_by_name(c, "zz", &v), KIGEN_OK);
        assert_int_equal(v.type, KIGEN_T_INT);
        assert_int_equal(v.u.i, rec);
        assert_int_equal(kigen_get_by_name(c, "r", &v), KIGEN_OK);
        assert_int_equal(v.type, KIGEN_T_ERROR);
    }
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_functions_every_type, setup_funcs, teardown_funcs),
        cmocka_unit_test_setup_teardown(test_hook_outputs_and_notes, setup_funcs, teardown_funcs),
        cmocka_unit_test_setup_teardown(test_hook_sets_absent, setup_funcs, teardown_funcs),
        cmocka_unit_test_setup_teardown(test_function_wrong_return_type, setup_funcs, teardown_funcs),
        cmocka_unit_test_setup_teardown(test_function_runtime_error, setup_funcs, teardown_funcs),
        cmocka_unit_test_setup_teardown(test_function_budget, setup_funcs, teardown_funcs),
        cmocka_unit_test_setup_teardown(test_hook_set_wrong_type, setup_funcs, teardown_funcs),
        cmocka_unit_test_setup_teardown(test_hook_undeclared_output, setup_funcs, teardown_funcs),
        cmocka_unit_test_setup_teardown(test_failed_hook_sets_nothing, setup_funcs, teardown_funcs),
        cmocka_unit_test(test_checker_types_script_functions),
        cmocka_unit_test(test_registration_diagnostics),
        cmocka_unit_test(test_registration_reads_tables_raw),
        cmocka_unit_test(test_registrations_bounded),
        cmocka_unit_test(test_script_opens_safely),
        cmocka_unit_test(test_script_must_be_lua_file),
        cmocka_unit_test(test_syntax_error_position),
        cmocka_unit_test(test_runtime_error_at_load),
        cmocka_unit_test(test_require_missing_module),
        cmocka_unit_test(test_load_budget_from_opts),
        cmocka_unit_test(test_load_memory_from_opts),
        cmocka_unit_test_setup_teardown(test_default_limits, setup_funcs, teardown_funcs),
        cmocka_unit_test(test_rule_set_keeps_scripts),
        cmocka_unit_test(test_no_call_after_an_error_argument),
        cmocka_unit_test_setup_teardown(test_threads_own_states, setup_funcs, teardown_funcs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
