/* The loader's shared state: reading YAML into definitions (loader.c) and
 * checking and compiling them (check.c). */
#ifndef KIGEN_LOADER_H
#define KIGEN_LOADER_H

#include "model/model.h"

#define KG_MAX_INCLUDE_DEPTH 16
#define KG_MAX_FILE_SIZE (8u << 20)
/* A load reads each file once, at most this many files and bytes. */
#define KG_MAX_FILES 256
#define KG_MAX_TOTAL_BYTES ((size_t)64 << 20)

/* Which file a path names (device and inode), so that a file reached by
 * two paths is one file. */
typedef struct kg_fileid {
    unsigned long long dev, ino;
} kg_fileid;

typedef struct kg_loader {
    kigen_ruleset *rs;
    kigen_diags *d;
    kg_arena *a; /* == &rs->arena */
    kg_vec defs; /* kg_def*, in definition order */
    kg_symtab syms; /* name -> kg_def* */
    kg_vec outputs; /* const kg_ynode* naming outputs */
    kg_vec messages; /* kg_message* */
    kg_vec sources;  /* kg_source* */
    kg_vec files;    /* kg_srcfile* */
    kg_vec lua;      /* const char* script paths */
    const char *stack[KG_MAX_INCLUDE_DEPTH + 1];
    kg_fileid stack_id[KG_MAX_INCLUDE_DEPTH + 1];
    int depth;
    kg_fileid *loaded; /* every file read, once each */
    size_t nloaded, caploaded;
    size_t bytes;      /* their total size */
    bool strict;
} kg_loader;

kg_def *kg_loader_find(kg_loader *L, const char *name);
/* Does kigen_opts.include_root allow reading `path`? Reports E0300 at
 * `from` (may be NULL) when not. */
bool kg_loader_path_allowed(kg_loader *L, const kg_ynode *from, const char *path);
/* Check, resolve and compile everything that was loaded. */
void kg_check(kg_loader *L);

/* Declare a rule whose value a policy hook sets (name clashes are
 * reported at `where`). Returns NULL on error. */
kg_def *kg_loader_add_hook_output(kg_loader *L, const char *name, kg_type ty, const char *doc,
                                  const kg_ynode *where);

/* Policy scripts (lua_policy.c): run the scripts named by the rule files
 * once at load time to learn the functions and hooks they register. */
void kg_lua_load_scripts(kg_loader *L);

#endif
