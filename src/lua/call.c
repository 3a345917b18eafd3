/* Policy scripts in contexts: one Lua state per kigen_ctx (so threads
 * share no Lua state), made by the extension's ctx_init; functions run when
 * the evaluator calls them (lp_fn_impl), hooks after each evaluated record
 * (after_eval). The record a hook sees is `rec` and its views. Everything
 * about the record goes through rt/ctx.h's accessors. */
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "lua/policy.h"
#include "lua/sandbox.h"

/* ---- values from Lua ------------------------------------------------------------ */

/* Convert the Lua value at idx to a value of type ty. Strings are copied
 * into the context's scratch arena (NULL c: not copied, only checked).
 * false when the value does not have the type. */
static bool to_val(lua_State *L, int idx, kg_type ty, kigen_ctx *c, kg_val *out)
{
    memset(out, 0, sizeof *out);
    int t = lua_type(L, idx);
    if (t == LUA_TNIL)
        return true;
    switch (ty.k) {
    case TK_DATE: {
        size_t n;
        kigen_date d;
        if (t != LUA_TSTRING) /* lua_tolstring would turn a number into a string in place */
            return false;
        const char *s = lua_tolstring(L, idx, &n);
        if (!lp_iso_date(s, n, &d))
            return false;
        out->t = VT_DATE;
        out->u.d = d;
        return true;
    }
    case TK_INT: {
        int isnum;
        lua_Integer v = lua_tointegerx(L, idx, &isnum);
        if (t != LUA_TNUMBER || !isnum)
            return false;
        out->t = VT_INT;
        out->u.i = (int64_t)v;
        return true;
    }
    case TK_BOOL:
        if (t != LUA_TBOOLEAN)
            return false;
        out->t = VT_BOOL;
        out->u.i = lua_toboolean(L, idx);
        return true;
    case TK_STRING:
    case TK_ENUM: {
        if (t != LUA_TSTRING)
            return false;
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        if (n > UINT32_MAX || !kg_utf8_valid(s, n))
            return false; /* text leaves the state as UTF-8, or not at all */
        out->t = VT_STR;
        out->len = (uint32_t)n;
        if (ty.k == TK_ENUM) {
            for (int i = 0; ty.set && i < ty.set->n; i++)
                if (strlen(ty.set->names[i]) == n && memcmp(ty.set->names[i], s, n) == 0)
                    out->u.s = ty.set->names[i];
            return out->u.s != NULL;
        }
        out->u.s = c ? kg_ctx_strdup(c, s, n) : s;
        if (!out->u.s)
            luaL_error(L, "out of memory copying a string");
        return true;
    }
    default: return false;
    }
}

/* "a number", "the string '2024/01/01'" */
static const char *describe(lua_State *L, int idx)
{
    if (lua_type(L, idx) == LUA_TSTRING) {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        if (!kg_utf8_valid(s, n))
            return "a string that is not UTF-8 text";
        return lua_pushfstring(L, "the string '%s'", n > 40 ? "(a long string)" : s);
    }
    if (lua_type(L, idx) == LUA_TNUMBER)
        return lua_isinteger(L, idx) ? "an integer" : "a non-integral number";
    return lua_pushfstring(L, "a %s", luaL_typename(L, idx));
}

static const char *want_text(kg_type ty, char *buf, size_t n)
{
    if (ty.k == TK_DATE)
        return "a date 'YYYY-MM-DD'";
    if (ty.k == TK_INT)
        return "an integer";
    if (ty.k == TK_BOOL)
        return "a boolean";
    if (ty.k == TK_STRING)
        return "a string";
    return kg_type_name(ty, buf, n);
}

/* ---- the record a hook sees ------------------------------------------------------ */

/* `rec` and its views (rec.facts, rec.outputs, rec.rules) are full
 * userdata stamped with the record they belong to. They read the context's
 * values, which the next record overwrites and whose strings live in
 * scratch memory the next record frees: so a view is usable only while a
 * hook of its own record runs, and anything else (a script table that kept
 * it, a function called during a later evaluation) gets an error. */
enum { REC_REC = 0, REC_FACTS = 1, REC_OUTPUTS = 2, REC_RULES = 3 };
static const char *const rec_view_name[] = {"rec", "rec.facts", "rec.outputs", "rec.rules"};
static const char *const rec_view_kind[] = {"", "fact", "output", "rule"};

typedef struct lp_recud {
    uint64_t gen; /* lp->rec_gen of its record */
    long record;  /* for messages */
    int kind;     /* REC_* */
} lp_recud;

static lp_recud *live_view(lua_State *L, int idx)
{
    lp_state *lp = lp_of(L);
    lp_recud *u = lua_touserdata(L, idx);
    if (u->gen != lp->rec_gen || lp->cur_hook < 0) {
        char rec[40] = "";
        if (u->record > 0)
            snprintf(rec, sizeof rec, " of record %ld", u->record);
        luaL_error(L,
                   "%s%s is no longer valid: a hook's rec can be used only by that hook, while it "
                   "runs (copy the values you need into locals)",
                   rec_view_name[u->kind], rec);
    }
    return u;
}

static int arg_base(lua_State *L)
{
    /* rec.set(name, v) and rec:set(name, v) both work */
    return lua_type(L, 1) == LUA_TUSERDATA ? 2 : 1;
}

static int rec_set(lua_State *L)
{
    lp_state *lp = lp_of(L);
    int b = arg_base(L);
    const char *name = luaL_checkstring(L, b);
    if (lp->cur_hook < 0)
        return luaL_error(L, "rec.set: only a hook, while it runs, can set outputs");
    lp_hook *h = &lp->hooks[lp->cur_hook];
    int k = -1;
    for (int i = 0; i < h->nout && k < 0; i++)
        if (strcmp(h->out_names[i], name) == 0)
            k = i;
    if (k < 0) {
        luaL_Buffer buf;
        luaL_buffinit(L, &buf);
        for (int i = 0; i < h->nout; i++) {
            if (i)
                luaL_addstring(&buf, ", ");
            luaL_addstring(&buf, h->out_names[i]);
        }
        luaL_pushresult(&buf);
        return luaL_error(L, "rec.set: hook '%s' did not declare an output '%s' (it declares: %s)", h->name,
                          name, h->nout ? lua_tostring(L, -1) : "none");
    }
    lua_settop(L, b + 1);
    kg_val v;
    if (!to_val(L, b + 1, h->out_types[k], NULL, &v)) {
        char tb[300];
        return luaL_error(L, "rec.set('%s'): expected %s, got %s", name,
                          want_text(h->out_types[k], tb, sizeof tb), describe(L, b + 1));
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, lp->pending_ref);
    lua_pushvalue(L, b + 1);
    lua_rawseti(L, -2, k + 1);
    return 0;
}

static int rec_note(lua_State *L)
{
    lp_state *lp = lp_of(L);
    int b = arg_base(L);
    if (lp->cur_hook < 0)
        return luaL_error(L, "rec.note: only a hook, while it runs, can add notes");
    if (lua_type(L, b) != LUA_TSTRING)
        return luaL_error(L, "rec.note: expected a string, got %s", describe(L, b));
    size_t n;
    const char *s = lua_tolstring(L, b, &n);
    /* Notes leave the Lua state (whose memory is capped) for the record's
     * host memory: bounded in size and number. */
    if (n > LP_MAX_NOTE_BYTES)
        return luaL_error(L, "rec.note: a note is at most %d bytes (this one has %I)", LP_MAX_NOTE_BYTES,
                          (lua_Integer)n);
    if (!kg_utf8_valid(s, n))
        return luaL_error(L, "rec.note: the note is not valid UTF-8 text");
    if (lp->notes_this_record >= LP_MAX_NOTES)
        return luaL_error(L, "rec.note: a record carries at most %d notes", LP_MAX_NOTES);
    lp->notes_this_record++;
    lua_rawgeti(L, LUA_REGISTRYINDEX, lp->notes_ref);
    lua_pushvalue(L, b);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    return 0;
}

/* The name -> slot map of a view kind (upvalues 1-3 of the metamethods). */
static void push_map(lua_State *L, int kind)
{
    lua_pushvalue(L, lua_upvalueindex(kind));
}

static int view_lookup(lua_State *L, lp_recud *u)
{
    lp_state *lp = lp_of(L);
    int map = lua_gettop(L) + 1;
    push_map(L, u->kind);
    lua_pushvalue(L, 2);
    if (lua_rawget(L, map) == LUA_TNUMBER) {
        lp_push_val(L, kg_ctx_value(lp->c, (int)lua_tointeger(L, -1)));
        return 1;
    }
    const char *kind = rec_view_kind[u->kind];
    const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "?";
    const char *cands[512];
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, map) && n < 512) {
        lua_pop(L, 1);
        cands[n++] = lua_tostring(L, -1);
    }
    const char *close = kg_closest(k, cands, n);
    return luaL_error(L, "rec.%ss has no %s named '%s'%s%s%s", kind, kind, k, close ? " (did you mean '" : "",
                      close ? close : "", close ? "'?)" : "");
}

static void push_view(lua_State *L, lp_recud *parent, int kind)
{
    /* one view of each kind per record, kept as a user value of rec */
    if (lua_getiuservalue(L, 1, kind) == LUA_TUSERDATA)
        return;
    lua_pop(L, 1);
    lp_recud *u = lua_newuserdatauv(L, sizeof *u, 0);
    *u = *parent;
    u->kind = kind;
    lua_getmetatable(L, 1);
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_setiuservalue(L, 1, kind);
}

static int rec_index(lua_State *L)
{
    lp_state *lp = lp_of(L);
    lp_recud *u = live_view(L, 1);
    if (u->kind != REC_REC)
        return view_lookup(L, u);
    const char *k = luaL_checkstring(L, 2);
    static const char *const keys[] = {"facts", "outputs", "rules", "set", "note",
                                       "today", "record",  "id",    "hook"};
    for (int i = 0; i < 3; i++)
        if (strcmp(k, keys[i]) == 0) {
            push_view(L, u, i + 1);
            return 1;
        }
    if (strcmp(k, "set") == 0 || strcmp(k, "note") == 0) {
        lua_pushvalue(L, lua_upvalueindex(k[0] == 's' ? 4 : 5));
        return 1;
    }
    if (strcmp(k, "today") == 0) {
        kg_val v = {.t = VT_DATE};
        v.u.d = kg_ctx_today(lp->c);
        lp_push_val(L, &v);
        return 1;
    }
    if (strcmp(k, "record") == 0) {
        if (kg_ctx_record(lp->c) > 0)
            lua_pushinteger(L, (lua_Integer)kg_ctx_record(lp->c));
        else
            lua_pushnil(L);
        return 1;
    }
    if (strcmp(k, "id") == 0) {
        const char *id = kg_ctx_record_id(lp->c); /* the value itself, not the escaped form */
        if (id[0])
            lua_pushstring(L, id);
        else
            lua_pushnil(L);
        return 1;
    }
    if (strcmp(k, "hook") == 0) {
        lua_pushstring(L, lp->hooks[lp->cur_hook].name);
        return 1;
    }
    const char *close = kg_closest(k, keys, 9);
    return luaL_error(
        L, "rec has no field '%s'%s%s%s (it has: facts, outputs, rules, set, note, today, record, id, hook)",
        k, close ? " (did you mean '" : "", close ? close : "", close ? "'?)" : "");
}

/* pairs(rec.facts): in the rule set's order (not a hash table's, which
 * changes from run to run), and the iterator checks the view at every
 * step, so a saved iterator dies with its record too. Upvalues: the name
 * map, the ordered names, the view. */
static int view_next(lua_State *L)
{
    lp_state *lp = lp_of(L);
    (void)live_view(L, lua_upvalueindex(3));
    lua_Integer i = lua_isnil(L, 2) ? 1 : 0;
    if (!i) {
        /* the position after the previous name */
        lua_pushvalue(L, 2);
        lua_rawget(L, lua_upvalueindex(4));
        i = lua_tointeger(L, -1) + 1;
        lua_pop(L, 1);
    }
    if (lua_rawgeti(L, lua_upvalueindex(2), i) != LUA_TSTRING)
        return 0;
    lua_pushvalue(L, -1);
    lua_rawget(L, lua_upvalueindex(1));
    lp_push_val(L, kg_ctx_value(lp->c, (int)lua_tointeger(L, -1)));
    lua_remove(L, -2);
    return 2;
}

static int rec_pairs(lua_State *L)
{
    lp_recud *u = live_view(L, 1);
    if (u->kind == REC_REC)
        return luaL_error(L, "rec cannot be iterated; iterate rec.facts, rec.outputs or rec.rules");
    push_map(L, u->kind);                            /* name -> slot */
    lua_pushvalue(L, lua_upvalueindex(3 + u->kind)); /* names in order */
    lua_pushvalue(L, 1);
    lua_pushvalue(L, lua_upvalueindex(6 + u->kind)); /* name -> position */
    lua_pushcclosure(L, view_next, 4);
    lua_pushnil(L);
    lua_pushnil(L);
    return 3;
}

static int rec_newindex(lua_State *L)
{
    lp_recud *u = lua_touserdata(L, 1);
    return luaL_error(L, "%s is read-only%s", rec_view_name[u->kind],
                      u->kind == REC_REC ? "" : " (a hook sets its outputs with rec.set)");
}

static int rec_tostring(lua_State *L)
{
    lp_recud *u = lua_touserdata(L, 1);
    lua_pushfstring(L, "%s (record %d)", rec_view_name[u->kind], (int)u->record);
    return 1;
}

static int sb_ctx_setup(lua_State *L)
{
    lp_state *lp = lp_of(L);
    const kigen_ruleset *rs = kigen_ctx_ruleset(lp->c);
    lua_settop(L, 0);
    /* name -> slot maps */
    lua_createtable(L, 0, rs->nfacts); /* 1 facts */
    for (int s = 0; s < rs->nfacts; s++) {
        lua_pushinteger(L, s);
        lua_setfield(L, 1, rs->slots[s]->name);
    }
    lua_newtable(L); /* 2 outputs: the listed ones and every hook output */
    for (int i = 0; i < rs->noutputs; i++) {
        lua_pushinteger(L, rs->outputs[i]);
        lua_setfield(L, 2, rs->slots[rs->outputs[i]]->name);
    }
    lua_createtable(L, 0, rs->nslots - rs->nfacts); /* 3 rules */
    for (int s = rs->nfacts; s < rs->nslots; s++) {
        lua_pushinteger(L, s);
        lua_setfield(L, 3, rs->slots[s]->name);
        if (rs->slots[s]->hook_output) {
            lua_pushinteger(L, s);
            lua_setfield(L, 2, rs->slots[s]->name);
        }
    }
    lua_pushcfunction(L, rec_set);  /* 4 */
    lua_pushcfunction(L, rec_note); /* 5 */
    /* 6-8: each view's names in the rule set's order; 9-11: name -> position */
    for (int kind = REC_FACTS; kind <= REC_RULES; kind++) {
        lua_newtable(L);
        int n = 0;
        if (kind == REC_FACTS)
            for (int s = 0; s < rs->nfacts; s++) {
                lua_pushstring(L, rs->slots[s]->name);
                lua_rawseti(L, -2, ++n);
            }
        else if (kind == REC_OUTPUTS) {
            for (int i = 0; i < rs->noutputs; i++) {
                lua_pushstring(L, rs->slots[rs->outputs[i]]->name);
                lua_rawseti(L, -2, ++n);
            }
            for (int s = rs->nfacts; s < rs->nslots; s++)
                if (rs->slots[s]->hook_output) {
                    lua_pushstring(L, rs->slots[s]->name);
                    lua_rawseti(L, -2, ++n);
                }
        } else
            for (int s = rs->nfacts; s < rs->nslots; s++) {
                lua_pushstring(L, rs->slots[s]->name);
                lua_rawseti(L, -2, ++n);
            }
    }
    for (int kind = REC_FACTS; kind <= REC_RULES; kind++) {
        lua_newtable(L);
        lua_Integer n = (lua_Integer)lua_rawlen(L, 5 + kind);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, 5 + kind, i);
            lua_pushinteger(L, i);
            lua_rawset(L, -3);
        }
    }
    /* the one metatable of rec and its views */
    lua_createtable(L, 0, 6);
    for (int i = 1; i <= 5; i++)
        lua_pushvalue(L, i);
    lua_pushcclosure(L, rec_index, 5);
    lua_setfield(L, -2, "__index");
    for (int i = 1; i <= 3; i++)
        lua_pushvalue(L, i);
    for (int i = 6; i <= 11; i++)
        lua_pushvalue(L, i);
    lua_pushcclosure(L, rec_pairs, 9);
    lua_setfield(L, -2, "__pairs");
    lua_pushcfunction(L, rec_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, rec_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "kigen.rec");
    lua_setfield(L, -2, "__name");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lp->recmt_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushboolean(L, 0); /* the current rec: made by the first hook of a record */
    lp->rec_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    lp->pending_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    lp->notes_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

/* ---- functions called by rule expressions ------------------------------------------ */

typedef struct lp_fncall {
    const kg_fn *fn;
    const kg_val *args;
    int n;
    kg_val *out;
    bool bad;
    char why[300];
} lp_fncall;

static int sb_fn(lua_State *L)
{
    lp_state *lp = lp_of(L);
    lp_fncall *fc = lua_touserdata(L, 1);
    const kg_fn *fn = fc->fn;
    int ref = lp->fnrefs[fn->ud_index];
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    luaL_checkstack(L, fc->n + 2, NULL);
    for (int i = 0; i < fc->n; i++)
        lp_push_val(L, &fc->args[i]);
    lua_call(L, fc->n, 1);
    if (!to_val(L, -1, fn->ret, lp->c, fc->out)) {
        char tb[300];
        const char *got = describe(L, -1);
        lua_Debug ar;
        lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
        lua_getinfo(L, ">S", &ar);
        fc->bad = true;
        snprintf(fc->why, sizeof fc->why, "%s:%d: function %s returned %s, but it is declared to return %s",
                 ar.short_src, ar.linedefined, fn->name, got, want_text(fn->ret, tb, sizeof tb));
    }
    return 0;
}

/* "script:line: in hook 'h': message": a runtime error names what ran,
 * once (a limit's message already does). */
static const char *name_what(const lp_state *lp, const char *what, char *buf, size_t n)
{
    int line;
    const char *rest;
    if (strstr(lp->err, what))
        return lp->err;
    if (lp_locate(lp, lp->err, &line, &rest) >= 0)
        snprintf(buf, n, "%.*sin %s: %s", (int)(rest - lp->err), lp->err, what, rest);
    else
        snprintf(buf, n, "in %s: %s", what, lp->err);
    return buf;
}

void lp_fn_impl(kg_fncall *fc, const kg_fn *fn, const kg_val *args, int n, kg_val *out)
{
    kigen_ctx *c = fc->host;
    lp_state *lp = kg_ctx_ext_state(c);
    if (!lp || fn->ud_index < 0 || fn->ud_index >= lp->nfnrefs) {
        kg_fn_error(fc, out, "function %s: policy scripts are not running in this context", fn->name);
        return;
    }
    lp_fncall call = {fn, args, n, out, false, ""};
    int saved = lp->cur_hook;
    lp->cur_hook = -1;
    lp->what = lp->fn_what[fn->ud_index];
    int rc = lp_call(lp, sb_fn, &call, lp->fnrefs[fn->ud_index], true);
    lp->cur_hook = saved;
    char rec[120];
    kg_ctx_record_label(c, rec, sizeof rec);
    if (rc != 0) {
        char msg[sizeof lp->err + 200];
        kg_fn_error(fc, out, "%s%s", name_what(lp, lp->fn_what[fn->ud_index], msg, sizeof msg), rec);
        kg_ctx_set_trace(c, lp->trace);
    } else if (call.bad) {
        kg_fn_error(fc, out, "%s%s", call.why, rec);
    }
}

/* ---- contexts ---------------------------------------------------------------------- */

static int ctx_fail(kigen_ctx *c, lp_state *lp, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int ctx_fail(kigen_ctx *c, lp_state *lp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kg_ctx_verr(c, fmt, ap);
    va_end(ap);
    lp_free(lp);
    return KIGEN_ELUA;
}

static int ctx_init(kigen_ctx *c)
{
    const kigen_ruleset *rs = kigen_ctx_ruleset(c);
    const char *why = NULL;
    kg_ctx_set_ext_state(c, NULL);
    if (rs->nlua <= 0 || !rs->lua_scripts)
        return KIGEN_OK;
    lp_state *lp = lp_new(LP_CTX, kg_ctx_mem(c), &rs->opts, &why);
    if (!lp) {
        kg_ctx_err(c, "policy scripts: %s", why);
        return KIGEN_ELUA;
    }
    lp->c = c;
    const char *const *sc = rs->lua_scripts;
    for (int i = 0; sc[i] || i == rs->nlua; i++) {
        if (i == rs->nlua)
            continue; /* the digest */
        const char *text = sc[i] + strlen(sc[i]) + 1;
        if (lp_add_file(lp, sc[i], text, strlen(text), i > rs->nlua) < 0)
            return ctx_fail(c, lp, "policy scripts: out of memory");
    }
    struct kigen_coverage *cov = kg_ctx_coverage(c);
    if (cov && !lp_cov_start(lp, cov))
        return ctx_fail(c, lp, "policy scripts: out of memory starting coverage");
    for (int i = 0; i < rs->nlua; i++)
        if (lp_run_file(lp, i) != 0)
            return ctx_fail(c, lp, "%s", lp->err);
    if (lp->digest.failed || !sc[rs->nlua] || strcmp(kg_buf_cstr(&lp->digest), sc[rs->nlua]) != 0 ||
        lp->nfnrefs != rs->nlua_fns)
        return ctx_fail(c, lp,
                        "policy scripts registered other functions or hooks in this context than when "
                        "the rule set was loaded: registrations must not depend on the time or other "
                        "changing state");
    for (int i = 0; i < lp->nhooks; i++) {
        lp_hook *h = &lp->hooks[i];
        h->out_slots = kg_mem_alloc(&lp->mem, sizeof(int) * (size_t)(h->nout ? h->nout : 1));
        if (!h->out_slots)
            return ctx_fail(c, lp, "policy scripts: out of memory");
        for (int k = 0; k < h->nout; k++) {
            h->out_slots[k] = -1;
            for (int s = rs->nfacts; s < rs->nslots; s++)
                if (rs->slots[s]->hook_output && strcmp(rs->slots[s]->name, h->out_names[k]) == 0)
                    h->out_slots[k] = s;
            if (h->out_slots[k] < 0)
                return ctx_fail(c, lp, "policy scripts: hook output '%s' is not in the rule set",
                                h->out_names[k]);
        }
    }
    const char **what = kg_arena_alloc(&lp->tmp, sizeof(char *) * (size_t)(rs->nlua_fns + 1));
    if (!what)
        return ctx_fail(c, lp, "policy scripts: out of memory");
    for (int i = 0; i < rs->nlua_fns; i++)
        if (!(what[i] = kg_arena_printf(&lp->tmp, "function '%s'", rs->lua_fns[i]->name)))
            return ctx_fail(c, lp, "policy scripts: out of memory");
    lp->fn_what = what;
    if (lp_call(lp, sb_ctx_setup, NULL, LUA_NOREF, false) != 0)
        return ctx_fail(c, lp, "policy scripts: %s", lp->err);
    lp_freeze_env(lp);
    if (lp->code)
        return ctx_fail(c, lp, "policy scripts: %s", lp->err);
    kg_ctx_set_ext_state(c, lp);
    return KIGEN_OK;
}

static void ctx_free(kigen_ctx *c)
{
    lp_free(kg_ctx_ext_state(c));
    kg_ctx_set_ext_state(c, NULL);
}

static int sb_hook(lua_State *L)
{
    lp_state *lp = lp_of(L);
    kigen_ctx *c = lp->c;
    lp_hook *h = &lp->hooks[lp->cur_hook];
    lua_rawgeti(L, LUA_REGISTRYINDEX, lp->pending_ref); /* 2 */
    for (int k = 0; k < h->nout; k++) {
        lua_pushnil(L);
        lua_rawseti(L, 2, k + 1);
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, lp->notes_ref); /* 3 */
    for (lua_Integer j = (lua_Integer)lua_rawlen(L, 3); j > 0; j--) {
        lua_pushnil(L);
        lua_rawseti(L, 3, j);
    }
    if (lp->rec_made != lp->rec_gen) {
        lp_recud *u = lua_newuserdatauv(L, sizeof *u, 3);
        u->gen = lp->rec_gen;
        u->record = kg_ctx_record(c);
        u->kind = REC_REC;
        lua_rawgeti(L, LUA_REGISTRYINDEX, lp->recmt_ref);
        lua_setmetatable(L, -2);
        lua_rawseti(L, LUA_REGISTRYINDEX, lp->rec_ref);
        lp->rec_made = lp->rec_gen;
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref);
    lua_rawgeti(L, LUA_REGISTRYINDEX, lp->rec_ref);
    lua_call(L, 1, 0);
    /* The hook finished: now its outputs and notes count. */
    for (int k = 0; k < h->nout; k++) {
        lua_rawgeti(L, 2, k + 1);
        kg_val v;
        if (!to_val(L, -1, h->out_types[k], c, &v))
            return luaL_error(L, "hook '%s': output '%s' changed type", h->name, h->out_names[k]);
        kg_ctx_set_value(c, h->out_slots[k], &v);
        lua_pop(L, 1);
    }
    lua_Integer nn = (lua_Integer)lua_rawlen(L, 3);
    for (lua_Integer j = 1; j <= nn; j++) {
        size_t len;
        lua_rawgeti(L, 3, j);
        const char *s = lua_tolstring(L, -1, &len);
        if (!s || !kg_ctx_add_note(c, s, len))
            return luaL_error(L, "out of memory keeping a note");
        lua_pop(L, 1);
    }
    return 0;
}

static int after_eval(kigen_ctx *c)
{
    lp_state *lp = kg_ctx_ext_state(c);
    if (!lp)
        return KIGEN_OK;
    lp->rec_gen++; /* every rec of an earlier record dies here */
    lp->notes_this_record = 0;
    for (int i = 0; i < lp->nhooks; i++) {
        lp_hook *h = &lp->hooks[i];
        lp->what = h->what;
        lp->cur_hook = i;
        int rc = lp_call(lp, sb_hook, NULL, h->ref, true);
        lp->cur_hook = -1;
        lp->what = NULL;
        if (rc != 0) {
            char rec[120];
            char msg[sizeof lp->err + 200];
            kg_ctx_err(c, "%s%s", name_what(lp, h->what, msg, sizeof msg),
                       kg_ctx_record_label(c, rec, sizeof rec));
            kg_ctx_set_trace(c, lp->trace);
            return KIGEN_ELUA;
        }
    }
    return KIGEN_OK;
}

/* A new record: its calls together get LP_RECORD_CALLS budgets. */
static void before_eval(kigen_ctx *c)
{
    lp_state *lp = kg_ctx_ext_state(c);
    if (lp)
        lp_record_begin(lp);
}

const kg_ext kg_lua_ext = {ctx_init, ctx_free, before_eval, after_eval};
