/*
 * kigen.h — the one public header of kigen (期限), a rules engine for the
 * lifetimes of My Number cards and their JPKI certificates.
 *
 * Conventions (after Lua's and SQLite's C APIs):
 *  - every name starts with kigen_ / KIGEN_;
 *  - handles are opaque; every call that can fail returns a kigen_status;
 *  - a handle keeps the message of its last failure (kigen_errmsg and
 *    friends); the text is owned by the handle and valid until the next
 *    call on it;
 *  - each function's comment says who owns what it returns and whether it
 *    may be called from several threads at once.
 */
#ifndef KIGEN_H
#define KIGEN_H

#include <stddef.h>
#include <stdint.h>

#include "kigen_version.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define KIGEN_API
#elif defined(__GNUC__)
#define KIGEN_API __attribute__((visibility("default")))
#else
#define KIGEN_API
#endif

/* ------------------------------------------------------------------ */
/* Versions                                                            */
/* ------------------------------------------------------------------ */

/* The library's version as "MAJOR.MINOR.PATCH"; a static string. */
KIGEN_API const char *kigen_version(void);
/* The library's KIGEN_VERSION_NUM. Compare it with the macro a program
 * was compiled against to detect a header/library mismatch at run time,
 * as lua_checkversion does. */
KIGEN_API int kigen_version_num(void);
/* KIGEN_OK when the linked library can serve a program compiled with this
 * header: the same major version, a library minor at least the header's,
 * and the same sizes of the structs the library writes or hands out
 * (kigen_value, kigen_diag) — as luaL_checkversion checks lua_Number's.
 * KIGEN_EVERSION otherwise. Call it first:
 *     if (kigen_check_version() != KIGEN_OK) ...  */
#define kigen_check_version() kigen_check_version_(KIGEN_VERSION_NUM, sizeof(kigen_value), sizeof(kigen_diag))
KIGEN_API int kigen_check_version_(int compiled_num, size_t value_size, size_t diag_size);

/* ------------------------------------------------------------------ */
/* Status codes                                                        */
/* ------------------------------------------------------------------ */

typedef enum kigen_status {
    KIGEN_OK = 0,
    KIGEN_EINVAL = 1,    /* an argument is out of its domain */
    KIGEN_ENOMEM = 2,    /* the allocator refused */
    KIGEN_EPARSE = 3,    /* text could not be read as the expected form */
    KIGEN_ERANGE = 4,    /* a date or number outside the supported range */
    KIGEN_ENOTFOUND = 5, /* no fact, param, rule or output of that name */
    KIGEN_ETYPE = 6,     /* a value of the wrong type */
    KIGEN_ELOAD = 7,     /* a rule file has errors: see the diagnostics */
    KIGEN_EIO = 8,       /* a file could not be read */
    KIGEN_EEVAL = 9,     /* evaluation gave an error value (see errmsg) */
    KIGEN_EVERSION = 10, /* library and header versions do not match */
    KIGEN_ECARD = 11,    /* card or reader failure (see kigen_card_errmsg) */
    KIGEN_ELUA = 12,     /* a policy script failed */
    /* The API was misused: a NULL handle or required pointer, or an index
     * outside 0 .. count-1 (a fact, output or reader). One rule for every
     * function: it is a bug in the calling program, never bad data, so it
     * has its own status. Functions that return a pointer return NULL
     * instead, and counts return 0. */
    KIGEN_EMISUSE = 13,
    KIGEN_ECANCELED = 14 /* a callback asked to stop (kigen_batch_text, kigen_batch_values) */
} kigen_status;

/* A short English name for a status ("KIGEN_EPARSE: cannot parse"). Static. */
KIGEN_API const char *kigen_status_str(int status);

/* ------------------------------------------------------------------ */
/* Memory                                                              */
/* ------------------------------------------------------------------ */

/* The host's allocator, with lua_Alloc's contract: nsize == 0 frees ptr
 * and returns NULL; otherwise behaves like realloc(ptr, nsize) (osize is
 * the block's old size, 0 for a new block). NULL means "use malloc". */
typedef void *(*kigen_alloc_fn)(void *ud, void *ptr, size_t osize, size_t nsize);

/* ------------------------------------------------------------------ */
/* Calendar: proleptic Gregorian civil dates 0001-01-01 … 9999-12-31    */
/* All calendar functions are pure and thread-safe.                    */
/* ------------------------------------------------------------------ */

/* A civil date as a day number: 1 = 0001-01-01 (Rata Die). Day numbers
 * make "the day after" and "days between" plain integer arithmetic. */
typedef int32_t kigen_date;

#define KIGEN_DATE_MIN 1       /* 0001-01-01 */
#define KIGEN_DATE_MAX 3652059 /* 9999-12-31 */

/* What to do when a month or year addition lands on a day that its month
 * does not have (Jan 31 + 1 month). There is no default: each caller
 * names one, because the law names one. */
typedef enum kigen_eom {
    KIGEN_EOM_CLAMP = 0, /* the month's last day (民法143条2項 ただし書) */
    KIGEN_EOM_ROLL = 1   /* the 1st of the following month */
} kigen_eom;

/* Which day is the birthday of a person born on 29 February in a common
 * year (SPEC.md D2 / U1). */
typedef enum kigen_feb29 { KIGEN_FEB29_FEB28 = 0, KIGEN_FEB29_MAR1 = 1 } kigen_feb29;

/* How an age is reckoned (SPEC.md D3 / U3). */
typedef enum kigen_age_method {
    /* 年齢計算ニ関スル法律 with 民法143条: age N is attained at the end of
     * the day before the Nth anniversary, so on a given day the person is
     * already N on the whole day before the birthday. */
    KIGEN_AGE_ACT = 0,
    /* The plain birthday rule: N from the birthday itself. */
    KIGEN_AGE_BIRTHDAY = 1
} kigen_age_method;

typedef enum kigen_era_style {
    KIGEN_ERA_KANJI = 0, /* 令和4年4月1日, 令和元年5月1日 */
    KIGEN_ERA_SHORT = 1  /* R4.4.1 */
} kigen_era_style;

/* Build a day number from year, month (1–12) and day. KIGEN_ERANGE when
 * the year is outside 1–9999, KIGEN_EINVAL when the month or day does not
 * exist (2023-02-29). */
KIGEN_API int kigen_date_from_ymd(int y, int m, int d, kigen_date *out);
/* Split a valid day number. Out-of-range input yields 0/0/0. */
KIGEN_API void kigen_date_to_ymd(kigen_date date, int *y, int *m, int *d); /* any of y, m, d may be NULL */
/* Is the day number inside 0001-01-01 … 9999-12-31? */
KIGEN_API int kigen_date_valid(kigen_date date);
KIGEN_API int kigen_is_leap_year(int y);
/* Days in month m of year y; 0 for a month outside 1–12. */
KIGEN_API int kigen_days_in_month(int y, int m);

/* Parse a date: ISO "YYYY-MM-DD" (exactly four-digit year), or a Japanese
 * era date: "令和4年4月1日", "令和元年5月1日", "R4.4.1", "H31.4.30",
 * "S64.1.7" (M/T/S/H/R and 明治/大正/昭和/平成/令和). len may be
 * (size_t)-1 for a NUL-terminated string. On failure returns KIGEN_EPARSE
 * (form), KIGEN_EINVAL (no such day, or not a day of that era) or
 * KIGEN_ERANGE, and writes a one-line English reason into err (errlen
 * bytes, always NUL-terminated) when err is not NULL. */
KIGEN_API int kigen_date_parse(const char *text, size_t len, kigen_date *out, char *err, size_t errlen);
/* Write "YYYY-MM-DD" and a NUL into buf (11 bytes). */
KIGEN_API int kigen_date_format_iso(kigen_date date, char *buf, size_t buflen);
/* Write the date in a Japanese era (明治6年1月1日 onwards). KIGEN_ERANGE
 * before 1873-01-01, when Japan still used the lunisolar calendar. buf
 * needs 32 bytes for every style. */
KIGEN_API int kigen_date_format_era(kigen_date date, kigen_era_style style, char *buf, size_t buflen);

/* Add n days, months or years. KIGEN_ERANGE when the result leaves the
 * supported range. */
KIGEN_API int kigen_date_add_days(kigen_date date, int64_t n, kigen_date *out);
KIGEN_API int kigen_date_add_months(kigen_date date, int64_t n, kigen_eom eom, kigen_date *out);
KIGEN_API int kigen_date_add_years(kigen_date date, int64_t n, kigen_eom eom, kigen_date *out);
/* The last day of the date's month. */
KIGEN_API kigen_date kigen_date_end_of_month(kigen_date date);
/* ISO day of week: 1 = Monday … 7 = Sunday; 0 for a day number outside
 * the calendar. */
KIGEN_API int kigen_date_weekday(kigen_date date);
/* to − from, in days (negative when to is earlier). Plain arithmetic on
 * day numbers: check the dates with kigen_date_valid first. */
KIGEN_API int64_t kigen_days_between(kigen_date from, kigen_date to);

/* The nth (n >= 1) anniversary of birth that falls strictly after the
 * date `after` (SPEC.md D1: a birthday on `after` itself is not counted).
 * Anniversaries are counted from the first one (birth + 1 year). */
KIGEN_API int kigen_nth_birthday_after(kigen_date birth, kigen_date after, int n, kigen_feb29 feb29,
                                       kigen_date *out);
/* Age in whole years on the day `on`. feb29 matters only for
 * KIGEN_AGE_BIRTHDAY (the act fixes 29 February births itself). A day
 * before the birth is KIGEN_EINVAL. */
KIGEN_API int kigen_age_on(kigen_date birth, kigen_date on, kigen_age_method method, kigen_feb29 feb29,
                           int *age);

/* ------------------------------------------------------------------ */
/* Rule sets, diagnostics, evaluation                                  */
/* ------------------------------------------------------------------ */

typedef struct kigen_ruleset kigen_ruleset; /* immutable once loaded; share freely */
typedef struct kigen_ctx kigen_ctx;         /* one per thread: facts in, values out */
typedef struct kigen_diags kigen_diags;     /* the problems found by a load */

/* Options for loading. Start from KIGEN_OPTS_INIT and set what you need:
 *     kigen_opts o = KIGEN_OPTS_INIT;
 *     o.strict = 1;
 * The size field lets the struct grow without breaking programs built
 * against an older header: the library reads the first `size` bytes and
 * takes the rest as zero (the defaults); a program built against a newer
 * header may pass a larger struct when the fields this library does not
 * know are zero, else the load fails with KIGEN_EVERSION. A size of 0 is
 * KIGEN_EMISUSE. */
typedef struct kigen_opts {
    size_t size; /* sizeof(kigen_opts), as KIGEN_OPTS_INIT sets it */
    /* The allocator for the rule set and every context made from it (NULL:
     * malloc/realloc/free). Contexts share it: when contexts of one rule set
     * are used on several threads, it is called from those threads at
     * once, so it must be thread-safe. */
    kigen_alloc_fn alloc;
    void *alloc_ud;
    int strict; /* non-zero: warnings are errors */
    /* Lua policy limits per call (0: the defaults, see docs/lua.md):
     * instructions 1 .. KIGEN_LUA_MAX_INSTRUCTIONS, memory at least
     * KIGEN_LUA_MIN_MEMORY bytes. Out of range: the load fails with
     * KIGEN_EINVAL. */
    long lua_instruction_limit;
    size_t lua_memory_limit;
    /* The working memory one record may use while it is evaluated (strings
     * it builds, policy results, notes); 0: KIGEN_RECORD_MEMORY_DEFAULT.
     * A record that needs more fails with a message that says so. At least
     * KIGEN_RECORD_MEMORY_MIN. */
    size_t record_memory_limit;
    /* When not NULL: every file a rule set reads (includes, policy scripts
     * and the modules they require) must lie inside this directory, after
     * symbolic links and `..` are resolved. NULL: any path the rule files
     * name (includes must still be *.yaml / *.yml, scripts *.lua). */
    const char *include_root;
    /* Policy scripts' `print`: NULL (the default) makes print an error that
     * says to use rec.note; set, each print calls it with one line of text
     * that starts with where it was printed ("nerima.lua:12 (hook 'h',
     * record 3, id A1): ..."). Called from the thread evaluating the
     * record, so it must be thread-safe when contexts run on several. For
     * debugging (kigen --debug-lua), never for results. */
    void (*lua_print)(void *ud, const char *text);
    void *lua_print_ud;
    /* Module stubs for tests: NULL, or pairs of a module name and the Lua
     * file `require` loads in its place ("holidays_jp",
     * "tests/no_holidays.lua", ..., NULL). The strings are copied. */
    const char *const *lua_stubs;
} kigen_opts;

/* Every field, in order (a partial list would warn under -Wextra). */
/* clang-format off */
#define KIGEN_OPTS_INIT {sizeof(kigen_opts), NULL, NULL, 0, 0, 0, 0, NULL, NULL, NULL, NULL}
/* clang-format on */

#define KIGEN_LUA_MAX_INSTRUCTIONS 1000000000000L /* 10^12 */
#define KIGEN_LUA_MIN_MEMORY ((size_t)64 << 10)
#define KIGEN_RECORD_MEMORY_DEFAULT ((size_t)64 << 20)
#define KIGEN_RECORD_MEMORY_MIN ((size_t)64 << 10)

typedef enum kigen_type {
    KIGEN_T_NONE = 0, /* no value: an absent optional fact, `none` */
    KIGEN_T_BOOL,
    KIGEN_T_INT,
    KIGEN_T_DATE,
    KIGEN_T_STRING,
    KIGEN_T_ENUM,     /* a string from a closed set */
    KIGEN_T_DURATION, /* n days or n months (years are 12 months) */
    KIGEN_T_ERROR     /* an error value: the reason is the string */
} kigen_type;

/* A value read from a context. Strings point into the context and stay
 * valid until the next kigen_eval or kigen_ctx_reset on it. */
typedef struct kigen_value {
    kigen_type type;
    union {
        int b;
        int64_t i;
        kigen_date date;
        struct {
            const char *ptr;
            size_t len;
        } str;
        struct {
            int64_t n;
            int months; /* 1: months, 0: days */
        } dur;
    } u;
} kigen_value;

/* Load a rule file (and what it includes). On success *out is a new rule
 * set that the caller frees with kigen_ruleset_free. On KIGEN_ELOAD or
 * KIGEN_EIO, *out is NULL. When diags is not NULL, *diags receives every
 * problem found (also on success: warnings); the caller frees it with
 * kigen_diags_free. opts may be NULL. Thread-safe. */
KIGEN_API int kigen_load_file(const char *path, const kigen_opts *opts, kigen_ruleset **out,
                              kigen_diags **diags);
/* The same from a buffer; `name` is used as the file name in diagnostics
 * and as the base for relative includes (the current directory when it
 * has no directory part). */
KIGEN_API int kigen_load_string(const char *name, const char *text, size_t len, const kigen_opts *opts,
                                kigen_ruleset **out, kigen_diags **diags);
/* Rule sets are reference counted so that a server can swap in a new one
 * while contexts still use the old one. retain adds a reference; free drops
 * one and frees at zero. Thread-safe (atomic). NULL is ignored. */
KIGEN_API void kigen_ruleset_retain(kigen_ruleset *rs);
KIGEN_API void kigen_ruleset_free(kigen_ruleset *rs);

typedef enum kigen_severity { KIGEN_SEV_ERROR = 0, KIGEN_SEV_WARNING = 1 } kigen_severity;

typedef struct kigen_diag {
    kigen_severity severity;
    const char *code; /* stable, e.g. "E0201"; see docs/rules.md */
    const char *file;
    int line, column;        /* 1-based; 0 when not tied to a position */
    const char *message;     /* what is wrong */
    const char *expected;    /* what was expected; may be NULL */
    const char *hint;        /* "did you mean 'birth_date'?"; may be NULL */
    const char *source_line; /* the offending line; may be NULL */
} kigen_diag;

/* Number of diagnostics, errors among them. All strings belong to the
 * diags object. */
KIGEN_API size_t kigen_diags_count(const kigen_diags *d);
KIGEN_API size_t kigen_diags_errors(const kigen_diags *d);
/* Warnings found (under strict, warnings count as errors). At most 500
 * diagnostics are kept; errors and warnings count every one found. */
KIGEN_API size_t kigen_diags_warnings(const kigen_diags *d);
KIGEN_API const kigen_diag *kigen_diags_get(const kigen_diags *d, size_t i);
/* What a diagnostic code means, in one line (the same words as its row in
 * docs/rules.md or docs/lua.md), or NULL when `code` is not a code. The
 * string is static. */
KIGEN_API const char *kigen_diag_meaning(const char *code);
/* Where text goes: called with the whole text at once; returns 0, or
 * non-zero when the write failed. */
typedef int (*kigen_write_fn)(void *ud, const char *data, size_t len);
/* Write all diagnostics as a compiler prints them (file:line:col:
 * error[E…]: …, the line and a caret) through `write`. color: non-zero for
 * ANSI colours. KIGEN_OK, KIGEN_EIO when write failed, KIGEN_ENOMEM, or
 * KIGEN_EMISUSE for a NULL d or write. To print to a FILE *f:
 *     static int to_file(void *f, const char *s, size_t n)
 *     { return fwrite(s, 1, n, f) == n ? 0 : -1; }
 *     kigen_diags_write(d, to_file, stderr, 0); */
KIGEN_API int kigen_diags_write(const kigen_diags *d, kigen_write_fn write, void *ud, int color);
KIGEN_API void kigen_diags_free(kigen_diags *d);

/* Introspection of a rule set. Names belong to the rule set. */
KIGEN_API const char *kigen_ruleset_name(const kigen_ruleset *rs);
KIGEN_API int kigen_fact_count(const kigen_ruleset *rs);
KIGEN_API const char *kigen_fact_name(const kigen_ruleset *rs, int i);
KIGEN_API kigen_type kigen_fact_type(const kigen_ruleset *rs, int i);
/* Index of a fact by name, or -1. */
KIGEN_API int kigen_fact_index(const kigen_ruleset *rs, const char *name);
/* Facts' other names (`aliases:` in the rule file, e.g. 生年月日 for
 * birth_date), which kigen_fact_index also finds: how many there are over
 * all facts, and the i-th with the index of the fact it names in *fact
 * (may be NULL). Names belong to the rule set; NULL for i out of range. */
KIGEN_API int kigen_alias_count(const kigen_ruleset *rs);
KIGEN_API const char *kigen_alias_name(const kigen_ruleset *rs, int i, int *fact);
KIGEN_API int kigen_output_count(const kigen_ruleset *rs);
KIGEN_API const char *kigen_output_name(const kigen_ruleset *rs, int i);
KIGEN_API int kigen_output_index(const kigen_ruleset *rs, const char *name);
/* Params: the law's numbers and dates, each with its versions in effective-date
 * order (`values: {2015-10-05: 20, 2022-04-01: 18}`). kigen_param_version
 * gives version k of param i: the day it took effect (0 for an undated
 * param) in *eff and its value as the rule file wrote it in *text (either
 * may be NULL; the text belongs to the rule set). KIGEN_EINVAL for i or k
 * out of range. */
KIGEN_API int kigen_param_count(const kigen_ruleset *rs);
KIGEN_API const char *kigen_param_name(const kigen_ruleset *rs, int i);
KIGEN_API int kigen_param_index(const kigen_ruleset *rs, const char *name); /* or -1 */
KIGEN_API int kigen_param_version_count(const kigen_ruleset *rs, int i);
KIGEN_API int kigen_param_version(const kigen_ruleset *rs, int i, int k, kigen_date *eff, const char **text);
/* The whole rule set as data, one JSON document written through write: name,
 * title, file; facts (name, type, choices and choice_aliases, aliases,
 * required, default, min, max, doc, source), params (name, type, choices,
 * values: [{from, value}] in effective-date order, doc, source), outputs
 * (name, type, choices, messages: the outcomes with a message, doc, source)
 * and sources. docs/api.md shows one. KIGEN_OK; KIGEN_EIO when write
 * failed (returned non-zero); KIGEN_ENOMEM. */
KIGEN_API int kigen_describe_json(const kigen_ruleset *rs, kigen_write_fn write, void *ud);

/* A context evaluates records against one rule set. It takes a reference
 * to rs (so rs may be freed by its owner before the context). Allocates
 * all its scratch space here, none per record. Not thread-safe: one
 * context per thread. When the rule set's policy scripts cannot start in
 * the new context, returns KIGEN_ELUA and still sets *out (as sqlite3_open
 * does) so that kigen_errmsg can say why: such a context refuses to
 * evaluate, and the caller frees it. */
KIGEN_API int kigen_ctx_new(kigen_ruleset *rs, kigen_ctx **out);
KIGEN_API void kigen_ctx_free(kigen_ctx *c);
/* The rule set a context evaluates (owned by the context). */
KIGEN_API const kigen_ruleset *kigen_ctx_ruleset(const kigen_ctx *c);
/* The last error on this context; owned by it; valid until the next call. */
KIGEN_API const char *kigen_errmsg(const kigen_ctx *c);
/* The status that goes with kigen_errmsg, as sqlite3_errcode: the status
 * of the last call that failed among those that take a non-const c (the
 * setters and kigen_eval; readers such as kigen_get leave c unchanged and
 * only return their status), KIGEN_OK after kigen_ctx_reset and after a
 * kigen_eval that succeeded. KIGEN_EMISUSE for a NULL c. */
KIGEN_API int kigen_errcode(const kigen_ctx *c);

/* Forget all facts set so far (the parameter overrides stay). */
KIGEN_API void kigen_ctx_reset(kigen_ctx *c);
/* Set a fact from text, parsed by the fact's type (dates in ISO or era
 * form, booleans true/false, integers, enum values). An empty text means
 * "not given". KIGEN_ENOTFOUND for an unknown fact, KIGEN_EPARSE with a
 * message when the text does not fit. text is copied. */
KIGEN_API int kigen_set(kigen_ctx *c, const char *fact, const char *text);
/* The fast, typed setters, by fact index (kigen_fact_index). */
KIGEN_API int kigen_set_date(kigen_ctx *c, int fact, kigen_date d);
KIGEN_API int kigen_set_int(kigen_ctx *c, int fact, int64_t v);
KIGEN_API int kigen_set_bool(kigen_ctx *c, int fact, int v);
KIGEN_API int kigen_set_text(kigen_ctx *c, int fact, const char *text, size_t len);
KIGEN_API int kigen_unset(kigen_ctx *c, int fact);

/* Override a parameter for every evaluation on this context (all of its
 * effective dates): the text is parsed by the param's type. A NULL text
 * removes the override. Use it to see what another reading of the law
 * changes. A fact's range (`min:`/`max:`) set by the param follows the
 * override: a fact given before and now outside it fails the next
 * kigen_eval (KIGEN_EEVAL) as its setter would have. After a change, the
 * last evaluation's values cannot be read until kigen_eval. */
KIGEN_API int kigen_set_param(kigen_ctx *c, const char *param, const char *text);
/* The date `today()` returns in this context; 0 means the system clock in
 * Japan time. */
KIGEN_API int kigen_set_today(kigen_ctx *c, kigen_date today);
/* The language of this context's messages (kigen_errmsg and the error
 * values of a record): "en" (the default) or "ja". Messages that have no
 * Japanese text (a policy script's own errors) stay as they are.
 * KIGEN_EINVAL for another language. */
KIGEN_API int kigen_set_lang(kigen_ctx *c, const char *lang);
/* Which record the context evaluates next, for messages: errors of policy
 * scripts then end with "(record N, id X)". number 0 clears it; id may be
 * NULL (copied, at most 63 bytes kept). Batch readers call it per record. */
KIGEN_API int kigen_set_record(kigen_ctx *c, long number, const char *id);
/* Record explanations during evaluation (slower). */
KIGEN_API int kigen_set_explain(kigen_ctx *c, int on);

/* Evaluate only what these values need, as a prepared statement computes
 * only its query: names of outputs, rules or facts (aliases too). The
 * context then computes their closure and nothing else; a missing required
 * fact fails the record only when a selected value depends on it; an error
 * fails it only in a selected value; kigen_get, kigen_get_by_name and
 * kigen_message return KIGEN_EMISUSE / NULL for a value not selected.
 * n = 0 selects everything again (the default). KIGEN_ENOTFOUND (with a
 * did-you-mean in kigen_errmsg) for an unknown name; the selection is then
 * unchanged. Names are not kept. */
KIGEN_API int kigen_ctx_select_outputs(kigen_ctx *c, const char *const *names, size_t n);
/* The program compiled for the facts set now (their shape: which are
 * given), the selection, the param overrides and the language, as text:
 * one instruction per line, then the values folded at compile time
 * (SQLite's EXPLAIN). kigen_eval runs it for a record of this shape — or,
 * once the context has met eight other shapes, the generic program, which
 * computes the same values. Owned by c, valid until the next call on it;
 * NULL when out of memory. */
KIGEN_API const char *kigen_program_text(kigen_ctx *c);

/* Evaluate the facts set so far. KIGEN_OK when every output is a value or
 * an absent value; KIGEN_EEVAL when a fact is missing or malformed or an
 * output is an error value (kigen_errmsg says which and why; the other
 * outputs are still readable). */
KIGEN_API int kigen_eval(kigen_ctx *c);
/* Read output i (0 … kigen_output_count−1) of the last evaluation.
 * KIGEN_EMISUSE once what it was computed from has changed — the facts
 * (kigen_ctx_reset, a setter), a param override (kigen_set_param), the day
 * (kigen_set_today) or the language (kigen_set_lang) — until kigen_eval
 * runs again: never a value of another record or another reading. The
 * same holds for kigen_get_by_name and kigen_message (NULL). */
KIGEN_API int kigen_get(const kigen_ctx *c, int output, kigen_value *v);
/* Read any fact (also by an alias), rule or output by name. */
KIGEN_API int kigen_get_by_name(const kigen_ctx *c, const char *name, kigen_value *v);
/* Format a value as text the way the CLI prints it (ISO dates,
 * true/false, empty for none). Returns the length it needed, like
 * snprintf. */
KIGEN_API size_t kigen_value_format(const kigen_value *v, char *buf, size_t buflen);
/* The message for output i's current value in language "ja" or "en",
 * NULL when the rule file gives none. Owned by the rule set. */
KIGEN_API const char *kigen_message(const kigen_ctx *c, int output, const char *lang);
/* Does the rule file give messages for output i (for any outcome)? */
KIGEN_API int kigen_output_has_messages(const kigen_ruleset *rs, int output);

/* The explanation of the last evaluation (needs kigen_set_explain), as
 * readable text or as JSON. `name` selects one value (a rule or output);
 * NULL explains every output. The returned string is owned by the context
 * and valid until the next call on it. */
KIGEN_API const char *kigen_explain_text(kigen_ctx *c, const char *name);
KIGEN_API const char *kigen_explain_json(kigen_ctx *c, const char *name);

/* The notes policy hooks added to the last evaluated record (rec.note), in
 * order: a count, and note i (0 … count−1), owned by the context and valid
 * until the next evaluation; NULL out of range. */
KIGEN_API int kigen_note_count(const kigen_ctx *c);
KIGEN_API const char *kigen_note(const kigen_ctx *c, int i);
/* The policy-script frames of the last script error in the last
 * evaluation (a hook that failed, or a function whose error became a
 * value), innermost first, one "script:line: in function 'f'" per line;
 * NULL when no script failed. Owned by the context. */
KIGEN_API const char *kigen_lua_traceback(const kigen_ctx *c);

/* ------------------------------------------------------------------ */
/* Coverage: what tests reached (kigen test --coverage)                 */
/* ------------------------------------------------------------------ */

/* Collects, over every evaluation of the contexts it is given, which cases
 * of the rule set's rules were taken and which lines of its policy
 * scripts ran. It belongs to one rule set (which must outlive it) and is
 * used from one thread. NULL when out of memory. */
typedef struct kigen_coverage kigen_coverage;
KIGEN_API kigen_coverage *kigen_coverage_new(const kigen_ruleset *rs);
KIGEN_API void kigen_coverage_free(kigen_coverage *cov);
/* Collect this context's evaluations into cov (NULL: stop). Turns explain
 * on (cases are recorded by the explaining evaluator) and restarts the
 * context's policy scripts with Lua's line hook, so their top level counts
 * too: slower, for test runs. KIGEN_EMISUSE when cov belongs to another
 * rule set; KIGEN_ELUA when the scripts do not restart. */
KIGEN_API int kigen_set_coverage(kigen_ctx *c, kigen_coverage *cov);
/* The coverage as JSON: {"cases": {"total", "reached", "rules": [{"rule",
 * "case", "of", "when", "file", "line", "hits"}]}, "lua": [{"file",
 * "lines", "reached", "hits": [[line, count], ...]}]}. Owned by cov,
 * valid until the next call; NULL when out of memory. */
KIGEN_API const char *kigen_coverage_json(kigen_coverage *cov);

/* ------------------------------------------------------------------ */
/* Batches: records in memory, evaluated on the caller's threads        */
/* ------------------------------------------------------------------ */

/* Called once for each row of a batch that was begun (see kigen_batch_text),
 * from the thread that evaluated it: with more than one thread, from
 * several threads at once and in no particular order, so it must be
 * thread-safe (store results by `row`; see docs/api.md). With threads = 1,
 * from the calling thread in row order.
 *  - row: the row's index, 0 … nrows−1;
 *  - ctx: the context that evaluated it. Read the row's values with
 *    kigen_get, kigen_get_by_name, kigen_message, kigen_errmsg and
 *    kigen_errcode; ctx and every string read from it are valid only
 *    during the call (the thread's next row reuses them);
 *  - status: kigen_eval's status (KIGEN_OK; KIGEN_EEVAL or KIGEN_ELUA with
 *    the other outputs still readable), or, when a cell could not be set,
 *    the setter's (KIGEN_EPARSE, KIGEN_ETYPE, KIGEN_ERANGE, KIGEN_EINVAL,
 *    KIGEN_ENOMEM; KIGEN_EMISUSE for a malformed kigen_value): then nothing
 *    was evaluated and kigen_get returns KIGEN_EMISUSE. kigen_errmsg(ctx)
 *    says why in either case.
 * Return 0 to go on; anything else stops the batch (kigen_batch_text). */
typedef int (*kigen_batch_fn)(void *ud, size_t row, const kigen_ctx *ctx, int status);

/* Options of a batch. Start from KIGEN_BATCH_OPTS_INIT, as with
 * kigen_opts (the same `size` rule: the library reads `size` bytes, a size
 * of 0 is KIGEN_EMISUSE, a newer struct with unknown fields set is
 * KIGEN_EVERSION). A NULL opts is KIGEN_BATCH_OPTS_INIT. Every context of
 * the batch is set up alike from these, before any row is evaluated. */
typedef struct kigen_batch_opts {
    size_t size; /* sizeof(kigen_batch_opts), as KIGEN_BATCH_OPTS_INIT sets it */
    /* How many threads evaluate, the calling thread among them, each with a
     * context of its own: 1 evaluates every row on the calling thread and
     * creates no thread; 0 means the number of processors online, at most
     * 64. Never more threads than rows. 0 … KIGEN_BATCH_MAX_THREADS, else
     * KIGEN_EINVAL. When a thread cannot be created, the others (at least
     * the calling thread) evaluate its rows: the result is the same. */
    int threads;
    kigen_date today; /* as kigen_set_today: 0 is the system clock */
    const char *lang; /* as kigen_set_lang: "en" or "ja"; NULL: "en" */
    /* Param overrides, as kigen_set_param: each "name=value". */
    const char *const *params;
    size_t nparams;
    /* Compute only these outputs, rules or facts, as
     * kigen_ctx_select_outputs; NULL or 0 names: every output. */
    const char *const *outputs;
    size_t noutputs;
    /* When errbuf is not NULL: why the batch failed (a one-line message,
     * always NUL-terminated, cut to errlen bytes), "" when it succeeded.
     * Written by the calling thread before the batch returns. The message
     * of a failed row is kigen_errmsg in the callback, not this. */
    char *errbuf;
    size_t errlen;
} kigen_batch_opts;

/* Every field, in order (a partial list would warn under -Wextra). */
/* clang-format off */
#define KIGEN_BATCH_OPTS_INIT {sizeof(kigen_batch_opts), 0, 0, NULL, NULL, 0, NULL, 0, NULL, 0}
/* clang-format on */

#define KIGEN_BATCH_MAX_THREADS 256

/* Evaluate nrows records held in memory, on opts->threads threads (a
 * thread pool for the duration of the call), and hand each row's values
 * to fn. The rows are `ncols` cells each, row-major: the cell of row r and
 * column k is cells[r * ncols + k]. columns names the ncols columns once,
 * each a fact or one of its aliases (resolved before anything runs; an
 * unknown name is KIGEN_ENOTFOUND with a did-you-mean, two columns for
 * one fact KIGEN_EINVAL). A cell is text, parsed by the fact's type as
 * kigen_set_text parses it; NULL or "" is "not given" (the fact's default
 * applies). Policy scripts' errors end with "(record N)", N = row + 1.
 *
 * fn is called exactly once for each row begun (see kigen_batch_fn).
 * After it returns non-zero, no further row is begun: rows already under
 * way on other threads finish and are still handed to fn; then the batch
 * returns KIGEN_ECANCELED. Rows not begun are never handed to fn.
 *
 * Returns KIGEN_OK when every row was handed to fn (whatever each row's
 * status), KIGEN_ECANCELED as above, or, before any row is begun:
 * KIGEN_EMISUSE (a NULL rs or fn, NULL columns or cells while ncols or
 * nrows × ncols is not 0, a NULL column name, NULL params or outputs with
 * a count, a size of 0), KIGEN_EVERSION, KIGEN_EINVAL (threads out of
 * range, a param without '=', an unknown language), KIGEN_ENOTFOUND (a
 * column, param or output), KIGEN_EPARSE (a param's value), KIGEN_ERANGE
 * (today), KIGEN_ELUA (the policy scripts cannot start in a context:
 * kigen_ctx_new's message) or KIGEN_ENOMEM. opts->errbuf says why (except
 * for a size of 0: then opts is not read at all).
 *
 * Ownership and threads: nothing is kept after the call; the arrays are
 * read during it and must not change. Several batches may run at once on
 * one rule set (each makes its own contexts from it); the rule set's
 * allocator is then called from several threads (kigen_opts.alloc). */
KIGEN_API int kigen_batch_text(kigen_ruleset *rs, const char *const *columns, size_t ncols,
                               const char *const *cells, size_t nrows, const kigen_batch_opts *opts,
                               kigen_batch_fn fn, void *ud);
/* The same with typed cells, set with the typed setters: KIGEN_T_NONE is
 * "not given"; KIGEN_T_DATE, KIGEN_T_INT and KIGEN_T_BOOL go to
 * kigen_set_date, kigen_set_int and kigen_set_bool; KIGEN_T_STRING and
 * KIGEN_T_ENUM are text (u.str, not NUL-terminated), parsed as
 * kigen_set_text parses it. A cell whose type does not fit its fact (an
 * integer for a date; a duration or an error value, which no fact is)
 * fails its row with KIGEN_ETYPE, as the setters do, and a cell that is not
 * a kigen_value (a type outside kigen_type; text with a NULL pointer and a
 * length — NULL with length 0 is "not given") with KIGEN_EMISUSE; the
 * other rows go on. */
KIGEN_API int kigen_batch_values(kigen_ruleset *rs, const char *const *columns, size_t ncols,
                                 const kigen_value *cells, size_t nrows, const kigen_batch_opts *opts,
                                 kigen_batch_fn fn, void *ud);

/* The card reader's API is in kigen_card.h (when KIGEN_HAS_CARD is 1). */

#ifdef __cplusplus
}
#endif
#endif /* KIGEN_H */
