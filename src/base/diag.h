/* Load diagnostics (internal side of kigen_diags). */
#ifndef KIGEN_DIAG_H
#define KIGEN_DIAG_H

#include "base/diag_codes.h"
#include "base/mem.h"

/* A source file held in memory during a load. */
typedef struct kg_srcfile {
    const char *name;
    const char *text;
    size_t len;
    size_t *line_start; /* byte offset of each line */
    size_t nlines;
    bool hide_text; /* not a rule file or script: diagnostics never quote it */
} kg_srcfile;

struct kigen_diags {
    kg_mem mem;
    kg_arena arena;
    kg_vec list; /* kigen_diag* */
    size_t errors, warnings;
    bool strict;      /* warnings count as errors */
    bool list_failed; /* a diagnostic could not be recorded */
    size_t dropped;   /* found after the list was full (KG_MAX_DIAGS) */
};

/* The code table (diag_codes.h): one row per code. */
typedef struct kg_code_info {
    const char *code;
    kigen_severity severity;
    const char *meaning; /* the docs' one line, word for word */
    const char *page;    /* docs/PAGE lists it */
} kg_code_info;
/* The row of a code ("E0201"), or NULL for a code that is not one. */
const kg_code_info *kg_diag_code(const char *code);

#define KG_NOPOS ((size_t)-1)
/* Diagnostics kept per load; later ones are counted, not kept. */
#define KG_MAX_DIAGS 500

kigen_diags *kg_diags_new(const kg_mem *m, bool strict);
/* Record a problem at byte offset `off` of `file` (KG_NOPOS: no position;
 * file NULL: no file). expected and hint may be NULL. */
void kg_diag(kigen_diags *d, kigen_severity sev, const char *code, const kg_srcfile *file, size_t off,
             const char *expected, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));
/* The same at an explicit line/column (1-based, column in characters). */
void kg_diag_at(kigen_diags *d, kigen_severity sev, const char *code, const kg_srcfile *file, int line,
                int col, const char *expected, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 9, 10)));

/* Is the list full (later diagnostics are only counted)? Costly hints
 * such as "did you mean" are worth computing only while it is not. */
bool kg_diags_full(const kigen_diags *d);

/* Build the line table for a source file. */
bool kg_srcfile_index(kg_srcfile *f, kg_arena *a);
/* Byte offset of (line, col) — both 1-based, col in characters. */
size_t kg_srcfile_offset(const kg_srcfile *f, int line, int col);
void kg_srcfile_linecol(const kg_srcfile *f, size_t off, int *line, int *col);

/* Diagnostics as a JSON array (for `kigen check --format json`); the
 * caller frees the string with free(). */
char *kg_diags_json(const kigen_diags *d);

#endif
