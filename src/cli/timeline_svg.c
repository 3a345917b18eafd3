/* A chart as a standalone SVG 1.1 document (see timeline.h), written by
 * hand: a time axis with a tick per year, a lane per card or certificate
 * (a bar for its span, a bar of another fill for each window, the dates at
 * its ends), dashed lines for the markers, a red line for today, a key and
 * the exact dates; <title> and <desc> say it all in words for a screen
 * reader.
 *
 * Output is the same for the same chart, byte for byte (no time, no
 * locale: numbers are printed with two decimals by snprintf, and kigen
 * never sets a locale). Every text from outside (the layout's labels,
 * error values) is made one visible line (kg_escape_line) and escaped for
 * XML, so that no label can end an element or add one.
 *
 * The axis is declared on <g id="axis"> for programs that read the
 * picture: data-from (1 January of the first year), data-to (1 January
 * after the last), data-x0, data-x1; a day d starts at
 * x0 + (d - from) * (x1 - x0) / (to - from), and a segment of days a..b
 * covers x(a) to x(b + 1). Segments carry their dates in data-from and
 * data-to (ISO, both days included). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli/timeline.h"
#include "base/text.h"

#define TEXT_MAX 4096

/* Geometry, in px. */
#define W 960.0
#define LABEL_X 16.0
#define X0 250.0
#define X1 930.0
#define AXIS_Y 90.0
#define LANES_Y 100.0
#define BAR_DY 10.0 /* from a lane's top to its span's bar */
#define BAR_H 18.0
#define WIN_H 8.0 /* a window's bar, under the span's */
#define WIN_GAP 3.0
#define ROW_H 18.0

#define FONT "'Noto Sans CJK JP', 'Noto Sans JP', 'Hiragino Sans', 'Yu Gothic', sans-serif"
#define SPAN_FILL "#8cb4d9"
#define TODAY_COLOR "#d62728"
#define MARK_COLOR "#555555"
static const char *const window_fills[] = {"#f28e2b", "#59a14f", "#b07aa1", "#edc948",
                                           "#76b7b2", "#ff9da7", "#9c755f", "#bab0ac"};
#define NFILLS (sizeof window_fills / sizeof window_fills[0])

typedef struct svg {
    const tl_chart *ch;
    cli_out *o;
} svg;

/* ---- writing ---------------------------------------------------------------------- */

/* Text from outside, for element content and attribute values alike:
 * one visible line (control characters, bytes that are not UTF-8 and
 * bidirectional overrides as escapes), the two characters XML 1.0 does not
 * allow anywhere (U+FFFE, U+FFFF) as U+FFFD, and the markup characters as
 * entities. */
static void put_text(cli_out *o, const char *s)
{
    char line[TEXT_MAX];
    kg_escape_line(line, sizeof line, s ? s : "", s ? strlen(s) : 0);
    size_t from = 0, i = 0;
    for (; line[i]; i++) {
        unsigned char c = (unsigned char)line[i];
        bool nonchar = c == 0xEF && (unsigned char)line[i + 1] == 0xBF &&
                       ((unsigned char)line[i + 2] == 0xBE || (unsigned char)line[i + 2] == 0xBF);
        const char *esc = c == '&'    ? "&amp;"
                          : c == '<'  ? "&lt;"
                          : c == '>'  ? "&gt;"
                          : c == '"'  ? "&quot;"
                          : c == '\'' ? "&#39;"
                          : nonchar   ? "\xEF\xBF\xBD"
                                      : NULL;
        if (!esc)
            continue;
        out_bytes(o, line + from, i - from);
        out_str(o, esc);
        i += nonchar ? 2 : 0;
        from = i + 1;
    }
    out_bytes(o, line + from, i - from);
}

static void put_num(cli_out *o, double v)
{
    char b[48];
    snprintf(b, sizeof b, "%.2f", v);
    out_str(o, b);
}

/* name="value" with a value of our own (a colour, a class: nothing to escape). */
static void attr_str(cli_out *o, const char *name, const char *v)
{
    out_char(o, ' ');
    out_str(o, name);
    out_str(o, "=\"");
    out_str(o, v);
    out_char(o, '"');
}

/* name="text" with text from outside (a label), escaped. */
static void attr_text(cli_out *o, const char *name, const char *v)
{
    out_char(o, ' ');
    out_str(o, name);
    out_str(o, "=\"");
    put_text(o, v);
    out_char(o, '"');
}

/* name="value" with a number. */
static void attr_num(cli_out *o, const char *name, double v)
{
    out_char(o, ' ');
    out_str(o, name);
    out_str(o, "=\"");
    put_num(o, v);
    out_char(o, '"');
}

static void attr_date(const svg *S, const char *name, kigen_date d)
{
    char b[32];
    out_char(S->o, ' ');
    out_str(S->o, name);
    out_str(S->o, "=\"");
    if (kigen_date_format_iso(d, b, sizeof b) == KIGEN_OK)
        out_str(S->o, b);
    out_char(S->o, '"');
}

/* <text x y [anchor] [class] [fill] size>s</text> */
static void text_at(const svg *S, double x, double y, const char *anchor, const char *cls, const char *fill,
                    int size, const char *s)
{
    cli_out *o = S->o;
    out_str(o, "<text");
    attr_num(o, "x", x);
    attr_num(o, "y", y);
    if (anchor) {
        attr_str(o, "text-anchor", anchor);
    }
    if (cls) {
        attr_str(o, "class", cls);
    }
    if (fill) {
        attr_str(o, "fill", fill);
    }
    out_str(o, " font-size=\"");
    out_int(o, size);
    out_str(o, "\">");
    put_text(o, s);
    out_str(o, "</text>\n");
}

static void line_at(const svg *S, double x1, double y1, double x2, double y2, const char *stroke, double w,
                    const char *dash)
{
    cli_out *o = S->o;
    out_str(o, "<line");
    attr_num(o, "x1", x1);
    attr_num(o, "y1", y1);
    attr_num(o, "x2", x2);
    attr_num(o, "y2", y2);
    attr_str(o, "stroke", stroke);
    attr_num(o, "stroke-width", w);
    if (dash) {
        attr_str(o, "stroke-dasharray", dash);
    }
    out_str(o, "/>\n");
}

/* ---- measures --------------------------------------------------------------------- */

/* Where a day starts on the axis. */
static double x_of(const svg *S, kigen_date d)
{
    double days = (double)((int64_t)S->ch->axis_to - S->ch->axis_from);
    return X0 + (double)((int64_t)d - S->ch->axis_from) * (X1 - X0) / (days > 0 ? days : 1);
}

/* About how wide a text is drawn: Japanese is a full em, the rest about 0.6. */
static double text_w(const char *s, int size)
{
    return (double)kg_display_width(s, strlen(s)) * 0.6 * size;
}

/* ---- parts ------------------------------------------------------------------------ */

static void head(const svg *S, double height)
{
    const tl_chart *ch = S->ch;
    cli_out *o = S->o;
    char words[TEXT_MAX], dt[32];
    out_str(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out_str(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\"");
    attr_num(o, "width", W);
    attr_num(o, "height", height);
    out_str(o, " viewBox=\"0 0 ");
    put_num(o, W);
    out_char(o, ' ');
    put_num(o, height);
    out_str(o, "\" role=\"img\" aria-labelledby=\"title desc\" font-family=\"" FONT "\" xml:lang=\"");
    out_str(o, ch->ja ? "ja" : "en");
    out_str(o, "\">\n<title id=\"title\">");
    put_text(o, ch->title);
    out_str(o, "</title>\n<desc id=\"desc\">");
    /* the whole chart in sentences */
    if (ch->subtitle && ch->subtitle[0]) {
        put_text(o, ch->subtitle);
        out_str(o, ch->ja ? "。" : ". ");
    }
    for (size_t i = 0; i < ch->nlanes; i++) {
        const tl_lane *lane = &ch->lanes[i];
        put_text(o, lane->span.label);
        out_str(o, ": ");
        tl_segment_words(ch, &lane->span, words, sizeof words);
        put_text(o, words);
        for (size_t k = 0; k < lane->nwindows; k++) {
            out_str(o, k ? (ch->ja ? "、" : "; ") : (ch->ja ? "（" : " ("));
            put_text(o, lane->windows[k].label);
            out_str(o, ": ");
            tl_segment_words(ch, &lane->windows[k], words, sizeof words);
            put_text(o, words);
        }
        if (lane->nwindows)
            out_str(o, ch->ja ? "）" : ")");
        out_str(o, ch->ja ? "。" : ". ");
    }
    for (size_t i = 0; i < ch->nmarkers; i++) {
        const tl_marker *m = &ch->markers[i];
        put_text(o, m->date ? tl_date_text(ch, m->date, dt, sizeof dt) : "?");
        out_str(o, ": ");
        put_text(o, m->label);
        if (m->detail || m->error) {
            out_str(o, " (");
            put_text(o, m->error ? m->error : m->detail);
            out_char(o, ')');
        }
        out_str(o, ch->ja ? "。" : ". ");
    }
    if (ch->today) {
        out_str(o, ch->ja ? "今日: " : "Today: ");
        put_text(o, tl_date_text(ch, ch->today, dt, sizeof dt));
        out_str(o, ch->ja ? "。" : ".");
    }
    out_str(o, "</desc>\n");
    out_str(o, "<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
    text_at(S, LABEL_X, 32, NULL, "title", "#111111", 18, ch->title);
    if (ch->subtitle && ch->subtitle[0])
        text_at(S, LABEL_X, 54, NULL, "subtitle", "#444444", 12, ch->subtitle);
}

static void axis(const svg *S, double bottom)
{
    const tl_chart *ch = S->ch;
    cli_out *o = S->o;
    out_str(o,
            "<!-- x(day) = x0 + (day - from) * (x1 - x0) / (to - from), in days; the days a..b of a segment "
            "cover x(a) to x(b + 1) -->\n<g id=\"axis\"");
    attr_date(S, "data-from", ch->axis_from);
    /* the 1 January after the last year (for year 9999, one past the calendar) */
    char b[32];
    out_str(o, " data-to=\"");
    if (kigen_date_format_iso(ch->axis_to, b, sizeof b) == KIGEN_OK)
        out_str(o, b);
    else
        out_str(o, "10000-01-01");
    out_char(o, '"');
    attr_num(o, "data-x0", X0);
    attr_num(o, "data-x1", X1);
    out_str(o, ">\n");
    line_at(S, X0, AXIS_Y, X1, AXIS_Y, "#333333", 1, NULL);
    int y0, y1;
    kigen_date_to_ymd(ch->axis_from, &y0, NULL, NULL);
    kigen_date_to_ymd(ch->axis_to - 1, &y1, NULL, NULL);
    double per_year = (X1 - X0) / (double)(y1 - y0 + 1);
    static const int steps[] = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000};
    int step = 10000;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (per_year * steps[i] >= 40) {
            step = steps[i];
            break;
        }
    for (int y = y0; y <= y1 + 1; y++) {
        kigen_date d;
        double x = y > 9999 ? X1 : kigen_date_from_ymd(y, 1, 1, &d) == KIGEN_OK ? x_of(S, d) : -1;
        if (x < 0 || (per_year < 4 && y % step != 0))
            continue; /* a tick per year while they are 4 px apart */
        out_str(o, "<g class=\"tick\" data-year=\"");
        out_int(o, y);
        out_str(o, "\">");
        line_at(S, x, AXIS_Y - 4, x, bottom, "#dddddd", 1, NULL);
        if (y % step == 0 && y <= y1) {
            char num[8];
            snprintf(num, sizeof num, "%d", y);
            text_at(S, x, AXIS_Y - 8, "middle", NULL, "#333333", 12, num);
        }
        out_str(o, "</g>\n");
    }
    out_str(o, "</g>\n");
}

static void segment_rect(const svg *S, const tl_segment *s, const char *cls, const char *fill, double y,
                         double h, const char *lane_label)
{
    cli_out *o = S->o;
    char words[TEXT_MAX];
    double x = x_of(S, s->from), w = x_of(S, s->to + 1) - x;
    out_str(o, "<rect class=\"");
    out_str(o, cls);
    out_char(o, '"');
    if (strcmp(cls, "window") == 0) {
        attr_text(o, "data-label", s->label);
    }
    attr_date(S, "data-from", s->from);
    attr_date(S, "data-to", s->to);
    attr_num(o, "x", x);
    attr_num(o, "y", y);
    attr_num(o, "width", w);
    attr_num(o, "height", h);
    out_str(o, " fill=\"");
    out_str(o, fill);
    out_str(o, "\"><title>");
    put_text(o, lane_label);
    if (lane_label != s->label) {
        out_str(o, " - ");
        put_text(o, s->label);
    }
    out_str(o, ": ");
    tl_segment_words(S->ch, s, words, sizeof words);
    put_text(o, words);
    out_str(o, "</title></rect>\n");
}

/* The windows with days: each has a bar of its own under the span's. */
static size_t drawn_windows(const tl_lane *ln)
{
    size_t n = 0;
    for (size_t k = 0; ln->span.state == TL_OK && k < ln->nwindows; k++)
        n += ln->windows[k].state == TL_OK;
    return n;
}

static double lane_height(const tl_lane *ln)
{
    return BAR_DY + BAR_H + (double)drawn_windows(ln) * (WIN_H + WIN_GAP) + 30;
}

/* A lane: its label, the span's bar and the dates at its ends, and under
 * it a thinner bar for each window (so that windows that overlap, as the
 * notice and the renewal do, both show), named in the labels' column. */
static void lane(const svg *S, const tl_lane *ln, double top)
{
    const tl_chart *ch = S->ch;
    cli_out *o = S->o;
    char a[32], b[32], words[TEXT_MAX];
    const tl_segment *sp = &ln->span;
    out_str(o, "<g class=\"lane\" data-state=\"");
    out_str(o, sp->state == TL_OK ? "ok" : sp->state == TL_NONE ? "none" : "error");
    out_str(o, "\">\n");
    text_at(S, LABEL_X, top + BAR_DY + 14, NULL, "label", "#111111", 14, sp->label);
    if (sp->state != TL_OK) {
        tl_segment_words(ch, sp, words, sizeof words);
        if (sp->state == TL_ERROR && strlen(words) > 300)
            memcpy(words + kg_utf8_fit(words, 296), "...", 4); /* the whole of it is in <desc> */
        text_at(S, X0, top + BAR_DY + 14, NULL, sp->state == TL_NONE ? "none" : "error",
                sp->state == TL_NONE ? "#666666" : "#b00020", 13, words);
        out_str(o, "</g>\n");
        return;
    }
    segment_rect(S, sp, "span", SPAN_FILL, top + BAR_DY, BAR_H, sp->label);
    double y = top + BAR_DY + BAR_H + WIN_GAP;
    for (size_t k = 0; k < ln->nwindows; k++) {
        const tl_segment *w = &ln->windows[k];
        if (w->state != TL_OK)
            continue; /* none: said in the dates under the chart */
        segment_rect(S, w, "window", window_fills[(size_t)w->style % NFILLS], y, WIN_H, sp->label);
        text_at(S, LABEL_X + 12, y + WIN_H, NULL, "window-label", "#555555", 10, w->label);
        y += WIN_H + WIN_GAP;
    }
    /* the dates at the ends: under each end, or together when the bar is short */
    double xa = x_of(S, sp->from), xb = x_of(S, sp->to + 1);
    y += 11;
    tl_date_text(ch, sp->from, a, sizeof a);
    tl_date_text(ch, sp->to, b, sizeof b);
    if (xb - xa >= text_w(a, 11) + text_w(b, 11) + 16) {
        text_at(S, xa, y, NULL, "from", "#333333", 11, a);
        text_at(S, xb, y, "end", "to", "#333333", 11, b);
    } else {
        tl_join(words, sizeof words, a, ch->ja ? "〜" : " - ", b, (char *)NULL);
        bool right = xa + text_w(words, 11) <= W - 8;
        text_at(S, right ? xa : xb, y, right ? NULL : "end", "dates", "#333333", 11, words);
    }
    out_str(o, "</g>\n");
}

/* A vertical line through the lanes and its words on a row of its own
 * under them, beside the line (before it near the right edge). */
static void vline(const svg *S, kigen_date d, const char *id, const char *cls, const char *color,
                  double width, const char *dash, double row_y, const char *words)
{
    cli_out *o = S->o;
    double x = x_of(S, d) + (x_of(S, d + 1) - x_of(S, d)) / 2; /* the middle of the day */
    out_str(o, "<g");
    if (id) {
        attr_str(o, "id", id);
    }
    attr_str(o, "class", cls);
    attr_date(S, "data-date", d);
    attr_num(o, "data-x", x);
    out_str(o, ">\n");
    line_at(S, x, AXIS_Y, x, row_y - 12, color, width, dash);
    bool right = x + 4 + text_w(words, 12) <= W - 8;
    text_at(S, right ? x + 4 : x - 4, row_y, right ? NULL : "end", NULL, color, 12, words);
    out_str(o, "</g>\n");
}

/* The key: a swatch and its words, left to right, onto a new row when
 * full. Returns the last row's y; with draw false, only measures. */
static double key(const svg *S, double y, bool draw)
{
    const tl_chart *ch = S->ch;
    cli_out *o = S->o;
    double x = LABEL_X;
    if (draw)
        out_str(o, "<g id=\"key\">\n");
    /* -1: the span; 0 .. nstyles-1: the windows; then the markers and today */
    for (int s = -1; s <= ch->nstyles + 1; s++) {
        const char *label = NULL, *fill = NULL;
        if (s < 0) {
            label = ch->ja ? "有効期間" : "valid";
            fill = SPAN_FILL;
        } else if (s < ch->nstyles) {
            for (size_t i = 0; i < ch->nlanes && !label; i++)
                for (size_t k = 0; k < ch->lanes[i].nwindows && !label; k++)
                    if (ch->lanes[i].windows[k].style == s)
                        label = ch->lanes[i].windows[k].label;
            fill = window_fills[(size_t)s % NFILLS];
        } else if (s == ch->nstyles) {
            if (ch->nmarkers)
                label = ch->ja ? "制度の変更・日付" : "change of law, date";
        } else if (ch->today) {
            label = ch->ja ? "今日" : "today";
        }
        if (!label)
            continue;
        double w = 22 + text_w(label, 12) + 18;
        if (x > LABEL_X && x + w > W - 8) {
            x = LABEL_X;
            y += ROW_H;
        }
        if (!draw) {
            x += w;
            continue;
        }
        if (fill) {
            out_str(o, "<rect");
            attr_num(o, "x", x);
            attr_num(o, "y", y - 10);
            attr_num(o, "width", 16);
            attr_num(o, "height", 12);
            out_str(o, " fill=\"");
            out_str(o, fill);
            out_str(o, "\"/>\n");
        } else if (s == ch->nstyles) {
            line_at(S, x + 8, y - 12, x + 8, y + 2, MARK_COLOR, 1, "4 3");
        } else {
            line_at(S, x + 8, y - 12, x + 8, y + 2, TODAY_COLOR, 2, NULL);
        }
        text_at(S, x + 22, y, NULL, NULL, "#333333", 12, label);
        x += w;
    }
    if (draw)
        out_str(o, "</g>\n");
    return y;
}

static double dates_list(const svg *S, double y)
{
    const tl_chart *ch = S->ch;
    char words[TEXT_MAX], line[TEXT_MAX * 2];
    out_str(S->o, "<g id=\"dates\">\n");
    for (size_t i = 0; i < ch->nlanes; i++) {
        const tl_lane *ln = &ch->lanes[i];
        tl_segment_words(ch, &ln->span, words, sizeof words);
        tl_join(line, sizeof line, ln->span.label, ": ", words, (char *)NULL);
        text_at(S, LABEL_X, y, NULL, NULL, "#111111", 12, line);
        y += 16;
        for (size_t k = 0; k < ln->nwindows; k++) {
            tl_segment_words(ch, &ln->windows[k], words, sizeof words);
            tl_join(line, sizeof line, ln->windows[k].label, ": ", words, (char *)NULL);
            text_at(S, LABEL_X + 16, y, NULL, NULL, "#333333", 12, line);
            y += 16;
        }
    }
    for (size_t i = 0; i < ch->nmarkers; i++) {
        const tl_marker *m = &ch->markers[i];
        char dt[32];
        tl_join(line, sizeof line, m->date ? tl_date_text(ch, m->date, dt, sizeof dt) : "?", ": ", m->label,
                m->detail || m->error ? " (" : "",
                m->error    ? m->error
                : m->detail ? m->detail
                            : "",
                m->detail || m->error ? ")" : "", (char *)NULL);
        text_at(S, LABEL_X, y, NULL, NULL, "#333333", 12, line);
        y += 16;
    }
    out_str(S->o, "</g>\n");
    return y;
}

void tl_render_svg(const tl_chart *ch, cli_out *o)
{
    svg S = {ch, o};
    char dt[32], words[TEXT_MAX];
    double lanes_end = LANES_Y;
    for (size_t i = 0; i < ch->nlanes; i++)
        lanes_end += lane_height(&ch->lanes[i]);
    size_t rows = ch->today != 0;
    for (size_t i = 0; i < ch->nmarkers; i++)
        rows += ch->markers[i].date != 0;
    size_t lines = ch->nmarkers;
    for (size_t i = 0; i < ch->nlanes; i++)
        lines += 1 + ch->lanes[i].nwindows;
    double key_y = lanes_end + ROW_H * (double)rows + 24;
    double list_y = key(&S, key_y, false) + 28;
    double height = list_y + 16 * (double)lines;
    head(&S, height);
    axis(&S, lanes_end);
    double top = LANES_Y;
    for (size_t i = 0; i < ch->nlanes; i++) {
        lane(&S, &ch->lanes[i], top);
        top += lane_height(&ch->lanes[i]);
    }
    /* the markers and today, each with a row for its words, in date order */
    double row_y = lanes_end + 14;
    bool today_done = false;
    for (size_t i = 0; i <= ch->nmarkers; i++) {
        const tl_marker *m = i < ch->nmarkers ? &ch->markers[i] : NULL;
        if (!today_done && ch->today && (!m || (m->date && ch->today < m->date))) {
            tl_join(words, sizeof words, ch->ja ? "今日 " : "today ",
                    tl_date_text(ch, ch->today, dt, sizeof dt), (char *)NULL);
            vline(&S, ch->today, "today", "today", TODAY_COLOR, 2, NULL, row_y, words);
            row_y += ROW_H;
            today_done = true;
        }
        if (m && m->date) {
            tl_join(words, sizeof words, tl_date_text(ch, m->date, dt, sizeof dt), " ", m->label,
                    (char *)NULL);
            vline(&S, m->date, NULL, "marker", MARK_COLOR, 1, "4 3", row_y, words);
            row_y += ROW_H;
        }
    }
    key(&S, key_y, true);
    dates_list(&S, list_y);
    out_str(o, "</svg>\n");
}
