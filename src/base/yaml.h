/* A YAML document as a small tree with source positions, built from
 * libyaml's events. Aliases and tags are refused (a rule file means what it
 * says, and an alias bomb cannot expand); depth and size are bounded. */
#ifndef KIGEN_YAMLTREE_H
#define KIGEN_YAMLTREE_H

#include "base/diag.h"

typedef enum { KG_Y_SCALAR, KG_Y_SEQ, KG_Y_MAP } kg_ykind;
typedef enum { KG_YS_PLAIN, KG_YS_SINGLE, KG_YS_DOUBLE, KG_YS_LITERAL, KG_YS_FOLDED } kg_ystyle;

typedef struct kg_ynode {
    kg_ykind kind;
    kg_ystyle style;
    int line, col;    /* 1-based; col in characters */
    size_t off;       /* byte offset of the node's first character */
    const char *text; /* scalar value, NUL-terminated */
    size_t len;
    size_t n;                /* sequence items or mapping pairs */
    struct kg_ynode **items; /* sequence items; mapping keys */
    struct kg_ynode **vals;  /* mapping values */
    const kg_srcfile *file;
} kg_ynode;

#define KG_YAML_MAX_DEPTH 64
#define KG_YAML_MAX_NODES 1000000

/* Parse a whole file. Returns the root node (NULL on error, reported to
 * diags). Nodes live in the arena. An empty document gives NULL with an
 * error too. */
kg_ynode *kg_yaml_parse(const kg_srcfile *f, kg_arena *a, kigen_diags *d);

/* The value for key `k` in a mapping, or NULL. */
kg_ynode *kg_ymap_get(const kg_ynode *map, const char *k);
/* Byte offset in the file of character `voff` of a scalar's value: follows
 * quotes, escapes, folding and indentation so an expression error points
 * at the right column. */
size_t kg_yscalar_offset(const kg_ynode *n, size_t voff);
const char *kg_ykind_name(const kg_ynode *n);

#endif
