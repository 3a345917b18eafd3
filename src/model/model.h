/* The rule language's internal model: types, values, expressions, the
 * compiled rule set and the evaluation context. */
#ifndef KIGEN_RULES_H
#define KIGEN_RULES_H

#include <stdatomic.h>

#include "base/diag.h"
#include "base/mem.h"
#include "base/symtab.h"
#include "base/yaml.h"

/* ---- types ---------------------------------------------------------- */

typedef enum kg_tk {
    TK_UNKNOWN = 0, /* not yet known, or after an error (suppresses cascades) */
    TK_ANY,         /* the type of `none`: fits anything */
    TK_BOOL,
    TK_INT,
    TK_DATE,
    TK_STRING,
    TK_ENUM,
    TK_DUR_DAYS,
    TK_DUR_MONTHS,
    TK_LIST /* only as the right side of `in` */
} kg_tk;

typedef struct kg_enumset {
    const char *const *names;
    int n;
    const kg_nameidx *index; /* for large sets (NULL: search the names) */
    /* other names a value may be given by in records (`choice_aliases`):
     * alias[i] stands for names[alias_to[i]] */
    const char *const *alias;
    const int *alias_to;
    int nalias;
} kg_enumset;

typedef struct kg_type {
    kg_tk k;
    const kg_enumset *set; /* TK_ENUM: the allowed values; NULL = any string */
} kg_type;

/* ---- values --------------------------------------------------------- */

typedef enum kg_vt {
    VT_NONE = 0, /* absent */
    VT_BOOL,
    VT_INT,
    VT_DATE,
    VT_STR,  /* strings and enum values */
    VT_DUR,  /* i = count, months flag in aux */
    VT_ERR   /* s = reason */
} kg_vt;

typedef struct kg_val {
    uint8_t t;
    uint8_t months; /* VT_DUR: 1 months, 0 days */
    uint32_t len;   /* VT_STR / VT_ERR */
    union {
        int64_t i;
        int32_t d;
        const char *s;
    } u;
} kg_val;

/* ---- expressions ---------------------------------------------------- */

typedef enum kg_op {
    OP_LIT,
    OP_FACT,  /* slot */
    OP_RULE,  /* slot */
    OP_PARAM, /* param index, optional `at` */
    OP_ENUMLIT, /* an unresolved bare name: an enum value, decided by context */
    OP_NEG,
    OP_NOT,
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_MOD,
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_AND,
    OP_OR,
    OP_IF,
    OP_IN,
    OP_LIST,
    OP_CALL,
    OP_DUR /* a duration: operand count + unit */
} kg_op;

struct kg_fn;
struct kg_ctx_eval;

typedef struct kg_expr {
    uint8_t op;
    uint8_t months; /* OP_DUR */
    uint16_t depth; /* height of this subtree, bounded by the parser */
    kg_type ty;
    uint32_t pos; /* character offset in the expression text */
    const char *name; /* identifiers, for messages and explain */
    kg_val lit;
    int index;  /* slot, param index */
    struct kg_expr *a, *b, *c;
    struct kg_expr **args; /* call arguments / list items, in signature order */
    int nargs;
    const struct kg_fn *fn;
} kg_expr;

/* Where an expression came from, for diagnostics. */
typedef struct kg_exprsrc {
    const kg_ynode *node; /* the YAML scalar */
    const char *text;
} kg_exprsrc;

/* ---- functions (built-in and registered by policy scripts) ----------- */

#define KG_FN_MAXARGS 8

typedef struct kg_fnparam {
    const char *name;
    kg_type ty;
    bool optional;
} kg_fnparam;

typedef struct kg_evalctx kg_evalctx;
typedef void (*kg_fn_impl)(kg_evalctx *ec, const struct kg_fn *fn, const kg_val *args, int n,
                           kg_val *out);

typedef struct kg_fn {
    const char *name;
    const char *doc;
    kg_type ret;
    int nparams;
    kg_fnparam params[KG_FN_MAXARGS];
    bool variadic;    /* the last param repeats (at least once) */
    bool sees_absent; /* the function handles absent arguments itself */
    kg_fn_impl impl;
    void *ud;         /* for registered functions */
    int ud_index;
} kg_fn;

const kg_fn *kg_builtin_find(const char *name);
/* All built-in names, for "did you mean". */
size_t kg_builtin_names(const char **out, size_t cap);

/* ---- the rule set ----------------------------------------------------- */

typedef struct kg_case {
    kg_expr *when; /* NULL for otherwise */
    kg_expr *then;
    const char *doc;
    const char *source;
    const kg_ynode *node;
} kg_case;

typedef struct kg_version {
    kigen_date eff; /* 0 for an undated param */
    kg_val v;
    const char *text;
} kg_version;

typedef enum kg_kind { KIND_FACT, KIND_PARAM, KIND_RULE } kg_kind;

/* Lower bounds of dates, for W0004 (the special values sort below days). */
#define KG_LB_NONE INT32_MAX  /* never a date (absent only): neutral */
#define KG_LB_OPEN (-2)       /* any date: a fact with no `min:` */
#define KG_LB_UNKNOWN (-1)    /* cannot tell (a function result) */

typedef struct kg_def {
    kg_kind kind;
    const char *name;
    const char *doc;
    const char *source;
    kg_type ty;
    bool declared_type;
    const kg_ynode *node;  /* the definition, for diagnostics */
    const kg_srcfile *file;
    bool override;
    bool broken;           /* had an error: its uses do not cascade */
    bool hook_output;      /* a rule whose value a policy hook sets after evaluation */
    int slot;              /* facts and rules: value slot; params: index */
    /* facts */
    bool optional;
    kg_expr *deflt;        /* default expression, or NULL */
    kg_exprsrc deflt_src;
    /* facts: other names a record may give it by (`aliases: [生年月日]`) */
    const kg_ynode *aliases; /* the list, or NULL */
    /* date and integer facts: the realistic range a record's value must lie
     * in (`min:`, `max:`), VT_NONE when not declared */
    kg_val min, max;
    const kg_ynode *min_param, *max_param; /* `min: a_param`: resolved by the checker */
    const struct kg_def *min_from, *max_from; /* ... to these params (for messages) */
    /* dependency analysis: the earliest date this definition can have
     * (KG_LB_* or a day number), for W0004 */
    int32_t lb;
    /* integer facts and params: the values allowed (`choices: [6, 5]`), or none */
    const int64_t *int_choices;
    int nint_choices;
    /* params */
    kg_version *versions;
    int nversions;
    bool dated;
    /* rules */
    kg_expr *value;        /* or cases */
    kg_exprsrc value_src;
    kg_case *cases;
    int ncases;
    /* dependency analysis */
    int *deps;             /* slots this value reads */
    int ndeps;
    int *params_used;
    int nparams_used;
    int state;             /* topological sort marks */
    bool used;
} kg_def;

typedef struct kg_message {
    const char *rule;
    const char *outcome;
    const char *ja, *en;
    const kg_ynode *node; /* the outcome key, for diagnostics */
} kg_message;

typedef struct kg_source {
    const char *id;
    const char *title;
    const char *url;
    const char *date;
} kg_source;

struct kigen_ruleset {
    kg_mem mem;
    kg_arena arena;
    _Atomic int refs;
    const char *name;
    const char *title;
    const char *file;
    /* slots: every fact and rule has one, facts first */
    kg_def **slots;
    int nslots;
    int nfacts;
    kg_def **params;
    int nparams;
    int *order; /* evaluation order of slots */
    const kg_nameidx *slot_index;  /* name -> slot (facts and rules) */
    const kg_nameidx *alias_index; /* a fact's alias -> position in alias_slots */
    const char **alias_names;
    int *alias_slots;
    int naliases;
    const kg_nameidx *param_index; /* name -> param index */
    const char **slot_names, **param_names; /* the arrays they index */
    int *outputs; /* slots */
    int noutputs;
    kg_message *messages;
    int nmessages;
    kg_source *sources;
    int nsources;
    int max_trace; /* param lookups one rule can make */
    /* policy scripts (Lua): opaque to the core */
    const char **lua_scripts;
    int nlua;
    kg_fn **lua_fns;
    int nlua_fns;
    kigen_opts opts;
};

/* ---- evaluation --------------------------------------------------------- */

typedef struct kg_trace {
    int param;
    kigen_date at;   /* 0 for undated */
    int version;     /* -1 override, -2 none (error) */
} kg_trace;

struct kigen_ctx {
    kigen_ruleset *rs;
    kg_mem mem;
    kg_arena scratch;     /* per-record strings; reset by kigen_eval */
    kg_arena keep;        /* fact texts set by the caller; reset by kigen_ctx_reset */
    kg_arena pkeep;       /* param overrides; lives as long as the context */
    kg_val *vals;         /* one per slot */
    kg_val *input;        /* facts as given; VT_NONE when not given */
    bool *given;
    kg_val *override;     /* one per param */
    bool *overridden;
    const char **override_text;
    kigen_date today;
    bool explain;
    int *case_taken;      /* per slot; -1 none */
    kg_trace *trace;      /* per slot: max_trace entries */
    int *ntrace;
    int cur_slot;
    kg_buf out;           /* explain text / json */
    char err[1024];       /* kigen_errmsg: one line, control characters escaped */
    void *lua;            /* per-context Lua state (policy scripts) */
    kg_vec notes;         /* char*: notes policy hooks added to this record (in scratch) */
    long record;          /* record number for messages */
    bool evaluated;       /* kigen_eval has run since the last reset */
    bool unusable;        /* its policy scripts failed to start (see err) */
    bool ja;              /* messages in Japanese (kigen_set_lang) */
};

struct kg_evalctx {
    kigen_ctx *c;
};

/* Runtime helpers shared by builtins and the evaluator. */
void kg_val_err(kg_evalctx *ec, kg_val *out, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Set kigen_errmsg's text (escaped, see eval.c). */
void kg_ctx_err(kigen_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kg_ctx_verr(kigen_ctx *c, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
kigen_date kg_today(kigen_ctx *c);
int kg_slot_of(const kigen_ruleset *rs, const char *name);
/* Is v allowed by d's integer choices (always, when it has none)? When
 * not, writes "N is not one of its choices: a, b" into why. */
bool kg_int_choice_ok(const kg_def *d, const kg_val *v, char *why, size_t n);

/* Loading and compiling (loader.c, check.c). */
int kg_load(const char *name, const char *text, size_t len, const kigen_opts *opts,
            kigen_ruleset **out, kigen_diags **diags);

/* Parse an expression (expr_parse.c). Returns NULL after reporting. */
kg_expr *kg_parse_expr(kg_arena *a, const kg_exprsrc *src, kigen_diags *d);

/* Type helpers (types.c). */
const char *kg_type_name(kg_type t, char *buf, size_t n);
bool kg_type_fits(kg_type have, kg_type want);
bool kg_enum_has(const kg_enumset *s, const char *v, size_t len);
/* The index of a value given as text (a name, or an alias), or -1. */
int kg_enum_lookup(const kg_enumset *set, const char *text, size_t len);
kg_type kg_type_make(kg_tk k);

/* Values as text (value.c). */
int kg_val_parse(kg_arena *a, kg_type ty, const char *text, size_t len, kg_val *out, char *err,
                 size_t errlen);
size_t kg_val_format(const kg_val *v, char *buf, size_t n);
void kg_val_to_public(const kg_val *v, kigen_value *out);

/* Evaluation of one expression (eval.c). */
void kg_eval_expr(kg_evalctx *ec, const kg_expr *e, kg_val *out);

#endif
