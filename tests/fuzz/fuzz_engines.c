/* Differential fuzzing of the two engines: the compiled program (the
 * default) and the tree walker (the reference) must give the same status,
 * the same message and the same value for every selected output, for any
 * rule set and any record.
 *
 * The input drives a generator of well-typed rule files (facts of every
 * type, optional, required and defaulted; dated, undated and enum params;
 * rules by value and by cases; the calendar functions, Kleene logic,
 * given/default, `in`, fail()), then of records: which facts are given
 * (the shape the compiler specialises to) and their values, an output
 * selection, param overrides and the language. Three contexts evaluate
 * each record: KIGEN_EVAL=check (the program, then the walker over the
 * same record, aborting on any value that differs), the walker alone, and
 * the program alone; the last two must agree on everything the API shows.
 *
 * To see a finding: KIGEN_FUZZ_PRINT=1 ./fuzz_engines CRASH-FILE prints the
 * generated rule file and each record's facts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kigen.h"

typedef struct gen {
    const uint8_t *p;
    size_t n;
    char *out;
    size_t len, cap;
    int nrules;
} gen;

static unsigned pick(gen *g, unsigned k)
{
    if (!g->n || !k)
        return 0;
    unsigned v = *g->p++;
    g->n--;
    return v % k;
}

static void put(gen *g, const char *s)
{
    size_t n = strlen(s);
    if (g->len + n + 1 > g->cap) {
        size_t nc = (g->cap + n + 1) * 2;
        char *q = realloc(g->out, nc);
        if (!q)
            abort();
        g->out = q;
        g->cap = nc;
    }
    memcpy(g->out + g->len, s, n + 1);
    g->len += n;
}

/* facts: d0 d1 (date), d2 (date, default d0 + 30 days), i0 (integer),
 * i1 (integer, required), b0 (boolean, default false), e0 (enum a|b|c),
 * s0 (string) */
static const char *const dates[] = {"d0", "d1", "d2"};
static void g_date(gen *g, int depth);
static void g_int(gen *g, int depth);
static void g_bool(gen *g, int depth);

static const char *const date_lits[] = {"2000-02-29", "2022-04-01", "2016-01-01", "1999-12-31", "2024-02-29",
                                        "9999-12-30"};

static void g_rule_ref(gen *g, char kind)
{
    /* an earlier rule of the same kind: r<k><index>; the caller knows
     * how many exist of each kind via nrules (all kinds share indices) */
    char b[32];
    int have = g->nrules;
    if (!have) {
        put(g, kind == 'd' ? "d0" : kind == 'i' ? "i0" : "b0");
        return;
    }
    snprintf(b, sizeof b, "r%c%u", kind, pick(g, (unsigned)have));
    put(g, b);
}

static void g_date(gen *g, int depth)
{
    unsigned k = depth > 3 ? pick(g, 3) : pick(g, 14);
    switch (k) {
    case 0: put(g, dates[pick(g, 3)]); return;
    case 1: put(g, date_lits[pick(g, 6)]); return;
    case 2: g_rule_ref(g, 'd'); return;
    case 3:
        put(g, "add(");
        g_date(g, depth + 1);
        put(g, pick(g, 2) ? ", -3 months, clamp)" : ", 1 months, roll)");
        return;
    case 4:
        put(g, "(");
        g_date(g, depth + 1);
        put(g, pick(g, 2) ? " + 1 day)" : " - 400 days)");
        return;
    case 5:
    case 6:
        put(g, k == 5 ? "earliest(" : "latest(");
        g_date(g, depth + 1);
        put(g, ", ");
        g_date(g, depth + 1);
        if (pick(g, 2)) {
            put(g, ", ");
            g_date(g, depth + 1);
        }
        put(g, ")");
        return;
    case 7:
        put(g, "nth_birthday(");
        g_date(g, depth + 1);
        put(g, ", ");
        g_int(g, depth + 1);
        put(g, ", ");
        g_date(g, depth + 1);
        put(g, pick(g, 2) ? ", feb28)" : ", mar1)");
        return;
    case 8:
        put(g, "(if ");
        g_bool(g, depth + 1);
        put(g, " then ");
        g_date(g, depth + 1);
        put(g, " else ");
        g_date(g, depth + 1);
        put(g, ")");
        return;
    case 9:
        put(g, "default(");
        g_date(g, depth + 1);
        put(g, ", ");
        g_date(g, depth + 1);
        put(g, ")");
        return;
    case 10: put(g, "(if b0 then d1 else none)"); return;
    case 11: put(g, "today()"); return;
    case 12: put(g, "end_of_month(d0)"); return;
    default:
        put(g, "date(2020, ");
        g_int(g, depth + 1);
        put(g, ", 29)");
        return;
    }
}

static void g_int(gen *g, int depth)
{
    unsigned k = depth > 3 ? pick(g, 3) : pick(g, 13);
    switch (k) {
    case 0: put(g, pick(g, 2) ? "i0" : "i1"); return;
    case 1: {
        static const char *const lits[] = {"0", "1", "5", "10", "-1", "9223372036854775807", "12"};
        put(g, lits[pick(g, 7)]);
        return;
    }
    case 2: g_rule_ref(g, 'i'); return;
    case 3:
    case 4:
        put(g, "(");
        g_int(g, depth + 1);
        put(g, k == 3 ? " + " : " - ");
        g_int(g, depth + 1);
        put(g, ")");
        return;
    case 5:
        put(g, "age(");
        g_date(g, depth + 1);
        put(g, ", ");
        g_date(g, depth + 1);
        put(g, pick(g, 2) ? ", age_act, feb28)" : ", birthday, mar1)");
        return;
    case 6:
        put(g, "(");
        g_date(g, depth + 1);
        put(g, " - ");
        g_date(g, depth + 1);
        put(g, ")");
        return;
    case 7:
        put(g, "(if ");
        g_bool(g, depth + 1);
        put(g, " then ");
        g_int(g, depth + 1);
        put(g, " else ");
        g_int(g, depth + 1);
        put(g, ")");
        return;
    case 8: put(g, "pu"); return;
    case 9:
        put(g, "pd@");
        g_date(g, depth + 1);
        return;
    case 10:
        put(g, pick(g, 2) ? "min(" : "max(");
        g_int(g, depth + 1);
        put(g, ", ");
        g_int(g, depth + 1);
        put(g, ")");
        return;
    case 11:
        put(g, "(");
        g_int(g, depth + 1);
        put(g, pick(g, 2) ? " * " : " / ");
        g_int(g, depth + 1);
        put(g, ")");
        return;
    default: put(g, "year(d0)"); return;
    }
}

static void g_bool(gen *g, int depth)
{
    static const char *const cmp[] = {" < ", " <= ", " > ", " >= ", " == ", " != "};
    unsigned k = depth > 3 ? pick(g, 3) : pick(g, 13);
    switch (k) {
    case 0: put(g, "b0"); return;
    case 1: put(g, pick(g, 2) ? "true" : "false"); return;
    case 2: g_rule_ref(g, 'b'); return;
    case 3:
        put(g, "(");
        g_date(g, depth + 1);
        put(g, cmp[pick(g, 6)]);
        g_date(g, depth + 1);
        put(g, ")");
        return;
    case 4:
        put(g, "(");
        g_int(g, depth + 1);
        put(g, cmp[pick(g, 6)]);
        g_int(g, depth + 1);
        put(g, ")");
        return;
    case 5:
    case 6:
        put(g, "(");
        g_bool(g, depth + 1);
        put(g, k == 5 ? " and " : " or ");
        g_bool(g, depth + 1);
        put(g, ")");
        return;
    case 7:
        put(g, "not ");
        g_bool(g, depth + 1);
        return;
    case 8: {
        static const char *const any[] = {"d0", "d1", "d2", "i0", "i1", "b0", "e0", "s0"};
        put(g, "given(");
        if (pick(g, 2))
            put(g, any[pick(g, 8)]);
        else
            g_rule_ref(g, "dib"[pick(g, 3)]);
        put(g, ")");
        return;
    }
    case 9: put(g, pick(g, 2) ? "(e0 == a)" : "(e0 != pe)"); return;
    case 10: put(g, pick(g, 2) ? "(e0 in [a, c])" : "(i0 in [1, 5, i1])"); return;
    case 11: {
        /* strings: from the record, made per record, and constant ones */
        static const char *const strs[] = {"(s0 == 'x')", "(text(i0) == '5')", "(('a' + 'b') == text(i0))",
                                           "(default('' + 'x', s0) == 'x')", "(join(',', s0, 'k') != 'k')"};
        put(g, strs[pick(g, 5)]);
        return;
    }
    default:
        put(g, "default(");
        g_bool(g, depth + 1);
        put(g, ", ");
        g_bool(g, depth + 1);
        put(g, ")");
        return;
    }
}

static void g_value(gen *g, char kind)
{
    if (kind == 'd')
        g_date(g, 0);
    else if (kind == 'i')
        g_int(g, 0);
    else
        g_bool(g, 0);
}

/* rules rd<k>, ri<k>, rb<k> for k < nrules, each by value or by cases */
static void g_rules(gen *g, int n)
{
    char b[64];
    for (int k = 0; k < n; k++) {
        for (const char *kind = "dib"; *kind; kind++) {
            snprintf(b, sizeof b, "  r%c%d:\n    source: F\n", *kind, k);
            put(g, b);
            if (pick(g, 3)) {
                put(g, "    value: |-\n      ");
                g_value(g, *kind);
                put(g, "\n");
            } else {
                put(g, "    cases:\n");
                int nc = 1 + (int)pick(g, 3);
                for (int c = 0; c < nc; c++) {
                    put(g, "      - when: |-\n          ");
                    g_bool(g, 1);
                    put(g, "\n        then: |-\n          ");
                    if (pick(g, 6) == 0)
                        put(g, "fail('case ' + text(i0), ja: '失敗')");
                    else
                        g_value(g, *kind);
                    put(g, "\n");
                }
                put(g, "      - otherwise: |-\n          ");
                if (pick(g, 3) == 0)
                    put(g, "none");
                else
                    g_value(g, *kind);
                put(g, "\n");
            }
        }
        g->nrules = k + 1;
    }
}

static const char head[] = "kigen: 1\n"
                           "name: engines\n"
                           "facts:\n"
                           "  d0: {type: date, optional: true}\n"
                           "  d1: {type: date, optional: true}\n"
                           "  d2:\n    type: date\n    default: |-\n      d0 + 30 days\n"
                           "  i0: {type: integer, optional: true}\n"
                           "  i1: {type: integer}\n"
                           "  b0: {type: boolean, default: false}\n"
                           "  e0: {type: enum, choices: [a, b, c], optional: true}\n"
                           "  s0: {type: string, optional: true}\n"
                           "params:\n"
                           "  pu: {source: P, type: integer, value: 3}\n"
                           "  pd: {source: P, values: {2000-01-01: 5, 2022-04-01: 7}}\n"
                           "  pe: {source: P, type: enum, choices: [a, b, c], value: b}\n"
                           "rules:\n";

static const char *const fact_names[] = {"d0", "d1", "d2", "i0", "i1", "b0", "e0", "s0"};
static const char *const fact_vals[][4] = {
    {"2000-02-29", "2022-03-31", "1990-01-01", "9999-12-31"}, {"2022-04-01", "2016-01-01", "2025-11-30", "0001-01-01"},
    {"2000-03-30", "2023-01-31", "2019-05-01", "2024-02-29"}, {"5", "0", "-3", "11"},
    {"1", "12", "9999", "-9223372036854775808"},              {"true", "false", "TRUE", "0"},
    {"a", "b", "c", "a"},                                     {"x", "y", "", "令和"}};

static void fail_diff(const char *what, const char *a, const char *b, const char *rules)
{
    fprintf(stderr, "engines differ in %s:\n  program: %s\n  walker:  %s\nrule file:\n%s\n", what, a, b, rules);
    abort();
}

static kigen_ctx *make(kigen_ruleset *rs, const char *engine)
{
    kigen_ctx *c = NULL;
    setenv("KIGEN_EVAL", engine, 1);
    if (kigen_ctx_new(rs, &c) != KIGEN_OK)
        abort();
    unsetenv("KIGEN_EVAL");
    kigen_set_today(c, 739000);
    return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gen g = {data, size, NULL, 0, 0, 0};
    put(&g, head);
    g_rules(&g, 1 + (int)pick(&g, 4));
    put(&g, "outputs: [");
    for (int k = 0; k < g.nrules; k++) {
        char b[64];
        snprintf(b, sizeof b, "%srd%d, ri%d, rb%d", k ? ", " : "", k, k, k);
        put(&g, b);
    }
    put(&g, "]\n");
    kigen_ruleset *rs = NULL;
    kigen_diags *d = NULL;
    int lrc = kigen_load_string("engines.yaml", g.out, g.len, NULL, &rs, &d);
    if (getenv("KIGEN_FUZZ_PRINT")) /* to see what the generator makes */
        fprintf(stderr, "---- load %d\n%s", lrc, g.out);
    if (lrc != KIGEN_OK) {
        kigen_diags_free(d);
        free(g.out);
        return 0; /* a generated file the checker refuses (a type clash): nothing to compare */
    }
    kigen_diags_free(d);
    kigen_ctx *chk = make(rs, "check"), *tree = make(rs, "tree"), *prog = make(rs, "program");
    kigen_ctx *all[3] = {chk, tree, prog};
    /* a selection, the same for all three */
    if (pick(&g, 2)) {
        const char *names[8];
        char buf[8][16];
        size_t n = 0;
        for (int k = 0; k < g.nrules && n < 8; k++)
            if (pick(&g, 2)) {
                snprintf(buf[n], sizeof buf[n], "r%c%d", "dib"[pick(&g, 3)], k);
                names[n] = buf[n];
                n++;
            }
        for (int i = 0; i < 3; i++)
            if (kigen_ctx_select_outputs(all[i], names, n) != KIGEN_OK)
                abort();
    }
    for (int rec = 0; rec < 12 && g.n; rec++) {
        unsigned what = pick(&g, 8);
        if (getenv("KIGEN_FUZZ_PRINT"))
            fprintf(stderr, "record %d: what %u\n", rec, what);
        for (int i = 0; i < 3; i++) {
            if (what == 1)
                kigen_set_param(all[i], "pd", rec & 1 ? "9" : NULL);
            if (what == 2)
                kigen_set_param(all[i], "pe", rec & 1 ? "c" : NULL);
            if (what == 3)
                kigen_set_lang(all[i], rec & 1 ? "ja" : "en");
            kigen_ctx_reset(all[i]);
        }
        unsigned given = pick(&g, 256), vals = pick(&g, 256) | (pick(&g, 256) << 8);
        for (int f = 0; f < 8; f++) {
            if (!((given >> f) & 1))
                continue;
            const char *v = fact_vals[f][(vals >> (2 * f)) & 3];
            if (getenv("KIGEN_FUZZ_PRINT"))
                fprintf(stderr, "record %d: %s=%s\n", rec, fact_names[f], v);
            for (int i = 0; i < 3; i++)
                kigen_set(all[i], fact_names[f], v);
        }
        int rc[3];
        char msg[3][1100];
        for (int i = 0; i < 3; i++) {
            rc[i] = kigen_eval(all[i]);
            snprintf(msg[i], sizeof msg[i], "%d %s", rc[i], rc[i] == KIGEN_OK ? "" : kigen_errmsg(all[i]));
        }
        if (strcmp(msg[1], msg[2]) != 0)
            fail_diff("the record's status", msg[2], msg[1], g.out);
        for (int o = 0; o < kigen_output_count(rs); o++) {
            kigen_value v[3];
            char t[3][600];
            for (int i = 1; i < 3; i++) {
                int r = kigen_get(all[i], o, &v[i]);
                if (r != KIGEN_OK)
                    snprintf(t[i], sizeof t[i], "(status %d)", r);
                else
                    kigen_value_format(&v[i], t[i], sizeof t[i]);
                size_t l = strlen(t[i]);
                snprintf(t[i] + l, sizeof t[i] - l, " type %d", r == KIGEN_OK ? (int)v[i].type : -1);
            }
            if (strcmp(t[1], t[2]) != 0)
                fail_diff(kigen_output_name(rs, o), t[2], t[1], g.out);
        }
    }
    for (int i = 0; i < 3; i++)
        kigen_ctx_free(all[i]);
    kigen_ruleset_free(rs);
    free(g.out);
    return 0;
}
