/* Opening the files a rule set names (rule files, includes, policy
 * scripts, modules). Such a path comes from text that may not be trusted,
 * so opening one is more careful than fopen:
 *   - it never blocks: a FIFO or a device named by an include would hang
 *     the load (the open does not wait for a writer; only regular files
 *     are read);
 *   - a required suffix (".yaml") is checked on the name the path really
 *     leads to, so that a symbolic link named rules.yaml cannot make a key
 *     file look like a rule file;
 *   - a root directory, when given, is checked against the file that was
 *     opened (/proc/self/fd), not against the path beforehand, so that a
 *     path changed between the check and the open cannot lead outside. */
#ifndef KIGEN_BASE_FILE_H
#define KIGEN_BASE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct kg_file_id {
    unsigned long long dev, ino;
} kg_file_id;

typedef enum kg_file_err {
    KG_FILE_OK,
    KG_FILE_CANNOT, /* cannot open it, or not a regular file: why says */
    KG_FILE_SUFFIX, /* it leads to a file not named with one of the suffixes */
    KG_FILE_OUTSIDE /* it lies outside root */
} kg_file_err;

/* Open `path` for reading. suffixes: NULL-terminated list the real name
 * must end with one of (NULL: any name); root: a directory the real file
 * must lie inside (NULL: anywhere). On success returns KG_FILE_OK with *f
 * open (the caller closes it) and *id its identity; else *f is NULL and
 * why (whylen bytes) says why, for "cannot read 'path': <why>". */
kg_file_err kg_file_open(const char *path, const char *const *suffixes, const char *root, FILE **f,
                         kg_file_id *id, char *why, size_t whylen);

/* The absolute path with links and `..` resolved (realpath), malloc'd;
 * NULL when it does not exist. */
char *kg_path_real(const char *path);

/* "a/b/../c/./d.lua" -> "a/c/d.lua", lexically (links are not resolved);
 * a leading ".." of a relative path stays; "" -> ".". out needs
 * strlen(path) + 2 bytes (a smaller one gets path as it is, cut). */
void kg_path_normalise(char *out, size_t cap, const char *path);

#endif
