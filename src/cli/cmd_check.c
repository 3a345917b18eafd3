/* kigen check: validate rule files, as a compiler would. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "base/diag.h"

static const char check_help[] =
    "usage: kigen check [--strict] [--format text|json] RULES.yaml...\n"
    "       kigen check --explain CODE\n"
    "       kigen check --program [--outputs A,B,...] [--set FACT=VALUE]... [--param P=V]... RULES.yaml\n"
    "\n"
    "Load each rule file (and what it includes) and report every problem found:\n"
    "  file:line:col: error[E0201]: unknown name 'birth_dat'\n"
    "with the line, a caret under the position, what was expected and a hint.\n"
    "Warnings (W…: a rule without a source, an unused fact, a case that can never\n"
    "be taken) do not fail the check unless --strict is given.\n"
    "\n"
    "  --strict         treat warnings as errors\n"
    "  --debug-lua      policy scripts' print() at their top level writes to stderr\n"
    "  --format json    print the diagnostics as one JSON array (for editors and\n"
    "                   pre-commit hooks): severity, code, file, line, column,\n"
    "                   message, expected, hint\n"
    "  --explain CODE   what a code such as E0208 means, in one line\n"
    "  --program        print the program kigen compiles the rules to (as SQLite's\n"
    "                   EXPLAIN): for the outputs chosen with --outputs (default:\n"
    "                   all), specialised to the facts given with --set (their\n"
    "                   values do not matter, only which are given) and to the\n"
    "                   --param overrides; then the values folded at compile time\n"
    "\n"
    "Exit status: 0 no errors, 1 errors found, 2 usage error.\n"
    "The codes are listed in docs/rules.md.\n";

/* kigen check --program: load, select, give the facts, print the program. */
static int print_program(const char *file, const char *outputs, char **sets, int nsets, char **params,
                         int nparams)
{
    kigen_opts o = KIGEN_OPTS_INIT;
    o.include_root = cli_include_root;
    kigen_ruleset *rs = NULL;
    kigen_diags *d = NULL;
    char path[PATH_MAX];
    if (cli_find_rules("check", file, path, sizeof path) != KIGEN_OK)
        return CLI_FAIL;
    if (kigen_load_file(path, &o, &rs, &d) != KIGEN_OK) {
        cli_print_diags(d);
        kigen_diags_free(d);
        return CLI_FAIL;
    }
    kigen_diags_free(d);
    kigen_ctx *c = NULL;
    int rc = CLI_FAIL;
    if (kigen_ctx_new(rs, &c) != KIGEN_OK) {
        cli_warn("check", "%s", c ? kigen_errmsg(c) : "out of memory");
        goto done;
    }
    if (outputs) {
        char *list = strdup(outputs), *save = NULL;
        const char *names[512];
        size_t n = 0;
        for (char *t = list ? strtok_r(list, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save)) {
            if (n == 512) {
                free(list);
                rc = cli_usage_error("check", "--outputs: at most 512 names");
                goto done;
            }
            names[n++] = t;
        }
        int src = list ? kigen_ctx_select_outputs(c, names, n) : KIGEN_ENOMEM;
        free(list);
        if (src != KIGEN_OK) {
            cli_warn("check", "--outputs: %s", kigen_errmsg(c));
            rc = CLI_USAGE;
            goto done;
        }
    }
    for (int i = 0; i < nsets + nparams; i++) {
        char *kv = i < nsets ? sets[i] : params[i - nsets], *eq = strchr(kv, '=');
        if (!eq) {
            rc = cli_usage_error("check", "'%s' is not NAME=VALUE", kv);
            goto done;
        }
        *eq = '\0';
        int r = i < nsets ? kigen_set(c, kv, eq + 1) : kigen_set_param(c, kv, eq + 1);
        *eq = '=';
        if (r != KIGEN_OK) {
            cli_warn("check", "%s %s: %s", i < nsets ? "--set" : "--param", kv, kigen_errmsg(c));
            rc = CLI_USAGE;
            goto done;
        }
    }
    const char *text = kigen_program_text(c);
    if (!text) {
        cli_warn("check", "%s", kigen_errmsg(c));
        goto done;
    }
    fputs(text, stdout);
    rc = CLI_OK;
done:
    kigen_ctx_free(c);
    kigen_ruleset_free(rs);
    return rc;
}

int cmd_check(int argc, char **argv)
{
    bool strict = false, json = false, program = false;
    const char *outputs = NULL;
    char *sets[256], *params[256];
    int nsets = 0, nparams = 0;
    const char *files[256];
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(check_help, stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--explain") == 0 && i + 1 < argc) {
            const char *code = argv[++i], *meaning = kigen_diag_meaning(code);
            if (!meaning)
                return cli_usage_error("check",
                                       "'%s' is not a diagnostic code (E0001..., W0001...; docs/rules.md "
                                       "lists them)",
                                       code);
            printf("%s (%s): %s\n", code, code[0] == 'W' ? "warning" : "error", meaning);
            return CLI_OK;
        } else if (strcmp(argv[i], "--debug-lua") == 0) {
            cli_debug_lua = true;
        } else if (strcmp(argv[i], "--strict") == 0) {
            strict = true;
        } else if (strcmp(argv[i], "--program") == 0) {
            program = true;
        } else if (strcmp(argv[i], "--outputs") == 0 && i + 1 < argc) {
            outputs = argv[++i];
        } else if (strcmp(argv[i], "--set") == 0 && i + 1 < argc) {
            if (nsets == 256)
                return cli_usage_error("check", "at most 256 --set");
            sets[nsets++] = argv[++i];
        } else if (strcmp(argv[i], "--param") == 0 && i + 1 < argc) {
            if (nparams == 256)
                return cli_usage_error("check", "at most 256 --param");
            params[nparams++] = argv[++i];
        } else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            const char *f = argv[++i];
            if (strcmp(f, "json") == 0)
                json = true;
            else if (strcmp(f, "text") != 0)
                return cli_usage_error("check", "--format must be text or json, not '%s'", f);
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("check", "unknown option '%s'", argv[i]);
        } else if (nfiles < 256) {
            files[nfiles++] = argv[i];
        }
    }
    if (nfiles == 0)
        return cli_usage_error("check", "name at least one rule file");
    if ((outputs || nsets || nparams) && !program)
        return cli_usage_error("check", "--outputs, --set and --param go with --program");
    if (program) {
        if (nfiles != 1 || json || strict)
            return cli_usage_error("check", "--program takes one rule file (and no --format or --strict)");
        return print_program(files[0], outputs, sets, nsets, params, nparams);
    }
    int failed = 0;
    if (json)
        fputs("[", stdout);
    bool first = true;
    for (int i = 0; i < nfiles; i++) {
        kigen_opts o = KIGEN_OPTS_INIT;
        o.strict = strict;
        o.include_root = cli_include_root;
        if (cli_debug_lua)
            o.lua_print = cli_print_lua;
        kigen_ruleset *rs = NULL;
        kigen_diags *d = NULL;
        char path[PATH_MAX];
        int rc = cli_find_rules("check", files[i], path, sizeof path);
        if (rc == KIGEN_OK)
            rc = kigen_load_file(path, &o, &rs, &d);
        if (rc != KIGEN_OK)
            failed++;
        if (json) {
            char *s = kg_diags_json(d);
            /* splice the arrays of several files into one */
            if (s && strlen(s) > 2) {
                char *inner = s + 1;
                size_t n = strlen(inner);
                while (n && (inner[n - 1] == ']' || inner[n - 1] == '\n'))
                    n--;
                printf("%s%.*s", first ? "" : ",", (int)n, inner);
                first = false;
            }
            free(s);
        } else {
            cli_print_diags(d);
            size_t e = kigen_diags_errors(d), w = kigen_diags_warnings(d);
            if (rc == KIGEN_OK)
                fprintf(stderr, "%s: ok (%d facts, %d outputs)%s", files[i], kigen_fact_count(rs),
                        kigen_output_count(rs), w ? ", " : "\n");
            else
                fprintf(stderr, "%s: %zu error%s%s", files[i], e, e == 1 ? "" : "s", w ? ", " : "\n");
            if (w)
                fprintf(stderr, "%zu warning%s\n", w, w == 1 ? "" : "s");
        }
        kigen_diags_free(d);
        kigen_ruleset_free(rs);
    }
    if (json)
        puts("\n]");
    return failed ? CLI_FAIL : CLI_OK;
}
