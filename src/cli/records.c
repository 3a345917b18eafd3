/* Record readers for batch evaluation: CSV and JSON Lines (see records.h).
 *
 * The input is read in blocks into a window that starts at the current
 * record. Keeping the record's raw text is what makes honest recovery
 * possible: when a quoted field turns out never to close, the reader goes
 * back to the line after the one that opened it instead of swallowing the
 * rest of the file, and a record that is merely too long is skipped by the
 * grammar (its quotes still count), so no record is invented from the
 * inside of another. */
#include "cli/records.h"

#include <errno.h>
#include <iconv.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/text.h"

#define CHUNK ((size_t)64 << 10)
/* A message in the reader's language (both forms take the same arguments). */
#define TR(en_, ja_) (r->ja ? (ja_) : (en_))
/* The most a record may span before the reader gives up on the input. */
#define MAX_WINDOW ((size_t)16 << 20)

struct kg_reader {
    kg_format fmt;
    bool ja;             /* messages in Japanese */
    bool seen_multibyte; /* a byte beyond ASCII was read (in any record, readable or not) */
    char delim;
    /* the source */
    FILE *f;
    const char *mem;
    size_t memlen, mempos;
    bool src_eof, src_err;
    long long consumed;          /* bytes taken from the source so far */
    bool regular;                /* the source is a regular file (reading never waits) */
    volatile sig_atomic_t *stop; /* set: stop reading (kg_reader_opts.stop) */
    bool stopped;                /* reading stopped because *stop was set */
    /* decoding: raw bytes -> UTF-8 */
    iconv_t cd;
    bool conv;
    const char *enc; /* for messages */
    char *raw;
    size_t rawlen;
    bool sniffed; /* the byte order mark has been looked at */
    /* the window of decoded text: buf[start .. end) */
    char *buf;
    size_t cap, start, end;
    bool eof; /* no more text will come */
    bool fatal;
    long line; /* the line of buf[start] */
    /* How this file ends its lines, learnt from the first line: a bare CR
     * ends records only in a file whose lines end so (classic Mac OS); in
     * an LF or CRLF file it is a character out of place, not a record end. */
    bool eol_known, eol_cr;
    bool stop_byte[256]; /* CSV: the bytes that end a run of ordinary ones (delimiter, quote, CR, LF, NUL) */
    long number;         /* records returned */
    /* the current record's fields, unquoted, NUL-terminated */
    char *fb;
    size_t fbcap, fblen;
    bool fb_failed;
    size_t foff[KG_MAX_FIELDS];
    bool fquoted[KG_MAX_FIELDS];
    int nf;
    const char *names[KG_MAX_FIELDS];
    const char *values[KG_MAX_FIELDS];
    /* CSV header */
    char *hb;
    const char *header[KG_MAX_FIELDS];
    int nheader;
    bool have_header;
    /* rows of empty cells (",,,"): dropped at the end of the file (Excel
     * writes them), error records anywhere else */
    long *empty;
    size_t nempty, capempty, emptyi;
    int stash; /* a record parsed behind pending empty rows: its rc, or 0 */
    long stash_line;
    char stash_err[600];
    kg_jsonl jp;    /* the current JSON Lines record */
    bool raw_jsonl; /* return JSON Lines records as text (kg_reader_set_raw) */
    char err[600];
};

/* ---- the source and the decoder ----------------------------------------- */

static const char *iconv_name(const char *enc, const char **shown)
{
    static const struct {
        const char *name, *iconv, *shown;
    } known[] = {
        {"cp932", "CP932", "cp932"},          {"shift_jis", "CP932", "cp932"},
        {"shift-jis", "CP932", "cp932"},      {"sjis", "CP932", "cp932"},
        {"windows-31j", "CP932", "cp932"},    {"ms932", "CP932", "cp932"},
        {"euc-jp", "EUC-JP", "euc-jp"},       {"eucjp", "EUC-JP", "euc-jp"},
        {"utf-16le", "UTF-16LE", "utf-16le"}, {"utf-16be", "UTF-16BE", "utf-16be"},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcasecmp(enc, known[i].name) == 0) {
            *shown = known[i].shown;
            return known[i].iconv;
        }
    return NULL;
}

/* Read what the descriptor has (at least a byte, unless at its end).
 * A pipe or a terminal is waited on in slices of 200 ms, so that a stop
 * asked for (Ctrl-C) is seen even when the writer is silent: then the
 * input counts as unreadable from here (r->stopped), and what was read of
 * a record in progress is never taken for a whole record. */
static size_t fd_read(kg_reader *r, char *dst, size_t n)
{
    int fd = fileno(r->f);
    for (;;) {
        if (r->stop && *r->stop) {
            r->stopped = r->src_eof = r->src_err = true;
            errno = EINTR;
            return 0;
        }
        if (!r->regular) {
            struct pollfd pfd = {fd, POLLIN, 0};
            int k = poll(&pfd, 1, r->stop ? 200 : -1);
            if (k == 0 || (k < 0 && errno == EINTR))
                continue;
        }
        ssize_t got = read(fd, dst, n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            r->src_eof = true;
            r->src_err = got < 0;
            return 0;
        }
        return (size_t)got;
    }
}

static size_t src_read(kg_reader *r, char *dst, size_t n)
{
    if (r->src_eof)
        return 0;
    size_t got;
    if (r->f) {
        /* from the descriptor (the FILE has buffered nothing: kigen reads
         * the input only here), what one read gives: records that have
         * come through a pipe are read before more has come */
        got = fd_read(r, dst, n);
        r->consumed += (long long)got;
        return got;
    }
    got = r->memlen - r->mempos < n ? r->memlen - r->mempos : n;
    memcpy(dst, r->mem + r->mempos, got);
    r->mempos += got;
    r->consumed += (long long)got;
    if (got < n)
        r->src_eof = true;
    return got;
}

static bool start_conv(kg_reader *r, const char *iconv_enc)
{
    r->cd = iconv_open("UTF-8", iconv_enc);
    if (r->cd == (iconv_t)-1)
        return false;
    r->conv = true;
    if (!r->raw && !(r->raw = malloc(CHUNK)))
        return false;
    return true;
}

/* Make room for `need` more bytes at the end of the window. */
static bool reserve(kg_reader *r, size_t need)
{
    if (r->cap - r->end >= need)
        return true;
    size_t cap = r->cap ? r->cap : CHUNK * 2;
    while (cap - r->end < need)
        cap *= 2;
    char *b = realloc(r->buf, cap);
    if (!b)
        return false;
    r->buf = b;
    r->cap = cap;
    return true;
}

/* Decode what the raw buffer holds into the window. A byte that is not
 * text in the input's encoding becomes 0xFF, which is never UTF-8: the
 * record that holds it is reported at its line. */
static void decode(kg_reader *r)
{
    char *in = r->raw;
    size_t inleft = r->rawlen;
    while (inleft > 0) {
        if (!reserve(r, inleft * 4 + 16)) {
            r->fatal = true;
            snprintf(r->err, sizeof r->err, "%s", TR("out of memory", "メモリが足りません"));
            return;
        }
        char *out = r->buf + r->end;
        size_t outleft = r->cap - r->end;
        size_t rc = iconv(r->cd, &in, &inleft, &out, &outleft);
        r->end = (size_t)(out - r->buf);
        if (rc != (size_t)-1)
            break;
        if (errno == E2BIG)
            continue;
        if (errno == EINVAL && !r->src_eof)
            break; /* an incomplete sequence: wait for the rest */
        /* EILSEQ, or a sequence cut by the end of the input */
        r->buf[r->end++] = (char)0xFF;
        in++;
        inleft--;
    }
    memmove(r->raw, in, inleft);
    r->rawlen = inleft;
}

/* Append more text to the window: the number of bytes added, 0 at the end
 * of the input, -1 when the input cannot be read further. */
static long fill(kg_reader *r)
{
    if (r->fatal)
        return -1;
    if (r->eof)
        return 0;
    if (r->end - r->start > MAX_WINDOW) {
        r->fatal = true;
        snprintf(r->err, sizeof r->err,
                 TR("line %ld: a record runs past 16 MiB (is a closing quote missing?); the input is not "
                    "read past this point",
                    "%ld行目: レコードが 16 MiB "
                    "を超えています（閉じる引用符が抜けていませんか）。ここから先は読みません"),
                 r->line);
        return -1;
    }
    size_t before = r->end;
    while (r->end == before) {
        bool at_eof = r->src_eof;
        if (!r->conv) {
            if (!reserve(r, CHUNK)) {
                r->fatal = true;
                snprintf(r->err, sizeof r->err, "%s", TR("out of memory", "メモリが足りません"));
                return -1;
            }
            r->end += src_read(r, r->buf + r->end, CHUNK);
        } else {
            r->rawlen += src_read(r, r->raw + r->rawlen, CHUNK - r->rawlen);
            decode(r);
            if (r->fatal)
                return -1;
        }
        if (r->src_err) {
            r->fatal = true;
            if (r->stopped)
                snprintf(r->err, sizeof r->err, "%s", TR("reading was stopped", "読み込みを中止しました"));
            else
                snprintf(r->err, sizeof r->err, TR("read error: %s", "読み込みエラー: %s"), strerror(errno));
            return -1;
        }
        if (r->end == before && at_eof && (!r->conv || r->rawlen == 0)) {
            r->eof = true;
            return 0;
        }
    }
    return (long)(r->end - before);
}

/* Before the first record: skip a byte order mark, and read UTF-16 (which
 * Excel's "Unicode text" is) whatever --encoding said. */
static int prime(kg_reader *r)
{
    r->sniffed = true;
    while (r->end - r->start < 4 && !r->eof)
        if (fill(r) < 0)
            return -1;
    size_t n = r->end - r->start;
    if (n == 0)
        return 0; /* nothing at all (and maybe no buffer yet) */
    const unsigned char *b = (const unsigned char *)r->buf + r->start;
    if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
        r->start += 3; /* UTF-8's mark, or U+FEFF decoded from the input's encoding */
    } else if (!r->conv && n >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF))) {
        bool le = b[0] == 0xFF;
        r->enc = le ? "utf-16le" : "utf-16be";
        if (!start_conv(r, le ? "UTF-16LE" : "UTF-16BE")) {
            snprintf(r->err, sizeof r->err, "the input is UTF-16, which this system's iconv cannot convert");
            r->fatal = true;
            return -1;
        }
        memcpy(r->raw, r->buf + r->start + 2, n - 2);
        r->rawlen = n - 2;
        r->end = r->start;
        r->eof = false;
        decode(r);
        if (r->fatal)
            return -1;
    }
    return 0;
}

/* Move the window's text to the start of the buffer (between records),
 * once a chunk's worth has been consumed: moving it after every record
 * would copy the whole window per record. */
static void compact(kg_reader *r)
{
    if (r->start < CHUNK)
        return;
    memmove(r->buf, r->buf + r->start, r->end - r->start);
    r->end -= r->start;
    r->start = 0;
}

/* ---- fields --------------------------------------------------------------- */

/* Room for n more bytes (and a NUL) in the field buffer. */
static bool fb_room(kg_reader *r, size_t n)
{
    if (r->fblen + n + 1 < r->fbcap)
        return true;
    size_t cap = r->fbcap ? r->fbcap : 4096;
    while (r->fblen + n + 1 >= cap)
        cap *= 2;
    char *b = realloc(r->fb, cap);
    if (!b) {
        r->fb_failed = true;
        return false;
    }
    r->fb = b;
    r->fbcap = cap;
    return true;
}

static void fb_put(kg_reader *r, char c)
{
    if (fb_room(r, 1))
        r->fb[r->fblen++] = c;
}

static void fb_put_n(kg_reader *r, const char *s, size_t n)
{
    if (!fb_room(r, n))
        return;
    memcpy(r->fb + r->fblen, s, n);
    r->fblen += n;
}

/* Why text is not UTF-8, with the fix when it looks like Shift_JIS.
 * Returns -2 when the whole file is evidently Shift_JIS (nothing but ASCII
 * before this, and this decodes as CP932): every record would fail, so the
 * reader stops at once with the fix; else -1, an error for this record. */
static int not_utf8(kg_reader *r, long line, const char *s, size_t n, bool first)
{
    size_t ok = kg_utf8_valid_prefix(s, n);
    unsigned bad = (unsigned char)s[ok];
    if (r->conv) {
        snprintf(r->err, sizeof r->err,
                 TR("line %ld: the text is not valid %s (a byte the encoding does not have)",
                    "%ld行目: %s の文字として読めないバイトがあります"),
                 line, r->enc);
        return -1;
    }
    bool sjis = false;
    iconv_t cd = iconv_open("UTF-8", "CP932");
    if (cd != (iconv_t)-1) {
        char out[256], *in = (char *)(uintptr_t)(s + ok), *o = out;
        size_t inleft = n - ok < 64 ? n - ok : 64, outleft = sizeof out;
        size_t rc = iconv(cd, &in, &inleft, &o, &outleft);
        /* evidence: the bytes convert (or a whole character of them did);
         * one lead byte at the end (EINVAL alone) is not, as Latin-1's
         * "caf\xe9" shows */
        sjis = rc != (size_t)-1 || errno == E2BIG || in > s + ok + 1;
        iconv_close(cd);
    }
    snprintf(r->err, sizeof r->err,
             TR("line %ld: the text is not UTF-8 (byte 0x%02x)%s",
                "%ld行目: UTF-8 の文字ではありません（バイト 0x%02x）%s"),
             line, bad,
             sjis ? TR("; it looks like Shift_JIS (CP932), as Japanese Excel saves CSV: read it with "
                       "--encoding cp932",
                       "。日本語版 Excel の CSV と同じ Shift_JIS（CP932）のようです: --encoding cp932 "
                       "を付けて読んでください")
                  : TR("; save the file as UTF-8 (in Excel: CSV UTF-8), or name its encoding with --encoding",
                       "。UTF-8 で保存する（Excel では「CSV UTF-8」）か、--encoding "
                       "で文字コードを指定してください"));
    /* Fatal only in the record with the file's first byte beyond ASCII:
     * once a record has had one (readable or not), this is a record's
     * problem, not the file's. */
    return sjis && first ? -2 : -1;
}

static void note_multibyte(kg_reader *r, const char *s, size_t n)
{
    for (size_t i = 0; i < n && !r->seen_multibyte; i++)
        r->seen_multibyte = (unsigned char)s[i] >= 0x80;
}

/* ---- CSV ------------------------------------------------------------------ */

/* The length of the line end at buf[p] (p < end): 2 for CR LF, 1 for LF
 * or (in a file whose lines end so, or on the first line) a bare CR, else 0. */
static size_t eol_at(kg_reader *r, size_t p)
{
    char c = r->buf[p];
    if (c == '\n')
        return 1;
    if (c != '\r')
        return 0;
    if (p + 1 == r->end)
        (void)fill(r);
    if (p + 1 < r->end && r->buf[p + 1] == '\n')
        return 2;
    return r->eol_cr || !r->eol_known ? 1 : 0;
}

/* An error record for a record whose quote, opened at buf[qpos] on line
 * qline, leaves its end unknown: the reader resumes at the line after the
 * quote's (never inside a quoted field that closed properly before it;
 * the lines before are this record's). */
static int resume_after_quote(kg_reader *r, size_t qpos, long qline)
{
    size_t p = qpos;
    while (p < r->end && r->buf[p] != '\n' && r->buf[p] != '\r')
        p++;
    size_t n = p < r->end ? eol_at(r, p) : 0;
    while (p < r->end && n == 0) { /* a bare CR in an LF file: not a line end */
        p++;
        while (p < r->end && r->buf[p] != '\n' && r->buf[p] != '\r')
            p++;
        n = p < r->end ? eol_at(r, p) : 0;
    }
    for (size_t i = r->start; i < p && !r->seen_multibyte; i++) /* see not_utf8 */
        r->seen_multibyte = (unsigned char)r->buf[i] >= 0x80;
    r->start = p + n;
    r->line = qline + 1;
    return -1;
}

/* From buf[p] on: the position just after the first quote that is
 * followed by the separator, a line end or the end of the input (a quoted
 * field's plausible end; "" pairs are skipped), or 0 when none comes
 * within the record limit. */
static size_t plausible_close(kg_reader *r, size_t p)
{
    for (;;) {
        if (p == r->end && fill(r) <= 0)
            return 0;
        if (p - r->start > KG_MAX_RECORD)
            return 0;
        if (r->buf[p] != '"') {
            p++;
            continue;
        }
        if (p + 1 == r->end)
            (void)fill(r);
        if (r->fatal)
            return 0;
        if (p + 1 == r->end || r->buf[p + 1] == r->delim || eol_at(r, p + 1))
            return p + 1;
        p += r->buf[p + 1] == '"' ? 2 : 1;
    }
}

/* The error record for lines line0 .. the line of buf[close]: the reader
 * goes on after that line's end. */
static int skip_to_line_end(kg_reader *r, size_t close, long line0, long qline)
{
    size_t p = close;
    size_t n = 0;
    for (;;) {
        if (p == r->end && fill(r) <= 0)
            break;
        if ((n = eol_at(r, p)) != 0)
            break;
        p++;
    }
    if (r->fatal)
        return -2;
    long lines = 0;
    for (size_t i = r->start; i < p; i++)
        if (r->buf[i] == '\n' || (r->eol_cr && r->buf[i] == '\r' && eol_at(r, i) == 1))
            lines++;
    for (size_t i = r->start; i < p && !r->seen_multibyte; i++) /* see not_utf8 */
        r->seen_multibyte = (unsigned char)r->buf[i] >= 0x80;
    long last = line0 + lines;
    snprintf(
        r->err, sizeof r->err,
        TR("line %ld: a quoted field opened here runs to line %ld, where a quote inside it is not doubled "
           "(write \"\" for a quote inside a quoted field); lines %ld-%ld are read as this one record",
           "%ld行目: ここで始まる引用符の項目が "
           "%ld行目まで続き、項目の中の引用符が二重になっていません（項目の"
           "中の引用符は \"\" と書きます）。%ld〜%ld行目をこの 1 件のレコードとして読みました"),
        qline, last, line0, last);
    r->start = p + n;
    r->line = last + 1;
    return -1;
}

#define CR_WHY_EN "a carriage return (CR) in the middle of a line (this file's lines end with LF)"
#define CR_WHY_JA "行の途中に復帰文字（CR）があります（このファイルの行末は LF です）"

/* Scan one record at the window's start. 1, -1 (err set; the reader has
 * moved past it), 0 at the end of the input, -2 fatal. */
static int csv_scan(kg_reader *r)
{
    compact(r);
    r->nf = 0;
    r->fblen = 0;
    r->fb_failed = false;
    size_t p = r->start;
    long line0 = r->line, lines = 0;
    const char *why = NULL;
    bool too_long = false;
    int nf_whole = 0;
    char d = r->delim;
    if (p == r->end && fill(r) <= 0)
        return r->fatal ? -2 : 0;
#define AT_END() (p == r->end && fill(r) <= 0)
#define PUT(c)                                                                                               \
    do {                                                                                                     \
        if (p - r->start > KG_MAX_RECORD) {                                                                  \
            if (!too_long)                                                                                   \
                nf_whole = r->nf; /* the fields before this one are whole: an id */                          \
            too_long = true;                                                                                 \
        } else {                                                                                             \
            fb_put(r, (c));                                                                                  \
        }                                                                                                    \
    } while (0)
    for (;;) {
        size_t off = r->fblen;
        bool quoted = false;
        if (!AT_END() && r->buf[p] == '"') {
            quoted = true;
            long qline = line0 + lines;
            size_t qpos = p;
            bool multiline = false;
            p++;
            for (;;) {
                if (AT_END()) {
                    if (r->fatal)
                        return -2;
                    snprintf(
                        r->err, sizeof r->err,
                        TR("line %ld: a quoted field opened here is not closed before the end of the input "
                           "(reading went on at line %ld)",
                           "%ld行目: "
                           "ここで始まる引用符（\"）が最後まで閉じていません（%ld行目から読み続けました）"),
                        qline, qline + 1);
                    return resume_after_quote(r, qpos, qline);
                }
                char c = r->buf[p];
                if (c == '"') {
                    if (p + 1 == r->end)
                        (void)fill(r);
                    if (r->fatal)
                        return -2;
                    if (p + 1 < r->end && r->buf[p + 1] == '"') {
                        PUT('"');
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                if (c == '\n' || (c == '\r' && r->eol_cr && eol_at(r, p) == 1)) {
                    lines++;
                    multiline = true;
                }
                if (c == '\0' && !why)
                    why = TR("a NUL byte", "NUL バイトがあります");
                PUT(c);
                p++;
            }
            if (!AT_END() && r->buf[p] != d && !eol_at(r, p)) {
                if (multiline) {
                    /* Text follows the quote that "closed" a field of
                     * several lines. Either a quote inside the field was
                     * not doubled, and the field goes on to a quote that is
                     * followed by a separator or a line end; or the opening
                     * quote was stray, and the lines after it are records.
                     * When such a closing quote comes (within the record
                     * limit) the first reading is taken, and the lines up
                     * to it are this one error record: reading them as
                     * records could compute results from the inside of a
                     * field. Else the reader resumes after the quote's line. */
                    size_t close = plausible_close(r, p);
                    if (close)
                        return skip_to_line_end(r, close, line0, qline);
                    if (r->fatal)
                        return -2;
                    snprintf(
                        r->err, sizeof r->err,
                        TR("line %ld: a quoted field opened here does not end at a separator (a quote is "
                           "missing or extra)",
                           "%ld行目: "
                           "ここで始まる引用符の項目が区切り文字で終わっていません（引用符が足りないか多すぎ"
                           "ます）"),
                        qline);
                    return resume_after_quote(r, qpos, qline);
                }
                if (!why && r->buf[p] == '\r')
                    why = TR(CR_WHY_EN, CR_WHY_JA);
                if (!why)
                    why = TR("text after a closing quote (write \"\" for a quote inside a quoted field)",
                             "閉じた引用符の後に文字があります（項目の中の引用符は \"\" と書きます）");
                while (!AT_END() && r->buf[p] != d && !eol_at(r, p))
                    p++;
            }
        } else {
            while (!AT_END()) {
                /* the run of ordinary bytes up to the next byte that may
                 * matter, copied at once (the common case: a whole field) */
                size_t q = p, lim = r->start + KG_MAX_RECORD + 1;
                if (lim > r->end)
                    lim = r->end;
                while (q < lim && !r->stop_byte[(unsigned char)r->buf[q]])
                    q++;
                if (q > p) {
                    fb_put_n(r, r->buf + p, q - p);
                    p = q;
                    continue;
                }
                char c = r->buf[p];
                if (c == d || eol_at(r, p))
                    break;
                if (c == '\r' && !why)
                    why = TR(CR_WHY_EN, CR_WHY_JA);
                if (c == '"' && !why)
                    why = TR("a quote inside an unquoted field (quote the whole field, and write \"\" for "
                             "the quote)",
                             "引用符で囲まれていない項目の中に引用符があります（項目全体を引用符で囲み、中の"
                             "引用符は \"\" と書きます）");
                if (c == '\0' && !why)
                    why = TR("a NUL byte", "NUL バイトがあります");
                PUT(c);
                p++;
            }
        }
        if (r->fatal)
            return -2;
        if (r->nf < KG_MAX_FIELDS) {
            r->foff[r->nf] = off;
            r->fquoted[r->nf] = quoted;
            r->nf++;
        } else if (!why) {
            why = TR("more than 1024 fields", "項目が 1024 を超えています");
        }
        fb_put(r, '\0');
        if (AT_END())
            break;
        char c = r->buf[p];
        if (c == d) {
            p++;
            continue;
        }
        size_t n = eol_at(r, p);
        if (!r->eol_known) {
            r->eol_known = true;
            r->eol_cr = n == 1 && c == '\r';
        }
        p += n ? n : 1;
        lines++;
        break;
    }
#undef AT_END
#undef PUT
    if (r->fatal)
        return -2;
    r->start = p;
    r->line = line0 + lines;
    bool first_high = !r->seen_multibyte; /* see not_utf8 */
    unsigned char high = 0;               /* a plain loop the compiler vectorises */
    for (size_t i = 0; i < r->fblen; i++)
        high |= (unsigned char)r->fb[i];
    high &= 0x80;
    if (high)
        r->seen_multibyte = true;
    if (r->fb_failed) {
        r->fatal = true;
        snprintf(r->err, sizeof r->err, "%s", TR("out of memory", "メモリが足りません"));
        return -2;
    }
    if (too_long) {
        r->nf = nf_whole;
        snprintf(r->err, sizeof r->err,
                 TR("line %ld: the record is longer than 1 MiB", "%ld行目: レコードが 1 MiB を超えています"),
                 line0);
        return -1;
    }
    if (why) {
        snprintf(r->err, sizeof r->err, TR("line %ld: %s", "%ld行目: %s"), line0, why);
        return -1;
    }
    for (int i = 0; high && i < r->nf; i++) { /* ASCII is UTF-8 */
        const char *s = r->fb + r->foff[i];
        size_t n = strlen(s);
        if (!kg_utf8_valid(s, n)) {
            r->nf = i; /* the fields before it are still usable (an id) */
            return not_utf8(r, line0, s, n, first_high);
        }
    }
    return 1;
}

static bool blank_cell(const kg_reader *r, int i)
{
    return !r->fquoted[i] && r->fb[r->foff[i]] == '\0';
}

/* Spaces around a header cell (ASCII and the ideographic U+3000) go. */
static char *trim(char *s)
{
    for (;;) {
        if (*s == ' ' || *s == '\t')
            s++;
        else if ((unsigned char)s[0] == 0xE3 && (unsigned char)s[1] == 0x80 && (unsigned char)s[2] == 0x80)
            s += 3;
        else
            break;
    }
    size_t n = strlen(s);
    for (;;) {
        if (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        else if (n >= 3 && (unsigned char)s[n - 3] == 0xE3 && (unsigned char)s[n - 2] == 0x80 &&
                 (unsigned char)s[n - 1] == 0x80)
            n -= 3;
        else
            break;
    }
    s[n] = '\0';
    return s;
}

static int read_header(kg_reader *r)
{
    int rc;
    do {
        rc = csv_scan(r);
    } while (rc == 1 && r->nf == 1 && blank_cell(r, 0)); /* blank lines before it */
    if (rc == 0) {
        snprintf(r->err, sizeof r->err, "%s",
                 TR("the input is empty: a CSV header row naming the facts is needed",
                    "入力が空です（1 行目に項目名を並べた見出し行が要ります）"));
        return -2;
    }
    if (rc < 0) {
        if (rc == -1) {
            /* keep the reason, say it is the header */
            char why[600];
            snprintf(why, sizeof why, "%s", r->err);
            /* a header that starts with '{' is a JSON object: the input is
             * JSON Lines read as CSV (piped in, or a file not named .jsonl) */
            bool json = r->nf > 0 && r->fb[r->foff[0]] == '{';
            snprintf(r->err, sizeof r->err,
                     json
                         ? TR("the CSV header cannot be read: %.*s; it looks like JSON Lines: give "
                              "--input-format jsonl",
                              "CSV の見出し行が読めません: %.*s。JSON Lines のようです: --input-format jsonl "
                              "を付けてください")
                         : TR("the CSV header cannot be read: %.*s", "CSV の見出し行が読めません: %.*s"),
                     kg_utf8_fit(why, 480), why);
        }
        return -2;
    }
    r->hb = malloc(r->fblen ? r->fblen : 1);
    if (!r->hb) {
        snprintf(r->err, sizeof r->err, "%s", TR("out of memory", "メモリが足りません"));
        return -2;
    }
    memcpy(r->hb, r->fb, r->fblen);
    r->nheader = r->nf;
    for (int i = 0; i < r->nf; i++) {
        char *h = trim(r->hb + r->foff[i]);
        r->header[i] = h;
        if (!*h) {
            snprintf(r->err, sizeof r->err,
                     TR("CSV header: column %d has no name", "CSV の見出し: %d 列目に名前がありません"),
                     i + 1);
            return -2;
        }
        for (int j = 0; j < i; j++)
            if (strcmp(r->header[j], h) == 0) {
                snprintf(
                    r->err, sizeof r->err,
                    TR("CSV header: column '%.*s' appears twice", "CSV の見出し: 列「%.*s」が 2 回あります"),
                    kg_utf8_fit(h, 200), h);
                return -2;
            }
    }
    if (r->nheader == 1 && r->delim == ',') {
        const char *h = r->header[0];
        const char *sep = strchr(h, '\t') ? "a tab" : strchr(h, ';') ? "';'" : NULL;
        if (sep) {
            bool tab = strchr(h, '\t') != NULL;
            if (r->ja)
                snprintf(r->err, sizeof r->err,
                         "CSV の見出し: 列が「%.*s」の 1 "
                         "つだけで、%sを含みます。%s区切りのファイルではありませんか？ "
                         "--delimiter %s を付けてください",
                         kg_utf8_fit(h, 120), h, tab ? "タブ" : "「;」", tab ? "タブ" : "セミコロン",
                         tab ? "tab" : "';'");
            else
                snprintf(r->err, sizeof r->err,
                         "CSV header: the only column, '%.*s', contains %s: is the file separated by %s? Use "
                         "--delimiter %s",
                         kg_utf8_fit(h, 120), h, sep, tab ? "tabs" : "semicolons", tab ? "tab" : "';'");
            return -2;
        }
    }
    r->have_header = true;
    return 1;
}

static void csv_fill_record(kg_reader *r, kg_record *rec)
{
    int n = r->nf < r->nheader ? r->nf : r->nheader;
    for (int i = 0; i < n; i++) {
        r->names[i] = r->header[i];
        r->values[i] = blank_cell(r, i) || r->fb[r->foff[i]] == '\0' ? NULL : r->fb + r->foff[i];
    }
    rec->n = n;
    rec->names = r->names;
    rec->values = r->values;
}

static bool push_empty(kg_reader *r, long line)
{
    if (r->nempty == r->capempty) {
        size_t cap = r->capempty ? r->capempty * 2 : 16;
        long *e = realloc(r->empty, cap * sizeof *e);
        if (!e)
            return false;
        r->empty = e;
        r->capempty = cap;
    }
    r->empty[r->nempty++] = line;
    return true;
}

static int next_csv(kg_reader *r, kg_record *rec)
{
    if (!r->have_header) {
        int rc = read_header(r);
        if (rc < 0)
            return rc;
    }
    for (;;) {
        /* rows of empty cells followed by a record: each is an error record */
        if (r->stash && r->emptyi < r->nempty) {
            rec->number = ++r->number;
            rec->line = r->empty[r->emptyi++];
            snprintf(r->err, sizeof r->err, TR("line %ld: the row has no values", "%ld行目: 値のない行です"),
                     rec->line);
            return -1;
        }
        if (r->stash) {
            int rc = r->stash;
            r->stash = 0;
            r->nempty = r->emptyi = 0;
            rec->number = ++r->number;
            rec->line = r->stash_line;
            if (rc != 1) /* only an error record has a reason to carry (this runs per record) */
                memcpy(r->err, r->stash_err, sizeof r->err);
            csv_fill_record(r, rec);
            if (rc == 1 && r->nf != r->nheader) {
                if (r->ja)
                    snprintf(r->err, sizeof r->err, "%ld行目: 項目が %d 個ありますが、見出しは %d 個です",
                             rec->line, r->nf, r->nheader);
                else
                    snprintf(r->err, sizeof r->err, "line %ld: %d field%s, but the header has %d", rec->line,
                             r->nf, r->nf == 1 ? "" : "s", r->nheader);
                return -1;
            }
            return rc;
        }
        long line = r->line;
        int rc = csv_scan(r);
        if (rc == -2)
            return -2;
        if (rc == 0) {
            r->nempty = 0; /* trailing rows of empty cells: not records */
            return 0;
        }
        if (rc == 1) {
            bool empty = true;
            for (int i = 0; i < r->nf && empty; i++)
                empty = blank_cell(r, i);
            if (empty && r->nf == 1)
                continue; /* a blank line is not a record */
            if (empty) {
                if (!push_empty(r, line)) {
                    snprintf(r->err, sizeof r->err, "%s", TR("out of memory", "メモリが足りません"));
                    return -2;
                }
                continue;
            }
        }
        r->stash = rc;
        r->stash_line = line;
        if (rc != 1)
            memcpy(r->stash_err, r->err, sizeof r->stash_err);
    }
}

/* ---- JSON Lines ------------------------------------------------------------ */

/* ---- JSON Lines ----------------------------------------------------------- */

/* A message in the caller's language (both forms take the same arguments). */
#define TRJ(en_, ja_) (ja ? (ja_) : (en_))

int kg_jsonl_parse(kg_jsonl *j, const char *text, size_t len, long line, bool ja, char *err, size_t errlen)
{
    if (j->json) {
        json_decref(j->json);
        j->json = NULL;
    }
    j->n = 0;
    json_error_t je;
    json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    j->json = o;
    if (!o) {
        /* jansson speaks of the text it was given, which is one line */
        char why[sizeof je.text + 16];
        const char *eof = strstr(je.text, "end of file");
        if (eof)
            snprintf(why, sizeof why, "%.*send of the line%s", (int)(eof - je.text), je.text,
                     eof + strlen("end of file"));
        else
            snprintf(why, sizeof why, "%s", je.text);
        snprintf(
            err, errlen,
            TRJ("line %ld, column %d: not valid JSON: %s", "%ld行目 %d 文字目: JSON として読めません: %s"),
            line, je.column, why);
        return -1;
    }
    if (!json_is_object(o)) {
        snprintf(err, errlen,
                 TRJ("line %ld: each line must be a JSON object {\"fact\": value, ...}",
                     "%ld行目: 各行は JSON のオブジェクト {\"項目\": 値, ...} でなければなりません"),
                 line);
        return -1;
    }
    int n = 0;
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        if (n == KG_MAX_FIELDS) {
            snprintf(err, errlen, TRJ("line %ld: more than 1024 keys", "%ld行目: キーが 1024 を超えています"),
                     line);
            return -1;
        }
        j->names[n] = key;
        j->unusable[n] = NULL;
        if (json_is_null(v))
            j->values[n] = NULL;
        else if (json_is_string(v)) {
            if (strlen(json_string_value(v)) != json_string_length(v)) {
                snprintf(err, errlen,
                         TRJ("line %ld: key '%.*s': the string holds a NUL character",
                             "%ld行目: キー「%.*s」: 文字列に NUL 文字があります"),
                         line, kg_utf8_fit(key, 100), key);
                return -1;
            }
            j->values[n] = json_string_value(v);
        } else if (json_is_true(v))
            j->values[n] = "true";
        else if (json_is_false(v))
            j->values[n] = "false";
        else if (json_is_integer(v)) {
            snprintf(j->num[n], sizeof j->num[n], "%lld", (long long)json_integer_value(v));
            j->values[n] = j->num[n];
        } else {
            j->values[n] = NULL;
            j->unusable[n] = json_is_real(v) ? "a fraction" : json_is_array(v) ? "a list" : "an object";
        }
        n++;
    }
    j->n = n;
    return 1;
}

void kg_jsonl_free(kg_jsonl *j)
{
    if (j && j->json)
        json_decref(j->json);
    if (j)
        j->json = NULL;
}

static int next_jsonl(kg_reader *r, kg_record *rec)
{
    for (;;) {
        compact(r);
        size_t p = r->start;
        bool too_long = false;
        long line = r->line;
        /* find the end of the line; a line too long is skipped as it streams */
        for (;;) {
            if (p == r->end && fill(r) <= 0)
                break;
            char *nl = memchr(r->buf + p, '\n', r->end - p);
            if (nl) {
                p = (size_t)(nl - r->buf);
                break;
            }
            p = r->end;
            if (p - r->start > KG_MAX_RECORD) {
                too_long = true;
                r->start = r->end = p = 0; /* drop what was read of it */
            }
        }
        if (r->fatal)
            return -2;
        if (p == r->start && p == r->end && r->eof && !too_long)
            return 0;
        size_t len = p - r->start;
        const char *text = r->buf + r->start;
        bool has_nl = p < r->end;
        r->start = has_nl ? p + 1 : p;
        r->line++;
        if (len > KG_MAX_RECORD)
            too_long = true;
        size_t k = 0;
        while (k < len && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r'))
            k++;
        if (k == len && !too_long)
            continue; /* blank lines separate nothing */
        rec->number = ++r->number;
        rec->line = line;
        if (too_long) {
            snprintf(
                r->err, sizeof r->err,
                TR("line %ld: the record is longer than 1 MiB", "%ld行目: レコードが 1 MiB を超えています"),
                line);
            return -1;
        }
        bool first_high = !r->seen_multibyte; /* see not_utf8 */
        note_multibyte(r, text, len);
        if (!kg_utf8_valid(text, len))
            return not_utf8(r, line, text, len, first_high);
        if (r->raw_jsonl) {
            /* the text alone: the caller parses it (kg_jsonl_parse), elsewhere */
            rec->n = 0;
            rec->raw = text;
            rec->rawlen = len;
            return 1;
        }
        if (kg_jsonl_parse(&r->jp, text, len, line, r->ja, r->err, sizeof r->err) != 1)
            return -1;
        rec->n = r->jp.n;
        rec->names = r->jp.names;
        rec->values = r->jp.values;
        rec->json = r->jp.json;
        rec->unusable = r->jp.unusable;
        return 1;
    }
}

/* ---- the reader ------------------------------------------------------------- */

static kg_reader *new_reader(const kg_reader_opts *o, char *err, size_t errlen)
{
    kg_reader *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->fmt = o ? o->fmt : KG_FMT_CSV;
    r->ja = o && o->ja;
    r->delim = o && o->delimiter ? o->delimiter : ',';
    r->stop_byte[(unsigned char)r->delim] = r->stop_byte['"'] = r->stop_byte['\r'] = r->stop_byte['\n'] =
        r->stop_byte[0] = true;
    r->line = 1;
    r->enc = "utf-8";
    r->cd = (iconv_t)-1;
    const char *enc = o ? o->encoding : NULL;
    if (enc && strcasecmp(enc, "utf-8") != 0 && strcasecmp(enc, "utf8") != 0) {
        const char *shown = NULL, *name = iconv_name(enc, &shown);
        if (!name) {
            snprintf(err, errlen,
                     "unknown encoding '%s' (kigen reads utf-8, cp932 (Shift_JIS), euc-jp, utf-16le, "
                     "utf-16be)",
                     enc);
            free(r);
            return NULL;
        }
        if (!start_conv(r, name)) {
            snprintf(err, errlen, "this system's iconv cannot convert from %s", name);
            kg_reader_free(r);
            return NULL;
        }
        r->enc = shown;
    }
    return r;
}

kg_reader *kg_reader_open(FILE *f, const kg_reader_opts *o, char *err, size_t errlen)
{
    kg_reader *r = new_reader(o, err, errlen);
    if (r) {
        struct stat st;
        r->f = f;
        r->regular = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode);
        r->stop = o ? o->stop : NULL;
    }
    return r;
}

kg_reader *kg_reader_open_mem(const char *data, size_t len, const kg_reader_opts *o, char *err, size_t errlen)
{
    kg_reader *r = new_reader(o, err, errlen);
    if (r) {
        r->mem = data;
        r->memlen = len;
    }
    return r;
}

void kg_reader_free(kg_reader *r)
{
    if (!r)
        return;
    kg_jsonl_free(&r->jp);
    if (r->cd != (iconv_t)-1)
        iconv_close(r->cd);
    free(r->raw);
    free(r->buf);
    free(r->fb);
    free(r->hb);
    free(r->empty);
    free(r);
}

const char *kg_reader_error(const kg_reader *r)
{
    return r->err;
}
const char *kg_reader_encoding(const kg_reader *r)
{
    return r->enc;
}

int kg_reader_header(const kg_reader *r, const char *const **names)
{
    *names = r->header;
    return r->nheader;
}

int kg_reader_next(kg_reader *r, kg_record *rec)
{
    memset(rec, 0, sizeof *rec);
    if (!r->sniffed && prime(r) < 0)
        r->fatal = true;
    if (r->fatal)
        return -2;
    int rc = r->fmt == KG_FMT_CSV ? next_csv(r, rec) : next_jsonl(r, rec);
    if (rc == -2)
        r->fatal = true;
    return rc;
}

bool kg_reader_would_wait(const kg_reader *r)
{
    if (!r || !r->f || r->regular || r->src_eof || r->eof || r->fatal)
        return false;
    /* a whole line already read (a record, or most of one) */
    if (r->end > r->start && memchr(r->buf + r->start, '\n', r->end - r->start))
        return false;
    if (r->conv && r->rawlen > 0)
        return false;
    struct pollfd pfd = {fileno(r->f), POLLIN, 0};
    return poll(&pfd, 1, 0) == 0;
}

long long kg_reader_bytes(const kg_reader *r)
{
    return r ? r->consumed : 0;
}

void kg_reader_set_raw(kg_reader *r, bool raw)
{
    if (r)
        r->raw_jsonl = raw && r->fmt == KG_FMT_JSONL;
}
