/* The Lua sandbox for policy scripts: see lua_sandbox.h and docs/lua.md.
 *
 * A policy script is untrusted input. The environment it runs in is built
 * from an allow-list (as Redis builds its scripting environment), never by
 * deleting dangerous names from a full one:
 *   - base: assert error ipairs next pairs pcall select tonumber tostring
 *     type xpcall rawequal rawget rawlen _VERSION _G, and our own load
 *     (text only, sandbox env), require (Lua files beside the scripts, at
 *     load time only), setmetatable (tables only, no __gc), getmetatable
 *     (tables only), collectgarbage ("count" only);
 *   - string (no dump; format without %p), table, math (no
 *     random/randomseed), utf8, os.time os.date (the run's clock), and
 *     kigen (calendar); tostring names objects "table: 3", not by address,
 *     so that outputs do not change from run to run.
 * Library tables are read-only proxies over private tables the script
 * cannot reach; the string metatable is protected (__metatable) and its
 * __index is the private string table. Once the scripts have loaded the
 * global environment is frozen too, so one record cannot change what the
 * next one sees through globals.
 *
 * Limits: a counting allocator caps the state's memory; a count hook gives
 * every call an instruction budget (allocations and the loops of a few C
 * functions are charged against it too, and a wall-clock backstop catches
 * single instructions that do a lot of work). When the budget runs out the
 * hook fires at every instruction, so pcall inside the script cannot keep
 * it going. */
#include "lua/sandbox.h"
#include "base/file.h"
#include "base/text.h"

#include <dirent.h>
#include <errno.h>
#include <lauxlib.h>
#include <lualib.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define LP_STEP 1000        /* instructions between hook calls */
#define LP_ALLOC_UNIT 64    /* bytes allocated per instruction charged */
#define LP_PATTERN_WORK 1e8 /* bound on widest class x subject^(quantifiers+1) */
#define LP_TIME_MIN_NS 2000000000LL
#define LP_TIME_PER_INSN_NS 200LL

lp_state *lp_of(lua_State *L)
{
    return *(lp_state **)lua_getextraspace(L);
}

static long long now_ns(void)
{
    struct timespec ts;
#ifdef CLOCK_MONOTONIC_COARSE
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts); /* a few ms of resolution is plenty */
#else
    clock_gettime(CLOCK_MONOTONIC, &ts);
#endif
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long time_limit_ns(const lp_state *lp)
{
    long long t = (long long)lp->insn_limit * LP_TIME_PER_INSN_NS;
    return t > LP_TIME_MIN_NS ? t : LP_TIME_MIN_NS;
}

/* ---- memory ---------------------------------------------------------- */

static void count_hook(lua_State *L, lua_Debug *ar);
static void hook_fn(lua_State *L, lua_Debug *ar);

/* The hook counts instructions every `count` (0: not at all) and, under
 * coverage, lines. */
static void set_hook(lp_state *lp, int count)
{
    int mask = (count > 0 ? LUA_MASKCOUNT : 0) | (lp->cov_on ? LUA_MASKLINE : 0);
    lua_sethook(lp->L, mask ? hook_fn : NULL, mask, count);
}

static void *lp_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    lp_state *lp = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        if (ptr) {
            kg_mem_free(&lp->mem, ptr, osize);
            lp->mem_used -= osize;
        }
        return NULL;
    }
    if (nsize > old) {
        if (lp->mem_used - old + nsize > lp->mem_limit) {
            lp->mem_hit = true;
            return NULL;
        }
        /* Allocating is work: charge it, so that a loop of big string
         * operations cannot run far beyond the instruction budget. The hook
         * raises at the next instruction (lua_sethook is safe anywhere). */
        if (lp->in_call && !lp->exhausted) {
            lp->insn_left -= (long)((nsize - old) / LP_ALLOC_UNIT);
            if (lp->insn_left <= 0 && lp->insn_step != 1) {
                lp->insn_step = 1;
                set_hook(lp, 1);
            }
        }
    }
    void *p = ptr ? kg_mem_realloc(&lp->mem, ptr, osize, nsize) : kg_mem_alloc(&lp->mem, nsize);
    if (!p)
        return NULL;
    lp->mem_used = lp->mem_used - old + nsize;
    return p;
}

/* ---- the instruction budget -------------------------------------------- */

static void budget_raise(lua_State *L, const char *src, int line)
{
    lp_state *lp = lp_of(L);
    lp->code = "E0406";
    if (lp->why == 2)
        lua_pushfstring(L, "%s:%d: time limit of %d ms exceeded in %s", src, line,
                        (int)(time_limit_ns(lp) / 1000000), lp->what ? lp->what : "a policy script");
    else if (lp->why == 3)
        lua_pushfstring(L, "%s:%d: instruction limit of %I for one record (%d calls' worth) exceeded in %s",
                        src, line, (lua_Integer)lp->insn_limit * LP_RECORD_CALLS, LP_RECORD_CALLS,
                        lp->what ? lp->what : "a policy script");
    else
        lua_pushfstring(L, "%s:%d: instruction limit of %I exceeded in %s", src, line,
                        (lua_Integer)lp->insn_limit, lp->what ? lp->what : "a policy script");
    lua_error(L);
}

static void exhaust(lp_state *lp, int why)
{
    lp->exhausted = true;
    lp->why = why;
    lp->insn_step = 1;
    set_hook(lp, 1);
}

void lp_record_begin(lp_state *lp)
{
    lp->rec_left = lp->insn_limit > LONG_MAX / LP_RECORD_CALLS ? LONG_MAX : lp->insn_limit * LP_RECORD_CALLS;
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
    lp_state *lp = lp_of(L);
    if (!lp->exhausted) {
        lp->insn_left -= lp->insn_step;
        bool late = now_ns() - lp->t0_ns > time_limit_ns(lp);
        if (lp->insn_left > 0 && !late) {
            int step = lp->insn_left < LP_STEP ? (int)lp->insn_left : LP_STEP;
            if (step != lp->insn_step) {
                lp->insn_step = step;
                set_hook(lp, step);
            }
            return;
        }
        exhaust(lp, late ? 2 : lp->rec_capped ? 3 : 1);
    }
    lua_getinfo(L, "Sl", ar);
    budget_raise(L, ar->short_src, ar->currentline);
}

static void hook_fn(lua_State *L, lua_Debug *ar)
{
    if (ar->event == LUA_HOOKLINE)
        lp_cov_line(L, ar);
    else
        count_hook(L, ar);
}

void lp_charge(lua_State *L, double units)
{
    lp_state *lp = lp_of(L);
    if (!lp->in_call)
        return;
    if (!(units >= 0))
        units = 0; /* never a refund (a negative or NaN count from a script) */
    /* C functions are where one call can work long between count hooks:
     * the wall clock is looked at here too. */
    bool late = now_ns() - lp->t0_ns > time_limit_ns(lp);
    if (!lp->exhausted && !late && units < (double)lp->insn_left) {
        lp->insn_left -= (long)units;
        return;
    }
    if (!lp->exhausted)
        exhaust(lp, late ? 2 : lp->rec_capped ? 3 : 1);
    lua_Debug ar;
    for (int lv = 1; lua_getstack(L, lv, &ar); lv++)
        if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0)
            budget_raise(L, ar.short_src, ar.currentline);
    budget_raise(L, "?", 0);
}

/* ---- messages ------------------------------------------------------------ */

int lp_locate(const lp_state *lp, const char *msg, int *line, const char **rest)
{
    for (int i = 0; i < lp->nfiles; i++) {
        const char *d = lp->files[i].display;
        size_t n = strlen(d);
        if (strncmp(msg, d, n) != 0 || msg[n] != ':' || msg[n + 1] < '0' || msg[n + 1] > '9')
            continue;
        const char *p = msg + n + 1;
        long v = 0;
        while (*p >= '0' && *p <= '9' && v < 100000000)
            v = v * 10 + (*p++ - '0');
        if (*p != ':')
            continue;
        p++;
        while (*p == ' ')
            p++;
        *line = (int)v;
        *rest = p;
        return i;
    }
    return -1;
}

static void push_stable_string(lua_State *L, int idx);

/* ---- errors that point at the fix ---------------------------------------- */

/* What the sandbox leaves out on purpose, and what to do instead (as data:
 * the messages for "attempt to call a nil value (global 'print')" and the
 * like). `lib` is the library a field belongs to, NULL for a global. */
static const struct left_out {
    const char *lib, *name, *why;
} left_out[] = {
    {NULL, "print",
     "print is not available in policy scripts: add a note with rec.note(text), which kigen explain shows, "
     "or run kigen with --debug-lua to print to stderr"},
    {NULL, "io", "policy scripts read and write no files: facts come in through rec.facts"},
    {NULL, "debug", "the debug library is not available in policy scripts"},
    {NULL, "package", "there is no package table: require finds modules beside the script"},
    {NULL, "dofile", "use require for a Lua module beside the script"},
    {NULL, "loadfile", "use require for a Lua module beside the script"},
    {NULL, "coroutine", "coroutines are not available in policy scripts"},
    {NULL, "rawset",
     "rawset is left out of policy scripts (it writes past read-only tables): assign normally"},
    {"math", "random", "math.random is left out: a policy's outputs must be the same in every run"},
    {"math", "randomseed", "math.randomseed is left out: a policy's outputs must be the same in every run"},
    {"string", "dump", "string.dump is left out: binary chunks are not available"},
    {"os", "exit", "os.exit is not available: raise an error with error(...) to fail the record"},
    {"os", "getenv", "os.getenv is not available: a policy depends on facts and params, not the environment"},
    {"os", "execute", "os.execute is not available in policy scripts"},
    {"os", "clock", "os.clock is left out: CPU time differs from run to run"},
    {"os", "remove", "os.remove is not available: policy scripts read and write no files"},
    {"os", "rename", "os.rename is not available: policy scripts read and write no files"},
    {"os", "tmpname", "os.tmpname is not available: policy scripts read and write no files"},
    {"os", "setlocale", "os.setlocale is not available: a policy's outputs must not depend on the machine"},
    {"os", "difftime", "os.difftime is left out: use kigen.days_between for dates"},
    {"table", "getn", "table.getn is not in Lua 5.4: use the length operator #t"},
    {"string", "gfind", "string.gfind is not in Lua 5.4: use string.gmatch"},
    {NULL, "loadstring", "loadstring is not in Lua 5.4: use load(text)"},
    {NULL, "unpack", "unpack is not a global in Lua 5.4: use table.unpack"},
    {NULL, "setfenv", "setfenv is not in Lua 5.4: pass an environment to load(text, name, 't', env)"},
    {NULL, "getfenv", "getfenv is not in Lua 5.4"},
    {NULL, "module", "module is not in Lua 5.4: a module returns its table (see lua/holidays_jp.lua)"},
};

/* Push the reason lib.name (lib NULL: a global) is left out, if it is. */
static bool push_left_out(lua_State *L, const char *lib, const char *name)
{
    for (size_t i = 0; i < sizeof left_out / sizeof left_out[0]; i++)
        if ((lib == NULL) == (left_out[i].lib == NULL) && (!lib || strcmp(lib, left_out[i].lib) == 0) &&
            strcmp(left_out[i].name, name) == 0) {
            lua_pushstring(L, left_out[i].why);
            return true;
        }
    return false;
}

/* The names of the globals (for "did you mean"): pointers into strings the
 * environment keeps alive. */
static size_t global_names(lua_State *L, lp_state *lp, const char **names, size_t max)
{
    size_t n = 0;
    lua_rawgeti(L, LUA_REGISTRYINDEX, lp->env_ref);
    int env = lua_gettop(L);
    /* a frozen environment keeps its names in the metatable's __index */
    if (lua_getmetatable(L, env) && lua_getfield(L, -1, "__index") == LUA_TTABLE)
        env = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, env) && n < max) {
        if (lua_type(L, -2) == LUA_TSTRING && strcmp(lua_tostring(L, -2), "_G") != 0)
            names[n++] = lua_tostring(L, -2);
        lua_pop(L, 1);
    }
    return n;
}

/* A hint for Lua's "attempt to call a nil value (global 'prnt')": what the
 * sandbox left out and why, or the closest global. (Fields of the
 * libraries say so themselves, proxy_index; a field or method of the
 * script's own tables gets no guess: Lua's message does not say which
 * table it was.) Pushes it, or nothing (returns false). */
static bool push_hint(lua_State *L, lp_state *lp, const char *msg)
{
    const char *at = strstr(msg, "(global '");
    if (!at || (!strstr(msg, "attempt to call a nil value") && !strstr(msg, "attempt to index a nil value")))
        return false;
    at += strlen("(global '");
    const char *q = strchr(at, '\'');
    if (!q || q - at > 100)
        return false;
    char name[128];
    snprintf(name, sizeof name, "%.*s", (int)(q - at), at);
    if (push_left_out(L, NULL, name))
        return true;
    const char *names[512];
    int top = lua_gettop(L);
    const char *close = kg_closest(name, names, global_names(L, lp, names, 512));
    if (!close) {
        lua_settop(L, top);
        return false;
    }
    lua_pushfstring(L, "did you mean %s?", close);
    lua_replace(L, top + 1);
    lua_settop(L, top + 1);
    return true;
}

/* The script's own frames of an error, innermost first, for
 * kigen_lua_traceback: C functions (kigen's library, the sandbox) are left
 * out, and the frame a hook or function starts in is named as registered. */
static void keep_trace(lua_State *L, lp_state *lp)
{
    lua_Debug ar, up;
    size_t n = 0;
    lp->trace[0] = '\0';
    for (int lv = 1; lua_getstack(L, lv, &ar) && n < sizeof lp->trace - 1; lv++) {
        if (!lua_getinfo(L, "Slnt", &ar) || ar.currentline <= 0 || ar.source[0] != '@')
            continue;
        bool from_c = !ar.istailcall &&
                      (!lua_getstack(L, lv + 1, &up) || (lua_getinfo(L, "S", &up) && up.what[0] == 'C'));
        char what[200];
        if (ar.what[0] == 'm')
            snprintf(what, sizeof what, "in the script's top level");
        else if (from_c && lp->what && lp->mode == LP_CTX && !lp->loading)
            snprintf(what, sizeof what, "in %s", lp->what);
        else if (ar.name)
            snprintf(what, sizeof what, "in %s '%s'",
                     strcmp(ar.namewhat, "local") == 0 || strcmp(ar.namewhat, "upvalue") == 0
                         ? "local function"
                     : strcmp(ar.namewhat, "method") == 0 ? "method"
                                                          : "function",
                     ar.name);
        else
            snprintf(what, sizeof what, "in the function at line %d%s", ar.linedefined,
                     ar.istailcall ? " (reached by a tail call)" : "");
        int w = snprintf(lp->trace + n, sizeof lp->trace - n, "%s%s:%d: %s", n ? "\n" : "", ar.short_src,
                         ar.currentline, what);
        n = w < 0 || (size_t)w >= sizeof lp->trace - n ? sizeof lp->trace - 1 : n + (size_t)w;
    }
}

/* The message handler: make every error a string that starts with
 * "script:line:", never calling the error object's metamethods; keep the
 * script's frames; add a hint when Lua's message names a missing name. */
static int sb_msgh(lua_State *L)
{
    lp_state *lp = lp_of(L);
    const char *msg;
    int t = lua_type(L, 1);
    if (t == LUA_TSTRING || t == LUA_TNUMBER)
        msg = lua_tostring(L, 1);
    else
        msg = lua_pushfstring(L, "(error object is a %s value)", lua_typename(L, t));
    keep_trace(L, lp);
    if (push_hint(L, lp, msg))
        msg = lua_pushfstring(L, "%s (%s)", msg, lua_tostring(L, -1));
    int line;
    const char *rest;
    if (lp_locate(lp, msg, &line, &rest) >= 0) {
        lua_pushstring(L, msg);
        return 1;
    }
    lua_Debug ar;
    for (int lv = 1; lua_getstack(L, lv, &ar); lv++) {
        if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
            size_t sl = strlen(ar.short_src);
            if (strncmp(msg, ar.short_src, sl) == 0 && msg[sl] == ':')
                lua_pushstring(L, msg);
            else
                lua_pushfstring(L, "%s:%d: %s", ar.short_src, ar.currentline, msg);
            return 1;
        }
    }
    lua_pushstring(L, msg);
    return 1;
}

/* print, under kigen_opts.lua_print (--debug-lua): one line to the host,
 * with where it was printed. A print at a script's top level runs once,
 * when the rule set loads (not again in every context). */
static int sb_print(lua_State *L)
{
    lp_state *lp = lp_of(L);
    if (!lp->print_fn || (lp->mode == LP_CTX && lp->loading))
        return 0;
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_Debug ar;
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar) && ar.currentline > 0)
        lua_pushfstring(L, "%s:%d", ar.short_src, ar.currentline);
    else
        lua_pushliteral(L, "?");
    luaL_addvalue(&b);
    char rec[64 * 4 + 60] = "", idb[64 * 4 + 1];
    if (lp->mode == LP_CTX && lp->c && kg_ctx_record(lp->c) > 0) {
        const char *raw = kg_ctx_record_id(lp->c);
        const char *id = (kg_escape_line(idb, sizeof idb, raw, strlen(raw)), idb);
        snprintf(rec, sizeof rec, ", record %ld%s%s", kg_ctx_record(lp->c), id[0] ? ", id " : "", id);
    }
    lua_pushfstring(L, " (%s%s): ", lp->what ? lp->what : "the script's top level", rec);
    luaL_addvalue(&b);
    for (int i = 1; i <= n; i++) {
        if (i > 1)
            luaL_addstring(&b, "  "); /* not Lua's tab: stderr's lines escape control characters */
        push_stable_string(L, i);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    size_t len;
    const char *text = lua_tolstring(L, -1, &len);
    lp_charge(L, (double)len / 16);
    lp->print_fn(lp->print_ud, text);
    return 0;
}

int lp_call(lp_state *lp, lua_CFunction f, void *ud, int fnref, bool budget)
{
    lua_State *L = lp->L;
    int base = lua_gettop(L);
    /* Nothing pushed here allocates: the registry's array part holds the
     * handler, C functions without upvalues and light userdata are
     * immediate values. */
    lua_rawgeti(L, LUA_REGISTRYINDEX, lp->errfn_ref);
    lua_pushcfunction(L, f);
    lua_pushlightuserdata(L, ud);
    lp->code = NULL;
    lp->mem_hit = false;
    lp->exhausted = false;
    lp->why = 0;
    long allowance = lp->insn_limit;
    if (budget) {
        lp->rec_capped = lp->mode == LP_CTX && lp->rec_left < allowance;
        if (lp->rec_capped)
            allowance = lp->rec_left > 0 ? lp->rec_left : 0;
        lp->insn_left = allowance;
        lp->t0_ns = now_ns();
        lp->in_call = true;
        if (allowance == 0) {
            exhaust(lp, 3); /* the first instruction raises */
        } else {
            lp->insn_step = allowance < LP_STEP ? (int)allowance : LP_STEP;
            set_hook(lp, lp->insn_step);
        }
    }
    int st = lua_pcall(L, 1, 0, base + 1);
    if (budget) {
        lp->in_call = false;
        set_hook(lp, 0);
        /* what the hook counted (to within one step) and C work charged;
         * a call stopped by the clock spends the record's whole budget, so
         * that sixteen slow calls cannot each take their two seconds */
        long used = allowance - (lp->insn_left > 0 ? lp->insn_left : 0);
        if (lp->mode == LP_CTX)
            lp->rec_left = lp->why == 2 ? 0 : lp->rec_left > used ? lp->rec_left - used : 0;
    }
    if (st == LUA_OK) {
        lua_settop(L, base);
        return 0;
    }
    if (st == LUA_ERRMEM) {
        /* No message handler runs for memory errors: place it at the
         * function being called. */
        const char *src = "?";
        int line = 0;
        lua_Debug ar;
        if (fnref != LUA_NOREF && fnref != LUA_REFNIL) {
            lua_rawgeti(L, LUA_REGISTRYINDEX, fnref);
            if (lua_getinfo(L, ">S", &ar)) {
                src = ar.short_src;
                line = ar.linedefined;
            }
        } else if (lp->nrunning > 0) {
            src = lp->files[lp->running[lp->nrunning - 1]].display;
            line = 1;
        }
        if (lp->mem_hit) {
            lp->code = "E0407";
            snprintf(lp->err, sizeof lp->err, "%s:%d: memory limit of %zu bytes exceeded in %s", src, line,
                     lp->mem_limit, lp->what ? lp->what : "a policy script");
        } else {
            lp->code = "E0409";
            snprintf(lp->err, sizeof lp->err, "%s:%d: out of memory in %s", src, line,
                     lp->what ? lp->what : "a policy script");
        }
    } else {
        size_t n = 0;
        const char *m = lua_tolstring(L, -1, &n);
        if (!m)
            m = "error in a policy script", n = strlen(m);
        if (n < sizeof lp->err) {
            memcpy(lp->err, m, n + 1);
        } else {
            /* cut between characters, and say so */
            static const char cut[] = " [... message cut]";
            size_t k = sizeof lp->err - sizeof cut;
            while (k > 0 && ((unsigned char)m[k] & 0xC0) == 0x80)
                k--;
            memcpy(lp->err, m, k);
            memcpy(lp->err + k, cut, sizeof cut);
        }
    }
    lua_settop(L, base);
    /* Start the next call clean: give back what the failed one held. */
    lua_gc(L, LUA_GCCOLLECT, 0);
    lp->exhausted = false;
    lp->mem_hit = false;
    return -1;
}

/* ---- read-only proxies --------------------------------------------------- */

static void push_stable_string(lua_State *L, int idx);

/* The key in a message: named as tostring names it (no address). */
static const char *key_text(lua_State *L, int idx)
{
    push_stable_string(L, idx);
    return lua_tostring(L, -1);
}

static int ro_newindex(lua_State *L)
{
    return luaL_error(L, "%s is read-only in policy scripts (cannot set '%s')",
                      lua_tostring(L, lua_upvalueindex(1)), key_text(L, 2));
}

static int proxy_next(lua_State *L)
{
    lua_settop(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 2);
    if (lua_next(L, -2))
        return 2;
    return 0;
}

static int proxy_pairs(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushcclosure(L, proxy_next, 1);
    lua_pushnil(L);
    lua_pushnil(L);
    return 3;
}

static bool push_left_out(lua_State *L, const char *lib, const char *name);

/* Reading a library's field: the field, or for a name the library does
 * not have an error that says why (left out on purpose) or what is close
 * (kigen.add_day -> kigen.add_days) — never a silent nil that fails later
 * as "attempt to call a nil value". Upvalues: the private table, the
 * library's name. */
static int proxy_index(lua_State *L)
{
    /* the __index of the private table: called only for a name it does
     * not have (a library's names are found without calling C) */
    if (lua_type(L, 2) != LUA_TSTRING) {
        lua_pushnil(L);
        return 1;
    }
    const char *lib = lua_tostring(L, lua_upvalueindex(2)), *key = lua_tostring(L, 2);
    if (push_left_out(L, lib, key))
        return lua_error(L);
    const char *names[256];
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, lua_upvalueindex(1)) && n < 256) {
        if (lua_type(L, -2) == LUA_TSTRING)
            names[n++] = lua_tostring(L, -2); /* the keys stay in the table */
        lua_pop(L, 1);
    }
    const char *close = kg_closest(key, names, n);
    if (close)
        return luaL_error(L, "%s.%s does not exist (did you mean %s.%s?)", lib, key, lib, close);
    return luaL_error(L, "%s.%s does not exist in policy scripts (docs/lua.md lists the library)", lib, key);
}

/* Replace the table on top of the stack by a read-only proxy of it. */
static void make_proxy(lua_State *L, const char *name)
{
    int t = lua_gettop(L);
    /* the private table answers a name it lacks with an error (proxy_index) */
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, t);
    lua_pushstring(L, name);
    lua_pushcclosure(L, proxy_index, 2);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, t);
    lua_newtable(L);          /* proxy */
    lua_createtable(L, 0, 4); /* its metatable */
    lua_pushvalue(L, t);
    lua_setfield(L, -2, "__index");
    lua_pushstring(L, name);
    lua_pushcclosure(L, ro_newindex, 1);
    lua_setfield(L, -2, "__newindex");
    lua_pushvalue(L, t);
    lua_pushcclosure(L, proxy_pairs, 1);
    lua_setfield(L, -2, "__pairs");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_replace(L, t);
}

/* ---- base functions we provide ourselves ------------------------------- */

static int sb_setmetatable(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    int t = lua_type(L, 2);
    luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
    lua_pushliteral(L, "__gc");
    if (t == LUA_TTABLE && lua_rawget(L, 2) != LUA_TNIL)
        return luaL_error(L, "setmetatable: __gc metamethods are not available to policy scripts");
    lua_settop(L, 2);
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
        return luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

static int sb_getmetatable(lua_State *L)
{
    luaL_checkany(L, 1);
    if (lua_type(L, 1) != LUA_TTABLE || !lua_getmetatable(L, 1)) {
        lua_pushnil(L);
        return 1;
    }
    luaL_getmetafield(L, 1, "__metatable");
    return 1;
}

static int sb_collectgarbage(lua_State *L)
{
    const char *opt = luaL_optstring(L, 1, "collect");
    if (strcmp(opt, "count") != 0)
        return luaL_error(L, "collectgarbage('%s') is not available to policy scripts (only 'count')", opt);
    int k = lua_gc(L, LUA_GCCOUNT, 0), b = lua_gc(L, LUA_GCCOUNTB, 0);
    lua_pushnumber(L, (lua_Number)k + ((lua_Number)b / 1024));
    return 1;
}

/* tostring without addresses: where Lua would print "table: 0x55d0...", an
 * address that changes from run to run (ASLR), a script gets "table: 3",
 * numbered in the order this state first converted each object, so the
 * same records give the same outputs. The numbers live in a weak-keyed
 * registry table; its key 0 holds the last number given. */
static const char stable_names_key = 'n';

static void push_stable_string(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    int t = lua_type(L, idx);
    bool addressed = t == LUA_TTABLE || t == LUA_TFUNCTION || t == LUA_TUSERDATA || t == LUA_TTHREAD ||
                     t == LUA_TLIGHTUSERDATA;
    if (!addressed) {
        luaL_tolstring(L, idx, NULL);
        return;
    }
    if (luaL_getmetafield(L, idx, "__tostring") != LUA_TNIL) {
        lua_pop(L, 1);
        luaL_tolstring(L, idx, NULL); /* the object names itself */
        return;
    }
    int top = lua_gettop(L);
    const char *kind = lua_typename(L, t);
    if (luaL_getmetafield(L, idx, "__name") == LUA_TSTRING)
        kind = lua_tostring(L, -1); /* stays on the stack until the end */
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &stable_names_key) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_createtable(L, 0, 1);
        lua_pushliteral(L, "k");
        lua_setfield(L, -2, "__mode");
        lua_setmetatable(L, -2);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &stable_names_key);
    }
    int names = lua_gettop(L);
    lua_pushvalue(L, idx);
    lua_Integer n;
    if (lua_rawget(L, names) == LUA_TNUMBER) {
        n = lua_tointeger(L, -1);
    } else {
        lua_rawgeti(L, names, 0);
        n = lua_tointeger(L, -1) + 1;
        lua_pushinteger(L, n);
        lua_rawseti(L, names, 0);
        lua_pushvalue(L, idx);
        lua_pushinteger(L, n);
        lua_rawset(L, names);
    }
    lua_pushfstring(L, "%s: %I", kind, (LUAI_UACINT)n);
    lua_replace(L, top + 1);
    lua_settop(L, top + 1);
}

static int sb_tostring(lua_State *L)
{
    luaL_checkany(L, 1);
    push_stable_string(L, 1);
    return 1;
}

/* string.format: %p would print an address, and %s of a table would too
 * (through luaL_tolstring); the first is refused, the second gets the
 * stable name. Upvalue 1: the real string.format. */
static int sb_format(lua_State *L)
{
    size_t len;
    const char *f = luaL_checklstring(L, 1, &len);
    for (size_t i = 0; i + 1 < len; i++) {
        if (f[i] != '%')
            continue;
        size_t j = i + 1;
        while (j < len && strchr("-+ #0123456789.", f[j]))
            j++;
        if (j < len && f[j] == 'p')
            return luaL_error(L, "string.format: '%%p' prints a memory address, which changes from run "
                                 "to run; it is not available to policy scripts");
        i = j; /* "%%" included: j points at the second '%' */
    }
    int n = lua_gettop(L);
    for (int a = 2; a <= n; a++) {
        int t = lua_type(L, a);
        if (t == LUA_TTABLE || t == LUA_TFUNCTION || t == LUA_TUSERDATA || t == LUA_TTHREAD ||
            t == LUA_TLIGHTUSERDATA) {
            push_stable_string(L, a);
            lua_replace(L, a);
        }
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, 1);
    return 1;
}

static int sb_load(lua_State *L)
{
    lp_state *lp = lp_of(L);
    size_t len;
    if (lua_type(L, 1) != LUA_TSTRING)
        return luaL_error(L, "load: policy scripts can load chunks given as strings only");
    const char *s = lua_tolstring(L, 1, &len);
    const char *name = luaL_optstring(L, 2, "=(load)");
    /* A chunk loaded from a string is never a file: a name "@x.lua" would
     * make its lines count as that script's (coverage, tracebacks). */
    if (name[0] == '@')
        name = lua_pushfstring(L, "=%s", name + 1);
    const char *mode = luaL_optstring(L, 3, "t");
    if (strcmp(mode, "t") != 0)
        return luaL_error(L, "load: policy scripts can load text chunks only (mode 't'), not mode '%s'",
                          mode);
    int env = !lua_isnone(L, 4) ? 4 : 0;
    if (luaL_loadbufferx(L, s, len, name, "t") != LUA_OK) {
        lua_pushnil(L);
        lua_insert(L, -2);
        return 2;
    }
    if (env)
        lua_pushvalue(L, env);
    else
        lua_rawgeti(L, LUA_REGISTRYINDEX, lp->env_ref);
    if (!lua_setupvalue(L, -2, 1))
        lua_pop(L, 1);
    return 1;
}

/* xpcall with a guarded message handler. When the count hook raises the
 * budget error, Lua calls the message handler from inside the hook, where
 * hooks are off: a handler that loops would run with no budget and no time
 * limit. So once the budget is spent the script's handler is skipped and
 * the error goes on as it is; before that, the handler runs like any other
 * script code (hooks on, budgeted). */
static int sb_msgh_guard(lua_State *L)
{
    if (lp_of(L)->exhausted)
        return 1; /* the error object, unchanged */
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int sb_xpcall(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, sb_msgh_guard, 1);
    lua_replace(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1)); /* the real xpcall */
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    return lua_gettop(L);
}

static bool module_name_ok(const char *s)
{
    bool start = true;
    if (!*s || strlen(s) > 100)
        return false;
    for (; *s; s++) {
        char c = *s;
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        bool digit = c >= '0' && c <= '9';
        if (c == '.') {
            if (start)
                return false;
            start = true;
        } else if (alpha || (digit && !start)) {
            start = false;
        } else {
            return false;
        }
    }
    return !start;
}

bool lp_stubs_ok(const lp_state *lp, char *why, size_t n)
{
    int i = 0;
    for (const char *const *st = lp->stubs; st && st[0] && st[1]; st += 2, i++) {
        if (!module_name_ok(st[0])) {
            snprintf(why, n, "'%s' is not a module name (letters, digits and _, names joined by dots)",
                     st[0]);
            return false;
        }
        if (i >= 64 || !(lp->stubs_used & ((uint64_t)1 << i))) {
            const char *close = kg_closest(st[0], lp->required, (size_t)lp->nrequired);
            snprintf(why, n, "a stand-in is given for module '%s', but no policy script requires it%s%s%s",
                     st[0], close ? " (did you mean '" : "", close ? close : "", close ? "'?)" : "");
            return false;
        }
    }
    return true;
}

char *lp_read_script(kg_arena *a, const char *path, const char *root, const char **text, size_t *len,
                     char *why, size_t whylen)
{
    static const char *const lua_suffix[] = {".lua", NULL};
    FILE *f;
    char tmp[PATH_MAX + 200];
    kg_file_err fe = kg_file_open(path, lua_suffix, root, &f, NULL, tmp, sizeof tmp);
    if (fe != KG_FILE_OK) {
        snprintf(why, whylen, "%s%s", tmp, fe == KG_FILE_SUFFIX ? ", not a Lua file named *.lua" : "");
        return NULL;
    }
    kg_buf b;
    kg_buf_init(&b, &a->mem);
    kg_buf_put(&b, path, strlen(path) + 1);
    size_t head = b.len;
    char chunk[16384];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len - head <= LP_MAX_FILE)
        kg_buf_put(&b, chunk, got);
    bool bad = ferror(f) != 0;
    fclose(f);
    char *block = NULL;
    size_t n = b.len - head;
    if (bad || b.failed)
        snprintf(why, whylen, "read error");
    else if (n > LP_MAX_FILE)
        snprintf(why, whylen, "larger than %u MiB", (unsigned)(LP_MAX_FILE >> 20));
    else if (memchr(b.p + head, '\0', n))
        snprintf(why, whylen, "it contains a NUL byte: a policy script is Lua text");
    else if (n >= 4 && memcmp(b.p + head, "\x1bLua", 4) == 0)
        snprintf(why, whylen, "it is precompiled Lua: policy scripts must be text");
    else if ((block = kg_arena_strndup(a, b.p, b.len)) == NULL)
        snprintf(why, whylen, "out of memory");
    else {
        *text = block + head;
        *len = n;
    }
    kg_buf_free(&b);
    return block;
}

/* Run file idx's chunk (a script or a module) in the sandbox environment:
 * its value (true for none) is left on the stack and kept for require. */
static void run_chunk(lua_State *L, lp_state *lp, int idx)
{
    lp_file *f = &lp->files[idx];
    char chunk[70];
    snprintf(chunk, sizeof chunk, "@%s", f->display);
    int st = luaL_loadbufferx(L, f->text, f->len, chunk, "t");
    if (st != LUA_OK) {
        lp->code = st == LUA_ERRSYNTAX ? "E0401" : NULL;
        lua_error(L);
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, lp->env_ref);
    lua_setupvalue(L, -2, 1);
    f->state = 1;
    lp->running[lp->nrunning++] = idx;
    lp->code = NULL;
    lua_call(L, 0, 1);
    lp->nrunning--;
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    f = &lp->files[idx]; /* the array may have moved */
    f->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    f->state = 2;
}

/* The module beside `from` whose name is closest to `name` (for "did you
 * mean"), or NULL. Names of *.lua files in that directory. */
static const char *closest_module(lua_State *L, const char *from, const char *name)
{
    const char *slash = strrchr(from, '/');
    char dirname[PATH_MAX];
    snprintf(dirname, sizeof dirname, "%.*s", slash ? (int)(slash - from) : 1, slash ? from : ".");
    DIR *dir = opendir(dirname);
    if (!dir)
        return NULL;
    static _Thread_local char found[128][64]; /* nothing that can raise while the directory is open */
    const char *names[128];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL && n < 128) {
        size_t len = strlen(e->d_name);
        if (len > 4 && len - 4 < sizeof found[0] && strcmp(e->d_name + len - 4, ".lua") == 0) {
            memcpy(found[n], e->d_name, len - 4);
            found[n][len - 4] = '\0';
            names[n] = found[n];
            n++;
        }
    }
    closedir(dir);
    /* "days.lua": the file's name, not the module's */
    size_t nl = strlen(name);
    if (nl > 4 && strcmp(name + nl - 4, ".lua") == 0)
        for (size_t i = 0; i < n; i++)
            if (strlen(names[i]) == nl - 4 && strncmp(names[i], name, nl - 4) == 0)
                return lua_pushstring(L, names[i]);
    const char *close = kg_closest(name, names, n);
    if (close)
        return lua_pushstring(L, close);
    /* a module of that name one directory down: "sub.name" */
    if (!strchr(name, '.') && (dir = opendir(dirname)) != NULL) {
        static _Thread_local char sub[PATH_MAX + 128];
        const char *down = NULL;
        while (!down && (e = readdir(dir)) != NULL) {
            struct stat st;
            if (e->d_name[0] == '.' || strlen(e->d_name) > 100)
                continue;
            snprintf(sub, sizeof sub, "%s/%s/%s.lua", dirname, e->d_name, name);
            if (stat(sub, &st) == 0 && S_ISREG(st.st_mode)) {
                snprintf(sub, sizeof sub, "%s.%s", e->d_name, name);
                down = sub;
            }
        }
        closedir(dir);
        if (down)
            return lua_pushstring(L, down);
    }
    return NULL;
}

static int sb_require(lua_State *L)
{
    lp_state *lp = lp_of(L);
    const char *name = luaL_checkstring(L, 1);
    lp->code = "E0408";
    if (!lp->loading || lp->nrunning == 0)
        return luaL_error(L, "require is available only while the scripts load (at their top level)");
    if (!module_name_ok(name))
        return luaL_error(
            L, "require: '%s' is not a module name (names of letters, digits and _, joined by dots: a.b)",
            name);
    if (lp->nrunning >= LP_MAX_REQUIRE_DEPTH)
        return luaL_error(L, "require: modules nest deeper than %d", LP_MAX_REQUIRE_DEPTH);
    const char *from = lp->files[lp->running[lp->nrunning - 1]].path;
    const char *slash = strrchr(from, '/');
    const char *stub = NULL;
    for (const char *const *st = lp->stubs; st && st[0] && st[1] && !stub; st += 2)
        if (strcmp(st[0], name) == 0) {
            stub = st[1];
            if (st - lp->stubs < 128)
                lp->stubs_used |= (uint64_t)1 << ((st - lp->stubs) / 2);
        }
    if (lp->mode == LP_LOAD && lp->nrequired < LP_MAX_FILES) {
        bool seen = false;
        for (int i = 0; i < lp->nrequired && !seen; i++)
            seen = strcmp(lp->required[i], name) == 0;
        if (!seen)
            lp->required[lp->nrequired++] = kg_arena_strdup(lp->arena, name);
        if (lp->nrequired && !lp->required[lp->nrequired - 1])
            lp->nrequired--; /* out of memory: only the hint is lost */
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    if (stub) {
        luaL_addstring(&b, stub); /* a test's stand-in for the module */
    } else {
        if (slash) {
            luaL_addlstring(&b, from, (size_t)(slash - from));
            luaL_addchar(&b, '/');
        }
        for (const char *p = name; *p; p++)
            luaL_addchar(&b, *p == '.' ? '/' : *p);
        luaL_addstring(&b, ".lua");
    }
    luaL_pushresult(&b);
    const char *path = lua_tostring(L, -1);
    int idx = -1;
    for (int i = 0; i < lp->nfiles && idx < 0; i++)
        if (strcmp(lp->files[i].path, path) == 0)
            idx = i;
    if (idx < 0) {
        if (lp->mode != LP_LOAD)
            return luaL_error(L, "module '%s' (%s) was not loaded with the rule set", name, path);
        char why[PATH_MAX + 300];
        size_t len = 0;
        const char *text = NULL;
        char *block = lp_read_script(lp->arena, path, lp->loader ? lp->loader->rs->opts.include_root : NULL,
                                     &text, &len, why, sizeof why);
        if (!block) {
            if (stub)
                return luaL_error(L, "module '%s': its stub %s cannot be read: %s", name, path, why);
            const char *close = closest_module(L, from, name);
            return luaL_error(L,
                              "module '%s' not found: policy scripts can require only Lua files beside "
                              "them (%s: %s)%s%s%s",
                              name, path, why, close ? " (did you mean '" : "", close ? close : "",
                              close ? "'?)" : "");
        }
        if ((idx = lp_add_file(lp, block, text, len, true)) < 0)
            return luaL_error(L, "require: too many files or out of memory");
    }
    lp_file *f = &lp->files[idx];
    if (f->state == 2) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, f->ref);
        return 1;
    }
    if (f->state == 1)
        return luaL_error(L, "require cycle: module '%s' is already being loaded", name);
    run_chunk(L, lp, idx);
    return 1;
}

/* ---- string and table functions with bounded work ----------------------- */

enum {
    W_FIND,
    W_MATCH,
    W_GMATCH,
    W_GSUB,
    W_REP,
    W_MOVE,
    W_CONCAT,
    W_INSERT,
    W_REMOVE,
    W_SORT,
    W_UNPACK,
    W_SCAN
};

/* What a pattern match may cost, in character comparisons, before it runs
 * (the time limit cannot fire inside one C call, so the bound must come
 * first). Lua's matcher tries each start position (one, when anchored);
 * from each, a quantifier-free pattern compares up to its own length, and
 * every quantifier can backtrack over the whole subject. So the bound is
 * (n+1)^(quantifiers + starts) for the backtracking, times the pattern's
 * length for the comparisons at each step. */
static double pattern_work(size_t n, const char *p, size_t pl, bool can_anchor, int *quantifiers)
{
    int q = 0;
    size_t widest = 1; /* a character is compared with a whole class: the longest counts */
    bool anchored = can_anchor && pl > 0 && p[0] == '^';
    for (size_t i = 0; i < pl; i++) {
        char c = p[i];
        if (c == '%') {
            if (i + 1 < pl && p[i + 1] == 'b') {
                q++;
                i += 3;
            } else if (i + 1 < pl && p[i + 1] >= '1' && p[i + 1] <= '9') {
                q++; /* a backreference compares up to the whole subject */
                i++;
            } else {
                i++;
            }
        } else if (c == '[') {
            size_t from = i;
            i++;
            if (i < pl && p[i] == '^')
                i++;
            if (i < pl)
                i++; /* a ']' first is literal */
            while (i < pl && p[i] != ']') {
                if (p[i] == '%')
                    i++;
                i++;
            }
            if (i - from > widest)
                widest = i - from;
        } else if (c == '*' || c == '+' || c == '-' || c == '?') {
            q++;
        }
    }
    *quantifiers = q;
    double w = (double)widest;
    for (int k = 0; k < q + (anchored ? 0 : 1) && w <= LP_PATTERN_WORK; k++)
        w *= (double)n + 1;
    return w;
}

/* A plain find compares the needle at each position (memchr, then memcmp). */
static double plain_work(size_t n, size_t m)
{
    return m == 0 || m > n ? (double)n / 16 : ((double)n - (double)m + 1) * (double)m;
}

/* A table whose length a metamethod decides: the charge and the work would
 * each ask it (and get different answers), so the table functions refuse it. */
static void no_len_metamethod(lua_State *L, const char *fname)
{
    if (luaL_getmetafield(L, 1, "__len") != LUA_TNIL)
        luaL_error(L,
                   "%s: tables with a __len metamethod are not available to this function in policy scripts",
                   fname);
}

static lua_Integer opt_int(lua_State *L, int arg, lua_Integer def)
{
    return lua_isnoneornil(L, arg) ? def : luaL_checkinteger(L, arg);
}

static int sb_bounded(lua_State *L)
{
    int kind = (int)lua_tointeger(L, lua_upvalueindex(2));
    const char *fname = lua_tostring(L, lua_upvalueindex(3));
    double units = 0;
    switch (kind) {
    case W_FIND:
    case W_MATCH:
    case W_GMATCH:
    case W_GSUB: {
        size_t n, pl;
        luaL_checklstring(L, 1, &n);
        const char *p = luaL_checklstring(L, 2, &pl);
        int q = 0;
        bool plain = kind == W_FIND && lua_toboolean(L, 4);
        /* Backtracking: bounded by the subject alone (a pessimistic
         * estimate, so only refused, not charged). Comparisons: the subject
         * times the pattern, refused past the same bound and charged. */
        double backtrack = plain ? 0 : pattern_work(n, p, pl, kind != W_GMATCH, &q);
        double compare = plain ? plain_work(n, pl) : (double)(n + 1) * ((double)pl + 1);
        if ((q > 0 && backtrack > LP_PATTERN_WORK) || compare > LP_PATTERN_WORK * 10) {
            char shown[48];
            snprintf(shown, sizeof shown, "%.*s%s", (int)(pl > 40 ? 40 : pl), p, pl > 40 ? "..." : "");
            return luaL_error(L,
                              "%s: %s '%s' is too costly on a subject of %d bytes (policy scripts "
                              "bound the work one call may do: %s)",
                              fname, plain ? "needle" : "pattern", shown, (int)n,
                              plain ? "use a shorter needle or subject"
                                    : "use plain find, fewer quantifiers or a shorter subject");
        }
        units = compare / 16 + (double)pl;
        break;
    }
    case W_SCAN: {
        /* one pass over the subject (upper, byte, utf8.len ...): cheap per
         * byte, but a loop of such calls on a long string is seconds of C
         * between two count hooks; charging it also looks at the clock */
        size_t n = 0;
        if (lua_type(L, 1) == LUA_TSTRING)
            lua_tolstring(L, 1, &n);
        units = (double)n / 16;
        break;
    }
    case W_REP: {
        size_t l, ls = 0;
        luaL_checklstring(L, 1, &l);
        lua_Integer n = luaL_checkinteger(L, 2);
        if (!lua_isnoneornil(L, 3))
            luaL_checklstring(L, 3, &ls);
        /* the copy is charged through the allocation; what is left is the
         * loop, which runs n times even when nothing is copied */
        units = n > 0 ? (double)n / LP_ALLOC_UNIT : 0;
        break;
    }
    case W_MOVE: {
        lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3);
        units = e >= f ? (double)e - (double)f + 1 : 0;
        break;
    }
    case W_CONCAT:
    case W_UNPACK: {
        if (kind == W_CONCAT)
            luaL_checktype(L, 1, LUA_TTABLE);
        no_len_metamethod(L, fname);
        lua_Integer i = opt_int(L, kind == W_CONCAT ? 3 : 2, 1);
        lua_Integer j = lua_isnoneornil(L, kind == W_CONCAT ? 4 : 3)
                            ? luaL_len(L, 1)
                            : luaL_checkinteger(L, kind == W_CONCAT ? 4 : 3);
        units = j >= i ? (double)j - (double)i + 1 : 0;
        break;
    }
    case W_INSERT:
    case W_REMOVE:
        luaL_checktype(L, 1, LUA_TTABLE);
        no_len_metamethod(L, fname);
        units = (double)lua_rawlen(L, 1);
        break;
    case W_SORT: {
        luaL_checktype(L, 1, LUA_TTABLE);
        no_len_metamethod(L, fname);
        /* n log n comparisons, each as long as the longest string compared
         * (without a comparator, strings compare byte by byte) */
        lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
        size_t longest = 0;
        for (lua_Integer i = 1; i <= n && lua_isnoneornil(L, 2); i++) {
            if (lua_rawgeti(L, 1, i) == LUA_TSTRING && lua_rawlen(L, -1) > longest)
                longest = lua_rawlen(L, -1);
            lua_pop(L, 1);
        }
        double cmp = n > 1 ? (double)n * log2((double)n) : 1;
        units = (double)n + cmp * (1 + (double)longest / 16);
        break;
    }
    default: break;
    }
    lp_charge(L, units);
    int nargs = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, nargs, LUA_MULTRET);
    return lua_gettop(L);
}

/* Wrap field `name` of the table on top of the stack. */
static void bound(lua_State *L, const char *lib, const char *name, int kind)
{
    lua_getfield(L, -1, name);
    lua_pushinteger(L, kind);
    lua_pushfstring(L, "%s.%s", lib, name);
    lua_pushcclosure(L, sb_bounded, 3);
    lua_setfield(L, -2, name);
}

/* ---- the environment ------------------------------------------------------- */

static void copy_fields(lua_State *L, int from, int to, const char *const *names)
{
    for (; *names; names++) {
        lua_getfield(L, from, *names);
        lua_setfield(L, to, *names);
    }
}

/* Empty the table at idx (raw: no metamethod runs). */
static void clear_table(lua_State *L, int idx)
{
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_pushnil(L);
        lua_rawset(L, idx);
    }
}

static int sb_setup(lua_State *L)
{
    lp_state *lp = lp_of(L);
    static const char *const base_ok[] = {"assert", "error",  "ipairs",   "next", "pairs",
                                          "pcall",  "select", "tonumber", "type", "rawequal",
                                          "rawget", "rawlen", "_VERSION", NULL};
    static const char *const math_ok[] = {"abs",        "ceil", "floor", "fmod", "huge", "maxinteger",
                                          "mininteger", "max",  "min",   "modf", "pi",   "sqrt",
                                          "tointeger",  "type", "ult",   "exp",  "log",  "sin",
                                          "cos",        "tan",  "asin",  "acos", "atan", NULL};

    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS); /* 1: the real globals */
    luaL_requiref(L, "_G", luaopen_base, 0);
    lua_pop(L, 1);
    luaL_requiref(L, "string", luaopen_string, 0); /* 2 */
    luaL_requiref(L, "table", luaopen_table, 0);   /* 3 */
    luaL_requiref(L, "math", luaopen_math, 0);     /* 4 */
    luaL_requiref(L, "utf8", luaopen_utf8, 0);     /* 5 */
    luaL_requiref(L, "os", luaopen_os, 0);         /* 6 */
    lua_newtable(L);                               /* 7: env */
    int env = 7;
    copy_fields(L, 1, env, base_ok);
    lua_getfield(L, 1, "xpcall");
    lua_pushcclosure(L, sb_xpcall, 1);
    lua_setfield(L, env, "xpcall");
    /* base functions that scripts get in our own, narrower form */
    static const luaL_Reg own_base[] = {
        {"setmetatable", sb_setmetatable},
        {"getmetatable", sb_getmetatable},
        {"collectgarbage", sb_collectgarbage},
        {"tostring", sb_tostring},
        {"load", sb_load},
        {"require", sb_require},
        {NULL, NULL},
    };
    lua_pushvalue(L, env);
    luaL_setfuncs(L, own_base, 0);
    lua_pop(L, 1);
    if (lp->print_fn) {
        lua_pushcfunction(L, sb_print);
        lua_setfield(L, env, "print");
    }
    lua_pushvalue(L, env);
    lua_setfield(L, env, "_G");

    /* string: the library table itself stays private (it is the string
     * metatable's __index); scripts get a read-only proxy. */
    lua_pushvalue(L, 2);
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    bound(L, "string", "find", W_FIND);
    bound(L, "string", "match", W_MATCH);
    bound(L, "string", "gmatch", W_GMATCH);
    bound(L, "string", "gsub", W_GSUB);
    bound(L, "string", "rep", W_REP);
    static const char *const scans[] = {"byte", "upper", "lower", "reverse", NULL};
    for (const char *const *f = scans; *f; f++)
        bound(L, "string", *f, W_SCAN);
    lua_getfield(L, -1, "format");
    lua_pushcclosure(L, sb_format, 1);
    lua_setfield(L, -2, "format");
    make_proxy(L, "string");
    lua_setfield(L, env, "string");
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1)) {
        lua_pushvalue(L, 2);
        lua_setfield(L, -2, "__index");
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, "__metatable");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);

    lua_pushvalue(L, 3);
    bound(L, "table", "move", W_MOVE);
    bound(L, "table", "concat", W_CONCAT);
    bound(L, "table", "insert", W_INSERT);
    bound(L, "table", "remove", W_REMOVE);
    bound(L, "table", "sort", W_SORT);
    bound(L, "table", "unpack", W_UNPACK);
    make_proxy(L, "table");
    lua_setfield(L, env, "table");

    lua_newtable(L);
    copy_fields(L, 4, lua_gettop(L), math_ok);
    make_proxy(L, "math");
    lua_setfield(L, env, "math");

    lua_pushvalue(L, 5);
    static const char *const utf8_scans[] = {"len", "codepoint", "offset", NULL};
    for (const char *const *f = utf8_scans; *f; f++)
        bound(L, "utf8", *f, W_SCAN);
    make_proxy(L, "utf8");
    lua_setfield(L, env, "utf8");

    /* os: the run's clock only (os.clock, CPU time, differs every run) */
    lua_newtable(L);
    lua_pushcfunction(L, lp_os_time);
    lua_setfield(L, -2, "time");
    lua_pushcfunction(L, lp_os_date);
    lua_setfield(L, -2, "date");
    make_proxy(L, "os");
    lua_setfield(L, env, "os");

    lua_newtable(L);
    luaL_setfuncs(L, lp_kigen_funcs, 0);
    lua_pushstring(L, kigen_version());
    lua_setfield(L, -2, "version");
    make_proxy(L, "kigen");
    lua_setfield(L, env, "kigen");

    /* Whatever still defaults to "the globals" gets the sandbox. */
    lua_pushvalue(L, env);
    lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    /* Clear the real global table, so that nothing reaches it by accident. */
    clear_table(L, 1);
    lua_pushvalue(L, env);
    lp->env_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushcfunction(L, sb_msgh);
    lp->errfn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

static int frozen_newindex(lua_State *L)
{
    return luaL_error(L,
                      "cannot set global '%s': globals are read-only once the scripts have loaded "
                      "(use a local variable)",
                      key_text(L, 2));
}

static int sb_freeze(lua_State *L)
{
    lp_state *lp = lp_of(L);
    lua_settop(L, 0);
    lua_rawgeti(L, LUA_REGISTRYINDEX, lp->env_ref); /* 1: env */
    lua_newtable(L);                                /* 2: backing */
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, 2);
    }
    clear_table(L, 1);
    lua_createtable(L, 0, 4);
    lua_pushvalue(L, 2);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, frozen_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, proxy_pairs, 1);
    lua_setfield(L, -2, "__pairs");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, 1);
    return 0;
}

void lp_freeze_env(lp_state *lp)
{
    if (lp_call(lp, sb_freeze, NULL, LUA_NOREF, false) != 0)
        lp->code = "E0409";
}

/* ---- states and files ------------------------------------------------------ */

lp_state *lp_new(lp_mode mode, const kg_mem *mem, const kigen_opts *opts, const char **why)
{
    lp_state *lp = kg_mem_alloc(mem, sizeof *lp);
    *why = "out of memory";
    if (!lp)
        return NULL;
    memset(lp, 0, sizeof *lp);
    lp->mode = mode;
    lp->mem = *mem;
    lp->insn_limit =
        opts && opts->lua_instruction_limit > 0 ? opts->lua_instruction_limit : LP_DEFAULT_INSTRUCTIONS;
    lp->mem_limit = opts && opts->lua_memory_limit > 0 ? opts->lua_memory_limit : LP_DEFAULT_MEMORY;
    lp_record_begin(lp);
    lp->cur_hook = -1;
    lp->cov_last = -1;
    if (opts) {
        lp->print_fn = opts->lua_print;
        lp->print_ud = opts->lua_print_ud;
        lp->stubs = opts->lua_stubs;
    }
    lp->env_ref = lp->rec_ref = lp->recmt_ref = lp->pending_ref = lp->notes_ref = LUA_NOREF;
    kg_buf_init(&lp->digest, mem);
    kg_arena_init(&lp->tmp, mem);
    lp->arena = &lp->tmp;
    lp->L = lua_newstate(lp_alloc, lp);
    if (!lp->L) {
        *why = "cannot create a Lua state within the memory limit";
        lp_free(lp);
        return NULL;
    }
    *(lp_state **)lua_getextraspace(lp->L) = lp;
    /* The handler does not exist yet: set up without lp_call. */
    lua_pushcfunction(lp->L, sb_setup);
    if (lua_pcall(lp->L, 0, 0, 0) != LUA_OK) {
        *why = "cannot create the sandbox within the memory limit";
        lp_free(lp);
        return NULL;
    }
    return lp;
}

void lp_free(lp_state *lp)
{
    if (!lp)
        return;
    if (lp->L)
        lua_close(lp->L);
    for (int i = 0; i < lp->nhooks; i++) {
        lp_hook *h = &lp->hooks[i];
        kg_mem_free(&lp->mem, h->out_slots, sizeof(int) * (size_t)(h->nout ? h->nout : 1));
    }
    kg_mem_free(&lp->mem, lp->hooks, sizeof(lp_hook) * (size_t)lp->caphooks);
    kg_mem_free(&lp->mem, lp->fnrefs, sizeof(int) * (size_t)lp->capfnrefs);
    kg_mem_free(&lp->mem, lp->files, sizeof(lp_file) * (size_t)lp->capfiles);
    kg_vec_free(&lp->fns, &lp->mem);
    kg_buf_free(&lp->digest);
    kg_arena_free(&lp->tmp);
    kg_mem mem = lp->mem;
    kg_mem_free(&mem, lp, sizeof *lp);
}

/* "a/b/../c/./d.lua" -> "a/c/d.lua" (for messages only). */
char *lp_normalise(kg_arena *a, const char *path)
{
    size_t cap = strlen(path) + 2; /* the result is never longer, but for "." */
    char *out = kg_arena_alloc(a, cap);
    if (out)
        kg_path_normalise(out, cap, path);
    return out;
}

int lp_add_file(lp_state *lp, const char *path, const char *text, size_t len, bool module)
{
    if (lp->nfiles >= LP_MAX_FILES)
        return -1;
    if (lp->nfiles == lp->capfiles) {
        int cap = lp->capfiles ? lp->capfiles * 2 : 8;
        lp_file *f = kg_mem_realloc(&lp->mem, lp->files, sizeof(lp_file) * (size_t)lp->capfiles,
                                    sizeof(lp_file) * (size_t)cap);
        if (!f)
            return -1;
        lp->files = f;
        lp->capfiles = cap;
    }
    lp_file *f = &lp->files[lp->nfiles];
    memset(f, 0, sizeof *f);
    f->path = path;
    f->text = text;
    f->len = len;
    f->module = module;
    f->ref = LUA_NOREF;
    f->name = lp_normalise(lp->arena, path);
    if (!f->name)
        return -1;
    /* Lua shows at most 59 bytes of a chunk name: the whole name when it
     * fits, else ".../" and as many of its last components as fit. Files
     * are found by this name (messages, tracebacks, the line hook), so two
     * must never share one: a later file that would is numbered. */
    size_t nl = strlen(f->name);
    if (nl <= 59) {
        snprintf(f->display, sizeof f->display, "%s", f->name);
    } else {
        const char *tail = f->name + nl - 55, *sl = strchr(tail, '/');
        while (!sl && ((unsigned char)*tail & 0xC0) == 0x80)
            tail++; /* between characters */
        snprintf(f->display, sizeof f->display, ".../%.55s", sl ? sl + 1 : tail);
    }
    char want[64];
    memcpy(want, f->display, sizeof want);
    for (int k = 2, same = 1; same; k++) {
        same = 0;
        for (int i = 0; i < lp->nfiles && !same; i++)
            same = strcmp(lp->files[i].display, f->display) == 0;
        if (same) {
            char num[16];
            int nn = snprintf(num, sizeof num, "(%d)", k);
            size_t room = 59 - (size_t)nn, wl = strlen(want), from = wl > room ? wl - room : 0;
            while (from < wl && ((unsigned char)want[from] & 0xC0) == 0x80)
                from++; /* between characters */
            memcpy(f->display, num, (size_t)nn);
            memcpy(f->display + nn, want + from, wl - from + 1);
        }
    }
    if (lp->mode == LP_LOAD) {
        kg_srcfile *s = kg_arena_alloc(lp->arena, sizeof *s);
        if (!s)
            return -1;
        s->name = f->name;
        s->text = text;
        s->len = len;
        if (!kg_srcfile_index(s, lp->arena))
            return -1;
        f->src = s;
    }
    return lp->nfiles++;
}

static int sb_run_file(lua_State *L)
{
    lp_state *lp = lp_of(L);
    int idx = *(int *)lua_touserdata(L, 1);
    lp->loading = true;
    run_chunk(L, lp, idx);
    lua_pop(L, 1);
    lp->loading = lp->nrunning > 0;
    return 0;
}

int lp_run_file(lp_state *lp, int idx)
{
    int i = idx;
    lp->what = "the script's top level";
    lp->nrunning = 0;
    int rc = lp_call(lp, sb_run_file, &i, LUA_NOREF, true);
    if (rc != 0) {
        if (!lp->code)
            lp->code = "E0402";
        for (int k = 0; k < lp->nfiles; k++)
            if (lp->files[k].state == 1)
                lp->files[k].state = 0;
    }
    lp->nrunning = 0;
    lp->loading = false;
    lp->what = NULL;
    return rc;
}
