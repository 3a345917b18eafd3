/* kigen: the command-line front end. Each subcommand lives in its own file. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "cli/cli.h"
#include "base/text.h"

static const char usage_text[] =
    "usage: kigen <command> [options]\n"
    "\n"
    "Rules for My Number card and JPKI certificate lifetimes.\n"
    "\n"
    "commands:\n"
    "  eval      evaluate a rule file over CSV or JSON Lines records\n"
    "  diff      what another reading of the law (--param) changes over the records\n"
    "  explain   show how each value of one record was derived, with sources\n"
    "  check     validate rule files (errors and warnings with positions)\n"
    "  test      run the test cases that sit beside a rule pack\n"
    "  date      the calendar: parse, era dates, add, birthdays, ages\n"
#ifdef KIGEN_WITH_CARD
    "  card      read certificates off a My Number card (PC/SC)\n"
#endif
    "  version   print the version\n"
    "\n"
    "'kigen <command> --help' describes one command; docs/ has the manual.\n";

int cli_is_help(const char *arg) { return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0; }

/* "kigen CMD: message" on stderr, one line: the message often quotes what
 * a file, a record or a script supplied, so control characters in it are
 * escaped (a newline must not forge a line of kigen's own). */
static void vwarn(const char *cmd, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void vwarn(const char *cmd, const char *fmt, va_list ap)
{
    char msg[4096], safe[8192];
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1;
    kg_escape_line(safe, sizeof safe, msg, len);
    fprintf(stderr, "kigen %s: %s\n", cmd, safe);
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

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } commands[] = {
        {"eval", cmd_eval},   {"diff", cmd_diff},       {"explain", cmd_explain}, {"check", cmd_check},
        {"test", cmd_test},   {"date", cmd_date},
#ifdef KIGEN_WITH_CARD
        {"card", cmd_card},
#endif
    };
    if (kigen_check_version(KIGEN_VERSION_NUM) != KIGEN_OK) {
        fprintf(stderr, "kigen: library version %s does not match the program's %s\n",
                kigen_version(), KIGEN_VERSION);
        return CLI_USAGE;
    }
    if (argc < 2 || cli_is_help(argv[1])) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("kigen %s\n", kigen_version());
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0) {
            int rc = commands[i].fn(argc - 1, argv + 1);
            /* Every command's output is checked: a full disk or a closed
             * descriptor is an error, never a silent exit 0. */
            errno = 0;
            if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
                cli_warn(argv[1], "cannot write the output: %s", errno ? strerror(errno) : "write error");
                return CLI_USAGE;
            }
            return rc;
        }
    fprintf(stderr, "kigen: unknown command '%s'\n\n%s", argv[1], usage_text);
    return CLI_USAGE;
}
