/* kigen diff: what another reading of the law changes over a population.
 *
 * Every record is evaluated twice, in two contexts of one rule set: under
 * the rule file's readings (its params' defaults) and with the --param
 * overrides. The records whose outputs differ are reported (which outputs,
 * before -> after), and a summary counts the changed records per output, so
 * that a ward or a lawyer sees what a reading means in practice. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/columns.h"
#include "cli/common.h"
#include "cli/out.h"
#include "cli/records.h"
#include "base/mem.h"
#include "base/text.h"

static const char diff_help[] =
    "usage: kigen diff --rules RULES.yaml --input FILE|- --param NAME=VALUE [--param ...] [options]\n"
    "\n"
    "Evaluate every record under the rule file's readings and under the --param\n"
    "overrides, and report the records whose outputs change.\n"
    "\n"
    "  --rules FILE           the rule file (required)\n"
    "  --input FILE|-         records, as for kigen eval (CSV or JSON Lines; stdin when piped)\n"
    "  --param NAME=VALUE     the alternative reading (at least one; several change together)\n"
    "  --base NAME=VALUE      a param override for the base run too (to compare two readings\n"
    "                         that are not the default)\n"
    "  --outputs A,B,...      compare these rules (default: the rule file's outputs)\n"
    "  --format text|csv|jsonl  text (default): one line per changed record and a summary;\n"
    "                         csv: one row per changed output (record, id columns, output,\n"
    "                         before, after); jsonl: one object per changed record\n"
    "  --today DATE, --set FACT=VALUE, --encoding ENC, --delimiter D, --input-format F,\n"
    "  --passthrough A,B, --strict-columns   as for kigen eval\n"
    "\n"
    "A record that fails under one reading and not the other is a change (its value is\n"
    "'error: ...'); one that fails under both is counted apart. The summary (on stderr\n"
    "for csv and jsonl) gives the records read, changed, and failed, and per output how\n"
    "many records change.\n"
    "\n"
    "Exit status: 0 the run completed (whatever changed), 2 usage or rule errors,\n"
    "unreadable input or unwritable output.\n";

enum { FMT_TEXT, FMT_CSV, FMT_JSONL };

typedef struct diff_opts {
    const char *rules, *input, *outputs_arg, *encoding, *passthrough;
    kg_format in_fmt;
    bool in_fmt_set, strict_columns;
    char delimiter;
    int fmt;
    cli_kv sets[CLI_MAX_KV], params[CLI_MAX_KV], base[CLI_MAX_KV];
    int nsets, nparams, nbase;
    kigen_date today;
} diff_opts;

static int parse_args(int argc, char **argv, diff_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) {
            fputs(diff_help, stdout);
            return -1;
        }
        if (strcmp(a, "--strict-columns") == 0) {
            o->strict_columns = true;
            continue;
        }
        if (!v)
            return cli_usage_error("diff", "%s needs a value", a);
        i++;
        if (strcmp(a, "--rules") == 0)
            o->rules = v;
        else if (strcmp(a, "--input") == 0)
            o->input = v;
        else if (strcmp(a, "--outputs") == 0)
            o->outputs_arg = v;
        else if (strcmp(a, "--encoding") == 0)
            o->encoding = v;
        else if (strcmp(a, "--passthrough") == 0)
            o->passthrough = v;
        else if (strcmp(a, "--input-format") == 0) {
            if (strcmp(v, "csv") != 0 && strcmp(v, "jsonl") != 0)
                return cli_usage_error("diff", "--input-format must be csv or jsonl, not '%s'", v);
            o->in_fmt = strcmp(v, "csv") == 0 ? KG_FMT_CSV : KG_FMT_JSONL;
            o->in_fmt_set = true;
        } else if (strcmp(a, "--delimiter") == 0) {
            if (strcmp(v, ",") == 0 || strcmp(v, ";") == 0)
                o->delimiter = v[0];
            else if (strcmp(v, "tab") == 0 || strcmp(v, "\t") == 0)
                o->delimiter = '\t';
            else
                return cli_usage_error("diff", "--delimiter must be ',', ';' or tab, not '%s'", v);
        } else if (strcmp(a, "--format") == 0) {
            if (strcmp(v, "text") == 0)
                o->fmt = FMT_TEXT;
            else if (strcmp(v, "csv") == 0)
                o->fmt = FMT_CSV;
            else if (strcmp(v, "jsonl") == 0 || strcmp(v, "json") == 0)
                o->fmt = FMT_JSONL;
            else
                return cli_usage_error("diff", "--format must be text, csv or jsonl, not '%s'", v);
        } else if (strcmp(a, "--set") == 0) {
            if (o->nsets == CLI_MAX_KV || !cli_split_kv("diff", "--set", v, &o->sets[o->nsets]))
                return CLI_USAGE;
            o->nsets++;
        } else if (strcmp(a, "--param") == 0) {
            if (o->nparams == CLI_MAX_KV || !cli_split_kv("diff", "--param", v, &o->params[o->nparams]))
                return CLI_USAGE;
            o->nparams++;
        } else if (strcmp(a, "--base") == 0) {
            if (o->nbase == CLI_MAX_KV || !cli_split_kv("diff", "--base", v, &o->base[o->nbase]))
                return CLI_USAGE;
            o->nbase++;
        } else if (strcmp(a, "--today") == 0) {
            if (!cli_parse_today("diff", v, &o->today))
                return CLI_USAGE;
        } else {
            return cli_usage_error("diff", "unknown option '%s'", a);
        }
    }
    if (!o->rules)
        return cli_usage_error("diff", "--rules FILE is required");
    if (o->nparams == 0)
        return cli_usage_error("diff", "give the reading to compare with --param NAME=VALUE");
    if (!o->input && cli_stdin_is_input())
        o->input = "-";
    if (!o->input)
        return cli_usage_error("diff", "--input FILE (or - for stdin) is required");
    if (!o->in_fmt_set) {
        size_t n = strlen(o->input);
        if ((n > 6 && strcmp(o->input + n - 6, ".jsonl") == 0) ||
            (n > 7 && strcmp(o->input + n - 7, ".ndjson") == 0))
            o->in_fmt = KG_FMT_JSONL;
    }
    return CLI_OK;
}

typedef struct side {
    kigen_ctx *c;
    int rc; /* of kigen_eval, or -1 when the record could not be set */
    char err[1024];
} side;

typedef struct diff_run {
    diff_opts *o;
    kigen_ruleset *rs;
    side base, alt;
    char **cols;
    int ncols;
    long *changed; /* per output */
    long total, records_changed, failed_both;
    cli_columns in;
    cli_out out;
    kg_buf a, b; /* the two values of one output */
} diff_run;

/* An output's value as text: "" when absent, "error: ..." for an error. */
static void value_text(side *s, const char *name, kg_buf *to)
{
    kg_buf_clear(to);
    if (s->rc == -1) {
        kg_buf_printf(to, "error: %s", s->err);
        return;
    }
    kigen_value v;
    if (kigen_get_by_name(s->c, name, &v) != KIGEN_OK || v.type == KIGEN_T_NONE)
        return;
    if (v.type == KIGEN_T_ERROR) {
        kg_buf_puts(to, "error: ");
        kg_buf_put(to, v.u.str.ptr, v.u.str.len);
    } else if (v.type == KIGEN_T_STRING || v.type == KIGEN_T_ENUM) {
        kg_buf_put(to, v.u.str.ptr, v.u.str.len);
    } else {
        char small[64];
        size_t k = kigen_value_format(&v, small, sizeof small);
        kg_buf_put(to, small, k < sizeof small ? k : sizeof small - 1);
    }
}

static void eval_side(diff_run *D, side *s, const kg_record *rec)
{
    if (!cli_columns_apply(&D->in, s->c, rec, D->o->sets, D->o->nsets, s->err, sizeof s->err)) {
        s->rc = -1;
        return;
    }
    s->rc = kigen_eval(s->c);
    if (s->rc != KIGEN_OK)
        snprintf(s->err, sizeof s->err, "%s", kigen_errmsg(s->c));
}

static const char *record_id(diff_run *D, const kg_record *rec)
{
    for (int p = 0; p < D->in.npass; p++)
        for (int i = 0; rec && i < rec->n; i++)
            if (rec->values[i] && strcmp(rec->names[i], D->in.pass[p]) == 0)
                return rec->values[i];
    return NULL;
}

static void put_pass(diff_run *D, const kg_record *rec, bool json)
{
    for (int p = 0; p < D->in.npass; p++) {
        const char *v = NULL;
        for (int i = 0; rec && i < rec->n && !v; i++)
            if (strcmp(rec->names[i], D->in.pass[p]) == 0)
                v = rec->values[i];
        if (json) {
            out_char(&D->out, ',');
            out_json_str(&D->out, D->in.pass[p], strlen(D->in.pass[p]));
            out_char(&D->out, ':');
            if (v)
                out_json_str(&D->out, v, strlen(v));
            else
                out_str(&D->out, "null");
        } else {
            out_char(&D->out, ',');
            out_csv(&D->out, v ? v : "", v ? strlen(v) : 0, ',');
        }
    }
}

static void one_record(diff_run *D, const kg_record *rec, int readrc, const char *readerr)
{
    D->total++;
    if (readrc != 1) {
        /* unreadable: the same under every reading */
        D->failed_both++;
        cli_warn("diff", "record %ld (line %ld): %s", rec->number, rec->line, readerr);
        return;
    }
    eval_side(D, &D->base, rec);
    eval_side(D, &D->alt, rec);
    bool base_failed = D->base.rc != KIGEN_OK, alt_failed = D->alt.rc != KIGEN_OK;
    if (base_failed && alt_failed && strcmp(D->base.err, D->alt.err) == 0) {
        D->failed_both++;
        return;
    }
    bool any = false, first = true;
    char num[64];
    const char *id = record_id(D, rec);
    for (int k = 0; k < D->ncols; k++) {
        value_text(&D->base, D->cols[k], &D->a);
        value_text(&D->alt, D->cols[k], &D->b);
        if (D->a.len == D->b.len && memcmp(kg_buf_cstr(&D->a), kg_buf_cstr(&D->b), D->a.len) == 0)
            continue;
        any = true;
        D->changed[k]++;
        switch (D->o->fmt) {
        case FMT_TEXT:
            if (first) {
                snprintf(num, sizeof num, "record %ld", rec->number);
                out_str(&D->out, num);
                if (id) {
                    char safe[300];
                    kg_escape_line(safe, sizeof safe, id, strlen(id));
                    out_str(&D->out, " (");
                    out_str(&D->out, D->in.pass[0]);
                    out_char(&D->out, ' ');
                    out_str(&D->out, safe);
                    out_char(&D->out, ')');
                }
                out_char(&D->out, ':');
            }
            out_str(&D->out, first ? " " : "; ");
            out_str(&D->out, D->cols[k]);
            out_char(&D->out, ' ');
            out_str(&D->out, D->a.len ? kg_buf_cstr(&D->a) : "(none)");
            out_str(&D->out, " -> ");
            out_str(&D->out, D->b.len ? kg_buf_cstr(&D->b) : "(none)");
            break;
        case FMT_CSV:
            snprintf(num, sizeof num, "%ld", rec->number);
            out_str(&D->out, num);
            put_pass(D, rec, false);
            out_char(&D->out, ',');
            out_csv(&D->out, D->cols[k], strlen(D->cols[k]), ',');
            out_char(&D->out, ',');
            out_csv(&D->out, kg_buf_cstr(&D->a), D->a.len, ',');
            out_char(&D->out, ',');
            out_csv(&D->out, kg_buf_cstr(&D->b), D->b.len, ',');
            out_eol(&D->out);
            break;
        case FMT_JSONL:
            if (first) {
                snprintf(num, sizeof num, "{\"record\":%ld", rec->number);
                out_str(&D->out, num);
                put_pass(D, rec, true);
                out_str(&D->out, ",\"changes\":{");
            } else {
                out_char(&D->out, ',');
            }
            out_json_str(&D->out, D->cols[k], strlen(D->cols[k]));
            out_str(&D->out, ":[");
            if (D->a.len)
                out_json_str(&D->out, kg_buf_cstr(&D->a), D->a.len);
            else
                out_str(&D->out, "null");
            out_char(&D->out, ',');
            if (D->b.len)
                out_json_str(&D->out, kg_buf_cstr(&D->b), D->b.len);
            else
                out_str(&D->out, "null");
            out_char(&D->out, ']');
            break;
        }
        first = false;
    }
    if (any) {
        D->records_changed++;
        if (D->o->fmt == FMT_TEXT)
            out_eol(&D->out);
        else if (D->o->fmt == FMT_JSONL) {
            out_str(&D->out, "}}");
            out_eol(&D->out);
        }
    }
}

static void summary(diff_run *D, FILE *f)
{
    fprintf(f, "%ld record%s: %ld changed, %ld unchanged, %ld failed under both readings\n", D->total,
            D->total == 1 ? "" : "s", D->records_changed, D->total - D->records_changed - D->failed_both,
            D->failed_both);
    for (int k = 0; k < D->ncols; k++)
        if (D->changed[k])
            fprintf(f, "  %-28s %ld\n", D->cols[k], D->changed[k]);
}

int cmd_diff(int argc, char **argv)
{
    static diff_opts o;
    static diff_run D;
    memset(&o, 0, sizeof o);
    memset(&D, 0, sizeof D);
    D.o = &o;
    int rc = parse_args(argc, argv, &o), status = CLI_OK;
    FILE *in = NULL;
    kg_reader *rd = NULL;
    if (rc != CLI_OK)
        goto out;
    kg_buf_init(&D.a, NULL);
    kg_buf_init(&D.b, NULL);
    out_open(&D.out, 1);
    if (cli_load_rules("diff", o.rules, false, &D.rs) != KIGEN_OK ||
        kigen_ctx_new(D.rs, &D.base.c) != KIGEN_OK || kigen_ctx_new(D.rs, &D.alt.c) != KIGEN_OK) {
        if (D.base.c && D.rs)
            cli_warn("diff", "%s", kigen_errmsg(D.alt.c ? D.alt.c : D.base.c));
        status = CLI_USAGE;
        goto out;
    }
    for (int s = 0; s < 2; s++) {
        kigen_ctx *c = s ? D.alt.c : D.base.c;
        if (o.today)
            kigen_set_today(c, o.today);
        if (cli_apply_params("diff", c, o.base, o.nbase) != CLI_OK ||
            (s && cli_apply_params("diff", c, o.params, o.nparams) != CLI_OK)) {
            status = CLI_USAGE;
            goto out;
        }
    }
    /* the outputs compared */
    if (o.outputs_arg) {
        char *list = strdup(o.outputs_arg), *save = NULL;
        for (char *t = list ? strtok_r(list, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save)) {
            kigen_value v;
            if (kigen_get_by_name(D.base.c, t, &v) == KIGEN_ENOTFOUND) {
                cli_usage_error("diff", "--outputs: no rule or fact named '%s'", t);
                free(list);
                status = CLI_USAGE;
                goto out;
            }
            char **c = realloc(D.cols, (size_t)(D.ncols + 1) * sizeof *c);
            if (c)
                D.cols = c;
            if (!c || !(D.cols[D.ncols] = strdup(t))) { /* never a column silently left out */
                cli_warn("diff", "out of memory");
                free(list);
                status = CLI_FAIL;
                goto out;
            }
            D.ncols++;
        }
        free(list);
    } else {
        D.ncols = kigen_output_count(D.rs);
        D.cols = calloc((size_t)(D.ncols ? D.ncols : 1), sizeof *D.cols);
        for (int k = 0; D.cols && k < D.ncols; k++)
            D.cols[k] = strdup(kigen_output_name(D.rs, k));
    }
    D.changed = calloc((size_t)(D.ncols ? D.ncols : 1), sizeof *D.changed);
    bool all_names = D.cols != NULL;
    for (int k = 0; all_names && k < D.ncols; k++)
        all_names = D.cols[k] != NULL;
    if (!all_names || !D.changed) {
        cli_warn("diff", "out of memory");
        status = CLI_FAIL;
        goto out;
    }
    /* both sides compute what is compared, nothing else */
    for (int s = 0; o.outputs_arg && s < 2; s++) {
        kigen_ctx *c = s ? D.alt.c : D.base.c;
        if (kigen_ctx_select_outputs(c, (const char *const *)D.cols, (size_t)D.ncols) != KIGEN_OK) {
            cli_usage_error("diff", "--outputs: %s", kigen_errmsg(c));
            status = CLI_USAGE;
            goto out;
        }
    }
    if ((status = cli_check_sets("diff", D.rs, o.sets, o.nsets)) != CLI_OK ||
        (status = cli_check_params("diff", o.params, o.nparams)) != CLI_OK)
        goto out;
    for (int i = 0; i < o.nsets; i++)
        if (kigen_fact_index(D.rs, o.sets[i].name) < 0) {
            (void)kigen_set(D.base.c, o.sets[i].name, o.sets[i].value);
            cli_warn("diff", "--set: %s", kigen_errmsg(D.base.c));
            status = CLI_USAGE;
            goto out;
        }

    in = strcmp(o.input, "-") == 0 ? stdin : fopen(o.input, "rb");
    if (!in) {
        cli_warn("diff", "cannot read '%s': %s", o.input, strerror(errno));
        status = CLI_USAGE;
        goto out;
    }
    char err[600];
    kg_reader_opts ro = {o.in_fmt, o.delimiter, o.encoding, false, NULL};
    rd = kg_reader_open(in, &ro, err, sizeof err);
    if (!rd) {
        cli_warn("diff", "%s", err);
        status = CLI_USAGE;
        goto out;
    }
    cli_columns_init(&D.in, D.rs, o.passthrough, o.strict_columns, o.sets, o.nsets);
    kg_record rec;
    int r = kg_reader_next(rd, &rec);
    if (r == -2) {
        cli_warn("diff", "%s: %s", o.input, kg_reader_error(rd));
        status = CLI_USAGE;
        goto out;
    }
    if (!cli_columns_classify_input(&D.in, rd, &rec, r, o.in_fmt)) {
        status = CLI_USAGE;
        goto out;
    }
    if (o.fmt == FMT_CSV) {
        out_str(&D.out, "record");
        for (int p = 0; p < D.in.npass; p++) {
            out_char(&D.out, ',');
            out_csv(&D.out, D.in.pass[p], strlen(D.in.pass[p]), ',');
        }
        out_str(&D.out, ",output,before,after");
        out_eol(&D.out);
    }
    while (r != 0 && !D.out.err) {
        if (r == -2) {
            cli_warn("diff", "%s: %s; stopped after %ld records", o.input, kg_reader_error(rd), D.total);
            status = CLI_USAGE;
            break;
        }
        one_record(&D, &rec, r, r == -1 ? kg_reader_error(rd) : "");
        r = kg_reader_next(rd, &rec);
    }
    if (o.fmt == FMT_TEXT && !D.out.err) {
        if (D.records_changed)
            out_eol(&D.out);
        out_flush(&D.out);
        fflush(stdout);
        summary(&D, stdout);
    } else {
        summary(&D, stderr);
    }
out:
    if (out_close(&D.out, false) != 0) {
        cli_warn("diff", "cannot write the output: %s", strerror(D.out.err));
        status = CLI_USAGE;
    }
    cli_columns_free(&D.in);
    kg_reader_free(rd);
    if (in && in != stdin)
        fclose(in);
    for (int k = 0; k < D.ncols; k++)
        free(D.cols ? D.cols[k] : NULL);
    free(D.cols);
    free(D.changed);
    kg_buf_free(&D.a);
    kg_buf_free(&D.b);
    kigen_ctx_free(D.base.c);
    kigen_ctx_free(D.alt.c);
    kigen_ruleset_free(D.rs);
    cli_free_kvs(o.sets, o.nsets);
    cli_free_kvs(o.params, o.nparams);
    cli_free_kvs(o.base, o.nbase);
    return rc < 0 ? CLI_OK : rc != CLI_OK ? rc : status;
}
