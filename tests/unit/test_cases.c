/* The table-driven tests: every .cases file in tests/data/expr (one
 * expression and its value per line, described at the top of
 * language.cases) and in tests/data/diag (a rule file and the diagnostics
 * its load must report, described at the top of diagnostics.cases) is one
 * cmocka test. A file's failures are all reported, with their file:line,
 * before the test fails: a change that breaks twenty cases says so twenty
 * times, not once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>

#include "kigen.h"
#include "support/expr.h"
#include "support/support.h"

#define MAX_FACTS 16

static kigen_type type_of(const char *s)
{
    static const struct {
        const char *name;
        kigen_type t;
    } types[] = {{"none", KIGEN_T_NONE}, {"bool", KIGEN_T_BOOL},         {"int", KIGEN_T_INT},
                 {"date", KIGEN_T_DATE}, {"string", KIGEN_T_STRING},     {"enum", KIGEN_T_ENUM},
                 {"duration", KIGEN_T_DURATION}};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(s, types[i].name) == 0)
            return types[i].t;
    return (kigen_type)-1;
}

static char *trim(char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* One case: NULL when it passed, else why (static buffer). */
static const char *run_case(char *line)
{
    static char why[1400];
    char *arrow = strstr(line, " => ");
    if (!arrow)
        return "no ' => ' in the line";
    *arrow = '\0';
    char *want = trim(arrow + 4), *expr = line;
    const char *facts[MAX_FACTS + 1] = {0};
    char *with = strstr(expr, " with ");
    if (with) {
        *with = '\0';
        int n = 0;
        for (char *f = strtok(with + 6, ";"); f && n < MAX_FACTS; f = strtok(NULL, ";"))
            facts[n++] = trim(f);
    }
    expr = trim(expr);
    res r = run(expr, facts);
    if (want[0] == 'E' && want[1] >= '0' && want[1] <= '9') {
        /* a refused file: CODE or CODE: PHRASE */
        char *colon = strchr(want, ':');
        const char *phrase = colon ? trim(colon + 1) : "";
        if (colon)
            *colon = '\0';
        if (r.load_rc != KIGEN_ELOAD)
            snprintf(why, sizeof why, "loaded (rc %d) but should fail with %s", r.load_rc, want);
        else if (strcmp(r.diag_code, want) != 0)
            snprintf(why, sizeof why, "expected %s, got %s: %s", want, r.diag_code, r.diag_msg);
        else if (!strstr(r.diag_msg, phrase))
            snprintf(why, sizeof why, "the message '%s' does not say '%s'", r.diag_msg, phrase);
        else
            return NULL;
        return why;
    }
    if (r.load_rc != KIGEN_OK) {
        snprintf(why, sizeof why, "did not load: %s %s", r.diag_code, r.diag_msg);
        return why;
    }
    if (strncmp(want, "error:", 6) == 0) {
        const char *phrase = trim(want + 6);
        if (r.type != KIGEN_T_ERROR)
            snprintf(why, sizeof why, "expected an error value, got %s '%s'", type_name(r.type), r.text);
        else if (!strstr(r.text, phrase))
            snprintf(why, sizeof why, "the error '%s' does not say '%s'", r.text, phrase);
        else if (r.eval_rc != KIGEN_EEVAL || !strstr(r.errmsg, "r: ") || !strstr(r.errmsg, phrase))
            snprintf(why, sizeof why, "kigen_eval gave %d and '%s' (expected KIGEN_EEVAL naming r)", r.eval_rc,
                     r.errmsg);
        else
            return NULL;
        return why;
    }
    char *sp = strchr(want, ' ');
    const char *text = "";
    if (sp) {
        *sp = '\0';
        text = sp + 1;
    }
    kigen_type t = type_of(want);
    if ((int)t < 0) {
        snprintf(why, sizeof why, "unknown type '%s'", want);
        return why;
    }
    if (r.type != t || strcmp(r.text, text) != 0) {
        snprintf(why, sizeof why, "expected %s '%s', got %s '%s'", want, text, type_name(r.type), r.text);
        return why;
    }
    return NULL;
}

/* ---- diagnostic cases ------------------------------------------------------ */

typedef struct diag_case {
    const char *path;
    int line;          /* of its "===" */
    char name[200];
    char text[16384];  /* the rule file */
    size_t len;
} diag_case;

/* Check one expectation line against the load; NULL when it holds. `last`
 * is the diagnostic the previous error/diag line matched. */
static const char *check_expect(const char *e, int rc, const kigen_diags *d, const kigen_diag **last)
{
    static char why[1400];
    char kind[16] = "", code[16] = "";
    int line = 0, col = 0, n = 0;
    if (strcmp(e, "loads") == 0)
        return rc == KIGEN_OK ? NULL : "the load failed";
    if (strcmp(e, "fails") == 0)
        return rc == KIGEN_ELOAD ? NULL : "the load did not fail with KIGEN_ELOAD";
    if (sscanf(e, "count %15s %d", code, &n) == 2) {
        int have = 0;
        for (size_t i = 0; i < kigen_diags_count(d); i++)
            have += strcmp(kigen_diags_get(d, i)->code, code) == 0;
        if (have == n)
            return NULL;
        snprintf(why, sizeof why, "%d diagnostics %s, expected %d", have, code, n);
        return why;
    }
    int used = 0;
    if (sscanf(e, "%15s %15s %d:%d%n", kind, code, &line, &col, &used) == 4 &&
        (strcmp(kind, "error") == 0 || strcmp(kind, "diag") == 0)) {
        const char *phrase = e + used;
        while (*phrase == ' ')
            phrase++;
        const kigen_diag *first = NULL;
        for (size_t i = 0; i < kigen_diags_count(d); i++) {
            const kigen_diag *g = kigen_diags_get(d, i);
            if (strcmp(g->code, code) != 0 || !strstr(g->message, phrase))
                continue;
            if (g->line == line && g->column == col) {
                *last = g;
                if (kind[0] == 'e' && (g->severity != KIGEN_SEV_ERROR || rc != KIGEN_ELOAD || !g->file))
                    return "the diagnostic is there, but the load did not fail with it as an error";
                return NULL;
            }
            if (!first)
                first = g;
        }
        if (first)
            snprintf(why, sizeof why, "%s '%s' is at %d:%d, expected %d:%d", code, first->message, first->line,
                     first->column, line, col);
        else
            snprintf(why, sizeof why, "no %s saying '%s'", code, phrase);
        return why;
    }
    static const struct {
        const char *key;
        size_t off; /* of the field in kigen_diag */
    } fields[] = {{"hint", offsetof(kigen_diag, hint)},
                  {"expected", offsetof(kigen_diag, expected)},
                  {"message", offsetof(kigen_diag, message)}};
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
        size_t kl = strlen(fields[k].key);
        if (strncmp(e, fields[k].key, kl) != 0 || (e[kl] != ' ' && e[kl] != '~'))
            continue;
        bool contains = e[kl] == '~';
        const char *want = e + kl + (contains ? 1 : 0);
        while (*want == ' ')
            want++;
        if (!*last)
            return "no diagnostic matched before this line";
        const char *have = *(const char *const *)((const char *)*last + fields[k].off);
        if (have && (contains ? strstr(have, want) != NULL : strcmp(have, want) == 0))
            return NULL;
        snprintf(why, sizeof why, "%s is '%s', expected %s'%s'", fields[k].key, have ? have : "(none)",
                 contains ? "it to contain " : "", want);
        return why;
    }
    return "an expectation this driver does not know";
}

static void diag_file(const char *path, int *cases, int *failed)
{
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    static diag_case c;
    char line[4096];
    int n = 0;
    enum { NONE, TEXT, EXPECT } where = NONE;
    kigen_ruleset *rs = NULL;
    kigen_diags *d = NULL;
    const kigen_diag *last = NULL;
    int rc = 0;
    for (;;) {
        bool eof = !fgets(line, sizeof line, f);
        n += !eof;
        if (eof || strncmp(line, "=== ", 4) == 0) {
            kigen_ruleset_free(rs);
            kigen_diags_free(d);
            rs = NULL;
            d = NULL;
            if (eof)
                break;
            (*cases)++;
            c.path = path;
            c.line = n;
            snprintf(c.name, sizeof c.name, "%s", trim(line + 4));
            c.len = 0;
            where = TEXT;
            continue;
        }
        if (where == TEXT && strcmp(line, "--- expect\n") == 0) {
            rc = kigen_load_string("t.yaml", c.text, c.len, NULL, &rs, &d);
            last = NULL;
            where = EXPECT;
            continue;
        }
        if (where == TEXT) {
            size_t l = strlen(line);
            if (c.len + l >= sizeof c.text)
                fail_msg("%s:%d: the rule file is too long for the driver", path, n);
            memcpy(c.text + c.len, line, l + 1);
            c.len += l;
            continue;
        }
        char *e = trim(line);
        if (where != EXPECT || !*e || *e == '#')
            continue;
        const char *why = check_expect(e, rc, d, &last);
        if (why) {
            (*failed)++;
            print_error("%s:%d: [%s] %s\n    %s\n", path, n, c.name, e, why);
            for (size_t i = 0; i < kigen_diags_count(d); i++) {
                const kigen_diag *g = kigen_diags_get(d, i);
                print_error("      got %d:%d %s[%s] %s\n", g->line, g->column,
                            g->severity == KIGEN_SEV_ERROR ? "error" : "warning", g->code, g->message);
            }
        }
    }
    fclose(f);
}

/* ---- expression cases ------------------------------------------------------ */

static void expr_file(const char *path, int *cases, int *failed)
{
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    char line[4096], section[200] = "";
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        n++;
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        if (*s == '[') {
            snprintf(section, sizeof section, "%s", s);
            continue;
        }
        char copy[4096];
        snprintf(copy, sizeof copy, "%s", s);
        (*cases)++;
        const char *why = run_case(s);
        if (why) {
            (*failed)++;
            print_error("%s:%d: %s %s\n    %s\n", path, n, section, copy, why);
        }
    }
    fclose(f);
}

static void run_file(void **state)
{
    const char *path = *state;
    int cases = 0, failed = 0;
    if (strstr(path, "/diag/"))
        diag_file(path, &cases, &failed);
    else
        expr_file(path, &cases, &failed);
    if (cases == 0)
        fail_msg("%s: no cases", path);
    if (failed)
        fail_msg("%s: %d failure(s) in %d cases", path, failed, cases);
}

int main(void)
{
    static char paths[64][1100];
    static struct CMUnitTest tests[64];
    size_t n = 0;
    static const char *const dirs[] = {"expr", "diag"};
    for (size_t k = 0; k < 2; k++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/tests/data/%s", support_source_dir(), dirs[k]);
        DIR *d = opendir(dir);
        if (!d) {
            fprintf(stderr, "cannot open %s\n", dir);
            return 1;
        }
        struct dirent *e;
        while ((e = readdir(d)) && n < 64) {
            size_t l = strlen(e->d_name);
            if (l > 6 && strcmp(e->d_name + l - 6, ".cases") == 0) {
                snprintf(paths[n], sizeof paths[n], "%s/%s", dir, e->d_name);
                tests[n] = (struct CMUnitTest){NULL, run_file, NULL, NULL, paths[n]};
                tests[n].name = strrchr(paths[n], '/') + 1;
                n++;
            }
        }
        closedir(d);
    }
    return _cmocka_run_group_tests("table cases", tests, n, NULL, NULL);
}
