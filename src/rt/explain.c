/* Explanations: why each value came out as it did — the inputs it read,
 * the case taken, each param version used (value and effective date), and
 * the citations. As text for people and as JSON for programs. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt/ctx.h"

/* Derivations are shown this many levels deep; a deeper input says so and
 * is explained by its own name. A rule set may chain thousands of rules:
 * the output stays readable and the recursion here stays bounded. */
#define KG_EXPLAIN_DEPTH 48

static const char *kind_label(const kigen_ctx *c, int slot)
{
    const kg_def *d = c->rs->slots[slot];
    if (d->kind == KIND_RULE)
        return "rule";
    if (c->given[slot])
        return "fact, given";
    if (d->deflt)
        return "fact, default";
    return "fact, not given";
}

static void fmt_val(const kg_val *v, char *buf, size_t n)
{
    if (v->t == VT_NONE)
        snprintf(buf, n, "(none)");
    else if (v->t == VT_ERR)
        snprintf(buf, n, "ERROR: %.*s", (int)v->len, v->u.s);
    else
        kg_val_format(v, buf, n);
}

static bool word_in(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = text; (p = strstr(p, word)) != NULL; p += n) {
        bool left = p == text || !((p[-1] >= 'A' && p[-1] <= 'Z') || (p[-1] >= '0' && p[-1] <= '9') ||
                                   (p[-1] >= 'a' && p[-1] <= 'z'));
        char r = p[n];
        bool right = !((r >= '0' && r <= '9') || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z'));
        if (left && right)
            return true;
    }
    return false;
}

static const char *case_text(const kg_case *kc)
{
    const kg_ynode *w = kg_ymap_get(kc->node, "when");
    return w ? w->text : NULL;
}

static void text_sources(kigen_ctx *c, const char *source, const char *ind);

static void text_param_lines(kigen_ctx *c, int slot, const char *ind)
{
    int max = c->rs->max_trace;
    for (int i = 0; i < c->ntrace[slot]; i++) {
        const kg_trace *t = &c->trace[(size_t)slot * (size_t)max + (size_t)i];
        const kg_def *p = c->rs->params[t->param];
        char at[16] = "", eff[16] = "", val[256];
        if (t->at)
            kigen_date_format_iso(t->at, at, sizeof at);
        if (t->version == -1) {
            fmt_val(&c->override[t->param], val, sizeof val);
            kg_buf_printf(&c->out, "%sparam %s = %s  (overridden for this run%s%s)\n", ind, p->name, val,
                          t->at ? "; looked up at " : "", at);
        } else if (t->version == -2) {
            kigen_date_format_iso(p->versions[0].eff, eff, sizeof eff);
            kg_buf_printf(&c->out, "%sparam %s has no value on %s (first effective date %s)\n", ind,
                          p->name, at, eff);
        } else if (!p->dated) {
            fmt_val(&p->versions[0].v, val, sizeof val);
            kg_buf_printf(&c->out, "%sparam %s = %s\n", ind, p->name, val);
        } else {
            fmt_val(&p->versions[t->version].v, val, sizeof val);
            kigen_date_format_iso(p->versions[t->version].eff, eff, sizeof eff);
            kg_buf_printf(&c->out, "%sparam %s = %s  (in effect from %s; looked up at %s)\n", ind, p->name,
                          val, eff, at);
        }
        if (p->source) {
            kg_buf_printf(&c->out, "%s    source: %s\n", ind, p->source);
            text_sources(c, p->source, ind);
        }
    }
}

static void text_sources(kigen_ctx *c, const char *source, const char *ind)
{
    for (int i = 0; i < c->rs->nsources; i++) {
        const kg_source *s = &c->rs->sources[i];
        if (word_in(source, s->id))
            kg_buf_printf(&c->out, "%s    %s: %s%s%s%s\n", ind, s->id, s->title ? s->title : "",
                          s->url ? " <" : "", s->url ? s->url : "", s->url ? ">" : "");
    }
}

static void text_node(kigen_ctx *c, int slot, int depth, unsigned char *seen)
{
    char ind[128];
    int w = depth * 4 < 120 ? depth * 4 : 120;
    memset(ind, ' ', (size_t)w);
    ind[w] = '\0';
    const kg_def *d = c->rs->slots[slot];
    char val[512];
    fmt_val(&c->vals[slot], val, sizeof val);
    if (seen[slot]) {
        kg_buf_printf(&c->out, "%s%s = %s  (see above)\n", ind, d->name, val);
        return;
    }
    seen[slot] = 1;
    kg_buf_printf(&c->out, "%s%s = %s  [%s]\n", ind, d->name, val, kind_label(c, slot));
    if (d->doc)
        kg_buf_printf(&c->out, "%s    %s\n", ind, d->doc);
    if (d->source) {
        kg_buf_printf(&c->out, "%s    source: %s\n", ind, d->source);
        text_sources(c, d->source, ind);
    }
    if (d->kind == KIND_RULE && d->ncases) {
        int k = c->case_taken[slot];
        if (k >= 0) {
            const kg_case *kc = &d->cases[k];
            const char *wt = case_text(kc);
            if (wt)
                kg_buf_printf(&c->out, "%s    case %d of %d taken: when %s\n", ind, k + 1, d->ncases, wt);
            else
                kg_buf_printf(&c->out, "%s    case %d of %d taken: otherwise (no earlier case held)\n",
                              ind, k + 1, d->ncases);
            if (kc->doc)
                kg_buf_printf(&c->out, "%s        %s\n", ind, kc->doc);
            if (kc->source)
                kg_buf_printf(&c->out, "%s        source: %s\n", ind, kc->source);
        }
    }
    char pind[140];
    snprintf(pind, sizeof pind, "%s    ", ind);
    text_param_lines(c, slot, pind);
    if (d->ndeps && depth + 1 >= KG_EXPLAIN_DEPTH) {
        kg_buf_printf(&c->out, "%s    (its %d input%s not shown this deep: explain '%s' for them)\n", ind,
                      d->ndeps, d->ndeps == 1 ? " is" : "s are", d->name);
        seen[slot] = 0; /* so that it can be explained again where it appears next */
        return;
    }
    for (int i = 0; i < d->ndeps; i++)
        text_node(c, d->deps[i], depth + 1, seen);
}

static unsigned char *seen_buf(kigen_ctx *c)
{
    return kg_arena_alloc(&c->scratch, (size_t)c->rs->nslots + 1);
}

static int find_slot(kigen_ctx *c, const char *name) { return kg_slot_of(c->rs, name); }

/* What both explain forms check first: explain was on during an
 * evaluation, and the name (when given) exists. Returns the "seen" marks
 * (NULL with c->err set on failure); *slot is -1 for all outputs. */
static unsigned char *prepare(kigen_ctx *c, const char *name, int *slot)
{
    kg_buf_clear(&c->out);
    if (!c->explain || !c->evaluated) {
        kg_ctx_err(c, "%s",
                 !c->explain ? "explain is off: call kigen_set_explain before kigen_eval"
                             : "nothing to explain: call kigen_eval first");
        return NULL;
    }
    *slot = name ? find_slot(c, name) : -1;
    if (name && *slot < 0) {
        kg_ctx_err(c, "no rule or fact named '%s'", name);
        return NULL;
    }
    unsigned char *seen = seen_buf(c);
    if (!seen)
        kg_ctx_err(c, "out of memory");
    return seen;
}

const char *kigen_explain_text(kigen_ctx *c, const char *name)
{
    int slot;
    unsigned char *seen = c ? prepare(c, name, &slot) : NULL;
    if (!seen)
        return NULL;
    if (slot >= 0) {
        text_node(c, slot, 0, seen);
    } else {
        for (int i = 0; i < c->rs->noutputs; i++) {
            text_node(c, c->rs->outputs[i], 0, seen);
            kg_buf_putc(&c->out, '\n');
        }
    }
    if (c->notes.n) {
        kg_buf_puts(&c->out, "notes from policy scripts:\n");
        for (size_t i = 0; i < c->notes.n; i++)
            kg_buf_printf(&c->out, "    - %s\n", (const char *)c->notes.v[i]);
    }
    return c->out.failed ? NULL : kg_buf_cstr(&c->out);
}

static json_t *json_val(const kg_val *v)
{
    char buf[512];
    switch (v->t) {
    case VT_NONE: return json_null();
    case VT_BOOL: return json_boolean(v->u.i);
    case VT_INT: return json_integer((json_int_t)v->u.i);
    case VT_ERR: return json_pack("{s:s%}", "error", v->u.s, (size_t)v->len);
    case VT_STR: return json_stringn(v->u.s, v->len);
    default:
        kg_val_format(v, buf, sizeof buf);
        return json_string(buf);
    }
}

/* The sources a `source:` text cites, with titles and URLs. */
static json_t *json_sources(kigen_ctx *c, const char *source)
{
    json_t *srcs = json_array();
    for (int i = 0; i < c->rs->nsources; i++) {
        const kg_source *s = &c->rs->sources[i];
        if (word_in(source, s->id))
            json_array_append_new(srcs, json_pack("{s:s, s:s?, s:s?}", "id", s->id, "title", s->title, "url", s->url));
    }
    return srcs;
}

static json_t *json_node(kigen_ctx *c, int slot, int depth, unsigned char *seen)
{
    const kg_def *d = c->rs->slots[slot];
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(d->name));
    json_object_set_new(o, "value", json_val(&c->vals[slot]));
    if (seen[slot]) {
        json_object_set_new(o, "see_above", json_true());
        return o;
    }
    seen[slot] = 1;
    json_object_set_new(o, "kind", json_string(kind_label(c, slot)));
    if (d->doc)
        json_object_set_new(o, "doc", json_string(d->doc));
    if (d->source) {
        json_object_set_new(o, "source", json_string(d->source));
        json_object_set_new(o, "sources", json_sources(c, d->source));
    }
    if (d->kind == KIND_RULE && d->ncases && c->case_taken[slot] >= 0) {
        const kg_case *kc = &d->cases[c->case_taken[slot]];
        json_t *cs = json_pack("{s:i, s:i}", "index", c->case_taken[slot] + 1, "of", d->ncases);
        const char *wt = case_text(kc);
        json_object_set_new(cs, "when", wt ? json_string(wt) : json_string("otherwise"));
        if (kc->doc)
            json_object_set_new(cs, "doc", json_string(kc->doc));
        if (kc->source)
            json_object_set_new(cs, "source", json_string(kc->source));
        json_object_set_new(o, "case", cs);
    }
    int max = c->rs->max_trace;
    if (c->ntrace[slot]) {
        json_t *ps = json_array();
        for (int i = 0; i < c->ntrace[slot]; i++) {
            const kg_trace *t = &c->trace[(size_t)slot * (size_t)max + (size_t)i];
            const kg_def *p = c->rs->params[t->param];
            json_t *po = json_object();
            char buf[16];
            json_object_set_new(po, "name", json_string(p->name));
            if (t->at) {
                kigen_date_format_iso(t->at, buf, sizeof buf);
                json_object_set_new(po, "looked_up_at", json_string(buf));
            }
            if (t->version == -1) {
                json_object_set_new(po, "value", json_val(&c->override[t->param]));
                json_object_set_new(po, "overridden", json_true());
            } else if (t->version >= 0) {
                json_object_set_new(po, "value", json_val(&p->versions[t->version].v));
                if (p->dated) {
                    kigen_date_format_iso(p->versions[t->version].eff, buf, sizeof buf);
                    json_object_set_new(po, "effective_from", json_string(buf));
                }
            } else {
                json_object_set_new(po, "value", json_null());
                json_object_set_new(po, "error", json_string("no value before the first effective date"));
            }
            if (p->source) {
                json_object_set_new(po, "source", json_string(p->source));
                json_object_set_new(po, "sources", json_sources(c, p->source));
            }
            json_array_append_new(ps, po);
        }
        json_object_set_new(o, "params", ps);
    }
    if (d->ndeps && depth + 1 >= KG_EXPLAIN_DEPTH) {
        /* as in text: a derivation deeper than this is explained by name */
        json_object_set_new(o, "inputs_not_shown", json_integer(d->ndeps));
        seen[slot] = 0;
    } else if (d->ndeps) {
        json_t *in = json_array();
        for (int i = 0; i < d->ndeps; i++)
            json_array_append_new(in, json_node(c, d->deps[i], depth + 1, seen));
        json_object_set_new(o, "inputs", in);
    }
    return o;
}

const char *kigen_explain_json(kigen_ctx *c, const char *name)
{
    int slot;
    unsigned char *seen = c ? prepare(c, name, &slot) : NULL;
    if (!seen)
        return NULL;
    json_t *root;
    if (slot >= 0) {
        root = json_node(c, slot, 0, seen);
    } else {
        json_t *outs = json_array();
        for (int i = 0; i < c->rs->noutputs; i++)
            json_array_append_new(outs, json_node(c, c->rs->outputs[i], 0, seen));
        json_t *notes = json_array();
        for (size_t i = 0; i < c->notes.n; i++)
            json_array_append_new(notes, json_string((const char *)c->notes.v[i]));
        root = json_pack("{s:o, s:o}", "outputs", outs, "notes", notes);
    }
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!s)
        return NULL;
    kg_buf_puts(&c->out, s);
    free(s);
    return c->out.failed ? NULL : kg_buf_cstr(&c->out);
}
