/* A batch's progress bar and its summary, on stderr.
 *
 * The bar is drawn only when stderr is a terminal (or when asked for), at
 * most five times a second, on one line that is redrawn (\r) and erased at
 * the end: records so far, records per second, and — when the input's size
 * is known — the share read and the time left. A pipe or a log file never
 * gets a bar's control characters. */
#ifndef KIGEN_CLI_PROGRESS_H
#define KIGEN_CLI_PROGRESS_H

#include <stdbool.h>

typedef struct cli_progress {
    bool on;          /* drawing */
    bool drawn;       /* a bar is on the screen (to erase) */
    bool ja;          /* words in Japanese */
    double start;     /* seconds (monotonic) */
    double last_draw; /* when the bar was last drawn */
    long long size;   /* the input's size in bytes, or -1 when not known */
} cli_progress;

/* Start timing now; draw a bar when `on`. size: the input's bytes or -1. */
void cli_progress_start(cli_progress *p, bool on, long long size, bool ja);
/* Records done so far and bytes of the input read (or -1); redraws at most
 * five times a second. */
void cli_progress_update(cli_progress *p, long records, long long bytes);
/* Erase the bar (before a message, and at the end). */
void cli_progress_clear(cli_progress *p);
/* Seconds since start. */
double cli_progress_elapsed(const cli_progress *p);

#endif
