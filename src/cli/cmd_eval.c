/* kigen eval: evaluate a rule set over records, one output record per input
 * record, in order.
 *
 * What can go wrong is said, never guessed around: a column whose name is
 * close to a fact's is an error (a misspelled residence_status must not
 * leave the resident Japanese by default); an output that is an error fails
 * the record; every record of the input yields exactly one output record
 * (an error record keeps the input's pass-through columns, such as the id);
 * every write is checked. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/columns.h"
#include "cli/common.h"
#include "cli/out.h"
#include "cli/records.h"
#include "base/mem.h"
#include "base/text.h"

static const char eval_help[] =
    "usage: kigen eval --rules RULES.yaml [--input FILE|-] [options]\n"
    "\n"
    "Evaluate the rule set over each input record and print the outputs.\n"
    "\n"
    "  --rules FILE           the rule file (required)\n"
    "  --input FILE|-         records: CSV with a header row naming the facts, or JSON\n"
    "                         Lines (.jsonl/.ndjson, or --input-format jsonl). Without\n"
    "                         --input: records piped to stdin, or else one record made\n"
    "                         of the --set values.\n"
    "  --input-format csv|jsonl\n"
    "  --encoding ENC         the input's encoding: utf-8 (default; a byte order mark is\n"
    "                         skipped), cp932 (Shift_JIS, as Japanese Excel saves CSV),\n"
    "                         euc-jp, utf-16le, utf-16be (UTF-16 with a BOM is found alone)\n"
    "  --delimiter D          the CSV separator: ',' (default), ';' or tab\n"
    "  --passthrough A,B      input columns to copy to the output as they are\n"
    "  --strict-columns       every input column must be a fact or a --passthrough one\n"
    "  --format csv|jsonl|table   output format (default: csv)\n"
    "  --output-bom           start the output with a UTF-8 byte order mark\n"
    "  --excel                --output-bom, CRLF line ends, and a ' before a cell Excel\n"
    "                         would run as a formula (=, +, -, @): Japanese Excel opens the\n"
    "                         output without mojibake\n"
    "  --set FACT=VALUE       a fact for every record (a record's own non-empty value wins)\n"
    "  --param NAME=VALUE     override a param for this run (another reading of the law)\n"
    "  --today DATE           the date today() returns (default: today in Japan)\n"
    "  --outputs A,B,...      print these rules instead of the rule file's outputs\n"
    "  --messages ja|en       add a NAME_message column for outputs that have messages\n"
    "  --date-style iso|era   print dates as 2028-07-07 (default) or 令和10年7月7日\n"
    "  --lang en|ja           the language of the errors and messages kigen writes\n"
    "\n"
    "An empty CSV cell or a JSON null means the fact is not given (its default applies).\n"
    "Input columns that are clearly not facts (an id, a name) are copied to the output\n"
    "first; a column whose name is close to a fact's is an error (did you mean ...?).\n"
    "Dates print as YYYY-MM-DD, booleans as true/false, absent values as empty cells.\n"
    "A record that cannot be read or evaluated, or whose chosen output is an error, gets\n"
    "an error (CSV: the 'error' column; JSON: \"error\") with its number and the reason;\n"
    "the values it does have are printed, and the run goes on.\n"
    "\n"
    "Exit status: 0 every record evaluated, 1 some records failed, 2 usage or rule\n"
    "errors, unreadable input or unwritable output.\n";

enum { OUT_CSV, OUT_JSONL, OUT_TABLE };

typedef struct eval_opts {
    const char *rules, *input, *outputs_arg, *lang, *encoding, *passthrough;
    kg_format in_fmt;
    bool in_fmt_set, strict_columns, bom, excel, ja, era;
    char delimiter;
    int out_fmt;
    cli_kv sets[CLI_MAX_KV], params[CLI_MAX_KV];
    int nsets, nparams;
    kigen_date today;
} eval_opts;

typedef struct out_col {
    char *name;
    int output; /* output index, or -1 for a rule read by name */
    bool message;
    int msg_output;
} out_col;

#define MAX_COLS 1024
#define MAX_OUTPUTS 512  /* value columns; each may add a _message column */
#define TABLE_BLOCK 1000 /* rows whose widths set a table's columns */

/* A table streams: its column widths come from the first rows. */
typedef struct table {
    char **cells;
    size_t n, cap; /* cells buffered (the first block) */
    int ncols;
    size_t *w;
    bool streaming;
} table;

typedef struct run {
    eval_opts *o;
    kigen_ruleset *rs;
    kigen_ctx *c;
    out_col cols[MAX_COLS];
    int ncols;
    cli_columns in;     /* the input's columns: facts and pass-through */
    const char *errcol; /* the name of kigen's error column */
    cli_out out;
    table tab;
    kg_buf cell; /* scratch for one formatted value */
    long total, failed;
} run;

/* ---- options ------------------------------------------------------------------ */

static int parse_args(int argc, char **argv, eval_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) {
            fputs(eval_help, stdout);
            return -1;
        }
#define NEEDV()                                                                                              \
    do {                                                                                                     \
        if (!v)                                                                                              \
            return cli_usage_error("eval", "%s needs a value", a);                                           \
        i++;                                                                                                 \
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
        } else if (strcmp(a, "--encoding") == 0) {
            NEEDV();
            o->encoding = v;
        } else if (strcmp(a, "--delimiter") == 0) {
            NEEDV();
            if (strcmp(v, ",") == 0 || strcmp(v, ";") == 0)
                o->delimiter = v[0];
            else if (strcmp(v, "tab") == 0 || strcmp(v, "\t") == 0 || strcmp(v, "\\t") == 0)
                o->delimiter = '\t';
            else
                return cli_usage_error("eval", "--delimiter must be ',', ';' or tab, not '%s'", v);
        } else if (strcmp(a, "--passthrough") == 0) {
            NEEDV();
            o->passthrough = v;
        } else if (strcmp(a, "--strict-columns") == 0) {
            o->strict_columns = true;
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
        } else if (strcmp(a, "--output-bom") == 0) {
            o->bom = true;
        } else if (strcmp(a, "--excel") == 0) {
            o->bom = o->excel = true;
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
        } else if (strcmp(a, "--lang") == 0) {
            NEEDV();
            if (strcmp(v, "ja") != 0 && strcmp(v, "en") != 0)
                return cli_usage_error("eval", "--lang must be ja or en, not '%s'", v);
            o->ja = strcmp(v, "ja") == 0;
        } else if (strcmp(a, "--date-style") == 0) {
            NEEDV();
            if (strcmp(v, "iso") != 0 && strcmp(v, "era") != 0)
                return cli_usage_error("eval", "--date-style must be iso or era, not '%s'", v);
            o->era = strcmp(v, "era") == 0;
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
    if (o->out_fmt == OUT_JSONL && (o->bom || o->excel))
        return cli_usage_error("eval", "--output-bom and --excel are for CSV and table output");
    return CLI_OK;
}

/* ---- the output's columns ----------------------------------------------------------- */

static int build_columns(run *R)
{
    eval_opts *o = R->o;
    int n = 0;
    if (o->outputs_arg) {
        char *list = strdup(o->outputs_arg), *save = NULL;
        if (!list)
            return CLI_USAGE;
        for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            kigen_value v;
            if (n == MAX_OUTPUTS) { /* said, never a column silently left out */
                cli_warn("eval", "--outputs: at most %d columns", MAX_OUTPUTS);
                free(list);
                R->ncols = n;
                return CLI_USAGE;
            }
            if (kigen_get_by_name(R->c, t, &v) == KIGEN_ENOTFOUND) {
                cli_warn("eval", "--outputs: no rule or fact named '%s'", t);
                free(list);
                R->ncols = n;
                return CLI_USAGE;
            }
            R->cols[n].name = strdup(t);
            R->cols[n].output = kigen_output_index(R->rs, t);
            R->cols[n].message = false;
            n++;
        }
        free(list);
    } else {
        if (kigen_output_count(R->rs) > MAX_OUTPUTS) {
            cli_warn(
                "eval",
                "the rule set has %d outputs and kigen eval prints at most %d: choose them with --outputs",
                kigen_output_count(R->rs), MAX_OUTPUTS);
            return CLI_USAGE;
        }
        for (int i = 0; i < kigen_output_count(R->rs); i++) {
            R->cols[n].name = strdup(kigen_output_name(R->rs, i));
            R->cols[n].output = i;
            R->cols[n].message = false;
            n++;
        }
    }
    if (o->lang) {
        int base = n;
        for (int i = 0; i < base && n < MAX_COLS; i++) {
            if (R->cols[i].output < 0 || !kigen_output_has_messages(R->rs, R->cols[i].output))
                continue;
            size_t len = strlen(R->cols[i].name) + 9;
            R->cols[n].name = malloc(len);
            if (R->cols[n].name)
                snprintf(R->cols[n].name, len, "%s_message", R->cols[i].name);
            R->cols[n].output = -2;
            R->cols[n].message = true;
            R->cols[n].msg_output = R->cols[i].output;
            n++;
        }
    }
    R->ncols = n;
    for (int i = 0; i < n; i++)
        if (!R->cols[i].name)
            return CLI_USAGE;
    if (o->outputs_arg) {
        /* compute what the chosen columns need, nothing else: an error in
         * a value nobody asked for no longer fails the record */
        const char *names[MAX_COLS];
        size_t k = 0;
        for (int i = 0; i < n; i++)
            if (!R->cols[i].message)
                names[k++] = R->cols[i].name;
        if (kigen_ctx_select_outputs(R->c, names, k) != KIGEN_OK) {
            cli_warn("eval", "--outputs: %s", kigen_errmsg(R->c));
            return CLI_USAGE;
        }
    }
    return CLI_OK;
}

static bool col_get(run *R, const out_col *col, kigen_value *v)
{
    int rc = col->output >= 0 ? kigen_get(R->c, col->output, v) : kigen_get_by_name(R->c, col->name, v);
    return rc == KIGEN_OK;
}

/* The value as the CLI prints it, in R->cell ("" for none or an error). */
static const char *col_text(run *R, const out_col *col, size_t *len)
{
    kg_buf_clear(&R->cell);
    if (col->message) {
        const char *m = kigen_message(R->c, col->msg_output, R->o->lang);
        kg_buf_puts(&R->cell, m ? m : "");
    } else {
        kigen_value v;
        if (col_get(R, col, &v) && v.type != KIGEN_T_ERROR && v.type != KIGEN_T_NONE) {
            char era[48];
            if (v.type == KIGEN_T_STRING || v.type == KIGEN_T_ENUM) {
                kg_buf_put(&R->cell, v.u.str.ptr, v.u.str.len);
            } else if (v.type == KIGEN_T_DATE && R->o->era &&
                       kigen_date_format_era(v.u.date, KIGEN_ERA_KANJI, era, sizeof era) == KIGEN_OK) {
                kg_buf_puts(&R->cell, era); /* before 1873 there is no era form: ISO */
            } else {
                char small[64];
                size_t k = kigen_value_format(&v, small, sizeof small);
                kg_buf_put(&R->cell, small, k < sizeof small ? k : sizeof small - 1);
            }
        }
    }
    *len = R->cell.len;
    return kg_buf_cstr(&R->cell);
}

/* ---- tables ----------------------------------------------------------------------- */

static void table_print_row(run *R, char **cells)
{
    table *t = &R->tab;
    for (int k = 0; k < t->ncols; k++) {
        const char *s = cells[k];
        out_str(&R->out, s);
        if (k == t->ncols - 1) {
            out_eol(&R->out);
        } else {
            size_t dw = kg_display_width(s, strlen(s));
            for (size_t j = dw; j < t->w[k] + 2; j++)
                out_char(&R->out, ' ');
        }
    }
}

static void table_flush_block(run *R)
{
    table *t = &R->tab;
    if (t->streaming || !t->ncols)
        return;
    t->w = calloc((size_t)t->ncols, sizeof *t->w);
    for (size_t i = 0; t->w && i < t->n; i++) {
        size_t dw = kg_display_width(t->cells[i], strlen(t->cells[i]));
        if (dw > t->w[i % (size_t)t->ncols])
            t->w[i % (size_t)t->ncols] = dw;
    }
    for (size_t i = 0; t->w && i + (size_t)t->ncols <= t->n; i += (size_t)t->ncols)
        table_print_row(R, t->cells + i);
    for (size_t i = 0; i < t->n; i++)
        free(t->cells[i]);
    free(t->cells);
    t->cells = NULL;
    t->n = t->cap = 0;
    t->streaming = true;
}

/* One cell of the row being built; the row is printed when complete. */
static void table_cell(run *R, const char *s, size_t n)
{
    table *t = &R->tab;
    char *c = malloc(kg_escape_line(NULL, 0, s, n) + 1);
    if (!c) {
        R->out.err = ENOMEM;
        return;
    }
    kg_escape_line(c, kg_escape_line(NULL, 0, s, n) + 1, s, n);
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        char **cells = realloc(t->cells, cap * sizeof *cells);
        if (!cells) {
            free(c);
            R->out.err = ENOMEM;
            return;
        }
        t->cells = cells;
        t->cap = cap;
    }
    t->cells[t->n++] = c;
    if (t->streaming && t->n == (size_t)t->ncols) {
        table_print_row(R, t->cells);
        for (size_t i = 0; i < t->n; i++)
            free(t->cells[i]);
        t->n = 0;
    } else if (!t->streaming && t->n >= (size_t)t->ncols * (TABLE_BLOCK + 1)) {
        table_flush_block(R);
    }
}

/* ---- writing records ------------------------------------------------------------------ */

static void cell(run *R, int *width, const char *s, size_t n)
{
    if (R->o->out_fmt == OUT_TABLE) {
        (*width)++;
        table_cell(R, s, n);
        return;
    }
    if ((*width)++)
        out_char(&R->out, R->o->delimiter ? R->o->delimiter : ',');
    out_csv(&R->out, s, n, R->o->delimiter ? R->o->delimiter : ',');
}

static void write_header(run *R)
{
    int width = 0;
    if (R->o->bom)
        out_str(&R->out, "\xEF\xBB\xBF");
    if (R->o->out_fmt == OUT_JSONL)
        return;
    for (int i = 0; i < R->in.npass; i++)
        cell(R, &width, R->in.pass[i], strlen(R->in.pass[i]));
    for (int k = 0; k < R->ncols; k++)
        cell(R, &width, R->cols[k].name, strlen(R->cols[k].name));
    cell(R, &width, R->errcol, strlen(R->errcol));
    if (R->o->out_fmt == OUT_CSV)
        out_eol(&R->out);
    else
        R->tab.ncols = width;
}

/* The pass-through value of column name in the record, as text. */
static const char *pass_value(const kg_record *rec, const char *name, char **dumped)
{
    *dumped = NULL;
    for (int i = 0; rec && i < rec->n; i++) {
        if (strcmp(rec->names[i], name) != 0)
            continue;
        if (rec->values[i])
            return rec->values[i];
        json_t *orig = rec->json ? json_object_get(rec->json, name) : NULL;
        if (orig && !json_is_null(orig))
            return *dumped = json_dumps(orig, JSON_COMPACT | JSON_ENCODE_ANY); /* a list or object */
        return NULL;
    }
    return NULL;
}

static void write_json_value(run *R, const out_col *col)
{
    if (col->message) {
        const char *m = kigen_message(R->c, col->msg_output, R->o->lang);
        if (m)
            out_json_str(&R->out, m, strlen(m));
        else
            out_str(&R->out, "null");
        return;
    }
    kigen_value v;
    if (!col_get(R, col, &v) || v.type == KIGEN_T_NONE || v.type == KIGEN_T_ERROR) {
        out_str(&R->out, "null");
        return;
    }
    if (v.type == KIGEN_T_BOOL) {
        out_str(&R->out, v.u.b ? "true" : "false");
    } else if (v.type == KIGEN_T_INT) {
        char b[32];
        snprintf(b, sizeof b, "%lld", (long long)v.u.i);
        out_str(&R->out, b);
    } else {
        size_t n;
        const char *s = col_text(R, col, &n);
        out_json_str(&R->out, s, n);
    }
}

/* evaluated: the context holds this record's values (print those that
 * are values); error: the record's error, or "". */
static void write_record(run *R, const kg_record *rec, bool evaluated, const char *error)
{
    eval_opts *o = R->o;
    if (o->out_fmt == OUT_JSONL) {
        out_char(&R->out, '{');
        bool first = true;
        for (int i = 0; rec && i < rec->n; i++) {
            if (cli_columns_fact(&R->in, rec->names[i]) >= 0 || !cli_columns_is_pass(&R->in, rec->names[i]))
                continue;
            if (!first)
                out_char(&R->out, ',');
            first = false;
            out_json_str(&R->out, rec->names[i], strlen(rec->names[i]));
            out_char(&R->out, ':');
            json_t *orig = rec->json ? json_object_get(rec->json, rec->names[i]) : NULL;
            if (orig) {
                char *s = json_dumps(orig, JSON_COMPACT | JSON_ENCODE_ANY); /* numbers stay numbers */
                out_str(&R->out, s ? s : "null");
                free(s);
            } else if (rec->values[i]) {
                out_json_str(&R->out, rec->values[i], strlen(rec->values[i]));
            } else {
                out_str(&R->out, "null");
            }
        }
        for (int k = 0; evaluated && k < R->ncols; k++) {
            kigen_value v;
            if (!R->cols[k].message && col_get(R, &R->cols[k], &v) && v.type == KIGEN_T_ERROR)
                continue; /* the record's error says why */
            if (!first)
                out_char(&R->out, ',');
            first = false;
            out_json_str(&R->out, R->cols[k].name, strlen(R->cols[k].name));
            out_char(&R->out, ':');
            write_json_value(R, &R->cols[k]);
        }
        if (*error) {
            char num[64];
            snprintf(num, sizeof num, "%s\"record\":%ld,", first ? "" : ",", rec ? rec->number : R->total);
            out_str(&R->out, num);
            out_json_str(&R->out, R->errcol, strlen(R->errcol));
            out_char(&R->out, ':');
            out_json_str(&R->out, error, strlen(error));
        }
        out_char(&R->out, '}');
        out_eol(&R->out);
        return;
    }
    int width = 0;
    for (int i = 0; i < R->in.npass; i++) {
        char *dumped;
        const char *v = pass_value(rec, R->in.pass[i], &dumped);
        cell(R, &width, v ? v : "", v ? strlen(v) : 0);
        free(dumped);
    }
    for (int k = 0; k < R->ncols; k++) {
        size_t n = 0;
        const char *s = evaluated ? col_text(R, &R->cols[k], &n) : "";
        cell(R, &width, s, n);
    }
    char full[1200] = "";
    if (*error)
        snprintf(full, sizeof full, o->ja ? "レコード %ld: %s" : "record %ld: %s",
                 rec ? rec->number : R->total, error);
    cell(R, &width, full, strlen(full));
    if (o->out_fmt == OUT_CSV)
        out_eol(&R->out);
}

/* ---- one record -------------------------------------------------------------------- */

/* The record's id for messages: its first pass-through value. */
static const char *record_id(run *R, const kg_record *rec)
{
    for (int p = 0; p < R->in.npass; p++)
        for (int i = 0; rec && i < rec->n; i++)
            if (rec->values[i] && strcmp(rec->names[i], R->in.pass[p]) == 0)
                return rec->values[i];
    return NULL;
}

static void report(run *R, const kg_record *rec, const char *error)
{
    const char *id = record_id(R, rec);
    char msg[1400];
    bool ja = R->o->ja;
    if (id)
        snprintf(msg, sizeof msg,
                 ja ? "レコード %ld（%ld行目、%s %.*s）: %s" : "record %ld (line %ld, %s %.*s): %s",
                 rec->number, rec->line, R->in.pass[0], kg_utf8_fit(id, 100), id, error);
    else if (rec && rec->line)
        snprintf(msg, sizeof msg, ja ? "レコード %ld（%ld行目）: %s" : "record %ld (line %ld): %s",
                 rec->number, rec->line, error);
    else
        snprintf(msg, sizeof msg, ja ? "レコード %ld: %s" : "record %ld: %s", rec ? rec->number : R->total,
                 error);
    cli_warn("eval", "%s", msg);
}

/* Evaluate one record and write it. readrc: what the reader said. */
static void do_record(run *R, const kg_record *rec, int readrc, const char *readerr)
{
    eval_opts *o = R->o;
    kigen_ctx *c = R->c;
    char error[1024] = "";
    bool evaluated = false;
    R->total++;
    if (readrc != 1)
        snprintf(error, sizeof error, "%s", readerr);
    else {
        cli_columns_apply(&R->in, c, rec, o->sets, o->nsets, error, sizeof error);
        /* A JSON key that is not a fact and not a column of this output is
         * said, not silently dropped. */
        for (int i = 0; o->in_fmt == KG_FMT_JSONL && o->out_fmt != OUT_JSONL && i < rec->n; i++)
            if (cli_columns_fact(&R->in, rec->names[i]) == CLI_COL_PASS &&
                !cli_columns_is_pass(&R->in, rec->names[i]))
                cli_warn("eval",
                         o->ja
                             ? "レコード %ld（%ld行目）: "
                               "キー「%s」は項目でも出力の列でもないため出力しません（すべてのキーを残すには "
                               "--format jsonl）"
                             : "record %ld (line %ld): key '%s' is not a fact and not a column of this "
                               "output, so it "
                               "is not carried (use --format jsonl to carry every key)",
                         rec->number, rec->line, rec->names[i]);
        if (!error[0]) {
            int rc = kigen_eval(c);
            /* A failing policy hook leaves the rule outputs readable; a
             * chosen value that is an error fails the record (with
             * --outputs, only the chosen ones are computed). */
            evaluated = rc == KIGEN_OK || rc == KIGEN_EEVAL || rc == KIGEN_ELUA;
            if (rc != KIGEN_OK)
                snprintf(error, sizeof error, "%s", kigen_errmsg(c));
            for (int k = 0; evaluated && !error[0] && k < R->ncols; k++) {
                kigen_value v;
                if (!R->cols[k].message && col_get(R, &R->cols[k], &v) && v.type == KIGEN_T_ERROR)
                    snprintf(error, sizeof error, "%s: %.*s", R->cols[k].name, (int)v.u.str.len, v.u.str.ptr);
            }
        }
    }
    if (error[0]) {
        R->failed++;
        report(R, rec, error);
    }
    write_record(R, rec, evaluated, error);
}

/* ---- input -------------------------------------------------------------------------- */

/* A malformed JSON Lines record before the first good one: kept until the
 * pass-through columns are known (at most MAX_EARLY of them). */
#define MAX_EARLY 1000
typedef struct early {
    kg_record rec;
    char *err;
} early;

int cmd_eval(int argc, char **argv)
{
    static eval_opts o;
    static run R;
    memset(&o, 0, sizeof o);
    memset(&R, 0, sizeof R);
    R.o = &o;
    int rc = parse_args(argc, argv, &o);
    if (rc != CLI_OK) {
        cli_free_kvs(o.sets, o.nsets);
        cli_free_kvs(o.params, o.nparams);
        return rc < 0 ? CLI_OK : rc;
    }
    int status = CLI_OK;
    FILE *in = NULL;
    kg_reader *rd = NULL;
    bool single = false;
    early *earlies = NULL;
    size_t nearly = 0;
    kg_buf_init(&R.cell, NULL);
    out_open(&R.out, 1);
    R.out.crlf = o.excel;
    R.out.formula_safe = o.excel;
    if (cli_load_rules("eval", o.rules, false, &R.rs) != KIGEN_OK) {
        status = CLI_USAGE;
        goto out;
    }
    if (kigen_ctx_new(R.rs, &R.c) != KIGEN_OK) {
        cli_warn("eval", "%s", R.c ? kigen_errmsg(R.c) : "cannot create a context");
        status = CLI_USAGE;
        goto out;
    }
    if (o.today)
        kigen_set_today(R.c, o.today);
    kigen_set_lang(R.c, o.ja ? "ja" : "en");
    if ((status = cli_apply_params("eval", R.c, o.params, o.nparams)) != CLI_OK)
        goto out;
    for (int i = 0; i < o.nsets; i++) {
        if (kigen_fact_index(R.rs, o.sets[i].name) < 0) {
            (void)kigen_set(R.c, o.sets[i].name, o.sets[i].value);
            cli_warn("eval", "--set: %s", kigen_errmsg(R.c));
            status = CLI_USAGE;
            goto out;
        }
    }
    if ((status = build_columns(&R)) != CLI_OK)
        goto out;

    /* Where the records come from. */
    if (!o.input) {
        if (o.nsets > 0) {
            if (cli_stdin_may_have_records()) {
                /* Decided by what stdin is, never by whether bytes have
                 * arrived yet, so that the same command always does the
                 * same thing. */
                cli_usage_error("eval",
                                "stdin is a pipe or a file, but --input is not given: add --input - to "
                                "read records from it (the --set facts then apply to each), or "
                                "</dev/null to evaluate the --set record alone");
                status = CLI_USAGE;
                goto out;
            }
            single = true;
        } else if (cli_stdin_is_input()) {
            o.input = "-";
        } else {
            cli_usage_error("eval",
                            "no records: give --input FILE (or - for stdin), pipe records in, or give "
                            "the facts of one record with --set");
            status = CLI_USAGE;
            goto out;
        }
    }
    kg_reader_opts ro = {o.in_fmt, o.delimiter, o.encoding, o.ja};
    char err[600] = "";
    if (single) {
        static const char empty[] = "";
        ro.fmt = KG_FMT_JSONL;
        rd = kg_reader_open_mem(empty, 0, &ro, err, sizeof err);
    } else {
        in = strcmp(o.input, "-") == 0 ? stdin : fopen(o.input, "rb");
        if (!in) {
            cli_warn("eval", o.ja ? "「%s」を読めません: %s" : "cannot read '%s': %s", o.input,
                     strerror(errno));
            status = CLI_USAGE;
            goto out;
        }
        rd = kg_reader_open(in, &ro, err, sizeof err);
    }
    if (!rd) {
        cli_warn("eval", "%s", err[0] ? err : "out of memory");
        status = CLI_USAGE;
        goto out;
    }
    cli_columns_init(&R.in, R.rs, o.passthrough, o.strict_columns, o.sets, o.nsets);
    R.in.ja = o.ja;

    /* The first record decides the pass-through columns: CSV by its header,
     * JSON Lines by the first record that is an object (records before it
     * that cannot be read wait, so that they get the same columns). */
    kg_record rec;
    int r = single ? 1 : kg_reader_next(rd, &rec);
    if (single) {
        memset(&rec, 0, sizeof rec);
        rec.number = 1;
    }
    while (!single && o.in_fmt == KG_FMT_JSONL && r == -1) {
        /* Bounded: past MAX_EARLY unreadable lines the columns are decided
         * without a first record (this one and the rest are written as they
         * come). */
        if (nearly == MAX_EARLY) {
            cli_warn(
                "eval",
                o.ja
                    ? "最初の %d 件のレコードがどれも読めないため、出力の列は読めるレコードを待たずに決めます"
                      "（そのまま出力するキーは --passthrough で指定できます）"
                    : "none of the first %d records could be read: the output's columns are decided without "
                      "them (name the keys to carry with --passthrough)",
                MAX_EARLY);
            break;
        }
        early *e = realloc(earlies, (nearly + 1) * sizeof *e);
        char *msg = strdup(kg_reader_error(rd));
        if (!e || !msg) {
            free(msg);
            if (e)
                earlies = e;
            break; /* this record is written by the loop below */
        }
        earlies = e;
        earlies[nearly].rec = rec;
        earlies[nearly].err = msg;
        nearly++;
        r = kg_reader_next(rd, &rec);
    }
    if (r == -2) {
        cli_warn("eval", "%s: %s", o.input, kg_reader_error(rd));
        status = CLI_USAGE;
        goto out;
    }
    if (!single && !cli_columns_classify_input(&R.in, rd, &rec, r, o.in_fmt)) {
        status = CLI_USAGE;
        goto out;
    }
    for (int k = 0; k < R.ncols; k++)
        if (cli_columns_is_pass(&R.in, R.cols[k].name)) {
            cli_usage_error("eval",
                            "input column '%s' has the name of an output; rename it or choose --outputs",
                            R.cols[k].name);
            status = CLI_USAGE;
            goto out;
        }
    R.errcol = cli_columns_is_pass(&R.in, "error") ? "kigen_error" : "error";
    write_header(&R);
    for (size_t i = 0; i < nearly; i++)
        do_record(&R, &earlies[i].rec, -1, earlies[i].err);
    while (r != 0) {
        if (r == -2) {
            if (o.ja)
                cli_warn("eval", "%s: %s。%ld 件のレコードの後で止めました", o.input, kg_reader_error(rd),
                         R.total);
            else
                cli_warn("eval", "%s: %s; stopped after %ld record%s", o.input, kg_reader_error(rd), R.total,
                         R.total == 1 ? "" : "s");
            status = CLI_USAGE;
            break;
        }
        do_record(&R, &rec, r, r == -1 ? kg_reader_error(rd) : "");
        if (R.out.err)
            break;
        r = single ? 0 : kg_reader_next(rd, &rec);
    }
    if (o.out_fmt == OUT_TABLE)
        table_flush_block(&R);
    if (R.failed && status == CLI_OK) {
        if (o.ja)
            cli_warn("eval", "%ld 件中 %ld 件のレコードでエラーがありました", R.total, R.failed);
        else
            cli_warn("eval", "%ld of %ld record%s failed", R.failed, R.total, R.total == 1 ? "" : "s");
        status = CLI_FAIL;
    }
out:
    /* stdout is closed (and that checked) by main, after every command */
    if (out_close(&R.out, false) != 0) {
        cli_warn("eval", o.ja ? "出力を書き込めません: %s" : "cannot write the output: %s",
                 strerror(R.out.err));
        status = CLI_USAGE;
    }
    for (size_t i = 0; i < nearly; i++)
        free(earlies[i].err);
    free(earlies);
    for (size_t i = 0; i < R.tab.n; i++)
        free(R.tab.cells[i]);
    free(R.tab.cells);
    free(R.tab.w);
    cli_columns_free(&R.in);
    kg_reader_free(rd);
    if (in && in != stdin)
        fclose(in);
    for (int k = 0; k < R.ncols; k++)
        free(R.cols[k].name);
    kg_buf_free(&R.cell);
    kigen_ctx_free(R.c);
    kigen_ruleset_free(R.rs);
    cli_free_kvs(o.sets, o.nsets);
    cli_free_kvs(o.params, o.nparams);
    return status;
}
