/* kigen timeline: one resident's card and certificate lifetimes as a picture.
 *
 * Three parts, each usable alone:
 *  - the layout (timeline_layout.c): which lanes, windows and markers to
 *    draw, read from a YAML file beside the rule pack
 *    (rules/jp/mynumber.timeline.yaml), so that what is drawn is data;
 *  - the chart (cmd_timeline.c, tl_chart_build): the layout filled in with
 *    one evaluated record's values, with the axis fitted to them;
 *  - the renderers (timeline_text.c, timeline_svg.c): a chart to text for a
 *    terminal or to a standalone SVG document. They know nothing of
 *    options, files or contexts, so that another front end (a web page)
 *    can draw a chart it has built. */
#ifndef KIGEN_CLI_TIMELINE_H
#define KIGEN_CLI_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "kigen.h"
#include "cli/out.h"
#include "base/mem.h"

/* ---- the layout ----------------------------------------------------------------- */

/* A label in both languages (a plain YAML value gives the same text to both). */
typedef struct tl_text {
    const char *ja, *en;
} tl_text;

/* A name in the layout (a fact, rule or output; or a param), with where it
 * was written, for "file:line:col" when it turns out not to exist. */
typedef struct tl_ref {
    const char *name; /* NULL: not given */
    int line, col;
} tl_ref;

typedef struct tl_layout_window {
    tl_ref from;        /* the first day ... */
    bool from_is_after; /* ... or (`after:`) the day before it */
    tl_ref to;          /* the last day */
    tl_text label;
} tl_layout_window;

typedef struct tl_layout_lane {
    tl_text label;
    tl_ref from, to;
    bool optional; /* left out of the chart when its span has no value */
    tl_layout_window *windows;
    size_t nwindows;
} tl_layout_lane;

typedef enum { TL_MARK_PARAM, TL_MARK_DATE } tl_mark_kind;

typedef struct tl_layout_marker {
    tl_mark_kind kind;
    tl_ref name; /* TL_MARK_PARAM: a param (a line at each change); TL_MARK_DATE: a value */
    tl_text label;
} tl_layout_marker;

typedef struct tl_layout {
    const char *path;
    tl_text title;
    tl_layout_lane *lanes;
    size_t nlanes;
    tl_layout_marker *markers;
    size_t nmarkers;
    kg_mem mem;
    kg_arena arena; /* everything above lives here */
} tl_layout;

/* Read a layout file. false after printing every problem (file:line:col:
 * error: ...) to stderr; then l holds nothing (no tl_layout_free needed).
 * include_root: as --include-root (NULL: none).
 * Names are not checked here: that needs a rule set (tl_layout_check). */
bool tl_layout_read(tl_layout *l, const char *path, const char *include_root);
/* The same for a layout held in memory (len bytes, copied; name is used in
 * messages): for a server, and for the fuzz target. */
bool tl_layout_parse(tl_layout *l, const char *name, const char *text, size_t len);
/* Check every name against a context that has evaluated a record (rules
 * that are not outputs are found only by reading them), and that each
 * names a date. false after printing each problem with its position. */
bool tl_layout_check(const tl_layout *l, const kigen_ctx *c);
void tl_layout_free(tl_layout *l);

/* ---- the chart ------------------------------------------------------------------ */

typedef enum {
    TL_OK,    /* from .. to, both days included */
    TL_NONE,  /* no value (no such certificate, no notice): drawn as "none" */
    TL_ERROR, /* an error value: drawn with its message */
} tl_state;

typedef struct tl_segment {
    const char *label;
    tl_state state;
    kigen_date from, to;
    const char *error; /* TL_ERROR: why */
    int style;         /* windows: the same label, the same fill (0, 1, ...) */
} tl_segment;

typedef struct tl_lane {
    tl_segment span;
    tl_segment *windows;
    size_t nwindows;
} tl_lane;

typedef struct tl_marker {
    kigen_date date; /* 0 with error: a date of the record that is an error value */
    const char *label;
    const char *detail; /* a param change: "card_age_line 20 -> 18"; may be NULL */
    const char *error;
} tl_marker;

typedef struct tl_chart {
    const char *title;
    const char *subtitle; /* whose chart: the facts given, or the record */
    bool ja;              /* the renderers' own words (today, none, error) */
    bool era;             /* dates as 令和10年7月7日 */
    kigen_date today;
    /* The axis: whole years, axis_from (1 January) included, axis_to (the
     * 1 January after the last day) excluded; a day d covers
     * [d - axis_from, d + 1 - axis_from) of axis_to - axis_from. */
    kigen_date axis_from, axis_to;
    tl_lane *lanes;
    size_t nlanes;
    tl_marker *markers; /* in date order */
    size_t nmarkers;
    int nstyles; /* distinct window labels */
    bool has_error;
    kg_arena arena;
} tl_chart;

/* Fill in the layout with the values of the record evaluated in c: lanes,
 * windows, the markers that fall inside the chart's dates, and the axis.
 * title/subtitle/today/ja/era are set by the caller first. false when out
 * of memory. */
bool tl_chart_build(tl_chart *ch, const tl_layout *l, const kigen_ctx *c);
void tl_chart_free(tl_chart *ch);

/* A date as the chart writes it (ISO or era), in buf (32 bytes). */
const char *tl_date_text(const tl_chart *ch, kigen_date d, char *buf, size_t n);
/* The texts up to the NULL, one after another, in out (cut between two
 * characters when they do not fit); returns out. */
const char *tl_join(char *out, size_t cap, ...) __attribute__((sentinel));
/* A segment in words, in out: "2018-07-08 to 2028-07-07" (or 〜), "none"
 * (なし), or "error: why" (the error as the rules gave it). */
void tl_segment_words(const tl_chart *ch, const tl_segment *s, char *out, size_t cap);

/* ---- the renderers -------------------------------------------------------------- */

/* The chart as text for an 80-column terminal: a bar per lane, today and
 * the markers as columns, then the exact dates. */
void tl_render_text(const tl_chart *ch, cli_out *o);
/* The chart as a standalone SVG 1.1 document (UTF-8, no external files). */
void tl_render_svg(const tl_chart *ch, cli_out *o);

#endif
