/* What every transport shares (transport.h). */
#include "card/transport.h"

#include <stdlib.h>

void kg_card_free_names(char **names, size_t n)
{
    if (!names)
        return;
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}
