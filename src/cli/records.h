/* Batch input: records from CSV (RFC 4180, with a header row) or JSON
 * Lines, read in blocks from a file, a pipe or memory, decoded to UTF-8
 * (a UTF-8 byte order mark is skipped; Shift_JIS/CP932, EUC-JP and UTF-16
 * are converted with iconv).
 *
 * Every record of the input comes back exactly once, in order: as a
 * record, or as an error that names its line (a bad quote, a wrong number
 * of fields, text that is not UTF-8, a line that is not JSON). After a
 * malformed record the reader resumes where the grammar allows: after an
 * unclosed quote, at the line after the one that opened it, so that one
 * stray quote costs one record, never the rest of the file.
 *
 * Ownership: a reader owns its buffers; a record's strings are valid until
 * the next call on the reader. Not thread-safe: one reader per thread. */
#ifndef KIGEN_RECORDS_H
#define KIGEN_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>

typedef enum { KG_FMT_CSV, KG_FMT_JSONL } kg_format;

typedef struct kg_reader_opts {
    kg_format fmt;
    char delimiter;       /* CSV: ',' (0), ';' or '\t' */
    const char *encoding; /* NULL or "utf-8": UTF-8; "cp932" (also shift_jis, sjis,
                             windows-31j), "euc-jp", "utf-16le", "utf-16be" */
    bool ja;              /* messages in Japanese */
    /* When not NULL: reading stops (kg_reader_next returns -2, "reading
     * was stopped") once *stop is set, within 200 ms even while a pipe is
     * silent; a record read only in part is not returned. */
    volatile sig_atomic_t *stop;
} kg_reader_opts;

/* A record longer than this is an error record (the reader skips it). */
#define KG_MAX_RECORD ((size_t)1 << 20)
/* Fields per CSV record, keys per JSON object. */
#define KG_MAX_FIELDS 1024

typedef struct kg_record {
    long number;           /* 1-based, data records only (errors included) */
    long line;             /* line where the record starts */
    int n;                 /* fields (may be 0 for an error record) */
    const char **names;    /* field names (CSV: the header) */
    const char **values;   /* NULL: not given (an empty CSV cell, a JSON null) */
    const char **unusable; /* JSON Lines: why a value cannot be a fact (a list,
                              an object, a fraction), or NULL; such a value is
                              still carried when its key is not a fact */
    void *json;            /* JSON Lines: the record's json_t object (borrowed); else NULL */
    const char *raw;       /* JSON Lines read raw (kg_reader_set_raw): the line's text, not parsed */
    size_t rawlen;
} kg_record;

typedef struct kg_reader kg_reader;

/* Read `f` (not owned; may be stdin or a pipe). NULL with a reason in
 * err when the options are not usable (an unknown encoding). */
kg_reader *kg_reader_open(FILE *f, const kg_reader_opts *o, char *err, size_t errlen);
/* Read from memory instead (tests, fuzzing); the buffer must outlive the
 * reader. */
kg_reader *kg_reader_open_mem(const char *data, size_t len, const kg_reader_opts *o, char *err,
                              size_t errlen);
/* 1: a record. 0: the end of the input. -1: a record that cannot be read
 * (it has a number and a line; kg_reader_error says why; the fields read
 * before the problem may be in rec, e.g. an id). -2: the input cannot be
 * read further (no header, an I/O error, a record over 16 MiB): stop. */
int kg_reader_next(kg_reader *r, kg_record *rec);
/* Why the last call returned -1 or -2 (one line, no record number). */
const char *kg_reader_error(const kg_reader *r);
/* CSV: the header's names, trimmed (valid once the first call returned). */
int kg_reader_header(const kg_reader *r, const char *const **names);
/* The encoding the input was read in ("utf-8", "utf-16le", ...). */
const char *kg_reader_encoding(const kg_reader *r);
/* JSON Lines: return each record as its text (rec->raw, n = 0) after the
 * checks that need the stream (line numbers, blank lines, length, UTF-8),
 * leaving the JSON to be parsed by kg_jsonl_parse — elsewhere, on another
 * thread. A record whose text does not parse is then that caller's error
 * record, with the same message the reader would have given. */
void kg_reader_set_raw(kg_reader *r, bool raw);

/* One JSON Lines object as fields (what kg_reader_next returns for it). */
typedef struct kg_jsonl {
    void *json; /* the parsed object (owned: released by the next parse or kg_jsonl_free) */
    int n;
    const char *names[KG_MAX_FIELDS];
    const char *values[KG_MAX_FIELDS];   /* NULL: null, or a value in unusable */
    const char *unusable[KG_MAX_FIELDS]; /* why a value cannot be a fact, or NULL */
    char num[KG_MAX_FIELDS][24];         /* text of integers */
} kg_jsonl;

/* Parse the text of one line (line: its number, for messages; ja: messages
 * in Japanese). 1, or -1 with the reason in err. Thread-safe on distinct j. */
int kg_jsonl_parse(kg_jsonl *j, const char *text, size_t len, long line, bool ja, char *err, size_t errlen);
void kg_jsonl_free(kg_jsonl *j);

/* Would the next kg_reader_next wait for the source (a pipe or terminal
 * with nothing to read now, and no whole line in hand)? A hint, for a
 * caller that writes what it has before waiting. */
bool kg_reader_would_wait(const kg_reader *r);

/* Bytes taken from the source so far (read ahead of the records returned
 * by at most a chunk): for a progress bar. */
long long kg_reader_bytes(const kg_reader *r);
void kg_reader_free(kg_reader *r);

#endif
