/* One record of an input file as a context's facts (explain, timeline). */
#ifndef KIGEN_CLI_ONE_RECORD_H
#define KIGEN_CLI_ONE_RECORD_H

#include "cli/common.h"

typedef struct cli_record_opts {
    const char *input;    /* a CSV or JSON Lines file (by its extension), or - */
    const char *encoding; /* NULL: UTF-8 (as kigen eval --encoding) */
    long number;          /* 1-based, data records only, as kigen eval counts */
    const cli_kv *sets;   /* --set values, applied first (a record's own win) */
    int nsets;
} cli_record_opts;

/* Reset ctx and give it record o->number's facts; its `id` column, if any,
 * in id (may be NULL). CLI_OK; CLI_FAIL after saying why the record cannot
 * be used (unreadable, a value that does not parse, a misspelt column);
 * CLI_USAGE after saying why not (no such file, fewer records). */
int cli_one_record(const char *cmd, kigen_ctx *ctx, const cli_record_opts *o, char *id, size_t idcap);

#endif
