/* kigen_batch_text: rows held in memory, evaluated on every processor, a
 * result stored per row by index (the program of docs/api.md, "Batches",
 * built and run by the tests: example_batch).
 *   ./batch rules/jp/mynumber.yaml */
#include <stdio.h>

#include <kigen.h>

enum { NROWS = 3 };

typedef struct result {
    int status;             /* the row's status */
    kigen_date card_expiry; /* 0 when the row failed */
    char why[256];          /* kigen_errmsg when it failed */
} result;

typedef struct job {
    result *res; /* one per row */
    int expiry;  /* the output's index, found once */
} job;

/* Called once per row, from several threads at once: each call writes only
 * its own res[row], so no lock is needed. ctx is valid only during the call. */
static int on_row(void *ud, size_t row, const kigen_ctx *ctx, int status)
{
    job *j = ud;
    result *r = &j->res[row];
    kigen_value v;
    r->status = status;
    r->card_expiry = 0;
    r->why[0] = '\0';
    if (status == KIGEN_OK && kigen_get(ctx, j->expiry, &v) == KIGEN_OK && v.type == KIGEN_T_DATE)
        r->card_expiry = v.u.date;
    else
        snprintf(r->why, sizeof r->why, "%s", kigen_errmsg(ctx));
    return 0; /* non-zero: stop (the batch returns KIGEN_ECANCELED) */
}

int main(int argc, char **argv)
{
    kigen_ruleset *rs = NULL;
    const char *rules = argc > 1 ? argv[1] : "rules/jp/mynumber.yaml";
    if (kigen_load_file(rules, NULL, &rs, NULL) != KIGEN_OK)
        return 1;
    static const char *const columns[] = {"birth_date", "card_issue_date", "交付申請日"};
    static const char *const cells[NROWS * 3] = {
        "1990-05-05",     "2020-06-01", NULL,         /* row 0 */
        "平成16年4月2日", "2022-04-01", "2022-03-15", /* row 1 */
        "1990-02-30",     "2020-06-01", "",           /* row 2: no such day */
    };
    static const char *const outputs[] = {"card_expiry"};
    result res[NROWS];
    job j = {res, kigen_output_index(rs, "card_expiry")};

    char err[256];
    kigen_batch_opts o = KIGEN_BATCH_OPTS_INIT;
    o.threads = 4; /* 0: one per processor; 1: this thread only, rows in order */
    kigen_date_from_ymd(2026, 11, 24, &o.today);
    o.outputs = outputs; /* compute only what on_row reads */
    o.noutputs = 1;
    o.errbuf = err;
    o.errlen = sizeof err;
    int rc = kigen_batch_text(rs, columns, 3, cells, NROWS, &o, on_row, &j);
    if (rc != KIGEN_OK)
        fprintf(stderr, "batch: %s\n", err); /* e.g. an unknown column, before any row ran */
    for (size_t i = 0; rc == KIGEN_OK && i < NROWS; i++) {
        char iso[11];
        if (res[i].status == KIGEN_OK &&
            kigen_date_format_iso(res[i].card_expiry, iso, sizeof iso) == KIGEN_OK)
            printf("row %zu: card_expiry %s\n", i, iso);
        else
            printf("row %zu: %s: %s\n", i, kigen_status_str(res[i].status), res[i].why);
    }
    kigen_ruleset_free(rs); /* the batch kept nothing */
    return rc != KIGEN_OK;
}
