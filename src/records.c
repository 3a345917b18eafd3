/* Record readers for batch evaluation: CSV and JSON Lines. */
#include "records.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 1024
#define MAX_RECORD (1u << 20)

struct kg_reader {
    kg_format fmt;
    FILE *f;
    const char *mem;
    size_t memlen, mempos;
    long line;     /* current line (1-based) */
    long number;   /* records returned so far */
    bool eof;
    /* the current record's storage */
    char *buf;
    size_t len, cap;
    size_t starts[MAX_FIELDS];
    size_t lens[MAX_FIELDS];
    bool nul[MAX_FIELDS];
    int nfields;
    const char *names[MAX_FIELDS];
    const char *values[MAX_FIELDS];
    const char *unusable[MAX_FIELDS];
    /* CSV header */
    char *header_buf;
    const char *header[MAX_FIELDS];
    int nheader;
    bool have_header;
    json_t *json;
    char num[MAX_FIELDS][24]; /* text of JSON integers */
    char err[512];
};

static kg_reader *new_reader(kg_format fmt)
{
    kg_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->fmt = fmt;
    r->line = 1;
    return r;
}

kg_reader *kg_reader_new(FILE *f, kg_format fmt)
{
    kg_reader *r = new_reader(fmt);
    if (r)
        r->f = f;
    return r;
}

kg_reader *kg_reader_new_mem(const char *data, size_t len, kg_format fmt)
{
    kg_reader *r = new_reader(fmt);
    if (r) {
        r->mem = data;
        r->memlen = len;
    }
    return r;
}

void kg_reader_free(kg_reader *r)
{
    if (!r)
        return;
    if (r->json)
        json_decref(r->json);
    free(r->buf);
    free(r->header_buf);
    free(r);
}

const char *kg_reader_error(const kg_reader *r) { return r->err; }

int kg_reader_header(const kg_reader *r, const char *const **names)
{
    *names = r->header;
    return r->nheader;
}

static int getch(kg_reader *r)
{
    if (r->f)
        return getc(r->f);
    if (r->mempos >= r->memlen)
        return EOF;
    return (unsigned char)r->mem[r->mempos++];
}

static void ungetch(kg_reader *r, int c)
{
    if (c == EOF)
        return;
    if (r->f)
        ungetc(c, r->f);
    else
        r->mempos--;
}

static bool put(kg_reader *r, char c)
{
    if (r->len + 2 > r->cap) {
        if (r->cap >= MAX_RECORD)
            return false;
        size_t cap = r->cap ? r->cap * 2 : 1024;
        char *b = realloc(r->buf, cap);
        if (!b)
            return false;
        r->buf = b;
        r->cap = cap;
    }
    r->buf[r->len++] = c;
    return true;
}

/* Read one CSV record into buf/starts/lens. Returns 1, 0 at EOF, -1 on a
 * malformed record (the rest of its line is skipped). */
static int csv_record(kg_reader *r)
{
    r->len = 0;
    r->nfields = 0;
    int c = getch(r);
    if (c == EOF)
        return 0;
    ungetch(r, c);
    long start_line = r->line;
    bool bad = false;
    const char *why = NULL;
    for (;;) {
        if (r->nfields == MAX_FIELDS) {
            bad = true;
            why = "more than 1024 fields";
        }
        size_t fstart = r->len;
        bool quoted = false;
        c = getch(r);
        if (c == '"') {
            quoted = true;
            for (;;) {
                c = getch(r);
                if (c == EOF) {
                    snprintf(r->err, sizeof r->err, "line %ld: a quoted field is not closed before the end of input", start_line);
                    return -1;
                }
                if (c == '\n')
                    r->line++;
                if (c == '"') {
                    int d = getch(r);
                    if (d == '"') {
                        if (!put(r, '"'))
                            goto too_long;
                        continue;
                    }
                    ungetch(r, d);
                    break;
                }
                if (!put(r, (char)c))
                    goto too_long;
            }
            c = getch(r);
            if (c != ',' && c != '\n' && c != '\r' && c != EOF) {
                bad = true;
                why = "text after a closing quote (write \"\" for a quote inside a quoted field)";
                while (c != ',' && c != '\n' && c != EOF)
                    c = getch(r);
            }
        } else {
            while (c != ',' && c != '\n' && c != '\r' && c != EOF) {
                if (c == '"' && !bad) {
                    bad = true;
                    why = "a quote inside an unquoted field";
                }
                if (c == '\0' && !bad) {
                    bad = true;
                    why = "a NUL byte";
                }
                if (!put(r, (char)c))
                    goto too_long;
                c = getch(r);
            }
        }
        if (r->nfields < MAX_FIELDS) {
            r->starts[r->nfields] = fstart;
            r->lens[r->nfields] = r->len - fstart;
            r->nul[r->nfields] = !quoted && r->len == fstart;
            r->nfields++;
        }
        if (!put(r, '\0'))
            goto too_long;
        if (c == '\r') {
            int d = getch(r);
            if (d != '\n')
                ungetch(r, d);
            c = '\n';
        }
        if (c == '\n') {
            r->line++;
            break;
        }
        if (c == EOF)
            break;
    }
    for (int i = 0; i < r->nfields && !bad; i++)
        if (memchr(r->buf + r->starts[i], '\0', r->lens[i])) {
            bad = true;
            why = "a NUL byte";
        }
    if (bad) {
        snprintf(r->err, sizeof r->err, "line %ld: %s", start_line, why);
        return -1;
    }
    return 1;
too_long:
    snprintf(r->err, sizeof r->err, "line %ld: the record is longer than 1 MiB", start_line);
    /* skip to the end of the line */
    while ((c = getch(r)) != EOF && c != '\n')
        ;
    r->line++;
    return -1;
}

static int next_csv(kg_reader *r, kg_record *rec)
{
    if (!r->have_header) {
        int rc = csv_record(r);
        if (rc == 0) {
            snprintf(r->err, sizeof r->err, "the input is empty: a CSV header row naming the facts is needed");
            return -2;
        }
        if (rc < 0)
            return -2;
        r->header_buf = malloc(r->len ? r->len : 1);
        if (!r->header_buf)
            return -2;
        memcpy(r->header_buf, r->buf, r->len);
        r->nheader = r->nfields;
        for (int i = 0; i < r->nfields; i++) {
            const char *h = r->header_buf + r->starts[i];
            /* tolerate a UTF-8 byte order mark from spreadsheet exports */
            if (i == 0 && strncmp(h, "\xEF\xBB\xBF", 3) == 0)
                h += 3;
            r->header[i] = h;
            if (!*h) {
                snprintf(r->err, sizeof r->err, "CSV header: column %d has no name", i + 1);
                return -2;
            }
            for (int j = 0; j < i; j++)
                if (strcmp(r->header[j], h) == 0) {
                    snprintf(r->err, sizeof r->err, "CSV header: column '%s' appears twice", h);
                    return -2;
                }
        }
        r->have_header = true;
    }
    for (;;) {
        long line = r->line;
        int rc = csv_record(r);
        if (rc == 0)
            return 0;
        /* A completely empty line is not a record (spreadsheets end files
         * with one). */
        if (rc == 1 && r->nfields == 1 && r->lens[0] == 0 && r->nul[0])
            continue;
        rec->number = ++r->number;
        rec->line = line;
        if (rc < 0)
            return -1;
        if (r->nfields != r->nheader) {
            snprintf(r->err, sizeof r->err, "line %ld: %d fields, but the header has %d", line, r->nfields,
                     r->nheader);
            return -1;
        }
        for (int i = 0; i < r->nfields; i++) {
            r->names[i] = r->header[i];
            r->values[i] = r->lens[i] == 0 ? NULL : r->buf + r->starts[i];
        }
        rec->n = r->nfields;
        rec->names = r->names;
        rec->values = r->values;
        return 1;
    }
}

static int next_jsonl(kg_reader *r, kg_record *rec)
{
    for (;;) {
        r->len = 0;
        long line = r->line;
        int c;
        bool any = false, too_long = false;
        while ((c = getch(r)) != EOF && c != '\n') {
            any = true;
            if (!too_long && !put(r, (char)c))
                too_long = true;
        }
        if (c == EOF && !any)
            return 0;
        r->line++;
        /* blank lines separate nothing: skip them */
        size_t k = 0;
        while (k < r->len && (r->buf[k] == ' ' || r->buf[k] == '\t' || r->buf[k] == '\r'))
            k++;
        if (k == r->len && !too_long)
            continue;
        rec->number = ++r->number;
        rec->line = line;
        if (too_long) {
            snprintf(r->err, sizeof r->err, "line %ld: the record is longer than 1 MiB", line);
            return -1;
        }
        if (r->json) {
            json_decref(r->json);
            r->json = NULL;
        }
        json_error_t je;
        r->json = json_loadb(r->buf, r->len, JSON_REJECT_DUPLICATES, &je);
        if (!r->json) {
            snprintf(r->err, sizeof r->err, "line %ld, column %d: not valid JSON: %s", line, je.column, je.text);
            return -1;
        }
        if (!json_is_object(r->json)) {
            snprintf(r->err, sizeof r->err, "line %ld: each line must be a JSON object {\"fact\": value, ...}", line);
            return -1;
        }
        int n = 0;
        const char *key;
        json_t *v;
        json_object_foreach(r->json, key, v) {
            if (n == MAX_FIELDS) {
                snprintf(r->err, sizeof r->err, "line %ld: more than 1024 keys", line);
                return -1;
            }
            r->names[n] = key;
            r->unusable[n] = NULL;
            if (json_is_null(v))
                r->values[n] = NULL;
            else if (json_is_string(v)) {
                if (strlen(json_string_value(v)) != json_string_length(v)) {
                    snprintf(r->err, sizeof r->err, "line %ld: key '%s': the string holds a NUL character", line, key);
                    return -1;
                }
                r->values[n] = json_string_value(v);
            } else if (json_is_true(v))
                r->values[n] = "true";
            else if (json_is_false(v))
                r->values[n] = "false";
            else if (json_is_integer(v)) {
                snprintf(r->num[n], sizeof r->num[n], "%lld", (long long)json_integer_value(v));
                r->values[n] = r->num[n];
            } else {
                r->values[n] = NULL;
                r->unusable[n] = json_is_real(v) ? "a fraction" : json_is_array(v) ? "a list" : "an object";
            }
            n++;
        }
        rec->n = n;
        rec->names = r->names;
        rec->values = r->values;
        rec->json = r->json;
        rec->unusable = r->unusable;
        return 1;
    }
}

int kg_reader_next(kg_reader *r, kg_record *rec)
{
    r->err[0] = '\0';
    memset(rec, 0, sizeof *rec);
    return r->fmt == KG_FMT_CSV ? next_csv(r, rec) : next_jsonl(r, rec);
}

void kg_csv_write_field(FILE *f, const char *s, size_t n)
{
    bool quote = false;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        fwrite(s, 1, n, f);
        return;
    }
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
}
