/* Definitions and the rule set: what the loader builds (front/), the
 * checker types and orders (sema/), and contexts evaluate (rt/). A rule
 * set is immutable once loaded. */
#ifndef KIGEN_MODEL_RULESET_H
#define KIGEN_MODEL_RULESET_H

#include <stdatomic.h>

#include "model/fn.h"

struct kg_ext;

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
#define KG_LB_NONE INT32_MAX /* never a date (absent only): neutral */
#define KG_LB_OPEN (-2)      /* any date: a fact with no `min:` */
#define KG_LB_UNKNOWN (-1)   /* cannot tell (a function result) */

typedef struct kg_def {
    kg_kind kind;
    const char *name;
    const char *doc;
    const char *source;
    kg_type ty;
    bool declared_type;
    const kg_ynode *node; /* the definition, for diagnostics */
    const kg_srcfile *file;
    bool override;
    bool broken;      /* had an error: its uses do not cascade */
    bool hook_output; /* a rule whose value a policy hook sets after evaluation */
    int slot;         /* facts and rules: value slot; params: index */
    /* facts */
    bool optional;
    kg_expr *deflt; /* default expression, or NULL */
    kg_exprsrc deflt_src;
    /* facts: other names a record may give it by (`aliases: [生年月日]`) */
    const kg_ynode *aliases; /* the list, or NULL */
    /* date and integer facts: the realistic range a record's value must lie
     * in (`min:`, `max:`), VT_NONE when not declared */
    kg_val min, max;
    const kg_ynode *min_param, *max_param;    /* `min: a_param`: resolved by the checker */
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
    kg_expr *value; /* or cases */
    kg_exprsrc value_src;
    kg_case *cases;
    int ncases;
    /* dependency analysis */
    int *deps; /* slots this value reads */
    int ndeps;
    int *params_used;
    int nparams_used;
    int state; /* topological sort marks */
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
    int *order;                    /* evaluation order of slots */
    const kg_nameidx *slot_index;  /* name -> slot (facts and rules) */
    const kg_nameidx *alias_index; /* a fact's alias -> position in alias_slots */
    const char **alias_names;
    int *alias_slots;
    int naliases;
    const kg_nameidx *param_index;          /* name -> param index */
    const char **slot_names, **param_names; /* the arrays they index */
    int *outputs;                           /* slots */
    int noutputs;
    kg_message *messages;
    int nmessages;
    kg_source *sources;
    int nsources;
    int max_trace; /* param lookups one rule can make */
    /* policy scripts (Lua): opaque to the layers below lua/ */
    const char **lua_scripts;
    int nlua;
    kg_fn **lua_fns;
    int nlua_fns;
    const struct kg_ext *ext; /* what contexts run besides the rules (rt/ctx.h), or NULL */
    kigen_opts opts;
};

/* The slot of a fact or rule by name (not aliases), or -1. */
int kg_slot_of(const kigen_ruleset *rs, const char *name);
/* Is v allowed by d's integer choices (always, when it has none)? When
 * not, writes "N is not one of its choices: a, b" into why. */
bool kg_int_choice_ok(const kg_def *d, const kg_val *v, char *why, size_t n);

#endif
