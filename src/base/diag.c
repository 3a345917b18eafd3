/* Diagnostics: collected during a load, printed the way compilers print
 * them (file:line:col, the line, a caret), or as JSON for editors. */
#include "base/diag.h"
#include "base/text.h"

#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

kigen_diags *kg_diags_new(const kg_mem *m, bool strict)
{
    kigen_diags *d = kg_mem_alloc(m, sizeof *d);
    if (!d)
        return NULL;
    memset(d, 0, sizeof *d);
    if (m)
        d->mem = *m;
    kg_arena_init(&d->arena, &d->mem);
    d->strict = strict;
    return d;
}

bool kg_srcfile_index(kg_srcfile *f, kg_arena *a)
{
    size_t n = 1;
    for (size_t i = 0; i < f->len; i++)
        n += f->text[i] == '\n';
    f->line_start = kg_arena_alloc(a, (n + 1) * sizeof(size_t));
    if (!f->line_start)
        return false;
    f->nlines = 0;
    f->line_start[f->nlines++] = 0;
    for (size_t i = 0; i < f->len; i++)
        if (f->text[i] == '\n')
            f->line_start[f->nlines++] = i + 1;
    return true;
}

size_t kg_srcfile_offset(const kg_srcfile *f, int line, int col)
{
    if (!f || !f->line_start || line < 1 || (size_t)line > f->nlines)
        return KG_NOPOS;
    size_t off = f->line_start[line - 1];
    for (int c = 1; c < col && off < f->len && f->text[off] != '\n'; c++) {
        off++;
        while (off < f->len && ((unsigned char)f->text[off] & 0xC0) == 0x80)
            off++;
    }
    return off;
}

void kg_srcfile_linecol(const kg_srcfile *f, size_t off, int *line, int *col)
{
    size_t lo = 0, hi = f->nlines;
    if (off > f->len)
        off = f->len;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (f->line_start[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    *line = (int)lo + 1;
    *col = (int)kg_utf8_count(f->text + f->line_start[lo], off - f->line_start[lo]) + 1;
}

/* Text from files and scripts, made safe for a one-line message. */
#define KG_CODE_ROW(code, sev, meaning, page) {#code, sev, meaning, page},
static const kg_code_info codes[] = {KG_DIAG_CODES(KG_CODE_ROW)};
#undef KG_CODE_ROW

const kg_code_info *kg_diag_code(const char *code)
{
    /* the table is in code order */
    size_t lo = 0, hi = sizeof codes / sizeof codes[0];
    while (code && lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(codes[mid].code, code);
        if (c == 0)
            return &codes[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *kigen_diag_meaning(const char *code)
{
    const kg_code_info *ci = kg_diag_code(code);
    return ci ? ci->meaning : NULL;
}

static char *escaped(kg_arena *a, const char *s, size_t n)
{
    size_t need = kg_escape_line(NULL, 0, s, n);
    char *p = kg_arena_alloc(a, need + 1);
    if (p)
        kg_escape_line(p, need + 1, s, n);
    return p;
}

__attribute__((format(printf, 9, 0))) static void add(kigen_diags *d, kigen_severity sev, const char *code,
                                                      const kg_srcfile *file, int line, int col,
                                                      const char *expected, const char *hint, const char *fmt,
                                                      va_list ap)
{
    /* Every code is in the one table, with its severity (a slip here is
     * a programming error: debug builds and the tests stop on it). */
    const kg_code_info *ci = kg_diag_code(code);
    assert(ci && ci->severity == sev);
    (void)ci;
    if (sev == KIGEN_SEV_WARNING && d->strict)
        sev = KIGEN_SEV_ERROR;
    /* A file with thousands of mistakes gets the first ones, and a count:
     * each later one would cost time and memory and help nobody. */
    if (d->list.n >= KG_MAX_DIAGS) {
        d->dropped++;
        if (sev == KIGEN_SEV_ERROR)
            d->errors++;
        else
            d->warnings++;
        return;
    }
    kigen_diag *g = kg_arena_alloc(&d->arena, sizeof *g);
    if (!g) {
        d->list_failed = true;
        return;
    }
    g->severity = sev;
    g->code = kg_arena_strdup(&d->arena, code);
    g->file = file ? escaped(&d->arena, file->name, strlen(file->name)) : NULL;
    g->line = line;
    g->column = col;
    char *msg = kg_arena_vprintf(&d->arena, fmt, ap);
    g->message = msg ? escaped(&d->arena, msg, strlen(msg)) : NULL;
    g->expected = expected ? escaped(&d->arena, expected, strlen(expected)) : NULL;
    g->hint = hint ? escaped(&d->arena, hint, strlen(hint)) : NULL;
    /* The offending line is shown only from a file that is a rule file or a
     * script: never the content of some other file an include named. */
    if (file && !file->hide_text && file->line_start && line >= 1 && (size_t)line <= file->nlines) {
        size_t s = file->line_start[line - 1], e = s;
        while (e < file->len && file->text[e] != '\n' && file->text[e] != '\r')
            e++;
        g->source_line = kg_arena_strndup(&d->arena, file->text + s, e - s);
        for (size_t k = s; g->source_line && k < e; k++)
            if (((unsigned char)file->text[k] < 0x20 && file->text[k] != '\t') || file->text[k] == 0x7f) {
                g->source_line = escaped(&d->arena, file->text + s, e - s);
                break;
            }
        if (g->source_line && !kg_utf8_valid(g->source_line, strlen(g->source_line)))
            g->source_line = escaped(&d->arena, file->text + s, e - s);
    }
    if (!kg_vec_push(&d->list, &d->mem, g)) {
        d->list_failed = true;
        return;
    }
    if (sev == KIGEN_SEV_ERROR)
        d->errors++;
    else
        d->warnings++;
}

void kg_diag_at(kigen_diags *d, kigen_severity sev, const char *code, const kg_srcfile *file, int line,
                int col, const char *expected, const char *hint, const char *fmt, ...)
{
    va_list ap;
    if (!d)
        return;
    va_start(ap, fmt);
    add(d, sev, code, file, line, col, expected, hint, fmt, ap);
    va_end(ap);
}

void kg_diag(kigen_diags *d, kigen_severity sev, const char *code, const kg_srcfile *file, size_t off,
             const char *expected, const char *hint, const char *fmt, ...)
{
    va_list ap;
    int line = 0, col = 0;
    if (!d)
        return;
    if (file && off != KG_NOPOS && file->line_start)
        kg_srcfile_linecol(file, off, &line, &col);
    va_start(ap, fmt);
    add(d, sev, code, file, line, col, expected, hint, fmt, ap);
    va_end(ap);
}

bool kg_diags_full(const kigen_diags *d)
{
    return d && d->list.n >= KG_MAX_DIAGS;
}

size_t kigen_diags_count(const kigen_diags *d)
{
    return d ? d->list.n : 0;
}
size_t kigen_diags_errors(const kigen_diags *d)
{
    return d ? d->errors : 0;
}
size_t kigen_diags_warnings(const kigen_diags *d)
{
    return d ? d->warnings : 0;
}

const kigen_diag *kigen_diags_get(const kigen_diags *d, size_t i)
{
    return d && i < d->list.n ? d->list.v[i] : NULL;
}

void kigen_diags_free(kigen_diags *d)
{
    if (!d)
        return;
    kg_mem mem = d->mem;
    kg_vec_free(&d->list, &mem);
    kg_arena_free(&d->arena);
    kg_mem_free(&mem, d, sizeof *d);
}

int kigen_diags_write(const kigen_diags *d, kigen_write_fn write, void *ud, int color)
{
    if (!d || !write)
        return KIGEN_EMISUSE;
    kg_buf b;
    kg_buf_init(&b, &d->mem);
    const char *bold = color ? "\033[1m" : "", *red = color ? "\033[1;31m" : "",
               *mag = color ? "\033[1;35m" : "", *grn = color ? "\033[1;32m" : "",
               *off = color ? "\033[0m" : "";
    for (size_t i = 0; i < d->list.n; i++) {
        const kigen_diag *g = d->list.v[i];
        int err = g->severity == KIGEN_SEV_ERROR;
        kg_buf_puts(&b, bold);
        if (g->file && g->line > 0)
            kg_buf_printf(&b, "%s:%d:%d: ", g->file, g->line, g->column);
        else if (g->file)
            kg_buf_printf(&b, "%s: ", g->file);
        kg_buf_printf(&b, "%s%s[%s]%s%s: %s%s\n", err ? red : mag, err ? "error" : "warning", g->code, off,
                      bold, g->message, off);
        if (g->source_line) {
            kg_buf_printf(&b, "%5d | %s\n      | ", g->line, g->source_line);
            /* Place the caret under the column, counting display width so
             * that it lines up under Japanese text too. */
            const char *s = g->source_line;
            size_t bytes = 0;
            for (int c = 1; c < g->column && s[bytes]; c++) {
                bytes++;
                while (((unsigned char)s[bytes] & 0xC0) == 0x80)
                    bytes++;
            }
            size_t w = kg_display_width(s, bytes);
            for (size_t k = 0; k < w; k++)
                kg_buf_putc(&b, s[k] == '\t' ? '\t' : ' ');
            kg_buf_printf(&b, "%s^%s\n", grn, off);
        }
        if (g->expected)
            kg_buf_printf(&b, "      = expected: %s\n", g->expected);
        if (g->hint)
            kg_buf_printf(&b, "      = hint: %s\n", g->hint);
    }
    if (d->dropped)
        kg_buf_printf(&b, "%s%zu more problem%s not shown%s\n", bold, d->dropped, d->dropped == 1 ? "" : "s",
                      off);
    int rc = b.failed ? KIGEN_ENOMEM : b.len && write(ud, b.p, b.len) != 0 ? KIGEN_EIO : KIGEN_OK;
    kg_buf_free(&b);
    return rc;
}

char *kg_diags_json(const kigen_diags *d)
{
    json_t *arr = json_array();
    for (size_t i = 0; d && i < d->list.n; i++) {
        const kigen_diag *g = d->list.v[i];
        json_t *o = json_pack("{s:s, s:s, s:s?, s:i, s:i, s:s}", "severity",
                              g->severity == KIGEN_SEV_ERROR ? "error" : "warning", "code", g->code, "file",
                              g->file, "line", g->line, "column", g->column, "message", g->message);
        if (!o)
            continue;
        if (g->expected)
            json_object_set_new(o, "expected", json_string(g->expected));
        if (g->hint)
            json_object_set_new(o, "hint", json_string(g->hint));
        json_array_append_new(arr, o);
    }
    if (d && d->dropped)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:I}", "severity", "note", "message",
                                             "more problems were found than are listed", "not_shown",
                                             (json_int_t)d->dropped));
    char *s = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(arr);
    return s;
}
