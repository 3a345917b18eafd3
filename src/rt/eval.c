/* The evaluator: every fact and rule of a record in dependency order, into
 * the context's flat value array. Leaves are read inline, calls go through
 * the function call interface (model/fn.h), nothing is allocated in the
 * steady state: strings made while evaluating live in the context's
 * scratch arena, reset per record. */
#include <stdio.h>
#include <string.h>

#include "base/calendar.h"
#include "base/text.h"
#include "rt/eval.h"
#include "rt/coverage.h"
#include "rt/program.h"
#include <stdlib.h>

#define set_err kg_ctx_err

/* ---- the evaluator ---------------------------------------------------- */

/* Leaves (literals, facts, rules) are half of all nodes: read them here
 * without the cost of a call into the evaluator. */
static void kg_eval_expr(kigen_ctx *c, const kg_expr *e, kg_val *out);

static inline void ev(kigen_ctx *c, const kg_expr *e, kg_val *out)
{
    if (e->op == OP_FACT || e->op == OP_RULE)
        *out = c->vals[e->index];
    else if (e->op == OP_LIT)
        *out = e->lit;
    else
        kg_eval_expr(c, e, out);
}

static void record_param(kigen_ctx *c, int param, kigen_date at, int version)
{
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

/* A param read: overrides first, then the version in force on `at` (the
 * value `when` holds: a dated read whose date is absent or an error is
 * that). Shared by the tree walker and the program (exec.c). */
void kg_rt_param(kigen_ctx *c, int pidx, bool has_at, const kg_val *when, kg_val *out)
{
    const kg_def *d = c->rs->params[pidx];
    kigen_date at = 0;
    if (has_at) {
        if (when->t != VT_DATE) {
            *out = *when; /* absent or error */
            return;
        }
        at = when->u.d;
    }
    if (c->overridden[pidx]) {
        record_param(c, pidx, at, -1);
        *out = c->override[pidx];
        return;
    }
    if (!d->dated) {
        record_param(c, pidx, 0, 0);
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
        record_param(c, pidx, at, -2);
        kg_fn_error(&c->fc, out,
                    kg_ja() ? "パラメータ %s は %s には値がありません（最初の施行日は %s です）"
                            : "param %s has no value on %s: its first effective date is %s",
                    d->name, a, b);
        return;
    }
    record_param(c, pidx, at, v);
    *out = d->versions[v].v;
}

static void eval_param(kigen_ctx *c, const kg_expr *e, kg_val *out)
{
    kg_val when = {0};
    if (e->a)
        ev(c, e->a, &when);
    kg_rt_param(c, e->index, e->a != NULL, &when, out);
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

static void eval_call(kigen_ctx *c, const kg_expr *e, kg_val *out)
{
    /* Most calls take a few arguments: those stay on the stack (a small
     * frame matters in this recursion); long variadic calls use scratch. */
    kg_val small[8];
    const kg_fn *fn = e->fn;
    int n = e->nargs;
    kg_val *args = small;
    if (n > 8 && !(args = kg_arena_alloc(&c->scratch, sizeof(kg_val) * (size_t)n))) {
        kg_fn_error(&c->fc, out, "out of memory");
        return;
    }
    /* Evaluated in order, stopping at an error unless the function sees
     * every argument (a later argument may call a script); then the rules
     * every call shares. */
    int k = 0;
    while (k < n) {
        kg_val *a = &args[k++];
        if (!e->args[k - 1])
            memset(a, 0, sizeof *a);
        else
            ev(c, e->args[k - 1], a);
        if (!fn->sees_absent && a->t == VT_ERR)
            break;
    }
    kg_rt_call(c, fn, args, k, out);
}

void kg_rt_call(kigen_ctx *c, const kg_fn *fn, const kg_val *args, int n, kg_val *out)
{
    if (!fn->sees_absent) {
        bool absent = false;
        for (int i = 0; i < n; i++) {
            if (args[i].t == VT_ERR) {
                *out = args[i];
                return;
            }
            if (args[i].t == VT_NONE && !fn->params[i < fn->nparams ? i : fn->nparams - 1].optional)
                absent = true;
        }
        if (absent) {
            memset(out, 0, sizeof *out);
            return;
        }
    }
    kg_val r = {0}; /* out may be one of args */
    fn->impl(&c->fc, fn, args, n, &r);
    *out = r;
}

/* A binary operator on two evaluated operands: errors first (the left
 * one's), then absence, then the operation. a and b are copied before out
 * is written (out may be either). Shared by the tree walker and the
 * program's generic instruction. */
void kg_rt_binop(kigen_ctx *c, int op, const kg_val *pa, const kg_val *pb, kg_val *out)
{
    kg_val a = *pa, b = *pb;
    if (a.t == VT_ERR) {
        *out = a;
        return;
    }
    if (b.t == VT_ERR) {
        *out = b;
        return;
    }
    if (a.t == VT_NONE || b.t == VT_NONE) {
        memset(out, 0, sizeof *out);
        return;
    }
    memset(out, 0, sizeof *out);
    switch (op) {
    case OP_ADD:
    case OP_SUB: {
        int sign = op == OP_ADD ? 1 : -1;
        if (a.t == VT_INT && b.t == VT_INT) {
            out->t = VT_INT;
            if (sign > 0 ? __builtin_add_overflow(a.u.i, b.u.i, &out->u.i)
                         : __builtin_sub_overflow(a.u.i, b.u.i, &out->u.i))
                kg_fn_error(&c->fc, out, "%s", kg_ja() ? "整数の桁あふれ" : "integer overflow");
        } else if ((a.t == VT_DATE && b.t == VT_DUR) || (a.t == VT_DUR && b.t == VT_DATE && sign > 0)) {
            /* date ± days, days + date (the checker allows no days - date) */
            kigen_date base = a.t == VT_DATE ? a.u.d : b.u.d, d;
            int64_t days = a.t == VT_DATE ? b.u.i : a.u.i;
            if (days == INT64_MIN || kigen_date_add_days(base, sign * days, &d) != KIGEN_OK)
                kg_fn_error(&c->fc, out, "%s",
                            kg_ja() ? "日付が 0001-01-01 〜 9999-12-31 の範囲外です"
                                    : "the date is outside 0001-01-01 .. 9999-12-31");
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
                kg_fn_error(&c->fc, out, "%s", kg_ja() ? "整数の桁あふれ" : "integer overflow");
        } else if (a.t == VT_STR && b.t == VT_STR) {
            /* fc.scratch: the record's memory, or the program's while the
             * compiler folds (which must see that a string was made) */
            char *s = kg_arena_alloc(c->fc.scratch, (size_t)a.len + b.len + 1);
            if (!s) {
                kg_fn_error(&c->fc, out, "out of memory");
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
            kg_fn_error(&c->fc, out, "%s", kg_ja() ? "整数の桁あふれ" : "integer overflow");
        return;
    case OP_DIV:
    case OP_MOD:
        if (b.u.i == 0) {
            kg_fn_error(&c->fc, out, "%s", kg_ja() ? "0 による除算" : "division by zero");
            return;
        }
        if (a.u.i == INT64_MIN && b.u.i == -1) {
            kg_fn_error(&c->fc, out, "%s", kg_ja() ? "整数の桁あふれ" : "integer overflow");
            return;
        }
        out->t = VT_INT;
        out->u.i = op == OP_DIV ? a.u.i / b.u.i : a.u.i % b.u.i;
        return;
    default: {
        int r = cmp_vals(&a, &b);
        bool v = false;
        switch (op) {
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

/* NEG, NOT and `n months`/`n days` on an evaluated operand (e gives the
 * operator and the unit). Shared by the tree walker and the program. */
void kg_rt_unary(kigen_ctx *c, const kg_expr *e, const kg_val *pa, kg_val *out)
{
    kg_val a = *pa;
    switch (e->op) {
    case OP_DUR:
        if (a.t != VT_INT) {
            *out = a;
            return;
        }
        out->t = VT_DUR;
        out->months = e->months;
        if (__builtin_mul_overflow(a.u.i, (int64_t)e->index, &out->u.i))
            kg_fn_error(&c->fc, out, "%s",
                        kg_ja() ? "期間の整数の桁あふれ" : "integer overflow in a duration");
        return;
    case OP_NEG:
        *out = a;
        if ((a.t == VT_INT || a.t == VT_DUR) && a.u.i == INT64_MIN)
            kg_fn_error(&c->fc, out, "%s", kg_ja() ? "整数の桁あふれ" : "integer overflow");
        else if (a.t == VT_INT || a.t == VT_DUR)
            out->u.i = -a.u.i;
        return;
    case OP_NOT:
        *out = a;
        if (a.t == VT_BOOL)
            out->u.i = !a.u.i;
        return;
    default: *out = a; return;
    }
}

static void kg_eval_expr(kigen_ctx *c, const kg_expr *e, kg_val *out)
{
    kg_val a, b;
    switch (e->op) {
    case OP_LIT: *out = e->lit; return;
    case OP_FACT:
    case OP_RULE: *out = c->vals[e->index]; return;
    case OP_PARAM: eval_param(c, e, out); return;
    case OP_DUR:
    case OP_NEG:
    case OP_NOT:
        ev(c, e->a, &a);
        kg_rt_unary(c, e, &a, out);
        return;
    case OP_AND:
    case OP_OR: {
        /* Kleene logic: false and X = false, true or X = true, whatever X
         * is; otherwise an absent side makes the result absent. */
        bool is_and = e->op == OP_AND;
        ev(c, e->a, &a);
        if (a.t == VT_ERR) {
            *out = a;
            return;
        }
        if (a.t == VT_BOOL && a.u.i == !is_and) {
            *out = a;
            return;
        }
        ev(c, e->b, &b);
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
        ev(c, e->a, &a);
        if (a.t == VT_ERR) {
            *out = a;
            return;
        }
        /* An absent condition does not hold (as in SQL's CASE). */
        ev(c, (a.t == VT_BOOL && a.u.i) ? e->b : e->c, out);
        return;
    case OP_IN:
        ev(c, e->a, &a);
        if (a.t == VT_ERR || a.t == VT_NONE) {
            *out = a;
            return;
        }
        out->t = VT_BOOL;
        out->u.i = 0;
        for (int i = 0; i < e->b->nargs; i++) {
            ev(c, e->b->args[i], &b);
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
    case OP_CALL: eval_call(c, e, out); return;
    default: break;
    }
    ev(c, e->a, &a);
    if (a.t == VT_ERR) {
        *out = a;
        return;
    }
    ev(c, e->b, &b);
    kg_rt_binop(c, e->op, &a, &b, out);
}

static void eval_slot(kigen_ctx *c, int slot)
{
    kg_def *d = c->rs->slots[slot];
    kg_val *out = &c->vals[slot];
    c->cur_slot = slot;
    c->ntrace[slot] = 0;
    c->case_taken[slot] = -1;
    memset(out, 0, sizeof *out);
    if (d->kind == KIND_FACT) {
        if (c->given[slot])
            *out = c->input[slot];
        else if (d->deflt)
            ev(c, d->deflt, out);
        else if (!d->optional)
            kg_fn_error(&c->fc, out,
                        kg_ja() ? "%s が与えられていません（必須の項目です）"
                                : "fact %s is required but not given",
                        d->name);
        return;
    }
    if (d->hook_output)
        return; /* set by the policy hooks after evaluation */
    if (d->value) {
        ev(c, d->value, out);
        return;
    }
    for (int i = 0; i < d->ncases; i++) {
        const kg_case *kc = &d->cases[i];
        if (kc->when) {
            kg_val w;
            ev(c, kc->when, &w);
            if (w.t == VT_ERR) {
                *out = w;
                c->case_taken[slot] = i;
                return;
            }
            if (w.t != VT_BOOL || !w.u.i)
                continue;
        }
        c->case_taken[slot] = i;
        ev(c, kc->then, out);
        return;
    }
}

/* A record that needed more working memory than the limit fails as a
 * whole, whichever values the refusal touched. */
static int memory_limit_error(kigen_ctx *c)
{
    if (c->fc.ja)
        set_err(c,
                "このレコードの計算には %zu バイトを超える作業メモリが要ります（レコードごとの上限、"
                "kigen_opts.record_memory_limit）",
                c->scratch.limit);
    else
        set_err(c,
                "the record needs more than %zu bytes of working memory (the record memory limit, "
                "kigen_opts.record_memory_limit)",
                c->scratch.limit);
    return KIGEN_EEVAL;
}

void kg_rt_walk(kigen_ctx *c)
{
    for (int i = 0; i < c->rs->nslots; i++)
        eval_slot(c, c->rs->order[i]);
    c->cur_slot = -1;
    c->installed = NULL; /* the walker wrote over the program's constant slots */
}

bool kg_rt_same(const kg_val *a, const kg_val *b)
{
    if (a->t != b->t)
        return false;
    switch (a->t) {
    case VT_NONE: return true;
    case VT_BOOL:
    case VT_INT: return a->u.i == b->u.i;
    case VT_DUR: return a->u.i == b->u.i && a->months == b->months;
    case VT_DATE: return a->u.d == b->u.d;
    default: return a->len == b->len && memcmp(a->u.s, b->u.s, a->len) == 0;
    }
}

/* The first fact of the plan (in fact order) whose value is an error —
 * missing and required, or a default that failed — or nfacts. prog is the
 * program that ran, or NULL for the walker. */
static int fact_failure(const kigen_ctx *c, const kg_prog *prog)
{
    const kigen_ruleset *rs = c->rs;
    const kg_plan *plan = c->plan;
    const int *chk = prog ? prog->check_facts : plan->check_facts;
    int nchk = prog ? prog->ncheck_facts : plan->ncheck_facts, first = rs->nfacts;
    if (prog && !prog->shaped) /* a missing required fact: one test per 64 facts */
        for (int w = 0; w < (rs->nfacts + 63) / 64 && first == rs->nfacts; w++) {
            uint64_t missing = plan->required[w] & ~c->given_bits[w];
            if (missing)
                first = w * 64 + __builtin_ctzll(missing);
        }
    for (int k = 0; k < nchk && chk[k] < first; k++)
        if (c->vals[chk[k]].t == VT_ERR)
            first = chk[k];
    return first;
}

static void differs(const char *what, const char *a_name, const kg_val *a, const char *b_name,
                    const kg_val *b)
{
    char ta[256], tb[256];
    kg_val_format(a, ta, sizeof ta);
    kg_val_format(b, tb, sizeof tb);
    fprintf(stderr, "kigen: KIGEN_EVAL=check: %s differs: %s %d '%s', %s %d '%s'\n", what, a_name, a->t, ta,
            b_name, b->t, tb);
    abort();
}

static void differs_at(const char *a_name, int fa, const char *b_name, int fb)
{
    fprintf(stderr, "kigen: KIGEN_EVAL=check: the failing fact differs: %s %d, %s %d\n", a_name, fa, b_name,
            fb);
    abort();
}

/* KIGEN_EVAL=check: the program's values against the generic program's
 * (when it ran a shape's) and against the walker's, for every value both
 * computed, and the fact that fails the record. A difference is a bug in
 * the compiler: say both values and stop, so that no test can pass over
 * it. Each run sees a fresh record (notes, the scripts' budgets); all share
 * the record's memory, and past its limit the record fails as a whole
 * whatever the values (and a later run had less), so nothing is compared. */
static void check_runs(kigen_ctx *c, const kg_prog *p);

/* The generic program and the walker run in the same record memory as the
 * program before them: they get a budget of their own (the limit again,
 * each), so that a record well under the limit is not failed by check
 * mode itself. */
static void check_engines(kigen_ctx *c, const kg_prog *p)
{
    size_t limit = c->scratch.limit;
    c->scratch.limit = limit ? c->scratch.total + 2 * limit : 0;
    check_runs(c, p);
    c->scratch.limit = limit;
}

static void check_runs(kigen_ctx *c, const kg_prog *p)
{
    const kigen_ruleset *rs = c->rs;
    int ns = rs->nslots, failing = fact_failure(c, p);
    memcpy(c->check_vals, c->vals, sizeof(kg_val) * (size_t)ns);
    const kg_prog *g = p->shaped ? kg_prog_generic(c) : NULL;
    if (g) {
        c->notes.n = 0;
        if (rs->ext)
            rs->ext->before_eval(c);
        kg_prog_run(c, g);
        if (c->scratch.limit_hit)
            return;
        for (int s = 0; s < ns; s++)
            if (p->live[s] && g->live[s] && !kg_rt_same(&c->check_vals[s], &c->vals[s]))
                differs(rs->slots[s]->name, "program", &c->check_vals[s], "generic program", &c->vals[s]);
        if (fact_failure(c, g) != failing)
            differs_at("program", failing, "generic program", fact_failure(c, g));
    }
    c->notes.n = 0;
    if (rs->ext)
        rs->ext->before_eval(c);
    kg_rt_walk(c);
    if (c->scratch.limit_hit)
        return;
    for (int s = 0; s < ns; s++)
        if (p->live[s] && !kg_rt_same(&c->check_vals[s], &c->vals[s]))
            differs(rs->slots[s]->name, "program", &c->check_vals[s], "tree walker", &c->vals[s]);
    if (fact_failure(c, NULL) != failing)
        differs_at("program", failing, "tree walker", fact_failure(c, NULL));
}

static int eval_record(kigen_ctx *c);

int kigen_eval(kigen_ctx *c)
{
    if (!c)
        return KIGEN_EMISUSE;
    return kg_ctx_fail(c, eval_record(c)); /* the outcome is kigen_errcode's, success too */
}

static int eval_record(kigen_ctx *c)
{
    KG_LANG_SCOPE(c->fc.ja);
    if (c->unusable)
        return KIGEN_ELUA;    /* c->err still says why */
    if (c->range_fact >= 0) { /* (recheck_ranges, ctx.c): nothing evaluated, nothing readable */
        set_err(c, "%s", c->range_msg);
        return KIGEN_EEVAL;
    }
    kigen_ruleset *rs = c->rs;
    kg_arena_reset(&c->scratch);
    c->notes.n = 0;
    c->evaluated = true;
    c->explained = c->explain;
    c->stale = false;
    c->err[0] = '\0';
    c->lua_trace[0] = '\0';
    if (rs->ext)
        rs->ext->before_eval(c);
    /* Explain walks the tree (it records cases and param versions); so
     * does KIGEN_EVAL=tree, and a context whose program could not be
     * compiled for want of memory. */
    kg_prog *prog = c->explain || c->engine == KG_ENGINE_TREE ? NULL : kg_prog_current(c);
    if (prog) {
        kg_prog_run(c, prog);
        if (c->engine == KG_ENGINE_CHECK && !c->scratch.limit_hit)
            check_engines(c, prog);
    } else {
        kg_rt_walk(c);
        if (c->cov)
            kg_cov_cases(c->cov, c);
    }
    if (c->scratch.limit_hit)
        return memory_limit_error(c);
    /* A missing or failing fact of the plan fails the record even when no
     * selected value reads it (the compiled program lists only the facts
     * that can fail for its shape). */
    const kg_plan *plan = c->plan;
    int first = fact_failure(c, prog);
    if (first < rs->nfacts) { /* the first failing fact, in fact order */
        const kg_val *v = &c->vals[first];
        set_err(c, "%.*s", (int)v->len, v->u.s);
        return KIGEN_EEVAL;
    }
    for (int i = 0; i < plan->noutputs; i++) {
        const kg_val *v = &c->vals[plan->outputs[i]];
        if (v->t == VT_ERR) {
            set_err(c, "%s: %.*s", rs->slots[plan->outputs[i]]->name, (int)v->len, v->u.s);
            return KIGEN_EEVAL;
        }
    }
    if (rs->ext) {
        int rc = rs->ext->after_eval(c);
        if (c->scratch.limit_hit)
            return memory_limit_error(c);
        return rc;
    }
    return KIGEN_OK;
}
