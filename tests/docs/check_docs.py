#!/usr/bin/env python3
"""Docs that don't rot: every example in README.md, docs/*.md and
examples/*/README.md (whose commands run in the example's directory) is run or checked, and compared with what the page
shows.

    check_docs.py KIGEN_BINARY SOURCE_DIR BUILD_DIR

Fenced blocks, by language:
  sh / console with `$ ` lines  each command runs (bash, in a scratch
        directory that has the source tree's rules/ examples/ lua/ docs/
        tests/ and build/kigen, and `kigen` on PATH); what it prints (stdout
        and stderr together) must be the lines that follow it. A line `...`
        stands for any lines; `...` inside a line for any text.
  sh without `$ `               the block, run as one script (set -e), must exit 0.
  yaml                          must be YAML that loads (the quoting trap:
        an unquoted `f(a, after: d)` is a YAML error); a whole rule file
        (`kigen: 1`) must pass `kigen check`.
  lua                           must compile (luac5.4 -p).
  c                             with a main(): must compile against kigen.h.
Other blocks (usage text, output shown alone) are prose. A block is left
alone when the line before it is `<!-- doctest: skip: REASON -->` (a real
card reader, a package install); the reason is printed.

A block after `<!-- doctest: file: PATH -->` is a file of a walkthrough: it
is written to PATH in the scratch directory of every later block of the same
page (a later block of the same PATH replaces it), so that the commands the
page shows next run on the files it showed. Lua files must compile; YAML must
load (a rule file is checked by the commands that use it).
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    sys.exit("check_docs: python3's yaml module is missing (Debian package python3-yaml)")


class NoDates(yaml.SafeLoader):
    """YAML as kigen reads it: dates stay text."""


NoDates.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

kigen, src, build = (os.path.abspath(a) for a in sys.argv[1:4])
failures, counts = [], {"ran": 0, "checked": 0, "skipped": 0}


def blocks(path):
    """(line, lang, lines, skip_reason, file_path) for each fenced block."""
    text = open(path, encoding="utf-8").read().split("\n")
    i, prev = 0, ""
    while i < len(text):
        m = re.match(r"^(\s*)```(\w*)\s*$", text[i])
        if m:
            indent, lang, start = len(m.group(1)), m.group(2), i + 1
            j = start
            while j < len(text) and not re.match(r"^\s*```\s*$", text[j]):
                j += 1
            body = [l[indent:] if l[:indent].strip() == "" else l for l in text[start:j]]
            skip = re.match(r"^\s*<!--\s*doctest:\s*skip:?\s*(.*?)\s*-->", prev)
            file = re.match(r"^\s*<!--\s*doctest:\s*file:\s*(\S+)\s*-->", prev)
            yield start, lang, body, skip.group(1) if skip else None, file.group(1) if file else None
            i, prev = j + 1, ""
            continue
        if text[i].strip():
            prev = text[i]
        i += 1


def scratch(files=None):
    d = tempfile.mkdtemp(prefix="kigen_doc.")
    for rel, body in (files or {}).items():
        path = os.path.join(d, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(body) + "\n")
    for name in ("rules", "examples", "lua", "docs", "tests", "schema", "include"):
        if os.path.exists(os.path.join(src, name)):
            os.symlink(os.path.join(src, name), os.path.join(d, name))
    os.makedirs(os.path.join(d, "build"))
    os.makedirs(os.path.join(d, "bin"))
    os.symlink(kigen, os.path.join(d, "build", "kigen"))
    os.symlink(kigen, os.path.join(d, "bin", "kigen"))
    for sub in ("bench", "lua", "examples"):
        if os.path.isdir(os.path.join(build, sub)):
            os.symlink(os.path.join(build, sub), os.path.join(d, "build", sub))
    return d


def run(cmd, cwd, rundir=None):
    """Run cmd in rundir (default cwd, the scratch directory, whose bin/ has kigen)."""
    env = dict(os.environ, PATH=os.path.join(cwd, "bin") + ":" + os.environ["PATH"], LC_ALL="C.UTF-8")
    env.pop("KIGEN_PATH", None)
    p = subprocess.run(["bash", "-c", cmd], cwd=rundir or cwd, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=300)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def matches(expected, actual):
    """Do the actual lines match the expected ones (`...` = any lines / text)?"""
    if not expected:
        return not actual
    e = expected[0]
    if e.strip() == "...":
        return any(matches(expected[1:], actual[k:]) for k in range(len(actual) + 1))
    if not actual:
        return False
    pat = "^" + ".*".join(re.escape(part) for part in e.rstrip().split("...")) + "$"
    return re.match(pat, actual[0].rstrip()) is not None and matches(expected[1:], actual[1:])


def commands(body):
    """[(command, expected lines)] of a block with `$ ` prompts."""
    out, k = [], 0
    while k < len(body):
        if body[k].startswith("$ "):
            cmd = body[k][2:]
            while cmd.endswith("\\") and k + 1 < len(body):
                k += 1
                cmd = cmd[:-1] + " " + body[k].strip()
            exp = []
            while k + 1 < len(body) and not body[k + 1].startswith("$ "):
                k += 1
                exp.append(body[k])
            while exp and not exp[-1].strip():
                exp.pop()
            out.append((cmd, exp))
        k += 1
    return out


def check_shell(where, body, cwd, rundir=None):
    cmds = commands(body)
    if cmds:
        for cmd, exp in cmds:
            rc, got = run(cmd, cwd, rundir)
            counts["ran"] += 1
            lines = got.rstrip("\n").split("\n") if got.strip() else []
            if not matches(exp, lines):
                failures.append(f"{where}: $ {cmd}\n  the page shows:\n    " + "\n    ".join(exp)
                                + "\n  it printed (exit " + str(rc) + "):\n    " + "\n    ".join(lines))
        return
    # a block of commands runs as one script (loops span lines), stopping
    # at the first that fails
    rc, got = run("set -e\n" + "\n".join(body), cwd, rundir)
    counts["ran"] += 1
    if rc != 0:
        failures.append(f"{where}: the block exited {rc}:\n    " + "\n    ".join(got.rstrip().split("\n")[-8:]))


def check_yaml(where, body, cwd):
    text = "\n".join(body) + "\n"
    counts["checked"] += 1
    try:
        doc = yaml.load(text, Loader=NoDates)
    except yaml.YAMLError as e:
        failures.append(f"{where}: the YAML example does not load as written: {e}")
        return
    if isinstance(doc, dict) and doc.get("kigen") in (1, "1"):
        # two levels down, so that a ward's ../../rules and ../../lua resolve
        os.makedirs(os.path.join(cwd, "ex", "ward"))
        path = os.path.join(cwd, "ex", "ward", "example.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        rc, got = run(f"kigen check {path}", cwd)
        if rc != 0:
            failures.append(f"{where}: kigen check on the example exited {rc}:\n    " + got.replace("\n", "\n    "))


def check_lua(where, body, cwd):
    luac = shutil.which("luac5.4")
    if not luac:
        failures.append("luac5.4 is missing (Debian package lua5.4)")
        return
    counts["checked"] += 1
    p = subprocess.run([luac, "-p", "-"], input="\n".join(body).encode(), stderr=subprocess.PIPE)
    if p.returncode != 0:
        failures.append(f"{where}: the Lua example does not compile: {p.stderr.decode().strip()}")


def check_c(where, body, cwd):
    if not any(re.match(r"^int main\b", l) for l in body):
        return
    counts["checked"] += 1
    path = os.path.join(cwd, "example.c")
    with open(path, "w") as f:
        f.write("\n".join(body) + "\n")
    p = subprocess.run(["cc", "-fsyntax-only", "-Wall", "-I" + os.path.join(src, "include"),
                        "-I" + os.path.join(build, "include"), path], stderr=subprocess.PIPE)
    if p.returncode != 0:
        failures.append(f"{where}: the C example does not compile:\n" + p.stderr.decode())


pages = [os.path.join(src, "README.md")] + sorted(glob.glob(os.path.join(src, "docs", "*.md"))) + \
        sorted(glob.glob(os.path.join(src, "examples", "*", "README.md")))
for page in pages:
    rel = os.path.relpath(page, src)
    files = {}  # the page's walkthrough files so far
    for line, lang, body, skip, file in blocks(page):
        where = f"{rel}:{line}"
        if skip is not None:
            counts["skipped"] += 1
            print(f"skip {where}: {skip}")
            continue
        if file is not None:
            if os.path.isabs(file) or ".." in file.split("/") or file.split("/")[0] in (
                    "rules", "examples", "lua", "docs", "tests", "schema", "include", "build", "bin"):
                failures.append(f"{where}: doctest file {file} must be a new relative path")
                continue
            files[file] = body
            counts["checked"] += 1
            if lang == "lua":
                check_lua(where, body, None)
            elif lang == "yaml":
                try:
                    yaml.load("\n".join(body) + "\n", Loader=NoDates)
                except yaml.YAMLError as e:
                    failures.append(f"{where}: {file} does not load as YAML: {e}")
            continue
        cwd = scratch(files)
        try:
            if lang in ("sh", "console", "bash"):
                # an example's README runs "from this directory"
                check_shell(where, body, cwd,
                            os.path.join(cwd, os.path.dirname(rel)) if rel.startswith("examples/") else None)
            elif lang == "yaml":
                check_yaml(where, body, cwd)
            elif lang == "lua":
                check_lua(where, body, cwd)
            elif lang == "c":
                check_c(where, body, cwd)
        finally:
            shutil.rmtree(cwd, ignore_errors=True)

print(f"docs: {counts['ran']} commands run, {counts['checked']} examples checked, {counts['skipped']} blocks skipped")
for f in failures:
    print("FAIL " + f)
sys.exit(1 if failures else 0)
