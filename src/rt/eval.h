/* The reference evaluator (the tree walker) and the value semantics it
 * shares with compiled programs: both engines call these for everything
 * but their fast paths, so that absent values, errors and their messages
 * cannot drift apart. */
#ifndef KIGEN_RT_EVAL_H
#define KIGEN_RT_EVAL_H

#include "rt/ctx.h"

/* Evaluate every slot of the record by walking the trees, in order. */
void kg_rt_walk(kigen_ctx *c);
/* A binary operator on evaluated operands (errors first, then absence). */
void kg_rt_binop(kigen_ctx *c, int op, const kg_val *a, const kg_val *b, kg_val *out);
/* NEG, NOT, `n months`: e gives the operator. */
void kg_rt_unary(kigen_ctx *c, const kg_expr *e, const kg_val *a, kg_val *out);
/* param pidx, read on the date in *when when has_at. */
void kg_rt_param(kigen_ctx *c, int pidx, bool has_at, const kg_val *when, kg_val *out);
/* A call on evaluated arguments (error and absence rules, then the function). */
void kg_rt_call(kigen_ctx *c, const kg_fn *fn, const kg_val *args, int n, kg_val *out);
/* Do two values say the same (type, value, error text)? */
bool kg_rt_same(const kg_val *a, const kg_val *b);

#endif
