/* The built-in functions: the calendar vocabulary of the rule language.
 *
 * Every function has a declared signature; the checker matches calls
 * against it at load time, the same way it matches functions registered by
 * policy scripts. Unless a function says it sees absent values, a call with
 * an absent argument is absent without calling it; an error argument is
 * that error. */
#include <stdio.h>
#include <string.h>

#include "base/calendar.h"
#include "base/text.h"
#include "model/fn.h"
#include "sema/check.h"
#include "sema/functions.h"

static const char *const eom_names[] = {"clamp", "roll"};
static const kg_enumset eom_set = {eom_names, 2, NULL, NULL, NULL, 0};
static const char *const feb29_names[] = {"feb28", "mar1"};
static const kg_enumset feb29_set = {feb29_names, 2, NULL, NULL, NULL, 0};
static const char *const age_names[] = {"age_act", "birthday"};
static const kg_enumset age_set = {age_names, 2, NULL, NULL, NULL, 0};
static const char *const era_names[] = {"kanji", "short"};
static const kg_enumset era_set = {era_names, 2, NULL, NULL, NULL, 0};

/* clang-format off */
#define T(k) {k, NULL}
#define E(s) {TK_ENUM, &(s)}
/* clang-format on */

static void set_date(kg_fncall *fc, kg_val *out, int rc, kigen_date d, const char *fn)
{
    if (rc == KIGEN_OK) {
        out->t = VT_DATE;
        out->u.d = d;
    } else {
        kg_fn_error(fc, out, "%s: the result is outside 0001-01-01 .. 9999-12-31", fn);
    }
}

static kigen_eom eom_of(const kg_val *v)
{
    return v->u.s[0] == 'r' ? KIGEN_EOM_ROLL : KIGEN_EOM_CLAMP;
}
static kigen_feb29 feb29_of(const kg_val *v)
{
    return v->u.s[0] == 'm' ? KIGEN_FEB29_MAR1 : KIGEN_FEB29_FEB28;
}

static void fn_age(kg_fncall *fc, const kg_fn *fn, const kg_val *a, int n, kg_val *out)
{
    int age;
    kigen_age_method m = a[2].u.s[0] == 'b' ? KIGEN_AGE_BIRTHDAY : KIGEN_AGE_ACT;
    if (kigen_age_on(a[0].u.d, a[1].u.d, m, feb29_of(&a[3]), &age) != KIGEN_OK) {
        char b[16], o[16];
        kigen_date_format_iso(a[0].u.d, b, sizeof b);
        kigen_date_format_iso(a[1].u.d, o, sizeof o);
        kg_fn_error(fc, out, "age: %s is before the birth date %s", o, b);
        return;
    }
    out->t = VT_INT;
    out->u.i = age;
}

static void fn_nth_birthday(kg_fncall *fc, const kg_fn *fn, const kg_val *a, int n, kg_val *out)
{
    kigen_date d;
    if (a[1].u.i < 1 || a[1].u.i > 9999) {
        kg_fn_error(fc, out, "nth_birthday: n must be from 1 to 9999, not %lld", (long long)a[1].u.i);
        return;
    }
    int rc = kigen_nth_birthday_after(a[0].u.d, a[2].u.d, (int)a[1].u.i, feb29_of(&a[3]), &d);
    set_date(fc, out, rc, d, "nth_birthday");
}

static void fn_add(kg_fncall *fc, const kg_fn *fn, const kg_val *a, int n, kg_val *out)
{
    kigen_date d;
    int rc;
    if (a[1].months)
        rc = kigen_date_add_months(a[0].u.d, a[1].u.i, eom_of(&a[2]), &d);
    else
        rc = kigen_date_add_days(a[0].u.d, a[1].u.i, &d);
    set_date(fc, out, rc, d, "add");
}

static void fn_add_days(kg_fncall *fc, const kg_fn *fn, const kg_val *a, int n, kg_val *out)
{
    kigen_date d = 0;
    int rc = kigen_date_add_days(a[0].u.d, a[1].u.i, &d);
    set_date(fc, out, rc, d, "add_days");
}

static void fn_add_months(kg_fncall *fc, const kg_fn *fn, const kg_val *a, int n, kg_val *out)
{
    kigen_date d = 0;
    int rc = kigen_date_add_months(a[0].u.d, a[1].u.i, eom_of(&a[2]), &d);
    set_date(fc, out, rc, d, "add_months");
}

static void fn_add_years(kg_fncall *fc, const kg_fn *fn, const kg_val *a, int n, kg_val *out)
{
    kigen_date d = 0;
    int rc = kigen_date_add_years(a[0].u.d, a[1].u.i, eom_of(&a[2]), &d);
    set_date(fc, out, rc, d, "add_years");
}

static void fn_day_after(kg_fncall *fc, const kg_fn *fn, const kg_val *a, int n, kg_val *out)
{
    kigen_date d = 0;
    int rc = kigen_date_add_days(a[0].u.d, 1, &d);
    set_date(fc, out, rc, d, "day_after");
}

static void fn_day_before(kg_fncall *fc, const kg_fn *fn, const kg_val *a, int n, kg_val *out)
{
    kigen_date d = 0;
    int rc = kigen_date_add_days(a[0].u.d, -1, &d);
    set_date(fc, out, rc, d, "day_before");
}

static void fn_days_between(kg_fncall *fc, const kg_fn *fn, const kg_val *a, int n, kg_val *out)
{
    out->t = VT_INT;
    out->u.i = kigen_days_between(a[0].u.d, a[1].u.d);
}

/* earliest/latest/min/max: absent arguments are skipped; all absent is
 * absent; an error argument is the result. */
static void extreme(const kg_val *a, int n, kg_val *out, bool want_min, bool dates)
{
    out->t = VT_NONE;
    for (int i = 0; i < n; i++) {
        if (a[i].t == VT_ERR) {
            *out = a[i];
            return;
        }
        if (a[i].t == VT_NONE)
            continue;
        int64_t v = dates ? a[i].u.d : a[i].u.i;
        int64_t cur = dates ? out->u.d : out->u.i;
        if (out->t == VT_NONE || (want_min ? v < cur : v > cur))
            *out = a[i];
    }
}

static void fn_earliest(kg_fncall *fc, const kg_fn *fn, const kg_val *a, int n, kg_val *out)
{
    extreme(a, n, out, true, true);
}
static void fn_latest(kg_fncall *fc, const kg_fn *fn, const kg_val *a, int n, kg_val *out)
{
    extreme(a, n, out, false, true);
}
static void fn_min(kg_fncall *fc, const kg_fn *fn, const kg_val *a, int n, kg_val *out)
{
    extreme(a, n, out, true, false);
}
static void fn_max(kg_fncall *fc, const kg_fn *fn, const kg_val *a, int n, kg_val *out)
{
    extreme(a, n, out, false, false);
}

static void fn_end_of_month(kg_fncall *fc, const kg_fn *fn, const kg_val *a, int n, kg_val *out)
{
    out->t = VT_DATE;
    out->u.d = kigen_date_end_of_month(a[0].u.d);
}

static void fn_start_of_month(kg_fncall *fc, const kg_fn *fn, const kg_val *a, int n, kg_val *out)
{
    int y, m, d;
    kigen_date r;
    kigen_date_to_ymd(a[0].u.d, &y, &m, &d);
    int rc = kigen_date_from_ymd(y, m, 1, &r);
    set_date(fc, out, rc, r, "start_of_month");
}

static void fn_part(kg_fncall *fc, const kg_fn *fn, const kg_val *a, int n, kg_val *out)
{
    int y, m, d;
    kigen_date_to_ymd(a[0].u.d, &y, &m, &d);
    out->t = VT_INT;
    switch (fn->name[0]) {
    case 'y': out->u.i = y; break;
    case 'm': out->u.i = m; break;
    case 'w': out->u.i = kigen_date_weekday(a[0].u.d); break;
    default: out->u.i = d; break;
    }
}

static void fn_date(kg_fncall *fc, const kg_fn *fn, const kg_val *a, int n, kg_val *out)
{
    kigen_date d;
    if (a[0].u.i < 1 || a[0].u.i > 9999 || a[1].u.i < 1 || a[1].u.i > 12 || a[2].u.i < 1 || a[2].u.i > 31 ||
        kigen_date_from_ymd((int)a[0].u.i, (int)a[1].u.i, (int)a[2].u.i, &d) != KIGEN_OK) {
        kg_fn_error(fc, out, "date: %lld-%lld-%lld does not exist", (long long)a[0].u.i, (long long)a[1].u.i,
                    (long long)a[2].u.i);
        return;
    }
    out->t = VT_DATE;
    out->u.d = d;
}

static void fn_era(kg_fncall *fc, const kg_fn *fn, const kg_val *a, int n, kg_val *out)
{
    char buf[48];
    kigen_era_style st =
        (n > 1 && a[1].t == VT_STR && a[1].u.s[0] == 's') ? KIGEN_ERA_SHORT : KIGEN_ERA_KANJI;
    if (kigen_date_format_era(a[0].u.d, st, buf, sizeof buf) != KIGEN_OK) {
        kg_fn_error(fc, out, "era: dates before 1873-01-01 have no Gregorian era form");
        return;
    }
    out->t = VT_STR;
    out->len = (uint32_t)strlen(buf);
    out->u.s = kg_arena_strndup(fc->scratch, buf, out->len);
    if (!out->u.s)
        kg_fn_error(fc, out, "out of memory");
}

static void fn_given(kg_fncall *fc, const kg_fn *fn, const kg_val *a, int n, kg_val *out)
{
    if (a[0].t == VT_ERR) {
        *out = a[0];
        return;
    }
    out->t = VT_BOOL;
    out->u.i = a[0].t != VT_NONE;
}

static void fn_default(kg_fncall *fc, const kg_fn *fn, const kg_val *a, int n, kg_val *out)
{
    *out = a[0].t == VT_NONE ? a[1] : a[0];
}

static void fn_today(kg_fncall *fc, const kg_fn *fn, const kg_val *a, int n, kg_val *out)
{
    out->t = VT_DATE;
    out->u.d = kg_fn_today(fc);
}

static void fn_join(kg_fncall *fc, const kg_fn *fn, const kg_val *a, int n, kg_val *out)
{
    size_t total = 0;
    if (a[0].t == VT_ERR) {
        *out = a[0];
        return;
    }
    int present = 0;
    for (int i = 1; i < n; i++) {
        if (a[i].t == VT_ERR) {
            *out = a[i];
            return;
        }
        if (a[i].t == VT_STR) {
            total += a[i].len + a[0].len;
            present++;
        }
    }
    if (!present) {
        out->t = VT_NONE; /* nothing to join is nothing, not an empty string */
        return;
    }
    char *s = kg_arena_alloc(fc->scratch, total + 1);
    if (!s) {
        kg_fn_error(fc, out, "out of memory");
        return;
    }
    size_t len = 0;
    for (int i = 1; i < n; i++) {
        if (a[i].t != VT_STR)
            continue;
        if (len && a[0].t == VT_STR) {
            memcpy(s + len, a[0].u.s, a[0].len);
            len += a[0].len;
        }
        memcpy(s + len, a[i].u.s, a[i].len);
        len += a[i].len;
    }
    out->t = VT_STR;
    out->u.s = s;
    out->len = (uint32_t)len;
}

static void fn_text(kg_fncall *fc, const kg_fn *fn, const kg_val *a, int n, kg_val *out)
{
    char buf[64];
    if (a[0].t == VT_STR) {
        *out = a[0];
        return;
    }
    size_t len = kg_val_format(&a[0], buf, sizeof buf);
    out->t = VT_STR;
    out->len = (uint32_t)len;
    out->u.s = kg_arena_strndup(fc->scratch, buf, len);
    if (!out->u.s)
        kg_fn_error(fc, out, "out of memory");
}

static void fn_fail(kg_fncall *fc, const kg_fn *fn, const kg_val *a, int n, kg_val *out)
{
    const kg_val *m = n > 1 && a[1].t == VT_STR && kg_ja() ? &a[1] : &a[0];
    kg_fn_error(fc, out, "%.*s", (int)m->len, m->u.s);
}

/* ---- checks beyond the signature ----------------------------------------- */

/* add(date, duration [, policy]): a duration, and a policy exactly for
 * months and years (what is 01-31 + 1 month?). */
static kg_type check_add(kg_chk *c, kg_expr *e, const kg_type *argt)
{
    char tb[300];
    kg_expr **slots = e->args;
    kg_tk k = argt[1].k;
    if (!slots[1])
        return e->fn->ret;
    if (k != TK_DUR_DAYS && k != TK_DUR_MONTHS && k != TK_UNKNOWN) {
        kg_chk_err(c, "E0203", slots[1], "a duration such as 3 months or 10 days", NULL,
                   "argument 'duration' of add must be a duration, not %s",
                   kg_type_name(argt[1], tb, sizeof tb));
        return kg_type_make(TK_UNKNOWN);
    }
    if (k == TK_DUR_MONTHS && !slots[2]) {
        kg_chk_err(c, "E0205", e, "add(date, N months, clamp) or add(date, N months, roll)",
                   "clamp: the month's last day (民法143条); roll: the 1st of the next month",
                   "adding months or years needs an end-of-month policy: what is 01-31 + 1 month?");
        return kg_type_make(TK_UNKNOWN);
    }
    if (k == TK_DUR_DAYS && slots[2]) {
        kg_chk_err(c, "E0203", slots[2], "no policy for days", NULL,
                   "an end-of-month policy applies to months and years only");
        return kg_type_make(TK_UNKNOWN);
    }
    return e->fn->ret;
}

/* default(value, fallback): of the value's type (the fallback may widen an
 * enum's set). */
static kg_type check_default(kg_chk *c, kg_expr *e, const kg_type *argt)
{
    if (!e->args[0] || !e->args[1])
        return e->fn->ret;
    kg_type t = kg_chk_unify(c, argt[0], argt[1]);
    if (t.k == TK_LIST) {
        char tb[300], tb2[300];
        kg_chk_err(c, "E0203", e->args[1], kg_type_name(argt[0], tb, sizeof tb), NULL,
                   "the fallback of default must have the value's type (%s), not %s", tb,
                   kg_type_name(argt[1], tb2, sizeof tb2));
        return kg_type_make(TK_UNKNOWN);
    }
    return t;
}

/* One function per row: it reads as a table. */
/* clang-format off */
static const kg_fn builtins[] = {
    {"age", "age on a day: age(birth, on, method: age_act|birthday, feb29: feb28|mar1)",
     T(TK_INT), 4,
     {{"birth", T(TK_DATE), false, false}, {"on", T(TK_DATE), false, false}, {"method", E(age_set), false, false},
      {"feb29", E(feb29_set), false, false}},
     false, false, fn_age, NULL, NULL, 0, false},
    {"nth_birthday", "the nth birthday strictly after a date (SPEC D1)", T(TK_DATE), 4,
     {{"birth", T(TK_DATE), false, false}, {"n", T(TK_INT), false, false}, {"after", T(TK_DATE), false, false},
      {"feb29", E(feb29_set), false, false}},
     false, false, fn_nth_birthday, NULL, NULL, 0, false},
    {"add", "add a duration; months and years need policy: clamp|roll", T(TK_DATE), 3,
     {{"date", T(TK_DATE), false, false}, {"duration", T(TK_ANY), false, false}, {"policy", E(eom_set), true, false}},
     false, false, fn_add, check_add, NULL, 0, false},
    {"add_days", "add n days", T(TK_DATE), 2, {{"date", T(TK_DATE), false, false}, {"n", T(TK_INT), false, false}},
     false, false, fn_add_days, NULL, NULL, 0, false},
    {"add_months", "add n months with an end-of-month policy", T(TK_DATE), 3,
     {{"date", T(TK_DATE), false, false}, {"n", T(TK_INT), false, false}, {"policy", E(eom_set), false, false}}, false,
     false, fn_add_months, NULL, NULL, 0, false},
    {"add_years", "add n years with an end-of-month policy", T(TK_DATE), 3,
     {{"date", T(TK_DATE), false, false}, {"n", T(TK_INT), false, false}, {"policy", E(eom_set), false, false}}, false,
     false, fn_add_years, NULL, NULL, 0, false},
    {"day_after", "the next day", T(TK_DATE), 1, {{"date", T(TK_DATE), false, false}}, false, false,
     fn_day_after, NULL, NULL, 0, false},
    {"day_before", "the previous day", T(TK_DATE), 1, {{"date", T(TK_DATE), false, false}}, false, false,
     fn_day_before, NULL, NULL, 0, false},
    {"days_between", "to - from in days", T(TK_INT), 2,
     {{"from", T(TK_DATE), false, false}, {"to", T(TK_DATE), false, false}}, false, false, fn_days_between, NULL, NULL, 0, false},
    {"earliest", "the earliest date, ignoring absent ones", T(TK_DATE), 1,
     {{"dates", T(TK_DATE), false, false}}, true, true, fn_earliest, NULL, NULL, 0, false},
    {"latest", "the latest date, ignoring absent ones", T(TK_DATE), 1,
     {{"dates", T(TK_DATE), false, false}}, true, true, fn_latest, NULL, NULL, 0, false},
    {"min", "the smallest integer, ignoring absent ones", T(TK_INT), 1,
     {{"values", T(TK_INT), false, false}}, true, true, fn_min, NULL, NULL, 0, false},
    {"max", "the largest integer, ignoring absent ones", T(TK_INT), 1,
     {{"values", T(TK_INT), false, false}}, true, true, fn_max, NULL, NULL, 0, false},
    {"end_of_month", "the last day of the date's month", T(TK_DATE), 1,
     {{"date", T(TK_DATE), false, false}}, false, false, fn_end_of_month, NULL, NULL, 0, false},
    {"start_of_month", "the first day of the date's month", T(TK_DATE), 1,
     {{"date", T(TK_DATE), false, false}}, false, false, fn_start_of_month, NULL, NULL, 0, false},
    {"year", "the year", T(TK_INT), 1, {{"date", T(TK_DATE), false, false}}, false, false, fn_part, NULL, NULL, 0, false},
    {"month", "the month, 1-12", T(TK_INT), 1, {{"date", T(TK_DATE), false, false}}, false, false, fn_part, NULL, NULL, 0, false},
    {"day", "the day of the month", T(TK_INT), 1, {{"date", T(TK_DATE), false, false}}, false, false, fn_part, NULL, NULL, 0, false},
    {"weekday", "ISO day of week, 1 = Monday .. 7 = Sunday", T(TK_INT), 1,
     {{"date", T(TK_DATE), false, false}}, false, false, fn_part, NULL, NULL, 0, false},
    {"date", "a date from year, month, day (an error value if it does not exist)", T(TK_DATE), 3,
     {{"year", T(TK_INT), false, false}, {"month", T(TK_INT), false, false}, {"day", T(TK_INT), false, false}}, false,
     false, fn_date, NULL, NULL, 0, false},
    {"era", "the date in a Japanese era: style kanji (令和4年4月1日) or short (R4.4.1)",
     T(TK_STRING), 2, {{"date", T(TK_DATE), false, false}, {"style", E(era_set), true, false}}, false, false,
     fn_era, NULL, NULL, 0, false},
    {"given", "true when the value is present", T(TK_BOOL), 1, {{"value", T(TK_ANY), false, false}},
     false, true, fn_given, NULL, NULL, 0, false},
    {"default", "the value, or the fallback when the value is absent", T(TK_ANY), 2,
     {{"value", T(TK_ANY), false, false}, {"fallback", T(TK_ANY), false, true}}, false, true, fn_default, check_default, NULL, 0, false},
    {"today", "the evaluation's today (set with --today; Japan time otherwise)", T(TK_DATE), 0,
     {{0}}, false, false, fn_today, NULL, NULL, 0, true},
    {"join", "join the present strings with a separator (none when none is present)", T(TK_STRING), 2,
     {{"separator", T(TK_STRING), false, false}, {"parts", T(TK_STRING), false, false}}, true, true, fn_join, NULL, NULL, 0, false},
    {"fail", "an error value with this message (and `ja:` its Japanese): the record fails with it", T(TK_ANY), 2,
     {{"message", T(TK_STRING), false, false}, {"ja", T(TK_STRING), true, false}}, false, false, fn_fail, NULL, NULL, 0, false},
    {"text", "a value as text (dates in ISO form)", T(TK_STRING), 1, {{"value", T(TK_ANY), false, false}},
     false, false, fn_text, NULL, NULL, 0, false},
};
/* clang-format on */

const kg_fn *kg_builtin_find(const char *name)
{
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (strcmp(builtins[i].name, name) == 0)
            return &builtins[i];
    return NULL;
}

const kg_fn *kg_fn_find(const kigen_ruleset *rs, const char *name)
{
    const kg_fn *fn = kg_builtin_find(name);
    for (int i = 0; !fn && rs && i < rs->nlua_fns; i++)
        if (strcmp(rs->lua_fns[i]->name, name) == 0)
            fn = rs->lua_fns[i];
    return fn;
}

size_t kg_builtin_names(const char **out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0] && n < cap; i++)
        out[n++] = builtins[i].name;
    return n;
}
