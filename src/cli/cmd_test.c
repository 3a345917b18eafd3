/* kigen test: run the test cases that sit beside a rule pack.
 *
 * A test file (YAML):
 *   kigen-test: 1
 *   rules: mynumber.yaml          # relative to the test file
 *   today: 2026-01-01             # optional: what today() returns
 *   modules: {holidays_jp: no_holidays.lua}   # optional: policy-script modules
 *                                 # `require` loads from these files instead
 *   cases:
 *     - name: an adult's card issued on the birthday
 *       source: SPEC.md D1        # where the expectation comes from (required)
 *       facts: {birth_date: 2000-06-15, card_issue_date: 2022-06-15}
 *       params: {feb29_birthday: mar1}   # optional overrides
 *       expect: {card_expiry: 2032-06-15, sign_cert_expiry: null}
 *       expect_error: text        # instead of expect: the record must fail so
 *       expect_notes: [text, ...] # the notes policy hooks added, in order (each
 *                                 # contains its text); [] expects none
 *       today: 2026-04-01         # optional: this case's today() (wins over the file's)
 *
 * A case that cannot run as written (an unknown key, an unknown output, a
 * fact that does not parse) is malformed: it counts as failed in the summary
 * line, and the exit status is 2. So does every case of a file whose rules
 * do not load: a summary of "0 failed" is never printed for cases not run.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/common.h"
#include "base/diag.h"
#include "base/file.h"
#include "base/mem.h"
#include "base/text.h"
#include "base/yaml.h"

static const char test_help[] =
    "usage: kigen test [--param NAME=VALUE]... [--case NAME]... [--verbose] [--coverage]\n"
    "                  [--debug-lua] TESTS.yaml...\n"
    "\n"
    "Run rule test cases: each gives facts (and param overrides) and the expected\n"
    "outputs, with the source the expectation comes from. For each failure, the\n"
    "case, the expected and actual values and the explain trace of the differing\n"
    "output are printed. The last line is 'N passed, N failed' (a malformed case,\n"
    "or one not run because its rules do not load, counts as failed).\n"
    "\n"
    "  --param NAME=VALUE   override a param in every case (a case's params win)\n"
    "  --case NAME          run only the cases of this name, or else the cases\n"
    "                       whose name contains it (repeat for more; a name that\n"
    "                       chooses no case is an error, with did-you-mean)\n"
    "  --verbose            print every case, not only failures\n"
    "  --coverage           after the results, which rule cases and which lines of\n"
    "                       policy scripts the cases reached, and what they did not\n"
    "  --debug-lua          policy scripts' print() writes to stderr\n"
    "\n"
    "Exit status: 0 all passed, 1 a case failed, 2 the test file or rules are broken.\n";

typedef struct tstate {
    int passed, failed, malformed, not_run;
    const char *const *only; /* --case names, or NULL */
    int nonly;
    bool *only_hit;
    char **closest; /* per --case name not found: the closest case name seen, or NULL */
    bool verbose, broken;
    bool case_bad; /* the case being run is malformed */
    const cli_kv *params;
    int nparams;
    bool coverage;
    kigen_coverage *cov; /* the file being run's, under --coverage */
    json_t *cases_seen;  /* --coverage, over every file: "file:line rule #k" -> case */
    json_t *lines_seen;  /* script -> {"line": hits} */
    json_t *own_rules;   /* the rule files test files name (their cases are listed) */
} tstate;

__attribute__((format(printf, 3, 4))) static void terr(tstate *t, const kg_ynode *n, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cli_line("%s:%d:%d: error: %s", n->file->name, n->line, n->col, msg);
    t->broken = true;
    t->case_bad = true;
}

static bool check_keys(tstate *t, const kg_ynode *map, const char *const *keys, size_t n)
{
    bool ok = true;
    for (size_t i = 0; i < map->n; i++) {
        bool found = false;
        for (size_t k = 0; k < n; k++)
            found |= strcmp(map->items[i]->text, keys[k]) == 0;
        if (!found) {
            const char *close = kg_closest(map->items[i]->text, keys, n);
            cli_line("%s:%d:%d: error: unknown key '%s'%s%s%s", map->items[i]->file->name,
                     map->items[i]->line, map->items[i]->col, map->items[i]->text,
                     close ? " (did you mean '" : "", close ? close : "", close ? "'?)" : "");
            t->broken = true;
            ok = false;
        }
    }
    return ok;
}

static bool is_null_node(const kg_ynode *v)
{
    return v->kind == KG_Y_SCALAR && v->style == KG_YS_PLAIN &&
           (v->len == 0 || strcmp(v->text, "null") == 0 || strcmp(v->text, "~") == 0);
}

static void run_case_body(tstate *t, kigen_ruleset *rs, const kg_ynode *cs, kigen_date today, int index)
{
    static const char *const keys[] = {"name",         "source",       "facts", "params", "expect",
                                       "expect_error", "expect_notes", "note",  "today"};
    if (cs->kind != KG_Y_MAP) {
        terr(t, cs, "a case must be a mapping");
        return;
    }
    if (!check_keys(t, cs, keys, sizeof keys / sizeof keys[0]))
        return;
    const kg_ynode *name = kg_ymap_get(cs, "name"), *src = kg_ymap_get(cs, "source"),
                   *facts = kg_ymap_get(cs, "facts"), *params = kg_ymap_get(cs, "params"),
                   *expect = kg_ymap_get(cs, "expect"), *experr = kg_ymap_get(cs, "expect_error"),
                   *expnotes = kg_ymap_get(cs, "expect_notes");
    char label[300];
    snprintf(label, sizeof label, "%s", name && name->kind == KG_Y_SCALAR ? name->text : "");
    if (!name || !src) {
        terr(t, cs, "case %s needs a 'name' and a 'source' (where the expectation comes from)", label);
        return;
    }
    if (!expect && !experr && !expnotes) {
        terr(t, cs, "case '%s' has none of 'expect', 'expect_error' and 'expect_notes'", label);
        return;
    }
    if (expnotes && expnotes->kind != KG_Y_SEQ) {
        terr(t, expnotes, "case '%s': expect_notes is a list of texts ([] for no notes)", label);
        return;
    }
    for (size_t i = 0; expnotes && i < expnotes->n; i++)
        if (expnotes->items[i]->kind != KG_Y_SCALAR || is_null_node(expnotes->items[i]) ||
            expnotes->items[i]->len == 0) {
            terr(t, expnotes->items[i], "case '%s': each expected note is a text (not empty, not null)",
                 label);
            return;
        }
    if (experr && (experr->len == 0 || is_null_node(experr))) {
        terr(t, experr,
             "case '%s': expect_error needs a part of the message (an empty one matches any error)", label);
        return;
    }
    if ((facts && facts->kind != KG_Y_MAP) || (params && params->kind != KG_Y_MAP) ||
        (expect && expect->kind != KG_Y_MAP) || (experr && experr->kind != KG_Y_SCALAR)) {
        terr(t, cs, "case '%s': facts, params and expect are mappings; expect_error is a text", label);
        return;
    }
    const kg_ynode *ctoday = kg_ymap_get(cs, "today");
    if (ctoday) {
        char err[200];
        if (ctoday->kind != KG_Y_SCALAR ||
            kigen_date_parse(ctoday->text, ctoday->len, &today, err, sizeof err) != KIGEN_OK) {
            terr(t, ctoday, "case '%s': today: %s", label, ctoday->kind == KG_Y_SCALAR ? err : "a date");
            return;
        }
    }
    kigen_ctx *c = NULL;
    if (kigen_ctx_new(rs, &c) != KIGEN_OK) {
        terr(t, cs, "cannot create a context: %s", c ? kigen_errmsg(c) : "out of memory");
        kigen_ctx_free(c);
        return;
    }
    kigen_set_explain(c, 1);
    if (t->cov && kigen_set_coverage(c, t->cov) != KIGEN_OK) {
        terr(t, cs, "cannot collect coverage: %s", kigen_errmsg(c));
        kigen_ctx_free(c);
        return;
    }
    if (today)
        kigen_set_today(c, today);
    char why[2000] = "";
    size_t wl = 0;
    for (int i = 0; i < t->nparams; i++)
        if (kigen_set_param(c, t->params[i].name, t->params[i].value) != KIGEN_OK) {
            cli_warn("test", "--param: %s", kigen_errmsg(c));
            t->broken = true;
        }
    for (size_t i = 0; params && i < params->n; i++) {
        const kg_ynode *v = params->vals[i];
        if (v->kind != KG_Y_SCALAR || kigen_set_param(c, params->items[i]->text, v->text) != KIGEN_OK) {
            /* a case may expect exactly this: a reading the param refuses */
            if (experr && v->kind == KG_Y_SCALAR && strstr(kigen_errmsg(c), experr->text)) {
                t->passed++;
                kigen_ctx_free(c);
                return;
            }
            cli_line("%s:%d:%d: error: %s", v->file->name, v->line, v->col, kigen_errmsg(c));
            t->broken = true;
            kigen_ctx_free(c);
            return;
        }
    }
    for (size_t i = 0; facts && i < facts->n; i++) {
        const kg_ynode *v = facts->vals[i];
        if (v->kind != KG_Y_SCALAR ||
            (!is_null_node(v) && kigen_set(c, facts->items[i]->text, v->text) != KIGEN_OK)) {
            /* a case may expect exactly this: a value the rules refuse */
            if (experr && v->kind == KG_Y_SCALAR && kigen_fact_index(rs, facts->items[i]->text) >= 0 &&
                strstr(kigen_errmsg(c), experr->text)) {
                t->passed++;
                kigen_ctx_free(c);
                return;
            }
            cli_line("%s:%d:%d: error: %s", v->file->name, v->line, v->col,
                     v->kind != KG_Y_SCALAR ? "a fact's value must be a single value" : kigen_errmsg(c));
            t->broken = true;
            kigen_ctx_free(c);
            return;
        }
    }
    int rc = kigen_eval(c);
    bool ok = true;
    const char *bad_output = NULL;
    if (experr) {
        if (rc == KIGEN_OK) {
            ok = false;
            wl += (size_t)snprintf(why + wl, sizeof why - wl,
                                   "  expected an error containing '%s', but the record evaluated\n",
                                   experr->text);
        } else if (!strstr(kigen_errmsg(c), experr->text)) {
            ok = false;
            wl +=
                (size_t)snprintf(why + wl, sizeof why - wl, "  expected an error containing '%s', got: %s\n",
                                 experr->text, kigen_errmsg(c));
        }
    } else if (rc != KIGEN_OK) {
        ok = false;
        wl += (size_t)snprintf(why + wl, sizeof why - wl, "  the record failed: %s\n", kigen_errmsg(c));
    }
    if (expnotes && wl < sizeof why) {
        int nn = kigen_note_count(c);
        bool same = (size_t)nn == expnotes->n;
        for (int i = 0; same && i < nn; i++)
            same = strstr(kigen_note(c, i), expnotes->items[i]->text) != NULL;
        if (!same) {
            ok = false;
            wl += (size_t)snprintf(why + wl, sizeof why - wl, "  notes: %s (expected %zu, got %d)\n",
                                   (size_t)nn == expnotes->n ? "a note differs" : "not as many as expected",
                                   expnotes->n, nn);
            for (size_t i = 0; i < expnotes->n && wl < sizeof why; i++)
                wl += (size_t)snprintf(why + wl, sizeof why - wl, "    expected: ...%s...\n",
                                       expnotes->items[i]->text);
            for (int i = 0; i < nn && wl < sizeof why; i++)
                wl += (size_t)snprintf(why + wl, sizeof why - wl, "    got:      %s\n", kigen_note(c, i));
        }
        if (wl >= sizeof why)
            wl = sizeof why - 1;
    }
    for (size_t i = 0; expect && i < expect->n; i++) {
        const char *oname = expect->items[i]->text;
        const kg_ynode *v = expect->vals[i];
        kigen_value val;
        if (kigen_get_by_name(c, oname, &val) != KIGEN_OK) {
            const char *names[1024];
            size_t nn = 0;
            for (int k = 0; k < kigen_output_count(rs) && nn < 1024; k++)
                names[nn++] = kigen_output_name(rs, k);
            for (int k = 0; k < kigen_fact_count(rs) && nn < 1024; k++)
                names[nn++] = kigen_fact_name(rs, k);
            const char *close = kg_closest(oname, names, nn);
            terr(t, expect->items[i], "expect: no output, rule or fact named '%s'%s%s%s", oname,
                 close ? " (did you mean '" : "", close ? close : "", close ? "'?)" : "");
            kigen_ctx_free(c);
            return;
        }
        char actual[1024], want[1024];
        if (val.type == KIGEN_T_ERROR)
            snprintf(actual, sizeof actual, "error: %.*s", (int)val.u.str.len, val.u.str.ptr);
        else
            kigen_value_format(&val, actual, sizeof actual);
        if (v->kind != KG_Y_SCALAR) {
            terr(t, v, "the expected value of '%s' must be a single value", oname);
            kigen_ctx_free(c);
            return;
        }
        snprintf(want, sizeof want, "%s", is_null_node(v) ? "" : v->text);
        if (val.type == KIGEN_T_DATE && want[0]) {
            kigen_date d;
            char err[200];
            if (kigen_date_parse(want, (size_t)-1, &d, err, sizeof err) != KIGEN_OK) {
                terr(t, v, "%s", err);
                kigen_ctx_free(c);
                return;
            }
            kigen_date_format_iso(d, want, sizeof want);
        }
        if (strcmp(want, actual) != 0) {
            ok = false;
            if (!bad_output)
                bad_output = oname;
            wl += (size_t)snprintf(why + wl, sizeof why - wl, "  %s: expected %s, got %s\n", oname,
                                   want[0] ? want : "(none)", actual[0] ? actual : "(none)");
            if (wl >= sizeof why)
                wl = sizeof why - 1;
        }
    }
    if (ok) {
        t->passed++;
        if (t->verbose)
            printf("ok   %s:%d  %s\n", cs->file->name, cs->line, label);
    } else {
        t->failed++;
        printf("FAIL %s:%d  case %d: %s\n  source: %s\n%s", cs->file->name, cs->line, index, label, src->text,
               why);
        if (rc != KIGEN_OK && !experr)
            printf("  error: %s\n", kigen_errmsg(c));
        const char *tb = kigen_lua_traceback(c);
        if (tb && rc != KIGEN_OK) {
            printf("  traceback (the script's frames, innermost first):\n");
            for (const char *p = tb; *p;) {
                const char *e = strchr(p, '\n');
                size_t n = e ? (size_t)(e - p) : strlen(p);
                printf("    %.*s\n", (int)n, p);
                p += n + (e ? 1 : 0);
            }
        }
        if (bad_output) {
            const char *tr = kigen_explain_text(c, bad_output);
            if (tr) {
                printf("  explain %s:\n", bad_output);
                for (const char *p = tr; *p;) {
                    const char *e = strchr(p, '\n');
                    size_t n = e ? (size_t)(e - p) : strlen(p);
                    printf("    %.*s\n", (int)n, p);
                    p += n + (e ? 1 : 0);
                }
            }
        }
    }
    kigen_ctx_free(c);
}

/* The case's name, or "". */
static const char *case_name(const kg_ynode *cs)
{
    const kg_ynode *n = cs->kind == KG_Y_MAP ? kg_ymap_get(cs, "name") : NULL;
    return n && n->kind == KG_Y_SCALAR ? n->text : "";
}

/* Is the case chosen by --case (every case, without it)? A --case TEXT
 * chooses the cases named TEXT, or when the file has none of that name,
 * every case whose name contains it ("Nerima 例1"). */
static bool chosen(tstate *t, const kg_ynode *cases, const kg_ynode *cs)
{
    if (!t->only)
        return true;
    for (int i = 0; i < t->nonly; i++) {
        bool exact = false;
        for (size_t k = 0; k < cases->n && !exact; k++)
            exact = strcmp(case_name(cases->items[k]), t->only[i]) == 0;
        if (exact ? strcmp(case_name(cs), t->only[i]) == 0 : strstr(case_name(cs), t->only[i]) != NULL) {
            t->only_hit[i] = true;
            return true;
        }
    }
    return false;
}

/* For each --case name not found yet: the closest case name of this file,
 * kept for the message. */
static void note_closest(tstate *t, const kg_ynode *cases)
{
    const char *names[4096];
    size_t n = 0;
    for (size_t i = 0; i < cases->n && n < 4096; i++)
        names[n++] = case_name(cases->items[i]);
    for (int i = 0; i < t->nonly; i++)
        if (!t->only_hit[i] && !t->closest[i]) {
            const char *c = kg_closest(t->only[i], names, n);
            if (c)
                t->closest[i] = strdup(c);
        }
}

/* One case; a malformed one counts as failed (and makes the run broken). */
static void run_case(tstate *t, kigen_ruleset *rs, const kg_ynode *cs, kigen_date today, int index)
{
    bool was = t->broken;
    t->broken = false;
    run_case_body(t, rs, cs, today, index);
    if (t->broken) {
        t->failed++;
        t->malformed++;
        printf(
            "FAIL %s:%d  case %d: %s\n  malformed: the case cannot run as written (see the errors above)\n",
            cs->file->name, cs->line, index, case_name(cs));
    }
    t->broken |= was;
}

/* ---- --coverage ---------------------------------------------------------- */

/* The working directory as the shell names it ($PWD, when it is this
 * directory: a scratch directory reached through a link keeps its name),
 * else getcwd's. false when unknown. */
static bool logical_cwd(char *buf, size_t n)
{
    const char *pwd = getenv("PWD");
    struct stat a, b;
    if (pwd && pwd[0] == '/' && strlen(pwd) < n && stat(pwd, &a) == 0 && stat(".", &b) == 0 &&
        a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
        snprintf(buf, n, "%s", pwd);
        return true;
    }
    return getcwd(buf, n) != NULL;
}

/* The name a file has in the report: one per file however a test file
 * reached it (relative, absolute, through ..): its path relative to the
 * working directory, worked out lexically (links are kept: the page shows
 * rules/ when rules/ is a link). */
static void cov_name(const char *in, char *out, size_t n)
{
    char cwd[PATH_MAX], abs[PATH_MAX + 4096], t[PATH_MAX + 4096 + 2], c[PATH_MAX + 8];
    if (!logical_cwd(cwd, sizeof cwd)) {
        kg_path_normalise(out, n, in);
        return;
    }
    if (in[0] == '/')
        snprintf(abs, sizeof abs, "%s", in);
    else
        snprintf(abs, sizeof abs, "%s/%s", cwd, in);
    kg_path_normalise(t, sizeof t, abs);
    kg_path_normalise(c, sizeof c, cwd);
    /* the components both share, then one ".." per component of the
     * working directory left */
    size_t k = 0, last = 0;
    while (t[k] && c[k] && t[k] == c[k]) {
        if (t[k] == '/')
            last = k;
        k++;
    }
    if (!c[k] && (t[k] == '/' || !t[k]))
        last = k; /* the working directory is a prefix of the file's path */
    if (strcmp(c, "/") == 0)
        last = 0;
    size_t o = 0;
    out[0] = '\0';
    for (const char *p = c + last; *p && o + 4 < n; p++)
        if (*p == '/' && p[1])
            o += (size_t)snprintf(out + o, n - o, "../");
    snprintf(out + o, n - o, "%s", t[last] == '/' ? t + last + 1 : t + last);
}

/* Add one file's coverage (kigen_coverage_json) to what the run has seen:
 * several test files may test the same rules and scripts. */
static void merge_coverage(tstate *t, const char *text)
{
    json_t *o = text ? json_loads(text, 0, NULL) : NULL;
    if (!o) {
        cli_warn("test", "--coverage: out of memory");
        t->broken = true;
        return;
    }
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(json_object_get(o, "cases"), "rules"), i, v)
    {
        char key[4400], file[4096];
        cov_name(json_string_value(json_object_get(v, "file")), file, sizeof file);
        json_object_set_new(v, "file", json_string(file));
        snprintf(key, sizeof key, "%s:%09d %s #%03d", file,
                 (int)json_integer_value(json_object_get(v, "line")),
                 json_string_value(json_object_get(v, "rule")),
                 (int)json_integer_value(json_object_get(v, "case")));
        json_t *old = json_object_get(t->cases_seen, key);
        if (old)
            json_object_set_new(old, "hits",
                                json_integer(json_integer_value(json_object_get(old, "hits")) +
                                             json_integer_value(json_object_get(v, "hits"))));
        else
            json_object_set(t->cases_seen, key, v);
    }
    json_array_foreach(json_object_get(o, "lua"), i, v)
    {
        char file[4096];
        cov_name(json_string_value(json_object_get(v, "file")), file, sizeof file);
        json_t *lines = json_object_get(t->lines_seen, file);
        if (!lines) {
            lines = json_object();
            json_object_set_new(t->lines_seen, file, lines);
        }
        size_t k;
        json_t *h;
        json_array_foreach(json_object_get(v, "hits"), k, h)
        {
            char ln[16];
            snprintf(ln, sizeof ln, "%09d", (int)json_integer_value(json_array_get(h, 0)));
            json_int_t n = json_integer_value(json_array_get(h, 1));
            json_t *old = json_object_get(lines, ln);
            json_object_set_new(lines, ln, json_integer(n + (old ? json_integer_value(old) : 0)));
        }
    }
    json_decref(o);
}

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of a JSON object, sorted (the zero-padded numbers in them sort
 * as numbers). Caller frees the array. */
static const char **sorted_keys(json_t *obj, size_t *n)
{
    *n = json_object_size(obj);
    const char **keys = calloc(*n ? *n : 1, sizeof *keys);
    const char *k;
    json_t *v;
    size_t i = 0;
    if (!keys)
        return NULL;
    json_object_foreach(obj, k, v) keys[i++] = k;
    qsort(keys, *n, sizeof *keys, cmp_keys);
    return keys;
}

#define COVERAGE_LIST_MAX 10 /* unreached items listed per file */

static void print_coverage(tstate *t)
{
    size_t nc, nf;
    const char **ck = sorted_keys(t->cases_seen, &nc), **fk = sorted_keys(t->lines_seen, &nf);
    if (!ck || !fk) {
        free(ck);
        free(fk);
        return;
    }
    long cases = 0, creached = 0, lines = 0, lreached = 0;
    for (size_t i = 0; i < nc; i++) {
        cases++;
        creached += json_integer_value(json_object_get(json_object_get(t->cases_seen, ck[i]), "hits")) > 0;
    }
    for (size_t i = 0; i < nf; i++) {
        json_t *l = json_object_get(t->lines_seen, fk[i]);
        const char *k;
        json_t *v;
        json_object_foreach(l, k, v)
        {
            lines++;
            lreached += json_integer_value(v) > 0;
        }
    }
    printf("coverage: %ld of %ld rule cases, %ld of %ld lines of policy scripts\n", creached, cases, lreached,
           lines);
    /* rule cases, by file */
    for (size_t i = 0; i < nc;) {
        const char *file = json_string_value(json_object_get(json_object_get(t->cases_seen, ck[i]), "file"));
        size_t j = i;
        long n = 0, r = 0;
        while (j < nc &&
               strcmp(json_string_value(json_object_get(json_object_get(t->cases_seen, ck[j]), "file")),
                      file) == 0) {
            n++;
            r += json_integer_value(json_object_get(json_object_get(t->cases_seen, ck[j]), "hits")) > 0;
            j++;
        }
        /* an included pack has its own tests: a summary line */
        bool own = json_object_get(t->own_rules, file) != NULL;
        printf("  %s: %ld of %ld cases%s\n", file, r, n,
               r == n ? ""
               : own  ? "; not reached:"
                      : " (included: run its own tests with --coverage for the cases not reached)");
        int listed = 0;
        for (size_t k = i; k < j && own; k++) {
            json_t *c = json_object_get(t->cases_seen, ck[k]);
            if (json_integer_value(json_object_get(c, "hits")) > 0)
                continue;
            if (listed++ < COVERAGE_LIST_MAX)
                printf("    line %d: %s, case %d of %d (%s%s)\n",
                       (int)json_integer_value(json_object_get(c, "line")),
                       json_string_value(json_object_get(c, "rule")),
                       (int)json_integer_value(json_object_get(c, "case")),
                       (int)json_integer_value(json_object_get(c, "of")),
                       strcmp(json_string_value(json_object_get(c, "when")), "otherwise") ? "when: " : "",
                       json_string_value(json_object_get(c, "when")));
        }
        if (listed > COVERAGE_LIST_MAX)
            printf("    ... and %d more\n", listed - COVERAGE_LIST_MAX);
        i = j;
    }
    /* lines of scripts: ranges of lines not reached */
    for (size_t i = 0; i < nf; i++) {
        json_t *l = json_object_get(t->lines_seen, fk[i]);
        size_t nl;
        const char **lk = sorted_keys(l, &nl);
        if (!lk)
            break;
        long r = 0;
        for (size_t k = 0; k < nl; k++)
            r += json_integer_value(json_object_get(l, lk[k])) > 0;
        printf("  %s: %ld of %zu lines%s", fk[i], r, nl, r < (long)nl ? "; not reached:" : "");
        /* a range runs over lines with code that were not reached */
        for (size_t k = 0; k < nl;) {
            if (json_integer_value(json_object_get(l, lk[k])) > 0) {
                k++;
                continue;
            }
            size_t e = k;
            while (e + 1 < nl && json_integer_value(json_object_get(l, lk[e + 1])) == 0)
                e++;
            /* the keys are zero-padded line numbers this file wrote */
            if (e == k)
                printf(" %ld", strtol(lk[k], NULL, 10));
            else
                printf(" %ld-%ld", strtol(lk[k], NULL, 10), strtol(lk[e], NULL, 10));
            k = e + 1;
        }
        printf("\n");
        free(lk);
    }
    free(ck);
    free(fk);
}

static void run_file(tstate *t, const char *path)
{
    static const char *const keys[] = {"kigen-test", "rules", "today", "cases", "doc", "modules"};
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_warn("test", "cannot read '%s'", path);
        t->broken = true;
        return;
    }
    kg_mem mem = {0};
    kg_arena a;
    kg_arena_init(&a, &mem);
    kg_buf b;
    kg_buf_init(&b, &mem);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        kg_buf_put(&b, chunk, got);
    fclose(f);
    kg_srcfile src = {.name = path, .text = kg_buf_cstr(&b), .len = b.len};
    kigen_diags *d = kg_diags_new(&mem, false);
    kg_srcfile_index(&src, &a);
    kg_ynode *root = kg_yaml_parse(&src, &a, d);
    kigen_ruleset *rs = NULL;
    if (!root || root->kind != KG_Y_MAP) {
        cli_print_diags(d);
        if (root)
            terr(t, root, "a test file is a mapping with 'kigen-test: 1'");
        t->broken = true;
        goto done;
    }
    if (!check_keys(t, root, keys, sizeof keys / sizeof keys[0]))
        goto done;
    const kg_ynode *ver = kg_ymap_get(root, "kigen-test"), *rules = kg_ymap_get(root, "rules"),
                   *today = kg_ymap_get(root, "today"), *cases = kg_ymap_get(root, "cases");
    if (!ver || ver->kind != KG_Y_SCALAR || strcmp(ver->text, "1") != 0) {
        terr(t, ver ? ver : root, "expected 'kigen-test: 1'");
        goto done;
    }
    if (!rules || rules->kind != KG_Y_SCALAR || !cases || cases->kind != KG_Y_SEQ) {
        terr(t, root, "a test file needs 'rules: FILE' and a list of 'cases'");
        goto done;
    }
    kigen_date td = 0;
    if (today) {
        char err[200];
        if (today->kind != KG_Y_SCALAR ||
            kigen_date_parse(today->text, today->len, &td, err, sizeof err) != KIGEN_OK) {
            terr(t, today, "today: %s", today->kind == KG_Y_SCALAR ? err : "a date");
            goto done;
        }
    }
    char rpath[4096];
    const char *slash = strrchr(path, '/');
    if (rules->text[0] != '/' && slash)
        snprintf(rpath, sizeof rpath, "%.*s/%s", (int)(slash - path), path, rules->text);
    else
        snprintf(rpath, sizeof rpath, "%s", rules->text);
    /* modules: {name: file}: stand-ins for what the policy scripts require */
    const kg_ynode *mods = kg_ymap_get(root, "modules");
    const char *stubs[2 * 64 + 1];
    size_t nst = 0;
    if (mods && mods->kind != KG_Y_MAP) {
        terr(t, mods, "modules: a mapping of module names to Lua files ({holidays_jp: no_holidays.lua})");
        goto done;
    }
    for (size_t i = 0; mods && i < mods->n; i++) {
        const kg_ynode *v = mods->vals[i];
        if (v->kind != KG_Y_SCALAR || nst >= (size_t)2 * 64) {
            terr(t, v, "modules: '%s' must name one Lua file (at most 64 modules)", mods->items[i]->text);
            goto done;
        }
        size_t fl = strlen(path) + v->len + 2;
        char *file = kg_arena_alloc(&a, fl);
        if (!file)
            goto done;
        if (v->text[0] != '/' && slash)
            snprintf(file, fl, "%.*s/%s", (int)(slash - path), path, v->text);
        else
            snprintf(file, fl, "%s", v->text);
        if (access(file, R_OK) != 0) {
            terr(t, v, "modules: '%s': cannot read %s", mods->items[i]->text, file);
            goto done;
        }
        stubs[nst++] = mods->items[i]->text;
        stubs[nst++] = file;
    }
    stubs[nst] = NULL;
    cli_lua_stubs = nst ? stubs : NULL;
    int lrc = cli_load_rules("test", rpath, false, &rs);
    cli_lua_stubs = NULL;
    if (lrc != KIGEN_OK) {
        int n = 0;
        for (size_t i = 0; i < cases->n; i++)
            n += chosen(t, cases, cases->items[i]);
        t->failed += n;
        t->not_run += n;
        printf("FAIL %s: the rules (%s) do not load: %d case%s not run\n", path, rpath, n, n == 1 ? "" : "s");
        t->broken = true;
        goto done;
    }
    if (t->coverage) {
        char own[4096];
        cov_name(rpath, own, sizeof own);
        json_object_set_new(t->own_rules, own, json_true());
    }
    if (t->coverage && !(t->cov = kigen_coverage_new(rs))) {
        terr(t, root, "out of memory for --coverage");
        goto done;
    }
    for (size_t i = 0; i < cases->n; i++)
        if (chosen(t, cases, cases->items[i]))
            run_case(t, rs, cases->items[i], td, (int)i + 1);
    note_closest(t, cases);
    if (t->cov) {
        merge_coverage(t, kigen_coverage_json(t->cov));
        kigen_coverage_free(t->cov);
        t->cov = NULL;
    }
done:
    kigen_ruleset_free(rs);
    kigen_diags_free(d);
    kg_buf_free(&b);
    kg_arena_free(&a);
}

int cmd_test(int argc, char **argv)
{
    tstate t = {0};
    static cli_kv params[CLI_MAX_KV];
    static const char *only[CLI_MAX_KV];
    static bool only_hit[CLI_MAX_KV];
    static char *closest[CLI_MAX_KV];
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(test_help, stdout);
            return CLI_OK;
        }
        if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) {
            t.verbose = true;
        } else if (strcmp(argv[i], "--case") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("test", "--case needs a case's name");
            if (t.nonly == CLI_MAX_KV)
                return cli_usage_error("test", "too many --case");
            only[t.nonly++] = argv[++i];
        } else if (strcmp(argv[i], "--param") == 0 && i + 1 < argc) {
            if (t.nparams == CLI_MAX_KV || !cli_split_kv("test", "--param", argv[++i], &params[t.nparams]))
                return CLI_USAGE;
            t.nparams++;
        } else if (strcmp(argv[i], "--coverage") == 0) {
            t.coverage = true;
        } else if (strcmp(argv[i], "--debug-lua") == 0) {
            cli_debug_lua = true;
        } else if (argv[i][0] == '-') {
            return cli_usage_error("test", "unknown option '%s'", argv[i]);
        }
    }
    t.params = params;
    if (t.nonly) {
        t.only = only;
        t.only_hit = only_hit;
    }
    t.closest = closest;
    if (t.coverage) {
        t.cases_seen = json_object();
        t.lines_seen = json_object();
        t.own_rules = json_object();
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--param") == 0 || strcmp(argv[i], "--case") == 0) {
            i++;
            continue;
        }
        if (argv[i][0] == '-')
            continue;
        run_file(&t, argv[i]);
        nfiles++;
    }
    cli_free_kvs(params, t.nparams);
    if (t.coverage && nfiles)
        print_coverage(&t);
    json_decref(t.cases_seen);
    json_decref(t.lines_seen);
    json_decref(t.own_rules);
    if (nfiles == 0)
        return cli_usage_error("test", "name at least one test file");
    /* a --case that chose nothing is a usage error, not a broken file */
    bool missed = false;
    for (int i = 0; i < t.nonly; i++)
        if (!only_hit[i]) {
            cli_warn("test", "--case '%s': no case has that name or contains it%s%s%s", only[i],
                     t.closest[i] ? " (did you mean '" : "", t.closest[i] ? t.closest[i] : "",
                     t.closest[i] ? "'?)" : "");
            missed = true;
        }
    for (int i = 0; i < t.nonly; i++)
        free(closest[i]);
    if (t.malformed || t.not_run)
        printf("%d passed, %d failed (%d malformed, %d not run)\n", t.passed, t.failed, t.malformed,
               t.not_run);
    else
        printf("%d passed, %d failed\n", t.passed, t.failed);
    if (t.broken) {
        fprintf(stderr, "kigen test: the test files or rules have errors (see above)\n");
        return CLI_USAGE;
    }
    if (missed)
        return CLI_USAGE;
    return t.failed ? CLI_FAIL : CLI_OK;
}
