/* kigen_batch_text and kigen_batch_values: records in memory evaluated on
 * the caller's threads. Every row's every output, formatted, must equal
 * what one context gives in a plain sequential loop, whatever the number
 * of threads; the callback runs exactly once per row; rows with bad values
 * fail alone; the callback can stop the batch; columns, options and misuse
 * are checked before anything runs; policy scripts work per context, and
 * a rule set whose contexts cannot start fails the batch; a thread that
 * cannot be created leaves its rows to the calling thread.
 *
 * The rows are built from the national pack (rules/jp/mynumber.yaml) with
 * a fixed pseudo-random sequence: birth_date, card_issue_date and
 * application_date, some of them malformed, missing or out of range.
 *
 * cmocka's assertions jump out of the test, so the callbacks, which run on
 * worker threads, only count what went wrong; the test asserts afterwards. */
#define _GNU_SOURCE /* pthread_getattr_default_np: a thread that cannot be created */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "kigen.h"
#include "support/support.h"

#define NROWS 2000
#define NSOME 800 /* rows for the variations */
#define NCOLS 3
#define DESC 8192

static const char *const columns[NCOLS] = {"birth_date", "card_issue_date", "application_date"};

/* ------------------------------------------------------------------ */
/* The rows                                                            */
/* ------------------------------------------------------------------ */

static kigen_ruleset *pack;
static char cell_text[NROWS * NCOLS][24];
static const char *cells[NROWS * NCOLS]; /* NULL or "" when not given */
static kigen_value vcells[NROWS * NCOLS];
static kigen_date today;

static uint32_t rng_state = 12345;
static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (rng_state >> 8) % n;
}

static kigen_date ymd(int y, int m, int d)
{
    kigen_date out = 0;
    if (kigen_date_from_ymd(y, m, d, &out) != KIGEN_OK)
        fail_msg("no day %d-%d-%d", y, m, d);
    return out;
}

static void put(size_t row, int col, const char *text)
{
    snprintf(cell_text[row * NCOLS + (size_t)col], sizeof cell_text[0], "%s", text);
    cells[row * NCOLS + (size_t)col] = cell_text[row * NCOLS + (size_t)col];
}

static void put_date(size_t row, int col, kigen_date d)
{
    char iso[16];
    kigen_date_format_iso(d, iso, sizeof iso);
    put(row, col, iso);
}

static void make_rows(void)
{
    for (size_t r = 0; r < NROWS; r++) {
        /* one rnd() per statement: the order of arguments is the compiler's */
        int y = 1925 + (int)rnd(95);
        int m = 1 + (int)rnd(12);
        int d = 1 + (int)rnd(28);
        kigen_date birth = r % 17 == 0 ? ymd(1960 + 4 * (y % 15), 2, 29) /* feb29 and age params matter */
                                       : ymd(y, m, d);
        kigen_date issue = ymd(2016, 1, 1) + (kigen_date)rnd(365 * 14);
        put_date(r, 0, birth);
        put_date(r, 1, issue);
        switch (rnd(3)) {
        case 0: cells[r * NCOLS + 2] = r % 2 ? NULL : ""; break; /* not given */
        default:
            put_date(r, 2, issue - (kigen_date)rnd(400));
            break; /* sometimes before applications began */
        }
        if (r % 53 == 7)
            put(r, 0, "1990-02-30"); /* no such day */
        if (r % 97 == 11)
            put(r, 0, "not a date");
        if (r % 71 == 5)
            cells[r * NCOLS + 1] = NULL; /* a required fact missing: the evaluation fails */
        if (r % 89 == 3)
            put(r, 1, "R2.3.4"); /* an era date */
    }
    /* The same rows as typed cells: dates as dates, the rest as text. */
    for (size_t i = 0; i < NROWS * NCOLS; i++) {
        kigen_value *v = &vcells[i];
        memset(v, 0, sizeof *v);
        if (!cells[i] || !cells[i][0])
            v->type = KIGEN_T_NONE;
        else if (kigen_date_parse(cells[i], (size_t)-1, &v->u.date, NULL, 0) == KIGEN_OK)
            v->type = KIGEN_T_DATE;
        else {
            v->type = KIGEN_T_STRING;
            v->u.str.ptr = cells[i];
            v->u.str.len = strlen(cells[i]);
        }
    }
}

/* ------------------------------------------------------------------ */
/* One row's outcome as text, and the sequential reference             */
/* ------------------------------------------------------------------ */

static bool evaluated(int status)
{
    return status == KIGEN_OK || status == KIGEN_EEVAL || status == KIGEN_ELUA;
}

/* "status|message|name=type:value;..." for every output (only the status
 * and message when a cell could not be set: nothing was evaluated).
 * False when buf was too small. */
static bool describe(const kigen_ctx *c, int status, char *buf, size_t n)
{
    const kigen_ruleset *rs = kigen_ctx_ruleset(c);
    int k = snprintf(buf, n, "%d|%s|", status, kigen_errmsg(c));
    if (k < 0 || (size_t)k >= n)
        return false;
    size_t at = (size_t)k;
    if (!evaluated(status))
        return true;
    for (int i = 0; i < kigen_output_count(rs); i++) {
        kigen_value v;
        char val[2048];
        int rc = kigen_get(c, i, &v);
        if (rc == KIGEN_OK) {
            if (kigen_value_format(&v, val, sizeof val) >= sizeof val)
                return false;
        } else {
            snprintf(val, sizeof val, "<%d>", rc);
        }
        k = snprintf(buf + at, n - at, "%s=%d:%s;", kigen_output_name(rs, i),
                     rc == KIGEN_OK ? (int)v.type : -1, val);
        if (k < 0 || (size_t)k >= n - at)
            return false;
        at += (size_t)k;
    }
    return true;
}

typedef struct cfg {
    kigen_date today;
    const char *lang;
    const char *const *params; /* "name=value" */
    size_t nparams;
    const char *const *outputs;
    size_t noutputs;
    bool typed;
} cfg;

/* Every row through one context, in order: what a batch must give. */
static char **reference(kigen_ruleset *rs, const cfg *g, size_t nrows)
{
    kigen_ctx *c = NULL;
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_OK);
    assert_int_equal(kigen_set_today(c, g->today), KIGEN_OK);
    if (g->lang)
        assert_int_equal(kigen_set_lang(c, g->lang), KIGEN_OK);
    for (size_t i = 0; i < g->nparams; i++) {
        char name[128];
        const char *eq = strchr(g->params[i], '=');
        assert_non_null(eq);
        snprintf(name, sizeof name, "%.*s", (int)(eq - g->params[i]), g->params[i]);
        assert_int_equal(kigen_set_param(c, name, eq + 1), KIGEN_OK);
    }
    if (g->noutputs)
        assert_int_equal(kigen_ctx_select_outputs(c, g->outputs, g->noutputs), KIGEN_OK);
    int fact[NCOLS];
    for (int k = 0; k < NCOLS; k++)
        assert_true((fact[k] = kigen_fact_index(rs, columns[k])) >= 0);
    char **out = calloc(nrows, sizeof *out);
    assert_non_null(out);
    char *buf = malloc(DESC);
    assert_non_null(buf);
    for (size_t r = 0; r < nrows; r++) {
        kigen_ctx_reset(c);
        kigen_set_record(c, (long)r + 1, NULL);
        int rc = KIGEN_OK;
        for (int k = 0; k < NCOLS && rc == KIGEN_OK; k++) {
            size_t i = r * NCOLS + (size_t)k;
            if (!g->typed) {
                if (cells[i] && cells[i][0])
                    rc = kigen_set_text(c, fact[k], cells[i], strlen(cells[i]));
            } else if (vcells[i].type == KIGEN_T_DATE) {
                rc = kigen_set_date(c, fact[k], vcells[i].u.date);
            } else if (vcells[i].type == KIGEN_T_STRING) {
                rc = kigen_set_text(c, fact[k], vcells[i].u.str.ptr, vcells[i].u.str.len);
            }
        }
        int status = rc == KIGEN_OK ? kigen_eval(c) : rc;
        assert_true(describe(c, status, buf, DESC));
        out[r] = strdup(buf);
        assert_non_null(out[r]);
    }
    free(buf);
    kigen_ctx_free(c);
    return out;
}

static void free_rows(char **rows, size_t n)
{
    if (!rows)
        return;
    for (size_t i = 0; i < n; i++)
        free(rows[i]);
    free(rows);
}

/* ------------------------------------------------------------------ */
/* The callback's record of a batch                                    */
/* ------------------------------------------------------------------ */

#define MAX_SEEN 64

typedef struct run {
    size_t nrows;
    char **out;        /* per row: describe() */
    atomic_int *calls; /* per row: how many times the callback saw it */
    atomic_int bad;    /* something inside a callback was wrong */
    atomic_int stale;  /* a row that was not evaluated still gave values */
    atomic_size_t seq; /* callbacks so far */
    atomic_int out_of_order;
    atomic_int off_caller; /* callbacks on another thread than the caller's */
    pthread_t caller;
    long stop_at;     /* return 1 at this row; -1: never */
    bool stop_always; /* return 1 every time */
    /* the threads seen, and (wait_for > 1) a rendezvous of that many */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t seen[MAX_SEEN];
    int nseen;
    int wait_for;
} run;

static void run_init(run *r, size_t nrows)
{
    memset(r, 0, sizeof *r);
    r->nrows = nrows;
    r->out = calloc(nrows ? nrows : 1, sizeof *r->out);
    r->calls = calloc(nrows ? nrows : 1, sizeof *r->calls);
    assert_non_null(r->out);
    assert_non_null(r->calls);
    for (size_t i = 0; i < nrows; i++)
        atomic_init(&r->calls[i], 0);
    atomic_init(&r->bad, 0);
    atomic_init(&r->stale, 0);
    atomic_init(&r->seq, 0);
    atomic_init(&r->out_of_order, 0);
    atomic_init(&r->off_caller, 0);
    r->caller = pthread_self();
    r->stop_at = -1;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
}

static void run_free(run *r)
{
    free_rows(r->out, r->nrows);
    free(r->calls);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
}

static size_t delivered(run *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nrows; i++) {
        int k = atomic_load(&r->calls[i]);
        if (k > 1)
            fail_msg("row %zu was handed to the callback %d times", i, k);
        n += (size_t)k;
    }
    assert_int_equal(n, atomic_load(&r->seq));
    return n;
}

static void note_thread(run *r)
{
    pthread_t me = pthread_self();
    pthread_mutex_lock(&r->mu);
    bool known = false;
    for (int i = 0; i < r->nseen; i++)
        known = known || pthread_equal(r->seen[i], me);
    if (!known && r->nseen < MAX_SEEN) {
        r->seen[r->nseen++] = me;
        pthread_cond_broadcast(&r->cv);
    }
    if (r->wait_for > 1) {
        /* wait (5 s at most) until wait_for threads are in the callback */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 5;
        while (r->nseen < r->wait_for)
            if (pthread_cond_timedwait(&r->cv, &r->mu, &until) != 0)
                break;
        if (r->nseen < r->wait_for)
            atomic_fetch_add(&r->bad, 1);
    }
    pthread_mutex_unlock(&r->mu);
}

static int on_row(void *ud, size_t row, const kigen_ctx *c, int status)
{
    run *r = ud;
    if (row >= r->nrows || !c) {
        atomic_fetch_add(&r->bad, 1);
        return 1;
    }
    int before = atomic_fetch_add(&r->calls[row], 1);
    if (atomic_fetch_add(&r->seq, 1) != row)
        atomic_fetch_add(&r->out_of_order, 1);
    if (!pthread_equal(pthread_self(), r->caller))
        atomic_fetch_add(&r->off_caller, 1);
    note_thread(r);
    if (!evaluated(status)) {
        /* nothing was evaluated: no value may be read (not the last row's) */
        kigen_value v;
        for (int i = 0; i < kigen_output_count(kigen_ctx_ruleset(c)); i++)
            if (kigen_get(c, i, &v) != KIGEN_EMISUSE)
                atomic_fetch_add(&r->stale, 1);
        if (kigen_errcode(c) != status || !kigen_errmsg(c)[0])
            atomic_fetch_add(&r->bad, 1);
    }
    char buf[DESC];
    if (!describe(c, status, buf, sizeof buf))
        atomic_fetch_add(&r->bad, 1);
    if (before == 0)
        r->out[row] = strdup(buf);
    if (r->stop_always || (long)row == r->stop_at)
        return 1;
    return 0;
}

/* Every row delivered once, and as the reference says. */
static void expect_rows(run *r, char **want)
{
    assert_int_equal(atomic_load(&r->bad), 0);
    assert_int_equal(atomic_load(&r->stale), 0);
    assert_int_equal(delivered(r), r->nrows);
    for (size_t i = 0; i < r->nrows; i++) {
        assert_non_null(r->out[i]);
        if (strcmp(r->out[i], want[i]) != 0)
            fail_msg("row %zu:\n batch:      %s\n sequential: %s", i, r->out[i], want[i]);
    }
}

static kigen_batch_opts opts_for(const cfg *g, int threads, char *err, size_t errlen)
{
    kigen_batch_opts o = KIGEN_BATCH_OPTS_INIT;
    o.threads = threads;
    o.today = g->today;
    o.lang = g->lang;
    o.params = g->params;
    o.nparams = g->nparams;
    o.outputs = g->outputs;
    o.noutputs = g->noutputs;
    o.errbuf = err;
    o.errlen = errlen;
    return o;
}

static int batch(const cfg *g, int threads, run *r, char *err, size_t errlen)
{
    kigen_batch_opts o = opts_for(g, threads, err, errlen);
    return g->typed ? kigen_batch_values(pack, columns, NCOLS, vcells, r->nrows, &o, on_row, r)
                    : kigen_batch_text(pack, columns, NCOLS, cells, r->nrows, &o, on_row, r);
}

/* ------------------------------------------------------------------ */
/* Setup                                                               */
/* ------------------------------------------------------------------ */

static char **want_text; /* the default cfg's reference, text cells */

static int setup(void **state)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/rules/jp/mynumber.yaml", support_source_dir());
    kigen_diags *d = NULL;
    if (kigen_load_file(path, NULL, &pack, &d) != KIGEN_OK) {
        support_print_diags(d);
        kigen_diags_free(d);
        return -1;
    }
    kigen_diags_free(d);
    today = ymd(2026, 11, 24);
    make_rows();
    cfg g = {.today = today};
    want_text = reference(pack, &g, NROWS);
    return 0;
}

static int teardown(void **state)
{
    free_rows(want_text, NROWS);
    kigen_ruleset_free(pack);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

/* The rows exercise what they should: good rows, rows that cannot be set,
 * rows whose evaluation fails. */
static void test_rows_cover_the_cases(void **state)
{
    int ok = 0, parse = 0, eval = 0;
    for (size_t i = 0; i < NROWS; i++) {
        int status = atoi(want_text[i]);
        ok += status == KIGEN_OK;
        parse += status == KIGEN_EPARSE;
        eval += status == KIGEN_EEVAL;
    }
    print_message("rows: %d ok, %d EPARSE, %d EEVAL of %d\n", ok, parse, eval, NROWS);
    assert_true(ok > NROWS / 2);
    assert_true(parse > 50);
    assert_true(eval > 20);
    assert_int_equal(ok + parse + eval, NROWS);
}

static void same_as_sequential(const cfg *g, char **want, size_t nrows, int threads)
{
    run r;
    run_init(&r, nrows);
    char err[256] = "untouched";
    int rc = batch(g, threads, &r, err, sizeof err);
    if (rc != KIGEN_OK)
        fail_msg("threads %d: %s: %s", threads, kigen_status_str(rc), err);
    assert_string_equal(err, "");
    expect_rows(&r, want);
    if (threads == 1) {
        /* the calling thread alone, in row order */
        assert_int_equal(atomic_load(&r.out_of_order), 0);
        assert_int_equal(atomic_load(&r.off_caller), 0);
        assert_int_equal(r.nseen, 1);
    } else {
        int cap = threads ? threads : 64;
        assert_true(r.nseen >= 1 && r.nseen <= cap);
    }
    run_free(&r);
}

static void test_text_threads_1_2_4(void **state)
{
    cfg g = {.today = today};
    same_as_sequential(&g, want_text, NROWS, 1);
    same_as_sequential(&g, want_text, NROWS, 2);
    same_as_sequential(&g, want_text, NROWS, 4);
    same_as_sequential(&g, want_text, NROWS, 0); /* one per processor */
}

static void test_values_threads_1_2_4(void **state)
{
    cfg g = {.today = today, .typed = true};
    char **want = reference(pack, &g, NSOME);
    /* the typed rows are the text rows: only rows out of range differ
     * (kigen_set_date says EINVAL where the text parser says EPARSE) */
    size_t differ = 0;
    for (size_t i = 0; i < NSOME; i++)
        differ += strcmp(want[i], want_text[i]) != 0;
    assert_true(differ > 0 && differ < NSOME / 5);
    same_as_sequential(&g, want, NSOME, 1);
    same_as_sequential(&g, want, NSOME, 2);
    same_as_sequential(&g, want, NSOME, 4);
    free_rows(want, NSOME);
}

/* Several threads really run rows at once: the callback of the first row
 * of each thread waits until two threads are inside it. */
static void test_threads_run_at_once(void **state)
{
    cfg g = {.today = today};
    run r;
    run_init(&r, 64);
    r.wait_for = 2;
    assert_int_equal(batch(&g, 2, &r, NULL, 0), KIGEN_OK);
    expect_rows(&r, want_text);
    assert_int_equal(r.nseen, 2);
    assert_true(atomic_load(&r.off_caller) > 0);
    run_free(&r);
}

/* Params, today, language and a selection of outputs reach every context. */
static void test_options_as_sequential(void **state)
{
    static const char *const params[] = {"feb29_birthday=mar1", "age_method=birthday"};
    cfg g = {.today = ymd(2031, 3, 1), .lang = "ja", .params = params, .nparams = 2};
    char **want = reference(pack, &g, NSOME);
    /* the options change something: values (params, today) and messages (ja) */
    size_t differ = 0, msgs = 0;
    for (size_t i = 0; i < NSOME; i++) {
        differ += strcmp(want[i], want_text[i]) != 0;
        msgs += atoi(want[i]) == KIGEN_EPARSE && strcmp(want[i], want_text[i]) != 0;
    }
    assert_true(differ > NSOME / 2);
    assert_true(msgs > 0);
    same_as_sequential(&g, want, NSOME, 1);
    same_as_sequential(&g, want, NSOME, 3);
    free_rows(want, NSOME);

    /* only these values are computed; the others are not readable */
    static const char *const outs[] = {"card_expiry", "auth_status"};
    cfg s = {.today = today, .outputs = outs, .noutputs = 2};
    want = reference(pack, &s, NSOME);
    const char *someone = NULL;
    for (size_t i = 0; i < NSOME && !someone; i++)
        if (atoi(want[i]) == KIGEN_OK)
            someone = want[i];
    assert_non_null(someone);
    assert_non_null(strstr(someone, "card_expiry=3:"));
    assert_non_null(strstr(someone, "sign_cert_expiry=-1:<13>"));
    same_as_sequential(&s, want, NSOME, 1);
    same_as_sequential(&s, want, NSOME, 4);
    free_rows(want, NSOME);
}

/* A bad row fails alone, with its own status and message, and the next
 * row on the same context is as if it were alone. */
static void test_bad_rows_fail_alone(void **state)
{
    static const char *const rows[] = {
        "1990-05-05", "2020-06-01", "",           /* good */
        "1990-02-30", "2020-06-01", "",           /* no such day */
        "1990-05-05", NULL,         "",           /* required fact missing */
        "1990-05-05", "2020-06-01", "2010-01-01", /* application before 2015-10-05 */
        "1990-05-05", "2020-06-01", "",           /* good again */
    };
    run r;
    run_init(&r, 5);
    kigen_batch_opts o = KIGEN_BATCH_OPTS_INIT;
    o.threads = 1;
    o.today = today;
    assert_int_equal(kigen_batch_text(pack, columns, NCOLS, rows, 5, &o, on_row, &r), KIGEN_OK);
    assert_int_equal(delivered(&r), 5);
    assert_int_equal(atomic_load(&r.bad), 0);
    assert_int_equal(atomic_load(&r.stale), 0);
    assert_int_equal(atoi(r.out[0]), KIGEN_OK);
    assert_int_equal(atoi(r.out[1]), KIGEN_EPARSE);
    assert_non_null(strstr(r.out[1], "birth_date"));
    assert_int_equal(atoi(r.out[2]), KIGEN_EEVAL);
    assert_non_null(strstr(r.out[2], "card_issue_date"));
    assert_int_equal(atoi(r.out[3]), KIGEN_EPARSE);
    assert_non_null(strstr(r.out[3], "application_date"));
    assert_string_equal(r.out[4], r.out[0]);
    run_free(&r);
}

/* Typed cells: each type to the setter it names; a type that does not fit
 * fails its row only. */
static void test_typed_cells(void **state)
{
    static const char *const cols[] = {"birth_date", "card_issue_date", "card_early_renewal",
                                       "residence_status", "residence_end"};
    enum { NC = 5, NR = 9 };
    kigen_value v[NR][NC];
    memset(v, 0, sizeof v);
    for (int r = 0; r < NR; r++) {
        v[r][0].type = KIGEN_T_DATE;
        v[r][0].u.date = ymd(1990, 5, 5);
        v[r][1].type = KIGEN_T_DATE;
        v[r][1].u.date = ymd(2020, 6, 1);
        v[r][4].type = KIGEN_T_DATE; /* matters only for a foreign resident */
        v[r][4].u.date = ymd(2027, 1, 1);
    }
    v[1][0].type = KIGEN_T_INT; /* an integer for a date */
    v[1][0].u.i = 19900505;
    v[2][2].type = KIGEN_T_BOOL; /* fits */
    v[2][2].u.b = 1;
    v[3][2].type = KIGEN_T_STRING; /* text, parsed */
    v[3][2].u.str.ptr = "true";
    v[3][2].u.str.len = 4;
    v[4][3].type = KIGEN_T_ENUM;
    v[4][3].u.str.ptr = "mid_longXX";
    v[4][3].u.str.len = 8; /* "mid_long": not NUL-terminated */
    v[5][0].type = KIGEN_T_ERROR;
    v[5][0].u.str.ptr = "boom";
    v[5][0].u.str.len = 4;
    v[6][1].type = KIGEN_T_DURATION; /* a duration for a date */
    v[6][1].u.dur.n = 3;
    v[6][1].u.dur.months = 1;
    v[7][0].type = (kigen_type)99; /* not a kigen_type */
    v[8][3].type = KIGEN_T_STRING; /* a NULL pointer with a length */
    v[8][3].u.str.len = 3;
    run r;
    run_init(&r, NR);
    kigen_batch_opts o = KIGEN_BATCH_OPTS_INIT;
    o.threads = 2;
    o.today = today;
    assert_int_equal(kigen_batch_values(pack, cols, NC, &v[0][0], NR, &o, on_row, &r), KIGEN_OK);
    assert_int_equal(delivered(&r), NR);
    assert_int_equal(atomic_load(&r.bad), 0);
    assert_int_equal(atomic_load(&r.stale), 0);
    assert_int_equal(atoi(r.out[0]), KIGEN_OK);
    assert_int_equal(atoi(r.out[1]), KIGEN_ETYPE);
    assert_non_null(strstr(r.out[1], "birth_date is date"));
    assert_int_equal(atoi(r.out[2]), KIGEN_OK);
    assert_int_equal(atoi(r.out[3]), KIGEN_OK);
    assert_int_equal(atoi(r.out[4]), KIGEN_OK);
    assert_non_null(strstr(r.out[4], "card_expiry=3:2027-01-01;"));
    assert_int_equal(atoi(r.out[5]), KIGEN_ETYPE);
    assert_non_null(strstr(r.out[5], "birth_date: an error value"));
    assert_int_equal(atoi(r.out[6]), KIGEN_ETYPE);
    assert_non_null(strstr(r.out[6], "card_issue_date: a duration cannot give a fact"));
    assert_int_equal(atoi(r.out[7]), KIGEN_EMISUSE);
    assert_int_equal(atoi(r.out[8]), KIGEN_EMISUSE);
    /* the bool and its text give the same record, which is not row 0's;
     * the enum gives another (the card ends with the stay) */
    assert_string_equal(r.out[2], r.out[3]);
    assert_string_not_equal(r.out[2], r.out[0]);
    assert_string_not_equal(r.out[4], r.out[0]);
    assert_string_not_equal(r.out[4], r.out[2]);
    /* and the same as one context given the same by name */
    kigen_ctx *c = NULL;
    assert_int_equal(kigen_ctx_new(pack, &c), KIGEN_OK);
    kigen_set_today(c, today);
    assert_int_equal(kigen_set(c, "birth_date", "1990-05-05"), KIGEN_OK);
    assert_int_equal(kigen_set(c, "card_issue_date", "2020-06-01"), KIGEN_OK);
    assert_int_equal(kigen_set(c, "residence_status", "mid_long"), KIGEN_OK);
    assert_int_equal(kigen_set(c, "residence_end", "2027-01-01"), KIGEN_OK);
    kigen_set_record(c, 5, NULL);
    char buf[DESC];
    assert_true(describe(c, kigen_eval(c), buf, sizeof buf));
    assert_string_equal(r.out[4], buf);
    kigen_ctx_free(c);
    run_free(&r);
}

/* A non-zero return stops the batch: on one thread, exactly the rows up to
 * that one; on four, each thread delivers at most the row it was on. */
static void test_stop(void **state)
{
    cfg g = {.today = today};
    char err[256];
    run r;
    run_init(&r, NROWS);
    r.stop_at = 100;
    assert_int_equal(batch(&g, 1, &r, err, sizeof err), KIGEN_ECANCELED);
    assert_string_equal(err, "the callback stopped the batch at row 100");
    assert_int_equal(delivered(&r), 101);
    for (size_t i = 0; i <= 100; i++)
        assert_string_equal(r.out[i], want_text[i]);
    run_free(&r);

    for (int round = 0; round < 5; round++) {
        run_init(&r, NROWS);
        r.stop_always = true;
        assert_int_equal(batch(&g, 4, &r, err, sizeof err), KIGEN_ECANCELED);
        size_t n = delivered(&r);
        assert_true(n >= 1 && n <= 4);
        assert_non_null(strstr(err, "stopped the batch at row"));
        for (size_t i = 0; i < NROWS; i++)
            if (r.out[i])
                assert_string_equal(r.out[i], want_text[i]);
        run_free(&r);
    }
    assert_string_equal(kigen_status_str(KIGEN_ECANCELED),
                        "KIGEN_ECANCELED: stopped at the callback's request");
}

static void expect_refused(int rc, int want, const char *err, const char *text, run *r)
{
    if (rc != want)
        fail_msg("expected %s, got %s (%s)", kigen_status_str(want), kigen_status_str(rc), err);
    if (text && !strstr(err, text))
        fail_msg("message '%s' does not say '%s'", err, text);
    assert_int_equal(atomic_load(&r->seq), 0); /* nothing ran */
}

/* Columns are resolved once, before anything runs: aliases work, an unknown
 * name or two columns for one fact are refused. */
static void test_columns(void **state)
{
    char err[256];
    run r;
    run_init(&r, NROWS);
    kigen_batch_opts o = KIGEN_BATCH_OPTS_INIT;
    o.today = today;
    o.errbuf = err;
    o.errlen = sizeof err;
    static const char *const typo[] = {"birth_date", "card_isue_date", "application_date"};
    expect_refused(kigen_batch_text(pack, typo, NCOLS, cells, NROWS, &o, on_row, &r), KIGEN_ENOTFOUND, err,
                   "column 1: no fact named 'card_isue_date' (did you mean 'card_issue_date'?)", &r);
    static const char *const unknown[] = {"birth_date", "zzzzzzzzzzzzzzzz", "application_date"};
    expect_refused(kigen_batch_text(pack, unknown, NCOLS, cells, NROWS, &o, on_row, &r), KIGEN_ENOTFOUND, err,
                   "column 1: no fact named 'zzzzzzzzzzzzzzzz'", &r);
    assert_null(strstr(err, "did you mean"));
    static const char *const twice[] = {"birth_date", "card_issue_date", "生年月日"};
    expect_refused(kigen_batch_text(pack, twice, NCOLS, cells, NROWS, &o, on_row, &r), KIGEN_EINVAL, err,
                   "both give the fact birth_date", &r);
    /* a control character in a name is escaped in the message */
    static const char *const ctl[] = {"birth\ndate"};
    expect_refused(kigen_batch_text(pack, ctl, 1, cells, 1, &o, on_row, &r), KIGEN_ENOTFOUND, err,
                   "birth\\ndate", &r);
    /* aliases name the same facts */
    static const char *const alias[] = {"生年月日", "カード発行日", "交付申請日"};
    o.threads = 2;
    assert_int_equal(kigen_batch_text(pack, alias, NCOLS, cells, NROWS, &o, on_row, &r), KIGEN_OK);
    assert_string_equal(err, "");
    expect_rows(&r, want_text);
    run_free(&r);
}

/* Options that cannot be used are refused before anything runs. */
static void test_bad_options(void **state)
{
    char err[256];
    run r;
    run_init(&r, 10);
    kigen_batch_opts o = KIGEN_BATCH_OPTS_INIT;
    o.errbuf = err;
    o.errlen = sizeof err;
    o.threads = -1;
    expect_refused(kigen_batch_text(pack, columns, NCOLS, cells, 10, &o, on_row, &r), KIGEN_EINVAL, err,
                   "threads is -1", &r);
    o.threads = KIGEN_BATCH_MAX_THREADS + 1;
    expect_refused(kigen_batch_text(pack, columns, NCOLS, cells, 10, &o, on_row, &r), KIGEN_EINVAL, err,
                   "threads is 257", &r);
    o.threads = 2;
    const char *p1[] = {"feb29_birthday"};
    o.params = p1;
    o.nparams = 1;
    expect_refused(kigen_batch_text(pack, columns, NCOLS, cells, 10, &o, on_row, &r), KIGEN_EINVAL, err,
                   "params[0] is 'feb29_birthday', not name=value", &r);
    const char *p2[] = {"feb29_birthday=mar1", "feb29_brthday=mar1"};
    o.params = p2;
    o.nparams = 2;
    expect_refused(
        kigen_batch_text(pack, columns, NCOLS, cells, 10, &o, on_row, &r), KIGEN_ENOTFOUND, err,
        "kigen_batch_opts.params[1]: no param named 'feb29_brthday' (did you mean 'feb29_birthday'?)", &r);
    const char *p3[] = {"feb29_birthday=mar2"};
    o.params = p3;
    o.nparams = 1;
    expect_refused(kigen_batch_text(pack, columns, NCOLS, cells, 10, &o, on_row, &r), KIGEN_EPARSE, err,
                   "kigen_batch_opts.params[0]: param feb29_birthday", &r);
    o.params = NULL;
    o.nparams = 0;
    const char *outs[] = {"card_expiry", "card_expirry"};
    o.outputs = outs;
    o.noutputs = 2;
    expect_refused(kigen_batch_text(pack, columns, NCOLS, cells, 10, &o, on_row, &r), KIGEN_ENOTFOUND, err,
                   "kigen_batch_opts.outputs:", &r);
    o.outputs = NULL;
    o.noutputs = 0;
    o.lang = "fr";
    expect_refused(kigen_batch_text(pack, columns, NCOLS, cells, 10, &o, on_row, &r), KIGEN_EINVAL, err,
                   "kigen_batch_opts.lang:", &r);
    o.lang = NULL;
    o.today = -5;
    expect_refused(kigen_batch_text(pack, columns, NCOLS, cells, 10, &o, on_row, &r), KIGEN_ERANGE, err,
                   "kigen_batch_opts.today:", &r);
    /* a message cut to the buffer, still terminated */
    o.today = 0;
    o.threads = 300;
    char small[8];
    memset(small, 'x', sizeof small);
    o.errbuf = small;
    o.errlen = sizeof small;
    assert_int_equal(kigen_batch_text(pack, columns, NCOLS, cells, 10, &o, on_row, &r), KIGEN_EINVAL);
    assert_int_equal(strlen(small), sizeof small - 1);
    run_free(&r);
}

/* Misuse: NULL arguments and a size of 0, refused before anything runs. */
static void test_misuse(void **state)
{
    char err[256];
    run r;
    run_init(&r, 10);
    kigen_batch_opts o = KIGEN_BATCH_OPTS_INIT;
    o.errbuf = err;
    o.errlen = sizeof err;
    o.threads = 2;
    expect_refused(kigen_batch_text(NULL, columns, NCOLS, cells, 10, &o, on_row, &r), KIGEN_EMISUSE, err,
                   "the rule set is NULL", &r);
    expect_refused(kigen_batch_text(pack, columns, NCOLS, cells, 10, &o, NULL, &r), KIGEN_EMISUSE, err,
                   "the callback is NULL", &r);
    expect_refused(kigen_batch_text(pack, NULL, NCOLS, cells, 10, &o, on_row, &r), KIGEN_EMISUSE, err,
                   "columns is NULL", &r);
    expect_refused(kigen_batch_text(pack, columns, NCOLS, NULL, 10, &o, on_row, &r), KIGEN_EMISUSE, err,
                   "cells is NULL", &r);
    expect_refused(kigen_batch_values(pack, columns, NCOLS, NULL, 10, &o, on_row, &r), KIGEN_EMISUSE, err,
                   "cells is NULL", &r);
    static const char *const null_name[] = {"birth_date", NULL, "application_date"};
    expect_refused(kigen_batch_text(pack, null_name, NCOLS, cells, 10, &o, on_row, &r), KIGEN_EMISUSE, err,
                   "column 1: the name is NULL", &r);
    expect_refused(kigen_batch_text(pack, columns, NCOLS, cells, SIZE_MAX / 2, &o, on_row, &r), KIGEN_EMISUSE,
                   err, "more than memory holds", &r);
    o.nparams = 1;
    expect_refused(kigen_batch_text(pack, columns, NCOLS, cells, 10, &o, on_row, &r), KIGEN_EMISUSE, err,
                   "params is NULL", &r);
    o.nparams = 0;
    o.noutputs = 3;
    expect_refused(kigen_batch_text(pack, columns, NCOLS, cells, 10, &o, on_row, &r), KIGEN_EMISUSE, err,
                   "outputs is NULL", &r);
    o.noutputs = 0;
    const char *null_param[] = {NULL};
    o.params = null_param;
    o.nparams = 1;
    expect_refused(kigen_batch_text(pack, columns, NCOLS, cells, 10, &o, on_row, &r), KIGEN_EMISUSE, err,
                   "params[0] is NULL", &r);
    o.params = NULL;
    o.nparams = 0;
    /* size 0: not a kigen_batch_opts at all, so its errbuf is not written */
    o.size = 0;
    strcpy(err, "untouched");
    expect_refused(kigen_batch_text(pack, columns, NCOLS, cells, 10, &o, on_row, &r), KIGEN_EMISUSE, err,
                   "untouched", &r);
    /* a newer, larger struct: fine while the fields we do not know are zero */
    struct {
        kigen_batch_opts o;
        int later;
    } big;
    memset(&big, 0, sizeof big);
    big.o = (kigen_batch_opts)KIGEN_BATCH_OPTS_INIT;
    big.o.size = sizeof big;
    big.o.today = today;
    big.o.errbuf = err;
    big.o.errlen = sizeof err;
    big.later = 1;
    expect_refused(kigen_batch_text(pack, columns, NCOLS, cells, 10, &big.o, on_row, &r), KIGEN_EVERSION, err,
                   "options this library does not know", &r);
    big.later = 0;
    assert_int_equal(kigen_batch_text(pack, columns, NCOLS, cells, 10, &big.o, on_row, &r), KIGEN_OK);
    assert_int_equal(delivered(&r), 10);
    run_free(&r);

    /* no rows, no columns, no opts: nothing to do, fine */
    run_init(&r, 0);
    assert_int_equal(kigen_batch_text(pack, columns, NCOLS, NULL, 0, NULL, on_row, &r), KIGEN_OK);
    assert_int_equal(kigen_batch_values(pack, NULL, 0, NULL, 0, NULL, on_row, &r), KIGEN_OK);
    assert_int_equal(atomic_load(&r.seq), 0);
    run_free(&r);
    /* rows without columns: every fact absent, each row still evaluated */
    run_init(&r, 3);
    assert_int_equal(kigen_batch_text(pack, NULL, 0, NULL, 3, NULL, on_row, &r), KIGEN_OK);
    assert_int_equal(delivered(&r), 3);
    assert_int_equal(atoi(r.out[0]), KIGEN_EEVAL);
    run_free(&r);
}

/* A thread that cannot be created (here: every one, as their stacks cannot
 * be mapped) leaves its rows to the calling thread: same rows, same values. */
static void test_thread_create_fails(void **state)
{
    pthread_attr_t old, huge;
    assert_int_equal(pthread_getattr_default_np(&old), 0);
    assert_int_equal(pthread_attr_init(&huge), 0);
    assert_int_equal(pthread_attr_setstacksize(&huge, (size_t)1 << 60), 0);
    assert_int_equal(pthread_setattr_default_np(&huge), 0);
    cfg g = {.today = today};
    run r;
    run_init(&r, NROWS);
    char err[256];
    int rc = batch(&g, 4, &r, err, sizeof err);
    pthread_setattr_default_np(&old);
    pthread_attr_destroy(&huge);
    pthread_attr_destroy(&old);
    assert_int_equal(rc, KIGEN_OK);
    expect_rows(&r, want_text);
    assert_int_equal(atomic_load(&r.off_caller), 0);
    assert_int_equal(r.nseen, 1);
    run_free(&r);
}

/* ---- the host allocator ---------------------------------------------- */

/* Counts live bytes; refuses request number fail_at (1-based; 0: none).
 * Called from the batch's threads at once. */
typedef struct counting {
    atomic_long requests, live, fail_at;
} counting;

static void *count_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    counting *a = ud;
    if (nsize == 0) {
        if (ptr)
            atomic_fetch_sub(&a->live, (long)osize);
        free(ptr);
        return NULL;
    }
    if (atomic_fetch_add(&a->requests, 1) + 1 == atomic_load(&a->fail_at))
        return NULL;
    void *p = realloc(ptr, nsize);
    if (p)
        atomic_fetch_add(&a->live, (long)nsize - (long)(ptr ? osize : 0));
    return p;
}

/* Every allocation a batch makes goes through the rule set's allocator;
 * each one refused in turn gives KIGEN_ENOMEM before any row, or rows that
 * are still right (or fail), never a leak or a wrong value. */
static void test_allocation_failures(void **state)
{
    enum { N = 40 };
    counting a;
    atomic_init(&a.requests, 0);
    atomic_init(&a.live, 0);
    atomic_init(&a.fail_at, 0);
    kigen_opts lo = KIGEN_OPTS_INIT;
    lo.alloc = count_alloc;
    lo.alloc_ud = &a;
    char path[1024];
    snprintf(path, sizeof path, "%s/rules/jp/mynumber.yaml", support_source_dir());
    kigen_ruleset *rs = NULL;
    assert_int_equal(kigen_load_file(path, &lo, &rs, NULL), KIGEN_OK);
    long base = atomic_load(&a.live);
    kigen_batch_opts o = KIGEN_BATCH_OPTS_INIT;
    o.threads = 2;
    o.today = today;
    char err[256];
    o.errbuf = err;
    o.errlen = sizeof err;
    run r;
    run_init(&r, N);
    atomic_store(&a.requests, 0);
    assert_int_equal(kigen_batch_text(rs, columns, NCOLS, cells, N, &o, on_row, &r), KIGEN_OK);
    expect_rows(&r, want_text);
    run_free(&r);
    long total = atomic_load(&a.requests);
    assert_true(total > 4);
    assert_int_equal(atomic_load(&a.live), base);
    /* every request while the batch sets up (its own code), then a sample
     * of those made while rows run (the engine's, tested elsewhere) */
    int refused = 0, wrong = 0;
    long setup_end = 0;
    for (long k = 1; k <= total + 2; k += setup_end && k > setup_end + 8 ? total / 16 + 1 : 1) {
        atomic_store(&a.requests, 0);
        atomic_store(&a.fail_at, k);
        run_init(&r, N);
        int rc = kigen_batch_text(rs, columns, NCOLS, cells, N, &o, on_row, &r);
        atomic_store(&a.fail_at, 0);
        if (rc == KIGEN_ENOMEM) {
            refused++;
            assert_int_equal(atomic_load(&r.seq), 0);
            assert_non_null(strstr(err, "out of memory"));
        } else {
            if (!setup_end)
                setup_end = k;
            assert_int_equal(rc, KIGEN_OK);
            assert_int_equal(delivered(&r), N);
            assert_int_equal(atomic_load(&r.bad), 0);
            assert_int_equal(atomic_load(&r.stale), 0);
            for (size_t i = 0; i < N; i++)
                wrong += atoi(r.out[i]) == KIGEN_OK && strcmp(r.out[i], want_text[i]) != 0;
        }
        run_free(&r);
        if (atomic_load(&a.live) != base)
            fail_msg("refusing request %ld: %ld bytes more live after the batch", k,
                     atomic_load(&a.live) - base);
    }
    print_message("a batch of %d rows on 2 threads: %ld requests; the first %d refused fail the batch\n", N,
                  total, refused);
    assert_int_equal(wrong, 0);
    assert_true(refused > 0);
    kigen_ruleset_free(rs);
    assert_int_equal(atomic_load(&a.live), 0);
}

/* ---- policy scripts --------------------------------------------------- */

static char tmpdir[256];

static void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void remove_file(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    unlink(path);
}

static kigen_ruleset *load_tmp(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    kigen_ruleset *rs = NULL;
    kigen_diags *d = NULL;
    int rc = kigen_load_file(path, NULL, &rs, &d);
    if (rc != KIGEN_OK)
        support_print_diags(d);
    kigen_diags_free(d);
    assert_int_equal(rc, KIGEN_OK);
    return rs;
}

static const char policy_yaml[] = "kigen: 1\n"
                                  "name: batch-policy\n"
                                  "lua: [policy.lua]\n"
                                  "facts:\n"
                                  "  n: {type: integer}\n"
                                  "rules:\n"
                                  "  t: {source: test, value: tripled(n)}\n"
                                  "outputs: [t]\n";
static const char policy_lua[] =
    "kigen.register_function{ name = 'tripled', args = {'integer'}, returns = 'integer',\n"
    "  fn = function(n) if n == 13 then error('thirteen') end return 3 * n end }\n";
/* Registers one more function in a context than at load time: a context's
 * require fails with another message than the loader's. */
static const char unstable_yaml[] = "kigen: 1\n"
                                    "name: batch-unstable\n"
                                    "lua: [unstable.lua]\n"
                                    "facts:\n"
                                    "  n: {type: integer}\n"
                                    "rules:\n"
                                    "  t: {source: test, value: tripled(n)}\n"
                                    "outputs: [t]\n";
static const char unstable_lua[] =
    "kigen.register_function{ name = 'tripled', args = {'integer'}, returns = 'integer',\n"
    "  fn = function(n) return 3 * n end }\n"
    "local ok, e = pcall(require, 'no_such_module')\n"
    "if not ok and tostring(e):find('was not loaded with the rule set', 1, true) then\n"
    "  kigen.register_function{ name = 'extra', args = {'integer'}, returns = 'integer',\n"
    "    fn = function(n) return n end }\n"
    "end\n";

static int make_tmp(void **state)
{
    snprintf(tmpdir, sizeof tmpdir, "%s", "/tmp/kigen-test-batch-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    return 0;
}

static int remove_tmp(void **state)
{
    remove_file("policy.yaml");
    remove_file("policy.lua");
    remove_file("unstable.yaml");
    remove_file("unstable.lua");
    rmdir(tmpdir);
    return 0;
}

static int on_policy_row(void *ud, size_t row, const kigen_ctx *c, int status)
{
    char **out = ud;
    char buf[512];
    kigen_value v;
    int rc = kigen_get(c, 0, &v);
    snprintf(buf, sizeof buf, "%d|%s|%lld", status, kigen_errmsg(c),
             rc == KIGEN_OK && v.type == KIGEN_T_INT ? (long long)v.u.i : -1LL);
    out[row] = strdup(buf);
    return 0;
}

/* Each context runs its own Lua state; a script's error fails its row,
 * whose number (row + 1) the message gives. */
static void test_policy_scripts(void **state)
{
    write_file("policy.yaml", policy_yaml);
    write_file("policy.lua", policy_lua);
    kigen_ruleset *rs = load_tmp("policy.yaml");
    enum { N = 200 };
    char text[N][8];
    const char *col[] = {"n"};
    const char *cell[N];
    for (int i = 0; i < N; i++) {
        snprintf(text[i], sizeof text[i], "%d", i);
        cell[i] = text[i];
    }
    for (int threads = 1; threads <= 4; threads += 3) {
        char *out[N] = {0};
        kigen_batch_opts o = KIGEN_BATCH_OPTS_INIT;
        o.threads = threads;
        assert_int_equal(kigen_batch_text(rs, col, 1, cell, N, &o, on_policy_row, out), KIGEN_OK);
        for (int i = 0; i < N; i++) {
            assert_non_null(out[i]);
            if (i == 13) {
                /* the function's error is the value's: the record fails */
                assert_int_equal(atoi(out[i]), KIGEN_EEVAL);
                assert_non_null(strstr(out[i], "policy.lua:2: in function 'tripled': thirteen"));
                assert_non_null(strstr(out[i], "(record 14)|"));
            } else {
                char want[64];
                snprintf(want, sizeof want, "0||%d", 3 * i);
                assert_string_equal(out[i], want);
            }
            free(out[i]);
        }
    }
    kigen_ruleset_free(rs);
}

/* Contexts that cannot start fail the batch with their message. */
static void test_contexts_cannot_start(void **state)
{
    write_file("unstable.yaml", unstable_yaml);
    write_file("unstable.lua", unstable_lua);
    kigen_ruleset *rs = load_tmp("unstable.yaml");
    kigen_ctx *c = NULL;
    assert_int_equal(kigen_ctx_new(rs, &c), KIGEN_ELUA); /* the premise */
    char want[1024];
    snprintf(want, sizeof want, "%s", kigen_errmsg(c));
    kigen_ctx_free(c);
    assert_non_null(strstr(want, "registered other functions"));
    const char *col[] = {"n"};
    const char *cell[] = {"1", "2", "3", "4"};
    char err[1024];
    kigen_batch_opts o = KIGEN_BATCH_OPTS_INIT;
    o.errbuf = err;
    o.errlen = sizeof err;
    for (int threads = 1; threads <= 4; threads += 3) {
        run r;
        run_init(&r, 4);
        o.threads = threads;
        assert_int_equal(kigen_batch_text(rs, col, 1, cell, 4, &o, on_row, &r), KIGEN_ELUA);
        assert_string_equal(err, want);
        assert_int_equal(atomic_load(&r.seq), 0);
        run_free(&r);
    }
    kigen_ruleset_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_cover_the_cases),
        cmocka_unit_test(test_text_threads_1_2_4),
        cmocka_unit_test(test_values_threads_1_2_4),
        cmocka_unit_test(test_threads_run_at_once),
        cmocka_unit_test(test_options_as_sequential),
        cmocka_unit_test(test_bad_rows_fail_alone),
        cmocka_unit_test(test_typed_cells),
        cmocka_unit_test(test_stop),
        cmocka_unit_test(test_columns),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_thread_create_fails),
        cmocka_unit_test(test_allocation_failures),
    };
    const struct CMUnitTest lua_tests[] = {
        cmocka_unit_test(test_policy_scripts),
        cmocka_unit_test(test_contexts_cannot_start),
    };
    int failed = cmocka_run_group_tests_name("batch", tests, setup, teardown);
    failed += cmocka_run_group_tests_name("batch with policy scripts", lua_tests, make_tmp, remove_tmp);
    return failed;
}
