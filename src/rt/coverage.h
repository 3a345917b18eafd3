/* Coverage (kigen test --coverage): which cases of the rules and which
 * lines of the policy scripts the evaluations of a test run reached. The
 * rules' side is recorded here, after each explaining walk; the scripts'
 * side by the Lua extension, through kg_cov_file, from its line hook. */
#ifndef KIGEN_RT_COVERAGE_H
#define KIGEN_RT_COVERAGE_H

#include <stdint.h>

#include "rt/ctx.h"

typedef struct kg_cov_file {
    char *name;     /* the script as messages name it */
    int nlines;     /* lines 1 … nlines */
    uint8_t *exec;  /* per line: has code (set by the extension) */
    uint32_t *hits; /* per line: how often it started to run */
} kg_cov_file;

struct kigen_coverage {
    const kigen_ruleset *rs;
    kg_mem mem;
    int *case_base;      /* per slot: first index into case_hits; -1 for a slot without cases */
    uint32_t *case_hits; /* per case of every rule with cases */
    int ncases;
    kg_cov_file *files;
    int nfiles, capfiles;
    kg_buf json;
};

/* After a walk: count the case each rule took (ctx.case_taken). */
void kg_cov_cases(kigen_coverage *cov, const kigen_ctx *c);
/* The record of a script file, made the first time (lines 1 … nlines);
 * NULL when out of memory or when nlines differs from the first time. */
kg_cov_file *kg_cov_file_get(kigen_coverage *cov, const char *name, int nlines);

#endif
