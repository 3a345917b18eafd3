/* Small internal helpers: the host allocator, arenas, growable buffers,
 * string helpers. */
#ifndef KIGEN_UTIL_H
#define KIGEN_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kigen.h"

/* The host allocator, resolved once (NULL fn -> malloc/realloc/free). */
typedef struct kg_mem {
    kigen_alloc_fn fn;
    void *ud;
} kg_mem;

void *kg_mem_alloc(const kg_mem *m, size_t n);
void *kg_mem_realloc(const kg_mem *m, void *p, size_t old, size_t n);
void kg_mem_free(const kg_mem *m, void *p, size_t n);

/* An arena: many small allocations, one free. Blocks come from kg_mem. */
typedef struct kg_arena_block kg_arena_block;
typedef struct kg_arena {
    kg_mem mem;
    kg_arena_block *head;
    size_t used, cap; /* of head */
    size_t total;     /* bytes in all blocks */
    size_t limit;     /* 0, or the most `total` may reach */
    bool failed;      /* an allocation was refused */
    bool limit_hit;   /* ... because of `limit` */
} kg_arena;

void kg_arena_init(kg_arena *a, const kg_mem *m);
void *kg_arena_alloc(kg_arena *a, size_t n);          /* zeroed, 16-aligned */
char *kg_arena_strndup(kg_arena *a, const char *s, size_t n);
char *kg_arena_strdup(kg_arena *a, const char *s);
char *kg_arena_printf(kg_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *kg_arena_vprintf(kg_arena *a, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Forget every allocation but keep the first block (per-record scratch). */
void kg_arena_reset(kg_arena *a);
void kg_arena_free(kg_arena *a);

/* A growable byte buffer (for explain text, JSON, CSV rows). */
typedef struct kg_buf {
    kg_mem mem;
    char *p;
    size_t len, cap;
    bool failed;
} kg_buf;

void kg_buf_init(kg_buf *b, const kg_mem *m);
void kg_buf_put(kg_buf *b, const char *s, size_t n);
void kg_buf_puts(kg_buf *b, const char *s);
void kg_buf_putc(kg_buf *b, char c);
void kg_buf_printf(kg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *kg_buf_cstr(kg_buf *b); /* NUL-terminated view; "" when empty */
void kg_buf_clear(kg_buf *b);
void kg_buf_free(kg_buf *b);

/* A growable array of pointers. */
typedef struct kg_vec {
    void **v;
    size_t n, cap;
} kg_vec;
bool kg_vec_push(kg_vec *v, const kg_mem *m, void *item);
void kg_vec_free(kg_vec *v, const kg_mem *m);

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

/* Edit distance, capped: returns cap+1 when larger. */
int kg_edit_distance(const char *a, const char *b, int cap);
/* The closest of n candidates to `name`, or NULL when none is close. */
const char *kg_closest(const char *name, const char *const *cands, size_t n);

/* Display width of UTF-8 text: East Asian wide characters count 2. */
size_t kg_display_width(const char *s, size_t n);
/* Number of code points in s[0..n). */
size_t kg_utf8_count(const char *s, size_t n);
bool kg_is_ident(const char *s, size_t n);

/* The language of the messages the running API call writes: Japanese or
 * English. Set from the context at the public entry points (kg_lang_enter),
 * so that deep helpers (the date parser, value parsing) need no argument. */
bool kg_ja(void);
bool kg_lang_enter(bool ja);      /* returns the previous setting */
void kg_lang_restore(bool *prev); /* for __attribute__((cleanup)) */
#define KG_LANG_SCOPE(ja) bool kg_lang_prev_ __attribute__((cleanup(kg_lang_restore))) = kg_lang_enter(ja)

/* Is s[0..n) well-formed UTF-8 (no overlong forms, no surrogates, at most
 * U+10FFFF)? */
bool kg_utf8_valid(const char *s, size_t n);
/* The length of the longest prefix of s[0..n) that is well-formed UTF-8. */
size_t kg_utf8_valid_prefix(const char *s, size_t n);

/* Copy text that came from outside (a script, a record, a file) for a
 * one-line message: control characters (C0, DEL, C1), bidirectional
 * overrides and bytes that are not UTF-8 become visible escapes (\n, \t,
 * \xNN, \u202e), so that such text cannot forge lines or reorder a
 * terminal's display. Writes at most cap-1 bytes and a NUL (cutting only
 * between characters); returns the length the whole escaped text needs. */
size_t kg_escape_line(char *dst, size_t cap, const char *src, size_t n);

#endif
