/* Lua policy scripts, as the layers above see them: at load, run the
 * scripts a rule set names once, to learn the functions and hooks they
 * register; in contexts, the extension (rt/ctx.h) that runs them. */
#ifndef KIGEN_LUA_POLICY_H
#define KIGEN_LUA_POLICY_H

#include "front/load.h"
#include "rt/ctx.h"

void kg_lua_load_scripts(kg_loader *L);
extern const kg_ext kg_lua_ext;

#endif
