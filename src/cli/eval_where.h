/* kigen eval --where: a condition in the rule language, compiled as a rule
 * of the rule set (eval_where.c says how). */
#ifndef KIGEN_CLI_EVAL_WHERE_H
#define KIGEN_CLI_EVAL_WHERE_H

#include "cli/common.h"

/* The name of the rule (and output) the condition becomes. */
extern const char eval_where_rule[];

/* Load the rule file at `path` with the condition `expr` added (plain: the
 * same file loaded alone, for its name). CLI_OK with *out set, or
 * CLI_USAGE after printing what is wrong, against the expression. */
int eval_load_where(const char *path, const char *expr, const kigen_ruleset *plain, kigen_ruleset **out);

#endif
