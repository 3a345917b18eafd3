/* Evaluation: contexts, fact setters, the expression evaluator and the
 * per-record loop. The steady state allocates nothing: values live in
 * arrays sized at kigen_ctx_new, strings made during a record go to a
 * scratch arena that keeps its block between records. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "model/model.h"
#include "base/text.h"

void kg_lua_ctx_free(kigen_ctx *c);
int kg_lua_ctx_init(kigen_ctx *c);
int kg_lua_run_hooks(kigen_ctx *c);

/* Every message a context keeps goes through here: it often quotes what a
 * record or a policy script supplied, so control characters are escaped
 * (a newline in a script's error must not forge a line of kigen's own),
 * and a message too long to keep says that it was cut. */
void kg_ctx_verr(kigen_ctx *c, const char *fmt, va_list ap)
{
    static const char cut[] = " [... message cut]";
    char tmp[4096];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1;
    size_t need = kg_escape_line(c->err, sizeof c->err, tmp, len);
    if (need >= sizeof c->err || (n >= 0 && (size_t)n >= sizeof tmp)) {
        kg_escape_line(c->err, sizeof c->err - (sizeof cut - 1), tmp, len);
        strcat(c->err, cut);
    }
}

void kg_ctx_err(kigen_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kg_ctx_verr(c, fmt, ap);
    va_end(ap);
}

#define set_err kg_ctx_err

void kg_val_err(kg_evalctx *ec, kg_val *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = kg_arena_vprintf(&ec->c->scratch, fmt, ap);
    va_end(ap);
    out->t = VT_ERR;
    out->u.s = s ? s : "error (and out of memory describing it)";
    out->len = (uint32_t)strlen(out->u.s);
}

kigen_date kg_today(kigen_ctx *c)
{
    if (c->today)
        return c->today;
    /* Japan has one time zone and no daylight saving: UTC+9. */
    time_t now = time(NULL) + (time_t)9 * 3600;
    struct tm tm;
    kigen_date d = 0;
    if (gmtime_r(&now, &tm))
        (void)kigen_date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, &d);
    return d;
}

static size_t at_least_1(size_t n) { return n ? n : 1; }
#define ALLOC(c, n, type) ((type *)kg_mem_alloc(&(c)->mem, sizeof(type) * at_least_1((size_t)(n))))

int kigen_ctx_new(kigen_ruleset *rs, kigen_ctx **out)
{
    if (!rs || !out)
        return KIGEN_EINVAL;
    *out = NULL;
    kigen_ctx *c = kg_mem_alloc(&rs->mem, sizeof *c);
    if (!c)
        return KIGEN_ENOMEM;
    memset(c, 0, sizeof *c);
    c->mem = rs->mem;
    c->rs = rs;
    kg_arena_init(&c->scratch, &c->mem);
    kg_arena_init(&c->keep, &c->mem);
    kg_arena_init(&c->pkeep, &c->mem);
    kg_buf_init(&c->out, &c->mem);
    int ns = rs->nslots, np = rs->nparams;
    c->vals = ALLOC(c, ns, kg_val);
    c->input = ALLOC(c, rs->nfacts, kg_val);
    c->given = ALLOC(c, rs->nfacts, bool);
    c->override = ALLOC(c, np, kg_val);
    c->overridden = ALLOC(c, np, bool);
    c->override_text = ALLOC(c, np, const char *);
    c->case_taken = ALLOC(c, ns, int);
    c->ntrace = ALLOC(c, ns, int);
    c->trace = ALLOC(c, (size_t)ns * at_least_1((size_t)rs->max_trace), kg_trace);
    kigen_ruleset_retain(rs);
    if (!c->vals || !c->input || !c->given || !c->override || !c->overridden || !c->override_text ||
        !c->case_taken || !c->ntrace || !c->trace) {
        kigen_ctx_free(c);
        return KIGEN_ENOMEM;
    }
    memset(c->vals, 0, sizeof(kg_val) * (size_t)(ns ? ns : 1));
    memset(c->given, 0, sizeof(bool) * (size_t)(rs->nfacts ? rs->nfacts : 1));
    memset(c->overridden, 0, sizeof(bool) * (size_t)(np ? np : 1));
    memset(c->ntrace, 0, sizeof(int) * at_least_1((size_t)ns));
    for (int i = 0; i < ns; i++)
        c->case_taken[i] = -1;
    c->scratch.limit = rs->opts.record_memory_limit ? rs->opts.record_memory_limit : KIGEN_RECORD_MEMORY_DEFAULT;
    /* Warm the scratch arena so the first record does not allocate. */
    (void)kg_arena_alloc(&c->scratch, 1);
    kg_arena_reset(&c->scratch);
    if (rs->nlua && kg_lua_ctx_init(c) != KIGEN_OK) {
        /* As sqlite3_open does: hand back the context so that kigen_errmsg
         * can say why; it refuses to evaluate and must be freed. */
        c->unusable = true;
        *out = c;
        return KIGEN_ELUA;
    }
    *out = c;
    return KIGEN_OK;
}

void kigen_ctx_free(kigen_ctx *c)
{
    if (!c)
        return;
    kigen_ruleset *rs = c->rs;
    int ns = rs->nslots, np = rs->nparams;
    kg_mem mem = c->mem;
    if (c->lua)
        kg_lua_ctx_free(c);
#define FREE(p, n, type) kg_mem_free(&mem, p, sizeof(type) * at_least_1((size_t)(n)))
    FREE(c->vals, ns, kg_val);
    FREE(c->input, rs->nfacts, kg_val);
    FREE(c->given, rs->nfacts, bool);
    FREE(c->override, np, kg_val);
    FREE(c->overridden, np, bool);
    FREE(c->override_text, np, const char *);
    FREE(c->case_taken, ns, int);
    FREE(c->ntrace, ns, int);
    FREE(c->trace, (size_t)ns * at_least_1((size_t)rs->max_trace), kg_trace);
    kg_arena_free(&c->scratch);
    kg_arena_free(&c->keep);
    kg_arena_free(&c->pkeep);
    kg_buf_free(&c->out);
    kg_vec_free(&c->notes, &mem);
    kg_mem_free(&mem, c, sizeof *c);
    kigen_ruleset_free(rs);
}

const kigen_ruleset *kigen_ctx_ruleset(const kigen_ctx *c) { return c ? c->rs : NULL; }

const char *kigen_errmsg(const kigen_ctx *c) { return c ? c->err : "no context"; }

void kigen_ctx_reset(kigen_ctx *c)
{
    if (!c)
        return;
    memset(c->given, 0, sizeof(bool) * (size_t)(c->rs->nfacts ? c->rs->nfacts : 1));
    kg_arena_reset(&c->keep);
    c->evaluated = false;
}

/* " (param: its doc)": which law sets a fact's range. */
static void bound_why(char *buf, size_t n, const kg_def *p)
{
    size_t dl = p->doc ? strlen(p->doc) : 0;
    while (dl && (p->doc[dl - 1] == '\n' || p->doc[dl - 1] == ' '))
        dl--;
    snprintf(buf, n, " (%s%s%.*s)", p->name, dl ? ": " : "", (int)dl, p->doc ? p->doc : "");
}

/* Inside the fact's declared range (min:, max:)? When not, writes why. */
static bool in_range(const kg_def *d, const kg_val *v, char *why, size_t n)
{
    char a[16], b[16];
    if (v->t == VT_DATE && d->min.t == VT_DATE && v->u.d < d->min.u.d) {
        kigen_date_format_iso(v->u.d, a, sizeof a);
        kigen_date_format_iso(d->min.u.d, b, sizeof b);
        size_t k = (size_t)snprintf(why, n, kg_ja() ? "%s は %s より前です（このルールが扱うのは %s 以降です）"
                                                    : "%s is before %s, the earliest these rules accept",
                                    a, b, b);
        if (d->min_from && k < n) /* the param that says so, and why */
            bound_why(why + k, n - k, d->min_from);
        return false;
    }
    if (v->t == VT_DATE && d->max.t == VT_DATE && v->u.d > d->max.u.d) {
        kigen_date_format_iso(v->u.d, a, sizeof a);
        kigen_date_format_iso(d->max.u.d, b, sizeof b);
        size_t k = (size_t)snprintf(why, n, kg_ja() ? "%s は %s より後です（このルールが扱うのは %s までです）"
                                                    : "%s is after %s, the latest these rules accept",
                                    a, b, b);
        if (d->max_from && k < n)
            bound_why(why + k, n - k, d->max_from);
        return false;
    }
    if (v->t == VT_INT && ((d->min.t == VT_INT && v->u.i < d->min.u.i) || (d->max.t == VT_INT && v->u.i > d->max.u.i))) {
        snprintf(why, n, kg_ja() ? "%lld は範囲外です" : "%lld is outside the range these rules accept",
                 (long long)v->u.i);
        return false;
    }
    return true;
}

bool kg_int_choice_ok(const kg_def *d, const kg_val *v, char *why, size_t n)
{
    if (!d->nint_choices || v->t != VT_INT)
        return true;
    for (int i = 0; i < d->nint_choices; i++)
        if (d->int_choices[i] == v->u.i)
            return true;
    size_t used = (size_t)snprintf(why, n, kg_ja() ? "%lld は選択肢（" : "%lld is not one of its choices: ",
                                   (long long)v->u.i);
    for (int i = 0; i < d->nint_choices && used < n; i++)
        used += (size_t)snprintf(why + used, n - used, "%s%lld", i ? ", " : "", (long long)d->int_choices[i]);
    if (kg_ja() && used < n)
        snprintf(why + used, n - used, "）のいずれでもありません");
    return false;
}

static kg_def *fact_def(kigen_ctx *c, int i) { return i >= 0 && i < c->rs->nfacts ? c->rs->slots[i] : NULL; }

/* KIGEN_ENOTFOUND, with a "did you mean" among the n definitions. */
static int not_found(kigen_ctx *c, const char *kind, const char *name, kg_def *const *defs, int n)
{
    const char *close = NULL;
    int best = 4;
    for (int k = 0; k < n; k++) {
        int dist = kg_edit_distance(name, defs[k]->name, 3);
        if (dist < best && kg_closest(name, &defs[k]->name, 1)) {
            best = dist;
            close = defs[k]->name;
        }
    }
    if (close)
        set_err(c, "no %s named '%s' (did you mean '%s'?)", kind, name, close);
    else
        set_err(c, "no %s named '%s'", kind, name);
    return KIGEN_ENOTFOUND;
}

/* The slot of a fact or rule by name, or -1. */
int kg_slot_of(const kigen_ruleset *rs, const char *name)
{
    return rs->slot_index ? kg_nameidx_find(rs->slot_index, name, strlen(name)) : -1;
}

int kigen_fact_index(const kigen_ruleset *rs, const char *name)
{
    if (!rs || !name)
        return -1;
    int s = kg_slot_of(rs, name);
    if (s < 0 && rs->alias_index) {
        int a = kg_nameidx_find(rs->alias_index, name, strlen(name));
        s = a >= 0 ? rs->alias_slots[a] : -1;
    }
    return s < rs->nfacts ? s : -1;
}

static int set_parsed(kigen_ctx *c, int i, const char *text, size_t len)
{
    kg_def *d = fact_def(c, i);
    char err[1024];
    if (!d) {
        set_err(c, "no fact with index %d", i);
        return KIGEN_ENOTFOUND;
    }
    if (len == 0) {
        c->given[i] = false;
        return KIGEN_OK;
    }
    kg_val v;
    int rc = kg_val_parse(&c->keep, d->ty, text, len, &v, err, sizeof err);
    if (rc != KIGEN_OK) {
        set_err(c, "%s: %s", d->name, err);
        return rc == KIGEN_ENOMEM ? rc : KIGEN_EPARSE;
    }
    if (!kg_int_choice_ok(d, &v, err, sizeof err) || !in_range(d, &v, err, sizeof err)) {
        set_err(c, "%s: %s", d->name, err);
        return KIGEN_EPARSE;
    }
    c->input[i] = v;
    c->given[i] = true;
    return KIGEN_OK;
}

int kigen_set(kigen_ctx *c, const char *fact, const char *text)
{
    if (!c || !fact)
        return KIGEN_EINVAL;
    KG_LANG_SCOPE(c->ja);
    int i = kigen_fact_index(c->rs, fact);
    if (i < 0) {
        return not_found(c, "fact", fact, c->rs->slots, c->rs->nfacts);
    }
    return set_parsed(c, i, text ? text : "", text ? strlen(text) : 0);
}

int kigen_set_text(kigen_ctx *c, int fact, const char *text, size_t len)
{
    if (!c || (!text && len))
        return KIGEN_EINVAL;
    KG_LANG_SCOPE(c->ja);
    return set_parsed(c, fact, text ? text : "", len);
}

static int set_typed(kigen_ctx *c, int i, kg_tk want, kg_val v)
{
    kg_def *d = fact_def(c, i);
    if (!d) {
        set_err(c, "no fact with index %d", i);
        return KIGEN_ENOTFOUND;
    }
    if (d->ty.k != want) {
        char tb[300];
        set_err(c, "%s is %s", d->name, kg_type_name(d->ty, tb, sizeof tb));
        return KIGEN_ETYPE;
    }
    char why[1024];
    if (!kg_int_choice_ok(d, &v, why, sizeof why) || !in_range(d, &v, why, sizeof why)) {
        set_err(c, "%s: %s", d->name, why);
        return KIGEN_EINVAL;
    }
    c->input[i] = v;
    c->given[i] = true;
    return KIGEN_OK;
}

int kigen_set_date(kigen_ctx *c, int fact, kigen_date d)
{
    kg_val v = {0};
    if (!c)
        return KIGEN_EINVAL;
    if (!kigen_date_valid(d)) {
        set_err(c, "day number %d is outside 0001-01-01 .. 9999-12-31", (int)d);
        return KIGEN_ERANGE;
    }
    v.t = VT_DATE;
    v.u.d = d;
    return set_typed(c, fact, TK_DATE, v);
}

int kigen_set_int(kigen_ctx *c, int fact, int64_t x)
{
    kg_val v = {0};
    if (!c)
        return KIGEN_EINVAL;
    v.t = VT_INT;
    v.u.i = x;
    return set_typed(c, fact, TK_INT, v);
}

int kigen_set_bool(kigen_ctx *c, int fact, int b)
{
    kg_val v = {0};
    if (!c)
        return KIGEN_EINVAL;
    v.t = VT_BOOL;
    v.u.i = b != 0;
    return set_typed(c, fact, TK_BOOL, v);
}

int kigen_unset(kigen_ctx *c, int fact)
{
    if (!c || !fact_def(c, fact))
        return KIGEN_ENOTFOUND;
    c->given[fact] = false;
    return KIGEN_OK;
}

int kigen_set_param(kigen_ctx *c, const char *param, const char *text)
{
    if (!c || !param)
        return KIGEN_EINVAL;
    KG_LANG_SCOPE(c->ja);
    int pi = c->rs->param_index ? kg_nameidx_find(c->rs->param_index, param, strlen(param)) : -1;
    for (int i = pi; i >= 0; i = -1) {
        kg_def *d = c->rs->params[i];
        if (!text) {
            c->overridden[i] = false;
            return KIGEN_OK;
        }
        char err[1024];
        kg_val v;
        /* Overrides live as long as the context: their own arena, never reset. */
        int rc = kg_val_parse(&c->pkeep, d->ty, text, strlen(text), &v, err, sizeof err);
        if (rc != KIGEN_OK || !kg_int_choice_ok(d, &v, err, sizeof err)) {
            set_err(c, "param %s: %s", param, err);
            return KIGEN_EPARSE;
        }
        c->override[i] = v;
        c->overridden[i] = true;
        c->override_text[i] = NULL;
        return KIGEN_OK;
    }
    return not_found(c, "param", param, c->rs->params, c->rs->nparams);
}

int kigen_set_today(kigen_ctx *c, kigen_date today)
{
    if (!c)
        return KIGEN_EINVAL;
    if (today && !kigen_date_valid(today))
        return KIGEN_ERANGE;
    c->today = today;
    return KIGEN_OK;
}

int kigen_set_lang(kigen_ctx *c, const char *lang)
{
    if (!c || !lang || (strcmp(lang, "ja") != 0 && strcmp(lang, "en") != 0))
        return KIGEN_EINVAL;
    c->ja = strcmp(lang, "ja") == 0;
    return KIGEN_OK;
}

int kigen_set_explain(kigen_ctx *c, int on)
{
    if (!c)
        return KIGEN_EINVAL;
    c->explain = on != 0;
    return KIGEN_OK;
}

/* ---- the evaluator ---------------------------------------------------- */

/* Leaves (literals, facts, rules) are half of all nodes: read them here
 * without the cost of a call into the evaluator. */
static inline void ev(kg_evalctx *ec, const kg_expr *e, kg_val *out)
{
    if (e->op == OP_FACT || e->op == OP_RULE)
        *out = ec->c->vals[e->index];
    else if (e->op == OP_LIT)
        *out = e->lit;
    else
        kg_eval_expr(ec, e, out);
}

static void record_param(kg_evalctx *ec, int param, kigen_date at, int version)
{
    kigen_ctx *c = ec->c;
    if (!c->explain || c->cur_slot < 0)
        return;
    int slot = c->cur_slot;
    int max = c->rs->max_trace;
    if (c->ntrace[slot] >= max)
        return;
    kg_trace *t = &c->trace[(size_t)slot * (size_t)max + (size_t)c->ntrace[slot]++];
    t->param = param;
    t->at = at;
    t->version = version;
}

static void eval_param(kg_evalctx *ec, const kg_expr *e, kg_val *out)
{
    kigen_ctx *c = ec->c;
    const kg_def *d = c->rs->params[e->index];
    kigen_date at = 0;
    if (e->a) {
        kg_val when;
        ev(ec, e->a, &when);
        if (when.t != VT_DATE) {
            *out = when; /* absent or error */
            return;
        }
        at = when.u.d;
    }
    if (c->overridden[e->index]) {
        record_param(ec, e->index, at, -1);
        *out = c->override[e->index];
        return;
    }
    if (!d->dated) {
        record_param(ec, e->index, 0, 0);
        *out = d->versions[0].v;
        return;
    }
    int v = -1;
    for (int i = 0; i < d->nversions && d->versions[i].eff <= at; i++)
        v = i;
    if (v < 0) {
        char a[16], b[16];
        kigen_date_format_iso(at, a, sizeof a);
        kigen_date_format_iso(d->versions[0].eff, b, sizeof b);
        record_param(ec, e->index, at, -2);
        kg_val_err(ec, out,
                   kg_ja() ? "パラメータ %s は %s には値がありません（最初の施行日は %s です）"
                           : "param %s has no value on %s: its first effective date is %s",
                   d->name, a, b);
        return;
    }
    record_param(ec, e->index, at, v);
    *out = d->versions[v].v;
}

static int cmp_vals(const kg_val *a, const kg_val *b)
{
    switch (a->t) {
    case VT_INT:
    case VT_BOOL:
    case VT_DUR: return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
    case VT_DATE: return a->u.d < b->u.d ? -1 : a->u.d > b->u.d;
    case VT_STR: {
        size_t n = a->len < b->len ? a->len : b->len;
        int r = memcmp(a->u.s, b->u.s, n);
        return r ? r : (a->len < b->len ? -1 : a->len > b->len);
    }
    default: return 0;
    }
}

static void eval_call(kg_evalctx *ec, const kg_expr *e, kg_val *out)
{
    /* Most calls take a few arguments: those stay on the stack (a small
     * frame matters in this recursion); long variadic calls use scratch. */
    kg_val small[8];
    const kg_fn *fn = e->fn;
    int n = e->nargs;
    kg_val *args = small;
    if (n > 8 && !(args = kg_arena_alloc(&ec->c->scratch, sizeof(kg_val) * (size_t)n))) {
        kg_val_err(ec, out, "out of memory");
        return;
    }
    bool absent = false;
    for (int i = 0; i < n; i++) {
        if (!e->args[i]) {
            args[i].t = VT_NONE;
            continue;
        }
        ev(ec, e->args[i], &args[i]);
        if (fn->sees_absent)
            continue;
        /* An error argument is the result, even after an absent one. */
        if (args[i].t == VT_ERR) {
            *out = args[i];
            return;
        }
        /* An absent optional argument is fine; an absent required one
         * makes the call absent. */
        if (args[i].t == VT_NONE && !fn->params[i < fn->nparams ? i : fn->nparams - 1].optional)
            absent = true;
    }
    if (absent) {
        out->t = VT_NONE;
        return;
    }
    memset(out, 0, sizeof *out);
    fn->impl(ec, fn, args, n, out);
}

void kg_eval_expr(kg_evalctx *ec, const kg_expr *e, kg_val *out)
{
    kg_val a, b;
    kigen_ctx *c = ec->c;
    switch (e->op) {
    case OP_LIT:
        *out = e->lit;
        return;
    case OP_FACT:
    case OP_RULE:
        *out = c->vals[e->index];
        return;
    case OP_PARAM:
        eval_param(ec, e, out);
        return;
    case OP_DUR:
        ev(ec, e->a, &a);
        if (a.t != VT_INT) {
            *out = a;
            return;
        }
        out->t = VT_DUR;
        out->months = e->months;
        if (__builtin_mul_overflow(a.u.i, (int64_t)e->index, &out->u.i))
            kg_val_err(ec, out, "%s", kg_ja() ? "期間の整数の桁あふれ" : "integer overflow in a duration");
        return;
    case OP_NEG:
        ev(ec, e->a, &a);
        *out = a;
        if ((a.t == VT_INT || a.t == VT_DUR) && a.u.i == INT64_MIN)
            kg_val_err(ec, out, "%s", kg_ja() ? "整数の桁あふれ" : "integer overflow");
        else if (a.t == VT_INT || a.t == VT_DUR)
            out->u.i = -a.u.i;
        return;
    case OP_NOT:
        ev(ec, e->a, &a);
        *out = a;
        if (a.t == VT_BOOL)
            out->u.i = !a.u.i;
        return;
    case OP_AND:
    case OP_OR: {
        /* Kleene logic: false and X = false, true or X = true, whatever X
         * is; otherwise an absent side makes the result absent. */
        bool is_and = e->op == OP_AND;
        ev(ec, e->a, &a);
        if (a.t == VT_ERR) {
            *out = a;
            return;
        }
        if (a.t == VT_BOOL && a.u.i == !is_and) {
            *out = a;
            return;
        }
        ev(ec, e->b, &b);
        if (b.t == VT_ERR || (b.t == VT_BOOL && b.u.i == !is_and)) {
            *out = b;
            return;
        }
        if (a.t == VT_NONE || b.t == VT_NONE) {
            out->t = VT_NONE;
            return;
        }
        *out = b;
        return;
    }
    case OP_IF:
        ev(ec, e->a, &a);
        if (a.t == VT_ERR) {
            *out = a;
            return;
        }
        /* An absent condition does not hold (as in SQL's CASE). */
        ev(ec, (a.t == VT_BOOL && a.u.i) ? e->b : e->c, out);
        return;
    case OP_IN:
        ev(ec, e->a, &a);
        if (a.t == VT_ERR || a.t == VT_NONE) {
            *out = a;
            return;
        }
        out->t = VT_BOOL;
        out->u.i = 0;
        for (int i = 0; i < e->b->nargs; i++) {
            ev(ec, e->b->args[i], &b);
            if (b.t == VT_ERR) {
                *out = b;
                return;
            }
            if (b.t == a.t && cmp_vals(&a, &b) == 0) {
                out->u.i = 1;
                return;
            }
        }
        return;
    case OP_CALL:
        eval_call(ec, e, out);
        return;
    default:
        break;
    }
    /* binary operators: errors first, then absence */
    ev(ec, e->a, &a);
    if (a.t == VT_ERR) {
        *out = a;
        return;
    }
    ev(ec, e->b, &b);
    if (b.t == VT_ERR) {
        *out = b;
        return;
    }
    if (a.t == VT_NONE || b.t == VT_NONE) {
        out->t = VT_NONE;
        return;
    }
    memset(out, 0, sizeof *out);
    switch (e->op) {
    case OP_ADD:
    case OP_SUB: {
        int sign = e->op == OP_ADD ? 1 : -1;
        if (a.t == VT_INT && b.t == VT_INT) {
            out->t = VT_INT;
            if (sign > 0 ? __builtin_add_overflow(a.u.i, b.u.i, &out->u.i)
                         : __builtin_sub_overflow(a.u.i, b.u.i, &out->u.i))
                kg_val_err(ec, out, "%s", kg_ja() ? "整数の桁あふれ" : "integer overflow");
        } else if (a.t == VT_DATE && b.t == VT_DUR) {
            kigen_date d;
            if (b.u.i == INT64_MIN || kigen_date_add_days(a.u.d, sign * b.u.i, &d) != KIGEN_OK)
                kg_val_err(ec, out, "%s", kg_ja() ? "日付が 0001-01-01 〜 9999-12-31 の範囲外です" : "the date is outside 0001-01-01 .. 9999-12-31");
            else {
                out->t = VT_DATE;
                out->u.d = d;
            }
        } else if (a.t == VT_DUR && b.t == VT_DATE) {
            kigen_date d;
            if (kigen_date_add_days(b.u.d, a.u.i, &d) != KIGEN_OK)
                kg_val_err(ec, out, "%s", kg_ja() ? "日付が 0001-01-01 〜 9999-12-31 の範囲外です" : "the date is outside 0001-01-01 .. 9999-12-31");
            else {
                out->t = VT_DATE;
                out->u.d = d;
            }
        } else if (a.t == VT_DATE && b.t == VT_DATE) {
            out->t = VT_INT;
            out->u.i = (int64_t)a.u.d - b.u.d;
        } else if (a.t == VT_DUR && b.t == VT_DUR) {
            *out = a;
            if (sign > 0 ? __builtin_add_overflow(a.u.i, b.u.i, &out->u.i)
                         : __builtin_sub_overflow(a.u.i, b.u.i, &out->u.i))
                kg_val_err(ec, out, "%s", kg_ja() ? "整数の桁あふれ" : "integer overflow");
        } else if (a.t == VT_STR && b.t == VT_STR) {
            char *s = kg_arena_alloc(&c->scratch, (size_t)a.len + b.len + 1);
            if (!s) {
                kg_val_err(ec, out, "out of memory");
                return;
            }
            memcpy(s, a.u.s, a.len);
            memcpy(s + a.len, b.u.s, b.len);
            out->t = VT_STR;
            out->u.s = s;
            out->len = a.len + b.len;
        }
        return;
    }
    case OP_MUL:
        out->t = VT_INT;
        if (__builtin_mul_overflow(a.u.i, b.u.i, &out->u.i))
            kg_val_err(ec, out, "%s", kg_ja() ? "整数の桁あふれ" : "integer overflow");
        return;
    case OP_DIV:
    case OP_MOD:
        if (b.u.i == 0) {
            kg_val_err(ec, out, "%s", kg_ja() ? "0 による除算" : "division by zero");
            return;
        }
        if (a.u.i == INT64_MIN && b.u.i == -1) {
            kg_val_err(ec, out, "%s", kg_ja() ? "整数の桁あふれ" : "integer overflow");
            return;
        }
        out->t = VT_INT;
        out->u.i = e->op == OP_DIV ? a.u.i / b.u.i : a.u.i % b.u.i;
        return;
    default: {
        int r = cmp_vals(&a, &b);
        bool v = false;
        switch (e->op) {
        case OP_EQ: v = r == 0; break;
        case OP_NE: v = r != 0; break;
        case OP_LT: v = r < 0; break;
        case OP_LE: v = r <= 0; break;
        case OP_GT: v = r > 0; break;
        case OP_GE: v = r >= 0; break;
        default: break;
        }
        out->t = VT_BOOL;
        out->u.i = v;
        return;
    }
    }
}

static void eval_slot(kigen_ctx *c, int slot)
{
    kg_def *d = c->rs->slots[slot];
    kg_evalctx ec = {c};
    kg_val *out = &c->vals[slot];
    c->cur_slot = slot;
    c->ntrace[slot] = 0;
    c->case_taken[slot] = -1;
    memset(out, 0, sizeof *out);
    if (d->kind == KIND_FACT) {
        if (c->given[slot])
            *out = c->input[slot];
        else if (d->deflt)
            ev(&ec, d->deflt, out);
        else if (!d->optional)
            kg_val_err(&ec, out, kg_ja() ? "%s が与えられていません（必須の項目です）" : "fact %s is required but not given",
                       d->name);
        return;
    }
    if (d->hook_output)
        return; /* set by the policy hooks after evaluation */
    if (d->value) {
        ev(&ec, d->value, out);
        return;
    }
    for (int i = 0; i < d->ncases; i++) {
        const kg_case *kc = &d->cases[i];
        if (kc->when) {
            kg_val w;
            ev(&ec, kc->when, &w);
            if (w.t == VT_ERR) {
                *out = w;
                c->case_taken[slot] = i;
                return;
            }
            if (w.t != VT_BOOL || !w.u.i)
                continue;
        }
        c->case_taken[slot] = i;
        ev(&ec, kc->then, out);
        return;
    }
}

/* A record that needed more working memory than the limit fails as a
 * whole, whichever values the refusal touched. */
static int memory_limit_error(kigen_ctx *c)
{
    if (c->ja)
        set_err(c, "このレコードの計算には %zu バイトを超える作業メモリが要ります（レコードごとの上限、"
                   "kigen_opts.record_memory_limit）",
                c->scratch.limit);
    else
        set_err(c, "the record needs more than %zu bytes of working memory (the record memory limit, "
                   "kigen_opts.record_memory_limit)",
                c->scratch.limit);
    return KIGEN_EEVAL;
}

int kigen_eval(kigen_ctx *c)
{
    if (!c)
        return KIGEN_EINVAL;
    KG_LANG_SCOPE(c->ja);
    if (c->unusable)
        return KIGEN_ELUA; /* c->err still says why */
    kigen_ruleset *rs = c->rs;
    kg_arena_reset(&c->scratch);
    c->notes.n = 0;
    c->evaluated = true;
    c->err[0] = '\0';
    for (int i = 0; i < rs->nslots; i++)
        eval_slot(c, rs->order[i]);
    c->cur_slot = -1;
    if (c->scratch.limit_hit)
        return memory_limit_error(c);
    /* A missing required fact fails the record even when no output reads it. */
    for (int i = 0; i < rs->nfacts; i++) {
        if (c->vals[i].t == VT_ERR) {
            set_err(c, "%.*s", (int)c->vals[i].len, c->vals[i].u.s);
            return KIGEN_EEVAL;
        }
    }
    for (int i = 0; i < rs->noutputs; i++) {
        const kg_val *v = &c->vals[rs->outputs[i]];
        if (v->t == VT_ERR) {
            set_err(c, "%s: %.*s", rs->slots[rs->outputs[i]]->name, (int)v->len, v->u.s);
            return KIGEN_EEVAL;
        }
    }
    if (c->lua) {
        int rc = kg_lua_run_hooks(c);
        if (c->scratch.limit_hit)
            return memory_limit_error(c);
        return rc;
    }
    return KIGEN_OK;
}

int kigen_output_count(const kigen_ruleset *rs) { return rs ? rs->noutputs : 0; }

const char *kigen_output_name(const kigen_ruleset *rs, int i)
{
    return rs && i >= 0 && i < rs->noutputs ? rs->slots[rs->outputs[i]]->name : NULL;
}

int kigen_output_index(const kigen_ruleset *rs, const char *name)
{
    int s = rs && name ? kg_slot_of(rs, name) : -1;
    for (int i = 0; s >= 0 && i < rs->noutputs; i++)
        if (rs->outputs[i] == s)
            return i;
    return -1;
}

int kigen_fact_count(const kigen_ruleset *rs) { return rs ? rs->nfacts : 0; }
const char *kigen_fact_name(const kigen_ruleset *rs, int i)
{
    return rs && i >= 0 && i < rs->nfacts ? rs->slots[i]->name : NULL;
}

kigen_type kigen_fact_type(const kigen_ruleset *rs, int i)
{
    if (!rs || i < 0 || i >= rs->nfacts)
        return KIGEN_T_NONE;
    switch (rs->slots[i]->ty.k) {
    case TK_BOOL: return KIGEN_T_BOOL;
    case TK_INT: return KIGEN_T_INT;
    case TK_DATE: return KIGEN_T_DATE;
    case TK_ENUM: return KIGEN_T_ENUM;
    default: return KIGEN_T_STRING;
    }
}

const char *kigen_ruleset_name(const kigen_ruleset *rs) { return rs ? rs->name : NULL; }

int kigen_get(const kigen_ctx *c, int output, kigen_value *v)
{
    if (!c || !v || output < 0 || output >= c->rs->noutputs)
        return KIGEN_ENOTFOUND;
    kg_val_to_public(&c->vals[c->rs->outputs[output]], v);
    if (c->rs->slots[c->rs->outputs[output]]->ty.k == TK_ENUM && v->type == KIGEN_T_STRING)
        v->type = KIGEN_T_ENUM;
    return KIGEN_OK;
}

int kigen_get_by_name(const kigen_ctx *c, const char *name, kigen_value *v)
{
    if (!c || !name || !v)
        return KIGEN_EINVAL;
    int i = kg_slot_of(c->rs, name);
    if (i < 0)
        return KIGEN_ENOTFOUND;
    kg_val_to_public(&c->vals[i], v);
    if (c->rs->slots[i]->ty.k == TK_ENUM && v->type == KIGEN_T_STRING)
        v->type = KIGEN_T_ENUM;
    return KIGEN_OK;
}

int kigen_output_has_messages(const kigen_ruleset *rs, int output)
{
    if (!rs || output < 0 || output >= rs->noutputs)
        return 0;
    const char *name = rs->slots[rs->outputs[output]]->name;
    for (int i = 0; i < rs->nmessages; i++)
        if (strcmp(rs->messages[i].rule, name) == 0)
            return 1;
    return 0;
}

const char *kigen_message(const kigen_ctx *c, int output, const char *lang)
{
    if (!c || !lang || output < 0 || output >= c->rs->noutputs)
        return NULL;
    int slot = c->rs->outputs[output];
    const kg_val *v = &c->vals[slot];
    char buf[64];
    const char *text = buf;
    size_t n;
    if (v->t == VT_ERR || v->t == VT_NONE)
        return NULL;
    if (v->t == VT_STR) {
        text = v->u.s; /* outcomes of any length */
        n = v->len;
    } else {
        n = kg_val_format(v, buf, sizeof buf);
    }
    for (int i = 0; i < c->rs->nmessages; i++) {
        const kg_message *m = &c->rs->messages[i];
        if (strcmp(m->rule, c->rs->slots[slot]->name) == 0 && strlen(m->outcome) == n &&
            memcmp(m->outcome, text, n) == 0)
            return strcmp(lang, "ja") == 0 ? m->ja : strcmp(lang, "en") == 0 ? m->en : NULL;
    }
    return NULL;
}
