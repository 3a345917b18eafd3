/* Fuzz the batch readers: the first byte picks CSV or JSON Lines. Every
 * record must come back as a record or as an error, never lost. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    kg_reader_opts o = {(data[0] & 1) ? KG_FMT_JSONL : KG_FMT_CSV, (data[0] & 2) ? ';' : ',',
                        (data[0] & 4) ? "cp932" : NULL, (data[0] & 8) != 0, NULL};
    char err[200];
    kg_reader *r = kg_reader_open_mem((const char *)data + 1, size - 1, &o, err, sizeof err);
    /* JSON Lines: a second reader returns the same input raw, parsed as the
     * workers of kigen eval parse it (kg_jsonl_parse); every record must come
     * out the same both ways: the same status, fields, values and message */
    kg_reader *raw = o.fmt == KG_FMT_JSONL ? kg_reader_open_mem((const char *)data + 1, size - 1, &o, err, sizeof err)
                                           : NULL;
    static kg_jsonl jp;
    if (!r) {
        kg_reader_free(raw);
        return 0;
    }
    kg_reader_set_raw(raw, true);
    long last = 0;
    for (int guard = 0; guard < 100000; guard++) {
        kg_record rec;
        int rc = kg_reader_next(r, &rec);
        if (raw) {
            kg_record rr;
            char jerr[600];
            int rrc = kg_reader_next(raw, &rr);
            if (rrc == 1 && rr.raw) {
                rrc = kg_jsonl_parse(&jp, rr.raw, rr.rawlen, rr.line, o.ja, jerr, sizeof jerr);
                if (rrc == 1) {
                    rr.n = jp.n;
                    rr.names = jp.names;
                    rr.values = jp.values;
                    rr.unusable = jp.unusable;
                } else if (rc == -1 && strcmp(jerr, kg_reader_error(r)) != 0) {
                    abort(); /* not the reader's message */
                }
            }
            if (rrc != rc || rr.number != rec.number || rr.line != rec.line || (rc == 1 && rr.n != rec.n))
                abort();
            for (int i = 0; rc == 1 && i < rec.n; i++) {
                if (strcmp(rr.names[i], rec.names[i]) != 0 || !rr.values[i] != !rec.values[i] ||
                    (rec.values[i] && strcmp(rr.values[i], rec.values[i]) != 0) ||
                    !rr.unusable[i] != !rec.unusable[i])
                    abort();
            }
        }
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
    kg_jsonl_free(&jp);
    kg_reader_free(r);
    kg_reader_free(raw);
    return 0;
}
