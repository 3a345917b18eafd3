/* kigen timeline: one resident's card and certificate lifetimes, drawn.
 *
 * What is drawn is data: the layout file beside the rule pack names the
 * lanes (a span and its windows), and the markers (a param's changes, a
 * date of the record). This file: the options, one record's facts (from
 * --set, or record N of a CSV / JSON Lines file), the evaluation; the
 * chart is built from the layout and the values by timeline_chart.c and
 * drawn by timeline_text.c / timeline_svg.c. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/common.h"
#include "cli/one_record.h"
#include "cli/out.h"
#include "cli/timeline.h"
#include "base/clock.h"
#include "base/text.h"

static const char timeline_help[] =
    "usage: kigen timeline --rules RULES (--set FACT=VALUE... | --input FILE --record N)\n"
    "                      [options]\n"
    "\n"
    "Draw one resident's card and certificate lifetimes: a lane per card or\n"
    "certificate with its renewal and notice windows, today, and the changes of\n"
    "law that fall inside the dates drawn. What is drawn comes from the layout\n"
    "file beside the rule file (mynumber.yaml: mynumber.timeline.yaml).\n"
    "\n"
    "  --rules RULES         the rule file, or a pack's name (jp/mynumber)\n"
    "  --set FACT=VALUE      a fact of the resident (repeat)\n"
    "  --input FILE|-        ... or take the resident from a CSV or JSON Lines file\n"
    "  --record N            the Nth record of --input (1 = the first data record)\n"
    "  --encoding ENC        the input's encoding, as for kigen eval\n"
    "  --param NAME=VALUE    override a param (another reading of the law)\n"
    "  --today DATE          the day drawn as today (default: today in Japan)\n"
    "  --layout FILE         the layout to draw with (default: the one beside\n"
    "                        the rule file)\n"
    "  --format text|svg     text for a terminal (default), or an SVG document\n"
    "  --lang en|ja          the labels' language (default: en)\n"
    "  --dates iso|era       dates as 2028-07-07 (default) or 令和10年7月7日\n"
    "                        (--date-style, as kigen eval calls it, works too)\n"
    "  -o FILE               write to FILE instead of standard output\n"
    "\n"
    "A value that is absent (no signature certificate for a child) is drawn as\n"
    "none, never as a date; an error value is drawn with its message.\n"
    "\n"
    "Exit status: 0 drawn, 1 drawn but a value is an error (or the record cannot\n"
    "be read), 2 usage, rules or layout errors, output that cannot be written.\n";

typedef struct tl_opts {
    const char *rules, *layout, *input, *encoding, *outfile;
    long record;
    bool svg, ja, era;
    kigen_date today;
    cli_kv sets[CLI_MAX_KV], params[CLI_MAX_KV];
    int nsets, nparams;
} tl_opts;

static int parse_args(int argc, char **argv, tl_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) {
            fputs(timeline_help, stdout);
            return -1;
        }
        if (a[0] != '-')
            return cli_usage_error("timeline", "unexpected argument '%s'", a);
        if (!v)
            return cli_usage_error("timeline", "%s needs a value", a);
        i++;
        if (strcmp(a, "--rules") == 0)
            o->rules = v;
        else if (strcmp(a, "--layout") == 0)
            o->layout = v;
        else if (strcmp(a, "--input") == 0)
            o->input = v;
        else if (strcmp(a, "--encoding") == 0)
            o->encoding = v;
        else if (strcmp(a, "-o") == 0)
            o->outfile = v;
        else if (strcmp(a, "--record") == 0) {
            char *end;
            errno = 0;
            long n = strtol(v, &end, 10);
            if (*v == '\0' || *end || errno || n < 1)
                return cli_usage_error("timeline", "--record must be a record number from 1, not '%s'", v);
            o->record = n;
        } else if (strcmp(a, "--format") == 0) {
            if (strcmp(v, "text") != 0 && strcmp(v, "svg") != 0)
                return cli_usage_error("timeline", "--format must be text or svg, not '%s'", v);
            o->svg = strcmp(v, "svg") == 0;
        } else if (strcmp(a, "--lang") == 0) {
            if (strcmp(v, "ja") != 0 && strcmp(v, "en") != 0)
                return cli_usage_error("timeline", "--lang must be ja or en, not '%s'", v);
            o->ja = strcmp(v, "ja") == 0;
        } else if (strcmp(a, "--dates") == 0 || strcmp(a, "--date-style") == 0) {
            if (strcmp(v, "iso") != 0 && strcmp(v, "era") != 0)
                return cli_usage_error("timeline", "%s must be iso or era, not '%s'", a, v);
            o->era = strcmp(v, "era") == 0;
        } else if (strcmp(a, "--set") == 0) {
            if (o->nsets == CLI_MAX_KV || !cli_split_kv("timeline", a, v, &o->sets[o->nsets]))
                return CLI_USAGE;
            o->nsets++;
        } else if (strcmp(a, "--param") == 0) {
            if (o->nparams == CLI_MAX_KV || !cli_split_kv("timeline", a, v, &o->params[o->nparams]))
                return CLI_USAGE;
            o->nparams++;
        } else if (strcmp(a, "--today") == 0) {
            if (!cli_parse_today("timeline", v, &o->today))
                return CLI_USAGE;
        } else {
            return cli_usage_error("timeline", "unknown option '%s'", a);
        }
    }
    if (!o->rules)
        return cli_usage_error("timeline", "--rules FILE is required");
    /* One resident, from one place: --set beside --input would be a second
     * record's facts mixed into the first, or a guess at which wins. */
    if (o->input && o->nsets > 0)
        return cli_usage_error("timeline",
                               "give the resident either with --set or with --input and --record, "
                               "not both");
    if (o->input && o->record == 0)
        return cli_usage_error("timeline", "--input needs --record N: which resident to draw");
    if (!o->input && o->record != 0)
        return cli_usage_error("timeline", "--record needs --input FILE");
    if (!o->input && o->nsets == 0)
        return cli_usage_error("timeline",
                               "no resident: give the facts with --set, or --input FILE --record N");
    return CLI_OK;
}

/* The layout beside the rule file: rules/jp/mynumber.yaml ->
 * rules/jp/mynumber.timeline.yaml. false when the name does not fit. */
static bool layout_beside(const char *rules, char *out, size_t cap)
{
    size_t n = strlen(rules);
    if (n > 5 && strcmp(rules + n - 5, ".yaml") == 0)
        n -= 5;
    else if (n > 4 && strcmp(rules + n - 4, ".yml") == 0)
        n -= 4;
    int k = snprintf(out, cap, "%.*s.timeline.yaml", (int)n, rules);
    return k > 0 && (size_t)k < cap;
}

/* Whose chart: the --set facts as given, and the readings overridden. */
static void describe_sets(const tl_opts *o, char *who, size_t cap)
{
    size_t n = 0;
    who[0] = '\0';
    for (int i = 0; i < o->nsets + o->nparams && n + 1 < cap; i++) {
        const cli_kv *kv = i < o->nsets ? &o->sets[i] : &o->params[i - o->nsets];
        int k = snprintf(who + n, cap - n, "%s%s%s=%s", n ? ", " : "", i < o->nsets ? "" : "--param ",
                         kv->name, kv->value);
        if (k < 0)
            break;
        n += (size_t)k < cap - n ? (size_t)k : cap - n - 1;
    }
}

static void add_params(const tl_opts *o, char *who, size_t cap)
{
    for (int i = 0; i < o->nparams; i++) {
        size_t n = strlen(who);
        snprintf(who + n, cap - n, "%s--param %s=%s", i ? ", " : "; ", o->params[i].name, o->params[i].value);
    }
}

/* ---- the chart: the layout filled in with the record's values ------------------- */

static int write_chart(const tl_opts *o, const tl_chart *ch)
{
    int fd = 1;
    if (o->outfile) {
        fd = open(o->outfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd < 0) {
            cli_warn("timeline", o->ja ? "「%s」に書き込めません: %s" : "cannot write '%s': %s", o->outfile,
                     strerror(errno));
            return CLI_USAGE;
        }
    }
    cli_out out;
    out_open(&out, fd);
    if (o->svg)
        tl_render_svg(ch, &out);
    else
        tl_render_text(ch, &out);
    /* a file is closed here, so that an error only close reports is seen;
     * stdout is closed (and that checked) by main */
    int err = out_close(&out, o->outfile != NULL);
    if (err) {
        if (o->outfile)
            cli_warn("timeline", o->ja ? "「%s」に書き込めません: %s" : "cannot write '%s': %s", o->outfile,
                     strerror(err));
        else
            cli_warn("timeline", o->ja ? "標準出力に書き込めません: %s" : "cannot write the output: %s",
                     strerror(err));
        return CLI_USAGE;
    }
    return CLI_OK;
}

int cmd_timeline(int argc, char **argv)
{
    static tl_opts o;
    memset(&o, 0, sizeof o);
    int status = parse_args(argc, argv, &o);
    kigen_ruleset *rs = NULL;
    kigen_ctx *c = NULL;
    tl_layout layout;
    tl_chart chart;
    bool have_layout = false, have_chart = false;
    char rules_path[PATH_MAX], layout_path[PATH_MAX + 32], who[2048] = "";
    if (status != CLI_OK)
        goto out;
    status = CLI_USAGE;
    if (cli_find_rules("timeline", o.rules, rules_path, sizeof rules_path) != KIGEN_OK ||
        cli_load_rules("timeline", rules_path, false, &rs) != KIGEN_OK)
        goto out;
    if (o.layout) {
        snprintf(layout_path, sizeof layout_path, "%s", o.layout);
    } else {
        struct stat st;
        if (!layout_beside(rules_path, layout_path, sizeof layout_path)) {
            cli_warn("timeline", "%s: path too long", rules_path);
            goto out;
        }
        if (stat(layout_path, &st) != 0 && errno == ENOENT) {
            cli_warn("timeline",
                     o.ja ? "%s のレイアウトがありません: %s を探しました（書くか、--layout FILE "
                            "で指定してください）"
                          : "no layout for %s: looked for %s (write one, or give --layout FILE)",
                     rules_path, layout_path);
            goto out;
        }
    }
    if (!(have_layout = tl_layout_read(&layout, layout_path, cli_include_root)))
        goto out;

    if (!o.today && !(o.today = kg_clock_today_jst())) {
        cli_usage_error("timeline", "cannot read the system clock: give --today DATE");
        goto out;
    }
    if (kigen_ctx_new(rs, &c) != KIGEN_OK) {
        cli_warn("timeline", "%s", c ? kigen_errmsg(c) : "cannot create a context");
        goto out;
    }
    /* the day drawn as today is the day the rules' today() returns */
    kigen_set_today(c, o.today);
    kigen_set_lang(c, o.ja ? "ja" : "en");
    if (cli_check_params("timeline", o.params, o.nparams) != CLI_OK ||
        cli_check_sets("timeline", rs, o.sets, o.nsets) != CLI_OK ||
        cli_apply_params("timeline", c, o.params, o.nparams) != CLI_OK)
        goto out;
    for (int i = 0; i < o.nsets; i++)
        if (kigen_set(c, o.sets[i].name, o.sets[i].value) != KIGEN_OK) {
            cli_warn("timeline", "--set %s=%s: %s", o.sets[i].name, o.sets[i].value, kigen_errmsg(c));
            goto out;
        }
    if (o.input) {
        char id[128];
        cli_record_opts ro = {o.input, o.encoding, o.record, NULL, 0};
        if ((status = cli_one_record("timeline", c, &ro, id, sizeof id)) != CLI_OK)
            goto out;
        snprintf(who, sizeof who, o.ja ? "%s の %ld 件目%s%s%s" : "%s, record %ld%s%s%s", o.input, o.record,
                 id[0] ? " (id " : "", id, id[0] ? ")" : "");
        add_params(&o, who, sizeof who);
    } else {
        describe_sets(&o, who, sizeof who);
    }
    status = CLI_OK;
    if (kigen_eval(c) != KIGEN_OK) {
        /* drawn all the same, as kigen explain explains a failed record:
         * the lanes that fail say why */
        cli_warn("timeline", "%s", kigen_errmsg(c));
        status = CLI_FAIL;
    }
    if (!tl_layout_check(&layout, c)) {
        status = CLI_USAGE;
        goto out;
    }
    memset(&chart, 0, sizeof chart);
    chart.title = o.ja ? layout.title.ja : layout.title.en;
    chart.subtitle = who;
    chart.ja = o.ja;
    chart.era = o.era;
    chart.today = o.today;
    have_chart = true;
    if (!tl_chart_build(&chart, &layout, c)) {
        cli_warn("timeline", "out of memory");
        status = CLI_USAGE;
        goto out;
    }
    if (chart.has_error)
        status = CLI_FAIL;
    int wrc = write_chart(&o, &chart);
    if (wrc != CLI_OK)
        status = wrc;
out:
    if (have_chart)
        tl_chart_free(&chart);
    if (have_layout)
        tl_layout_free(&layout);
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
    cli_free_kvs(o.sets, o.nsets);
    cli_free_kvs(o.params, o.nparams);
    return status < 0 ? CLI_OK : status;
}
