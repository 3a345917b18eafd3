/* Benchmark: the national pack through the engine against a hand-written C
 * baseline that computes the same values directly with the calendar
 * functions, on the same synthetic residents, in the same run. The two are
 * compared record by record first, so the benchmark also proves they agree.
 *
 *   ./bench_eval [RULES] [RECORDS] [REPETITIONS]
 */
#include <stdbool.h>
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

/* The second baseline: all 21 outputs of the national pack for the same
 * residents (Japanese, no early renewal, no lapse, no smartphone
 * certificate, both certificates issued with the card, application date
 * given), written out by hand: SPEC R1-R3, R8, R10, R11, R13, R16, R19-R21,
 * D1, D3-D5 as the pack encodes them. */
enum { C_VALID, C_RENEWABLE, C_EXPIRED, C_CARD_EXPIRED, C_NOT_ISSUED };
static const char *const st_names[] = {"valid", "renewable", "expired", "card_expired", "not_issued"};
static const char *const steps[] = {"no_action", "new_card", "renew_card", "reissue_certs", "renew_certs"};

typedef struct all {
    kigen_date card, auth, sign, card_from, auth_from, sign_from, card_nf, card_nu, cert_nf, cert_nu, health;
    int eligible, card_st, auth_st, sign_st, step;
    unsigned services; /* bits: convenience_store, mynaportal, health_insurance, medical_info, e_tax */
} all;

static kigen_date add_m(kigen_date d, int m)
{
    kigen_date r;
    kigen_date_add_months(d, m, KIGEN_EOM_CLAMP, &r);
    return r;
}

static void baseline_all(const rec *r, kigen_date on, all *o)
{
    int age, line = r->app < ymd(2022, 4, 1) ? 20 : 18;
    kigen_age_on(r->birth, r->issue, KIGEN_AGE_ACT, KIGEN_FEB29_FEB28, &age);
    kigen_nth_birthday_after(r->birth, r->issue, age >= line ? 10 : 5, KIGEN_FEB29_FEB28, &o->card);
    kigen_nth_birthday_after(r->birth, r->issue, 5, KIGEN_FEB29_FEB28, &o->auth);
    if (o->card < o->auth)
        o->auth = o->card;
    o->eligible = age >= 15;
    o->sign = o->eligible ? o->auth : 0;
    o->card_from = window(o->card);
    o->auth_from = window(o->auth);
    o->sign_from = o->sign ? window(o->sign) : 0;
    o->card_nf = add_m(o->card, -3);
    o->card_nu = add_m(o->card, -2);
    o->cert_nf = add_m(o->auth, -3);
    o->cert_nu = add_m(o->auth, -2);
    o->health = o->auth >= ymd(2024, 12, 2) ? kigen_date_end_of_month(add_m(o->auth, 3)) : o->auth;
    bool before = on < r->issue;
    o->card_st = before ? C_NOT_ISSUED : on > o->card ? C_EXPIRED : on >= o->card_from ? C_RENEWABLE : C_VALID;
    o->auth_st = before                   ? C_NOT_ISSUED
                 : on > o->auth           ? C_EXPIRED
                 : on > o->card           ? C_CARD_EXPIRED
                 : on >= o->auth_from     ? C_RENEWABLE
                                          : C_VALID;
    o->sign_st = !o->sign || before ? C_NOT_ISSUED
                 : on > o->sign     ? C_EXPIRED
                 : on > o->card     ? C_CARD_EXPIRED
                 : on >= o->sign_from ? C_RENEWABLE
                                      : C_VALID;
    bool auth_works = o->auth_st == C_VALID || o->auth_st == C_RENEWABLE;
    bool sign_works = o->sign_st == C_VALID || o->sign_st == C_RENEWABLE;
    bool grace = on > o->auth && on <= o->health;
    o->services = (auth_works ? 1u | 2u | 8u : 0u) | (auth_works || grace ? 4u : 0u) | (sign_works ? 16u : 0u);
    o->step = before                                              ? 0
              : o->card_st == C_EXPIRED                           ? 1
              : o->card_st == C_RENEWABLE                         ? 2
              : o->auth_st == C_EXPIRED || o->sign_st == C_EXPIRED ? 3
              : o->auth_st == C_RENEWABLE || o->sign_st == C_RENEWABLE ? 4
                                                                  : 0;
}

/* The 21 outputs as the CLI prints them, in the pack's output order. */
static void all_text(const all *o, char out[21][96])
{
    static const char *const svc[] = {"convenience_store", "mynaportal", "health_insurance", "medical_info", "e_tax"};
    const kigen_date ds[] = {o->card, o->auth, o->sign, o->card_from, o->auth_from, o->sign_from,
                             o->card_nf, o->card_nu, o->cert_nf, o->cert_nu};
    for (int i = 0; i < 10; i++) {
        out[i][0] = '\0';
        if (ds[i])
            kigen_date_format_iso(ds[i], out[i], 96);
    }
    snprintf(out[10], 96, "%s", o->eligible ? "true" : "false");
    snprintf(out[11], 96, "%s", st_names[o->card_st]);
    snprintf(out[12], 96, "%s", st_names[o->auth_st]);
    snprintf(out[13], 96, "%s", st_names[o->sign_st]);
    out[14][0] = '\0';
    for (int b = 0; b < 5; b++)
        if (o->services & (1u << b)) {
            size_t l = strlen(out[14]);
            snprintf(out[14] + l, 96 - l, "%s%s", l ? "," : "", svc[b]);
        }
    kigen_date_format_iso(o->health, out[15], 96);
    out[16][0] = '\0'; /* warnings: none for these residents */
    snprintf(out[17], 96, "%s", steps[o->step]);
    out[18][0] = out[19][0] = '\0';
    snprintf(out[20], 96, "%s", "not_issued");
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
    int reps = argc > 3 ? atoi(argv[3]) : 5; /* more for a profile: the timed loops dominate */
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
    /* ... and all 21 outputs against the second baseline, as text */
    if (kigen_output_count(rs) != 21) {
        fprintf(stderr, "the pack has %d outputs; the all-outputs baseline computes 21\n", kigen_output_count(rs));
        return 1;
    }
    for (long i = 0; i < n; i++) {
        all b;
        char want[21][96];
        baseline_all(&recs[i], on, &b);
        all_text(&b, want);
        kigen_set_date(c, f_birth, recs[i].birth);
        kigen_set_date(c, f_app, recs[i].app);
        kigen_set_date(c, f_issue, recs[i].issue);
        if (kigen_eval(c) != KIGEN_OK) {
            fprintf(stderr, "record %ld: %s\n", i, kigen_errmsg(c));
            return 1;
        }
        for (int k = 0; k < 21; k++) {
            kigen_value v;
            char got[256];
            kigen_get(c, k, &v);
            kigen_value_format(&v, got, sizeof got);
            if (strcmp(got, want[k]) != 0 && mismatches++ < 5)
                fprintf(stderr, "record %ld, %s: engine '%s', baseline '%s'\n", i, kigen_output_name(rs, k), got,
                        want[k]);
        }
    }
    if (mismatches) {
        fprintf(stderr, "%ld mismatches between the engine and the baselines\n", mismatches);
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
    double best_base = 1e9, best_eng = 1e9, best_sel = 1e9, best_all = 1e9;
    volatile uint64_t sink = 0;
    for (int rep = 0; rep < reps; rep++) {
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
        for (long i = 0; i < n; i++) {
            all b;
            baseline_all(&recs[i], on, &b);
            sink += (uint64_t)b.card + (uint64_t)b.services + (uint64_t)b.step;
        }
        double t4 = now();
        if (t4 - t3 < best_all)
            best_all = t4 - t3;
        if (t1 - t0 < best_base)
            best_base = t1 - t0;
        if (t2 - t1 < best_eng)
            best_eng = t2 - t1;
        if (t3 - t2 < best_sel)
            best_sel = t3 - t2;
    }
    (void)sink;
    printf("records: %ld (all agree with the baseline)\n", n);
    printf("baseline, hand-written C, 7 outputs:   %8.1f ns/record\n", best_base / n * 1e9);
    printf("engine, the same 7 outputs selected:   %8.1f ns/record   ratio %.2fx\n", best_sel / n * 1e9,
           best_sel / best_base);
    printf("baseline, hand-written C, 21 outputs:  %8.1f ns/record\n", best_all / n * 1e9);
    printf("engine, all 21 outputs:                %8.1f ns/record   ratio %.2fx\n", best_eng / n * 1e9,
           best_eng / best_all);
    printf("engine throughput (7 outputs): %.2f M records/s\n", n / best_sel / 1e6);
    kigen_ctx_free(sel);
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
    free(recs);
    return 0;
}
