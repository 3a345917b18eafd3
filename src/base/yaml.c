/* libyaml events -> kg_ynode tree with positions. */
#include "base/yaml.h"

#include <string.h>
#include <yaml.h>

typedef struct builder {
    const kg_srcfile *f;
    kg_arena *a;
    kigen_diags *d;
    size_t nodes;
    bool failed;
    /* The last position converted: nodes come in file order, so the next
     * one is found by walking on from here, not from the line's start
     * (a 200,000-item flow list on one line stays linear). */
    int cur_line, cur_col;
    size_t cur_off;
} builder;

static size_t offset_of(builder *b, int line, int col)
{
    if (line != b->cur_line || col < b->cur_col || b->cur_line == 0) {
        b->cur_line = line;
        b->cur_col = 1;
        b->cur_off = kg_srcfile_offset(b->f, line, 1);
        if (b->cur_off == KG_NOPOS)
            return KG_NOPOS;
    }
    const char *t = b->f->text;
    while (b->cur_col < col && b->cur_off < b->f->len && t[b->cur_off] != '\n') {
        b->cur_off++;
        while (b->cur_off < b->f->len && ((unsigned char)t[b->cur_off] & 0xC0) == 0x80)
            b->cur_off++;
        b->cur_col++;
    }
    return b->cur_off;
}

static kg_ynode *new_node(builder *b, kg_ykind kind, yaml_mark_t m)
{
    if (++b->nodes > KG_YAML_MAX_NODES) {
        if (!b->failed)
            kg_diag_at(b->d, KIGEN_SEV_ERROR, "E0108", b->f, (int)m.line + 1, (int)m.column + 1, NULL, NULL,
                       "the rule file has more than %d YAML nodes", KG_YAML_MAX_NODES);
        b->failed = true;
        return NULL;
    }
    kg_ynode *n = kg_arena_alloc(b->a, sizeof *n);
    if (!n) {
        b->failed = true;
        return NULL;
    }
    n->kind = kind;
    n->line = (int)m.line + 1;
    n->col = (int)m.column + 1;
    n->off = offset_of(b, n->line, n->col);
    n->file = b->f;
    return n;
}

typedef struct nodelist {
    kg_ynode **v;
    size_t n, cap;
} nodelist;

static bool list_push(builder *b, nodelist *l, kg_ynode *x)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        kg_ynode **v = kg_arena_alloc(b->a, cap * sizeof(kg_ynode *));
        if (!v)
            return false;
        if (l->n)
            memcpy(v, l->v, l->n * sizeof(kg_ynode *));
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = x;
    return true;
}

static void yaml_error_at(builder *b, yaml_mark_t m, const char *code, const char *expected, const char *msg)
{
    if (!b->failed)
        kg_diag_at(b->d, KIGEN_SEV_ERROR, code, b->f, (int)m.line + 1, (int)m.column + 1, expected, NULL,
                   "%s", msg);
    b->failed = true;
}

static bool next_event(builder *b, yaml_parser_t *p, yaml_event_t *e)
{
    if (!yaml_parser_parse(p, e)) {
        if (!b->failed) {
            yaml_mark_t m = p->problem_mark;
            /* The usual cause in a rule file: a call with a named argument,
             * value: nth_birthday(b, 10, after: d), unquoted. */
            bool colon = p->problem && strstr(p->problem, "mapping values are not allowed");
            kg_diag_at(
                b->d, KIGEN_SEV_ERROR, "E0100", b->f, (int)m.line + 1, (int)m.column + 1, "well-formed YAML",
                colon ? "a ': ' inside a value starts a key in YAML: an expression with a named argument "
                        "must be quoted as a whole, value: \"f(a, after: d)\", or written as a block "
                        "scalar (value: > and the expression on the next line)"
                      : NULL,
                "YAML syntax error: %s%s%s", p->problem ? p->problem : "unknown problem",
                p->context ? " " : "", p->context ? p->context : "");
        }
        b->failed = true;
        return false;
    }
    return true;
}

static bool refuse_tag_anchor(builder *b, yaml_mark_t m, const yaml_char_t *tag, const yaml_char_t *anchor,
                              int implicit)
{
    if (anchor) {
        yaml_error_at(b, m, "E0106", "plain values",
                      "YAML anchors and aliases are not allowed in rule files: write the value "
                      "out where it is used");
        return false;
    }
    if (tag && !implicit) {
        yaml_error_at(b, m, "E0106", "untagged values",
                      "YAML tags are not allowed in rule files: kigen reads each value by the "
                      "type its key declares");
        return false;
    }
    return true;
}

static kg_ynode *build(builder *b, yaml_parser_t *p, yaml_event_t *e, int depth);

/* Duplicate keys are found through a hash of the keys seen so far, so a
 * mapping with very many keys costs linear time, not quadratic. */
typedef struct keyset {
    size_t *slot; /* index + 1 into the key list; 0 = empty */
    size_t cap;
} keyset;

static size_t key_hash(const char *s)
{
    size_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* The earlier key equal to keys->v[i], or NULL; then adds i. */
static kg_ynode *keyset_add(builder *b, keyset *ks, const nodelist *keys, size_t i)
{
    if ((i + 1) * 2 > ks->cap) {
        size_t cap = ks->cap ? ks->cap * 2 : 64;
        size_t *slot = kg_arena_alloc(b->a, cap * sizeof *slot);
        if (!slot) {
            b->failed = true;
            return NULL;
        }
        for (size_t k = 0; k < i; k++) {
            size_t h = key_hash(keys->v[k]->text) & (cap - 1);
            while (slot[h])
                h = (h + 1) & (cap - 1);
            slot[h] = k + 1;
        }
        ks->slot = slot;
        ks->cap = cap;
    }
    size_t h = key_hash(keys->v[i]->text) & (ks->cap - 1);
    while (ks->slot[h]) {
        kg_ynode *o = keys->v[ks->slot[h] - 1];
        if (strcmp(o->text, keys->v[i]->text) == 0)
            return o;
        h = (h + 1) & (ks->cap - 1);
    }
    ks->slot[h] = i + 1;
    return NULL;
}

static kg_ynode *build_collection(builder *b, yaml_parser_t *p, yaml_event_t *start, int depth, bool map)
{
    kg_ynode *n = new_node(b, map ? KG_Y_MAP : KG_Y_SEQ, start->start_mark);
    nodelist keys = {0}, vals = {0};
    keyset seen = {0};
    yaml_event_type_t end = map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
    if (!n)
        return NULL;
    for (;;) {
        yaml_event_t e;
        if (!next_event(b, p, &e))
            return NULL;
        if (e.type == end) {
            yaml_event_delete(&e);
            break;
        }
        kg_ynode *k = build(b, p, &e, depth + 1);
        yaml_event_delete(&e);
        if (!k)
            return NULL;
        if (map) {
            if (k->kind != KG_Y_SCALAR) {
                kg_diag(b->d, KIGEN_SEV_ERROR, "E0101", b->f, k->off, "a plain name as the key", NULL,
                        "a mapping key must be a plain value, not a %s", kg_ykind_name(k));
                b->failed = true;
                return NULL;
            }
            yaml_event_t ve;
            if (!next_event(b, p, &ve))
                return NULL;
            kg_ynode *v = build(b, p, &ve, depth + 1);
            yaml_event_delete(&ve);
            if (!v)
                return NULL;
            if (!list_push(b, &keys, k) || !list_push(b, &vals, v))
                return NULL;
            kg_ynode *first = keyset_add(b, &seen, &keys, keys.n - 1);
            if (first) {
                kg_diag(b->d, KIGEN_SEV_ERROR, "E0104", b->f, k->off, "each key once", NULL,
                        "duplicate key '%s' (first at line %d): YAML keeps only one of them", k->text,
                        first->line);
                b->failed = true;
            }
        } else if (!list_push(b, &keys, k)) {
            return NULL;
        }
    }
    n->n = keys.n;
    n->items = keys.v;
    n->vals = vals.v;
    return b->failed ? NULL : n;
}

static kg_ynode *build(builder *b, yaml_parser_t *p, yaml_event_t *e, int depth)
{
    /* Only collections nest: a value inside the 64th level is fine. */
    if (depth > KG_YAML_MAX_DEPTH &&
        (e->type == YAML_SEQUENCE_START_EVENT || e->type == YAML_MAPPING_START_EVENT)) {
        yaml_error_at(b, e->start_mark, "E0107", "at most 64 levels", "the YAML nesting is too deep");
        return NULL;
    }
    switch (e->type) {
    case YAML_SCALAR_EVENT: {
        if (!refuse_tag_anchor(b, e->start_mark, e->data.scalar.tag, e->data.scalar.anchor,
                               e->data.scalar.plain_implicit || e->data.scalar.quoted_implicit))
            return NULL;
        kg_ynode *n = new_node(b, KG_Y_SCALAR, e->start_mark);
        if (!n)
            return NULL;
        n->text = kg_arena_strndup(b->a, (const char *)e->data.scalar.value, e->data.scalar.length);
        n->len = e->data.scalar.length;
        switch (e->data.scalar.style) {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: n->style = KG_YS_SINGLE; break;
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: n->style = KG_YS_DOUBLE; break;
        case YAML_LITERAL_SCALAR_STYLE: n->style = KG_YS_LITERAL; break;
        case YAML_FOLDED_SCALAR_STYLE: n->style = KG_YS_FOLDED; break;
        default: n->style = KG_YS_PLAIN; break;
        }
        if (!n->text) {
            b->failed = true; /* reported as E0001 */
            return NULL;
        }
        if (memchr(n->text, '\0', n->len)) {
            yaml_error_at(b, e->start_mark, "E0101", "text", "a value contains a NUL character");
            return NULL;
        }
        return n;
    }
    case YAML_SEQUENCE_START_EVENT:
        if (!refuse_tag_anchor(b, e->start_mark, e->data.sequence_start.tag, e->data.sequence_start.anchor,
                               e->data.sequence_start.implicit))
            return NULL;
        return build_collection(b, p, e, depth, false);
    case YAML_MAPPING_START_EVENT:
        if (!refuse_tag_anchor(b, e->start_mark, e->data.mapping_start.tag, e->data.mapping_start.anchor,
                               e->data.mapping_start.implicit))
            return NULL;
        return build_collection(b, p, e, depth, true);
    case YAML_ALIAS_EVENT:
        yaml_error_at(b, e->start_mark, "E0106", "plain values",
                      "YAML aliases are not allowed in rule files: write the value out where it "
                      "is used");
        return NULL;
    default: yaml_error_at(b, e->start_mark, "E0100", "a value", "unexpected YAML event"); return NULL;
    }
}

kg_ynode *kg_yaml_parse(const kg_srcfile *f, kg_arena *a, kigen_diags *d)
{
    yaml_parser_t p;
    yaml_event_t e;
    builder b = {f, a, d, 0, false, 0, 0, 0};
    kg_ynode *root = NULL;
    if (!yaml_parser_initialize(&p))
        return NULL;
    yaml_parser_set_input_string(&p, (const unsigned char *)f->text, f->len);
    int docs = 0;
    while (!b.failed && next_event(&b, &p, &e)) {
        yaml_event_type_t t = e.type;
        if (t == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
            yaml_error_at(&b, e.start_mark, "E0100", "one YAML document",
                          "a rule file holds one YAML document; this is a second one");
        } else if (t != YAML_STREAM_START_EVENT && t != YAML_DOCUMENT_START_EVENT &&
                   t != YAML_DOCUMENT_END_EVENT && t != YAML_STREAM_END_EVENT) {
            root = build(&b, &p, &e, 0);
        }
        yaml_event_delete(&e);
        if (t == YAML_STREAM_END_EVENT)
            break;
    }
    yaml_parser_delete(&p);
    if (b.failed)
        return NULL;
    if (!root)
        kg_diag_at(d, KIGEN_SEV_ERROR, "E0101", f, 1, 1, "a mapping with 'kigen: 1'", NULL,
                   "the file is empty");
    return root;
}

kg_ynode *kg_ymap_get(const kg_ynode *map, const char *k)
{
    if (!map || map->kind != KG_Y_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->items[i]->text, k) == 0)
            return map->vals[i];
    return NULL;
}

const char *kg_ykind_name(const kg_ynode *n)
{
    if (!n)
        return "nothing";
    switch (n->kind) {
    case KG_Y_MAP: return "mapping";
    case KG_Y_SEQ: return "list";
    default: return "value";
    }
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

size_t kg_yscalar_offset(const kg_ynode *n, size_t voff)
{
    const kg_srcfile *f = n->file;
    if (!f || n->off == KG_NOPOS)
        return KG_NOPOS;
    size_t r = n->off;
    const char *raw = f->text;
    if (n->style == KG_YS_SINGLE || n->style == KG_YS_DOUBLE)
        r++;
    else if (n->style == KG_YS_LITERAL || n->style == KG_YS_FOLDED) {
        while (r < f->len && raw[r] != '\n')
            r++;
    }
    /* Walk the value and the raw text together; the only differences are
     * whitespace (indentation, folding) and quoting/escapes. */
    size_t v = 0;
    while (v < voff && v < n->len && r < f->len) {
        char vc = n->text[v], rc = raw[r];
        if (vc == rc) {
            v++;
            r++;
        } else if (is_space(rc) || (rc == '\\' && n->style == KG_YS_DOUBLE) ||
                   (rc == '\'' && n->style == KG_YS_SINGLE)) {
            r++; /* indentation, folding, an escape or a doubled quote */
        } else if (is_space(vc)) {
            v++;
        } else {
            break; /* lost track: the best position we have */
        }
    }
    while (r < f->len && is_space(raw[r]) && v < n->len && !is_space(n->text[v]))
        r++;
    return r;
}
