/* The rule set's names and introspection (ruleset.h, and the kigen.h
 * functions that only read a rule set). */
#include "model/ruleset.h"

#include <stdio.h>
#include <string.h>

#include "base/text.h"

bool kg_int_choice_ok(const kg_def *d, const kg_val *v, char *why, size_t n)
{
    if (!d->nint_choices || v->t != VT_INT)
        return true;
    for (int i = 0; i < d->nint_choices; i++)
        if (d->int_choices[i] == v->u.i)
            return true;
    size_t used = (size_t)snprintf(
        why, n, kg_ja() ? "%lld は選択肢（" : "%lld is not one of its choices: ", (long long)v->u.i);
    for (int i = 0; i < d->nint_choices && used < n; i++)
        used += (size_t)snprintf(why + used, n - used, "%s%lld", i ? ", " : "", (long long)d->int_choices[i]);
    if (kg_ja() && used < n)
        snprintf(why + used, n - used, "）のいずれでもありません");
    return false;
}

/* The slot of a fact or rule by name, or -1. */
int kg_slot_of(const kigen_ruleset *rs, const char *name)
{
    return rs->slot_index ? kg_nameidx_find(rs->slot_index, name, strlen(name)) : -1;
}

int kigen_fact_index(const kigen_ruleset *rs, const char *name)
{
    if (!rs || !name)
        return -1;
    int s = kg_slot_of(rs, name);
    if (s < 0 && rs->alias_index) {
        int a = kg_nameidx_find(rs->alias_index, name, strlen(name));
        s = a >= 0 ? rs->alias_slots[a] : -1;
    }
    return s < rs->nfacts ? s : -1;
}

int kigen_alias_count(const kigen_ruleset *rs)
{
    return rs ? rs->naliases : 0;
}

const char *kigen_alias_name(const kigen_ruleset *rs, int i, int *fact)
{
    if (!rs || i < 0 || i >= rs->naliases)
        return NULL;
    if (fact)
        *fact = rs->alias_slots[i];
    return rs->alias_names[i];
}

int kigen_output_count(const kigen_ruleset *rs)
{
    return rs ? rs->noutputs : 0;
}

const char *kigen_output_name(const kigen_ruleset *rs, int i)
{
    return rs && i >= 0 && i < rs->noutputs ? rs->slots[rs->outputs[i]]->name : NULL;
}

int kigen_output_index(const kigen_ruleset *rs, const char *name)
{
    int s = rs && name ? kg_slot_of(rs, name) : -1;
    for (int i = 0; s >= 0 && i < rs->noutputs; i++)
        if (rs->outputs[i] == s)
            return i;
    return -1;
}

int kigen_fact_count(const kigen_ruleset *rs)
{
    return rs ? rs->nfacts : 0;
}
const char *kigen_fact_name(const kigen_ruleset *rs, int i)
{
    return rs && i >= 0 && i < rs->nfacts ? rs->slots[i]->name : NULL;
}

kigen_type kigen_fact_type(const kigen_ruleset *rs, int i)
{
    if (!rs || i < 0 || i >= rs->nfacts)
        return KIGEN_T_NONE;
    switch (rs->slots[i]->ty.k) {
    case TK_BOOL: return KIGEN_T_BOOL;
    case TK_INT: return KIGEN_T_INT;
    case TK_DATE: return KIGEN_T_DATE;
    case TK_ENUM: return KIGEN_T_ENUM;
    default: return KIGEN_T_STRING;
    }
}

int kigen_param_count(const kigen_ruleset *rs)
{
    return rs ? rs->nparams : 0;
}

const char *kigen_param_name(const kigen_ruleset *rs, int i)
{
    return rs && i >= 0 && i < rs->nparams ? rs->params[i]->name : NULL;
}

int kigen_param_index(const kigen_ruleset *rs, const char *name)
{
    if (!rs || !name || !rs->param_index)
        return -1;
    return kg_nameidx_find(rs->param_index, name, strlen(name));
}

int kigen_param_version_count(const kigen_ruleset *rs, int i)
{
    return rs && i >= 0 && i < rs->nparams ? rs->params[i]->nversions : 0;
}

int kigen_param_version(const kigen_ruleset *rs, int i, int k, kigen_date *eff, const char **text)
{
    if (!rs || i < 0 || i >= rs->nparams || k < 0 || k >= rs->params[i]->nversions)
        return KIGEN_EINVAL;
    const kg_version *v = &rs->params[i]->versions[k];
    if (eff)
        *eff = v->eff;
    if (text)
        *text = v->text;
    return KIGEN_OK;
}

const char *kigen_ruleset_name(const kigen_ruleset *rs)
{
    return rs ? rs->name : NULL;
}

int kigen_output_has_messages(const kigen_ruleset *rs, int output)
{
    if (!rs || output < 0 || output >= rs->noutputs)
        return 0;
    const char *name = rs->slots[rs->outputs[output]]->name;
    for (int i = 0; i < rs->nmessages; i++)
        if (strcmp(rs->messages[i].rule, name) == 0)
            return 1;
    return 0;
}

void kigen_ruleset_retain(kigen_ruleset *rs)
{
    if (rs)
        atomic_fetch_add(&rs->refs, 1);
}

void kigen_ruleset_free(kigen_ruleset *rs)
{
    if (!rs || atomic_fetch_sub(&rs->refs, 1) != 1)
        return;
    kg_mem mem = rs->mem;
    kg_arena_free(&rs->arena);
    kg_mem_free(&mem, rs, sizeof *rs);
}
