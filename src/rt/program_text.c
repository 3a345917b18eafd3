/* A compiled program as text, as SQLite's EXPLAIN prints a VDBE program:
 * one instruction per line with its operands named (slots by their
 * names, constants by their values, temporaries as t0, t1, ...), then the
 * constant slots the program installs, so that a rule author can see what
 * runs for a given selection and record shape. */
#include <stdio.h>
#include <string.h>

#include "base/text.h"
#include "rt/program.h"

static const char *const op_names[] = {
#define KG_OPCODE_NAME(name, labels, doc) #name,
    KG_OPCODES(KG_OPCODE_NAME)
#undef KG_OPCODE_NAME
};

static const char *const ast_ops[] = {"lit", "fact", "rule", "param", "name", "-",    "not", "+", "-",
                                      "*",   "/",    "%",    "==",    "!=",   "<",    "<=",  ">", ">=",
                                      "and", "or",   "if",   "in",    "list", "call", "dur"};

static void put_val(kg_buf *b, const kg_val *v)
{
    char tmp[96];
    if (v->t == VT_NONE) {
        kg_buf_puts(b, "none");
        return;
    }
    if (v->t == VT_STR || v->t == VT_ERR) {
        size_t n = v->len > 60 ? 60 : v->len;
        char esc[256];
        kg_escape_line(esc, sizeof esc, v->u.s, n);
        kg_buf_printf(b, "%s'%s%s'", v->t == VT_ERR ? "error " : "", esc, v->len > 60 ? "..." : "");
        return;
    }
    kg_val_format(v, tmp, sizeof tmp);
    kg_buf_puts(b, tmp);
}

static void put_reg(const kigen_ctx *c, const kg_prog *p, kg_buf *b, int r)
{
    if (r < c->rs->nslots)
        kg_buf_puts(b, c->rs->slots[r]->name);
    else if (r < p->kbase + p->nk)
        put_val(b, &p->k[r - p->kbase]);
    else if (r < p->mbase)
        kg_buf_printf(b, "t%d", r - p->kbase - p->nk);
    else
        kg_buf_printf(b, "m%d", r - p->mbase);
}

void kg_prog_text(const kigen_ctx *c, const kg_prog *p, kg_buf *b)
{
    const kigen_ruleset *rs = c->rs;
    kg_buf_printf(
        b, "program: %d instructions, %d registers (%d values, %d constants, %d temporaries, %d memos)\n",
        p->ncode, p->nregs, rs->nslots, p->nk, p->mbase - rs->nslots - p->nk, p->nregs - p->mbase);
    if (p->shaped) {
        kg_buf_puts(b, "specialised to the facts given:");
        int n = 0;
        for (int f = 0; f < rs->nfacts; f++)
            if ((p->given[f / 64] >> (f % 64)) & 1) {
                kg_buf_printf(b, " %s", rs->slots[f]->name);
                n++;
            }
        kg_buf_puts(b, n ? "\n" : " (none)\n");
    } else {
        kg_buf_puts(b, "generic: facts are read when the record is evaluated\n");
    }
    kg_buf_puts(b, "addr  opcode    dst                        operands\n");
    for (int pc = 0; pc < p->ncode; pc++) {
        const kg_ins *in = &p->code[pc];
        int op = in->op, lab = kg_opcode_labels(op);
        kg_buf_printf(b, "%-5d %-9s ", pc, op_names[op]);
        if (op == KG_HALT || op == KG_JMP) {
            if (op == KG_JMP)
                kg_buf_printf(b, "%-26s -> %d", "", in->x);
            kg_buf_putc(b, '\n');
            continue;
        }
        size_t at = b->len;
        put_reg(c, p, b, in->dst);
        size_t w = b->len - at;
        for (; w < 26; w++)
            kg_buf_putc(b, ' ');
        kg_buf_putc(b, ' ');
        switch (op) {
        case KG_LOADIN: kg_buf_puts(b, "(the record's value)"); break;
        case KG_FACT: kg_buf_printf(b, "given -> %d", in->x); break;
        case KG_PARAM:
            kg_buf_printf(b, "%s@", rs->params[in->x]->name);
            put_reg(c, p, b, in->a);
            break;
        case KG_UNOP:
            kg_buf_printf(b, "%s ", ast_ops[p->nodes[in->x]->op]);
            put_reg(c, p, b, in->a);
            break;
        case KG_CALL:
        case KG_NTHBDAY:
        case KG_AGE:
        case KG_ADDM:
        case KG_EARLIEST:
        case KG_LATEST:
        case KG_GIVEN:
            kg_buf_printf(b, "%s(", p->fns[in->x]->name);
            for (int k = 0; k < in->n; k++) {
                if (k)
                    kg_buf_puts(b, ", ");
                put_reg(c, p, b, p->args[in->a + k]);
            }
            kg_buf_putc(b, ')');
            break;
        case KG_BINOP:
            put_reg(c, p, b, in->a);
            kg_buf_printf(b, " %s ", in->n < sizeof ast_ops / sizeof *ast_ops ? ast_ops[in->n] : "?");
            put_reg(c, p, b, in->b);
            break;
        default:
            put_reg(c, p, b, in->a);
            if (op != KG_MOVE && op != KG_MOVEJ && op != KG_NOT_B && !(lab & KG_LB) && op != KG_JERR &&
                op != KG_JAND && op != KG_JOR && op != KG_JNOTVAL) {
                kg_buf_puts(b, ", ");
                put_reg(c, p, b, in->b);
            }
            if (lab & KG_LX)
                kg_buf_printf(b, " -> %d", in->x);
            if (lab & KG_LB)
                kg_buf_printf(b, " (error -> %d)", in->b);
            break;
        }
        kg_buf_putc(b, '\n');
    }
    if (p->nconst_slots) {
        kg_buf_puts(b, "constant values (folded at compile time):\n");
        for (int i = 0; i < p->nconst_slots; i++) {
            kg_buf_printf(b, "      %-36s = ", rs->slots[p->const_slots[i]]->name);
            put_val(b, &p->const_vals[i]);
            kg_buf_putc(b, '\n');
        }
    }
    if (p->ncheck_facts) {
        kg_buf_puts(b, "facts checked after the run (missing or failed):");
        for (int i = 0; i < p->ncheck_facts; i++)
            kg_buf_printf(b, " %s", rs->slots[p->check_facts[i]]->name);
        kg_buf_putc(b, '\n');
    }
}
