/* The functions rule expressions can call: the built-ins (each with its
 * signature, and a check hook where types cannot say everything) and, in
 * a rule set, those its policy scripts registered: one lookup for both. */
#ifndef KIGEN_SEMA_FUNCTIONS_H
#define KIGEN_SEMA_FUNCTIONS_H

#include "model/ruleset.h"

const kg_fn *kg_builtin_find(const char *name);
/* All built-in names, for "did you mean". */
size_t kg_builtin_names(const char **out, size_t cap);
/* A built-in, or a function the rule set's scripts registered, or NULL. */
const kg_fn *kg_fn_find(const kigen_ruleset *rs, const char *name);

#endif
