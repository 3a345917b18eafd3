/* The compiler's own header (compile.c, cse.c, link.c; nothing else
 * includes it): its state while a program is being made, the operands of
 * expressions, and the functions its three files share.
 *
 * compile.c turns expressions and slots into instructions, folding what
 * is constant; cse.c remembers pure instructions so that each is computed
 * once per record; link.c drives a compilation, keeps the slots the
 * selection needs, and lays the code out into the finished program.
 *
 * Registers while compiling are numbered in four ranges — slots, KREG
 * constants, TREG temporaries, MREG memo registers — and renumbered by
 * link.c when the counts are known. */
#ifndef KIGEN_RT_COMPILER_H
#define KIGEN_RT_COMPILER_H

#include "rt/program.h"

#define KREG0 0x20000000
#define TREG0 0x40000000

#define MREG0 0x60000000

enum { ST_UNKNOWN, ST_CONST, ST_PRESENT };

typedef struct cse_ent {
    kg_ins ins; /* operation and operands (a call's a: its arguments in argtab) */
    int reg;    /* where the result is */
    int owner;  /* the slot whose code computes it */
    int hoist;  /* its hoist entry, or -1 */
} cse_ent;

/* A memoised instruction met inside a branch: it stays there unless
 * something else reads its result, in which case it moves to before its
 * slot's first jump (and so does every memoised result it reads). */
typedef struct hoist_ent {
    kg_ins ins;
    int at;    /* its place in the branch (compile-time index) */
    int hits;  /* CSE hits on it */
    bool move; /* decided: hoisted */
} hoist_ent;

typedef struct opnd {
    bool k; /* a constant: v */
    int r;  /* else the register that holds it */
    kg_val v;
} opnd;

typedef struct cc {
    kigen_ctx *c;
    const kigen_ruleset *rs;
    kg_prog *p;
    const uint64_t *given; /* the shape, or NULL */
    kg_ins *code;
    int ncode, capcode;
    kg_val *k;
    int nk, capk;
    int *reads; /* slots read, grouped by the slot being compiled */
    int nreads, capreads;
    int ttop, tmax;
    uint8_t *st; /* per slot: ST_* */
    kg_val *cv;  /* per slot: the constant value (ST_CONST) */
    const kg_expr **nodes;
    int nnodes, capnodes;
    const kg_fn **fns;
    int nfns, capfns;
    int *argtab; /* calls' argument registers (compile-time numbering) */
    int nargtab, capargtab;
    int *alias;    /* per slot: the slot whose register holds the same value, or -1 */
    int cur;       /* the slot being compiled */
    bool jumped;   /* the current slot's code has a jump: what follows may not run */
    int njumps;    /* jumps emitted so far */
    int firstjump; /* ... at this index (where its hoisted instructions go) */
    cse_ent *ents; /* remembered pure instructions */
    int nents, capents;
    int *cse; /* hash of ents: index + 1 */
    int capcse;
    hoist_ent *hoist; /* memoised instructions met in branches, in slot order */
    int nhoist, caphoist;
    int *memo_h; /* per memo register: its hoist entry, or -1 (computed unconditionally) */
    int nmemo_h, capmemo_h;
    int nmemo; /* memo registers */
    bool oom;
} cc;

/* compile.c */
bool kg_cc_grow(cc *C, void **arr, int *cap, int need,
                size_t size); /* false (and C->oom) when out of memory */
int kg_cc_emit(cc *C, int op, int dst, int a, int b, int x, int n); /* the instruction's index */
void kg_cc_read_slot(cc *C, int slot);                              /* the current slot's code reads slot */
void kg_cc_slot(cc *C, int slot);                                   /* compile one slot of the plan */

/* cse.c */
bool kg_cc_is_call(int op); /* a call: a indexes the argument table */
/* Emit a pure instruction, or find its result already computed; returns
 * the register that holds the result. */
int kg_cc_emit_pure(cc *C, int op, int dst, int a, int b, int x, int n);
void kg_cc_decide_hoists(cc *C); /* which memoised instructions leave their branch */

#endif
