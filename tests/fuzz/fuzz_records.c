/* Fuzz the batch readers: the first byte picks CSV or JSON Lines. Every
 * record must come back as a record or as an error, never lost. */
#include <stdint.h>
#include <stdlib.h>

#include "cli/records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    kg_reader_opts o = {(data[0] & 1) ? KG_FMT_JSONL : KG_FMT_CSV, (data[0] & 2) ? ';' : ',',
                        (data[0] & 4) ? "cp932" : NULL, (data[0] & 8) != 0};
    char err[200];
    kg_reader *r = kg_reader_open_mem((const char *)data + 1, size - 1, &o, err, sizeof err);
    if (!r)
        return 0;
    long last = 0;
    for (int guard = 0; guard < 100000; guard++) {
        kg_record rec;
        int rc = kg_reader_next(r, &rec);
        if (rc == 0 || rc == -2)
            break;
        /* records are numbered without gaps */
        if (rec.number != last + 1)
            abort();
        last = rec.number;
        for (int i = 0; rc == 1 && i < rec.n; i++)
            if (!rec.names[i])
                abort();
    }
    kg_reader_free(r);
    return 0;
}
