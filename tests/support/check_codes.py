#!/usr/bin/env python3
"""One table of diagnostic codes (src/base/diag_codes.h), held to the
code and to the docs: every code src/ uses is in the table, every code in
the table is used, and each row's meaning is word for word the row of the
docs page it names. Run by ctest; exits 1 listing every difference."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
table = {}
for m in re.finditer(r'X\(([EW]\d{4}), (KIGEN_SEV_\w+), "((?:[^"\\]|\\.)*)", "([^"]+)"\)',
                     (root / "src/base/diag_codes.h").read_text()):
    code, sev, meaning, page = m.groups()
    table[code] = (sev, meaning.replace('\\"', '"').replace("\\\\", "\\"), page)

problems = []
if not table:
    problems.append("src/base/diag_codes.h: no rows found")
for code, (sev, _, _) in table.items():
    if (code[0] == "E") != (sev == "KIGEN_SEV_ERROR"):
        problems.append(f"{code}: severity {sev} does not match its letter")

used = {}
for f in sorted((root / "src").rglob("*.[ch]")):
    if f.name == "diag_codes.h":
        continue
    for n, line in enumerate(f.read_text(errors="replace").splitlines(), 1):
        for code in re.findall(r'"([EW]\d{4})"', line):
            used.setdefault(code, f"{f.relative_to(root)}:{n}")
for code, where in sorted(used.items()):
    if code not in table:
        problems.append(f"{where}: code {code} is not in src/base/diag_codes.h")
for code in sorted(set(table) - set(used)):
    problems.append(f"src/base/diag_codes.h: {code} is never used in src/")

docs = {}
for page in sorted({p for _, _, p in table.values()}):
    for line in (root / "docs" / page).read_text().splitlines():
        m = re.match(r"^\| ([EW]\d{4}) \| (.*) \|\s*$", line)
        if m:
            docs[m.group(1)] = (page, m.group(2))
for code, (_, meaning, page) in sorted(table.items()):
    if code not in docs:
        problems.append(f"docs/{page}: no row for {code}")
    elif docs[code][0] != page:
        problems.append(f"{code}: the table says docs/{page}, the row is in docs/{docs[code][0]}")
    elif docs[code][1] != meaning:
        problems.append(f"{code}: docs/{page} says '{docs[code][1]}', the table '{meaning}'")
for code in sorted(set(docs) - set(table)):
    problems.append(f"docs/{docs[code][0]}: {code} is not in src/base/diag_codes.h")

for p in problems:
    print(p)
print(f"check_codes: {len(table)} codes, {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
