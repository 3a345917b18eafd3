/* kigen eval: a worker's job on one block — give each record's facts to
 * the worker's own context, evaluate, and format the record's output line
 * and its messages into the block. Nothing here writes to a descriptor or
 * touches what another worker uses. */
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/eval_run.h"
#include "base/text.h"

/* One line for stderr, as cli_warn prints it ("kigen eval: ", control
 * characters escaped), kept in the block until the writer prints it. */
static void block_msg(block *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void block_msg(block *b, const char *fmt, ...)
{
    char safe[CLI_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    size_t k = cli_vformat_line(safe, sizeof safe, fmt, ap);
    va_end(ap);
    kg_buf_puts(&b->msgs, "kigen eval: ");
    kg_buf_put(&b->msgs, safe, k);
    kg_buf_putc(&b->msgs, '\n');
}

/* Field i of record r: in the block, or the worker's for JSON it parsed. */
static inline const bfield *fld(const block *b, const brec *r, int i)
{
    return r->fields ? &r->fields[i] : &b->fields[r->first + i];
}

/* ---- facts in ------------------------------------------------------------------- */

static bool apply(const run *R, worker *W, const block *b, const brec *r, char *err, size_t n)
{
    const eval_opts *o = R->o;
    kigen_ctx *c = W->c;
    kigen_ctx_reset(c);
    if (++W->stamp == 0) { /* this record's mark in W->seen (after 2^32 records: start again) */
        memset(W->seen, 0, sizeof *W->seen * (size_t)(kigen_fact_count(R->rs) + 1));
        W->stamp = 1;
    }
    for (int i = 0; i < o->nsets; i++) { /* checked at the start: these cannot fail */
        const struct set_value *sv = &R->sets[i];
        int rc = sv->is_date ? kigen_set_date(c, sv->fact, sv->date)
                             : kigen_set_text(c, sv->fact, o->sets[i].value, sv->len);
        if (rc != KIGEN_OK) {
            snprintf(err, n, "%s", kigen_errmsg(c));
            return false;
        }
    }
    for (int i = 0; i < r->n; i++) {
        const bfield *f = fld(b, r, i);
        if (f->fact == CLI_COL_BAD) {
            snprintf(err, n, "%s", f->why ? f->why : "");
            return false;
        }
        if (f->fact < 0)
            continue;
        if (f->unusable) {
            const char *u = f->unusable;
            snprintf(err, n,
                     o->ja ? "項目「%s」の値が%sです（項目の値は文字列、整数、真偽値か null です）"
                           : "fact '%s' holds %s; facts are strings, whole numbers, booleans or null",
                     f->name,
                     !o->ja                         ? u
                     : strcmp(u, "a list") == 0     ? "リスト"
                     : strcmp(u, "a fraction") == 0 ? "小数"
                                                    : "オブジェクト");
            return false;
        }
        if (W->seen[f->fact].stamp == W->stamp) {
            /* a name and its alias (生年月日 and birth_date), or one key
             * twice: which would win is a guess, so neither does */
            const char *other = W->seen[f->fact].name;
            snprintf(err, n,
                     o->ja ? "「%s」と「%s」はどちらも項目 %s です（どちらか一方にしてください）"
                           : "'%s' and '%s' both give the fact %s; keep one of them",
                     other, f->name, kigen_fact_name(R->rs, f->fact));
            return false;
        }
        W->seen[f->fact].stamp = W->stamp;
        W->seen[f->fact].name = f->name;
        if (!f->value || f->len == 0) {
            /* an empty cell, a JSON null or "": a --set value stays,
             * otherwise the default applies (was: a JSON "" cleared the
             * --set value) */
            if (!cli_columns_set_by_option(&R->in, f->fact))
                kigen_unset(c, f->fact);
            continue;
        }
        if (kigen_set_text(c, f->fact, f->value, f->len) != KIGEN_OK) {
            snprintf(err, n, "%s", kigen_errmsg(c));
            return false;
        }
    }
    return true;
}

/* ---- values out ----------------------------------------------------------------- */

static bool col_get(const kigen_ctx *c, const out_col *col, kigen_value *v)
{
    int rc = col->output >= 0 ? kigen_get(c, col->output, v) : kigen_get_by_name(c, col->name, v);
    return rc == KIGEN_OK;
}

/* The value as the CLI prints it, in W->cell ("" for none or an error). */
static const char *value_text(const run *R, worker *W, const out_col *col, const kigen_value *v, size_t *len)
{
    kg_buf_clear(&W->cell);
    if (col->message) {
        const char *m = kigen_message(W->c, col->msg_output, R->o->lang);
        kg_buf_puts(&W->cell, m ? m : "");
    } else if (v->type != KIGEN_T_ERROR && v->type != KIGEN_T_NONE) {
        char era[48];
        if (v->type == KIGEN_T_STRING || v->type == KIGEN_T_ENUM) {
            kg_buf_put(&W->cell, v->u.str.ptr, v->u.str.len);
        } else if (v->type == KIGEN_T_DATE && R->o->era &&
                   kigen_date_format_era(v->u.date, KIGEN_ERA_KANJI, era, sizeof era) == KIGEN_OK) {
            kg_buf_puts(&W->cell, era); /* before 1873 there is no era form: ISO */
        } else {
            char small[64];
            size_t k = kigen_value_format(v, small, sizeof small);
            kg_buf_put(&W->cell, small, k < sizeof small ? k : sizeof small - 1);
        }
    }
    *len = W->cell.len;
    return kg_buf_cstr(&W->cell);
}

/* A CSV cell for a value: the common types written straight out. */
static void csv_value(const run *R, worker *W, cli_out *o, const out_col *col, const kigen_value *v,
                      char delim)
{
    if (!col->message) {
        switch (v->type) {
        case KIGEN_T_NONE:
        case KIGEN_T_ERROR: return;
        case KIGEN_T_BOOL: out_bytes(o, v->u.b ? "true" : "false", v->u.b ? 4 : 5); return;
        case KIGEN_T_INT: out_int(o, (long long)v->u.i); return;
        case KIGEN_T_DATE:
            if (!R->o->era) {
                out_date_iso(o, v->u.date);
                return;
            }
            break;
        case KIGEN_T_STRING:
        case KIGEN_T_ENUM: out_csv(o, v->u.str.ptr, v->u.str.len, delim); return;
        default: break;
        }
    }
    size_t n;
    const char *s = value_text(R, W, col, v, &n);
    out_csv(o, s, n, delim);
}

static void json_value(const run *R, worker *W, cli_out *o, const out_col *col, const kigen_value *v)
{
    if (col->message) {
        const char *m = kigen_message(W->c, col->msg_output, R->o->lang);
        if (m)
            out_json_str(o, m, strlen(m));
        else
            out_bytes(o, "null", 4);
        return;
    }
    if (v->type == KIGEN_T_NONE || v->type == KIGEN_T_ERROR) {
        out_bytes(o, "null", 4);
    } else if (v->type == KIGEN_T_BOOL) {
        out_bytes(o, v->u.b ? "true" : "false", v->u.b ? 4 : 5);
    } else if (v->type == KIGEN_T_INT) {
        out_int(o, (long long)v->u.i);
    } else if (v->type == KIGEN_T_DATE && !R->o->era) {
        out_char(o, '"');
        out_date_iso(o, v->u.date);
        out_char(o, '"');
    } else {
        size_t n;
        const char *s = value_text(R, W, col, v, &n);
        out_json_str(o, s, n);
    }
}

void eval_table_cell(cli_out *o, bool first, const char *s, size_t n)
{
    if (!first)
        out_char(o, '\t');
    size_t need = kg_escape_line(NULL, 0, s, n);
    char small[256];
    char *e = need < sizeof small ? small : malloc(need + 1);
    if (!e) {
        o->err = 12; /* ENOMEM */
        return;
    }
    kg_escape_line(e, need + 1, s, n);
    out_bytes(o, e, need);
    if (e != small)
        free(e);
}

/* ---- one record ----------------------------------------------------------------- */

/* The record's pass-through fields by column (NULL: not in this record). */
static void pass_slots(const run *R, const block *b, const brec *r, const bfield **slot)
{
    for (int p = 0; p < R->in.npass; p++)
        slot[p] = NULL;
    for (int i = 0; i < r->n; i++) {
        const bfield *f = fld(b, r, i);
        if (f->pass >= 0 && !slot[f->pass])
            slot[f->pass] = f;
    }
}

/* A pass-through value as text; *dumped is set when it had to be made
 * (a JSON list or object, freed by the caller). */
static const char *pass_text(const bfield *f, const brec *r, char **dumped)
{
    *dumped = NULL;
    if (!f)
        return NULL;
    if (f->value)
        return f->value;
    json_t *orig = r->json ? json_object_get(r->json, f->name) : NULL;
    if (orig && !json_is_null(orig))
        return *dumped = json_dumps(orig, JSON_COMPACT | JSON_ENCODE_ANY);
    return NULL;
}

/* The record's id: the first pass-through column it gives, or NULL. */
static const char *record_id(const run *R, const bfield *const *slot)
{
    for (int p = 0; p < R->in.npass; p++)
        if (slot[p] && slot[p]->value)
            return slot[p]->value;
    return NULL;
}

static void report(const run *R, block *b, const brec *r, const bfield *const *slot, const char *error)
{
    bool ja = R->o->ja;
    const char *id = record_id(R, slot);
    if (id)
        block_msg(b, ja ? "レコード %ld（%ld行目、%s %.*s）: %s" : "record %ld (line %ld, %s %.*s): %s",
                  r->number, r->line, R->in.pass[0], kg_utf8_fit(id, 100), id, error);
    else if (r->line)
        block_msg(b, ja ? "レコード %ld（%ld行目）: %s" : "record %ld (line %ld): %s", r->number, r->line,
                  error);
    else
        block_msg(b, ja ? "レコード %ld: %s" : "record %ld: %s", r->number, error);
}

/* Is name one of the keys kigen writes in a JSON record? */
static bool own_key(const run *R, const char *name)
{
    if (strcmp(name, R->errcol) == 0 || strcmp(name, R->reccol) == 0)
        return true;
    for (int k = 0; k < R->ncols; k++)
        if (strcmp(name, R->cols[k].name) == 0)
            return true;
    return false;
}

static void write_jsonl(const run *R, worker *W, block *b, const brec *r, const kigen_value *vals,
                        bool evaluated, const char *error)
{
    cli_out *o = &b->out;
    out_char(o, '{');
    bool first = true;
    for (int i = 0; i < r->n; i++) {
        const bfield *f = fld(b, r, i);
        if (f->fact != CLI_COL_PASS || (f->pass < 0 && (!R->carry_all_json || own_key(R, f->name))))
            continue; /* (a key named like kigen's own: the record's error says so) */
        if (!first)
            out_char(o, ',');
        first = false;
        out_json_str(o, f->name, strlen(f->name));
        out_char(o, ':');
        json_t *orig = r->json ? json_object_get(r->json, f->name) : NULL;
        if (orig) {
            char *s = json_dumps(orig, JSON_COMPACT | JSON_ENCODE_ANY); /* numbers stay numbers */
            out_str(o, s ? s : "null");
            free(s);
        } else if (f->value) {
            out_json_str(o, f->value, f->len);
        } else {
            out_bytes(o, "null", 4);
        }
    }
    for (int k = 0; evaluated && k < R->ncols; k++) {
        if (!R->cols[k].message && vals[k].type == KIGEN_T_ERROR)
            continue; /* the record's error says why */
        if (!first)
            out_char(o, ',');
        first = false;
        out_json_str(o, R->cols[k].name, strlen(R->cols[k].name));
        out_char(o, ':');
        json_value(R, W, o, &R->cols[k], &vals[k]);
    }
    if (*error) {
        if (!first)
            out_char(o, ',');
        out_json_str(o, R->reccol, strlen(R->reccol));
        out_char(o, ':');
        out_int(o, r->number);
        out_char(o, ',');
        out_json_str(o, R->errcol, strlen(R->errcol));
        out_char(o, ':');
        out_json_str(o, error, strlen(error));
    }
    out_char(o, '}');
    out_eol(o);
}

static void write_row(const run *R, worker *W, block *b, const brec *r, const bfield *const *slot,
                      const kigen_value *vals, bool evaluated, const char *error)
{
    cli_out *o = &b->out;
    bool table = R->o->out_fmt == OUT_TABLE;
    char delim = R->o->delimiter ? R->o->delimiter : ',';
    int width = 0;
    for (int p = 0; p < R->in.npass; p++) {
        char *dumped;
        const char *v = pass_text(slot[p], r, &dumped);
        size_t n = v ? (v == slot[p]->value ? slot[p]->len : strlen(v)) : 0;
        if (table)
            eval_table_cell(o, width == 0, v ? v : "", n);
        else {
            if (width)
                out_char(o, delim);
            out_csv(o, v ? v : "", n, delim);
        }
        width++;
        free(dumped);
    }
    for (int k = 0; k < R->ncols; k++) {
        if (table) {
            size_t n = 0;
            const char *s = evaluated ? value_text(R, W, &R->cols[k], &vals[k], &n) : "";
            eval_table_cell(o, width == 0, s, n);
        } else {
            if (width)
                out_char(o, delim);
            if (evaluated)
                csv_value(R, W, o, &R->cols[k], &vals[k], delim);
        }
        width++;
    }
    char full[1200];
    full[0] = '\0'; /* not = "": that zeroes all of it, per record */
    if (*error)
        snprintf(full, sizeof full, R->o->ja ? "レコード %ld: %s" : "record %ld: %s", r->number, error);
    if (table) {
        eval_table_cell(o, width == 0, full, strlen(full));
        out_char(o, '\n');
    } else {
        if (width)
            out_char(o, delim);
        out_csv(o, full, strlen(full), delim);
        out_eol(o);
    }
}

/* A JSON Lines record read raw: parsed here, its fields classified with
 * this worker's own cache (the reader would decide the same). */
static void parse_raw(const run *R, worker *W, const brec *raw, brec *r, char *err, size_t errlen)
{
    *r = *raw;
    kg_jsonl *jp = W->jp;
    if (kg_jsonl_parse(jp, raw->raw, raw->rawlen, raw->line, R->o->ja, err, errlen) != 1) {
        r->readrc = -1;
        r->readerr = err;
        r->n = 0;
        return;
    }
    for (int i = 0; i < jp->n; i++) {
        bfield *f = &W->fields[i];
        memset(f, 0, sizeof *f);
        f->name = jp->names[i];
        f->value = jp->values[i];
        f->len = f->value ? strlen(f->value) : 0;
        f->unusable = jp->unusable[i];
        struct col_class k;
        eval_classify(R, &W->cols, f->name, &k);
        f->fact = k.fact;
        f->pass = k.pass;
        f->why = k.why;
    }
    r->n = jp->n;
    r->fields = W->fields;
    r->json = jp->json;
}

static void do_record(const run *R, worker *W, block *b, const brec *r, const bfield **slot,
                      kigen_value *vals)
{
    brec parsed;
    char jerr[600];
    if (r->raw) {
        parse_raw(R, W, r, &parsed, jerr, sizeof jerr);
        r = &parsed;
    }
    const eval_opts *o = R->o;
    kigen_ctx *c = W->c;
    char error[1024];
    error[0] = '\0'; /* not = "": that zeroes all of it, per record */
    bool evaluated = false;
    pass_slots(R, b, r, slot);
    if (r->readrc != 1)
        snprintf(error, sizeof error, "%s", r->readerr ? r->readerr : "");
    else {
        apply(R, W, b, r, error, sizeof error);
        /* A JSON key that is not a fact and not a column of this output is
         * said, not silently dropped. */
        for (int i = 0; o->in_fmt == KG_FMT_JSONL && !R->carry_all_json && i < r->n; i++) {
            const bfield *f = fld(b, r, i);
            if (f->fact == CLI_COL_PASS && f->pass < 0)
                block_msg(
                    b,
                    o->ja ? "レコード %ld（%ld行目）: "
                            "キー「%s」は項目でも出力の列でもないため出力しません（すべてのキーを残すには "
                            "--format jsonl）"
                          : "record %ld (line %ld): key '%s' is not a fact and not a column of this "
                            "output, so it is not carried (use --format jsonl to carry every key)",
                    r->number, r->line, f->name);
        }
        /* JSON Lines to JSON Lines: a key first seen after the first record
         * is carried, but not one named like a key kigen writes (an output,
         * the error, the record number): the object would hold it twice,
         * and a reader could take the input's for kigen's */
        for (int i = 0; R->carry_all_json && !error[0] && i < r->n; i++) {
            const bfield *f = fld(b, r, i);
            if (f->fact == CLI_COL_PASS && f->pass < 0 && own_key(R, f->name))
                snprintf(error, sizeof error,
                         o->ja ? "キー「%s」は kigen が書く列と同じ名前です（名前を変えてください）"
                               : "key '%s' has the name of a key kigen writes; rename it",
                         f->name);
        }
        if (!error[0]) {
            /* the record's number and id reach policy scripts (rec.record,
             * rec.id) and their messages */
            const char *id = record_id(R, slot);
            (void)kigen_set_record(c, r->number, id && id[0] ? id : NULL);
            int rc = kigen_eval(c);
            /* A failing policy hook leaves the rule outputs readable; a
             * chosen value that is an error fails the record (with
             * --outputs, only the chosen ones are computed). */
            evaluated = rc == KIGEN_OK || rc == KIGEN_EEVAL || rc == KIGEN_ELUA;
            if (rc != KIGEN_OK) {
                const char *m = kigen_errmsg(c);
                size_t wl = R->where_name ? strlen(R->where_name) : 0;
                if (wl && strncmp(m, R->where_name, wl) == 0 && m[wl] == ':')
                    snprintf(error, sizeof error, "--where%s", m + wl); /* not kigen's rule name */
                else
                    snprintf(error, sizeof error, "%s", m);
            }
            for (int k = 0; evaluated && k < R->ncols; k++) {
                if (R->cols[k].message || !col_get(c, &R->cols[k], &vals[k]))
                    vals[k].type = KIGEN_T_NONE;
                else if (vals[k].type == KIGEN_T_ERROR && !error[0])
                    snprintf(error, sizeof error, "%s: %.*s", R->cols[k].name, (int)vals[k].u.str.len,
                             vals[k].u.str.ptr);
            }
            /* the library ends a script's message with the record; the
             * error column and the report name it already: once */
            if (error[0]) {
                char plain[sizeof error];
                const char *p = cli_without_record_label(error, r->number, id, plain, sizeof plain);
                if (p != error)
                    memcpy(error, plain, strlen(plain) + 1);
            }
        }
    }
    if (evaluated && W->where >= 0) {
        /* The condition decides whenever it has a value, even when another
         * output of the record failed (the record was asked out); only a
         * condition that is itself an error keeps the record, with that
         * error, and a record that could not be evaluated stays too. */
        kigen_value v;
        if (kigen_get(c, W->where, &v) != KIGEN_OK)
            v.type = KIGEN_T_NONE;
        if (v.type == KIGEN_T_ERROR) {
            if (!error[0])
                snprintf(error, sizeof error, "--where: %.*s", (int)v.u.str.len, v.u.str.ptr);
        } else if (v.type != KIGEN_T_BOOL || !v.u.b) {
            return; /* the condition does not hold (false, or no value): left out */
        }
    }
    if (error[0]) {
        b->failed++;
        report(R, b, r, slot, error);
        const char *tb = cli_debug_lua && evaluated ? kigen_lua_traceback(c) : NULL;
        for (const char *p = tb; p && *p;) {
            const char *e = strchr(p, '\n');
            int n = e ? (int)(e - p) : (int)strlen(p);
            block_msg(b, "    %.*s", n, p);
            p += n + (e ? 1 : 0);
        }
    }
    b->kept++;
    if (o->out_fmt == OUT_JSONL)
        write_jsonl(R, W, b, r, vals, evaluated, error);
    else
        write_row(R, W, b, r, slot, vals, evaluated, error);
}

void eval_work_block(void *ud, int wi, void *bp)
{
    run *R = ud;
    worker *W = &R->w[wi];
    block *b = bp;
    kigen_value vals[MAX_COLS];
    for (int i = 0; i < b->nrec; i++)
        do_record(R, W, b, &b->recs[i], W->slot, vals);
}
