/* Checking and compiling the loaded definitions: name resolution with
 * "did you mean", type checking against declared signatures, dependency
 * cycles, the evaluation order, warnings. */
#include <stdio.h>
#include <string.h>

#include "sema/sema.h"
#include "sema/check.h"
#include "sema/functions.h"
#include "base/text.h"

#define ERR KIGEN_SEV_ERROR
#define WARN KIGEN_SEV_WARNING

/* Definitions are checked in dependency order, found first by a pass that
 * only collects the names each definition reads and sorts them with an
 * explicit stack: a chain of any length is checked without recursion, and
 * E0208 means a cycle, nothing else. Expressions themselves are bounded in
 * depth by the parser. */
typedef struct kg_chk {
    kg_loader *L;
    kg_def *cur;
    const kg_ynode *src;    /* the scalar holding the expression being checked */
    kg_vec *deps;           /* slots the current definition reads */
    unsigned char *depmark; /* per slot: already in deps */
    int param_nodes;        /* param lookups in the current definition */
    kg_vec order;           /* slots in evaluation order */
    const char **names;     /* every definition's name, for "did you mean" (made once) */
    size_t nnames;
    char t1[300], t2[300]; /* type names for messages, used at once */
} chk;

/* A diagnostic at expression e of the scalar being checked (c->src). */
__attribute__((format(printf, 7, 0))) static void vcerr(kg_chk *c, kigen_severity sev, const char *code,
                                                        const kg_expr *e, const char *expected,
                                                        const char *hint, const char *fmt, va_list ap)
{
    char msg[700];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t off = c->src ? (e ? kg_yscalar_offset(c->src, e->pos) : c->src->off) : KG_NOPOS;
    kg_diag(c->L->d, sev, code, c->src ? c->src->file : NULL, off, expected, hint, "%s", msg);
}

void kg_chk_err(kg_chk *c, const char *code, const kg_expr *e, const char *expected, const char *hint,
                const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vcerr(c, KIGEN_SEV_ERROR, code, e, expected, hint, fmt, ap);
    va_end(ap);
}

/* A reference from one definition to another, found before checking. */
typedef struct kg_ref {
    kg_def *to;
    const kg_expr *at;   /* the name in the expression */
    const kg_ynode *src; /* the scalar holding it */
} kg_ref;

static void cerr(chk *c, kigen_severity sev, const char *code, const kg_expr *e, const char *expected,
                 const char *hint, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static void cerr(chk *c, kigen_severity sev, const char *code, const kg_expr *e, const char *expected,
                 const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vcerr(c, sev, code, e, expected, hint, fmt, ap);
    va_end(ap);
}

static const char *tn(kg_type t, char *buf, size_t n)
{
    return kg_type_name(t, buf, n);
}

static kg_type T(kg_tk k)
{
    return kg_type_make(k);
}
static kg_type unknown(void)
{
    return T(TK_UNKNOWN);
}

/* The common type of two branches, or TK_LIST as a "no common type" mark. */
static kg_type unify(chk *c, kg_type a, kg_type b);

kg_type kg_chk_unify(kg_chk *c, kg_type a, kg_type b)
{
    return unify(c, a, b);
}

static kg_type unify(chk *c, kg_type a, kg_type b)
{
    if (a.k == TK_UNKNOWN || b.k == TK_UNKNOWN)
        return unknown();
    if (a.k == TK_ANY)
        return b;
    if (b.k == TK_ANY)
        return a;
    if (a.k == TK_ENUM && b.k == TK_ENUM) {
        if (kg_type_fits(a, b))
            return b;
        if (kg_type_fits(b, a))
            return a;
        if (!a.set || !b.set)
            return T(TK_STRING);
        /* the union of both sets */
        kg_enumset *s = kg_arena_alloc(c->L->a, sizeof *s);
        const char **names = kg_arena_alloc(c->L->a, sizeof(char *) * (size_t)(a.set->n + b.set->n));
        if (!s || !names)
            return unknown();
        int n = 0;
        for (int i = 0; i < a.set->n; i++)
            names[n++] = a.set->names[i];
        for (int i = 0; i < b.set->n; i++)
            if (!kg_enum_has(a.set, b.set->names[i], strlen(b.set->names[i])))
                names[n++] = b.set->names[i];
        s->names = names;
        s->n = n;
        kg_type t = {TK_ENUM, s};
        return t;
    }
    if ((a.k == TK_ENUM && b.k == TK_STRING) || (a.k == TK_STRING && b.k == TK_ENUM))
        return T(TK_STRING);
    if (a.k == b.k)
        return a;
    return T(TK_LIST);
}

static kg_type check(chk *c, kg_expr *e, kg_type hint);

static void add_dep(chk *c, int slot)
{
    if (!c->deps || c->depmark[slot])
        return;
    c->depmark[slot] = 1;
    if (!kg_vec_push(c->deps, &c->L->rs->mem, (void *)(intptr_t)slot))
        c->L->a->failed = true;
}

/* "Did you mean" costs a scan of every name: done only while the
 * diagnostic will be kept (a file with 20,000 unknown names gets the first
 * few hundred, fast), over one list of names made once. */
static const char *closest_name(chk *c, const char *name, const kg_type *hint)
{
    if (kg_diags_full(c->L->d))
        return NULL;
    if (!c->names) {
        c->names = kg_arena_alloc(c->L->a, (c->L->defs.n + 1) * sizeof *c->names);
        if (!c->names)
            return NULL;
        for (size_t i = 0; i < c->L->defs.n; i++)
            c->names[c->nnames++] = ((kg_def *)c->L->defs.v[i])->name;
    }
    const char *close = kg_closest(name, c->names, c->nnames);
    if (!close && hint && hint->k == TK_ENUM && hint->set)
        close = kg_closest(name, hint->set->names, (size_t)hint->set->n);
    return close;
}

__attribute__((noinline)) static void unknown_name_error(chk *c, const kg_expr *e, kg_type hint)
{
    const char *close = closest_name(c, e->name, &hint);
    char hintbuf[400];
    /* The quoting trap: YAML strips its own quotes, so `then: 'x'` reaches
     * kigen as the name x. Quotes kigen sees must sit inside YAML's. */
    bool yaml_quoted = c->src && c->src->kind == KG_Y_SCALAR &&
                       (c->src->style == KG_YS_SINGLE || c->src->style == KG_YS_DOUBLE) &&
                       strcmp(c->src->text, e->name) == 0;
    /* (where an enum value is expected, a YAML-quoted word is a fine way
     * to write one: there a close choice is the likelier fix) */
    bool enum_here = hint.k == TK_ENUM && hint.set;
    if (close && (!yaml_quoted || enum_here))
        snprintf(hintbuf, sizeof hintbuf, "did you mean '%s'?", close);
    else if (yaml_quoted)
        snprintf(
            hintbuf, sizeof hintbuf,
            "YAML took the quotes off %c%s%c, so kigen read the name %s; for the text, put kigen's quotes "
            "inside YAML's: \"'%s'\" (or a block scalar: > and '%s' on the next line)",
            c->src->style == KG_YS_SINGLE ? '\'' : '"', e->name, c->src->style == KG_YS_SINGLE ? '\'' : '"',
            e->name, e->name, e->name);
    else
        snprintf(hintbuf, sizeof hintbuf,
                 "to write the text itself, quote it for kigen inside YAML's quotes: \"'%s'\"", e->name);
    if (hint.k == TK_ENUM && hint.set)
        cerr(c, ERR, "E0209", e, tn(hint, c->t1, 300), hintbuf,
             "'%s' is neither a defined name nor one of the allowed values here", e->name);
    else
        cerr(c, ERR, "E0201", e, "a fact, param or rule name", hintbuf, "unknown name '%s'", e->name);
}

static kg_type resolve_name(chk *c, kg_expr *e, kg_type hint)
{
    kg_def *d = kg_loader_find(c->L, e->name);
    char *tb = c->t1;
    if (d && hint.k == TK_ENUM && hint.set && kg_enum_has(hint.set, e->name, strlen(e->name))) {
        char hintbuf[300];
        snprintf(hintbuf, sizeof hintbuf, "write '%s' (quoted) for the value, or rename the %s", e->name,
                 d->kind == KIND_FACT    ? "fact"
                 : d->kind == KIND_PARAM ? "param"
                                         : "rule");
        cerr(c, ERR, "E0210", e, tn(hint, tb, 300), hintbuf,
             "'%s' is ambiguous here: it names a %s and is also one of the allowed values", e->name,
             d->kind == KIND_FACT    ? "fact"
             : d->kind == KIND_PARAM ? "param"
                                     : "rule");
        return unknown();
    }
    if (d) {
        d->used = true;
        if (d->kind == KIND_PARAM) {
            if (d->dated) {
                char hintbuf[200];
                snprintf(hintbuf, sizeof hintbuf,
                         "write %s@DATE: the date whose law applies (a fact or rule)", e->name);
                cerr(c, ERR, "E0206", e, "param@date", hintbuf,
                     "param '%s' changes on effective dates: say at which date to look it up", e->name);
                return unknown();
            }
            e->op = OP_PARAM;
            e->index = d->slot;
            e->a = NULL;
            e->ty = d->ty;
            c->param_nodes++;
            return d->broken ? unknown() : d->ty;
        }
        if (c->cur && c->cur->kind == KIND_FACT && d->kind == KIND_RULE) {
            cerr(c, ERR, "E0213", e, "a fact, a param or a literal", NULL,
                 "the default of fact '%s' uses rule '%s': a fact's default may use other facts "
                 "and params only",
                 c->cur->name, d->name);
            return unknown();
        }
        if (d->state != 2) /* only a member of a cycle (reported) is not checked yet */
            return unknown();
        e->op = d->kind == KIND_FACT ? OP_FACT : OP_RULE;
        e->index = d->slot;
        e->ty = d->ty;
        add_dep(c, d->slot);
        return d->broken ? unknown() : d->ty;
    }
    if (hint.k == TK_ENUM && hint.set) {
        if (kg_enum_has(hint.set, e->name, strlen(e->name))) {
            e->op = OP_LIT;
            e->lit.t = VT_STR;
            for (int i = 0; i < hint.set->n; i++)
                if (strcmp(hint.set->names[i], e->name) == 0)
                    e->lit.u.s = hint.set->names[i];
            e->lit.len = (uint32_t)strlen(e->name);
            e->ty = hint;
            return hint;
        }
    }
    unknown_name_error(c, e, hint);
    return unknown();
}

static bool is_const_date(const kg_expr *e, kigen_date *d)
{
    if (e && e->op == OP_LIT && e->lit.t == VT_DATE) {
        *d = e->lit.u.d;
        return true;
    }
    return false;
}

/* ---- the earliest date an expression can have (W0004) ------------------ */

static int32_t lb_min(int32_t a, int32_t b)
{
    if (a == KG_LB_OPEN || b == KG_LB_OPEN)
        return KG_LB_OPEN;
    if (a == KG_LB_UNKNOWN || b == KG_LB_UNKNOWN)
        return KG_LB_UNKNOWN;
    return a < b ? a : b; /* KG_LB_NONE is the largest: neutral */
}

static int32_t lb_max(int32_t a, int32_t b)
{
    if (a == KG_LB_NONE)
        return b;
    if (b == KG_LB_NONE)
        return a;
    if (a >= 0 && b >= 0)
        return a > b ? a : b;
    if (a >= 0 || b >= 0)
        return a >= 0 ? a : b; /* latest(x, d) is at least d, whatever x is */
    return a == KG_LB_OPEN || b == KG_LB_OPEN ? KG_LB_OPEN : KG_LB_UNKNOWN;
}

/* A literal count of days or months (`3 months`, `-1 day`), or false. */
static bool literal_duration(const kg_expr *e, int64_t *n, bool *months)
{
    if (!e || e->op != OP_DUR || !e->a || e->a->op != OP_LIT || e->a->lit.t != VT_INT)
        return false;
    if (__builtin_mul_overflow(e->a->lit.u.i, (int64_t)e->index, n))
        return false;
    *months = e->months;
    return true;
}

static int32_t shift(int32_t lb, int64_t n, bool months)
{
    if (lb < 0 || lb == KG_LB_NONE)
        return lb;
    kigen_date d;
    int rc = months ? kigen_date_add_months(lb, n, KIGEN_EOM_CLAMP, &d) : kigen_date_add_days(lb, n, &d);
    return rc == KIGEN_OK ? d : KG_LB_UNKNOWN;
}

/* The earliest value a date expression can have, from the facts' declared
 * minimums through the rules: a conservative reading (KG_LB_UNKNOWN when it
 * cannot tell; KG_LB_OPEN when a fact without `min:` can bring any date). */
static int32_t expr_lb(const chk *c, const kg_expr *e)
{
    if (!e)
        return KG_LB_NONE;
    switch (e->op) {
    case OP_LIT: return e->lit.t == VT_DATE ? e->lit.u.d : KG_LB_NONE;
    case OP_FACT:
    case OP_RULE: return c->L->rs->slots[e->index]->lb;
    case OP_IF: return lb_min(expr_lb(c, e->b), expr_lb(c, e->c));
    case OP_ADD:
    case OP_SUB: {
        int64_t n;
        bool months;
        if (e->ty.k != TK_DATE)
            return KG_LB_NONE;
        if (literal_duration(e->b, &n, &months))
            return shift(expr_lb(c, e->a), e->op == OP_SUB ? -n : n, months);
        if (e->op == OP_ADD && literal_duration(e->a, &n, &months))
            return shift(expr_lb(c, e->b), n, months);
        return KG_LB_UNKNOWN;
    }
    case OP_CALL: {
        const char *f = e->fn ? e->fn->name : "";
        if (strcmp(f, "fail") == 0)
            return KG_LB_NONE;
        if (e->ty.k != TK_DATE && strcmp(f, "default") != 0)
            return KG_LB_NONE;
        if (strcmp(f, "earliest") == 0 || strcmp(f, "default") == 0) {
            int32_t lb = KG_LB_NONE;
            for (int i = 0; i < e->nargs; i++)
                lb = lb_min(lb, expr_lb(c, e->args[i]));
            return lb;
        }
        if (strcmp(f, "latest") == 0) {
            int32_t lb = KG_LB_NONE;
            for (int i = 0; i < e->nargs; i++)
                lb = lb_max(lb, expr_lb(c, e->args[i]));
            return lb;
        }
        if (strcmp(f, "nth_birthday") == 0 && e->nargs >= 3) /* strictly after its third argument */
            return shift(expr_lb(c, e->args[2]), 1, false);
        if (strcmp(f, "end_of_month") == 0 && e->nargs >= 1)
            return expr_lb(c, e->args[0]);
        if (strcmp(f, "add") == 0 && e->nargs >= 2) {
            int64_t n;
            bool months;
            return literal_duration(e->args[1], &n, &months) ? shift(expr_lb(c, e->args[0]), n, months)
                                                             : KG_LB_UNKNOWN;
        }
        return KG_LB_UNKNOWN;
    }
    default: return e->ty.k == TK_DATE ? KG_LB_UNKNOWN : KG_LB_NONE;
    }
}

/* `min: a_param` / `max: a_param`: an undated date param's value. */
static void resolve_bound(chk *c, kg_def *d, const kg_ynode *n, kg_val *out, const kg_def **from)
{
    if (!n)
        return;
    kg_def *p = kg_loader_find(c->L, n->text);
    if (!p || p->kind != KIND_PARAM || p->dated || p->ty.k != TK_DATE || p->broken || p->nversions < 1) {
        kg_diag(c->L->d, ERR, "E0201", n->file, n->off, "a date, or the name of an undated date param", NULL,
                "the bound of fact '%s' names '%s', which is not an undated date param", d->name, n->text);
        return;
    }
    p->used = true;
    *out = p->versions[0].v;
    *from = p;
}

/* A definition's lower bound, once it has been checked. */
static void def_lb(chk *c, kg_def *d)
{
    if (d->ty.k != TK_DATE) {
        if (d->kind == KIND_FACT && (d->min_param || d->max_param))
            kg_diag(c->L->d, ERR, "E0102", d->file, d->node->off, NULL, NULL,
                    "fact '%s': a param as min or max belongs to date facts only", d->name);
        d->lb = KG_LB_NONE;
        return;
    }
    if (d->kind == KIND_FACT) {
        resolve_bound(c, d, d->min_param, &d->min, &d->min_from);
        resolve_bound(c, d, d->max_param, &d->max, &d->max_from);
        int32_t given = d->min.t == VT_DATE ? d->min.u.d : KG_LB_OPEN;
        d->lb = d->deflt ? lb_min(given, expr_lb(c, d->deflt)) : given;
        return;
    }
    if (d->hook_output || d->broken) {
        d->lb = KG_LB_UNKNOWN;
        return;
    }
    if (d->value) {
        d->lb = expr_lb(c, d->value);
        return;
    }
    int32_t lb = KG_LB_NONE;
    for (int i = 0; i < d->ncases; i++)
        lb = lb_min(lb, expr_lb(c, d->cases[i].then));
    d->lb = lb;
}

static kg_type check_param_at(chk *c, kg_expr *e)
{
    kg_def *d = kg_loader_find(c->L, e->name);
    char *tb = c->t1;
    if (!d || d->kind != KIND_PARAM) {
        const char *close = NULL;
        if (!kg_diags_full(c->L->d)) {
            const char **cands = kg_arena_alloc(c->L->a, sizeof(char *) * (c->L->rs->nparams + 1));
            for (int i = 0; cands && i < c->L->rs->nparams; i++)
                cands[i] = c->L->rs->params[i]->name;
            close = cands ? kg_closest(e->name, cands, (size_t)c->L->rs->nparams) : NULL;
        }
        char hint[200];
        if (close)
            snprintf(hint, sizeof hint, "did you mean '%s'?", close);
        cerr(c, ERR, "E0201", e, "a param name before '@'", close ? hint : NULL,
             d ? "'%s' is a %s, not a param: only params are looked up at a date" : "unknown param '%s'%s",
             e->name, d ? (d->kind == KIND_FACT ? "fact" : "rule") : "");
        check(c, e->a, T(TK_DATE));
        return unknown();
    }
    d->used = true;
    kg_type at = check(c, e->a, T(TK_DATE));
    if (!kg_type_fits(at, T(TK_DATE)))
        cerr(c, ERR, "E0203", e->a, "a date", NULL, "'@' needs a date, not %s", tn(at, tb, 300));
    if (!d->dated) {
        cerr(c, ERR, "E0206", e, "the param's name alone", NULL,
             "param '%s' has one value, not values by date: use it without '@'", e->name);
        return unknown();
    }
    e->index = d->slot;
    e->ty = d->ty;
    c->param_nodes++;
    kigen_date when;
    int32_t lb = d->broken || d->nversions == 0 || is_const_date(e->a, &when) ? KG_LB_NONE : expr_lb(c, e->a);
    if (lb == KG_LB_OPEN || (lb >= 0 && lb != KG_LB_NONE && lb < d->versions[0].eff)) {
        char b[16], early[16];
        kigen_date_format_iso(d->versions[0].eff, b, sizeof b);
        if (lb == KG_LB_OPEN)
            cerr(c, WARN, "W0004", e, "a date no earlier than the param's first value",
                 "give the date facts it comes from a realistic `min:` (no earlier than the param's first "
                 "value), or the param a value from an earlier date",
                 "param '%s' is read at a date that can be any date (it comes from a fact without `min:`), "
                 "but it has no value before %s",
                 e->name, b);
        else {
            kigen_date_format_iso(lb, early, sizeof early);
            cerr(c, WARN, "W0004", e, "a date no earlier than the param's first value",
                 "raise the facts' `min:`, or give the param a value from an earlier date",
                 "param '%s' can be read as early as %s, but it has no value before %s", e->name, early, b);
        }
    }
    if (!d->broken && d->nversions > 0 && is_const_date(e->a, &when) && when < d->versions[0].eff) {
        char a[16], b[16];
        kigen_date_format_iso(when, a, sizeof a);
        kigen_date_format_iso(d->versions[0].eff, b, sizeof b);
        cerr(c, ERR, "E0207", e, NULL, NULL,
             "param '%s' is looked up at %s, before its first effective date %s: it has no value "
             "there",
             e->name, a, b);
    }
    return d->broken ? unknown() : d->ty;
}

static void sig_text(const kg_fn *fn, char *buf, size_t n)
{
    size_t used = (size_t)snprintf(buf, n, "%s(", fn->name);
    for (int i = 0; i < fn->nparams && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s%s%s%s", i ? ", " : "",
                                 fn->params[i].optional ? "[" : "", fn->params[i].name,
                                 fn->variadic && i == fn->nparams - 1 ? "..." : "",
                                 fn->params[i].optional ? "]" : "");
    if (used < n)
        snprintf(buf + used, n - used, ")");
}

static const kg_fn *find_fn(chk *c, const char *name)
{
    return kg_fn_find(c->L->rs, name);
}

static kg_type check_call(chk *c, kg_expr *e)
{
    char tb[300], sig[300];
    const kg_fn *fn = find_fn(c, e->name);
    if (!fn) {
        const char *cands[256];
        size_t n = kg_builtin_names(cands, 256);
        for (int i = 0; i < c->L->rs->nlua_fns && n < 256; i++)
            cands[n++] = c->L->rs->lua_fns[i]->name;
        const char *close = kg_closest(e->name, cands, n);
        char hint[200];
        if (close)
            snprintf(hint, sizeof hint, "did you mean '%s'?", close);
        /* after a policy script failed to load, its functions are unknown:
         * that error is reported, not every call that follows from it */
        if (!c->L->lua_failed)
            cerr(c, ERR, "E0202", e, "a built-in function or one registered by a policy script",
                 close ? hint : NULL, "unknown function '%s'", e->name);
        for (int i = 0; i < e->nargs; i++)
            check(c, e->args[i]->index == -2 ? e->args[i]->a : e->args[i], unknown());
        return unknown();
    }
    sig_text(fn, sig, sizeof sig);
    int np = fn->nparams;
    int cap = fn->variadic ? (e->nargs > np ? e->nargs : np) : np;
    kg_expr **slots = kg_arena_alloc(c->L->a, sizeof(kg_expr *) * (size_t)(cap ? cap : 1));
    if (!slots)
        return unknown();
    int npos = 0;
    bool bad = false, seen_named = false;
    for (int i = 0; i < e->nargs; i++) {
        kg_expr *a = e->args[i];
        if (a->index == -2) {
            seen_named = true;
            int k = -1;
            for (int j = 0; j < np; j++)
                if (strcmp(fn->params[j].name, a->name) == 0)
                    k = j;
            if (k < 0 || (fn->variadic && k == np - 1)) {
                const char *cands[KG_FN_MAXARGS];
                for (int j = 0; j < np; j++)
                    cands[j] = fn->params[j].name;
                const char *close = kg_closest(a->name, cands, (size_t)np);
                char hint[200];
                if (close)
                    snprintf(hint, sizeof hint, "did you mean '%s'?", close);
                cerr(c, ERR, "E0204", a, sig, close ? hint : NULL, "%s has no argument named '%s'", fn->name,
                     a->name);
                bad = true;
                check(c, a->a, unknown());
                continue;
            }
            if (slots[k]) {
                cerr(c, ERR, "E0204", a, sig, NULL, "argument '%s' of %s is given twice", a->name, fn->name);
                bad = true;
                continue;
            }
            slots[k] = a->a;
        } else {
            if (seen_named) {
                cerr(c, ERR, "E0204", a, sig, "give every positional argument before the named ones",
                     "a positional argument after a named one in %s", fn->name);
                bad = true;
                check(c, a, unknown());
                continue;
            }
            if (npos < cap && slots[npos]) {
                cerr(c, ERR, "E0204", a, sig, NULL, "argument '%s' of %s is given twice",
                     fn->params[npos < np ? npos : np - 1].name, fn->name);
                bad = true;
                continue;
            }
            if (npos >= np && !fn->variadic) {
                cerr(c, ERR, "E0204", a, sig, NULL, "%s takes at most %d argument%s", fn->name, np,
                     np == 1 ? "" : "s");
                bad = true;
                check(c, a, unknown());
                continue;
            }
            if (npos < cap)
                slots[npos] = a;
            npos++;
        }
    }
    int nargs = fn->variadic ? (npos > np ? npos : np) : np;
    for (int j = 0; j < np; j++) {
        if (!slots[j] && !fn->params[j].optional) {
            cerr(c, ERR, "E0204", e, sig, NULL, "%s needs the argument '%s'", fn->name, fn->params[j].name);
            bad = true;
        }
    }
    kg_type argt[64 + KG_FN_MAXARGS];
    for (int j = 0; j < nargs && j < 64 + KG_FN_MAXARGS; j++) {
        const kg_fnparam *p = &fn->params[j < np ? j : np - 1];
        if (!slots[j]) {
            argt[j] = unknown();
            continue;
        }
        kg_type want = p->ty;
        if (p->like_first && j > 0 && argt[0].k != TK_UNKNOWN)
            want = argt[0]; /* default(status, japanese): the fallback is of the value's type */
        argt[j] = check(c, slots[j], want);
        if (!kg_type_fits(argt[j], p->ty)) {
            char tb2[300];
            cerr(c, ERR, "E0203", slots[j], tn(p->ty, tb, sizeof tb), NULL,
                 "argument '%s' of %s must be %s, not %s", p->name, fn->name, tn(p->ty, tb, sizeof tb),
                 tn(argt[j], tb2, sizeof tb2));
            bad = true;
        }
    }
    e->fn = fn;
    e->args = slots;
    e->nargs = nargs;
    e->op = OP_CALL;
    if (bad)
        return unknown();
    /* Functions whose signature needs more than types can say. */
    if (fn->check)
        return fn->check(c, e, argt);
    return fn->ret;
}

static kg_type check_arith(chk *c, kg_expr *e, kg_type a, kg_type b)
{
    char *t1 = c->t1, *t2 = c->t2;
    if (a.k == TK_UNKNOWN || b.k == TK_UNKNOWN)
        return unknown();
    if (a.k == TK_ANY || b.k == TK_ANY) {
        cerr(c, ERR, "E0203", e, "values", NULL, "'none' cannot be used in arithmetic");
        return unknown();
    }
    kg_tk x = a.k, y = b.k;
    switch (e->op) {
    case OP_ADD:
        if (x == TK_INT && y == TK_INT)
            return a;
        if ((x == TK_DATE && y == TK_DUR_DAYS) || (x == TK_DUR_DAYS && y == TK_DATE))
            return T(TK_DATE);
        if ((x == TK_STRING || x == TK_ENUM) && (y == TK_STRING || y == TK_ENUM))
            return T(TK_STRING);
        if (x == y && (x == TK_DUR_DAYS || x == TK_DUR_MONTHS))
            return a;
        break;
    case OP_SUB:
        if (x == TK_INT && y == TK_INT)
            return a;
        if (x == TK_DATE && y == TK_DUR_DAYS)
            return T(TK_DATE);
        if (x == TK_DATE && y == TK_DATE)
            return T(TK_INT);
        if (x == y && (x == TK_DUR_DAYS || x == TK_DUR_MONTHS))
            return a;
        break;
    default:
        if (x == TK_INT && y == TK_INT)
            return a;
        break;
    }
    if ((x == TK_DATE && y == TK_DUR_MONTHS) || (x == TK_DUR_MONTHS && y == TK_DATE)) {
        cerr(c, ERR, "E0205", e, "add(date, N months, clamp) or add(date, N months, roll)",
             "clamp: the month's last day (民法143条); roll: the 1st of the next month",
             "adding months or years needs an end-of-month policy: what is 01-31 + 1 month?");
        return unknown();
    }
    static const char *const opn[] = {
        [OP_ADD] = "+", [OP_SUB] = "-", [OP_MUL] = "*", [OP_DIV] = "/", [OP_MOD] = "%"};
    cerr(c, ERR, "E0203", e, "numbers, or a date and a duration in days", NULL,
         "'%s' cannot combine %s and %s", opn[e->op], tn(a, t1, 300), tn(b, t2, 300));
    return unknown();
}

static bool comparable(kg_type a, kg_type b, bool ordered)
{
    if (a.k == TK_UNKNOWN || b.k == TK_UNKNOWN)
        return true;
    if (a.k == TK_ANY || b.k == TK_ANY)
        return false;
    bool sa = a.k == TK_STRING || a.k == TK_ENUM, sb = b.k == TK_STRING || b.k == TK_ENUM;
    if (sa && sb)
        return true;
    if (a.k != b.k)
        return false;
    if (ordered)
        return a.k == TK_INT || a.k == TK_DATE || a.k == TK_DUR_DAYS || a.k == TK_DUR_MONTHS;
    return true;
}

static kg_type check_node(chk *c, kg_expr *e, kg_type hint);

/* Every node keeps the type it was checked to (model/ast.h): the compiler
 * picks its typed instructions by them. */
static kg_type check(chk *c, kg_expr *e, kg_type hint)
{
    kg_type t = check_node(c, e, hint);
    if (e)
        e->ty = t;
    return t;
}

static kg_type check_node(chk *c, kg_expr *e, kg_type hint)
{
    char *t1 = c->t1, *t2 = c->t2;
    kg_type a, b;
    if (!e)
        return unknown();
    switch (e->op) {
    case OP_LIT:
        /* 'mar1' quoted where an enum is expected: the value, checked. */
        if (hint.k == TK_ENUM && hint.set && e->lit.t == VT_STR) {
            if (!kg_enum_has(hint.set, e->lit.u.s, e->lit.len)) {
                cerr(c, ERR, "E0209", e, tn(hint, t1, 300), NULL, "'%.*s' is not one of the allowed values",
                     (int)e->lit.len, e->lit.u.s);
                return unknown();
            }
            for (int i = 0; i < hint.set->n; i++)
                if (strlen(hint.set->names[i]) == e->lit.len &&
                    memcmp(hint.set->names[i], e->lit.u.s, e->lit.len) == 0)
                    e->lit.u.s = hint.set->names[i];
            e->ty = hint;
            return hint;
        }
        return e->ty;
    case OP_ENUMLIT: return resolve_name(c, e, hint);
    case OP_PARAM: return check_param_at(c, e);
    case OP_FACT:
    case OP_RULE: return e->ty; /* already resolved (shared subtree) */
    case OP_DUR:
        a = check(c, e->a, T(TK_INT));
        if (!kg_type_fits(a, T(TK_INT)))
            cerr(c, ERR, "E0203", e->a, "a whole number before the unit", NULL,
                 "a duration needs a whole number, not %s", tn(a, t1, 300));
        return e->ty;
    case OP_NEG:
        a = check(c, e->a, hint);
        if (a.k == TK_INT || a.k == TK_DUR_DAYS || a.k == TK_DUR_MONTHS || a.k == TK_UNKNOWN)
            return a;
        cerr(c, ERR, "E0203", e, "a number or a duration", NULL, "'-' cannot negate %s", tn(a, t1, 300));
        return unknown();
    case OP_NOT:
        a = check(c, e->a, T(TK_BOOL));
        if (!kg_type_fits(a, T(TK_BOOL)) || a.k == TK_ANY)
            cerr(c, ERR, "E0203", e->a, "a boolean", NULL, "'not' needs a boolean, not %s", tn(a, t1, 300));
        return T(TK_BOOL);
    case OP_AND:
    case OP_OR:
        a = check(c, e->a, T(TK_BOOL));
        b = check(c, e->b, T(TK_BOOL));
        if (!kg_type_fits(a, T(TK_BOOL)) || a.k == TK_ANY)
            cerr(c, ERR, "E0203", e->a, "a boolean", NULL, "'%s' needs booleans, not %s",
                 e->op == OP_AND ? "and" : "or", tn(a, t1, 300));
        if (!kg_type_fits(b, T(TK_BOOL)) || b.k == TK_ANY)
            cerr(c, ERR, "E0203", e->b, "a boolean", NULL, "'%s' needs booleans, not %s",
                 e->op == OP_AND ? "and" : "or", tn(b, t1, 300));
        return T(TK_BOOL);
    case OP_ADD:
    case OP_SUB:
    case OP_MUL:
    case OP_DIV:
    case OP_MOD:
        a = check(c, e->a, unknown());
        b = check(c, e->b, unknown());
        return check_arith(c, e, a, b);
    case OP_EQ:
    case OP_NE:
    case OP_LT:
    case OP_LE:
    case OP_GT:
    case OP_GE: {
        if ((e->a->op == OP_ENUMLIT && !kg_loader_find(c->L, e->a->name)) ||
            (e->a->op == OP_LIT && e->a->lit.t == VT_STR)) {
            b = check(c, e->b, unknown());
            a = check(c, e->a, b);
        } else {
            a = check(c, e->a, unknown());
            b = check(c, e->b, a);
        }
        bool ordered = e->op != OP_EQ && e->op != OP_NE;
        if (!comparable(a, b, ordered))
            cerr(c, ERR, "E0203", e, "two values of one type", NULL, "cannot compare %s with %s",
                 tn(a, t1, 300), tn(b, t2, 300));
        else if (ordered && (a.k == TK_STRING || a.k == TK_ENUM || a.k == TK_BOOL))
            cerr(c, ERR, "E0203", e, "numbers or dates", NULL, "'<', '>' order numbers and dates, not %s",
                 tn(a, t1, 300));
        return T(TK_BOOL);
    }
    case OP_IN: {
        a = check(c, e->a, unknown());
        if (e->b->op != OP_LIST) {
            cerr(c, ERR, "E0203", e->b, "a list [a, b, ...]", NULL, "'in' needs a list after it");
            check(c, e->b, unknown());
            return T(TK_BOOL);
        }
        for (int i = 0; i < e->b->nargs; i++) {
            b = check(c, e->b->args[i], a);
            if (!comparable(a, b, false))
                cerr(c, ERR, "E0203", e->b->args[i], tn(a, t1, 300), NULL,
                     "the list holds %s, but the value is %s", tn(b, t2, 300), tn(a, t1, 300));
        }
        return T(TK_BOOL);
    }
    case OP_LIST: cerr(c, ERR, "E0203", e, NULL, NULL, "a list can only follow 'in'"); return unknown();
    case OP_IF: {
        kg_type cond = check(c, e->a, T(TK_BOOL));
        if (!kg_type_fits(cond, T(TK_BOOL)) || cond.k == TK_ANY)
            cerr(c, ERR, "E0203", e->a, "a boolean", NULL, "the condition of 'if' must be a boolean, not %s",
                 tn(cond, t1, 300));
        a = check(c, e->b, hint);
        b = check(c, e->c, a.k == TK_ENUM || a.k == TK_UNKNOWN || a.k == TK_ANY ? (hint.k ? hint : a) : a);
        kg_type u = unify(c, a, b);
        if (u.k == TK_LIST) {
            cerr(c, ERR, "E0203", e->c, tn(a, t1, 300), NULL, "the branches of 'if' differ: %s and %s",
                 tn(a, t1, 300), tn(b, t2, 300));
            return unknown();
        }
        return u;
    }
    case OP_CALL:
        if (e->fn)
            return e->fn->ret;
        return check_call(c, e);
    }
    return unknown();
}

/* Check an expression belonging to the current definition. */
static kg_type check_in(chk *c, kg_expr *e, const kg_ynode *src, kg_type hint)
{
    const kg_ynode *saved = c->src;
    c->src = src;
    kg_type t = check(c, e, hint);
    c->src = saved;
    return t;
}

static bool const_bool(const kg_expr *e, bool *v)
{
    if (e && e->op == OP_LIT && e->lit.t == VT_BOOL) {
        *v = e->lit.u.i != 0;
        return true;
    }
    return false;
}

static void check_rule(chk *c, kg_def *d)
{
    char *t1 = c->t1, *t2 = c->t2;
    kg_type hint = d->declared_type ? d->ty : unknown();
    if (d->value) {
        kg_type t = check_in(c, d->value, d->value_src.node, hint);
        if (d->declared_type) {
            if (!kg_type_fits(t, d->ty)) {
                c->src = d->value_src.node;
                cerr(c, ERR, "E0203", d->value, tn(d->ty, t1, 300), NULL,
                     "rule '%s' is declared %s, but its value is %s", d->name, t1, tn(t, t2, 300));
                c->src = NULL;
            }
        } else {
            d->ty = t;
        }
        return;
    }
    kg_type acc = d->declared_type ? d->ty : T(TK_ANY);
    bool always = false;
    for (int i = 0; i < d->ncases; i++) {
        kg_case *kc = &d->cases[i];
        const kg_ynode *wn = kg_ymap_get(kc->node, "when");
        const kg_ynode *tn_ = kg_ymap_get(kc->node, "then");
        if (!tn_)
            tn_ = kg_ymap_get(kc->node, "otherwise");
        if (kc->when) {
            kg_type w = check_in(c, kc->when, wn, T(TK_BOOL));
            if (!kg_type_fits(w, T(TK_BOOL)) || w.k == TK_ANY) {
                c->src = wn;
                cerr(c, ERR, "E0203", kc->when, "a boolean", NULL, "'when' must be a boolean, not %s",
                     tn(w, t1, 300));
                c->src = NULL;
            }
            bool v;
            bool dup = false;
            for (int j = 0; j < i; j++) {
                const kg_ynode *pw = kg_ymap_get(d->cases[j].node, "when");
                if (pw && wn && strcmp(pw->text, wn->text) == 0)
                    dup = true;
            }
            if (wn && (always || (const_bool(kc->when, &v) && !v) || dup))
                kg_diag(c->L->d, WARN, "W0003", wn->file, wn->off, NULL,
                        dup ? "an earlier case has the same condition" : NULL,
                        "case %d of rule '%s' can never be taken", i + 1, d->name);
            if (const_bool(kc->when, &v) && v)
                always = true;
        } else if (always) {
            kg_diag(c->L->d, WARN, "W0003", kc->node->file, kc->node->off, NULL, NULL,
                    "the 'otherwise' of rule '%s' can never be taken", d->name);
        }
        if (kc->then) {
            kg_type t =
                check_in(c, kc->then, tn_, d->declared_type ? d->ty : (acc.k == TK_ENUM ? acc : hint));
            if (d->declared_type) {
                if (!kg_type_fits(t, d->ty)) {
                    c->src = tn_;
                    cerr(c, ERR, "E0203", kc->then, tn(d->ty, t1, 300), NULL,
                         "rule '%s' is declared %s, but this case gives %s", d->name, t1, tn(t, t2, 300));
                    c->src = NULL;
                }
            } else {
                kg_type u = unify(c, acc, t);
                if (u.k == TK_LIST) {
                    c->src = tn_;
                    cerr(c, ERR, "E0203", kc->then, tn(acc, t1, 300), NULL,
                         "the cases of rule '%s' give different types: %s and %s", d->name, t1,
                         tn(t, t2, 300));
                    c->src = NULL;
                    acc = unknown();
                } else {
                    acc = u;
                }
            }
        }
    }
    if (!d->declared_type)
        d->ty = acc;
}

/* Check one definition whose dependencies have all been checked. */
static void check_def(chk *c, kg_def *d)
{
    kg_vec deps = {0};
    c->cur = d;
    c->deps = &deps;
    c->param_nodes = 0;
    if (d->kind == KIND_FACT && d->deflt) {
        kg_type t = check_in(c, d->deflt, d->deflt_src.node, d->ty);
        if (!kg_type_fits(t, d->ty) || t.k == TK_ANY) {
            char *t1 = c->t1, *t2 = c->t2;
            c->src = d->deflt_src.node;
            cerr(c, ERR, "E0203", d->deflt, tn(d->ty, t1, 300), NULL,
                 "the default of fact '%s' must be %s, not %s", d->name, t1, tn(t, t2, 300));
            c->src = NULL;
        }
    } else if (d->kind == KIND_RULE && !d->broken && !d->hook_output) {
        check_rule(c, d);
        if (d->ty.k == TK_ANY) {
            kg_diag(c->L->d, ERR, "E0203", d->file, d->node->off, "a value other than none", NULL,
                    "rule '%s' is always none: its type cannot be known", d->name);
            d->broken = true;
        }
    }
    if (d->kind != KIND_PARAM) {
        d->ndeps = (int)deps.n;
        d->deps = kg_arena_alloc(c->L->a, sizeof(int) * (deps.n ? deps.n : 1));
        if (d->deps)
            for (size_t i = 0; i < deps.n; i++)
                d->deps[i] = (int)(intptr_t)deps.v[i];
        for (size_t i = 0; i < deps.n; i++)
            c->depmark[(intptr_t)deps.v[i]] = 0;
        if (c->param_nodes > c->L->rs->max_trace)
            c->L->rs->max_trace = c->param_nodes;
        if (!kg_vec_push(&c->order, &c->L->rs->mem, (void *)(intptr_t)d->slot))
            c->L->a->failed = true;
    }
    kg_vec_free(&deps, &c->L->rs->mem);
    c->cur = NULL;
    c->deps = NULL;
    def_lb(c, d);
    d->state = 2;
}

/* ---- dependency order ---------------------------------------------------- */

/* The definitions an expression names (bare names that are definitions). */
static void collect_refs(kg_loader *L, const kg_expr *e, const kg_ynode *src, kg_vec *out)
{
    if (!e)
        return;
    if (e->op == OP_ENUMLIT && e->name) {
        kg_def *d = kg_loader_find(L, e->name);
        if (d && d->kind != KIND_PARAM) {
            kg_ref *r = kg_arena_alloc(L->a, sizeof *r);
            if (!r || !kg_vec_push(out, &L->rs->mem, r)) {
                L->a->failed = true;
                return;
            }
            r->to = d;
            r->at = e;
            r->src = src;
        }
    }
    collect_refs(L, e->a, src, out);
    collect_refs(L, e->b, src, out);
    collect_refs(L, e->c, src, out);
    for (int i = 0; i < e->nargs; i++)
        collect_refs(L, e->args[i], src, out);
}

static void def_refs(kg_loader *L, const kg_def *d, kg_vec *out)
{
    if (d->kind == KIND_FACT) {
        collect_refs(L, d->deflt, d->deflt_src.node, out);
    } else if (d->kind == KIND_RULE && !d->hook_output) {
        collect_refs(L, d->value, d->value_src.node, out);
        for (int i = 0; i < d->ncases; i++) {
            const kg_case *kc = &d->cases[i];
            const kg_ynode *tn_ = kg_ymap_get(kc->node, "then");
            collect_refs(L, kc->when, kg_ymap_get(kc->node, "when"), out);
            collect_refs(L, kc->then, tn_ ? tn_ : kg_ymap_get(kc->node, "otherwise"), out);
        }
    }
}

typedef struct dfs_frame {
    kg_def *d;
    kg_vec refs; /* kg_ref* */
    size_t next;
} dfs_frame;

static void report_cycle(chk *c, dfs_frame *stack, size_t sp, const kg_ref *r)
{
    size_t start = 0;
    for (size_t i = 0; i < sp; i++)
        if (stack[i].d == r->to)
            start = i;
    kg_buf path;
    kg_buf_init(&path, &c->L->rs->mem);
    for (size_t i = start; i < sp; i++)
        kg_buf_printf(&path, "%s -> ", stack[i].d->name);
    kg_buf_puts(&path, r->to->name);
    c->src = r->src;
    cerr(c, ERR, "E0208", r->at, "definitions that do not depend on themselves", NULL, "dependency cycle: %s",
         kg_buf_cstr(&path));
    c->src = NULL;
    kg_buf_free(&path);
    for (size_t i = start; i < sp; i++)
        stack[i].d->broken = true;
}

/* Check every definition reachable from `root` in dependency order: an
 * iterative depth-first search (state 0 new, 1 on the stack, 2 checked). */
static void check_from(chk *c, kg_def *root, dfs_frame **stackp, size_t *capp)
{
    if (root->state == 2)
        return;
    size_t sp = 0;
    dfs_frame *stack = *stackp;
#define PUSH(def)                                                                                            \
    do {                                                                                                     \
        if (sp == *capp) {                                                                                   \
            size_t ncap = *capp ? *capp * 2 : 64;                                                            \
            dfs_frame *ns =                                                                                  \
                kg_mem_realloc(&c->L->rs->mem, stack, *capp * sizeof *stack, ncap * sizeof *stack);          \
            if (!ns) {                                                                                       \
                c->L->a->failed = true;                                                                      \
                goto out;                                                                                    \
            }                                                                                                \
            stack = *stackp = ns;                                                                            \
            *capp = ncap;                                                                                    \
        }                                                                                                    \
        memset(&stack[sp], 0, sizeof stack[sp]);                                                             \
        stack[sp].d = (def);                                                                                 \
        def_refs(c->L, (def), &stack[sp].refs);                                                              \
        (def)->state = 1;                                                                                    \
        sp++;                                                                                                \
    } while (0)
    PUSH(root);
    while (sp > 0) {
        dfs_frame *f = &stack[sp - 1];
        if (f->next < f->refs.n) {
            const kg_ref *r = f->refs.v[f->next++];
            if (r->to->state == 1)
                report_cycle(c, stack, sp, r);
            else if (r->to->state == 0)
                PUSH(r->to);
            continue;
        }
        kg_def *d = f->d;
        kg_vec_free(&f->refs, &c->L->rs->mem);
        sp--;
        check_def(c, d);
    }
#undef PUSH
out:
    for (size_t i = 0; i < sp; i++)
        kg_vec_free(&stack[i].refs, &c->L->rs->mem);
}

static bool source_defined(const kg_loader *L, const char *id, size_t n)
{
    for (size_t i = 0; i < L->sources.n; i++) {
        const char *s = ((const kg_source *)L->sources.v[i])->id;
        if (strlen(s) == n && memcmp(s, id, n) == 0)
            return true;
    }
    return false;
}

/* Letters then digits: the shape of a source id; the letters must be a
 * prefix the file's own sources use (so SPEC's R7, U6 are not taken for
 * sources). */
static bool cited_kind(const kg_loader *L, const char *id, size_t letters)
{
    for (size_t i = 0; i < L->sources.n; i++) {
        const char *s = ((const kg_source *)L->sources.v[i])->id;
        size_t k = 0;
        while (s[k] && ((s[k] >= 'A' && s[k] <= 'Z') || (s[k] >= 'a' && s[k] <= 'z')))
            k++;
        if (k == letters && memcmp(s, id, k) == 0 && s[k] >= '0' && s[k] <= '9')
            return true;
    }
    return false;
}

static void check_citations(kg_loader *L, const char *source, const kg_ynode *at, const char *what,
                            const char *name)
{
    if (!source || !at)
        return;
    for (const char *p = source; *p;) {
        bool start = p == source || !((p[-1] >= 'A' && p[-1] <= 'Z') || (p[-1] >= 'a' && p[-1] <= 'z') ||
                                      (p[-1] >= '0' && p[-1] <= '9') || p[-1] == '_');
        size_t letters = 0, digits = 0;
        while ((p[letters] >= 'A' && p[letters] <= 'Z') || (p[letters] >= 'a' && p[letters] <= 'z'))
            letters++;
        while (p[letters + digits] >= '0' && p[letters + digits] <= '9')
            digits++;
        char after = p[letters + digits];
        bool end = !((after >= 'A' && after <= 'Z') || (after >= 'a' && after <= 'z') || after == '_');
        if (start && letters && digits && end && cited_kind(L, p, letters) &&
            !source_defined(L, p, letters + digits))
            kg_diag(L->d, WARN, "W0005", at->file, at->off, "a source defined under `sources:`", NULL,
                    "%s '%s' cites %.*s, which `sources:` does not define", what, name,
                    (int)(letters + digits), p);
        p += letters + digits > 0 ? letters + digits : 1;
    }
}

static void warn_undefined_sources(kg_loader *L)
{
    if (L->sources.n == 0)
        return;
    for (size_t i = 0; i < L->defs.n; i++) {
        const kg_def *d = L->defs.v[i];
        const char *what = d->kind == KIND_FACT ? "fact" : d->kind == KIND_PARAM ? "param" : "rule";
        check_citations(L, d->source, d->node, what, d->name);
        for (int k = 0; k < d->ncases; k++)
            check_citations(L, d->cases[k].source, d->cases[k].node, "a case of rule", d->name);
    }
}

void kg_check(kg_loader *L)
{
    kigen_ruleset *rs = L->rs;
    chk c = {0};
    c.L = L;
    /* Slots: facts first, then rules; params numbered apart. */
    int nf = 0, nr = 0, np = 0;
    for (size_t i = 0; i < L->defs.n; i++) {
        kg_def *d = L->defs.v[i];
        if (d->kind == KIND_FACT)
            nf++;
        else if (d->kind == KIND_RULE)
            nr++;
        else
            np++;
    }
    rs->nfacts = nf;
    rs->nslots = nf + nr;
    rs->nparams = np;
    rs->slots = kg_arena_alloc(L->a, sizeof(kg_def *) * (size_t)(rs->nslots + 1));
    rs->params = kg_arena_alloc(L->a, sizeof(kg_def *) * (size_t)(np + 1));
    if (!rs->slots || !rs->params)
        return;
    int fi = 0, ri = nf, pi = 0;
    for (size_t i = 0; i < L->defs.n; i++) {
        kg_def *d = L->defs.v[i];
        if (d->kind == KIND_FACT) {
            d->slot = fi++;
            rs->slots[d->slot] = d;
        } else if (d->kind == KIND_RULE) {
            d->slot = ri++;
            rs->slots[d->slot] = d;
        } else {
            d->slot = pi++;
            rs->params[d->slot] = d;
        }
    }
    c.depmark = kg_arena_alloc(L->a, (size_t)rs->nslots + 1);
    if (!c.depmark)
        return;
    dfs_frame *stack = NULL;
    size_t cap = 0;
    for (size_t i = 0; i < L->defs.n; i++) {
        kg_def *d = L->defs.v[i];
        if (d->kind == KIND_PARAM)
            d->state = 2;
        else
            check_from(&c, d, &stack, &cap);
    }
    kg_mem_free(&rs->mem, stack, cap * sizeof *stack);
    /* Names to slots for the public lookups (kigen_fact_index, ...). */
    rs->slot_names = kg_arena_alloc(L->a, sizeof(char *) * (size_t)(rs->nslots + 1));
    rs->param_names = kg_arena_alloc(L->a, sizeof(char *) * (size_t)(rs->nparams + 1));
    if (!rs->slot_names || !rs->param_names)
        return;
    for (int i = 0; i < rs->nslots; i++)
        rs->slot_names[i] = rs->slots[i]->name;
    for (int i = 0; i < rs->nparams; i++)
        rs->param_names[i] = rs->params[i]->name;
    rs->slot_index = kg_nameidx_build(L->a, rs->slot_names, (size_t)rs->nslots);
    /* Facts' aliases: each names one fact, and none is another name. */
    size_t nal = 0;
    for (int i = 0; i < nf; i++)
        nal += rs->slots[i]->aliases ? rs->slots[i]->aliases->n : 0;
    rs->alias_names = kg_arena_alloc(L->a, sizeof(char *) * (nal + 1));
    rs->alias_slots = kg_arena_alloc(L->a, sizeof(int) * (nal + 1));
    if (!rs->alias_names || !rs->alias_slots)
        return;
    for (int i = 0; i < nf; i++) {
        const kg_ynode *al = rs->slots[i]->aliases;
        for (size_t j = 0; al && j < al->n; j++) {
            const kg_ynode *a = al->items[j];
            bool clash = kg_loader_find(L, a->text) != NULL;
            for (int k = 0; k < rs->naliases && !clash; k++)
                clash = strcmp(rs->alias_names[k], a->text) == 0;
            if (clash) {
                kg_diag(L->d, ERR, "E0104", a->file, a->off, "a name no definition or other alias has", NULL,
                        "alias '%s' of fact '%s' is already the name of a definition or an alias", a->text,
                        rs->slots[i]->name);
                continue;
            }
            rs->alias_names[rs->naliases] = a->text;
            rs->alias_slots[rs->naliases++] = i;
        }
    }
    rs->alias_index = kg_nameidx_build(L->a, rs->alias_names, (size_t)rs->naliases);
    rs->param_index = kg_nameidx_build(L->a, rs->param_names, (size_t)rs->nparams);
    rs->order = kg_arena_alloc(L->a, sizeof(int) * (c.order.n + 1));
    if (rs->order)
        for (size_t i = 0; i < c.order.n; i++)
            rs->order[i] = (int)(intptr_t)c.order.v[i];
    kg_vec_free(&c.order, &rs->mem);

    /* Outputs: as listed, or every rule when none are listed. */
    if (L->outputs.n) {
        rs->outputs = kg_arena_alloc(L->a, sizeof(int) * L->outputs.n);
        for (size_t i = 0; rs->outputs && i < L->outputs.n; i++) {
            const kg_ynode *n = L->outputs.v[i];
            kg_def *d = kg_loader_find(L, n->text);
            if (!d && L->lua_failed)
                continue; /* perhaps a hook's output: the script's own error says why */
            if (!d || d->kind == KIND_PARAM) {
                const char *close = closest_name(&c, n->text, NULL);
                char hint[200];
                if (close)
                    snprintf(hint, sizeof hint, "did you mean '%s'?", close);
                kg_diag(L->d, ERR, "E0201", n->file, n->off, "the name of a rule or fact",
                        close ? hint : NULL,
                        d ? "output '%s' is a param: list rules or facts as outputs" : "unknown output '%s'",
                        n->text);
                continue;
            }
            d->used = true;
            rs->outputs[rs->noutputs++] = d->slot;
        }
    } else {
        rs->outputs = kg_arena_alloc(L->a, sizeof(int) * (size_t)(nr + 1));
        for (int s = nf; rs->outputs && s < rs->nslots; s++)
            rs->outputs[rs->noutputs++] = s;
    }

    /* Messages name rules and outcomes that exist. */
    rs->messages = kg_arena_alloc(L->a, sizeof(kg_message) * (L->messages.n + 1));
    for (size_t i = 0; rs->messages && i < L->messages.n; i++) {
        kg_message *m = L->messages.v[i];
        kg_def *d = kg_loader_find(L, m->rule);
        char hint[200];
        if (!d || d->kind == KIND_PARAM) {
            const char *close = closest_name(&c, m->rule, NULL);
            if (close)
                snprintf(hint, sizeof hint, "did you mean '%s'?", close);
            kg_diag(L->d, ERR, "E0201", m->node->file, m->node->off, "a rule name", close ? hint : NULL,
                    "messages for unknown rule '%s'", m->rule);
            continue;
        }
        if (d->ty.k == TK_ENUM && d->ty.set && !kg_enum_has(d->ty.set, m->outcome, strlen(m->outcome))) {
            char tb[300];
            const char *close = kg_closest(m->outcome, d->ty.set->names, (size_t)d->ty.set->n);
            if (close)
                snprintf(hint, sizeof hint, "did you mean '%s'?", close);
            kg_diag(L->d, ERR, "E0209", m->node->file, m->node->off, kg_type_name(d->ty, tb, sizeof tb),
                    close ? hint : NULL, "rule '%s' never has the value '%s'", m->rule, m->outcome);
            continue;
        }
        if (d->ty.k == TK_BOOL && strcmp(m->outcome, "true") != 0 && strcmp(m->outcome, "false") != 0) {
            kg_diag(L->d, ERR, "E0209", m->node->file, m->node->off, "true or false", NULL,
                    "rule '%s' is a boolean; it never has the value '%s'", m->rule, m->outcome);
            continue;
        }
        rs->messages[rs->nmessages++] = *m;
    }
    /* An enum or boolean rule with messages has one for every value it can
     * take, in both languages (W0006): a person at a counter reads them. */
    for (size_t i = 0; rs->messages && i < (size_t)rs->nmessages; i++) {
        kg_def *d = kg_loader_find(L, rs->messages[i].rule);
        bool first = true;
        for (size_t j = 0; j < i && first; j++)
            first = strcmp(rs->messages[j].rule, rs->messages[i].rule) != 0;
        if (!d || !first || d->broken)
            continue;
        static const char *const bools[] = {"true", "false"};
        int n = d->ty.k == TK_ENUM && d->ty.set ? d->ty.set->n : d->ty.k == TK_BOOL ? 2 : 0;
        for (int k = 0; k < n; k++) {
            const char *value = d->ty.k == TK_BOOL ? bools[k] : d->ty.set->names[k];
            const kg_message *m = NULL;
            for (int j = 0; j < rs->nmessages && !m; j++)
                if (strcmp(rs->messages[j].rule, d->name) == 0 && strcmp(rs->messages[j].outcome, value) == 0)
                    m = &rs->messages[j];
            if (!m || !m->ja || !m->en)
                kg_diag(L->d, WARN, "W0006", rs->messages[i].node->file, rs->messages[i].node->off,
                        "a message for every value, in ja and en", NULL,
                        "rule '%s' has messages, but %s for the value '%s'", d->name,
                        !m       ? "none"
                        : !m->ja ? "no Japanese one"
                                 : "no English one",
                        value);
        }
    }
    rs->sources = kg_arena_alloc(L->a, sizeof(kg_source) * (L->sources.n + 1));
    for (size_t i = 0; rs->sources && i < L->sources.n; i++)
        rs->sources[rs->nsources++] = *(kg_source *)L->sources.v[i];

    /* Citations: a `source:` naming an id of the kind the file defines
     * (S14 where S1... are defined) that is not defined (W0005). */
    warn_undefined_sources(L);

    /* Warnings. */
    for (size_t i = 0; i < L->defs.n; i++) {
        kg_def *d = L->defs.v[i];
        if (d->kind != KIND_FACT && !d->source && !d->broken)
            kg_diag(L->d, WARN, "W0001", d->file, d->node->off, "source: where this comes from", NULL,
                    "%s '%s' has no 'source': an auditor cannot see where it comes from",
                    d->kind == KIND_PARAM ? "param" : "rule", d->name);
        if (d->kind == KIND_FACT && !d->used)
            kg_diag(L->d, WARN, "W0002", d->file, d->node->off, NULL, NULL,
                    "fact '%s' is not used by any rule or output", d->name);
        if (d->kind == KIND_PARAM && !d->used)
            kg_diag(L->d, WARN, "W0002", d->file, d->node->off, NULL, NULL,
                    "param '%s' is not used by any rule", d->name);
    }
}
