/* Fuzz what kigen serve does with a request body: one record, a JSON array
 * or JSON Lines to POST /v1/eval, one record to /v1/explain and
 * /v1/timeline, with options from the first byte (language, messages, an
 * output selection, a param override). Every reply must be a status; a
 * streamed batch is read to its end and must hold a result per record. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/serve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static serve_gen *g;
    static const char *const rules[] = {KIGEN_SOURCE_DIR "/rules/jp/mynumber.yaml"};
    if (!g && !(g = serve_gen_load(rules, 1, 1, NULL)))
        abort(); /* the pack itself must load */
    unsigned pick = size ? data[0] : 0;
    const char *body = size ? (const char *)data + 1 : "";
    size_t len = size ? size - 1 : 0;
    serve_opts o = {0};
    o.lang = pick & 1 ? "ja" : "en";
    o.messages = pick & 2;
    o.today = 740000;
    if (pick & 4)
        o.outputs = "card_expiry,card_status";
    if (pick & 8) {
        o.param_names[0] = "age_line_keyed_on";
        o.param_values[0] = pick & 16 ? "issue_date" : "not_a_reading";
        o.nparams = 1;
    }
    serve_reply r = {0};
    switch ((pick >> 5) % 4) {
    case 0:
    case 1: serve_eval(&g->packs[0], &o, body, len, 100, &r); break;
    case 2:
        o.name = pick & 4 ? "card_expiry" : NULL;
        serve_explain(&g->packs[0], &o, body, len, &r);
        break;
    default: serve_timeline(&g->packs[0], &o, body, len, &r); break;
    }
    if (r.status < 200 || r.status > 599 || (r.status == 200 && !r.body && !r.stream))
        abort();
    if (r.stream) { /* a batch: read it as a client would, and count its results */
        char buf[4096];
        long lines = 0, n;
        bool array = false, first = true;
        while ((n = (long)serve_stream_read(r.stream, 0, buf, sizeof buf)) > 0) {
            if (first)
                array = buf[0] == '[';
            first = false;
            for (long i = 0; i < n; i++)
                lines += buf[i] == '\n';
        }
        serve_stream_free(r.stream);
        /* JSON Lines: a line per record; an array ends with one line */
        if (lines != (array ? 1 : r.records))
            abort();
    }
    free(r.body);
    return 0;
}
