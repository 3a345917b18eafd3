/* The CLI's output: a buffered writer on a file descriptor that checks
 * every write (a full disk or a closed pipe is an error, never a silent
 * exit 0), with the encoders the formats need: CSV fields (quoted when
 * needed, never cut), JSON strings (escaped; bytes that are not UTF-8
 * become U+FFFD instead of losing the value), and text for one table cell
 * (control characters shown as escapes, so a row stays one line). */
#ifndef KIGEN_CLI_OUT_H
#define KIGEN_CLI_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include "kigen.h"

typedef struct cli_out {
    int fd; /* CLI_OUT_MEMORY: the text stays in buf (a block's output) */
    char *buf;
    size_t len, cap;
    int err;           /* errno of the first failure; 0 while all is well */
    bool crlf;         /* end lines with \r\n (for Excel) */
    bool formula_safe; /* CSV for Excel: a cell Excel would run as a formula starts with ' */
} cli_out;

#define CLI_OUT_MEMORY (-1)

void out_open(cli_out *o, int fd);
/* Memory mode: forget the text (and a failure), keep the buffer. */
void out_reset(cli_out *o);
void out_bytes(cli_out *o, const char *s, size_t n);
/* The same for a large piece (a block's output): written straight to the
 * descriptor, after what is buffered, without copying it first. */
void out_bytes_direct(cli_out *o, const char *s, size_t n);
void out_str(cli_out *o, const char *s);
static inline void out_char(cli_out *o, char c)
{
    if (o->len < o->cap && !o->err)
        o->buf[o->len++] = c; /* the common case, without a call */
    else
        out_bytes(o, &c, 1);
}
void out_eol(cli_out *o);
/* A CSV field: quoted when it holds the delimiter, a quote, CR or LF, or
 * starts or ends with a space (which spreadsheets would trim). With
 * formula_safe, a field that starts with = + @ a tab, a CR, or a - (unless
 * the whole field is a negative number) gets a leading ' (Excel shows it as text, and does
 * not run "=HYPERLINK(...)" from a record's name). */
void out_csv(cli_out *o, const char *s, size_t n, char delim);
/* A date as YYYY-MM-DD (no snprintf: a batch writes millions). */
void out_date_iso(cli_out *o, kigen_date d);
/* A whole number. */
void out_int(cli_out *o, long long v);
/* A JSON string with its quotes. */
void out_json_str(cli_out *o, const char *s, size_t n);
/* Write what is buffered; the first error is kept in o->err. */
void out_flush(cli_out *o);
/* Flush and release; returns 0 or the errno of the first failure. The
 * descriptor is closed only when close_fd is set (stdout is, so that an
 * error reported by close, as NFS does, is seen). */
int out_close(cli_out *o, bool close_fd);

#endif
