/* kigen eval: filling a block with records from the reader.
 *
 * The reader's strings last only until its next call, and the block will
 * be worked on elsewhere: each record is copied into the block's own text,
 * with its fields classified here, once (fact index, pass-through column,
 * or mistake) — the cache of decisions is the reader's alone, so the
 * workers share nothing that changes. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/eval_run.h"

static size_t keep(block *b, const char *s, size_t n)
{
    size_t off = b->text.len;
    kg_buf_put(&b->text, s, n);
    kg_buf_putc(&b->text, '\0');
    return off;
}

void eval_classify(const run *R, cli_columns *cols, const char *name, struct col_class *k)
{
    k->fact = cli_columns_fact(cols, name);
    k->why = k->fact == CLI_COL_BAD ? cli_columns_why(cols, name) : NULL;
    k->pass = k->fact == CLI_COL_PASS ? cli_columns_pass_index(&R->in, name) : -1;
}

bool eval_block_add(run *R, block *b, const kg_record *rec, int rc, const char *err)
{
    if (b->nrec == b->caprec) {
        int cap = b->caprec ? b->caprec * 2 : BLOCK_RECORDS;
        brec *r = realloc(b->recs, sizeof *r * (size_t)cap);
        if (!r)
            return false;
        b->recs = r;
        b->caprec = cap;
    }
    int n = rec ? rec->n : 0;
    if (b->nfld + n > b->capfld) {
        int cap = b->capfld ? b->capfld : BLOCK_RECORDS * 8;
        while (cap < b->nfld + n)
            cap *= 2;
        bfield *f = realloc(b->fields, sizeof *f * (size_t)cap);
        if (!f)
            return false;
        b->fields = f;
        b->capfld = cap;
    }
    brec *r = &b->recs[b->nrec];
    memset(r, 0, sizeof *r);
    r->number = rec ? rec->number : R->read_records + 1;
    r->line = rec ? rec->line : 0;
    r->readrc = rc;
    r->readerr_off = rc == 1 ? NOFF : keep(b, err ? err : "", strlen(err ? err : ""));
    r->first = b->nfld;
    r->n = n;
    r->raw_off = rec && rec->raw ? keep(b, rec->raw, rec->rawlen) : NOFF;
    r->rawlen = rec && rec->raw ? rec->rawlen : 0;
    bool csv = R->o->in_fmt == KG_FMT_CSV;
    for (int i = 0; i < n; i++) {
        bfield *f = &b->fields[b->nfld + i];
        const char *name = rec->names[i];
        /* CSV names are the header's, which live as long as the reader */
        f->name = csv ? name : NULL;
        f->name_off = csv ? NOFF : keep(b, name, strlen(name));
        const char *v = rec->values[i];
        f->len = v ? strlen(v) : 0;
        f->value_off = v ? keep(b, v, f->len) : NOFF;
        const char *u = rec->unusable ? rec->unusable[i] : NULL;
        f->unusable_off = u ? keep(b, u, strlen(u)) : NOFF;
        if (csv && i < R->ncsv_cols) {
            f->fact = R->csv_cols[i].fact;
            f->pass = R->csv_cols[i].pass;
            f->why = R->csv_cols[i].why;
        } else {
            struct col_class k;
            eval_classify(R, &R->in, name, &k);
            f->fact = k.fact;
            f->pass = k.pass;
            f->why = k.why;
        }
    }
    if (b->text.failed)
        return false; /* not half a record: the caller says why */
    if (rec && rec->json) {
        json_incref((json_t *)rec->json);
        r->json = rec->json;
    }
    b->nfld += n;
    b->nrec++;
    b->last = r->number;
    R->read_records = r->number;
    return true;
}

/* Turn b's offsets into pointers once it is filled. */
static void eval_block_seal(block *b)
{
    const char *t = b->text.p;
    for (int i = 0; i < b->nfld; i++) {
        bfield *f = &b->fields[i];
        if (f->name_off != NOFF)
            f->name = t + f->name_off;
        f->value = f->value_off != NOFF ? t + f->value_off : NULL;
        f->unusable = f->unusable_off != NOFF ? t + f->unusable_off : NULL;
    }
    for (int i = 0; i < b->nrec; i++) {
        brec *r = &b->recs[i];
        r->readerr = r->readerr_off != NOFF ? t + r->readerr_off : NULL;
        r->raw = r->raw_off != NOFF ? t + r->raw_off : NULL;
    }
}

static void eval_block_clear(block *b)
{
    for (int i = 0; i < b->nrec; i++)
        if (b->recs[i].json)
            json_decref((json_t *)b->recs[i].json);
    b->nrec = b->nfld = 0;
    kg_buf_clear(&b->text);
    b->text.failed = false;
    out_reset(&b->out);
    kg_buf_clear(&b->msgs);
    b->failed = b->kept = b->last = 0;
}

void eval_block_free(block *b)
{
    if (!b)
        return;
    eval_block_clear(b);
    free(b->recs);
    free(b->fields);
    kg_buf_free(&b->text);
    out_close(&b->out, false);
    kg_buf_free(&b->msgs);
}

static void swap_blocks(block *a, block *b)
{
    block t = *a;
    *a = *b;
    *b = t;
}

/* CSV: every column decided once, from the header. */
static void classify_header(run *R)
{
    const char *const *names = NULL;
    int n = R->rd ? kg_reader_header(R->rd, &names) : 0;
    if (n <= 0 || !(R->csv_cols = calloc((size_t)n, sizeof *R->csv_cols)))
        return; /* each field is then decided by name */
    for (int i = 0; i < n; i++) {
        eval_classify(R, &R->in, names[i], &R->csv_cols[i]);
    }
    R->ncsv_cols = n;
}

long eval_read_block(void *ud, void *bp)
{
    run *R = ud;
    block *b = bp;
    if (R->o->in_fmt == KG_FMT_CSV && !R->csv_cols && R->rd)
        classify_header(R);
    eval_block_clear(b);
    if (R->staged) { /* what was read to decide the columns goes first */
        swap_blocks(b, R->staged);
        eval_block_free(R->staged);
        free(R->staged);
        R->staged = NULL;
    }
    b->idle = false;
    while (R->rd && !R->read_done && b->nrec < BLOCK_RECORDS && b->text.len < BLOCK_BYTES) {
        if (eval_sigint) {
            R->interrupted = true;
            break;
        }
        if (b->nrec > 0 && kg_reader_would_wait(R->rd)) {
            /* a pipe that has gone quiet: what came is evaluated and
             * written now, not when 512 records have come (a producer
             * that writes one record a minute gets one line a minute) */
            b->idle = true;
            break;
        }
        kg_record rec;
        int r = kg_reader_next(R->rd, &rec);
        if (r == 0) {
            R->read_done = true;
            break;
        }
        if (r == -2 && eval_sigint) { /* stopped while waiting for input */
            R->interrupted = true;
            break;
        }
        if (r == -2) {
            snprintf(R->read_error, sizeof R->read_error, "%s", kg_reader_error(R->rd));
            R->read_status = CLI_USAGE;
            break;
        }
        if (!eval_block_add(R, b, &rec, r, r == -1 ? kg_reader_error(R->rd) : NULL)) {
            snprintf(R->read_error, sizeof R->read_error, "%s",
                     R->o->ja ? "メモリが足りません" : "out of memory");
            R->read_status = CLI_USAGE;
            break;
        }
    }
    if (R->interrupted || R->read_status)
        R->read_done = true; /* nothing more after this block */
    b->bytes = R->rd ? kg_reader_bytes(R->rd) : -1;
    eval_block_seal(b);
    return b->nrec;
}
