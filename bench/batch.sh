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

# Timing: ROUNDS rounds (default 5), each running hand_batch, kigen --threads 1
# and kigen --threads 2 in turn, so that a machine whose speed drifts (a shared
# VM) slows all three alike; the best wall-clock time of each is kept, and the
# largest peak RSS. Output goes to a file, as a real run's would.
ROUNDS=${ROUNDS:-5}
declare -A BEST PEAK
run_once() { # NAME CMD...
    local name=$1 t0 t1 kb
    shift
    t0=$(date +%s%N)
    /usr/bin/time -f %M -o "$TMP/rss" "$@" >"$TMP/out.csv" || die "failed while timing: $*"
    t1=$(date +%s%N)
    kb=$(tail -n 1 "$TMP/rss")
    if [ -z "${BEST[$name]:-}" ] || [ $((t1 - t0)) -lt "${BEST[$name]}" ]; then
        BEST[$name]=$((t1 - t0))
    fi
    if [ -z "${PEAK[$name]:-}" ] || [ "$kb" -gt "${PEAK[$name]}" ]; then
        PEAK[$name]=$kb
    fi
}

report() { # NAME NS KB
    awk -v name="$1" -v ns="$2" -v kb="$3" -v n="$N" \
        'BEGIN { printf "%-22s %9.3f s  %12.0f records/s  peak RSS %8.1f MiB\n", name, ns / 1e9, n / (ns / 1e9), kb / 1024 }'
}

echo "timing: $ROUNDS interleaved rounds, best of each ($(nproc) cores) ..."
for _ in $(seq "$ROUNDS"); do
    run_once hand "$HAND" --today "$TODAY" "$IN"
    run_once k1 "${K1[@]}"
    [ ${#K2[@]} -gt 0 ] && run_once k2 "${K2[@]}"
done
report "hand_batch" "${BEST[hand]}" "${PEAK[hand]}"
report "kigen --threads 1" "${BEST[k1]}" "${PEAK[k1]}"
[ ${#K2[@]} -gt 0 ] && report "kigen --threads 2" "${BEST[k2]}" "${PEAK[k2]}"
awk -v h="${BEST[hand]}" -v k="${BEST[k1]}" \
    'BEGIN { printf "kigen --threads 1 / hand_batch: %.2fx the records/s (target >= 0.5)\n", h / k }'
if [ ${#K2[@]} -gt 0 ]; then
    awk -v k1="${BEST[k1]}" -v k2="${BEST[k2]}" \
        'BEGIN { printf "kigen --threads 2 / --threads 1: %.2fx the records/s (target >= 1.8)\n", k1 / k2 }'
fi
