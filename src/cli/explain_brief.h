/* The short form of an explanation (kigen explain --brief). */
#ifndef KIGEN_CLI_EXPLAIN_BRIEF_H
#define KIGEN_CLI_EXPLAIN_BRIEF_H

#include <jansson.h>
#include <stdbool.h>

#include "base/mem.h"

/* Append to out the brief form of kigen_explain_json's text for one value:
 * value, doc, source, case taken, message (when given),
 * facts given, defaults used, the rules passed through with their values,
 * each param version used once, the sources. Labels in Japanese with ja.
 * 0, or -1 (the JSON did not parse or is not one value, or out of memory). */
int cli_explain_brief(const char *json_text, const char *message, bool ja, kg_buf *out);

#endif
