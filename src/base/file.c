/* See file.h. */
#define _XOPEN_SOURCE 700 /* realpath, readlink */
#include "base/file.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool has_suffix(const char *s, const char *const *suffixes)
{
    size_t n = strlen(s);
    for (; *suffixes; suffixes++) {
        size_t k = strlen(*suffixes);
        if (n >= k && strcmp(s + n - k, *suffixes) == 0)
            return true;
    }
    return false;
}

/* The real path of the open descriptor (malloc'd), or NULL. */
static char *fd_path(int fd, const char *path)
{
    char link[64], buf[PATH_MAX + 1];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, buf, sizeof buf - 1);
    if (n > 0 && buf[0] == '/') {
        buf[n] = '\0';
        return strdup(buf);
    }
    /* No /proc (a container without it): the path resolved now, which a
     * concurrent rename could still change. */
    return realpath(path, NULL);
}

static bool inside(const char *real, const char *root)
{
    char *rr = realpath(root, NULL);
    if (!rr)
        return false;
    size_t k = strlen(rr);
    bool ok = strcmp(rr, "/") == 0 || (strncmp(real, rr, k) == 0 && (real[k] == '/' || real[k] == '\0'));
    free(rr);
    return ok;
}

kg_file_err kg_file_open(const char *path, const char *const *suffixes, const char *root, FILE **f,
                         kg_file_id *id, char *why, size_t whylen)
{
    *f = NULL;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, whylen, "%s", strerror(errno));
        return KG_FILE_CANNOT;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        snprintf(why, whylen, "not a regular file");
        return KG_FILE_CANNOT;
    }
    kg_file_err rc = KG_FILE_OK;
    if (suffixes || root) {
        char *real = fd_path(fd, path);
        if (!real) {
            snprintf(why, whylen, "its real path cannot be found: %s", strerror(errno));
            rc = KG_FILE_CANNOT;
        } else if (suffixes && !has_suffix(real, suffixes)) {
            snprintf(why, whylen, "it leads to '%s'", real);
            rc = KG_FILE_SUFFIX;
        } else if (root && !inside(real, root)) {
            snprintf(why, whylen, "it is outside the directory rule files may be read from (%s)", root);
            rc = KG_FILE_OUTSIDE;
        }
        free(real);
    }
    if (rc == KG_FILE_OK) {
        /* Reads of a regular file do not block; clear the flag anyway. */
        int fl = fcntl(fd, F_GETFL);
        if (fl != -1)
            (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
        *f = fdopen(fd, "rb");
        if (!*f) {
            snprintf(why, whylen, "%s", strerror(errno));
            rc = KG_FILE_CANNOT;
        }
    }
    if (rc != KG_FILE_OK) {
        close(fd);
        return rc;
    }
    if (id) {
        id->dev = (unsigned long long)st.st_dev;
        id->ino = (unsigned long long)st.st_ino;
    }
    return KG_FILE_OK;
}

char *kg_path_real(const char *path)
{
    return realpath(path, NULL);
}

/* See file.h. (The lexical form is what messages and reports show; links
 * are not resolved.) */
void kg_path_normalise(char *out, size_t cap, const char *path)
{
    if (cap < strlen(path) + 2) {
        snprintf(out, cap, "%s", path); /* too small to work in: left as it is */
        return;
    }
    size_t len = 0;
    bool abs = path[0] == '/';
    if (abs)
        out[len++] = '/';
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        const char *e = p;
        while (*e && *e != '/')
            e++;
        size_t cl = (size_t)(e - p);
        if (cl == 0)
            break;
        if (cl == 1 && p[0] == '.') {
            /* skip */
        } else if (cl == 2 && p[0] == '.' && p[1] == '.') {
            /* drop the last component unless it is itself ".." or nothing */
            size_t start = len;
            while (start > (abs ? 1u : 0u) && out[start - 1] != '/')
                start--;
            bool last_dotdot = len - start == 2 && out[start] == '.' && out[start + 1] == '.';
            if (len > (abs ? 1u : 0u) && !last_dotdot) {
                len = start > (abs ? 1u : 0u) ? start - 1 : start;
            } else if (!abs) {
                if (len && out[len - 1] != '/')
                    out[len++] = '/';
                out[len++] = '.';
                out[len++] = '.';
            }
        } else {
            if (len && out[len - 1] != '/')
                out[len++] = '/';
            memcpy(out + len, p, cl);
            len += cl;
        }
        p = e;
    }
    if (len == 0)
        out[len++] = '.';
    out[len] = '\0';
}
