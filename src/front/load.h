/* Reading rule files into definitions: YAML, includes and layering, every
 * key understood or reported. The kg_loader is the state of one load, which
 * the later phases (lua/ registration, sema/ checking) continue. */
#ifndef KIGEN_FRONT_LOAD_H
#define KIGEN_FRONT_LOAD_H

#include "model/ruleset.h"

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
    kg_arena *a;     /* == &rs->arena */
    kg_vec defs;     /* kg_def*, in definition order */
    kg_symtab syms;  /* name -> kg_def* */
    kg_vec outputs;  /* const kg_ynode* naming outputs */
    kg_vec messages; /* kg_message* */
    kg_vec sources;  /* kg_source* */
    kg_vec files;    /* kg_srcfile* */
    kg_vec lua;      /* const char* script paths */
    bool lua_failed; /* a policy script did not load: names it would have registered are unknown */
    const char *stack[KG_MAX_INCLUDE_DEPTH + 1];
    kg_fileid stack_id[KG_MAX_INCLUDE_DEPTH + 1];
    int depth;
    kg_fileid *loaded; /* every file read, once each */
    size_t nloaded, caploaded;
    size_t bytes; /* their total size */
    bool strict;
} kg_loader;

kg_def *kg_loader_find(kg_loader *L, const char *name);
/* Declare a rule whose value a policy hook sets (name clashes are
 * reported at `where`). Returns NULL on error. */
kg_def *kg_loader_add_hook_output(kg_loader *L, const char *name, kg_type ty, const char *doc,
                                  const kg_ynode *where);

/* Read the top file (text NULL: from the file `name`; else the text, with
 * `name` for messages and relative includes) and what it includes into L.
 * KIGEN_EIO when the top file cannot be read; problems go to L->d. */
int kg_front_load(kg_loader *L, const char *name, const char *text, size_t len);
/* Free what the load kept beside the rule set. */
void kg_front_free(kg_loader *L);

#endif
