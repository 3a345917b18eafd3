/* The rule language's types and values (the model every phase shares):
 * what a fact, param or rule can hold, and values as text. */
#ifndef KIGEN_MODEL_TYPES_H
#define KIGEN_MODEL_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "base/mem.h"
#include "base/symtab.h"
#include "kigen.h"

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
    VT_STR, /* strings and enum values */
    VT_DUR, /* i = count, months flag in aux */
    VT_ERR  /* s = reason */
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

/* Type helpers (types.c). */
const char *kg_type_name(kg_type t, char *buf, size_t n);
bool kg_type_fits(kg_type have, kg_type want);
bool kg_enum_has(const kg_enumset *s, const char *v, size_t len);
/* The index of a value given as text (a name, or an alias), or -1. */
int kg_enum_lookup(const kg_enumset *set, const char *text, size_t len);
kg_type kg_type_make(kg_tk k);

/* Values as text (value.c): parsing by type (office forms of dates,
 * booleans, numbers; enum aliases), printing, the public form. */
int kg_val_parse(kg_arena *a, kg_type ty, const char *text, size_t len, kg_val *out, char *err,
                 size_t errlen);
size_t kg_val_format(const kg_val *v, char *buf, size_t n);
void kg_val_to_public(const kg_val *v, kigen_value *out);

#endif
