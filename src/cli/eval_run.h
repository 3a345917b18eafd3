/* kigen eval's moving parts, shared by its files: the options (cmd_eval.c),
 * blocks of records read from the input (eval_read.c), evaluated and
 * formatted by the workers (eval_record.c), written in input order
 * (eval_write.c) through the ordered pipeline (pipeline.h).
 *
 * Who touches what: the reader (one at a time) fills a block and is the
 * only one to use `in` (its cache of column decisions) and the kg_reader;
 * a worker fills its block's output and messages with its own context;
 * the writer (one at a time) owns stdout, stderr, the table's widths and
 * the counts. Everything else in `run` is set before the pipeline starts
 * and only read while it runs. */
#ifndef KIGEN_CLI_EVAL_RUN_H
#define KIGEN_CLI_EVAL_RUN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/columns.h"
#include "cli/common.h"
#include "cli/out.h"
#include "cli/progress.h"
#include "cli/records.h"
#include "base/mem.h"

enum { OUT_CSV, OUT_JSONL, OUT_TABLE };

typedef struct eval_opts {
    const char *rules, *input, *outputs_arg, *lang, *encoding, *passthrough, *where;
    kg_format in_fmt;
    bool in_fmt_set, strict_columns, bom, excel, ja, era, summary, quiet;
    int progress; /* -1 never, 0 on a terminal, 1 always */
    char delimiter;
    int out_fmt;
    int threads;
    cli_kv sets[CLI_MAX_KV], params[CLI_MAX_KV];
    int nsets, nparams;
    kigen_date today;
} eval_opts;

typedef struct out_col {
    char *name;
    int output; /* output index, or -1 for a rule read by name */
    bool message;
    int msg_output;
} out_col;

#define MAX_COLS 1024
#define MAX_OUTPUTS 512  /* value columns; each may add a _message column */
#define TABLE_BLOCK 1000 /* rows whose widths set a table's columns */

/* A block holds this many records, or this much text, whichever comes
 * first (and always at least one record). */
#define BLOCK_RECORDS 512
#define BLOCK_BYTES ((size_t)256 << 10)

/* A field of a record in a block, as the reader classified it. */
typedef struct bfield bfield;
struct bfield {
    size_t name_off, value_off, unusable_off; /* in text while the block fills; NOFF: none */
    const char *name;
    const char *value;    /* NULL: not given */
    const char *unusable; /* JSON: why it cannot be a fact (static text), or NULL */
    size_t len;
    int fact;        /* >= 0 a fact, CLI_COL_PASS or CLI_COL_BAD */
    int pass;        /* its column among the output's pass-through ones, or -1 */
    const char *why; /* CLI_COL_BAD: why (owned by run.in) */
};

#define NOFF ((size_t)-1)

typedef struct brec {
    size_t readerr_off;
    long number, line;
    int readrc;          /* 1: a record; -1: one that cannot be read */
    const char *readerr; /* -1: why */
    int first, n;        /* its fields: fields[first .. first+n-1] */
    void *json;          /* JSON Lines: the record's object (a reference), else NULL */
    /* JSON Lines read raw: the line's text, parsed by the worker (then its
     * fields are the worker's, in `fields`) */
    size_t raw_off, rawlen;
    const char *raw;
    const struct bfield *fields;
} brec;

typedef struct block {
    _Alignas(64) brec *recs; /* (allocated on cache lines of its own: see cmd_eval.c) */
    int nrec, caprec;
    bfield *fields;
    int nfld, capfld;
    kg_buf text;     /* the records' strings (offsets until the block is read) */
    cli_out out;     /* the block's output text (memory) */
    kg_buf msgs;     /* its lines for stderr */
    long failed;     /* records that failed */
    long kept;       /* records written (all but those --where left out) */
    long last;       /* the number of its last record */
    long long bytes; /* input bytes read when it was filled (for progress) */
    bool idle;       /* cut short because the input went quiet: flush it out */
} block;

/* What a column or key is (eval_classify). */
struct col_class {
    int fact;        /* >= 0 a fact, CLI_COL_PASS or CLI_COL_BAD */
    int pass;        /* its column among the output's pass-through ones, or -1 */
    const char *why; /* CLI_COL_BAD: why */
};

/* What one worker has of its own (on cache lines of its own: the array
 * of workers is allocated so, and the alignment pads each one). */
typedef struct worker {
    _Alignas(64) kigen_ctx *c;
    kg_buf cell;         /* scratch for one value as text */
    int where;           /* the --where rule's output index in c, or -1 */
    const bfield **slot; /* a record's pass-through fields, by column */
    /* JSON Lines parsed here: the object, its fields, and this worker's own
     * cache of column decisions (the same decisions as the reader's) */
    kg_jsonl *jp;
    bfield *fields;
    cli_columns cols;
    bool has_cols;
    /* per fact: the record (stamp) that gave it a field, and that field's
     * name: two fields for one fact are an error */
    struct seen_fact {
        unsigned stamp;
        const char *name;
    } * seen;
    unsigned stamp;
} worker;

typedef struct run {
    eval_opts *o;
    kigen_ruleset *rs;
    worker *w;
    int nworkers;
    out_col cols[MAX_COLS];
    int ncols;
    const char *where_name; /* the rule --where became, or NULL */
    /* the --set values, resolved and checked once: fact index, and a date
     * parsed once (others are set from their text, which is cheap) */
    struct set_value {
        int fact;
        bool is_date;
        kigen_date date;
        size_t len;
    } sets[CLI_MAX_KV];
    cli_columns in;      /* the input's columns: facts and pass-through */
    const char *errcol;  /* the name of kigen's error column */
    const char *reccol;  /* JSON: the name of the record number's key */
    bool carry_all_json; /* JSON Lines to JSON Lines: every key that is not a fact is carried */

    /* the reader's */
    kg_reader *rd;
    bool single;     /* one record made of the --set values */
    block *staged;   /* records read before the pipeline started */
    int read_status; /* 0, or CLI_USAGE after an input error that stopped reading */
    char read_error[700];
    long read_records; /* records read */
    bool interrupted;  /* reading stopped at SIGINT */
    bool read_done;    /* the end of the input, or reading stopped */
    /* CSV: each column's decision, made once (the header names every record's fields) */
    struct col_class *csv_cols;
    int ncsv_cols;

    /* the writer's */
    cli_out out;
    struct table {
        char **cells;
        size_t n, cap; /* cells buffered (the first block) */
        int ncols;
        size_t *w;
        bool streaming;
    } tab;
    long total, failed, kept;
    cli_progress progress;
} run;

extern volatile sig_atomic_t eval_sigint;

/* eval_read.c */
long eval_read_block(void *ud, void *b);
/* What a field named `name` is: a fact, a pass-through column (its index
 * among the output's), or a mistake (and why) — decided with `cols`, the
 * caller's own cache of decisions (the reader's, or a worker's). */
void eval_classify(const run *R, cli_columns *cols, const char *name, struct col_class *k);
/* Copy a record the reader returned (rc 1 or -1) into b. false: out of memory. */
bool eval_block_add(run *R, block *b, const kg_record *rec, int rc, const char *err);
void eval_block_free(block *b);

/* eval_record.c */
void eval_work_block(void *ud, int worker, void *b);

/* eval_write.c */
bool eval_write_block(void *ud, void *b);
void eval_write_header(run *R);
void eval_table_finish(run *R);
/* A row's cells for a table: escaped (so no tab or newline inside), one
 * tab between them, a newline after the row. */
void eval_table_cell(cli_out *o, bool first, const char *s, size_t n);

#endif
