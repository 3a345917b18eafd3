/* Benchmark: the national pack through the engine against a hand-written C
 * baseline that computes the same values directly with the calendar
 * functions, on the same synthetic residents, in the same run. The two are
 * compared record by record first, so the benchmark also proves they agree.
 *
 *   ./bench_eval [RULES] [RECORDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kigen.h"

/* kigen_diags_write's writer for a FILE *. */
static int write_file(void *f, const char *s, size_t n) { return fwrite(s, 1, n, (FILE *)f) == n ? 0 : -1; }

typedef struct rec {
    kigen_date birth, app, issue;
} rec;

typedef struct res {
    kigen_date card, auth, sign, card_from, auth_from;
    int card_status, auth_status; /* 0 valid, 1 renewable, 2 expired, 3 revoked */
} res;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long long rng = 88172645463325252ull;
static unsigned rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng >> 11);
}

static kigen_date ymd(int y, int m, int d)
{
    kigen_date x = 0;
    kigen_date_from_ymd(y, m, d, &x);
    return x;
}

static kigen_date window(kigen_date e)
{
    kigen_date c, s;
    kigen_date_add_months(e, -3, KIGEN_EOM_CLAMP, &c);
    kigen_date_add_days(c, 1, &s);
    return s;
}

/* The baseline: SPEC R1, R2, R3, R10, R11, D1, D3, D5 for Japanese
 * residents with no early renewal, written out by hand. */
static void baseline(const rec *r, kigen_date on, res *o)
{
    int age, line = r->app < ymd(2022, 4, 1) ? 20 : 18;
    kigen_age_on(r->birth, r->issue, KIGEN_AGE_ACT, KIGEN_FEB29_FEB28, &age);
    kigen_nth_birthday_after(r->birth, r->issue, age >= line ? 10 : 5, KIGEN_FEB29_FEB28, &o->card);
    kigen_nth_birthday_after(r->birth, r->issue, 5, KIGEN_FEB29_FEB28, &o->auth);
    if (o->card < o->auth)
        o->auth = o->card;
    o->sign = age >= 15 ? o->auth : 0;
    o->card_from = window(o->card);
    o->auth_from = window(o->auth);
    o->card_status = on > o->card ? 2 : on >= o->card_from ? 1 : 0;
    o->auth_status = on > o->auth ? 2 : on > o->card ? 3 : on >= o->auth_from ? 1 : 0;
}

static int status_code(const kigen_value *v)
{
    static const char *const names[] = {"valid", "renewable", "expired", "revoked"};
    for (int i = 0; i < 4; i++)
        if (v->u.str.len == strlen(names[i]) && memcmp(v->u.str.ptr, names[i], v->u.str.len) == 0)
            return i;
    return -1;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "rules/jp/mynumber.yaml";
    long n = argc > 2 ? atol(argv[2]) : 200000;
    rec *recs = malloc(sizeof *recs * (size_t)n);
    if (!recs)
        return 1;
    kigen_date b0 = ymd(1940, 1, 1), i0 = ymd(2016, 1, 1);
    for (long i = 0; i < n; i++) {
        recs[i].birth = b0 + (kigen_date)(rnd() % (75 * 365));
        recs[i].issue = i0 + (kigen_date)(rnd() % (10 * 365));
        if (recs[i].issue <= recs[i].birth)
            recs[i].issue = recs[i].birth + 1 + (kigen_date)(rnd() % 400);
        recs[i].app = recs[i].issue - (kigen_date)(rnd() % 60);
        if (recs[i].app < i0)
            recs[i].app = i0;
    }
    kigen_date on = ymd(2026, 11, 24);

    kigen_ruleset *rs = NULL;
    kigen_diags *d = NULL;
    if (kigen_load_file(path, NULL, &rs, &d) != KIGEN_OK) {
        kigen_diags_write(d, write_file, stderr, 0);
        return 1;
    }
    kigen_diags_free(d);
    kigen_ctx *c = NULL;
    kigen_ctx_new(rs, &c);
    int f_birth = kigen_fact_index(rs, "birth_date"), f_app = kigen_fact_index(rs, "application_date"),
        f_issue = kigen_fact_index(rs, "card_issue_date"), f_on = kigen_fact_index(rs, "on");
    int o_card = kigen_output_index(rs, "card_expiry"), o_auth = kigen_output_index(rs, "auth_cert_expiry"),
        o_sign = kigen_output_index(rs, "sign_cert_expiry"), o_cfrom = kigen_output_index(rs, "card_renewal_from"),
        o_afrom = kigen_output_index(rs, "auth_renewal_from"), o_cst = kigen_output_index(rs, "card_status"),
        o_ast = kigen_output_index(rs, "auth_status");
    kigen_set_date(c, f_on, on);

    /* Agreement, record by record. */
    long mismatches = 0;
    for (long i = 0; i < n; i++) {
        res b;
        baseline(&recs[i], on, &b);
        kigen_set_date(c, f_birth, recs[i].birth);
        kigen_set_date(c, f_app, recs[i].app);
        kigen_set_date(c, f_issue, recs[i].issue);
        if (kigen_eval(c) != KIGEN_OK) {
            fprintf(stderr, "record %ld: %s\n", i, kigen_errmsg(c));
            return 1;
        }
        kigen_value v[7];
        kigen_get(c, o_card, &v[0]);
        kigen_get(c, o_auth, &v[1]);
        kigen_get(c, o_sign, &v[2]);
        kigen_get(c, o_cfrom, &v[3]);
        kigen_get(c, o_afrom, &v[4]);
        kigen_get(c, o_cst, &v[5]);
        kigen_get(c, o_ast, &v[6]);
        kigen_date sign = v[2].type == KIGEN_T_DATE ? v[2].u.date : 0;
        if (v[0].u.date != b.card || v[1].u.date != b.auth || sign != b.sign || v[3].u.date != b.card_from ||
            v[4].u.date != b.auth_from || status_code(&v[5]) != b.card_status ||
            status_code(&v[6]) != b.auth_status) {
            if (mismatches++ < 5)
                fprintf(stderr, "mismatch at record %ld\n", i);
        }
    }
    if (mismatches) {
        fprintf(stderr, "%ld mismatches between the engine and the baseline\n", mismatches);
        return 1;
    }

    /* Timing: best of 5 for each, alternating. The engine runs twice: with
     * every output (all 21, and every rule under them), and selected to
     * exactly the baseline's seven (kigen_ctx_select_outputs), which is
     * the like-for-like comparison. */
    kigen_ctx *sel = NULL;
    kigen_ctx_new(rs, &sel);
    static const char *const seven[] = {"card_expiry",       "auth_cert_expiry", "sign_cert_expiry",
                                        "card_renewal_from", "auth_renewal_from", "card_status",
                                        "auth_status"};
    if (kigen_ctx_select_outputs(sel, seven, 7) != KIGEN_OK) {
        fprintf(stderr, "%s\n", kigen_errmsg(sel));
        return 1;
    }
    kigen_set_date(sel, f_on, on);
    double best_base = 1e9, best_eng = 1e9, best_sel = 1e9;
    volatile uint64_t sink = 0;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now();
        for (long i = 0; i < n; i++) {
            res b;
            baseline(&recs[i], on, &b);
            sink += (uint64_t)b.card + (uint64_t)b.auth_status;
        }
        double t1 = now();
        for (long i = 0; i < n; i++) {
            kigen_set_date(c, f_birth, recs[i].birth);
            kigen_set_date(c, f_app, recs[i].app);
            kigen_set_date(c, f_issue, recs[i].issue);
            kigen_eval(c);
            kigen_value v;
            kigen_get(c, o_card, &v);
            sink += (uint64_t)v.u.date;
        }
        double t2 = now();
        for (long i = 0; i < n; i++) {
            kigen_set_date(sel, f_birth, recs[i].birth);
            kigen_set_date(sel, f_app, recs[i].app);
            kigen_set_date(sel, f_issue, recs[i].issue);
            if (kigen_eval(sel) != KIGEN_OK) {
                fprintf(stderr, "record %ld: %s\n", i, kigen_errmsg(sel));
                return 1;
            }
            kigen_value v;
            kigen_get(sel, o_card, &v);
            sink += (uint64_t)v.u.date;
        }
        double t3 = now();
        if (t1 - t0 < best_base)
            best_base = t1 - t0;
        if (t2 - t1 < best_eng)
            best_eng = t2 - t1;
        if (t3 - t2 < best_sel)
            best_sel = t3 - t2;
    }
    (void)sink;
    printf("records: %ld (all agree with the baseline)\n", n);
    printf("baseline (hand-written C, 7 values):              %8.1f ns/record\n", best_base / n * 1e9);
    printf("engine, the same 7 outputs selected:              %8.1f ns/record  ratio %.2fx\n",
           best_sel / n * 1e9, best_sel / best_base);
    printf("engine, all %d outputs:                           %8.1f ns/record  ratio %.2fx\n",
           kigen_output_count(rs), best_eng / n * 1e9, best_eng / best_base);
    printf("engine throughput (7 outputs): %.2f M records/s\n", n / best_sel / 1e6);
    kigen_ctx_free(sel);
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
    free(recs);
    return 0;
}
