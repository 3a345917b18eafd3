/* /metrics: requests and errors by endpoint, a latency histogram, records
 * evaluated, the rule-set generation (Prometheus text format 0.0.4).
 * Counters are atomics: no lock on the request path. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/serve.h"

/* Upper bounds of the latency buckets, in microseconds (then +Inf). */
static const uint64_t bounds[] = {100, 250, 500, 1000, 2500, 5000, 10000, 50000, 250000, 1000000};
#define NB (sizeof bounds / sizeof bounds[0])

static _Atomic uint64_t requests[EP_N], errors[EP_N], buckets[EP_N][NB + 1], micros_sum[EP_N];
static _Atomic uint64_t records_total;

static const char *const names[EP_N] = {"healthz", "metrics", "page",     "packs",  "pack",
                                        "eval",    "explain", "timeline", "reload", "other"};

const char *serve_endpoint_name(serve_endpoint ep)
{
    return ep < EP_N ? names[ep] : "other";
}

void serve_metrics_request(serve_endpoint ep, unsigned status, uint64_t micros, long records)
{
    if (ep >= EP_N)
        ep = EP_OTHER;
    atomic_fetch_add_explicit(&requests[ep], 1, memory_order_relaxed);
    if (status >= 400)
        atomic_fetch_add_explicit(&errors[ep], 1, memory_order_relaxed);
    size_t b = 0;
    while (b < NB && micros > bounds[b])
        b++;
    atomic_fetch_add_explicit(&buckets[ep][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&micros_sum[ep], micros, memory_order_relaxed);
    if (records > 0)
        atomic_fetch_add_explicit(&records_total, (uint64_t)records, memory_order_relaxed);
}

/* One counter by endpoint, with its HELP and TYPE lines. */
static void counter(FILE *f, const char *name, const char *help, _Atomic uint64_t *by_endpoint)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
    for (int e = 0; e < EP_N; e++)
        fprintf(f, "%s{endpoint=\"%s\"} %llu\n", name, names[e],
                (unsigned long long)atomic_load(&by_endpoint[e]));
}

char *serve_metrics_text(long generation)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return NULL;
    counter(f, "kigen_requests_total", "Requests answered, by endpoint.", requests);
    counter(f, "kigen_request_errors_total", "Requests answered with a 4xx or 5xx status.", errors);
    fputs("# HELP kigen_request_duration_seconds Time from the request's last byte to the reply.\n"
          "# TYPE kigen_request_duration_seconds histogram\n",
          f);
    for (int e = 0; e < EP_N; e++) {
        uint64_t cum = 0;
        for (size_t b = 0; b <= NB; b++) {
            cum += atomic_load(&buckets[e][b]);
            if (b < NB)
                fprintf(f, "kigen_request_duration_seconds_bucket{endpoint=\"%s\",le=\"%g\"} %llu\n",
                        names[e], (double)bounds[b] / 1e6, (unsigned long long)cum);
            else
                fprintf(f, "kigen_request_duration_seconds_bucket{endpoint=\"%s\",le=\"+Inf\"} %llu\n",
                        names[e], (unsigned long long)cum);
        }
        fprintf(f, "kigen_request_duration_seconds_sum{endpoint=\"%s\"} %.6f\n", names[e],
                (double)atomic_load(&micros_sum[e]) / 1e6);
        fprintf(f, "kigen_request_duration_seconds_count{endpoint=\"%s\"} %llu\n", names[e],
                (unsigned long long)cum);
    }
    fprintf(f,
            "# HELP kigen_records_evaluated_total Records evaluated.\n"
            "# TYPE kigen_records_evaluated_total counter\n"
            "kigen_records_evaluated_total %llu\n"
            "# HELP kigen_ruleset_generation The loaded rule sets' generation (1, then +1 per reload).\n"
            "# TYPE kigen_ruleset_generation gauge\n"
            "kigen_ruleset_generation %ld\n",
            (unsigned long long)atomic_load(&records_total), generation);
    if (fclose(f) != 0) {
        free(out);
        return NULL;
    }
    return out;
}
