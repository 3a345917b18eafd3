/* A context: one record's facts in, its values out (the public kigen_ctx),
 * and the interface through which extensions (the Lua policy, lua/) run
 * beside the rules without rt/ knowing them: a rule set may carry a
 * kg_ext, whose calls a context makes at creation, after each evaluation
 * and when it is freed. Extensions read and write the record through the
 * accessors below, never through the struct's fields. */
#ifndef KIGEN_RT_CTX_H
#define KIGEN_RT_CTX_H

#include <stdarg.h>

#include "model/ruleset.h"

typedef struct kg_trace {
    int param;
    kigen_date at; /* 0 for undated */
    int version;   /* -1 override, -2 none (error) */
} kg_trace;

/* What a rule set's contexts run besides its rules. Each returns KIGEN_OK,
 * or an error status with the context's message set (kg_ctx_err). */
typedef struct kg_ext {
    int (*ctx_init)(kigen_ctx *c);     /* kigen_ctx_new */
    void (*ctx_free)(kigen_ctx *c);    /* kigen_ctx_free */
    void (*before_eval)(kigen_ctx *c); /* kigen_eval, before the first rule */
    int (*after_eval)(kigen_ctx *c);   /* kigen_eval, once the rules are done */
} kg_ext;

struct kigen_ctx {
    kigen_ruleset *rs;
    kg_mem mem;
    kg_arena scratch; /* per-record strings; reset by kigen_eval */
    kg_arena keep;    /* fact texts set by the caller; reset by kigen_ctx_reset */
    kg_arena pkeep;   /* param overrides; lives as long as the context */
    kg_val *vals;     /* one per slot */
    kg_val *input;    /* facts as given; VT_NONE when not given */
    bool *given;
    kg_val *override; /* one per param */
    bool *overridden;
    const char **override_text;
    kg_fncall fc; /* what functions see: scratch, today, language, this context */
    bool explain;
    int *case_taken; /* per slot; -1 none */
    kg_trace *trace; /* per slot: max_trace entries */
    int *ntrace;
    int cur_slot;
    kg_buf out;         /* explain text / json */
    char err[1024];     /* kigen_errmsg: one line, control characters escaped */
    int errcode;        /* kigen_errcode: the status that goes with err */
    void *ext_state;    /* the extension's state for this context */
    kg_vec notes;       /* char*: notes extensions added to this record (in scratch) */
    long record;        /* the record's number for messages (kigen_set_record), 0 none */
    char record_id[64]; /* ... and its id as given (cut to fit), "" none: escaped only when a message needs it
                         */
    bool evaluated;     /* kigen_eval has run since the last reset */
    bool explained;     /* ... and with explain on (the walker recorded cases and params) */
    bool stale;         /* the selection changed since kigen_eval: values may not exist */
    /* A fact set before an override moved its range, and now outside it:
     * the next kigen_eval fails with range_msg (-1: none) */
    int range_fact;
    char range_msg[512];
    bool unusable; /* its extension failed to start (see err) */
    /* the compiled engine (program.h): vals is also its register file */
    size_t nregs_cap;                /* vals has room for this many registers */
    uint64_t *given_bits;            /* one bit per given fact: the record's shape */
    struct kg_plan *plan;            /* what to evaluate (the selection's closure) */
    struct kg_progcache *progs;      /* compiled programs by shape (plan.c) */
    const struct kg_prog *installed; /* the program whose constants vals holds */
    int engine;                      /* KG_ENGINE_* (KIGEN_EVAL in the environment) */
    kg_val *check_vals;              /* KG_ENGINE_CHECK: the program's values */
    struct kigen_coverage *cov;      /* kigen_set_coverage, or NULL */
    char lua_trace[1024]; /* kigen_lua_traceback: script frames of the record's last script error */
};

/* How kigen_eval computes values: the compiled program (the default), the
 * tree walker (the reference), or both, compared value by value (a
 * difference aborts with both values on stderr). KIGEN_EVAL=tree|check. */
enum { KG_ENGINE_PROGRAM, KG_ENGINE_TREE, KG_ENGINE_CHECK };

/* Set up the plan and program cache of a new context (plan.c). */
bool kg_plan_init(kigen_ctx *c);

/* Set kigen_errmsg's text: one line, control characters escaped (it often
 * quotes a record or a script), cut with a mark when too long. */
/* Record `code` as the context's kigen_errcode (c may be NULL) and
 * return it: `return kg_ctx_fail(c, KIGEN_EPARSE);`. */
int kg_ctx_fail(kigen_ctx *c, int code);
void kg_ctx_err(kigen_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kg_ctx_verr(kigen_ctx *c, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* " (record N, id X)" for messages, or "" when the host set no record. */
const char *kg_ctx_record_label(const kigen_ctx *c, char *buf, size_t n);

/* ---- for extensions ------------------------------------------------------ */

/* The value of a slot in the current record (valid until the next record). */
const kg_val *kg_ctx_value(const kigen_ctx *c, int slot);
/* Set a slot an extension computes (a hook output). Strings must live in
 * the record's scratch memory (kg_ctx_strdup). */
void kg_ctx_set_value(kigen_ctx *c, int slot, const kg_val *v);
/* A copy of s in the record's scratch memory; NULL when the record memory
 * limit is reached. */
char *kg_ctx_strdup(kigen_ctx *c, const char *s, size_t n);
/* A note for this record (explain shows it); false when out of memory. */
bool kg_ctx_add_note(kigen_ctx *c, const char *s, size_t n);
long kg_ctx_record(const kigen_ctx *c);
/* The record's id as the host gave it (kigen_set_record; at most 63 bytes,
 * cut between characters), "" when none. Not escaped: escape it for a
 * message (kg_escape_line). */
const char *kg_ctx_record_id(const kigen_ctx *c);
/* Keep the script frames of a policy script's error for
 * kigen_lua_traceback (cut to fit). */
void kg_ctx_set_trace(kigen_ctx *c, const char *trace);
/* The coverage this context collects into, or NULL. */
struct kigen_coverage *kg_ctx_coverage(const kigen_ctx *c);
kigen_date kg_ctx_today(const kigen_ctx *c);
/* The today the host fixed (kigen_set_today), or 0: the clock. */
kigen_date kg_ctx_fixed_today(const kigen_ctx *c);
void *kg_ctx_ext_state(const kigen_ctx *c);
void kg_ctx_set_ext_state(kigen_ctx *c, void *state);
const kg_mem *kg_ctx_mem(const kigen_ctx *c);

#endif
