/* kigen: the command-line front end. Each subcommand lives in its own file. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/common.h"
#if KIGEN_HAS_CARD
#include "kigen_card.h"
#endif
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
    "  describe  a rule pack's facts, params (with their versions) and outputs\n"
    "  timeline  draw one resident's card and certificate lifetimes (text or SVG)\n"
    "  date      the calendar: parse, era dates, add, birthdays, ages\n"
#if KIGEN_HAS_CARD
    "  card      read certificates off a My Number card (PC/SC)\n"
#endif
#if KIGEN_HAS_SERVE
    "  serve     the engine over HTTP, and a page for a ward's counter\n"
#endif
    "  version   print the version\n"
    "\n"
    "  --include-root DIR   (with any command that reads rule files) every file a rule\n"
    "                       set reads -- the rule file, its includes, policy scripts\n"
    "                       and their modules -- must lie inside DIR (links resolved);\n"
    "                       for rule files you did not write\n"
    "\n"
    "'kigen <command> --help' describes one command; docs/ has the manual.\n";

/* Every command's output is checked: a full disk or a closed descriptor
 * is an error, never a silent exit 0. A stdout closed before kigen ran
 * (">&-") is fine when nothing was written to it: then only fclose fails,
 * with EBADF (anything written would have failed the flush). */
static int finish_stdout(const char *cmd, int rc)
{
    errno = 0;
    bool bad = fflush(stdout) != 0 || ferror(stdout);
    if (!bad && fclose(stdout) != 0 && errno != EBADF)
        bad = true;
    if (bad) {
        cli_warn(cmd, "cannot write the output: %s", errno ? strerror(errno) : "write error");
        return CLI_USAGE;
    }
    return rc;
}

/* Take "--include-root DIR" (or "--include-root=DIR") out of argv. */
static int take_include_root(int *argc, char **argv)
{
    int out = 2;
    for (int i = 2; i < *argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (strcmp(a, "--include-root") == 0) {
            if (i + 1 >= *argc)
                return cli_usage_error(argv[1], "--include-root needs a directory");
            v = argv[++i];
        } else if (strncmp(a, "--include-root=", 15) == 0) {
            v = a + 15;
        } else {
            argv[out++] = argv[i];
            continue;
        }
        struct stat st;
        if (stat(v, &st) != 0 || !S_ISDIR(st.st_mode))
            return cli_usage_error(argv[1], "--include-root: '%s' is not a directory", v);
        cli_include_root = v;
    }
    *argc = out;
    argv[out] = NULL;
    return CLI_OK;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } commands[] = {
        {"eval", cmd_eval},
        {"diff", cmd_diff},
        {"explain", cmd_explain},
        {"check", cmd_check},
        {"test", cmd_test},
        {"describe", cmd_describe},
        {"timeline", cmd_timeline},
        {"date", cmd_date},
#if KIGEN_HAS_CARD
        {"card", cmd_card},
#endif
#if KIGEN_HAS_SERVE
        {"serve", cmd_serve},
#endif
    };
    if (kigen_check_version() != KIGEN_OK
#if KIGEN_HAS_CARD
        || kigen_card_check_version() != KIGEN_OK
#endif
    ) {
        fprintf(stderr, "kigen: library version %s does not match the program's %s\n", kigen_version(),
                KIGEN_VERSION);
        return CLI_USAGE;
    }
    if (argc < 2 || cli_is_help(argv[1])) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return finish_stdout("help", argc < 2 ? CLI_USAGE : CLI_OK);
    }
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("kigen %s\n", kigen_version());
        return finish_stdout("version", CLI_OK);
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0) {
            if (take_include_root(&argc, argv) != CLI_OK)
                return CLI_USAGE;
            return finish_stdout(argv[1], commands[i].fn(argc - 1, argv + 1));
        }
    fprintf(stderr, "kigen: unknown command '%s'\n\n%s", argv[1], usage_text);
    return CLI_USAGE;
}
