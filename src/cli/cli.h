/* Shared pieces of the kigen command's subcommands. */
#ifndef KIGEN_CLI_H
#define KIGEN_CLI_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "kigen.h"

/* Exit codes of every subcommand. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

int cmd_date(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_describe(int argc, char **argv);
int cmd_timeline(int argc, char **argv);
#if KIGEN_HAS_CARD
int cmd_card(int argc, char **argv);
#endif
#if KIGEN_HAS_SERVE
int cmd_serve(int argc, char **argv);
#endif

/* Print "kigen CMD: message" (control characters escaped) and a pointer to
 * --help to stderr; returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print "kigen CMD: message" to stderr, control characters escaped. */
void cli_warn(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One line to stderr as it is formatted (no "kigen CMD:" prefix; the
 * newline is added), control characters escaped like cli_warn's. */
void cli_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One line of a message, formatted and with control characters escaped,
 * into safe (cap bytes, at least CLI_LINE_MAX for a whole message); its
 * length. What cli_warn and cli_line print, for callers that keep the
 * line to print later (kigen eval's blocks). */
#define CLI_LINE_MAX 8192
size_t cli_vformat_line(char *safe, size_t cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* Is argv[i] "-h" or "--help"? */
int cli_is_help(const char *arg);

#endif
