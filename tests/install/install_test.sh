#!/usr/bin/env bash
# install_package (tests/install/CMakeLists.txt): what a person on Debian
# does with the README's "Using the library", checked end to end.
#   install_test.sh BUILD_DIR SOURCE_DIR CC "SAN_FLAGS" CMAKE HAS_CARD
set -euo pipefail
build=$1 src=$2 cc=$3 san=$4 cmake=$5 has_card=$6
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

step "cmake --install into a temporary prefix, then move the tree"
"$cmake" --install "$build" --prefix "$t/first" >"$t/install.log" || { cat "$t/install.log"; fail "install"; }
mv "$t/first" "$t/p"   # every path below must work from where it lies now
p=$t/p
libdir=$(cd "$p" && dirname "$(find . -name kigen.pc | head -1)")
libdir=$p/${libdir#./}
libdir=${libdir%/pkgconfig}
[ -f "$libdir/libkigen.a" ] || fail "no libkigen.a in $libdir"
ls "$libdir"/libkigen.so.* >/dev/null || fail "no versioned libkigen.so in $libdir"
soname=$(objdump -p "$libdir/libkigen.so" 2>/dev/null | awk '/SONAME/ {print $2}') || true
[ -z "$soname" ] || [[ "$soname" == libkigen.so.[0-9]* ]] || fail "SONAME is '$soname'"
for f in include/kigen.h include/kigen_version.h bin/kigen share/kigen/rules/jp/mynumber.yaml \
         share/kigen/rules/jp/mynumber.test.yaml share/kigen/lua/nerima.lua share/kigen/lua/holidays_jp.lua share/kigen/lua/tozai_mail.lua \
         share/kigen/lua/types/kigen.lua share/kigen/lua/.luarc.json share/kigen/examples/mailing/tozai.yaml \
         share/kigen/examples/ward/nerima.yaml share/kigen/examples/residents.csv; do
  [ -e "$p/$f" ] || fail "not installed: $f"
done
if [ "$has_card" = 1 ]; then [ -f "$p/include/kigen_card.h" ] || fail "not installed: include/kigen_card.h"; fi

export PKG_CONFIG_PATH=$libdir/pkgconfig
step "pkg-config: the moved prefix, not the configured one"
pcprefix=$(pkg-config --variable=prefix kigen)
[ "$(cd "$pcprefix" && pwd -P)" = "$(cd "$p" && pwd -P)" ] || fail "kigen.pc prefix is '$pcprefix', not $p"
pkg-config --cflags kigen | grep -q -- "-I$pcprefix/include" || fail "Cflags: $(pkg-config --cflags kigen)"
static_libs=$(pkg-config --static --libs kigen)
for want in -lyaml -ljansson -llua5.4 -lm -pthread; do
  [[ " $static_libs " == *" $want "* ]] || fail "pkg-config --static --libs lacks $want: $static_libs"
done
if [ "$has_card" = 1 ]; then
  for want in -lpcsclite -lcrypto; do
    [[ " $static_libs " == *" $want "* ]] || fail "card driver built, but --static --libs lacks $want: $static_libs"
  done
fi

expect_embed() { # the example's first value (docs/api.md; SPEC R1-R2: line 20 before 2022-04-01)
  local out
  out=$("$@" "$p/share/kigen/rules/jp/mynumber.yaml") || fail "$1 exited $?"
  grep -Eq '^card_expiry +2026-04-02$' <<<"$out" || fail "$1 printed: $(head -3 <<<"$out")"
}

step "pkg-config, shared: cc embed.c \$(pkg-config --cflags --libs kigen)"
# shellcheck disable=SC2046,SC2086
"$cc" $san "$src/examples/embed.c" -o "$t/embed_pc_shared" $(pkg-config --cflags --libs kigen)
ldd "$t/embed_pc_shared" | grep -q "libkigen.so" || fail "not linked to libkigen.so"
LD_LIBRARY_PATH=$libdir expect_embed "$t/embed_pc_shared"

step "pkg-config, static: libkigen.a and pkg-config --static --libs"
# -l:libkigen.a picks the archive where both are installed (GNU ld)
# shellcheck disable=SC2046,SC2086
"$cc" $san "$src/examples/embed.c" -o "$t/embed_pc_static" $(pkg-config --cflags kigen) \
  $(pkg-config --static --libs kigen | sed 's/-lkigen\b/-l:libkigen.a/')
if ldd "$t/embed_pc_static" | grep -q "libkigen"; then fail "static build still needs libkigen.so"; fi
expect_embed "$t/embed_pc_static"

step "CMake: find_package(kigen), kigen::kigen and kigen::kigen_static"
"$cmake" -S "$src/tests/install/consumer" -B "$t/consumer" -DCMAKE_PREFIX_PATH="$p" \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$san" -DEMBED_C="$src/examples/embed.c" >"$t/cmake.log" 2>&1 \
  || { cat "$t/cmake.log"; fail "find_package(kigen)"; }
"$cmake" --build "$t/consumer" >"$t/build.log" 2>&1 || { cat "$t/build.log"; fail "consumer build"; }
LD_LIBRARY_PATH=$libdir expect_embed "$t/consumer/embed_cmake_shared"
expect_embed "$t/consumer/embed_cmake_static"
if ldd "$t/consumer/embed_cmake_static" | grep -q "libkigen"; then fail "kigen::kigen_static needs libkigen.so"; fi

step "the installed command finds the packs by name, from the moved tree"
run_kigen() { (cd "$t" && env -u KIGEN_PATH "$p/bin/kigen" "$@"); }
out=$(run_kigen eval --rules jp/mynumber --set birth_date=2004-04-02 --set application_date=2022-03-15 \
      --set card_issue_date=2022-04-01 --outputs card_expiry) || fail "eval --rules jp/mynumber: $out"
[ "$out" = $'card_expiry,error\n2026-04-02,' ] || fail "eval --rules jp/mynumber printed: $out"
run_kigen test "$p/share/kigen/rules/jp/mynumber.test.yaml" | tail -1 | grep -q " 0 failed" \
  || fail "the installed pack's tests"
# the ward example, installed beside the packs it includes
out=$(run_kigen eval --rules "$p/share/kigen/examples/ward/nerima.yaml" --input "$p/share/kigen/examples/ward/residents.csv" \
      --today 2026-11-24 --outputs office --quiet) || fail "ward example: $out"
[ "$(wc -l <<<"$out")" -gt 1 ] || fail "ward example printed: $out"
# the policies' own tests, with their stand-in modules, from the moved tree
out=$(run_kigen test "$p/share/kigen/examples/ward/nerima.test.yaml" "$p/share/kigen/examples/ward/nerima_closures.test.yaml" \
      "$p/share/kigen/examples/mailing/tozai.test.yaml" "$p/share/kigen/examples/mailing/tozai_spring.test.yaml") ||
  fail "the installed policies' tests: $out"
grep -q '^17 passed, 0 failed$' <<<"$out" || fail "the installed policies' tests printed: $out"

step "KIGEN_PATH comes first; a name found nowhere says where it looked"
mkdir -p "$t/mine/jp"
# a copy with one deliberate error: if KIGEN_PATH is searched first, check finds it
sed 's/^kigen: 1$/kigen: 1\nnot_a_key: 1/' "$p/share/kigen/rules/jp/mynumber.yaml" >"$t/mine/jp/mynumber.yaml"
set +e
got=$(cd "$t" && KIGEN_PATH="$t/nothing:$t/mine" "$p/bin/kigen" check jp/mynumber 2>&1)
rc=$?
set -e
[ $rc -eq 1 ] && grep -q "^$t/mine/jp/mynumber.yaml:[0-9]*:[0-9]*: error.*not_a_key" <<<"$got" \
  || fail "check jp/mynumber with KIGEN_PATH=$t/nothing:$t/mine (exit $rc): $got"
set +e
err=$(cd "$t" && KIGEN_PATH="$t/nothing" "$p/bin/kigen" eval --rules jp/mynumbr --set birth_date=2000-01-01 2>&1 >/dev/null)
rc=$?
set -e
[ $rc -eq 2 ] || fail "unknown pack: exit $rc"
grep -q "jp/mynumbr: no such file, and no rule pack of that name in $t/nothing, $(cd "$p" && pwd -P)/share/kigen/rules" <<<"$err" \
  || fail "unknown pack's message: $err"

step "man pages and completion, where the build made them"
if [ -d "$p/share/man/man1" ]; then
  MANPATH=$p/share/man man -w kigen >/dev/null || fail "man -w kigen"
  MANPATH=$p/share/man man -w 5 kigen-rules >/dev/null || fail "man -w 5 kigen-rules"
  MANPATH=$p/share/man man -w 7 kigen-lua >/dev/null || fail "man -w 7 kigen-lua"
fi
echo "install_package: ok"
