/* kigen_describe_json: what a rule set asks for and gives, as data — the
 * facts a record may carry (type, choices, aliases, default, range, doc),
 * the params with every dated version (the readings a user may switch to
 * are an enum param's choices), and the outputs with their message
 * outcomes. `kigen describe`, `kigen describe --template` and a server's
 * GET /v1/packs/{pack} print it; an editor or a form generator reads it. */
#include <jansson.h>
#include <string.h>

#include "kigen.h"
#include "model/ruleset.h"
#include "model/types.h"

/* json_object_set_new that tolerates a NULL value (out of memory is
 * caught once, at the end, by the dump failing or a missing key). */
static void put(json_t *o, const char *k, json_t *v)
{
    if (v)
        json_object_set_new(o, k, v);
}

static void put_text(json_t *o, const char *k, const char *s)
{
    if (s && *s)
        put(o, k, json_string(s));
}

/* The type's kind; an enum's values go in "choices". */
static json_t *type_json(kg_type ty)
{
    char buf[64];
    return json_string(ty.k == TK_ENUM ? "enum" : kg_type_name(ty, buf, sizeof buf));
}

static void put_choices(json_t *o, const kg_def *d)
{
    if (d->ty.k == TK_ENUM && d->ty.set) {
        json_t *a = json_array();
        for (int i = 0; a && i < d->ty.set->n; i++)
            json_array_append_new(a, json_string(d->ty.set->names[i]));
        put(o, "choices", a);
        if (d->ty.set->nalias > 0) {
            json_t *m = json_object();
            for (int i = 0; m && i < d->ty.set->nalias; i++)
                put(m, d->ty.set->alias[i], json_string(d->ty.set->names[d->ty.set->alias_to[i]]));
            put(o, "choice_aliases", m);
        }
    }
    if (d->nint_choices > 0) {
        json_t *a = json_array();
        for (int i = 0; a && i < d->nint_choices; i++)
            json_array_append_new(a, json_integer(d->int_choices[i]));
        put(o, "choices", a);
    }
}

/* An array under k when it has elements (else dropped). */
static void put_nonempty(json_t *o, const char *k, json_t *arr)
{
    if (arr && json_array_size(arr) > 0)
        put(o, k, arr);
    else
        json_decref(arr);
}

/* What every definition shows first (name, type, choices) ... */
static json_t *def_head(const kg_def *d)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    put(o, "name", json_string(d->name));
    put(o, "type", type_json(d->ty));
    put_choices(o, d);
    return o;
}

/* ... and last (its doc and source). */
static void put_docs(json_t *o, const kg_def *d)
{
    put_text(o, "doc", d->doc);
    put_text(o, "source", d->source);
}

/* A fact's `min:`/`max:`: a param's name, or the value. */
static void put_bound(json_t *o, const char *k, const kg_val *v, const kg_def *from)
{
    if (from) {
        put(o, k, json_pack("{s:s}", "param", from->name));
        return;
    }
    if (v->t == VT_NONE)
        return;
    char buf[64];
    kg_val_format(v, buf, sizeof buf);
    put(o, k, v->t == VT_INT ? json_integer(v->u.i) : json_string(buf));
}

static json_t *fact_json(const kigen_ruleset *rs, int slot)
{
    const kg_def *d = rs->slots[slot];
    json_t *o = def_head(d);
    if (!o)
        return NULL;
    json_t *al = json_array();
    for (int i = 0; al && i < rs->naliases; i++)
        if (rs->alias_slots[i] == slot)
            json_array_append_new(al, json_string(rs->alias_names[i]));
    put_nonempty(o, "aliases", al);
    /* required: a record without it fails (unless nothing selected needs it) */
    put(o, "required", json_boolean(!d->optional && !d->deflt));
    if (d->deflt && d->deflt_src.text)
        put(o, "default", json_string(d->deflt_src.text));
    put_bound(o, "min", &d->min, d->min_from);
    put_bound(o, "max", &d->max, d->max_from);
    put_docs(o, d);
    return o;
}

static json_t *param_json(const kg_def *d)
{
    json_t *o = def_head(d);
    if (!o)
        return NULL;
    json_t *vs = json_array();
    for (int k = 0; vs && k < d->nversions; k++) {
        const kg_version *v = &d->versions[k];
        json_t *one = json_object();
        if (!one)
            break;
        if (d->dated) {
            char day[16];
            kigen_date_format_iso(v->eff, day, sizeof day);
            put(one, "from", json_string(day));
        }
        put(one, "value", json_string(v->text ? v->text : ""));
        json_array_append_new(vs, one);
    }
    put(o, "values", vs);
    put_docs(o, d);
    return o;
}

static json_t *output_json(const kigen_ruleset *rs, int slot)
{
    const kg_def *d = rs->slots[slot];
    json_t *o = def_head(d);
    if (!o)
        return NULL;
    json_t *m = json_array();
    for (int i = 0; m && i < rs->nmessages; i++)
        if (strcmp(rs->messages[i].rule, d->name) == 0)
            json_array_append_new(m, json_string(rs->messages[i].outcome));
    put_nonempty(o, "messages", m);
    if (d->hook_output)
        put(o, "set_by_policy", json_true());
    put_docs(o, d);
    return o;
}

static json_t *describe(const kigen_ruleset *rs)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    put_text(o, "name", rs->name);
    put_text(o, "title", rs->title);
    put_text(o, "file", rs->file);
    json_t *facts = json_array(), *params = json_array(), *outs = json_array(), *srcs = json_array();
    for (int i = 0; facts && i < rs->nfacts; i++)
        json_array_append_new(facts, fact_json(rs, i));
    for (int i = 0; params && i < rs->nparams; i++)
        json_array_append_new(params, param_json(rs->params[i]));
    for (int i = 0; outs && i < rs->noutputs; i++)
        json_array_append_new(outs, output_json(rs, rs->outputs[i]));
    for (int i = 0; srcs && i < rs->nsources; i++) {
        const kg_source *s = &rs->sources[i];
        json_t *one = json_object();
        if (!one)
            break;
        put_text(one, "id", s->id);
        put_text(one, "title", s->title);
        put_text(one, "url", s->url);
        put_text(one, "date", s->date);
        json_array_append_new(srcs, one);
    }
    put(o, "facts", facts);
    put(o, "params", params);
    put(o, "outputs", outs);
    put(o, "sources", srcs);
    return o;
}

struct sink {
    kigen_write_fn write;
    void *ud;
    int failed;
};

static int to_sink(const char *buf, size_t size, void *data)
{
    struct sink *s = data;
    if (s->failed || s->write(s->ud, buf, size) != 0)
        s->failed = 1;
    return s->failed ? -1 : 0;
}

int kigen_describe_json(const kigen_ruleset *rs, kigen_write_fn write, void *ud)
{
    if (!rs || !write)
        return KIGEN_EMISUSE;
    json_t *o = describe(rs);
    if (!o)
        return KIGEN_ENOMEM;
    struct sink s = {write, ud, 0};
    int rc = json_dump_callback(o, to_sink, &s, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (s.failed)
        return KIGEN_EIO;
    return rc == 0 && write(ud, "\n", 1) == 0 ? KIGEN_OK : KIGEN_ENOMEM;
}
