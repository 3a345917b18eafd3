/* gen_residents: a deterministic population of card holders, as the CSV that
 * `kigen eval` and hand_batch read (bench/batch.sh).
 *
 *   ./gen_residents N [TODAY]        (TODAY: YYYY-MM-DD, default 2026-11-30)
 *
 * Columns: id, birth_date, residence_status, residence_end, application_date,
 * card_issue_date, card_early_renewal, sign_cert_requested - facts of
 * rules/jp/mynumber.yaml. An empty cell is a fact not given; booleans are
 * true/false. The same N and TODAY always give the same bytes (a fixed-seed
 * xorshift generator, no libc rand).
 *
 * The mix: ages 0-110 on TODAY (Japan's age pyramid, 5-year bands); exactly
 * one record in 1461 born on 29 February (rows 731, 2192, ...), no other
 * 29 February births; card issue dates 2016-01-01 .. TODAY, at least 65 days
 * after birth, 45% of them drawn from the 2022-2023 peak (マイナポイント);
 * an application 3-62 days before issue (5% not given); 3% foreign
 * residents: 64% mid_long (cards issued in the last 4 years, a residence_end
 * 30 days to 5 years after the issue: past, near or years ahead on TODAY),
 * 26% permanent, 8% special_permanent, 2% highly_skilled_2; Japanese
 * residents' status mostly not given (7% "japanese"); early renewals (true)
 * for 12% of the cards issued from 2020-10-01 to holders 5 or older, else the
 * cell is empty (75%) or false; sign_cert_requested false 8%, true 17%, empty
 * 75%. Every record is valid: kigen computes it without an error. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(void)
{
    /* xorshift64*: fixed seed, the same sequence everywhere */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

/* A uniform integer in [0, n), n > 0 (Lemire's multiply; the tiny bias is
 * irrelevant here and keeps the sequence deterministic). */
static uint32_t below(uint32_t n)
{
    return (uint32_t)(((uint64_t)rnd() * n) >> 32);
}

/* Day numbers: days since 1970-01-01 (Hinnant's days_from_civil). */
static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Every day a record can name, as text and as its month and day: a table
 * from day number `base` on, so a date is written with one memcpy. */
static long base, span;
static char (*text)[10];
static unsigned char *month_of, *day_of;

static void fill_tables(long from, long to)
{
    base = from;
    span = to - from + 1;
    text = malloc((size_t)span * sizeof *text);
    month_of = malloc((size_t)span);
    day_of = malloc((size_t)span);
    if (!text || !month_of || !day_of) {
        fprintf(stderr, "gen_residents: out of memory\n");
        exit(2);
    }
    for (long i = 0; i < span; i++) {
        int y, m, d;
        civil_from_days(from + i, &y, &m, &d);
        char *t = text[i];
        t[0] = (char)('0' + y / 1000);
        t[1] = (char)('0' + y / 100 % 10);
        t[2] = (char)('0' + y / 10 % 10);
        t[3] = (char)('0' + y % 10);
        t[4] = '-';
        t[5] = (char)('0' + m / 10);
        t[6] = (char)('0' + m % 10);
        t[7] = '-';
        t[8] = (char)('0' + d / 10);
        t[9] = (char)('0' + d % 10);
        month_of[i] = (unsigned char)m;
        day_of[i] = (unsigned char)d;
    }
}

static char *put_date(char *p, long day)
{
    memcpy(p, text[day - base], 10);
    return p + 10;
}

static char *put_str(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}
#define PUT(p, lit) put_str(p, lit, sizeof lit - 1)

static char *put_ulong(char *p, unsigned long v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

/* Japan's population by 5-year age band (2020 census, in 10,000s, rounded):
 * 0-4, 5-9, ..., 100-104, 105-110. */
static const unsigned band_weight[22] = {450, 500, 530, 570, 630, 630, 670, 750, 840, 970, 870,
                                         780, 740, 820, 920, 700, 550, 370, 170, 50,  8,   1};

static int parse_iso(const char *s, int *y, int *m, int *d)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    *y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    *m = (s[5] - '0') * 10 + (s[6] - '0');
    *d = (s[8] - '0') * 10 + (s[9] - '0');
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (*m < 1 || *m > 12 || *d < 1 || *d > mdays[*m - 1] + (*m == 2 && is_leap(*y)))
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: gen_residents N [TODAY]   (TODAY: YYYY-MM-DD, default 2026-11-30)\n");
        return 2;
    }
    char *end;
    long long nrec = strtoll(argv[1], &end, 10);
    if (*end || nrec < 0) {
        fprintf(stderr, "gen_residents: N must be a non-negative integer, not '%s'\n", argv[1]);
        return 2;
    }
    int ty = 2026, tm = 11, td = 30;
    if (argc == 3 && (parse_iso(argv[2], &ty, &tm, &td) != 0 || ty < 2017 || ty > 2999)) {
        fprintf(stderr, "gen_residents: TODAY must be a date YYYY-MM-DD from 2017 on, not '%s'\n", argv[2]);
        return 2;
    }
    const long today = days_from_civil(ty, tm, td);
    const long cards_from = days_from_civil(2016, 1, 1);
    const long peak_from = days_from_civil(2022, 1, 1), peak_to = days_from_civil(2023, 12, 31);
    const long early_from = days_from_civil(2020, 10, 1);
    const long max_age_days = (long)(111 * 365.2425) - 1; /* ages 0-110 */

    fill_tables(today - max_age_days - 400, today + 6 * 366);

    /* Cumulative band weights, and each band's span of days before TODAY. */
    unsigned cum[22], total = 0;
    long band_lo[22], band_hi[22];
    for (int b = 0; b < 22; b++) {
        total += band_weight[b];
        cum[b] = total;
        band_lo[b] = (long)(b * 5 * 365.2425);
        band_hi[b] = b == 21 ? max_age_days : (long)((b + 1) * 5 * 365.2425) - 1;
    }

    static const char header[] =
        "id,birth_date,residence_status,residence_end,application_date,card_issue_date,"
        "card_early_renewal,sign_cert_requested\n";
    enum { BUF = 1 << 22 };
    char *buf = malloc(BUF);
    if (!buf) {
        fprintf(stderr, "gen_residents: out of memory\n");
        return 2;
    }
    char *p = put_str(buf, header, sizeof header - 1);

    for (long long i = 1; i <= nrec; i++) {
        /* birth: an age band, then a day inside it; never in the last 70 days */
        uint32_t w = below(total);
        int b = 0;
        while (cum[b] <= w)
            b++;
        long off = band_lo[b] + (long)below((uint32_t)(band_hi[b] - band_lo[b] + 1));
        if (off < 70)
            off = 70 + (long)below(300);
        long birth = today - off;
        if (month_of[birth - base] == 2 && day_of[birth - base] == 29)
            birth--; /* 29 February births only where placed on purpose */
        if (i % 1461 == 731) {
            /* the nearest leap year at or before the birth year, or after it
             * when that would make the holder older than 110 */
            int y, m, d;
            civil_from_days(birth, &y, &m, &d);
            int down = y;
            while (!is_leap(down) || days_from_civil(down, 2, 29) > today - 70)
                down--;
            long feb29 = days_from_civil(down, 2, 29);
            if (feb29 < today - max_age_days) {
                int up = y + 1;
                while (!is_leap(up))
                    up++;
                feb29 = days_from_civil(up, 2, 29);
            }
            birth = feb29;
        }

        /* who: 97% Japanese (the status mostly not given) */
        const char *status = "";
        size_t status_len = 0;
        int mid_long = 0;
        uint32_t f = below(10000);
        if (f < 300) {
            uint32_t k = below(100);
            if (k < 64) {
                status = "mid_long";
                mid_long = 1;
            } else if (k < 90) {
                status = "permanent";
            } else if (k < 98) {
                status = "special_permanent";
            } else {
                status = "highly_skilled_2";
            }
        } else if (below(100) < 7) {
            status = "japanese";
        }
        status_len = strlen(status);
        /* the card: issued 2016-01-01 .. TODAY, at least 65 days after birth */
        long lo = birth + 65 > cards_from ? birth + 65 : cards_from;
        long issue;
        uint32_t r = below(100);
        long plo = lo > peak_from ? lo : peak_from, phi = today < peak_to ? today : peak_to;
        if (mid_long) /* a card bounded by a period of stay: issued in the last 4 years */
            lo = lo > today - 4 * 365 ? lo : today - 4 * 365;
        if (!mid_long && r < 45 && plo <= phi)
            issue = plo + (long)below((uint32_t)(phi - plo + 1));
        else
            issue = lo + (long)below((uint32_t)(today - lo + 1));
        long app = issue - 3 - (long)below(60);
        int app_given = below(100) >= 5;

        long residence_end = mid_long ? issue + 30 + (long)below(5 * 365) : 0;

        /* early renewal: a card issued from 2020-10-01 to a holder of 5 or more */
        const char *early;
        uint32_t e = below(100);
        if (issue >= early_from && issue - birth >= 5 * 366 && e < 12)
            early = "true";
        else
            early = e % 4 == 0 ? "false" : "";
        uint32_t s = below(100);
        const char *sign = s < 8 ? "false" : s < 25 ? "true" : "";

        p = put_ulong(p, (unsigned long)i);
        *p++ = ',';
        p = put_date(p, birth);
        *p++ = ',';
        p = put_str(p, status, status_len);
        *p++ = ',';
        if (mid_long)
            p = put_date(p, residence_end);
        *p++ = ',';
        if (app_given)
            p = put_date(p, app);
        *p++ = ',';
        p = put_date(p, issue);
        *p++ = ',';
        p = put_str(p, early, strlen(early));
        *p++ = ',';
        p = put_str(p, sign, strlen(sign));
        *p++ = '\n';
        if (p - buf > BUF - 256) {
            if (fwrite(buf, 1, (size_t)(p - buf), stdout) != (size_t)(p - buf)) {
                perror("gen_residents: write");
                return 2;
            }
            p = buf;
        }
    }
    if (fwrite(buf, 1, (size_t)(p - buf), stdout) != (size_t)(p - buf) || fflush(stdout) != 0) {
        perror("gen_residents: write");
        return 2;
    }
    free(buf);
    free(text);
    free(month_of);
    free(day_of);
    return 0;
}
