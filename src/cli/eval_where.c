/* kigen eval --where EXPR: the condition becomes one more rule of the rule
 * set, so that it is parsed, type-checked and compiled exactly as a rule in
 * the file would be (same names, same functions, same diagnostics). The
 * rule set is loaded through a small rule file made here, which includes
 * the user's file and adds the rule as an output:
 *
 *     kigen: 1
 *     name: "<the rule set's name>"
 *     include: ["<the rule file, absolute>"]
 *     outputs: [kigen_eval_where]
 *     rules:
 *       kigen_eval_where:
 *         type: boolean
 *         value: |2-
 *           <EXPR, each line indented by six spaces>
 *
 * Its diagnostics are printed against the expression itself (--where:1:12),
 * not against this text. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli/eval_where.h"
#include "cli/common.h"
#include "base/file.h"
#include "base/mem.h"
#include "base/text.h"

#define EXPR_LINE 9   /* the wrapper's line that holds the expression's first line */
#define EXPR_INDENT 6 /* and its indent */
#define WRAPPER_NAME "--where"

const char eval_where_rule[] = "kigen_eval_where";

/* A JSON string is a YAML double-quoted scalar. */
static void quoted(kg_buf *b, const char *s)
{
    kg_buf_putc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            kg_buf_printf(b, "\\%c", c);
        else if (c < 0x20)
            kg_buf_printf(b, "\\x%02x", c);
        else
            kg_buf_putc(b, (char)c);
    }
    kg_buf_putc(b, '"');
}

static void print_diag(const kigen_diag *d, const char *expr)
{
    bool ours = d->file && strcmp(d->file, WRAPPER_NAME) == 0 && d->line >= EXPR_LINE;
    if (!ours) {
        cli_warn("eval", "--where: %s%s%s", d->message, d->hint ? " (" : "", d->hint ? d->hint : "");
        return;
    }
    int line = d->line - EXPR_LINE + 1;
    int col = d->column > EXPR_INDENT ? d->column - EXPR_INDENT : 1;
    /* The condition is kigen's rule, not the user's: say what is wrong with
     * the expression, not with a rule they never wrote. */
    const char *msg = d->message, *expected = d->expected;
    char own[600];
    const char *is = strstr(msg, "but its value is ");
    if (strstr(msg, eval_where_rule) && is) {
        const char *ty = is + strlen("but its value is ");
        bool vowel = strchr("aeiou", ty[0]) != NULL && ty[0];
        snprintf(own, sizeof own, "the condition must be true or false, but this expression gives %s%s",
                 strncmp(ty, "one of", 6) == 0 ? ""
                 : vowel                       ? "an "
                                               : "a ",
                 ty);
        msg = own;
        expected = "boolean";
    } else if (strstr(msg, eval_where_rule)) {
        /* any other mention of the rule (a cycle through it): the condition */
        size_t k = 0, wl = strlen(eval_where_rule);
        for (const char *m = msg; *m && k + 8 < sizeof own;) {
            if (strncmp(m, eval_where_rule, wl) == 0) {
                memcpy(own + k, "--where", 7);
                k += 7;
                m += wl;
            } else {
                own[k++] = *m++;
            }
        }
        own[k] = '\0';
        msg = own;
    }
    cli_warn("eval", "--where:%d:%d: %s[%s]: %s%s%s", line, col,
             d->severity == KIGEN_SEV_ERROR ? "error" : "warning", d->code ? d->code : "", msg,
             expected ? "; expected " : "", expected ? expected : "");
    /* the expression's line, and a caret under the column */
    const char *p = expr;
    for (int i = 1; i < line && p; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    if (!p)
        return;
    const char *end = strchr(p, '\n');
    int len = end ? (int)(end - p) : (int)strlen(p);
    cli_line("  %.*s", len, p);
    /* the column counts characters: the caret stands at the display width
     * of the characters before it (a kanji takes two cells) */
    size_t before = 0;
    for (int k = 1; k < col && before < (size_t)len; k++) {
        before++;
        while (before < (size_t)len && ((unsigned char)p[before] & 0xC0) == 0x80)
            before++;
    }
    size_t width = kg_display_width(p, before);
    char pad[512];
    size_t k = width < sizeof pad - 1 ? width : sizeof pad - 1;
    memset(pad, ' ', k);
    pad[k] = '\0';
    cli_line("  %s^%s%s", pad, d->hint ? " " : "", d->hint ? d->hint : "");
}

int eval_load_where(const char *path, const char *expr, const kigen_ruleset *plain, kigen_ruleset **out)
{
    *out = NULL;
    char found[PATH_MAX];
    if (cli_find_rules("eval", path, found, sizeof found) != KIGEN_OK)
        return CLI_USAGE;
    char *abs = kg_path_real(found);
    if (!abs) {
        cli_warn("eval", "--where: cannot resolve '%s'", path);
        return CLI_USAGE;
    }
    kg_buf y;
    kg_buf_init(&y, NULL);
    kg_buf_puts(&y, "kigen: 1\nname: ");
    quoted(&y, kigen_ruleset_name(plain) ? kigen_ruleset_name(plain) : "where");
    kg_buf_puts(&y, "\ninclude: [");
    quoted(&y, abs);
    /* |2-: the indentation is stated (6), not taken from the first line,
     * so an expression may start with a tab or with more spaces than its
     * next line has: all of it is the expression's own white space */
    kg_buf_printf(&y, "]\noutputs: [%s]\nrules:\n  %s:\n    type: boolean\n    value: |2-\n", eval_where_rule,
                  eval_where_rule);
    free(abs);
    /* every line of the expression, indented (a block scalar keeps it as it is) */
    for (const char *p = expr;;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        kg_buf_puts(&y, "      ");
        kg_buf_put(&y, p, n);
        kg_buf_putc(&y, '\n');
        if (!nl)
            break;
        p = nl + 1;
    }
    if (y.failed) {
        kg_buf_free(&y);
        cli_warn("eval", "out of memory");
        return CLI_USAGE;
    }
    kigen_opts o = KIGEN_OPTS_INIT;
    o.include_root = cli_include_root;
    kigen_diags *d = NULL;
    int rc = kigen_load_string(WRAPPER_NAME, y.p, y.len, &o, out, &d);
    kg_buf_free(&y);
    if (rc != KIGEN_OK) {
        size_t shown = 0;
        for (size_t i = 0; d && i < kigen_diags_count(d); i++) {
            const kigen_diag *g = kigen_diags_get(d, i);
            if (g->severity == KIGEN_SEV_ERROR) {
                print_diag(g, expr);
                shown++;
            }
        }
        if (!shown)
            cli_warn("eval", "--where: %s", kigen_status_str(rc));
        kigen_diags_free(d);
        return CLI_USAGE;
    }
    kigen_diags_free(d);
    return CLI_OK;
}
