/* Internal calendar helpers shared by the era code and the rule language. */
#ifndef KIGEN_CALENDAR_H
#define KIGEN_CALENDAR_H

#include "kigen.h"

/* Day number of any proleptic Gregorian date, unchecked (for range tests). */
int64_t kg_rd_from_ymd(int64_t y, int m, int d);
/* Add n months to a Y/M/D that may not be a valid date itself. */
int kg_ymd_add_months(int y, int m, int d, int64_t n, kigen_eom eom, kigen_date *out);

#endif
