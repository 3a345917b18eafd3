/* The expression harness the expression tests share: an expression
 * becomes rule `r` of a small rule file, is loaded with kigen_load_string,
 * evaluated with the C API, and its value read back and printed with
 * kigen_value_format. Nothing here asserts, so that it can also run in a
 * child process or collect every failure of a table. */
#ifndef KIGEN_TESTS_SUPPORT_EXPR_H
#define KIGEN_TESTS_SUPPORT_EXPR_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kigen.h"

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

static inline char *rule_file(const char *expr)
{
    size_t n = strlen(prelude) + strlen(expr) + 2;
    char *s = malloc(n);
    if (!s)
        abort();
    snprintf(s, n, "%s%s\n", prelude, expr);
    return s;
}

/* Load `expr` as rule r, set the facts ("name=value", NULL-terminated),
 * evaluate and read r. Load failures are returned, not asserted; nothing
 * here asserts, so it can also run in a child process (see in_child). */
static inline res run(const char *expr, const char *const *facts)
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

static inline const char *type_name(kigen_type t)
{
    static const char *const names[] = {"none", "bool", "int",      "date",
                                        "string", "enum", "duration", "error"};
    return (unsigned)t < 8 ? names[t] : "?";
}

#endif
