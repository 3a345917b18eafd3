/* Checking and linking what was loaded: names resolved (with "did you
 * mean"), types checked against signatures, the dependency order found
 * without recursion (cycles reported), outputs, messages, sources and the
 * name indexes linked, warnings. */
#ifndef KIGEN_SEMA_SEMA_H
#define KIGEN_SEMA_SEMA_H

#include "front/load.h"

void kg_check(kg_loader *L);

#endif
