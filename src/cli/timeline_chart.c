/* The timeline's chart: the layout filled in with one evaluated record's
 * values (lanes, windows, markers inside the dates drawn, the axis), and
 * the words both renderers use for dates and segments. No I/O here: the
 * command (cmd_timeline.c), a server and the fuzz target build charts the
 * same way. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/timeline.h"
#include "base/text.h"

static const kg_mem tl_malloc; /* zero: malloc and free */

/* One end of a segment: a date, none, or an error (its message copied: the
 * context's strings change with its next evaluation). */
static tl_state read_end(tl_chart *ch, const kigen_ctx *c, const char *name, kigen_date *d, const char **err)
{
    kigen_value v;
    if (kigen_get_by_name(c, name, &v) != KIGEN_OK) {
        *err = "cannot be read"; /* tl_layout_check has made sure it exists */
        return TL_ERROR;
    }
    if (v.type == KIGEN_T_DATE) {
        *d = v.u.date;
        return TL_OK;
    }
    if (v.type == KIGEN_T_ERROR) {
        const char *m = kg_arena_strndup(&ch->arena, v.u.str.ptr, v.u.str.len);
        *err = m ? m : "out of memory";
        return TL_ERROR;
    }
    return TL_NONE; /* tl_layout_check refused names of other types */
}

static void read_segment(tl_chart *ch, const kigen_ctx *c, const tl_ref *from, bool after, const tl_ref *to,
                         tl_segment *s)
{
    const char *e1 = NULL, *e2 = NULL;
    tl_state a = read_end(ch, c, from->name, &s->from, &e1);
    tl_state b = read_end(ch, c, to->name, &s->to, &e2);
    if (a == TL_ERROR || b == TL_ERROR) {
        s->state = TL_ERROR;
        s->error = e1 ? e1 : e2;
        ch->has_error = true;
        return;
    }
    s->state = a == TL_NONE || b == TL_NONE ? TL_NONE : TL_OK;
    if (s->state == TL_OK && after && kigen_date_add_days(s->from, 1, &s->from) != KIGEN_OK)
        s->state = TL_NONE;
    /* "after the expiry, until the grace ends" with no grace: an empty
     * window has no days to draw */
    if (s->state == TL_OK && s->to < s->from)
        s->state = TL_NONE;
}

typedef struct span_of_days {
    kigen_date lo, hi; /* 0: nothing yet */
} span_of_days;

static void widen(span_of_days *r, kigen_date d)
{
    if (!r->lo || d < r->lo)
        r->lo = d;
    if (!r->hi || d > r->hi)
        r->hi = d;
}

static void widen_segment(span_of_days *r, const tl_segment *s)
{
    if (s->state == TL_OK) {
        widen(r, s->from);
        widen(r, s->to);
    }
}

/* 1 January of year y; for y = 10000, the day after 9999-12-31. */
static kigen_date year_start(int y)
{
    kigen_date d = 0;
    if (y > 9999)
        return KIGEN_DATE_MAX + 1;
    (void)kigen_date_from_ymd(y < 1 ? 1 : y, 1, 1, &d);
    return d;
}

static const char *pick(const tl_chart *ch, const tl_text *t)
{
    return ch->ja ? t->ja : t->en;
}

static bool build_lanes(tl_chart *ch, const tl_layout *l, const kigen_ctx *c, span_of_days *r)
{
    ch->lanes = kg_arena_alloc(&ch->arena, sizeof *ch->lanes * (l->nlanes ? l->nlanes : 1));
    if (!ch->lanes)
        return false;
    const char *styles[64];
    int nstyles = 0;
    for (size_t i = 0; i < l->nlanes; i++) {
        const tl_layout_lane *ll = &l->lanes[i];
        tl_lane *lane = &ch->lanes[ch->nlanes];
        memset(lane, 0, sizeof *lane);
        lane->span.label = pick(ch, &ll->label);
        read_segment(ch, c, &ll->from, false, &ll->to, &lane->span);
        if (ll->optional && lane->span.state == TL_NONE)
            continue; /* e.g. smartphone certificates, which most residents have not */
        ch->nlanes++;
        widen_segment(r, &lane->span);
        lane->windows = kg_arena_alloc(&ch->arena, sizeof *lane->windows * (ll->nwindows ? ll->nwindows : 1));
        if (!lane->windows)
            return false;
        lane->nwindows = ll->nwindows;
        for (size_t k = 0; k < ll->nwindows; k++) {
            const tl_layout_window *lw = &ll->windows[k];
            tl_segment *w = &lane->windows[k];
            w->label = pick(ch, &lw->label);
            read_segment(ch, c, &lw->from, lw->from_is_after, &lw->to, w);
            widen_segment(r, w);
            /* one fill per meaning: "renewable" looks the same on every lane */
            int s = 0;
            while (s < nstyles && strcmp(styles[s], w->label) != 0)
                s++;
            if (s == nstyles && nstyles < 64)
                styles[nstyles++] = w->label;
            w->style = s < 64 ? s : 63;
        }
    }
    ch->nstyles = nstyles;
    return true;
}

static void add_marker(tl_chart *ch, kigen_date d, const char *label, const char *detail, const char *error)
{
    tl_marker *m = &ch->markers[ch->nmarkers++];
    m->date = d;
    m->label = label;
    m->detail = detail;
    m->error = error;
}

/* Markers of dates of the record first (they widen the chart: the
 * application date before the card's issue is part of its story), then
 * the changes of params that fall inside the dates drawn. */
static bool build_markers(tl_chart *ch, const tl_layout *l, const kigen_ctx *c, span_of_days *r)
{
    const kigen_ruleset *rs = kigen_ctx_ruleset(c);
    size_t max = 0;
    for (size_t i = 0; i < l->nmarkers; i++) {
        const tl_layout_marker *lm = &l->markers[i];
        int p = lm->kind == TL_MARK_PARAM ? kigen_param_index(rs, lm->name.name) : -1;
        max += p >= 0 ? (size_t)kigen_param_version_count(rs, p) : 1;
    }
    ch->markers = kg_arena_alloc(&ch->arena, sizeof *ch->markers * (max ? max : 1));
    if (!ch->markers)
        return false;
    for (size_t i = 0; i < l->nmarkers; i++) {
        const tl_layout_marker *lm = &l->markers[i];
        if (lm->kind != TL_MARK_DATE)
            continue;
        kigen_date d = 0;
        const char *err = NULL;
        tl_state st = read_end(ch, c, lm->name.name, &d, &err);
        if (st == TL_ERROR)
            ch->has_error = true;
        if (st == TL_OK)
            widen(r, d);
        if (st != TL_NONE)
            add_marker(ch, st == TL_OK ? d : 0, pick(ch, &lm->label), NULL, err);
    }
    for (size_t i = 0; i < l->nmarkers; i++) {
        const tl_layout_marker *lm = &l->markers[i];
        int p = lm->kind == TL_MARK_PARAM ? kigen_param_index(rs, lm->name.name) : -1;
        int nv = p >= 0 ? kigen_param_version_count(rs, p) : 0;
        const char *prev = NULL;
        for (int k = 0; k < nv; k++) {
            kigen_date eff = 0;
            const char *text = NULL;
            if (kigen_param_version(rs, p, k, &eff, &text) != KIGEN_OK)
                continue;
            /* a change is a version after the first: the first is where
             * the law starts, not a change of it */
            if (k > 0 && eff && eff >= r->lo && eff <= r->hi) {
                const char *detail = kg_arena_printf(&ch->arena, "%s %s -> %s", lm->name.name,
                                                     prev ? prev : "", text ? text : "");
                add_marker(ch, eff, pick(ch, &lm->label), detail, NULL);
            }
            prev = text;
        }
    }
    /* in date order (insertion sort: a handful, and stable) */
    for (size_t i = 1; i < ch->nmarkers; i++)
        for (size_t k = i; k > 0 && ch->markers[k].date < ch->markers[k - 1].date; k--) {
            tl_marker t = ch->markers[k];
            ch->markers[k] = ch->markers[k - 1];
            ch->markers[k - 1] = t;
        }
    return true;
}

bool tl_chart_build(tl_chart *ch, const tl_layout *l, const kigen_ctx *c)
{
    kg_arena_init(&ch->arena, &tl_malloc);
    span_of_days r = {0, 0};
    if (ch->today)
        widen(&r, ch->today);
    if (!build_lanes(ch, l, c, &r) || !build_markers(ch, l, c, &r))
        return false;
    if (!r.lo)
        r.lo = r.hi = year_start(2000); /* nothing dated at all: any one year */
    int y0, y1;
    kigen_date_to_ymd(r.lo, &y0, NULL, NULL);
    kigen_date_to_ymd(r.hi, &y1, NULL, NULL);
    ch->axis_from = year_start(y0);
    ch->axis_to = year_start(y1 + 1);
    return !ch->arena.failed;
}

void tl_chart_free(tl_chart *ch)
{
    kg_arena_free(&ch->arena);
}

const char *tl_date_text(const tl_chart *ch, kigen_date d, char *buf, size_t n)
{
    if (ch->era && kigen_date_format_era(d, KIGEN_ERA_KANJI, buf, n) == KIGEN_OK)
        return buf;
    if (kigen_date_format_iso(d, buf, n) != KIGEN_OK)
        snprintf(buf, n, "?");
    return buf;
}

const char *tl_join(char *out, size_t cap, ...)
{
    va_list ap;
    size_t n = 0;
    out[0] = '\0';
    va_start(ap, cap);
    for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *)) {
        size_t k = strlen(s);
        if (k >= cap - n) {
            k = (size_t)kg_utf8_fit(s, (int)(cap - n - 1));
            memcpy(out + n, s, k);
            n += k;
            break;
        }
        memcpy(out + n, s, k);
        n += k;
    }
    va_end(ap);
    out[n] = '\0';
    return out;
}

void tl_segment_words(const tl_chart *ch, const tl_segment *s, char *out, size_t cap)
{
    char a[32], b[32];
    if (s->state == TL_OK)
        tl_join(out, cap, tl_date_text(ch, s->from, a, sizeof a), ch->ja ? "〜" : " to ",
                tl_date_text(ch, s->to, b, sizeof b), (char *)NULL);
    else if (s->state == TL_NONE)
        tl_join(out, cap, ch->ja ? "なし" : "none", (char *)NULL);
    else
        tl_join(out, cap, ch->ja ? "エラー: " : "error: ", s->error ? s->error : "", (char *)NULL);
}

/* Write the chart where -o says (standard output by default); CLI_OK or
 * CLI_USAGE after saying why it could not be written. */
