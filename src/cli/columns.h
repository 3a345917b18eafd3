/* The input's columns (CSV header cells, JSON keys) and what each is: a
 * fact, a column to copy through, or a mistake.
 *
 * A column is a fact when it is named as one. It is copied through when
 * --passthrough names it, or when its name is clearly not a fact's. A name
 * close to a fact's (an edit or two away, another case, full-width letters,
 * spaces for underscores) is an error with "did you mean": evaluated
 * without it, the record would silently take the fact's default. With
 * --strict-columns, every column must be a fact or named by --passthrough. */
#ifndef KIGEN_CLI_COLUMNS_H
#define KIGEN_CLI_COLUMNS_H

#include <stdbool.h>

#include "cli/common.h"
#include "cli/records.h"
#include "base/mem.h"
#include "base/symtab.h"

#define CLI_COL_PASS (-1)
#define CLI_COL_BAD (-2)

typedef struct cli_columns {
    kigen_ruleset *rs;
    bool strict;
    bool ja;              /* messages in Japanese */
    char **explicit_pass; /* --passthrough */
    int nexplicit;
    bool *set_by_option; /* per fact: given with --set */
    char **pass;         /* the pass-through columns of the output, in input order */
    int npass;
    kg_symtab seen; /* name -> decision (cached, for JSON keys) */
    kg_vec owned;   /* what `seen` points to */
} cli_columns;

void cli_columns_init(cli_columns *c, kigen_ruleset *rs, const char *passthrough, bool strict,
                      const cli_kv *sets, int nsets);
/* Decide the columns of a CSV header or of the first JSON record: they
 * become the output's pass-through columns. With `fatal`, every mistaken
 * column is printed and false is returned. */
bool cli_columns_classify(cli_columns *c, const char *const *names, int n, bool fatal);
/* The same for what a reader has read: CSV by its header, JSON Lines by
 * the first record (r: what kg_reader_next returned for it; without one
 * readable record the columns come from --passthrough alone). */
bool cli_columns_classify_input(cli_columns *c, kg_reader *rd, const kg_record *first, int r, kg_format fmt);
/* The fact index of a column, or CLI_COL_PASS, or CLI_COL_BAD (see why). */
int cli_columns_fact(cli_columns *c, const char *name);
const char *cli_columns_why(cli_columns *c, const char *name);
/* Is it one of the output's pass-through columns? Which one (or -1)? */
bool cli_columns_is_pass(const cli_columns *c, const char *name);
int cli_columns_pass_index(const cli_columns *c, const char *name);
bool cli_columns_set_by_option(const cli_columns *c, int fact);
/* Reset the context and give it the record's facts: the --set values first,
 * then the record's own (an empty one leaves a --set value, else the
 * default). false with the reason in err (a value that does not parse, a
 * mistaken column, a JSON value that cannot be a fact). */
bool cli_columns_apply(cli_columns *c, kigen_ctx *ctx, const kg_record *rec, const cli_kv *sets, int nsets,
                       char *err, size_t n);
void cli_columns_free(cli_columns *c);

#endif
