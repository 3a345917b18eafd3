/* The checker, for the functions that check their calls beyond their
 * signature (kg_fn.check in model/fn.h): report, and unify types. */
#ifndef KIGEN_SEMA_CHECK_H
#define KIGEN_SEMA_CHECK_H

#include "model/fn.h"

typedef struct kg_chk kg_chk;

/* An error at expression e (a diagnostic with the expression's position). */
void kg_chk_err(kg_chk *c, const char *code, const kg_expr *e, const char *expected, const char *hint,
                const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* The common type of two values (an enum widens); TK_LIST when they have none. */
kg_type kg_chk_unify(kg_chk *c, kg_type a, kg_type b);

#endif
