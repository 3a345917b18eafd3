/* Fuzz date reading (ISO and era forms): a date that parses prints back
 * and parses to the same day. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kigen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kigen_date d, back;
    char err[256], buf[64];
    if (kigen_date_parse((const char *)data, size, &d, err, sizeof err) != KIGEN_OK)
        return 0;
    if (!kigen_date_valid(d))
        abort();
    if (kigen_date_format_iso(d, buf, sizeof buf) != KIGEN_OK ||
        kigen_date_parse(buf, strlen(buf), &back, NULL, 0) != KIGEN_OK || back != d)
        abort();
    if (kigen_date_format_era(d, KIGEN_ERA_KANJI, buf, sizeof buf) == KIGEN_OK &&
        (kigen_date_parse(buf, strlen(buf), &back, NULL, 0) != KIGEN_OK || back != d))
        abort();
    return 0;
}
