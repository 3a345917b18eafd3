/* Batch input: records from CSV (RFC 4180, header row) or JSON Lines. A
 * bad record is reported with its number and the reader goes on; nothing
 * is dropped silently. */
#ifndef KIGEN_RECORDS_H
#define KIGEN_RECORDS_H

#include <stdbool.h>
#include <stdio.h>

typedef enum { KG_FMT_CSV, KG_FMT_JSONL } kg_format;

typedef struct kg_record {
    long number;        /* 1-based, data records only */
    long line;          /* line where the record starts */
    int n;
    const char **names; /* field names (CSV: the header) */
    const char **values;/* NULL: not given (empty CSV cell, JSON null) */
    const char **unusable; /* JSON Lines: why a value cannot be a fact (a list, an
                              object, a fraction), or NULL; such a value is still
                              carried when its key is not a fact */
    void *json;         /* JSON Lines: the record's json_t object (borrowed); CSV: NULL */
} kg_record;

typedef struct kg_reader kg_reader;

/* The reader reads `f` (not owned). */
kg_reader *kg_reader_new(FILE *f, kg_format fmt);
/* Feed a reader from memory instead (fuzzing, tests); the buffer must
 * outlive the reader. */
kg_reader *kg_reader_new_mem(const char *data, size_t len, kg_format fmt);
/* 1: a record (valid until the next call); 0: end of input; -1: this record
 * is malformed (kg_reader_error says why; call again for the next one);
 * -2: the input cannot be read further (e.g. a bad CSV header). */
int kg_reader_next(kg_reader *r, kg_record *rec);
const char *kg_reader_error(const kg_reader *r);
/* CSV: the header's names (valid after the first call to next). */
int kg_reader_header(const kg_reader *r, const char *const **names);
void kg_reader_free(kg_reader *r);

/* Write one CSV field, quoted when needed. */
void kg_csv_write_field(FILE *f, const char *s, size_t n);

#endif
