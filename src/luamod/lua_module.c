/* kigen as a Lua 5.4 module: `local kigen = require "kigen"` from the stock
 * interpreter (built by cmake/lua_module.cmake as ${build}/lua/kigen.so).
 *
 *   kigen.version                       "MAJOR.MINOR.PATCH"
 *   kigen.load(path [, opts])           ruleset, warnings | nil, errors
 *       opts: {strict = bool, lua_instruction_limit = n, lua_memory_limit = n}
 *       errors/warnings: lists of {severity, code, file, line, column,
 *       message, expected, hint, text}
 *   rs:eval{fact = value, ..., params = {...}, today = "YYYY-MM-DD"}
 *                                       outputs | nil, message
 *       values: strings (dates in ISO or era form), integers, booleans;
 *       outputs: dates as ISO strings, absent as nil
 *   rs:explain(facts [, name])          text [, message when the record failed]
 *   rs:outputs(), rs:facts()            lists of names
 *   rs:name()                           the rule set's name
 *   rs:close()                          (also __close and __gc)
 *
 * Only the public API of include/kigen.h is used. This file is compiled
 * into the module only (cmake/lua_module.cmake). */

#include <lauxlib.h>
#include <lua.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kigen.h"

#define RS_META "kigen.ruleset"

__attribute__((visibility("default"))) int luaopen_kigen(lua_State *L);

typedef struct lm_rs {
    kigen_ruleset *rs;
    kigen_ctx *ctx;
    char **params; /* overridden on the context by the last call */
    int nparams, capparams;
    char err[300];
} lm_rs;

static lm_rs *check_rs(lua_State *L)
{
    lm_rs *u = luaL_checkudata(L, 1, RS_META);
    if (!u->rs)
        luaL_error(L, "kigen: the rule set is closed");
    return u;
}

static void push_diag(lua_State *L, const kigen_diag *g)
{
    lua_createtable(L, 0, 9);
    lua_pushstring(L, g->severity == KIGEN_SEV_ERROR ? "error" : "warning");
    lua_setfield(L, -2, "severity");
    lua_pushstring(L, g->code);
    lua_setfield(L, -2, "code");
    if (g->file) {
        lua_pushstring(L, g->file);
        lua_setfield(L, -2, "file");
    }
    lua_pushinteger(L, g->line);
    lua_setfield(L, -2, "line");
    lua_pushinteger(L, g->column);
    lua_setfield(L, -2, "column");
    lua_pushstring(L, g->message);
    lua_setfield(L, -2, "message");
    if (g->expected) {
        lua_pushstring(L, g->expected);
        lua_setfield(L, -2, "expected");
    }
    if (g->hint) {
        lua_pushstring(L, g->hint);
        lua_setfield(L, -2, "hint");
    }
    const char *sev = g->severity == KIGEN_SEV_ERROR ? "error" : "warning";
    if (g->file && g->line > 0)
        lua_pushfstring(L, "%s:%d:%d: %s[%s]: %s", g->file, g->line, g->column, sev, g->code, g->message);
    else if (g->file)
        lua_pushfstring(L, "%s: %s[%s]: %s", g->file, sev, g->code, g->message);
    else
        lua_pushfstring(L, "%s[%s]: %s", sev, g->code, g->message);
    lua_setfield(L, -2, "text");
}

static lua_Integer opt_int_field(lua_State *L, int t, const char *k)
{
    lua_getfield(L, t, k);
    lua_Integer v = luaL_opt(L, luaL_checkinteger, -1, 0);
    if (v < 0)
        luaL_error(L, "kigen.load: %s must not be negative", k);
    lua_pop(L, 1);
    return v;
}

static int l_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    kigen_opts o = KIGEN_OPTS_INIT;
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        static const char *const keys[] = {"strict", "lua_instruction_limit", "lua_memory_limit"};
        lua_pushnil(L);
        while (lua_next(L, 2)) {
            lua_pop(L, 1);
            bool ok = false;
            for (int i = 0; i < 3 && !ok; i++)
                ok = lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), keys[i]) == 0;
            if (!ok)
                return luaL_error(
                    L, "kigen.load: unknown option '%s' (strict, lua_instruction_limit, lua_memory_limit)",
                    lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : luaL_typename(L, -1));
        }
        lua_getfield(L, 2, "strict");
        o.strict = lua_toboolean(L, -1);
        lua_pop(L, 1);
        o.lua_instruction_limit = (long)opt_int_field(L, 2, "lua_instruction_limit");
        o.lua_memory_limit = (size_t)opt_int_field(L, 2, "lua_memory_limit");
    }
    /* The userdata first, so that nothing leaks if Lua runs out of memory. */
    lm_rs *u = lua_newuserdatauv(L, sizeof *u, 0);
    memset(u, 0, sizeof *u);
    luaL_setmetatable(L, RS_META);
    kigen_diags *d = NULL;
    int rc = kigen_load_file(path, &o, &u->rs, &d);
    lua_createtable(L, (int)kigen_diags_count(d), 0);
    for (size_t i = 0; i < kigen_diags_count(d); i++) {
        push_diag(L, kigen_diags_get(d, i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    kigen_diags_free(d);
    if (rc != KIGEN_OK) {
        if (lua_rawlen(L, -1) == 0) {
            kigen_diag g;
            memset(&g, 0, sizeof g);
            g.code = "E0300";
            g.file = path;
            g.message = kigen_status_str(rc);
            push_diag(L, &g);
            lua_rawseti(L, -2, 1);
        }
        lua_pushnil(L);
        lua_insert(L, -2);
        return 2;
    }
    return 2;
}

static void clear_params(lm_rs *u)
{
    for (int i = 0; i < u->nparams; i++) {
        if (u->ctx)
            (void)kigen_set_param(u->ctx, u->params[i], NULL);
        free(u->params[i]);
    }
    u->nparams = 0;
}

static void ensure_ctx(lua_State *L, lm_rs *u)
{
    if (u->ctx)
        return;
    int rc = kigen_ctx_new(u->rs, &u->ctx);
    if (rc != KIGEN_OK) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s", u->ctx ? kigen_errmsg(u->ctx) : kigen_status_str(rc));
        kigen_ctx_free(u->ctx);
        u->ctx = NULL;
        luaL_error(L, "kigen: cannot create a context: %s", msg);
    }
}

/* Text for a fact or param value. */
static const char *value_text(lua_State *L, int idx, const char *what, const char *name, char *buf, size_t n)
{
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: return lua_tostring(L, idx);
    case LUA_TBOOLEAN: return lua_toboolean(L, idx) ? "true" : "false";
    case LUA_TNUMBER:
        if (!lua_isinteger(L, idx))
            luaL_error(L, "kigen: %s '%s' must be an integer, not %f", what, name, lua_tonumber(L, idx));
        snprintf(buf, n, "%lld", (long long)lua_tointeger(L, idx));
        return buf;
    default:
        luaL_error(L, "kigen: %s '%s' must be a string, an integer or a boolean, not a %s", what, name,
                   luaL_typename(L, idx));
        return NULL;
    }
}

/* Set the facts, params and today of table t on the context. Returns NULL,
 * or the message of a value that does not parse (a data error). Unknown
 * names and wrong Lua types raise (program errors). */
static const char *set_record(lua_State *L, lm_rs *u, int t)
{
    char buf[64];
    kigen_ctx *c = u->ctx;
    kigen_ctx_reset(c);
    clear_params(u);
    kigen_set_today(c, 0);
    bool params_special = kigen_fact_index(u->rs, "params") < 0;
    bool today_special = kigen_fact_index(u->rs, "today") < 0;
    /* per fact: the key that gave it, so that a name and its alias (a
     * table's order is a hash's, so which would win would change from run
     * to run) is an error, as it is in kigen eval */
    int nf = kigen_fact_count(u->rs);
    const char **given_by = lua_newuserdatauv(L, sizeof(char *) * (size_t)(nf + 1), 0);
    memset(given_by, 0, sizeof(char *) * (size_t)(nf + 1));
    /* two passes: params and today first, so that a fact's range is checked
     * against the reading the record asks for, whatever the table's order */
    for (int pass = 0; pass < 2; pass++) {
        lua_pushnil(L);
        while (lua_next(L, t)) {
            if (lua_type(L, -2) != LUA_TSTRING)
                luaL_error(L, "kigen: record keys must be fact names, not a %s", luaL_typename(L, -2));
            const char *k = lua_tostring(L, -2);
            bool is_param = params_special && strcmp(k, "params") == 0;
            bool is_today = today_special && strcmp(k, "today") == 0;
            if ((pass == 0) != (is_param || is_today)) {
                lua_pop(L, 1);
                continue;
            }
            if (is_param) {
                luaL_checktype(L, -1, LUA_TTABLE);
                int pt = lua_gettop(L);
                lua_pushnil(L);
                while (lua_next(L, pt)) {
                    if (lua_type(L, -2) != LUA_TSTRING)
                        luaL_error(L, "kigen: params keys must be param names");
                    const char *pn = lua_tostring(L, -2);
                    const char *text = value_text(L, -1, "param", pn, buf, sizeof buf);
                    if (u->nparams == u->capparams) {
                        int cap = u->capparams ? u->capparams * 2 : 8;
                        char **p = realloc(u->params, sizeof(char *) * (size_t)cap);
                        if (!p)
                            return (luaL_error(L, "kigen: out of memory"), NULL);
                        u->params = p;
                        u->capparams = cap;
                    }
                    char *copy = strdup(pn);
                    if (!copy)
                        return (luaL_error(L, "kigen: out of memory"), NULL);
                    u->params[u->nparams++] = copy;
                    int rc = kigen_set_param(c, pn, text);
                    if (rc == KIGEN_ENOTFOUND)
                        luaL_error(L, "kigen: %s", kigen_errmsg(c));
                    if (rc != KIGEN_OK)
                        return kigen_errmsg(c);
                    lua_pop(L, 1);
                }
            } else if (is_today) {
                char err[200];
                kigen_date d;
                size_t len;
                const char *s = luaL_checklstring(L, -1, &len);
                if (kigen_date_parse(s, len, &d, err, sizeof err) != KIGEN_OK) {
                    snprintf(u->err, sizeof u->err, "today: %s", err);
                    return u->err;
                }
                kigen_set_today(c, d);
            } else {
                const char *text = value_text(L, -1, "fact", k, buf, sizeof buf);
                int fi = kigen_fact_index(u->rs, k);
                if (fi >= 0 && given_by[fi]) {
                    const char *a =
                        strcmp(given_by[fi], k) < 0 ? given_by[fi] : k; /* the same words every run */
                    const char *b = a == k ? given_by[fi] : k;
                    snprintf(u->err, sizeof u->err, "'%s' and '%s' both give the fact %s; keep one of them",
                             a, b, kigen_fact_name(u->rs, fi));
                    lua_pop(L, 2); /* the key and the value */
                    return u->err;
                }
                if (fi >= 0)
                    given_by[fi] = k;
                int rc = kigen_set(c, k, text);
                if (rc == KIGEN_ENOTFOUND)
                    luaL_error(L, "kigen: %s", kigen_errmsg(c));
                if (rc != KIGEN_OK)
                    return kigen_errmsg(c);
            }
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1); /* given_by */
    return NULL;
}

static void push_value(lua_State *L, const kigen_value *v)
{
    char buf[64];
    switch (v->type) {
    case KIGEN_T_BOOL: lua_pushboolean(L, v->u.b); break;
    case KIGEN_T_INT: lua_pushinteger(L, (lua_Integer)v->u.i); break;
    case KIGEN_T_STRING:
    case KIGEN_T_ENUM: lua_pushlstring(L, v->u.str.ptr, v->u.str.len); break;
    case KIGEN_T_DATE:
    case KIGEN_T_DURATION: {
        size_t n = kigen_value_format(v, buf, sizeof buf);
        lua_pushlstring(L, buf, n < sizeof buf ? n : sizeof buf - 1);
        break;
    }
    default: lua_pushnil(L); break;
    }
}

static int l_eval(lua_State *L)
{
    lm_rs *u = check_rs(L);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    ensure_ctx(L, u);
    kigen_set_explain(u->ctx, 0);
    const char *bad = set_record(L, u, 2);
    if (bad) {
        lua_pushnil(L);
        lua_pushstring(L, bad);
        return 2;
    }
    int rc = kigen_eval(u->ctx);
    if (rc != KIGEN_OK && rc != KIGEN_EEVAL && rc != KIGEN_ELUA) {
        lua_pushnil(L);
        lua_pushstring(L, kigen_errmsg(u->ctx));
        return 2;
    }
    /* A record that failed (an output is an error, a policy hook failed)
     * still has the outputs it computed: they come back with the error. */
    int n = kigen_output_count(u->rs);
    lua_createtable(L, 0, n);
    for (int i = 0; i < n; i++) {
        kigen_value v;
        if (kigen_get(u->ctx, i, &v) != KIGEN_OK || v.type == KIGEN_T_ERROR)
            continue;
        push_value(L, &v);
        lua_setfield(L, -2, kigen_output_name(u->rs, i));
    }
    if (rc == KIGEN_OK)
        return 1;
    lua_pushstring(L, kigen_errmsg(u->ctx));
    return 2;
}

static int l_explain(lua_State *L)
{
    lm_rs *u = check_rs(L);
    luaL_checktype(L, 2, LUA_TTABLE);
    const char *name = luaL_optstring(L, 3, NULL);
    lua_settop(L, 3);
    ensure_ctx(L, u);
    const char *bad = set_record(L, u, 2);
    if (bad) {
        lua_pushnil(L);
        lua_pushstring(L, bad);
        return 2;
    }
    kigen_set_explain(u->ctx, 1);
    int rc = kigen_eval(u->ctx);
    if (rc != KIGEN_OK)
        lua_pushstring(L, kigen_errmsg(u->ctx)); /* 4: kept before explain overwrites it */
    else
        lua_pushnil(L);
    const char *text = kigen_explain_text(u->ctx, name);
    kigen_set_explain(u->ctx, 0);
    if (!text) {
        lua_pushnil(L);
        lua_pushstring(L, kigen_errmsg(u->ctx));
        return 2;
    }
    if (lua_isnil(L, 4)) {
        lua_pushstring(L, text);
        return 1;
    }
    lua_pushstring(L, text);
    lua_insert(L, 4);
    return 2;
}

static int l_outputs(lua_State *L)
{
    lm_rs *u = check_rs(L);
    int n = kigen_output_count(u->rs);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_pushstring(L, kigen_output_name(u->rs, i));
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static int l_facts(lua_State *L)
{
    lm_rs *u = check_rs(L);
    int n = kigen_fact_count(u->rs);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_pushstring(L, kigen_fact_name(u->rs, i));
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static int l_name(lua_State *L)
{
    lm_rs *u = check_rs(L);
    lua_pushstring(L, kigen_ruleset_name(u->rs));
    return 1;
}

static int l_close(lua_State *L)
{
    lm_rs *u = luaL_checkudata(L, 1, RS_META);
    clear_params(u);
    free(u->params);
    u->params = NULL;
    u->capparams = 0;
    kigen_ctx_free(u->ctx);
    u->ctx = NULL;
    kigen_ruleset_free(u->rs);
    u->rs = NULL;
    return 0;
}

static int l_tostring(lua_State *L)
{
    lm_rs *u = luaL_checkudata(L, 1, RS_META);
    if (u->rs)
        lua_pushfstring(L, "kigen.ruleset (%s)", kigen_ruleset_name(u->rs));
    else
        lua_pushliteral(L, "kigen.ruleset (closed)");
    return 1;
}

int luaopen_kigen(lua_State *L)
{
    luaL_checkversion(L);
    if (kigen_check_version() != KIGEN_OK)
        return luaL_error(L, "kigen: the library is %s, this module was built for another version",
                          kigen_version());
    static const luaL_Reg methods[] = {
        {"eval", l_eval}, {"explain", l_explain}, {"outputs", l_outputs}, {"facts", l_facts},
        {"name", l_name}, {"close", l_close},     {NULL, NULL},
    };
    static const luaL_Reg meta[] = {
        {"__gc", l_close},
        {"__close", l_close},
        {"__tostring", l_tostring},
        {NULL, NULL},
    };
    if (luaL_newmetatable(L, RS_META)) {
        luaL_setfuncs(L, meta, 0);
        luaL_newlib(L, methods);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, l_load);
    lua_setfield(L, -2, "load");
    lua_pushstring(L, kigen_version());
    lua_setfield(L, -2, "version");
    return 1;
}
