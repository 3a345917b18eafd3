/* kigen serve: the options, the daemon (libmicrohttpd with its thread
 * pool), and the signals: SIGHUP reloads the rule files (the old packs stay
 * when the new do not load), SIGINT/SIGTERM stop after the requests in
 * flight. */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli/common.h"
#include "cli/serve.h"
#include "cli/serve_http.h"

static const char serve_help[] =
    "usage: kigen serve --rules RULES [--rules RULES2]... [options]\n"
    "\n"
    "Serve the rule packs over HTTP: POST /v1/eval/{pack} (one record as a JSON\n"
    "object, or a batch as a JSON array or JSON Lines), POST /v1/explain/{pack},\n"
    "POST /v1/timeline/{pack} (SVG), GET /v1/packs, GET /v1/packs/{pack},\n"
    "GET /healthz, GET /metrics, and a page at GET / (docs/serve.md).\n"
    "\n"
    "  --rules RULES         a rule file or a pack's name (repeat for more packs)\n"
    "  --listen HOST:PORT    where to listen (default 127.0.0.1:8080; port 0: any\n"
    "                        free port, see --port-file)\n"
    "  --threads N           worker threads (default: the number of processors)\n"
    "  --token-file FILE     require 'Authorization: Bearer TOKEN' (the file's\n"
    "                        first line) for everything but /healthz and the page;\n"
    "                        also enables POST /v1/admin/reload\n"
    "  --max-body BYTES      the largest request body (default 8388608)\n"
    "  --max-records N       the most records in one request (default 10000)\n"
    "  --max-connections N   connections at once (default 512)\n"
    "  --timeout SECONDS     close a connection idle this long, or whose request\n"
    "                        body takes 3 times as long in all (default 10)\n"
    "  --port-file FILE      write the port listened on to FILE once ready\n"
    "  --quiet               no log line per request\n"
    "\n"
    "SIGHUP reloads the rule files: the new packs replace the old only when\n"
    "every file loads; requests in flight finish on the packs they began with.\n"
    "\n"
    "Exit status: 0 stopped by SIGINT/SIGTERM, 2 usage, rules that do not load\n"
    "or an address that cannot be listened on.\n";

static volatile sig_atomic_t stop_flag, reload_flag;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        reload_flag = 1;
    else
        stop_flag = 1;
}

static pthread_mutex_t reload_lock = PTHREAD_MUTEX_INITIALIZER;
static long generation;

long serve_reload(const serve_server *S, json_t *errors)
{
    pthread_mutex_lock(&reload_lock);
    serve_gen *g = serve_gen_load(S->rules, S->nrules, generation + 1, errors);
    long n = 0;
    if (g) {
        n = ++generation;
        serve_gen_install(g);
        fprintf(stderr, "kigen serve: reloaded: generation %ld\n", n);
    } else {
        fprintf(stderr, "kigen serve: reload failed: the packs of generation %ld stay\n", generation);
    }
    pthread_mutex_unlock(&reload_lock);
    return n;
}

static bool parse_long(const char *v, long lo, long hi, long *out)
{
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!*v || *end || errno || n < lo || n > hi)
        return false;
    *out = n;
    return true;
}

/* The token: the file's first line, without its line end; NULL after
 * saying why. */
static char *read_token(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        cli_warn("serve", "--token-file %s: %s", path, strerror(errno));
        return NULL;
    }
    char buf[1024];
    char *t = fgets(buf, sizeof buf, f) ? buf : NULL;
    fclose(f);
    if (t)
        t[strcspn(t, "\r\n")] = '\0';
    if (!t || strlen(t) < 16) {
        cli_warn("serve", "--token-file %s: the first line must be a token of at least 16 characters", path);
        return NULL;
    }
    return strdup(t);
}

int cmd_serve(int argc, char **argv)
{
    static const char *rules[64];
    serve_server S = {rules, 0, NULL, 8u << 20, 10000, 30, false};
    const char *listen = "127.0.0.1:8080", *token_file = NULL, *port_file = NULL;
    long threads = sysconf(_SC_NPROCESSORS_ONLN), max_conn = 512, timeout = 10;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!a)
            break;
        if (cli_is_help(a)) {
            fputs(serve_help, stdout);
            return CLI_OK;
        }
        if (strcmp(a, "--quiet") == 0) {
            S.quiet = true;
            continue;
        }
        if (!v)
            return a[0] == '-' ? cli_usage_error("serve", "%s needs a value", a)
                               : cli_usage_error("serve", "unexpected argument '%s'", a);
        long n = 0;
        if (strcmp(a, "--rules") == 0) {
            if (S.nrules == 64)
                return cli_usage_error("serve", "at most 64 --rules");
            rules[S.nrules++] = v;
        } else if (strcmp(a, "--listen") == 0)
            listen = v;
        else if (strcmp(a, "--token-file") == 0)
            token_file = v;
        else if (strcmp(a, "--port-file") == 0)
            port_file = v;
        else if (strcmp(a, "--threads") == 0) {
            if (!parse_long(v, 1, 256, &threads))
                return cli_usage_error("serve", "--threads must be 1 to 256, not '%s'", v);
        } else if (strcmp(a, "--max-body") == 0) {
            if (!parse_long(v, 1024, 1L << 30, &n))
                return cli_usage_error("serve", "--max-body must be 1024 to 1073741824 bytes, not '%s'", v);
            S.max_body = (size_t)n;
        } else if (strcmp(a, "--max-records") == 0) {
            if (!parse_long(v, 1, 10000000, &S.max_records))
                return cli_usage_error("serve", "--max-records must be 1 to 10000000, not '%s'", v);
        } else if (strcmp(a, "--max-connections") == 0) {
            if (!parse_long(v, 1, 100000, &max_conn))
                return cli_usage_error("serve", "--max-connections must be 1 to 100000, not '%s'", v);
        } else if (strcmp(a, "--timeout") == 0) {
            if (!parse_long(v, 1, 3600, &timeout))
                return cli_usage_error("serve", "--timeout must be 1 to 3600 seconds, not '%s'", v);
        } else
            return cli_usage_error("serve", "unknown option '%s'", a);
        i++;
    }
    if (S.nrules == 0)
        return cli_usage_error("serve", "--rules RULES is required");
    if (threads < 1)
        threads = 1;
    S.body_seconds = 3 * timeout;

    /* where to listen */
    char host[256];
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof host)
        return cli_usage_error("serve", "--listen must be HOST:PORT, not '%s'", listen);
    snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
    if (host[0] == '[' && host[strlen(host) - 1] == ']') { /* [::1] */
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = '\0';
    }
    long port = 0;
    if (!parse_long(colon + 1, 0, 65535, &port))
        return cli_usage_error("serve", "--listen: '%s' is not a port", colon + 1);
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int gai = getaddrinfo(host, colon + 1, &hints, &ai);
    if (gai != 0)
        return cli_usage_error("serve", "--listen %s: %s", listen, gai_strerror(gai));

    if (token_file && !(S.token = read_token(token_file))) {
        freeaddrinfo(ai);
        return CLI_USAGE;
    }
    serve_gen *g = serve_gen_load(S.rules, S.nrules, 1, NULL);
    if (!g) {
        freeaddrinfo(ai);
        free((char *)S.token);
        cli_warn("serve", "the rule files do not load; nothing is served");
        return CLI_USAGE;
    }
    generation = 1;
    serve_gen_install(g);

    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY | MHD_USE_TURBO;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d =
        MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, serve_handle, &S, MHD_OPTION_SOCK_ADDR,
                         ai->ai_addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
                         MHD_OPTION_CONNECTION_LIMIT, (unsigned)max_conn, MHD_OPTION_CONNECTION_TIMEOUT,
                         (unsigned)timeout, MHD_OPTION_NOTIFY_COMPLETED, serve_completed, &S, MHD_OPTION_END);
    freeaddrinfo(ai);
    int status = CLI_OK;
    if (!d) {
        cli_warn("serve", "cannot listen on %s (in use, or not an address of this machine?)", listen);
        status = CLI_USAGE;
        goto out;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned bound = info ? info->port : (unsigned)port;
    fprintf(stderr, "kigen serve: listening on %s:%u, %ld threads, %d pack%s (generation 1)\n", host, bound,
            threads, g->npacks, g->npacks == 1 ? "" : "s");
    if (port_file) {
        FILE *f = fopen(port_file, "w");
        if (!f || fprintf(f, "%u\n", bound) < 0 || fclose(f) != 0) {
            cli_warn("serve", "cannot write --port-file %s", port_file);
            status = CLI_USAGE;
            stop_flag = 1;
        }
    }
    while (!stop_flag) {
        struct timespec ts = {0, 100000000L};
        nanosleep(&ts, NULL);
        if (reload_flag) {
            reload_flag = 0;
            (void)serve_reload(&S, NULL);
        }
    }
    fprintf(stderr, "kigen serve: stopping\n");
    MHD_stop_daemon(d);
out:
    serve_gen_install(NULL);
    free((char *)S.token);
    return status;
}
