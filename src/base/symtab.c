/* Name lookups in constant time (symtab.h). */
#include "base/symtab.h"

#include <string.h>

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

void kg_symtab_init(kg_symtab *t, const kg_mem *m)
{
    memset(t, 0, sizeof *t);
    if (m)
        t->mem = *m;
}

static size_t symtab_slot(const kg_symtab *t, const char *key, size_t len)
{
    size_t mask = t->cap - 1, i = (size_t)fnv1a(key, len) & mask;
    while (t->keys[i] && !(t->lens[i] == len && memcmp(t->keys[i], key, len) == 0))
        i = (i + 1) & mask;
    return i;
}

static bool symtab_grow(kg_symtab *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    const char **keys = kg_mem_alloc(&t->mem, cap * sizeof *keys);
    size_t *lens = kg_mem_alloc(&t->mem, cap * sizeof *lens);
    void **vals = kg_mem_alloc(&t->mem, cap * sizeof *vals);
    if (!keys || !lens || !vals) {
        kg_mem_free(&t->mem, keys, cap * sizeof *keys);
        kg_mem_free(&t->mem, lens, cap * sizeof *lens);
        kg_mem_free(&t->mem, vals, cap * sizeof *vals);
        t->failed = true;
        return false;
    }
    memset(keys, 0, cap * sizeof *keys);
    kg_symtab old = *t;
    t->keys = keys;
    t->lens = lens;
    t->vals = vals;
    t->cap = cap;
    for (size_t i = 0; i < old.cap; i++) {
        if (!old.keys[i])
            continue;
        size_t k = symtab_slot(t, old.keys[i], old.lens[i]);
        t->keys[k] = old.keys[i];
        t->lens[k] = old.lens[i];
        t->vals[k] = old.vals[i];
    }
    kg_mem_free(&t->mem, old.keys, old.cap * sizeof *old.keys);
    kg_mem_free(&t->mem, old.lens, old.cap * sizeof *old.lens);
    kg_mem_free(&t->mem, old.vals, old.cap * sizeof *old.vals);
    return true;
}

bool kg_symtab_put(kg_symtab *t, const char *key, size_t len, void *val)
{
    if ((t->n + 1) * 2 > t->cap && !symtab_grow(t))
        return false;
    size_t i = symtab_slot(t, key, len);
    if (!t->keys[i]) {
        t->keys[i] = key;
        t->lens[i] = len;
        t->n++;
    }
    t->vals[i] = val;
    return true;
}

void *kg_symtab_get(const kg_symtab *t, const char *key, size_t len)
{
    if (!t->cap)
        return NULL;
    size_t i = symtab_slot(t, key, len);
    return t->keys[i] ? t->vals[i] : NULL;
}

void kg_symtab_free(kg_symtab *t)
{
    kg_mem_free(&t->mem, t->keys, t->cap * sizeof *t->keys);
    kg_mem_free(&t->mem, t->lens, t->cap * sizeof *t->lens);
    kg_mem_free(&t->mem, t->vals, t->cap * sizeof *t->vals);
    t->keys = NULL;
    t->lens = NULL;
    t->vals = NULL;
    t->n = t->cap = 0;
}

kg_nameidx *kg_nameidx_build(kg_arena *a, const char *const *names, size_t n)
{
    kg_nameidx *ix = kg_arena_alloc(a, sizeof *ix);
    if (!ix)
        return NULL;
    size_t cap = 16;
    while (cap < n * 2)
        cap *= 2;
    ix->slots = kg_arena_alloc(a, cap * sizeof *ix->slots); /* zeroed */
    if (!ix->slots)
        return NULL;
    ix->names = names;
    ix->cap = cap;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(names[i]), k = (size_t)fnv1a(names[i], len) & (cap - 1);
        while (ix->slots[k]) {
            const char *o = names[ix->slots[k] - 1];
            if (strcmp(o, names[i]) == 0)
                break; /* a repeated name keeps its first position */
            k = (k + 1) & (cap - 1);
        }
        if (!ix->slots[k])
            ix->slots[k] = (uint32_t)i + 1;
    }
    return ix;
}

int kg_nameidx_find(const kg_nameidx *ix, const char *s, size_t len)
{
    size_t k = (size_t)fnv1a(s, len) & (ix->cap - 1);
    while (ix->slots[k]) {
        const char *o = ix->names[ix->slots[k] - 1];
        if (strlen(o) == len && memcmp(o, s, len) == 0)
            return (int)ix->slots[k] - 1;
        k = (k + 1) & (ix->cap - 1);
    }
    return -1;
}
