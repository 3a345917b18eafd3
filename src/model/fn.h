/* Functions callable from expressions, built-in (sema/functions.c) or
 * registered by policy scripts (lua/): one shape for both, checked at
 * load like any expression, called by the evaluator through the call
 * interface below (so that no function needs the evaluator's insides). */
#ifndef KIGEN_MODEL_FN_H
#define KIGEN_MODEL_FN_H

#include "model/ast.h"

#define KG_FN_MAXARGS 8

typedef struct kg_fnparam {
    const char *name;
    kg_type ty;
    bool optional;
    bool like_first; /* checked with the first argument's type as the hint (default's fallback) */
} kg_fnparam;

/* What a function's implementation may use while a record is evaluated. */
typedef struct kg_fncall {
    kg_arena *scratch; /* strings it makes: valid until the next record */
    kigen_date today;  /* the context's fixed today, or 0 for the clock */
    bool ja;           /* messages in Japanese */
    void *host;        /* the evaluation context (for extensions: lua/) */
} kg_fncall;

struct kg_fn;
struct kg_chk; /* the checker (sema/check.h) */

typedef void (*kg_fn_impl)(kg_fncall *fc, const struct kg_fn *fn, const kg_val *args, int n, kg_val *out);
/* A check beyond the signature's types (add: a month addition names its
 * end-of-month policy). Returns the call's type; reports through the
 * checker. argt: the arguments' types, in signature order. */
typedef kg_type (*kg_fn_check)(struct kg_chk *c, kg_expr *call, const kg_type *argt);

typedef struct kg_fn {
    const char *name;
    const char *doc;
    kg_type ret;
    int nparams;
    kg_fnparam params[KG_FN_MAXARGS];
    bool variadic;    /* the last param repeats (at least once) */
    bool sees_absent; /* the function handles absent arguments itself */
    kg_fn_impl impl;
    kg_fn_check check; /* or NULL */
    void *ud;          /* for registered functions */
    int ud_index;
    /* Not foldable at compile time: its result depends on more than its
     * arguments (today(): the clock; policy functions: a script). */
    bool impure;
} kg_fn;

/* An error value with a message made in the call's scratch memory. */
void kg_fn_error(kg_fncall *fc, kg_val *out, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* today(): the context's fixed date, or the clock's (Japan time). */
kigen_date kg_fn_today(const kg_fncall *fc);

#endif
