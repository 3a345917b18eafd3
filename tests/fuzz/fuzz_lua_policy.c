/* Fuzz policy scripts: a rule file and a Lua script (the input is
 * "YAML\n--LUA--\nLUA"; without the marker the whole input is the script
 * and a fixed rule file names it) are loaded with small limits, and three
 * records are evaluated with them in one context, so that state a script
 * keeps from one record to the next is exercised too. Invariants: no
 * crash, no leak, no hang (the limits end every call), every status is
 * one the API documents, and no message holds a control character.
 * Half of the inputs (by the first byte) run with coverage on (the line
 * hook, the executable lines read from lua_dump) and a print callback: the
 * coverage JSON is produced and well formed, a traceback's lines hold no
 * control character, print gets NUL-terminated text. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kigen.h"

static char dir[64];

static const char default_rules[] = "kigen: 1\n"
                                    "name: fuzz\n"
                                    "lua: [policy.lua]\n"
                                    "facts:\n"
                                    "  s: {type: string, optional: true}\n"
                                    "  d: {type: date, optional: true}\n"
                                    "  n: {type: integer, optional: true}\n"
                                    "  b: {type: boolean, default: 'false'}\n"
                                    "rules:\n"
                                    "  r: {source: f, value: \"if b then s + s else s\"}\n"
                                    "outputs: [r]\n";

static void put(const char *name, const char *data, size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (n && fwrite(data, 1, n, f) != n)
        abort();
    fclose(f);
}

static size_t printed;
static void on_print(void *ud, const char *text)
{
    (void)ud;
    printed += strlen(text);
}

/* Lines of a traceback: no control character but the newlines between them. */
static void no_controls_but_lines(const char *s)
{
    for (; s && *s; s++)
        if (((unsigned char)*s < 0x20 && *s != '\n') || *s == 0x7f)
            abort();
}

static void no_controls(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            abort();
}

/* The scratch directory goes when the run ends (it was left in /tmp). */
static void remove_dir(void)
{
    char cmd[100];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (dir[0] && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/kigen_fuzz_lua.%d", (int)getpid());
        char cmd[100];
        snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
        if (system(cmd) != 0)
            abort();
        atexit(remove_dir);
    }
    const char *in = (const char *)data;
    const char *mark = NULL;
    for (size_t i = 0; !mark && size >= 9 && i <= size - 9; i++)
        if (memcmp(in + i, "\n--LUA--\n", 9) == 0)
            mark = in + i;
    if (mark) {
        put("rules.yaml", in, (size_t)(mark - in));
        put("policy.lua", mark + 9, size - (size_t)(mark + 9 - in));
    } else {
        put("rules.yaml", default_rules, sizeof default_rules - 1);
        put("policy.lua", in, size);
    }
    char path[128];
    snprintf(path, sizeof path, "%s/rules.yaml", dir);
    kigen_opts o = KIGEN_OPTS_INIT;
    o.lua_instruction_limit = 20000;
    o.lua_memory_limit = (size_t)2 << 20;
    o.record_memory_limit = (size_t)1 << 20;
    o.include_root = dir;
    bool cover = size > 0 && (data[0] & 1);
    if (cover)
        o.lua_print = on_print;
    kigen_ruleset *rs = NULL;
    kigen_diags *dg = NULL;
    int rc = kigen_load_file(path, &o, &rs, &dg);
    for (size_t i = 0; i < kigen_diags_count(dg); i++)
        no_controls(kigen_diags_get(dg, i)->message);
    kigen_diags_free(dg);
    if (rc != KIGEN_OK) {
        if (rs)
            abort();
        return 0;
    }
    kigen_ctx *c = NULL;
    kigen_coverage *cov = cover ? kigen_coverage_new(rs) : NULL;
    rc = kigen_ctx_new(rs, &c);
    if (rc == KIGEN_OK && cov) {
        rc = kigen_set_coverage(c, cov);
        if (rc != KIGEN_OK && rc != KIGEN_ELUA)
            abort();
    }
    if (rc == KIGEN_OK) {
        static const char *const texts[] = {"2024-02-29", "0", "true", "x\x01y", "R6.2.29", "-1", ""};
        kigen_set_today(c, 739000);
        for (int rec = 0; rec < 3; rec++) {
            kigen_ctx_reset(c);
            kigen_set_explain(c, rec == 1);
            for (int i = 0; i < kigen_fact_count(rs); i++)
                (void)kigen_set(c, kigen_fact_name(rs, i), texts[(i + rec * 3 + (size ? data[0] : 0)) % 7]);
            int e = kigen_eval(c);
            if (e != KIGEN_OK && e != KIGEN_EEVAL && e != KIGEN_ELUA)
                abort();
            no_controls(kigen_errmsg(c));
            for (int k = 0; k < kigen_output_count(rs); k++) {
                kigen_value v;
                if (kigen_get(c, k, &v) != KIGEN_OK)
                    abort();
            }
            if (rec == 1)
                (void)kigen_explain_json(c, NULL);
            no_controls_but_lines(kigen_lua_traceback(c));
            for (int k = 0; k < kigen_note_count(c); k++)
                if (!kigen_note(c, k))
                    abort();
        }
        const char *j = cov ? kigen_coverage_json(cov) : NULL;
        if (cov && (!j || j[0] != '{'))
            abort();
    } else if (rc != KIGEN_ELUA) {
        abort();
    }
    kigen_ctx_free(c);
    kigen_coverage_free(cov);
    kigen_ruleset_free(rs);
    return 0;
}
