/* The era table and era-date reading (internal). */
#ifndef KIGEN_ERA_H
#define KIGEN_ERA_H

#include "kigen.h"

typedef struct kg_era {
    const char *name; /* 令和 */
    char letter;      /* R */
    int y, m, d;      /* first day, Gregorian */
    int first_year;   /* Gregorian year of 元年 */
} kg_era;

extern const kg_era kg_eras[];
extern const int kg_era_count;

/* KIGEN_EPARSE when the text is not an era date at all (no message);
 * otherwise the kigen_date_parse contract. */
int kg_era_parse(const char *text, size_t len, kigen_date *out, char *err, size_t errlen);

#endif
