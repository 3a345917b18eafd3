/* The date today in Japan, the one clock every layer asks. */
#ifndef KIGEN_BASE_CLOCK_H
#define KIGEN_BASE_CLOCK_H

#include "kigen.h"

/* Today's date in Japan (UTC+9, no daylight saving), or 0 when the system
 * clock cannot be read. */
kigen_date kg_clock_today_jst(void);

#endif
