/* Common subexpressions and hoisting (the compiler's second file; see
 * rt/compiler.h). */
#include <string.h>

#include "rt/compiler.h"

/* ---- common subexpressions ---------------------------------------------------
 * Every cheap pure instruction (a date comparison, nth_birthday, a param
 * read, ...) whose operands are slots, constants or other such results is
 * computed once per record into a register of its own (a memo register)
 * and remembered; the same operation on the same operands later reads
 * that register. One met inside a branch (a case's `then`) that is read
 * again elsewhere is hoisted to the point before the first jump of its
 * slot's code, so that it runs whenever the slot does (one read only where
 * it was met stays in its branch). A pure instruction has no effect but
 * its value (an error is a value), so computing it where the walker would
 * not is invisible, save for the cost; instructions that make strings
 * (which count against the record's memory) are never memoised.
 * Temporaries are reused, so an instruction reading one takes no part. */

bool kg_cc_is_call(int op)
{
    return op == KG_CALL || op == KG_NTHBDAY || op == KG_AGE || op == KG_ADDM || op == KG_EARLIEST ||
           op == KG_LATEST || op == KG_GIVEN;
}

static bool pure_op(const cc *C, const kg_ins *i)
{
    switch (i->op) {
    case KG_PARAM:
    case KG_UNOP:
    case KG_NOT_B:
    case KG_BINOP:
    case KG_GIVEN:
    case KG_NTHBDAY:
    case KG_AGE:
    case KG_ADDM:
    case KG_EARLIEST:
    case KG_LATEST: break;
    case KG_CALL:
        if (C->fns[i->x]->impure)
            return false;
        break;
    default:
        if (i->op < KG_ADD_DD || i->op > KG_NE_S)
            return false;
        break;
    }
    if (kg_cc_is_call(i->op)) {
        for (int k = 0; k < i->n; k++)
            if (C->argtab[i->a + k] >= TREG0)
                return false;
        return true;
    }
    return i->a < TREG0 && i->b < TREG0;
}

static uint32_t ins_hash(const cc *C, const kg_ins *i)
{
    uint32_t h = 2166136261u;
#define MIX(v) (h = (h ^ (uint32_t)(v)) * 16777619u)
    MIX(i->op);
    MIX(i->b);
    MIX(i->x);
    MIX(i->n);
    if (kg_cc_is_call(i->op))
        for (int k = 0; k < i->n; k++)
            MIX(C->argtab[i->a + k]);
    else
        MIX(i->a);
#undef MIX
    return h;
}

static bool ins_same(const cc *C, const kg_ins *x, const kg_ins *y)
{
    if (x->op != y->op || x->b != y->b || x->x != y->x || x->n != y->n)
        return false;
    if (!kg_cc_is_call(x->op))
        return x->a == y->a;
    for (int k = 0; k < x->n; k++)
        if (C->argtab[x->a + k] != C->argtab[y->a + k])
            return false;
    return true;
}

static bool cheap_op(int op)
{
    return op == KG_PARAM || op == KG_NOT_B || op == KG_GIVEN || op == KG_NTHBDAY || op == KG_AGE ||
           op == KG_ADDM || op == KG_EARLIEST || op == KG_LATEST || (op >= KG_ADD_DD && op <= KG_NE_S);
}

/* The entry with the same operation and operands, or NULL. */
static cse_ent *cse_find(cc *C, const kg_ins *i)
{
    if (!C->capcse)
        return NULL;
    uint32_t m = (uint32_t)C->capcse - 1;
    for (uint32_t h = ins_hash(C, i) & m;; h = (h + 1) & m) {
        int e = C->cse[h];
        if (!e)
            return NULL;
        if (ins_same(C, &C->ents[e - 1].ins, i))
            return &C->ents[e - 1];
    }
}

static void cse_add(cc *C, const kg_ins *i, int reg, int owner, int hoist)
{
    if (!kg_cc_grow(C, (void **)&C->ents, &C->capents, C->nents + 1, sizeof(cse_ent)))
        return;
    if ((C->nents + 1) * 2 > C->capcse) {
        int nc = C->capcse ? C->capcse * 2 : 256;
        int *t = kg_mem_alloc(&C->c->mem, sizeof(int) * (size_t)nc);
        if (!t) {
            C->oom = true;
            return;
        }
        memset(t, 0, sizeof(int) * (size_t)nc);
        for (int k = 0; k < C->nents; k++) {
            uint32_t h = ins_hash(C, &C->ents[k].ins) & (uint32_t)(nc - 1);
            while (t[h])
                h = (h + 1) & (uint32_t)(nc - 1);
            t[h] = k + 1;
        }
        kg_mem_free(&C->c->mem, C->cse, sizeof(int) * (size_t)C->capcse);
        C->cse = t;
        C->capcse = nc;
    }
    cse_ent *e = &C->ents[C->nents];
    e->ins = *i;
    e->reg = reg;
    e->owner = owner;
    e->hoist = hoist;
    uint32_t m = (uint32_t)C->capcse - 1;
    uint32_t h = ins_hash(C, i) & m;
    while (C->cse[h])
        h = (h + 1) & m;
    C->cse[h] = ++C->nents;
}

/* Emit a pure instruction, or find its result already computed. Returns
 * the register that holds the result (dst, or a memo register). */
int kg_cc_emit_pure(cc *C, int op, int dst, int a, int b, int x, int n)
{
    kg_ins i = {(uint8_t)op, 0, (uint16_t)n, dst, a, b, x};
    if (C->oom || !cheap_op(op) || !pure_op(C, &i))
        return kg_cc_emit(C, op, dst, a, b, x, n), dst;
    cse_ent *hit = cse_find(C, &i);
    if (hit) {
        if (kg_cc_is_call(op))
            C->nargtab -= n; /* its arguments were appended for nothing */
        if (hit->hoist >= 0)
            C->hoist[hit->hoist].hits++;
        kg_cc_read_slot(C, hit->owner);
        return hit->reg;
    }
    /* unconditional code computing the slot itself keeps it there */
    int reg = !C->jumped && dst == C->cur ? dst : MREG0 + C->nmemo++;
    int h = -1;
    i.dst = reg;
    int at = kg_cc_emit(C, op, reg, a, b, x, n);
    if (C->jumped && kg_cc_grow(C, (void **)&C->hoist, &C->caphoist, C->nhoist + 1, sizeof(hoist_ent))) {
        h = C->nhoist++;
        C->hoist[h].ins = i;
        C->hoist[h].at = at;
        C->hoist[h].hits = 0;
        C->hoist[h].move = false;
    }
    if (reg >= MREG0 && kg_cc_grow(C, (void **)&C->memo_h, &C->capmemo_h, C->nmemo_h + 1, sizeof(int)))
        C->memo_h[C->nmemo_h++] = h;
    cse_add(C, &i, reg, C->cur, h);
    return reg;
}

/* Decide what moves: every entry read again, and every memoised result a
 * moving entry reads (so that it is computed before it). */
void kg_cc_decide_hoists(cc *C)
{
    for (int h = C->nhoist - 1; h >= 0; h--) {
        hoist_ent *e = &C->hoist[h];
        e->move = e->move || e->hits > 0;
        if (!e->move)
            continue;
        bool call = kg_cc_is_call(e->ins.op);
        int nops = call ? e->ins.n : 2;
        for (int k = 0; k < nops; k++) {
            int r = call ? C->argtab[e->ins.a + k] : k ? e->ins.b : e->ins.a, m = r - MREG0;
            if (r >= MREG0 && m < C->nmemo_h && C->memo_h[m] >= 0)
                C->hoist[C->memo_h[m]].move = true;
        }
    }
}
