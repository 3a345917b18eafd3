/* kigen describe: what a rule pack asks for and gives (facts, params and
 * their versions, outputs), for a person (text), a program (JSON: the
 * library's kigen_describe_json, unchanged) or a spreadsheet (--template:
 * the CSV header of the facts). */
#include <jansson.h>
#include <string.h>

#include "base/mem.h"
#include "base/text.h"
#include "cli/common.h"

static const char describe_help[] =
    "usage: kigen describe --rules RULES [--format text|json] [--template]\n"
    "\n"
    "Show what a rule pack needs and gives: its facts (the columns of a record:\n"
    "type, choices, aliases, required or default, range, doc), its params (the\n"
    "law's numbers and dates, each version with the day it took effect; an enum\n"
    "param's choices are the readings --param can switch to) and its outputs\n"
    "(type, the outcomes that have messages, doc).\n"
    "\n"
    "  --rules RULES         the rule file, or a pack's name (jp/mynumber)\n"
    "  --format text|json    text for people (default), JSON for programs\n"
    "  --template            print only a CSV header line naming every fact, to\n"
    "                        fill in a spreadsheet for kigen eval --input\n"
    "\n"
    "Exit status: 0 described, 2 usage error or a rule file that does not load.\n";

static int to_buf(void *ud, const char *s, size_t n)
{
    kg_buf *b = ud;
    kg_buf_put(b, s, n);
    return b->failed ? -1 : 0;
}

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* "a, b, c" of a JSON array of strings or integers. */
static void join(char *out, size_t cap, const json_t *arr)
{
    size_t used = 0, i;
    json_t *v;
    out[0] = '\0';
    json_array_foreach(arr, i, v)
    {
        char one[64];
        if (json_is_integer(v))
            snprintf(one, sizeof one, "%lld", (long long)json_integer_value(v));
        int n = snprintf(out + used, cap - used, "%s%s", i ? ", " : "",
                         json_is_string(v) ? json_string_value(v) : one);
        if (n < 0 || (size_t)n >= cap - used)
            break;
        used += (size_t)n;
    }
}

/* A doc line, wrapped at spaces to fit 80 display columns after a
 * 6-column indent (a run with no space, e.g. Japanese, is kept whole). */
static void wrapped(const char *label, const char *text)
{
    char line[4096];
    snprintf(line, sizeof line, "%s%s", label, text);
    const char *p = line;
    while (*p) {
        size_t n = strlen(p), take = n;
        if (kg_display_width(p, n) > 74) {
            size_t lastsp = 0;
            for (size_t k = 1; k < n && kg_display_width(p, k) <= 74; k++)
                if (p[k] == ' ')
                    lastsp = k;
            take = lastsp ? lastsp : n;
        }
        printf("      %.*s\n", (int)take, p);
        p += take;
        while (*p == ' ')
            p++;
    }
}

/* "LABEL: a, b, c" of v's array under key, wrapped; nothing without one. */
static void wrapped_list(const json_t *v, const char *key, const char *label)
{
    const json_t *arr = json_object_get(v, key);
    char list[2048];
    if (!arr)
        return;
    join(list, sizeof list, arr);
    wrapped(label, list);
}

/* NAME padded to 30 display columns (names may be Japanese), then TYPE. */
static void head(const char *name, const char *type, bool more)
{
    size_t w = kg_display_width(name, strlen(name));
    printf("  %s%*s %-*s", name, w < 30 ? (int)(30 - w) : 0, "", more ? 9 : 0, type);
}

static void print_text(const json_t *d)
{
    const json_t *arr, *v;
    size_t i;
    char list[2048];
    printf("%s\n", str(d, "name"));
    if (*str(d, "title"))
        wrapped("", str(d, "title"));
    printf("file: %s\n", str(d, "file"));

    arr = json_object_get(d, "facts");
    printf("\nfacts (%zu): a record's columns (kigen eval --input) or --set FACT=VALUE\n",
           json_array_size(arr));
    json_array_foreach(arr, i, v)
    {
        head(str(v, "name"), str(v, "type"), true);
        const char *deflt = str(v, "default");
        bool long_default = *deflt && strlen(deflt) > 80 - 43 - 10;
        if (json_is_true(json_object_get(v, "required")))
            printf(" required");
        else if (*deflt && !long_default)
            printf(" default: %s", deflt);
        else
            printf(" %s", *deflt ? "default:" : "optional");
        printf("\n");
        if (long_default)
            wrapped("default: ", deflt);
        if (*str(v, "doc"))
            wrapped("", str(v, "doc"));
        wrapped_list(v, "choices", "choices: ");
        wrapped_list(v, "aliases", "also named: ");
        for (int b = 0; b < 2; b++) {
            const json_t *bound = json_object_get(v, b ? "max" : "min");
            if (!bound)
                continue;
            if (json_is_object(bound))
                printf("      %s: param %s\n", b ? "latest" : "earliest", str(bound, "param"));
            else if (json_is_integer(bound))
                printf("      %s: %lld\n", b ? "max" : "min", (long long)json_integer_value(bound));
            else
                printf("      %s: %s\n", b ? "latest" : "earliest", json_string_value(bound));
        }
    }

    arr = json_object_get(d, "params");
    printf("\nparams (%zu): the law's numbers and dates (--param NAME=VALUE: another reading)\n",
           json_array_size(arr));
    json_array_foreach(arr, i, v)
    {
        const json_t *vals = json_object_get(v, "values"), *one;
        size_t k, used = 0;
        json_array_foreach(vals, k, one)
        {
            int n = snprintf(list + used, sizeof list - used, "%s%s%s%s", k ? ", " : "", str(one, "value"),
                             *str(one, "from") ? " from " : "", str(one, "from"));
            if (n < 0 || (size_t)n >= sizeof list - used)
                break;
            used += (size_t)n;
        }
        /* on the name's line when it fits, else a line of its own */
        bool fits = kg_display_width(list, strlen(list)) <= 80 - 43;
        head(str(v, "name"), str(v, "type"), fits);
        if (fits) {
            printf(" %s\n", list);
        } else {
            printf("\n");
            wrapped(json_array_size(vals) > 1 ? "versions: " : "value: ", list);
        }
        if (*str(v, "doc"))
            wrapped("", str(v, "doc"));
        wrapped_list(v, "choices", "readings: ");
        if (*str(v, "source"))
            wrapped("source: ", str(v, "source"));
    }

    arr = json_object_get(d, "outputs");
    printf("\noutputs (%zu): what kigen eval prints (--outputs A,B chooses)\n", json_array_size(arr));
    json_array_foreach(arr, i, v)
    {
        bool policy = json_is_true(json_object_get(v, "set_by_policy"));
        head(str(v, "name"), str(v, "type"), policy);
        if (policy)
            printf(" set by the policy script");
        printf("\n");
        if (*str(v, "doc"))
            wrapped("", str(v, "doc"));
        wrapped_list(v, "choices", "values: ");
        wrapped_list(v, "messages", "messages (ja, en) for: ");
    }
}

/* The facts' names as one CSV header line (quoted where CSV needs it). */
static void print_template(const json_t *d)
{
    const json_t *arr = json_object_get(d, "facts"), *v;
    size_t i;
    json_array_foreach(arr, i, v)
    {
        const char *n = str(v, "name");
        fputs(i ? "," : "", stdout);
        if (strpbrk(n, ",\"\r\n")) {
            putchar('"');
            for (const char *p = n; *p; p++)
                fputs(*p == '"' ? "\"\"" : (char[]){*p, 0}, stdout);
            putchar('"');
        } else
            fputs(n, stdout);
    }
    putchar('\n');
}

int cmd_describe(int argc, char **argv)
{
    const char *rules = NULL;
    bool json = false, template = false;
    int status = CLI_OK;
    kigen_ruleset *rs = NULL;
    kg_buf buf;
    json_t *doc = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!a)
            break; /* argv[argc] */
        if (cli_is_help(a)) {
            fputs(describe_help, stdout);
            return CLI_OK;
        }
        bool takes = strcmp(a, "--rules") == 0 || strcmp(a, "--format") == 0;
        if (takes && !v)
            return cli_usage_error("describe", "%s needs a value", a);
        if (strcmp(a, "--rules") == 0)
            rules = v;
        else if (strcmp(a, "--format") == 0 && v) {
            if (strcmp(v, "json") == 0)
                json = true;
            else if (strcmp(v, "text") != 0)
                return cli_usage_error("describe", "--format must be text or json, not '%s'", v);
        } else if (strcmp(a, "--template") == 0)
            template = true;
        else if (a[0] == '-')
            return cli_usage_error("describe", "unknown option '%s'", a);
        else
            return cli_usage_error("describe", "unexpected argument '%s' (the pack goes after --rules)", a);
        if (takes)
            i++;
    }
    if (!rules)
        return cli_usage_error("describe", "--rules RULES is required");
    kg_buf_init(&buf, NULL);
    if (json && template)
        return cli_usage_error("describe", "--template prints CSV; it does not go with --format json");
    if (cli_load_rules("describe", rules, false, &rs) != KIGEN_OK)
        return CLI_USAGE;
    int rc = kigen_describe_json(rs, to_buf, &buf);
    if (rc != KIGEN_OK) {
        cli_warn("describe", "%s", kigen_status_str(rc));
        status = CLI_USAGE;
        goto out;
    }
    if (json) {
        fwrite(buf.p, 1, buf.len, stdout);
        goto out;
    }
    json_error_t err;
    doc = json_loadb(buf.p, buf.len, 0, &err);
    if (!doc) {
        cli_warn("describe", "%s", err.text);
        status = CLI_USAGE;
        goto out;
    }
    if (template)
        print_template(doc);
    else
        print_text(doc);
out:
    json_decref(doc);
    kg_buf_free(&buf);
    kigen_ruleset_free(rs);
    return status;
}
