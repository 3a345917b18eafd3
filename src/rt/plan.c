/* Plans and the program cache: what a context must evaluate (the closure
 * of the values its caller selected), and the compiled programs for the
 * record shapes it has seen.
 *
 * A program is specialised to a shape (which facts a record gives), the
 * param overrides and the language; overrides, the language and the
 * selection change rarely and clear the cache. Shapes are bounded: past
 * KG_PROG_CACHE of them, one generic program (facts read at run time)
 * serves every other shape, so a file whose records give every
 * combination of facts neither recompiles per record nor grows memory. */
#include <string.h>

#include "base/text.h"
#include "rt/program.h"

#define KG_PROG_CACHE 8

struct kg_progcache {
    kg_prog *shaped[KG_PROG_CACHE];
    int n;
    kg_prog *generic;
    kg_prog *last;
};

static void plan_release(const kg_mem *m, const kigen_ruleset *rs, kg_plan *p)
{
    if (!p)
        return;
    size_t ns = (size_t)rs->nslots + 1, nw = (size_t)(rs->nfacts + 63) / 64 + 1;
    kg_mem_free(m, p->selected, ns);
    kg_mem_free(m, p->in_plan, ns);
    kg_mem_free(m, p->check_facts, sizeof(int) * ((size_t)rs->nfacts + 1));
    kg_mem_free(m, p->required, sizeof(uint64_t) * nw);
    kg_mem_free(m, p->outputs, sizeof(int) * ns);
    kg_mem_free(m, p, sizeof *p);
}

/* The plan for `sel` (per slot, asked for), or everything when sel is NULL. */
static kg_plan *plan_make(kigen_ctx *c, const uint8_t *sel)
{
    const kigen_ruleset *rs = c->rs;
    int ns = rs->nslots, nf = rs->nfacts;
    size_t nw = (size_t)(nf + 63) / 64 + 1;
    kg_plan *p = kg_mem_alloc(&c->mem, sizeof *p);
    if (!p)
        return NULL;
    memset(p, 0, sizeof *p);
    p->selected = kg_mem_alloc(&c->mem, (size_t)ns + 1);
    p->in_plan = kg_mem_alloc(&c->mem, (size_t)ns + 1);
    p->check_facts = kg_mem_alloc(&c->mem, sizeof(int) * ((size_t)nf + 1));
    p->required = kg_mem_alloc(&c->mem, sizeof(uint64_t) * nw);
    p->outputs = kg_mem_alloc(&c->mem, sizeof(int) * ((size_t)ns + 1));
    if (!p->selected || !p->in_plan || !p->check_facts || !p->required || !p->outputs) {
        plan_release(&c->mem, rs, p);
        return NULL;
    }
    p->all = sel == NULL;
    for (int s = 0; s < ns; s++)
        p->selected[s] = p->in_plan[s] = sel ? sel[s] : 1;
    /* the closure: dependencies come before their readers in `order` */
    for (int oi = ns - 1; oi >= 0 && sel; oi--) {
        int s = rs->order[oi];
        if (!p->in_plan[s])
            continue;
        const kg_def *d = rs->slots[s];
        for (int k = 0; k < d->ndeps; k++)
            p->in_plan[d->deps[k]] = 1;
    }
    memset(p->required, 0, sizeof(uint64_t) * nw);
    for (int f = 0; f < nf; f++) {
        if (!p->in_plan[f])
            continue;
        p->check_facts[p->ncheck_facts++] = f;
        const kg_def *d = rs->slots[f];
        if (!d->optional && !d->deflt)
            p->required[f / 64] |= (uint64_t)1 << (f % 64);
    }
    /* the values whose error fails the record: the selected outputs, in
     * output order, then the other selected rules */
    for (int i = 0; i < rs->noutputs; i++) {
        if (p->selected[rs->outputs[i]])
            p->outputs[p->noutputs++] = rs->outputs[i];
    }
    for (int s = nf; s < ns && sel; s++) {
        bool is_output = false;
        for (int i = 0; i < rs->noutputs && !is_output; i++)
            is_output = rs->outputs[i] == s;
        if (p->selected[s] && !is_output)
            p->outputs[p->noutputs++] = s;
    }
    /* Policy hooks may read any value: with a script, everything is
     * computed (what fails the record still follows the selection). */
    if (rs->ext)
        for (int s = 0; s < ns; s++)
            p->in_plan[s] = 1;
    return p;
}

bool kg_slot_readable(const kigen_ctx *c, int slot)
{
    return !c->plan || c->plan->all || c->plan->selected[slot];
}

void kg_prog_invalidate(kigen_ctx *c)
{
    struct kg_progcache *pc = c->progs;
    c->installed = NULL;
    if (!pc)
        return;
    for (int i = 0; i < pc->n; i++)
        kg_prog_free(&c->mem, pc->shaped[i]);
    kg_prog_free(&c->mem, pc->generic);
    memset(pc, 0, sizeof *pc);
}

void kg_plan_free(kigen_ctx *c)
{
    kg_prog_invalidate(c);
    kg_mem_free(&c->mem, c->progs, sizeof *c->progs);
    c->progs = NULL;
    plan_release(&c->mem, c->rs, c->plan);
    c->plan = NULL;
}

bool kg_plan_init(kigen_ctx *c)
{
    c->plan = plan_make(c, NULL);
    c->progs = kg_mem_alloc(&c->mem, sizeof *c->progs);
    if (c->progs)
        memset(c->progs, 0, sizeof *c->progs);
    return c->plan && c->progs;
}

static bool same_shape(const kg_prog *p, const uint64_t *given)
{
    return memcmp(p->given, given, sizeof(uint64_t) * (size_t)p->nwords) == 0;
}

kg_prog *kg_prog_generic(kigen_ctx *c)
{
    struct kg_progcache *pc = c->progs;
    if (!pc->generic)
        pc->generic = kg_prog_compile(c, c->plan, NULL);
    if (pc->generic && c->installed != pc->generic && !kg_prog_install(c, pc->generic))
        return NULL;
    return pc->generic;
}

kg_prog *kg_prog_current(kigen_ctx *c)
{
    struct kg_progcache *pc = c->progs;
    kg_prog *p = pc->last;
    if (!p || !p->shaped || !same_shape(p, c->given_bits)) {
        p = NULL;
        for (int i = 0; i < pc->n && !p; i++)
            if (same_shape(pc->shaped[i], c->given_bits))
                p = pc->shaped[i];
        if (!p && pc->n < KG_PROG_CACHE) {
            if (!(p = kg_prog_compile(c, c->plan, c->given_bits)))
                return NULL;
            pc->shaped[pc->n++] = p;
        }
        if (!p) {
            if (!pc->generic && !(pc->generic = kg_prog_compile(c, c->plan, NULL)))
                return NULL;
            p = pc->generic;
        }
        pc->last = p;
    }
    if (c->installed != p && !kg_prog_install(c, p))
        return NULL;
    return p;
}

/* ---- the public selection ------------------------------------------------------ */

int kigen_ctx_select_outputs(kigen_ctx *c, const char *const *names, size_t n)
{
    if (!c || (n && !names))
        return kg_ctx_fail(c, KIGEN_EMISUSE);
    const kigen_ruleset *rs = c->rs;
    uint8_t *sel = NULL;
    if (n) {
        sel = kg_mem_alloc(&c->mem, (size_t)rs->nslots + 1);
        if (!sel)
            return kg_ctx_fail(c, KIGEN_ENOMEM);
        memset(sel, 0, (size_t)rs->nslots + 1);
        for (size_t i = 0; i < n; i++) {
            int s = names[i] ? kg_slot_of(rs, names[i]) : -1;
            if (s < 0 && names[i])
                s = kigen_fact_index(rs, names[i]); /* a fact's alias */
            if (s < 0) {
                const char *close =
                    names[i] ? kg_closest(names[i], rs->slot_names, (size_t)rs->nslots) : NULL;
                if (!names[i])
                    kg_ctx_err(c, "kigen_ctx_select_outputs: name %zu is NULL", i);
                else if (close)
                    kg_ctx_err(c, "no output, rule or fact named '%s' (did you mean '%s'?)", names[i], close);
                else
                    kg_ctx_err(c, "no output, rule or fact named '%s'", names[i]);
                kg_mem_free(&c->mem, sel, (size_t)rs->nslots + 1);
                return kg_ctx_fail(c, names[i] ? KIGEN_ENOTFOUND : KIGEN_EMISUSE);
            }
            sel[s] = 1;
        }
    }
    kg_plan *p = plan_make(c, sel);
    kg_mem_free(&c->mem, sel, (size_t)rs->nslots + 1);
    if (!p)
        return kg_ctx_fail(c, KIGEN_ENOMEM);
    kg_prog_invalidate(c);
    plan_release(&c->mem, rs, c->plan);
    c->plan = p;
    c->stale = true; /* the last evaluation computed the old selection */
    return kg_ctx_fail(c, KIGEN_OK);
}

const char *kigen_program_text(kigen_ctx *c)
{
    if (!c)
        return NULL;
    KG_LANG_SCOPE(c->fc.ja);
    kg_buf_clear(&c->out);
    kg_prog *p = kg_prog_compile(c, c->plan, c->given_bits);
    if (!p) {
        kg_ctx_err(c, "out of memory");
        kg_ctx_fail(c, KIGEN_ENOMEM);
        return NULL;
    }
    kg_prog_text(c, p, &c->out);
    kg_prog_free(&c->mem, p);
    if (c->out.failed) {
        kg_ctx_fail(c, KIGEN_ENOMEM);
        return NULL;
    }
    return kg_buf_cstr(&c->out);
}
