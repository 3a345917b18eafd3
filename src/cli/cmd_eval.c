/* kigen eval: evaluate a rule set over records, one output record per input
 * record, in order.
 *
 * What can go wrong is said, never guessed around: a column whose name is
 * close to a fact's is an error (a misspelled residence_status must not
 * leave the resident Japanese by default); an output that is an error fails
 * the record; every record of the input yields exactly one output record
 * (an error record keeps the input's pass-through columns, such as the id),
 * unless --where leaves it out; every write is checked.
 *
 * The work is a pipeline over blocks of records (pipeline.h): read
 * (eval_read.c), evaluate and format on N threads with a context each
 * (eval_record.c), write in input order (eval_write.c). This file: the
 * options, the setup, and what is said at the end. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/eval_run.h"
#include "cli/eval_where.h"
#include "cli/pipeline.h"
#include "base/mem.h"
#include "base/text.h"

#define MAX_THREADS 256

volatile sig_atomic_t eval_sigint;

static void on_sigint(int sig)
{
    (void)sig;
    eval_sigint = 1; /* SA_RESETHAND: a second Ctrl-C ends the process at once */
}

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
    "  --where EXPR           keep only the records for which EXPR holds, an expression of\n"
    "                         the rule language (auth_status == renewable); checked against\n"
    "                         the rule set like a rule. The condition decides whenever it\n"
    "                         has a value (a record left out is not reported, even when\n"
    "                         another of its values failed); one that is an error keeps the\n"
    "                         record, with the error; one with no value leaves it out.\n"
    "  --threads N            evaluate on N threads (default: the number of processors);\n"
    "                         the output is in input order whatever N is\n"
    "  --summary              print records, failed, kept, seconds and records/s to stderr at\n"
    "                         the end (the default when stderr is a terminal)\n"
    "  --quiet                no summary and no progress bar\n"
    "  --progress             draw the progress bar even when stderr is not a terminal\n"
    "  --debug-lua            policy scripts' print() writes to stderr, and a script's error\n"
    "                         is followed by the script's own frames\n"
    "\n"
    "An empty CSV cell, a JSON null or \"\" means the fact is not given (its default applies).\n"
    "Input columns that are clearly not facts (an id, a name) are copied to the output\n"
    "first; a column whose name is close to a fact's is an error (did you mean ...?).\n"
    "Dates print as YYYY-MM-DD, booleans as true/false, absent values as empty cells.\n"
    "A record that cannot be read or evaluated, or whose chosen output is an error, gets\n"
    "an error (CSV: the 'error' column; JSON: \"error\") with its number and the reason;\n"
    "the values it does have are printed, and the run goes on.\n"
    "\n"
    "On a terminal, a progress bar and a summary are drawn on stderr. Ctrl-C stops reading,\n"
    "writes every record already read, says how far it got and exits with 130.\n"
    "\n"
    "Exit status: 0 every record evaluated, 1 some records failed, 2 usage or rule\n"
    "errors, unreadable input or unwritable output, 130 interrupted.\n";

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
        } else if (strcmp(a, "--where") == 0) {
            NEEDV();
            if (o->where) /* one would be dropped: say so */
                return cli_usage_error("eval", "--where is given twice: join the conditions with 'and'");
            o->where = v;
        } else if (strcmp(a, "--threads") == 0) {
            NEEDV();
            char *end;
            long n = strtol(v, &end, 10);
            if (*v == '\0' || *end || n < 1 || n > MAX_THREADS)
                return cli_usage_error("eval", "--threads must be a whole number from 1 to %d, not '%s'",
                                       MAX_THREADS, v);
            o->threads = (int)n;
        } else if (strcmp(a, "--summary") == 0) {
            o->summary = true;
        } else if (strcmp(a, "--quiet") == 0) {
            o->quiet = true;
        } else if (strcmp(a, "--debug-lua") == 0) {
            cli_debug_lua = true;
        } else if (strcmp(a, "--progress") == 0) {
            o->progress = 1;
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
            for (int k = 0; k < n; k++)
                if (strcmp(R->cols[k].name, t) == 0 ||
                    (kigen_fact_index(R->rs, t) >= 0 &&
                     kigen_fact_index(R->rs, t) == kigen_fact_index(R->rs, R->cols[k].name))) {
                    cli_warn("eval", "--outputs: '%s' is named twice", t);
                    free(list);
                    R->ncols = n;
                    return CLI_USAGE;
                }
            if (kigen_get_by_name(R->w[0].c, t, &v) == KIGEN_ENOTFOUND) {
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
        if (kigen_output_count(R->rs) - (R->where_name ? 1 : 0) > MAX_OUTPUTS) {
            cli_warn(
                "eval",
                "the rule set has %d outputs and kigen eval prints at most %d: choose them with --outputs",
                kigen_output_count(R->rs) - (R->where_name ? 1 : 0), MAX_OUTPUTS);
            return CLI_USAGE;
        }
        for (int i = 0; i < kigen_output_count(R->rs); i++) {
            if (R->where_name && strcmp(kigen_output_name(R->rs, i), R->where_name) == 0)
                continue; /* --where's condition is not a column */
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
        const char *names[MAX_COLS + 1];
        size_t k = 0;
        for (int i = 0; i < n; i++)
            if (!R->cols[i].message)
                names[k++] = R->cols[i].name;
        if (R->where_name)
            names[k++] = R->where_name;
        for (int w = 0; w < R->nworkers; w++)
            if (kigen_ctx_select_outputs(R->w[w].c, names, k) != KIGEN_OK) {
                cli_warn("eval", "--outputs: %s", kigen_errmsg(R->w[w].c));
                return CLI_USAGE;
            }
    }
    return CLI_OK;
}

/* A malformed JSON Lines record before the first good one waits (at most
 * MAX_EARLY of them) until the pass-through columns are known. */
#define MAX_EARLY 1000

/* ---- setup ------------------------------------------------------------------------ */

/* Zeroed memory on whole cache lines of its own, for everything a worker
 * writes per record (its block, its scratch arrays). A block's output
 * length changes with every byte; a worker's pass-through slots with every
 * record; two of them sharing a line would make the cores fight over it
 * (measured: a fifth more CPU time on two threads). */
static void *cache_lines_alloc(size_t n)
{
    n = (n + 63) / 64 * 64;
    void *p = aligned_alloc(64, n);
    if (p)
        memset(p, 0, n);
    return p;
}

static int default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

/* One context per worker, all alike. */
static int make_workers(run *R)
{
    eval_opts *o = R->o;
    R->w = cache_lines_alloc(sizeof *R->w * (size_t)R->nworkers);
    if (!R->w)
        return CLI_USAGE;
    for (int i = 0; i < R->nworkers; i++) {
        worker *W = &R->w[i];
        W->where = -1;
        kg_buf_init(&W->cell, NULL);
        W->seen = cache_lines_alloc(((size_t)kigen_fact_count(R->rs) + 1) * sizeof *W->seen);
        if (!W->seen)
            return CLI_USAGE;
        if (kigen_ctx_new(R->rs, &W->c) != KIGEN_OK) {
            cli_warn("eval", "%s", W->c ? kigen_errmsg(W->c) : "cannot create a context");
            return CLI_USAGE;
        }
        if (o->today)
            kigen_set_today(W->c, o->today);
        kigen_set_lang(W->c, o->ja ? "ja" : "en");
        if (cli_apply_params("eval", W->c, o->params, o->nparams) != CLI_OK)
            return CLI_USAGE;
        if (R->where_name)
            W->where = kigen_output_index(R->rs, R->where_name);
    }
    return CLI_OK;
}

static void free_workers(run *R)
{
    for (int i = 0; R->w && i < R->nworkers; i++) {
        worker *W = &R->w[i];
        kigen_ctx_free(W->c);
        kg_buf_free(&W->cell);
        free(W->slot);
        free(W->seen);
        kg_jsonl_free(W->jp);
        free(W->jp);
        free(W->fields);
        if (W->has_cols)
            cli_columns_free(&W->cols);
    }
    free(R->w);
}

/* The input's size when it is a regular file (for the progress bar's ETA). */
static long long input_size(FILE *in)
{
    struct stat st;
    if (in && fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode))
        return (long long)st.st_size;
    return -1;
}

static void summary(run *R, double secs)
{
    bool ja = R->o->ja;
    double rate = secs > 0 ? (double)R->total / secs : 0;
    if (R->o->where)
        cli_warn("eval",
                 ja ? "%ld 件、エラー %ld 件、出力 %ld 件、%.2f 秒、%.0f 件/秒"
                    : "%ld records, %ld failed, %ld kept, %.2f s, %.0f records/s",
                 R->total, R->failed, R->kept, secs, rate);
    else
        cli_warn("eval",
                 ja ? "%ld 件、エラー %ld 件、%.2f 秒、%.0f 件/秒"
                    : "%ld records, %ld failed, %.2f s, %.0f records/s",
                 R->total, R->failed, secs, rate);
}

/* ---- the command ------------------------------------------------------------------ */

int cmd_eval(int argc, char **argv)
{
    static eval_opts o;
    static run R;
    memset(&o, 0, sizeof o);
    memset(&R, 0, sizeof R);
    R.o = &o;
    eval_sigint = 0;
    int rc = parse_args(argc, argv, &o);
    if (rc != CLI_OK) {
        cli_free_kvs(o.sets, o.nsets);
        cli_free_kvs(o.params, o.nparams);
        return rc < 0 ? CLI_OK : rc;
    }
    int status = CLI_OK;
    FILE *in = NULL;
    struct sigaction sa, old_sa;
    bool handler_set = false;
    block **blocks = NULL;
    int nblocks = 0;
    kigen_ruleset *plain = NULL;
    out_open(&R.out, 1);
    R.out.crlf = o.excel;
    R.out.formula_safe = o.excel;
    R.nworkers = o.threads ? o.threads : default_threads();
    if (cli_load_rules("eval", o.rules, false, &plain) != KIGEN_OK) {
        status = CLI_USAGE;
        goto out;
    }
    if (o.where) {
        if ((status = eval_load_where(o.rules, o.where, plain, &R.rs)) != CLI_OK)
            goto out;
        R.where_name = eval_where_rule;
    } else {
        R.rs = plain;
        plain = NULL;
    }
    if ((status = cli_check_params("eval", o.params, o.nparams)) != CLI_OK)
        goto out;
    if ((status = make_workers(&R)) != CLI_OK)
        goto out;
    for (int i = 0; i < o.nsets; i++) {
        /* each --set value is checked (and a date parsed) once, here: a bad
         * one stops the run, rather than failing every record alike */
        kigen_ctx *c0 = R.w[0].c;
        int fi = kigen_fact_index(R.rs, o.sets[i].name);
        if (fi < 0 || kigen_set(c0, o.sets[i].name, o.sets[i].value) != KIGEN_OK) {
            if (fi < 0)
                (void)kigen_set(c0, o.sets[i].name, o.sets[i].value);
            cli_warn("eval", "--set %s=%s: %s", o.sets[i].name, o.sets[i].value, kigen_errmsg(c0));
            status = CLI_USAGE;
            goto out;
        }
        for (int k = 0; k < i; k++)
            if (R.sets[k].fact == fi) { /* birth_date and 生年月日: which would win is a guess */
                cli_usage_error("eval", "--set %s and --set %s both give the fact %s", o.sets[k].name,
                                o.sets[i].name, kigen_fact_name(R.rs, fi));
                status = CLI_USAGE;
                goto out;
            }
        struct set_value *sv = &R.sets[i];
        sv->fact = fi;
        sv->len = strlen(o.sets[i].value);
        sv->is_date = kigen_fact_type(R.rs, fi) == KIGEN_T_DATE && sv->len > 0 &&
                      kigen_date_parse(o.sets[i].value, sv->len, &sv->date, NULL, 0) == KIGEN_OK;
        kigen_ctx_reset(c0);
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
            R.single = true;
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
    /* Ctrl-C from here on stops reading (even a silent pipe, within 200 ms)
     * and what was read is still written */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sa.sa_flags = SA_RESTART | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, NULL, &old_sa);
    if (old_sa.sa_handler != SIG_IGN) { /* a job started with & in a script ignores Ctrl-C: so do we */
        sigaction(SIGINT, &sa, &old_sa);
        handler_set = true;
    }
    kg_reader_opts ro = {o.in_fmt, o.delimiter, o.encoding, o.ja, &eval_sigint};
    char err[600] = "";
    if (!R.single) {
        in = strcmp(o.input, "-") == 0 ? stdin : fopen(o.input, "rb");
        if (!in) {
            cli_warn("eval", o.ja ? "「%s」を読めません: %s" : "cannot read '%s': %s", o.input,
                     strerror(errno));
            status = CLI_USAGE;
            goto out;
        }
        R.rd = kg_reader_open(in, &ro, err, sizeof err);
        if (!R.rd) {
            cli_warn("eval", "%s", err[0] ? err : "out of memory");
            status = CLI_USAGE;
            goto out;
        }
    }
    cli_columns_init(&R.in, R.rs, o.passthrough, o.strict_columns, o.sets, o.nsets);
    R.in.ja = o.ja;
    R.carry_all_json = o.in_fmt == KG_FMT_JSONL && o.out_fmt == OUT_JSONL;

    /* The first record decides the pass-through columns: CSV by its header,
     * JSON Lines by the first record that is an object. Records before it
     * that cannot be read are kept (copied) until then, so that they get
     * the same columns; they and the first record go out first. */
    R.staged = cache_lines_alloc(sizeof *R.staged);
    if (!R.staged) {
        status = CLI_USAGE;
        goto out;
    }
    out_open(&R.staged->out, CLI_OUT_MEMORY);
    R.staged->out.crlf = o.excel;
    R.staged->out.formula_safe = o.excel;
    kg_buf_init(&R.staged->text, NULL);
    kg_buf_init(&R.staged->msgs, NULL);
    kg_record rec;
    memset(&rec, 0, sizeof rec);
    int r = 1;
    if (!R.single) {
        r = kg_reader_next(R.rd, &rec);
        int nearly = 0;
        while (o.in_fmt == KG_FMT_JSONL && r == -1) {
            /* Bounded: past MAX_EARLY unreadable lines the columns are
             * decided without a first record. */
            if (nearly == MAX_EARLY) {
                cli_warn("eval",
                         o.ja
                             ? "最初の %d "
                               "件のレコードがどれも読めないため、出力の列は読めるレコードを待たずに決めます"
                               "（そのまま出力するキーは --passthrough で指定できます）"
                             : "none of the first %d records could be read: the output's columns are decided "
                               "without them (name the keys to carry with --passthrough)",
                         MAX_EARLY);
                break;
            }
            /* classified below, once the columns are known: kept as read */
            if (!eval_block_add(&R, R.staged, &rec, -1, kg_reader_error(R.rd))) {
                status = CLI_USAGE;
                goto out;
            }
            nearly++;
            r = kg_reader_next(R.rd, &rec);
        }
        if (r == -2 && eval_sigint) {
            cli_warn("eval", "%s",
                     o.ja ? "中断しました: レコードを読む前に止めました"
                          : "interrupted before any record was read");
            status = 130;
            goto out;
        }
        if (r == -2) {
            cli_warn("eval", "%s: %s", o.input, kg_reader_error(R.rd));
            status = CLI_USAGE;
            goto out;
        }
        if (!cli_columns_classify_input(&R.in, R.rd, &rec, r, o.in_fmt)) {
            status = CLI_USAGE;
            goto out;
        }
    }
    if (!R.single && o.in_fmt == KG_FMT_CSV) {
        /* two columns for one fact (a name and its alias, as a register's
         * export may have: 住民区分 and 在留資格): which cell would win is a
         * guess, so the file is refused */
        const char *const *names = NULL;
        int nh = kg_reader_header(R.rd, &names);
        for (int i = 0; i < nh; i++)
            for (int k = 0; k < i; k++) {
                int fi = kigen_fact_index(R.rs, names[i]);
                if (fi >= 0 && fi == kigen_fact_index(R.rs, names[k])) {
                    cli_usage_error(
                        "eval",
                        o.ja ? "列「%s」と「%s」はどちらも項目 %s です（どちらか一方にしてください）"
                             : "columns '%s' and '%s' both give the fact %s; keep one of them",
                        names[k], names[i], kigen_fact_name(R.rs, fi));
                    status = CLI_USAGE;
                    goto out;
                }
            }
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
    R.reccol = cli_columns_is_pass(&R.in, "record") ? "kigen_record" : "record";
    /* the early records' fields are classified now that the columns are known */
    for (int i = 0; i < R.staged->nfld; i++) {
        bfield *f = &R.staged->fields[i];
        const char *name = f->name_off != NOFF ? R.staged->text.p + f->name_off : f->name;
        struct col_class k;
        eval_classify(&R, &R.in, name, &k);
        f->fact = k.fact;
        f->pass = k.pass;
        f->why = k.why;
    }
    /* the first record (one that cannot be read goes out as an error too) */
    if (r != 0 &&
        !eval_block_add(&R, R.staged, R.single ? NULL : &rec, r, r == -1 ? kg_reader_error(R.rd) : NULL)) {
        status = CLI_USAGE;
        goto out;
    }
    if (r == 0)
        R.read_done = true;
    for (int i = 0; i < R.nworkers; i++) {
        worker *W = &R.w[i];
        W->slot = cache_lines_alloc(((size_t)R.in.npass + 1) * sizeof(const bfield *));
        if (!W->slot) {
            status = CLI_USAGE;
            goto out;
        }
        if (o.in_fmt == KG_FMT_JSONL && !R.single) {
            /* JSON is parsed by the workers, so that reading is not the
             * part that cannot run in parallel */
            W->jp = cache_lines_alloc(sizeof *W->jp);
            W->fields = cache_lines_alloc(KG_MAX_FIELDS * sizeof *W->fields);
            if (!W->jp || !W->fields) {
                status = CLI_USAGE;
                goto out;
            }
            cli_columns_init(&W->cols, R.rs, o.passthrough, o.strict_columns, o.sets, o.nsets);
            W->cols.ja = o.ja;
            W->has_cols = true;
        }
    }
    if (o.in_fmt == KG_FMT_JSONL && R.rd)
        kg_reader_set_raw(R.rd, true);

    /* the blocks: enough that no worker waits on the writer for long */
    nblocks = 2 * R.nworkers + 2;
    blocks = calloc((size_t)nblocks, sizeof(block *));
    for (int i = 0; blocks && i < nblocks; i++) {
        blocks[i] = cache_lines_alloc(sizeof *blocks[i]);
        if (!blocks[i]) {
            status = CLI_USAGE;
            goto out;
        }
        out_open(&blocks[i]->out, CLI_OUT_MEMORY);
        blocks[i]->out.crlf = o.excel;
        blocks[i]->out.formula_safe = o.excel;
        kg_buf_init(&blocks[i]->text, NULL);
        kg_buf_init(&blocks[i]->msgs, NULL);
    }
    if (!blocks) {
        status = CLI_USAGE;
        goto out;
    }

    bool tty = isatty(2) != 0;
    cli_progress_start(&R.progress, !o.quiet && (o.progress == 1 || tty), input_size(in), o.ja);
    eval_write_header(&R);
    static const cli_pipe_ops ops = {eval_read_block, eval_work_block, eval_write_block};
    int prc = cli_pipe_run(&ops, &R, R.nworkers, (void **)blocks, nblocks);
    eval_table_finish(&R);
    out_flush(&R.out);
    cli_progress_clear(&R.progress);
    if (prc != 0)
        cli_warn("eval", "%s",
                 o.ja ? "スレッドを作れないため、少ないスレッドで実行しました"
                      : "could not start every thread: fewer threads did the work");
    if (R.read_status) {
        if (o.ja)
            cli_warn("eval", "%s: %s。%ld 件のレコードの後で止めました", o.input, R.read_error, R.total);
        else
            cli_warn("eval", "%s: %s; stopped after %ld record%s", o.input, R.read_error, R.total,
                     R.total == 1 ? "" : "s");
        status = CLI_USAGE;
    }
    if (R.failed && status == CLI_OK) {
        if (o.ja)
            cli_warn("eval", "%ld 件中 %ld 件のレコードでエラーがありました", R.total, R.failed);
        else
            cli_warn("eval", "%ld of %ld record%s failed", R.failed, R.total, R.total == 1 ? "" : "s");
        status = CLI_FAIL;
    }
    if (R.interrupted && !R.out.err) {
        if (o.ja)
            cli_warn("eval", "中断しました: レコード %ld までを評価して出力し、残りの入力は読んでいません",
                     R.total);
        else
            cli_warn("eval",
                     "interrupted: records 1 to %ld were evaluated and written; the rest of the input was "
                     "not read",
                     R.total);
        status = 130;
    }
    if (!o.quiet && (o.summary || tty) && !R.out.err) /* not a count of records that were not written */
        summary(&R, cli_progress_elapsed(&R.progress));
out:
    if (handler_set)
        sigaction(SIGINT, &old_sa, NULL);
    /* stdout is closed (and that checked) by main, after every command */
    if (out_close(&R.out, false) != 0) {
        cli_warn("eval", o.ja ? "出力を書き込めません: %s" : "cannot write the output: %s",
                 strerror(R.out.err));
        status = CLI_USAGE;
    }
    for (int i = 0; blocks && i < nblocks; i++) {
        eval_block_free(blocks[i]);
        free(blocks[i]);
    }
    free(blocks);
    if (R.staged) {
        eval_block_free(R.staged);
        free(R.staged);
    }
    for (size_t i = 0; i < R.tab.n; i++)
        free(R.tab.cells[i]);
    free(R.tab.cells);
    free(R.tab.w);
    cli_columns_free(&R.in);
    free(R.csv_cols);
    kg_reader_free(R.rd);
    if (in && in != stdin)
        fclose(in);
    for (int k = 0; k < R.ncols; k++)
        free(R.cols[k].name);
    free_workers(&R);
    kigen_ruleset_free(R.rs);
    kigen_ruleset_free(plain);
    cli_free_kvs(o.sets, o.nsets);
    cli_free_kvs(o.params, o.nparams);
    return status;
}
