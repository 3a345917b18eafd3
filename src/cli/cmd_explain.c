/* kigen explain: the derivation of one record's values, with sources. */
#include <string.h>

#include "cli/common.h"

static const char explain_help[] =
    "usage: kigen explain --rules RULES.yaml --set FACT=VALUE... [options] [NAME...]\n"
    "\n"
    "Evaluate one record and show, for each output (or each NAME given), how its\n"
    "value was derived: the rule's text and source, the case taken, every param\n"
    "version used (value and effective date), and the inputs, recursively.\n"
    "\n"
    "  --rules FILE          the rule file (required)\n"
    "  --set FACT=VALUE      a fact of the record (repeat)\n"
    "  --param NAME=VALUE    override a param for this run\n"
    "  --today DATE          the date today() returns\n"
    "  --format text|json    text for people (default), JSON for programs\n"
    "\n"
    "Exit status: 0 evaluated, 1 the record has an error (still explained), 2 usage.\n";

int cmd_explain(int argc, char **argv)
{
    const char *rules = NULL, *names[128];
    int nnames = 0;
    bool json = false;
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
                     strcmp(a, "--today") == 0 || strcmp(a, "--format") == 0;
        if (takes && !v) {
            status = cli_usage_error("explain", "%s needs a value", a);
            goto out;
        }
        if (strcmp(a, "--rules") == 0)
            rules = v;
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
    if ((status = cli_check_params("explain", params, nparams)) != CLI_OK ||
        (status = cli_check_sets("explain", rs, sets, nsets)) != CLI_OK ||
        (status = cli_apply_params("explain", c, params, nparams)) != CLI_OK)
        goto out;
    for (int i = 0; i < nsets; i++) {
        if (kigen_set(c, sets[i].name, sets[i].value) != KIGEN_OK) {
            cli_warn("explain", "--set %s=%s: %s", sets[i].name, sets[i].value, kigen_errmsg(c));
            status = CLI_USAGE;
            goto out;
        }
    }
    kigen_set_explain(c, 1);
    if (kigen_eval(c) != KIGEN_OK) {
        cli_warn("explain", "%s", kigen_errmsg(c));
        status = CLI_FAIL;
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
