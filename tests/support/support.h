/* Helpers the tests share (one place, so that each test file is about its
 * subject). Header-only: each test is one program. */
#ifndef KIGEN_TESTS_SUPPORT_H
#define KIGEN_TESTS_SUPPORT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kigen.h"

/* kigen_diags_write's writer for a FILE *. */
static inline int support_write_file(void *f, const char *s, size_t n)
{
    return fwrite(s, 1, n, (FILE *)f) == n ? 0 : -1;
}

/* Print a load's diagnostics to stderr (to see why a test failed). */
static inline void support_print_diags(const kigen_diags *d)
{
    if (d)
        (void)kigen_diags_write(d, support_write_file, stderr, 0);
}

/* The source tree: $KIGEN_SOURCE_DIR, else the path compiled in. */
static inline const char *support_source_dir(void)
{
    const char *s = getenv("KIGEN_SOURCE_DIR");
#ifdef KIGEN_SOURCE_DIR
    return s && *s ? s : KIGEN_SOURCE_DIR;
#else
    return s && *s ? s : ".";
#endif
}

#endif
