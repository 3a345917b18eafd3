/* Policy scripts (issue 5): a ward's local policy in Lua on top of the
 * national rule pack. See docs/lua.md for the script author's side.
 *
 * Load time (kg_lua_load_scripts): every script a rule file names runs once
 * in a sandboxed state of its own to learn what it registers:
 *   - functions become kg_fn entries in rs->lua_fns, type-checked by the
 *     checker exactly like built-ins;
 *   - hooks declare outputs (kg_loader_add_hook_output): rule slots that the
 *     evaluator leaves empty for the hooks to fill.
 * The rule set keeps the scripts' texts (not just their paths), so every
 * context runs exactly the code that was checked, and a canonical text of
 * all registrations, which each context's own run must reproduce.
 *
 * rs->lua_scripts layout (opaque to the core, which reads only nlua):
 *   [0, nlua)      one block per script named by the rule files,
 *                  "path\0text\0": as a C string it is the path;
 *   [nlua]         the registrations' canonical text;
 *   [nlua+1, ...)  modules reached through require, same blocks; NULL ends.
 *
 * Contexts (kg_lua_ctx_init): one Lua state per kigen_ctx, so threads share
 * no Lua state. Functions run when the evaluator calls them; hooks run
 * after each evaluated record (kg_lua_run_hooks). */
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua/sandbox.h"
#include "base/text.h"

void kg_lua_load_scripts(kg_loader *L);
int kg_lua_ctx_init(kigen_ctx *c);
void kg_lua_ctx_free(kigen_ctx *c);
int kg_lua_run_hooks(kigen_ctx *c);

#define ERR KIGEN_SEV_ERROR

/* Registration reads the script's tables raw: no __index or other
 * metamethod may run while C code holds pointers into those tables (a
 * metamethod could empty them and let the collector free what we read). */
static int rawfield(lua_State *L, int idx, const char *k)
{
    idx = lua_absindex(L, idx);
    lua_pushstring(L, k);
    return lua_rawget(L, idx);
}

/* ---- where a registration is ----------------------------------------------- */

/* The file and line of the Lua code calling the running C function. */
static int caller_pos(lua_State *L, int *line)
{
    lp_state *lp = lp_of(L);
    lua_Debug ar;
    *line = 0;
    for (int lv = 1; lua_getstack(L, lv, &ar); lv++) {
        if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0)
            continue;
        *line = ar.currentline;
        for (int i = 0; i < lp->nfiles; i++)
            if (strcmp(lp->files[i].display, ar.short_src) == 0)
                return i;
        break;
    }
    return lp->nrunning ? lp->running[lp->nrunning - 1] : -1;
}

/* Column of the first non-blank character of a line (1-based). */
static int first_col(const kg_srcfile *f, int line)
{
    if (!f || line < 1 || (size_t)line > f->nlines)
        return 0;
    size_t off = f->line_start[line - 1];
    int col = 1;
    while (off < f->len && (f->text[off] == ' ' || f->text[off] == '\t')) {
        off++;
        col++;
    }
    return col;
}

/* A registration problem: a diagnostic at load time (the script goes on,
 * so that one run reports every problem); an error in a context (where the
 * same code loaded cleanly, so this cannot happen unless the script is not
 * deterministic). */
static int reg_error(lua_State *L, const char *code, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int reg_error(lua_State *L, const char *code, const char *hint, const char *fmt, ...)
{
    lp_state *lp = lp_of(L);
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (lp->mode == LP_LOAD && lp->loader) {
        int line;
        int fi = caller_pos(L, &line);
        const kg_srcfile *src = fi >= 0 ? lp->files[fi].src : NULL;
        kg_diag_at(lp->loader->d, ERR, code, src, line, first_col(src, line), NULL, hint, "%s", msg);
        return 0;
    }
    lp->code = code;
    return luaL_error(L, "%s", msg);
}

/* ---- types --------------------------------------------------------------- */

static const char *const type_names[] = {"date", "integer", "boolean", "string"};

static kg_tk type_kind(const char *s, size_t n)
{
    static const kg_tk kinds[] = {TK_DATE, TK_INT, TK_BOOL, TK_STRING};
    for (int i = 0; i < 4; i++)
        if (strlen(type_names[i]) == n && memcmp(type_names[i], s, n) == 0)
            return kinds[i];
    return TK_UNKNOWN;
}

/* Read a type at stack index idx: "date", "integer", "boolean", "string"
 * (with a trailing "?" for an optional argument when opt is not NULL), or
 * a list of names (an enum). Appends its canonical text to lp->digest.
 * Returns false after reporting. */
static bool parse_type(lua_State *L, int idx, const char *what, kg_type *ty, bool *opt)
{
    lp_state *lp = lp_of(L);
    idx = lua_absindex(L, idx);
    if (opt)
        *opt = false;
    if (lua_type(L, idx) == LUA_TSTRING) {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        while (n && s[0] == ' ')
            s++, n--;
        while (n && s[n - 1] == ' ')
            n--;
        if (opt && n && s[n - 1] == '?') {
            *opt = true;
            n--;
        }
        kg_tk k = type_kind(s, n);
        if (k == TK_UNKNOWN) {
            char name[64], hint[120];
            snprintf(name, sizeof name, "%.*s", (int)(n < 60 ? n : 60), s);
            const char *close = kg_closest(name, type_names, 4);
            if (!close && (strcmp(name, "int") == 0 || strcmp(name, "number") == 0))
                close = "integer";
            if (!close && strcmp(name, "bool") == 0)
                close = "boolean";
            if (close)
                snprintf(hint, sizeof hint, "did you mean '%s'?", close);
            else
                snprintf(hint, sizeof hint, "an enum is a list of names: {\"a\", \"b\"}");
            reg_error(L, "E0404", hint,
                      "%s: unknown type '%s' (expected date, integer, boolean, string, or a list of "
                      "names for an enum)",
                      what, name);
            return false;
        }
        *ty = kg_type_make(k);
        kg_buf_puts(&lp->digest, type_names[k == TK_DATE ? 0 : k == TK_INT ? 1 : k == TK_BOOL ? 2 : 3]);
        if (opt && *opt)
            kg_buf_putc(&lp->digest, '?');
        return true;
    }
    if (lua_type(L, idx) == LUA_TTABLE) {
        lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
        if (n < 1 || n > 256) {
            reg_error(L, "E0404", NULL, "%s: an enum needs 1 to 256 names", what);
            return false;
        }
        kg_enumset *set = kg_arena_alloc(lp->arena, sizeof *set);
        const char **names = kg_arena_alloc(lp->arena, sizeof(char *) * (size_t)n);
        if (!set || !names)
            return luaL_error(L, "out of memory"), false;
        kg_buf_putc(&lp->digest, '{');
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, idx, i);
            size_t len;
            const char *s = lua_tolstring(L, -1, &len);
            if (lua_type(L, -1) != LUA_TSTRING || !kg_is_ident(s, len)) {
                lua_pop(L, 1);
                reg_error(L, "E0404", NULL, "%s: enum value %d must be a name of letters, digits and _",
                          what, (int)i);
                return false;
            }
            for (lua_Integer j = 1; j < i; j++)
                if (strcmp(names[j - 1], s) == 0) {
                    lua_pop(L, 1);
                    reg_error(L, "E0404", NULL, "%s: enum value '%s' is listed twice", what, s);
                    return false;
                }
            names[i - 1] = kg_arena_strndup(lp->arena, s, len);
            if (!names[i - 1])
                return luaL_error(L, "out of memory"), false;
            kg_buf_printf(&lp->digest, "%s%s", i > 1 ? "|" : "", s);
            lua_pop(L, 1);
        }
        kg_buf_putc(&lp->digest, '}');
        set->names = names;
        set->n = (int)n;
        ty->k = TK_ENUM;
        ty->set = set;
        return true;
    }
    reg_error(L, "E0404", NULL, "%s: a type is a name (date, integer, boolean, string) or a list of names, not a %s",
              what, luaL_typename(L, idx));
    return false;
}

/* Reject fields a registration does not know (a typo would otherwise be
 * silently ignored). */
static bool check_fields(lua_State *L, const char *fn, const char *const *allowed, size_t n)
{
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pop(L, 1);
        const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        bool ok = false;
        for (size_t i = 0; k && i < n && !ok; i++)
            ok = strcmp(k, allowed[i]) == 0;
        if (!ok) {
            const char *close = k ? kg_closest(k, allowed, n) : NULL;
            char hint[120];
            if (close)
                snprintf(hint, sizeof hint, "did you mean '%s'?", close);
            char list[200] = "";
            size_t used = 0;
            for (size_t i = 0; i < n && used < sizeof list; i++)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", allowed[i]);
            reg_error(L, "E0403", close ? hint : NULL, "%s: unknown field '%s' (expected: %s)", fn,
                      k ? k : luaL_typename(L, -1), list);
            lua_pop(L, 1);
            return false;
        }
    }
    return true;
}

static const char *get_name(lua_State *L, const char *fn)
{
    rawfield(L, 1, "name");
    size_t n;
    const char *s = lua_tolstring(L, -1, &n);
    if (lua_type(L, -1) != LUA_TSTRING || !kg_is_ident(s, n)) {
        reg_error(L, "E0403", NULL, "%s: 'name' must be a name of letters, digits and _ (not starting with a digit)", fn);
        lua_pop(L, 1);
        return NULL;
    }
    return s; /* left on the stack */
}

/* ---- kigen.register_function ------------------------------------------------ */

int lp_register_function(lua_State *L)
{
    lp_state *lp = lp_of(L);
    static const char *const fields[] = {"name", "args", "returns", "fn", "doc"};
    const char *F = "kigen.register_function";
    if (!lp->loading) {
        lp->code = "E0403";
        return luaL_error(L, "%s can be called only while the scripts load (at their top level)", F);
    }
    if (lua_type(L, 1) != LUA_TTABLE)
        return reg_error(L, "E0403", "kigen.register_function{ name = ..., args = {...}, returns = ..., fn = function ... end }",
                         "%s takes one table", F);
    lua_settop(L, 1);
    if (!check_fields(L, F, fields, 5))
        return 0;
    const char *name = get_name(L, F);
    if (!name)
        return 0;
    char what[200];
    snprintf(what, sizeof what, "function '%s'", name);
    if (rawfield(L, 1, "fn") != LUA_TFUNCTION)
        return reg_error(L, "E0403", NULL, "%s: 'fn' must be a function", what);
    rawfield(L, 1, "doc");
    if (!lua_isnil(L, -1) && lua_type(L, -1) != LUA_TSTRING)
        return reg_error(L, "E0403", NULL, "%s: 'doc' must be a string", what);
    if (lp->mode == LP_LOAD) {
        if (kg_builtin_find(name))
            return reg_error(L, "E0405", "choose another name", "%s: '%s' is a built-in function", what, name);
        for (size_t i = 0; i < lp->fns.n; i++)
            if (strcmp(((kg_fn *)lp->fns.v[i])->name, name) == 0)
                return reg_error(L, "E0405", NULL, "%s is registered twice", what);
    }
    kg_fn *fn = kg_arena_alloc(lp->arena, sizeof *fn);
    if (!fn)
        return luaL_error(L, "out of memory");
    fn->name = kg_arena_strdup(lp->arena, name);
    fn->doc = lua_type(L, 4) == LUA_TSTRING ? kg_arena_strdup(lp->arena, lua_tostring(L, 4)) : NULL;
    kg_buf_printf(&lp->digest, "function %s(", name);
    int args = rawfield(L, 1, "args");
    int aidx = lua_gettop(L);
    if (args != LUA_TNIL && args != LUA_TTABLE)
        return reg_error(L, "E0403", NULL, "%s: 'args' must be a list of types", what);
    lua_Integer nargs = args == LUA_TTABLE ? (lua_Integer)lua_rawlen(L, aidx) : 0;
    if (nargs > KG_FN_MAXARGS)
        return reg_error(L, "E0403", NULL, "%s takes at most %d arguments", what, KG_FN_MAXARGS);
    for (lua_Integer i = 1; i <= nargs; i++) {
        kg_fnparam *p = &fn->params[i - 1];
        char pwhat[260], pname[64];
        snprintf(pname, sizeof pname, "arg%d", (int)i);
        snprintf(pwhat, sizeof pwhat, "%s, argument %d", what, (int)i);
        lua_rawgeti(L, aidx, i);
        int el = lua_gettop(L), tyidx = el;
        if (lua_type(L, el) == LUA_TTABLE && rawfield(L, el, "type") != LUA_TNIL) {
            /* {name = "d", type = "date", optional = true} */
            tyidx = lua_gettop(L);
            if (rawfield(L, el, "name") != LUA_TNIL) {
                size_t n;
                const char *s = lua_tolstring(L, -1, &n);
                if (lua_type(L, -1) != LUA_TSTRING || !kg_is_ident(s, n) || n > 60)
                    return reg_error(L, "E0403", NULL, "%s: 'name' must be a name", pwhat);
                snprintf(pname, sizeof pname, "%s", s);
            }
            lua_pop(L, 1);
            rawfield(L, el, "optional");
            p->optional = lua_toboolean(L, -1);
            lua_pop(L, 1);
        } else if (lua_type(L, el) == LUA_TSTRING) {
            /* "date", "date?", "d: date" */
            const char *s = lua_tostring(L, el), *colon = strchr(s, ':');
            if (colon) {
                size_t n = (size_t)(colon - s);
                while (n && s[n - 1] == ' ')
                    n--;
                if (!kg_is_ident(s, n) || n > 60)
                    return reg_error(L, "E0403", NULL, "%s: '%s' is not 'name: type'", pwhat, s);
                snprintf(pname, sizeof pname, "%.*s", (int)n, s);
                lua_pushstring(L, colon + 1);
                tyidx = lua_gettop(L);
            }
        }
        for (lua_Integer j = 1; j < i; j++)
            if (strcmp(fn->params[j - 1].name, pname) == 0)
                return reg_error(L, "E0403", NULL, "%s: two arguments are named '%s'", what, pname);
        kg_buf_printf(&lp->digest, "%s%s:", i > 1 ? "," : "", pname);
        bool opt = false;
        if (!parse_type(L, tyidx, pwhat, &p->ty, &opt))
            return 0;
        if (p->optional && !opt)
            kg_buf_putc(&lp->digest, '?');
        p->optional |= opt;
        if (i > 1 && fn->params[i - 2].optional && !p->optional)
            return reg_error(L, "E0403", NULL, "%s: a required argument cannot follow an optional one", pwhat);
        p->name = kg_arena_strdup(lp->arena, pname);
        lua_settop(L, aidx);
    }
    fn->nparams = (int)nargs;
    kg_buf_puts(&lp->digest, ")->");
    if (rawfield(L, 1, "returns") == LUA_TNIL)
        return reg_error(L, "E0403", "returns = \"date\" (or integer, boolean, string, {\"a\", \"b\"})",
                         "%s: 'returns' is missing", what);
    snprintf(what + strlen(what), sizeof what - strlen(what), ", result");
    if (!parse_type(L, -1, what, &fn->ret, NULL))
        return 0;
    kg_buf_putc(&lp->digest, '\n');
    fn->impl = NULL; /* set by the loader below */
    if (lp->mode == LP_LOAD) {
        fn->ud_index = (int)lp->fns.n;
        if (!kg_vec_push(&lp->fns, &lp->mem, fn))
            return luaL_error(L, "out of memory");
        return 0;
    }
    if (lp->nfnrefs == lp->capfnrefs) {
        int cap = lp->capfnrefs ? lp->capfnrefs * 2 : 8;
        int *r = kg_mem_realloc(&lp->mem, lp->fnrefs, sizeof(int) * (size_t)lp->capfnrefs, sizeof(int) * (size_t)cap);
        if (!r)
            return luaL_error(L, "out of memory");
        lp->fnrefs = r;
        lp->capfnrefs = cap;
    }
    rawfield(L, 1, "fn");
    lp->fnrefs[lp->nfnrefs++] = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

/* ---- kigen.register_hook ------------------------------------------------------ */

/* reads = {"district", ...}: the facts and rules a hook reads. At load
 * time each must exist (a typo is an error, not a nil at run time), and a
 * fact read by a hook counts as used. */
static bool hook_reads(lua_State *L, const char *what)
{
    lp_state *lp = lp_of(L);
    int t = rawfield(L, 1, "reads");
    if (t == LUA_TNIL)
        return true;
    if (t != LUA_TTABLE)
        return reg_error(L, "E0403", NULL, "%s: 'reads' must be a list of fact and rule names", what), false;
    int idx = lua_gettop(L);
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        const char *s = lua_tostring(L, -1);
        if (lua_type(L, -1) != LUA_TSTRING)
            return reg_error(L, "E0403", NULL, "%s: 'reads' must be a list of names", what), false;
        if (lp->mode == LP_LOAD) {
            kg_def *d = kg_loader_find(lp->loader, s);
            if (!d || d->kind == KIND_PARAM) {
                const char *cands[4096];
                size_t k = 0;
                for (size_t j = 0; j < lp->loader->defs.n && k < 4096; j++)
                    if (((kg_def *)lp->loader->defs.v[j])->kind != KIND_PARAM)
                        cands[k++] = ((kg_def *)lp->loader->defs.v[j])->name;
                const char *close = kg_closest(s, cands, k);
                char hint[120];
                if (close)
                    snprintf(hint, sizeof hint, "did you mean '%s'?", close);
                return reg_error(L, "E0403", close ? hint : NULL, "%s reads '%s', which is %s", what, s,
                                 d ? "a param (hooks read facts and rules)" : "not a fact or rule of the rule set"),
                       false;
            }
            d->used = true;
        }
        lua_pop(L, 1);
    }
    return true;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

int lp_register_hook(lua_State *L)
{
    lp_state *lp = lp_of(L);
    static const char *const fields[] = {"name", "outputs", "fn", "doc", "reads"};
    const char *F = "kigen.register_hook";
    if (!lp->loading) {
        lp->code = "E0403";
        return luaL_error(L, "%s can be called only while the scripts load (at their top level)", F);
    }
    if (lua_type(L, 1) != LUA_TTABLE)
        return reg_error(L, "E0403", "kigen.register_hook{ name = ..., outputs = {...}, fn = function(rec) ... end }",
                         "%s takes one table", F);
    lua_settop(L, 1);
    if (!check_fields(L, F, fields, 5))
        return 0;
    const char *name = get_name(L, F); /* 2 */
    if (!name)
        return 0;
    char what[200];
    snprintf(what, sizeof what, "hook '%s'", name);
    if (rawfield(L, 1, "fn") != LUA_TFUNCTION) /* 3 */
        return reg_error(L, "E0403", NULL, "%s: 'fn' must be a function", what);
    rawfield(L, 1, "doc"); /* 4 */
    if (!lua_isnil(L, 4) && lua_type(L, 4) != LUA_TSTRING)
        return reg_error(L, "E0403", NULL, "%s: 'doc' must be a string", what);
    int ot = rawfield(L, 1, "outputs"); /* 5 */
    if (ot != LUA_TNIL && ot != LUA_TTABLE)
        return reg_error(L, "E0403", NULL, "%s: 'outputs' must be a table {name = type, ...}", what);
    for (int i = 0; i < lp->nhooks; i++)
        if (strcmp(lp->hooks[i].name, name) == 0)
            return reg_error(L, "E0405", NULL, "%s is registered twice", what);
    if (!hook_reads(L, what))
        return 0;
    lua_settop(L, 5);
    /* Output names, sorted: a table has no order, the digest needs one. */
    int nout = 0;
    const char *names[256];
    if (ot == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, 5)) {
            lua_pop(L, 1);
            size_t n = 0;
            /* never lua_tolstring a key that is not a string: it would
             * change the key in place and break the traversal */
            const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &n) : NULL;
            if (!k || !kg_is_ident(k, n))
                return lua_pop(L, 1),
                       reg_error(L, "E0403", NULL, "%s: output names must be names of letters, digits and _", what);
            if (nout == 256)
                return lua_pop(L, 1), reg_error(L, "E0403", NULL, "%s declares more than 256 outputs", what);
            /* copied at once: nothing may point into a script's table */
            if (!(names[nout++] = kg_arena_strndup(lp->arena, k, n)))
                return luaL_error(L, "out of memory");
        }
    }
    qsort(names, (size_t)nout, sizeof names[0], cmp_str);
    if (lp->nhooks == lp->caphooks) {
        int cap = lp->caphooks ? lp->caphooks * 2 : 4;
        lp_hook *h = kg_mem_realloc(&lp->mem, lp->hooks, sizeof(lp_hook) * (size_t)lp->caphooks, sizeof(lp_hook) * (size_t)cap);
        if (!h)
            return luaL_error(L, "out of memory");
        lp->hooks = h;
        lp->caphooks = cap;
    }
    lp_hook *h = &lp->hooks[lp->nhooks];
    memset(h, 0, sizeof *h);
    h->ref = LUA_NOREF;
    h->name = kg_arena_strdup(lp->arena, name);
    h->what = kg_arena_printf(lp->arena, "hook '%s'", name);
    h->out_names = kg_arena_alloc(lp->arena, sizeof(char *) * (size_t)(nout ? nout : 1));
    h->out_types = kg_arena_alloc(lp->arena, sizeof(kg_type) * (size_t)(nout ? nout : 1));
    if (!h->name || !h->what || !h->out_names || !h->out_types)
        return luaL_error(L, "out of memory");
    kg_buf_printf(&lp->digest, "hook %s{", name);
    int line = 0, fi = caller_pos(L, &line);
    for (int i = 0; i < nout; i++) {
        char owhat[300];
        snprintf(owhat, sizeof owhat, "%s, output '%s'", what, names[i]);
        rawfield(L, 5, names[i]); /* 6 */
        const char *odoc = lua_isstring(L, 4) ? lua_tostring(L, 4) : NULL;
        int tyidx = 6;
        if (lua_type(L, 6) == LUA_TTABLE && rawfield(L, 6, "type") != LUA_TNIL) {
            /* {type = "date", doc = "..."} */
            tyidx = 7;
            if (rawfield(L, 6, "doc") == LUA_TSTRING)
                odoc = lua_tostring(L, -1);
            lua_insert(L, 7); /* keep it anchored below the type */
            tyidx = 8;
        }
        kg_buf_printf(&lp->digest, "%s%s:", i ? "," : "", names[i]);
        kg_type ty;
        if (!parse_type(L, tyidx, owhat, &ty, NULL))
            return 0;
        h->out_names[i] = kg_arena_strdup(lp->arena, names[i]);
        h->out_types[i] = ty;
        if (!h->out_names[i])
            return luaL_error(L, "out of memory");
        if (lp->mode == LP_LOAD) {
            for (int k = 0; k < lp->nhooks; k++)
                for (int j = 0; j < lp->hooks[k].nout; j++)
                    if (strcmp(lp->hooks[k].out_names[j], names[i]) == 0)
                        return reg_error(L, "E0405", NULL, "%s: output '%s' is already set by hook '%s'", what,
                                         names[i], lp->hooks[k].name);
            const kg_srcfile *src = fi >= 0 ? lp->files[fi].src : NULL;
            kg_ynode *where = kg_arena_alloc(lp->arena, sizeof *where);
            if (!where)
                return luaL_error(L, "out of memory");
            where->kind = KG_Y_SCALAR;
            where->text = h->out_names[i];
            where->len = strlen(where->text);
            where->file = src;
            where->line = line;
            where->col = first_col(src, line);
            where->off = src ? kg_srcfile_offset(src, line, where->col > 0 ? where->col : 1) : KG_NOPOS;
            if (where->off == KG_NOPOS)
                where->off = 0;
            kg_def *d = kg_loader_add_hook_output(lp->loader, h->out_names[i], ty, odoc, where);
            if (d)
                d->source = kg_arena_printf(lp->arena, "policy script %s, hook %s",
                                            src ? src->name : "?", h->name);
        }
        lua_settop(L, 5);
    }
    kg_buf_puts(&lp->digest, "}\n");
    h->nout = nout;
    if (lp->mode == LP_CTX) {
        lua_pushvalue(L, 3);
        h->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    lp->nhooks++;
    return 0;
}

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
        out->u.s = c ? kg_arena_strndup(&c->scratch, s, n) : s;
        if (!out->u.s)
            luaL_error(L, "out of memory copying a string");
        return true;
    }
    default:
        return false;
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
        return luaL_error(L, "rec.set('%s'): expected %s, got %s", name, want_text(h->out_types[k], tb, sizeof tb),
                          describe(L, b + 1));
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
static void push_map(lua_State *L, int kind) { lua_pushvalue(L, lua_upvalueindex(kind)); }

static int view_lookup(lua_State *L, lp_recud *u)
{
    lp_state *lp = lp_of(L);
    int map = lua_gettop(L) + 1;
    push_map(L, u->kind);
    lua_pushvalue(L, 2);
    if (lua_rawget(L, map) == LUA_TNUMBER) {
        lp_push_val(L, &lp->c->vals[lua_tointeger(L, -1)]);
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
    static const char *const keys[] = {"facts", "outputs", "rules", "set", "note", "today", "record", "hook"};
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
        v.u.d = kg_today(lp->c);
        lp_push_val(L, &v);
        return 1;
    }
    if (strcmp(k, "record") == 0) {
        if (lp->c->record > 0)
            lua_pushinteger(L, (lua_Integer)lp->c->record);
        else
            lua_pushnil(L);
        return 1;
    }
    if (strcmp(k, "hook") == 0) {
        lua_pushstring(L, lp->hooks[lp->cur_hook].name);
        return 1;
    }
    const char *close = kg_closest(k, keys, 8);
    return luaL_error(L, "rec has no field '%s'%s%s%s (it has: facts, outputs, rules, set, note, today, record, hook)",
                      k, close ? " (did you mean '" : "", close ? close : "", close ? "'?)" : "");
}

/* pairs(rec.facts): the iterator checks the view at every step, so a saved
 * iterator dies with its record too. */
static int view_next(lua_State *L)
{
    lp_state *lp = lp_of(L);
    lp_recud *u = live_view(L, lua_upvalueindex(2));
    (void)u;
    lua_settop(L, 2);
    if (!lua_next(L, lua_upvalueindex(1)))
        return 0;
    lp_push_val(L, &lp->c->vals[lua_tointeger(L, -1)]);
    lua_remove(L, -2);
    return 2;
}

static int rec_pairs(lua_State *L)
{
    lp_recud *u = live_view(L, 1);
    if (u->kind == REC_REC)
        return luaL_error(L, "rec cannot be iterated; iterate rec.facts, rec.outputs or rec.rules");
    push_map(L, u->kind);
    lua_pushvalue(L, 1);
    lua_pushcclosure(L, view_next, 2);
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
    kigen_ruleset *rs = lp->c->rs;
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
    /* the one metatable of rec and its views */
    lua_createtable(L, 0, 6);
    for (int i = 1; i <= 5; i++)
        lua_pushvalue(L, i);
    lua_pushcclosure(L, rec_index, 5);
    lua_setfield(L, -2, "__index");
    for (int i = 1; i <= 3; i++)
        lua_pushvalue(L, i);
    lua_pushcclosure(L, rec_pairs, 3);
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

static void lp_fn_impl(kg_evalctx *ec, const kg_fn *fn, const kg_val *args, int n, kg_val *out)
{
    lp_state *lp = ec->c->lua;
    if (!lp || fn->ud_index < 0 || fn->ud_index >= lp->nfnrefs) {
        kg_val_err(ec, out, "function %s: policy scripts are not running in this context", fn->name);
        return;
    }
    lp_fncall fc = {fn, args, n, out, false, ""};
    int saved = lp->cur_hook;
    lp->cur_hook = -1;
    lp->what = lp->fn_what[fn->ud_index];
    int rc = lp_call(lp, sb_fn, &fc, lp->fnrefs[fn->ud_index], true);
    lp->cur_hook = saved;
    char rec[40] = "";
    if ((rc != 0 || fc.bad) && ec->c->record > 0)
        snprintf(rec, sizeof rec, " (record %ld)", ec->c->record);
    if (rc != 0)
        kg_val_err(ec, out, "%s (in function %s)%s", lp->err, fn->name, rec);
    else if (fc.bad)
        kg_val_err(ec, out, "%s%s", fc.why, rec);
}

/* ---- load time ----------------------------------------------------------------------- */

static void report(kg_loader *L, lp_state *lp, int file)
{
    int line = 0;
    const char *rest = lp->err;
    int fi = lp_locate(lp, lp->err, &line, &rest);
    if (fi < 0) {
        fi = file;
        rest = lp->err;
    }
    const kg_srcfile *src = lp->files[fi].src;
    kg_diag_at(L->d, ERR, lp->code ? lp->code : "E0402", src, line, first_col(src, line), NULL, NULL,
               "%s", rest);
}

void kg_lua_load_scripts(kg_loader *L)
{
    kigen_ruleset *rs = L->rs;
    const char *why = NULL;
    if (L->lua.n == 0)
        return;
    const kg_ynode *first = L->lua.v[0];
    lp_state *lp = lp_new(LP_LOAD, &rs->mem, &rs->opts, &why);
    if (!lp) {
        kg_diag(L->d, ERR, "E0409", first->file, first->off, NULL,
                "raise kigen_opts.lua_memory_limit", "policy scripts: %s (memory limit %zu bytes)", why,
                rs->opts.lua_memory_limit ? rs->opts.lua_memory_limit : LP_DEFAULT_MEMORY);
        return;
    }
    lp->loader = L;
    lp->arena = L->a;
    size_t errors0 = kigen_diags_errors(L->d);
    int nentry = 0;
    for (size_t i = 0; i < L->lua.n; i++) {
        const kg_ynode *n = L->lua.v[i];
        char why2[200];
        const char *text = NULL;
        size_t len = 0;
        bool dup = false;
        const char *norm = lp_normalise(L->a, n->text);
        for (int k = 0; k < lp->nfiles && !dup; k++)
            dup = norm && strcmp(lp->files[k].name, norm) == 0;
        if (dup)
            continue; /* named by two layers: run once */
        size_t pl = strlen(n->text);
        if (pl < 4 || strcmp(n->text + pl - 4, ".lua") != 0) {
            kg_diag(L->d, ERR, "E0400", n->file, n->off, "a Lua text file named *.lua", NULL,
                    "policy script '%s' is not named *.lua", n->text);
            continue;
        }
        if (!kg_loader_path_allowed(L, n, n->text))
            continue;
        char *block = lp_read_script(L->a, n->text, &text, &len, why2, sizeof why2);
        if (!block) {
            kg_diag(L->d, ERR, "E0400", n->file, n->off, "a readable Lua text file", NULL,
                    "cannot read policy script '%s': %s", n->text, why2);
            continue;
        }
        int idx = lp_add_file(lp, block, text, len, false);
        if (idx < 0) {
            kg_diag(L->d, ERR, "E0400", n->file, n->off, NULL, NULL,
                    "policy script '%s': more than %d script files, or out of memory", n->text, LP_MAX_FILES);
            continue;
        }
        nentry++;
        if (lp_run_file(lp, idx) != 0)
            report(L, lp, idx);
    }
    /* Keep what the contexts need in the rule set. The functions go in
     * even when a script had errors (the load fails then anyway), so that
     * their calls are still checked and do not cascade into "unknown
     * function". */
    bool failed = kigen_diags_errors(L->d) > errors0 || lp->digest.failed;
    int nfn = (int)lp->fns.n;
    rs->lua_fns = kg_arena_alloc(L->a, sizeof(kg_fn *) * (size_t)(nfn ? nfn : 1));
    int nmod = lp->nfiles - nentry;
    const char **scripts = kg_arena_alloc(L->a, sizeof(char *) * (size_t)(lp->nfiles + 2));
    char *digest = kg_arena_strdup(L->a, kg_buf_cstr(&lp->digest));
    if (!rs->lua_fns || !scripts || !digest) {
        lp_free(lp);
        return;
    }
    for (int i = 0; i < nfn; i++) {
        kg_fn *fn = lp->fns.v[i];
        fn->impl = lp_fn_impl;
        rs->lua_fns[i] = fn;
    }
    rs->nlua_fns = nfn;
    if (failed) {
        lp_free(lp);
        return;
    }
    int e = 0, m = nentry + 1;
    for (int i = 0; i < lp->nfiles; i++) {
        if (lp->files[i].module)
            scripts[m++] = lp->files[i].path;
        else
            scripts[e++] = lp->files[i].path;
    }
    scripts[nentry] = digest;
    scripts[nentry + 1 + nmod] = NULL;
    rs->lua_scripts = scripts;
    rs->nlua = nentry;
    lp_free(lp);
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

int kg_lua_ctx_init(kigen_ctx *c)
{
    kigen_ruleset *rs = c->rs;
    const char *why = NULL;
    c->lua = NULL;
    if (rs->nlua <= 0 || !rs->lua_scripts)
        return KIGEN_OK;
    lp_state *lp = lp_new(LP_CTX, &c->mem, &rs->opts, &why);
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
    for (int i = 0; i < rs->nlua; i++)
        if (lp_run_file(lp, i) != 0)
            return ctx_fail(c, lp, "%s", lp->err);
    if (lp->digest.failed || strcmp(kg_buf_cstr(&lp->digest), sc[rs->nlua]) != 0 ||
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
                return ctx_fail(c, lp, "policy scripts: hook output '%s' is not in the rule set", h->out_names[k]);
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
    c->lua = lp;
    return KIGEN_OK;
}

void kg_lua_ctx_free(kigen_ctx *c)
{
    lp_free(c->lua);
    c->lua = NULL;
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
        u->record = c->record;
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
        c->vals[h->out_slots[k]] = v;
        lua_pop(L, 1);
    }
    lua_Integer nn = (lua_Integer)lua_rawlen(L, 3);
    for (lua_Integer j = 1; j <= nn; j++) {
        size_t len;
        lua_rawgeti(L, 3, j);
        const char *s = lua_tolstring(L, -1, &len);
        char *p = s ? kg_arena_strndup(&c->scratch, s, len) : NULL;
        if (!p || !kg_vec_push(&c->notes, &c->mem, p))
            return luaL_error(L, "out of memory keeping a note");
        lua_pop(L, 1);
    }
    return 0;
}

int kg_lua_run_hooks(kigen_ctx *c)
{
    lp_state *lp = c->lua;
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
            if (c->record > 0)
                kg_ctx_err(c, "%s (record %ld)", lp->err, c->record);
            else
                kg_ctx_err(c, "%s", lp->err);
            return KIGEN_ELUA;
        }
    }
    return KIGEN_OK;
}
