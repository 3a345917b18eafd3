/* Loading speed: the national pack, and generated rule files large enough
 * that anything quadratic in the loader or the checker shows (issue 9,
 * finding 11): 50,000 rules, an enum of 100,000 choices, and 20,000
 * unknown names (whose "did you mean" is bounded). Best of several runs.
 *   bench_load [rules/jp/mynumber.yaml] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kigen.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct gen {
    char *p;
    size_t n, cap;
} gen;

static void put(gen *g, const char *s)
{
    size_t k = strlen(s);
    if (g->n + k + 1 > g->cap) {
        g->cap = (g->n + k + 1) * 2;
        g->p = realloc(g->p, g->cap);
        if (!g->p)
            exit(3);
    }
    memcpy(g->p + g->n, s, k + 1);
    g->n += k;
}

/* Best wall time of `runs` loads; *errors gets the last load's error count. */
static double time_load(const char *name, const char *text, size_t len, int runs, size_t *errors)
{
    double best = 1e30;
    for (int r = 0; r < runs; r++) {
        kigen_ruleset *rs = NULL;
        kigen_diags *d = NULL;
        double t0 = now();
        int rc = len ? kigen_load_string(name, text, len, NULL, &rs, &d) : kigen_load_file(name, NULL, &rs, &d);
        double t = now() - t0;
        if (rc != KIGEN_OK && rc != KIGEN_ELOAD) {
            fprintf(stderr, "%s: %s\n", name, kigen_status_str(rc));
            exit(1);
        }
        *errors = kigen_diags_errors(d);
        kigen_diags_free(d);
        kigen_ruleset_free(rs);
        if (t < best)
            best = t;
    }
    return best;
}

int main(int argc, char **argv)
{
    const char *pack = argc > 1 ? argv[1] : "rules/jp/mynumber.yaml";
    char line[160];
    size_t errs;
    double t = time_load(pack, NULL, 0, 20, &errs);
    printf("%-44s %9.2f ms  (%zu errors)\n", "national pack (load + check)", t * 1e3, errs);
    {
        /* compiling: a context's first record of a shape compiles its
         * program; the same record again only runs it */
        kigen_ruleset *rs = NULL;
        kigen_diags *d = NULL;
        if (kigen_load_file(pack, NULL, &rs, &d) != KIGEN_OK)
            return 1;
        kigen_diags_free(d);
        double best_first = 1e30, best_again = 1e30;
        for (int r = 0; r < 20; r++) {
            kigen_ctx *c = NULL;
            if (kigen_ctx_new(rs, &c) != KIGEN_OK)
                return 1;
            kigen_set(c, "birth_date", "1990-04-02");
            kigen_set(c, "card_issue_date", "2020-05-01");
            kigen_set(c, "on", "2026-11-30");
            double t0 = now();
            int rc = kigen_eval(c);
            double t1 = now();
            rc |= kigen_eval(c);
            double t2 = now();
            kigen_ctx_free(c);
            if (rc != KIGEN_OK)
                return 1;
            if (t1 - t0 < best_first)
                best_first = t1 - t0;
            if (t2 - t1 < best_again)
                best_again = t2 - t1;
        }
        kigen_ruleset_free(rs);
        printf("%-44s %9.3f ms\n", "national pack: compile its program (all outputs)", (best_first - best_again) * 1e3);
    }

    gen g = {0};
    put(&g, "kigen: 1\nname: big\nfacts:\n  f: integer\nrules:\n");
    for (int i = 49999; i >= 0; i--) { /* defined top-down: the deepest order */
        if (i)
            snprintf(line, sizeof line, "  r%d: {source: S, value: r%d + 1}\n", i, i - 1);
        else
            snprintf(line, sizeof line, "  r0: {source: S, value: f}\n");
        put(&g, line);
    }
    put(&g, "outputs: [r49999]\n");
    t = time_load("rules50k.yaml", g.p, g.n, 3, &errs);
    printf("%-44s %9.2f ms  (%zu errors)\n", "50,000 chained rules", t * 1e3, errs);
    {
        kigen_ruleset *rs = NULL;
        kigen_diags *d = NULL;
        if (kigen_load_string("rules50k.yaml", g.p, g.n, NULL, &rs, &d) != KIGEN_OK)
            return 1;
        kigen_diags_free(d);
        kigen_ctx *c = NULL;
        if (kigen_ctx_new(rs, &c) != KIGEN_OK)
            return 1;
        kigen_set(c, "f", "1");
        double t0 = now();
        int rc = kigen_eval(c);
        double t1 = now();
        rc |= kigen_eval(c);
        double t2 = now();
        kigen_value v;
        kigen_get(c, 0, &v);
        if (rc != KIGEN_OK || v.u.i != 50000)
            return 1;
        printf("%-44s %9.2f ms  (then %.2f ms per record)\n", "50,000 chained rules: compile + first record",
               (t1 - t0) * 1e3, (t2 - t1) * 1e3);
        kigen_ctx_free(c);
        kigen_ruleset_free(rs);
    }

    g.n = 0;
    put(&g, "kigen: 1\nname: big\nfacts:\n  f: {type: enum, choices: [");
    for (int i = 0; i < 100000; i++) {
        snprintf(line, sizeof line, "%sc%d", i ? ", " : "", i);
        put(&g, line);
    }
    put(&g, "]}\nrules:\n  r: {source: S, value: f == c99999}\n");
    t = time_load("enum100k.yaml", g.p, g.n, 3, &errs);
    printf("%-44s %9.2f ms  (%zu errors)\n", "an enum of 100,000 choices", t * 1e3, errs);

    g.n = 0;
    put(&g, "kigen: 1\nname: big\nfacts:\n  f: integer\nrules:\n");
    for (int i = 0; i < 20000; i++) {
        snprintf(line, sizeof line, "  r%d: {source: S, value: f + unknown_name_%d}\n", i, i);
        put(&g, line);
    }
    t = time_load("unknown20k.yaml", g.p, g.n, 3, &errs);
    printf("%-44s %9.2f ms  (%zu errors)\n", "20,000 unknown names (did-you-mean bounded)", t * 1e3, errs);
    free(g.p);
    return 0;
}
