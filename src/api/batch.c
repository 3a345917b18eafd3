/* Batches (kigen_batch_text, kigen_batch_values): rows of facts held in
 * memory, evaluated by a pool of threads that lives for the call. Every
 * thread (the calling one among them) has a context of its own, set up
 * alike before any row runs; rows are claimed in chunks from one atomic
 * counter, so a slow row (a policy script) holds up no other thread, and a
 * thread that could not be created leaves its rows to the others. Each
 * row's context goes to the caller's function, which reads the values. */
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/text.h"
#include "rt/ctx.h"

/* threads = 0: one per processor online, but no more than this. */
#define DEFAULT_MAX_THREADS 64
/* Rows per claim: a few claims per thread at least, at most this many. */
#define MAX_CHUNK 64

typedef struct batch {
    kigen_ruleset *rs;
    bool typed;                /* kigen_batch_values: cells are values, not text */
    const char *const *text;   /* kigen_batch_text's cells */
    const kigen_value *values; /* kigen_batch_values's cells */
    const int *facts;          /* per column: the fact's index */
    size_t ncols, nrows, chunk;
    kigen_batch_fn fn;
    void *ud;
    atomic_size_t next;     /* the first row no thread has claimed */
    atomic_bool stop;       /* a callback asked to stop: begin no more rows */
    atomic_size_t stop_row; /* the row whose callback stopped first; SIZE_MAX: none */
} batch;

typedef struct worker {
    batch *b;
    kigen_ctx *c;
    pthread_t th;
    bool running; /* th was created and is to be joined */
} worker;

/* ---- messages ------------------------------------------------------------------- */

/* The batch's failure into opts->errbuf (when given), one line, control
 * characters escaped: it often quotes a name the caller passed. */
static int fail(const kigen_batch_opts *o, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(const kigen_batch_opts *o, int rc, const char *fmt, ...)
{
    if (!o->errbuf || !o->errlen)
        return rc;
    char tmp[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1;
    kg_escape_line(o->errbuf, o->errlen, tmp, len);
    return rc;
}

/* A row's failure that no setter reported: its message on the context, as
 * a setter's would be, and the status as kigen_errcode's. */
static int row_fail(kigen_ctx *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int row_fail(kigen_ctx *c, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kg_ctx_verr(c, fmt, ap);
    va_end(ap);
    return kg_ctx_fail(c, rc);
}

/* ---- options ---------------------------------------------------------------------- */

/* The caller's options as this library's struct (the kigen_opts rule:
 * `size` bytes are read, the rest is zero). */
static int opts_take(const kigen_batch_opts *in, kigen_batch_opts *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    if (!in)
        return KIGEN_OK;
    if (in->size == 0 || in->size > ((size_t)64 << 10))
        return KIGEN_EMISUSE; /* not a kigen_batch_opts: errbuf cannot be trusted either */
    memcpy(o, in, in->size < sizeof *o ? in->size : sizeof *o);
    o->size = sizeof *o;
    if (in->size > sizeof *o) {
        const unsigned char *extra = (const unsigned char *)in + sizeof *o;
        for (size_t i = 0; i < in->size - sizeof *o; i++)
            if (extra[i])
                return fail(o, KIGEN_EVERSION,
                            "kigen_batch_opts has options this library does not know (the program was built "
                            "against a newer kigen.h)");
    }
    return KIGEN_OK;
}

static int default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > DEFAULT_MAX_THREADS ? DEFAULT_MAX_THREADS : (int)n;
}

/* ---- columns ---------------------------------------------------------------------- */

/* Each column's fact, found once by name or alias. */
static int resolve_columns(kigen_ruleset *rs, const char *const *names, size_t n, int *facts,
                           const kigen_batch_opts *o)
{
    for (size_t k = 0; k < n; k++) {
        if (!names[k])
            return fail(o, KIGEN_EMISUSE, "column %zu: the name is NULL", k);
        int f = kigen_fact_index(rs, names[k]);
        if (f < 0) {
            const char *close = kg_closest(names[k], rs->slot_names, (size_t)rs->nfacts);
            if (!close && rs->naliases)
                close = kg_closest(names[k], rs->alias_names, (size_t)rs->naliases);
            if (close)
                return fail(o, KIGEN_ENOTFOUND, "column %zu: no fact named '%s' (did you mean '%s'?)", k,
                            names[k], close);
            return fail(o, KIGEN_ENOTFOUND, "column %zu: no fact named '%s'", k, names[k]);
        }
        for (size_t j = 0; j < k; j++)
            if (facts[j] == f)
                return fail(o, KIGEN_EINVAL, "columns %zu ('%s') and %zu ('%s') both give the fact %s", j,
                            names[j], k, names[k], kigen_fact_name(rs, f));
        facts[k] = f;
    }
    return KIGEN_OK;
}

/* ---- contexts --------------------------------------------------------------------- */

/* A context set up as opts says. On failure, the message is in errbuf. */
static int ctx_make(kigen_ruleset *rs, const kigen_batch_opts *o, kigen_ctx **out)
{
    kigen_ctx *c = NULL;
    int rc = kigen_ctx_new(rs, &c);
    if (rc != KIGEN_OK) {
        if (c) /* KIGEN_ELUA: the context says why */
            fail(o, rc, "%s", kigen_errmsg(c));
        else
            fail(o, rc, "cannot make a context: %s", kigen_status_str(rc));
        kigen_ctx_free(c);
        return rc;
    }
    if (o->lang && (rc = kigen_set_lang(c, o->lang)) != KIGEN_OK) {
        fail(o, rc, "kigen_batch_opts.lang: %s", kigen_errmsg(c));
        goto out;
    }
    if ((rc = kigen_set_today(c, o->today)) != KIGEN_OK) {
        fail(o, rc, "kigen_batch_opts.today: %s", kigen_errmsg(c));
        goto out;
    }
    for (size_t i = 0; i < o->nparams; i++) {
        const char *p = o->params[i], *eq = strchr(p, '=');
        size_t len = (size_t)(eq - p);
        char *name = kg_mem_alloc(&rs->mem, len + 1);
        if (!name) {
            rc = fail(o, KIGEN_ENOMEM, "out of memory");
            goto out;
        }
        memcpy(name, p, len);
        name[len] = '\0';
        rc = kigen_set_param(c, name, eq + 1);
        kg_mem_free(&rs->mem, name, len + 1);
        if (rc != KIGEN_OK) {
            fail(o, rc, "kigen_batch_opts.params[%zu]: %s", i, kigen_errmsg(c));
            goto out;
        }
    }
    if (o->noutputs && (rc = kigen_ctx_select_outputs(c, o->outputs, o->noutputs)) != KIGEN_OK) {
        fail(o, rc, "kigen_batch_opts.outputs: %s", kigen_errmsg(c));
        goto out;
    }
out:
    if (rc != KIGEN_OK) {
        kigen_ctx_free(c);
        c = NULL;
    }
    *out = c;
    return rc;
}

/* ---- rows ------------------------------------------------------------------------- */

static int set_value(kigen_ctx *c, const batch *b, size_t k, const kigen_value *v)
{
    const int fact = b->facts[k];
    const char *name = kigen_fact_name(b->rs, fact);
    switch (v->type) {
    case KIGEN_T_NONE: return KIGEN_OK; /* not given */
    case KIGEN_T_BOOL: return kigen_set_bool(c, fact, v->u.b);
    case KIGEN_T_INT: return kigen_set_int(c, fact, v->u.i);
    case KIGEN_T_DATE: return kigen_set_date(c, fact, v->u.date);
    case KIGEN_T_STRING:
    case KIGEN_T_ENUM:
        if (!v->u.str.ptr && v->u.str.len)
            return row_fail(c, KIGEN_EMISUSE, "%s: a text cell with a NULL pointer and length %zu", name,
                            v->u.str.len);
        return kigen_set_text(c, fact, v->u.str.ptr, v->u.str.len);
    case KIGEN_T_DURATION: /* E0120: no fact is a duration */
        return row_fail(c, KIGEN_ETYPE, "%s: a duration cannot give a fact", name);
    case KIGEN_T_ERROR: return row_fail(c, KIGEN_ETYPE, "%s: an error value cannot give a fact", name);
    }
    return row_fail(c, KIGEN_EMISUSE, "%s: a cell of type %d, which is not a kigen_type", name, (int)v->type);
}

/* One row: its facts, then kigen_eval. Returns the row's status. */
static int run_row(const batch *b, kigen_ctx *c, size_t row)
{
    kigen_ctx_reset(c);
    (void)kigen_set_record(c, row < (size_t)LONG_MAX ? (long)row + 1 : 0, NULL);
    int rc = KIGEN_OK;
    const size_t base = row * b->ncols;
    for (size_t k = 0; k < b->ncols && rc == KIGEN_OK; k++) {
        if (!b->typed) {
            const char *s = b->text[base + k];
            if (s && *s)
                rc = kigen_set_text(c, b->facts[k], s, strlen(s));
        } else {
            rc = set_value(c, b, k, &b->values[base + k]);
        }
    }
    if (rc != KIGEN_OK) {
        /* Nothing was evaluated: the readers must refuse, not hand out the
         * values of the context's previous row (what they do after a
         * selection changed since the evaluation). */
        c->stale = true;
        return rc;
    }
    return kigen_eval(c);
}

static void work(batch *b, kigen_ctx *c)
{
    for (;;) {
        size_t first = atomic_fetch_add_explicit(&b->next, b->chunk, memory_order_relaxed);
        if (first >= b->nrows)
            return;
        size_t end = b->nrows - first < b->chunk ? b->nrows : first + b->chunk;
        for (size_t r = first; r < end; r++) {
            if (atomic_load_explicit(&b->stop, memory_order_relaxed))
                return;
            int status = run_row(b, c, r);
            if (b->fn(b->ud, r, c, status) != 0) {
                size_t none = SIZE_MAX;
                atomic_compare_exchange_strong(&b->stop_row, &none, r);
                atomic_store_explicit(&b->stop, true, memory_order_relaxed);
                return;
            }
        }
    }
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    work(w->b, w->c);
    return NULL;
}

/* ---- the entry points ------------------------------------------------------------- */

static int run_batch(kigen_ruleset *rs, const char *const *columns, size_t ncols, bool typed,
                     const char *const *text, const kigen_value *values, size_t nrows,
                     const kigen_batch_opts *user, kigen_batch_fn fn, void *ud)
{
    kigen_batch_opts o;
    batch b;
    memset(&b, 0, sizeof b);
    int rc = opts_take(user, &o);
    if (rc != KIGEN_OK)
        return rc;
    if (o.errbuf && o.errlen)
        o.errbuf[0] = '\0';
    if (!rs || !fn)
        return fail(&o, KIGEN_EMISUSE, "%s is NULL", !rs ? "the rule set" : "the callback");
    if (ncols && !columns)
        return fail(&o, KIGEN_EMISUSE, "columns is NULL, with %zu columns", ncols);
    /* The claim counter may pass nrows by a chunk per thread: keep it far from wrapping. */
    if (nrows > SIZE_MAX / 2 || (ncols && nrows > SIZE_MAX / 2 / ncols))
        return fail(&o, KIGEN_EMISUSE, "%zu rows of %zu cells are more than memory holds", nrows, ncols);
    if (nrows && ncols && (typed ? !values : !text))
        return fail(&o, KIGEN_EMISUSE, "cells is NULL, with %zu rows of %zu columns", nrows, ncols);
    if ((o.nparams && !o.params) || (o.noutputs && !o.outputs))
        return fail(&o, KIGEN_EMISUSE, "kigen_batch_opts.%s is NULL, with a count of %zu",
                    o.nparams && !o.params ? "params" : "outputs",
                    o.nparams && !o.params ? o.nparams : o.noutputs);
    for (size_t i = 0; i < o.nparams; i++) {
        if (!o.params[i])
            return fail(&o, KIGEN_EMISUSE, "kigen_batch_opts.params[%zu] is NULL", i);
        if (!strchr(o.params[i], '='))
            return fail(&o, KIGEN_EINVAL, "kigen_batch_opts.params[%zu] is '%s', not name=value", i,
                        o.params[i]);
    }
    if (o.threads < 0 || o.threads > KIGEN_BATCH_MAX_THREADS)
        return fail(&o, KIGEN_EINVAL, "kigen_batch_opts.threads is %d: 0 (one per processor) to %d",
                    o.threads, KIGEN_BATCH_MAX_THREADS);

    size_t nworkers = o.threads ? (size_t)o.threads : (size_t)default_threads();
    if (nworkers > nrows)
        nworkers = nrows ? nrows : 1;
    int *facts = kg_mem_alloc(&rs->mem, sizeof *facts * (ncols ? ncols : 1));
    worker *w = kg_mem_alloc(&rs->mem, sizeof *w * nworkers);
    if (w)
        memset(w, 0, sizeof *w * nworkers);
    if (!facts || !w) {
        rc = fail(&o, KIGEN_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = resolve_columns(rs, columns, ncols, facts, &o)) != KIGEN_OK)
        goto out;

    b.rs = rs;
    b.typed = typed;
    b.text = text;
    b.values = values;
    b.facts = facts;
    b.ncols = ncols;
    b.nrows = nrows;
    b.fn = fn;
    b.ud = ud;
    b.chunk = nrows / (nworkers * 8);
    b.chunk = b.chunk < 1 ? 1 : b.chunk > MAX_CHUNK ? MAX_CHUNK : b.chunk;
    atomic_init(&b.next, 0);
    atomic_init(&b.stop, false);
    atomic_init(&b.stop_row, SIZE_MAX);
    /* Every context before any row: a failure (policy scripts that cannot
     * start, an unknown param) fails the batch before it begins. */
    for (size_t i = 0; i < nworkers; i++) {
        w[i].b = &b;
        if ((rc = ctx_make(rs, &o, &w[i].c)) != KIGEN_OK)
            goto out;
    }
    /* Threads 1 .. n-1; one that cannot be created leaves its rows to the
     * others, which claim rows until none is left. */
    for (size_t i = 1; i < nworkers; i++)
        w[i].running = pthread_create(&w[i].th, NULL, worker_main, &w[i]) == 0;
    work(&b, w[0].c);
    for (size_t i = 1; i < nworkers; i++)
        if (w[i].running)
            pthread_join(w[i].th, NULL);
    if (atomic_load(&b.stop))
        rc = fail(&o, KIGEN_ECANCELED, "the callback stopped the batch at row %zu", atomic_load(&b.stop_row));
out:
    if (w)
        for (size_t i = 0; i < nworkers; i++)
            kigen_ctx_free(w[i].c);
    kg_mem_free(&rs->mem, w, sizeof *w * nworkers);
    kg_mem_free(&rs->mem, facts, sizeof *facts * (ncols ? ncols : 1));
    return rc;
}

int kigen_batch_text(kigen_ruleset *rs, const char *const *columns, size_t ncols, const char *const *cells,
                     size_t nrows, const kigen_batch_opts *opts, kigen_batch_fn fn, void *ud)
{
    return run_batch(rs, columns, ncols, false, cells, NULL, nrows, opts, fn, ud);
}

int kigen_batch_values(kigen_ruleset *rs, const char *const *columns, size_t ncols, const kigen_value *cells,
                       size_t nrows, const kigen_batch_opts *opts, kigen_batch_fn fn, void *ud)
{
    return run_batch(rs, columns, ncols, true, NULL, cells, nrows, opts, fn, ud);
}
