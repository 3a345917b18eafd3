/* The expression language: tokenizer and recursive-descent parser.
 *
 * Precedence, loosest first:
 *   if C then A else B
 *   or
 *   and
 *   not
 *   == != < <= > >= in      (not chainable)
 *   + -
 *   * / %
 *   unary -
 *   postfix: N days|months|years|weeks, name@date
 *   primary: literal, name, call(args, key: arg), (expr), [list]
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/calendar.h"
#include "front/parse.h"

#define MAX_DEPTH 200

typedef enum {
    T_EOF,
    T_INT,
    T_DATE,
    T_STR,
    T_IDENT,
    T_LP,
    T_RP,
    T_LB,
    T_RB,
    T_COMMA,
    T_COLON,
    T_AT,
    T_PLUS,
    T_MINUS,
    T_STAR,
    T_SLASH,
    T_PCT,
    T_EQ,
    T_NE,
    T_LT,
    T_LE,
    T_GT,
    T_GE,
    T_BAD
} tok_kind;

typedef struct tok {
    tok_kind k;
    size_t pos, len;
    int64_t ival;
} tok;

typedef struct parser {
    kg_arena *a;
    const kg_exprsrc *src;
    kigen_diags *d;
    const char *s;
    size_t n, i;
    tok t;
    int depth;
    bool failed;
    char tokbuf[64]; /* tok_text: per parser, as loads may run in parallel */
} parser;

static void perr(parser *p, size_t pos, const char *expected, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void perr(parser *p, size_t pos, const char *expected, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = true;
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t off = p->src->node ? kg_yscalar_offset(p->src->node, pos) : KG_NOPOS;
    /* More '(' than ')': YAML most likely cut the expression short (a ','
     * ends a value inside { }, "name: " starts a key) before kigen saw it. */
    int depth = 0;
    for (const char *t = p->src->text; t && *t; t++)
        depth += *t == '(' ? 1 : *t == ')' ? -1 : 0;
    const char *hint = depth > 0
                           ? "YAML may have cut the expression short (inside { } a ',' ends a value, and "
                             "'name: ' starts a key): quote the whole expression, value: \"f(a, after: d)\", "
                             "or write it as a block scalar (value: > and the expression on the next line)"
                           : NULL;
    /* Words in YAML's quotes ('c d'): YAML took the quotes, kigen reads
     * words. Said only for text that looks like words (no operator, no
     * kigen quote), where a text was surely meant. */
    const kg_ynode *n = p->src->node;
    char quoted[400];
    if (!hint && n && n->kind == KG_Y_SCALAR && (n->style == KG_YS_SINGLE || n->style == KG_YS_DOUBLE) &&
        p->src->text && strchr(p->src->text, ' ')) {
        bool words = true;
        for (const unsigned char *t = (const unsigned char *)p->src->text; *t && words; t++)
            words = *t >= 0x80 || *t == ' ' || *t == '_' || (*t >= '0' && *t <= '9') ||
                    ((*t | 0x20) >= 'a' && (*t | 0x20) <= 'z');
        if (words) {
            snprintf(quoted, sizeof quoted,
                     "YAML took the quotes off, so kigen read words, not a text; for the text, put kigen's "
                     "quotes inside YAML's: \"'%.200s'\"",
                     p->src->text);
            hint = quoted;
        }
    }
    kg_diag(p->d, KIGEN_SEV_ERROR, "E0200", n ? n->file : NULL, off, expected, hint, "%s", msg);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}
static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static void next(parser *p)
{
    const char *s = p->s;
    while (p->i < p->n && (s[p->i] == ' ' || s[p->i] == '\t' || s[p->i] == '\n' || s[p->i] == '\r'))
        p->i++;
    tok t = {T_EOF, p->i, 0, 0};
    if (p->i >= p->n) {
        p->t = t;
        return;
    }
    size_t i = p->i;
    char c = s[i];
    if (is_digit(c)) {
        size_t j = i;
        while (j < p->n && is_digit(s[j]))
            j++;
        /* YYYY-MM-DD with no spaces is a date literal. */
        if (j - i == 4 && j + 6 <= p->n && s[j] == '-' && is_digit(s[j + 1]) && is_digit(s[j + 2]) &&
            s[j + 3] == '-' && is_digit(s[j + 4]) && is_digit(s[j + 5]) &&
            (j + 6 == p->n || !is_digit(s[j + 6]))) {
            t.k = T_DATE;
            t.len = 10;
        } else {
            int64_t v = 0;
            for (size_t k = i; k < j; k++) {
                if (v > (INT64_MAX - (s[k] - '0')) / 10) {
                    t.k = T_BAD;
                    break;
                }
                v = v * 10 + (s[k] - '0');
            }
            if (t.k != T_BAD)
                t.k = T_INT;
            t.ival = v;
            t.len = j - i;
            if (j < p->n && is_alpha(s[j]) && t.k == T_INT) {
                t.k = T_BAD; /* 3months */
                while (j < p->n && is_alpha(s[j]))
                    j++;
                t.len = j - i;
            }
        }
    } else if (is_alpha(c)) {
        size_t j = i;
        while (j < p->n && (is_alpha(s[j]) || is_digit(s[j])))
            j++;
        t.k = T_IDENT;
        t.len = j - i;
    } else if (c == '\'' || c == '"') {
        size_t j = i + 1;
        while (j < p->n && s[j] != c)
            j++;
        if (j >= p->n) {
            t.k = T_BAD;
            t.len = p->n - i;
        } else {
            t.k = T_STR;
            t.len = j + 1 - i;
        }
    } else {
        char c2 = i + 1 < p->n ? s[i + 1] : 0;
        t.len = 1;
        switch (c) {
        case '(': t.k = T_LP; break;
        case ')': t.k = T_RP; break;
        case '[': t.k = T_LB; break;
        case ']': t.k = T_RB; break;
        case ',': t.k = T_COMMA; break;
        case ':': t.k = T_COLON; break;
        case '@': t.k = T_AT; break;
        case '+': t.k = T_PLUS; break;
        case '-': t.k = T_MINUS; break;
        case '*': t.k = T_STAR; break;
        case '/': t.k = T_SLASH; break;
        case '%': t.k = T_PCT; break;
        case '=':
            if (c2 == '=') {
                t.k = T_EQ;
                t.len = 2;
            } else
                t.k = T_BAD;
            break;
        case '!':
            if (c2 == '=') {
                t.k = T_NE;
                t.len = 2;
            } else
                t.k = T_BAD;
            break;
        case '<':
            t.k = c2 == '=' ? T_LE : T_LT;
            t.len = c2 == '=' ? 2 : 1;
            break;
        case '>':
            t.k = c2 == '=' ? T_GE : T_GT;
            t.len = c2 == '=' ? 2 : 1;
            break;
        default: {
            t.k = T_BAD;
            /* one whole UTF-8 character */
            size_t j = i + 1;
            while (j < p->n && ((unsigned char)s[j] & 0xC0) == 0x80)
                j++;
            t.len = j - i;
        }
        }
    }
    p->i = t.pos + t.len;
    p->t = t;
}

static bool is_kw(const parser *p, const char *kw)
{
    return p->t.k == T_IDENT && p->t.len == strlen(kw) && memcmp(p->s + p->t.pos, kw, p->t.len) == 0;
}

static const char *tok_text(parser *p)
{
    if (p->t.k == T_EOF)
        return "the end of the expression";
    snprintf(p->tokbuf, sizeof p->tokbuf, "'%.*s'", (int)(p->t.len > 40 ? 40 : p->t.len), p->s + p->t.pos);
    return p->tokbuf;
}

static kg_expr *node(parser *p, kg_op op, size_t pos)
{
    kg_expr *e = kg_arena_alloc(p->a, sizeof *e);
    if (!e) {
        p->failed = true;
        return NULL;
    }
    e->op = (uint8_t)op;
    e->pos = (uint32_t)pos;
    return e;
}

static kg_expr *parse_expr(parser *p);

static bool expect(parser *p, tok_kind k, const char *what)
{
    if (p->t.k != k) {
        perr(p, p->t.pos, what, "expected %s, found %s", what, tok_text(p));
        return false;
    }
    next(p);
    return true;
}

static const char *const reserved[] = {"and",  "or", "not",  "if",    "then",
                                       "else", "in", "true", "false", "none"};

static bool is_reserved(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strlen(reserved[i]) == n && memcmp(reserved[i], s, n) == 0)
            return true;
    return false;
}

static kg_expr *parse_call(parser *p, kg_expr *call)
{
    /* Arguments are kept in source order here; names are resolved against
     * the signature by the checker. A named argument is a node whose
     * `name` is set and whose `a` is the value. */
    kg_expr *args[64];
    int n = 0;
    next(p); /* ( */
    if (p->t.k != T_RP) {
        for (;;) {
            kg_expr *arg;
            if (p->t.k == T_IDENT) {
                /* look ahead for "name:" */
                size_t save_i = p->i;
                tok save_t = p->t;
                next(p);
                if (p->t.k == T_COLON) {
                    kg_expr *named = node(p, OP_LIT, save_t.pos);
                    if (!named)
                        return NULL;
                    named->name = kg_arena_strndup(p->a, p->s + save_t.pos, save_t.len);
                    named->index = -2; /* marks a named argument */
                    next(p);
                    named->a = parse_expr(p);
                    if (!named->a)
                        return NULL;
                    arg = named;
                } else {
                    p->i = save_i;
                    p->t = save_t;
                    arg = parse_expr(p);
                }
            } else {
                arg = parse_expr(p);
            }
            if (!arg)
                return NULL;
            if (n == 64) {
                perr(p, arg->pos, "at most 64 arguments", "too many arguments");
                return NULL;
            }
            args[n++] = arg;
            if (p->t.k == T_COMMA) {
                next(p);
                continue;
            }
            break;
        }
    }
    if (!expect(p, T_RP, "',' or ')'"))
        return NULL;
    call->nargs = n;
    call->args = kg_arena_alloc(p->a, sizeof(kg_expr *) * (size_t)(n ? n : 1));
    if (!call->args)
        return NULL;
    memcpy(call->args, args, sizeof(kg_expr *) * (size_t)n);
    return call;
}

static kg_expr *parse_primary(parser *p)
{
    tok t = p->t;
    kg_expr *e;
    switch (t.k) {
    case T_INT:
        e = node(p, OP_LIT, t.pos);
        if (!e)
            return NULL;
        e->lit.t = VT_INT;
        e->lit.u.i = t.ival;
        e->ty = kg_type_make(TK_INT);
        next(p);
        return e;
    case T_DATE: {
        e = node(p, OP_LIT, t.pos);
        if (!e)
            return NULL;
        kigen_date d;
        char err[200];
        if (kigen_date_parse(p->s + t.pos, 10, &d, err, sizeof err) != KIGEN_OK) {
            perr(p, t.pos, "a real date", "%s", err);
            return NULL;
        }
        e->lit.t = VT_DATE;
        e->lit.u.d = d;
        e->ty = kg_type_make(TK_DATE);
        next(p);
        return e;
    }
    case T_STR:
        e = node(p, OP_LIT, t.pos);
        if (!e)
            return NULL;
        e->lit.t = VT_STR;
        e->lit.u.s = kg_arena_strndup(p->a, p->s + t.pos + 1, t.len - 2);
        e->lit.len = (uint32_t)(t.len - 2);
        e->ty = kg_type_make(TK_STRING);
        next(p);
        return e;
    case T_LP:
        next(p);
        e = parse_expr(p);
        if (!e || !expect(p, T_RP, "')'"))
            return NULL;
        return e;
    case T_LB: {
        e = node(p, OP_LIST, t.pos);
        if (!e)
            return NULL;
        kg_expr *items[256];
        int n = 0;
        next(p);
        while (p->t.k != T_RB) {
            kg_expr *it = parse_expr(p);
            if (!it)
                return NULL;
            if (n == 256) {
                perr(p, it->pos, "at most 256 items", "the list is too long");
                return NULL;
            }
            items[n++] = it;
            if (p->t.k == T_COMMA)
                next(p);
            else
                break;
        }
        if (!expect(p, T_RB, "',' or ']'"))
            return NULL;
        e->nargs = n;
        e->args = kg_arena_alloc(p->a, sizeof(kg_expr *) * (size_t)(n ? n : 1));
        if (!e->args)
            return NULL;
        memcpy(e->args, items, sizeof(kg_expr *) * (size_t)n);
        e->ty = kg_type_make(TK_LIST);
        return e;
    }
    case T_IDENT:
        if (is_kw(p, "true") || is_kw(p, "false")) {
            e = node(p, OP_LIT, t.pos);
            if (!e)
                return NULL;
            e->lit.t = VT_BOOL;
            e->lit.u.i = is_kw(p, "true");
            e->ty = kg_type_make(TK_BOOL);
            next(p);
            return e;
        }
        if (is_kw(p, "none")) {
            e = node(p, OP_LIT, t.pos);
            if (!e)
                return NULL;
            e->lit.t = VT_NONE;
            e->ty = kg_type_make(TK_ANY);
            next(p);
            return e;
        }
        if (is_reserved(p->s + t.pos, t.len)) {
            perr(p, t.pos, "a value", "'%.*s' is a keyword here, not a value", (int)t.len, p->s + t.pos);
            return NULL;
        }
        next(p);
        if (p->t.k == T_LP) {
            e = node(p, OP_CALL, t.pos);
            if (!e)
                return NULL;
            e->name = kg_arena_strndup(p->a, p->s + t.pos, t.len);
            return parse_call(p, e);
        }
        e = node(p, OP_ENUMLIT, t.pos); /* resolved by the checker */
        if (!e)
            return NULL;
        e->name = kg_arena_strndup(p->a, p->s + t.pos, t.len);
        return e;
    case T_BAD:
        if (t.len && (p->s[t.pos] == '\'' || p->s[t.pos] == '"'))
            perr(p, t.pos, "a closing quote", "the string is not closed");
        else if (t.len && is_digit(p->s[t.pos]))
            perr(p, t.pos, "a number, then a space and a unit (3 months)", "'%.*s' is not a number",
                 (int)t.len, p->s + t.pos);
        else if (t.len == 1 && p->s[t.pos] == '=')
            perr(p, t.pos, "'==' to compare", "'=' is not an operator; write '==' to compare");
        else if (t.len == 1 && p->s[t.pos] == '?')
            perr(p, t.pos, "if C then A else B", "'?' is not an operator; write if C then A else B");
        else
            perr(p, t.pos, "an operator or a value", "unexpected character '%.*s'", (int)t.len, p->s + t.pos);
        return NULL;
    default:
        perr(p, t.pos, "a value: a number, a date, 'text', a name or (", "expected a value, found %s",
             tok_text(p));
        return NULL;
    }
}

static int unit_of(parser *p, int *months, int *mult)
{
    static const struct {
        const char *w;
        int months, mult;
    } units[] = {{"day", 0, 1},   {"days", 0, 1},   {"week", 0, 7},  {"weeks", 0, 7},
                 {"month", 1, 1}, {"months", 1, 1}, {"year", 1, 12}, {"years", 1, 12}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (is_kw(p, units[i].w)) {
            *months = units[i].months;
            *mult = units[i].mult;
            return 1;
        }
    return 0;
}

static kg_expr *parse_postfix(parser *p)
{
    kg_expr *e = parse_primary(p);
    while (e && !p->failed) {
        int months, mult;
        if (p->t.k == T_AT) {
            size_t pos = p->t.pos;
            next(p);
            kg_expr *at = parse_primary(p);
            if (!at)
                return NULL;
            if (e->op != OP_ENUMLIT) {
                perr(p, pos, "a parameter's name before '@'",
                     "'@' looks up a parameter at a date: write param_name@date");
                return NULL;
            }
            kg_expr *pe = node(p, OP_PARAM, e->pos);
            if (!pe)
                return NULL;
            pe->name = e->name;
            pe->a = at;
            e = pe;
        } else if (p->t.k == T_IDENT && unit_of(p, &months, &mult)) {
            kg_expr *de = node(p, OP_DUR, e->pos);
            if (!de)
                return NULL;
            de->a = e;
            de->months = (uint8_t)months;
            de->index = mult;
            de->ty = kg_type_make(months ? TK_DUR_MONTHS : TK_DUR_DAYS);
            next(p);
            e = de;
        } else {
            break;
        }
    }
    return e;
}

static kg_expr *parse_unary(parser *p)
{
    if (p->t.k == T_MINUS) {
        size_t pos = p->t.pos;
        if (++p->depth > MAX_DEPTH) {
            perr(p, pos, "a shallower expression", "the expression is nested too deeply");
            return NULL;
        }
        next(p);
        kg_expr *e = node(p, OP_NEG, pos);
        if (!e || !(e->a = parse_unary(p)))
            return NULL;
        p->depth--;
        return e;
    }
    return parse_postfix(p);
}

static kg_expr *binary(parser *p, kg_op op, size_t pos, kg_expr *a, kg_expr *b)
{
    if (!a || !b)
        return NULL;
    /* A long chain (a + b + c + ...) is parsed in a loop but is as deep as
     * it is long for everything that walks the tree: bound its height. */
    int h = (a->depth > b->depth ? a->depth : b->depth) + 1;
    if (h > MAX_DEPTH) {
        perr(p, pos, "a shorter expression (split it into several rules)",
             "the expression is nested too deeply (more than %d levels)", MAX_DEPTH);
        return NULL;
    }
    kg_expr *e = node(p, op, pos);
    if (e) {
        e->a = a;
        e->b = b;
        e->depth = (uint16_t)h;
    }
    return e;
}

static kg_expr *parse_mul(parser *p)
{
    kg_expr *e = parse_unary(p);
    while (e && (p->t.k == T_STAR || p->t.k == T_SLASH || p->t.k == T_PCT)) {
        kg_op op = p->t.k == T_STAR ? OP_MUL : p->t.k == T_SLASH ? OP_DIV : OP_MOD;
        size_t pos = p->t.pos;
        next(p);
        e = binary(p, op, pos, e, parse_unary(p));
    }
    return e;
}

static kg_expr *parse_add(parser *p)
{
    kg_expr *e = parse_mul(p);
    while (e && (p->t.k == T_PLUS || p->t.k == T_MINUS)) {
        kg_op op = p->t.k == T_PLUS ? OP_ADD : OP_SUB;
        size_t pos = p->t.pos;
        next(p);
        e = binary(p, op, pos, e, parse_mul(p));
    }
    return e;
}

static kg_expr *parse_cmp(parser *p)
{
    kg_expr *e = parse_add(p);
    if (!e)
        return NULL;
    kg_op op;
    switch (p->t.k) {
    case T_EQ: op = OP_EQ; break;
    case T_NE: op = OP_NE; break;
    case T_LT: op = OP_LT; break;
    case T_LE: op = OP_LE; break;
    case T_GT: op = OP_GT; break;
    case T_GE: op = OP_GE; break;
    default:
        if (is_kw(p, "in"))
            op = OP_IN;
        else
            return e;
    }
    size_t pos = p->t.pos;
    next(p);
    e = binary(p, op, pos, e, parse_add(p));
    if (e && (p->t.k >= T_EQ && p->t.k <= T_GE)) {
        perr(p, p->t.pos, "'and' between two comparisons",
             "comparisons do not chain: write a <= b and b <= c");
        return NULL;
    }
    return e;
}

static kg_expr *parse_not(parser *p)
{
    if (is_kw(p, "not")) {
        size_t pos = p->t.pos;
        if (++p->depth > MAX_DEPTH) {
            perr(p, pos, "a shallower expression", "the expression is nested too deeply");
            return NULL;
        }
        next(p);
        kg_expr *e = node(p, OP_NOT, pos);
        if (!e || !(e->a = parse_not(p)))
            return NULL;
        p->depth--;
        return e;
    }
    return parse_cmp(p);
}

static kg_expr *parse_and(parser *p)
{
    kg_expr *e = parse_not(p);
    while (e && is_kw(p, "and")) {
        size_t pos = p->t.pos;
        next(p);
        e = binary(p, OP_AND, pos, e, parse_not(p));
    }
    return e;
}

static kg_expr *parse_or(parser *p)
{
    kg_expr *e = parse_and(p);
    while (e && is_kw(p, "or")) {
        size_t pos = p->t.pos;
        next(p);
        e = binary(p, OP_OR, pos, e, parse_and(p));
    }
    return e;
}

static kg_expr *parse_expr(parser *p)
{
    if (++p->depth > MAX_DEPTH) {
        perr(p, p->t.pos, "a shallower expression", "the expression is nested too deeply");
        return NULL;
    }
    kg_expr *e;
    if (is_kw(p, "if")) {
        size_t pos = p->t.pos;
        next(p);
        e = node(p, OP_IF, pos);
        if (!e || !(e->a = parse_expr(p)))
            return NULL;
        if (!is_kw(p, "then")) {
            perr(p, p->t.pos, "'then'", "expected 'then', found %s", tok_text(p));
            return NULL;
        }
        next(p);
        if (!(e->b = parse_expr(p)))
            return NULL;
        if (!is_kw(p, "else")) {
            perr(p, p->t.pos, "'else'", "expected 'else', found %s (an if needs both branches)", tok_text(p));
            return NULL;
        }
        next(p);
        if (!(e->c = parse_expr(p)))
            return NULL;
    } else {
        e = parse_or(p);
    }
    p->depth--;
    return p->failed ? NULL : e;
}

kg_expr *kg_parse_expr(kg_arena *a, const kg_exprsrc *src, kigen_diags *d)
{
    parser p = {0};
    p.a = a;
    p.src = src;
    p.d = d;
    p.s = src->text;
    p.n = strlen(src->text);
    next(&p);
    if (p.t.k == T_EOF) {
        perr(&p, 0, "an expression", "the expression is empty");
        return NULL;
    }
    kg_expr *e = parse_expr(&p);
    if (e && p.t.k == T_BAD && p.t.len == 1 && p.s[p.t.pos] == '=') {
        perr(&p, p.t.pos, "'==' to compare", "'=' is not an operator; write '==' to compare");
        return NULL;
    }
    if (e && p.t.k == T_BAD && p.t.len == 1 && p.s[p.t.pos] == '?') {
        perr(&p, p.t.pos, "if C then A else B", "'?' is not an operator; write if C then A else B");
        return NULL;
    }
    if (e && p.t.k != T_EOF) {
        perr(&p, p.t.pos, "an operator or the end of the expression",
             "unexpected %s after a complete expression", tok_text(&p));
        return NULL;
    }
    return p.failed ? NULL : e;
}
