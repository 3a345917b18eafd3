/* kigen eval: evaluate a rule set over records, one output record per input
 * record, in order. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common.h"
#include "records.h"
#include "util.h"

static const char eval_help[] =
    "usage: kigen eval --rules RULES.yaml [--input FILE|-] [options]\n"
    "\n"
    "Evaluate the rule set over each input record and print the outputs.\n"
    "\n"
    "  --rules FILE           the rule file (required)\n"
    "  --input FILE|-         records: CSV with a header row naming the facts, or JSON\n"
    "                         Lines (.jsonl/.ndjson, or --input-format jsonl). Without\n"
    "                         --input, one record is made of the --set values.\n"
    "  --input-format csv|jsonl\n"
    "  --format csv|jsonl|table   output format (default: csv)\n"
    "  --set FACT=VALUE       a fact for every record (a record's own non-empty value wins)\n"
    "  --param NAME=VALUE     override a param for this run (another reading of the law)\n"
    "  --today DATE           the date today() returns (default: today in Japan)\n"
    "  --outputs A,B,...      print these rules instead of the rule file's outputs\n"
    "  --messages ja|en       add a NAME_message column for outputs that have messages\n"
    "\n"
    "An empty CSV cell or a JSON null means the fact is not given (its default applies).\n"
    "Input columns that are not facts (an id, say) are copied to the output first.\n"
    "Dates print as YYYY-MM-DD, booleans as true/false, absent values as empty cells.\n"
    "A record that cannot be evaluated gets an error (CSV: the 'error' column; JSON:\n"
    "\"error\") naming its number and the reason, and the run goes on.\n"
    "\n"
    "Exit status: 0 every record evaluated, 1 some records failed, 2 usage or rule errors.\n";

typedef struct eval_opts {
    const char *rules, *input, *outputs_arg, *lang;
    kg_format in_fmt;
    bool in_fmt_set;
    enum { OUT_CSV, OUT_JSONL, OUT_TABLE } out_fmt;
    cli_kv sets[CLI_MAX_KV], params[CLI_MAX_KV];
    int nsets, nparams;
    kigen_date today;
} eval_opts;

typedef struct out_col {
    const char *name;
    int output; /* output index, or -1 for a rule read by name */
    bool message;
    int msg_output;
} out_col;

/* A table is aligned, so its rows are kept until the end. */
typedef struct table {
    char **cells;
    size_t n, cap;
    int ncols;
} table;

static void table_add(table *t, const char *s, size_t n)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 256;
        char **c = realloc(t->cells, t->cap * sizeof *c);
        if (!c) {
            fprintf(stderr, "kigen eval: out of memory\n");
            exit(CLI_USAGE);
        }
        t->cells = c;
    }
    t->cells[t->n++] = strndup(s, n);
}

static void table_print(table *t)
{
    size_t *w = calloc((size_t)t->ncols, sizeof *w);
    if (!w)
        return;
    for (size_t i = 0; i < t->n; i++) {
        size_t dw = kg_display_width(t->cells[i], strlen(t->cells[i]));
        if (dw > w[i % (size_t)t->ncols])
            w[i % (size_t)t->ncols] = dw;
    }
    for (size_t i = 0; i < t->n; i++) {
        int col = (int)(i % (size_t)t->ncols);
        fputs(t->cells[i], stdout);
        if (col == t->ncols - 1) {
            fputc('\n', stdout);
        } else {
            size_t dw = kg_display_width(t->cells[i], strlen(t->cells[i]));
            for (size_t k = dw; k < w[col] + 2; k++)
                fputc(' ', stdout);
        }
        free(t->cells[i]);
    }
    free(w);
    free(t->cells);
}

static int parse_args(int argc, char **argv, eval_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) {
            fputs(eval_help, stdout);
            return -1;
        }
#define NEEDV()                                                                    \
    do {                                                                           \
        if (!v)                                                                    \
            return cli_usage_error("eval", "%s needs a value", a);                  \
        i++;                                                                       \
    } while (0)
        if (strcmp(a, "--rules") == 0) {
            NEEDV();
            o->rules = v;
        } else if (strcmp(a, "--input") == 0) {
            NEEDV();
            o->input = v;
        } else if (strcmp(a, "--input-format") == 0) {
            NEEDV();
            if (strcmp(v, "csv") == 0)
                o->in_fmt = KG_FMT_CSV;
            else if (strcmp(v, "jsonl") == 0)
                o->in_fmt = KG_FMT_JSONL;
            else
                return cli_usage_error("eval", "--input-format must be csv or jsonl, not '%s'", v);
            o->in_fmt_set = true;
        } else if (strcmp(a, "--format") == 0) {
            NEEDV();
            if (strcmp(v, "csv") == 0)
                o->out_fmt = OUT_CSV;
            else if (strcmp(v, "jsonl") == 0 || strcmp(v, "json") == 0)
                o->out_fmt = OUT_JSONL;
            else if (strcmp(v, "table") == 0)
                o->out_fmt = OUT_TABLE;
            else
                return cli_usage_error("eval", "--format must be csv, jsonl or table, not '%s'", v);
        } else if (strcmp(a, "--set") == 0) {
            NEEDV();
            if (o->nsets == CLI_MAX_KV || !cli_split_kv("eval", "--set", v, &o->sets[o->nsets]))
                return CLI_USAGE;
            o->nsets++;
        } else if (strcmp(a, "--param") == 0) {
            NEEDV();
            if (o->nparams == CLI_MAX_KV || !cli_split_kv("eval", "--param", v, &o->params[o->nparams]))
                return CLI_USAGE;
            o->nparams++;
        } else if (strcmp(a, "--today") == 0) {
            NEEDV();
            if (!cli_parse_today("eval", v, &o->today))
                return CLI_USAGE;
        } else if (strcmp(a, "--outputs") == 0) {
            NEEDV();
            o->outputs_arg = v;
        } else if (strcmp(a, "--messages") == 0) {
            NEEDV();
            if (strcmp(v, "ja") != 0 && strcmp(v, "en") != 0)
                return cli_usage_error("eval", "--messages must be ja or en, not '%s'", v);
            o->lang = v;
        } else {
            return cli_usage_error("eval", "unknown option '%s'", a);
        }
    }
    if (!o->rules)
        return cli_usage_error("eval", "--rules FILE is required");
    if (o->input && !o->in_fmt_set) {
        size_t n = strlen(o->input);
        if ((n > 6 && strcmp(o->input + n - 6, ".jsonl") == 0) ||
            (n > 7 && strcmp(o->input + n - 7, ".ndjson") == 0))
            o->in_fmt = KG_FMT_JSONL;
    }
    return CLI_OK;
}

static int build_columns(kigen_ruleset *rs, kigen_ctx *c, const eval_opts *o, out_col *cols, int *ncols)
{
    int n = 0;
    if (o->outputs_arg) {
        char *list = strdup(o->outputs_arg), *save = NULL;
        for (char *t = strtok_r(list, ",", &save); t && n < 512; t = strtok_r(NULL, ",", &save)) {
            kigen_value v;
            if (kigen_get_by_name(c, t, &v) == KIGEN_ENOTFOUND) {
                fprintf(stderr, "kigen eval: --outputs: no rule or fact named '%s'\n", t);
                free(list);
                return CLI_USAGE;
            }
            cols[n].name = strdup(t);
            cols[n].output = kigen_output_index(rs, t);
            cols[n].message = false;
            n++;
        }
        free(list);
    } else {
        for (int i = 0; i < kigen_output_count(rs) && n < 512; i++) {
            cols[n].name = strdup(kigen_output_name(rs, i));
            cols[n].output = i;
            cols[n].message = false;
            n++;
        }
    }
    if (o->lang) {
        int base = n;
        for (int i = 0; i < base && n < 1024; i++) {
            if (cols[i].output < 0 || !kigen_output_has_messages(rs, cols[i].output))
                continue;
            char name[300];
            snprintf(name, sizeof name, "%s_message", cols[i].name);
            cols[n].name = strdup(name);
            cols[n].output = -2;
            cols[n].message = true;
            cols[n].msg_output = cols[i].output;
            n++;
        }
    }
    *ncols = n;
    return CLI_OK;
}

static void col_value(kigen_ctx *c, const out_col *col, const eval_opts *o, char *buf, size_t n)
{
    kigen_value v;
    buf[0] = '\0';
    if (col->message) {
        const char *m = kigen_message(c, col->msg_output, o->lang);
        snprintf(buf, n, "%s", m ? m : "");
        return;
    }
    int rc = col->output >= 0 ? kigen_get(c, col->output, &v) : kigen_get_by_name(c, col->name, &v);
    if (rc == KIGEN_OK && v.type != KIGEN_T_ERROR)
        kigen_value_format(&v, buf, n);
}

static json_t *col_json(kigen_ctx *c, const out_col *col, const eval_opts *o)
{
    kigen_value v;
    char buf[1024];
    if (col->message) {
        const char *m = kigen_message(c, col->msg_output, o->lang);
        return m ? json_string(m) : json_null();
    }
    int rc = col->output >= 0 ? kigen_get(c, col->output, &v) : kigen_get_by_name(c, col->name, &v);
    if (rc != KIGEN_OK || v.type == KIGEN_T_NONE || v.type == KIGEN_T_ERROR)
        return json_null();
    if (v.type == KIGEN_T_BOOL)
        return json_boolean(v.u.b);
    if (v.type == KIGEN_T_INT)
        return json_integer((json_int_t)v.u.i);
    kigen_value_format(&v, buf, sizeof buf);
    return json_string(buf);
}

static bool is_fact(kigen_ruleset *rs, const char *name) { return kigen_fact_index(rs, name) >= 0; }

static int column_index(const out_col *cols, int n, const char *name)
{
    for (int k = 0; k < n; k++)
        if (strcmp(cols[k].name, name) == 0)
            return k;
    return -1;
}

static bool in_list(const char *const *list, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}

static const char *rec_value(const kg_record *rec, const char *name)
{
    for (int i = 0; i < rec->n; i++)
        if (strcmp(rec->names[i], name) == 0)
            return rec->values[i];
    return NULL;
}

int cmd_eval(int argc, char **argv)
{
    static eval_opts o;
    memset(&o, 0, sizeof o);
    int rc = parse_args(argc, argv, &o);
    if (rc != CLI_OK) {
        cli_free_kvs(o.sets, o.nsets);
        cli_free_kvs(o.params, o.nparams);
        return rc < 0 ? CLI_OK : rc;
    }
    kigen_ruleset *rs = NULL;
    kigen_ctx *c = NULL;
    static out_col cols[1024];
    int ncols = 0, status = CLI_OK;
    FILE *in = NULL;
    kg_reader *rd = NULL;
    static const char *pt[1024]; /* passthrough columns, see below */
    int npt = 0;
    /* The fact index of each field (-1: not a fact), looked up once per CSV
     * file (its header is fixed) and once per JSON Lines record: name
     * lookups were a fifth of a run's time when repeated per use. */
    static int fi[1024];
    bool fi_ready = false;
    table tab = {0};
    if (cli_load_rules("eval", o.rules, false, &rs) != KIGEN_OK) {
        status = CLI_USAGE;
        goto out;
    }
    if (kigen_ctx_new(rs, &c) != KIGEN_OK) {
        fprintf(stderr, "kigen eval: %s\n", c ? kigen_errmsg(c) : "cannot create a context");
        status = CLI_USAGE;
        goto out;
    }
    if (o.today)
        kigen_set_today(c, o.today);
    if ((status = cli_apply_params("eval", c, o.params, o.nparams)) != CLI_OK)
        goto out;
    for (int i = 0; i < o.nsets; i++) {
        if (kigen_fact_index(rs, o.sets[i].name) < 0) {
            (void)kigen_set(c, o.sets[i].name, o.sets[i].value);
            fprintf(stderr, "kigen eval: --set: %s\n", kigen_errmsg(c));
            status = CLI_USAGE;
            goto out;
        }
    }
    if ((status = build_columns(rs, c, &o, cols, &ncols)) != CLI_OK)
        goto out;

    if (o.input) {
        in = strcmp(o.input, "-") == 0 ? stdin : fopen(o.input, "rb");
        if (!in) {
            fprintf(stderr, "kigen eval: cannot read '%s': %s\n", o.input, strerror(errno));
            status = CLI_USAGE;
            goto out;
        }
        rd = kg_reader_new(in, o.in_fmt);
    } else {
        /* One record made of the --set values. */
        static const char empty[] = "";
        rd = kg_reader_new_mem(empty, 0, KG_FMT_JSONL);
    }
    if (!rd) {
        status = CLI_USAGE;
        goto out;
    }

    bool header_done = false;
    /* Passthrough columns: the input's fields that are not facts. CSV: the
     * header's; JSON Lines: the first record's (a later record's extra key
     * is carried in JSON output and reported otherwise). */

    long failed = 0, total = 0;
    bool single = !o.input;
    for (;;) {
        kg_record rec;
        int r = single ? (total == 0 ? 1 : 0) : kg_reader_next(rd, &rec);
        if (single && r == 1) {
            memset(&rec, 0, sizeof rec);
            rec.number = 1;
        }
        if (r == 0 && header_done)
            break;
        if (r == -2) {
            fprintf(stderr, "kigen eval: %s: %s\n", o.input, kg_reader_error(rd));
            status = CLI_USAGE;
            goto out;
        }
        if (!header_done) {
            if (o.in_fmt == KG_FMT_CSV && !single) {
                const char *const *hdr = NULL;
                int nhdr = kg_reader_header(rd, &hdr);
                for (int i = 0; i < nhdr && npt < 1024; i++)
                    if (!is_fact(rs, hdr[i]))
                        pt[npt++] = strdup(hdr[i]);
            } else if (r == 1) {
                for (int i = 0; i < rec.n && npt < 1024; i++)
                    if (!is_fact(rs, rec.names[i]))
                        pt[npt++] = strdup(rec.names[i]);
            }
            for (int i = 0; i < npt; i++)
                if (column_index(cols, ncols, pt[i]) >= 0) {
                    fprintf(stderr,
                            "kigen eval: input column '%s' has the name of an output; rename "
                            "it or choose --outputs\n",
                            pt[i]);
                    status = CLI_USAGE;
                    goto out;
                }
            if (o.out_fmt != OUT_JSONL) {
                int width = 0;
                for (int i = 0; i < npt; i++) {
                    if (o.out_fmt == OUT_CSV) {
                        if (width++)
                            fputc(',', stdout);
                        kg_csv_write_field(stdout, pt[i], strlen(pt[i]));
                    } else {
                        table_add(&tab, pt[i], strlen(pt[i]));
                        width++;
                    }
                }
                for (int k = 0; k < ncols; k++) {
                    if (o.out_fmt == OUT_CSV) {
                        if (width++)
                            fputc(',', stdout);
                        kg_csv_write_field(stdout, cols[k].name, strlen(cols[k].name));
                    } else {
                        table_add(&tab, cols[k].name, strlen(cols[k].name));
                        width++;
                    }
                }
                if (o.out_fmt == OUT_CSV)
                    printf("%serror\n", width ? "," : "");
                else {
                    table_add(&tab, "error", 5);
                    tab.ncols = width + 1;
                }
            }
            header_done = true;
            if (r == 0)
                break; /* a header and no records: the header alone */
        }
        total++;
        char errbuf[700] = "";
        kigen_ctx_reset(c);
        for (int i = 0; i < o.nsets && !errbuf[0]; i++)
            if (kigen_set(c, o.sets[i].name, o.sets[i].value) != KIGEN_OK)
                snprintf(errbuf, sizeof errbuf, "%s", kigen_errmsg(c));
        if (r == -1) {
            snprintf(errbuf, sizeof errbuf, "%s", kg_reader_error(rd));
        } else {
            if (!fi_ready)
                for (int i = 0; i < rec.n && i < 1024; i++)
                    fi[i] = kigen_fact_index(rs, rec.names[i]);
            fi_ready = o.in_fmt == KG_FMT_CSV;
            for (int i = 0; i < rec.n && !errbuf[0]; i++) {
                if (fi[i] < 0)
                    continue;
                if (rec.unusable && rec.unusable[i]) {
                    snprintf(errbuf, sizeof errbuf,
                             "fact '%s' holds %s; facts are strings, whole numbers, booleans or null",
                             rec.names[i], rec.unusable[i]);
                    break;
                }
                if (!rec.values[i]) {
                    /* an empty cell: a --set value stays, otherwise the default applies */
                    bool from_set = false;
                    for (int k = 0; k < o.nsets; k++)
                        from_set |= strcmp(o.sets[k].name, rec.names[i]) == 0;
                    if (!from_set)
                        kigen_unset(c, fi[i]);
                    continue;
                }
                if (kigen_set_text(c, fi[i], rec.values[i], strlen(rec.values[i])) != KIGEN_OK)
                    snprintf(errbuf, sizeof errbuf, "%s", kigen_errmsg(c));
            }
            /* A CSV header was checked once; JSON Lines keys vary by record. */
            for (int i = 0; o.in_fmt == KG_FMT_JSONL && i < rec.n && !errbuf[0]; i++) {
                if (fi[i] >= 0)
                    continue;
                if (column_index(cols, ncols, rec.names[i]) >= 0)
                    snprintf(errbuf, sizeof errbuf, "key '%s' has the name of an output", rec.names[i]);
                else if (o.out_fmt != OUT_JSONL && !in_list(pt, npt, rec.names[i]))
                    fprintf(stderr,
                            "kigen eval: record %ld (line %ld): key '%s' is not a fact and not a column "
                            "of this output, so it is not carried (use --format jsonl to carry every key)\n",
                            rec.number, rec.line, rec.names[i]);
            }
            if (!errbuf[0] && kigen_eval(c) != KIGEN_OK)
                snprintf(errbuf, sizeof errbuf, "%s", kigen_errmsg(c));
        }
        if (errbuf[0]) {
            failed++;
            fprintf(stderr, "kigen eval: record %ld (line %ld): %s\n", rec.number, rec.line, errbuf);
        }
        /* write the record */
        if (o.out_fmt == OUT_JSONL) {
            json_t *obj = json_object();
            for (int i = 0; r == 1 && i < rec.n; i++) {
                if (fi[i] >= 0)
                    continue;
                json_t *orig = rec.json ? json_object_get(rec.json, rec.names[i]) : NULL;
                if (orig)
                    json_object_set(obj, rec.names[i], orig); /* keeps numbers numbers */
                else
                    json_object_set_new(obj, rec.names[i],
                                        rec.values[i] ? json_string(rec.values[i]) : json_null());
            }
            if (errbuf[0]) {
                json_object_set_new(obj, "record", json_integer(rec.number));
                json_object_set_new(obj, "error", json_string(errbuf));
            } else {
                for (int k = 0; k < ncols; k++)
                    json_object_set_new(obj, cols[k].name, col_json(c, &cols[k], &o));
            }
            char *s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
            if (s)
                puts(s);
            free(s);
            json_decref(obj);
        } else {
            int width = 0;
            for (int i = 0; i < npt; i++) {
                const char *v = r == 1 ? rec_value(&rec, pt[i]) : NULL;
                char *dumped = NULL;
                json_t *orig = r == 1 && rec.json ? json_object_get(rec.json, pt[i]) : NULL;
                if (!v && orig && !json_is_null(orig))
                    v = dumped = json_dumps(orig, JSON_COMPACT | JSON_ENCODE_ANY); /* a list or object as JSON text */
                if (o.out_fmt == OUT_CSV) {
                    if (width++)
                        fputc(',', stdout);
                    if (v)
                        kg_csv_write_field(stdout, v, strlen(v));
                } else {
                    table_add(&tab, v ? v : "", v ? strlen(v) : 0);
                }
                free(dumped);
            }
            for (int k = 0; k < ncols; k++) {
                char buf[1024] = "";
                if (!errbuf[0])
                    col_value(c, &cols[k], &o, buf, sizeof buf);
                if (o.out_fmt == OUT_CSV) {
                    if (width++)
                        fputc(',', stdout);
                    kg_csv_write_field(stdout, buf, strlen(buf));
                } else {
                    table_add(&tab, buf, strlen(buf));
                }
            }
            char full[800] = "";
            if (errbuf[0])
                snprintf(full, sizeof full, "record %ld: %s", rec.number, errbuf);
            if (o.out_fmt == OUT_CSV) {
                if (width)
                    fputc(',', stdout);
                kg_csv_write_field(stdout, full, strlen(full));
                fputc('\n', stdout);
            } else {
                table_add(&tab, full, strlen(full));
            }
        }
    }
    if (o.out_fmt == OUT_TABLE && tab.ncols)
        table_print(&tab);
    if (failed) {
        fprintf(stderr, "kigen eval: %ld of %ld record%s failed\n", failed, total, total == 1 ? "" : "s");
        status = CLI_FAIL;
    }
out:
    fflush(stdout);
    for (int i = 0; i < npt; i++)
        free((char *)pt[i]);
    kg_reader_free(rd);
    if (in && in != stdin)
        fclose(in);
    for (int k = 0; k < ncols; k++)
        free((char *)cols[k].name);
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
    cli_free_kvs(o.sets, o.nsets);
    cli_free_kvs(o.params, o.nparams);
    return status;
}
