/* The Lua sandbox for policy scripts (issue 5): one lua_State with an
 * allow-listed environment, a memory cap (a counting lua_Alloc on top of
 * the host allocator), an instruction budget per call (a count hook), a
 * `kigen` calendar library, and a `require` that reads only Lua text files
 * beside the scripts. lua_policy.c builds the rule-language side on top:
 * registered functions, hooks, the record table.
 *
 * Nothing here is shared between states: every kigen_ctx owns one state,
 * the loader owns a temporary one. */
#ifndef KIGEN_LUA_SANDBOX_H
#define KIGEN_LUA_SANDBOX_H

#include <lauxlib.h>
#include <lua.h>

#include "front/load.h"
#include "rt/ctx.h"

/* Defaults when kigen_opts leaves a limit at 0 (docs/lua.md). */
#define LP_DEFAULT_INSTRUCTIONS 1000000L
#define LP_DEFAULT_MEMORY ((size_t)16 << 20)
/* A state needs this much to exist at all. */
#define LP_MIN_MEMORY KIGEN_LUA_MIN_MEMORY
/* Script and module files: the same bound as rule files. */
#define LP_MAX_FILE KG_MAX_FILE_SIZE
#define LP_MAX_FILES 64
#define LP_MAX_REQUIRE_DEPTH 16
/* Notes leave the capped Lua state for host memory: bounded per record. */
#define LP_MAX_NOTES 64
#define LP_MAX_NOTE_BYTES 4096
/* One record's calls (functions its rules call, hooks) together get this
 * many times the per-call budget, so that many rules calling a slow
 * function cannot keep one record running for minutes. */
#define LP_RECORD_CALLS 16
/* Registrations are copied to host memory (outside the Lua cap): bounded. */
#define LP_MAX_DOC_BYTES 4096
#define LP_MAX_FUNCTIONS 1024
#define LP_MAX_HOOKS 64
#define LP_MAX_REG_BYTES ((size_t)1 << 20)

typedef enum lp_mode {
    LP_LOAD, /* the loader's state: learn registrations, report diagnostics */
    LP_CTX   /* a context's state: run functions and hooks */
} lp_mode;

typedef struct lp_file {
    const char *path; /* as opened (resolved by the loader) */
    const char *name; /* lexically normalised, for diagnostics */
    char display[64]; /* chunk name shown by Lua (without '@'), <= 59 bytes */
    const char *text;
    size_t len;
    kg_srcfile *src;         /* LP_LOAD: for diagnostics */
    bool module;             /* reached through require, not listed in the rule file */
    int state;               /* 0 not run, 1 running, 2 done */
    int ref;                 /* require cache: registry ref of the module's value */
    struct kg_cov_file *cov; /* LP_CTX under coverage: its lines */
} lp_file;

typedef struct lp_hook {
    const char *name;
    const char *what; /* "hook 'name'", for messages */
    int ref;          /* the hook function */
    int nout;
    const char **out_names;
    kg_type *out_types;
    int *out_slots; /* LP_CTX */
} lp_hook;

typedef struct lp_state lp_state;

struct lp_state {
    lua_State *L;
    lp_mode mode;
    kg_mem mem;
    /* limits */
    size_t mem_used, mem_limit;
    bool mem_hit; /* the cap refused an allocation */
    long insn_limit;
    long insn_left;
    int insn_step;
    bool exhausted; /* the budget ran out: every instruction raises */
    /* what is running, for messages */
    const char *what;                      /* "hook 'x'", "function 'f'", "the script" */
    const char *code;                      /* diagnostic code of the last error a C function raised */
    bool loading;                          /* top-level code runs: register_* and require allowed */
    int running[LP_MAX_REQUIRE_DEPTH + 1]; /* file indexes, innermost last */
    int nrunning;
    /* files */
    lp_file *files;
    int nfiles, capfiles;
    /* registrations, in order */
    kg_buf digest;   /* canonical text of every registration */
    kg_arena *arena; /* LP_LOAD: the rule set's; LP_CTX: tmp */
    kg_arena tmp;
    kg_loader *loader; /* LP_LOAD */
    kg_vec fns;        /* LP_LOAD: kg_fn* */
    int *fnrefs;       /* LP_CTX: registry refs by kg_fn.ud_index */
    int nfnrefs, capfnrefs;
    lp_hook *hooks;
    int nhooks, caphooks;
    /* LP_CTX: the evaluation side */
    kigen_ctx *c;
    int cur_hook; /* index of the running hook, -1 when none */
    int env_ref, rec_ref, recmt_ref, pending_ref, notes_ref;
    uint64_t rec_gen;  /* bumped per record: a rec from an earlier one is dead */
    uint64_t rec_made; /* the rec_gen the current rec (rec_ref) was made for */
    int notes_this_record;
    int errfn_ref;    /* the message handler */
    char err[2048];   /* the last error, "script:line: message" (a longer one ends " [... message cut]") */
    bool in_call;     /* a budgeted call runs: allocations are charged */
    int why;          /* what ended the budget: 1 instructions, 2 time, 3 the record's */
    size_t reg_bytes; /* names and docs registered so far (LP_MAX_REG_BYTES) */
    long rec_left;    /* LP_CTX: what the record's calls have left together */
    bool rec_capped;  /* this call's budget is what the record had left */
    long long t0_ns;  /* when the call began (monotonic clock) */
    const char *const *fn_what; /* LP_CTX: "function 'f'" by ud_index */
    /* authoring aids */
    void (*print_fn)(void *ud, const char *text); /* kigen_opts.lua_print */
    void *print_ud;
    const char *const *stubs;           /* kigen_opts.lua_stubs: module name, file, ..., NULL */
    uint64_t stubs_used;                /* LP_LOAD: bit i: stub i was required */
    const char *required[LP_MAX_FILES]; /* LP_LOAD: the module names required, for "did you mean" */
    int nrequired;
    char trace[1024]; /* the script frames of the last error (sb_msgh) */
    bool cov_on;      /* the line hook counts lines (coverage.c) */
    int cov_last;     /* the file of the last line counted */
};

/* The state that owns a lua_State. */
lp_state *lp_of(lua_State *L);

/* Create the state and its sandbox. Returns NULL (with *why set) when the
 * state cannot be made within the memory limit. */
/* A record starts: reset the budget its calls share. */
void lp_record_begin(lp_state *lp);

lp_state *lp_new(lp_mode mode, const kg_mem *mem, const kigen_opts *opts, const char **why);
void lp_free(lp_state *lp);

/* Read a script into one block "path\0text\0" in the arena (so that the
 * block reads as the path, and the text follows it): a regular file whose
 * real name ends in .lua, inside root when root is not NULL (base/file.h).
 * NULL with `why`. */
char *lp_read_script(kg_arena *a, const char *path, const char *root, const char **text, size_t *len,
                     char *why, size_t whylen);

/* "a/b/../c/./d.lua" -> "a/c/d.lua" (lexically; for names and messages). */
char *lp_normalise(kg_arena *a, const char *path);

/* Add a file to the state's list (texts are not copied). */
int lp_add_file(lp_state *lp, const char *path, const char *text, size_t len, bool module);
/* Run a file's top-level chunk with the sandbox environment. 0 or -1 with
 * lp->err set (and lp->code: E0401 syntax, E0402 runtime, E0406/E0407
 * limits, E0408 require, E0403-E0405 registration). */
int lp_run_file(lp_state *lp, int idx);

/* Run f(ud) in protected mode with the budget (when `budget`): every
 * use of the Lua API that may allocate goes through here, so that hitting
 * the memory cap is an error, never a panic. 0, or -1 with lp->err set to
 * "script:line: message". `fnref` is the registry ref of the Lua function
 * being called (to place memory errors, which unwind the stack before a
 * message handler can see it), or LUA_NOREF. */
int lp_call(lp_state *lp, lua_CFunction f, void *ud, int fnref, bool budget);

/* Charge a C function's work against the instruction budget (raises the
 * budget error when it does not fit). */
void lp_charge(lua_State *L, double units);

/* After the scripts have run: globals may no longer be created or changed. */
void lp_freeze_env(lp_state *lp);

/* Read a date given as 'YYYY-MM-DD' (exactly). */
bool lp_iso_date(const char *s, size_t len, kigen_date *out);
/* Push a rule-language value: absent -> nil, dates -> ISO strings. */
void lp_push_val(lua_State *L, const kg_val *v);

/* Which file a message "display:line: ..." points into, and the line;
 * -1 when it names none of the state's files. */
int lp_locate(const lp_state *lp, const char *msg, int *line, const char **rest);

/* After the scripts loaded: a stub (kigen_opts.lua_stubs) whose name is not
 * a module name, or that no script required, is a mistake of the test that
 * gave it (it would pass without testing what it meant to): false, with
 * why. */
bool lp_stubs_ok(const lp_state *lp, char *why, size_t n);

/* coverage.c: under coverage, learn each file's lines with code (into
 * cov) and switch the line hook on; false when out of memory. */
struct kigen_coverage;
bool lp_cov_start(lp_state *lp, struct kigen_coverage *cov);
/* The line hook: count the line that starts to run. */
void lp_cov_line(lua_State *L, lua_Debug *ar);

/* lib.c: the `kigen` library for scripts, and os.time / os.date. */
extern const luaL_Reg lp_kigen_funcs[];
int lp_os_time(lua_State *L);
int lp_os_date(lua_State *L);

/* register.c: kigen.register_function / kigen.register_hook. */
int lp_register_function(lua_State *L);
int lp_register_hook(lua_State *L);
/* call.c: the implementation of every function a script registered. */
void lp_fn_impl(kg_fncall *fc, const kg_fn *fn, const kg_val *args, int n, kg_val *out);

#endif
