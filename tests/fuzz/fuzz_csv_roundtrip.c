/* A differential target for the CSV reader: the input is decoded into
 * records of arbitrary fields (quotes, separators, newlines, spaces,
 * bytes that are not UTF-8), written as CSV the way RFC 4180 says, then
 * read back. Every record must come back exactly once, in order: equal to
 * what was written, or (when a field is not UTF-8, or the record has
 * another number of fields than the header) as an error for that record
 * alone. Counted in equals counted out. Lines end in LF, CR LF or a bare
 * CR (classic Mac OS). One record may get a stray quote at its start (when
 * no quote follows it in the file): then that record alone is an error and
 * every other record still comes back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/records.h"
#include "base/text.h"

#define MAXR 64
#define MAXF 6

typedef struct field {
    char *s;
    size_t n;
} field;

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static void add(buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            abort();
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

/* Does field c of record r get quotes? When needed, and always the first
 * field of a record whose fields are all empty (an empty row is not a
 * record). */
static bool quoted(field (*rec)[MAXF + 2], const int *nf, int r, int c, char delim)
{
    const field *f = &rec[r][c];
    bool all_empty = true;
    for (int k = 0; k < nf[r]; k++)
        all_empty &= rec[r][k].n == 0;
    bool q = (c == 0 && all_empty) || (f->n && f->s[0] == '"');
    for (size_t i = 0; i < f->n && !q; i++)
        q = f->s[i] == delim || f->s[i] == '"' || f->s[i] == '\n' || f->s[i] == '\r';
    return q;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    char delim = data[0] % 3 == 0 ? ',' : data[0] % 3 == 1 ? ';' : '\t';
    int eolmode = (data[0] >> 2) & 3; /* 0, 3: LF; 1: CR LF; 2: CR */
    const char *eol = eolmode == 1 ? "\r\n" : eolmode == 2 ? "\r" : "\n";
    bool bom = data[0] & 16, stray = data[0] & 32;
    int ncols = 1 + data[1] % MAXF;
    const uint8_t *p = data + 2, *end = data + size;
    /* records: fields separated by 0xFE, records by 0xFF; a record with
     * another number of fields than the header is kept as it is */
    static field rec[MAXR][MAXF + 2];
    int nf[MAXR], nrec = 0;
    while (p < end && nrec < MAXR) {
        int k = 0;
        while (p < end && *p != 0xFF) {
            const uint8_t *q = p;
            while (q < end && *q != 0xFE && *q != 0xFF)
                q++;
            if (k < MAXF + 2) {
                rec[nrec][k].s = (char *)(uintptr_t)p;
                rec[nrec][k].n = (size_t)(q - p);
                k++;
            }
            p = q < end && *q == 0xFE ? q + 1 : q;
        }
        if (p < end)
            p++;
        nf[nrec++] = k ? k : 1;
        if (!k) {
            rec[nrec - 1][0].s = (char *)(uintptr_t)"";
            rec[nrec - 1][0].n = 0;
        }
    }
    buf csv = {0};
    if (bom)
        add(&csv, "\xEF\xBB\xBF", 3);
    for (int c = 0; c < ncols; c++) {
        char h[16];
        int n = snprintf(h, sizeof h, "%sc%d", c ? (delim == ',' ? "," : delim == ';' ? ";" : "\t") : "", c);
        add(&csv, h, (size_t)n);
    }
    add(&csv, eol, strlen(eol));
    /* the stray quote: at the start of record `bad`, if no quote follows
     * it in the file */
    int bad = stray && nrec ? data[1] % nrec : -1;
    for (int r = bad; r >= 0 && r < nrec && bad >= 0; r++)
        for (int c = 0; c < nf[r] && bad >= 0; c++)
            if (quoted(rec, nf, r, c, delim))
                bad = -1;
    for (int r = 0; r < nrec; r++) {
        if (r == bad)
            add(&csv, "\"", 1);
        for (int c = 0; c < nf[r]; c++) {
            field *f = &rec[r][c];
            if (c)
                add(&csv, &delim, 1);
            bool q = quoted(rec, nf, r, c, delim);
            if (q)
                add(&csv, "\"", 1);
            for (size_t i = 0; i < f->n; i++) {
                if (f->s[i] == '"')
                    add(&csv, "\"", 1);
                add(&csv, f->s + i, 1);
            }
            if (q)
                add(&csv, "\"", 1);
        }
        add(&csv, eol, strlen(eol));
    }
    kg_reader_opts o = {KG_FMT_CSV, delim, NULL, false, NULL};
    char err[200];
    kg_reader *rd = kg_reader_open_mem(csv.p, csv.n, &o, err, sizeof err);
    if (!rd)
        abort();
    int got = 0;
    bool seen_high = false;
    for (;;) {
        kg_record out;
        int rc = kg_reader_next(rd, &out);
        if (rc == 0)
            break;
        bool high = false;
        for (int c = 0; got < nrec && c < nf[got]; c++)
            for (size_t i = 0; i < rec[got][c].n; i++)
                high |= (unsigned char)rec[got][c].s[i] >= 0x80;
        if (rc == -2 && got < nrec && high && !seen_high && strstr(kg_reader_error(rd), "Shift_JIS")) {
            /* The file's first text beyond ASCII reads as Shift_JIS: the
             * reader stops with the fix (and says so), rather than fail
             * every record after this. */
            kg_reader_free(rd);
            free(csv.p);
            return 0;
        }
        if (rc == -2 || got >= nrec)
            abort(); /* a header of plain names is always readable; no invented records */
        seen_high |= high;
        if (out.number != got + 1)
            abort();
        bool utf8 = true;
        for (int c = 0; c < nf[got]; c++)
            utf8 &= kg_utf8_valid(rec[got][c].s, rec[got][c].n) && !memchr(rec[got][c].s, 0, rec[got][c].n);
        bool expect_ok = utf8 && nf[got] == ncols && got != bad;
        if (expect_ok != (rc == 1))
            abort();
        for (int c = 0; rc == 1 && c < ncols; c++) {
            const char *v = out.values[c] ? out.values[c] : "";
            if (strlen(v) != rec[got][c].n || memcmp(v, rec[got][c].s, rec[got][c].n) != 0)
                abort();
        }
        got++;
    }
    if (got != nrec)
        abort();
    kg_reader_free(rd);
    free(csv.p);
    return 0;
}
