/* Every diagnostic code, once (an X-macro, as Lua's opcode list):
 *   X(code, severity, meaning, page)
 * meaning is the one line the code's row in the docs says, word for word
 * (tests/support/check_codes.py holds the two to each other and to the
 * codes src/ uses); page is the docs page with the row (docs/PAGE,
 * section "Diagnostics" or "Errors"). E: errors, W: warnings. */
#ifndef KIGEN_BASE_DIAG_CODES_H
#define KIGEN_BASE_DIAG_CODES_H

/* clang-format off */
#define KG_DIAG_CODES(X) \
    X(E0001, KIGEN_SEV_ERROR, "out of memory while loading", "rules.md") \
    X(E0002, KIGEN_SEV_ERROR, "`kigen_opts` that cannot be used: a limit outside its range (`KIGEN_EINVAL`), a `size` of 0 (`KIGEN_EMISUSE`), or options this library does not know (`KIGEN_EVERSION`)", "rules.md") \
    X(E0100, KIGEN_SEV_ERROR, "YAML syntax error (position from libyaml), or a second YAML document", "rules.md") \
    X(E0101, KIGEN_SEV_ERROR, "a value of the wrong shape: a mapping, list or single value was expected", "rules.md") \
    X(E0102, KIGEN_SEV_ERROR, "unknown key (with \"did you mean\" and the keys allowed there)", "rules.md") \
    X(E0103, KIGEN_SEV_ERROR, "a required key is missing (`kigen`, `name`, a fact's `type`, a param's value, a rule's `value`/`cases`, a final `otherwise`, …)", "rules.md") \
    X(E0104, KIGEN_SEV_ERROR, "a key, output or choice given twice", "rules.md") \
    X(E0105, KIGEN_SEV_ERROR, "the language version is missing or not `1`; a file without `kigen: 1` is not read as a rule file, and nothing of it is quoted", "rules.md") \
    X(E0106, KIGEN_SEV_ERROR, "YAML anchors, aliases or tags (refused: a rule file means what it says, and alias bombs cannot expand)", "rules.md") \
    X(E0107, KIGEN_SEV_ERROR, "YAML nested deeper than 64 levels", "rules.md") \
    X(E0108, KIGEN_SEV_ERROR, "more than 1,000,000 YAML nodes", "rules.md") \
    X(E0110, KIGEN_SEV_ERROR, "a name that is not letters, digits and `_`", "rules.md") \
    X(E0111, KIGEN_SEV_ERROR, "a name defined again without `override: true`", "rules.md") \
    X(E0112, KIGEN_SEV_ERROR, "`override: true` on a name no included file defines, or an override that changes the kind", "rules.md") \
    X(E0120, KIGEN_SEV_ERROR, "an unknown or unusable type", "rules.md") \
    X(E0121, KIGEN_SEV_ERROR, "keys that contradict each other (`value` and `values`, `value` and `cases`, `optional` and `default`, a case after `otherwise`) or a bad boolean", "rules.md") \
    X(E0130, KIGEN_SEV_ERROR, "effective dates out of order or repeated", "rules.md") \
    X(E0131, KIGEN_SEV_ERROR, "an effective date that is not a date", "rules.md") \
    X(E0132, KIGEN_SEV_ERROR, "a param value that does not fit its type", "rules.md") \
    X(E0200, KIGEN_SEV_ERROR, "expression syntax error (position inside the expression)", "rules.md") \
    X(E0201, KIGEN_SEV_ERROR, "unknown name (with \"did you mean\"), or an output that is not a rule or fact", "rules.md") \
    X(E0202, KIGEN_SEV_ERROR, "unknown function (with \"did you mean\")", "rules.md") \
    X(E0203, KIGEN_SEV_ERROR, "type mismatch", "rules.md") \
    X(E0204, KIGEN_SEV_ERROR, "wrong arguments: too many, missing, unknown or repeated names", "rules.md") \
    X(E0205, KIGEN_SEV_ERROR, "a month or year addition without an end-of-month policy", "rules.md") \
    X(E0206, KIGEN_SEV_ERROR, "a dated param read without `@date`, or an undated one with it", "rules.md") \
    X(E0207, KIGEN_SEV_ERROR, "a param read at a literal date before its first effective date", "rules.md") \
    X(E0208, KIGEN_SEV_ERROR, "a dependency cycle (the cycle is printed: `a -> b -> a`); chains of any length without a cycle are fine", "rules.md") \
    X(E0209, KIGEN_SEV_ERROR, "a value that is not one of the allowed choices", "rules.md") \
    X(E0210, KIGEN_SEV_ERROR, "a bare name that is both a definition and an allowed value", "rules.md") \
    X(E0213, KIGEN_SEV_ERROR, "a fact's default uses a rule", "rules.md") \
    X(E0300, KIGEN_SEV_ERROR, "an included file cannot be read, is not a `*.yaml`/`*.yml` regular file, or lies outside `kigen_opts.include_root`", "rules.md") \
    X(E0301, KIGEN_SEV_ERROR, "an include cycle, includes nested deeper than 16 files, or more than 256 files in one rule set", "rules.md") \
    X(E0400, KIGEN_SEV_ERROR, "a script cannot be read (missing, larger than 8 MiB, not text: a NUL byte or precompiled Lua); at the rule file's `lua:` entry", "lua.md") \
    X(E0401, KIGEN_SEV_ERROR, "a syntax error in a script or module", "lua.md") \
    X(E0402, KIGEN_SEV_ERROR, "a run-time error in a script's top level", "lua.md") \
    X(E0403, KIGEN_SEV_ERROR, "a bad registration: not a table, unknown field (with \"did you mean\"), a missing or malformed `name`, `fn`, `args`, `outputs`, `reads`; registering outside the top level", "lua.md") \
    X(E0404, KIGEN_SEV_ERROR, "an unknown or malformed type (with \"did you mean\": `int` → `integer`), an enum value listed twice", "lua.md") \
    X(E0405, KIGEN_SEV_ERROR, "a name clash: a built-in's name, a function or hook registered twice, an output two hooks declare", "lua.md") \
    X(E0406, KIGEN_SEV_ERROR, "the instruction budget (or the time backstop) ran out at load", "lua.md") \
    X(E0407, KIGEN_SEV_ERROR, "the memory cap was reached at load", "lua.md") \
    X(E0408, KIGEN_SEV_ERROR, "`require`: a module that is not a Lua file beside the script, a bad name, a cycle", "lua.md") \
    X(E0409, KIGEN_SEV_ERROR, "the Lua state cannot be created (memory limit too small) or ran out of host memory", "lua.md") \
    X(W0001, KIGEN_SEV_WARNING, "a rule or param without `source`", "rules.md") \
    X(W0002, KIGEN_SEV_WARNING, "a fact or param that nothing uses", "rules.md") \
    X(W0003, KIGEN_SEV_WARNING, "a case that can never be taken (a constant-false `when`, one after a constant-true `when`, or a repeated condition)", "rules.md") \
    X(W0004, KIGEN_SEV_WARNING, "a dated param read at a date that can fall before its first value: the date comes from a fact without `min:` (any date), or its realistic earliest (from the facts' `min:` through `if`, cases, `earliest`, `latest`, `default`, `nth_birthday`, `add` and `± N days`) is earlier", "rules.md") \
    X(W0005, KIGEN_SEV_WARNING, "a `source:` cites an id of the kind `sources:` defines (`S14` where `S1`… are defined) that it does not define", "rules.md") \
    X(W0006, KIGEN_SEV_WARNING, "a rule with messages lacks one for a value it can take (every choice of an enum, `true` and `false`), or lacks its `ja` or `en` text", "rules.md")
/* clang-format on */

#endif
