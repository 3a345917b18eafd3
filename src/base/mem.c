/* The host allocator, arenas, growable buffers and vectors (mem.h). */
#include "base/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *kg_mem_alloc(const kg_mem *m, size_t n)
{
    if (m && m->fn)
        return m->fn(m->ud, NULL, 0, n ? n : 1);
    return malloc(n ? n : 1);
}

void *kg_mem_realloc(const kg_mem *m, void *p, size_t old, size_t n)
{
    if (m && m->fn)
        return m->fn(m->ud, p, old, n ? n : 1);
    return realloc(p, n ? n : 1);
}

void kg_mem_free(const kg_mem *m, void *p, size_t n)
{
    if (!p)
        return;
    if (m && m->fn)
        (void)m->fn(m->ud, p, n, 0);
    else
        free(p);
}

/* KG_LINE bytes of slack before and after: no byte of a cache line the
 * caller writes belongs to any other allocation (see mem.h). */
void *kg_mem_alloc_own_lines(const kg_mem *m, size_t n)
{
    if (n > ((size_t)-1 >> 1))
        return NULL;
    char *raw = kg_mem_alloc(m, n + 2 * KG_LINE);
    return raw ? raw + KG_LINE : NULL;
}

void *kg_mem_realloc_own_lines(const kg_mem *m, void *p, size_t old, size_t n)
{
    if (n > ((size_t)-1 >> 1))
        return NULL;
    if (!p)
        return kg_mem_alloc_own_lines(m, n);
    char *raw = kg_mem_realloc(m, (char *)p - KG_LINE, old + 2 * KG_LINE, n + 2 * KG_LINE);
    return raw ? raw + KG_LINE : NULL;
}

void kg_mem_free_own_lines(const kg_mem *m, void *p, size_t n)
{
    if (p)
        kg_mem_free(m, (char *)p - KG_LINE, n + 2 * KG_LINE);
}

struct kg_arena_block {
    kg_arena_block *next;
    size_t cap;
    _Alignas(16) unsigned char data[];
};

void kg_arena_init(kg_arena *a, const kg_mem *m)
{
    memset(a, 0, sizeof *a);
    if (m)
        a->mem = *m;
}

void *kg_arena_alloc(kg_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (!a->head || a->cap - a->used < n) {
        size_t cap = n > 8192 ? n : 8192;
        if (a->head && a->head->cap * 2 > cap && a->head->cap < (1u << 20))
            cap = a->head->cap * 2 > n ? a->head->cap * 2 : n;
        if (n > ((size_t)-1 >> 2)) {
            a->failed = true;
            return NULL;
        }
        if (a->limit && (a->total + sizeof(kg_arena_block) + cap > a->limit)) {
            /* a smaller block may still fit under the limit */
            cap = n;
            if (a->total + sizeof(kg_arena_block) + cap > a->limit) {
                a->failed = a->limit_hit = true;
                return NULL;
            }
        }
        kg_arena_block *b = kg_mem_alloc_own_lines(&a->mem, sizeof *b + cap);
        if (!b) {
            a->failed = true;
            return NULL;
        }
        a->total += sizeof *b + cap;
        b->cap = cap;
        b->next = a->head;
        a->head = b;
        a->cap = cap;
        a->used = 0;
    }
    void *p = a->head->data + a->used;
    a->used += n;
    memset(p, 0, n);
    return p;
}

char *kg_arena_strndup(kg_arena *a, const char *s, size_t n)
{
    char *p = kg_arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *kg_arena_strdup(kg_arena *a, const char *s)
{
    return s ? kg_arena_strndup(a, s, strlen(s)) : NULL;
}

char *kg_arena_vprintf(kg_arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NULL;
    char *p = kg_arena_alloc(a, (size_t)n + 1);
    if (p)
        vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *kg_arena_printf(kg_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = kg_arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

void kg_arena_reset(kg_arena *a)
{
    /* Keep the newest (largest) block, free the rest. */
    if (!a->head)
        return;
    kg_arena_block *b = a->head->next;
    while (b) {
        kg_arena_block *n = b->next;
        kg_mem_free_own_lines(&a->mem, b, sizeof *b + b->cap);
        b = n;
    }
    a->head->next = NULL;
    a->used = 0;
    a->cap = a->head->cap;
    a->total = sizeof *a->head + a->head->cap;
    a->failed = a->limit_hit = false;
}

void kg_arena_free(kg_arena *a)
{
    kg_arena_block *b = a->head;
    while (b) {
        kg_arena_block *n = b->next;
        kg_mem_free_own_lines(&a->mem, b, sizeof *b + b->cap);
        b = n;
    }
    a->head = NULL;
    a->used = a->cap = a->total = 0;
}

void kg_buf_init(kg_buf *b, const kg_mem *m)
{
    memset(b, 0, sizeof *b);
    if (m)
        b->mem = *m;
}

static bool buf_reserve(kg_buf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = kg_mem_realloc(&b->mem, b->p, b->cap, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void kg_buf_put(kg_buf *b, const char *s, size_t n)
{
    if (!buf_reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void kg_buf_puts(kg_buf *b, const char *s)
{
    kg_buf_put(b, s, strlen(s));
}
void kg_buf_putc(kg_buf *b, char c)
{
    kg_buf_put(b, &c, 1);
}

void kg_buf_printf(kg_buf *b, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n >= 0 && buf_reserve(b, (size_t)n)) {
        vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

const char *kg_buf_cstr(kg_buf *b)
{
    return b->p ? b->p : "";
}
void kg_buf_clear(kg_buf *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = '\0';
}
void kg_buf_free(kg_buf *b)
{
    kg_mem_free(&b->mem, b->p, b->cap);
    b->p = NULL;
    b->len = b->cap = 0;
}

bool kg_vec_push(kg_vec *v, const kg_mem *m, void *item)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        void **p = kg_mem_realloc(m, v->v, v->cap * sizeof *p, cap * sizeof *p);
        if (!p)
            return false;
        v->v = p;
        v->cap = cap;
    }
    v->v[v->n++] = item;
    return true;
}

void kg_vec_free(kg_vec *v, const kg_mem *m)
{
    kg_mem_free(m, v->v, v->cap * sizeof *v->v);
    v->v = NULL;
    v->n = v->cap = 0;
}

/* ---- symbol tables ------------------------------------------------------ */
