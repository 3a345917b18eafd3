/* kigen explain: the derivation of one record's values, with sources. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common.h"
#include "cli/explain_brief.h"
#include "cli/one_record.h"
#include "base/text.h"

static const char explain_help[] =
    "usage: kigen explain --rules RULES (--set FACT=VALUE... | --input FILE --record N)\n"
    "                     [options] [NAME...]\n"
    "\n"
    "Evaluate one record and show, for each output (or each NAME given), how its\n"
    "value was derived: the rule's text and source, the case taken, every param\n"
    "version used (value and effective date), and the inputs, recursively.\n"
    "\n"
    "  --rules RULES         the rule file, or a pack's name (jp/mynumber)\n"
    "  --set FACT=VALUE      a fact of the record (repeat)\n"
    "  --input FILE          take the record from a CSV or JSON Lines file (as\n"
    "                        kigen eval reads it; --set values apply under it)\n"
    "  --record N            which record of --input (1 = the first data record)\n"
    "  --encoding ENC        the --input file's encoding (as kigen eval)\n"
    "  --param NAME=VALUE    override a param for this run\n"
    "  --today DATE          the date today() returns\n"
    "  --brief               a page per value: the value, its rule and case, the\n"
    "                        facts, the rules passed through, the params and\n"
    "                        their versions, the sources (not the whole tree)\n"
    "  --lang ja|en          the output's message, and --brief's labels, in\n"
    "                        Japanese or English (default en)\n"
    "  --format text|json    text for people (default), JSON for programs\n"
    "  --debug-lua           policy scripts' print() writes to stderr, and a script's\n"
    "                        error is followed by the script's own frames\n"
    "\n"
    "Exit status: 0 evaluated, 1 the record has an error (still explained), 2 usage.\n";

/* --brief: each NAME (or each output) in its short form, with the
 * output's message in the language asked for. */
static int print_brief(kigen_ctx *c, const char *const *names, int nnames, const char *lang, int status)
{
    const kigen_ruleset *rs = kigen_ctx_ruleset(c);
    int n = nnames ? nnames : kigen_output_count(rs);
    kg_buf out;
    kg_buf_init(&out, NULL);
    for (int i = 0; i < n; i++) {
        const char *name = nnames ? names[i] : kigen_output_name(rs, i);
        const char *j = kigen_explain_json(c, name);
        if (!j) {
            cli_warn("explain", "%s", kigen_errmsg(c));
            status = CLI_USAGE;
            continue;
        }
        int oi = kigen_output_index(rs, name);
        const char *msg = oi >= 0 ? kigen_message(c, oi, lang) : NULL;
        if (out.len)
            kg_buf_putc(&out, '\n');
        if (cli_explain_brief(j, msg, strcmp(lang, "ja") == 0, &out) != 0) {
            cli_warn("explain", "out of memory");
            status = CLI_USAGE;
            break;
        }
    }
    /* the policy's notes say why a hook's value is what it is */
    int nn = kigen_note_count(c);
    if (nn > 0)
        kg_buf_puts(&out, strcmp(lang, "ja") == 0 ? "\nポリシースクリプトの注記:\n"
                                                  : "\nnotes from policy scripts:\n");
    for (int i = 0; i < nn; i++) {
        char line[4096 * 4 + 1]; /* a note is at most 4096 bytes; each may become \xNN */
        kg_escape_line(line, sizeof line, kigen_note(c, i), strlen(kigen_note(c, i)));
        kg_buf_printf(&out, "  - %s\n", line);
    }
    fwrite(out.p ? out.p : "", 1, out.len, stdout);
    kg_buf_free(&out);
    return status;
}

int cmd_explain(int argc, char **argv)
{
    const char *rules = NULL, *names[128], *input = NULL, *encoding = NULL, *lang = "en";
    long record = 0;
    int nnames = 0;
    bool json = false, brief = false;
    char id[256] = "";
    kigen_date today = 0;
    static cli_kv sets[CLI_MAX_KV], params[CLI_MAX_KV];
    int nsets = 0, nparams = 0, status = CLI_OK;
    kigen_ruleset *rs = NULL;
    kigen_ctx *c = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!a)
            break; /* argv[argc] */
        if (cli_is_help(a)) {
            fputs(explain_help, stdout);
            goto out;
        }
        bool takes = strcmp(a, "--rules") == 0 || strcmp(a, "--set") == 0 || strcmp(a, "--param") == 0 ||
                     strcmp(a, "--today") == 0 || strcmp(a, "--format") == 0 || strcmp(a, "--input") == 0 ||
                     strcmp(a, "--record") == 0 || strcmp(a, "--encoding") == 0 || strcmp(a, "--lang") == 0;
        if (takes && !v) {
            status = cli_usage_error("explain", "%s needs a value", a);
            goto out;
        }
        if (strcmp(a, "--rules") == 0)
            rules = v;
        else if (strcmp(a, "--input") == 0)
            input = v;
        else if (strcmp(a, "--encoding") == 0)
            encoding = v;
        else if (strcmp(a, "--record") == 0 && v) {
            char *end = NULL;
            errno = 0;
            record = strtol(v, &end, 10);
            if (!*v || *end || errno || record < 1) {
                status =
                    cli_usage_error("explain", "--record must be a record number (1 or more), not '%s'", v);
                goto out;
            }
        } else if (strcmp(a, "--lang") == 0 && v) {
            if (strcmp(v, "ja") != 0 && strcmp(v, "en") != 0) {
                status = cli_usage_error("explain", "--lang must be ja or en, not '%s'", v);
                goto out;
            }
            lang = v;
        } else if (strcmp(a, "--brief") == 0)
            brief = true;
        else if (strcmp(a, "--debug-lua") == 0)
            cli_debug_lua = true;
        else if (strcmp(a, "--set") == 0) {
            if (nsets == CLI_MAX_KV || !cli_split_kv("explain", a, v, &sets[nsets])) {
                status = CLI_USAGE;
                goto out;
            }
            nsets++;
        } else if (strcmp(a, "--param") == 0) {
            if (nparams == CLI_MAX_KV || !cli_split_kv("explain", a, v, &params[nparams])) {
                status = CLI_USAGE;
                goto out;
            }
            nparams++;
        } else if (strcmp(a, "--today") == 0) {
            if (!cli_parse_today("explain", v, &today)) {
                status = CLI_USAGE;
                goto out;
            }
        } else if (strcmp(a, "--format") == 0 && v) {
            if (strcmp(v, "json") == 0)
                json = true;
            else if (strcmp(v, "text") != 0) {
                status = cli_usage_error("explain", "--format must be text or json, not '%s'", v);
                goto out;
            }
        } else if (a[0] == '-') {
            status = cli_usage_error("explain", "unknown option '%s'", a);
            goto out;
        } else if (nnames < 128) {
            names[nnames++] = a;
            continue;
        }
        if (takes)
            i++;
    }
    if (!rules) {
        status = cli_usage_error("explain", "--rules FILE is required");
        goto out;
    }
    if ((input != NULL) != (record > 0)) {
        status = cli_usage_error("explain", input ? "--input needs --record N (which record to explain)"
                                                  : "--record needs --input FILE");
        goto out;
    }
    if (encoding && !input) {
        status = cli_usage_error("explain", "--encoding is for the --input file");
        goto out;
    }
    if (brief && json) {
        status = cli_usage_error("explain", "--brief is text; --format json gives the whole derivation");
        goto out;
    }
    if (cli_load_rules("explain", rules, false, &rs) != KIGEN_OK) {
        status = CLI_USAGE;
        goto out;
    }
    if (kigen_ctx_new(rs, &c) != KIGEN_OK) {
        cli_warn("explain", "%s", c ? kigen_errmsg(c) : "cannot create a context");
        status = CLI_USAGE;
        goto out;
    }
    if (today)
        kigen_set_today(c, today);
    if (kigen_set_lang(c, lang) != KIGEN_OK) {
        cli_warn("explain", "%s", kigen_errmsg(c));
        status = CLI_USAGE;
        goto out;
    }
    if ((status = cli_check_params("explain", params, nparams)) != CLI_OK ||
        (status = cli_check_sets("explain", rs, sets, nsets)) != CLI_OK ||
        (status = cli_apply_params("explain", c, params, nparams)) != CLI_OK)
        goto out;
    if (input) {
        cli_record_opts ro = {input, encoding, record, sets, nsets};
        if ((status = cli_one_record("explain", c, &ro, id, sizeof id)) != CLI_OK)
            goto out;
    }
    for (int i = 0; !input && i < nsets; i++) {
        if (kigen_set(c, sets[i].name, sets[i].value) != KIGEN_OK) {
            cli_warn("explain", "--set %s=%s: %s", sets[i].name, sets[i].value, kigen_errmsg(c));
            status = CLI_USAGE;
            goto out;
        }
    }
    kigen_set_explain(c, 1);
    if (kigen_eval(c) != KIGEN_OK) {
        /* a record of a file is named as eval names it: file, number, id */
        char plain[2048];
        if (input)
            cli_warn("explain", "%s: record %ld%s%s%s: %s", input, record, id[0] ? " (id " : "", id,
                     id[0] ? ")" : "",
                     cli_without_record_label(kigen_errmsg(c), record, id, plain, sizeof plain));
        else
            cli_warn("explain", "%s", kigen_errmsg(c));
        cli_lua_traceback("explain", c);
        status = CLI_FAIL;
    }
    if (brief) {
        status = print_brief(c, names, nnames, lang, status);
        goto out;
    }
    if (nnames == 0) {
        const char *s = json ? kigen_explain_json(c, NULL) : kigen_explain_text(c, NULL);
        if (s)
            fputs(s, stdout);
        if (json)
            fputc('\n', stdout);
    }
    for (int i = 0; i < nnames; i++) {
        const char *s = json ? kigen_explain_json(c, names[i]) : kigen_explain_text(c, names[i]);
        if (!s) {
            cli_warn("explain", "%s", kigen_errmsg(c));
            status = CLI_USAGE;
            continue;
        }
        fputs(s, stdout);
        fputc('\n', stdout);
    }
out:
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
    cli_free_kvs(sets, nsets);
    cli_free_kvs(params, nparams);
    return status;
}
