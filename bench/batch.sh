#!/usr/bin/env bash
# The batch benchmark: a whole population through `kigen eval`, against
# hand_batch, the same job written by hand in C.
#
#   bash bench/batch.sh [N] [BUILD_DIR]        (default: 1000000 build)
#
# Generates N residents (gen_residents), runs hand_batch and
#   kigen eval --rules rules/jp/mynumber.yaml --today 2026-11-30 --passthrough id --threads T
# on them, stops unless the outputs are byte-identical (cmp), then times each
# (best of 3, wall clock, output to a file) and prints records/s and peak RSS.
# Needs the targets built first:
#   cmake --build build -j2 --target kigen_cli gen_residents hand_batch
set -euo pipefail

N=${1:-1000000}
BUILD=${2:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TODAY=2026-11-30
RULES=$ROOT/rules/jp/mynumber.yaml
KIGEN=$BUILD/kigen
GEN=$BUILD/bench/gen_residents
HAND=$BUILD/bench/hand_batch

die() {
    echo "batch.sh: $*" >&2
    exit 1
}

for exe in "$KIGEN" "$GEN" "$HAND"; do
    [ -x "$exe" ] || die "$exe not found: cmake --build $BUILD -j2 --target kigen_cli gen_residents hand_batch"
done
[ -x /usr/bin/time ] || die "/usr/bin/time (GNU time) is needed for the peak RSS"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
IN=$TMP/residents.csv
KIGEN_ARGS=(eval --rules "$RULES" --today "$TODAY" --passthrough id --input "$IN")

echo "generating $N residents ..."
"$GEN" "$N" "$TODAY" >"$IN"

# --threads is new: run without it (and skip --threads 2) when kigen rejects it.
THREADS=yes
"$GEN" 1 "$TODAY" >"$TMP/one.csv"
if ! "$KIGEN" eval --rules "$RULES" --today "$TODAY" --passthrough id --input "$TMP/one.csv" --threads 1 \
    >/dev/null 2>"$TMP/probe.err"; then
    if grep -q -- "--threads" "$TMP/probe.err"; then
        THREADS=no
        echo "NOTE: this kigen rejects --threads; kigen runs without it, and --threads 2 is skipped:"
        sed 's/^/  /' "$TMP/probe.err"
    else
        cat "$TMP/probe.err" >&2
        die "kigen eval failed on one generated record"
    fi
fi
K1=("$KIGEN" "${KIGEN_ARGS[@]}")
K2=()
if [ "$THREADS" = yes ]; then
    K1+=(--threads 1)
    K2=("$KIGEN" "${KIGEN_ARGS[@]}" --threads 2)
fi

echo "checking the outputs agree ..."
"$HAND" --today "$TODAY" "$IN" >"$TMP/hand.csv" || die "hand_batch failed"
"${K1[@]}" >"$TMP/kigen1.csv" || die "kigen eval failed (exit $?): every generated record must evaluate"
cmp "$TMP/hand.csv" "$TMP/kigen1.csv" || die "FAIL: hand_batch and kigen eval (${K1[*]:1}) differ"
if [ ${#K2[@]} -gt 0 ]; then
    "${K2[@]}" >"$TMP/kigen2.csv" || die "kigen eval --threads 2 failed"
    cmp "$TMP/hand.csv" "$TMP/kigen2.csv" || die "FAIL: hand_batch and kigen eval --threads 2 differ"
fi
echo "byte-identical: $(wc -l <"$TMP/hand.csv") lines, $(wc -c <"$TMP/hand.csv") bytes"
rm -f "$TMP"/kigen1.csv "$TMP"/kigen2.csv

# time_best CMD...: best of 3 wall-clock runs, output to a file; sets BEST_NS
# and PEAK_KB (the largest maximum RSS of the three).
time_best() {
    BEST_NS=0
    PEAK_KB=0
    for _ in 1 2 3; do
        local t0 t1 kb
        t0=$(date +%s%N)
        /usr/bin/time -f %M -o "$TMP/rss" "$@" >"$TMP/out.csv" || die "failed while timing: $*"
        t1=$(date +%s%N)
        kb=$(tail -n 1 "$TMP/rss")
        if [ "$BEST_NS" -eq 0 ] || [ $((t1 - t0)) -lt "$BEST_NS" ]; then
            BEST_NS=$((t1 - t0))
        fi
        if [ "$kb" -gt "$PEAK_KB" ]; then
            PEAK_KB=$kb
        fi
    done
}

report() { # NAME NS KB
    awk -v name="$1" -v ns="$2" -v kb="$3" -v n="$N" \
        'BEGIN { printf "%-22s %9.3f s  %12.0f records/s  peak RSS %8.1f MiB\n", name, ns / 1e9, n / (ns / 1e9), kb / 1024 }'
}

echo "timing, best of 3 ($(nproc) cores) ..."
time_best "$HAND" --today "$TODAY" "$IN"
HAND_NS=$BEST_NS
report "hand_batch" "$HAND_NS" "$PEAK_KB"
time_best "${K1[@]}"
K1_NS=$BEST_NS
report "kigen $([ "$THREADS" = yes ] && echo "--threads 1" || echo "(no --threads)")" "$K1_NS" "$PEAK_KB"
if [ ${#K2[@]} -gt 0 ]; then
    time_best "${K2[@]}"
    K2_NS=$BEST_NS
    report "kigen --threads 2" "$K2_NS" "$PEAK_KB"
fi
awk -v h="$HAND_NS" -v k="$K1_NS" \
    'BEGIN { printf "kigen1/hand:   %.2f (time ratio)\n", k / h }'
if [ ${#K2[@]} -gt 0 ]; then
    awk -v k1="$K1_NS" -v k2="$K2_NS" \
        'BEGIN { printf "kigen2/kigen1: %.2f (time ratio; the second thread speeds kigen up %.2fx)\n", k2 / k1, k1 / k2 }'
else
    echo "kigen2/kigen1: n/a (no --threads in this kigen)"
fi
