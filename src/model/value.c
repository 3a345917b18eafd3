/* Values as text: parsing a fact's text by its type, and printing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/types.h"
#include "base/text.h"

/* Spaces around a value (ASCII and the ideographic U+3000) are not part of
 * it: spreadsheets and hand-typed cells have them. */
static void trim(const char **text, size_t *len)
{
    const char *s = *text;
    size_t n = *len;
    for (;;) {
        if (n && (s[0] == ' ' || s[0] == '\t'))
            s++, n--;
        else if (n >= 3 && memcmp(s, "\xE3\x80\x80", 3) == 0)
            s += 3, n -= 3;
        else if (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        else if (n >= 3 && memcmp(s + n - 3, "\xE3\x80\x80", 3) == 0)
            n -= 3;
        else
            break;
    }
    *text = s;
    *len = n;
}

/* Full-width digits and minus signs as ASCII, for numbers typed in a
 * Japanese input method: "１２" is 12. false when it does not fit. */
static bool ascii_number(const char *s, size_t n, char *buf, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k + 1 >= cap)
            return false;
        const unsigned char *u = (const unsigned char *)s + i;
        if (n - i >= 3 && u[0] == 0xEF && u[1] == 0xBC && u[2] >= 0x90 && u[2] <= 0x99) {
            buf[k++] = (char)('0' + (u[2] - 0x90));
            i += 2;
        } else if (n - i >= 3 && ((u[0] == 0xEF && u[1] == 0xBC && u[2] == 0x8D) ||  /* U+FF0D */
                                  (u[0] == 0xE2 && u[1] == 0x88 && u[2] == 0x92))) { /* U+2212 */
            buf[k++] = '-';
            i += 2;
        } else {
            buf[k++] = s[i];
        }
    }
    buf[k] = '\0';
    return true;
}

static bool text_is(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static bool text_is_nocase(const char *s, size_t n, const char *lit)
{
    if (strlen(lit) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
        if (c != lit[i])
            return false;
    }
    return true;
}

int kg_enum_lookup(const kg_enumset *set, const char *text, size_t len)
{
    if (!set)
        return -1;
    if (set->index) {
        int i = kg_nameidx_find(set->index, text, len);
        if (i >= 0)
            return i;
    } else {
        for (int i = 0; i < set->n; i++)
            if (text_is(text, len, set->names[i]))
                return i;
    }
    for (int i = 0; i < set->nalias; i++)
        if (text_is(text, len, set->alias[i]))
            return set->alias_to[i];
    return -1;
}

int kg_val_parse(kg_arena *a, kg_type ty, const char *text, size_t len, kg_val *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (ty.k != TK_STRING)
        trim(&text, &len);
    switch (ty.k) {
    case TK_DATE: {
        kigen_date d;
        int rc = kigen_date_parse(text, len, &d, err, errlen);
        if (rc != KIGEN_OK)
            return rc;
        out->t = VT_DATE;
        out->u.d = d;
        return KIGEN_OK;
    }
    case TK_INT: {
        char buf[32];
        char *end;
        if (len == 0 || !ascii_number(text, len, buf, sizeof buf)) {
            snprintf(err, errlen, kg_ja() ? "「%.*s」は整数ではありません" : "'%.*s' is not a whole number",
                     (int)(len > 40 ? 40 : len), text);
            return KIGEN_EPARSE;
        }
        errno = 0;
        long long v = strtoll(buf, &end, 10);
        if (errno == ERANGE) {
            snprintf(err, errlen,
                     kg_ja() ? "「%s」は整数の範囲を超えています" : "'%s' is out of range for a whole number",
                     buf);
            return KIGEN_ERANGE;
        }
        if (*end || end == buf || buf[0] == ' ' || buf[0] == '+') {
            snprintf(err, errlen, kg_ja() ? "「%s」は整数ではありません" : "'%s' is not a whole number", buf);
            return KIGEN_EPARSE;
        }
        out->t = VT_INT;
        out->u.i = v;
        return KIGEN_OK;
    }
    case TK_BOOL:
        /* as spreadsheets and forms write them: TRUE/FALSE, 1/0, はい/いいえ */
        if (text_is_nocase(text, len, "true") || text_is(text, len, "1") ||
            text_is(text, len, "\xEF\xBC\x91") || text_is(text, len, "はい")) {
            out->t = VT_BOOL;
            out->u.i = 1;
            return KIGEN_OK;
        }
        if (text_is_nocase(text, len, "false") || text_is(text, len, "0") ||
            text_is(text, len, "\xEF\xBC\x90") || text_is(text, len, "いいえ")) {
            out->t = VT_BOOL;
            out->u.i = 0;
            return KIGEN_OK;
        }
        snprintf(
            err, errlen,
            kg_ja()
                ? "「%.*s」は真偽値ではありません（true/false、TRUE/FALSE、1/0、はい/いいえ のいずれかです）"
                : "'%.*s' is not a boolean: expected true or false (also TRUE/FALSE, 1/0, はい/いいえ)",
            (int)(len > 40 ? 40 : len), text);
        return KIGEN_EPARSE;
    case TK_ENUM: {
        if (!ty.set) {
            out->t = VT_STR;
            out->len = (uint32_t)len;
            out->u.s = kg_arena_strndup(a, text, len);
            return out->u.s ? KIGEN_OK : KIGEN_ENOMEM;
        }
        int i = kg_enum_lookup(ty.set, text, len);
        if (i < 0) {
            char tb[400], shown[48];
            snprintf(shown, sizeof shown, "%.*s", (int)(len > 40 ? 40 : len), text);
            const char *close = kg_closest(shown, ty.set->names, (size_t)ty.set->n);
            kg_type_name(ty, tb, sizeof tb);
            if (kg_ja() && close)
                snprintf(err, errlen,
                         "「%s」は選択肢（%s）のいずれでもありません。「%s」の誤りではありませんか？", shown,
                         tb + 7, close);
            else if (kg_ja())
                snprintf(err, errlen, "「%s」は選択肢（%s）のいずれでもありません", shown, tb + 7);
            else if (close)
                snprintf(err, errlen, "'%s' is not %s (did you mean '%s'?)", shown, tb, close);
            else
                snprintf(err, errlen, "'%s' is not %s", shown, tb);
            return KIGEN_EPARSE;
        }
        /* The set's own name (an alias gives the name it stands for), so
         * that the value outlives the text. */
        out->t = VT_STR;
        out->u.s = ty.set->names[i];
        out->len = (uint32_t)strlen(out->u.s);
        return KIGEN_OK;
    }
    case TK_STRING:
        /* Strings leave kigen as CSV, JSON and messages: text only. */
        if (!kg_utf8_valid(text, len)) {
            size_t ok = kg_utf8_valid_prefix(text, len);
            snprintf(err, errlen, "the text is not UTF-8 (byte 0x%02x after %zu bytes)",
                     (unsigned char)text[ok], ok);
            return KIGEN_EPARSE;
        }
        if (memchr(text, '\0', len)) {
            snprintf(err, errlen, "the text holds a NUL character");
            return KIGEN_EPARSE;
        }
        out->t = VT_STR;
        out->len = (uint32_t)len;
        out->u.s = kg_arena_strndup(a, text, len);
        return out->u.s ? KIGEN_OK : KIGEN_ENOMEM;
    case TK_DUR_DAYS:
    case TK_DUR_MONTHS: {
        /* "3 months", "10 days" */
        char buf[64];
        char *end;
        if (len >= sizeof buf)
            return KIGEN_EPARSE;
        memcpy(buf, text, len);
        buf[len] = '\0';
        errno = 0;
        long long n = strtoll(buf, &end, 10);
        const char *unit = end;
        while (*unit == ' ')
            unit++;
        if (end == buf || unit == end || errno || n > 100000 || n < -100000) {
            snprintf(err, errlen, "'%s' is not a duration such as '3 months'", buf);
            return KIGEN_EPARSE;
        }
        bool months = strncmp(unit, "month", 5) == 0 || strncmp(unit, "year", 4) == 0;
        if ((ty.k == TK_DUR_MONTHS) != months) {
            snprintf(err, errlen, "'%s' is not a duration in %s", buf,
                     ty.k == TK_DUR_MONTHS ? "months or years" : "days or weeks");
            return KIGEN_EPARSE;
        }
        out->t = VT_DUR;
        out->months = months;
        out->u.i = n * (strncmp(unit, "year", 4) == 0 ? 12 : strncmp(unit, "week", 4) == 0 ? 7 : 1);
        return KIGEN_OK;
    }
    default: snprintf(err, errlen, "values of this type cannot be given as text"); return KIGEN_ETYPE;
    }
}

size_t kg_val_format(const kg_val *v, char *buf, size_t n)
{
    char tmp[32];
    int r;
    switch (v->t) {
    case VT_NONE: r = snprintf(buf, n, "%s", ""); break;
    case VT_BOOL: r = snprintf(buf, n, "%s", v->u.i ? "true" : "false"); break;
    case VT_INT: r = snprintf(buf, n, "%lld", (long long)v->u.i); break;
    case VT_DATE:
        if (kigen_date_format_iso(v->u.d, tmp, sizeof tmp) != KIGEN_OK)
            snprintf(tmp, sizeof tmp, "?");
        r = snprintf(buf, n, "%s", tmp);
        break;
    case VT_STR:
    case VT_ERR: r = snprintf(buf, n, "%.*s", (int)v->len, v->u.s); break;
    case VT_DUR:
        r = snprintf(buf, n, "%lld %s", (long long)v->u.i,
                     v->months ? (v->u.i == 1 || v->u.i == -1 ? "month" : "months")
                               : (v->u.i == 1 || v->u.i == -1 ? "day" : "days"));
        break;
    default: r = snprintf(buf, n, "?"); break;
    }
    return r < 0 ? 0 : (size_t)r;
}

void kg_val_to_public(const kg_val *v, kigen_value *out)
{
    memset(out, 0, sizeof *out);
    switch (v->t) {
    case VT_NONE: out->type = KIGEN_T_NONE; break;
    case VT_BOOL:
        out->type = KIGEN_T_BOOL;
        out->u.b = (int)v->u.i;
        break;
    case VT_INT:
        out->type = KIGEN_T_INT;
        out->u.i = v->u.i;
        break;
    case VT_DATE:
        out->type = KIGEN_T_DATE;
        out->u.date = v->u.d;
        break;
    case VT_STR:
        out->type = KIGEN_T_STRING;
        out->u.str.ptr = v->u.s;
        out->u.str.len = v->len;
        break;
    case VT_DUR:
        out->type = KIGEN_T_DURATION;
        out->u.dur.n = v->u.i;
        out->u.dur.months = v->months;
        break;
    default:
        out->type = KIGEN_T_ERROR;
        out->u.str.ptr = v->u.s;
        out->u.str.len = v->len;
        break;
    }
}

size_t kigen_value_format(const kigen_value *v, char *buf, size_t buflen)
{
    kg_val x = {0};
    if (!v) { /* misuse: an empty text */
        if (buf && buflen)
            buf[0] = '\0';
        return 0;
    }
    switch (v->type) {
    case KIGEN_T_NONE: x.t = VT_NONE; break;
    case KIGEN_T_BOOL:
        x.t = VT_BOOL;
        x.u.i = v->u.b;
        break;
    case KIGEN_T_INT:
        x.t = VT_INT;
        x.u.i = v->u.i;
        break;
    case KIGEN_T_DATE:
        x.t = VT_DATE;
        x.u.d = v->u.date;
        break;
    case KIGEN_T_DURATION:
        x.t = VT_DUR;
        x.u.i = v->u.dur.n;
        x.months = (uint8_t)v->u.dur.months;
        break;
    default:
        x.t = v->type == KIGEN_T_ERROR ? VT_ERR : VT_STR;
        x.u.s = v->u.str.ptr;
        x.len = (uint32_t)v->u.str.len;
        break;
    }
    return kg_val_format(&x, buf, buflen);
}
