/* Line coverage of policy scripts (kigen test --coverage).
 *
 * Which lines have code comes from the compiled chunk: Lua's public API
 * gives the lines of one function only once it runs (lua_getinfo "L"), and
 * a function no test called is exactly what an author needs to see. So
 * the chunk is compiled again and lua_dump'ed, and the dump's line
 * information is read for the main function and every nested one, as
 * luaG_getfuncline does (lineinfo deltas, absolute entries). The format is
 * Lua 5.4's (ldump.c): the header is checked first, and a dump that does
 * not read as expected leaves the file with no executable lines rather
 * than wrong ones. The line hook (sandbox.c) counts the lines that run. */
#include <string.h>

#include "base/mem.h"
#include "lua/sandbox.h"
#include "rt/coverage.h"

typedef struct dump_reader {
    const unsigned char *p, *end;
    bool bad;
    kg_cov_file *f;
} dump_reader;

static unsigned byte_at(dump_reader *r)
{
    if (r->p >= r->end) {
        r->bad = true;
        return 0;
    }
    return *r->p++;
}

static size_t read_size(dump_reader *r)
{
    size_t x = 0;
    unsigned b;
    int n = 0;
    do {
        b = byte_at(r);
        if (++n > 10)
            r->bad = true;
        x = (x << 7) | (b & 0x7f);
    } while (!(b & 0x80) && !r->bad);
    return x;
}

static void skip(dump_reader *r, size_t n)
{
    if ((size_t)(r->end - r->p) < n) {
        r->bad = true;
        r->p = r->end;
        return;
    }
    r->p += n;
}

static void skip_string(dump_reader *r)
{
    size_t n = read_size(r);
    if (n > 0)
        skip(r, n - 1);
}

enum { ABSLINEINFO = -0x80 };

/* One function prototype and, recursively, the ones nested in it. */
static void read_function(dump_reader *r, int depth)
{
    if (depth > 200 || r->bad) {
        r->bad = true;
        return;
    }
    skip_string(r);
    long linedefined = (long)read_size(r);
    (void)read_size(r); /* lastlinedefined */
    (void)byte_at(r);   /* numparams */
    bool vararg = byte_at(r) != 0;
    (void)byte_at(r); /* maxstacksize */
    size_t ncode = read_size(r);
    skip(r, ncode * 4);
    size_t nk = read_size(r);
    for (size_t i = 0; i < nk && !r->bad; i++) {
        unsigned tt = byte_at(r);
        if (tt == 3 || tt == 19) /* integer, float */
            skip(r, 8);
        else if (tt == 4 || tt == 20) /* short, long string */
            skip_string(r);
        else if (tt != 0 && tt != 1 && tt != 17) /* nil, false, true */
            r->bad = true;
    }
    size_t nup = read_size(r);
    skip(r, nup * 3);
    size_t np = read_size(r);
    for (size_t i = 0; i < np && !r->bad; i++)
        read_function(r, depth + 1);
    size_t nline = read_size(r);
    const signed char *li = (const signed char *)r->p;
    skip(r, nline);
    size_t nabs = read_size(r);
    const unsigned char *abs = r->p;
    for (size_t i = 0; i < nabs * 2 && !r->bad; i++)
        (void)read_size(r);
    if (r->bad)
        return;
    /* the lines of this function's instructions */
    dump_reader ar = {abs, r->p, false, NULL};
    long line = linedefined, last_line = -1;
    for (size_t pc = 0; pc < nline; pc++) {
        if (li[pc] == ABSLINEINFO) {
            (void)read_size(&ar); /* its pc */
            line = (long)read_size(&ar);
        } else {
            line += li[pc];
        }
        last_line = line;
    }
    /* A function's final return sits on its 'end' line and never runs when
     * the code returns earlier: that line counts only if other code is on it. */
    int on_last = 0;
    line = linedefined;
    ar.p = abs;
    for (size_t pc = 0; pc < nline; pc++) {
        if (li[pc] == ABSLINEINFO) {
            (void)read_size(&ar);
            line = (long)read_size(&ar);
        } else {
            line += li[pc];
        }
        if (line == last_line && pc + 1 < nline)
            on_last++;
        if (vararg && pc == 0)
            continue; /* OP_VARARGPREP: the line hook does not see it */
        if (pc + 1 == nline && on_last == 0)
            continue;
        if (line >= 1 && line <= r->f->nlines)
            r->f->exec[line] = 1;
    }
    size_t nloc = read_size(r);
    for (size_t i = 0; i < nloc && !r->bad; i++) {
        skip_string(r);
        (void)read_size(r);
        (void)read_size(r);
    }
    size_t nupn = read_size(r);
    for (size_t i = 0; i < nupn && !r->bad; i++)
        skip_string(r);
}

static int dump_writer(lua_State *L, const void *p, size_t sz, void *ud)
{
    (void)L;
    kg_buf_put(ud, p, sz);
    return 0;
}

/* The chunk of file idx, compiled and dumped: its lines with code. */
static int sb_lines(lua_State *L)
{
    lp_state *lp = lp_of(L);
    int idx = *(int *)lua_touserdata(L, 1);
    lp_file *f = &lp->files[idx];
    char chunk[70];
    snprintf(chunk, sizeof chunk, "@%s", f->display);
    if (luaL_loadbufferx(L, f->text, f->len, chunk, "t") != LUA_OK)
        return 0; /* it loaded once: it does; if not, no lines */
    kg_buf b;
    kg_buf_init(&b, &lp->mem);
    lua_dump(L, dump_writer, &b, 0);
    static const unsigned char head[] = {0x1b, 'L', 'u', 'a', 0x54, 0, 0x19, 0x93, '\r', '\n', 0x1a, '\n'};
    const unsigned char *d = (const unsigned char *)b.p;
    /* header: signature, version 5.4, format 0, LUAC_DATA, the sizes of
     * Instruction, lua_Integer and lua_Number, LUAC_INT, LUAC_NUM, then the
     * main function's upvalue count */
    if (!b.failed && b.len > 32 && memcmp(d, head, sizeof head) == 0 && d[12] == 4 && d[13] == 8 &&
        d[14] == 8) {
        dump_reader r = {d + 32, d + b.len, false, f->cov};
        read_function(&r, 0);
        if (r.bad)
            memset(f->cov->exec, 0, (size_t)f->cov->nlines + 1);
    }
    kg_buf_free(&b);
    return 0;
}

/* Lines as Lua's lexer counts them: a line ends at \n or \r, and \r\n or
 * \n\r is one line end (llex.c, inclinenumber). */
static int count_lines(const char *text, size_t len)
{
    int n = 1;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n' || text[i] == '\r') {
            if (i + 1 < len && (text[i + 1] == '\n' || text[i + 1] == '\r') && text[i + 1] != text[i])
                i++;
            if (i + 1 < len)
                n++;
        }
    return n;
}

bool lp_cov_start(lp_state *lp, kigen_coverage *cov)
{
    for (int i = 0; i < lp->nfiles; i++) {
        lp_file *f = &lp->files[i];
        f->cov = kg_cov_file_get(cov, f->name, count_lines(f->text, f->len));
        if (!f->cov)
            return false;
        int idx = i;
        if (lp_call(lp, sb_lines, &idx, LUA_NOREF, false) != 0)
            return false;
    }
    lp->cov_on = true;
    return true;
}

void lp_cov_line(lua_State *L, lua_Debug *ar)
{
    lp_state *lp = lp_of(L);
    if (!lua_getinfo(L, "S", ar) || ar->source[0] != '@')
        return;
    const char *src = ar->source + 1;
    if (lp->cov_last < 0 || lp->cov_last >= lp->nfiles || strcmp(lp->files[lp->cov_last].display, src) != 0) {
        lp->cov_last = -1;
        for (int i = 0; i < lp->nfiles && lp->cov_last < 0; i++)
            if (strcmp(lp->files[i].display, src) == 0)
                lp->cov_last = i;
        if (lp->cov_last < 0)
            return;
    }
    kg_cov_file *f = lp->files[lp->cov_last].cov;
    if (f && ar->currentline >= 1 && ar->currentline <= f->nlines && f->hits[ar->currentline] < UINT32_MAX)
        f->hits[ar->currentline]++;
}
