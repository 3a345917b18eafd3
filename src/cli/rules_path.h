/* Rule packs by name: the argument of --rules as a path, or a name looked
 * up in $KIGEN_PATH and the installed share/kigen/rules (rules_path.c has
 * the order). */
#ifndef KIGEN_CLI_RULES_PATH_H
#define KIGEN_CLI_RULES_PATH_H

#include <stdbool.h>
#include <stddef.h>

/* Could arg be a pack's name (not absolute, not ./ or ../)? */
bool cli_rules_is_name(const char *arg);

/* The file to load for --rules arg, in out. 0: found (or arg is a path,
 * existing or not: loading it reports the error); 1: a name found nowhere,
 * with the directories looked in, comma-separated, in looked (may be
 * NULL); -1: the path does not fit in cap. */
int cli_rules_resolve(const char *arg, char *out, size_t cap, char *looked, size_t lcap);

#endif
