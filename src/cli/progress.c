/* See progress.h. */
#include "cli/progress.h"

#include <stdio.h>
#include <time.h>

/* Seconds on a monotonic clock. */
static double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_progress_start(cli_progress *p, bool on, long long size, bool ja)
{
    p->on = on;
    p->drawn = false;
    p->ja = ja;
    p->start = cli_now();
    p->last_draw = 0;
    p->size = size;
}

double cli_progress_elapsed(const cli_progress *p)
{
    return cli_now() - p->start;
}

/* "1h02m", "3m05s", "12s" */
static void span(char *b, size_t n, double s)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(b, n, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(b, n, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(b, n, "%lds", t);
}

void cli_progress_update(cli_progress *p, long records, long long bytes)
{
    if (!p->on)
        return;
    double now = cli_now();
    if (p->drawn && now - p->last_draw < 0.2)
        return;
    p->last_draw = now;
    double el = now - p->start;
    double rate = el > 0 ? (double)records / el : 0;
    char line[200];
    int k;
    if (p->size > 0 && bytes >= 0) {
        double share = (double)bytes / (double)p->size;
        if (share > 1)
            share = 1;
        enum { W = 24 };
        char bar[W + 1];
        int full = (int)(share * W);
        for (int i = 0; i < W; i++)
            bar[i] = i < full ? '#' : '.';
        bar[W] = '\0';
        char eta[32] = "?";
        if (share > 0.001 && el > 0.5)
            span(eta, sizeof eta, el / share - el);
        k = snprintf(line, sizeof line,
                     p->ja ? "[%s] %3d%%  %ld 件  %.0f 件/秒  残り %s"
                           : "[%s] %3d%%  %ld records  %.0f/s  ETA %s",
                     bar, (int)(share * 100), records, rate, eta);
    } else {
        k = snprintf(line, sizeof line, p->ja ? "%ld 件  %.0f 件/秒" : "%ld records  %.0f/s", records, rate);
    }
    if (k < 0)
        return;
    /* \r, the line, and erase to its end: a shorter line leaves no tail */
    fprintf(stderr, "\r%s\033[K", line);
    fflush(stderr);
    p->drawn = true;
}

void cli_progress_clear(cli_progress *p)
{
    if (!p->drawn)
        return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    p->drawn = false;
}
