/* Values as text: parsing a fact's text by its type, and printing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

int kg_val_parse(kg_arena *a, kg_type ty, const char *text, size_t len, kg_val *out, char *err,
                 size_t errlen)
{
    memset(out, 0, sizeof *out);
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
        if (len == 0 || len >= sizeof buf) {
            snprintf(err, errlen, "'%.*s' is not a whole number", (int)(len > 40 ? 40 : len), text);
            return KIGEN_EPARSE;
        }
        memcpy(buf, text, len);
        buf[len] = '\0';
        errno = 0;
        long long v = strtoll(buf, &end, 10);
        if (errno == ERANGE) {
            snprintf(err, errlen, "'%s' is out of range for a whole number", buf);
            return KIGEN_ERANGE;
        }
        if (*end || end == buf || buf[0] == ' ' || buf[0] == '+') {
            snprintf(err, errlen, "'%s' is not a whole number", buf);
            return KIGEN_EPARSE;
        }
        out->t = VT_INT;
        out->u.i = v;
        return KIGEN_OK;
    }
    case TK_BOOL:
        if (len == 4 && memcmp(text, "true", 4) == 0) {
            out->t = VT_BOOL;
            out->u.i = 1;
            return KIGEN_OK;
        }
        if (len == 5 && memcmp(text, "false", 5) == 0) {
            out->t = VT_BOOL;
            out->u.i = 0;
            return KIGEN_OK;
        }
        snprintf(err, errlen, "'%.*s' is not a boolean: expected true or false",
                 (int)(len > 40 ? 40 : len), text);
        return KIGEN_EPARSE;
    case TK_ENUM:
        if (!kg_enum_has(ty.set, text, len)) {
            char tb[400];
            snprintf(err, errlen, "'%.*s' is not %s", (int)(len > 40 ? 40 : len), text,
                     kg_type_name(ty, tb, sizeof tb));
            return KIGEN_EPARSE;
        }
        /* Point at the set's own copy so the value outlives the text. */
        out->t = VT_STR;
        out->len = (uint32_t)len;
        out->u.s = NULL;
        for (int i = 0; ty.set && i < ty.set->n; i++)
            if (strlen(ty.set->names[i]) == len && memcmp(ty.set->names[i], text, len) == 0)
                out->u.s = ty.set->names[i];
        if (!out->u.s)
            out->u.s = kg_arena_strndup(a, text, len);
        return out->u.s ? KIGEN_OK : KIGEN_ENOMEM;
    case TK_STRING:
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
    default:
        snprintf(err, errlen, "values of this type cannot be given as text");
        return KIGEN_ETYPE;
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
