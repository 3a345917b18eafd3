#!/usr/bin/env python3
"""The man pages and the bash completion agree with the program.

    check_man.py KIGEN SOURCE_DIR BINARY_DIR [BASH]

What `kigen --help` and `kigen CMD --help` print is the truth:

- every command `kigen --help` lists has a section "## kigen CMD" in
  docs/man/kigen.1.scd, and a list of options in the completion script
  (tools/completion/kigen.bash, `_kigen_options CMD`);
- every long option `kigen CMD --help` prints is in that section of the man
  page and in that list; and nothing is in either that --help does not know
  (the global options of `kigen --help` and --help itself aside);
- an option written after "kigen OTHER" anywhere in the man pages (or in a
  --help text) must be one OTHER knows: examples rot too;
- a fixed set of values that --help gives an option (--format csv|jsonl|table)
  is the set the man page shows and the set the completion offers;
- the diagnostic codes listed in kigen-rules(5) and kigen-lua(7) are those of
  src/base/diag_codes.h;
- each page renders with scdoc, groff -ww and man --warnings without a single
  warning, and `man -l BINARY_DIR/man/kigen.1` shows "kigen eval".

Commands the binary does not have (card when built without the card driver;
describe and timeline until they land) are skipped with a "SKIP:" line, and
so are the options announced below (PENDING) while --help does not know
them yet: each such line says what was not checked. Exits 1 listing every
problem.
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

# Commands the man page and the completion may describe before this binary
# has them (a build without the card driver has no `card`).
ANNOUNCED = {"describe", "timeline", "card"}
# Options documented ahead of the code that will parse them, by command
# ({"explain": {"--brief"}}): while `kigen CMD --help` does not print one,
# it is skipped (with a SKIP line) rather than reported. Empty it once --help
# prints them, so that an option dropped later is reported.
PENDING = {}
# Options a command takes that its --help need not print: `kigen --version`
# is `kigen version`.
EXTRA = {"version": {"--version"}}
# Options a command's --help mentions in its prose that belong to other
# commands (without "kigen OTHER" before them): the man page may mention
# them too, the completion must not offer them.
MENTIONS = {"describe": {"--param"}}

OPT = r"(?<![\w-])--[a-z0-9][a-z0-9-]*"
VALUES = r"(?<![\w-])(--[a-z0-9][a-z0-9-]*)[ =]([a-z0-9_]+(?:\|[a-z0-9_]+)+)(?![\w|])"

problems = []
notes = []


def problem(msg):
    problems.append(msg)


def skip(msg, key=None):
    key = key or msg
    if key not in notes:
        notes.append(key)
        print("SKIP: " + msg)


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


kigen, src, bld = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
bash = sys.argv[4] if len(sys.argv) > 4 else shutil.which("bash") or "bash"
man_dir = src / "docs" / "man"
completion = src / "tools" / "completion" / "kigen.bash"

# ---- what the program says ---------------------------------------------------

top = run([kigen, "--help"]).stdout
commands = re.findall(r"^  ([a-z]+) {2,}\S", top.split("commands:", 1)[-1], re.M)
if not commands:
    problem(f"'kigen --help' lists no commands:\n{top}")
# The global options are those of the option lines, not the commands' lines.
GLOBAL = set(re.findall(r"^\s+(--[a-z0-9][a-z0-9-]*)", top, re.M)) | {"--help"}
KNOWN_CMDS = set(commands) | ANNOUNCED


def attribute(text, base, continued=lambda line: False):
    """(command or None, option, line) for each long option in text: an
    option belongs to the command of "kigen CMD" before it on its line,
    else to base. Lines for which continued() is true run on into the next."""
    out = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        while continued(line) and i + 1 < len(lines):
            i += 1
            line = line.rstrip().rstrip("\\") + " " + lines[i]
        ctx = base
        for m in re.finditer(r"\bkigen\s+([a-z]+)\b|(" + OPT + ")", line):
            if m.group(1):
                if m.group(1) in KNOWN_CMDS:
                    ctx = m.group(1)
            else:
                out.append((ctx, m.group(2), line.strip()))
        i += 1
    return out


def value_sets(text):
    sets = {}
    for opt, vals in re.findall(VALUES, text):
        sets.setdefault(opt, set()).update(vals.split("|"))
    return sets


helps, help_opts, help_vals = {}, {}, {}
for c in commands:
    r = run([kigen, c, "--help"])
    if r.returncode != 0:
        problem(f"'kigen {c} --help' exits {r.returncode}")
    helps[c] = r.stdout
    help_opts[c], help_vals[c] = set(), value_sets(r.stdout)
    for ctx, opt, line in attribute(r.stdout, c):
        if ctx == c and opt in MENTIONS.get(c, ()):
            continue
        if ctx == c:
            help_opts[c].add(opt)
        else:
            help_opts.setdefault("@refs", set()).add((c, ctx, opt, line))
ALL_OPTS = set().union(GLOBAL, *(help_opts[c] for c in commands), *PENDING.values())
for c in sorted(ANNOUNCED - set(commands)):
    skip(f"kigen has no '{c}' subcommand (yet): its man page section and completion are not checked")


def allowed(ctx, opt, where, mention_ok=True):
    """Is opt one that command ctx takes (or, with mention_ok, one its --help
    mentions)? Reports and returns False if not."""
    if ctx is None:
        return opt in ALL_OPTS or opt in announced_opts
    if ctx not in commands:
        return True  # skipped above
    if opt in help_opts[ctx] or opt in GLOBAL or opt in EXTRA.get(ctx, ()):
        return True
    if mention_ok and opt in MENTIONS.get(ctx, ()):
        return True
    if opt in PENDING.get(ctx, ()):
        skip(f"'kigen {ctx} --help' does not print {opt} yet: the man page and the completion "
             f"have it ahead of the code (first seen in {where})", key=(ctx, opt))
        return True
    problem(f"{where}: {opt} is written for 'kigen {ctx}', whose --help does not know it")
    return False


# --help texts that name another command's options: those must exist too.
for c, ctx, opt, line in sorted(help_opts.pop("@refs", ())):
    allowed(ctx, opt, f"'kigen {c} --help' ({line})")

# ---- the man page kigen(1) ---------------------------------------------------

scd = {p.name: p.read_text() for p in sorted(man_dir.glob("*.scd"))}
page1 = scd.get("kigen.1.scd", "")
if not page1:
    problem(f"{man_dir}/kigen.1.scd is missing")


def sections(text, level):
    """{title: body} of the '#'*level headers."""
    out, title, body = {}, None, []
    for line in text.splitlines():
        m = re.match(r"^(#+) (.*)$", line)
        if m and len(m.group(1)) <= level:
            if title is not None:
                out[title] = "\n".join(body)
            title, body = (m.group(2).strip() if len(m.group(1)) == level else None), []
        else:
            body.append(line)
    if title is not None:
        out[title] = "\n".join(body)
    return out


def plain(scd_text):
    """scdoc source as text: no escapes, no bold."""
    text = re.sub(r"\\(.)", r"\1", scd_text)
    return text.replace("*", "")


def continued(line):
    return line.rstrip().endswith("\\")


man_cmds = {}
for title, body in sections(page1, 2).items():
    m = re.match(r"^kigen (\S+)$", title)
    if m:
        man_cmds[m.group(1)] = body
announced_opts = set()
for c in man_cmds:
    if c not in commands:
        announced_opts |= {o for ctx, o, _ in attribute(plain(man_cmds[c]), c, continued) if ctx == c}
for c in commands:
    if c not in man_cmds:
        problem(f"kigen.1.scd: no section '## kigen {c}' for the command 'kigen {c}'")
for c in man_cmds:
    if c not in commands and c not in ANNOUNCED:
        problem(f"kigen.1.scd: a section '## kigen {c}', but kigen has no command '{c}'")

for c, body in man_cmds.items():
    if c not in commands:
        continue
    text = plain(body)
    documented = set()
    for ctx, opt, line in attribute(text, c, continued):
        if allowed(ctx, opt, f"kigen.1.scd, section 'kigen {c}' ({line})") and ctx == c:
            documented.add(opt)
    for opt in sorted(help_opts[c] - documented):
        problem(f"kigen.1.scd: 'kigen {c} --help' prints {opt}, the section 'kigen {c}' does not")
    man_vals = value_sets(text)
    for opt, vals in help_vals[c].items():
        if opt in man_vals and man_vals[opt] != vals:
            problem(f"kigen.1.scd, section 'kigen {c}': {opt} takes {'|'.join(sorted(man_vals[opt]))}, "
                    f"'kigen {c} --help' says {'|'.join(sorted(vals))}")

# Outside the command sections, and in the other pages: each option written
# after "kigen CMD" is one CMD takes; any other is one some command takes.
rest = {name: text for name, text in scd.items() if name != "kigen.1.scd"}
rest["kigen.1.scd (outside the command sections)"] = "\n".join(
    body for title, body in sections(page1, 1).items() if title != "COMMANDS")
for name, text in rest.items():
    for ctx, opt, line in attribute(plain(text), None, continued):
        if ctx is None and not allowed(None, opt, name):
            problem(f"{name}: {opt} is an option no command has ({line})")
        elif ctx is not None:
            allowed(ctx, opt, f"{name} ({line})")
glob_sec = sections(page1, 1).get("GLOBAL OPTIONS", "")
for opt in sorted(GLOBAL - {"--help"}):
    if opt not in re.findall(OPT, plain(glob_sec)):
        problem(f"kigen.1.scd: 'kigen --help' prints {opt}, the section GLOBAL OPTIONS does not")

# ---- the completion script -----------------------------------------------------

if not completion.exists():
    problem(f"{completion} is missing")
else:
    script = ('source "$1" || exit 1; echo "@commands $_kigen_commands"; shift\n'
              'for c in "$@"; do echo "@cmd $c"; _kigen_options "$c" || echo "@none";'
              ' for o in $(_kigen_options "$c"); do echo "@values ${o%=} $(_kigen_values "$c" "${o%=}")"; done; done')
    everything = sorted(KNOWN_CMDS | set(man_cmds))
    r = run([bash, "--norc", "--noprofile", "-c", script, "check", str(completion), *everything])
    if r.returncode != 0 or r.stderr:
        problem(f"{completion.name}: sourcing it failed ({r.returncode}): {r.stderr.strip()}")
    comp_cmds, comp_opts, comp_vals, cur = [], {}, {}, None
    for line in r.stdout.splitlines():
        if line.startswith("@commands "):
            comp_cmds = line.split()[1:]
        elif line.startswith("@cmd "):
            cur = line.split()[1]
            comp_opts[cur] = set()
        elif line == "@none":
            comp_opts.pop(cur, None)
        elif line.startswith("@values "):
            _, opt, *vals = line.split()
            if vals:
                comp_vals[(cur, opt)] = set(v.strip("'") for v in vals)
        elif cur in comp_opts:
            comp_opts[cur].add(line.rstrip("="))
    for c in commands:
        if c not in comp_cmds:
            problem(f"{completion.name}: the command '{c}' is not in _kigen_commands")
        if c not in comp_opts:
            problem(f"{completion.name}: _kigen_options has no list for '{c}'")
            continue
        longs = {o for o in comp_opts[c] if o.startswith("--")}
        for opt in sorted(longs):
            allowed(c, opt, f"{completion.name}, the options of '{c}'", mention_ok=False)
        for opt in sorted(help_opts[c] - longs):
            problem(f"{completion.name}: 'kigen {c} --help' prints {opt}, _kigen_options {c} does not")
        for opt, vals in help_vals[c].items():
            got = comp_vals.get((c, opt))
            if got != vals:
                problem(f"{completion.name}: 'kigen {c} {opt} <TAB>' offers "
                        f"{' '.join(sorted(got)) if got else 'nothing'}; --help says {'|'.join(sorted(vals))}")
    for c in comp_cmds:
        if c not in commands and c not in ANNOUNCED:
            problem(f"{completion.name}: completes a command '{c}' that kigen does not have")
    for opt in sorted(GLOBAL - {"--help"}):
        if not any(opt in s for s in comp_opts.values()):
            problem(f"{completion.name}: the global option {opt} is offered for no command")

# ---- diagnostic codes ------------------------------------------------------------

codes = {}
for m in re.finditer(r'X\(([EW]\d{4}), \w+, "(?:[^"\\]|\\.)*", "([^"]+)"\)',
                     (src / "src/base/diag_codes.h").read_text()):
    codes[m.group(1)] = m.group(2)
for page, doc in (("kigen-rules.5.scd", "rules.md"), ("kigen-lua.7.scd", "lua.md")):
    listed = set(re.findall(r"^\|\s+([EW]\d{4})\s*$", scd.get(page, ""), re.M))
    want = {c for c, d in codes.items() if d == doc}
    for c in sorted(want - listed):
        problem(f"{page}: the code {c} (docs/{doc}) is not in its DIAGNOSTICS table")
    for c in sorted(listed - want):
        problem(f"{page}: lists {c}, which src/base/diag_codes.h does not give to docs/{doc}")

# ---- rendering -------------------------------------------------------------------

scdoc, groff, man = shutil.which("scdoc"), shutil.which("groff"), shutil.which("man")
if not scdoc:
    problem("scdoc is not installed: the man pages cannot be built or checked "
            "(Debian package scdoc: apt-get install scdoc)")
if not groff:
    problem("groff is not installed (Debian package groff-base)")
if not man:
    problem("man is not installed (Debian package man-db)")
env = dict(os.environ, MANPAGER="cat", PAGER="cat", MANWIDTH="80", LC_ALL="C.UTF-8")
if scdoc and groff and man:
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in scd.items():
            r = run([scdoc], input=text)
            if r.returncode != 0:
                problem(f"scdoc {name}: {r.stderr.strip()}")
                continue
            roff = pathlib.Path(tmp) / name[:-4]
            roff.write_text(r.stdout)
            g = run([groff, "-k", "-man", "-Tutf8", "-ww", "-z", str(roff)], env=env)
            if g.returncode != 0 or g.stderr.strip():
                problem(f"groff -ww on {name}: {g.stderr.strip() or g.returncode}")
            w = run([man, "--warnings", "-l", str(roff)], env=env)
            if w.returncode != 0 or w.stderr.strip():
                problem(f"man --warnings -l on {name}: {w.stderr.strip() or w.returncode}")
    built = bld / "man" / "kigen.1"
    if not built.exists():
        problem(f"{built} was not built (configure found no scdoc? reconfigure, then build)")
    else:
        r = run([man, "-l", str(built)], env=env)
        if r.returncode != 0 or "kigen eval" not in r.stdout:
            problem(f"man -l {built}: no 'kigen eval' in what it shows ({r.returncode}): {r.stderr.strip()}")
        for page in ("kigen-rules.5", "kigen-lua.7"):
            if not (bld / "man" / page).exists():
                problem(f"{bld / 'man' / page} was not built")

for p in problems:
    print("FAIL: " + p)
checked = ", ".join(c for c in commands)
print(f"check_man: commands {checked}; {len(notes)} skipped, {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
