/* The call interface of functions (fn.h). */
#include "model/fn.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"

void kg_fn_error(kg_fncall *fc, kg_val *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = kg_arena_vprintf(fc->scratch, fmt, ap);
    va_end(ap);
    out->t = VT_ERR;
    out->u.s = s ? s : "error (and out of memory describing it)";
    out->len = (uint32_t)strlen(out->u.s);
}

kigen_date kg_fn_today(const kg_fncall *fc)
{
    return fc->today ? fc->today : kg_clock_today_jst();
}
