#!/usr/bin/env python3
"""The LuaLS definition file (lua/types/kigen.lua) says what kigen really
gives policy scripts: every function of the `kigen` library (src/lua/lib.c's
lp_kigen_funcs, plus `version`), every field of `rec` (src/lua/call.c's
rec_index keys) and every field register_function and register_hook take
(src/lua/register.c) is declared, and nothing else; the file compiles.

    check_meta.py SOURCE_DIR
"""
import re
import shutil
import subprocess
import sys

src = sys.argv[1]
meta = open(f"{src}/lua/types/kigen.lua", encoding="utf-8").read()
lib = open(f"{src}/src/lua/lib.c", encoding="utf-8").read()
call = open(f"{src}/src/lua/call.c", encoding="utf-8").read()
reg = open(f"{src}/src/lua/register.c", encoding="utf-8").read()
fails = []


def compare(what, code, declared):
    if code != declared:
        fails.append(f"{what}: only the code has {sorted(code - declared)}, "
                     f"only lua/types/kigen.lua has {sorted(declared - code)}")


def class_fields(name):
    """The ---@field names of a ---@class block."""
    m = re.search(r"^---@class " + re.escape(name) + r"\n((?:---.*\n)*)", meta, re.M)
    if not m:
        fails.append(f"lua/types/kigen.lua has no ---@class {name}")
        return set()
    return set(re.findall(r"^---@field (\w+)", m.group(1), re.M))


funcs = re.search(r"lp_kigen_funcs\[\] = \{(.*?)\{NULL", lib, re.S).group(1)
compare("the kigen library", set(re.findall(r'\{"(\w+)",', funcs)) | {"version"},
        set(re.findall(r"^function kigen\.(\w+)\(", meta, re.M)) |
        set(re.findall(r"^kigen\.(\w+) =", meta, re.M)))

keys = re.search(r'keys\[\] = \{([^}]*)\};\n(?:.*\n){0,3}.*push_view', call)
keys = re.search(r'static const char \*const keys\[\] = \{([^}]*)\}', call).group(1)
compare("rec", set(re.findall(r'"(\w+)"', keys)),
        class_fields("kigen.rec") | set(re.findall(r"^function rec\.(\w+)\(", meta, re.M)))

fields = re.findall(r'static const char \*const fields\[\] = \{([^}]*)\}', reg)
compare("register_function's table", set(re.findall(r'"(\w+)"', fields[0])), class_fields("kigen.function_spec"))
compare("register_hook's table", set(re.findall(r'"(\w+)"', fields[1])), class_fields("kigen.hook_spec"))

if not meta.startswith("---@meta"):
    fails.append("lua/types/kigen.lua does not start with ---@meta (LuaLS would run it as code)")
luac = shutil.which("luac5.4")
if not luac:
    fails.append("luac5.4 is missing (Debian package lua5.4)")
else:
    p = subprocess.run([luac, "-p", f"{src}/lua/types/kigen.lua"], stderr=subprocess.PIPE)
    if p.returncode:
        fails.append("lua/types/kigen.lua does not compile: " + p.stderr.decode())

for f in fails:
    print("FAIL: " + f)
print("lua meta: " + ("ok" if not fails else f"{len(fails)} problems"))
sys.exit(1 if fails else 0)
