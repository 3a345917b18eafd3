/* Loading a rule set: the public kigen_load_* and the pipeline of the
 * layers below (docs/DESIGN.md): front/ reads the files into definitions,
 * lua/ learns what the policy scripts register, sema/ checks, orders and
 * links. Options are checked first. */
#include <string.h>

#include "base/diag.h"
#include "front/load.h"
#include "lua/policy.h"
#include "rt/ctx.h"
#include "sema/sema.h"

#define ERR KIGEN_SEV_ERROR

/* Options are checked before anything is loaded, so that a limit out of
 * its range is a clear error, never an overflow later. */
static bool opts_valid(const kigen_opts *o, kigen_diags *d)
{
    bool ok = true;
    if (o->lua_instruction_limit < 0 || o->lua_instruction_limit > KIGEN_LUA_MAX_INSTRUCTIONS) {
        kg_diag(d, ERR, "E0002", NULL, KG_NOPOS, "1 .. 10^12, or 0 for the default", NULL,
                "kigen_opts.lua_instruction_limit is %ld, outside its range", o->lua_instruction_limit);
        ok = false;
    }
    if (o->lua_memory_limit && o->lua_memory_limit < KIGEN_LUA_MIN_MEMORY) {
        kg_diag(d, ERR, "E0002", NULL, KG_NOPOS, "at least 65536 bytes, or 0 for the default", NULL,
                "kigen_opts.lua_memory_limit is %zu bytes, too little for a Lua state", o->lua_memory_limit);
        ok = false;
    }
    if (o->record_memory_limit && o->record_memory_limit < KIGEN_RECORD_MEMORY_MIN) {
        kg_diag(d, ERR, "E0002", NULL, KG_NOPOS, "at least 65536 bytes, or 0 for the default", NULL,
                "kigen_opts.record_memory_limit is %zu bytes, too little for a record",
                o->record_memory_limit);
        ok = false;
    }
    return ok;
}

/* The caller's options as this library's struct (see kigen_opts.size):
 * KIGEN_OK, KIGEN_EMISUSE (size 0) or KIGEN_EVERSION (a newer struct
 * whose fields past ours are not zero). */
static int opts_take(const kigen_opts *in, kigen_opts *o, const char **why)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    if (!in)
        return KIGEN_OK;
    if (in->size == 0) {
        *why = "kigen_opts.size is 0: start from KIGEN_OPTS_INIT";
        return KIGEN_EMISUSE;
    }
    if (in->size > ((size_t)64 << 10)) {
        *why = "kigen_opts.size is larger than any kigen_opts: start from KIGEN_OPTS_INIT";
        return KIGEN_EMISUSE;
    }
    if (in->size > sizeof *o) {
        const unsigned char *extra = (const unsigned char *)in + sizeof *o;
        for (size_t i = 0; i < in->size - sizeof *o; i++)
            if (extra[i]) {
                *why = "kigen_opts has options this library does not know (the program was built against "
                       "a newer kigen.h)";
                return KIGEN_EVERSION;
            }
    }
    memcpy(o, in, in->size < sizeof *o ? in->size : sizeof *o);
    o->size = sizeof *o;
    return KIGEN_OK;
}

static int kg_load(const char *name, const char *text, size_t len, const kigen_opts *user_opts,
                   kigen_ruleset **out, kigen_diags **diags)
{
    kigen_opts taken;
    const char *why = NULL;
    int orc = opts_take(user_opts, &taken, &why);
    const kigen_opts *opts = &taken;
    kg_mem mem = {opts ? opts->alloc : NULL, opts ? opts->alloc_ud : NULL};
    *out = NULL;
    if (diags)
        *diags = NULL;
    kigen_ruleset *rs = kg_mem_alloc(&mem, sizeof *rs);
    kigen_diags *d = kg_diags_new(&mem, opts && opts->strict);
    if (!rs || !d) {
        kg_mem_free(&mem, rs, sizeof *rs);
        kigen_diags_free(d);
        return KIGEN_ENOMEM;
    }
    if (orc != KIGEN_OK) {
        kg_diag(d, ERR, "E0002", NULL, KG_NOPOS, NULL, NULL, "%s", why);
        kg_mem_free(&mem, rs, sizeof *rs);
        if (diags)
            *diags = d;
        else
            kigen_diags_free(d);
        return orc;
    }
    memset(rs, 0, sizeof *rs);
    rs->mem = mem;
    atomic_init(&rs->refs, 1);
    if (opts)
        rs->opts = *opts;
    kg_arena_init(&rs->arena, &mem);
    kg_loader L = {0};
    if (opts && !opts_valid(opts, d)) {
        kg_mem_free(&mem, rs, sizeof *rs);
        if (diags)
            *diags = d;
        else
            kigen_diags_free(d);
        return KIGEN_EINVAL;
    }
    L.rs = rs;
    kg_symtab_init(&L.syms, &mem);
    L.d = d;
    L.a = &rs->arena;
    L.strict = opts && opts->strict;
    /* The pipeline: read the files (front/), run the policy scripts once to
     * learn what they register (lua/), check and link (sema/). */
    int rc = kg_front_load(&L, name, text, len);
    if (rc == KIGEN_OK) {
        if (L.lua.n) {
            kg_lua_load_scripts(&L);
            rs->ext = rs->nlua ? &kg_lua_ext : NULL;
        }
        kg_check(&L);
    }
    if (L.a->failed || d->arena.failed || d->list_failed) {
        kg_diag(d, ERR, "E0001", NULL, KG_NOPOS, NULL, NULL, "out of memory while loading");
        rc = KIGEN_ENOMEM;
    }
    kg_front_free(&L);
    if (rc == KIGEN_OK && kigen_diags_errors(d) > 0)
        rc = KIGEN_ELOAD;
    if (rc != KIGEN_OK) {
        kigen_ruleset_free(rs);
        rs = NULL;
    }
    *out = rs;
    if (diags)
        *diags = d;
    else
        kigen_diags_free(d);
    return rc;
}

int kigen_load_file(const char *path, const kigen_opts *opts, kigen_ruleset **out, kigen_diags **diags)
{
    if (!path || !out)
        return KIGEN_EMISUSE;
    return kg_load(path, NULL, 0, opts, out, diags);
}

int kigen_load_string(const char *name, const char *text, size_t len, const kigen_opts *opts,
                      kigen_ruleset **out, kigen_diags **diags)
{
    if (!text || !out)
        return KIGEN_EMISUSE;
    return kg_load(name ? name : "<string>", text, len, opts, out, diags);
}
