/* Option handling shared by the subcommands that evaluate rules. */
#include "cli/common.h"

#include "cli/rules_path.h"
#include "base/text.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *cli_include_root;
bool cli_debug_lua;
const char *const *cli_lua_stubs;

void cli_print_lua(void *ud, const char *text)
{
    (void)ud;
    cli_line("kigen lua: %s", text);
}

const char *cli_without_record_label(const char *msg, long number, const char *id, char *buf, size_t n)
{
    char label[400], idb[64 * 4 + 1] = "";
    if (id && id[0]) {
        /* as the library writes it: cut to 63 bytes between characters, escaped */
        char cut[64];
        size_t k = strnlen(id, sizeof cut);
        if (k == sizeof cut)
            for (k--; k > 0 && ((unsigned char)id[k] & 0xC0) == 0x80;)
                k--;
        memcpy(cut, id, k);
        cut[k] = '\0';
        kg_escape_line(idb, sizeof idb, cut, k);
        snprintf(label, sizeof label, " (record %ld, id %s)", number, idb);
    } else {
        snprintf(label, sizeof label, " (record %ld)", number);
    }
    size_t ml = strlen(msg), ll = strlen(label);
    if (ml > ll && strcmp(msg + ml - ll, label) == 0 && ml - ll < n) {
        memcpy(buf, msg, ml - ll);
        buf[ml - ll] = '\0';
        return buf;
    }
    return msg;
}

void cli_lua_traceback(const char *cmd, const kigen_ctx *c)
{
    const char *tb = cli_debug_lua ? kigen_lua_traceback(c) : NULL;
    if (!tb)
        return;
    cli_warn(cmd, "traceback (the script's frames, innermost first):");
    for (const char *p = tb; *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        cli_line("    %.*s", (int)n, p);
        p += n + (e ? 1 : 0);
    }
}

static int write_stderr(void *ud, const char *s, size_t n)
{
    (void)ud;
    return fwrite(s, 1, n, stderr) == n ? 0 : -1;
}

void cli_print_diags(const kigen_diags *d)
{
    (void)kigen_diags_write(d, write_stderr, NULL, isatty(2));
}

int cli_find_rules(const char *cmd, const char *arg, char *path, size_t cap)
{
    char looked[2048];
    int r = cli_rules_resolve(arg, path, cap, looked, sizeof looked);
    if (r == 0)
        return KIGEN_OK;
    if (r < 0)
        fprintf(stderr, "kigen %s: %s: path too long\n", cmd, arg);
    else
        fprintf(stderr,
                "kigen %s: %s: no such file, and no rule pack of that name in %s "
                "(KIGEN_PATH adds directories; docs/cli.md, \"Finding rule packs\")\n",
                cmd, arg, looked[0] ? looked : "(no directory)");
    return KIGEN_EIO;
}

int cli_load_rules(const char *cmd, const char *arg, bool strict, kigen_ruleset **rs)
{
    kigen_opts o = KIGEN_OPTS_INIT;
    kigen_diags *d = NULL;
    o.strict = strict;
    o.include_root = cli_include_root;
    if (cli_debug_lua)
        o.lua_print = cli_print_lua;
    o.lua_stubs = cli_lua_stubs;
    char path[PATH_MAX];
    int rc = cli_find_rules(cmd, arg, path, sizeof path);
    if (rc != KIGEN_OK)
        return rc;
    rc = kigen_load_file(path, &o, rs, &d);
    if (d && kigen_diags_count(d) > 0) {
        /* Warnings only matter to the author: `kigen check` shows them;
         * other commands show errors, and warnings under --strict. */
        if (rc != KIGEN_OK)
            cli_print_diags(d);
    }
    if (rc != KIGEN_OK) {
        if (d && kigen_diags_errors(d) > 0)
            fprintf(stderr, "kigen %s: %s: %zu error%s; nothing was evaluated\n", cmd, path,
                    kigen_diags_errors(d), kigen_diags_errors(d) == 1 ? "" : "s");
        else
            fprintf(stderr, "kigen %s: %s: %s\n", cmd, path, kigen_status_str(rc));
    }
    kigen_diags_free(d);
    return rc;
}

int cli_apply_params(const char *cmd, kigen_ctx *c, const cli_kv *params, int n)
{
    for (int i = 0; i < n; i++) {
        if (kigen_set_param(c, params[i].name, params[i].value) != KIGEN_OK) {
            fprintf(stderr, "kigen %s: --param %s=%s: %s\n", cmd, params[i].name, params[i].value,
                    kigen_errmsg(c));
            return CLI_USAGE;
        }
    }
    return CLI_OK;
}

int cli_split_kv(const char *cmd, const char *opt, const char *arg, cli_kv *kv)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        cli_usage_error(cmd, "%s needs name=value, not '%s'", opt, arg);
        return 0;
    }
    kv->name = strndup(arg, (size_t)(eq - arg));
    kv->value = eq + 1;
    return kv->name != NULL;
}

void cli_free_kvs(cli_kv *kv, int n)
{
    for (int i = 0; i < n; i++)
        free((char *)kv[i].name);
}

int cli_parse_today(const char *cmd, const char *arg, kigen_date *d)
{
    char err[256];
    if (kigen_date_parse(arg, (size_t)-1, d, err, sizeof err) != KIGEN_OK) {
        cli_usage_error(cmd, "--today: %s", err);
        return 0;
    }
    return 1;
}

/* Could records come on stdin: a pipe or socket (whether or not bytes
 * are waiting yet: that depends on how fast the writer is, and the answer
 * must not), or a regular file with bytes left? */
bool cli_stdin_may_have_records(void)
{
    struct stat st;
    if (isatty(0) || fstat(0, &st) != 0)
        return false;
    if (S_ISREG(st.st_mode)) {
        off_t pos = lseek(0, 0, SEEK_CUR);
        return st.st_size > (pos < 0 ? 0 : pos);
    }
    return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
}

bool cli_stdin_is_input(void)
{
    struct stat st;
    if (isatty(0) || fstat(0, &st) != 0)
        return false;
    return S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
}

int cli_check_sets(const char *cmd, const kigen_ruleset *rs, const cli_kv *sets, int n)
{
    for (int i = 0; i < n; i++) {
        int fi = kigen_fact_index(rs, sets[i].name);
        for (int k = 0; fi >= 0 && k < i; k++)
            if (kigen_fact_index(rs, sets[k].name) == fi)
                return cli_usage_error(cmd, "--set %s and --set %s both give the fact %s", sets[k].name,
                                       sets[i].name, kigen_fact_name(rs, fi));
    }
    return CLI_OK;
}

int cli_check_params(const char *cmd, const cli_kv *params, int n)
{
    for (int i = 0; i < n; i++)
        for (int k = 0; k < i; k++)
            if (strcmp(params[k].name, params[i].name) == 0)
                return cli_usage_error(cmd, "--param %s is given twice", params[i].name);
    return CLI_OK;
}
