/* Fuzz the expression parser and checker: the input is one rule's value,
 * over a few typed facts and params. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kigen.h"

static const char head[] =
    "kigen: 1\nname: fz\nfacts:\n  d: date\n  n: integer\n  b: boolean\n"
    "  s: {type: enum, choices: [x, y]}\n  o: {type: date, optional: true}\n"
    "params:\n  p: {values: {2000-01-01: 1, 2010-01-01: 2}, source: s}\n"
    "  q: {type: enum, choices: [feb28, mar1], value: feb28, source: s}\n"
    "rules:\n  r:\n    source: s\n    value: \"";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    /* Embed the input as a double-quoted YAML scalar (escape what YAML
     * would read specially) so the parser, not YAML, sees the bytes. */
    char *buf = malloc(sizeof head + size * 4 + 64);
    if (!buf)
        return 0;
    size_t n = 0;
    memcpy(buf, head, sizeof head - 1);
    n = sizeof head - 1;
    for (size_t i = 0; i < size; i++) {
        unsigned char ch = data[i];
        if (ch == '"' || ch == '\\')
            n += (size_t)sprintf(buf + n, "\\%c", ch);
        else if (ch < 0x20 || ch == 0x7f)
            n += (size_t)sprintf(buf + n, "\\x%02x", ch);
        else
            buf[n++] = (char)ch;
    }
    n += (size_t)sprintf(buf + n, "\"\noutputs: [r]\n");
    kigen_ruleset *rs = NULL;
    if (kigen_load_string("fuzz.yaml", buf, n, NULL, &rs, NULL) == KIGEN_OK) {
        kigen_ctx *c = NULL;
        if (kigen_ctx_new(rs, &c) == KIGEN_OK) {
            kigen_set(c, "d", "2024-02-29");
            kigen_set(c, "n", "7");
            kigen_set(c, "b", "true");
            kigen_set(c, "s", "x");
            kigen_set_explain(c, 1);
            (void)kigen_eval(c);
            (void)kigen_explain_text(c, "r");
            kigen_ctx_free(c);
        }
    }
    kigen_ruleset_free(rs);
    free(buf);
    return 0;
}
