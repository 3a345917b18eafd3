/* kigen serve: records in, outputs out. Each worker thread keeps one
 * context per rule set (two: with and without explain), made the first time
 * it serves that rule set; a request's options (params, day, language,
 * outputs) are applied to it and the params taken off again after, so that
 * no request sees another's reading. Nothing of a record is guessed: a key
 * that is not a fact (other than "id") is an error with "did you mean", a
 * value that is not text, a whole number or true/false is an error, null is
 * "not given". */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/out.h"
#include "cli/serve.h"
#include "cli/timeline.h"
#include "base/clock.h"
#include "base/text.h"

/* ---- replies ------------------------------------------------------------------------------ */

/* A JSON string of text kigen made or quoted: jansson refuses text that is
 * not UTF-8 (a parser's message cut inside a character, a message cut to
 * its buffer) by returning NULL, which would drop the key it was for — an
 * error silently missing from a result. Such text is escaped instead. */
static json_t *text_json(const char *s)
{
    const char *t = s ? s : "";
    json_t *j = json_string(t);
    if (!j) {
        char safe[4096];
        kg_escape_line(safe, sizeof safe, t, strlen(t));
        j = json_string(safe);
    }
    return j;
}

void serve_reply_json(serve_reply *r, unsigned status, json_t *j)
{
    r->status = status;
    r->type = "application/json";
    r->body = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (!r->body) {
        r->status = 500;
        r->body = strdup("{\"error\":{\"message\":\"out of memory\"}}");
    }
    r->len = r->body ? strlen(r->body) : 0;
    json_decref(j);
}

void serve_reply_error(serve_reply *r, unsigned status, long record, const char *field, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *e = json_object();
    if (e)
        json_object_set_new(e, "message", text_json(msg));
    if (e && record > 0)
        json_object_set_new(e, "record", json_integer(record));
    if (e && field)
        json_object_set_new(e, "field", text_json(field));
    serve_reply_json(r, status, json_pack("{s:o}", "error", e ? e : json_null()));
}

/* ---- this thread's contexts --------------------------------------------------------------- */

#define SLOTS 16
static _Thread_local struct {
    const kigen_ruleset *rs[SLOTS];
    kigen_ctx *c[SLOTS][2]; /* [0] plain, [1] explaining */
    /* the outputs each context has selected ("" for all): selecting again
     * recompiles its programs, so it is done only when a request changes it */
    char sel[SLOTS][2][512];
    int n;
} tcache;

void serve_eval_thread_done(void)
{
    for (int i = 0; i < tcache.n; i++) {
        kigen_ctx_free(tcache.c[i][0]);
        kigen_ctx_free(tcache.c[i][1]);
    }
    tcache.n = 0;
}

/* A worker thread's contexts go when it ends (the daemon's threads are
 * not ours: a key's destructor is the one hook). */
static pthread_key_t end_key;
static pthread_once_t end_once = PTHREAD_ONCE_INIT;

static void at_thread_end(void *p)
{
    (void)p;
    serve_eval_thread_done();
}

static void make_key(void)
{
    (void)pthread_key_create(&end_key, at_thread_end);
}

/* This thread's context for rs (a reference to rs is held by it, so the
 * key cannot be reused while cached); NULL when one cannot be made. */
static kigen_ctx *thread_ctx(kigen_ruleset *rs, bool explain)
{
    int i = 0;
    while (i < tcache.n && tcache.rs[i] != rs)
        i++;
    if (i == tcache.n) {
        pthread_once(&end_once, make_key);
        (void)pthread_setspecific(end_key, &tcache); /* non-NULL: the destructor runs */
        if (tcache.n == SLOTS)                       /* reloads left old rule sets here: start again */
            serve_eval_thread_done();
        i = tcache.n++;
        tcache.rs[i] = rs;
        tcache.c[i][0] = tcache.c[i][1] = NULL;
    }
    if (!tcache.c[i][explain]) {
        kigen_ctx *c = NULL;
        if (kigen_ctx_new(rs, &c) != KIGEN_OK) {
            kigen_ctx_free(c);
            return NULL;
        }
        if (explain)
            kigen_set_explain(c, 1);
        tcache.c[i][explain] = c;
        tcache.sel[i][explain][0] = '\0';
    }
    return tcache.c[i][explain];
}

/* ---- options -------------------------------------------------------------------------------- */

/* This thread's record of what c has selected. */
static char *selected(const kigen_ctx *c)
{
    for (int i = 0; i < tcache.n; i++)
        for (int k = 0; k < 2; k++)
            if (tcache.c[i][k] == c)
                return tcache.sel[i][k];
    return NULL;
}

/* Apply o to c; false with r filled (400) when one is refused. */
static bool apply_opts(kigen_ctx *c, const serve_opts *o, serve_reply *r)
{
    if (kigen_set_lang(c, o->lang ? o->lang : "en") != KIGEN_OK) {
        serve_reply_error(r, 400, 0, "lang", "lang must be en or ja, not '%s'", o->lang);
        return false;
    }
    kigen_set_today(c, o->today);
    for (int i = 0; i < o->nparams; i++)
        if (kigen_set_param(c, o->param_names[i], o->param_values[i]) != KIGEN_OK) {
            char field[300];
            snprintf(field, sizeof field, "param.%s", o->param_names[i]);
            serve_reply_error(r, 400, 0, field, "%s", kigen_errmsg(c));
            return false;
        }
    const char *want = o->outputs ? o->outputs : "";
    char *sel = selected(c);
    if (sel && strcmp(sel, want) == 0)
        return true; /* as the last request on c: its programs still hold */
    const char *names[256];
    size_t n = 0;
    char list[4096];
    if (*want) {
        snprintf(list, sizeof list, "%s", o->outputs);
        char *save = NULL;
        for (char *t = strtok_r(list, ",", &save); t && n < 256; t = strtok_r(NULL, ",", &save))
            names[n++] = t;
    }
    if (kigen_ctx_select_outputs(c, names, n) != KIGEN_OK) {
        if (sel)
            sel[0] = '\x01'; /* unknown: select again next time */
        serve_reply_error(r, 400, 0, "outputs", "%s", kigen_errmsg(c));
        return false;
    }
    if (sel) {
        size_t n_want = strlen(want);
        if (n_want < sizeof tcache.sel[0][0])
            memcpy(sel, want, n_want + 1);
        else
            sel[0] = '\x01';
    }
    return true;
}

/* Take the request's params off again (the context outlives the request). */
static void unapply_opts(kigen_ctx *c, const serve_opts *o)
{
    for (int i = 0; i < o->nparams; i++)
        (void)kigen_set_param(c, o->param_names[i], NULL);
}

/* ---- one record ----------------------------------------------------------------------------- */

/* Give c the facts of obj. false with the reason (and the key) when a
 * key or value cannot be a fact. */
static bool apply_record(kigen_ctx *c, const json_t *obj, char *why, size_t n, const char **field)
{
    const kigen_ruleset *rs = kigen_ctx_ruleset(c);
    const char *key;
    json_t *v;
    kigen_ctx_reset(c);
    *field = NULL;
    /* one fact by two names (birth_date and 生年月日): which would win is a
     * guess, so the record is refused, naming both */
    const char *by[1024] = {0};
    json_object_foreach((json_t *)obj, key, v)
    {
        if (strcmp(key, "id") == 0 && kigen_fact_index(rs, "id") < 0) {
            if (json_is_object(v) || json_is_array(v)) {
                *field = key;
                snprintf(why, n, "id: an id is a text or a number, not %s",
                         json_is_array(v) ? "a list" : "an object");
                return false;
            }
            continue; /* the record's own id: echoed, not a fact */
        }
        int f = kigen_fact_index(rs, key);
        if (f >= 0 && f < 1024) {
            if (by[f]) {
                *field = key;
                snprintf(why, n, "%s is given twice, as '%s' and as '%s'", kigen_fact_name(rs, f), by[f],
                         key);
                return false;
            }
            by[f] = key;
        }
        char text[64];
        const char *t = NULL;
        if (json_is_string(v))
            t = json_string_value(v);
        else if (json_is_integer(v))
            snprintf(text, sizeof text, "%lld", (long long)json_integer_value(v)), t = text;
        else if (json_is_boolean(v))
            t = json_is_true(v) ? "true" : "false";
        else if (json_is_null(v)) {
            if (kigen_fact_index(rs, key) >= 0)
                continue; /* not given */
        } else {
            *field = key;
            snprintf(why, n, "%s: a fact is a text, a whole number or true/false, not %s", key,
                     json_is_real(v)    ? "a fraction"
                     : json_is_array(v) ? "a list"
                                        : "an object");
            return false;
        }
        if (kigen_set(c, key, t ? t : "") != KIGEN_OK) {
            *field = key;
            snprintf(why, n, "%s", kigen_errmsg(c));
            return false;
        }
    }
    return true;
}

static json_t *value_json(const kigen_value *v)
{
    char buf[64];
    switch (v->type) {
    case KIGEN_T_NONE: return json_null();
    case KIGEN_T_BOOL: return json_boolean(v->u.b);
    case KIGEN_T_INT: return json_integer(v->u.i);
    case KIGEN_T_DATE: kigen_date_format_iso(v->u.date, buf, sizeof buf); return json_string(buf);
    case KIGEN_T_STRING:
    case KIGEN_T_ENUM: return json_stringn(v->u.str.ptr, v->u.str.len);
    case KIGEN_T_ERROR: return json_null();
    default: kigen_value_format(v, buf, sizeof buf); return json_string(buf);
    }
}

/* The result of record number n (obj: its facts) on c. A record that
 * cannot be set is a result with its error, or, with fail_fast (a single
 * record), a 400 in r and NULL. */
static json_t *one_record(kigen_ctx *c, const json_t *obj, long n, const serve_opts *o, bool fail_fast,
                          serve_reply *r)
{
    json_t *res = json_pack("{s:I}", "record", (json_int_t)n);
    json_t *id = json_is_object(obj) ? json_object_get(obj, "id") : NULL;
    if (id && !json_is_object(id) && !json_is_array(id))
        json_object_set(res, "id", id);
    char why[2048];
    const char *field = NULL;
    if (!json_is_object(obj)) {
        snprintf(why, sizeof why, "a record is a JSON object of facts, not %s",
                 json_is_array(obj) ? "a list" : "a single value");
        goto bad;
    }
    if (!apply_record(c, obj, why, sizeof why, &field))
        goto bad;
    int rc = kigen_eval(c);
    json_t *outs = json_object(), *msgs = o->messages ? json_object() : NULL, *errs = NULL;
    const kigen_ruleset *rs = kigen_ctx_ruleset(c);
    /* the outputs asked for, in the order asked (as kigen eval --outputs);
     * else every output in the pack's order */
    char list[4096];
    const char *names[256];
    int nn = 0;
    if (o->outputs) {
        snprintf(list, sizeof list, "%s", o->outputs);
        char *save = NULL;
        for (char *t = strtok_r(list, ",", &save); t && nn < 256; t = strtok_r(NULL, ",", &save))
            names[nn++] = t;
    } else {
        for (int i = 0; i < kigen_output_count(rs) && nn < 256; i++)
            names[nn++] = kigen_output_name(rs, i);
    }
    for (int k = 0; k < nn; k++) {
        kigen_value v;
        const char *name = names[k];
        if (kigen_get_by_name(c, name, &v) != KIGEN_OK)
            continue;
        json_object_set_new(outs, name, value_json(&v));
        if (v.type == KIGEN_T_ERROR) {
            if (!errs)
                errs = json_object();
            char reason[2048];
            snprintf(reason, sizeof reason, "%.*s", (int)v.u.str.len, v.u.str.ptr);
            json_object_set_new(errs, name, text_json(reason));
        }
        int oi = kigen_output_index(rs, name);
        const char *m = msgs && oi >= 0 ? kigen_message(c, oi, o->lang ? o->lang : "en") : NULL;
        if (m)
            json_object_set_new(msgs, name, json_string(m));
    }
    json_object_set_new(res, "outputs", outs);
    if (msgs)
        json_object_set_new(res, "messages", msgs);
    if (errs)
        json_object_set_new(res, "output_errors", errs);
    json_object_set_new(res, "error", rc == KIGEN_OK ? json_null() : text_json(kigen_errmsg(c)));
    return res;
bad:
    if (fail_fast) {
        json_decref(res);
        serve_reply_error(r, 400, n, field, "record %ld: %s", n, why);
        return NULL;
    }
    json_object_set_new(res, "outputs", json_null());
    json_object_set_new(res, "error", text_json(why));
    if (field)
        json_object_set_new(res, "field", text_json(field));
    return res;
}

/* ---- bodies ----------------------------------------------------------------------------------- */

/* A UTF-8 byte order mark before a body (as Windows tools write one) is
 * not part of it: kigen eval skips one too. */
static void skip_bom(const char **body, size_t *len)
{
    if (*len >= 3 && memcmp(*body, "\xEF\xBB\xBF", 3) == 0) {
        *body += 3;
        *len -= 3;
    }
}

static const char *skip_space(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

/* One JSON object (a single record) in body: it, else NULL with r filled. */
static json_t *single(const char *body, size_t len, serve_reply *r)
{
    json_error_t e;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &e);
    if (!j)
        serve_reply_error(r, 400, 1, NULL, "the body is not one JSON object: %s (line %d, column %d)", e.text,
                          e.line, e.column);
    else if (!json_is_object(j)) {
        json_decref(j);
        j = NULL;
        serve_reply_error(r, 400, 1, NULL, "the body must be one JSON object of facts");
    }
    return j;
}

/* ---- batches, streamed ------------------------------------------------------------------- */

/* A batch's reply is written as the client reads it: one record evaluated
 * per result sent, on a context of the batch's own (the worker's cached
 * one may serve another connection between two chunks). */
struct serve_stream {
    kigen_ctx *c;
    serve_opts o; /* its texts belong to the connection, which outlives the reply */
    char *body;   /* a copy of the request's */
    size_t len;
    json_t *arr;          /* a JSON array batch, else JSON Lines */
    size_t index;         /* the array's next element */
    const char *line;     /* the next line */
    long n;               /* results written */
    bool started, closed; /* "[" written; "]" written (or nothing more to write) */
    char *chunk;
    size_t clen, coff;
};

void serve_stream_free(void *cls)
{
    serve_stream *st = cls;
    if (!st)
        return;
    kigen_ctx_free(st->c);
    json_decref(st->arr);
    free(st->body);
    free(st->chunk);
    free(st);
}

/* The next piece of the reply into st->chunk; false when there is none. */
static bool next_chunk(serve_stream *st)
{
    free(st->chunk);
    st->chunk = NULL;
    st->clen = st->coff = 0;
    json_t *res = NULL;
    bool record = false; /* a record was taken: a result must be written */
    const char *pre = "", *post = "\n";
    if (st->arr) {
        if (!st->started) {
            st->started = true;
            st->chunk = strdup("[");
        } else if (st->index < json_array_size(st->arr)) {
            pre = st->index ? "," : "";
            post = "";
            res = one_record(st->c, json_array_get(st->arr, st->index), (long)st->index + 1, &st->o, false,
                             NULL);
            st->index++;
            record = true;
        } else if (!st->closed) {
            st->closed = true;
            st->chunk = strdup("]\n");
        } else {
            return false;
        }
    } else {
        const char *end = st->body + st->len;
        while (st->line < end) {
            const char *eol = memchr(st->line, '\n', (size_t)(end - st->line));
            const char *stop = eol ? eol : end, *from = st->line;
            st->line = eol ? eol + 1 : end;
            if (skip_space(from, stop) == stop)
                continue; /* a blank line is no record */
            json_error_t e;
            long n = st->n + 1;
            json_t *obj = json_loadb(from, (size_t)(stop - from), JSON_REJECT_DUPLICATES, &e);
            res = obj ? one_record(st->c, obj, n, &st->o, false, NULL)
                      : json_pack("{s:I,s:n,s:o}", "record", (json_int_t)n, "outputs", "error",
                                  text_json(e.text));
            json_decref(obj);
            record = true;
            break;
        }
        if (!record)
            return false;
    }
    if (record) {
        /* a result for every record, even when it cannot be made */
        char *s = res ? json_dumps(res, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        if (!s) {
            char fallback[128];
            snprintf(fallback, sizeof fallback,
                     "{\"record\":%ld,\"outputs\":null,\"error\":\"out of memory\"}", st->n + 1);
            s = strdup(fallback);
        }
        json_decref(res);
        st->n++;
        size_t k = s ? strlen(s) : 0;
        st->chunk = malloc(k + 3);
        if (st->chunk)
            snprintf(st->chunk, k + 3, "%s%s%s", pre, s ? s : "", post);
        free(s);
    }
    if (!st->chunk)
        return false; /* out of memory: the reply ends short, and the client sees it is not whole */
    st->clen = strlen(st->chunk);
    return true;
}

ssize_t serve_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    serve_stream *st = cls;
    while (st->coff == st->clen)
        if (!next_chunk(st))
            return -1; /* MHD_CONTENT_READER_END_OF_STREAM */
    size_t k = st->clen - st->coff < max ? st->clen - st->coff : max;
    memcpy(buf, st->chunk + st->coff, k);
    st->coff += k;
    return (ssize_t)k;
}

/* A batch: counted and checked whole first (a 413 or 400 must come before
 * the first result), then streamed. */
static void batch(const serve_pack *p, const serve_opts *o, const char *body, size_t len, bool array,
                  long max_records, serve_reply *r)
{
    serve_stream *st = calloc(1, sizeof *st);
    long count = 0;
    if (!st || !(st->body = malloc(len + 1))) {
        free(st);
        serve_reply_error(r, 500, 0, NULL, "out of memory");
        return;
    }
    memcpy(st->body, body, len);
    st->body[len] = '\0';
    st->len = len;
    st->line = st->body;
    st->o = *o;
    if (array) {
        json_error_t e;
        st->arr = json_loadb(st->body, len, JSON_REJECT_DUPLICATES, &e);
        if (!st->arr || !json_is_array(st->arr)) {
            serve_reply_error(r, 400, 0, NULL, "the body is not a JSON array: %s (line %d, column %d)",
                              st->arr ? "another value" : e.text, e.line, e.column);
            serve_stream_free(st);
            return;
        }
        count = (long)json_array_size(st->arr);
    } else {
        for (const char *l = st->body, *end = l + len; l < end;) {
            const char *eol = memchr(l, '\n', (size_t)(end - l));
            const char *stop = eol ? eol : end;
            count += skip_space(l, stop) < stop;
            l = eol ? eol + 1 : end;
        }
    }
    if (count > max_records) {
        serve_reply_error(r, 413, 0, NULL, "%ld records; at most %ld in one request (--max-records)", count,
                          max_records);
        serve_stream_free(st);
        return;
    }
    if (kigen_ctx_new(p->rs, &st->c) != KIGEN_OK) {
        serve_reply_error(r, 500, 0, NULL, "cannot make an evaluation context");
        serve_stream_free(st);
        return;
    }
    if (!apply_opts(st->c, &st->o, r)) {
        serve_stream_free(st);
        return;
    }
    r->status = 200;
    r->type = array ? "application/json" : "application/x-ndjson";
    r->stream = st;
    r->records = count;
}

void serve_eval(const serve_pack *p, const serve_opts *o, const char *body, size_t len, long max_records,
                serve_reply *r)
{
    skip_bom(&body, &len);
    const char *end = body + len, *first = skip_space(body, end);
    const char *nl = first < end ? memchr(first, '\n', (size_t)(end - first)) : NULL;
    if (first < end && *first == '[') {
        batch(p, o, body, len, true, max_records, r);
        return;
    }
    if (nl && skip_space(nl, end) < end) { /* more than one line: JSON Lines */
        batch(p, o, body, len, false, max_records, r);
        return;
    }
    kigen_ctx *c = thread_ctx(p->rs, false);
    if (!c) {
        serve_reply_error(r, 500, 0, NULL, "cannot make an evaluation context");
        return;
    }
    if (apply_opts(c, o, r)) {
        json_t *obj = single(body, len, r);
        json_t *res = obj ? one_record(c, obj, 1, o, true, r) : NULL;
        if (res) {
            r->records = 1;
            serve_reply_json(r, 200, res);
        }
        json_decref(obj);
    }
    unapply_opts(c, o);
}

void serve_explain(const serve_pack *p, const serve_opts *o, const char *body, size_t len, serve_reply *r)
{
    skip_bom(&body, &len);
    kigen_ctx *c = thread_ctx(p->rs, true);
    if (!c) {
        serve_reply_error(r, 500, 0, NULL, "cannot make an evaluation context");
        return;
    }
    json_t *obj = single(body, len, r);
    serve_opts all = *o;
    all.outputs = NULL; /* the explanation reads every value it needs */
    if (obj && apply_opts(c, &all, r)) {
        char why[2048];
        const char *field = NULL;
        if (!apply_record(c, obj, why, sizeof why, &field)) {
            serve_reply_error(r, 400, 1, field, "record 1: %s", why);
        } else {
            (void)kigen_eval(c);
            const char *j = kigen_explain_json(c, o->name);
            if (!j) {
                serve_reply_error(r, 400, 0, "name", "%s", kigen_errmsg(c));
            } else {
                r->status = 200;
                r->type = "application/json";
                r->body = strdup(j);
                r->len = r->body ? strlen(r->body) : 0;
                r->records = 1;
                if (!r->body)
                    serve_reply_error(r, 500, 0, NULL, "out of memory");
            }
        }
    }
    json_decref(obj);
    unapply_opts(c, &all);
}

void serve_timeline(const serve_pack *p, const serve_opts *o, const char *body, size_t len, serve_reply *r)
{
    skip_bom(&body, &len);
    if (!p->layout) {
        serve_reply_error(r, 404, 0, NULL, "the pack %s has no timeline layout beside it", p->name);
        return;
    }
    kigen_ctx *c = thread_ctx(p->rs, false);
    json_t *obj = c ? single(body, len, r) : NULL;
    if (!c)
        serve_reply_error(r, 500, 0, NULL, "cannot make an evaluation context");
    serve_opts all = *o;
    all.outputs = NULL;
    tl_layout l;
    bool have_layout = false;
    if (obj && apply_opts(c, &all, r)) {
        char why[2048];
        const char *field = NULL;
        if (!apply_record(c, obj, why, sizeof why, &field)) {
            serve_reply_error(r, 400, 1, field, "record 1: %s", why);
        } else if (!(have_layout = tl_layout_read(&l, p->layout, NULL))) {
            serve_reply_error(r, 500, 0, NULL, "the timeline layout of %s does not load", p->name);
        } else {
            (void)kigen_eval(c);
            tl_chart ch = {0};
            bool ja = o->lang && strcmp(o->lang, "ja") == 0;
            ch.title = ja ? l.title.ja : l.title.en;
            ch.subtitle = "";
            ch.ja = ja;
            ch.today = o->today ? o->today : kg_clock_today_jst();
            cli_out out;
            out_open(&out, CLI_OUT_MEMORY);
            if (!tl_layout_check(&l, c) || !tl_chart_build(&ch, &l, c)) {
                serve_reply_error(r, 500, 0, NULL, "the timeline of %s cannot be drawn", p->name);
            } else {
                tl_render_svg(&ch, &out);
                r->status = 200;
                r->type = "image/svg+xml; charset=utf-8";
                r->body = out.buf; /* the buffer passes to the reply */
                r->len = out.len;
                r->records = 1;
                out.buf = NULL;
            }
            free(out.buf);
            tl_chart_free(&ch);
        }
    }
    if (have_layout)
        tl_layout_free(&l);
    json_decref(obj);
    if (c)
        unapply_opts(c, &all);
}
