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

/* <directory of this executable>/KIGEN_BIN_TO_RULES, or "" when unknown. */
static void installed_dir(char *out, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    out[0] = '\0';
    if (n <= 0)
        return;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return;
    *slash = '\0';
    int k = snprintf(out, cap, "%s/%s", exe, KIGEN_BIN_TO_RULES);
    if (k < 0 || (size_t)k >= cap)
        out[0] = '\0';
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
    size_t used = 0;
#define LOOKED(dir, len)                                                                                     \
    do {                                                                                                     \
        if (looked && used < lcap) {                                                                         \
            int w_ = snprintf(looked + used, lcap - used, "%s%.*s", used ? ", " : "", (int)(len), (dir));    \
            if (w_ > 0)                                                                                      \
                used += (size_t)w_ < lcap - used ? (size_t)w_ : lcap - used - 1;                             \
        }                                                                                                    \
    } while (0)
    const char *path = getenv("KIGEN_PATH");
    for (const char *p = path; p && *p;) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        if (try_dir(p, len, arg, out, cap))
            return 0;
        if (len)
            LOOKED(p, len);
        p = colon ? colon + 1 : p + len;
    }
    char inst[PATH_MAX], real[PATH_MAX];
    installed_dir(inst, sizeof inst);
    /* the resolved form (messages: "/opt/k/bin/../share" says less); a
     * kigen that is not installed has no such directory */
    if (inst[0] && realpath(inst, real)) {
        if (try_dir(real, strlen(real), arg, out, cap))
            return 0;
        LOOKED(real, strlen(real));
    }
    if (try_dir(KIGEN_RULES_DIR, strlen(KIGEN_RULES_DIR), arg, out, cap))
        return 0;
    LOOKED(KIGEN_RULES_DIR, strlen(KIGEN_RULES_DIR));
#ifdef KIGEN_BUILD_DIR
    /* 5. a kigen run from the build tree it was built in: the source's
     * rules/, so `./build/kigen eval --rules jp/mynumber` works before
     * installing */
    char here[PATH_MAX], build[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", here, sizeof here - 1);
    if (n > 0 && realpath(KIGEN_BUILD_DIR, build)) {
        here[n] = '\0';
        char *slash = strrchr(here, '/');
        if (slash)
            *slash = '\0';
        if (strcmp(here, build) == 0) {
            if (try_dir(KIGEN_SOURCE_RULES, strlen(KIGEN_SOURCE_RULES), arg, out, cap))
                return 0;
            LOOKED(KIGEN_SOURCE_RULES, strlen(KIGEN_SOURCE_RULES));
        }
    }
#endif
#undef LOOKED
    return 1;
}
