/* The instruction set of compiled rule programs, as one X-macro list
 * (Lua's lopcodes.h, jq's opcode_list.h): exec.c runs them, compile.c
 * emits them, program_text.c prints them, all from this table.
 *
 *   X(NAME, labels, "what it does")
 *
 * labels: which operands are jump targets (KG_LX: x, KG_LB: b), so that
 * the compiler can relocate a slot's code when it joins the program.
 * Registers: R[...]; K[...] are constants, which live in registers too.
 * Every specialised instruction (…_D dates, …_I integers, …_S strings)
 * has a fast path for present values of its types and falls back to the
 * shared semantics (eval.h) for anything else, so absent values and
 * errors behave exactly as in the tree walker. */
#ifndef KIGEN_RT_OPCODES_H
#define KIGEN_RT_OPCODES_H

#define KG_LX 1
#define KG_LB 2

#define KG_OPCODES(X)                                                                                        \
    X(HALT, 0, "stop")                                                                                       \
    X(MOVE, 0, "R[dst] = R[a]")                                                                              \
    X(MOVEJ, KG_LX, "R[dst] = R[a], goto x (a branch's value, then its end)")                                \
    X(LOADIN, 0, "R[dst] = the record's value of fact dst (given: known at compile time)")                   \
    X(FACT, KG_LX, "if fact dst is given: R[dst] = its value, goto x (else run its default)")                \
    X(JMP, KG_LX, "goto x")                                                                                  \
    X(JERR, KG_LX, "if R[a] is an error: R[dst] = R[a], goto x")                                             \
    X(JCOND, KG_LX | KG_LB, "if R[a] is an error: R[dst] = R[a], goto b; if not true: goto x")               \
    X(JAND, KG_LX, "if R[a] is an error or false: R[dst] = R[a], goto x")                                    \
    X(JOR, KG_LX, "if R[a] is an error or true: R[dst] = R[a], goto x")                                      \
    X(AND2, 0, "R[dst] = R[a] and R[b] (Kleene; R[a] is neither an error nor false)")                        \
    X(OR2, 0, "R[dst] = R[a] or R[b] (Kleene; R[a] is neither an error nor true)")                           \
    X(JNOTVAL, KG_LX, "if R[a] is absent or an error: R[dst] = R[a], goto x")                                \
    X(INTEST, KG_LX, "if R[b] is an error: R[dst] = R[b], goto x; if R[b] = R[a]: R[dst] = true, goto x")    \
    X(PARAM, 0, "R[dst] = param x read on the date R[a]")                                                    \
    X(UNOP, 0, "R[dst] = (operator of node x) R[a]")                                                         \
    X(NOT_B, 0, "R[dst] = not R[a]")                                                                         \
    X(BINOP, 0, "R[dst] = R[a] (operator n) R[b]")                                                           \
    X(ADD_DD, 0, "R[dst] = date R[a] + days R[b]")                                                           \
    X(SUB_DD, 0, "R[dst] = date R[a] - days R[b]")                                                           \
    X(SUB_D, 0, "R[dst] = date R[a] - date R[b] (days)")                                                     \
    X(ADD_I, 0, "R[dst] = R[a] + R[b]")                                                                      \
    X(SUB_I, 0, "R[dst] = R[a] - R[b]")                                                                      \
    X(EQ_D, 0, "R[dst] = date R[a] == R[b]")                                                                 \
    X(NE_D, 0, "R[dst] = date R[a] != R[b]")                                                                 \
    X(LT_D, 0, "R[dst] = date R[a] < R[b]")                                                                  \
    X(LE_D, 0, "R[dst] = date R[a] <= R[b]")                                                                 \
    X(GT_D, 0, "R[dst] = date R[a] > R[b]")                                                                  \
    X(GE_D, 0, "R[dst] = date R[a] >= R[b]")                                                                 \
    X(EQ_I, 0, "R[dst] = integer R[a] == R[b]")                                                              \
    X(NE_I, 0, "R[dst] = integer R[a] != R[b]")                                                              \
    X(LT_I, 0, "R[dst] = integer R[a] < R[b]")                                                               \
    X(LE_I, 0, "R[dst] = integer R[a] <= R[b]")                                                              \
    X(GT_I, 0, "R[dst] = integer R[a] > R[b]")                                                               \
    X(GE_I, 0, "R[dst] = integer R[a] >= R[b]")                                                              \
    X(EQ_S, 0, "R[dst] = text or enum value R[a] == R[b]")                                                   \
    X(NE_S, 0, "R[dst] = text or enum value R[a] != R[b]")                                                   \
    X(GIVEN, 0, "R[dst] = given(A[0]) (calls: A[k] = R[args[a + k]], the argument table)")                   \
    X(CALL, 0, "R[dst] = function x (A[0] .. A[n-1])")                                                       \
    X(NTHBDAY, 0, "R[dst] = nth_birthday(A[0], A[1], A[2], feb29 policy b) (function x)")                    \
    X(AGE, 0, "R[dst] = age(A[0], A[1], method and feb29 policy b) (function x)")                            \
    X(ADDM, 0, "R[dst] = add(A[0], months A[1], end-of-month policy b) (function x)")                        \
    X(EARLIEST, 0, "R[dst] = earliest(A[0] .. A[n-1]) (function x)")                                         \
    X(LATEST, 0, "R[dst] = latest(A[0] .. A[n-1]) (function x)")

typedef enum kg_opcode {
#define KG_OPCODE_ENUM(name, labels, doc) KG_##name,
    KG_OPCODES(KG_OPCODE_ENUM)
#undef KG_OPCODE_ENUM
        KG_NOPCODES
} kg_opcode;

/* The jump-target operands of an opcode (KG_LX, KG_LB). */
static inline int kg_opcode_labels(int op)
{
    static const unsigned char labels[] = {
#define KG_OPCODE_LABELS(name, labels, doc) labels,
        KG_OPCODES(KG_OPCODE_LABELS)
#undef KG_OPCODE_LABELS
    };
    return op >= 0 && op < KG_NOPCODES ? labels[op] : 0;
}

#endif
