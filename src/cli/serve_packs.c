/* The loaded packs, as generations (serve.h). A reload loads every file
 * into a new generation aside; only a generation that loaded whole is
 * installed, under the lock, and the old one is released: requests that
 * hold it finish on it. Never a half-loaded state. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/common.h"
#include "cli/serve.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static serve_gen *current;

static void pack_free(serve_pack *p)
{
    free(p->file);
    free(p->layout);
    free(p->describe);
    kigen_ruleset_free(p->rs);
}

static void gen_free(serve_gen *g)
{
    for (int i = 0; i < g->npacks; i++)
        pack_free(&g->packs[i]);
    free(g->packs);
    free(g);
}

/* SHA-256 of the file's bytes, as hex; false when it cannot be read. */
static bool file_sha256(const char *path, char hex[65])
{
    FILE *f = fopen(path, "rb");
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = f && md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    char buf[65536];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, f)) > 0)
        ok = EVP_DigestUpdate(md, buf, n) == 1;
    unsigned char out[32];
    unsigned len = 0;
    ok = ok && !ferror(f) && EVP_DigestFinal_ex(md, out, &len) == 1 && len == 32;
    for (size_t i = 0; ok && i < 32; i++)
        snprintf(hex + (2 * i), 3, "%02x", out[i]);
    if (f)
        fclose(f);
    EVP_MD_CTX_free(md);
    return ok;
}

static int to_string(void *ud, const char *s, size_t n)
{
    char **p = ud;
    size_t old = *p ? strlen(*p) : 0;
    char *q = realloc(*p, old + n + 1);
    if (!q)
        return -1;
    memcpy(q + old, s, n);
    q[old + n] = '\0';
    *p = q;
    return 0;
}

static void note_error(json_t *errors, const char *pack, const char *msg)
{
    if (errors)
        json_array_append_new(errors, json_pack("{s:s,s:s}", "pack", pack, "message", msg));
}

serve_gen *serve_gen_load(const char *const *rules, int n, long number, json_t *errors)
{
    serve_gen *g = calloc(1, sizeof *g);
    if (!g || !(g->packs = calloc((size_t)n, sizeof *g->packs))) {
        free(g);
        note_error(errors, "", "out of memory");
        return NULL;
    }
    atomic_init(&g->refs, 1);
    g->number = number;
    time_t now = time(NULL);
    struct tm tm;
    strftime(g->loaded_at, sizeof g->loaded_at, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    bool ok = true;
    for (int i = 0; i < n && ok; i++) {
        serve_pack *p = &g->packs[g->npacks++];
        char path[PATH_MAX];
        p->arg = rules[i];
        if (cli_find_rules("serve", rules[i], path, sizeof path) != KIGEN_OK) {
            note_error(errors, rules[i], "no such file or pack");
            ok = false;
            break;
        }
        kigen_opts o = KIGEN_OPTS_INIT;
        o.include_root = cli_include_root;
        kigen_diags *d = NULL;
        int rc = kigen_load_file(path, &o, &p->rs, &d);
        if (rc != KIGEN_OK) {
            cli_print_diags(d);
            for (size_t k = 0; errors && d && k < kigen_diags_count(d); k++) {
                const kigen_diag *dg = kigen_diags_get(d, k);
                if (dg->severity != KIGEN_SEV_ERROR)
                    continue;
                char msg[8192];
                snprintf(msg, sizeof msg, "%.4000s:%d:%d: %s: %.2000s", dg->file ? dg->file : path, dg->line,
                         dg->column, dg->code, dg->message);
                note_error(errors, rules[i], msg);
            }
            if (!d || kigen_diags_errors(d) == 0)
                note_error(errors, rules[i], kigen_status_str(rc));
            kigen_diags_free(d);
            ok = false;
            break;
        }
        kigen_diags_free(d);
        p->name = kigen_ruleset_name(p->rs);
        p->file = realpath(path, NULL);
        if (!p->file || !file_sha256(p->file, p->sha256) ||
            kigen_describe_json(p->rs, to_string, &p->describe) != KIGEN_OK) {
            note_error(errors, rules[i], "cannot read or describe the loaded file");
            ok = false;
            break;
        }
        /* the timeline layout beside it: x.yaml -> x.timeline.yaml */
        size_t len = strlen(p->file);
        if (len > 5 && strcmp(p->file + len - 5, ".yaml") == 0 && (p->layout = malloc(len + 16))) {
            snprintf(p->layout, len + 16, "%.*s.timeline.yaml", (int)(len - 5), p->file);
            FILE *f = fopen(p->layout, "rb");
            if (f)
                fclose(f);
            else {
                free(p->layout);
                p->layout = NULL;
            }
        }
        for (int k = 0; k < g->npacks - 1; k++)
            if (p->name && strcmp(g->packs[k].name, p->name) == 0) {
                char msg[512];
                snprintf(msg, sizeof msg, "two packs are named '%s' (%s and %s)", p->name, g->packs[k].arg,
                         rules[i]);
                note_error(errors, rules[i], msg);
                fprintf(stderr, "kigen serve: %s\n", msg);
                ok = false;
            }
    }
    if (!ok) {
        gen_free(g);
        return NULL;
    }
    return g;
}

serve_gen *serve_gen_current(void)
{
    pthread_mutex_lock(&lock);
    serve_gen *g = current;
    if (g)
        atomic_fetch_add(&g->refs, 1);
    pthread_mutex_unlock(&lock);
    return g;
}

void serve_gen_release(serve_gen *g)
{
    if (g && atomic_fetch_sub(&g->refs, 1) == 1)
        gen_free(g);
}

void serve_gen_install(serve_gen *g)
{
    pthread_mutex_lock(&lock);
    serve_gen *old = current;
    current = g;
    pthread_mutex_unlock(&lock);
    serve_gen_release(old);
}

const serve_pack *serve_gen_find(const serve_gen *g, const char *name)
{
    for (int i = 0; g && i < g->npacks; i++)
        if (strcmp(g->packs[i].name, name) == 0)
            return &g->packs[i];
    return NULL;
}
