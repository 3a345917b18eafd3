/* What policy scripts get besides Lua's own libraries: the `kigen`
 * calendar library (dates as ISO strings), and os.time/os.date on the
 * run's clock in Japan time (so --today reproduces a run). sandbox.c puts
 * them into the environment. */
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/calendar.h"
#include "base/clock.h"
#include "lua/sandbox.h"

/* ---- dates --------------------------------------------------------------- */

bool lp_iso_date(const char *s, size_t len, kigen_date *out)
{
    if (len != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    return kigen_date_from_ymd(y, m, d, out) == KIGEN_OK;
}

static void push_date(lua_State *L, kigen_date d)
{
    /* by hand: this runs for every date a script reads */
    int y, m, dd;
    if (!kigen_date_valid(d))
        luaL_error(L, "date outside 0001-01-01 .. 9999-12-31");
    kigen_date_to_ymd(d, &y, &m, &dd);
    char buf[10] = {(char)('0' + y / 1000),
                    (char)('0' + y / 100 % 10),
                    (char)('0' + y / 10 % 10),
                    (char)('0' + y % 10),
                    '-',
                    (char)('0' + m / 10),
                    (char)('0' + m % 10),
                    '-',
                    (char)('0' + dd / 10),
                    (char)('0' + dd % 10)};
    lua_pushlstring(L, buf, 10);
}

void lp_push_val(lua_State *L, const kg_val *v)
{
    char buf[64];
    switch (v->t) {
    case VT_BOOL: lua_pushboolean(L, v->u.i != 0); break;
    case VT_INT: lua_pushinteger(L, (lua_Integer)v->u.i); break;
    case VT_DATE: push_date(L, v->u.d); break;
    case VT_STR: lua_pushlstring(L, v->u.s, v->len); break;
    case VT_DUR: {
        size_t n = kg_val_format(v, buf, sizeof buf);
        lua_pushlstring(L, buf, n < sizeof buf ? n : sizeof buf - 1);
        break;
    }
    default: lua_pushnil(L); break;
    }
}

static kigen_date check_date(lua_State *L, int arg)
{
    size_t len;
    kigen_date d;
    if (lua_type(L, arg) != LUA_TSTRING)
        luaL_typeerror(L, arg, "date 'YYYY-MM-DD'");
    const char *s = lua_tolstring(L, arg, &len);
    if (!lp_iso_date(s, len, &d))
        return (kigen_date)luaL_argerror(L, arg, lua_pushfstring(L, "'%s' is not a date 'YYYY-MM-DD'", s));
    return d;
}

static int check_eom(lua_State *L, int arg, const char *fn)
{
    const char *p = lua_tostring(L, arg);
    if (lua_type(L, arg) == LUA_TSTRING && strcmp(p, "clamp") == 0)
        return KIGEN_EOM_CLAMP;
    if (lua_type(L, arg) == LUA_TSTRING && strcmp(p, "roll") == 0)
        return KIGEN_EOM_ROLL;
    return luaL_error(L,
                      "%s needs an end-of-month policy: 'clamp' (the month's last day, 民法143条) "
                      "or 'roll' (the 1st of the next month)",
                      fn);
}

static int k_date(lua_State *L)
{
    lua_Integer y = luaL_checkinteger(L, 1), m = luaL_checkinteger(L, 2), d = luaL_checkinteger(L, 3);
    kigen_date r;
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31 ||
        kigen_date_from_ymd((int)y, (int)m, (int)d, &r) != KIGEN_OK)
        return luaL_error(L, "kigen.date: %I-%I-%I does not exist", y, m, d);
    push_date(L, r);
    return 1;
}

static int k_parse_date(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    char err[200];
    kigen_date d;
    if (kigen_date_parse(s, len, &d, err, sizeof err) != KIGEN_OK) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    push_date(L, d);
    return 1;
}

static int k_ymd(lua_State *L)
{
    int y, m, d;
    kigen_date_to_ymd(check_date(L, 1), &y, &m, &d);
    lua_pushinteger(L, y);
    lua_pushinteger(L, m);
    lua_pushinteger(L, d);
    return 3;
}

static int k_add_days(lua_State *L)
{
    kigen_date d = check_date(L, 1), r;
    lua_Integer n = luaL_checkinteger(L, 2);
    if (kigen_date_add_days(d, (int64_t)n, &r) != KIGEN_OK)
        return luaL_error(L, "kigen.add_days: the result is outside 0001-01-01 .. 9999-12-31");
    push_date(L, r);
    return 1;
}

/* kigen.add_months and kigen.add_years: n months, or 12 n. */
static int add_months(lua_State *L, const char *fname, int per)
{
    kigen_date d = check_date(L, 1), r;
    lua_Integer n = luaL_checkinteger(L, 2);
    int eom = check_eom(L, 3, fname);
    if (n > INT64_MAX / 12 || n < INT64_MIN / 12 ||
        kigen_date_add_months(d, (int64_t)n * per, (kigen_eom)eom, &r) != KIGEN_OK)
        return luaL_error(L, "%s: the result is outside 0001-01-01 .. 9999-12-31", fname);
    push_date(L, r);
    return 1;
}

static int k_add_months(lua_State *L)
{
    return add_months(L, "kigen.add_months", 1);
}
static int k_add_years(lua_State *L)
{
    return add_months(L, "kigen.add_years", 12);
}

static int k_days_between(lua_State *L)
{
    kigen_date a = check_date(L, 1), b = check_date(L, 2);
    lua_pushinteger(L, (lua_Integer)kigen_days_between(a, b));
    return 1;
}

static int k_weekday(lua_State *L)
{
    lua_pushinteger(L, kigen_date_weekday(check_date(L, 1)));
    return 1;
}

static int k_end_of_month(lua_State *L)
{
    push_date(L, kigen_date_end_of_month(check_date(L, 1)));
    return 1;
}

static int k_start_of_month(lua_State *L)
{
    int y, m, d;
    kigen_date r;
    kigen_date_to_ymd(check_date(L, 1), &y, &m, &d);
    (void)kigen_date_from_ymd(y, m, 1, &r);
    push_date(L, r);
    return 1;
}

static int k_era(lua_State *L)
{
    kigen_date d = check_date(L, 1);
    const char *style = luaL_optstring(L, 2, "kanji");
    kigen_era_style st;
    if (strcmp(style, "kanji") == 0)
        st = KIGEN_ERA_KANJI;
    else if (strcmp(style, "short") == 0)
        st = KIGEN_ERA_SHORT;
    else
        return luaL_error(L, "kigen.era: style must be 'kanji' or 'short', not '%s'", style);
    char buf[48];
    if (kigen_date_format_era(d, st, buf, sizeof buf) != KIGEN_OK)
        return luaL_error(L, "kigen.era: dates before 1873-01-01 have no Gregorian era form");
    lua_pushstring(L, buf);
    return 1;
}

static int k_is_leap_year(lua_State *L)
{
    lua_pushboolean(L, kigen_is_leap_year((int)luaL_checkinteger(L, 1)));
    return 1;
}

static int k_days_in_month(lua_State *L)
{
    lua_Integer y = luaL_checkinteger(L, 1), m = luaL_checkinteger(L, 2);
    if (y < 1 || y > 9999 || m < 1 || m > 12)
        return luaL_error(L, "kigen.days_in_month: no month %I-%I", y, m);
    lua_pushinteger(L, kigen_days_in_month((int)y, (int)m));
    return 1;
}

static int k_today(lua_State *L)
{
    lp_state *lp = lp_of(L);
    /* in a context, its today; at load time (no context), Japan's date now */
    kigen_date d = lp->c ? kg_ctx_today(lp->c) : kg_clock_today_jst();
    if (!d)
        return luaL_error(L, "kigen.today: the system clock cannot be read");
    push_date(L, d);
    return 1;
}

const luaL_Reg lp_kigen_funcs[] = {
    {"date", k_date},
    {"parse_date", k_parse_date},
    {"ymd", k_ymd},
    {"add_days", k_add_days},
    {"add_months", k_add_months},
    {"add_years", k_add_years},
    {"days_between", k_days_between},
    {"weekday", k_weekday},
    {"end_of_month", k_end_of_month},
    {"start_of_month", k_start_of_month},
    {"era", k_era},
    {"is_leap_year", k_is_leap_year},
    {"days_in_month", k_days_in_month},
    {"today", k_today},
    {"register_function", lp_register_function},
    {"register_hook", lp_register_hook},
    {NULL, NULL},
};

/* ---- os.time and os.date on the run's clock ----------------------------- */

/* Policy results must be reproducible: os.time() is the context's today
 * (kigen_set_today, --today) at 00:00 Japan time when one is set, and every
 * conversion is in Japan time (UTC+9, no daylight saving) whatever the
 * machine's TZ says. "!" formats stay UTC, as in stock Lua. */
#define JST_OFFSET ((int64_t)9 * 3600)

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    /* proleptic Gregorian, 1970-01-01 = 0 (Howard Hinnant's algorithm) */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static lua_Integer run_now(lua_State *L)
{
    lp_state *lp = lp_of(L);
    kigen_date fixed = lp->c ? kg_ctx_fixed_today(lp->c) : 0;
    if (fixed) {
        int y, m, d;
        kigen_date_to_ymd(fixed, &y, &m, &d);
        return (lua_Integer)(days_from_civil(y, m, d) * 86400 - (int64_t)JST_OFFSET);
    }
    return (lua_Integer)time(NULL);
}

static lua_Integer tfield(lua_State *L, const char *k, lua_Integer def, lua_Integer lo, lua_Integer hi)
{
    lua_pushstring(L, k);
    int t = lua_rawget(L, 1);
    int isnum;
    lua_Integer v = lua_tointegerx(L, -1, &isnum);
    lua_pop(L, 1);
    if (t == LUA_TNIL) {
        if (def < 0)
            return luaL_error(L, "os.time: field '%s' missing in the date table", k);
        return def;
    }
    if (!isnum)
        return luaL_error(L, "os.time: field '%s' is not an integer", k);
    if (v < lo || v > hi)
        return luaL_error(L, "os.time: field '%s' is out of range", k);
    return v;
}

int lp_os_time(lua_State *L)
{
    if (lua_isnoneornil(L, 1)) {
        lua_pushinteger(L, run_now(L));
        return 1;
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    lua_Integer y = tfield(L, "year", -1, 1, 9999), mo = tfield(L, "month", -1, -120000, 120000),
                d = tfield(L, "day", -1, -3660000, 3660000), h = tfield(L, "hour", 12, -1000000, 1000000),
                mi = tfield(L, "min", 0, -1000000, 1000000), se = tfield(L, "sec", 0, -100000000, 100000000);
    /* normalise the month as mktime does; the rest adds up linearly */
    int64_t m0 = (int64_t)mo - 1, yy = (int64_t)y + (m0 >= 0 ? m0 / 12 : -((11 - m0) / 12));
    int64_t mm = m0 - (yy - (int64_t)y) * 12 + 1;
    int64_t t = (days_from_civil(yy, mm, 1) + (int64_t)d - 1) * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 +
                (int64_t)se - JST_OFFSET;
    lua_pushinteger(L, (lua_Integer)t);
    return 1;
}

static void setfield_int(lua_State *L, const char *k, int v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, k);
}

int lp_os_date(lua_State *L)
{
    size_t fl;
    const char *fmt = luaL_optlstring(L, 1, "%c", &fl);
    lua_Integer t = lua_isnoneornil(L, 2) ? run_now(L) : luaL_checkinteger(L, 2);
    bool utc = fl > 0 && fmt[0] == '!';
    if (utc) {
        fmt++;
        fl--;
    }
    /* 0001-01-01 00:00:00 .. 9999-12-31 23:59:59 in the zone shown */
    lua_Integer off = utc ? 0 : JST_OFFSET;
    if (t < -62135596800LL - off || t > 253402300799LL - off)
        return luaL_error(L, "os.date: time %I is out of range", t);
    time_t tt = (time_t)(t + off);
    struct tm tm;
    if (!gmtime_r(&tt, &tm))
        return luaL_error(L, "os.date: time %I cannot be represented", t);
    if (fl >= 2 && fmt[0] == '*' && fmt[1] == 't') {
        lua_createtable(L, 0, 9);
        setfield_int(L, "year", tm.tm_year + 1900);
        setfield_int(L, "month", tm.tm_mon + 1);
        setfield_int(L, "day", tm.tm_mday);
        setfield_int(L, "hour", tm.tm_hour);
        setfield_int(L, "min", tm.tm_min);
        setfield_int(L, "sec", tm.tm_sec);
        setfield_int(L, "yday", tm.tm_yday + 1);
        setfield_int(L, "wday", tm.tm_wday + 1);
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, "isdst");
        return 1;
    }
    /* One conversion at a time, each from an allow-list (as stock Lua
     * checks them); the zone is ours to say. */
    static const char ok[] = "aAbBcCdDeFgGhHIjmMnprRStTuUVwWxXyY%";
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (size_t i = 0; i < fl; i++) {
        if (fmt[i] != '%') {
            luaL_addchar(&b, fmt[i]);
            continue;
        }
        char c = i + 1 < fl ? fmt[i + 1] : '\0';
        i++;
        if (c == 'z') {
            luaL_addstring(&b, utc ? "+0000" : "+0900");
        } else if (c == 'Z') {
            luaL_addstring(&b, utc ? "UTC" : "JST");
        } else if (c && strchr(ok, c)) {
            char spec[3] = {'%', c, '\0'}, out[64];
            /* spec is one conversion from the allow-list above */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
            size_t n = strftime(out, sizeof out, spec, &tm);
#pragma GCC diagnostic pop
            luaL_addlstring(&b, out, n);
        } else {
            return luaL_error(L, "os.date: invalid conversion specifier '%%%c'", c ? c : ' ');
        }
    }
    luaL_pushresult(&b);
    return 1;
}
