/* What a policy script costs per record: the same rule evaluated over
 * 100,000 records with no script (plain.yaml), with a hook that copies one
 * output (hook_only.yaml), and with the rule's built-in replaced by a
 * script function (fn_only.yaml). Prints ns per record; asserts only that
 * every record gave the right value (timings depend on the machine).
 * KIGEN_LUA_BENCH_N changes the number of records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "kigen.h"

static long records(void)
{
    const char *s = getenv("KIGEN_LUA_BENCH_N");
    long n = s ? atol(s) : 0;
    return n > 0 ? n : 100000;
}

static double run(const char *file, const char *out2)
{
    char path[1024];
    const char *dir = getenv("KIGEN_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/tests/data/lua/%s", dir && *dir ? dir : KIGEN_SOURCE_DIR, file);
    kigen_ruleset *rs = NULL;
    kigen_ctx *c = NULL;
    assert_int_equal(kigen_load_file(path, NULL, &rs, NULL), KIGEN_OK);
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    int fd = kigen_fact_index(rs, "d"), fn = kigen_fact_index(rs, "n");
    int ob = kigen_output_index(rs, "base"), o2 = out2 ? kigen_output_index(rs, out2) : -1;
    kigen_date d0;
    kigen_date_from_ymd(2024, 1, 1, &d0);
    long n = records(), bad = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < n; i++) {
        kigen_set_date(c, fd, d0 + (kigen_date)(i % 3000));
        kigen_set_int(c, fn, i % 7);
        if (kigen_eval(c) != KIGEN_OK) {
            bad++;
            continue;
        }
        kigen_value v;
        kigen_get(c, ob, &v);
        bad += v.type != KIGEN_T_DATE || v.u.date != d0 + (kigen_date)(i % 3000) + (kigen_date)(i % 7);
        if (o2 >= 0) {
            kigen_value w;
            kigen_get(c, o2, &w);
            bad += w.type != KIGEN_T_DATE || w.u.date != v.u.date;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
    assert_int_equal(bad, 0);
    return ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / (double)n;
}

static void test_overhead(void **state)
{
    (void)state;
    long n = records();
    (void)run("plain.yaml", NULL); /* warm up */
    double plain = run("plain.yaml", NULL);
    double hook = run("hook_only.yaml", "tag");
    double fn = run("fn_only.yaml", NULL);
    printf("policy-script overhead over %ld records:\n", n);
    printf("  no script:                    %8.0f ns/record\n", plain);
    printf("  one hook (reads + sets one):  %8.0f ns/record  (+%.0f ns)\n", hook, hook - plain);
    printf("  one script function call:     %8.0f ns/record  (+%.0f ns)\n", fn, fn - plain);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overhead),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
