#!/usr/bin/env bash
# The layers of src/ (docs/DESIGN.md), checked: a file includes headers of
# its own module and of the layers below it, never above; the CLI and the
# Lua module are clients of include/kigen.h (the CLI may use base/ too);
# no .c file declares a function it does not define (prototypes live in
# headers, so that a signature change cannot link silently).
# Exit 1 listing every violation.
set -euo pipefail
cd "$(dirname "$0")/.."

# module -> what it may include besides itself (and the public headers)
declare -A allowed=(
  [base]=""
  [model]="base"
  [front]="base model"
  [sema]="base model front"
  [rt]="base model"
  [lua]="base model front sema rt"
  [api]="base model front sema rt lua"
  [card]="base"
  [cli]="base"
  [luamod]=""
)

bad=0
for dir in src/*/; do
  mod=$(basename "$dir")
  if [[ -z ${allowed[$mod]+x} ]]; then
    echo "src/$mod: a module tools/layers.sh does not know: add it to the table (and to docs/DESIGN.md)"
    bad=1
    continue
  fi
  for f in "$dir"*.[ch]; do
    while IFS=: read -r line inc; do
      target=${inc%%/*}
      [[ $target == "$mod" ]] && continue
      ok=0
      for a in ${allowed[$mod]}; do [[ $a == "$target" ]] && ok=1; done
      if [[ $ok == 0 ]]; then
        echo "$f:$line: includes \"$inc\": $mod may include only ${allowed[$mod]:-no other module}"
        bad=1
      fi
    done < <(grep -n '^#include "[a-z_]*/' "$f" | sed -E 's/^([0-9]+):#include "([^"]+)".*/\1:\2/')
  done
done

# Inside the card driver: the protocol knows the transport only through
# transport.h; open.c alone wires PC/SC to it.
for f in src/card/*.c src/card/*.h; do
  case $f in src/card/open.c|src/card/pcsc.c|src/card/pcsc.h) continue ;; esac
  if grep -n '^#include "card/pcsc.h"' "$f" >/dev/null; then
    echo "$f: includes card/pcsc.h: only open.c chooses the transport"
    bad=1
  fi
done

# Prototypes in .c files: a file-scope declaration ending in ");" that is
# not static is a declaration of someone else's function.
for f in src/*/*.c; do
  while IFS= read -r hit; do
    echo "$f:${hit%%:*}: declares a function it does not define (put the prototype in a header): ${hit#*:}"
    bad=1
  done < <(awk '
    FNR == NR {
      if (/^[A-Za-z_]/ && !/;[ \t]*$/ && !/^[a-z_]+:/ && /\(/) {
        line = $0; gsub(/__attribute__\(\(.*\)\)/, "", line); sub(/\(.*/, "", line); n = split(line, w, /[ \t*]+/); defined[w[n]] = 1
      }
      next
    }
    /^[A-Za-z_]/ && !/^(static|typedef|return|enum|union|struct [a-z_]+ \{)/ && !/^[a-z_]+:/ {
      decl = $0; start = FNR
      while (decl !~ /[;{][ \t]*$/ && (getline nxt) > 0) decl = decl " " nxt
      if (decl ~ /\)[ \t]*(__attribute__\(\(.*\)\))?[ \t]*;[ \t]*$/ && decl !~ /=/) {
        n = decl; gsub(/__attribute__\(\(.*\)\)/, "", n); sub(/\(.*/, "", n); k = split(n, w, /[ \t*]+/)
        if (!(w[k] in defined)) print start ":" decl
      }
    }' "$f" "$f")
done

if [[ $bad == 0 ]]; then echo "layers: ok"; fi
exit $bad
