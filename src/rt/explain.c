/* Explanations: why each value came out as it did — the inputs it read,
 * the case taken, each param version used (value and effective date), and
 * the citations. As text for people and as JSON for programs. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
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

/* Text from outside — a record's strings, a script's notes, a rule file's
 * docs and titles — is written escaped as kigen's messages are
 * (base/text.h), so that a control character cannot forge a line or move
 * a terminal's cursor, and whole: nothing is cut. A doc's own line breaks
 * are kept, continued under `indent`; with indent NULL they are escaped. */
static void put_text(kigen_ctx *c, const char *s, size_t n, const char *indent)
{
    for (size_t i = 0;;) {
        size_t j = i;
        if (indent)
            while (j < n && s[j] != '\n')
                j++;
        else
            j = n;
        size_t need = kg_escape_line(NULL, 0, s + i, j - i);
        char small[512], *tmp = need < sizeof small ? small : malloc(need + 1);
        if (!tmp) {
            kg_buf_puts(&c->out, "[out of memory]");
            return;
        }
        kg_escape_line(tmp, need + 1, s + i, j - i);
        kg_buf_put(&c->out, tmp, need);
        if (tmp != small)
            free(tmp);
        if (j >= n)
            return;
        kg_buf_putc(&c->out, '\n');
        kg_buf_puts(&c->out, indent);
        i = j + 1;
    }
}

static void put_str(kigen_ctx *c, const char *s)
{
    put_text(c, s, strlen(s), NULL);
}

/* A value, whole: strings and error messages escaped, never cut. */
static void put_val(kigen_ctx *c, const kg_val *v)
{
    char buf[64];
    if (v->t == VT_NONE) {
        kg_buf_puts(&c->out, "(none)");
    } else if (v->t == VT_ERR) {
        kg_buf_puts(&c->out, "ERROR: ");
        put_text(c, v->u.s, v->len, NULL);
    } else if (v->t == VT_STR) {
        put_text(c, v->u.s, v->len, NULL);
    } else {
        kg_val_format(v, buf, sizeof buf);
        kg_buf_puts(&c->out, buf);
    }
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
        char at[16] = "", eff[16] = "";
        if (t->at)
            kigen_date_format_iso(t->at, at, sizeof at);
        if (t->version == -2) {
            kigen_date_format_iso(p->versions[0].eff, eff, sizeof eff);
            kg_buf_printf(&c->out, "%sparam %s has no value on %s (first effective date %s)\n", ind, p->name,
                          at, eff);
        } else {
            kg_buf_printf(&c->out, "%sparam %s = ", ind, p->name);
            if (t->version == -1) {
                put_val(c, &c->override[t->param]);
                kg_buf_printf(&c->out, "  (overridden for this run%s%s)\n", t->at ? "; looked up at " : "",
                              at);
            } else if (!p->dated) {
                put_val(c, &p->versions[0].v);
                kg_buf_putc(&c->out, '\n');
            } else {
                put_val(c, &p->versions[t->version].v);
                kigen_date_format_iso(p->versions[t->version].eff, eff, sizeof eff);
                kg_buf_printf(&c->out, "  (in effect from %s; looked up at %s)\n", eff, at);
            }
        }
        if (p->source) {
            kg_buf_printf(&c->out, "%s    source: ", ind);
            put_str(c, p->source);
            kg_buf_putc(&c->out, '\n');
            text_sources(c, p->source, ind);
        }
    }
}

static void text_sources(kigen_ctx *c, const char *source, const char *ind)
{
    for (int i = 0; i < c->rs->nsources; i++) {
        const kg_source *s = &c->rs->sources[i];
        if (word_in(source, s->id)) {
            kg_buf_printf(&c->out, "%s    ", ind);
            put_str(c, s->id);
            kg_buf_puts(&c->out, ": ");
            put_str(c, s->title ? s->title : "");
            if (s->url) {
                kg_buf_puts(&c->out, " <");
                put_str(c, s->url);
                kg_buf_putc(&c->out, '>');
            }
            kg_buf_putc(&c->out, '\n');
        }
    }
}

static void text_node(kigen_ctx *c, int slot, int depth, unsigned char *seen)
{
    char ind[128];
    int w = depth * 4 < 120 ? depth * 4 : 120;
    memset(ind, ' ', (size_t)w);
    ind[w] = '\0';
    const kg_def *d = c->rs->slots[slot];
    char ind4[132], ind8[136];
    snprintf(ind4, sizeof ind4, "%s    ", ind);
    snprintf(ind8, sizeof ind8, "%s        ", ind);
    kg_buf_printf(&c->out, "%s%s = ", ind, d->name);
    put_val(c, &c->vals[slot]);
    if (seen[slot]) {
        kg_buf_puts(&c->out, "  (see above)\n");
        return;
    }
    seen[slot] = 1;
    kg_buf_printf(&c->out, "  [%s]\n", kind_label(c, slot));
    if (d->doc) {
        kg_buf_puts(&c->out, ind4);
        put_text(c, d->doc, strlen(d->doc), ind4);
        kg_buf_putc(&c->out, '\n');
    }
    if (d->source) {
        kg_buf_printf(&c->out, "%ssource: ", ind4);
        put_str(c, d->source);
        kg_buf_putc(&c->out, '\n');
        text_sources(c, d->source, ind);
    }
    if (d->kind == KIND_RULE && d->ncases) {
        int k = c->case_taken[slot];
        if (k >= 0) {
            const kg_case *kc = &d->cases[k];
            const char *wt = case_text(kc);
            if (wt) {
                kg_buf_printf(&c->out, "%s    case %d of %d taken: when ", ind, k + 1, d->ncases);
                put_str(c, wt);
                kg_buf_putc(&c->out, '\n');
            } else {
                kg_buf_printf(&c->out, "%s    case %d of %d taken: otherwise (no earlier case held)\n", ind,
                              k + 1, d->ncases);
            }
            if (kc->doc) {
                kg_buf_puts(&c->out, ind8);
                put_text(c, kc->doc, strlen(kc->doc), ind8);
                kg_buf_putc(&c->out, '\n');
            }
            if (kc->source) {
                kg_buf_printf(&c->out, "%ssource: ", ind8);
                put_str(c, kc->source);
                kg_buf_putc(&c->out, '\n');
            }
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

static int find_slot(kigen_ctx *c, const char *name)
{
    return kg_slot_of(c->rs, name);
}

/* What both explain forms check first: explain was on during an
 * evaluation, and the name (when given) exists. Returns the "seen" marks
 * (NULL with c->err set on failure); *slot is -1 for all outputs. */
static unsigned char *prepare(kigen_ctx *c, const char *name, int *slot)
{
    kg_buf_clear(&c->out);
    /* what is explained is the last evaluation, so it must have been made
     * with explain on (turning it on afterwards explains nothing) */
    if (!c->explained || !c->evaluated || c->stale) {
        kg_ctx_err(c, "%s",
                   c->evaluated && !c->stale && !c->explained
                       ? "explain is off: call kigen_set_explain before kigen_eval"
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
        for (size_t i = 0; i < c->notes.n; i++) {
            kg_buf_puts(&c->out, "    - ");
            put_str(c, (const char *)c->notes.v[i]);
            kg_buf_putc(&c->out, '\n');
        }
    }
    return c->out.failed ? NULL : kg_buf_cstr(&c->out);
}

/* A JSON string that is never NULL: text that is not UTF-8 (which jansson
 * refuses, and a NULL would make the key vanish) is written escaped. */
static json_t *json_text(const char *s, size_t n)
{
    json_t *j = json_stringn(s, n);
    if (j)
        return j;
    size_t need = kg_escape_line(NULL, 0, s, n);
    char *tmp = malloc(need + 1);
    if (!tmp)
        return json_string("[out of memory]");
    kg_escape_line(tmp, need + 1, s, n);
    j = json_stringn(tmp, need);
    free(tmp);
    return j ? j : json_string("[not text]");
}

static json_t *json_str(const char *s)
{
    return json_text(s, strlen(s));
}

static json_t *json_val(const kg_val *v)
{
    char buf[512];
    switch (v->t) {
    case VT_NONE: return json_null();
    case VT_BOOL: return json_boolean(v->u.i);
    case VT_INT: return json_integer((json_int_t)v->u.i);
    case VT_ERR: return json_pack("{s:o}", "error", json_text(v->u.s, v->len));
    case VT_STR: return json_text(v->u.s, v->len);
    default: kg_val_format(v, buf, sizeof buf); return json_string(buf);
    }
}

/* The sources a `source:` text cites, with titles and URLs. */
static json_t *json_sources(kigen_ctx *c, const char *source)
{
    json_t *srcs = json_array();
    for (int i = 0; i < c->rs->nsources; i++) {
        const kg_source *s = &c->rs->sources[i];
        if (word_in(source, s->id))
            json_array_append_new(
                srcs, json_pack("{s:s, s:s?, s:s?}", "id", s->id, "title", s->title, "url", s->url));
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
        json_object_set_new(o, "doc", json_str(d->doc));
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
        /* the record's notes go with one value too (they say why a hook's
         * value is what it is); a record without notes has no key */
        if (root && c->notes.n) {
            json_t *notes = json_array();
            for (size_t i = 0; i < c->notes.n; i++)
                json_array_append_new(notes, json_str((const char *)c->notes.v[i]));
            json_object_set_new(root, "notes", notes);
        }
    } else {
        json_t *outs = json_array();
        for (int i = 0; i < c->rs->noutputs; i++)
            json_array_append_new(outs, json_node(c, c->rs->outputs[i], 0, seen));
        json_t *notes = json_array();
        for (size_t i = 0; i < c->notes.n; i++)
            json_array_append_new(notes, json_str((const char *)c->notes.v[i]));
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
