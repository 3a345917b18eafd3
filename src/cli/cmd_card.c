/* kigen card: list readers, read a My Number card's certificates and the
 * facts the card itself proves (docs/card.md). PINs never come from argv:
 * a no-echo prompt on /dev/tty, a file descriptor or an environment
 * variable; each is wiped right after the one VERIFY that needs it. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "kigen_card.h"
#include "base/mem.h"

static const char card_help[] =
    "usage: kigen card [list] [--reader R] [--timeout S] [--json]\n"
    "       kigen card certs [--sign] [--ca] [--rules FILE [--today DATE] [--set F=V]...]\n"
    "                        [--save DIR] [--reader R] [--timeout S] [--json]\n"
    "       kigen card facts [--sign] [--birth-date] [--basic-facts] [--reader R] [--timeout S]\n"
    "\n"
    "Read a My Number card (or an old Juki card) through any PC/SC reader.\n"
    "\n"
    "  list (default)  the readers and the card in each\n"
    "  certs           the certificates: serial, subject, issuer, validity as Japan (JST)\n"
    "                  dates; the authentication certificate needs no PIN\n"
    "  facts           the card's facts as one JSON object per line, ready for\n"
    "                  kigen eval --input - --input-format jsonl\n"
    "\n"
    "  --reader NAME|INDEX  the reader (a name or index from 'kigen card'); default: the\n"
    "                       first reader holding a JPKI card\n"
    "  --timeout SECONDS    wait this long for a card (default: 0 for list, 10 otherwise)\n"
    "  --json               machine output (list, certs)\n"
    "  --verbose            report the APDUs sent and the time they took, on stderr\n"
    "  --sign               also read the signature certificate (needs the signature\n"
    "                       password, 署名用パスワード, 6-16 characters)\n"
    "  --ca                 certs: also the two CA certificates\n"
    "  --save DIR           certs: write the DER files read (auth.der, sign.der, auth-ca.der,\n"
    "                       sign-ca.der)\n"
    "  --rules FILE         certs: the renewal window and statuses by this rule pack, from\n"
    "                       the card's own dates (--set adds facts, e.g. card_issue_date)\n"
    "  --today DATE         the day the statuses are for (default: today in Japan)\n"
    "  --birth-date         also read birth_date from the text AP (券面事項入力補助AP; needs\n"
    "                       its 4-digit PIN)\n"
    "  --basic-facts        facts: also name, address and sex (personal data: only on request)\n"
    "\n"
    "PINs are never taken from the command line:\n"
    "  --pin-env NAME | --pin-fd N     the PIN, when only one is needed\n"
    "  --sign-pin-env NAME | --sign-pin-fd N   the signature password\n"
    "  --text-pin-env NAME | --text-pin-fd N   the text AP PIN\n"
    "  --auth-pin-env NAME | --auth-pin-fd N   the authentication PIN (smartphone tokens)\n"
    "  otherwise kigen asks on the terminal, without echo. --pin-fd reads one line per PIN.\n"
    "  The tries left are checked before every VERIFY; with one try left kigen refuses\n"
    "  unless --force is given (a blocked PIN can only be reset at the city office).\n"
    "\n"
    "Exit status: 0 success, 1 card or reader failure, 2 usage or rule-file errors.\n";

enum { SUB_LIST, SUB_CERTS, SUB_FACTS };
enum { P_AUTH = 0, P_SIGN = 1, P_TEXT = 2 };

typedef struct pin_src {
    const char *env;
    int fd; /* -1: none */
} pin_src;

typedef struct card_opts {
    int sub;
    const char *reader;
    int timeout_ms;
    int timeout_set;
    int json, verbose, sign, ca, birth, basic, force;
    const char *rules, *save;
    kigen_date today;
    const char *sets[64];
    int nsets;
    pin_src any, pin[3];
} card_opts;

/* ------------------------------------------------------------------ */
/* PIN input                                                           */
/* ------------------------------------------------------------------ */

static struct termios saved_tty;
static volatile sig_atomic_t tty_fd = -1;

static void restore_tty_on_signal(int sig)
{
    if (tty_fd >= 0)
        tcsetattr(tty_fd, TCSAFLUSH, &saved_tty);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Read one line (without its end) from fd into buf; 0 on success. */
static int read_line_fd(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    for (;;) {
        char c;
        ssize_t k = read(fd, &c, 1);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        if (c == '\n')
            break;
        if (n + 1 >= cap) {
            OPENSSL_cleanse(buf, cap);
            return -1;
        }
        buf[n++] = c;
    }
    while (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    return 0;
}

static int prompt_tty(const char *prompt, char *buf, size_t cap)
{
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -1;
    struct termios t;
    if (tcgetattr(fd, &saved_tty) != 0) {
        close(fd);
        return -1;
    }
    struct sigaction sa, old_int, old_term, old_tstp;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = restore_tty_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGTSTP, &sa, &old_tstp);
    tty_fd = fd;
    t = saved_tty;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
    t.c_lflag |= ICANON;
    tcsetattr(fd, TCSAFLUSH, &t);
    if (write(fd, prompt, strlen(prompt)) < 0) {
        /* the prompt is a courtesy */
    }
    int rc = read_line_fd(fd, buf, cap);
    tcsetattr(fd, TCSAFLUSH, &saved_tty);
    tty_fd = -1;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGTSTP, &old_tstp, NULL);
    if (write(fd, "\n", 1) < 0) {
        /* nothing to do */
    }
    close(fd);
    return rc;
}

static const char *const pin_names[3] = {
    "authentication PIN (利用者証明用暗証番号, 4 digits)",
    "signature password (署名用パスワード, 6-16 characters)",
    "text AP PIN (券面事項入力補助用暗証番号, 4 digits)",
};

/* Get PIN `which` into buf from its source. 0 on success; the caller wipes buf. */
static int get_pin(const card_opts *o, int which, int tries, char *buf, size_t cap)
{
    const pin_src *s = &o->pin[which];
    if (!s->env && s->fd < 0)
        s = &o->any;
    if (s->env) {
        char *v = getenv(s->env);
        if (!v) {
            fprintf(stderr, "kigen card: the environment variable %s (for the %s) is not set%s\n", s->env,
                    pin_names[which], " or was used already");
            return -1;
        }
        size_t n = strlen(v);
        if (n + 1 > cap) {
            fprintf(stderr, "kigen card: the %s in %s is too long\n", pin_names[which], s->env);
            return -1;
        }
        memcpy(buf, v, n + 1);
        /* do not leave it in our environment (nor /proc/PID/environ) */
        OPENSSL_cleanse(v, n);
        unsetenv(s->env);
        return 0;
    }
    if (s->fd >= 0) {
        if (read_line_fd(s->fd, buf, cap) != 0) {
            fprintf(stderr, "kigen card: the line on file descriptor %d is too long for the %s\n", s->fd,
                    pin_names[which]);
            return -1;
        }
        if (buf[0] == '\0') {
            fprintf(stderr, "kigen card: file descriptor %d gave no %s\n", s->fd, pin_names[which]);
            return -1;
        }
        return 0;
    }
    static const char *const prompts[3] = {"Authentication PIN", "Signature password", "Text AP PIN"};
    char prompt[128];
    snprintf(prompt, sizeof prompt, "%s (%d tr%s left): ", prompts[which], tries, tries == 1 ? "y" : "ies");
    if (prompt_tty(prompt, buf, cap) != 0) {
        fprintf(
            stderr,
            "kigen card: the %s is needed: give --%s-pin-env NAME or --%s-pin-fd N, or run on a terminal\n",
            pin_names[which],
            which == P_AUTH   ? "auth"
            : which == P_SIGN ? "sign"
                              : "text",
            which == P_AUTH   ? "auth"
            : which == P_SIGN ? "sign"
                              : "text");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Output helpers                                                      */
/* ------------------------------------------------------------------ */

static void hex(const uint8_t *p, size_t n, char *out)
{
    static const char d[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[p[i] >> 4];
        out[2 * i + 1] = d[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static void json_print(json_t *j, int compact)
{
    char *s = json_dumps(j, compact ? JSON_COMPACT : JSON_INDENT(2));
    if (s) {
        fputs(s, stdout);
        fputc('\n', stdout);
        free(s);
    }
}

/* Report a card failure (stderr; JSON on stdout too). Returns CLI_FAIL. */
static int card_fail(const card_opts *o, kigen_card *h, int rc)
{
    int kind = kigen_card_error(h);
    const char *msg = kigen_card_errmsg(h);
    if (rc != KIGEN_ECARD || !msg[0]) {
        kind = KIGEN_CARD_E_NONE;
        msg = kigen_status_str(rc);
    }
    fprintf(stderr, "kigen card: %s\n", msg);
    if (o->json) {
        json_t *j = json_pack("{s:{s:s,s:s}}", "error", "kind",
                              rc == KIGEN_ECARD ? kigen_card_error_name(kind) : "internal", "message", msg);
        if (j) {
            json_print(j, 0);
            json_decref(j);
        }
    }
    return CLI_FAIL;
}

static void utc_text(int64_t t, char *buf, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm))
        strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
    else
        snprintf(buf, cap, "?");
}

/* ------------------------------------------------------------------ */
/* Arguments                                                           */
/* ------------------------------------------------------------------ */

static int parse_fd(const char *v, int *fd)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < 0 || n > 1000000)
        return 0;
    *fd = (int)n;
    return 1;
}

static int parse_args(int argc, char **argv, card_opts *o)
{
    int i = 1;
    o->sub = SUB_LIST;
    if (argc > 1 && argv[1][0] != '-') {
        if (strcmp(argv[1], "list") == 0)
            o->sub = SUB_LIST;
        else if (strcmp(argv[1], "certs") == 0)
            o->sub = SUB_CERTS;
        else if (strcmp(argv[1], "facts") == 0)
            o->sub = SUB_FACTS;
        else
            return cli_usage_error("card", "unknown subcommand '%s' (list, certs or facts)", argv[1]);
        i = 2;
    }
    o->any.fd = -1;
    for (int k = 0; k < 3; k++)
        o->pin[k].fd = -1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) {
            fputs(card_help, stdout);
            return -1;
        }
#define NEEDV()                                                                                              \
    do {                                                                                                     \
        if (!v)                                                                                              \
            return cli_usage_error("card", "%s needs a value", a);                                           \
        i++;                                                                                                 \
    } while (0)
        if (strcmp(a, "--reader") == 0) {
            NEEDV();
            o->reader = v;
        } else if (strcmp(a, "--timeout") == 0) {
            NEEDV();
            char *end;
            double s = strtod(v, &end);
            if (!*v || *end || !(s >= 0) || s > 86400)
                return cli_usage_error("card", "--timeout needs seconds (0-86400), not '%s'", v);
            o->timeout_ms = (int)(s * 1000 + 0.5);
            o->timeout_set = 1;
        } else if (strcmp(a, "--json") == 0) {
            o->json = 1;
        } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            o->verbose = 1;
        } else if (strcmp(a, "--sign") == 0) {
            o->sign = 1;
        } else if (strcmp(a, "--ca") == 0) {
            o->ca = 1;
        } else if (strcmp(a, "--birth-date") == 0) {
            o->birth = 1;
        } else if (strcmp(a, "--basic-facts") == 0) {
            o->basic = 1;
            o->birth = 1;
        } else if (strcmp(a, "--force") == 0) {
            o->force = 1;
        } else if (strcmp(a, "--rules") == 0) {
            NEEDV();
            o->rules = v;
        } else if (strcmp(a, "--save") == 0) {
            NEEDV();
            o->save = v;
        } else if (strcmp(a, "--today") == 0) {
            NEEDV();
            char err[256];
            if (kigen_date_parse(v, (size_t)-1, &o->today, err, sizeof err) != KIGEN_OK)
                return cli_usage_error("card", "--today: %s", err);
        } else if (strcmp(a, "--set") == 0) {
            NEEDV();
            if (!strchr(v, '=') || v[0] == '=')
                return cli_usage_error("card", "--set needs FACT=VALUE, not '%s'", v);
            if (o->nsets == (int)(sizeof o->sets / sizeof o->sets[0]))
                return cli_usage_error("card", "too many --set");
            o->sets[o->nsets++] = v;
        } else if (strcmp(a, "--pin") == 0 || strcmp(a, "--sign-pin") == 0 || strcmp(a, "--text-pin") == 0 ||
                   strcmp(a, "--auth-pin") == 0) {
            return cli_usage_error("card",
                                   "%s: a PIN on the command line is visible to every user of this machine; "
                                   "use %s-env NAME, %s-fd N or the prompt",
                                   a, a, a);
        } else {
            static const char *const pfx[4] = {"--pin", "--auth-pin", "--sign-pin", "--text-pin"};
            int matched = 0;
            for (int k = 0; k < 4 && !matched; k++) {
                size_t pl = strlen(pfx[k]);
                if (strncmp(a, pfx[k], pl) != 0)
                    continue;
                pin_src *s = k == 0 ? &o->any : &o->pin[k - 1];
                if (strcmp(a + pl, "-env") == 0) {
                    NEEDV();
                    if (!*v)
                        return cli_usage_error("card", "%s needs a variable name", a);
                    s->env = v;
                    matched = 1;
                } else if (strcmp(a + pl, "-fd") == 0) {
                    NEEDV();
                    if (!parse_fd(v, &s->fd))
                        return cli_usage_error("card", "%s needs a file descriptor number, not '%s'", a, v);
                    matched = 1;
                }
            }
            if (!matched)
                return cli_usage_error("card", "unknown option '%s'", a);
        }
#undef NEEDV
    }
    if (o->sub == SUB_LIST && (o->sign || o->ca || o->birth || o->rules || o->save))
        return cli_usage_error("card", "list takes only --reader, --timeout and --json");
    if (o->sub == SUB_FACTS && (o->ca || o->rules || o->save))
        return cli_usage_error("card", "facts takes no --ca, --rules or --save (use certs)");
    if (o->sub != SUB_FACTS && o->basic)
        return cli_usage_error("card", "--basic-facts belongs to 'kigen card facts'");
    if (!o->rules && (o->today || o->nsets))
        return cli_usage_error("card", "--today and --set go with --rules");
    /* a specific PIN source implies reading what needs it */
    if (o->pin[P_SIGN].env || o->pin[P_SIGN].fd >= 0)
        o->sign = 1;
    if (o->pin[P_TEXT].env || o->pin[P_TEXT].fd >= 0)
        o->birth = 1;
    if (o->any.env && o->sign && o->birth && !o->pin[P_SIGN].env && o->pin[P_SIGN].fd < 0 &&
        !o->pin[P_TEXT].env && o->pin[P_TEXT].fd < 0)
        return cli_usage_error("card",
                               "two PINs are needed (--sign and the text AP): give --sign-pin-env and "
                               "--text-pin-env (or one --pin-fd with one line each)");
    if (o->sub == SUB_LIST && !o->timeout_set)
        o->timeout_ms = 0;
    else if (!o->timeout_set)
        o->timeout_ms = 10000;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Choosing the reader                                                 */
/* ------------------------------------------------------------------ */

/* Resolve --reader (a name, an index, or a unique part of a name). */
static int resolve_reader(const card_opts *o, kigen_card *h, const char **name)
{
    *name = NULL;
    if (!o->reader)
        return KIGEN_OK;
    size_t n = 0;
    int rc = kigen_card_list_readers(h, &n);
    if (rc != KIGEN_OK)
        return rc;
    char *end;
    unsigned long idx = strtoul(o->reader, &end, 10);
    if (o->reader[0] && !*end) {
        if (idx >= n) {
            fprintf(stderr, "kigen card: there is no reader %lu (%zu reader%s: 0-%zu)\n", idx, n,
                    n == 1 ? "" : "s", n - 1);
            return -1;
        }
        *name = kigen_card_reader_name(h, idx);
        return KIGEN_OK;
    }
    const char *hit = NULL;
    int hits = 0;
    for (size_t i = 0; i < n; i++) {
        const char *r = kigen_card_reader_name(h, i);
        if (strcmp(r, o->reader) == 0) {
            *name = r;
            return KIGEN_OK;
        }
        if (strstr(r, o->reader)) {
            hit = r;
            hits++;
        }
    }
    if (hits == 1) {
        *name = hit;
        return KIGEN_OK;
    }
    fprintf(stderr, "kigen card: %s reader matches '%s' (see 'kigen card')\n", hits ? "more than one" : "no",
            o->reader);
    return -1;
}

/* Connect to the card to read: the --reader, or the first reader holding a
 * JPKI card, or (waiting) the first card inserted. */
static int open_card(const card_opts *o, kigen_card *h)
{
    const char *name = NULL;
    int rc = resolve_reader(o, h, &name);
    if (rc != KIGEN_OK)
        return rc;
    char *want = name ? strdup(name) : NULL; /* the list is refreshed by connect */
    if (name && !want)
        return KIGEN_ENOMEM;
    if (!want) {
        size_t n = 0;
        rc = kigen_card_list_readers(h, &n);
        if (rc != KIGEN_OK)
            return rc;
        char **cands = calloc(n ? n : 1, sizeof *cands);
        size_t nc = 0;
        for (size_t i = 0; cands && i < n; i++) {
            int present = 0;
            if (kigen_card_reader_status(h, i, &present, NULL, NULL) == KIGEN_OK && present)
                cands[nc++] = strdup(kigen_card_reader_name(h, i));
        }
        int found = 0;
        for (size_t i = 0; i < nc && !found; i++) {
            if (cands[i] && kigen_card_connect(h, cands[i], 0) == KIGEN_OK &&
                kigen_card_detect(h, NULL) == KIGEN_OK)
                found = 1;
        }
        for (size_t i = 0; cands && i < nc; i++)
            free(cands[i]);
        free(cands);
        if (found)
            return KIGEN_OK;
        kigen_card_disconnect(h);
        if (nc > 0) {
            /* cards, but none of them JPKI: say why for the first */
            rc = kigen_card_connect(h, NULL, 0);
            if (rc == KIGEN_OK)
                rc = kigen_card_detect(h, NULL);
            return rc;
        }
        if (o->timeout_ms > 0)
            fprintf(stderr, "kigen card: waiting up to %d s for a card...\n", (o->timeout_ms + 999) / 1000);
    }
    rc = kigen_card_connect(h, want, o->timeout_ms);
    free(want);
    if (rc == KIGEN_OK)
        rc = kigen_card_detect(h, NULL);
    return rc;
}

/* Print a failure the library did not produce (stderr; JSON on stdout too). */
static int cli_fail(const card_opts *o, const char *kind, const char *msg)
{
    fprintf(stderr, "kigen card: %s\n", msg);
    if (o->json) {
        json_t *j = json_pack("{s:{s:s,s:s}}", "error", "kind", kind, "message", msg);
        if (j) {
            json_print(j, 0);
            json_decref(j);
        }
    }
    return -1;
}

/* Verify PIN `which`, getting it from its source. The tries are asked
 * first so that no PIN is asked for when it could not be used; the library
 * asks again right before its VERIFY. -1 when a message was printed. */
static int verify_pin(const card_opts *o, kigen_card *h, int which)
{
    static const kigen_card_pin map[3] = {KIGEN_CARD_PIN_AUTH, KIGEN_CARD_PIN_SIGN, KIGEN_CARD_PIN_TEXT};
    int tries = -1;
    int rc = kigen_card_pin_tries(h, map[which], &tries);
    if (rc != KIGEN_OK)
        return rc;
    char msg[256];
    if (tries == 0) {
        snprintf(msg, sizeof msg, "the %s is blocked (no tries left): only the city office can reset it",
                 pin_names[which]);
        return cli_fail(o, kigen_card_error_name(KIGEN_CARD_E_PIN_BLOCKED), msg);
    }
    if (tries == 1 && !o->force) {
        snprintf(msg, sizeof msg,
                 "the %s has only 1 try left: not asking for it (a wrong PIN would block it). "
                 "Give --force only if you are sure of it",
                 pin_names[which]);
        return cli_fail(o, kigen_card_error_name(KIGEN_CARD_E_PIN_LAST_TRY), msg);
    }
    char pin[64];
    if (get_pin(o, which, tries, pin, sizeof pin) != 0) {
        OPENSSL_cleanse(pin, sizeof pin);
        return cli_fail(o, "pin_input", "no PIN could be read");
    }
    rc = kigen_card_verify(h, map[which], pin, o->force, NULL);
    OPENSSL_cleanse(pin, sizeof pin);
    return rc;
}

/* ------------------------------------------------------------------ */
/* list                                                                */
/* ------------------------------------------------------------------ */

static int do_list(const card_opts *o, kigen_card *h)
{
    size_t n = 0;
    int rc = kigen_card_list_readers(h, &n);
    if (rc != KIGEN_OK)
        return card_fail(o, h, rc);
    if (o->timeout_ms > 0) {
        /* wait for a card to show up (in the --reader, or anywhere) */
        const char *name = NULL;
        rc = resolve_reader(o, h, &name);
        if (rc != KIGEN_OK)
            return rc < 0 ? CLI_FAIL : card_fail(o, h, rc);
        char *want = name ? strdup(name) : NULL;
        rc = kigen_card_connect(h, want, o->timeout_ms);
        free(want);
        kigen_card_disconnect(h);
        if (rc != KIGEN_OK)
            return card_fail(o, h, rc);
        rc = kigen_card_list_readers(h, &n);
        if (rc != KIGEN_OK)
            return card_fail(o, h, rc);
    }
    char **names = calloc(n, sizeof *names);
    if (!names)
        return CLI_FAIL;
    for (size_t i = 0; i < n; i++)
        names[i] = strdup(kigen_card_reader_name(h, i));
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *r = json_object();
        json_object_set_new(r, "index", json_integer((json_int_t)i));
        json_object_set_new(r, "name", json_string(names[i] ? names[i] : ""));
        int present = 0;
        uint8_t atr[KIGEN_CARD_MAX_ATR];
        size_t al = 0;
        /* status by name: connect() refreshes the list, so look it up again */
        size_t cnt = 0;
        kigen_card_list_readers(h, &cnt);
        size_t idx = cnt;
        for (size_t k = 0; k < cnt; k++)
            if (names[i] && strcmp(kigen_card_reader_name(h, k), names[i]) == 0)
                idx = k;
        rc = idx < cnt ? kigen_card_reader_status(h, idx, &present, atr, &al) : KIGEN_ECARD;
        json_object_set_new(r, "card", json_boolean(present));
        if (rc != KIGEN_OK) {
            json_object_set_new(r, "error",
                                json_pack("{s:s,s:s}", "kind", kigen_card_error_name(kigen_card_error(h)),
                                          "message", kigen_card_errmsg(h)));
        } else if (present) {
            char ah[2 * KIGEN_CARD_MAX_ATR + 1];
            hex(atr, al, ah);
            json_object_set_new(r, "atr", json_string(ah));
            rc = kigen_card_connect(h, names[i], 0);
            kigen_card_detection how = KIGEN_CARD_DETECT_NONE;
            if (rc == KIGEN_OK)
                rc = kigen_card_detect(h, &how);
            kigen_card_token tok = KIGEN_CARD_TOKEN_UNKNOWN;
            if (rc == KIGEN_OK)
                rc = kigen_card_token_type(h, &tok);
            if (rc == KIGEN_OK) {
                kigen_card_info info;
                kigen_card_get_info(h, &info);
                json_object_set_new(r, "jpki", json_true());
                json_object_set_new(r, "detected_by",
                                    json_string(how == KIGEN_CARD_DETECT_ATR ? "atr" : "aid"));
                json_object_set_new(r, "protocol", json_string(info.protocol == 0 ? "T=0" : "T=1"));
                json_object_set_new(r, "token", json_string(kigen_card_token_name(tok)));
            } else {
                json_object_set_new(r, "jpki", json_false());
                json_object_set_new(r, "error",
                                    json_pack("{s:s,s:s}", "kind", kigen_card_error_name(kigen_card_error(h)),
                                              "message", kigen_card_errmsg(h)));
            }
            kigen_card_disconnect(h);
        }
        json_array_append_new(arr, r);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);

    if (o->json) {
        json_t *top = json_pack("{s:o}", "readers", arr);
        json_print(top, 0);
        json_decref(top);
        return CLI_OK;
    }
    /* a short aligned table */
    size_t w = strlen("READER");
    size_t idx;
    json_t *r;
    json_array_foreach(arr, idx, r)
    {
        size_t l = strlen(json_string_value(json_object_get(r, "name")));
        if (l > w)
            w = l;
    }
    printf("#  %-*s  CARD\n", (int)w, "READER");
    json_array_foreach(arr, idx, r)
    {
        const char *nm = json_string_value(json_object_get(r, "name"));
        printf("%-2zu %-*s  ", idx, (int)w, nm);
        json_t *err = json_object_get(r, "error");
        if (!json_is_true(json_object_get(r, "card"))) {
            printf("(empty)%s%s\n", err ? ": " : "",
                   err ? json_string_value(json_object_get(err, "message")) : "");
        } else if (json_is_true(json_object_get(r, "jpki"))) {
            const char *tok = json_string_value(json_object_get(r, "token"));
            const char *what = strcmp(tok, "card") == 0         ? "My Number card (JPKI)"
                               : strcmp(tok, "juki") == 0       ? "Juki card (JPKI, 住基カード)"
                               : strcmp(tok, "smartphone") == 0 ? "smartphone JPKI"
                                                                : "JPKI, unknown token";
            printf("%s  [%s, %s, found by %s]\n", what, json_string_value(json_object_get(r, "atr")),
                   json_string_value(json_object_get(r, "protocol")),
                   json_string_value(json_object_get(r, "detected_by")));
        } else {
            printf("not JPKI: %s  [%s]\n", err ? json_string_value(json_object_get(err, "message")) : "?",
                   json_string_value(json_object_get(r, "atr")));
        }
    }
    json_decref(arr);
    return CLI_OK;
}

/* ------------------------------------------------------------------ */
/* certs and facts                                                     */
/* ------------------------------------------------------------------ */

typedef struct read_set {
    kigen_card_token token;
    int have[4];
    const uint8_t *der[4];
    size_t len[4];
    kigen_card_cert cert[4];
    kigen_card_basic basic;
    int have_basic;
} read_set;

static const char *const cert_keys[4] = {"auth", "auth_ca", "sign", "sign_ca"};
static const char *const cert_efs[4] = {"000A", "000B", "0001", "0002"};
static const char *const cert_files[4] = {"auth.der", "auth-ca.der", "sign.der", "sign-ca.der"};

static int read_card(const card_opts *o, kigen_card *h, read_set *rs)
{
    int rc = open_card(o, h);
    if (rc != KIGEN_OK)
        return rc;
    rc = kigen_card_token_type(h, &rs->token);
    if (rc != KIGEN_OK)
        return rc;
    rc = kigen_card_read_cert(h, KIGEN_CARD_CERT_AUTH, &rs->der[0], &rs->len[0]);
    if (rc == KIGEN_ECARD && kigen_card_error(h) == KIGEN_CARD_E_PIN_REQUIRED) {
        /* smartphone JPKI: even the auth certificate needs the auth PIN */
        rc = verify_pin(o, h, P_AUTH);
        if (rc == KIGEN_OK)
            rc = kigen_card_read_cert(h, KIGEN_CARD_CERT_AUTH, &rs->der[0], &rs->len[0]);
    }
    if (rc != KIGEN_OK)
        return rc;
    rs->have[0] = 1;
    if (o->ca) {
        rc = kigen_card_read_cert(h, KIGEN_CARD_CERT_AUTH_CA, &rs->der[1], &rs->len[1]);
        if (rc != KIGEN_OK)
            return rc;
        rs->have[1] = 1;
        rc = kigen_card_read_cert(h, KIGEN_CARD_CERT_SIGN_CA, &rs->der[3], &rs->len[3]);
        if (rc != KIGEN_OK)
            return rc;
        rs->have[3] = 1;
    }
    if (o->sign) {
        rc = verify_pin(o, h, P_SIGN);
        if (rc == KIGEN_OK)
            rc = kigen_card_read_cert(h, KIGEN_CARD_CERT_SIGN, &rs->der[2], &rs->len[2]);
        if (rc != KIGEN_OK)
            return rc;
        rs->have[2] = 1;
    }
    if (o->birth) {
        rc = verify_pin(o, h, P_TEXT);
        if (rc == KIGEN_OK)
            rc = kigen_card_read_basic(h, &rs->basic);
        if (rc != KIGEN_OK)
            return rc;
        rs->have_basic = 1;
    }
    for (int i = 0; i < 4; i++) {
        if (!rs->have[i])
            continue;
        char err[256];
        if (kigen_card_cert_parse(rs->der[i], rs->len[i], &rs->cert[i], err, sizeof err) != KIGEN_OK) {
            fprintf(stderr, "kigen card: the %s certificate: %s\n", cert_keys[i], err);
            return -1;
        }
    }
    return KIGEN_OK;
}

static json_t *cert_json(const kigen_card_cert *c, size_t derlen, const char *ef)
{
    char nb[16], na[16], nbu[32], nau[32];
    kigen_date_format_iso(c->not_before, nb, sizeof nb);
    kigen_date_format_iso(c->not_after, na, sizeof na);
    utc_text(c->not_before_unix, nbu, sizeof nbu);
    utc_text(c->not_after_unix, nau, sizeof nau);
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I}", "ef", ef, "serial", c->serial,
                     "subject", c->subject, "issuer", c->issuer, "not_before", nb, "not_after", na,
                     "not_before_jst", c->not_before_jst, "not_after_jst", c->not_after_jst, "not_before_utc",
                     nbu, "not_after_utc", nau, "sha256", c->sha256, "der_bytes", (json_int_t)derlen);
}

static int save_der(const card_opts *o, const read_set *rs)
{
    if (mkdir(o->save, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "kigen card: %s: %s\n", o->save, strerror(errno));
        return -1;
    }
    for (int i = 0; i < 4; i++) {
        if (!rs->have[i])
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", o->save, cert_files[i]);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(rs->der[i], 1, rs->len[i], f) != rs->len[i] || fclose(f) != 0) {
            fprintf(stderr, "kigen card: %s: %s\n", path, strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* The renewal window by the rule pack, from the card's own dates. */
static int renewal(const card_opts *o, const read_set *rs, json_t **out)
{
    static const char *const outs[] = {"auth_renewal_from", "sign_renewal_from", "auth_status",
                                       "sign_status"};
    kigen_ruleset *rules = NULL;
    kigen_diags *d = NULL;
    char path[PATH_MAX];
    if (cli_find_rules("card", o->rules, path, sizeof path) != KIGEN_OK)
        return CLI_USAGE;
    int rc = kigen_load_file(path, NULL, &rules, &d);
    if (rc != KIGEN_OK) {
        if (d)
            cli_print_diags(d);
        fprintf(stderr, "kigen card: %s: %s\n", o->rules, kigen_status_str(rc));
        kigen_diags_free(d);
        return CLI_USAGE;
    }
    kigen_diags_free(d);
    kigen_ctx *c = NULL;
    rc = kigen_ctx_new(rules, &c);
    if (rc != KIGEN_OK) {
        fprintf(stderr, "kigen card: %s\n", c ? kigen_errmsg(c) : kigen_status_str(rc));
        kigen_ctx_free(c);
        kigen_ruleset_free(rules);
        return CLI_FAIL;
    }
    if (o->today)
        kigen_set_today(c, o->today);
    int status = CLI_OK;
    for (int i = 0; i < o->nsets && status == CLI_OK; i++) {
        const char *eq = strchr(o->sets[i], '=');
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(eq - o->sets[i]), o->sets[i]);
        if (kigen_set(c, name, eq + 1) != KIGEN_OK) {
            fprintf(stderr, "kigen card: --set %s: %s\n", o->sets[i], kigen_errmsg(c));
            status = CLI_USAGE;
        }
    }
    struct {
        const char *fact;
        kigen_date d;
    } facts[4] = {
        {"cert_issue_date", rs->cert[0].not_before},
        {"auth_cert_not_after", rs->cert[0].not_after},
        {"sign_cert_not_after", rs->have[2] ? rs->cert[2].not_after : 0},
        {"birth_date", rs->have_basic ? rs->basic.birth_date : 0},
    };
    for (int i = 0; i < 4 && status == CLI_OK; i++) {
        if (!facts[i].d)
            continue;
        char iso[16];
        kigen_date_format_iso(facts[i].d, iso, sizeof iso);
        if (kigen_set(c, facts[i].fact, iso) != KIGEN_OK) {
            fprintf(stderr, "kigen card: %s: fact %s: %s\n", o->rules, facts[i].fact, kigen_errmsg(c));
            status = CLI_USAGE;
        }
    }
    if (status == CLI_OK) {
        json_t *j = json_object();
        json_t *errs = json_object();
        json_object_set_new(j, "rules", json_string(o->rules));
        if (o->today) {
            char iso[16];
            kigen_date_format_iso(o->today, iso, sizeof iso);
            json_object_set_new(j, "today", json_string(iso));
        }
        /* KIGEN_EEVAL: some values are errors (a fact the card cannot give); the rest stand */
        int erc = kigen_eval(c);
        for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++) {
            kigen_value v;
            if (kigen_get_by_name(c, outs[i], &v) != KIGEN_OK) {
                json_object_set_new(errs, outs[i], json_string("not in this rule pack"));
                continue;
            }
            if (v.type == KIGEN_T_ERROR) {
                json_object_set_new(errs, outs[i], json_stringn(v.u.str.ptr, v.u.str.len));
                continue;
            }
            char buf[256];
            size_t need = kigen_value_format(&v, buf, sizeof buf);
            if (need >= sizeof buf)
                buf[sizeof buf - 1] = '\0';
            json_object_set_new(j, outs[i], need == 0 ? json_null() : json_string(buf));
        }
        if (erc != KIGEN_OK && json_object_size(errs) == 0)
            json_object_set_new(errs, "eval", json_string(kigen_errmsg(c)));
        if (json_object_size(errs) > 0)
            json_object_set_new(j, "errors", errs);
        else
            json_decref(errs);
        *out = j;
    }
    kigen_ctx_free(c);
    kigen_ruleset_free(rules);
    return status;
}

static void print_cert_table(const char *title, const kigen_card_cert *c)
{
    char nb[16], na[16];
    kigen_date_format_iso(c->not_before, nb, sizeof nb);
    kigen_date_format_iso(c->not_after, na, sizeof na);
    printf("%s\n", title);
    printf("  serial      %s\n", c->serial);
    printf("  subject     %s\n", c->subject);
    printf("  issuer      %s\n", c->issuer);
    printf("  valid from  %s  (%s)\n", nb, c->not_before_jst);
    printf("  valid until %s  (%s)\n", na, c->not_after_jst);
}

static void print_stats(const card_opts *o, kigen_card *h)
{
    if (!o->verbose)
        return;
    kigen_card_stats st;
    if (kigen_card_get_stats(h, &st) == KIGEN_OK)
        fprintf(stderr, "kigen card: %lu APDUs, %.1f ms in transmit (%.2f ms per APDU)\n", st.apdus,
                (double)st.transmit_usec / 1000.0,
                st.apdus ? (double)st.transmit_usec / 1000.0 / (double)st.apdus : 0.0);
}

/* Read what the certs and facts commands need (read_card), and say how
 * the traffic went. CLI_OK, or the status to exit with. */
static int read_all(const card_opts *o, kigen_card *h, read_set *rs)
{
    memset(rs, 0, sizeof *rs);
    int rc = read_card(o, h, rs);
    if (rc != KIGEN_OK)
        return rc < 0 ? CLI_FAIL : card_fail(o, h, rc);
    print_stats(o, h);
    return CLI_OK;
}

static int do_certs(const card_opts *o, kigen_card *h)
{
    read_set rs;
    int status = read_all(o, h, &rs);
    if (status != CLI_OK)
        goto done;
    kigen_card_info info;
    kigen_card_get_info(h, &info);
    if (o->save && save_der(o, &rs) != 0) {
        status = CLI_FAIL;
        goto done;
    }
    json_t *ren = NULL;
    if (o->rules) {
        status = renewal(o, &rs, &ren);
        if (status != CLI_OK)
            goto done;
    }
    char ah[2 * KIGEN_CARD_MAX_ATR + 1];
    hex(info.atr, info.atr_len, ah);
    if (o->json) {
        json_t *certs = json_object();
        for (int i = 0; i < 4; i++)
            if (rs.have[i])
                json_object_set_new(certs, cert_keys[i], cert_json(&rs.cert[i], rs.len[i], cert_efs[i]));
        if (!rs.have[2])
            json_object_set_new(certs, "sign", json_null());
        json_t *top = json_pack("{s:s,s:s,s:s,s:s,s:o}", "reader", info.reader, "atr", ah, "detected_by",
                                info.detected_by == KIGEN_CARD_DETECT_ATR ? "atr" : "aid", "token",
                                kigen_card_token_name(rs.token), "certificates", certs);
        if (!rs.have[2])
            json_object_set_new(top, "sign_note",
                                json_string("not read: needs the signature password (--sign)"));
        if (ren)
            json_object_set_new(top, "renewal", ren);
        json_print(top, 0);
        json_decref(top);
    } else {
        printf("reader      %s\n", info.reader);
        printf("card        %s (token %s, ATR %s)\n\n",
               rs.token == KIGEN_CARD_TOKEN_JUKI         ? "Juki card"
               : rs.token == KIGEN_CARD_TOKEN_SMARTPHONE ? "smartphone JPKI"
                                                         : "My Number card",
               kigen_card_token_name(rs.token), ah);
        print_cert_table("authentication certificate (利用者証明用電子証明書, EF 000A)", &rs.cert[0]);
        if (rs.have[2])
            print_cert_table("\nsignature certificate (署名用電子証明書, EF 0001)", &rs.cert[2]);
        else
            printf("\nsignature certificate: not read (needs the signature password: --sign)\n");
        if (rs.have[1])
            print_cert_table("\nauthentication CA (EF 000B)", &rs.cert[1]);
        if (rs.have[3])
            print_cert_table("\nsignature CA (EF 0002)", &rs.cert[3]);
        if (ren) {
            printf("\nrenewal by %s%s%s\n", o->rules, o->today ? ", on " : "",
                   o->today ? json_string_value(json_object_get(ren, "today")) : "");
            static const char *const outs[] = {"auth_renewal_from", "auth_status", "sign_renewal_from",
                                               "sign_status"};
            json_t *errs = json_object_get(ren, "errors");
            for (size_t i = 0; i < 4; i++) {
                json_t *v = json_object_get(ren, outs[i]);
                json_t *e = errs ? json_object_get(errs, outs[i]) : NULL;
                const char *shown = e ? "error: " : "-";
                if (json_is_string(v)) /* (NULL is not a string) */
                    shown = json_string_value(v);
                printf("  %-18s %s%s\n", outs[i], shown, e ? json_string_value(e) : "");
            }
            if (errs)
                printf("  (the card does not hold every fact: add them with --set FACT=VALUE, e.g.\n"
                       "   --set card_issue_date=YYYY-MM-DD, or read birth_date off the card with "
                       "--birth-date)\n");
            json_decref(ren);
        }
    }
done:
    for (int i = 0; i < 4; i++)
        kigen_card_cert_clear(&rs.cert[i]);
    return status;
}

static int do_facts(const card_opts *o, kigen_card *h)
{
    read_set rs;
    int status = read_all(o, h, &rs);
    if (status != CLI_OK)
        goto done;
    json_t *j = json_object();
    char iso[16];
    kigen_date_format_iso(rs.cert[0].not_before, iso, sizeof iso);
    json_object_set_new(j, "cert_issue_date", json_string(iso));
    json_object_set_new(j, "auth_cert_not_before", json_string(iso));
    kigen_date_format_iso(rs.cert[0].not_after, iso, sizeof iso);
    json_object_set_new(j, "auth_cert_not_after", json_string(iso));
    if (rs.have[2]) {
        kigen_date_format_iso(rs.cert[2].not_before, iso, sizeof iso);
        json_object_set_new(j, "sign_cert_not_before", json_string(iso));
        kigen_date_format_iso(rs.cert[2].not_after, iso, sizeof iso);
        json_object_set_new(j, "sign_cert_not_after", json_string(iso));
    }
    if (rs.have_basic) {
        if (rs.basic.birth_date) {
            kigen_date_format_iso(rs.basic.birth_date, iso, sizeof iso);
            json_object_set_new(j, "birth_date", json_string(iso));
        } else {
            fprintf(stderr, "kigen card: the card's birth date is not a valid date; birth_date left out\n");
        }
        if (o->basic) {
            json_object_set_new(j, "name", json_string(rs.basic.name));
            json_object_set_new(j, "address", json_string(rs.basic.address));
            json_object_set_new(j, "sex", json_string(rs.basic.sex));
        }
    }
    json_print(j, 1);
    json_decref(j);
done:
    for (int i = 0; i < 4; i++)
        kigen_card_cert_clear(&rs.cert[i]);
    return status;
}

int cmd_card(int argc, char **argv)
{
    card_opts o;
    memset(&o, 0, sizeof o);
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc < 0 ? CLI_OK : rc;
    kigen_card *h = NULL;
    if (kigen_card_new(&h) != KIGEN_OK) {
        fprintf(stderr, "kigen card: out of memory\n");
        return CLI_FAIL;
    }
    int status;
    switch (o.sub) {
    case SUB_CERTS: status = do_certs(&o, h); break;
    case SUB_FACTS: status = do_facts(&o, h); break;
    default: status = do_list(&o, h); break;
    }
    kigen_card_free(h);
    return status;
}
