/* The command's messages on stderr: "kigen CMD: ..." lines with control
 * characters escaped, usage errors, and the -h/--help test. Every
 * subcommand uses them; kept apart from main() so that the fuzz targets
 * can link the code that prints them. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "base/text.h"

int cli_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

/* "kigen CMD: message" on stderr, one line: the message often quotes what
 * a file, a record or a script supplied, so control characters in it are
 * escaped (a newline must not forge a line of kigen's own). */
size_t cli_vformat_line(char *safe, size_t cap, const char *fmt, va_list ap)
{
    char msg[4096];
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1;
    size_t k = kg_escape_line(safe, cap, msg, len);
    return k < cap ? k : cap - 1;
}

static void vwarn(const char *cmd, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void vwarn(const char *cmd, const char *fmt, va_list ap)
{
    char safe[CLI_LINE_MAX];
    cli_vformat_line(safe, sizeof safe, fmt, ap);
    fprintf(stderr, "kigen %s: %s\n", cmd, safe);
}

void cli_line(const char *fmt, ...)
{
    char safe[CLI_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    cli_vformat_line(safe, sizeof safe, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s\n", safe);
}

void cli_warn(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwarn(cmd, fmt, ap);
    va_end(ap);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwarn(cmd, fmt, ap);
    va_end(ap);
    fprintf(stderr, "(see 'kigen %s --help')\n", cmd);
    return CLI_USAGE;
}
