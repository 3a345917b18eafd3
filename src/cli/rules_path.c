/* Finding a rule pack by name: `--rules jp/mynumber` as well as a path.
 *
 * The search order (docs/cli.md, "Finding rule packs"; kigen(1)):
 *   1. the argument as a path, when such a file exists;
 *   2. each directory of $KIGEN_PATH (colon-separated), in order;
 *   3. the packs installed beside this kigen: <bindir>/<../share>/kigen/rules,
 *      found from /proc/self/exe, so a copy installed under any prefix
 *      (`cmake --install build --prefix P`) finds its own packs;
 *   4. the directory the build was configured to install to;
 *   5. for a kigen run from its own build tree: the source tree's rules/.
 * In each directory NAME.yaml is tried, then NAME as given. A name that is
 * found nowhere is an error that lists every place looked in: never a
 * silent fallback to some other pack. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "cli/rules_path.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef KIGEN_BIN_TO_RULES
#define KIGEN_BIN_TO_RULES "../share/kigen/rules"
#endif
#ifndef KIGEN_RULES_DIR
#define KIGEN_RULES_DIR "/usr/local/share/kigen/rules"
#endif

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && strcmp(s + n - k, suf) == 0;
}

/* DIR/NAME.yaml, then DIR/NAME. true when found (path in out). */
static bool try_dir(const char *dir, size_t dlen, const char *name, char *out, size_t cap)
{
    if (dlen == 0)
        return false;
    int n;
    if (!ends_with(name, ".yaml")) {
        n = snprintf(out, cap, "%.*s/%s.yaml", (int)dlen, dir, name);
        if (n > 0 && (size_t)n < cap && is_file(out))
            return true;
    }
    n = snprintf(out, cap, "%.*s/%s", (int)dlen, dir, name);
    return n > 0 && (size_t)n < cap && is_file(out);
}

/* The directory this executable lies in (links resolved by the kernel), in
 * out; false when unknown. */
static bool exe_dir(char *out, size_t cap)
{
    ssize_t n = readlink("/proc/self/exe", out, cap - 1);
    if (n <= 0)
        return false;
    out[n] = '\0';
    char *slash = strrchr(out, '/');
    if (!slash)
        return false;
    *slash = '\0';
    return true;
}

/* One search: the name, where a hit goes, and the places looked in so far
 * (comma-separated, for the error). */
typedef struct search {
    const char *name;
    char *out;
    size_t cap;
    char *looked;
    size_t lcap, used;
} search;

/* Try DIR (len bytes); note it as looked in. true when found. */
static bool try_place(search *S, const char *dir, size_t len)
{
    if (len == 0)
        return false;
    if (try_dir(dir, len, S->name, S->out, S->cap))
        return true;
    if (S->looked && S->used < S->lcap) {
        int w =
            snprintf(S->looked + S->used, S->lcap - S->used, "%s%.*s", S->used ? ", " : "", (int)len, dir);
        if (w > 0)
            S->used += (size_t)w < S->lcap - S->used ? (size_t)w : S->lcap - S->used - 1;
        /* cut: say so, rather than end the list mid-name */
        if (w > 0 && S->used == S->lcap - 1 && S->lcap > 4)
            memcpy(S->looked + S->lcap - 4, "...", 4);
    }
    return false;
}

bool cli_rules_is_name(const char *arg)
{
    return arg[0] != '\0' && arg[0] != '/' && strncmp(arg, "./", 2) != 0 && strncmp(arg, "../", 3) != 0;
}

int cli_rules_resolve(const char *arg, char *out, size_t cap, char *looked, size_t lcap)
{
    if (looked && lcap)
        looked[0] = '\0';
    if (!arg[0])
        return 1; /* "": no file, and no pack has that name */
    if (is_file(arg) || !cli_rules_is_name(arg)) {
        int n = snprintf(out, cap, "%s", arg);
        return n > 0 && (size_t)n < cap ? 0 : -1;
    }
    search S = {arg, out, cap, looked, lcap, 0};
    const char *path = getenv("KIGEN_PATH");
    for (const char *p = path; p && *p;) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        if (try_place(&S, p, len))
            return 0;
        p = colon ? colon + 1 : p + len;
    }
    char here[PATH_MAX], inst[PATH_MAX], real[PATH_MAX];
    bool known = exe_dir(here, sizeof here);
    /* the resolved form (messages: "/opt/k/bin/../share" says less); a
     * kigen that is not installed has no such directory */
    int k = known ? snprintf(inst, sizeof inst, "%s/%s", here, KIGEN_BIN_TO_RULES) : -1;
    if (k > 0 && (size_t)k < sizeof inst && realpath(inst, real) && try_place(&S, real, strlen(real)))
        return 0;
    if (try_place(&S, KIGEN_RULES_DIR, strlen(KIGEN_RULES_DIR)))
        return 0;
#ifdef KIGEN_BUILD_DIR
    /* 5. a kigen run from the build tree it was built in: the source's
     * rules/, so `./build/kigen eval --rules jp/mynumber` works before
     * installing */
    char build[PATH_MAX];
    if (known && realpath(KIGEN_BUILD_DIR, build) && strcmp(here, build) == 0 &&
        try_place(&S, KIGEN_SOURCE_RULES, strlen(KIGEN_SOURCE_RULES)))
        return 0;
#endif
    return 1;
}
