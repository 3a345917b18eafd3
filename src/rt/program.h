/* Compiled rule programs: prepare once, step per record (as SQLite's
 * prepare/step). A plan says which values a context must produce (the
 * closure of the selected outputs); the compiler (compile.c) turns the
 * plan, specialised to the facts a record gives (its shape), the context's
 * param overrides and language, into a flat register program; exec.c runs
 * it; program_text.c prints it (`kigen check --program`). The tree walker
 * (eval.c) stays the reference: explain runs it, and KIGEN_EVAL=check
 * runs both and compares every value.
 *
 * Registers: R[0 .. nslots) are the values of facts and rules (the
 * context's vals), then the constants, then temporaries. Ownership: a
 * program belongs to the context's cache (plan.c), which frees it. */
#ifndef KIGEN_RT_PROGRAM_H
#define KIGEN_RT_PROGRAM_H

#include "rt/ctx.h"
#include "rt/opcodes.h"

typedef struct kg_ins {
    uint8_t op;  /* kg_opcode */
    uint8_t pad; /* (unused) */
    uint16_t n;  /* argument count, binary operator */
    int32_t dst, a, b, x;
} kg_ins;

/* What a context evaluates: the slots the caller reads and all they need. */
typedef struct kg_plan {
    bool all;          /* no selection: every slot, every output (as before selection existed) */
    uint8_t *selected; /* per slot: asked for (kigen_ctx_select_outputs) */
    uint8_t *in_plan;  /* per slot: in the closure of the selection */
    int *check_facts;  /* facts of the plan, in fact order: a missing or failing one fails the record */
    int ncheck_facts;
    uint64_t *required; /* bit per fact: in the plan, required, no default */
    int *outputs;       /* selected output slots, in output order: an error fails the record */
    int noutputs;
} kg_plan;

typedef struct kg_prog {
    kg_arena arena; /* the program, its constants and folded strings */
    kg_ins *code;
    int ncode;
    kg_val *k;                   /* constants: R[kbase + i] */
    int nk, kbase, mbase, nregs; /* constants at kbase, memo registers at mbase */
    int *const_slots;            /* slots whose value is a constant this program installs */
    int nconst_slots;
    kg_val *const_vals;
    uint8_t *live;         /* per slot: computed by this program (readable after a run) */
    const kg_expr **nodes; /* UNOP's operator nodes */
    int nnodes;
    const kg_fn **fns; /* CALL targets */
    int nfns;
    int *args; /* calls' argument registers: a call's a indexes its first */
    int nargs;
    /* the key it was compiled for */
    bool shaped; /* specialised to `given` (else: facts read at run time) */
    uint64_t *given;
    int nwords;
    int *check_facts; /* facts whose value may be an error at run time, in fact order
                       * (the generic program: those with a default; a missing
                       * required one is found by kg_plan.required & ~given) */
    int ncheck_facts;
} kg_prog;

/* ---- plan.c: selection, the plan, the per-context program cache ---------- */

/* The program for the context's current shape: from the cache, compiled
 * on a miss (bounded: past KG_PROG_CACHE shapes, one generic program
 * serves the rest). NULL when out of memory (the caller walks the tree). */
kg_prog *kg_prog_current(kigen_ctx *c);
/* The generic program (facts read at run time), compiled if need be and
 * installed: KIGEN_EVAL=check compares it with the shape's. */
kg_prog *kg_prog_generic(kigen_ctx *c);
/* Forget every compiled program (overrides, language or selection changed). */
void kg_prog_invalidate(kigen_ctx *c);
/* Free the plan and the cache (kigen_ctx_free). */
void kg_plan_free(kigen_ctx *c);
/* Is slot readable after the last evaluation? */
bool kg_slot_readable(const kigen_ctx *c, int slot);

/* ---- compile.c ------------------------------------------------------------ */

/* Compile the plan for c's current overrides and language; given (nwords
 * words, one bit per fact) is the shape, or NULL for a generic program.
 * NULL when out of memory. */
kg_prog *kg_prog_compile(kigen_ctx *c, const kg_plan *plan, const uint64_t *given);
void kg_prog_free(const kg_mem *m, kg_prog *p);

/* ---- exec.c --------------------------------------------------------------- */

/* Make p the context's running program: size the register file, load the
 * constants and constant slots. false when out of memory. */
bool kg_prog_install(kigen_ctx *c, kg_prog *p);
/* Run the installed program over the current record. */
void kg_prog_run(kigen_ctx *c, const kg_prog *p);

/* ---- program_text.c -------------------------------------------------------- */

/* The program as text, one instruction per line (EXPLAIN). */
void kg_prog_text(const kigen_ctx *c, const kg_prog *p, kg_buf *out);

#endif
