/* Fuzz the timeline's layout reader and the chart it drives: an input is a
 * layout file (YAML: lanes, windows, markers naming the pack's values). What
 * reads, and passes the check against the national pack, is built into a
 * chart for two residents (one with every certificate, one a child with
 * none) and drawn as text and as SVG, in English and Japanese, ISO and era
 * dates. The first byte picks the resident and the language. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/out.h"
#include "cli/timeline.h"
#include "kigen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static kigen_ctx *residents[2];

static kigen_ctx *resident(int which)
{
    static kigen_ruleset *rs;
    if (!rs && kigen_load_file(KIGEN_SOURCE_DIR "/rules/jp/mynumber.yaml", NULL, &rs, NULL) != KIGEN_OK)
        abort(); /* the pack itself must load */
    if (!residents[which]) {
        static const char *const facts[2][3][2] = {
            {{"birth_date", "2004-04-02"},
             {"card_issue_date", "2022-04-01"},
             {"application_date", "2022-03-15"}},
            {{"birth_date", "2015-06-30"},
             {"card_issue_date", "2020-02-29"},
             {"sign_cert_requested", "false"}},
        };
        if (kigen_ctx_new(rs, &residents[which]) != KIGEN_OK)
            abort();
        kigen_set_today(residents[which], 740000);
        for (int i = 0; i < 3; i++)
            kigen_set(residents[which], facts[which][i][0], facts[which][i][1]);
        (void)kigen_eval(residents[which]);
    }
    return residents[which];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned pick = size ? data[0] : 0;
    tl_layout l;
    if (!tl_layout_parse(&l, "fuzz.timeline.yaml", (const char *)data, size))
        return 0;
    const kigen_ctx *c = resident(pick & 1);
    if (tl_layout_check(&l, c)) {
        tl_chart ch = {0};
        ch.title = "fuzz";
        ch.subtitle = "a resident";
        ch.ja = pick & 2;
        ch.era = pick & 4;
        ch.today = 740000;
        if (tl_chart_build(&ch, &l, c)) {
            cli_out o;
            out_open(&o, CLI_OUT_MEMORY);
            tl_render_text(&ch, &o);
            out_reset(&o);
            tl_render_svg(&ch, &o);
            (void)out_close(&o, false);
        }
        tl_chart_free(&ch);
    }
    tl_layout_free(&l);
    return 0;
}
