/* Policy scripts at load time (issue 5): every script a rule file names
 * runs once in a sandboxed state of its own to learn what it registers:
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
 * kigen.register_function and kigen.register_hook run here in both modes:
 * at load they report diagnostics; in a context they rebuild the
 * registrations (call.c checks they are the same). */
#include <lauxlib.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "lua/policy.h"
#include "lua/sandbox.h"
#include "sema/functions.h"

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

/* ---- bounds on what registrations copy ---------------------------------- */

/* A doc (at index idx, a string or nil) is at most LP_MAX_DOC_BYTES. */
static bool doc_ok(lua_State *L, int idx, const char *what)
{
    size_t n = 0;
    if (lua_type(L, idx) == LUA_TSTRING && (lua_tolstring(L, idx, &n), n > LP_MAX_DOC_BYTES)) {
        reg_error(L, "E0403", "keep the doc to a few lines; longer text belongs in the script's comments",
                  "%s: 'doc' is %zu bytes, at most %d", what, n, LP_MAX_DOC_BYTES);
        return false;
    }
    return true;
}

/* Count n bytes that a registration copies to host memory. Past the
 * bound the script stops (one error, not one per registration after it). */
static void reg_charge(lua_State *L, size_t n, const char *what)
{
    lp_state *lp = lp_of(L);
    lp->reg_bytes += n;
    if (lp->reg_bytes > LP_MAX_REG_BYTES) {
        lp->code = "E0403";
        luaL_error(L, "%s: the policy scripts' registrations (names and docs) take more than %d bytes", what,
                   (int)LP_MAX_REG_BYTES);
    }
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
                reg_error(L, "E0404", NULL, "%s: enum value %d must be a name of letters, digits and _", what,
                          (int)i);
                return false;
            }
            for (lua_Integer j = 1; j < i; j++)
                if (strcmp(names[j - 1], s) == 0) {
                    lua_pop(L, 1);
                    reg_error(L, "E0404", NULL, "%s: enum value '%s' is listed twice", what, s);
                    return false;
                }
            reg_charge(L, 2 * len + 16, what); /* copied, and written into the digest */
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
    reg_error(L, "E0404", NULL,
              "%s: a type is a name (date, integer, boolean, string) or a list of names, not a %s", what,
              luaL_typename(L, idx));
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
            /* what authors write by habit, as data: the word they meant */
            static const char *const habit[][2] = {
                {"result", "returns"}, {"return", "returns"}, {"returntype", "returns"}, {"ret", "returns"},
                {"arguments", "args"}, {"params", "args"},    {"parameters", "args"},    {"func", "fn"},
                {"callback", "fn"},    {"handler", "fn"},     {"description", "doc"},    {"help", "doc"},
                {"output", "outputs"}, {"inputs", "reads"},   {"uses", "reads"},
            };
            const char *close = k ? kg_closest(k, allowed, n) : NULL;
            for (size_t h = 0; k && !close && h < sizeof habit / sizeof habit[0]; h++)
                for (size_t i = 0; i < n && !close; i++)
                    if (strcmp(k, habit[h][0]) == 0 && strcmp(habit[h][1], allowed[i]) == 0)
                        close = allowed[i];
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
        reg_error(L, "E0403", NULL,
                  "%s: 'name' must be a name of letters, digits and _ (not starting with a digit)", fn);
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
        return reg_error(
            L, "E0403",
            "kigen.register_function{ name = ..., args = {...}, returns = ..., fn = function ... end }",
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
    if (!doc_ok(L, 4, what))
        return 0;
    reg_charge(L, strlen(name) + lua_rawlen(L, 4) + 64, what);
    if (lp->fns.n >= LP_MAX_FUNCTIONS) {
        lp->code = "E0403";
        return luaL_error(L, "%s: the policy scripts register more than %d functions", what,
                          LP_MAX_FUNCTIONS);
    }
    if (lp->mode == LP_LOAD) {
        if (kg_builtin_find(name))
            return reg_error(L, "E0405", "choose another name", "%s: '%s' is a built-in function", what,
                             name);
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
            return reg_error(L, "E0403", NULL, "%s: a required argument cannot follow an optional one",
                             pwhat);
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
        int *r = kg_mem_realloc(&lp->mem, lp->fnrefs, sizeof(int) * (size_t)lp->capfnrefs,
                                sizeof(int) * (size_t)cap);
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
                                 d ? "a param (hooks read facts and rules)"
                                   : "not a fact or rule of the rule set"),
                       false;
            }
            d->used = true;
        }
        lua_pop(L, 1);
    }
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

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
        return reg_error(L, "E0403",
                         "kigen.register_hook{ name = ..., outputs = {...}, fn = function(rec) ... end }",
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
    if (!doc_ok(L, 4, what))
        return 0;
    reg_charge(L, 2 * strlen(name) + 64, what);
    if (lp->nhooks >= LP_MAX_HOOKS) {
        lp->code = "E0403";
        return luaL_error(L, "%s: the policy scripts register more than %d hooks", what, LP_MAX_HOOKS);
    }
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
                       reg_error(L, "E0403", NULL, "%s: output names must be names of letters, digits and _",
                                 what);
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
        lp_hook *h = kg_mem_realloc(&lp->mem, lp->hooks, sizeof(lp_hook) * (size_t)lp->caphooks,
                                    sizeof(lp_hook) * (size_t)cap);
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
    bool bad_type = false; /* every output's type is checked, so that one load reports them all */
    for (int i = 0; i < nout; i++) {
        char owhat[300];
        snprintf(owhat, sizeof owhat, "%s, output '%s'", what, names[i]);
        rawfield(L, 5, names[i]); /* 6 */
        const char *odoc = lua_isstring(L, 4) ? lua_tostring(L, 4) : NULL;
        int tyidx = 6;
        if (lua_type(L, 6) == LUA_TTABLE && rawfield(L, 6, "type") != LUA_TNIL) {
            /* {type = "date", doc = "..."} */
            if (rawfield(L, 6, "doc") == LUA_TSTRING)
                odoc = lua_tostring(L, -1);
            lua_insert(L, 7); /* keep it anchored below the type */
            tyidx = 8;
            if (!doc_ok(L, 7, owhat))
                return 0;
        }
        /* the output's doc is copied once per output */
        reg_charge(L, 2 * strlen(names[i]) + (odoc ? strlen(odoc) : 0) + 128, owhat);
        kg_buf_printf(&lp->digest, "%s%s:", i ? "," : "", names[i]);
        kg_type ty;
        if (!parse_type(L, tyidx, owhat, &ty, NULL)) {
            bad_type = true;
            lua_settop(L, 5);
            continue;
        }
        if (bad_type) {
            lua_settop(L, 5);
            continue; /* only checking the rest */
        }
        h->out_names[i] = kg_arena_strdup(lp->arena, names[i]);
        h->out_types[i] = ty;
        if (!h->out_names[i])
            return luaL_error(L, "out of memory");
        if (lp->mode == LP_LOAD) {
            for (int k = 0; k < lp->nhooks; k++)
                for (int j = 0; j < lp->hooks[k].nout; j++)
                    if (strcmp(lp->hooks[k].out_names[j], names[i]) == 0)
                        return reg_error(L, "E0405", NULL, "%s: output '%s' is already set by hook '%s'",
                                         what, names[i], lp->hooks[k].name);
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
                d->source =
                    kg_arena_printf(lp->arena, "policy script %s, hook %s", src ? src->name : "?", h->name);
        }
        lua_settop(L, 5);
    }
    if (bad_type)
        return 0; /* reported; the hook is not registered */
    kg_buf_puts(&lp->digest, "}\n");
    h->nout = nout;
    if (lp->mode == LP_CTX) {
        lua_pushvalue(L, 3);
        h->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    lp->nhooks++;
    return 0;
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
    int col = first_col(src, line);
    /* a syntax error "... near 'tok'": the caret under the token, when the
     * line has it (Lua gives the line only) */
    const char *near = lp->code && strcmp(lp->code, "E0401") == 0 ? strstr(rest, " near '") : NULL;
    if (near && src && line >= 1 && (size_t)line <= src->nlines) {
        const char *tok = near + 7, *q = strchr(tok, '\'');
        size_t tl = q ? (size_t)(q - tok) : 0;
        size_t off = src->line_start[line - 1], end = off;
        while (end < src->len && src->text[end] != '\n')
            end++;
        /* the last one on the line: where the parser gave up */
        for (size_t i = off; tl > 0 && i + tl <= end; i++)
            if (memcmp(src->text + i, tok, tl) == 0)
                col = (int)(i - off) + 1;
    }
    kg_diag_at(L->d, ERR, lp->code ? lp->code : "E0402", src, line, col, NULL, NULL, "%s", rest);
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
        kg_diag(L->d, ERR, "E0409", first->file, first->off, NULL, "raise kigen_opts.lua_memory_limit",
                "policy scripts: %s (memory limit %zu bytes)", why,
                rs->opts.lua_memory_limit ? rs->opts.lua_memory_limit : LP_DEFAULT_MEMORY);
        return;
    }
    lp->loader = L;
    lp->arena = L->a;
    /* The contexts require the same stubs: keep a copy with the rule set. */
    if (rs->opts.lua_stubs) {
        size_t n = 0;
        while (rs->opts.lua_stubs[n] && rs->opts.lua_stubs[n + 1])
            n += 2;
        const char **copy = kg_arena_alloc(L->a, sizeof(char *) * (n + 1));
        for (size_t i = 0; copy && i < n; i++)
            if (!(copy[i] = kg_arena_strdup(L->a, rs->opts.lua_stubs[i])))
                copy = NULL;
        if (copy)
            copy[n] = NULL;
        rs->opts.lua_stubs = copy;
        lp->stubs = copy;
    }
    size_t errors0 = kigen_diags_errors(L->d);
    int nentry = 0;
    for (size_t i = 0; i < L->lua.n; i++) {
        const kg_ynode *n = L->lua.v[i];
        char why2[PATH_MAX + 300];
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
        char *block = lp_read_script(L->a, n->text, L->rs->opts.include_root, &text, &len, why2, sizeof why2);
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
    char swhy[400];
    if (!lp_stubs_ok(lp, swhy, sizeof swhy))
        kg_diag(
            L->d, ERR, "E0408", first->file, first->off, NULL,
            "module stand-ins are for tests (kigen test's modules:); name only modules the scripts require",
            "%s", swhy);
    /* Keep what the contexts need in the rule set. The functions go in
     * even when a script had errors (the load fails then anyway), so that
     * their calls are still checked and do not cascade into "unknown
     * function". */
    bool failed = kigen_diags_errors(L->d) > errors0 || lp->digest.failed;
    L->lua_failed = failed;
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
        fn->impure = true; /* a script: never folded by the compiler */
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
