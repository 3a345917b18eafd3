/* Expressions: the syntax tree the parser builds (front/) and the checker
 * resolves in place (sema/): names become slots, calls find their
 * function, every node gets its type. */
#ifndef KIGEN_MODEL_AST_H
#define KIGEN_MODEL_AST_H

#include "base/yaml.h"
#include "model/types.h"

/* ---- expressions ---------------------------------------------------- */

typedef enum kg_op {
    OP_LIT,
    OP_FACT,    /* slot */
    OP_RULE,    /* slot */
    OP_PARAM,   /* param index, optional `at` */
    OP_ENUMLIT, /* an unresolved bare name: an enum value, decided by context */
    OP_NEG,
    OP_NOT,
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_MOD,
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_AND,
    OP_OR,
    OP_IF,
    OP_IN,
    OP_LIST,
    OP_CALL,
    OP_DUR /* a duration: operand count + unit */
} kg_op;

struct kg_fn;

typedef struct kg_expr {
    uint8_t op;
    uint8_t months; /* OP_DUR */
    uint16_t depth; /* height of this subtree, bounded by the parser */
    kg_type ty;
    uint32_t pos;     /* character offset in the expression text */
    const char *name; /* identifiers, for messages and explain */
    kg_val lit;
    int index; /* slot, param index */
    struct kg_expr *a, *b, *c;
    struct kg_expr **args; /* call arguments / list items, in signature order */
    int nargs;
    const struct kg_fn *fn;
} kg_expr;

/* Where an expression came from, for diagnostics. */
typedef struct kg_exprsrc {
    const kg_ynode *node; /* the YAML scalar */
    const char *text;
} kg_exprsrc;

#endif
