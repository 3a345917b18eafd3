/* A chart as text for an 80-column terminal (see timeline.h):
 *
 *   title, whose chart
 *                          2018      2020      2022 ...   year labels
 *                          +----+----+----+----+ ...      a tick per year
 *   My Number card           ========:=========|====      a bar per lane,
 *     # renewable                    :         |   ##     a row per window
 *                                    ^ 2022-04-01 ...     each marker, today
 *   the key, then every lane's and window's exact dates.
 *
 * Widths are display columns (Japanese is 2 per character), and every
 * line fits in 80. Text from outside (the layout's labels, error values)
 * is made one visible line first (kg_escape_line), so that a label cannot
 * forge a line or move the terminal's cursor. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli/timeline.h"
#include "base/text.h"

#define COLS 80
#define LABEL_MAX 26 /* the lane labels' column at most */
#define TEXT_MAX 4096

/* The characters of the bars: the span, windows by style, markers, today. */
#define CH_SPAN '='
#define CH_MARK ':'
#define CH_TODAY '|'
static const char window_chars[] = "#+~*%&@o";

static size_t width_of(const char *s)
{
    return kg_display_width(s, strlen(s));
}

/* Bytes of the UTF-8 character at s (1 for a stray byte). */
static size_t char_len(const char *s)
{
    unsigned char c = (unsigned char)*s;
    size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
    for (size_t i = 1; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            return 1;
    return n;
}

/* Outside text as one visible line. */
static const char *clean(const char *s, char *buf, size_t cap)
{
    kg_escape_line(buf, cap, s ? s : "", s ? strlen(s) : 0);
    return buf;
}

/* The longest prefix of s that is at most w columns wide, in bytes; its
 * width in *used. */
static size_t prefix_within(const char *s, size_t w, size_t *used)
{
    size_t i = 0, cols = 0;
    while (s[i]) {
        size_t n = char_len(s + i), cw = kg_display_width(s + i, n);
        if (cols + cw > w)
            break;
        cols += cw;
        i += n;
    }
    *used = cols;
    return i;
}

static void spaces(cli_out *o, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out_char(o, ' ');
}

/* s cut to w columns ("..." marks a cut) and padded to exactly w. */
static void put_cell(cli_out *o, const char *s, size_t w)
{
    size_t used, n = prefix_within(s, w, &used);
    if (s[n] && w >= 2) {
        n = prefix_within(s, w - 2, &used);
        out_bytes(o, s, n);
        out_str(o, "..");
        used += 2;
    } else {
        out_bytes(o, s, n);
    }
    spaces(o, w - used);
}

/* A paragraph: `first` then s, wrapped at COLS, on a line where `at`
 * columns are already written; later lines start with `indent` spaces.
 * English breaks at a space where it can. */
static void put_wrapped(cli_out *o, size_t at, const char *first, const char *s, size_t indent)
{
    out_str(o, first);
    at += width_of(first);
    do {
        size_t used, n = prefix_within(s, COLS > at ? COLS - at : 1, &used);
        if (n == 0 && *s)
            n = char_len(s); /* a character wider than the room: one per line */
        if (s[n]) {
            size_t k = n;
            while (k > n / 2 && s[k] != ' ')
                k--;
            if (s[k] == ' ')
                n = k;
        }
        out_bytes(o, s, n);
        out_eol(o);
        s += n;
        while (*s == ' ')
            s++;
        if (*s) {
            spaces(o, indent);
            at = indent;
        }
    } while (*s);
}

typedef struct grid {
    const tl_chart *ch;
    cli_out *o;
    size_t label_w, bar_w;
} grid;

/* The column of the bar a day falls in. */
static size_t col_of(const grid *g, kigen_date d)
{
    int64_t days = (int64_t)g->ch->axis_to - g->ch->axis_from;
    int64_t at = (int64_t)d - g->ch->axis_from;
    if (days <= 0 || at < 0)
        return 0;
    int64_t c = at * (int64_t)g->bar_w / days;
    return c >= (int64_t)g->bar_w ? g->bar_w - 1 : (size_t)c;
}

/* Markers and today, drawn through every lane (today wins a shared column). */
static void overlay(const grid *g, char *cells)
{
    for (size_t i = 0; i < g->ch->nmarkers; i++)
        if (g->ch->markers[i].date)
            cells[col_of(g, g->ch->markers[i].date)] = CH_MARK;
    if (g->ch->today)
        cells[col_of(g, g->ch->today)] = CH_TODAY;
}

static void put_cells(cli_out *o, const char *cells, size_t from, size_t n)
{
    while (n > from && cells[n - 1] == ' ')
        n--; /* no trailing spaces */
    if (n > from)
        out_bytes(o, cells + from, n - from);
    out_eol(o);
}

static void fill(const grid *g, char *cells, const tl_segment *s, char c)
{
    if (s->state != TL_OK)
        return;
    for (size_t k = col_of(g, s->from); k <= col_of(g, s->to) && k < g->bar_w; k++)
        cells[k] = c;
}

static void axis_rows(const grid *g)
{
    const tl_chart *ch = g->ch;
    char labels[COLS + 1], ticks[COLS + 1];
    memset(labels, ' ', sizeof labels);
    memset(ticks, '-', sizeof ticks);
    int y0, y1;
    kigen_date_to_ymd(ch->axis_from, &y0, NULL, NULL);
    kigen_date_to_ymd(ch->axis_to - 1, &y1, NULL, NULL);
    /* a label every `step` years, 5 columns apart at least ("2028 ") */
    static const int steps[] = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000};
    int years = y1 - y0 + 1, step = 10000;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if ((int64_t)g->bar_w * steps[i] >= (int64_t)5 * years) {
            step = steps[i];
            break;
        }
    bool every_year = (int64_t)g->bar_w >= (int64_t)2 * years;
    size_t free_from = 0;
    for (int y = y0; y <= y1; y++) {
        kigen_date d;
        if (kigen_date_from_ymd(y, 1, 1, &d) != KIGEN_OK)
            continue;
        size_t c = col_of(g, d);
        if (every_year || y % step == 0)
            ticks[c] = '+';
        if (y % step != 0 && y != y0)
            continue;
        char num[8];
        int n = snprintf(num, sizeof num, "%d", y);
        if (n > 0 && c >= free_from && c + (size_t)n <= g->bar_w) {
            memcpy(labels + c, num, (size_t)n);
            free_from = c + (size_t)n + 1;
        }
    }
    overlay(g, ticks);
    spaces(g->o, g->label_w + 1);
    put_cells(g->o, labels, 0, g->bar_w);
    spaces(g->o, g->label_w + 1);
    put_cells(g->o, ticks, 0, g->bar_w);
}

/* A bar's row: its label, then the cells (or, without a bar, what there
 * is instead), with the columns of today and the markers. */
static void bar_row(const grid *g, const char *label, const tl_segment *seg, char c)
{
    const tl_chart *ch = g->ch;
    char buf[TEXT_MAX], note[TEXT_MAX], cells[COLS + 1];
    memset(cells, ' ', sizeof cells);
    fill(g, cells, seg, c);
    overlay(g, cells);
    put_cell(g->o, label, g->label_w);
    out_char(g->o, ' ');
    if (seg->state == TL_OK) {
        put_cells(g->o, cells, 0, g->bar_w);
        return;
    }
    if (seg->state == TL_NONE)
        tl_join(note, sizeof note, ch->ja ? "(なし)" : "(none)", (char *)NULL);
    else
        tl_join(note, sizeof note, ch->ja ? "(エラー: " : "(error: ", clean(seg->error, buf, sizeof buf), ")",
                (char *)NULL);
    size_t used, n = prefix_within(note, g->bar_w, &used);
    if (note[n]) {
        n = prefix_within(note, g->bar_w - 3, &used);
        memcpy(note + n, "..)", 4);
        used += 3;
    }
    out_str(g->o, note);
    put_cells(g->o, cells, used, g->bar_w);
}

/* A lane: its span's row, then a row for each window that has days, so
 * that windows that overlap (the notice and the renewal) both show. */
static void lane_rows(const grid *g, const tl_lane *lane)
{
    char buf[TEXT_MAX], label[TEXT_MAX];
    bar_row(g, clean(lane->span.label, buf, sizeof buf), &lane->span, CH_SPAN);
    for (size_t k = 0; lane->span.state == TL_OK && k < lane->nwindows; k++) {
        const tl_segment *w = &lane->windows[k];
        if (w->state == TL_NONE)
            continue; /* the legend says "none" */
        char c[5] = {' ', ' ', window_chars[w->style % (int)(sizeof window_chars - 1)], ' ', '\0'};
        bar_row(g, tl_join(label, sizeof label, c, clean(w->label, buf, sizeof buf), (char *)NULL), w, c[2]);
    }
}

/* One row per marker and for today, in date order: a caret under its
 * column and its words beside it (or before it, near the right edge). */
static void caret_row(const grid *g, kigen_date d, const char *text)
{
    char buf[TEXT_MAX];
    clean(text, buf, sizeof buf);
    /* the caret's column on the line; the words may run into the labels' column */
    size_t c = g->label_w + 1 + col_of(g, d), w = width_of(buf), used;
    size_t right = c + 2 < COLS ? COLS - c - 2 : 0, left = c > 0 ? c - 1 : 0;
    if (w <= right || right >= left) {
        spaces(g->o, c);
        out_char(g->o, '^');
        if (right > 0) {
            out_char(g->o, ' ');
            out_bytes(g->o, buf, prefix_within(buf, right, &used));
        }
    } else {
        size_t n = prefix_within(buf, left, &used);
        spaces(g->o, left - used);
        out_bytes(g->o, buf, n);
        out_str(g->o, " ^");
    }
    out_eol(g->o);
}

static void caret_rows(const grid *g)
{
    const tl_chart *ch = g->ch;
    char dt[32], text[TEXT_MAX];
    bool today_done = !ch->today;
    for (size_t i = 0; i <= ch->nmarkers; i++) {
        const tl_marker *m = i < ch->nmarkers ? &ch->markers[i] : NULL;
        if (!today_done && (!m || (m->date && ch->today < m->date))) {
            tl_join(text, sizeof text, ch->ja ? "今日 " : "today ",
                    tl_date_text(ch, ch->today, dt, sizeof dt), (char *)NULL);
            caret_row(g, ch->today, text);
            today_done = true;
        }
        if (m && m->date) {
            tl_join(text, sizeof text, tl_date_text(ch, m->date, dt, sizeof dt), " ", m->label, (char *)NULL);
            caret_row(g, m->date, text);
        }
    }
}

/* tl_segment_words, with control characters in an error made visible (a
 * terminal must not act on them). */
static void segment_words(const tl_chart *ch, const tl_segment *s, char *out, size_t cap)
{
    char raw[TEXT_MAX];
    tl_segment_words(ch, s, raw, sizeof raw);
    clean(raw, out, cap);
}

/* What the characters mean (the windows are named on their own rows). */
static void legend_key(const grid *g)
{
    const tl_chart *ch = g->ch;
    char line[COLS * 4];
    const char span[] = {CH_SPAN, ' ', '\0'}, mark[] = {' ', ' ', ' ', CH_MARK, ' ', '\0'},
               today[] = {' ', ' ', ' ', CH_TODAY, ' ', '\0'};
    tl_join(line, sizeof line, span, ch->ja ? "有効期間" : "valid", mark,
            ch->ja ? "制度の変更・日付" : "change of law, date", today, ch->ja ? "今日" : "today",
            (char *)NULL);
    out_str(g->o, line);
    out_eol(g->o);
}

static void legend_dates(const grid *g)
{
    const tl_chart *ch = g->ch;
    char words[TEXT_MAX], buf[TEXT_MAX], first[COLS * 4];
    cli_out *o = g->o;
    for (size_t i = 0; i < ch->nlanes; i++) {
        const tl_lane *lane = &ch->lanes[i];
        put_cell(o, clean(lane->span.label, buf, sizeof buf), g->label_w);
        out_char(o, ' ');
        segment_words(ch, &lane->span, words, sizeof words);
        put_wrapped(o, g->label_w + 1, "", words, g->label_w + 1);
        /* a lane without days has no windows to list (they are none, or
         * the same error again) */
        for (size_t k = 0; lane->span.state == TL_OK && k < lane->nwindows; k++) {
            const tl_segment *w = &lane->windows[k];
            char c[5] = {' ', ' ', window_chars[w->style % (int)(sizeof window_chars - 1)], ' ', '\0'};
            put_cell(o, tl_join(first, sizeof first, c, clean(w->label, buf, sizeof buf), (char *)NULL),
                     g->label_w);
            out_char(o, ' ');
            segment_words(ch, w, words, sizeof words);
            put_wrapped(o, g->label_w + 1, "", words, g->label_w + 1);
        }
    }
    for (size_t i = 0; i < ch->nmarkers; i++) {
        const tl_marker *m = &ch->markers[i];
        char dt[32], lab[TEXT_MAX];
        clean(m->label, lab, sizeof lab);
        if (m->error)
            tl_join(words, sizeof words, lab,
                    ch->ja ? ": エラー: " : ": error: ", clean(m->error, buf, sizeof buf), (char *)NULL);
        else if (m->detail)
            tl_join(words, sizeof words, lab, " (", clean(m->detail, buf, sizeof buf), ")", (char *)NULL);
        else
            tl_join(words, sizeof words, lab, (char *)NULL);
        snprintf(first, sizeof first, "%c %s  ", CH_MARK,
                 m->date ? tl_date_text(ch, m->date, dt, sizeof dt) : "?");
        put_wrapped(o, 0, first, words, 4);
    }
    if (ch->today) {
        char dt[32];
        snprintf(first, sizeof first, "%c %s  ", CH_TODAY, tl_date_text(ch, ch->today, dt, sizeof dt));
        put_wrapped(o, 0, first, ch->ja ? "今日" : "today", 4);
    }
}

void tl_render_text(const tl_chart *ch, cli_out *o)
{
    char buf[TEXT_MAX];
    grid g = {ch, o, 8, 0};
    for (size_t i = 0; i < ch->nlanes; i++) {
        size_t w = width_of(clean(ch->lanes[i].span.label, buf, sizeof buf));
        if (w > g.label_w)
            g.label_w = w;
        for (size_t k = 0; k < ch->lanes[i].nwindows; k++) {
            w = 4 + width_of(clean(ch->lanes[i].windows[k].label, buf, sizeof buf));
            if (w > g.label_w)
                g.label_w = w;
        }
    }
    if (g.label_w > LABEL_MAX)
        g.label_w = LABEL_MAX;
    g.bar_w = COLS - g.label_w - 1;
    put_wrapped(o, 0, "", clean(ch->title, buf, sizeof buf), 0);
    if (ch->subtitle && ch->subtitle[0])
        put_wrapped(o, 0, "", clean(ch->subtitle, buf, sizeof buf), 0);
    out_eol(o);
    axis_rows(&g);
    for (size_t i = 0; i < ch->nlanes; i++)
        lane_rows(&g, &ch->lanes[i]);
    caret_rows(&g);
    out_eol(o);
    legend_key(&g);
    out_eol(o);
    legend_dates(&g);
}
