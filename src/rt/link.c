/* Linking a compiled program (the compiler's third file; see
 * rt/compiler.h): compile every slot of the plan in order, keep the slots
 * the selection, the checks and the hooks need (liveness), then lay the
 * kept code out — each slot's hoisted instructions before its first jump —
 * renumbering registers and relocating jump labels, into the program the
 * context runs. */
#include <string.h>

#include "base/text.h"
#include "rt/compiler.h"

/* ---- the program ---------------------------------------------------------------- */

static int map_reg(const kg_prog *p, int r)
{
    if (r >= MREG0)
        return p->mbase + (r - MREG0);
    if (r >= TREG0)
        return p->kbase + p->nk + (r - TREG0);
    if (r >= KREG0)
        return p->kbase + (r - KREG0);
    return r;
}

void kg_prog_free(const kg_mem *m, kg_prog *p)
{
    if (!p)
        return;
    kg_arena_free(&p->arena);
    kg_mem_free(m, p, sizeof *p);
}

/* The compiler's working arrays (the program keeps copies in its arena). */
static void cc_free(cc *C)
{
    const kg_mem *m = &C->c->mem;
    kg_mem_free(m, C->code, sizeof(kg_ins) * (size_t)C->capcode);
    kg_mem_free(m, C->k, sizeof(kg_val) * (size_t)C->capk);
    kg_mem_free(m, C->reads, sizeof(int) * (size_t)C->capreads);
    kg_mem_free(m, C->nodes, sizeof(const kg_expr *) * (size_t)C->capnodes);
    kg_mem_free(m, C->fns, sizeof(const kg_fn *) * (size_t)C->capfns);
    kg_mem_free(m, C->argtab, sizeof(int) * (size_t)C->capargtab);
    kg_mem_free(m, C->cse, sizeof(int) * (size_t)C->capcse);
    kg_mem_free(m, C->ents, sizeof(cse_ent) * (size_t)C->capents);
    kg_mem_free(m, C->hoist, sizeof(hoist_ent) * (size_t)C->caphoist);
    kg_mem_free(m, C->memo_h, sizeof(int) * (size_t)C->capmemo_h);
}

#define PALLOC(p, n, type)                                                                                   \
    ((type *)kg_arena_alloc(&(p)->arena, sizeof(type) * ((size_t)(n) ? (size_t)(n) : 1)))

kg_prog *kg_prog_compile(kigen_ctx *c, const kg_plan *plan, const uint64_t *given)
{
    const kigen_ruleset *rs = c->rs;
    int ns = rs->nslots;
    kg_prog *p = kg_mem_alloc(&c->mem, sizeof *p);
    if (!p)
        return NULL;
    memset(p, 0, sizeof *p);
    kg_arena_init(&p->arena, &c->mem);
    p->arena.limit = (size_t)64 << 20; /* folded strings: beyond this, left to run time */
    cc C = {0};
    C.c = c;
    C.rs = rs;
    C.p = p;
    C.given = given;
    C.st = PALLOC(p, ns, uint8_t);
    C.alias = PALLOC(p, ns, int);
    for (int s = 0; C.alias && s < ns; s++)
        C.alias[s] = -1;
    C.cv = PALLOC(p, ns, kg_val);
    int *start = PALLOC(p, ns + 1, int), *rstart = PALLOC(p, ns + 1, int), *rend = PALLOC(p, ns + 1, int);
    int *cend = PALLOC(p, ns + 1, int), *fj = PALLOC(p, ns + 1, int), *hstart = PALLOC(p, ns + 1, int),
        *hend = PALLOC(p, ns + 1, int);
    p->live = PALLOC(p, ns, uint8_t);
    /* The code array exists from the start: after an allocation fails,
     * emit returns index 0 and the compiler writes its labels there
     * harmlessly until it notices (C.oom) and gives the program up. */
    (void)kg_cc_grow(&C, (void **)&C.code, &C.capcode, 64, sizeof(kg_ins));
    if (!C.code || !C.st || !C.alias || !C.cv || !start || !rstart || !rend || !cend || !fj || !hstart ||
        !hend || !p->live) {
        cc_free(&C);
        kg_prog_free(&c->mem, p);
        return NULL;
    }
    /* compile every slot of the plan, in evaluation order */
    for (int oi = 0; oi < ns && !C.oom; oi++) {
        int s = rs->order[oi];
        start[s] = C.ncode;
        rstart[s] = C.nreads;
        hstart[s] = C.nhoist;
        fj[s] = -1;
        if (plan->in_plan[s]) {
            kg_cc_slot(&C, s);
            fj[s] = C.firstjump;
        }
        cend[s] = C.ncode;
        if (fj[s] < 0)
            fj[s] = cend[s];
        rend[s] = C.nreads;
        hend[s] = C.nhoist;
    }
    /* liveness: what the selection, the checks and the hooks read */
    for (int s = 0; s < ns; s++)
        /* (policy hooks may read any value: with a script, all of the plan) */
        p->live[s] = plan->all || rs->ext ? plan->in_plan[s] : plan->selected[s];
    int nchk = 0;
    p->check_facts = PALLOC(p, plan->ncheck_facts, int);
    for (int i = 0; p->check_facts && i < plan->ncheck_facts; i++) {
        int f = plan->check_facts[i];
        /* a fact given by the shape is never an error; in the generic
         * program a required fact's absence is one bitmask test (plan.h),
         * and an optional fact without a default is never an error */
        const kg_def *fd = rs->slots[f];
        if (!given && !fd->deflt && !fd->optional)
            p->live[f] = 1; /* its error is the record's message */
        if (C.st[f] == ST_PRESENT || (C.st[f] == ST_CONST && C.cv[f].t != VT_ERR) || (!given && !fd->deflt))
            continue;
        p->check_facts[nchk++] = f;
        p->live[f] = 1;
    }
    p->ncheck_facts = nchk;
    for (int oi = ns - 1; oi >= 0; oi--) {
        int s = rs->order[oi];
        if (!p->live[s])
            continue;
        for (int r = rstart[s]; C.reads && r < rend[s]; r++)
            p->live[C.reads[r]] = 1;
    }
    /* lay out the live slots' code in order, each slot's hoisted
     * instructions just before its first jump (and out of their branch):
     * newpos maps old indices to new ones, bend is where each slot's code
     * ends (its labels' last target), hnew where its hoisted ones go */
    kg_cc_decide_hoists(&C);
    int *newpos = kg_mem_alloc(&c->mem, sizeof(int) * (size_t)(C.ncode + 1));
    uint8_t *moved = kg_mem_alloc(&c->mem, (size_t)C.ncode + 1);
    int *bend = PALLOC(p, ns + 1, int), *hnew = PALLOC(p, ns + 1, int), *nmove = PALLOC(p, ns + 1, int);
    if (!newpos || !moved || !bend || !hnew || !nmove || C.oom || !p->check_facts) {
        kg_mem_free(&c->mem, newpos, sizeof(int) * (size_t)(C.ncode + 1));
        kg_mem_free(&c->mem, moved, (size_t)C.ncode + 1);
        goto fail;
    }
    memset(moved, 0, (size_t)C.ncode + 1);
    for (int s = 0; s < ns; s++) {
        nmove[s] = 0;
        for (int h = hstart[s]; h < hend[s]; h++)
            if (C.hoist[h].move) {
                moved[C.hoist[h].at] = 1;
                nmove[s]++;
            }
    }
    int n = 0;
    for (int oi = 0; oi < ns; oi++) {
        int s = rs->order[oi];
        bool keep = p->live[s] && plan->in_plan[s];
        for (int i = start[s]; i <= cend[s]; i++) {
            if (i == fj[s] && keep) {
                hnew[s] = n;
                n += nmove[s];
            }
            if (i < cend[s]) {
                newpos[i] = n; /* a moved one's old place: the next that stays */
                n += keep && !moved[i];
            }
        }
        bend[s] = n;
    }
    newpos[C.ncode] = n;
    p->nk = C.nk;
    p->kbase = ns;
    p->mbase = ns + C.nk + C.tmax;
    p->nregs = p->mbase + C.nmemo;
    p->code = PALLOC(p, n + 1, kg_ins);
    p->k = PALLOC(p, C.nk, kg_val);
    if (!p->code || !p->k) {
        kg_mem_free(&c->mem, newpos, sizeof(int) * (size_t)(C.ncode + 1));
        kg_mem_free(&c->mem, moved, (size_t)C.ncode + 1);
        goto fail;
    }
    if (C.nk)
        memcpy(p->k, C.k, sizeof(kg_val) * (size_t)C.nk);
    for (int oi = 0; oi < ns; oi++) {
        int s = rs->order[oi];
        if (!p->live[s] || !plan->in_plan[s])
            continue;
        int hk = 0;
        for (int h = hstart[s]; h < hend[s]; h++) {
            if (!C.hoist[h].move)
                continue;
            kg_ins in = C.hoist[h].ins; /* pure: no labels */
            in.dst = map_reg(p, in.dst);
            if (!kg_cc_is_call(in.op)) {
                in.a = map_reg(p, in.a);
                in.b = map_reg(p, in.b);
            }
            p->code[hnew[s] + hk++] = in;
        }
        for (int i = start[s]; i < cend[s]; i++) {
            if (moved[i])
                continue;
            kg_ins in = C.code[i];
            int lab = kg_opcode_labels(in.op);
            in.dst = map_reg(p, in.dst);
            if (!kg_cc_is_call(in.op))
                in.a = map_reg(p, in.a);
            if (lab & KG_LB)
                in.b = in.b == cend[s] ? bend[s] : newpos[in.b];
            else if (!kg_cc_is_call(in.op))
                in.b = map_reg(p, in.b);
            if (lab & KG_LX)
                in.x = in.x == cend[s] ? bend[s] : newpos[in.x];
            p->code[newpos[i]] = in;
        }
    }
    kg_mem_free(&c->mem, moved, (size_t)C.ncode + 1);
    p->code[n].op = KG_HALT;
    p->ncode = n + 1;
    kg_mem_free(&c->mem, newpos, sizeof(int) * (size_t)(C.ncode + 1));
    /* constant slots: installed once with the program */
    int nconst = 0;
    for (int s = 0; s < ns; s++)
        nconst += plan->in_plan[s] && C.st[s] == ST_CONST;
    p->const_slots = PALLOC(p, nconst, int);
    p->const_vals = PALLOC(p, nconst, kg_val);
    if (!p->const_slots || !p->const_vals)
        goto fail;
    for (int s = 0; s < ns; s++) {
        if (plan->in_plan[s] && C.st[s] == ST_CONST) {
            p->const_slots[p->nconst_slots] = s;
            p->const_vals[p->nconst_slots++] = C.cv[s];
            p->live[s] = 1; /* readable: it is installed */
        }
    }
    p->nodes = PALLOC(p, C.nnodes, const kg_expr *);
    p->fns = PALLOC(p, C.nfns, const kg_fn *);
    if (!p->nodes || !p->fns)
        goto fail;
    if (C.nnodes) /* (memcpy's source may not be NULL, even for 0 bytes) */
        memcpy(p->nodes, C.nodes, sizeof(const kg_expr *) * (size_t)C.nnodes);
    if (C.nfns)
        memcpy(p->fns, C.fns, sizeof(const kg_fn *) * (size_t)C.nfns);
    p->nnodes = C.nnodes;
    p->nfns = C.nfns;
    p->args = PALLOC(p, C.nargtab, int);
    if (!p->args)
        goto fail;
    for (int i = 0; i < C.nargtab; i++)
        p->args[i] = map_reg(p, C.argtab[i]);
    p->nargs = C.nargtab;
    p->shaped = given != NULL;
    p->nwords = (rs->nfacts + 63) / 64;
    if (given) {
        p->given = PALLOC(p, p->nwords, uint64_t);
        if (!p->given)
            goto fail;
        memcpy(p->given, given, sizeof(uint64_t) * (size_t)p->nwords);
    }
    for (int s = 0; s < ns; s++) /* a live slot outside the plan is nothing to read */
        p->live[s] = p->live[s] && plan->in_plan[s];
    cc_free(&C);
    return p;
fail:
    cc_free(&C);
    kg_prog_free(&c->mem, p);
    return NULL;
}
