/* kigen-jget: read one value out of a JSON document, for the integration
 * test (no jq or python needed; jansson is a dependency already).
 *   kigen-jget FILE|- PATH     PATH: keys and array indexes joined by '.'
 *                              ("readers.0.token"); prints strings raw,
 *                              other values as JSON; exit 1 when missing
 *   kigen-jget FILE|- --keys   the top-level keys, one per line, in order
 *   kigen-jget FILE|- --lines  how many JSON documents (JSON Lines) there are */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: kigen-jget FILE|- PATH|--keys|--lines\n");
        return 2;
    }
    FILE *f = strcmp(argv[1], "-") == 0 ? stdin : fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    json_error_t e;
    if (strcmp(argv[2], "--lines") == 0) {
        int n = 0;
        json_t *j;
        while ((j = json_loadf(f, JSON_DISABLE_EOF_CHECK, &e)) != NULL) {
            n++;
            json_decref(j);
        }
        printf("%d\n", n);
        return 0;
    }
    json_t *root = json_loadf(f, JSON_DISABLE_EOF_CHECK, &e);
    if (f != stdin)
        fclose(f);
    if (!root) {
        fprintf(stderr, "kigen-jget: %s: line %d: %s\n", argv[1], e.line, e.text);
        return 2;
    }
    int rc = 0;
    if (strcmp(argv[2], "--keys") == 0) {
        const char *k;
        json_t *v;
        json_object_foreach(root, k, v) puts(k);
    } else {
        char *path = strdup(argv[2]);
        json_t *cur = root;
        for (char *tok = strtok(path, "."); tok && cur; tok = strtok(NULL, ".")) {
            if (json_is_array(cur))
                cur = json_array_get(cur, (size_t)strtoul(tok, NULL, 10));
            else
                cur = json_object_get(cur, tok);
        }
        free(path);
        if (!cur) {
            puts("<missing>");
            rc = 1;
        } else if (json_is_string(cur)) {
            puts(json_string_value(cur));
        } else {
            char *s = json_dumps(cur, JSON_COMPACT | JSON_ENCODE_ANY);
            puts(s ? s : "?");
            free(s);
        }
    }
    json_decref(root);
    return rc;
}
