/* hand_batch: the whole job of
 *
 *   kigen eval --rules rules/jp/mynumber.yaml --today 2026-11-30 --passthrough id --input FILE
 *
 * written out by hand in C, for the records gen_residents writes: read the
 * CSV, compute the pack's 21 outputs for each record, write the CSV kigen
 * writes, byte for byte. bench/batch.sh checks that with cmp and times both.
 *
 *   ./hand_batch [--today YYYY-MM-DD] [FILE|-]
 *
 * The pack's logic is encoded directly (its params at their effective dates,
 * its defaults), only for what gen_residents produces: the facts birth_date,
 * residence_status, residence_end, application_date, card_issue_date,
 * card_early_renewal, sign_cert_requested, every other fact at its default
 * (certificates issued with the card, no cert early renewal, no validity
 * change or special extension, no lapse, no smartphone certificate, not an
 * adult ward, not abroad, an ordinary card). A record outside that - an
 * unknown column or value, a malformed date, a record kigen would reject
 * (application after issue, birth after issue, a date before the pack's
 * first day) or one not encoded here (a mid_long holder without a
 * residence_end, or with one before the card's issue) - stops the program
 * with a message: it never guesses. If the pack changes, the ctest
 * bench_batch_agreement fails until this program follows it.
 *
 * Dates are packed integers (year << 9 | month << 5 | day): they compare
 * like dates, and every operation the pack needs here (nth birthday, age,
 * add months with month-end clamp, +1 day, end of month) works on the
 * fields, with no day numbers at all. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint32_t pdate; /* 0: not given */

#define PD(y, m, d) ((pdate)(((uint32_t)(y) << 9) | ((uint32_t)(m) << 5) | (uint32_t)(d)))
#define PY(x) ((int)((x) >> 9))
#define PM(x) ((int)(((x) >> 5) & 15))
#define PDAY(x) ((int)((x)&31))

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const unsigned char len[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : len[m];
}

/* add(x, n months, clamp) */
static pdate add_months(pdate x, int n)
{
    int mi = PY(x) * 12 + PM(x) - 1 + n;
    int y = mi / 12, m = mi % 12 + 1, d = PDAY(x), len = days_in_month(y, m);
    return PD(y, m, d < len ? d : len);
}

static pdate plus_day(pdate x)
{
    int y = PY(x), m = PM(x), d = PDAY(x);
    if (d < days_in_month(y, m))
        return x + 1;
    return m == 12 ? PD(y + 1, 1, 1) : PD(y, m + 1, 1);
}

static pdate end_of_month(pdate x)
{
    return PD(PY(x), PM(x), days_in_month(PY(x), PM(x)));
}

/* The birthday in year y (feb29_birthday = feb28: 28 February in a common year). */
static pdate anniversary(pdate birth, int y)
{
    int m = PM(birth), d = PDAY(birth);
    if (m == 2 && d == 29 && !is_leap(y))
        d = 28;
    return PD(y, m, d);
}

/* nth_birthday(birth, n, after, feb28): the nth birthday strictly after `after` (D1). */
static pdate nth_birthday(pdate birth, int n, pdate after)
{
    int y = PY(after);
    if (y < PY(birth) + 1)
        y = PY(birth) + 1;
    if (anniversary(birth, y) <= after)
        y++;
    return anniversary(birth, y + n - 1);
}

/* age(birth, on, age_act): age N is reached on the day before the Nth
 * birthday (28 February for a 29 February birth): the birthday-rule age of
 * the next day, with 29 February rolling to 1 March (D3). on >= birth. */
static int age_act(pdate birth, pdate on)
{
    pdate next = plus_day(on);
    int bm = PM(birth), bd = PDAY(birth), ny = PY(next);
    if (bm == 2 && bd == 29 && !is_leap(ny)) {
        bm = 3;
        bd = 1;
    }
    return ny - PY(birth) -
           ((((uint32_t)PM(next) << 5) | (uint32_t)PDAY(next)) < (((uint32_t)bm << 5) | (uint32_t)bd));
}

static pdate earliest(pdate a, pdate b)
{
    return a < b ? a : b;
}

/* --- output --------------------------------------------------------------- */

/* "YYYY" for every year, "-MM-DD" for every (month << 5 | day): a date is
 * two copies */
static char year_text[10000][4];
static char md_text[13 << 5][6];

static void fill_date_text(void)
{
    for (int y = 0; y < 10000; y++) {
        year_text[y][0] = (char)('0' + y / 1000);
        year_text[y][1] = (char)('0' + y / 100 % 10);
        year_text[y][2] = (char)('0' + y / 10 % 10);
        year_text[y][3] = (char)('0' + y % 10);
    }
    for (int m = 1; m <= 12; m++)
        for (int d = 1; d <= 31; d++) {
            char *t = md_text[m << 5 | d];
            t[0] = '-';
            t[1] = (char)('0' + m / 10);
            t[2] = (char)('0' + m % 10);
            t[3] = '-';
            t[4] = (char)('0' + d / 10);
            t[5] = (char)('0' + d % 10);
        }
}

static char *put_date(char *p, pdate x)
{
    memcpy(p, year_text[PY(x)], 4);
    memcpy(p + 4, md_text[x & 511], 6);
    return p + 10;
}

/* a date cell and its comma; an empty cell for none */
static char *put_date_cell(char *p, pdate x)
{
    if (x)
        p = put_date(p, x);
    *p++ = ',';
    return p;
}

typedef struct str {
    const char *s;
    size_t n;
} str;
#define S(lit)                                                                                               \
    {                                                                                                        \
        lit, sizeof lit - 1                                                                                  \
    }

static char *put(char *p, str s)
{
    memcpy(p, s.s, s.n);
    return p + s.n;
}

enum { ST_VALID, ST_RENEWABLE, ST_VALIDITY_CHANGE_DUE, ST_EXPIRED, ST_CARD_EXPIRED, ST_NOT_ISSUED };
static const str status_cell[] = {S("valid,"),   S("renewable,"),    S("validity_change_due,"),
                                  S("expired,"), S("card_expired,"), S("not_issued,")};
enum { NS_NO_ACTION, NS_NEW_CARD, NS_VALIDITY_CHANGE, NS_RENEW_CARD, NS_REISSUE_CERTS, NS_RENEW_CERTS };
static const str step_cell[] = {S("no_action,"),  S("new_card,"),      S("validity_change,"),
                                S("renew_card,"), S("reissue_certs,"), S("renew_certs,")};

/* services: bit 0 auth_works, bit 1 in_health_grace, bit 2 sign_works; a
 * cell with a comma is quoted, as kigen's CSV writer does */
static const str services_cell[8] = {
    S(","),
    S("\"convenience_store,mynaportal,health_insurance,medical_info\","),
    S("health_insurance,"),
    S("\"convenience_store,mynaportal,health_insurance,medical_info\","),
    S("e_tax,"),
    S("\"convenience_store,mynaportal,health_insurance,medical_info,e_tax\","),
    S("\"health_insurance,e_tax\","),
    S("\"convenience_store,mynaportal,health_insurance,medical_info,e_tax\","),
};

/* --- input ---------------------------------------------------------------- */

static const char *input_name = "-";
static long long line_no;

static void die(const char *what, const char *cell, size_t n)
{
    fprintf(stderr, "hand_batch: %s, line %lld: %s '%.*s' - not a record hand_batch encodes\n", input_name,
            line_no, what, (int)n, cell);
    exit(2);
}

/* "YYYY-MM-DD", a real day: anything else stops the run */
static pdate parse_date(const char *s, size_t n, const char *fact)
{
    if (n != 10 || s[4] != '-' || s[7] != '-')
        die(fact, s, n);
    unsigned v[8];
    static const int at[8] = {0, 1, 2, 3, 5, 6, 8, 9};
    for (int i = 0; i < 8; i++) {
        v[i] = (unsigned)(s[at[i]] - '0');
        if (v[i] > 9)
            die(fact, s, n);
    }
    int y = (int)(v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3]), m = (int)(v[4] * 10 + v[5]),
        d = (int)(v[6] * 10 + v[7]);
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        die(fact, s, n);
    return PD(y, m, d);
}

/* empty: not given (the default, dflt); true/false */
static int parse_bool(const char *s, size_t n, int dflt, const char *fact)
{
    if (n == 0)
        return dflt;
    if (n == 4 && memcmp(s, "true", 4) == 0)
        return 1;
    if (n == 5 && memcmp(s, "false", 5) == 0)
        return 0;
    die(fact, s, n);
    return 0;
}

enum { RS_JAPANESE, RS_MID_LONG, RS_PERMANENT, RS_SPECIAL_PERMANENT, RS_HIGHLY_SKILLED_2 };

static int parse_status(const char *s, size_t n)
{
    static const str names[] = {S("japanese"), S("mid_long"), S("permanent"), S("special_permanent"),
                                S("highly_skilled_2")};
    if (n == 0)
        return RS_JAPANESE;
    for (int i = 0; i < 5; i++)
        if (n == names[i].n && memcmp(s, names[i].s, n) == 0)
            return i;
    die("residence_status", s, n);
    return 0;
}

static const char header[] = "id,birth_date,residence_status,residence_end,application_date,card_issue_date,"
                             "card_early_renewal,sign_cert_requested";
static const char out_header[] =
    "id,card_expiry,auth_cert_expiry,sign_cert_expiry,card_renewal_from,auth_renewal_from,sign_renewal_from,"
    "card_notice_from,card_notice_until,cert_notice_from,cert_notice_until,sign_cert_eligible,card_status,"
    "auth_status,sign_status,services,health_insurance_until,warnings,next_step,smartphone_auth_expiry,"
    "smartphone_sign_expiry,smartphone_status,error\n";

/* The pack's params at the dates they are read (rules/jp/mynumber.yaml). */
static const pdate card_applications_from = PD(2015, 10, 5);
static const pdate cards_issued_from = PD(2016, 1, 1);
static const pdate age_line_18_from = PD(2022, 4, 1);   /* card_age_line: 20, 18 from here */
static const pdate health_grace_from = PD(2024, 12, 2); /* health_grace_months: 0, 3 from here */
static const pdate age_line_warning_from = PD(2022, 4, 1);
static const pdate age_line_warning_until = PD(2022, 6, 30);

/* One record: its 8 cells in, its output line out. Returns the new end. */
static char *eval_record(char *p, const char *const *cell, const size_t *len, pdate on)
{
    /* the id: copied as it is; kigen would quote or change anything else */
    for (size_t i = 0; i < len[0]; i++) {
        char c = cell[0][i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
              c == '-'))
            die("id", cell[0], len[0]);
    }
    if (len[0] == 0)
        die("id", cell[0], 0);
    pdate birth = parse_date(cell[1], len[1], "birth_date");
    int status = parse_status(cell[2], len[2]);
    pdate residence_end = len[3] ? parse_date(cell[3], len[3], "residence_end") : 0;
    pdate application = len[4] ? parse_date(cell[4], len[4], "application_date") : 0;
    pdate issue = parse_date(cell[5], len[5], "card_issue_date");
    int early = parse_bool(cell[6], len[6], 0, "card_early_renewal");
    int sign_requested = parse_bool(cell[7], len[7], 1, "sign_cert_requested");

    /* what kigen would reject, or what this program does not encode */
    if (issue < cards_issued_from)
        die("card_issue_date before 2016-01-01", cell[5], len[5]);
    if (issue > PD(9900, 12, 31))
        die("card_issue_date after 9900 (the expiries would leave the calendar)", cell[5], len[5]);
    if (birth > issue)
        die("birth_date after card_issue_date", cell[1], len[1]);
    if (application && (application < card_applications_from || application > issue))
        die("application_date outside 2015-10-05 .. card_issue_date", cell[4], len[4]);
    if (residence_end && residence_end < cards_issued_from)
        die("residence_end before 2016-01-01", cell[3], len[3]);
    if (status == RS_MID_LONG && (!residence_end || residence_end < issue))
        die("mid_long without a residence_end on or after card_issue_date", cell[3], len[3]);

    /* R2, R3: the age line at the receipt date, the age at the issue date */
    pdate receipt = application ? application : issue;
    int line = receipt < age_line_18_from ? 20 : 18;
    int age = age_act(birth, issue);
    /* R1, R4: 10 or 5 birthdays, +1 for an early renewal */
    int card_n = (age >= line ? 10 : 5) + early;
    pdate card_birthday_expiry = nth_birthday(birth, card_n, issue);
    /* R5: the period of stay bounds the card */
    int has_period = status == RS_MID_LONG;
    pdate card_expiry = has_period ? earliest(card_birthday_expiry, residence_end) : card_birthday_expiry;
    /* R10, R12, U6: certificates issued with the card: 5th birthday, 6th on
     * an early-renewed card; capped by the card */
    pdate auth = earliest(nth_birthday(birth, early ? 6 : 5, issue), card_expiry);
    /* R16: sign certificate at 15 (its issue date is the card's) */
    int eligible = age >= 15;
    int has_sign = sign_requested && eligible;
    /* R11: the earliest of its birthday count (the auth's), the user
     * certificate and the card: the user certificate's expiry */
    pdate sign = has_sign ? auth : 0;
    /* D5: the window opens the day after the date 3 months before */
    pdate card_from = plus_day(add_months(card_expiry, -3));
    pdate auth_from = plus_day(add_months(auth, -3));
    pdate sign_from = has_sign ? auth_from : 0;
    /* R8, R19, U7: notices, not for an expiry set by the period of stay */
    int card_bound = has_period && (card_expiry < card_birthday_expiry || card_expiry == residence_end);
    int cert_bound =
        has_period && (auth == residence_end || (auth == card_expiry && card_expiry < card_birthday_expiry));
    /* R21: マイナ保険証 grace */
    pdate health = auth < health_grace_from ? auth : end_of_month(add_months(auth, 3));

    /* D4: statuses on `on` */
    int card_st, auth_st, sign_st;
    if (on < issue)
        card_st = ST_NOT_ISSUED;
    else if (on > card_expiry)
        card_st = ST_EXPIRED;
    else if (on >= card_from)
        card_st = card_bound ? ST_VALIDITY_CHANGE_DUE : ST_RENEWABLE;
    else
        card_st = ST_VALID;
    if (on < issue)
        auth_st = ST_NOT_ISSUED;
    else if (on > auth)
        auth_st = ST_EXPIRED;
    else if (on > card_expiry)
        auth_st = ST_CARD_EXPIRED;
    else if (on >= auth_from)
        auth_st = ST_RENEWABLE;
    else
        auth_st = ST_VALID;
    if (!has_sign || on < issue)
        sign_st = ST_NOT_ISSUED;
    else if (on > sign)
        sign_st = ST_EXPIRED;
    else if (on > card_expiry)
        sign_st = ST_CARD_EXPIRED;
    else if (on >= sign_from)
        sign_st = ST_RENEWABLE;
    else
        sign_st = ST_VALID;
    int auth_works = auth_st == ST_VALID || auth_st == ST_RENEWABLE;
    int sign_works = sign_st == ST_VALID || sign_st == ST_RENEWABLE;
    int grace = on > auth && on <= health;
    int step;
    if (on < issue)
        step = NS_NO_ACTION;
    else if (card_st == ST_EXPIRED)
        step = NS_NEW_CARD;
    else if (card_st == ST_VALIDITY_CHANGE_DUE)
        step = NS_VALIDITY_CHANGE;
    else if (card_st == ST_RENEWABLE)
        step = NS_RENEW_CARD;
    else if (auth_st == ST_EXPIRED || sign_st == ST_EXPIRED)
        step = NS_REISSUE_CERTS;
    else if (auth_st == ST_RENEWABLE || sign_st == ST_RENEWABLE)
        step = NS_RENEW_CERTS;
    else
        step = NS_NO_ACTION;
    /* R2, U4: the age line warning */
    int warn = !application && issue >= age_line_warning_from && issue <= age_line_warning_until &&
               age >= 18 && age < 20;

    memcpy(p, cell[0], len[0]);
    p += len[0];
    *p++ = ',';
    p = put_date_cell(p, card_expiry);
    p = put_date_cell(p, auth);
    p = put_date_cell(p, sign);
    p = put_date_cell(p, card_from);
    p = put_date_cell(p, auth_from);
    p = put_date_cell(p, sign_from);
    if (!card_bound) {
        p = put_date_cell(p, add_months(card_expiry, -3));
        p = put_date_cell(p, add_months(card_expiry, -2));
    } else {
        *p++ = ',';
        *p++ = ',';
    }
    if (!cert_bound) {
        p = put_date_cell(p, add_months(auth, -3));
        p = put_date_cell(p, add_months(auth, -2));
    } else {
        *p++ = ',';
        *p++ = ',';
    }
    static const str bool_cell[2] = {S("false,"), S("true,")};
    p = put(p, bool_cell[eligible]);
    p = put(p, status_cell[card_st]);
    p = put(p, status_cell[auth_st]);
    p = put(p, status_cell[sign_st]);
    p = put(p, services_cell[auth_works | grace << 1 | sign_works << 2]);
    p = put_date_cell(p, health);
    static const str warn_cell[2] = {S(","), S("application_date_needed,")};
    p = put(p, warn_cell[warn]);
    p = put(p, step_cell[step]);
    static const str tail = S(",,not_issued,\n"); /* no smartphone certificates, no error */
    return put(p, tail);
}

int main(int argc, char **argv)
{
    pdate on = PD(2026, 11, 30);
    int a = 1;
    if (a + 1 < argc && strcmp(argv[a], "--today") == 0) {
        line_no = 0;
        on = parse_date(argv[a + 1], strlen(argv[a + 1]), "--today");
        a += 2;
    }
    if (argc - a > 1 || (a < argc && argv[a][0] == '-' && argv[a][1] != '\0')) {
        fprintf(stderr, "usage: hand_batch [--today YYYY-MM-DD] [FILE|-]\n");
        return 2;
    }
    FILE *in = stdin;
    if (a < argc && strcmp(argv[a], "-") != 0) {
        input_name = argv[a];
        in = fopen(input_name, "rb");
        if (!in) {
            perror(input_name);
            return 2;
        }
    }
    fill_date_text();

    enum { IN_BLOCK = 1 << 22, OUT_BUF = 1 << 22, MAX_LINE = 4096, MAX_OUT_LINE = 512 };
    char *ibuf = malloc(IN_BLOCK + MAX_LINE), *obuf = malloc(OUT_BUF);
    if (!ibuf || !obuf) {
        fprintf(stderr, "hand_batch: out of memory\n");
        return 2;
    }
    char *op = obuf;
    size_t have = 0; /* bytes in ibuf: the unfinished line, then a new block */
    int eof = 0, seen_header = 0;
    while (!eof || have) {
        if (!eof) {
            size_t got = fread(ibuf + have, 1, IN_BLOCK + MAX_LINE - have, in);
            if (got == 0) {
                if (ferror(in)) {
                    perror("hand_batch: read");
                    return 2;
                }
                eof = 1;
            }
            have += got;
        }
        char *s = ibuf, *end = ibuf + have;
        for (;;) {
            /* one pass over the line: its cells, its end */
            const char *cell[8];
            size_t len[8];
            int k = 0, odd = 0;
            char *c = s, *from = s;
            for (; c < end && *c != '\n'; c++) {
                if (*c == ',') {
                    if (k < 8) {
                        cell[k] = from;
                        len[k] = (size_t)(c - from);
                    }
                    k++;
                    from = c + 1;
                } else if (*c == '"' || *c == '\r') {
                    odd = 1;
                }
            }
            if (c == end && (!eof || s == end))
                break; /* the rest of the line is in the next block, or no more lines */
            char *nl = c;
            line_no++;
            size_t n = (size_t)(nl - s);
            if (!seen_header) {
                if (n != sizeof header - 1 || memcmp(s, header, n) != 0) {
                    fprintf(stderr, "hand_batch: %s: the header must be exactly\n  %s\n", input_name, header);
                    return 2;
                }
                seen_header = 1;
                memcpy(op, out_header, sizeof out_header - 1);
                op += sizeof out_header - 1;
            } else {
                if (k < 8) {
                    cell[k] = from;
                    len[k] = (size_t)(nl - from);
                }
                if (++k != 8)
                    die("not 8 cells in the line", s, n);
                if (odd)
                    die("a quote or a carriage return in the line", s, n);
                op = eval_record(op, cell, len, on);
                if (op - obuf > OUT_BUF - MAX_OUT_LINE) {
                    if (fwrite(obuf, 1, (size_t)(op - obuf), stdout) != (size_t)(op - obuf)) {
                        perror("hand_batch: write");
                        return 2;
                    }
                    op = obuf;
                }
            }
            s = nl < end ? nl + 1 : end;
        }
        have = (size_t)(end - s);
        if (!eof && have >= MAX_LINE) {
            fprintf(stderr, "hand_batch: %s, line %lld: longer than %d bytes\n", input_name, line_no + 1,
                    MAX_LINE);
            return 2;
        }
        memmove(ibuf, s, have);
        if (eof)
            have = 0;
    }
    if (!seen_header) {
        fprintf(stderr, "hand_batch: %s: no header row\n", input_name);
        return 2;
    }
    if (fwrite(obuf, 1, (size_t)(op - obuf), stdout) != (size_t)(op - obuf) || fflush(stdout) != 0) {
        perror("hand_batch: write");
        return 2;
    }
    if (in != stdin)
        fclose(in);
    free(ibuf);
    free(obuf);
    return 0;
}
