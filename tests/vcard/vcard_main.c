/* kigen-vcard: an emulated My Number card for the vpcd virtual reader.
 *
 * vpcd (vsmartcard-vpcd, loaded by pcscd) listens on a TCP port; the card
 * is the client. Every message is a 2-byte big-endian length and a payload.
 * A 1-byte payload is a control: 0 power off, 1 power on, 2 reset (none of
 * these is answered), 4 get ATR (answered with the framed ATR). Anything
 * longer is a command APDU, answered with the framed response APDU.
 * Debian's vpcd writes the length and the payload separately: without
 * TCP_NODELAY, and TCP_QUICKACK set again after every read, each APDU
 * would stall about 40 ms on delayed ACKs. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vcard_card.h"

static const char usage[] =
    "usage: kigen-vcard [options]\n"
    "\n"
    "An emulated My Number card (JPKI AP and text AP) for vpcd.\n"
    "\n"
    "  --port N              vpcd's port (default 35963, the first Debian vpcd reader)\n"
    "  --host HOST           vpcd's host (default 127.0.0.1)\n"
    "  --config FILE         key = value lines (see tests/vcard/example.conf)\n"
    "  --set KEY=VALUE       one setting, as in the config file (repeatable)\n"
    "  --auth-cert FILE      EF 000A (DER or PEM); likewise --auth-ca (000B),\n"
    "  --sign-cert FILE      --sign-cert (0001) and --sign-ca (0002)\n"
    "  --token card|juki|smartphone\n"
    "  --atr HEX|contact|unknown|t0\n"
    "  --protocol t0|t1      t0: data comes behind 61xx/GET RESPONSE, wrong Le gets 6Cxx\n"
    "  --fault F             disconnect-after=N, short-read=N, wrong-sw=N[:SSSS],\n"
    "                        bad-der-length, tlv-overrun (repeatable)\n"
    "  --log FILE            log every APDU (PIN bytes masked)\n"
    "  --connect-timeout S   keep trying to reach vpcd this long (default 10)\n"
    "\n"
    "Settings: auth_cert auth_ca sign_cert sign_ca auth_pin sign_pin text_pin\n"
    "auth_tries sign_tries text_tries token atr protocol name address birth sex\n"
    "my_number fault.\n";

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void quickack(int fd)
{
#ifdef TCP_QUICKACK
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
#else
    (void)fd;
#endif
}

/* Read exactly n bytes. TCP_QUICKACK is set again after every recv: the
 * kernel clears it, and vpcd's payload write waits (Nagle) for our ACK of
 * its 2-byte length write. */
static int read_all(int fd, uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t k = recv(fd, p, n, 0);
        if (k == 0)
            return 0;
        if (k < 0) {
            if (errno == EINTR && !stop)
                continue;
            return -1;
        }
        quickack(fd);
        p += k;
        n -= (size_t)k;
    }
    return 1;
}

static int send_frame(int fd, const uint8_t *p, size_t n)
{
    uint8_t buf[2 + 65535];
    if (n > 65535)
        return -1;
    buf[0] = (uint8_t)(n >> 8);
    buf[1] = (uint8_t)n;
    memcpy(buf + 2, p, n);
    size_t off = 0, total = n + 2;
    while (off < total) {
        ssize_t k = send(fd, buf + off, total - off, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno == EINTR && !stop)
                continue;
            return -1;
        }
        off += (size_t)k;
    }
    return 0;
}

static int connect_vpcd(const char *host, const char *port, double timeout_s)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct addrinfo hints, *res = NULL;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        int g = getaddrinfo(host, port, &hints, &res);
        if (g != 0) {
            fprintf(stderr, "kigen-vcard: %s:%s: %s\n", host, port, gai_strerror(g));
            return -1;
        }
        int fd = -1;
        for (struct addrinfo *a = res; a; a = a->ai_next) {
            fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
            if (fd < 0)
                continue;
            if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
                break;
            close(fd);
            fd = -1;
        }
        freeaddrinfo(res);
        if (fd >= 0)
            return fd;
        clock_gettime(CLOCK_MONOTONIC, &t);
        double el = (double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9;
        if (el >= timeout_s || stop) {
            fprintf(stderr, "kigen-vcard: cannot reach vpcd at %s:%s (is pcscd running with a vpcd reader?)\n",
                    host, port);
            return -1;
        }
        struct timespec nap = {0, 50 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
}

int main(int argc, char **argv)
{
    vc_card card;
    vc_card_init(&card);
    const char *host = "127.0.0.1", *port = "35963", *logpath = NULL;
    double timeout_s = 10;
    char err[1024];
    int rc = 1;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            vc_card_free(&card);
            return 0;
        }
        if (!v) {
            fprintf(stderr, "kigen-vcard: %s needs a value (see --help)\n", a);
            goto out;
        }
        i++;
        int bad = 0;
        if (strcmp(a, "--port") == 0)
            port = v;
        else if (strcmp(a, "--host") == 0)
            host = v;
        else if (strcmp(a, "--log") == 0)
            logpath = v;
        else if (strcmp(a, "--connect-timeout") == 0)
            timeout_s = atof(v);
        else if (strcmp(a, "--config") == 0)
            bad = vc_card_load_config(&card, v, err, sizeof err);
        else if (strcmp(a, "--set") == 0) {
            char kv[1024];
            snprintf(kv, sizeof kv, "%s", v);
            char *eq = strchr(kv, '=');
            if (!eq) {
                snprintf(err, sizeof err, "--set needs KEY=VALUE");
                bad = -1;
            } else {
                *eq = '\0';
                bad = vc_card_set(&card, kv, eq + 1, NULL, err, sizeof err);
            }
        } else if (strcmp(a, "--auth-cert") == 0)
            bad = vc_card_set(&card, "auth_cert", v, NULL, err, sizeof err);
        else if (strcmp(a, "--auth-ca") == 0)
            bad = vc_card_set(&card, "auth_ca", v, NULL, err, sizeof err);
        else if (strcmp(a, "--sign-cert") == 0)
            bad = vc_card_set(&card, "sign_cert", v, NULL, err, sizeof err);
        else if (strcmp(a, "--sign-ca") == 0)
            bad = vc_card_set(&card, "sign_ca", v, NULL, err, sizeof err);
        else if (strcmp(a, "--token") == 0)
            bad = vc_card_set(&card, "token", v, NULL, err, sizeof err);
        else if (strcmp(a, "--atr") == 0)
            bad = vc_card_set(&card, "atr", v, NULL, err, sizeof err);
        else if (strcmp(a, "--protocol") == 0)
            bad = vc_card_set(&card, "protocol", v, NULL, err, sizeof err);
        else if (strcmp(a, "--fault") == 0)
            bad = vc_card_set(&card, "fault", v, NULL, err, sizeof err);
        else {
            fprintf(stderr, "kigen-vcard: unknown option '%s' (see --help)\n", a);
            goto out;
        }
        if (bad) {
            fprintf(stderr, "kigen-vcard: %s\n", err);
            goto out;
        }
    }
    if (logpath) {
        card.log = fopen(logpath, "a");
        if (!card.log) {
            fprintf(stderr, "kigen-vcard: %s: %s\n", logpath, strerror(errno));
            goto out;
        }
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int fd = connect_vpcd(host, port, timeout_s);
    if (fd < 0)
        goto out;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    static uint8_t msg[65535];
    rc = 0;
    while (!stop) {
        uint8_t hdr[2];
        int r = read_all(fd, hdr, 2);
        if (r <= 0)
            break; /* vpcd closed (pcscd stopped) or a signal */
        size_t n = (size_t)hdr[0] << 8 | hdr[1];
        if (n > 0 && read_all(fd, msg, n) <= 0)
            break;
        if (n == 1) {
            switch (msg[0]) {
            case 0: /* power off */
            case 1: /* power on */
            case 2: /* reset */
                vc_card_reset(&card);
                break;
            case 4:
                if (send_frame(fd, card.atr, card.atr_len) != 0)
                    stop = 1;
                break;
            default:
                break;
            }
            continue;
        }
        uint8_t resp[258];
        size_t rl = 0;
        if (vc_card_apdu(&card, msg, n, resp, &rl) != 0)
            break; /* the card is pulled out in the middle of a transfer */
        if (send_frame(fd, resp, rl) != 0)
            break;
    }
    close(fd);
out:
    if (card.log)
        fclose(card.log);
    vc_card_free(&card);
    return rc;
}
