/* Options shared by eval, explain and test. */
#ifndef KIGEN_CLI_COMMON_H
#define KIGEN_CLI_COMMON_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/cli.h"

typedef struct cli_kv {
    const char *name;  /* owned (strndup) */
    const char *value; /* points into argv */
} cli_kv;

#define CLI_MAX_KV 256

/* --include-root DIR (any command that reads rules; main.c takes it out
 * of argv): every file a rule set reads must lie inside DIR. NULL: none. */
extern const char *cli_include_root;
/* --debug-lua: policy scripts' print goes to stderr, and a script's error
 * is followed by its script frames (cli_lua_traceback). */
extern bool cli_debug_lua;
/* kigen_opts.lua_print under --debug-lua: one "kigen lua: ..." line to stderr. */
void cli_print_lua(void *ud, const char *text);
/* msg without the " (record N, id X)" the library ends a script's message
 * with (id as kigen_set_record was given it), for a report that names the
 * record already; msg itself when it has none. Returns buf. */
const char *cli_without_record_label(const char *msg, long number, const char *id, char *buf, size_t n);
/* kigen test's module stubs for the next cli_load_rules (kigen_opts.lua_stubs). */
extern const char *const *cli_lua_stubs;
/* Under --debug-lua, the traceback of c's last script error, each line
 * through cli_line-like output with `cmd`'s prefix. */
void cli_lua_traceback(const char *cmd, const kigen_ctx *c);

/* Print a load's diagnostics to stderr (in colour on a terminal). */
void cli_print_diags(const kigen_diags *d);

/* The file for --rules ARG (a path, or a pack's name: rules_path.h) in
 * path; KIGEN_OK, or KIGEN_EIO after saying where it looked. */
int cli_find_rules(const char *cmd, const char *arg, char *path, size_t cap);
/* Load a rule file (a path or a pack's name), printing its errors; KIGEN_OK
 * or the load status. */
int cli_load_rules(const char *cmd, const char *path, bool strict, kigen_ruleset **rs);
int cli_apply_params(const char *cmd, kigen_ctx *c, const cli_kv *params, int n);
/* Two --set for one fact (by its name and an alias, or twice), or two
 * --param for one param: which would win is a guess. CLI_OK, or CLI_USAGE
 * after saying so. */
int cli_check_sets(const char *cmd, const kigen_ruleset *rs, const cli_kv *sets, int n);
int cli_check_params(const char *cmd, const cli_kv *params, int n);
/* Split "name=value"; 0 after printing a usage error. */
int cli_split_kv(const char *cmd, const char *opt, const char *arg, cli_kv *kv);
void cli_free_kvs(cli_kv *kv, int n);
int cli_parse_today(const char *cmd, const char *arg, kigen_date *d);
/* Is something piped or redirected to stdin (a file, a pipe, a socket)? */
bool cli_stdin_is_input(void);
/* ... a pipe or socket, or a regular file with bytes left (not: a
 * terminal, /dev/null, an empty file)? */
bool cli_stdin_may_have_records(void);

#endif
