/* See columns.h. */
#include "cli/columns.h"
#include "base/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct decision {
    int fact; /* >= 0, CLI_COL_PASS or CLI_COL_BAD */
    char why[400];
} decision;

void cli_columns_init(cli_columns *c, kigen_ruleset *rs, const char *passthrough, bool strict,
                      const cli_kv *sets, int nsets)
{
    memset(c, 0, sizeof *c);
    c->rs = rs;
    c->strict = strict;
    kg_symtab_init(&c->seen, NULL);
    int nf = kigen_fact_count(rs);
    c->set_by_option = calloc((size_t)(nf ? nf : 1), sizeof *c->set_by_option);
    for (int i = 0; c->set_by_option && i < nsets; i++) {
        int fi = kigen_fact_index(rs, sets[i].name);
        if (fi >= 0)
            c->set_by_option[fi] = true;
    }
    if (passthrough) {
        char *list = strdup(passthrough), *save = NULL;
        for (char *t = list ? strtok_r(list, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save)) {
            char **p = realloc(c->explicit_pass, (size_t)(c->nexplicit + 1) * sizeof *p);
            if (!p)
                break;
            c->explicit_pass = p;
            c->explicit_pass[c->nexplicit++] = strdup(t);
        }
        free(list);
    }
}

/* The name as it would be written as a fact: ASCII lower case, full-width
 * letters and digits as ASCII, spaces, hyphens and dots as '_'. */
static void normalise(const char *s, char *out, size_t n)
{
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && k + 1 < n;) {
        unsigned c = *p;
        if (c == 0xEF && (p[1] == 0xBC || p[1] == 0xBD) && p[2]) {
            /* U+FF01..U+FF5E: full-width forms of ASCII 0x21..0x7E */
            unsigned cp = ((unsigned)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
            cp |= 0xF000;
            if (cp >= 0xFF01 && cp <= 0xFF5E) {
                c = cp - 0xFF01 + 0x21;
                p += 3;
                goto ascii;
            }
        }
        if (c == 0xE3 && p[1] == 0x80 && p[2] == 0x80) { /* ideographic space */
            c = ' ';
            p += 3;
            goto ascii;
        }
        if (c == 0xC2 && p[1] == 0xA0) { /* no-break space */
            c = ' ';
            p += 2;
            goto ascii;
        }
        if ((c == 0xE2 && p[1] == 0x80 && (p[2] == 0x8B || p[2] == 0x8C || p[2] == 0x8D)) ||
            (c == 0xEF && p[1] == 0xBB && p[2] == 0xBF)) {
            p += 3; /* zero-width spaces and joiners, a byte order mark: invisible */
            continue;
        }
        p++;
    ascii:
        if (c >= 'A' && c <= 'Z')
            c = c - 'A' + 'a';
        if (c == ' ' || c == '-' || c == '.')
            c = '_';
        out[k++] = (char)c;
    }
    out[k] = '\0';
}

static bool explicit_pass(const cli_columns *c, const char *name)
{
    for (int i = 0; i < c->nexplicit; i++)
        if (strcmp(c->explicit_pass[i], name) == 0)
            return true;
    return false;
}

static decision *decide(cli_columns *c, const char *name)
{
    decision *d = kg_symtab_get(&c->seen, name, strlen(name));
    if (d)
        return d;
    d = calloc(1, sizeof *d);
    char *key = strdup(name);
    if (!d || !key || !kg_vec_push(&c->owned, NULL, d) || !kg_vec_push(&c->owned, NULL, key)) {
        free(d);
        free(key);
        return NULL;
    }
    kg_symtab_put(&c->seen, key, strlen(key), d);
    d->fact = kigen_fact_index(c->rs, name);
    if (d->fact >= 0)
        return d;
    d->fact = CLI_COL_PASS;
    if (explicit_pass(c, name))
        return d;
    const char *rules = kigen_ruleset_name(c->rs);
    if (c->strict) {
        d->fact = CLI_COL_BAD;
        snprintf(d->why, sizeof d->why,
                 c->ja ? "列「%.*s」は %s の項目ではありません（--strict-columns では、そのまま出力する列を "
                         "--passthrough で指定します）"
                       : "column '%.*s' is not a fact of %s (with --strict-columns, list the columns to copy "
                         "through with --passthrough)",
                 kg_utf8_fit(name, 100), name, rules ? rules : "the rules");
        return d;
    }
    /* Close to a fact's name or one of its aliases (生年月日 for
     * birth_date): a mistake, not a column to copy. */
    char norm[256];
    normalise(name, norm, sizeof norm);
    int nf = kigen_fact_count(c->rs), na = kigen_alias_count(c->rs);
    const char **names = malloc(sizeof(char *) * ((size_t)nf + (size_t)na + 1));
    const char *close = NULL;
    for (int i = 0; names && i < nf + na; i++) {
        names[i] = i < nf ? kigen_fact_name(c->rs, i) : kigen_alias_name(c->rs, i - nf, NULL);
        if (strcmp(names[i], norm) == 0)
            close = names[i];
    }
    if (!close && names && norm[0])
        close = kg_closest(norm, names, (size_t)nf + (size_t)na);
    free(names);
    if (close) {
        d->fact = CLI_COL_BAD;
        snprintf(
            d->why, sizeof d->why,
            c->ja ? "列「%.*s」は項目名ではありません。「%s」の誤りではありませんか？（項目でない列なら "
                    "--passthrough '%.*s' を付けるとそのまま出力します）"
                  : "column '%.*s' is not a fact: did you mean '%s'? (if it is not meant as a fact, copy it "
                    "through with --passthrough '%.*s')",
            kg_utf8_fit(name, 100), name, close, kg_utf8_fit(name, 100), name);
    }
    return d;
}

int cli_columns_fact(cli_columns *c, const char *name)
{
    decision *d = decide(c, name);
    return d ? d->fact : CLI_COL_BAD;
}

const char *cli_columns_why(cli_columns *c, const char *name)
{
    decision *d = decide(c, name);
    return d ? d->why : "out of memory";
}

bool cli_columns_classify(cli_columns *c, const char *const *names, int n, bool fatal)
{
    bool ok = true;
    for (int i = 0; i < n; i++) {
        int f = cli_columns_fact(c, names[i]);
        if (f == CLI_COL_BAD && fatal) {
            cli_warn("eval", "%s", cli_columns_why(c, names[i]));
            ok = false;
        }
        if (f == CLI_COL_PASS) {
            char **p = realloc(c->pass, (size_t)(c->npass + 1) * sizeof *p);
            if (!p)
                return false;
            c->pass = p;
            c->pass[c->npass++] = strdup(names[i]);
        }
    }
    /* --passthrough names a column the input does not have: say so. In
     * JSON Lines a key may first appear in a later record, so the list is
     * taken as the columns to keep (empty in records without the key). */
    for (int i = 0; i < c->nexplicit; i++)
        if (!cli_columns_is_pass(c, c->explicit_pass[i])) {
            bool fact = kigen_fact_index(c->rs, c->explicit_pass[i]) >= 0;
            if (!fact && !fatal) {
                char **p = realloc(c->pass, (size_t)(c->npass + 1) * sizeof *p);
                if (!p || !(p[c->npass] = strdup(c->explicit_pass[i]))) {
                    if (p)
                        c->pass = p;
                    return false;
                }
                c->pass = p;
                c->npass++;
                continue;
            }
            if (c->ja)
                cli_warn("eval", "--passthrough: %s「%s」",
                         fact ? "項目はそのまま出力する列にできません:" : "入力にその列がありません:",
                         c->explicit_pass[i]);
            else
                cli_warn("eval", "--passthrough: %s '%s'",
                         fact ? "it names a fact, not a column to copy:" : "the input has no column",
                         c->explicit_pass[i]);
            ok = false;
        }
    return ok;
}

bool cli_columns_classify_input(cli_columns *c, kg_reader *rd, const kg_record *first, int r, kg_format fmt)
{
    const char *const *names = NULL;
    int nnames = 0;
    if (fmt == KG_FMT_CSV)
        nnames = kg_reader_header(rd, &names);
    else if (r == 1) {
        names = first->names;
        nnames = first->n;
    }
    return cli_columns_classify(c, names, nnames, fmt == KG_FMT_CSV);
}

int cli_columns_pass_index(const cli_columns *c, const char *name)
{
    for (int i = 0; i < c->npass; i++)
        if (strcmp(c->pass[i], name) == 0)
            return i;
    return -1;
}

bool cli_columns_is_pass(const cli_columns *c, const char *name)
{
    return cli_columns_pass_index(c, name) >= 0;
}

bool cli_columns_set_by_option(const cli_columns *c, int fact)
{
    return c->set_by_option && c->set_by_option[fact];
}

bool cli_columns_apply(cli_columns *c, kigen_ctx *ctx, const kg_record *rec, const cli_kv *sets, int nsets,
                       char *err, size_t n)
{
    err[0] = '\0';
    kigen_ctx_reset(ctx);
    for (int i = 0; i < nsets; i++)
        if (kigen_set(ctx, sets[i].name, sets[i].value) != KIGEN_OK) {
            snprintf(err, n, "%s", kigen_errmsg(ctx));
            return false;
        }
    for (int i = 0; rec && i < rec->n; i++) {
        int fi = cli_columns_fact(c, rec->names[i]);
        if (fi == CLI_COL_BAD) {
            snprintf(err, n, "%s", cli_columns_why(c, rec->names[i]));
            return false;
        }
        if (fi < 0)
            continue;
        for (int k = 0; k < i; k++) /* a name and its alias: which would win is a guess */
            if (cli_columns_fact(c, rec->names[k]) == fi) {
                snprintf(err, n,
                         c->ja ? "「%s」と「%s」はどちらも項目 %s です（どちらか一方にしてください）"
                               : "'%s' and '%s' both give the fact %s; keep one of them",
                         rec->names[k], rec->names[i], kigen_fact_name(c->rs, fi));
                return false;
            }
        if (rec->unusable && rec->unusable[i]) {
            const char *u = rec->unusable[i];
            snprintf(err, n,
                     c->ja ? "項目「%s」の値が%sです（項目の値は文字列、整数、真偽値か null です）"
                           : "fact '%s' holds %s; facts are strings, whole numbers, booleans or null",
                     rec->names[i],
                     !c->ja                         ? u
                     : strcmp(u, "a list") == 0     ? "リスト"
                     : strcmp(u, "a fraction") == 0 ? "小数"
                                                    : "オブジェクト");
            return false;
        }
        if (!rec->values[i] || !rec->values[i][0]) {
            /* an empty cell, a JSON null or "": a --set value stays, otherwise the default applies */
            if (!cli_columns_set_by_option(c, fi))
                kigen_unset(ctx, fi);
            continue;
        }
        if (kigen_set_text(ctx, fi, rec->values[i], strlen(rec->values[i])) != KIGEN_OK) {
            snprintf(err, n, "%s", kigen_errmsg(ctx));
            return false;
        }
    }
    return true;
}

void cli_columns_free(cli_columns *c)
{
    for (size_t i = 0; i < c->owned.n; i++)
        free(c->owned.v[i]);
    kg_vec_free(&c->owned, NULL);
    kg_symtab_free(&c->seen);
    for (int i = 0; i < c->nexplicit; i++)
        free(c->explicit_pass[i]);
    free(c->explicit_pass);
    for (int i = 0; i < c->npass; i++)
        free(c->pass[i]);
    free(c->pass);
    free(c->set_by_option);
}
