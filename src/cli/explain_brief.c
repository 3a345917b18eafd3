/* kigen explain --brief: one value's derivation in a page — the value, its
 * rule and the case taken, the facts it came from, the rules it went
 * through, every param version used and the sources — instead of the whole
 * tree (hundreds of lines for an expiry). Built from the library's explain
 * JSON, so it can say nothing the full explanation does not. */
#include "cli/explain_brief.h"

#include <string.h>

#include "base/mem.h"

/* Labels, English and Japanese. */
enum { L_CASE, L_MESSAGE, L_GIVEN, L_DEFAULTS, L_THROUGH, L_PARAMS, L_SOURCES, L_NONE, L_OVERRIDE, L_N };
static const char *const labels[2][L_N] = {
    {"case taken", "message", "facts given", "defaults used", "through the rules", "params", "sources",
     "(none)", "overridden for this run"},
    {"適用した場合", "メッセージ", "入力された事実", "既定値を使った事実", "経由した規則", "パラメータ",
     "出典", "(なし)", "この実行で上書き"},
};

typedef struct brief {
    const char *const *L;
    kg_buf given, defaults, through, params;
    json_t *seen_params, *seen_sources, *sources; /* name -> true; id -> true; [source] */
    json_t *seen_names;
} brief;

static void value_text(kg_buf *b, const json_t *v, const char *none)
{
    if (json_is_string(v))
        kg_buf_puts(b, json_string_value(v));
    else if (json_is_integer(v))
        kg_buf_printf(b, "%lld", (long long)json_integer_value(v));
    else if (json_is_boolean(v))
        kg_buf_puts(b, json_is_true(v) ? "true" : "false");
    else if (json_is_object(v) && json_is_string(json_object_get(v, "error")))
        kg_buf_printf(b, "error: %s", json_string_value(json_object_get(v, "error")));
    else
        kg_buf_puts(b, none);
}

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static void add_sources(brief *B, const json_t *n)
{
    const json_t *arr = json_object_get(n, "sources"), *s;
    size_t i;
    json_array_foreach(arr, i, s)
    {
        const char *id = str(s, "id");
        if (!*id || json_object_get(B->seen_sources, id))
            continue;
        json_object_set_new(B->seen_sources, id, json_true());
        json_array_append(B->sources, (json_t *)s);
    }
}

static void walk(brief *B, const json_t *n, bool top)
{
    const char *name = str(n, "name"), *kind = str(n, "kind");
    if (json_is_true(json_object_get(n, "see_above")) || (!top && json_object_get(B->seen_names, name)))
        return;
    json_object_set_new(B->seen_names, name, json_true());
    add_sources(B, n);
    if (!top && strncmp(kind, "fact", 4) == 0) {
        kg_buf *b = strcmp(kind, "fact, given") == 0     ? &B->given
                    : strcmp(kind, "fact, default") == 0 ? &B->defaults
                                                         : NULL;
        if (b) {
            kg_buf_printf(b, "    %s = ", name);
            value_text(b, json_object_get(n, "value"), B->L[L_NONE]);
            kg_buf_putc(b, '\n');
        }
    } else if (!top && strcmp(kind, "rule") == 0 && !json_is_null(json_object_get(n, "value"))) {
        kg_buf_printf(&B->through, "    %s = ", name);
        value_text(&B->through, json_object_get(n, "value"), B->L[L_NONE]);
        const json_t *cs = json_object_get(n, "case");
        if (cs)
            kg_buf_printf(&B->through, "  (%lld/%lld: %s)",
                          (long long)json_integer_value(json_object_get(cs, "index")),
                          (long long)json_integer_value(json_object_get(cs, "of")), str(cs, "when"));
        kg_buf_putc(&B->through, '\n');
    }
    const json_t *arr = json_object_get(n, "params"), *p;
    size_t i;
    json_array_foreach(arr, i, p)
    {
        char key[512];
        snprintf(key, sizeof key, "%s@%s", str(p, "name"), str(p, "looked_up_at"));
        if (json_object_get(B->seen_params, key))
            continue;
        json_object_set_new(B->seen_params, key, json_true());
        add_sources(B, p);
        kg_buf_printf(&B->params, "    %s = ", str(p, "name"));
        value_text(&B->params, json_object_get(p, "value"), B->L[L_NONE]);
        if (json_is_true(json_object_get(p, "overridden")))
            kg_buf_printf(&B->params, "  (%s)", B->L[L_OVERRIDE]);
        else if (*str(p, "effective_from")) {
            if (B->L == labels[1])
                kg_buf_printf(&B->params, "  (%s から施行; %s 時点で参照)", str(p, "effective_from"),
                              str(p, "looked_up_at"));
            else
                kg_buf_printf(&B->params, "  (in effect from %s; looked up at %s)", str(p, "effective_from"),
                              str(p, "looked_up_at"));
        }
        kg_buf_putc(&B->params, '\n');
    }
    arr = json_object_get(n, "inputs");
    json_array_foreach(arr, i, p) walk(B, p, false);
}

static void section(kg_buf *out, const char *label, kg_buf *b)
{
    if (b->len == 0)
        return;
    kg_buf_printf(out, "  %s:\n", label);
    kg_buf_put(out, b->p, b->len);
}

int cli_explain_brief(const char *json_text, const char *message, bool ja, kg_buf *out)
{
    json_error_t err;
    json_t *root = json_loads(json_text, 0, &err);
    if (!root)
        return -1;
    if (!json_is_object(root)) {
        json_decref(root);
        return -1;
    }
    brief B = {.L = labels[ja ? 1 : 0]};
    kg_buf_init(&B.given, NULL);
    kg_buf_init(&B.defaults, NULL);
    kg_buf_init(&B.through, NULL);
    kg_buf_init(&B.params, NULL);
    B.seen_params = json_object();
    B.seen_sources = json_object();
    B.seen_names = json_object();
    B.sources = json_array();
    const json_t *n = root;
    kg_buf_printf(out, "%s = ", str(n, "name"));
    value_text(out, json_object_get(n, "value"), B.L[L_NONE]);
    kg_buf_putc(out, '\n');
    if (*str(n, "doc"))
        kg_buf_printf(out, "  %s\n", str(n, "doc"));
    if (*str(n, "source"))
        kg_buf_printf(out, "  source: %s\n", str(n, "source"));
    const json_t *cs = json_object_get(n, "case");
    if (cs)
        kg_buf_printf(out, "  %s: %lld/%lld, %s\n", B.L[L_CASE],
                      (long long)json_integer_value(json_object_get(cs, "index")),
                      (long long)json_integer_value(json_object_get(cs, "of")), str(cs, "when"));
    if (message)
        kg_buf_printf(out, "  %s: %s\n", B.L[L_MESSAGE], message);
    walk(&B, n, true);
    section(out, B.L[L_GIVEN], &B.given);
    section(out, B.L[L_DEFAULTS], &B.defaults);
    section(out, B.L[L_THROUGH], &B.through);
    section(out, B.L[L_PARAMS], &B.params);
    if (json_array_size(B.sources) > 0) {
        const json_t *src;
        size_t i;
        kg_buf_printf(out, "  %s:\n", B.L[L_SOURCES]);
        json_array_foreach(B.sources, i, src)
        {
            kg_buf_printf(out, "    %s: %s", str(src, "id"), str(src, "title"));
            if (*str(src, "url"))
                kg_buf_printf(out, " <%s>", str(src, "url"));
            kg_buf_putc(out, '\n');
        }
    }
    kg_buf_free(&B.given);
    kg_buf_free(&B.defaults);
    kg_buf_free(&B.through);
    kg_buf_free(&B.params);
    json_decref(B.seen_params);
    json_decref(B.seen_sources);
    json_decref(B.seen_names);
    json_decref(B.sources);
    json_decref(root);
    return out->failed ? -1 : 0;
}
