/* --input FILE --record N: one record of a CSV or JSON Lines file as the
 * facts of a context, for the commands that look at one resident (explain,
 * timeline). The file is read as kigen eval reads it (the same reader, the
 * same column decisions: a misspelt column is an error here too), so
 * record N means what it means in eval's output. */
#include "cli/one_record.h"

#include <errno.h>
#include <string.h>

#include "cli/columns.h"
#include "cli/records.h"

static bool has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n > k && strcmp(s + n - k, suf) == 0;
}

int cli_one_record(const char *cmd, kigen_ctx *ctx, const cli_record_opts *o, char *id, size_t idcap)
{
    kigen_ruleset *rs = (kigen_ruleset *)kigen_ctx_ruleset(ctx);
    char own[256];
    if (!id || !idcap) {
        id = own;
        idcap = sizeof own;
    }
    id[0] = '\0';
    if (o->number < 1)
        return cli_usage_error(cmd, "--record must be 1 or more (the first data record is 1)");
    FILE *in = strcmp(o->input, "-") == 0 ? stdin : fopen(o->input, "rb");
    if (!in) {
        cli_warn(cmd, "cannot read '%s': %s", o->input, strerror(errno));
        return CLI_USAGE;
    }
    kg_format fmt =
        has_suffix(o->input, ".jsonl") || has_suffix(o->input, ".ndjson") ? KG_FMT_JSONL : KG_FMT_CSV;
    char err[600];
    kg_reader_opts ro = {fmt, 0, o->encoding, false, NULL};
    kg_reader *rd = kg_reader_open(in, &ro, err, sizeof err);
    int status = CLI_USAGE;
    cli_columns cols;
    bool cols_init = false;
    if (!rd) {
        cli_warn(cmd, "%s", err);
        goto out;
    }
    cli_columns_init(&cols, rs, NULL, false, o->sets, o->nsets);
    cols_init = true;
    kg_record rec;
    int r = kg_reader_next(rd, &rec);
    if (r == -2) {
        cli_warn(cmd, "%s: %s", o->input, kg_reader_error(rd));
        goto out;
    }
    if (!cli_columns_classify_input(&cols, rd, &rec, r, fmt))
        goto out;
    long seen = 0;
    while (r != 0 && rec.number < o->number) {
        if (r == -2) {
            cli_warn(cmd, "%s: %s", o->input, kg_reader_error(rd));
            goto out;
        }
        seen = rec.number;
        r = kg_reader_next(rd, &rec);
    }
    if (r == 0) {
        cli_usage_error(cmd, "--record %ld: %s has %ld record%s", o->number, o->input, seen,
                        seen == 1 ? "" : "s");
        goto out;
    }
    if (r == -2) {
        cli_warn(cmd, "%s: %s", o->input, kg_reader_error(rd));
        goto out;
    }
    const char *const *names = (const char *const *)rec.names;
    if (!names)
        (void)kg_reader_header(rd, &names);
    for (int i = 0; names && i < rec.n; i++)
        if (rec.values[i] && strcmp(names[i], "id") == 0)
            snprintf(id, idcap, "%s", rec.values[i]);
    if (r == -1) {
        cli_warn(cmd, "%s: record %ld cannot be read: %s", o->input, o->number, kg_reader_error(rd));
        status = CLI_FAIL;
        goto out;
    }
    char why[1024];
    if (!cli_columns_apply(&cols, ctx, &rec, o->sets, o->nsets, why, sizeof why)) {
        cli_warn(cmd, "%s: record %ld%s%s%s: %s", o->input, o->number, *id ? " (id " : "", id, *id ? ")" : "",
                 why);
        status = CLI_FAIL;
        goto out;
    }
    (void)kigen_set_record(ctx, o->number, *id ? id : NULL);
    status = CLI_OK;
out:
    if (cols_init)
        cli_columns_free(&cols);
    kg_reader_free(rd);
    if (in && in != stdin)
        fclose(in);
    return status;
}
