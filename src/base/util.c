/* Internal helpers: allocator plumbing, arenas, buffers, string tools. */
#include "base/util.h"

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
        kg_arena_block *b = kg_mem_alloc(&a->mem, sizeof *b + cap);
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

char *kg_arena_strdup(kg_arena *a, const char *s) { return s ? kg_arena_strndup(a, s, strlen(s)) : NULL; }

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
        kg_mem_free(&a->mem, b, sizeof *b + b->cap);
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
        kg_mem_free(&a->mem, b, sizeof *b + b->cap);
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

void kg_buf_puts(kg_buf *b, const char *s) { kg_buf_put(b, s, strlen(s)); }
void kg_buf_putc(kg_buf *b, char c) { kg_buf_put(b, &c, 1); }

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

const char *kg_buf_cstr(kg_buf *b) { return b->p ? b->p : ""; }
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

int kg_edit_distance(const char *a, const char *b, int cap)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return cap + 1;
    int row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int prev = row[0], best = row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int cur = row[j];
            int v = prev + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < v)
                v = row[j] + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            row[j] = v;
            prev = cur;
            if (v < best)
                best = v;
        }
        if (best > cap)
            return cap + 1;
    }
    return row[lb];
}

const char *kg_closest(const char *name, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t len = strlen(name);
    int cap = len <= 3 ? 1 : len <= 8 ? 2 : 3, bestd = cap + 1;
    for (size_t i = 0; i < n; i++) {
        if (!cands[i])
            continue;
        int d = kg_edit_distance(name, cands[i], cap);
        if (d < bestd) {
            bestd = d;
            best = cands[i];
        }
    }
    return best;
}

size_t kg_utf8_count(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            c++;
    return c;
}

size_t kg_display_width(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            w += 1;
            i += 1;
        } else if ((c & 0xE0) == 0xC0) {
            w += 1;
            i += 2;
        } else if ((c & 0xF0) == 0xE0) {
            /* CJK, kana, full-width forms: all of Japanese text is wide. */
            unsigned cp = (unsigned)(c & 0x0F) << 12;
            if (i + 2 < n)
                cp |= (unsigned)((unsigned char)s[i + 1] & 0x3F) << 6 |
                      ((unsigned char)s[i + 2] & 0x3F);
            w += (cp >= 0x1100 && (cp <= 0x115F || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                                   (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                                   (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                                   (cp >= 0xFFE0 && cp <= 0xFFE6)))
                     ? 2
                     : 1;
            i += 3;
        } else {
            w += 2;
            i += 4;
        }
    }
    return w;
}

bool kg_is_ident(const char *s, size_t n)
{
    if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

/* The length of the well-formed UTF-8 sequence at s[0..n), 0 when there is
 * none (Unicode 15, table 3-7), and its code point. */
static size_t utf8_seq(const unsigned char *s, size_t n, unsigned *cp)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    unsigned lo = 0x80, hi = 0xBF, v;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        v = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        v = c & 0x07;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    v = (v << 6) | (s[1] & 0x3F);
    for (size_t i = 2; i < len; i++) {
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return len;
}

size_t kg_utf8_valid_prefix(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        /* ASCII runs are the common case */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ULL)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned cp;
        size_t k = utf8_seq(p + i, n - i, &cp);
        if (!k)
            return i;
        i += k;
    }
    return n;
}

bool kg_utf8_valid(const char *s, size_t n) { return kg_utf8_valid_prefix(s, n) == n; }

size_t kg_escape_line(char *dst, size_t cap, const char *src, size_t n)
{
    const unsigned char *p = (const unsigned char *)src;
    size_t need = 0, w = 0;
    bool full = cap == 0;
    for (size_t i = 0; i < n;) {
        char esc[16];
        size_t el, adv;
        unsigned cp;
        size_t k = utf8_seq(p + i, n - i, &cp);
        if (k == 0) {
            el = (size_t)snprintf(esc, sizeof esc, "\\x%02x", p[i]);
            adv = 1;
        } else if (cp == '\n' || cp == '\t' || cp == '\r') {
            esc[0] = '\\';
            esc[1] = cp == '\n' ? 'n' : cp == '\t' ? 't' : 'r';
            el = 2;
            adv = 1;
        } else if (cp < 0x20 || cp == 0x7F) {
            el = (size_t)snprintf(esc, sizeof esc, "\\x%02x", cp);
            adv = 1;
        } else if ((cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
                   (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F) {
            el = (size_t)snprintf(esc, sizeof esc, "\\u%04x", cp);
            adv = k;
        } else {
            memcpy(esc, p + i, k);
            el = adv = k;
        }
        need += el;
        if (!full && w + el < cap) {
            memcpy(dst + w, esc, el);
            w += el;
        } else {
            full = true;
        }
        i += adv;
    }
    if (cap)
        dst[w] = '\0';
    return need;
}

static _Thread_local bool lang_ja;

bool kg_ja(void) { return lang_ja; }

bool kg_lang_enter(bool ja)
{
    bool prev = lang_ja;
    lang_ja = ja;
    return prev;
}

void kg_lang_restore(bool *prev) { lang_ja = *prev; }
