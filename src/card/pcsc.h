/* The PC/SC transport over pcsc-lite (pcsc.c). */
#ifndef KIGEN_CARD_PCSC_H
#define KIGEN_CARD_PCSC_H

#include "card/transport.h"

/* Its operations, and a new state for them (the PC/SC context is
 * established lazily, at the first call that needs it). */
extern const kg_card_transport_ops kg_pcsc_ops;
void *kg_pcsc_new(void);

#endif
