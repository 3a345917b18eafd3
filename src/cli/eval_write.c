/* kigen eval: the writer — blocks in input order to stdout, their messages
 * to stderr, the table's column widths, the counts and the progress bar.
 * One block at a time (pipeline.h), so nothing here needs a lock. */
#include <stdlib.h>
#include <string.h>

#include "cli/eval_run.h"
#include "base/text.h"

/* ---- tables ------------------------------------------------------------------- */

/* Spaces after a cell of display width dw in a column w wide: to the
 * column's end and two more, and never fewer than two (a later, wider
 * cell than the first rows had still stands apart from the next). */
static void pad(run *R, size_t dw, size_t w)
{
    size_t n = dw < w ? w - dw + 2 : 2;
    for (size_t j = 0; j < n; j++)
        out_char(&R->out, ' ');
}

static void table_print_row(run *R, char **cells)
{
    struct table *t = &R->tab;
    for (int k = 0; k < t->ncols; k++) {
        const char *s = cells[k];
        out_str(&R->out, s);
        if (k == t->ncols - 1) {
            out_eol(&R->out);
        } else {
            pad(R, kg_display_width(s, strlen(s)), t->w[k]);
        }
    }
}

static void table_flush_block(run *R)
{
    struct table *t = &R->tab;
    if (t->streaming || !t->ncols)
        return;
    t->w = calloc((size_t)t->ncols, sizeof *t->w);
    if (!t->w) {
        R->out.err = 12; /* ENOMEM */
        return;
    }
    for (size_t i = 0; i < t->n; i++) {
        size_t dw = kg_display_width(t->cells[i], strlen(t->cells[i]));
        if (dw > t->w[i % (size_t)t->ncols])
            t->w[i % (size_t)t->ncols] = dw;
    }
    for (size_t i = 0; i + (size_t)t->ncols <= t->n; i += (size_t)t->ncols)
        table_print_row(R, t->cells + i);
    for (size_t i = 0; i < t->n; i++)
        free(t->cells[i]);
    free(t->cells);
    t->cells = NULL;
    t->n = t->cap = 0;
    t->streaming = true;
}

/* One cell (already escaped); the row is printed when complete. */
static void table_cell(run *R, const char *s, size_t n)
{
    struct table *t = &R->tab;
    char *c = malloc(n + 1);
    if (!c) {
        R->out.err = 12;
        return;
    }
    memcpy(c, s, n);
    c[n] = '\0';
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        char **cells = realloc(t->cells, cap * sizeof *cells);
        if (!cells) {
            free(c);
            R->out.err = 12;
            return;
        }
        t->cells = cells;
        t->cap = cap;
    }
    t->cells[t->n++] = c;
    if (t->streaming && t->n == (size_t)t->ncols) {
        table_print_row(R, t->cells);
        for (size_t i = 0; i < t->n; i++)
            free(t->cells[i]);
        t->n = 0;
    } else if (!t->streaming && t->n >= (size_t)t->ncols * (TABLE_BLOCK + 1)) {
        table_flush_block(R);
    }
}

/* A block's table rows: cells split at tabs, rows at newlines. Once the
 * widths are set, each cell is printed where it lies (no copy). */
static void table_rows(run *R, const char *s, size_t n)
{
    struct table *t = &R->tab;
    size_t from = 0;
    int k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\t' && s[i] != '\n')
            continue;
        if (!t->streaming || t->n) {
            table_cell(R, s + from, i - from);
        } else {
            out_bytes(&R->out, s + from, i - from);
            if (s[i] == '\n' || k == t->ncols - 1) {
                out_eol(&R->out);
                k = -1;
            } else {
                pad(R, kg_display_width(s + from, i - from), t->w[k]);
            }
            k++;
        }
        from = i + 1;
    }
}

void eval_table_finish(run *R)
{
    if (R->o->out_fmt == OUT_TABLE)
        table_flush_block(R);
}

/* ---- the header ---------------------------------------------------------------- */

static void header_cell(run *R, int *width, const char *s)
{
    if (R->o->out_fmt == OUT_TABLE) {
        cli_out tmp;
        out_open(&tmp, CLI_OUT_MEMORY);
        eval_table_cell(&tmp, true, s, strlen(s));
        table_cell(R, tmp.buf ? tmp.buf : "", tmp.len);
        out_close(&tmp, false);
        (*width)++;
        return;
    }
    char delim = R->o->delimiter ? R->o->delimiter : ',';
    if ((*width)++)
        out_char(&R->out, delim);
    out_csv(&R->out, s, strlen(s), delim);
}

void eval_write_header(run *R)
{
    int width = 0;
    if (R->o->bom)
        out_str(&R->out, "\xEF\xBB\xBF");
    if (R->o->out_fmt == OUT_JSONL)
        return;
    if (R->o->out_fmt == OUT_TABLE)
        R->tab.ncols = R->in.npass + R->ncols + 1;
    for (int i = 0; i < R->in.npass; i++)
        header_cell(R, &width, R->in.pass[i]);
    for (int k = 0; k < R->ncols; k++)
        header_cell(R, &width, R->cols[k].name);
    header_cell(R, &width, R->errcol);
    if (R->o->out_fmt == OUT_CSV)
        out_eol(&R->out);
}

/* ---- blocks --------------------------------------------------------------------- */

bool eval_write_block(void *ud, void *bp)
{
    run *R = ud;
    block *b = bp;
    if (b->msgs.len) {
        cli_progress_clear(&R->progress);
        fwrite(b->msgs.p, 1, b->msgs.len, stderr);
    }
    if (b->out.err && !R->out.err)
        R->out.err = b->out.err; /* out of memory while formatting: said, not dropped */
    else if (R->o->out_fmt == OUT_TABLE)
        table_rows(R, b->out.buf, b->out.len);
    else
        out_bytes_direct(&R->out, b->out.buf, b->out.len);
    if (b->idle && (R->o->out_fmt != OUT_TABLE || R->tab.streaming)) /* the input went quiet: show it */
        out_flush(&R->out);
    R->total += b->nrec;
    R->failed += b->failed;
    R->kept += b->kept;
    cli_progress_update(&R->progress, R->total, b->bytes);
    return !R->out.err;
}
