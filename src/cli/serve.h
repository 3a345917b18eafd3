/* kigen serve: the engine over HTTP (libmicrohttpd), one file per job:
 *   cmd_serve.c     options, the daemon, signals (SIGHUP reloads)
 *   serve_packs.c   the loaded rule sets, as generations swapped atomically
 *   serve_http.c    requests: routing, bodies, limits, the token, the log
 *   serve_eval.c    records in, outputs out (eval, explain, timeline)
 *   serve_metrics.c counters and the latency histogram (/metrics)
 *   serve_page.c    the page at GET / (generated from serve_page.html) */
#ifndef KIGEN_CLI_SERVE_H
#define KIGEN_CLI_SERVE_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kigen.h"

/* ---- packs (serve_packs.c) ------------------------------------------------------------- */

typedef struct serve_pack {
    const char *name; /* the rule set's name: /v1/eval/{name} */
    const char *arg;  /* --rules as given (reloaded from it) */
    char *file;       /* the file loaded */
    char *layout;     /* its timeline layout (file beside it), or NULL */
    char sha256[65];  /* of the rule file's bytes */
    kigen_ruleset *rs;
    char *describe; /* kigen_describe_json, once */
} serve_pack;

/* One set of loaded packs. Requests hold a reference for their whole life;
 * a reload makes a new generation and drops the old one's reference, so the
 * old rule sets live until the last request on them is done. */
typedef struct serve_gen {
    _Atomic int refs;
    long number; /* 1, 2, ... */
    char loaded_at[32];
    serve_pack *packs;
    int npacks;
} serve_gen;

/* Load every --rules argument into a new generation; NULL after printing
 * the diagnostics (and into errors, when not NULL: a JSON array of
 * {pack, message}). */
serve_gen *serve_gen_load(const char *const *rules, int n, long number, json_t *errors);
/* The current generation, with a reference taken; serve_gen_release it. */
serve_gen *serve_gen_current(void);
void serve_gen_release(serve_gen *g);
/* Make g current (its reference passes to the registry). */
void serve_gen_install(serve_gen *g);
const serve_pack *serve_gen_find(const serve_gen *g, const char *name);

/* ---- metrics (serve_metrics.c) ----------------------------------------------------------- */

typedef enum {
    EP_HEALTHZ,
    EP_METRICS,
    EP_PAGE,
    EP_PACKS,
    EP_PACK,
    EP_EVAL,
    EP_EXPLAIN,
    EP_TIMELINE,
    EP_RELOAD,
    EP_OTHER,
    EP_N
} serve_endpoint;

void serve_metrics_request(serve_endpoint ep, unsigned status, uint64_t micros, long records);
/* The Prometheus text exposition; malloc'd. */
char *serve_metrics_text(long generation);
const char *serve_endpoint_name(serve_endpoint ep);

/* ---- evaluation (serve_eval.c) ----------------------------------------------------------- */

/* Options of one request (query string), applied to the context. */
typedef struct serve_opts {
    const char *lang;    /* "en" (default) or "ja" */
    kigen_date today;    /* 0: the system's day in Japan */
    bool messages;       /* add each output's message */
    const char *outputs; /* "a,b" or NULL */
    const char *name;    /* explain: the value to explain */
    const char *param_names[64];
    const char *param_values[64];
    int nparams;
} serve_opts;

/* A batch's reply, made as it is sent (serve_eval.c). */
typedef struct serve_stream serve_stream;
/* libmicrohttpd's content reader: the next bytes of the reply into buf, or
 * -1 (MHD_CONTENT_READER_END_OF_STREAM) at its end. */
ssize_t serve_stream_read(void *cls, uint64_t pos, char *buf, size_t max);
void serve_stream_free(void *cls);

/* A result or an error, ready to send: a body, or a stream. */
typedef struct serve_reply {
    unsigned status;
    const char *type; /* content type */
    char *body;       /* malloc'd */
    size_t len;
    serve_stream *stream; /* instead of body: written as it is read */
    long records;
} serve_reply;

void serve_reply_json(serve_reply *r, unsigned status, json_t *j); /* steals j */
void serve_reply_error(serve_reply *r, unsigned status, long record, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* POST /v1/eval: body one JSON object (one record), or an array / JSON
 * Lines (a batch: one result per record, in order). */
void serve_eval(const serve_pack *p, const serve_opts *o, const char *body, size_t len, long max_records,
                serve_reply *r);
void serve_explain(const serve_pack *p, const serve_opts *o, const char *body, size_t len, serve_reply *r);
void serve_timeline(const serve_pack *p, const serve_opts *o, const char *body, size_t len, serve_reply *r);
/* Free this thread's contexts (at the end of a worker thread). */
void serve_eval_thread_done(void);

/* ---- the page (serve_page.c, generated) -------------------------------------------------- */

extern const unsigned char serve_page_html[];
extern const size_t serve_page_html_len;

#endif
