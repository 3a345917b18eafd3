/* Embedding kigen in a C program: load the national pack once, evaluate
 * records through a context, read outputs, explain one value, and try the
 * other reading of an unresolved point.
 *
 *   cc embed.c $(pkg-config --cflags --libs kigen) -o embed
 *   ./embed rules/jp/mynumber.yaml
 */
#include <stdio.h>
#include <string.h>

#include <kigen.h>

/* kigen_diags_write's writer for a FILE *. */
static int write_file(void *f, const char *s, size_t n) { return fwrite(s, 1, n, (FILE *)f) == n ? 0 : -1; }

static int fail(const char *what, kigen_ctx *c)
{
    fprintf(stderr, "embed: %s: %s\n", what, c ? kigen_errmsg(c) : "");
    return 1;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "rules/jp/mynumber.yaml";
    /* The header and the library must agree (as lua_checkversion does). */
    if (kigen_check_version() != KIGEN_OK) {
        fprintf(stderr, "embed: built against kigen %s, running with %s\n", KIGEN_VERSION,
                kigen_version());
        return 1;
    }

    kigen_ruleset *rs = NULL;
    kigen_diags *diags = NULL;
    if (kigen_load_file(path, NULL, &rs, &diags) != KIGEN_OK) {
        kigen_diags_write(diags, write_file, stderr, 0);
        kigen_diags_free(diags);
        return 1;
    }
    kigen_diags_free(diags);

    kigen_ctx *c = NULL;
    if (kigen_ctx_new(rs, &c) != KIGEN_OK)
        return fail("ctx", NULL);
    /* The context holds its own reference: the rule set can go now. */
    kigen_ruleset_free(rs);

    /* Facts by name, parsed by their declared types (era dates work too)... */
    if (kigen_set(c, "birth_date", "平成16年4月2日") != KIGEN_OK ||
        kigen_set(c, "application_date", "2022-03-15") != KIGEN_OK)
        return fail("set", c);
    /* ...or typed, by index, for the hot path. */
    kigen_date issue;
    kigen_date_from_ymd(2022, 4, 1, &issue);
    int fi = kigen_fact_index(kigen_ctx_ruleset(c), "card_issue_date");
    if (fi < 0 || kigen_set_date(c, fi, issue) != KIGEN_OK)
        return fail("set_date", c);
    kigen_set_today(c, issue);
    kigen_set_explain(c, 1);

    if (kigen_eval(c) != KIGEN_OK)
        return fail("eval", c);
    kigen_value v;
    char buf[256];
    const kigen_ruleset *r = kigen_ctx_ruleset(c);
    for (int i = 0; i < kigen_output_count(r); i++) {
        kigen_get(c, i, &v);
        kigen_value_format(&v, buf, sizeof buf);
        printf("%-24s %s\n", kigen_output_name(r, i), buf);
    }
    const char *msg = kigen_message(c, kigen_output_index(r, "card_status"), "ja");
    printf("message (ja): %s\n", msg ? msg : "(none)");

    /* Why 2026-04-02 and not 2031? */
    const char *why = kigen_explain_text(c, "card_age_line_used");
    if (!why)
        return fail("explain", c);
    fputs(why, stdout);

    /* Another reading of U4: key the age line on the issue date. */
    if (kigen_set_param(c, "age_line_keyed_on", "issue_date") != KIGEN_OK || kigen_eval(c) != KIGEN_OK)
        return fail("param", c);
    kigen_get_by_name(c, "card_expiry", &v);
    kigen_value_format(&v, buf, sizeof buf);
    printf("card_expiry with age_line_keyed_on=issue_date: %s\n", buf);
    int ok = strcmp(buf, "2031-04-02") == 0;

    /* A bad fact is a status and a message, never a crash. */
    if (kigen_set(c, "card_issue_date", "2023-02-29") == KIGEN_OK)
        return fail("a bad date was accepted", c);
    printf("bad input: %s\n", kigen_errmsg(c));

    kigen_ctx_free(c);
    return ok ? 0 : 1;
}
