/* The cost of a ward's Lua policy (examples/ward/nerima.yaml: the national
 * pack plus three policy functions called by rules and one hook per record)
 * over the national pack alone, on the same residents, both compiled. The
 * two must agree on every national output first. What the ward adds should
 * be the Lua calls and nothing else: the profile (perf) of this program
 * says where the difference goes.
 *
 *   ./bench_ward [NATIONAL.yaml WARD.yaml] [RECORDS]
 */
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

static kigen_ctx *open_ctx(const char *path)
{
    kigen_ruleset *rs = NULL;
    kigen_diags *d = NULL;
    kigen_ctx *c = NULL;
    if (kigen_load_file(path, NULL, &rs, &d) != KIGEN_OK || kigen_ctx_new(rs, &c) != KIGEN_OK) {
        fprintf(stderr, "%s: cannot load\n", path);
        exit(1);
    }
    kigen_diags_free(d);
    kigen_ruleset_free(rs); /* the context keeps it */
    kigen_set_today(c, 739585);
    return c;
}

static const char *const districts[] = {"光が丘", "石神井町", "大泉学園町", "関町北", "豊玉北", "谷原"};

static int set_record(kigen_ctx *c, long i, int ward)
{
    char b[16], s[16];
    snprintf(b, sizeof b, "%04ld-%02ld-%02ld", 1940 + i % 70, 1 + i % 12, 1 + i % 28);
    snprintf(s, sizeof s, "%04ld-%02ld-%02ld", 2016 + i % 10, 1 + (i / 12) % 12, 1 + (i / 7) % 28);
    kigen_ctx_reset(c);
    if (kigen_set(c, "birth_date", b) != KIGEN_OK || kigen_set(c, "card_issue_date", s) != KIGEN_OK)
        return -1;
    if (ward && kigen_set(c, "district", districts[i % 6]) != KIGEN_OK)
        return -1;
    return kigen_eval(c);
}

int main(int argc, char **argv)
{
    const char *national = argc > 2 ? argv[1] : "rules/jp/mynumber.yaml";
    const char *ward = argc > 2 ? argv[2] : "examples/ward/nerima.yaml";
    long n = argc > 3 ? atol(argv[3]) : argc == 2 ? atol(argv[1]) : 50000;
    kigen_ctx *nc = open_ctx(national), *wc = open_ctx(ward);
    const kigen_ruleset *nrs = kigen_ctx_ruleset(nc), *wrs = kigen_ctx_ruleset(wc);
    /* agreement on the national outputs */
    for (long i = 0; i < n; i++) {
        int a = set_record(nc, i, 0), b = set_record(wc, i, 1);
        if (a != b) {
            fprintf(stderr, "record %ld: national %d, ward %d\n", i, a, b);
            return 1;
        }
        for (int o = 0; a == KIGEN_OK && o < kigen_output_count(nrs); o++) {
            kigen_value v, w;
            char t1[256], t2[256];
            kigen_get(nc, o, &v);
            kigen_get(wc, kigen_output_index(wrs, kigen_output_name(nrs, o)), &w);
            kigen_value_format(&v, t1, sizeof t1);
            kigen_value_format(&w, t2, sizeof t2);
            if (strcmp(t1, t2) != 0) {
                fprintf(stderr, "record %ld, %s: national '%s', ward '%s'\n", i, kigen_output_name(nrs, o), t1, t2);
                return 1;
            }
        }
    }
    double best_n = 1e9, best_w = 1e9;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now();
        for (long i = 0; i < n; i++)
            set_record(nc, i, 0);
        double t1 = now();
        for (long i = 0; i < n; i++)
            set_record(wc, i, 1);
        double t2 = now();
        if (t1 - t0 < best_n)
            best_n = t1 - t0;
        if (t2 - t1 < best_w)
            best_w = t2 - t1;
    }
    printf("records: %ld (the national outputs agree)\n", n);
    printf("national pack, %d outputs:                 %8.0f ns/record\n", kigen_output_count(nrs), best_n / n * 1e9);
    printf("ward (+ 3 policy functions, 1 hook), %d outputs: %8.0f ns/record\n", kigen_output_count(wrs),
           best_w / n * 1e9);
    printf("the ward's policy adds %.0f ns/record (4 Lua calls per record)\n", (best_w - best_n) / n * 1e9);
    kigen_ctx_free(nc);
    kigen_ctx_free(wc);
    return 0;
}
