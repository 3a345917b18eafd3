#!/usr/bin/env bash
# The bash completion (tools/completion/kigen.bash) completes as a shell
# would: COMP_WORDS and COMP_CWORD are set as readline sets them, _kigen is
# called, and COMPREPLY is compared with what `kigen --help` and
# `kigen CMD --help` say. Runs in a bare bash (--norc): the script must not
# need the bash-completion package.
#
#   check_completion.sh KIGEN SOURCE_DIR
set -u
kigen=$1 src=$2
script=$src/tools/completion/kigen.bash
passed=0 failed=0

# shellcheck source=../../tools/completion/kigen.bash
source "$script" || { echo "FAIL: cannot source $script"; exit 1; }
[ "$(complete -p kigen 2>/dev/null)" = "complete -F _kigen kigen" ] \
  || { echo "FAIL: the script does not register 'complete -F _kigen kigen'"; failed=$((failed + 1)); }

# complete WORD... : COMPREPLY, sorted, one line, for the words typed (the
# last one is the word being completed; '' for an empty one). Word 0 is the
# binary, so that completions that ask kigen (describe) ask this one.
complete_words() {
  COMP_WORDS=("$kigen" "$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMP_LINE="kigen $*"
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _kigen
  printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort -u | tr '\n' ' ' | sed 's/ $//'
}

sorted() { printf '%s\n' "$@" | LC_ALL=C sort -u | tr '\n' ' ' | sed 's/ $//'; }

# expect "WHAT IS TYPED" "EXPECTED COMPREPLY" WORD...
expect() {
  local what=$1 want=$2 got
  shift 2
  got=$(complete_words "$@")
  if [ "$got" = "$want" ]; then
    echo "ok   kigen $what<TAB> -> $got"
    passed=$((passed + 1))
  else
    echo "FAIL kigen $what<TAB>"
    echo "       expected: $want"
    echo "       got:      $got"
    failed=$((failed + 1))
  fi
}

# expect_has "WHAT IS TYPED" "WORDS THAT MUST BE AMONG THEM" WORD...
expect_has() {
  local what=$1 want=$2 got w missing=''
  shift 2
  got=" $(complete_words "$@") "
  for w in $want; do [[ $got == *" $w "* ]] || missing+=" $w"; done
  if [ -z "$missing" ]; then
    echo "ok   kigen $what<TAB> has $want"
    passed=$((passed + 1))
  else
    echo "FAIL kigen $what<TAB> lacks$missing (got:$got)"
    failed=$((failed + 1))
  fi
}

# The values --help gives OPTION of CMD: "a b c" from "--opt a|b|c".
help_values() {
  "$kigen" "$1" --help | grep -o -- "$2 [a-z0-9_]*|[a-z0-9_|]*" | head -1 | cut -d' ' -f2 | tr '|' '\n' \
    | LC_ALL=C sort -u | tr '\n' ' ' | sed 's/ $//'
}

commands=$("$kigen" --help | sed -n '/^commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p')
has() { grep -qx "$1" <<<"$commands"; }

# Commands.
expect "ev" "eval" ev
expect "ex" "explain" ex
expect "ve" "version" ve
expect_has "" "$(echo $commands)" ''

# Options.
expect "eval --th" "--threads" eval --th
expect "eval --inp" "--input --input-format" eval --inp
expect "eval --strict-columns --inp" "--input --input-format" eval --strict-columns --inp
expect "version --" "--help" version --
# Every option of the usage lines and of the option lines of --help (prose
# may name other commands' options: check_man.py sorts those out).
for c in $commands; do
  [ "$c" = version ] && continue
  opts=$("$kigen" "$c" --help | grep -E '^(usage:| {1,7}kigen | {1,4}--)' \
    | grep -o -- '--[a-z0-9][a-z0-9-]*' | sort -u | tr '\n' ' ')
  expect_has "$c --" "$opts" "$c" --
done

# Values.
expect "eval --format " "$(help_values eval --format)" eval --format ''
expect "eval --format j" "jsonl" eval --format j
expect "eval --lang " "$(help_values eval --lang)" eval --lang ''
expect "explain --lang " "en ja" explain --lang ''
expect "eval --messages " "$(help_values eval --messages)" eval --messages ''
expect "eval --date-style " "$(help_values eval --date-style)" eval --date-style ''
expect "eval --input-format " "$(help_values eval --input-format)" eval --input-format ''
expect "diff --format " "$(help_values diff --format)" diff --format ''
expect "explain --format " "$(help_values explain --format)" explain --format ''
expect "check --format " "$(help_values check --format)" check --format ''
expect "eval --encoding cp" "cp932" eval --encoding cp
expect "eval --threads " "$(sorted $(seq 1 "$(getconf _NPROCESSORS_ONLN)"))" eval --threads ''
expect "eval --where " "" eval --where ''
expect "eval --today " "" eval --today ''
if has describe; then
  expect "describe --format " "$(help_values describe --format)" describe --format ''
fi

# date and card have words of their own.
expect "date " "$(sorted $("$kigen" date --help | sed -n 's/.*kigen date \([a-z][a-z]*\) <.*/\1/p'))" date ''
expect "date add 2024-01-31 1 mo" "months" date add 2024-01-31 1 mo
expect "date add 2024-01-31 1 months --eom " "$(help_values date --eom)" date add 2024-01-31 1 months --eom ''
expect "date age 2000-02-29 2021-02-28 --method " "$(help_values date --method)" \
  date age 2000-02-29 2021-02-28 --method ''
expect "date birthday 2000-02-29 2020-01-01 1 --feb29 " "$(help_values date --feb29)" \
  date birthday 2000-02-29 2020-01-01 1 --feb29 ''
if has card; then
  expect "card " "certs facts list" card ''
fi

# File names: rule files are *.yaml/*.yml (and directories to go into).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/sub"
touch "$tmp/a.yaml" "$tmp/b.yml" "$tmp/people.csv" "$tmp/notes.txt"
expect "eval --rules DIR/" "$tmp/a.yaml $tmp/b.yml $tmp/sub" eval --rules "$tmp/"
expect "check DIR/" "$tmp/a.yaml $tmp/b.yml $tmp/sub" check "$tmp/"
expect "eval --input DIR/" "$tmp/a.yaml $tmp/b.yml $tmp/notes.txt $tmp/people.csv $tmp/sub" eval --input "$tmp/"
expect "eval --input DIR/p" "$tmp/people.csv" eval --input "$tmp/p"
expect "eval --include-root DIR/" "$tmp/sub" eval --include-root "$tmp/"
# Rule packs by name, from KIGEN_PATH.
KIGEN_PATH=$tmp/none:$src/rules expect "eval --rules jp/ (KIGEN_PATH)" "jp/mynumber" eval --rules jp/

# Fact, param and output names, when kigen has describe.
pack=$src/rules/jp/mynumber.yaml
if has describe; then
  expect "eval --rules PACK --set birth_d" "birth_date=" eval --rules "$pack" --set birth_d
  expect "eval --rules PACK --param feb29_" "feb29_birthday=" eval --rules "$pack" --param feb29_
  expect "explain --rules PACK card_st" "card_status" explain --rules "$pack" card_st
else
  echo "SKIP: kigen has no 'describe' subcommand yet: fact and param names are not completed"
fi
expect "eval --set birth_d (no --rules)" "" eval --set birth_d

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
