/* The compiler: a plan's slots and expressions become instructions,
 * specialised to what is constant for the run (see rt/compiler.h for how
 * its three files share the work).
 *
 * Folded at compile time: literals, undated params, dated params read on
 * a constant date, param overrides, the absent facts of the record's
 * shape (their defaults, `none`, or the "required" error) and `given(x)`
 * of every fact, constant `when`s, `if`s, `and`/`or`, arithmetic and pure
 * calls — by the same node semantics the tree walker uses (eval.h), so a
 * folded value is the value the walker computes. */
#include <string.h>

#include "base/text.h"
#include "rt/compiler.h"
#include "rt/eval.h"

/* ---- growing arrays ----------------------------------------------------- */

bool kg_cc_grow(cc *C, void **arr, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return true;
    int nc = *cap ? *cap * 2 : 64;
    while (nc < need)
        nc *= 2;
    void *q = kg_mem_realloc(&C->c->mem, *arr, (size_t)*cap * size, (size_t)nc * size);
    if (!q) {
        C->oom = true;
        return false;
    }
    *arr = q;
    *cap = nc;
    return true;
}

int kg_cc_emit(cc *C, int op, int dst, int a, int b, int x, int n)
{
    if (!kg_cc_grow(C, (void **)&C->code, &C->capcode, C->ncode + 1, sizeof(kg_ins)))
        return 0;
    kg_ins *i = &C->code[C->ncode];
    i->op = (uint8_t)op;
    i->pad = 0;
    i->n = (uint16_t)n;
    i->dst = dst;
    i->a = a;
    i->b = b;
    i->x = x;
    if (kg_opcode_labels(op) || op == KG_FACT)
        C->njumps++;
    if ((kg_opcode_labels(op) || op == KG_FACT) && !C->jumped) {
        C->jumped = true;
        C->firstjump = C->ncode;
    }
    return C->ncode++;
}

/* The jump to the end after a branch's value: fused with the MOVE that put
 * the value in place when there is one and nothing can jump between the
 * two (one dispatch, not two). Returns the index whose x is the label. */
static int jump_out(cc *C, int since, int jumps_since)
{
    /* only when the branch's code since `since` is straight: a jump in it
     * (an `if` inside) may land just after that MOVE, which must then not
     * jump away */
    if (C->ncode > since && C->code[C->ncode - 1].op == KG_MOVE && C->njumps == jumps_since) {
        C->code[C->ncode - 1].op = KG_MOVEJ;
        if (!C->jumped) {
            C->jumped = true;
            C->firstjump = C->ncode - 1;
        }
        return C->ncode - 1;
    }
    return kg_cc_emit(C, KG_JMP, 0, 0, 0, 0, 0);
}

void kg_cc_read_slot(cc *C, int slot)
{
    if (C->alias[slot] >= 0)
        slot = C->alias[slot];
    if (kg_cc_grow(C, (void **)&C->reads, &C->capreads, C->nreads + 1, sizeof(int)))
        C->reads[C->nreads++] = slot;
}

static int temp(cc *C)
{
    int t = C->ttop++;
    if (C->ttop > C->tmax)
        C->tmax = C->ttop;
    return TREG0 + t;
}

/* The register of a constant (small pools are searched: most constants
 * repeat, `1 day`, `none`, an enum value). */
static int kreg(cc *C, const kg_val *v)
{
    for (int i = C->nk - 1; i >= 0 && i >= C->nk - 64; i--)
        if (kg_rt_same(&C->k[i], v))
            return KREG0 + i;
    if (!kg_cc_grow(C, (void **)&C->k, &C->capk, C->nk + 1, sizeof(kg_val)))
        return KREG0;
    C->k[C->nk] = *v;
    return KREG0 + C->nk++;
}

static int node_index(cc *C, const kg_expr *e)
{
    if (!kg_cc_grow(C, (void **)&C->nodes, &C->capnodes, C->nnodes + 1, sizeof(const kg_expr *)))
        return 0;
    C->nodes[C->nnodes] = e;
    return C->nnodes++;
}

static int fn_index(cc *C, const kg_fn *fn)
{
    for (int i = 0; i < C->nfns; i++)
        if (C->fns[i] == fn)
            return i;
    if (!kg_cc_grow(C, (void **)&C->fns, &C->capfns, C->nfns + 1, sizeof(const kg_fn *)))
        return 0;
    C->fns[C->nfns] = fn;
    return C->nfns++;
}

/* ---- operands ------------------------------------------------------------ */

static opnd K(kg_val v)
{
    opnd o = {true, -1, v};
    return o;
}

static opnd REG(int r)
{
    opnd o = {false, r, {0}};
    return o;
}

/* The operand in a register (a constant gets its constant register). */
static int reg_of(cc *C, opnd o)
{
    return o.k ? kreg(C, &o.v) : o.r;
}

/* The operand in register dst exactly. */
static void into(cc *C, opnd o, int dst)
{
    int r = reg_of(C, o);
    if (r != dst)
        kg_cc_emit(C, KG_MOVE, dst, r, 0, 0, 0);
}

/* An enum constant made to point at its set's own name, so that the
 * comparison's fast path (same pointer) finds it (only when the texts are
 * the same: an alias keeps its own text). */
static void canon(kg_type ty, kg_val *v)
{
    if (v->t != VT_STR || ty.k != TK_ENUM || !ty.set)
        return;
    int i = kg_enum_lookup(ty.set, v->u.s, v->len);
    if (i >= 0 && strlen(ty.set->names[i]) == v->len && memcmp(ty.set->names[i], v->u.s, v->len) == 0)
        v->u.s = ty.set->names[i];
}

/* A constant made at compile time by the shared node semantics: strings
 * and error texts it makes live in the program's arena. Returns false when
 * folding needed more memory than a program may hold (it is left to run
 * time, which applies the record's own limit). */
typedef struct fold_scope {
    kg_arena *scratch;
    bool explain;
    int cur;
    size_t total, used;
} fold_scope;

static fold_scope fold_begin(cc *C)
{
    fold_scope s = {C->c->fc.scratch, C->c->explain, C->c->cur_slot, C->p->arena.total, C->p->arena.used};
    C->c->fc.scratch = &C->p->arena;
    C->c->explain = false;
    C->c->cur_slot = -1;
    return s;
}

/* A fold that made a string (a concatenation, text(), era(), join()) is
 * not kept: the walker makes it in the record's memory, which has a limit
 * a record can reach, and the compiled program must reach it the same
 * way. Error texts and everything else are kept. */
static bool fold_end(cc *C, fold_scope s, const kg_val *v)
{
    C->c->fc.scratch = s.scratch;
    C->c->explain = s.explain;
    C->c->cur_slot = s.cur;
    bool made = C->p->arena.total != s.total || C->p->arena.used != s.used;
    return !C->p->arena.limit_hit && !(v->t == VT_STR && made);
}

/* Can evaluating e call a policy script (whose calls the walker may skip
 * after an error)? Then an error before it is checked before it runs. A
 * rule set without scripts has none (and pays nothing for asking). */
static bool has_effects(const cc *C, const kg_expr *e)
{
    if (!e || !C->rs->nlua_fns)
        return false;
    if (e->op == OP_CALL && e->fn && e->fn->impure)
        return true;
    if (has_effects(C, e->a) || has_effects(C, e->b) || has_effects(C, e->c))
        return true;
    for (int i = 0; i < e->nargs; i++)
        if (has_effects(C, e->args[i]))
            return true;
    return false;
}

static opnd cexpr(cc *C, const kg_expr *e, int dst);

/* The operand of a leaf that names a slot. */
static opnd slot_opnd(cc *C, int slot)
{
    if (C->st[slot] == ST_CONST)
        return K(C->cv[slot]);
    if (C->alias[slot] >= 0)
        slot = C->alias[slot]; /* a copy: read the original */
    kg_cc_read_slot(C, slot);
    return REG(slot);
}

/* Can the operand be an error at run time? */
static bool may_err(const cc *C, opnd o)
{
    if (o.k)
        return o.v.t == VT_ERR;
    return !(o.r < C->rs->nslots && C->st[o.r] == ST_PRESENT);
}

static opnd c_param(cc *C, const kg_expr *e, int dst)
{
    kigen_ctx *c = C->c;
    kg_val v = {0};
    if (!e->a) { /* undated, or overridden: the same for every record */
        fold_scope s = fold_begin(C);
        kg_rt_param(c, e->index, false, &v, &v);
        (void)fold_end(C, s, &v);
        return K(v);
    }
    int D = dst >= 0 ? dst : temp(C);
    int mark = C->ttop;
    opnd at = cexpr(C, e->a, -1);
    const kg_def *d = C->rs->params[e->index];
    if (!at.k && !may_err(C, at) && (c->overridden[e->index] || !d->dated)) {
        /* read on a date that is always there: an override or an undated
         * param is the same whatever the date */
        fold_scope s = fold_begin(C);
        kg_rt_param(c, e->index, false, &v, &v);
        (void)fold_end(C, s, &v);
        C->ttop = mark;
        return K(v);
    }
    if (at.k) { /* read on a constant date: the version is known */
        fold_scope s = fold_begin(C);
        kg_rt_param(c, e->index, true, &at.v, &v);
        if (fold_end(C, s, &v)) {
            C->ttop = mark;
            return K(v);
        }
    }
    int r = kg_cc_emit_pure(C, KG_PARAM, D, reg_of(C, at), 0, e->index, 0);
    C->ttop = mark;
    return REG(r);
}

/* The specialised instruction for a binary operator on these types, or
 * KG_BINOP. */
static int binop_code(const kg_expr *e)
{
    kg_tk a = e->a->ty.k, b = e->b->ty.k;
    static const int date_cmp[] = {KG_EQ_D, KG_NE_D, KG_LT_D, KG_LE_D, KG_GT_D, KG_GE_D};
    static const int int_cmp[] = {KG_EQ_I, KG_NE_I, KG_LT_I, KG_LE_I, KG_GT_I, KG_GE_I};
    switch (e->op) {
    case OP_ADD:
        if (a == TK_DATE && b == TK_DUR_DAYS)
            return KG_ADD_DD;
        if (a == TK_INT && b == TK_INT)
            return KG_ADD_I;
        break;
    case OP_SUB:
        if (a == TK_DATE && b == TK_DUR_DAYS)
            return KG_SUB_DD;
        if (a == TK_DATE && b == TK_DATE)
            return KG_SUB_D;
        if (a == TK_INT && b == TK_INT)
            return KG_SUB_I;
        break;
    case OP_EQ:
    case OP_NE:
    case OP_LT:
    case OP_LE:
    case OP_GT:
    case OP_GE:
        if (a == TK_DATE && b == TK_DATE)
            return date_cmp[e->op - OP_EQ];
        if (a == TK_INT && b == TK_INT)
            return int_cmp[e->op - OP_EQ];
        if ((e->op == OP_EQ || e->op == OP_NE) && (a == TK_ENUM || a == TK_STRING) &&
            (b == TK_ENUM || b == TK_STRING))
            return e->op == OP_EQ ? KG_EQ_S : KG_NE_S;
        break;
    default: break;
    }
    return KG_BINOP;
}

static opnd c_binary(cc *C, const kg_expr *e, int dst)
{
    int D = dst >= 0 ? dst : temp(C);
    int mark = C->ttop;
    opnd a = cexpr(C, e->a, -1);
    if (a.k && a.v.t == VT_ERR) {
        C->ttop = mark;
        return a; /* the walker does not look at the right side */
    }
    int end = -1;
    if (!a.k && has_effects(C, e->b))
        end = kg_cc_emit(C, KG_JERR, D, a.r, 0, 0, 0);
    opnd b = cexpr(C, e->b, -1);
    if (a.k && b.k) {
        kg_val v;
        fold_scope s = fold_begin(C);
        kg_rt_binop(C->c, e->op, &a.v, &b.v, &v);
        if (fold_end(C, s, &v)) {
            C->ttop = mark;
            return K(v);
        }
    }
    /* x op x for a comparison, x present (a given fact, or a copy of one) */
    if (!a.k && !b.k && a.r == b.r && a.r < C->rs->nslots && C->st[a.r] == ST_PRESENT && e->op >= OP_EQ &&
        e->op <= OP_GE) {
        kg_val t = {0};
        t.t = VT_BOOL;
        t.u.i = e->op == OP_EQ || e->op == OP_LE || e->op == OP_GE;
        C->ttop = mark;
        return K(t);
    }
    /* x op none is none unless x is an error */
    kg_val none = {0};
    if (end < 0 &&
        ((a.k && a.v.t == VT_NONE && !may_err(C, b)) || (b.k && b.v.t == VT_NONE && !may_err(C, a)))) {
        C->ttop = mark;
        return K(none);
    }
    if (a.k)
        canon(e->b->ty, &a.v);
    if (b.k)
        canon(e->a->ty, &b.v);
    int op = binop_code(e);
    int r = kg_cc_emit_pure(C, op, D, reg_of(C, a), reg_of(C, b), 0, e->op);
    if (end >= 0) {
        into(C, REG(r), D);
        r = D;
        C->code[end].x = C->ncode;
    }
    C->ttop = mark;
    return REG(r);
}

/* The value of e when it is plainly constant (a literal, a constant
 * slot, `not` of one), without compiling it. */
static bool peek_const(const cc *C, const kg_expr *e, kg_val *out)
{
    switch (e->op) {
    case OP_LIT: *out = e->lit; return true;
    case OP_FACT:
    case OP_RULE:
        if (C->st[e->index] != ST_CONST)
            return false;
        *out = C->cv[e->index];
        return true;
    case OP_NOT:
        if (!peek_const(C, e->a, out))
            return false;
        if (out->t == VT_BOOL)
            out->u.i = !out->u.i;
        return true;
    case OP_AND:
    case OP_OR: {
        /* only the cases decided by plain booleans (Kleene otherwise) */
        bool is_and = e->op == OP_AND;
        kg_val a, b;
        if (!peek_const(C, e->a, &a) || a.t != VT_BOOL)
            return false;
        if (a.u.i == !is_and) {
            *out = a;
            return true;
        }
        if (!peek_const(C, e->b, &b) || b.t != VT_BOOL)
            return false;
        *out = b;
        return true;
    }
    default: return false;
    }
}

static opnd c_andor(cc *C, const kg_expr *e, int dst)
{
    bool is_and = e->op == OP_AND;
    int D = dst >= 0 ? dst : temp(C);
    int mark = C->ttop;
    opnd a = cexpr(C, e->a, -1);
    if (a.k) {
        if (a.v.t == VT_ERR || (a.v.t == VT_BOOL && a.v.u.i == !is_and)) {
            C->ttop = mark;
            return a;
        }
        if (a.v.t == VT_BOOL) { /* true and b, false or b: exactly b */
            C->ttop = mark;
            return cexpr(C, e->b, D);
        }
        /* absent: it decides nothing, b is always evaluated (as the walker
         * does): no jump, and two constants fold */
        opnd b = cexpr(C, e->b, -1);
        if (b.k) {
            bool decides = b.v.t == VT_ERR || (b.v.t == VT_BOOL && b.v.u.i == !is_and);
            kg_val none = {0};
            C->ttop = mark;
            return K(decides ? b.v : none);
        }
        kg_cc_emit(C, is_and ? KG_AND2 : KG_OR2, D, reg_of(C, a), b.r, 0, 0);
        C->ttop = mark;
        return REG(D);
    }
    kg_val bk;
    if (!a.k && peek_const(C, e->b, &bk) && bk.t == VT_BOOL && bk.u.i == is_and) {
        /* a and true, a or false: exactly a, whatever a is */
        C->ttop = mark;
        if (a.r >= TREG0 && a.r < MREG0) { /* a temporary above mark: into D */
            into(C, a, D);
            return REG(D);
        }
        return a;
    }
    int ra = reg_of(C, a);
    int j = kg_cc_emit(C, is_and ? KG_JAND : KG_JOR, D, ra, 0, 0, 0);
    opnd b = cexpr(C, e->b, -1);
    kg_cc_emit(C, is_and ? KG_AND2 : KG_OR2, D, ra, reg_of(C, b), 0, 0);
    C->code[j].x = C->ncode;
    C->ttop = mark;
    return REG(D);
}

static opnd c_if(cc *C, const kg_expr *e, int dst)
{
    int mark0 = C->ttop;
    opnd cond = cexpr(C, e->a, -1);
    if (cond.k) {
        if (cond.v.t == VT_ERR)
            return cond;
        C->ttop = mark0;
        return cexpr(C, (cond.v.t == VT_BOOL && cond.v.u.i) ? e->b : e->c, dst);
    }
    int D = dst >= 0 ? dst : temp(C);
    int mark = C->ttop;
    int j = kg_cc_emit(C, KG_JCOND, D, cond.r, 0, 0, 0);
    int since = C->ncode, jumps = C->njumps;
    into(C, cexpr(C, e->b, D), D);
    int jend = jump_out(C, since, jumps);
    C->code[j].x = C->ncode;
    into(C, cexpr(C, e->c, D), D);
    C->code[j].b = C->ncode;
    C->code[jend].x = C->ncode;
    C->ttop = mark;
    return REG(D);
}

static opnd c_in(cc *C, const kg_expr *e, int dst)
{
    int D = dst >= 0 ? dst : temp(C);
    int mark = C->ttop;
    opnd a = cexpr(C, e->a, -1);
    if (a.k && (a.v.t == VT_ERR || a.v.t == VT_NONE)) {
        C->ttop = mark;
        return a;
    }
    bool allk = a.k;
    for (int i = 0; i < e->b->nargs && allk; i++)
        allk = e->b->args[i]->op == OP_LIT;
    if (allk) { /* a constant in constant items: the walker's loop, now */
        kg_val out = {0};
        out.t = VT_BOOL;
        for (int i = 0; i < e->b->nargs; i++) {
            const kg_val *b = &e->b->args[i]->lit;
            kg_val eq;
            if (b->t == VT_ERR) {
                out = *b;
                break;
            }
            if (b->t != a.v.t)
                continue;
            kg_rt_binop(C->c, OP_EQ, &a.v, b, &eq);
            if (eq.t == VT_BOOL && eq.u.i) {
                out.u.i = 1;
                break;
            }
        }
        C->ttop = mark;
        return K(out);
    }
    int ra = reg_of(C, a);
    int *jumps = NULL, nj = 0, capj = 0;
    int j0 = kg_cc_emit(C, KG_JNOTVAL, D, ra, 0, 0, 0);
    for (int i = 0; i < e->b->nargs; i++) {
        int m2 = C->ttop;
        opnd b = cexpr(C, e->b->args[i], -1);
        if (b.k)
            canon(e->a->ty, &b.v);
        if (kg_cc_grow(C, (void **)&jumps, &capj, nj + 1, sizeof(int)))
            jumps[nj++] = kg_cc_emit(C, KG_INTEST, D, ra, reg_of(C, b), 0, 0);
        C->ttop = m2;
    }
    kg_val f = {0};
    f.t = VT_BOOL;
    kg_cc_emit(C, KG_MOVE, D, kreg(C, &f), 0, 0, 0);
    C->code[j0].x = C->ncode;
    for (int i = 0; i < nj; i++)
        C->code[jumps[i]].x = C->ncode;
    kg_mem_free(&C->c->mem, jumps, sizeof(int) * (size_t)capj);
    C->ttop = mark;
    return REG(D);
}

static bool builtin(const kg_fn *fn, const char *name)
{
    return !fn->impure && !fn->ud && strcmp(fn->name, name) == 0;
}

static opnd c_call(cc *C, const kg_expr *e, int dst)
{
    const kg_fn *fn = e->fn;
    int n = e->nargs;
    /* given(x): known when x is a fact of the shape or any constant */
    if (builtin(fn, "given") && n == 1 && e->args[0] &&
        (e->args[0]->op == OP_FACT || e->args[0]->op == OP_RULE) && C->st[e->args[0]->index] == ST_PRESENT) {
        kg_val t = {0};
        t.t = VT_BOOL;
        t.u.i = 1;
        return K(t);
    }
    int D = dst >= 0 ? dst : temp(C);
    int mark = C->ttop;
    opnd *args = NULL;
    int capa = 0;
    if (!kg_cc_grow(C, (void **)&args, &capa, n > 0 ? n : 1, sizeof(opnd)))
        return REG(D);
    bool allk = true;
    int *guards = NULL, ng = 0, capg = 0;
    kg_val none = {0};
    for (int i = 0; i < n; i++) {
        if (!e->args[i]) {
            args[i] = K(none);
        } else {
            args[i] = cexpr(C, e->args[i], -1); /* each in its own register: they stay above mark */
            if (!fn->sees_absent && args[i].k && args[i].v.t == VT_ERR && allk) {
                /* the walker stops at the first error argument */
                opnd r = args[i];
                kg_mem_free(&C->c->mem, args, sizeof(opnd) * (size_t)capa);
                kg_mem_free(&C->c->mem, guards, sizeof(int) * (size_t)capg);
                C->ttop = mark;
                return r;
            }
            if (!fn->sees_absent && args[i].k && args[i].v.t == VT_ERR) {
                /* ... and so does the program: the call's value is the first
                 * error among the arguments so far (this one at the latest),
                 * and the rest (a script's call among them) are not run */
                n = i + 1;
                allk = false;
                break;
            }
        }
        allk = allk && args[i].k;
        if (!fn->sees_absent && !args[i].k && i + 1 < n) {
            bool later = false;
            for (int j = i + 1; j < n && !later; j++)
                later = has_effects(C, e->args[j]);
            if (later && kg_cc_grow(C, (void **)&guards, &capg, ng + 1, sizeof(int)))
                guards[ng++] = kg_cc_emit(C, KG_JERR, D, args[i].r, 0, 0, 0);
        }
    }
    /* default(x, y) with x known to be absent or present: y or x */
    bool known0 = n == 2 && (args[0].k || (args[0].r < C->rs->nslots && C->st[args[0].r] == ST_PRESENT));
    if (builtin(fn, "default") && known0) {
        opnd r = args[0].k && args[0].v.t == VT_NONE ? args[1] : args[0];
        kg_mem_free(&C->c->mem, args, sizeof(opnd) * (size_t)capa);
        kg_mem_free(&C->c->mem, guards, sizeof(int) * (size_t)capg);
        C->ttop = mark;
        if (!r.k && r.r >= TREG0) { /* a temporary above mark: move it down */
            into(C, r, D);
            return REG(D);
        }
        return r;
    }
    if (allk && !fn->impure) {
        kg_val *vals = kg_arena_alloc(&C->p->arena, sizeof(kg_val) * (size_t)(n ? n : 1));
        kg_val v = {0};
        if (vals) {
            for (int i = 0; i < n; i++)
                vals[i] = args[i].v;
            fold_scope s = fold_begin(C);
            kg_rt_call(C->c, fn, vals, n, &v);
            if (fold_end(C, s, &v)) {
                kg_mem_free(&C->c->mem, args, sizeof(opnd) * (size_t)capa);
                kg_mem_free(&C->c->mem, guards, sizeof(int) * (size_t)capg);
                C->ttop = mark;
                return K(v);
            }
        }
    }
    /* the arguments' registers go to the program's argument table */
    int at = C->nargtab;
    if (kg_cc_grow(C, (void **)&C->argtab, &C->capargtab, C->nargtab + (n ? n : 1), sizeof(int))) {
        for (int i = 0; i < n; i++)
            C->argtab[C->nargtab++] = reg_of(C, args[i]);
    }
    int op = KG_CALL, pol = 0;
    if (builtin(fn, "nth_birthday") && n == 4 && args[3].k && args[3].v.t == VT_STR) {
        op = KG_NTHBDAY;
        pol = args[3].v.u.s[0] == 'm' ? KIGEN_FEB29_MAR1 : KIGEN_FEB29_FEB28;
    } else if (builtin(fn, "age") && n == 4 && args[2].k && args[2].v.t == VT_STR && args[3].k &&
               args[3].v.t == VT_STR) {
        op = KG_AGE;
        pol = ((args[2].v.u.s[0] == 'b' ? KIGEN_AGE_BIRTHDAY : KIGEN_AGE_ACT) << 4) |
              (args[3].v.u.s[0] == 'm' ? KIGEN_FEB29_MAR1 : KIGEN_FEB29_FEB28);
    } else if (builtin(fn, "add") && n == 3 && args[2].k && args[2].v.t == VT_STR) {
        op = KG_ADDM;
        pol = args[2].v.u.s[0] == 'r' ? KIGEN_EOM_ROLL : KIGEN_EOM_CLAMP;
    } else if (builtin(fn, "earliest")) {
        op = KG_EARLIEST;
    } else if (builtin(fn, "latest")) {
        op = KG_LATEST;
    } else if (builtin(fn, "given") && n == 1) {
        op = KG_GIVEN;
    }
    int r = ng ? (kg_cc_emit(C, op, D, at, pol, fn_index(C, fn), n), D)
               : kg_cc_emit_pure(C, op, D, at, pol, fn_index(C, fn), n);
    for (int g = 0; g < ng; g++)
        C->code[guards[g]].x = C->ncode;
    kg_mem_free(&C->c->mem, args, sizeof(opnd) * (size_t)capa);
    kg_mem_free(&C->c->mem, guards, sizeof(int) * (size_t)capg);
    C->ttop = mark;
    return REG(r);
}

static opnd c_unary(cc *C, const kg_expr *e, int dst)
{
    int D = dst >= 0 ? dst : temp(C);
    int mark = C->ttop;
    opnd a = cexpr(C, e->a, -1);
    if (a.k) {
        kg_val v;
        fold_scope s = fold_begin(C);
        kg_rt_unary(C->c, e, &a.v, &v);
        if (fold_end(C, s, &v)) {
            C->ttop = mark;
            return K(v);
        }
    }
    int r = e->op == OP_NOT ? kg_cc_emit_pure(C, KG_NOT_B, D, reg_of(C, a), 0, 0, 0)
                            : kg_cc_emit(C, KG_UNOP, D, reg_of(C, a), 0, node_index(C, e), 0);
    if (e->op != OP_NOT)
        r = D; /* UNOP's x is a node of its own: never the same instruction */
    C->ttop = mark;
    return REG(r);
}

/* Compile e; the result is a constant, or a register (dst when dst >= 0
 * and the value had to be computed). */
static opnd cexpr(cc *C, const kg_expr *e, int dst)
{
    switch (e->op) {
    case OP_LIT: return K(e->lit);
    case OP_FACT:
    case OP_RULE: return slot_opnd(C, e->index);
    case OP_PARAM: return c_param(C, e, dst);
    case OP_DUR:
    case OP_NEG:
    case OP_NOT: return c_unary(C, e, dst);
    case OP_AND:
    case OP_OR: return c_andor(C, e, dst);
    case OP_IF: return c_if(C, e, dst);
    case OP_IN: return c_in(C, e, dst);
    case OP_CALL: return c_call(C, e, dst);
    default: return c_binary(C, e, dst);
    }
}

/* ---- slots -------------------------------------------------------------------- */

static bool given_in(const uint64_t *given, int i)
{
    return (given[i / 64] >> (i % 64)) & 1;
}

static void set_const(cc *C, int slot, kg_val v)
{
    canon(C->rs->slots[slot]->ty, &v);
    C->st[slot] = ST_CONST;
    C->cv[slot] = v;
}

static void c_slot_body(cc *C, int slot)
{
    const kg_def *d = C->rs->slots[slot];
    kigen_ctx *c = C->c;
    C->ttop = 0;
    if (d->kind == KIND_FACT) {
        if (C->given && given_in(C->given, slot)) {
            kg_cc_emit(C, KG_LOADIN, slot, 0, 0, 0, 0);
            C->st[slot] = ST_PRESENT;
            return;
        }
        int skip = C->given ? -1 : kg_cc_emit(C, KG_FACT, slot, 0, 0, 0, 0);
        opnd v;
        kg_val none = {0};
        if (d->deflt) {
            v = cexpr(C, d->deflt, slot);
        } else if (!d->optional) {
            fold_scope s = fold_begin(C);
            kg_fn_error(&c->fc, &none,
                        kg_ja() ? "%s が与えられていません（必須の項目です）"
                                : "fact %s is required but not given",
                        d->name);
            (void)fold_end(C, s, &none);
            v = K(none);
        } else {
            v = K(none);
        }
        if (skip < 0 && v.k) {
            set_const(C, slot, v.v);
            return;
        }
        into(C, v, slot);
        if (skip >= 0)
            C->code[skip].x = C->ncode;
        return;
    }
    kg_val none = {0};
    if (d->hook_output) {
        /* the policy hooks set it after the rules: absent until then */
        kg_cc_emit(C, KG_MOVE, slot, kreg(C, &none), 0, 0, 0);
        return;
    }
    if (d->value) {
        opnd v = cexpr(C, d->value, slot);
        if (v.k)
            set_const(C, slot, v.v);
        else
            into(C, v, slot);
        return;
    }
    /* cases: the first that holds; an error in a `when` is the value */
    int *ends = NULL, nends = 0, cap = 0;
    bool done = false, emitted = false;
    for (int i = 0; i < d->ncases && !done; i++) {
        const kg_case *kc = &d->cases[i];
        int j = -1;
        if (kc->when) {
            C->ttop = 0;
            opnd w = cexpr(C, kc->when, -1);
            if (w.k) {
                if (w.v.t == VT_ERR) {
                    if (!emitted) {
                        set_const(C, slot, w.v);
                        kg_mem_free(&c->mem, ends, sizeof(int) * (size_t)cap);
                        return;
                    }
                    into(C, w, slot);
                    done = true;
                    break;
                }
                if (!(w.v.t == VT_BOOL && w.v.u.i))
                    continue; /* never holds */
            } else {
                j = kg_cc_emit(C, KG_JCOND, slot, w.r, 0, 0, 0);
                emitted = true;
            }
        }
        C->ttop = 0;
        int since = C->ncode, jumps = C->njumps;
        opnd t = cexpr(C, kc->then, slot);
        if (j < 0) { /* holds always: the last case that can be taken */
            if (!emitted && t.k) {
                set_const(C, slot, t.v);
                kg_mem_free(&c->mem, ends, sizeof(int) * (size_t)cap);
                return;
            }
            into(C, t, slot);
            done = true;
            break;
        }
        into(C, t, slot);
        if (kg_cc_grow(C, (void **)&ends, &cap, nends + 1, sizeof(int)))
            ends[nends++] = jump_out(C, since, jumps);
        C->code[j].x = C->ncode;
        C->code[j].b = -1; /* patched to the end below */
        if (kg_cc_grow(C, (void **)&ends, &cap, nends + 1, sizeof(int)))
            ends[nends++] = -(j + 2); /* JCOND's error exit */
    }
    if (!done) {
        if (!emitted) {
            set_const(C, slot, none);
            kg_mem_free(&c->mem, ends, sizeof(int) * (size_t)cap);
            return;
        }
        kg_cc_emit(C, KG_MOVE, slot, kreg(C, &none), 0, 0, 0);
    }
    for (int i = 0; i < nends; i++) {
        if (ends[i] >= 0)
            C->code[ends[i]].x = C->ncode;
        else
            C->code[-ends[i] - 2].b = C->ncode;
    }
    kg_mem_free(&c->mem, ends, sizeof(int) * (size_t)cap);
}

/* A slot's code, then what later slots can reuse: a slot that is a copy
 * of another is read through the original (copy propagation, and a copy
 * of a given fact is never absent or an error); a slot computed by one
 * unconditional pure instruction joins the common subexpressions. */
void kg_cc_slot(cc *C, int slot)
{
    C->jumped = false;
    C->cur = slot;
    int start = C->ncode;
    C->firstjump = -1;
    c_slot_body(C, slot);
    if (C->oom || C->st[slot] == ST_CONST || C->jumped || C->ncode == start)
        return;
    const kg_ins *last = &C->code[C->ncode - 1];
    if (last->dst == slot && last->op == KG_MOVE && last->a < C->rs->nslots && C->ncode - start == 1) {
        C->alias[slot] = last->a;
        if (C->st[last->a] == ST_PRESENT)
            C->st[slot] = ST_PRESENT;
    }
}
