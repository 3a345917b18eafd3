/* See clock.h. */
#include "base/clock.h"

#include <time.h>

kigen_date kg_clock_today_jst(void)
{
    /* Japan has one time zone and no daylight saving: UTC+9. */
    time_t now = time(NULL) + (time_t)9 * 3600;
    struct tm tm;
    kigen_date d = 0;
    if (gmtime_r(&now, &tm))
        (void)kigen_date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, &d);
    return d;
}
