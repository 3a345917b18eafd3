/* Types of the rule language: names, compatibility. */
#include <stdio.h>
#include <string.h>

#include "model/types.h"

kg_type kg_type_make(kg_tk k)
{
    kg_type t = {k, NULL};
    return t;
}

bool kg_enum_has(const kg_enumset *s, const char *v, size_t len)
{
    if (!s)
        return true;
    if (s->index)
        return kg_nameidx_find(s->index, v, len) >= 0;
    for (int i = 0; i < s->n; i++)
        if (strlen(s->names[i]) == len && memcmp(s->names[i], v, len) == 0)
            return true;
    return false;
}

/* Always writes into buf (and returns it), so callers may use either. */
const char *kg_type_name(kg_type t, char *buf, size_t n)
{
    const char *s = "?";
    switch (t.k) {
    case TK_UNKNOWN: s = "unknown"; break;
    case TK_ANY: s = "none"; break;
    case TK_BOOL: s = "boolean"; break;
    case TK_INT: s = "integer"; break;
    case TK_DATE: s = "date"; break;
    case TK_STRING: s = "string"; break;
    case TK_DUR_DAYS: s = "duration in days"; break;
    case TK_DUR_MONTHS: s = "duration in months"; break;
    case TK_LIST: s = "list"; break;
    case TK_ENUM:
        if (t.set) {
            size_t used = (size_t)snprintf(buf, n, "one of ");
            for (int i = 0; i < t.set->n && used < n; i++)
                used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? "|" : "", t.set->names[i]);
            return buf;
        }
        s = "enum";
        break;
    }
    snprintf(buf, n, "%s", s);
    return buf;
}

/* Can a value of type `have` be used where `want` is expected? Unknown
 * (after an earlier error) fits everything so one mistake gives one
 * message. */
bool kg_type_fits(kg_type have, kg_type want)
{
    if (have.k == TK_UNKNOWN || want.k == TK_UNKNOWN || have.k == TK_ANY || want.k == TK_ANY)
        return true;
    if (want.k == TK_ENUM) {
        if (have.k != TK_ENUM)
            return false;
        if (!want.set || !have.set)
            return want.set == NULL;
        if (want.set == have.set)
            return true;
        for (int i = 0; i < have.set->n; i++)
            if (!kg_enum_has(want.set, have.set->names[i], strlen(have.set->names[i])))
                return false;
        return true;
    }
    if (want.k == TK_STRING && have.k == TK_ENUM)
        return true; /* an enum value is a string */
    return have.k == want.k;
}
