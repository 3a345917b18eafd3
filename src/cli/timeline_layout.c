/* Reading a timeline layout (see timeline.h; the format is documented in
 * rules/jp/mynumber.timeline.yaml). Every mistake is said with its
 * file:line:col, and all of them at once: a layout is written by hand. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common.h"
#include "cli/timeline.h"
#include "base/diag.h"
#include "base/file.h"
#include "base/text.h"
#include "base/yaml.h"

/* A layout is a page of YAML; anything much larger is not one. */
#define TL_LAYOUT_MAX ((size_t)1 << 20)

typedef struct reader {
    tl_layout *l;
    bool ok;
} reader;

__attribute__((format(printf, 4, 5))) static void at_error(const char *file, int line, int col,
                                                           const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cli_line("%s:%d:%d: error: %s", file, line, col, msg);
}

#define NODE_ERROR(R, n, ...)                                                                                \
    do {                                                                                                     \
        at_error((R)->l->path, (n)->line, (n)->col, __VA_ARGS__);                                            \
        (R)->ok = false;                                                                                     \
    } while (0)

/* Every key of the mapping is one of `keys` (a misspelt key would
 * otherwise be ignored, and its lane drawn without it). */
static bool keys_ok(reader *R, const kg_ynode *map, const char *const *keys, size_t n)
{
    bool ok = true;
    for (size_t i = 0; i < map->n; i++) {
        const kg_ynode *k = map->items[i];
        size_t j = 0;
        while (j < n && strcmp(k->text, keys[j]) != 0)
            j++;
        if (j < n)
            continue;
        const char *close = kg_closest(k->text, keys, n);
        NODE_ERROR(R, k, "unknown key '%s'%s%s%s", k->text, close ? " (did you mean '" : "",
                   close ? close : "", close ? "'?)" : "");
        ok = false;
    }
    return ok;
}

static bool want_map(reader *R, const kg_ynode *n, const char *what)
{
    if (n->kind == KG_Y_MAP)
        return true;
    NODE_ERROR(R, n, "%s must be a mapping, not a %s", what, kg_ykind_name(n));
    return false;
}

/* A label: {ja: ..., en: ...}, or one text for both languages. */
static void read_text(reader *R, const kg_ynode *n, const char *what, tl_text *t)
{
    if (n->kind == KG_Y_SCALAR) {
        t->ja = t->en = n->text;
        return;
    }
    static const char *const keys[] = {"ja", "en"};
    if (!want_map(R, n, what) || !keys_ok(R, n, keys, 2))
        return;
    const kg_ynode *ja = kg_ymap_get(n, "ja"), *en = kg_ymap_get(n, "en");
    if (!ja || !en || ja->kind != KG_Y_SCALAR || en->kind != KG_Y_SCALAR) {
        NODE_ERROR(R, n, "%s needs a text in both languages: {ja: ..., en: ...}", what);
        return;
    }
    t->ja = ja->text;
    t->en = en->text;
}

static void read_ref(reader *R, const kg_ynode *n, const char *what, tl_ref *r)
{
    if (n->kind != KG_Y_SCALAR || n->len == 0) {
        NODE_ERROR(R, n, "%s must be a name, not a %s", what,
                   n->kind == KG_Y_SCALAR ? "blank" : kg_ykind_name(n));
        return;
    }
    r->name = n->text;
    r->line = n->line;
    r->col = n->col;
}

/* A required key of a mapping; NULL after saying it is missing. */
static const kg_ynode *need(reader *R, const kg_ynode *map, const char *key, const char *what)
{
    const kg_ynode *v = kg_ymap_get(map, key);
    if (!v)
        NODE_ERROR(R, map, "%s needs '%s'", what, key);
    return v;
}

static void read_window(reader *R, const kg_ynode *n, tl_layout_window *w)
{
    static const char *const keys[] = {"from", "after", "to", "label"};
    if (!want_map(R, n, "a window") || !keys_ok(R, n, keys, 4))
        return;
    const kg_ynode *from = kg_ymap_get(n, "from"), *after = kg_ymap_get(n, "after");
    if (!from == !after) {
        NODE_ERROR(R, n, "a window starts either 'from' a date or 'after' one (the day after it), not %s",
                   from ? "both" : "neither");
        return;
    }
    read_ref(R, from ? from : after, from ? "from" : "after", &w->from);
    w->from_is_after = after != NULL;
    const kg_ynode *to = need(R, n, "to", "a window"), *label = need(R, n, "label", "a window");
    if (to)
        read_ref(R, to, "to", &w->to);
    if (label)
        read_text(R, label, "a window's label", &w->label);
}

static void read_lane(reader *R, const kg_ynode *n, tl_layout_lane *lane)
{
    static const char *const keys[] = {"label", "span", "windows", "optional"};
    static const char *const span_keys[] = {"from", "to"};
    if (!want_map(R, n, "a lane") || !keys_ok(R, n, keys, 4))
        return;
    const kg_ynode *label = need(R, n, "label", "a lane"), *span = need(R, n, "span", "a lane");
    const kg_ynode *windows = kg_ymap_get(n, "windows"), *optional = kg_ymap_get(n, "optional");
    if (label)
        read_text(R, label, "a lane's label", &lane->label);
    if (span && want_map(R, span, "span") && keys_ok(R, span, span_keys, 2)) {
        const kg_ynode *from = need(R, span, "from", "span"), *to = need(R, span, "to", "span");
        if (from)
            read_ref(R, from, "from", &lane->from);
        if (to)
            read_ref(R, to, "to", &lane->to);
    }
    if (optional) {
        if (optional->kind != KG_Y_SCALAR ||
            (strcmp(optional->text, "true") != 0 && strcmp(optional->text, "false") != 0))
            NODE_ERROR(R, optional, "optional is true or false");
        else
            lane->optional = strcmp(optional->text, "true") == 0;
    }
    if (!windows)
        return;
    if (windows->kind != KG_Y_SEQ) {
        NODE_ERROR(R, windows, "windows must be a list, not a %s", kg_ykind_name(windows));
        return;
    }
    lane->windows = kg_arena_alloc(&R->l->arena, sizeof *lane->windows * (windows->n ? windows->n : 1));
    if (!lane->windows)
        return;
    lane->nwindows = windows->n;
    for (size_t i = 0; i < windows->n; i++)
        read_window(R, windows->items[i], &lane->windows[i]);
}

static void read_marker(reader *R, const kg_ynode *n, tl_layout_marker *m)
{
    static const char *const keys[] = {"param", "date_of", "label"};
    if (!want_map(R, n, "a marker") || !keys_ok(R, n, keys, 3))
        return;
    const kg_ynode *param = kg_ymap_get(n, "param"), *date_of = kg_ymap_get(n, "date_of");
    if (!param == !date_of) {
        NODE_ERROR(R, n,
                   "a marker is either 'param: NAME' (a line at each change of the param) or "
                   "'date_of: NAME' (a line at that value's date), not %s",
                   param ? "both" : "neither");
        return;
    }
    m->kind = param ? TL_MARK_PARAM : TL_MARK_DATE;
    read_ref(R, param ? param : date_of, param ? "param" : "date_of", &m->name);
    const kg_ynode *label = need(R, n, "label", "a marker");
    if (label)
        read_text(R, label, "a marker's label", &m->label);
}

static void read_root(reader *R, const kg_ynode *root)
{
    static const char *const keys[] = {"kigen-timeline", "title", "lanes", "markers"};
    if (!want_map(R, root, "a timeline layout") || !keys_ok(R, root, keys, 4))
        return;
    const kg_ynode *ver = need(R, root, "kigen-timeline", "a timeline layout");
    if (ver && (ver->kind != KG_Y_SCALAR || strcmp(ver->text, "1") != 0))
        NODE_ERROR(R, ver, "this kigen reads layouts of version 1 ('kigen-timeline: 1')");
    const kg_ynode *title = need(R, root, "title", "a timeline layout"),
                   *lanes = need(R, root, "lanes", "a timeline layout"),
                   *markers = kg_ymap_get(root, "markers");
    if (title)
        read_text(R, title, "title", &R->l->title);
    if (lanes && (lanes->kind != KG_Y_SEQ || lanes->n == 0))
        NODE_ERROR(R, lanes, "lanes must be a list of at least one lane");
    else if (lanes) {
        R->l->lanes = kg_arena_alloc(&R->l->arena, sizeof *R->l->lanes * lanes->n);
        R->l->nlanes = R->l->lanes ? lanes->n : 0;
        for (size_t i = 0; i < R->l->nlanes; i++)
            read_lane(R, lanes->items[i], &R->l->lanes[i]);
    }
    if (markers && markers->kind != KG_Y_SEQ)
        NODE_ERROR(R, markers, "markers must be a list, not a %s", kg_ykind_name(markers));
    else if (markers && markers->n) {
        R->l->markers = kg_arena_alloc(&R->l->arena, sizeof *R->l->markers * markers->n);
        R->l->nmarkers = R->l->markers ? markers->n : 0;
        for (size_t i = 0; i < R->l->nmarkers; i++)
            read_marker(R, markers->items[i], &R->l->markers[i]);
    }
}

/* The whole file into the arena; NULL after saying why. */
static char *slurp(tl_layout *l, const char *path, const char *include_root, size_t *len)
{
    static const char *const suffixes[] = {".yaml", ".yml", NULL};
    FILE *f = NULL;
    kg_file_id id;
    char why[512];
    kg_file_err e = kg_file_open(path, suffixes, include_root, &f, &id, why, sizeof why);
    if (e != KG_FILE_OK) {
        cli_warn("timeline", "cannot read the layout '%s': %s%s", path,
                 e == KG_FILE_SUFFIX    ? "a layout is a .yaml or .yml file; "
                 : e == KG_FILE_OUTSIDE ? "outside --include-root; "
                                        : "",
                 why);
        return NULL;
    }
    char *text = kg_arena_alloc(&l->arena, TL_LAYOUT_MAX + 1);
    size_t got = text ? fread(text, 1, TL_LAYOUT_MAX + 1, f) : 0;
    bool bad = !text || ferror(f);
    fclose(f);
    if (bad || got > TL_LAYOUT_MAX) {
        cli_warn("timeline", "cannot read the layout '%s': %s", path,
                 !text ? "out of memory"
                 : bad ? "read error"
                       : "larger than 1 MiB");
        return NULL;
    }
    text[got] = '\0';
    *len = got;
    return text;
}

/* Parse text (len bytes, NUL-terminated, in l's arena) as the layout
 * named name into l; false after printing the problems. */
static bool parse(tl_layout *l, const char *name, const char *text, size_t len)
{
    kg_srcfile *src = kg_arena_alloc(&l->arena, sizeof *src);
    kigen_diags *d = src ? kg_diags_new(&l->mem, false) : NULL;
    reader R = {l, d != NULL};
    if (!d) {
        cli_warn("timeline", "out of memory");
        return false;
    }
    src->name = name;
    src->text = text;
    src->len = len;
    kg_srcfile_index(src, &l->arena);
    const kg_ynode *root = kg_yaml_parse(src, &l->arena, d);
    if (!root || kigen_diags_errors(d) > 0) {
        cli_print_diags(d);
        R.ok = false;
    } else {
        read_root(&R, root);
    }
    kigen_diags_free(d);
    if (R.ok && l->arena.failed) {
        cli_warn("timeline", "out of memory");
        R.ok = false;
    }
    if (!R.ok)
        cli_warn("timeline", "%s: the layout has errors; nothing was drawn", name);
    return R.ok;
}

bool tl_layout_read(tl_layout *l, const char *path, const char *include_root)
{
    memset(l, 0, sizeof *l);
    kg_arena_init(&l->arena, &l->mem);
    l->path = kg_arena_strdup(&l->arena, path);
    size_t len = 0;
    char *text = l->path ? slurp(l, path, include_root, &len) : NULL;
    bool ok = text && parse(l, l->path, text, len);
    if (!ok)
        tl_layout_free(l); /* a layout that was not read holds nothing */
    return ok;
}

bool tl_layout_parse(tl_layout *l, const char *name, const char *text, size_t len)
{
    memset(l, 0, sizeof *l);
    kg_arena_init(&l->arena, &l->mem);
    l->path = kg_arena_strdup(&l->arena, name);
    char *copy = l->path && len <= TL_LAYOUT_MAX ? kg_arena_alloc(&l->arena, len + 1) : NULL;
    if (copy) {
        memcpy(copy, text, len);
        copy[len] = '\0';
    } else {
        cli_warn("timeline", "%s: %s", name, len > TL_LAYOUT_MAX ? "larger than 1 MiB" : "out of memory");
    }
    bool ok = copy && parse(l, l->path, copy, len);
    if (!ok)
        tl_layout_free(l);
    return ok;
}

void tl_layout_free(tl_layout *l)
{
    kg_arena_free(&l->arena);
}

/* ---- names: checked against an evaluated record ------------------------------------ */

/* The closest fact, alias or output name, or NULL (rules that are not
 * outputs cannot be listed through the API, so they are not offered). */
static const char *closest_value_name(const kigen_ruleset *rs, const char *name)
{
    int nf = kigen_fact_count(rs), na = kigen_alias_count(rs), no = kigen_output_count(rs);
    size_t n = (size_t)nf + (size_t)na + (size_t)no;
    const char **names = malloc(sizeof *names * (n ? n : 1));
    if (!names)
        return NULL;
    for (int i = 0; i < nf; i++)
        names[i] = kigen_fact_name(rs, i);
    for (int i = 0; i < na; i++)
        names[nf + i] = kigen_alias_name(rs, i, NULL);
    for (int i = 0; i < no; i++)
        names[nf + na + i] = kigen_output_name(rs, i);
    const char *close = kg_closest(name, names, n);
    free(names);
    return close;
}

static const char *closest_param(const kigen_ruleset *rs, const char *name)
{
    int np = kigen_param_count(rs);
    const char **names = malloc(sizeof *names * (np > 0 ? (size_t)np : 1));
    if (!names)
        return NULL;
    for (int i = 0; i < np; i++)
        names[i] = kigen_param_name(rs, i);
    const char *close = kg_closest(name, names, (size_t)(np > 0 ? np : 0));
    free(names);
    return close;
}

static const char *type_name(kigen_type t)
{
    switch (t) {
    case KIGEN_T_BOOL: return "a boolean";
    case KIGEN_T_INT: return "a whole number";
    case KIGEN_T_STRING: return "a text";
    case KIGEN_T_ENUM: return "a choice";
    case KIGEN_T_DURATION: return "a duration";
    default: return "not a date";
    }
}

/* A name drawn as a date: it exists, and it is a date (or none, or an
 * error, which the chart shows as such). */
static bool check_date_name(const tl_layout *l, const kigen_ctx *c, const tl_ref *r)
{
    if (!r->name)
        return true; /* missing: already said when read */
    kigen_value v;
    int rc = kigen_get_by_name(c, r->name, &v);
    if (rc == KIGEN_ENOTFOUND) {
        const char *close = closest_value_name(kigen_ctx_ruleset(c), r->name);
        at_error(l->path, r->line, r->col, "'%s' is not a fact, rule or output of %s%s%s%s", r->name,
                 kigen_ruleset_name(kigen_ctx_ruleset(c)), close ? " (did you mean '" : "",
                 close ? close : "", close ? "'?)" : "");
        return false;
    }
    if (rc != KIGEN_OK) {
        at_error(l->path, r->line, r->col, "'%s' cannot be read: %s", r->name, kigen_status_str(rc));
        return false;
    }
    if (v.type != KIGEN_T_DATE && v.type != KIGEN_T_NONE && v.type != KIGEN_T_ERROR) {
        at_error(l->path, r->line, r->col, "'%s' is %s, not a date", r->name, type_name(v.type));
        return false;
    }
    return true;
}

bool tl_layout_check(const tl_layout *l, const kigen_ctx *c)
{
    const kigen_ruleset *rs = kigen_ctx_ruleset(c);
    bool ok = true;
    for (size_t i = 0; i < l->nlanes; i++) {
        const tl_layout_lane *lane = &l->lanes[i];
        ok &= check_date_name(l, c, &lane->from);
        ok &= check_date_name(l, c, &lane->to);
        for (size_t k = 0; k < lane->nwindows; k++) {
            ok &= check_date_name(l, c, &lane->windows[k].from);
            ok &= check_date_name(l, c, &lane->windows[k].to);
        }
    }
    for (size_t i = 0; i < l->nmarkers; i++) {
        const tl_layout_marker *m = &l->markers[i];
        if (m->kind == TL_MARK_DATE) {
            ok &= check_date_name(l, c, &m->name);
        } else if (m->name.name && kigen_param_index(rs, m->name.name) < 0) {
            const char *close = closest_param(rs, m->name.name);
            at_error(l->path, m->name.line, m->name.col, "'%s' is not a param of %s%s%s%s", m->name.name,
                     kigen_ruleset_name(rs), close ? " (did you mean '" : "", close ? close : "",
                     close ? "'?)" : "");
            ok = false;
        }
    }
    if (!ok)
        cli_warn("timeline", "%s: the layout does not fit the rule set; nothing was drawn", l->path);
    return ok;
}
