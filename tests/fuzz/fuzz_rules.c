/* Fuzz the rule-file loader: YAML, keys, expressions, types, includes;
 * and evaluate what loads, explained (the tree walker) and compiled
 * (checked against the walker). */
#include <stdint.h>
#include <stdlib.h>

#include "kigen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kigen_ruleset *rs = NULL;
    kigen_diags *d = NULL;
    /* A name without a directory: includes resolve to the working
     * directory, where the fuzzer's inputs do not name real rule files. */
    int rc = kigen_load_string("fuzz.yaml", (const char *)data, size, NULL, &rs, &d);
    if (rc == KIGEN_OK) {
        kigen_ctx *c = NULL;
        if (kigen_ctx_new(rs, &c) == KIGEN_OK) {
            kigen_set_today(c, 738000);
            kigen_set_explain(c, 1);
            for (int i = 0; i < kigen_fact_count(rs); i++)
                kigen_set(c, kigen_fact_name(rs, i), "2000-02-29");
            (void)kigen_eval(c);
            (void)kigen_explain_text(c, NULL);
            (void)kigen_explain_json(c, NULL);
            kigen_ctx_free(c);
        }
        /* and the compiled program against the tree walker on the same
         * record (KIGEN_EVAL=check aborts on any value that differs) */
        setenv("KIGEN_EVAL", "check", 1);
        rc = kigen_ctx_new(rs, &c);
        unsetenv("KIGEN_EVAL");
        if (rc == KIGEN_OK) {
            kigen_set_today(c, 738000);
            for (int i = 0; i < kigen_fact_count(rs); i++)
                kigen_set(c, kigen_fact_name(rs, i), "2000-02-29");
            (void)kigen_eval(c);
            kigen_ctx_reset(c); /* and the shape with nothing given */
            (void)kigen_eval(c);
        }
        kigen_ctx_free(c);
    }
    kigen_diags_free(d);
    kigen_ruleset_free(rs);
    return 0;
}
