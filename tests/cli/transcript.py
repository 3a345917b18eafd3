#!/usr/bin/env python3
"""Run a CLI transcript: commands and what they must print, as a person
would type them. One transcript is one ctest entry; every failed check is
reported (the run does not stop at the first).

    transcript.py KIGEN_BINARY SOURCE_DIR FILE.t

A transcript is a sequence of cases:

    ## a case's name (starts a case)
    + printf 'id,x\\n' > $T/in.csv      a setup command (must exit 0)
    $ kigen eval --rules $RULES ...     the command (bash; `kigen` is the binary)
    < $T/in.csv                         its standard input (default /dev/null)
    ? 1                                 its exit status (default 0)
    1> text                             stdout, exactly these lines (all of them; \\t is a tab)
    1~ text                             stdout has a line containing text
    1! text                             no line of stdout contains text
    2> / 2~ / 2!                        the same for stderr (2> lines: all of them)
    1= python expression                true of `out` (stdout) and `err`, `rows`
                                        (stdout as CSV rows) and `lines`;
                                        `width(s)` is the display width of s
                                        (a wide East Asian character counts 2);
                                        `columns(line, values)` the display
                                        columns at which the values start in
                                        line, each found after the one before

A line `#` ... is a comment. Variables: $KIGEN, $SRC (the source tree),
$DATA (tests/data), $RULES (tests/data/lang/cards.yaml), $PACK
(rules/jp/mynumber.yaml), $T (a temporary directory, one per transcript).
These six are also replaced in the file of a `<` line and in the text of
the 1> 1~ 1! 2> 2~ 2! lines (e.g. `2~ $DATA/lang/x.yaml:6:26: error`).
"""
import csv
import io
import json  # noqa: F401  (for 1= expressions)
import os
import re
import subprocess
import sys
import tempfile
import unicodedata

VARIABLES = ("KIGEN", "SRC", "DATA", "RULES", "PACK", "T")


def expand(text, env):
    """$NAME or ${NAME} for the runner's own variables; anything else is left as written."""
    return re.sub(r"\$(?:\{(%s)\}|(%s)(?![A-Za-z0-9_]))" % ("|".join(VARIABLES), "|".join(VARIABLES)),
                  lambda m: env[m.group(1) or m.group(2)], text)


def width(s):
    """Display width of s: a wide or full-width East Asian character takes two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def columns(line, values):
    """The display columns at which values start in line, each looked for after the one before."""
    pos, starts = 0, []
    for v in values:
        i = line.index(v, pos)
        starts.append(width(line[:i]))
        pos = i + len(v)
    return starts


def parse(path):
    cases, cur = [], None
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if line.startswith("## "):
                cur = {"name": line[3:].strip(), "line": n, "setup": [], "cmd": None, "stdin": None,
                       "rc": 0, "checks": []}
                cases.append(cur)
                continue
            if not line.strip() or (line.startswith("#") and not line.startswith("## ")):
                continue
            if cur is None:
                raise SystemExit(f"{path}:{n}: a case must start with '## name'")
            tag, _, rest = line.partition(" ")
            if tag == "+":
                cur["setup"].append(rest)
            elif tag == "$":
                if cur["cmd"] is not None:
                    raise SystemExit(f"{path}:{n}: one command per case")
                cur["cmd"] = rest
            elif tag == "<":
                cur["stdin"] = rest
            elif tag == "?":
                cur["rc"] = int(rest)
            elif tag in ("1>", "1~", "1!", "2>", "2~", "2!", "1="):
                cur["checks"].append((tag, rest, n))
            else:
                raise SystemExit(f"{path}:{n}: unknown line: {line}")
    return cases


def main():
    if len(sys.argv) != 4:
        raise SystemExit("usage: transcript.py KIGEN_BINARY SOURCE_DIR FILE.t")
    kigen, src, path = sys.argv[1:]
    cases = parse(path)
    failures, checks = 0, 0
    with tempfile.TemporaryDirectory(prefix="kigen_t.") as tmp:
        env = dict(os.environ, LC_ALL="C.UTF-8", KIGEN=kigen, SRC=src, DATA=os.path.join(src, "tests/data"),
                   RULES=os.path.join(src, "tests/data/lang/cards.yaml"),
                   PACK=os.path.join(src, "rules/jp/mynumber.yaml"), T=tmp)
        env.pop("KIGEN_PATH", None)
        prelude = 'kigen() { "$KIGEN" "$@"; }\n'
        for c in cases:
            problems = []
            for s in c["setup"]:
                p = subprocess.run(["bash", "-c", prelude + s], env=env, capture_output=True)
                if p.returncode != 0:
                    problems.append(f"setup failed: {s}\n{p.stderr.decode(errors='replace')}")
            out = err = ""
            rc = None
            if c["cmd"] is not None and not problems:
                stdin = subprocess.DEVNULL
                if c["stdin"]:
                    stdin = open(os.path.expandvars(expand(c["stdin"], env)), "rb")
                try:
                    p = subprocess.run(["bash", "-c", prelude + c["cmd"]], env=env, stdin=stdin,
                                       capture_output=True, timeout=120)
                    out = p.stdout.decode("utf-8", errors="replace")
                    err = p.stderr.decode("utf-8", errors="replace")
                    rc = p.returncode
                except subprocess.TimeoutExpired:
                    problems.append("timed out after 120 s")
                if stdin is not subprocess.DEVNULL:
                    stdin.close()
                if rc is not None:
                    checks += 1
                    if rc != c["rc"]:
                        problems.append(f"exit status {rc}, expected {c['rc']}")
            lines = {"1": out.splitlines(), "2": err.splitlines()}
            exact = {"1": [], "2": []}
            for tag, text, n in c["checks"]:
                checks += 1
                stream, kind = tag[0], tag[1]
                if kind != "=":
                    text = expand(text, env)
                if kind == ">":
                    exact[stream].append(text.replace("\\t", "\t"))
                elif kind == "~":
                    if not any(text in ln for ln in lines[stream]):
                        problems.append(f"line {n}: {'stdout' if stream == '1' else 'stderr'} has no line containing: {text}")
                elif kind == "!":
                    if any(text in ln for ln in lines[stream]):
                        problems.append(f"line {n}: {'stdout' if stream == '1' else 'stderr'} contains: {text}")
                elif kind == "=":
                    try:
                        rows = list(csv.reader(io.StringIO(out)))
                        ok = eval(text, {"out": out, "err": err, "rows": rows, "lines": lines["1"],
                                         "json": json, "re": re, "width": width, "columns": columns})
                    except Exception as e:  # noqa: BLE001
                        ok = False
                        text = f"{text}  ({type(e).__name__}: {e})"
                    if not ok:
                        problems.append(f"line {n}: not true: {text}")
            for stream in ("1", "2"):
                if exact[stream] and exact[stream] != lines[stream]:
                    name = "stdout" if stream == "1" else "stderr"
                    want = "\n".join("    " + x for x in exact[stream])
                    got = "\n".join("    " + x for x in lines[stream])
                    problems.append(f"{name} differs:\n  expected:\n{want}\n  got:\n{got}")
            if problems:
                failures += 1
                print(f"FAIL {path}:{c['line']}: {c['name']}")
                if c["cmd"]:
                    print(f"  $ {c['cmd']}")
                for pr in problems:
                    print("  " + pr.replace("\n", "\n  "))
                if out and not any("stdout differs" in x for x in problems):
                    print("  --- stdout:\n" + "\n".join("    " + x for x in lines["1"][:40]))
                if err and not any("stderr differs" in x for x in problems):
                    print("  --- stderr:\n" + "\n".join("    " + x for x in lines["2"][:40]))
    print(f"{os.path.basename(path)}: {len(cases) - failures} of {len(cases)} cases passed ({checks} checks)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
