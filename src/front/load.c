/* Reading rule files: YAML tree -> definitions, with includes, layering
 * and precise errors. Nothing in a rule file is ignored: every key is
 * either understood or reported. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "front/load.h"
#include "front/parse.h"
#include "base/file.h"
#include "base/text.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ERR KIGEN_SEV_ERROR
#define WARN KIGEN_SEV_WARNING

static const kg_srcfile *F(const kg_ynode *n)
{
    return n ? n->file : NULL;
}

static void err_node(kg_loader *L, const char *code, const kg_ynode *n, const char *expected,
                     const char *hint, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void err_node(kg_loader *L, const char *code, const kg_ynode *n, const char *expected,
                     const char *hint, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    kg_diag(L->d, ERR, code, F(n), n ? n->off : KG_NOPOS, expected, hint, "%s", msg);
}

/* Report every key of `map` that is not in `allowed`. */
static void check_keys(kg_loader *L, const kg_ynode *map, const char *where, const char *const *allowed,
                       size_t n)
{
    for (size_t i = 0; i < map->n; i++) {
        const char *k = map->items[i]->text;
        bool ok = false;
        for (size_t j = 0; j < n && !ok; j++)
            ok = strcmp(k, allowed[j]) == 0;
        if (ok)
            continue;
        char expected[400];
        size_t used = 0;
        for (size_t j = 0; j < n && used < sizeof expected; j++)
            used += (size_t)snprintf(expected + used, sizeof expected - used, "%s%s",
                                     j ? ", " : "one of: ", allowed[j]);
        /* what other languages call it */
        static const char *const synonyms[][2] = {{"else", "otherwise"},  {"default", "otherwise"},
                                                  {"if", "when"},         {"expression", "value"},
                                                  {"description", "doc"}, {"ref", "source"}};
        const char *close = NULL;
        for (size_t s = 0; s < sizeof synonyms / sizeof synonyms[0] && !close; s++)
            for (size_t j = 0; j < n && !close; j++)
                if (strcmp(k, synonyms[s][0]) == 0 && strcmp(allowed[j], synonyms[s][1]) == 0)
                    close = allowed[j];
        if (!close)
            close = kg_closest(k, allowed, n);
        char hint[400];
        if (close)
            snprintf(hint, sizeof hint, "did you mean '%s'?", close);
        /* An expression YAML split: `{value: f(a, 3, eom: clamp)}` gives keys
         * '3' and 'eom'. Say so rather than guess a key. */
        for (size_t j = 0; j < map->n; j++) {
            const kg_ynode *v = map->vals[j];
            int depth = 0;
            for (size_t b = 0; v && v->kind == KG_Y_SCALAR && b < v->len; b++)
                depth += v->text[b] == '(' ? 1 : v->text[b] == ')' ? -1 : 0;
            if (depth > 0) {
                snprintf(hint, sizeof hint,
                         "YAML split the expression of '%s' at a ',' or ': ': quote the whole expression, "
                         "%s: \"f(a, after: d)\", or write it as a block scalar (%s: > and the expression on "
                         "the next line)",
                         map->items[j]->text, map->items[j]->text, map->items[j]->text);
                close = hint;
                break;
            }
        }
        err_node(L, "E0102", map->items[i], expected, close ? hint : NULL, "unknown key '%s' in %s", k,
                 where);
    }
}

static bool want_kind(kg_loader *L, const kg_ynode *n, kg_ykind kind, const char *what)
{
    if (n && n->kind == kind)
        return true;
    const char *kn = kind == KG_Y_MAP ? "a mapping" : kind == KG_Y_SEQ ? "a list" : "a single value";
    err_node(L, "E0101", n, kn, NULL, "%s must be %s, not a %s", what, kn, kg_ykind_name(n));
    return false;
}

static const char *scalar_text(kg_loader *L, const kg_ynode *n, const char *what)
{
    if (!n)
        return NULL;
    if (!want_kind(L, n, KG_Y_SCALAR, what))
        return NULL;
    return n->text;
}

static bool parse_bool_node(kg_loader *L, const kg_ynode *n, const char *what, bool *out)
{
    const char *t = scalar_text(L, n, what);
    if (!t)
        return false;
    if (n->style == KG_YS_PLAIN && strcmp(t, "true") == 0)
        *out = true;
    else if (n->style == KG_YS_PLAIN && strcmp(t, "false") == 0)
        *out = false;
    else {
        err_node(L, "E0121", n, "true or false", NULL, "%s must be true or false, not '%s'", what, t);
        return false;
    }
    return true;
}

kg_def *kg_loader_find(kg_loader *L, const char *name)
{
    return kg_symtab_get(&L->syms, name, strlen(name));
}

static void remember(kg_loader *L, kg_def *d)
{
    if (!kg_symtab_put(&L->syms, d->name, strlen(d->name), d))
        L->a->failed = true; /* reported as E0001 */
}

static const char *kind_name(kg_kind k)
{
    return k == KIND_FACT ? "fact" : k == KIND_PARAM ? "param" : "rule";
}

/* Add a definition, enforcing the layering rules: a name defined by an
 * included file may be replaced only by a definition marked override. */
static void add_def(kg_loader *L, kg_def *d)
{
    kg_def *old = kg_loader_find(L, d->name);
    if (old && !d->override) {
        char hint[200];
        snprintf(hint, sizeof hint, "to replace it in this layer, add 'override: true'");
        err_node(L, "E0111", d->node, NULL, hint, "'%s' is already defined as a %s at %s:%d", d->name,
                 kind_name(old->kind), old->file ? old->file->name : "?", old->node ? old->node->line : 0);
        return;
    }
    if (!old && d->override) {
        err_node(L, "E0112", d->node, "the name of a definition in an included file", NULL,
                 "'%s' is marked override, but no included file defines it", d->name);
        d->override = false;
    }
    if (old && old->kind != d->kind) {
        err_node(L, "E0112", d->node, NULL, NULL, "override of '%s' changes it from a %s to a %s", d->name,
                 kind_name(old->kind), kind_name(d->kind));
        return;
    }
    if (old) {
        for (size_t i = 0; i < L->defs.n; i++)
            if (L->defs.v[i] == old)
                L->defs.v[i] = d;
        remember(L, d);
        return;
    }
    if (!kg_vec_push(&L->defs, &L->rs->mem, d))
        L->a->failed = true;
    remember(L, d);
}

kg_def *kg_loader_add_hook_output(kg_loader *L, const char *name, kg_type ty, const char *doc,
                                  const kg_ynode *where)
{
    kg_def *old = kg_loader_find(L, name);
    if (old) {
        err_node(L, "E0111", where, NULL, NULL,
                 "policy script output '%s' is already defined as a %s at %s:%d", name, kind_name(old->kind),
                 old->file ? old->file->name : "?", old->node ? old->node->line : 0);
        return NULL;
    }
    if (!kg_is_ident(name, strlen(name))) {
        err_node(L, "E0110", where, "a name of letters, digits and _", NULL,
                 "policy script output '%s' is not a valid name", name);
        return NULL;
    }
    kg_def *d = kg_arena_alloc(L->a, sizeof *d);
    if (!d)
        return NULL;
    d->kind = KIND_RULE;
    d->name = kg_arena_strdup(L->a, name);
    d->doc = doc ? kg_arena_strdup(L->a, doc) : NULL;
    d->source = "policy script";
    d->ty = ty;
    d->declared_type = true;
    d->hook_output = true;
    d->node = where;
    d->file = where ? where->file : NULL;
    if (!kg_vec_push(&L->defs, &L->rs->mem, d)) {
        L->a->failed = true;
        return NULL;
    }
    remember(L, d);
    return d;
}

static const char *const type_names[] = {"date", "integer", "boolean", "string", "enum", "duration"};

static bool parse_type(kg_loader *L, const kg_ynode *n, const kg_ynode *choices, kg_type *out)
{
    const char *t = scalar_text(L, n, "type");
    if (!t)
        return false;
    if (strcmp(t, "date") == 0)
        *out = kg_type_make(TK_DATE);
    else if (strcmp(t, "integer") == 0)
        *out = kg_type_make(TK_INT);
    else if (strcmp(t, "boolean") == 0)
        *out = kg_type_make(TK_BOOL);
    else if (strcmp(t, "string") == 0)
        *out = kg_type_make(TK_STRING);
    else if (strcmp(t, "duration") == 0) {
        err_node(L, "E0120", n, "date, integer, boolean, string or enum", NULL,
                 "facts and params cannot be durations; give a number and use it with a unit");
        return false;
    } else if (strcmp(t, "enum") == 0) {
        if (!choices) {
            err_node(L, "E0103", n, "choices: [a, b, ...]", NULL, "an enum needs its 'choices' listed");
            return false;
        }
        if (!want_kind(L, choices, KG_Y_SEQ, "choices") || choices->n == 0) {
            if (choices->kind == KG_Y_SEQ)
                err_node(L, "E0120", choices, "at least one choice", NULL, "the list of choices is empty");
            return false;
        }
        kg_enumset *s = kg_arena_alloc(L->a, sizeof *s);
        const char **names = kg_arena_alloc(L->a, sizeof(char *) * choices->n);
        if (!s || !names)
            return false;
        for (size_t i = 0; i < choices->n; i++) {
            const char *c = scalar_text(L, choices->items[i], "a choice");
            if (!c)
                return false;
            if (!kg_is_ident(c, strlen(c))) {
                err_node(L, "E0110", choices->items[i], "a name: letters, digits and _", NULL,
                         "'%s' is not a valid choice name", c);
                return false;
            }
            names[i] = c;
        }
        if (choices->n > INT32_MAX / 2) {
            err_node(L, "E0120", choices, NULL, NULL, "too many choices");
            return false;
        }
        s->names = names;
        s->n = (int)choices->n;
        /* One index finds repeats now and values later, in constant time. */
        kg_nameidx *ix = kg_nameidx_build(L->a, names, choices->n);
        if (!ix)
            return false;
        for (size_t i = 0; i < choices->n; i++)
            if (kg_nameidx_find(ix, names[i], strlen(names[i])) != (int)i)
                err_node(L, "E0104", choices->items[i], NULL, NULL, "choice '%s' is listed twice", names[i]);
        if (choices->n > 8)
            s->index = ix;
        out->k = TK_ENUM;
        out->set = s;
    } else {
        static const char *const other_names[][2] = {{"bool", "boolean"},   {"int", "integer"},
                                                     {"number", "integer"}, {"str", "string"},
                                                     {"text", "string"},    {"datetime", "date"}};
        const char *close = NULL;
        for (size_t k = 0; k < sizeof other_names / sizeof other_names[0] && !close; k++)
            if (strcmp(t, other_names[k][0]) == 0)
                close = other_names[k][1];
        if (!close)
            close = kg_closest(t, type_names, 6);
        char hint[100];
        if (close)
            snprintf(hint, sizeof hint, "did you mean '%s'?", close);
        err_node(L, "E0120", n, "date, integer, boolean, string or enum", close ? hint : NULL,
                 "unknown type '%s'", t);
        return false;
    }
    if (choices && out->k != TK_ENUM && out->k != TK_INT)
        err_node(L, "E0102", choices, NULL, NULL, "'choices' belongs to types enum and integer only");
    return true;
}

/* `type: integer, choices: [6, 5]`: the readings a param may take. */
static void int_choices(kg_loader *L, kg_def *d, const kg_ynode *choices)
{
    if (!choices || d->ty.k != TK_INT || !want_kind(L, choices, KG_Y_SEQ, "choices"))
        return;
    if (choices->n == 0) {
        err_node(L, "E0120", choices, "at least one choice", NULL, "the list of choices is empty");
        d->broken = true;
        return;
    }
    int64_t *v = kg_arena_alloc(L->a, sizeof *v * choices->n);
    if (!v)
        return;
    for (size_t i = 0; i < choices->n; i++) {
        kg_val x;
        char err[300];
        const kg_ynode *c = choices->items[i];
        if (!want_kind(L, c, KG_Y_SCALAR, "a choice") ||
            kg_val_parse(L->a, d->ty, c->text, c->len, &x, err, sizeof err) != KIGEN_OK) {
            if (c->kind == KG_Y_SCALAR)
                err_node(L, "E0132", c, "an integer", NULL, "choice '%s' is not an integer: %s", c->text,
                         err);
            d->broken = true;
            return;
        }
        for (size_t j = 0; j < i; j++)
            if (v[j] == x.u.i)
                err_node(L, "E0104", c, NULL, NULL, "choice %s is listed twice", c->text);
        v[i] = x.u.i;
    }
    d->int_choices = v;
    d->nint_choices = (int)choices->n;
}

/* `min:` / `max:` of a date or integer fact: the realistic range of its
 * values (a record outside it is refused with the range), and what the
 * checker assumes when a dated param is read at it (W0004). */
static void fact_bound(kg_loader *L, kg_def *d, const kg_ynode *n, kg_val *out, const char *what)
{
    char err[300];
    memset(out, 0, sizeof *out);
    if (!n)
        return;
    if (d->ty.k != TK_DATE && d->ty.k != TK_INT) {
        err_node(L, "E0102", n, NULL, NULL, "'%s' belongs to date and integer facts only", what);
        return;
    }
    if (!want_kind(L, n, KG_Y_SCALAR, what))
        return;
    if (d->ty.k == TK_DATE && kg_is_ident(n->text, n->len)) {
        /* the name of an undated date param: law kept in one place */
        if (strcmp(what, "min") == 0)
            d->min_param = n;
        else
            d->max_param = n;
        return;
    }
    if (kg_val_parse(L->a, d->ty, n->text, n->len, out, err, sizeof err) != KIGEN_OK) {
        char tb[300];
        err_node(L, "E0132", n, kg_type_name(d->ty, tb, sizeof tb), NULL, "%s of fact '%s': %s", what,
                 d->name, err);
        memset(out, 0, sizeof *out);
    }
}

/* An alias is how an export names a column or a value: any text (Japanese
 * above all) but empty, padded or with control characters. */
static bool alias_ok(kg_loader *L, const kg_ynode *n, const char *what)
{
    if (!want_kind(L, n, KG_Y_SCALAR, what))
        return false;
    bool ok = n->len > 0 && n->text[0] != ' ' && n->text[n->len - 1] != ' ' && kg_utf8_valid(n->text, n->len);
    for (size_t i = 0; ok && i < n->len; i++)
        ok = (unsigned char)n->text[i] >= 0x20 && n->text[i] != 0x7f;
    if (!ok)
        err_node(L, "E0110", n, "a name as an export writes it (not empty, no surrounding spaces)", NULL,
                 "'%s' cannot be %s", n->text, what);
    return ok;
}

/* choice_aliases: {中長期在留者: mid_long}: how records may give an enum's
 * values. */
static void choice_aliases(kg_loader *L, kg_def *d, const kg_ynode *m)
{
    if (!m)
        return;
    if (d->ty.k != TK_ENUM || !d->ty.set) {
        err_node(L, "E0102", m, NULL, NULL, "'choice_aliases' belongs to type enum only");
        return;
    }
    if (!want_kind(L, m, KG_Y_MAP, "choice_aliases"))
        return;
    kg_enumset *set = (kg_enumset *)d->ty.set; /* made by parse_type, in this load's arena */
    const char **alias = kg_arena_alloc(L->a, sizeof(char *) * (m->n + 1));
    int *to = kg_arena_alloc(L->a, sizeof(int) * (m->n + 1));
    if (!alias || !to)
        return;
    int n = 0;
    for (size_t i = 0; i < m->n; i++) {
        const kg_ynode *k = m->items[i], *v = m->vals[i];
        if (!alias_ok(L, k, "an alias of a choice") ||
            !want_kind(L, v, KG_Y_SCALAR, "the choice an alias stands for"))
            continue;
        int target = kg_enum_lookup(set, v->text, v->len);
        if (target < 0 || strcmp(set->names[target], v->text) != 0) {
            const char *close = kg_closest(v->text, set->names, (size_t)set->n);
            char hint[120];
            if (close)
                snprintf(hint, sizeof hint, "did you mean '%s'?", close);
            err_node(L, "E0209", v, "one of the choices", close ? hint : NULL,
                     "'%s' is not one of the choices", v->text);
            continue;
        }
        if (kg_enum_lookup(set, k->text, k->len) >= 0) {
            err_node(L, "E0104", k, NULL, NULL, "'%s' is already a choice or an alias of one", k->text);
            continue;
        }
        alias[n] = k->text;
        to[n] = target;
        n++;
        set->alias = alias;
        set->alias_to = to;
        set->nalias = n;
    }
}

/* A param value outside its integer choices. */
static bool check_choice(kg_loader *L, const kg_def *d, const kg_ynode *n, const kg_val *v)
{
    char why[300];
    if (kg_int_choice_ok(d, v, why, sizeof why))
        return true;
    err_node(L, "E0209", n, NULL, NULL, "param '%s': %s", d->name, why);
    return false;
}

static kg_def *new_def(kg_loader *L, kg_kind kind, const kg_ynode *key)
{
    kg_def *d = kg_arena_alloc(L->a, sizeof *d);
    if (!d)
        return NULL;
    d->kind = kind;
    d->name = key->text;
    d->node = key;
    d->file = key->file;
    if (!kg_is_ident(key->text, key->len)) {
        err_node(L, "E0110", key, "a name of letters, digits and _ that does not start with a digit", NULL,
                 "'%s' is not a valid name", key->text);
        d->broken = true;
    }
    return d;
}

static const char *opt_text(kg_loader *L, const kg_ynode *map, const char *key)
{
    const kg_ynode *n = kg_ymap_get(map, key);
    if (!n)
        return NULL;
    if (n->kind == KG_Y_SEQ) {
        /* a list of citations: join them */
        size_t total = 0;
        for (size_t i = 0; i < n->n; i++) {
            if (!want_kind(L, n->items[i], KG_Y_SCALAR, key))
                return NULL;
            total += n->items[i]->len + 2;
        }
        char *s = kg_arena_alloc(L->a, total + 1);
        if (!s)
            return NULL;
        /* (arena memory is not zeroed: build the text by length, never strcat) */
        size_t at = 0;
        for (size_t i = 0; i < n->n; i++) {
            if (i) {
                memcpy(s + at, "; ", 2);
                at += 2;
            }
            memcpy(s + at, n->items[i]->text, n->items[i]->len);
            at += n->items[i]->len;
        }
        s[at] = '\0';
        return s;
    }
    const char *t = scalar_text(L, n, key);
    size_t len = t ? strlen(t) : 0;
    if (len && (t[len - 1] == '\n' || t[len - 1] == ' ')) {
        /* a folded block (`doc: >`) ends with a newline: texts are one line */
        while (len && (t[len - 1] == '\n' || t[len - 1] == ' '))
            len--;
        return kg_arena_strndup(L->a, t, len);
    }
    return t;
}

static kg_exprsrc expr_src(const kg_ynode *n)
{
    kg_exprsrc s = {n, n ? n->text : ""};
    return s;
}

static void load_facts(kg_loader *L, const kg_ynode *facts)
{
    static const char *const keys[] = {"type",     "choices", "choice_aliases", "aliases", "doc", "source",
                                       "optional", "default", "override",       "min",     "max"};
    if (!want_kind(L, facts, KG_Y_MAP, "facts"))
        return;
    for (size_t i = 0; i < facts->n; i++) {
        const kg_ynode *k = facts->items[i], *v = facts->vals[i];
        kg_def *d = new_def(L, KIND_FACT, k);
        if (!d)
            return;
        if (v->kind == KG_Y_SCALAR) {
            /* shorthand: `birth_date: date` */
            d->broken |= !parse_type(L, v, NULL, &d->ty);
        } else if (want_kind(L, v, KG_Y_MAP, "a fact")) {
            char where[200];
            snprintf(where, sizeof where, "fact '%s'", k->text);
            check_keys(L, v, where, keys, sizeof keys / sizeof keys[0]);
            const kg_ynode *t = kg_ymap_get(v, "type");
            if (!t) {
                err_node(L, "E0103", k, "type: date|integer|boolean|string|enum", NULL,
                         "fact '%s' needs a 'type'", k->text);
                d->broken = true;
            } else {
                d->broken |= !parse_type(L, t, kg_ymap_get(v, "choices"), &d->ty);
                int_choices(L, d, kg_ymap_get(v, "choices"));
                if (!d->broken)
                    choice_aliases(L, d, kg_ymap_get(v, "choice_aliases"));
            }
            fact_bound(L, d, kg_ymap_get(v, "min"), &d->min, "min");
            fact_bound(L, d, kg_ymap_get(v, "max"), &d->max, "max");
            if (d->min.t && d->max.t &&
                ((d->min.t == VT_DATE && d->min.u.d > d->max.u.d) ||
                 (d->min.t == VT_INT && d->min.u.i > d->max.u.i)))
                err_node(L, "E0121", kg_ymap_get(v, "max"), "max at or after min", NULL,
                         "fact '%s': max is before min", k->text);
            const kg_ynode *al = kg_ymap_get(v, "aliases");
            if (al && want_kind(L, al, KG_Y_SEQ, "aliases")) {
                for (size_t j = 0; j < al->n; j++)
                    if (!alias_ok(L, al->items[j], "an alias"))
                        d->broken = true;
                d->aliases = al;
            }
            d->doc = opt_text(L, v, "doc");
            d->source = opt_text(L, v, "source");
            const kg_ynode *o = kg_ymap_get(v, "optional");
            if (o)
                parse_bool_node(L, o, "optional", &d->optional);
            const kg_ynode *ov = kg_ymap_get(v, "override");
            if (ov)
                parse_bool_node(L, ov, "override", &d->override);
            const kg_ynode *df = kg_ymap_get(v, "default");
            if (df && want_kind(L, df, KG_Y_SCALAR, "default")) {
                if (d->optional)
                    err_node(L, "E0121", df, "either optional: true or a default", NULL,
                             "fact '%s' is optional and has a default: a default already makes "
                             "it optional",
                             k->text);
                d->deflt_src = expr_src(df);
                d->deflt = kg_parse_expr(L->a, &d->deflt_src, L->d);
                if (!d->deflt)
                    d->broken = true;
            }
        } else {
            d->broken = true;
        }
        d->declared_type = true;
        add_def(L, d);
    }
}

/* A param's value from YAML: plain scalars are typed by the param's type;
 * the type is inferred from the first value when not declared. */
static bool param_value(kg_loader *L, kg_def *d, const kg_ynode *n, kg_val *out)
{
    char err[300];
    if (!want_kind(L, n, KG_Y_SCALAR, "a param value"))
        return false;
    if (d->ty.k == TK_UNKNOWN) {
        kigen_date dd;
        if (n->style == KG_YS_PLAIN && (strcmp(n->text, "true") == 0 || strcmp(n->text, "false") == 0))
            d->ty = kg_type_make(TK_BOOL);
        else if (n->style == KG_YS_PLAIN && kigen_date_parse(n->text, n->len, &dd, NULL, 0) == KIGEN_OK)
            d->ty = kg_type_make(TK_DATE);
        else if (n->style == KG_YS_PLAIN && n->len && strspn(n->text, "-0123456789") == n->len)
            d->ty = kg_type_make(TK_INT);
        else {
            err_node(L, "E0103", n, "type: string (or enum with choices)", NULL,
                     "cannot tell the type of param '%s' from '%s': declare its 'type'", d->name, n->text);
            return false;
        }
    }
    if (kg_val_parse(L->a, d->ty, n->text, n->len, out, err, sizeof err) != KIGEN_OK) {
        char tb[300];
        err_node(L, "E0132", n, kg_type_name(d->ty, tb, sizeof tb), NULL,
                 "value '%s' of param '%s' does not fit its type: %s", n->text, d->name, err);
        return false;
    }
    return true;
}

static void load_params(kg_loader *L, const kg_ynode *params)
{
    static const char *const keys[] = {"type", "choices", "doc", "source", "value", "values", "override"};
    if (!want_kind(L, params, KG_Y_MAP, "params"))
        return;
    for (size_t i = 0; i < params->n; i++) {
        const kg_ynode *k = params->items[i], *v = params->vals[i];
        kg_def *d = new_def(L, KIND_PARAM, k);
        if (!d)
            return;
        if (!want_kind(L, v, KG_Y_MAP, "a param")) {
            d->broken = true;
            add_def(L, d);
            continue;
        }
        char where[200];
        snprintf(where, sizeof where, "param '%s'", k->text);
        check_keys(L, v, where, keys, sizeof keys / sizeof keys[0]);
        const kg_ynode *t = kg_ymap_get(v, "type");
        if (t) {
            d->broken |= !parse_type(L, t, kg_ymap_get(v, "choices"), &d->ty);
            d->declared_type = true;
            int_choices(L, d, kg_ymap_get(v, "choices"));
        } else if (kg_ymap_get(v, "choices")) {
            err_node(L, "E0103", kg_ymap_get(v, "choices"), "type: enum (or integer)", NULL,
                     "param '%s' lists choices but no 'type: enum' or 'type: integer'", k->text);
        }
        d->doc = opt_text(L, v, "doc");
        d->source = opt_text(L, v, "source");
        const kg_ynode *ov = kg_ymap_get(v, "override");
        if (ov)
            parse_bool_node(L, ov, "override", &d->override);
        const kg_ynode *one = kg_ymap_get(v, "value"), *many = kg_ymap_get(v, "values");
        if (one && many) {
            err_node(L, "E0121", many, "either value: or values:", NULL,
                     "param '%s' has both 'value' (one value) and 'values' (values by effective date)",
                     k->text);
            d->broken = true;
        } else if (!one && !many) {
            err_node(L, "E0103", k, "value: X, or values: {YYYY-MM-DD: X, ...}", NULL,
                     "param '%s' has no value", k->text);
            d->broken = true;
        } else if (one) {
            d->versions = kg_arena_alloc(L->a, sizeof *d->versions);
            if (d->versions && param_value(L, d, one, &d->versions[0].v) &&
                check_choice(L, d, one, &d->versions[0].v)) {
                d->versions[0].text = one->text;
                d->nversions = 1;
            } else {
                d->broken = true;
            }
        } else if (want_kind(L, many, KG_Y_MAP, "values")) {
            d->dated = true;
            d->versions = kg_arena_alloc(L->a, sizeof *d->versions * (many->n ? many->n : 1));
            if (!d->versions)
                return;
            if (many->n == 0) {
                err_node(L, "E0103", many, "at least one effective date", NULL, "param '%s' has no values",
                         k->text);
                d->broken = true;
            }
            for (size_t j = 0; j < many->n; j++) {
                kigen_date eff;
                char err[300];
                const kg_ynode *dk = many->items[j];
                if (kigen_date_parse(dk->text, dk->len, &eff, err, sizeof err) != KIGEN_OK) {
                    err_node(L, "E0131", dk, "an effective date YYYY-MM-DD", NULL,
                             "'%s' is not an effective date: %s", dk->text, err);
                    d->broken = true;
                    continue;
                }
                if (d->nversions > 0 && eff <= d->versions[d->nversions - 1].eff) {
                    char prev[16];
                    kigen_date_format_iso(d->versions[d->nversions - 1].eff, prev, sizeof prev);
                    err_node(L, "E0130", dk, "effective dates in increasing order, each once", NULL,
                             "effective date %s of param '%s' %s %s", dk->text, k->text,
                             eff == d->versions[d->nversions - 1].eff ? "repeats"
                                                                      : "comes after the later date",
                             prev);
                    d->broken = true;
                    continue;
                }
                kg_version *ver = &d->versions[d->nversions];
                if (!param_value(L, d, many->vals[j], &ver->v) ||
                    !check_choice(L, d, many->vals[j], &ver->v)) {
                    d->broken = true;
                    continue;
                }
                ver->eff = eff;
                ver->text = many->vals[j]->text;
                d->nversions++;
            }
        } else {
            d->broken = true;
        }
        add_def(L, d);
    }
}

static void load_rule_body(kg_loader *L, kg_def *d, const kg_ynode *k, const kg_ynode *v)
{
    static const char *const keys[] = {"doc", "source", "type", "choices", "value", "cases", "override"};
    static const char *const case_keys[] = {"when", "then", "otherwise", "doc", "source"};
    if (v->kind == KG_Y_SCALAR) {
        d->value_src = expr_src(v);
        d->value = kg_parse_expr(L->a, &d->value_src, L->d);
        d->broken |= !d->value;
        return;
    }
    if (!want_kind(L, v, KG_Y_MAP, "a rule")) {
        d->broken = true;
        return;
    }
    char where[200];
    snprintf(where, sizeof where, "rule '%s'", k->text);
    check_keys(L, v, where, keys, sizeof keys / sizeof keys[0]);
    d->doc = opt_text(L, v, "doc");
    d->source = opt_text(L, v, "source");
    const kg_ynode *ov = kg_ymap_get(v, "override");
    if (ov)
        parse_bool_node(L, ov, "override", &d->override);
    const kg_ynode *t = kg_ymap_get(v, "type");
    if (t) {
        d->broken |= !parse_type(L, t, kg_ymap_get(v, "choices"), &d->ty);
        d->declared_type = true;
    }
    const kg_ynode *val = kg_ymap_get(v, "value"), *cases = kg_ymap_get(v, "cases");
    if (val && cases) {
        err_node(L, "E0121", cases, "either value: or cases:", NULL, "rule '%s' has both 'value' and 'cases'",
                 k->text);
        d->broken = true;
        return;
    }
    if (!val && !cases) {
        err_node(L, "E0103", k, "value: EXPR, or cases: [...]", NULL, "rule '%s' has no 'value' or 'cases'",
                 k->text);
        d->broken = true;
        return;
    }
    if (val) {
        if (!want_kind(L, val, KG_Y_SCALAR, "value")) {
            d->broken = true;
            return;
        }
        d->value_src = expr_src(val);
        d->value = kg_parse_expr(L->a, &d->value_src, L->d);
        d->broken |= !d->value;
        return;
    }
    if (!want_kind(L, cases, KG_Y_SEQ, "cases")) {
        d->broken = true;
        return;
    }
    d->cases = kg_arena_alloc(L->a, sizeof *d->cases * (cases->n ? cases->n : 1));
    if (!d->cases)
        return;
    bool seen_otherwise = false;
    for (size_t i = 0; i < cases->n; i++) {
        const kg_ynode *c = cases->items[i];
        kg_case *kc = &d->cases[d->ncases];
        if (!want_kind(L, c, KG_Y_MAP, "a case")) {
            d->broken = true;
            continue;
        }
        snprintf(where, sizeof where, "a case of rule '%s'", k->text);
        check_keys(L, c, where, case_keys, sizeof case_keys / sizeof case_keys[0]);
        kc->node = c;
        kc->doc = opt_text(L, c, "doc");
        kc->source = opt_text(L, c, "source");
        const kg_ynode *w = kg_ymap_get(c, "when"), *th = kg_ymap_get(c, "then"),
                       *ow = kg_ymap_get(c, "otherwise");
        if (seen_otherwise) {
            err_node(L, "E0121", c, "'otherwise' as the last case", NULL,
                     "a case after 'otherwise' can never be reached");
            d->broken = true;
        }
        if (ow) {
            if (w || th) {
                err_node(L, "E0121", ow, "either when:+then: or otherwise:", NULL,
                         "a case has 'otherwise' together with 'when'/'then'");
                d->broken = true;
                continue;
            }
            seen_otherwise = true;
            th = ow;
        } else if (!w || !th) {
            err_node(L, "E0103", c, "when: CONDITION and then: VALUE", NULL,
                     "a case needs both 'when' and 'then' (or is 'otherwise')");
            d->broken = true;
            continue;
        }
        if (w && want_kind(L, w, KG_Y_SCALAR, "when")) {
            kg_exprsrc s = expr_src(w);
            kc->when = kg_parse_expr(L->a, &s, L->d);
            d->broken |= !kc->when;
        }
        if (want_kind(L, th, KG_Y_SCALAR, ow ? "otherwise" : "then")) {
            kg_exprsrc s = expr_src(th);
            kc->then = kg_parse_expr(L->a, &s, L->d);
            d->broken |= !kc->then;
        } else {
            d->broken = true;
        }
        d->ncases++;
    }
    if (!seen_otherwise) {
        err_node(L, "E0103", cases, "a last case 'otherwise: VALUE'", NULL,
                 "the cases of rule '%s' need an 'otherwise' (what is the value when no case holds?)",
                 k->text);
        d->broken = true;
    }
}

static void load_rules(kg_loader *L, const kg_ynode *rules)
{
    if (!want_kind(L, rules, KG_Y_MAP, "rules"))
        return;
    for (size_t i = 0; i < rules->n; i++) {
        kg_def *d = new_def(L, KIND_RULE, rules->items[i]);
        if (!d)
            return;
        load_rule_body(L, d, rules->items[i], rules->vals[i]);
        add_def(L, d);
    }
}

static void load_outputs(kg_loader *L, const kg_ynode *outs)
{
    if (!want_kind(L, outs, KG_Y_SEQ, "outputs"))
        return;
    for (size_t i = 0; i < outs->n; i++) {
        if (!want_kind(L, outs->items[i], KG_Y_SCALAR, "an output"))
            continue;
        bool dup = false;
        for (size_t j = 0; j < L->outputs.n; j++)
            dup |= strcmp(((const kg_ynode *)L->outputs.v[j])->text, outs->items[i]->text) == 0;
        if (dup) {
            err_node(L, "E0104", outs->items[i], NULL, NULL, "output '%s' is listed twice",
                     outs->items[i]->text);
            continue;
        }
        if (!kg_vec_push(&L->outputs, &L->rs->mem, (void *)outs->items[i]))
            L->a->failed = true; /* reported as E0001 */
    }
}

static void load_messages(kg_loader *L, const kg_ynode *msgs)
{
    static const char *const langs[] = {"ja", "en"};
    if (!want_kind(L, msgs, KG_Y_MAP, "messages"))
        return;
    for (size_t i = 0; i < msgs->n; i++) {
        const kg_ynode *rule = msgs->items[i], *byout = msgs->vals[i];
        if (!want_kind(L, byout, KG_Y_MAP, "the messages of a rule"))
            continue;
        for (size_t j = 0; j < byout->n; j++) {
            const kg_ynode *o = byout->items[j], *texts = byout->vals[j];
            if (!want_kind(L, texts, KG_Y_MAP, "a message"))
                continue;
            char where[200];
            snprintf(where, sizeof where, "the message for %s = %s", rule->text, o->text);
            check_keys(L, texts, where, langs, 2);
            kg_message *m = kg_arena_alloc(L->a, sizeof *m);
            if (!m)
                return;
            m->rule = rule->text;
            m->outcome = o->text;
            m->ja = opt_text(L, texts, "ja");
            m->en = opt_text(L, texts, "en");
            m->node = o;
            /* A later layer replaces an earlier message for the same outcome. */
            bool replaced = false;
            for (size_t q = 0; q < L->messages.n; q++) {
                kg_message *x = L->messages.v[q];
                if (strcmp(x->rule, m->rule) == 0 && strcmp(x->outcome, m->outcome) == 0) {
                    L->messages.v[q] = m;
                    replaced = true;
                }
            }
            if (!replaced)
                if (!kg_vec_push(&L->messages, &L->rs->mem, m))
                    L->a->failed = true; /* reported as E0001 */
        }
    }
}

static void load_sources(kg_loader *L, const kg_ynode *srcs)
{
    static const char *const keys[] = {"title", "url", "date", "note"};
    if (!want_kind(L, srcs, KG_Y_MAP, "sources"))
        return;
    for (size_t i = 0; i < srcs->n; i++) {
        kg_source *s = kg_arena_alloc(L->a, sizeof *s);
        if (!s)
            return;
        s->id = srcs->items[i]->text;
        const kg_ynode *v = srcs->vals[i];
        if (v->kind == KG_Y_SCALAR) {
            s->title = v->text;
        } else if (want_kind(L, v, KG_Y_MAP, "a source")) {
            char where[200];
            snprintf(where, sizeof where, "source '%s'", s->id);
            check_keys(L, v, where, keys, 4);
            s->title = opt_text(L, v, "title");
            s->url = opt_text(L, v, "url");
            s->date = opt_text(L, v, "date");
            if (!s->title)
                err_node(L, "E0103", srcs->items[i], "title: ...", NULL, "source '%s' needs a title", s->id);
        }
        if (!kg_vec_push(&L->sources, &L->rs->mem, s))
            L->a->failed = true; /* reported as E0001 */
    }
}

/* Report a file problem at the include that named it, or without a
 * position for the top file. */
static void file_err(kg_loader *L, const kg_ynode *from, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void file_err(kg_loader *L, const kg_ynode *from, const char *code, const char *fmt, ...)
{
    char msg[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (from)
        err_node(L, code, from, "a readable rule file", NULL, "%s", msg);
    else
        kg_diag(L->d, ERR, code, NULL, KG_NOPOS, NULL, NULL, "%s", msg);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Read a rule file, once per load. *id gets its identity; returns NULL
 * after reporting, or with *again set when this file was read before in
 * this load (a diamond of includes), which is not an error. */
static char *read_file(kg_loader *L, const char *path, size_t *len, const kg_ynode *from, kg_fileid *id,
                       bool *again)
{
    *again = false;
    /* An include names a rule file: not whatever a path can reach (a
     * device, /proc/self/environ, a key file, a link named *.yaml to one). */
    if (from && !ends_with(path, ".yaml") && !ends_with(path, ".yml")) {
        file_err(L, from, "E0300",
                 "cannot include '%s': an included file must be a rule file named *.yaml or *.yml", path);
        return NULL;
    }
    static const char *const rule_suffixes[] = {".yaml", ".yml", NULL};
    FILE *f;
    kg_file_id fid;
    char why[PATH_MAX + 200];
    switch (kg_file_open(path, from ? rule_suffixes : NULL, L->rs->opts.include_root, &f, &fid, why,
                         sizeof why)) {
    case KG_FILE_OK: break;
    case KG_FILE_SUFFIX:
        file_err(L, from, "E0300", "cannot include '%s': %s, not a rule file named *.yaml or *.yml", path,
                 why);
        return NULL;
    case KG_FILE_OUTSIDE:
        file_err(L, from, "E0300", "'%s' is outside the directory rule files may be read from (%s)", path,
                 L->rs->opts.include_root);
        return NULL;
    default: file_err(L, from, "E0300", "cannot read '%s': %s", path, why); return NULL;
    }
    id->dev = fid.dev;
    id->ino = fid.ino;
    for (size_t i = 0; i < L->nloaded; i++)
        if (L->loaded[i].dev == id->dev && L->loaded[i].ino == id->ino) {
            fclose(f);
            *again = true;
            return NULL;
        }
    if (L->nloaded >= KG_MAX_FILES) {
        fclose(f);
        file_err(L, from, "E0301", "cannot read '%s': a rule set may be made of at most %d files", path,
                 KG_MAX_FILES);
        return NULL;
    }
    kg_buf b;
    kg_buf_init(&b, &L->rs->mem);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        kg_buf_put(&b, chunk, got);
        if (b.len > KG_MAX_FILE_SIZE)
            break;
    }
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad || b.failed || b.len > KG_MAX_FILE_SIZE || L->bytes + b.len > KG_MAX_TOTAL_BYTES) {
        file_err(L, from, "E0300", "cannot read '%s': %s", path,
                 b.len > KG_MAX_FILE_SIZE ? "larger than 8 MiB"
                 : L->bytes + b.len > KG_MAX_TOTAL_BYTES
                     ? "the rule set's files are larger than 64 MiB together"
                     : "read error");
        kg_buf_free(&b);
        return NULL;
    }
    if (L->nloaded == L->caploaded) {
        size_t cap = L->caploaded ? L->caploaded * 2 : 16;
        kg_fileid *n = kg_mem_realloc(&L->rs->mem, L->loaded, L->caploaded * sizeof *n, cap * sizeof *n);
        if (!n) {
            kg_buf_free(&b);
            L->a->failed = true;
            return NULL;
        }
        L->loaded = n;
        L->caploaded = cap;
    }
    L->loaded[L->nloaded++] = *id;
    L->bytes += b.len;
    char *text = kg_arena_strndup(L->a, b.p ? b.p : "", b.len);
    *len = b.len;
    kg_buf_free(&b);
    return text;
}

static char *resolve_path(kg_loader *L, const char *base, const char *rel)
{
    if (rel[0] == '/')
        return kg_arena_strdup(L->a, rel);
    const char *slash = strrchr(base, '/');
    if (!slash)
        return kg_arena_strdup(L->a, rel);
    return kg_arena_printf(L->a, "%.*s/%s", (int)(slash - base), base, rel);
}

static void load_text(kg_loader *L, const char *name, const char *text, size_t len);

static void load_include(kg_loader *L, const kg_srcfile *from, const kg_ynode *n)
{
    if (!want_kind(L, n, KG_Y_SCALAR, "an included file"))
        return;
    char *path = resolve_path(L, from->name, n->text);
    if (!path)
        return;
    for (int i = 0; i < L->depth; i++) {
        if (strcmp(L->stack[i], path) == 0) {
            err_node(L, "E0301", n, "files that do not include each other", NULL,
                     "include cycle: '%s' is already being loaded", path);
            return;
        }
    }
    if (L->depth >= KG_MAX_INCLUDE_DEPTH) {
        err_node(L, "E0301", n, NULL, NULL, "includes nest deeper than %d files", KG_MAX_INCLUDE_DEPTH);
        return;
    }
    size_t len;
    kg_fileid id;
    bool again;
    char *text = read_file(L, path, &len, n, &id, &again);
    if (again) {
        /* Read before in this load: a cycle when it is still being loaded
         * (reached by another path), else a diamond, which is fine. */
        for (int i = 0; i < L->depth; i++)
            if (L->stack_id[i].dev == id.dev && L->stack_id[i].ino == id.ino)
                err_node(L, "E0301", n, "files that do not include each other", NULL,
                         "include cycle: '%s' is already being loaded", path);
        return;
    }
    if (text) {
        L->stack_id[L->depth] = id;
        load_text(L, path, text, len);
    }
}

/* Does the text look like a rule file: a line that is the key `kigen:`?
 * Diagnostics quote lines only of such files, so that an include naming
 * some other file cannot print its content. */
static bool looks_like_rule_file(const char *t, size_t n)
{
    for (size_t i = 0; i < n;) {
        /* kigen:  "kigen":  'kigen' : */
        size_t k = i;
        char q = k < n && (t[k] == '"' || t[k] == '\'') ? t[k++] : 0;
        if (n - k >= 5 && memcmp(t + k, "kigen", 5) == 0) {
            k += 5;
            if (q && k < n && t[k] == q)
                k++;
            else if (q)
                k = n; /* no closing quote: not the key */
            while (k < n && (t[k] == ' ' || t[k] == '\t'))
                k++;
            if (k < n && t[k] == ':')
                return true;
        }
        const char *nl = memchr(t + i, '\n', n - i);
        if (!nl)
            break;
        i = (size_t)(nl - t) + 1;
    }
    return false;
}

static void load_text(kg_loader *L, const char *name, const char *text, size_t len)
{
    static const char *const top_keys[] = {"kigen",   "name",    "title",   "doc",   "sources",
                                           "include", "extends", "lua",     "facts", "params",
                                           "rules",   "outputs", "messages"};
    kg_srcfile *f = kg_arena_alloc(L->a, sizeof *f);
    if (!f)
        return;
    f->name = kg_arena_strdup(L->a, name);
    f->text = text;
    f->len = len;
    f->hide_text = !looks_like_rule_file(text, len);
    if (!kg_srcfile_index(f, L->a))
        return;
    if (!kg_vec_push(&L->files, &L->rs->mem, f))
        L->a->failed = true; /* reported as E0001 */
    kg_ynode *root = kg_yaml_parse(f, L->a, L->d);
    if (!root)
        return;
    if (root->kind != KG_Y_MAP) {
        err_node(L, "E0101", root, "a mapping with 'kigen: 1'", NULL,
                 "a rule file must be a mapping, not a %s", kg_ykind_name(root));
        return;
    }
    const kg_ynode *ver = kg_ymap_get(root, "kigen");
    if (!ver) {
        /* Not a rule file: say so, and quote nothing from it. */
        f->hide_text = true;
        kg_diag_at(L->d, ERR, "E0105", f, 1, 1, "kigen: 1 at the top", NULL,
                   "the file does not say which rule language it is written in (no 'kigen: 1'), so it "
                   "is not read as a rule file");
        return;
    }
    L->stack[L->depth++] = f->name;
    check_keys(L, root, "a rule file", top_keys, sizeof top_keys / sizeof top_keys[0]);
    if (ver->kind != KG_Y_SCALAR || strcmp(ver->text, "1") != 0)
        err_node(L, "E0105", ver, "kigen: 1", NULL,
                 "rule language version '%s' is not supported by kigen %s (it reads version 1)",
                 ver->kind == KG_Y_SCALAR ? ver->text : "?", kigen_version());
    const kg_ynode *ext = kg_ymap_get(root, "extends"), *inc = kg_ymap_get(root, "include");
    if (ext)
        load_include(L, f, ext);
    if (inc) {
        if (inc->kind == KG_Y_SCALAR)
            load_include(L, f, inc);
        else if (want_kind(L, inc, KG_Y_SEQ, "include"))
            for (size_t i = 0; i < inc->n; i++)
                load_include(L, f, inc->items[i]);
    }
    if (L->depth == 1) {
        L->rs->name = opt_text(L, root, "name");
        L->rs->title = opt_text(L, root, "title");
        L->rs->file = f->name;
        if (!kg_ymap_get(root, "name"))
            kg_diag_at(L->d, ERR, "E0103", f, 1, 1, "name: a-short-id", NULL, "the rule file has no 'name'");
    } else {
        (void)opt_text(L, root, "name");
        (void)opt_text(L, root, "title");
    }
    (void)opt_text(L, root, "doc");
    const kg_ynode *n;
    if ((n = kg_ymap_get(root, "sources")))
        load_sources(L, n);
    if ((n = kg_ymap_get(root, "lua"))) {
        const kg_ynode *items = n;
        if (n->kind == KG_Y_SCALAR || want_kind(L, n, KG_Y_SEQ, "lua")) {
            size_t cnt = n->kind == KG_Y_SCALAR ? 1 : items->n;
            for (size_t i = 0; i < cnt; i++) {
                const kg_ynode *p = n->kind == KG_Y_SCALAR ? n : items->items[i];
                if (want_kind(L, p, KG_Y_SCALAR, "a script path")) {
                    char *path = resolve_path(L, f->name, p->text);
                    kg_ynode *copy = kg_arena_alloc(L->a, sizeof *copy);
                    if (path && copy) {
                        *copy = *p;
                        copy->text = path;
                        copy->len = strlen(path);
                        if (!kg_vec_push(&L->lua, &L->rs->mem, copy))
                            L->a->failed = true; /* reported as E0001 */
                    }
                }
            }
        }
    }
    if ((n = kg_ymap_get(root, "facts")))
        load_facts(L, n);
    if ((n = kg_ymap_get(root, "params")))
        load_params(L, n);
    if ((n = kg_ymap_get(root, "rules")))
        load_rules(L, n);
    if ((n = kg_ymap_get(root, "outputs")))
        load_outputs(L, n);
    if ((n = kg_ymap_get(root, "messages")))
        load_messages(L, n);
    L->depth--;
}

int kg_front_load(kg_loader *L, const char *name, const char *text, size_t len)
{
    if (text) {
        char *copy = kg_arena_strndup(L->a, text, len);
        if (copy)
            load_text(L, name, copy, len);
        return KIGEN_OK;
    }
    size_t flen;
    bool again;
    char *ftext = read_file(L, name, &flen, NULL, &L->stack_id[0], &again);
    if (!ftext)
        return KIGEN_EIO;
    load_text(L, name, ftext, flen);
    return KIGEN_OK;
}

void kg_front_free(kg_loader *L)
{
    kg_mem mem = L->rs->mem;
    kg_vec_free(&L->defs, &mem);
    kg_symtab_free(&L->syms);
    kg_mem_free(&mem, L->loaded, L->caploaded * sizeof *L->loaded);
    kg_vec_free(&L->outputs, &mem);
    kg_vec_free(&L->messages, &mem);
    kg_vec_free(&L->sources, &mem);
    kg_vec_free(&L->files, &mem);
    kg_vec_free(&L->lua, &mem);
}
