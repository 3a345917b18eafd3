/* kigen date: the calendar core from the command line. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char date_help[] =
    "usage: kigen date <DATE>                       a date in every form kigen knows\n"
    "       kigen date add <DATE> <N> <UNIT> [--eom clamp|roll]\n"
    "                                               add N days, months or years\n"
    "       kigen date birthday <BIRTH> <AFTER> <N> [--feb29 feb28|mar1]\n"
    "                                               the Nth birthday after AFTER (SPEC D1)\n"
    "       kigen date age <BIRTH> <ON> [--method age_act|birthday] [--feb29 feb28|mar1]\n"
    "                                               age on a day (SPEC D3)\n"
    "       kigen date between <FROM> <TO>            days from FROM to TO\n"
    "\n"
    "Dates are ISO (2022-04-01) or Japanese era dates (令和4年4月1日, R4.4.1, H31.4.30).\n"
    "Month and year additions need an end-of-month policy: clamp (the month's last day,\n"
    "民法143条) or roll (the 1st of the next month). There is no default.\n";

static int get_date(const char *text, kigen_date *d)
{
    char err[256];
    if (kigen_date_parse(text, (size_t)-1, d, err, sizeof err) != KIGEN_OK) {
        cli_warn("date", "%s", err);
        return 0;
    }
    return 1;
}

static void print_date(kigen_date d)
{
    static const char *const wd[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                     "Friday", "Saturday", "Sunday"};
    static const char *const wdj[] = {"月", "火", "水", "木", "金", "土", "日"};
    char iso[16], era[48], short_era[48];
    kigen_date_format_iso(d, iso, sizeof iso);
    int w = kigen_date_weekday(d);
    if (kigen_date_format_era(d, KIGEN_ERA_KANJI, era, sizeof era) == KIGEN_OK) {
        kigen_date_format_era(d, KIGEN_ERA_SHORT, short_era, sizeof short_era);
        printf("%s  %s (%s)  %s  %s曜日\n", iso, era, short_era, wd[w - 1], wdj[w - 1]);
    } else {
        printf("%s  (before 1873: no Gregorian era date)  %s\n", iso, wd[w - 1]);
    }
}

/* Find "--name value" among argv; NULL when absent. */
static const char *opt(int argc, char **argv, const char *name)
{
    for (int i = 0; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

static int parse_int(const char *s, long *v)
{
    char *end;
    *v = strtol(s, &end, 10);
    return *s && !*end;
}

static int date_add(int argc, char **argv)
{
    kigen_date d, r;
    long n;
    if (argc < 4)
        return cli_usage_error("date", "add needs DATE N UNIT");
    if (!get_date(argv[1], &d))
        return CLI_FAIL;
    if (!parse_int(argv[2], &n))
        return cli_usage_error("date", "'%s' is not a whole number", argv[2]);
    const char *unit = argv[3];
    const char *eom = opt(argc, argv, "--eom");
    int rc;
    if (strncmp(unit, "day", 3) == 0) {
        rc = kigen_date_add_days(d, n, &r);
    } else if (strncmp(unit, "month", 5) == 0 || strncmp(unit, "year", 4) == 0) {
        kigen_eom p;
        if (!eom)
            return cli_usage_error("date",
                                   "adding %s needs --eom clamp|roll: what should %s + 1 month be "
                                   "when the month has no such day?",
                                   unit, "01-31");
        if (strcmp(eom, "clamp") == 0)
            p = KIGEN_EOM_CLAMP;
        else if (strcmp(eom, "roll") == 0)
            p = KIGEN_EOM_ROLL;
        else
            return cli_usage_error("date", "--eom must be clamp or roll, not '%s'", eom);
        rc = unit[0] == 'm' ? kigen_date_add_months(d, n, p, &r) : kigen_date_add_years(d, n, p, &r);
    } else {
        return cli_usage_error("date", "unit must be days, months or years, not '%s'", unit);
    }
    if (rc != KIGEN_OK) {
        fprintf(stderr, "kigen date: the result is outside 0001-01-01 .. 9999-12-31\n");
        return CLI_FAIL;
    }
    print_date(r);
    return CLI_OK;
}

static int get_feb29(int argc, char **argv, kigen_feb29 *f)
{
    const char *v = opt(argc, argv, "--feb29");
    *f = KIGEN_FEB29_FEB28;
    if (!v || strcmp(v, "feb28") == 0)
        return 1;
    if (strcmp(v, "mar1") == 0) {
        *f = KIGEN_FEB29_MAR1;
        return 1;
    }
    cli_usage_error("date", "--feb29 must be feb28 or mar1, not '%s'", v);
    return 0;
}

static int date_birthday(int argc, char **argv)
{
    kigen_date b, a, r;
    long n;
    kigen_feb29 f;
    if (argc < 4)
        return cli_usage_error("date", "birthday needs BIRTH AFTER N");
    if (!get_date(argv[1], &b) || !get_date(argv[2], &a))
        return CLI_FAIL;
    if (!parse_int(argv[3], &n) || n < 1 || n > 9999)
        return cli_usage_error("date", "N must be a whole number from 1, not '%s'", argv[3]);
    if (!get_feb29(argc, argv, &f))
        return CLI_USAGE;
    if (kigen_nth_birthday_after(b, a, (int)n, f, &r) != KIGEN_OK) {
        fprintf(stderr, "kigen date: that birthday is after 9999-12-31\n");
        return CLI_FAIL;
    }
    print_date(r);
    return CLI_OK;
}

static int date_age(int argc, char **argv)
{
    kigen_date b, on;
    kigen_feb29 f;
    int age;
    if (argc < 3)
        return cli_usage_error("date", "age needs BIRTH ON");
    if (!get_date(argv[1], &b) || !get_date(argv[2], &on))
        return CLI_FAIL;
    if (!get_feb29(argc, argv, &f))
        return CLI_USAGE;
    const char *m = opt(argc, argv, "--method");
    kigen_age_method method = KIGEN_AGE_ACT;
    if (m && strcmp(m, "birthday") == 0)
        method = KIGEN_AGE_BIRTHDAY;
    else if (m && strcmp(m, "age_act") != 0)
        return cli_usage_error("date", "--method must be age_act or birthday, not '%s'", m);
    if (kigen_age_on(b, on, method, f, &age) != KIGEN_OK) {
        cli_warn("date", "%s is before the birth date %s", argv[2], argv[1]);
        return CLI_FAIL;
    }
    printf("%d\n", age);
    return CLI_OK;
}

int cmd_date(int argc, char **argv)
{
    kigen_date d, e;
    if (argc < 2)
        return cli_usage_error("date", "a date or a subcommand is needed");
    if (cli_is_help(argv[1])) {
        fputs(date_help, stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "add") == 0)
        return date_add(argc - 1, argv + 1);
    if (strcmp(argv[1], "birthday") == 0)
        return date_birthday(argc - 1, argv + 1);
    if (strcmp(argv[1], "age") == 0)
        return date_age(argc - 1, argv + 1);
    if (strcmp(argv[1], "between") == 0) {
        if (argc < 4)
            return cli_usage_error("date", "between needs FROM TO");
        if (!get_date(argv[2], &d) || !get_date(argv[3], &e))
            return CLI_FAIL;
        printf("%lld\n", (long long)kigen_days_between(d, e));
        return CLI_OK;
    }
    int status = CLI_OK;
    for (int i = 1; i < argc; i++) {
        if (get_date(argv[i], &d))
            print_date(d);
        else
            status = CLI_FAIL;
    }
    return status;
}
