/* Running a compiled program: one loop over a flat array of instructions,
 * no recursion, registers that are the context's value array. Each
 * specialised instruction handles present values of its types inline and
 * hands anything else (an absent value, an error, an overflow) to the
 * shared semantics in eval.c, so both engines give the same answer and
 * the same message. Explain never runs here (it walks the tree): the fast
 * path carries no trace. */
#include <string.h>

#include "base/calendar.h"
#include "rt/eval.h"
#include "rt/program.h"

bool kg_prog_install(kigen_ctx *c, kg_prog *p)
{
    if ((size_t)p->nregs > c->nregs_cap) {
        size_t want = (size_t)p->nregs;
        kg_val *r = kg_mem_realloc_own_lines(
            &c->mem, c->vals, sizeof(kg_val) * (c->nregs_cap ? c->nregs_cap : 1), sizeof(kg_val) * want);
        if (!r)
            return false;
        c->vals = r;
        c->nregs_cap = want;
    }
    if (p->nk)
        memcpy(c->vals + p->kbase, p->k, sizeof(kg_val) * (size_t)p->nk);
    for (int i = 0; i < p->nconst_slots; i++)
        c->vals[p->const_slots[i]] = p->const_vals[i];
    c->installed = p;
    return true;
}

static inline bool is_true(const kg_val *v)
{
    return v->t == VT_BOOL && v->u.i;
}

static inline void set_bool(kg_val *out, bool b)
{
    out->t = VT_BOOL;
    out->u.i = b;
}

/* Dispatch: with GCC and clang, a table of label addresses (each
 * instruction jumps straight to the next one's code, which predicts far
 * better than one shared switch; Lua's ljumptab.h does the same);
 * otherwise a switch. Jumps set i to the target minus one: both forms
 * step i before dispatching. */
#if defined(__GNUC__) && !defined(KIGEN_NO_JUMPTABLE)
#define KG_JT_ENTRY(name, labels, doc) &&L_##name,
#define vmtable static const void *const jumptab[] = {KG_OPCODES(KG_JT_ENTRY)}
#define vmdispatch(o) goto *jumptab[(o)];
#define vmcase(name) L_##name:
#define vmbreak                                                                                              \
    do {                                                                                                     \
        i++;                                                                                                 \
        goto *jumptab[i->op];                                                                                \
    } while (0)
#define vmdefault                                                                                            \
    L_NOPCODES:                                                                                              \
    __attribute__((unused))
#else
#define vmtable (void)0
#define vmdispatch(o) switch ((kg_opcode)(o))
#define vmcase(name) case KG_##name:
#define vmbreak break
#define vmdefault default:
#endif

/* The fast paths of the date and integer comparisons (REL is an operator
 * and FIELD a member name: they cannot be parenthesised). */
// NOLINTBEGIN(bugprone-macro-parentheses)
#define CMP_CASE(NAME, T, FIELD, REL, ASTOP)                                                                 \
    vmcase(NAME)                                                                                             \
    {                                                                                                        \
        if (R[i->a].t == T && R[i->b].t == T)                                                                \
            set_bool(&R[i->dst], R[i->a].u.FIELD REL R[i->b].u.FIELD);                                       \
        else                                                                                                 \
            kg_rt_binop(c, ASTOP, &R[i->a], &R[i->b], &R[i->dst]);                                           \
        vmbreak;                                                                                             \
    }
// NOLINTEND(bugprone-macro-parentheses)

static inline bool same_text(const kg_val *a, const kg_val *b)
{
    return a->len == b->len && (a->u.s == b->u.s || memcmp(a->u.s, b->u.s, a->len) == 0);
}

/* A call through the shared semantics: its arguments gathered from the
 * argument table (on the stack, or in the record's memory when there are
 * many, as the walker does). */
static void call(kigen_ctx *c, const kg_prog *p, const kg_ins *i, kg_val *R)
{
    kg_val small[16], *av = small;
    int n = i->n;
    if (n > 16 && !(av = kg_arena_alloc(&c->scratch, sizeof(kg_val) * (size_t)n))) {
        kg_fn_error(&c->fc, &R[i->dst], "out of memory");
        return;
    }
    for (int k = 0; k < n; k++)
        av[k] = R[p->args[i->a + k]];
    kg_rt_call(c, p->fns[i->x], av, n, &R[i->dst]);
}

void kg_prog_run(kigen_ctx *c, const kg_prog *p)
{
    kg_val *R = c->vals;
    const kg_ins *code = p->code;
    const kg_ins *i = code;
    vmtable;
    for (;; i++) {
        vmdispatch(i->op)
        {
            vmcase(HALT)
            {
                return;
            }
            vmcase(MOVE)
            {
                R[i->dst] = R[i->a];
                vmbreak;
            }
            vmcase(MOVEJ)
            {
                R[i->dst] = R[i->a];
                i = code + i->x - 1;
                vmbreak;
            }
            vmcase(LOADIN)
            {
                R[i->dst] = c->input[i->dst];
                vmbreak;
            }
            vmcase(FACT)
            {
                if (c->given[i->dst]) {
                    R[i->dst] = c->input[i->dst];
                    i = code + i->x - 1;
                }
                vmbreak;
            }
            vmcase(JMP)
            {
                i = code + i->x - 1;
                vmbreak;
            }
            vmcase(JERR)
            {
                if (R[i->a].t == VT_ERR) {
                    R[i->dst] = R[i->a];
                    i = code + i->x - 1;
                }
                vmbreak;
            }
            vmcase(JCOND)
            {
                if (R[i->a].t == VT_ERR) {
                    R[i->dst] = R[i->a];
                    i = code + i->b - 1;
                } else if (!is_true(&R[i->a])) {
                    i = code + i->x - 1;
                }
                vmbreak;
            }
            vmcase(JAND)
            {
                if (R[i->a].t == VT_ERR || (R[i->a].t == VT_BOOL && !R[i->a].u.i)) {
                    R[i->dst] = R[i->a];
                    i = code + i->x - 1;
                }
                vmbreak;
            }
            vmcase(JOR)
            {
                if (R[i->a].t == VT_ERR || is_true(&R[i->a])) {
                    R[i->dst] = R[i->a];
                    i = code + i->x - 1;
                }
                vmbreak;
            }
            vmcase(AND2) vmcase(OR2)
            {
                /* R[a] did not decide: R[b] decides when it is an error or
                 * the deciding value; otherwise absence wins, else R[b]. */
                const kg_val *b = &R[i->b];
                bool decides = b->t == VT_ERR || (b->t == VT_BOOL && b->u.i == (i->op == KG_OR2));
                if (decides || (R[i->a].t != VT_NONE && b->t != VT_NONE))
                    R[i->dst] = *b;
                else
                    memset(&R[i->dst], 0, sizeof R[i->dst]);
                vmbreak;
            }
            vmcase(JNOTVAL)
            {
                if (R[i->a].t == VT_ERR || R[i->a].t == VT_NONE) {
                    R[i->dst] = R[i->a];
                    i = code + i->x - 1;
                }
                vmbreak;
            }
            vmcase(INTEST)
            {
                const kg_val *a = &R[i->a], *b = &R[i->b];
                if (b->t == VT_ERR) {
                    R[i->dst] = *b;
                    i = code + i->x - 1;
                } else if (b->t == a->t) {
                    kg_val eq;
                    kg_rt_binop(c, OP_EQ, a, b, &eq);
                    if (is_true(&eq)) {
                        set_bool(&R[i->dst], true);
                        i = code + i->x - 1;
                    }
                }
                vmbreak;
            }
            vmcase(PARAM)
            {
                kg_rt_param(c, i->x, true, &R[i->a], &R[i->dst]);
                vmbreak;
            }
            vmcase(UNOP)
            {
                kg_rt_unary(c, p->nodes[i->x], &R[i->a], &R[i->dst]);
                vmbreak;
            }
            vmcase(NOT_B)
            {
                if (R[i->a].t == VT_BOOL)
                    set_bool(&R[i->dst], !R[i->a].u.i);
                else
                    R[i->dst] = R[i->a];
                vmbreak;
            }
            vmcase(BINOP)
            {
                /* operands whose static type was not decided: the common
                 * cases by their tags, the rest by the shared semantics */
                const kg_val *a = &R[i->a], *b = &R[i->b];
                kigen_date d;
                if (a->t == VT_DATE && b->t == VT_DUR && (i->n == OP_ADD || i->n == OP_SUB) &&
                    b->u.i > -4000000 && b->u.i < 4000000 &&
                    kigen_date_add_days(a->u.d, i->n == OP_ADD ? b->u.i : -b->u.i, &d) == KIGEN_OK) {
                    R[i->dst].t = VT_DATE;
                    R[i->dst].u.d = d;
                } else if (a->t == VT_INT && b->t == VT_INT && i->n == OP_ADD &&
                           !__builtin_add_overflow(a->u.i, b->u.i, &R[i->dst].u.i)) {
                    R[i->dst].t = VT_INT;
                } else {
                    kg_rt_binop(c, i->n, a, b, &R[i->dst]);
                }
                vmbreak;
            }
            vmcase(ADD_DD) vmcase(SUB_DD)
            {
                kigen_date d;
                const kg_val *a = &R[i->a], *b = &R[i->b];
                if (a->t == VT_DATE && b->t == VT_DUR && b->u.i > -4000000 && b->u.i < 4000000 &&
                    kigen_date_add_days(a->u.d, i->op == KG_ADD_DD ? b->u.i : -b->u.i, &d) == KIGEN_OK) {
                    R[i->dst].t = VT_DATE;
                    R[i->dst].u.d = d;
                } else {
                    kg_rt_binop(c, i->op == KG_ADD_DD ? OP_ADD : OP_SUB, a, b, &R[i->dst]);
                }
                vmbreak;
            }
            vmcase(SUB_D)
            {
                if (R[i->a].t == VT_DATE && R[i->b].t == VT_DATE) {
                    int64_t v = (int64_t)R[i->a].u.d - R[i->b].u.d;
                    R[i->dst].t = VT_INT;
                    R[i->dst].u.i = v;
                } else {
                    kg_rt_binop(c, OP_SUB, &R[i->a], &R[i->b], &R[i->dst]);
                }
                vmbreak;
            }
            vmcase(ADD_I) vmcase(SUB_I)
            {
                int64_t v;
                const kg_val *a = &R[i->a], *b = &R[i->b];
                if (a->t == VT_INT && b->t == VT_INT &&
                    !(i->op == KG_ADD_I ? __builtin_add_overflow(a->u.i, b->u.i, &v)
                                        : __builtin_sub_overflow(a->u.i, b->u.i, &v))) {
                    R[i->dst].t = VT_INT;
                    R[i->dst].u.i = v;
                } else {
                    kg_rt_binop(c, i->op == KG_ADD_I ? OP_ADD : OP_SUB, a, b, &R[i->dst]);
                }
                vmbreak;
            }
            CMP_CASE(EQ_D, VT_DATE, d, ==, OP_EQ)
            CMP_CASE(NE_D, VT_DATE, d, !=, OP_NE)
            CMP_CASE(LT_D, VT_DATE, d, <, OP_LT)
            CMP_CASE(LE_D, VT_DATE, d, <=, OP_LE)
            CMP_CASE(GT_D, VT_DATE, d, >, OP_GT)
            CMP_CASE(GE_D, VT_DATE, d, >=, OP_GE)
            CMP_CASE(EQ_I, VT_INT, i, ==, OP_EQ)
            CMP_CASE(NE_I, VT_INT, i, !=, OP_NE)
            CMP_CASE(LT_I, VT_INT, i, <, OP_LT)
            CMP_CASE(LE_I, VT_INT, i, <=, OP_LE)
            CMP_CASE(GT_I, VT_INT, i, >, OP_GT)
            CMP_CASE(GE_I, VT_INT, i, >=, OP_GE)
            vmcase(EQ_S) vmcase(NE_S)
            {
                if (R[i->a].t == VT_STR && R[i->b].t == VT_STR)
                    set_bool(&R[i->dst], same_text(&R[i->a], &R[i->b]) == (i->op == KG_EQ_S));
                else
                    kg_rt_binop(c, i->op == KG_EQ_S ? OP_EQ : OP_NE, &R[i->a], &R[i->b], &R[i->dst]);
                vmbreak;
            }
            vmcase(GIVEN)
            {
                const kg_val *v = &R[p->args[i->a]];
                if (v->t != VT_ERR)
                    set_bool(&R[i->dst], v->t != VT_NONE);
                else
                    R[i->dst] = *v;
                vmbreak;
            }
            vmcase(CALL)
            {
                call(c, p, i, R);
                vmbreak;
            }
            vmcase(NTHBDAY)
            {
                const int *ar = p->args + i->a;
                const kg_val *b = &R[ar[0]], *n = &R[ar[1]], *after = &R[ar[2]];
                kigen_date d;
                if (b->t == VT_DATE && n->t == VT_INT && after->t == VT_DATE && n->u.i >= 1 &&
                    n->u.i <= 9999 &&
                    kigen_nth_birthday_after(b->u.d, after->u.d, (int)n->u.i, (kigen_feb29)i->b, &d) ==
                        KIGEN_OK) {
                    R[i->dst].t = VT_DATE;
                    R[i->dst].u.d = d;
                } else {
                    call(c, p, i, R);
                }
                vmbreak;
            }
            vmcase(AGE)
            {
                const int *ar = p->args + i->a;
                const kg_val *b = &R[ar[0]], *on = &R[ar[1]];
                int age;
                if (b->t == VT_DATE && on->t == VT_DATE &&
                    kigen_age_on(b->u.d, on->u.d, (kigen_age_method)(i->b >> 4), (kigen_feb29)(i->b & 15),
                                 &age) == KIGEN_OK) {
                    R[i->dst].t = VT_INT;
                    R[i->dst].u.i = age;
                } else {
                    call(c, p, i, R);
                }
                vmbreak;
            }
            vmcase(ADDM)
            {
                const int *ar = p->args + i->a;
                const kg_val *d0 = &R[ar[0]], *m = &R[ar[1]];
                kigen_date d;
                if (d0->t == VT_DATE && m->t == VT_DUR && m->months &&
                    kigen_date_add_months(d0->u.d, m->u.i, (kigen_eom)i->b, &d) == KIGEN_OK) {
                    R[i->dst].t = VT_DATE;
                    R[i->dst].u.d = d;
                } else {
                    call(c, p, i, R);
                }
                vmbreak;
            }
            vmcase(EARLIEST) vmcase(LATEST)
            {
                /* absent arguments are skipped; anything but a date or an
                 * absent value (an error) goes the shared way */
                const int *ar = p->args + i->a;
                const kg_val *best = NULL;
                bool fast = true;
                for (int k = 0; k < i->n && fast; k++) {
                    const kg_val *v = &R[ar[k]];
                    if (v->t == VT_DATE) {
                        if (!best || (i->op == KG_EARLIEST ? v->u.d < best->u.d : v->u.d > best->u.d))
                            best = v;
                    } else if (v->t != VT_NONE) {
                        fast = false;
                    }
                }
                if (!fast)
                    call(c, p, i, R);
                else if (!best)
                    memset(&R[i->dst], 0, sizeof R[i->dst]);
                else
                    R[i->dst] = *best;
                vmbreak;
            }
            vmdefault
            {
                return;
            }
        }
    }
}
