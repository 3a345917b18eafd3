/* The composition root of the card driver: a handle as the public API
 * gives it is the JPKI protocol (jpki.c) over the PC/SC transport
 * (pcsc.c). The only file that knows both; the tests and the fuzz target
 * wire other transports through kg_card_new_with_transport. */
#include "card/jpki.h"
#include "card/pcsc.h"

int kigen_card_new(kigen_card **out)
{
    if (!out)
        return KIGEN_EINVAL;
    *out = NULL;
    void *tp = kg_pcsc_new();
    if (!tp)
        return KIGEN_ENOMEM;
    return kg_card_new_with_transport(&kg_pcsc_ops, tp, out);
}

int kigen_card_check_version_(size_t info, size_t cert, size_t basic, size_t stats)
{
    return info == sizeof(kigen_card_info) && cert == sizeof(kigen_card_cert) &&
                   basic == sizeof(kigen_card_basic) && stats == sizeof(kigen_card_stats)
               ? KIGEN_OK
               : KIGEN_EVERSION;
}
