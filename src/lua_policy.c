/* Policy scripts: placeholder until the Lua sandbox lands (issue 5). A rule
 * file that names scripts is refused with an error, never run without them. */
#include "loader.h"

void kg_lua_load_scripts(kg_loader *L)
{
    for (size_t i = 0; i < L->lua.n; i++) {
        const kg_ynode *n = L->lua.v[i];
        kg_diag(L->d, KIGEN_SEV_ERROR, "E0400", n->file, n->off, NULL, NULL,
                "policy script '%s': this build of kigen cannot run Lua policy scripts", n->text);
    }
}

int kg_lua_ctx_init(kigen_ctx *c);
int kg_lua_ctx_init(kigen_ctx *c) { return KIGEN_OK; }
void kg_lua_ctx_free(kigen_ctx *c);
void kg_lua_ctx_free(kigen_ctx *c) { c->lua = NULL; }
int kg_lua_run_hooks(kigen_ctx *c);
int kg_lua_run_hooks(kigen_ctx *c) { return KIGEN_OK; }
