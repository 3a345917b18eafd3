/* Contexts: the public context API (facts in, values out, params, today,
 * language), and the accessors extensions use (ctx.h). */
#include "rt/ctx.h"

#include <stdio.h>
#include <string.h>

#include "base/text.h"
#include "rt/eval.h"
#include "rt/program.h"
#include <stdlib.h>

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
        size_t at = strlen(c->err); /* room for cut was left above */
        memcpy(c->err + at, cut, sizeof cut);
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

static size_t at_least_1(size_t n)
{
    return n ? n : 1;
}
#define ALLOC(c, n, type) ((type *)kg_mem_alloc(&(c)->mem, sizeof(type) * at_least_1((size_t)(n))))
/* What every record writes: on cache lines of its own (mem.h) */
#define ALLOC_HOT(c, n, type)                                                                                \
    ((type *)kg_mem_alloc_own_lines(&(c)->mem, sizeof(type) * at_least_1((size_t)(n))))

int kigen_ctx_new(kigen_ruleset *rs, kigen_ctx **out)
{
    if (!rs || !out)
        return KIGEN_EMISUSE;
    *out = NULL;
    kigen_ctx *c = kg_mem_alloc_own_lines(&rs->mem, sizeof *c);
    if (!c)
        return KIGEN_ENOMEM;
    memset(c, 0, sizeof *c);
    c->mem = rs->mem;
    c->rs = rs;
    c->fc.scratch = &c->scratch;
    c->fc.host = c;
    kg_arena_init(&c->scratch, &c->mem);
    kg_arena_init(&c->keep, &c->mem);
    kg_arena_init(&c->pkeep, &c->mem);
    kg_buf_init(&c->out, &c->mem);
    int ns = rs->nslots, np = rs->nparams;
    c->vals = ALLOC_HOT(c, ns, kg_val);
    c->nregs_cap = at_least_1((size_t)ns);
    c->given_bits = ALLOC_HOT(c, rs->nfacts / 64 + 1, uint64_t);
    const char *engine = getenv("KIGEN_EVAL");
    c->engine = !engine                        ? KG_ENGINE_PROGRAM
                : strcmp(engine, "tree") == 0  ? KG_ENGINE_TREE
                : strcmp(engine, "check") == 0 ? KG_ENGINE_CHECK
                                               : KG_ENGINE_PROGRAM;
    if (c->engine == KG_ENGINE_CHECK)
        c->check_vals = ALLOC_HOT(c, ns, kg_val);
    c->input = ALLOC_HOT(c, rs->nfacts, kg_val);
    c->given = ALLOC_HOT(c, rs->nfacts, bool);
    c->override = ALLOC(c, np, kg_val);
    c->overridden = ALLOC(c, np, bool);
    c->override_text = ALLOC(c, np, const char *);
    c->case_taken = ALLOC(c, ns, int);
    c->ntrace = ALLOC(c, ns, int);
    c->trace = ALLOC(c, (size_t)ns * at_least_1((size_t)rs->max_trace), kg_trace);
    kigen_ruleset_retain(rs);
    if (!c->vals || !c->input || !c->given || !c->override || !c->overridden || !c->override_text ||
        !c->case_taken || !c->ntrace || !c->trace || !c->given_bits ||
        (c->engine == KG_ENGINE_CHECK && !c->check_vals) || !kg_plan_init(c)) {
        kigen_ctx_free(c);
        return KIGEN_ENOMEM;
    }
    memset(c->vals, 0, sizeof(kg_val) * (size_t)(ns ? ns : 1));
    memset(c->given, 0, sizeof(bool) * (size_t)(rs->nfacts ? rs->nfacts : 1));
    memset(c->given_bits, 0, sizeof(uint64_t) * (size_t)(rs->nfacts / 64 + 1));
    memset(c->overridden, 0, sizeof(bool) * (size_t)(np ? np : 1));
    memset(c->ntrace, 0, sizeof(int) * at_least_1((size_t)ns));
    for (int i = 0; i < ns; i++)
        c->case_taken[i] = -1;
    c->range_fact = -1;
    c->scratch.limit =
        rs->opts.record_memory_limit ? rs->opts.record_memory_limit : KIGEN_RECORD_MEMORY_DEFAULT;
    /* Warm the scratch arena so the first record does not allocate. */
    (void)kg_arena_alloc(&c->scratch, 1);
    kg_arena_reset(&c->scratch);
    if (rs->ext && rs->ext->ctx_init(c) != KIGEN_OK) {
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
    if (c->rs->ext && c->ext_state)
        c->rs->ext->ctx_free(c);
#define FREE(p, n, type) kg_mem_free(&mem, p, sizeof(type) * at_least_1((size_t)(n)))
#define FREE_HOT(p, n, type) kg_mem_free_own_lines(&mem, p, sizeof(type) * at_least_1((size_t)(n)))
    kg_plan_free(c);
    kg_mem_free_own_lines(&mem, c->vals, sizeof(kg_val) * c->nregs_cap);
    FREE_HOT(c->given_bits, rs->nfacts / 64 + 1, uint64_t);
    FREE_HOT(c->check_vals, ns, kg_val);
    FREE_HOT(c->input, rs->nfacts, kg_val);
    FREE_HOT(c->given, rs->nfacts, bool);
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
    kg_mem_free_own_lines(&mem, c, sizeof *c);
    kigen_ruleset_free(rs);
}

const kigen_ruleset *kigen_ctx_ruleset(const kigen_ctx *c)
{
    return c ? c->rs : NULL;
}

const char *kigen_errmsg(const kigen_ctx *c)
{
    return c ? c->err : "no context";
}

int kigen_errcode(const kigen_ctx *c)
{
    return c ? c->errcode : KIGEN_EMISUSE;
}

int kg_ctx_fail(kigen_ctx *c, int code)
{
    if (c)
        c->errcode = code;
    return code;
}

void kigen_ctx_reset(kigen_ctx *c)
{
    if (!c)
        return;
    if (!c->unusable)
        c->errcode = KIGEN_OK; /* an unusable context keeps saying why */
    memset(c->given, 0, sizeof(bool) * (size_t)(c->rs->nfacts ? c->rs->nfacts : 1));
    memset(c->given_bits, 0, sizeof(uint64_t) * (size_t)(c->rs->nfacts / 64 + 1));
    kg_arena_reset(&c->keep);
    c->evaluated = false;
    c->range_fact = -1;
}

/* " (param: its doc)": which law sets a fact's range. */
/* " (param: its doc)": which law sets a fact's range. */
static void bound_why(char *buf, size_t n, const kg_def *p)
{
    size_t dl = p->doc ? strlen(p->doc) : 0;
    while (dl && (p->doc[dl - 1] == '\n' || p->doc[dl - 1] == ' '))
        dl--;
    snprintf(buf, n, " (%s%s%.*s)", p->name, dl ? ": " : "", (int)dl, p->doc ? p->doc : "");
}

/* A bound of a fact's range: the param that sets it as this context
 * overrides it (kigen_set_param, --param), else the value the checker
 * resolved (was: the override was ignored, so `--param cards_issued_from=`
 * changed nothing). */
static kg_val bound(const kigen_ctx *c, const kg_def *from, const kg_val *resolved)
{
    if (from && from->kind == KIND_PARAM && from->slot >= 0 && from->slot < c->rs->nparams &&
        c->overridden[from->slot])
        return c->override[from->slot];
    return *resolved;
}

/* Inside the fact's declared range (min:, max:)? When not, writes why. */
static bool in_range(const kigen_ctx *c, const kg_def *d, const kg_val *v, char *why, size_t n)
{
    char a[16], b[16];
    kg_val lo = bound(c, d->min_from, &d->min), hi = bound(c, d->max_from, &d->max);
    if (v->t == VT_DATE && lo.t == VT_DATE && v->u.d < lo.u.d) {
        kigen_date_format_iso(v->u.d, a, sizeof a);
        kigen_date_format_iso(lo.u.d, b, sizeof b);
        size_t k = (size_t)snprintf(why, n,
                                    kg_ja() ? "%s は %s より前です（このルールが扱うのは %s 以降です）"
                                            : "%s is before %s, the earliest these rules accept",
                                    a, b, b);
        if (d->min_from && k < n) /* the param that says so, and why */
            bound_why(why + k, n - k, d->min_from);
        return false;
    }
    if (v->t == VT_DATE && hi.t == VT_DATE && v->u.d > hi.u.d) {
        kigen_date_format_iso(v->u.d, a, sizeof a);
        kigen_date_format_iso(hi.u.d, b, sizeof b);
        size_t k = (size_t)snprintf(why, n,
                                    kg_ja() ? "%s は %s より後です（このルールが扱うのは %s までです）"
                                            : "%s is after %s, the latest these rules accept",
                                    a, b, b);
        if (d->max_from && k < n)
            bound_why(why + k, n - k, d->max_from);
        return false;
    }
    if (v->t == VT_INT && ((lo.t == VT_INT && v->u.i < lo.u.i) || (hi.t == VT_INT && v->u.i > hi.u.i))) {
        snprintf(why, n, kg_ja() ? "%lld は範囲外です" : "%lld is outside the range these rules accept",
                 (long long)v->u.i);
        return false;
    }
    return true;
}

/* A fact given or not: the flag and the shape's bit (program.h). */
static void set_given(kigen_ctx *c, int i, bool on)
{
    /* the values read now would be the last record's, not these facts' */
    c->evaluated = false;
    if (c->range_fact == i)
        c->range_fact = -1; /* set again (and checked), or not given */
    c->given[i] = on;
    if (on)
        c->given_bits[i / 64] |= (uint64_t)1 << (i % 64);
    else
        c->given_bits[i / 64] &= ~((uint64_t)1 << (i % 64));
}

static kg_def *fact_def(kigen_ctx *c, int i)
{
    return i >= 0 && i < c->rs->nfacts ? c->rs->slots[i] : NULL;
}

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
    return kg_ctx_fail(c, KIGEN_ENOTFOUND);
}

/* The slot of a fact or rule by name, or -1. */
static int set_parsed(kigen_ctx *c, int i, const char *text, size_t len)
{
    kg_def *d = fact_def(c, i);
    char err[1024];
    if (!d) {
        set_err(c, "no fact with index %d (the rule set has %d)", i, c->rs->nfacts);
        return kg_ctx_fail(c, KIGEN_EMISUSE);
    }
    if (len == 0) {
        set_given(c, i, false);
        return KIGEN_OK;
    }
    kg_val v;
    int rc = kg_val_parse(&c->keep, d->ty, text, len, &v, err, sizeof err);
    if (rc != KIGEN_OK) {
        set_err(c, "%s: %s", d->name, err);
        return kg_ctx_fail(c, rc == KIGEN_ENOMEM ? rc : KIGEN_EPARSE);
    }
    if (!kg_int_choice_ok(d, &v, err, sizeof err) || !in_range(c, d, &v, err, sizeof err)) {
        set_err(c, "%s: %s", d->name, err);
        return kg_ctx_fail(c, KIGEN_EPARSE);
    }
    c->input[i] = v;
    set_given(c, i, true);
    return KIGEN_OK;
}

int kigen_set(kigen_ctx *c, const char *fact, const char *text)
{
    if (!c || !fact)
        return kg_ctx_fail(c, KIGEN_EMISUSE);
    KG_LANG_SCOPE(c->fc.ja);
    int i = kigen_fact_index(c->rs, fact);
    if (i < 0) {
        return not_found(c, "fact", fact, c->rs->slots, c->rs->nfacts);
    }
    return set_parsed(c, i, text ? text : "", text ? strlen(text) : 0);
}

int kigen_set_text(kigen_ctx *c, int fact, const char *text, size_t len)
{
    if (!c || (!text && len))
        return kg_ctx_fail(c, KIGEN_EMISUSE);
    KG_LANG_SCOPE(c->fc.ja);
    return set_parsed(c, fact, text ? text : "", len);
}

static int set_typed(kigen_ctx *c, int i, kg_tk want, kg_val v)
{
    kg_def *d = fact_def(c, i);
    if (!d) {
        set_err(c, "no fact with index %d (the rule set has %d)", i, c->rs->nfacts);
        return kg_ctx_fail(c, KIGEN_EMISUSE);
    }
    if (d->ty.k != want) {
        char tb[300];
        set_err(c, "%s is %s", d->name, kg_type_name(d->ty, tb, sizeof tb));
        return kg_ctx_fail(c, KIGEN_ETYPE);
    }
    char why[1024];
    if (!kg_int_choice_ok(d, &v, why, sizeof why) || !in_range(c, d, &v, why, sizeof why)) {
        set_err(c, "%s: %s", d->name, why);
        return kg_ctx_fail(c, KIGEN_EINVAL);
    }
    c->input[i] = v;
    set_given(c, i, true);
    return KIGEN_OK;
}

int kigen_set_date(kigen_ctx *c, int fact, kigen_date d)
{
    kg_val v = {0};
    if (!c)
        return kg_ctx_fail(c, KIGEN_EMISUSE);
    if (!kigen_date_valid(d)) {
        set_err(c, "day number %d is outside 0001-01-01 .. 9999-12-31", (int)d);
        return kg_ctx_fail(c, KIGEN_ERANGE);
    }
    v.t = VT_DATE;
    v.u.d = d;
    return set_typed(c, fact, TK_DATE, v);
}

int kigen_set_int(kigen_ctx *c, int fact, int64_t x)
{
    kg_val v = {0};
    if (!c)
        return kg_ctx_fail(c, KIGEN_EMISUSE);
    v.t = VT_INT;
    v.u.i = x;
    return set_typed(c, fact, TK_INT, v);
}

int kigen_set_bool(kigen_ctx *c, int fact, int b)
{
    kg_val v = {0};
    if (!c)
        return kg_ctx_fail(c, KIGEN_EMISUSE);
    v.t = VT_BOOL;
    v.u.i = b != 0;
    return set_typed(c, fact, TK_BOOL, v);
}

int kigen_unset(kigen_ctx *c, int fact)
{
    if (!c || !fact_def(c, fact))
        return kg_ctx_fail(c, KIGEN_EMISUSE);
    set_given(c, fact, false);
    return KIGEN_OK;
}

/* An override of param p changed the range of the facts it bounds: a fact
 * already given and now outside its range fails the next evaluation, as it
 * would have failed its setter had the override come first. */
static void recheck_ranges(kigen_ctx *c, const kg_def *p)
{
    for (int i = 0; i < c->rs->nfacts; i++) {
        const kg_def *d = c->rs->slots[i]; /* facts are the first slots */
        char why[400];
        if (!c->given[i] || (d->min_from != p && d->max_from != p))
            continue;
        if (!in_range(c, d, &c->input[i], why, sizeof why)) {
            c->range_fact = i;
            snprintf(c->range_msg, sizeof c->range_msg, "%s: %s", d->name, why);
            return;
        }
        if (c->range_fact == i)
            c->range_fact = -1;
    }
}

int kigen_set_param(kigen_ctx *c, const char *param, const char *text)
{
    if (!c || !param)
        return kg_ctx_fail(c, KIGEN_EMISUSE);
    KG_LANG_SCOPE(c->fc.ja);
    int pi = c->rs->param_index ? kg_nameidx_find(c->rs->param_index, param, strlen(param)) : -1;
    for (int i = pi; i >= 0; i = -1) {
        kg_def *d = c->rs->params[i];
        if (!text) {
            bool was = c->overridden[i];
            c->overridden[i] = false;
            if (was) {
                kg_prog_invalidate(c); /* programs folded the override in */
                c->evaluated = false;
                recheck_ranges(c, d);
            }
            return KIGEN_OK;
        }
        char err[1024];
        kg_val v;
        /* Parsed in the record's memory first: an override set again to the
         * value it has (the Lua module does so per record) neither
         * recompiles nor grows the context's memory. */
        int rc = kg_val_parse(&c->scratch, d->ty, text, strlen(text), &v, err, sizeof err);
        if (rc != KIGEN_OK || !kg_int_choice_ok(d, &v, err, sizeof err)) {
            set_err(c, "param %s: %s", param, err);
            return kg_ctx_fail(c, rc == KIGEN_ENOMEM ? rc : KIGEN_EPARSE);
        }
        if (c->overridden[i] && kg_rt_same(&c->override[i], &v))
            return KIGEN_OK;
        /* Overrides live as long as the context: their own arena, never reset. */
        if (v.t == VT_STR && !(v.u.s = kg_arena_strndup(&c->pkeep, v.u.s, v.len)))
            return kg_ctx_fail(c, KIGEN_ENOMEM);
        c->override[i] = v;
        c->overridden[i] = true;
        c->override_text[i] = NULL;
        kg_prog_invalidate(c); /* programs folded the old reading in */
        c->evaluated = false;  /* the values read now were of the old reading */
        recheck_ranges(c, d);
        return KIGEN_OK;
    }
    return not_found(c, "param", param, c->rs->params, c->rs->nparams);
}

int kigen_set_today(kigen_ctx *c, kigen_date today)
{
    if (!c)
        return kg_ctx_fail(c, KIGEN_EMISUSE);
    if (today && !kigen_date_valid(today)) {
        set_err(c, "day number %d is outside 0001-01-01 .. 9999-12-31", (int)today);
        return kg_ctx_fail(c, KIGEN_ERANGE);
    }
    if (today != c->fc.today)
        c->evaluated = false; /* values read now would be of the old day */
    c->fc.today = today;
    return KIGEN_OK;
}

int kigen_set_lang(kigen_ctx *c, const char *lang)
{
    if (!c || !lang)
        return kg_ctx_fail(c, KIGEN_EMISUSE);
    if (strcmp(lang, "ja") != 0 && strcmp(lang, "en") != 0) {
        set_err(c, "language '%s': kigen speaks ja and en", lang);
        return kg_ctx_fail(c, KIGEN_EINVAL);
    }
    bool ja = strcmp(lang, "ja") == 0;
    if (ja != c->fc.ja) {
        kg_prog_invalidate(c); /* programs hold messages folded in the old language */
        c->evaluated = false;
    }
    c->fc.ja = ja;
    return KIGEN_OK;
}

int kigen_set_explain(kigen_ctx *c, int on)
{
    if (!c)
        return kg_ctx_fail(c, KIGEN_EMISUSE);
    c->explain = on != 0;
    return KIGEN_OK;
}

int kigen_get(const kigen_ctx *c, int output, kigen_value *v)
{
    if (!c || !v || output < 0 || output >= c->rs->noutputs)
        return KIGEN_EMISUSE;
    int slot = c->rs->outputs[output];
    /* kg_slot_readable, inline: a batch reads every output of every record */
    if ((c->plan && !c->plan->all && !c->plan->selected[slot]) || c->stale || !c->evaluated)
        return KIGEN_EMISUSE; /* not selected, selected since the evaluation, or facts changed since */
    const kg_val *x = &c->vals[slot];
    memset(v, 0, sizeof *v); /* three stores: no byte of *v is left as it was */
    switch (x->t) {          /* the common types; the rest as kg_val_to_public says */
    case VT_DATE:
        v->type = KIGEN_T_DATE;
        v->u.date = x->u.d;
        return KIGEN_OK;
    case VT_BOOL:
        v->type = KIGEN_T_BOOL;
        v->u.b = (int)x->u.i;
        return KIGEN_OK;
    case VT_NONE: v->type = KIGEN_T_NONE; return KIGEN_OK;
    default: break;
    }
    kg_val_to_public(x, v);
    if (c->rs->slots[slot]->ty.k == TK_ENUM && v->type == KIGEN_T_STRING)
        v->type = KIGEN_T_ENUM;
    return KIGEN_OK;
}

int kigen_get_by_name(const kigen_ctx *c, const char *name, kigen_value *v)
{
    if (!c || !name || !v)
        return KIGEN_EMISUSE;
    int i = kg_slot_of(c->rs, name);
    if (i < 0)
        i = kigen_fact_index(c->rs, name); /* a fact's alias (生年月日) */
    if (i < 0)
        return KIGEN_ENOTFOUND;
    if (!kg_slot_readable(c, i) || c->stale || !c->evaluated)
        return KIGEN_EMISUSE; /* not selected, selected since the evaluation, or facts changed since */
    kg_val_to_public(&c->vals[i], v);
    if (c->rs->slots[i]->ty.k == TK_ENUM && v->type == KIGEN_T_STRING)
        v->type = KIGEN_T_ENUM;
    return KIGEN_OK;
}

const char *kigen_message(const kigen_ctx *c, int output, const char *lang)
{
    if (!c || !lang || output < 0 || output >= c->rs->noutputs ||
        !kg_slot_readable(c, c->rs->outputs[output]) || c->stale || !c->evaluated)
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

/* ---- records and extensions --------------------------------------------- */

int kigen_set_record(kigen_ctx *c, long number, const char *id)
{
    if (!c || number < 0)
        return kg_ctx_fail(c, KIGEN_EMISUSE);
    c->record = number;
    c->record_id[0] = '\0';
    if (id) {
        /* kept short, cut between characters; escaped when a message uses
         * it (a batch sets it for every record, most never need it) */
        size_t n = strnlen(id, sizeof c->record_id);
        if (n == sizeof c->record_id) {
            n--;
            while (n > 0 && ((unsigned char)id[n] & 0xC0) == 0x80)
                n--;
        }
        memcpy(c->record_id, id, n);
        c->record_id[n] = '\0';
    }
    return KIGEN_OK;
}

const char *kg_ctx_record_label(const kigen_ctx *c, char *buf, size_t n)
{
    buf[0] = '\0';
    if (c->record > 0 && c->record_id[0]) {
        char id[64 * 4 + 1];
        kg_escape_line(id, sizeof id, c->record_id, strlen(c->record_id));
        snprintf(buf, n, " (record %ld, id %s)", c->record, id);
    } else if (c->record > 0)
        snprintf(buf, n, " (record %ld)", c->record);
    return buf;
}

const kg_val *kg_ctx_value(const kigen_ctx *c, int slot)
{
    return &c->vals[slot];
}
void kg_ctx_set_value(kigen_ctx *c, int slot, const kg_val *v)
{
    c->vals[slot] = *v;
}
char *kg_ctx_strdup(kigen_ctx *c, const char *s, size_t n)
{
    return kg_arena_strndup(&c->scratch, s, n);
}

bool kg_ctx_add_note(kigen_ctx *c, const char *s, size_t n)
{
    char *p = kg_arena_strndup(&c->scratch, s, n);
    return p && kg_vec_push(&c->notes, &c->mem, p);
}

long kg_ctx_record(const kigen_ctx *c)
{
    return c->record;
}
const char *kg_ctx_record_id(const kigen_ctx *c)
{
    return c->record_id;
}
void kg_ctx_set_trace(kigen_ctx *c, const char *trace)
{
    snprintf(c->lua_trace, sizeof c->lua_trace, "%s", trace);
}
struct kigen_coverage *kg_ctx_coverage(const kigen_ctx *c)
{
    return c->cov;
}

int kigen_note_count(const kigen_ctx *c)
{
    return c && c->evaluated ? (int)c->notes.n : 0;
}

const char *kigen_note(const kigen_ctx *c, int i)
{
    if (!c || !c->evaluated || i < 0 || (size_t)i >= c->notes.n)
        return NULL;
    return c->notes.v[i];
}

const char *kigen_lua_traceback(const kigen_ctx *c)
{
    return c && c->lua_trace[0] ? c->lua_trace : NULL;
}
kigen_date kg_ctx_today(const kigen_ctx *c)
{
    return kg_fn_today(&c->fc);
}
kigen_date kg_ctx_fixed_today(const kigen_ctx *c)
{
    return c->fc.today;
}
void *kg_ctx_ext_state(const kigen_ctx *c)
{
    return c->ext_state;
}
void kg_ctx_set_ext_state(kigen_ctx *c, void *state)
{
    c->ext_state = state;
}
const kg_mem *kg_ctx_mem(const kigen_ctx *c)
{
    return &c->mem;
}
