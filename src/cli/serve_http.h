/* kigen serve's request handling (serve_http.c) and what it needs of the
 * server (cmd_serve.c). */
#ifndef KIGEN_CLI_SERVE_HTTP_H
#define KIGEN_CLI_SERVE_HTTP_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli/serve.h"

typedef struct serve_server {
    const char *const *rules; /* --rules, as given: reloaded from them */
    int nrules;
    const char *token; /* --token-file's token, or NULL */
    size_t max_body;
    long max_records;
    long body_seconds; /* the most a request's body may take to arrive */
    bool quiet;
} serve_server;

/* Load the packs again; install them when every one loads. The new
 * generation's number, or 0 with the problems in errors (the old packs
 * stay). Reloads are one at a time (cmd_serve.c). */
long serve_reload(const serve_server *S, json_t *errors);

enum MHD_Result serve_handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                             const char *version, const char *upload, size_t *upload_size, void **ptr);
void serve_completed(void *cls, struct MHD_Connection *conn, void **ptr, enum MHD_RequestTerminationCode why);

#endif
