/* Memory: the host allocator (kigen_opts.alloc, resolved once), arenas
 * (many small allocations, one free; an optional limit), growable byte
 * buffers and vectors of pointers. */
#ifndef KIGEN_BASE_MEM_H
#define KIGEN_BASE_MEM_H

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
void *kg_arena_alloc(kg_arena *a, size_t n); /* zeroed, 16-aligned */
char *kg_arena_strndup(kg_arena *a, const char *s, size_t n);
char *kg_arena_strdup(kg_arena *a, const char *s);
char *kg_arena_printf(kg_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *kg_arena_vprintf(kg_arena *a, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Forget every allocation but keep the first block (per-record scratch). */
void kg_arena_reset(kg_arena *a);
void kg_arena_free(kg_arena *a);

/* Memory a thread writes often (a context's registers, facts, arenas):
 * allocated with a cache line of slack on each side, so that no line of it
 * holds bytes of another allocation. Contexts made together on one thread
 * and then used on several would otherwise share lines, and every write by
 * one core would cost the other (measured on kigen eval --threads 2: a
 * fifth more CPU time). Free with the same size. */
#define KG_LINE ((size_t)64)
void *kg_mem_alloc_own_lines(const kg_mem *m, size_t n);
void *kg_mem_realloc_own_lines(const kg_mem *m, void *p, size_t old, size_t n);
void kg_mem_free_own_lines(const kg_mem *m, void *p, size_t n);

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

#endif
