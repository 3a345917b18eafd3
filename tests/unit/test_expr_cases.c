/* The table-driven expression tests: every .cases file in tests/data/expr is
 * one cmocka test, and each of its lines one case (the format is described
 * at the top of language.cases). A file's failures are all reported, with
 * their file:line, before the test fails: a change that breaks twenty
 * cases says so twenty times, not once. */
#include <setjmp.h>
#include <stdarg.h>
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

static void run_file(void **state)
{
    const char *path = *state;
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    char line[4096], section[200] = "";
    int n = 0, cases = 0, failed = 0;
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
        cases++;
        const char *why = run_case(s);
        if (why) {
            failed++;
            print_error("%s:%d: %s %s\n    %s\n", path, n, section, copy, why);
        }
    }
    fclose(f);
    if (cases == 0)
        fail_msg("%s: no cases", path);
    if (failed)
        fail_msg("%s: %d of %d cases failed", path, failed, cases);
}

int main(void)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/data/expr", support_source_dir());
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "cannot open %s\n", dir);
        return 1;
    }
    static char paths[64][1100];
    static struct CMUnitTest tests[64];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        size_t l = strlen(e->d_name);
        if (l > 6 && strcmp(e->d_name + l - 6, ".cases") == 0) {
            snprintf(paths[n], sizeof paths[n], "%s/%s", dir, e->d_name);
            tests[n] = (struct CMUnitTest){e->d_name, run_file, NULL, NULL, paths[n]};
            n++;
        }
    }
    closedir(d);
    /* the names live in paths[] (readdir's entries do not outlive it) */
    for (size_t i = 0; i < n; i++)
        tests[i].name = strrchr(paths[i], '/') + 1;
    return _cmocka_run_group_tests("expression cases", tests, n, NULL, NULL);
}
