/* kigen serve: one request, from its first byte to its log line. The body
 * is gathered up to --max-body (what is over it is read and dropped, and
 * the answer is 413); then the route is chosen, the token checked, the
 * current generation of packs taken for the request's whole life, and the
 * reply sent. One log line per request: method, path (never the query,
 * where a page's link may carry facts), status, records, microseconds. */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli/serve.h"
#include "cli/serve_http.h"

typedef struct req {
    serve_endpoint ep;
    char method[8];
    char path[256];
    char *body;
    size_t len, cap;
    bool too_big;
    uint64_t t0;
    unsigned status;
    long records;
} req;

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Equal, in time that does not depend on where they differ. */
static bool same_secret(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = (unsigned char)(la != lb);
    for (size_t i = 0; i < la; i++)
        diff |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
    return diff == 0;
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, req *q, serve_reply *r)
{
    struct MHD_Response *resp;
    if (r->stream) {
        /* chunked: each result is computed as the client reads */
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, serve_stream_read, r->stream,
                                                 serve_stream_free);
        if (!resp) {
            serve_stream_free(r->stream);
            return MHD_NO;
        }
    } else {
        if (!r->body) {
            r->body = strdup("");
            r->len = 0;
        }
        resp = MHD_create_response_from_buffer(r->len, r->body ? r->body : (char *)"", MHD_RESPMEM_MUST_FREE);
        if (!resp) {
            free(r->body);
            return MHD_NO;
        }
    }
    MHD_add_response_header(resp, "Content-Type", r->type ? r->type : "application/json");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (q->ep == EP_PAGE)
        MHD_add_response_header(
            resp, "Content-Security-Policy",
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
            "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'");
    if (r->status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
    enum MHD_Result ok = MHD_queue_response(conn, r->status, resp);
    MHD_destroy_response(resp);
    q->status = r->status;
    q->records = r->records;
    return ok;
}

/* The request's options from its query string. */
typedef struct qctx {
    serve_opts *o;
    serve_reply *r;
    bool bad;
    unsigned seen; /* the options given, to refuse one given twice */
} qctx;

/* A 400 for the query (msg: the message); stops reading it. */
static enum MHD_Result bad_arg(qctx *Q, const char *key, const char *msg)
{
    serve_reply_error(Q->r, 400, 0, key, "%s", msg);
    Q->bad = true;
    return MHD_NO;
}

static enum MHD_Result one_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    qctx *Q = cls;
    serve_opts *o = Q->o;
    if (!value)
        value = "";
    /* which would win, of an option given twice, is a guess: refused */
    char twice[300];
    snprintf(twice, sizeof twice, "the option '%.200s' is given twice", key);
    static const char *const once[] = {"lang", "messages", "outputs", "name", "today"};
    for (unsigned k = 0; k < sizeof once / sizeof once[0]; k++)
        if (strcmp(key, once[k]) == 0) {
            if (Q->seen & (1u << k))
                return bad_arg(Q, key, twice);
            Q->seen |= 1u << k;
        }
    for (int k = 0; strncmp(key, "param.", 6) == 0 && k < o->nparams; k++)
        if (strcmp(o->param_names[k], key + 6) == 0)
            return bad_arg(Q, key, twice);
    if (strcmp(key, "lang") == 0)
        o->lang = value;
    else if (strcmp(key, "messages") == 0) {
        if (strcmp(value, "1") != 0 && strcmp(value, "true") != 0 && strcmp(value, "0") != 0 &&
            strcmp(value, "false") != 0)
            return bad_arg(Q, key, "messages must be 1, true, 0 or false");
        o->messages = strcmp(value, "1") == 0 || strcmp(value, "true") == 0;
    } else if (strcmp(key, "outputs") == 0) {
        if (!*value)
            return bad_arg(Q, key, "outputs= names no output (leave it out for all)");
        o->outputs = value;
    } else if (strcmp(key, "name") == 0)
        o->name = value;
    else if (strcmp(key, "today") == 0) {
        char err[200];
        if (kigen_date_parse(value, strlen(value), &o->today, err, sizeof err) != KIGEN_OK) {
            serve_reply_error(Q->r, 400, 0, "today", "today: %s", err);
            Q->bad = true;
            return MHD_NO;
        }
    } else if (strncmp(key, "param.", 6) == 0) {
        if (o->nparams == 64) {
            serve_reply_error(Q->r, 400, 0, key, "at most 64 params in one request");
            Q->bad = true;
            return MHD_NO;
        }
        o->param_names[o->nparams] = key + 6;
        o->param_values[o->nparams++] = value;
    } else {
        serve_reply_error(Q->r, 400, 0, key,
                          "unknown option '%s' (lang, today, messages, outputs, name, param.NAME)", key);
        Q->bad = true;
        return MHD_NO;
    }
    return MHD_YES;
}

static void packs_json(const serve_gen *g, serve_reply *r)
{
    json_t *arr = json_array();
    for (int i = 0; i < g->npacks; i++) {
        const serve_pack *p = &g->packs[i];
        json_t *d = json_loads(p->describe, 0, NULL);
        json_t *title = d ? json_object_get(d, "title") : NULL;
        json_array_append_new(arr, json_pack("{s:s,s:O?,s:s,s:s,s:s,s:I}", "name", p->name, "title", title,
                                             "file", p->file, "sha256", p->sha256, "loaded_at", g->loaded_at,
                                             "generation", (json_int_t)g->number));
        json_decref(d);
    }
    serve_reply_json(r, 200, json_pack("{s:o}", "packs", arr));
}

/* /v1/{what}/{pack}: the pack's name into pack; false when the path is not so. */
static bool split(const char *path, const char *prefix, char *pack, size_t cap)
{
    size_t n = strlen(prefix);
    if (strncmp(path, prefix, n) != 0 || !path[n] || strchr(path + n, '/'))
        return false;
    snprintf(pack, cap, "%s", path + n);
    return true;
}

static void route(const serve_server *S, struct MHD_Connection *conn, req *q, serve_reply *r)
{
    bool get = strcmp(q->method, "GET") == 0 || strcmp(q->method, "HEAD") == 0,
         post = strcmp(q->method, "POST") == 0;
    const char *path = q->path;
    char pack[200];
    if (strcmp(path, "/healthz") == 0) {
        q->ep = EP_HEALTHZ;
        if (get)
            serve_reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
        else
            serve_reply_error(r, 405, 0, NULL, "GET /healthz");
        return;
    }
    if (S->token) {
        const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
        /* the scheme's name is case-insensitive (RFC 7235) */
        bool ok = auth && strncasecmp(auth, "Bearer ", 7) == 0 && same_secret(auth + 7, S->token);
        /* the page cannot send a header when opened: it is public, its calls are not */
        if (!ok && !(get && strcmp(path, "/") == 0)) {
            serve_reply_error(r, 401, 0, NULL, "a bearer token is required (Authorization: Bearer ...)");
            return;
        }
    }
    if (q->too_big) {
        serve_reply_error(r, 413, 0, NULL, "the body is larger than %zu bytes (--max-body)", S->max_body);
        return;
    }
    if (strcmp(path, "/") == 0 && get) {
        q->ep = EP_PAGE;
        r->status = 200;
        r->type = "text/html; charset=utf-8";
        r->body = malloc(serve_page_html_len + 1);
        if (r->body)
            memcpy(r->body, serve_page_html, serve_page_html_len);
        r->len = r->body ? serve_page_html_len : 0;
        return;
    }
    if (strcmp(path, "/metrics") == 0 && get) {
        q->ep = EP_METRICS;
        serve_gen *g = serve_gen_current();
        r->status = 200;
        r->type = "text/plain; version=0.0.4; charset=utf-8";
        r->body = serve_metrics_text(g ? g->number : 0);
        r->len = r->body ? strlen(r->body) : 0;
        serve_gen_release(g);
        return;
    }
    if (strcmp(path, "/v1/admin/reload") == 0) {
        q->ep = EP_RELOAD;
        if (!S->token) {
            serve_reply_error(r, 404, 0, NULL, "reload over HTTP needs --token-file (else: SIGHUP)");
        } else if (!post) {
            serve_reply_error(r, 405, 0, NULL, "POST /v1/admin/reload");
        } else {
            json_t *errors = json_array();
            long gen = serve_reload(S, errors);
            if (gen > 0)
                serve_reply_json(r, 200, json_pack("{s:I}", "generation", (json_int_t)gen));
            else
                serve_reply_json(r, 422,
                                 json_pack("{s:{s:s,s:o}}", "error", "message",
                                           "the rule files do not load; the packs loaded before stay",
                                           "diagnostics", errors));
            if (gen > 0)
                json_decref(errors);
        }
        return;
    }
    /* the query is options of the API (the page's own query is the page's) */
    serve_opts o = {0};
    qctx Q = {&o, r, false, 0};
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, one_arg, &Q);
    if (Q.bad)
        return;
    serve_gen *g = serve_gen_current();
    if (!g) {
        serve_reply_error(r, 503, 0, NULL, "no packs are loaded");
        return;
    }
    if (strcmp(path, "/v1/packs") == 0 && get) {
        q->ep = EP_PACKS;
        packs_json(g, r);
    } else if (split(path, "/v1/packs/", pack, sizeof pack) && get) {
        q->ep = EP_PACK;
        const serve_pack *p = serve_gen_find(g, pack);
        if (!p) {
            serve_reply_error(r, 404, 0, NULL, "no pack named '%s' (GET /v1/packs lists them)", pack);
        } else {
            r->status = 200;
            r->type = "application/json";
            r->body = strdup(p->describe);
            r->len = r->body ? strlen(r->body) : 0;
        }
    } else if ((split(path, "/v1/eval/", pack, sizeof pack) && (q->ep = EP_EVAL)) ||
               (split(path, "/v1/explain/", pack, sizeof pack) && (q->ep = EP_EXPLAIN)) ||
               (split(path, "/v1/timeline/", pack, sizeof pack) && (q->ep = EP_TIMELINE))) {
        const serve_pack *p = serve_gen_find(g, pack);
        if (!post)
            serve_reply_error(r, 405, 0, NULL, "use POST with the record as a JSON body");
        else if (!p)
            serve_reply_error(r, 404, 0, NULL, "no pack named '%s' (GET /v1/packs lists them)", pack);
        else if (q->ep == EP_EVAL)
            serve_eval(p, &o, q->body ? q->body : "", q->len, S->max_records, r);
        else if (q->ep == EP_EXPLAIN)
            serve_explain(p, &o, q->body ? q->body : "", q->len, r);
        else
            serve_timeline(p, &o, q->body ? q->body : "", q->len, r);
    } else {
        q->ep = EP_OTHER;
        serve_reply_error(r, 404, 0, NULL, "no such endpoint: %s %s", q->method, path);
    }
    serve_gen_release(g);
}

enum MHD_Result serve_handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                             const char *version, const char *upload, size_t *upload_size, void **ptr)
{
    (void)version;
    const serve_server *S = cls;
    req *q = *ptr;
    if (!q) {
        q = calloc(1, sizeof *q);
        if (!q)
            return MHD_NO;
        q->t0 = now_us();
        q->ep = EP_OTHER;
        snprintf(q->method, sizeof q->method, "%s", method);
        snprintf(q->path, sizeof q->path, "%s", url);
        *ptr = q;
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        /* a body dribbled in stays under --timeout's idle limit: it also
         * has --timeout × 3 in all, from the request's first byte */
        if (now_us() - q->t0 > (uint64_t)S->body_seconds * 1000000u)
            return MHD_NO; /* closes the connection */
        if (q->too_big || q->len + n > S->max_body) {
            q->too_big = true; /* read and dropped; answered 413 */
            free(q->body);
            q->body = NULL;
            q->len = q->cap = 0;
            return MHD_YES;
        }
        if (q->len + n + 1 > q->cap) {
            size_t cap = q->cap ? q->cap : 4096;
            while (cap < q->len + n + 1)
                cap *= 2;
            char *b = realloc(q->body, cap);
            if (!b)
                return MHD_NO;
            q->body = b;
            q->cap = cap;
        }
        memcpy(q->body + q->len, upload, n);
        q->len += n;
        q->body[q->len] = '\0';
        return MHD_YES;
    }
    serve_reply r = {0};
    route(S, conn, q, &r);
    if (!r.status)
        serve_reply_error(&r, 500, 0, NULL, "no answer was made");
    return send_reply(conn, q, &r);
}

void serve_completed(void *cls, struct MHD_Connection *conn, void **ptr, enum MHD_RequestTerminationCode why)
{
    (void)conn;
    const serve_server *S = cls;
    req *q = *ptr;
    if (!q)
        return;
    uint64_t us = now_us() - q->t0;
    unsigned status = q->status ? q->status : 499; /* the client went before an answer */
    serve_metrics_request(q->ep, status, us, q->records);
    if (!S->quiet)
        fprintf(stderr, "%s %s %u %ld %llu%s\n", q->method, q->path, status, q->records,
                (unsigned long long)us,
                why == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (connection ended early)");
    free(q->body);
    free(q);
    *ptr = NULL;
}
