/* The card handle and the JPKI protocol over any transport (jpki.c). */
#ifndef KIGEN_CARD_JPKI_H
#define KIGEN_CARD_JPKI_H

#include "card/transport.h"

/* A handle over any transport. The handle takes `self` over: it calls
 * ops->destroy(self) from kigen_card_free (also when this fails). */
int kg_card_new_with_transport(const kg_card_transport_ops *ops, void *self, kigen_card **out);

#endif
