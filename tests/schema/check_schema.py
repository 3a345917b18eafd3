#!/usr/bin/env python3
"""The JSON Schemas (schema/*.json) agree with the loader and the test runner.

usage: check_schema.py KIGEN SOURCE_DIR [--schema-dir DIR] [--verbose]

(--schema-dir: the schemas to check instead of SOURCE_DIR/schema;
--verbose: print both sides' reasons for every file refused by both.)

a. For every kigen YAML file under rules/, examples/, tests/data and
   tests/schema/good (and every rule file of tests/data/diag/*.cases), the
   loader's verdict (`kigen check --format json`, or `kigen test` for a test
   file) is compared with the schema's:
   - a file the loader accepts must be valid under the schema (else the
     schema is too strict); the files of tests/schema/good, which use every
     key in the forms the loader takes, must be accepted (and pass);
   - a file the loader refuses with a structural error (STRUCTURAL below:
     wrong shape, unknown key, missing key, ...) must be invalid under the
     schema, with a schema error at each such loader error (else the schema
     is too lax);
   - a file refused for other reasons only is skipped, and counted: unknown
     names in expressions, types, cycles, effective dates, param values,
     layering (override), included files and policy scripts are beyond what
     a schema of one file can see. `kigen check` reports them.
   YAML that is neither a rule file (`kigen:`) nor a test file
   (`kigen-test:`) is listed and not compared (e.g. *.timeline.yaml).
b. Every file of tests/schema/bad/ (each with one structural mistake, named
   by its `# expect: PHRASE` lines) must be refused by both: `kigen check`
   exits 1 (`kigen test`: 2) reporting each PHRASE, and the schema refuses
   it there. So this test asserts something that can fail.
c. The `# yaml-language-server: $schema=...` first line of the packs names
   the right schema by a relative path.
d. The keys each schema allows are exactly the key lists of the loader
   (src/front/load.c) and the runner (src/cli/cmd_test.c), and every other
   key is refused (additionalProperties: false); the types are the
   loader's.

The YAML is read as the YAML language server reads it (YAML 1.2 core
schema): 2023-07-07 stays a string, `yes`/`on` are strings, only true/false
are booleans; mapping keys are their text (`true:` is the key "true"); a
duplicate key is an error. A missing module fails the test (never skips it).
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

MISSING = []
try:
    import yaml
except ImportError:
    MISSING.append(("yaml", "python3-yaml"))
try:
    import jsonschema
except ImportError:
    MISSING.append(("jsonschema", "python3-jsonschema"))
if MISSING:
    for mod, pkg in MISSING:
        print(f"FAIL: {sys.executable} cannot import the module '{mod}': install the Debian "
              f"package {pkg} (apt-get install {pkg}), or the module for this python3")
    sys.exit(1)

# --- which loader errors a schema must reproduce -------------------------

# The E01xx codes about a file's structure (docs/rules.md, Diagnostics).
# E0106 (anchors, aliases, tags), E0107 (nesting depth) and E0108 (node
# count) are limits of kigen's YAML reader, not shapes: the YAML language
# server reads such files, so they are skipped. E0111/E0112 (override)
# depend on the included files; E0130-E0132 (effective dates, param values)
# on parsing values; E02xx are expressions, E03xx includes, E04xx scripts.
STRUCTURAL = {"E0100", "E0101", "E0102", "E0103", "E0104", "E0105", "E0110", "E0120", "E0121"}

# Structural errors no JSON Schema of one file can state; a file refused
# with only these is skipped (the reason is printed).
NOT_EXPRESSIBLE = [
    ("E0103", re.compile(r"the rule file has no 'name'"),
     "'name' is required only in the top file, and a schema cannot tell a top file from an included one"),
    ("E0121", re.compile(r"a case after 'otherwise' can never be reached"),
     "that 'otherwise' comes last is an order a draft-07 schema cannot state"),
    ("E0121", re.compile(r"max is before min"), "comparing min with max needs the values"),
    ("E0104", re.compile(r"is already a choice or an alias of one"),
     "comparing choice_aliases with choices needs the values"),
]

# `kigen test` reports a broken test file with these phrases (src/cli/cmd_test.c).
TEST_STRUCTURAL = [
    r"error: unknown key '",
    r"error: a case must be a mapping",
    r"error: case .* needs a 'name' and a 'source'",
    r"error: case '.*' has none of 'expect', 'expect_error' and 'expect_notes'",
    r"error: case '.*': expect_notes is a list of texts",
    r"error: case '.*': each expected note is a text",
    r"error: case '.*': expect_error needs a part of the message",
    r"error: modules: a mapping of module names to Lua files",
    r"error: modules: '.*' must name one Lua file",
    r"error: case '.*': facts, params and expect are mappings; expect_error is a text",
    r"error: expected 'kigen-test: 1'",
    r"error: a test file needs 'rules: FILE' and a list of 'cases'",
    r"error: a test file is a mapping with 'kigen-test: 1'",
    r"error: a fact's value must be a single value",
    r"error: the expected value of '.*' must be a single value",
    r"error: (case '.*': )?today: a date$",
]

# The keys each mapping of a rule or test file may have: the loader's key
# list (a `static const char *const NAME[] = {...}` of the C file, found by
# a key only it has) and where the schema lists them.
KEY_LISTS = [
    ("src/front/load.c", "outputs", "rule", "#"),
    ("src/front/load.c", "choice_aliases", "rule", "#/definitions/fact_def"),
    ("src/front/load.c", "values", "rule", "#/definitions/param"),
    ("src/front/load.c", "cases", "rule", "#/definitions/rule_def"),
    ("src/front/load.c", "otherwise", "rule", "#/definitions/case"),
    ("src/front/load.c", "ja", "rule", "#/definitions/message"),
    ("src/front/load.c", "url", "rule", "#/definitions/source/then"),
    ("src/front/load.c", "duration", "rule", "#/definitions/type"),
    ("src/cli/cmd_test.c", "kigen-test", "test", "#"),
    ("src/cli/cmd_test.c", "expect_error", "test", "#/definitions/case"),
]

# --- YAML as the YAML language server reads it ---------------------------


class Yaml12Loader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core schema's implicit types (no
    timestamps, no yes/no/on/off booleans, no merge keys), keys as their
    text, and duplicate keys refused."""


Yaml12Loader.yaml_implicit_resolvers = {}
for tag, regexp, first in [
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
     list("-+.0123456789")),
]:
    Yaml12Loader.add_implicit_resolver(tag, re.compile(regexp), first)


def _int12(loader, node):
    v = node.value
    if v.startswith("0o"):
        return int(v[2:], 8)
    return int(v, 0) if v.startswith("0x") else int(v, 10)


def _mapping(loader, node):
    loader.flatten_mapping(node)
    out = {}
    for knode, vnode in node.value:
        if not isinstance(knode, yaml.ScalarNode):
            raise yaml.constructor.ConstructorError(None, None, "a mapping key must be a plain value",
                                                    knode.start_mark)
        key = knode.value
        if key in out:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key '{key}'", knode.start_mark)
        out[key] = loader.construct_object(vnode, deep=True)
    return out


Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _int12)
Yaml12Loader.add_constructor("tag:yaml.org,2002:map", _mapping)


def read_yaml(text):
    """(data, None), or (None, why) when the YAML cannot be read."""
    try:
        return yaml.load(text, Loader=Yaml12Loader), None
    except yaml.YAMLError as e:
        return None, "YAML: " + " ".join(str(e).split())


# --- the two verdicts ------------------------------------------------------


class Verdict:
    def __init__(self, kind, why, lines=()):
        self.kind = kind    # "accept", "structural", "other"
        self.why = why      # list of texts
        self.lines = lines  # [(line, text)] of the structural errors


def loader_rule_verdict(kigen, path, cwd):
    """kigen check --format json on a rule file."""
    p = subprocess.run([kigen, "check", "--format", "json", path], cwd=cwd, capture_output=True, text=True,
                       timeout=120)
    if p.returncode not in (0, 1):
        raise RuntimeError(f"kigen check {path}: exit {p.returncode}: {p.stderr.strip()}")
    try:
        diags = json.loads(p.stdout) if p.stdout.strip() else []
    except ValueError as e:
        raise RuntimeError(f"kigen check --format json {path}: not JSON ({e}): {p.stdout[:300]}")
    errors = [d for d in diags if d.get("severity") == "error"]
    if p.returncode == 0:
        if errors:
            raise RuntimeError(f"kigen check {path}: exit 0 with errors: {errors}")
        return Verdict("accept", [])
    if not errors:
        raise RuntimeError(f"kigen check {path}: exit 1 without an error")
    me = os.path.realpath(os.path.join(cwd, path))
    structural, other, lines = [], [], []
    for d in errors:
        text = f"{d.get('file')}:{d.get('line')}:{d.get('column')}: {d['code']}: {d['message']}"
        here = d.get("file") is None or os.path.realpath(os.path.join(cwd, d["file"])) == me
        reason = None
        if d["code"] not in STRUCTURAL:
            reason = "not structural"
        elif not here:
            reason = "in another file"
        else:
            for code, rx, why in NOT_EXPRESSIBLE:
                if d["code"] == code and rx.search(d["message"]):
                    reason = why
        (other if reason else structural).append(text + (f"  [{reason}]" if reason else ""))
        if not reason:
            lines.append((d.get("line") or 1, text))
    return Verdict("structural", structural + other, lines) if structural else Verdict("other", other)


def loader_test_verdict(kigen, path, cwd):
    """kigen test on a test file: 0 (all passed) and 1 (a case failed) mean
    the file was read; 2 that it or its rules are broken."""
    p = subprocess.run([kigen, "test", path], cwd=cwd, capture_output=True, text=True, timeout=300)
    if p.returncode in (0, 1):
        return Verdict("accept", [])
    if p.returncode != 2:
        raise RuntimeError(f"kigen test {path}: exit {p.returncode}: {p.stderr.strip()}")
    lines = (p.stdout + p.stderr).splitlines()
    mine = [ln for ln in lines if ln.startswith(path + ":")]
    structural = [ln for ln in mine
                  if any(re.search(rx, ln) for rx in TEST_STRUCTURAL)
                  or any(f"error[{c}]" in ln for c in STRUCTURAL)]
    if structural:
        lines = [(int(re.match(re.escape(path) + r":(\d+)", ln).group(1)), ln) for ln in structural]
        return Verdict("structural", structural, lines)
    return Verdict("other", [ln for ln in lines if "error" in ln][:5] or lines[-3:])


def node_spans(text):
    """JSON path (a tuple) -> (first line, line the value starts, last line)
    of each node of the YAML, lines from 1; a mapping entry starts at its
    key. The top is the whole file."""
    last = max(1, text.count("\n") + 1)
    spans = {(): (1, 1, last)}

    def walk(node, path, start):
        end = node.end_mark.line + 1 if isinstance(node, yaml.ScalarNode) or node.flow_style \
            else node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                end = max(end, walk(v, path + (k.value,), k.start_mark.line + 1))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                end = max(end, walk(v, path + (i,), v.start_mark.line + 1))
        if path:
            spans[path] = (start, node.start_mark.line + 1, end)
        return end

    root = yaml.compose(text, Loader=Yaml12Loader)
    if root is not None:
        walk(root, (), root.start_mark.line + 1)
    return spans


def explain(e):
    """A schema error, with what each alternative of an anyOf/oneOf said."""
    msg = e.message
    if e.context:
        subs = []
        for c in sorted(e.context, key=lambda c: -len(c.absolute_path)):
            t = c.message if not c.relative_path else "/".join(map(str, c.relative_path)) + ": " + c.message
            if t not in subs:
                subs.append(t)
        msg += " (" + "; ".join(subs[:4]) + ")"
    return msg


def unmatched(verdict, errs):
    """The loader's structural errors where the schema reports nothing. A
    loader error matches a schema error when its line is inside the node
    the schema complains about, or is where a node around that one starts
    (the loader may point at the case or the list that holds the mistake)."""
    def near(line, spans):
        inside = spans[0][0] <= line <= spans[0][2]
        return inside or any(line in (key, start) for key, start, _ in spans[1:])
    return [t for line, t in verdict.lines if not any(near(line, spans) for _, spans in errs)]


def schema_errors(validator, text):
    """The schema's complaints about a file: [(text, spans)], spans those of
    the node and the nodes around it (node_spans); empty when the file is
    valid. A YAML error spans the whole file."""
    data, why = read_yaml(text)
    if why:
        return [(why, [(1, 1, 1 << 30)])]
    spans = node_spans(text)
    errs = []
    for e in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        path = tuple(e.absolute_path)
        where = "/".join(str(x) for x in path) or "(top)"
        # the node's span, then those of the nodes around it
        around = [spans.get(path[:i], spans[()]) for i in range(len(path), -1, -1)]
        errs.append((f"line {around[0][0]}, at {where}: {explain(e)}", around))
    return errs


def c_key_list(src, cfile, marker):
    """The strings of the one key list of a C file that holds `marker`."""
    with open(os.path.join(src, cfile), encoding="utf-8") as f:
        text = f.read()
    found = []
    for m in re.finditer(r"static const char \*const \w+\[\] = \{(.*?)\};", text, re.S):
        keys = re.findall(r'"([^"]*)"', m.group(1))
        if marker in keys:
            found.append(keys)
    if len(found) != 1:
        raise RuntimeError(f"{cfile}: {len(found)} key lists hold '{marker}', not one "
                           "(has the loader changed? update KEY_LISTS in tests/schema/check_schema.py)")
    return found[0]


def pointer(schema, ptr):
    node = schema
    for part in ptr.lstrip("#").strip("/").split("/"):
        if part:
            node = node[part]
    return node


# --- the files -------------------------------------------------------------


def kind_of(text):
    """'rule', 'test', or None for YAML that is not a kigen file."""
    data, _ = read_yaml(text)
    if isinstance(data, dict):
        if "kigen-test" in data:
            return "test"
        if "kigen" in data:
            return "rule"
        return None
    # unreadable or not a mapping: as the loader's looks_like_rule_file
    if re.search(r"^kigen-test\s*:", text, re.M):
        return "test"
    if re.search(r"""^(["']?)kigen\1\s*:""", text, re.M):
        return "rule"
    return None


def diag_cases(path):
    """The rule files of a tests/data/diag/*.cases file: (line, name, text)."""
    out, cur = [], None
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.startswith("=== "):
                cur = [n, line[4:].strip(), []]
                out.append(cur)
            elif line.startswith("--- expect"):
                cur = None
            elif cur is not None:
                cur[2].append(line)
    return [(n, name, "".join(body)) for n, name, body in out]


def main():
    args = sys.argv[1:]
    schema_dir = None
    verbose = "--verbose" in args
    if verbose:
        args.remove("--verbose")
    if "--schema-dir" in args:
        i = args.index("--schema-dir")
        schema_dir = args[i + 1]
        del args[i:i + 2]
    if len(args) != 2:
        print(__doc__.splitlines()[2])
        return 2
    kigen, src = os.path.abspath(args[0]), os.path.abspath(args[1])
    schema_dir = os.path.abspath(schema_dir or os.path.join(src, "schema"))
    validators = {}
    for kind, name in (("rule", "kigen-rules.schema.json"), ("test", "kigen-test.schema.json")):
        with open(os.path.join(schema_dir, name), encoding="utf-8") as f:
            schema = json.load(f)
        jsonschema.Draft7Validator.check_schema(schema)
        validators[kind] = jsonschema.Draft7Validator(schema)

    failures, agreed_ok, agreed_bad, skipped, not_kigen = [], 0, 0, [], []

    # d. the schemas list exactly the keys (and types) the loader and the
    # runner accept, and refuse all other keys
    key_lists = 0
    for cfile, marker, kind, ptr in KEY_LISTS:
        keys = set(c_key_list(src, cfile, marker))
        node = pointer(validators[kind].schema, ptr)
        where = f"the key list of {cfile} with '{marker}' and the {kind} schema at {ptr}"
        if "enum" in node:
            # the types: the loader's names but duration, which it refuses
            # for facts, params and rules alike (E0120)
            keys.discard("duration")
            have, closed = set(node["enum"]), True
        else:
            have, closed = set(node.get("properties", {})), node.get("additionalProperties") is False
        if keys != have:
            failures.append(f"{where} differ: only the loader has {sorted(keys - have)}, "
                            f"only the schema has {sorted(have - keys)}")
        elif not closed:
            failures.append(f"{where}: the schema does not say additionalProperties: false")
        else:
            key_lists += 1

    def compare(label, kind, text, verdict):
        nonlocal agreed_ok, agreed_bad
        errs = schema_errors(validators[kind], text)
        if verdict.kind == "accept":
            if errs:
                failures.append(f"{label}: the loader accepts it, the schema refuses it (schema too strict):\n"
                                + "\n".join("    schema: " + e for e, _ in errs[:5]))
            else:
                agreed_ok += 1
        elif verdict.kind == "structural":
            missed = unmatched(verdict, errs)
            if not missed:
                agreed_bad += 1
                if verbose:
                    print(f"refused by both: {label}\n    loader: " + "\n    loader: ".join(verdict.why[:6])
                          + "\n    schema: " + "\n    schema: ".join(e for e, _ in errs[:6]))
            else:
                failures.append(f"{label}: the loader refuses its structure, the schema "
                                + ("accepts it" if not errs else "says nothing there")
                                + " (schema too lax):\n" + "\n".join("    loader: " + w for w in missed[:5])
                                + "".join("\n    schema: " + e for e, _ in errs[:5]))
        else:
            skipped.append(f"{label}: " + "; ".join(verdict.why[:2]))

    # a. the files of the source tree, and tests/schema/good (every key in
    # every form the loader takes: the loader must accept these)
    files = []
    good_dir = os.path.join("tests", "schema", "good")
    for top in ("rules", "examples", os.path.join("tests", "data"), good_dir):
        for ext in ("yaml", "yml"):
            files += [os.path.relpath(p, src)
                      for p in glob.glob(os.path.join(src, top, "**", "*." + ext), recursive=True)]
    for rel in sorted(set(files)):
        with open(os.path.join(src, rel), encoding="utf-8", errors="replace") as f:
            text = f.read()
        kind = kind_of(text)
        if kind is None:
            not_kigen.append(rel)
            continue
        v = (loader_rule_verdict if kind == "rule" else loader_test_verdict)(kigen, rel, src)
        if rel.startswith(good_dir + os.sep):
            if v.kind != "accept":
                failures.append(f"{rel}: the loader refuses it: " + "; ".join(v.why[:3]))
                continue
            if kind == "test":
                p = subprocess.run([kigen, "test", rel], cwd=src, capture_output=True, text=True, timeout=120)
                if p.returncode != 0:
                    failures.append(f"{rel}: kigen test exits {p.returncode}, not 0:\n" + p.stdout[-1500:])
        compare(rel, kind, text, v)

    # ... and the rule files of the diagnostic cases (each loaded as t.yaml)
    with tempfile.TemporaryDirectory() as tmp:
        for cases in sorted(glob.glob(os.path.join(src, "tests", "data", "diag", "*.cases"))):
            for line, name, text in diag_cases(cases):
                d = os.path.join(tmp, str(line))
                os.mkdir(d)
                with open(os.path.join(d, "t.yaml"), "w", encoding="utf-8") as f:
                    f.write(text)
                v = loader_rule_verdict(kigen, "t.yaml", d)
                compare(f"{os.path.relpath(cases, src)}:{line} ({name})", "rule", text, v)

    # b. hand-written structural mistakes: both must refuse each
    bad_dir = os.path.join(src, "tests", "schema", "bad")
    bad_files = sorted(glob.glob(os.path.join(bad_dir, "*.yaml")))
    bad_ok = 0
    if not bad_files:
        failures.append(f"{bad_dir}: no *.yaml files")
    for path in bad_files:
        rel = os.path.relpath(path, src)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        expects = re.findall(r"^# expect: (.+?)\s*$", text, re.M)
        kind = kind_of(text) or "rule"
        if kind == "rule":
            p = subprocess.run([kigen, "check", "--format", "json", rel], cwd=src, capture_output=True,
                               text=True, timeout=120)
            report, want_rc, what = p.stdout, 1, "kigen check"
        else:
            p = subprocess.run([kigen, "test", rel], cwd=src, capture_output=True, text=True, timeout=120)
            report, want_rc, what = p.stdout + p.stderr, 2, "kigen test"
        problems = []
        if p.returncode != want_rc:
            problems.append(f"{what} exits {p.returncode}, not {want_rc}")
        if not expects:
            problems.append("no '# expect: PHRASE' line says what the loader must report")
        for e in expects:
            if e not in report:
                problems.append(f"{what} does not report '{e}'")
        v = (loader_rule_verdict if kind == "rule" else loader_test_verdict)(kigen, rel, src)
        if v.kind != "structural":
            problems.append(f"{what} refuses it for no structural reason: {v.why[:2]}")
        errs = schema_errors(validators[kind], text)
        if not errs:
            problems.append("the schema accepts it")
        elif unmatched(v, errs):
            problems.append("the schema says nothing at " + "; ".join(unmatched(v, errs)))
        elif verbose:
            print(f"refused by both: {rel}\n    loader: " + "\n    loader: ".join(v.why[:4])
                  + "\n    schema: " + "\n    schema: ".join(e for e, _ in errs[:4]))
        if problems:
            failures.append(f"{rel}: " + "; ".join(problems) + "\n    loader: " + " ".join(report.split())[:400])
        else:
            agreed_bad += 1
            bad_ok += 1

    # c. the packs name the schemas by a relative path on their first line
    modelines = 0
    packs = ["rules/jp/mynumber.yaml", "rules/jp/mynumber.test.yaml"]
    packs += sorted(os.path.relpath(p, src) for p in glob.glob(os.path.join(src, "examples", "ward", "*.yaml")))
    for rel in packs:
        path = os.path.join(src, rel)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        kind = kind_of(text)
        if kind is None:
            continue
        want = os.path.join(schema_dir, "kigen-test.schema.json" if kind == "test" else "kigen-rules.schema.json")
        m = re.match(r"# yaml-language-server: \$schema=(\S+)\n", text)
        if not m:
            failures.append(f"{rel}: the first line is not '# yaml-language-server: $schema=RELATIVE-PATH'")
            continue
        target = m.group(1)
        if os.path.isabs(target) or "://" in target:
            failures.append(f"{rel}: $schema={target} is not a relative path")
        elif not os.path.isfile(os.path.join(os.path.dirname(path), target)):
            failures.append(f"{rel}: $schema={target} names no file")
        elif schema_dir == os.path.join(src, "schema") and not os.path.samefile(
                os.path.join(os.path.dirname(path), target), want):
            failures.append(f"{rel}: $schema={target} is not {os.path.relpath(want, os.path.dirname(path))}")
        else:
            modelines += 1

    for s in skipped:
        print("skipped (refused for a reason a schema cannot see):", s)
    print("not kigen files (no kigen: or kigen-test: key), not compared:", ", ".join(not_kigen) or "none")
    for f in failures:
        print("FAIL:", f)
    print(f"{agreed_ok} files accepted by both, {agreed_bad} structural rejections agreed "
          f"(of them {bad_ok} of the {len(bad_files)} files of tests/schema/bad/), {len(skipped)} skipped as semantic, "
          f"{len(not_kigen)} not kigen files; {key_lists} of {len(KEY_LISTS)} key lists equal to the "
          f"loader's; {modelines} of {len(packs)} schema lines right; {len(failures)} disagreements")
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
        print(f"FAIL: {e}")
        sys.exit(1)
