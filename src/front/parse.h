/* The expression language: tokenizer and recursive-descent parser (depth
 * bounded), producing the syntax tree of model/ast.h. */
#ifndef KIGEN_FRONT_PARSE_H
#define KIGEN_FRONT_PARSE_H

#include "base/diag.h"
#include "model/ast.h"

/* Parse an expression. Returns NULL after reporting to d. */
kg_expr *kg_parse_expr(kg_arena *a, const kg_exprsrc *src, kigen_diags *d);

#endif
