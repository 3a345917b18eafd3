/* Coverage: see rt/coverage.h and include/kigen.h. */
#include "rt/coverage.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/yaml.h"

kigen_coverage *kigen_coverage_new(const kigen_ruleset *rs)
{
    if (!rs)
        return NULL;
    kg_mem mem = rs->mem;
    kigen_coverage *cov = kg_mem_alloc(&mem, sizeof *cov);
    if (!cov)
        return NULL;
    memset(cov, 0, sizeof *cov);
    cov->rs = rs;
    cov->mem = mem;
    kg_buf_init(&cov->json, &cov->mem);
    cov->case_base = kg_mem_alloc(&mem, sizeof(int) * (size_t)(rs->nslots ? rs->nslots : 1));
    if (!cov->case_base) {
        kigen_coverage_free(cov);
        return NULL;
    }
    for (int s = 0; s < rs->nslots; s++) {
        const kg_def *d = rs->slots[s];
        cov->case_base[s] = -1;
        if (d->kind == KIND_RULE && d->ncases > 0) {
            cov->case_base[s] = cov->ncases;
            cov->ncases += d->ncases;
        }
    }
    cov->case_hits = kg_mem_alloc(&mem, sizeof(uint32_t) * (size_t)(cov->ncases ? cov->ncases : 1));
    if (!cov->case_hits) {
        kigen_coverage_free(cov);
        return NULL;
    }
    memset(cov->case_hits, 0, sizeof(uint32_t) * (size_t)(cov->ncases ? cov->ncases : 1));
    return cov;
}

void kigen_coverage_free(kigen_coverage *cov)
{
    if (!cov)
        return;
    kg_mem mem = cov->mem;
    for (int i = 0; i < cov->nfiles; i++) {
        kg_cov_file *f = &cov->files[i];
        kg_mem_free(&mem, f->name, strlen(f->name) + 1);
        kg_mem_free(&mem, f->exec, (size_t)f->nlines + 1);
        kg_mem_free(&mem, f->hits, sizeof(uint32_t) * ((size_t)f->nlines + 1));
    }
    kg_mem_free(&mem, cov->files, sizeof *cov->files * (size_t)cov->capfiles);
    kg_mem_free(&mem, cov->case_hits, sizeof(uint32_t) * (size_t)(cov->ncases ? cov->ncases : 1));
    if (cov->case_base)
        kg_mem_free(&mem, cov->case_base, sizeof(int) * (size_t)(cov->rs->nslots ? cov->rs->nslots : 1));
    kg_buf_free(&cov->json);
    kg_mem_free(&mem, cov, sizeof *cov);
}

int kigen_set_coverage(kigen_ctx *c, kigen_coverage *cov)
{
    if (!c)
        return KIGEN_EMISUSE;
    if (cov && cov->rs != c->rs) {
        kg_ctx_err(c, "kigen_set_coverage: the coverage belongs to another rule set");
        return kg_ctx_fail(c, KIGEN_EMISUSE);
    }
    c->cov = cov;
    if (cov)
        c->explain = true; /* the explaining walk records the cases taken */
    /* Restart the scripts, so that their top level runs under the line hook too. */
    if (c->rs->ext && !c->unusable) {
        if (c->ext_state)
            c->rs->ext->ctx_free(c);
        int rc = c->rs->ext->ctx_init(c);
        if (rc != KIGEN_OK) {
            c->unusable = true;
            return kg_ctx_fail(c, rc);
        }
    }
    return kg_ctx_fail(c, KIGEN_OK);
}

void kg_cov_cases(kigen_coverage *cov, const kigen_ctx *c)
{
    for (int s = 0; s < c->rs->nslots; s++)
        if (cov->case_base[s] >= 0 && c->case_taken[s] >= 0)
            cov->case_hits[cov->case_base[s] + c->case_taken[s]]++;
}

kg_cov_file *kg_cov_file_get(kigen_coverage *cov, const char *name, int nlines)
{
    for (int i = 0; i < cov->nfiles; i++)
        if (strcmp(cov->files[i].name, name) == 0)
            return cov->files[i].nlines == nlines ? &cov->files[i] : NULL;
    if (cov->nfiles == cov->capfiles) {
        int cap = cov->capfiles ? cov->capfiles * 2 : 8;
        kg_cov_file *nf = kg_mem_realloc(&cov->mem, cov->files, sizeof *nf * (size_t)cov->capfiles,
                                         sizeof *nf * (size_t)cap);
        if (!nf)
            return NULL;
        cov->files = nf;
        cov->capfiles = cap;
    }
    kg_cov_file *f = &cov->files[cov->nfiles];
    size_t nl = strlen(name);
    f->name = kg_mem_alloc(&cov->mem, nl + 1);
    f->exec = kg_mem_alloc(&cov->mem, (size_t)nlines + 1);
    f->hits = kg_mem_alloc(&cov->mem, sizeof(uint32_t) * ((size_t)nlines + 1));
    if (!f->name || !f->exec || !f->hits) {
        kg_mem_free(&cov->mem, f->name, nl + 1);
        kg_mem_free(&cov->mem, f->exec, (size_t)nlines + 1);
        kg_mem_free(&cov->mem, f->hits, sizeof(uint32_t) * ((size_t)nlines + 1));
        return NULL;
    }
    memcpy(f->name, name, nl + 1);
    memset(f->exec, 0, (size_t)nlines + 1);
    memset(f->hits, 0, sizeof(uint32_t) * ((size_t)nlines + 1));
    f->nlines = nlines;
    cov->nfiles++;
    return f;
}

static json_t *cases_json(const kigen_coverage *cov)
{
    const kigen_ruleset *rs = cov->rs;
    json_t *list = json_array();
    int reached = 0;
    for (int s = 0; s < rs->nslots; s++) {
        const kg_def *d = rs->slots[s];
        if (cov->case_base[s] < 0)
            continue;
        for (int k = 0; k < d->ncases; k++) {
            const kg_case *kc = &d->cases[k];
            const kg_ynode *w = kc->node ? kg_ymap_get(kc->node, "when") : NULL;
            uint32_t hits = cov->case_hits[cov->case_base[s] + k];
            reached += hits > 0;
            json_array_append_new(list, json_pack("{s:s, s:i, s:i, s:s, s:s, s:i, s:I}", "rule", d->name,
                                                  "case", k + 1, "of", d->ncases, "when",
                                                  w && w->text ? w->text : "otherwise", "file",
                                                  kc->node ? kc->node->file->name : "", "line",
                                                  kc->node ? kc->node->line : 0, "hits", (json_int_t)hits));
        }
    }
    return json_pack("{s:i, s:i, s:o}", "total", cov->ncases, "reached", reached, "rules", list);
}

static json_t *lua_json(const kigen_coverage *cov)
{
    json_t *files = json_array();
    for (int i = 0; i < cov->nfiles; i++) {
        const kg_cov_file *f = &cov->files[i];
        json_t *hits = json_array();
        int lines = 0, reached = 0;
        for (int l = 1; l <= f->nlines; l++)
            if (f->exec[l]) {
                lines++;
                reached += f->hits[l] > 0;
                json_array_append_new(hits, json_pack("[i, I]", l, (json_int_t)f->hits[l]));
            }
        json_array_append_new(files, json_pack("{s:s, s:i, s:i, s:o}", "file", f->name, "lines", lines,
                                               "reached", reached, "hits", hits));
    }
    return files;
}

const char *kigen_coverage_json(kigen_coverage *cov)
{
    if (!cov)
        return NULL;
    json_t *o = json_pack("{s:o, s:o}", "cases", cases_json(cov), "lua", lua_json(cov));
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!text)
        return NULL;
    cov->json.len = 0;
    kg_buf_puts(&cov->json, text);
    free(text);
    return cov->json.failed ? NULL : kg_buf_cstr(&cov->json);
}
