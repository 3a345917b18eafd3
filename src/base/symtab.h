/* Name lookups: a growable hash table (the loader's definitions) and a
 * fixed index built once into an arena (enum choices, a rule set's names). */
#ifndef KIGEN_BASE_SYMTAB_H
#define KIGEN_BASE_SYMTAB_H

#include "base/mem.h"

/* A hash table from names to pointers (open addressing, FNV-1a): every
 * name lookup of the loader and the checker, so that loading is linear in
 * the number of definitions. Keys are not copied: they must outlive the
 * table. */
typedef struct kg_symtab {
    kg_mem mem;
    const char **keys;
    size_t *lens;
    void **vals;
    size_t n, cap; /* cap: 0 or a power of two */
    bool failed;
} kg_symtab;

void kg_symtab_init(kg_symtab *t, const kg_mem *m);
/* Add or replace. false when out of memory (t->failed is set). */
bool kg_symtab_put(kg_symtab *t, const char *key, size_t len, void *val);
/* The value for key[0..len), or NULL. */
void *kg_symtab_get(const kg_symtab *t, const char *key, size_t len);
void kg_symtab_free(kg_symtab *t);

/* A fixed index of names built once into an arena (an enum's choices, a
 * rule set's definitions): name -> position in the array it was built
 * from. */
typedef struct kg_nameidx {
    const char *const *names; /* the array, not copied */
    uint32_t *slots;          /* cap entries: position + 1, 0 empty */
    size_t cap;
} kg_nameidx;

/* NULL when out of memory. */
kg_nameidx *kg_nameidx_build(kg_arena *a, const char *const *names, size_t n);
/* The position of s[0..len) in the array, or -1. */
int kg_nameidx_find(const kg_nameidx *ix, const char *s, size_t len);

#endif
