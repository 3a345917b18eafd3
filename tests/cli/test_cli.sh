#!/usr/bin/env bash
# End-to-end tests of the kigen command, run as a user would run it.
#
#   test_cli.sh KIGEN_BINARY SOURCE_DIR
#
# Every check prints what failed and the script stops at the first failure
# (exit 1). The rule, record and test files are in tests/data/lang/; the
# expected values are worked out by hand (ages per SPEC D3, birthdays per
# SPEC D1), see tests/data/lang/cards.yaml.
set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 KIGEN_BINARY SOURCE_DIR" >&2
    exit 2
fi
KIGEN=$1
SRC=$2
DATA=$SRC/tests/data/lang
RULES=$DATA/cards.yaml
T=$(mktemp -d "${TMPDIR:-/tmp}/kigen_cli.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
export LC_ALL=C.UTF-8

CHECKS=0
fail() {
    echo "FAIL [$CURRENT]: $*" >&2
    echo "--- command: ${LAST_CMD:-}" >&2
    echo "--- exit status: ${RC:-}" >&2
    echo "--- stdout:" >&2
    cat "$T/out" >&2 2>/dev/null
    echo "--- stderr:" >&2
    cat "$T/err" >&2 2>/dev/null
    exit 1
}
section() { CURRENT=$1; }

# run CMD... : stdout in $T/out and $OUT, stderr in $T/err and $ERR, status in $RC
run() {
    LAST_CMD="$*"
    "$@" >"$T/out" 2>"$T/err" </dev/null
    RC=$?
    OUT=$(cat "$T/out")
    ERR=$(cat "$T/err")
}
# run_in FILE CMD... : the same with FILE on standard input
run_in() {
    local input=$1
    shift
    LAST_CMD="$* < $input"
    "$@" <"$input" >"$T/out" 2>"$T/err"
    RC=$?
    OUT=$(cat "$T/out")
    ERR=$(cat "$T/err")
}
expect_rc() {
    CHECKS=$((CHECKS + 1))
    [ "$RC" -eq "$1" ] || fail "exit status $RC, expected $1"
}
out_has() {
    CHECKS=$((CHECKS + 1))
    grep -qF -- "$1" "$T/out" || fail "stdout does not contain: $1"
}
out_lacks() {
    CHECKS=$((CHECKS + 1))
    ! grep -qF -- "$1" "$T/out" || fail "stdout contains: $1"
}
err_has() {
    CHECKS=$((CHECKS + 1))
    grep -qF -- "$1" "$T/err" || fail "stderr does not contain: $1"
}
# line N of stdout must be exactly TEXT
out_line() {
    CHECKS=$((CHECKS + 1))
    local got
    got=$(sed -n "${1}p" "$T/out")
    [ "$got" = "$2" ] || fail "stdout line $1 is '$got', expected '$2'"
}
out_lines() {
    CHECKS=$((CHECKS + 1))
    local n
    n=$(wc -l <"$T/out")
    [ "$n" -eq "$1" ] || fail "stdout has $n lines, expected $1"
}
# py 'PYTHON' : run a Python check over stdout (as sys.stdin); it must exit 0
py() {
    CHECKS=$((CHECKS + 1))
    python3 -S -c "$1" <"$T/out" 2>"$T/py" || fail "python check failed: $(cat "$T/py")"
}

[ -x "$KIGEN" ] || { echo "not executable: $KIGEN" >&2; exit 2; }
[ -f "$RULES" ] || { echo "missing: $RULES" >&2; exit 2; }

# ---------------------------------------------------------------------------
section "help"
run "$KIGEN" --help
expect_rc 0
out_has "usage: kigen <command> [options]"
for cmd in eval explain check test date; do
    out_has "  $cmd "
done
run "$KIGEN"
expect_rc 2
err_has "usage: kigen <command>"
run "$KIGEN" frobnicate
expect_rc 2
err_has "unknown command 'frobnicate'"
run "$KIGEN" version
expect_rc 0
out_has "kigen "
for cmd in eval explain check test date; do
    run "$KIGEN" "$cmd" --help
    expect_rc 0
    out_has "usage: kigen $cmd"
    run "$KIGEN" "$cmd" -h
    expect_rc 0
    out_has "usage: kigen $cmd"
done
run "$KIGEN" eval --help
out_has "--rules FILE"
out_has "--messages ja|en"
run "$KIGEN" check --help
out_has "--strict"

# ---------------------------------------------------------------------------
section "check"
run "$KIGEN" check "$RULES"
expect_rc 0
err_has "cards.yaml: ok (5 facts, 3 outputs)"

run "$KIGEN" check "$DATA/cards_bad.yaml"
expect_rc 1
err_has "$DATA/cards_bad.yaml:6:26: error[E0201]: unknown name 'birth_dat'"
err_has "= hint: did you mean 'birth_date'?"
err_has "$DATA/cards_bad.yaml:7:18: error[E0102]: unknown key 'valeu' in rule 'q'"
err_has "$DATA/cards_bad.yaml:7:3: error[E0103]: rule 'q' has no 'value' or 'cases'"
err_has "cards_bad.yaml: 3 errors"
# the offending line and a caret under column 26
err_has '    6 |   r: {source: S, value: "birth_dat + 1 day"}'
CHECKS=$((CHECKS + 1))
grep -qxF "$(printf '      | %25s^' '')" "$T/err" || fail "no caret under column 26"

# Columns count characters; the caret is placed by display width (a
# Japanese character takes two columns of the terminal).
run "$KIGEN" check "$DATA/cards_ja_bad.yaml"
expect_rc 1
err_has "cards_ja_bad.yaml:6:32: error[E0201]: unknown name 'birth_dat'"
err_has "cards_ja_bad.yaml:7:35: error[E0201]: unknown name 'birth_dat'"
CHECKS=$((CHECKS + 1))
python3 -S -c '
import re, sys, unicodedata
def width(s):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
n = 0
for i, l in enumerate(lines):
    m = re.match(r".*:(\d+):(\d+): error\[E0201\]", l)
    if not m:
        continue
    col = int(m.group(2))
    src = lines[i + 1].split(" | ", 1)[1]
    caret = lines[i + 2].split(" | ", 1)[1]
    assert caret.strip() == "^", caret
    assert len(caret) - 1 == width(src[:col - 1]), (l, len(caret) - 1, width(src[:col - 1]))
    n += 1
assert n == 2, n
' "$T/err" || fail "the carets are not under the columns"

# good and bad together: exit 1, both reported
run "$KIGEN" check "$RULES" "$DATA/cards_bad.yaml"
expect_rc 1
err_has "cards.yaml: ok"
err_has "error[E0201]"

run "$KIGEN" check --format json "$DATA/cards_bad.yaml" "$DATA/cards_warn.yaml"
expect_rc 1
py '
import json, sys
d = json.load(sys.stdin)
assert isinstance(d, list), d
codes = [(x["code"], x["line"], x["column"], x["severity"]) for x in d]
assert ("E0201", 6, 26, "error") in codes, codes
assert ("E0102", 7, 18, "error") in codes, codes
assert ("W0001", 6, 3, "warning") in codes, codes
e = [x for x in d if x["code"] == "E0201"][0]
assert e["file"].endswith("cards_bad.yaml"), e
assert e["message"] == "unknown name '"'"'birth_dat'"'"'", e
assert e["hint"] == "did you mean '"'"'birth_date'"'"'?", e
assert "expected" in e, e
w = [x for x in d if x["code"] == "W0001"][0]
assert w["file"].endswith("cards_warn.yaml"), w
'
run "$KIGEN" check --format json "$RULES"
expect_rc 0
py 'import json,sys; d=json.load(sys.stdin); assert d == [], d'

# warnings: fine, unless --strict
run "$KIGEN" check "$DATA/cards_warn.yaml"
expect_rc 0
err_has "cards_warn.yaml:6:3: warning[W0001]: rule 'r' has no 'source'"
err_has "1 warning"
run "$KIGEN" check --strict "$DATA/cards_warn.yaml"
expect_rc 1
err_has "cards_warn.yaml:6:3: error[W0001]"
run "$KIGEN" check --strict --format json "$DATA/cards_warn.yaml"
expect_rc 1
py 'import json,sys; d=json.load(sys.stdin); assert [(x["code"], x["severity"]) for x in d] == [("W0001", "error")], d'

run "$KIGEN" check "$T/no_such.yaml"
expect_rc 1
err_has "E0300"
run "$KIGEN" check
expect_rc 2
run "$KIGEN" check --bogus "$RULES"
expect_rc 2
err_has "unknown option '--bogus'"
run "$KIGEN" check --format xml "$RULES"
expect_rc 2

# ---------------------------------------------------------------------------
section "eval csv"
# Row 1: 18 on 2022-04-01 (the day before the 18th birthday), line 18 from
# that day: the 10th birthday. Row 2: one day younger, 17: the 5th. Row 3:
# no such day. Row 4: applied on 2022-03-31, when the line was 20.
run "$KIGEN" eval --rules "$RULES" --input "$DATA/people.csv" --today 2026-01-01
expect_rc 1
out_lines 5
out_line 1 "id,name,expiry,adult,card_status,error"
out_line 2 "1,山田 太郎,2031-04-02,true,valid,"
out_line 3 '2,"Sato, Hanako",2026-04-03,false,valid,'
out_line 4 "3,bad,,,,record 3: birth_date: 2023-02-29 does not exist: 2023 is not a leap year"
out_line 5 "4,early,2026-06-01,false,valid,"
err_has "record 3 (line 4, id 3): birth_date: 2023-02-29 does not exist"
err_has "1 of 4 records failed"
# the CSV is valid CSV
py '
import csv, sys
rows = list(csv.reader(sys.stdin))
assert rows[2] == ["2", "Sato, Hanako", "2026-04-03", "false", "valid", ""], rows[2]
assert all(len(r) == 6 for r in rows), rows
'

# standard input, CRLF line ends and a byte order mark
printf '\xef\xbb\xbfid,birth_date,issue\r\n7,2004-04-02,2022-04-01\r\n\r\n' >"$T/crlf.csv"
run_in "$T/crlf.csv" "$KIGEN" eval --rules "$RULES" --input - --today 2026-01-01
expect_rc 0
out_lines 2
out_line 1 "id,expiry,adult,card_status,error"
out_line 2 "7,2031-04-02,true,valid,"

# --param changes the reading of the law: a line of 16 makes row 2 an adult
run "$KIGEN" eval --rules "$RULES" --input "$DATA/people.csv" --today 2026-01-01 --param age_line=16
expect_rc 1
out_line 3 '2,"Sato, Hanako",2031-04-03,true,valid,'
out_line 5 "4,early,2031-06-01,true,valid,"
run "$KIGEN" eval --rules "$RULES" --input "$DATA/people.csv" --param age_line=sixteen
expect_rc 2
err_has "--param age_line=sixteen"
run "$KIGEN" eval --rules "$RULES" --input "$DATA/people.csv" --param age_lime=16
expect_rc 2
err_has "did you mean 'age_line'?"

# --today: expired the day after the expiry, valid on it
run "$KIGEN" eval --rules "$RULES" --input "$DATA/people.csv" --today 2026-04-03
out_line 3 '2,"Sato, Hanako",2026-04-03,false,valid,'
run "$KIGEN" eval --rules "$RULES" --input "$DATA/people.csv" --today 2026-04-04
out_line 3 '2,"Sato, Hanako",2026-04-03,false,expired,'
run "$KIGEN" eval --rules "$RULES" --input "$DATA/people.csv" --today R8.4.4
out_line 3 '2,"Sato, Hanako",2026-04-03,false,expired,'
run "$KIGEN" eval --rules "$RULES" --input "$DATA/people.csv" --today 2026-02-30
expect_rc 2
err_has "--today"

# --outputs: other rules and facts, in the order given
run "$KIGEN" eval --rules "$RULES" --input "$DATA/people.csv" --outputs foreign,app,expiry
out_line 1 "id,name,foreign,app,expiry,error"
out_line 2 "1,山田 太郎,false,2022-04-01,2031-04-02,"
out_line 5 "4,early,false,2022-03-31,2026-06-01,"
run "$KIGEN" eval --rules "$RULES" --input "$DATA/people.csv" --outputs expiry,nope
expect_rc 2
err_has "no rule or fact named 'nope'"

# --messages ja: the message of each outcome (the columns: see the end)
run "$KIGEN" eval --rules "$RULES" --input "$DATA/people.csv" --today 2026-04-04 --messages ja \
    --outputs card_status,expiry
out_has "card_status_message"
py '
import csv, sys
rows = list(csv.DictReader(sys.stdin))
assert rows[0]["card_status_message"] == "有効です。", rows[0]
assert rows[1]["card_status"] == "expired", rows[1]
assert rows[1]["card_status_message"] == "有効期限が過ぎています。", rows[1]
assert rows[2]["card_status_message"] == "" and rows[2]["error"].startswith("record 3:"), rows[2]
'
run "$KIGEN" eval --rules "$RULES" --input "$DATA/people.csv" --messages en --today 2026-01-01 --format jsonl
py '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert rows[0]["card_status_message"] == "The card is valid.", rows[0]
'
run "$KIGEN" eval --rules "$RULES" --input "$DATA/people.csv" --messages fr
expect_rc 2

# --set: one record without --input; a record's own value wins over --set
run "$KIGEN" eval --rules "$RULES" --set birth_date=2004-04-02 --set issue=2022-04-01 --today 2026-01-01
expect_rc 0
out_lines 2
out_line 1 "expiry,adult,card_status,error"
out_line 2 "2031-04-02,true,valid,"
printf 'id,birth_date\n1,2004-04-02\n2,\n' >"$T/partial.csv"
run "$KIGEN" eval --rules "$RULES" --input "$T/partial.csv" --set issue=2022-04-01 --set birth_date=2004-04-03 --today 2026-01-01
expect_rc 0
out_line 2 "1,2031-04-02,true,valid,"
out_line 3 "2,2026-04-03,false,valid,"
run "$KIGEN" eval --rules "$RULES" --set birth_dat=2004-04-02
expect_rc 2
err_has "did you mean 'birth_date'?"
run "$KIGEN" eval --rules "$RULES" --set birth_date
expect_rc 2
# a required fact missing from the single record
run "$KIGEN" eval --rules "$RULES" --set birth_date=2004-04-02
expect_rc 1
out_line 2 ",,,record 1: fact issue is required but not given"

# an input column named like an output is refused
printf 'expiry,birth_date,issue\nx,2004-04-02,2022-04-01\n' >"$T/clash.csv"
run "$KIGEN" eval --rules "$RULES" --input "$T/clash.csv"
expect_rc 2
err_has "input column 'expiry' has the name of an output"
run "$KIGEN" eval --rules "$RULES" --input "$T/clash.csv" --outputs adult
expect_rc 0
out_line 1 "expiry,adult,error"
out_line 2 "x,true,"

# malformed CSV records: reported with their number, the others go on
printf 'id,birth_date,issue\n1,2004-04-02,2022-04-01\n2,2004-04-02\n3,"2004-04-02"x,2022-04-01\n4,2004-04-03,2022-04-01\n' >"$T/ragged.csv"
run "$KIGEN" eval --rules "$RULES" --input "$T/ragged.csv" --today 2026-01-01
expect_rc 1
out_lines 5
out_line 2 "1,2031-04-02,true,valid,"
out_has "record 2: line 3: 2 fields, but the header has 3"
out_has "record 3: line 4: text after a closing quote"
out_line 5 "4,2026-04-03,false,valid,"
err_has "2 of 4 records failed"

# usage errors
run "$KIGEN" eval --input "$DATA/people.csv"
expect_rc 2
err_has "--rules FILE is required"
run "$KIGEN" eval --rules "$RULES" --frobnicate
expect_rc 2
err_has "unknown option '--frobnicate'"
run "$KIGEN" eval --rules "$RULES" --format xml
expect_rc 2
run "$KIGEN" eval --rules
expect_rc 2
err_has "--rules needs a value"
run "$KIGEN" eval --rules "$RULES" --input "$T/none.csv"
expect_rc 2
err_has "cannot read"
run "$KIGEN" eval --rules "$DATA/cards_bad.yaml" --input "$DATA/people.csv"
expect_rc 2
err_has "error[E0201]"
err_has "nothing was evaluated"
: >"$T/empty.csv"
run "$KIGEN" eval --rules "$RULES" --input "$T/empty.csv"
expect_rc 2
err_has "header"

# ---------------------------------------------------------------------------
section "eval jsonl"
run "$KIGEN" eval --rules "$RULES" --input "$DATA/people.jsonl" --format jsonl --today 2026-01-01 \
    --outputs expiry,adult,residence_end,valid_until
expect_rc 1
out_lines 5
py '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
# null means not given: app defaults to issue
assert rows[0] == {"id": 1, "expiry": "2031-04-02", "adult": True, "residence_end": None,
                   "valid_until": "2031-04-02"}, rows[0]
assert rows[1]["expiry"] == "2026-04-03" and rows[1]["adult"] is False, rows[1]
assert rows[2]["record"] == 3 and rows[2]["error"] == "fact issue is required but not given", rows[2]
assert "expiry" not in rows[2], rows[2]
assert rows[3]["record"] == 4 and "not valid JSON" in rows[3]["error"], rows[3]
assert rows[4]["residence_end"] == "2025-03-31" and rows[4]["valid_until"] == "2025-03-31", rows[4]
'
err_has "record 3 (line 3, id 3)"
err_has "record 4 (line 4)"
err_has "2 of 5 records failed"
# the file name chooses JSON Lines; the output format is chosen apart
cp "$DATA/people.jsonl" "$T/people.ndjson"
run "$KIGEN" eval --rules "$RULES" --input "$T/people.ndjson" --today 2026-01-01
expect_rc 1
out_line 1 "id,expiry,adult,card_status,error"
out_line 2 "1,2031-04-02,true,valid,"
out_has "record 4: line 4, column"
# --input-format for standard input; CSV in, JSON Lines out
run_in "$DATA/people.jsonl" "$KIGEN" eval --rules "$RULES" --input - --input-format jsonl --format jsonl --today 2026-01-01
expect_rc 1
out_lines 5
run "$KIGEN" eval --rules "$RULES" --input "$DATA/people.csv" --format jsonl --today 2026-01-01
expect_rc 1
py '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert rows[0] == {"id": "1", "name": "山田 太郎", "expiry": "2031-04-02", "adult": True,
                   "card_status": "valid"}, rows[0]
assert rows[2]["record"] == 3 and "not a leap year" in rows[2]["error"], rows[2]
'
# JSON values that are not facts: numbers, booleans, strings only
printf '{"birth_date": "2004-04-02", "issue": ["2022-04-01"]}\n{"birth_date": 20040402, "issue": "2022-04-01"}\n' >"$T/types.jsonl"
run "$KIGEN" eval --rules "$RULES" --input "$T/types.jsonl" --format jsonl --today 2026-01-01
expect_rc 1
py '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert rows[0]["record"] == 1 and "list" in rows[0]["error"], rows[0]
assert rows[1]["record"] == 2 and "birth_date" in rows[1]["error"], rows[1]
'
# a key named like an output
printf '{"adult": "x", "birth_date": "2004-04-02", "issue": "2022-04-01"}\n' >"$T/clash.jsonl"
run "$KIGEN" eval --rules "$RULES" --input "$T/clash.jsonl" --format jsonl
expect_rc 2
err_has "has the name of an output"

# ---------------------------------------------------------------------------
section "eval table"
run "$KIGEN" eval --rules "$RULES" --input "$DATA/people.csv" --format table --today 2026-01-01
expect_rc 1
out_lines 5
py '
import sys, unicodedata
def width(s):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)
lines = sys.stdin.read().split("\n")[:5]
assert lines[0].split() == ["id", "name", "expiry", "adult", "card_status", "error"], lines[0]
# every column starts at the same display column in every row
def starts(line, values):
    pos, out = 0, []
    for v in values:
        i = line.index(v, pos)
        out.append(width(line[:i]))
        pos = i + len(v)
    return out
head = starts(lines[0], ["id", "name", "expiry", "adult", "card_status"])
assert starts(lines[1], ["1", "山田 太郎", "2031-04-02", "true", "valid"]) == head, (lines[1], head)
assert starts(lines[2], ["2", "Sato, Hanako", "2026-04-03", "false", "valid"]) == head, (lines[2], head)
assert "record 3: birth_date: 2023-02-29 does not exist" in lines[3], lines[3]
'

# ---------------------------------------------------------------------------
section "explain"
run "$KIGEN" explain --rules "$RULES" --set birth_date=2004-04-02 --set issue=2022-04-01 --today 2026-01-01 expiry
expect_rc 0
out_has "expiry = 2031-04-02  [rule]"
out_has "the card's expiry"
out_has "source: S2 R1"
out_has "S2: 施行規則 <https://example.invalid/s2>"
out_has "case 1 of 2 taken: when adult"
out_has "adults get ten years"
out_has "param age_line = 18  (in effect from 2022-04-01; looked up at 2022-04-01)"
out_has "app = 2022-04-01  [fact, default]"
out_has "birth_date = 2004-04-02  [fact, given]"
run "$KIGEN" explain --rules "$RULES" --set birth_date=2004-04-03 --set issue=2022-04-01 --set app=2022-03-31 \
    --today 2026-01-01 --param feb29=mar1
expect_rc 0
out_has "expiry = 2026-04-03  [rule]"
out_has "case 2 of 2 taken: otherwise (no earlier case held)"
out_has "param age_line = 20  (in effect from 2016-01-01; looked up at 2022-03-31)"
out_has "param feb29 = mar1  (overridden for this run)"
out_has "card_status = valid"
run "$KIGEN" explain --rules "$RULES" --set birth_date=2004-04-02 --set issue=2022-04-01 --today 2026-01-01 \
    --format json expiry
expect_rc 0
py '
import json, sys
e = json.load(sys.stdin)
assert e["name"] == "expiry" and e["value"] == "2031-04-02", e
assert e["source"] == "S2 R1" and e["sources"][0]["id"] == "S2", e
assert e["case"]["index"] == 1 and e["case"]["of"] == 2 and e["case"]["when"] == "adult", e["case"]
adult = [i for i in e["inputs"] if i["name"] == "adult"][0]
line = [p for p in adult["params"] if p["name"] == "age_line"][0]
assert line == {"name": "age_line", "looked_up_at": "2022-04-01", "value": 18,
                "effective_from": "2022-04-01", "source": "S2",
                "sources": [{"id": "S2", "title": "施行規則", "url": "https://example.invalid/s2"}]}, line
'
run "$KIGEN" explain --rules "$RULES" --set birth_date=2004-04-02 --set issue=2022-04-01 --today 2026-01-01 --format json
expect_rc 0
py '
import json, sys
d = json.load(sys.stdin)
assert [o["name"] for o in d["outputs"]] == ["expiry", "adult", "card_status"], d
assert d["notes"] == [], d
'
# a record with an error is still explained, with exit 1
run "$KIGEN" explain --rules "$RULES" --set issue=2022-04-01 expiry
expect_rc 1
err_has "fact birth_date is required but not given"
out_has "birth_date = ERROR: fact birth_date is required but not given"
run "$KIGEN" explain --rules "$RULES" --set birth_date=2004-04-02 --set issue=2022-04-01 nope
expect_rc 2
err_has "no rule or fact named 'nope'"
run "$KIGEN" explain --rules "$RULES" --set birth_date=1999-99-99
expect_rc 2
err_has "birth_date"
run "$KIGEN" explain --set birth_date=2004-04-02
expect_rc 2
err_has "--rules FILE is required"
run "$KIGEN" explain --rules "$RULES" --format yaml
expect_rc 2
run "$KIGEN" explain --rules "$RULES" --frobnicate
expect_rc 2

# ---------------------------------------------------------------------------
section "test"
run "$KIGEN" test "$DATA/cards.test.yaml"
expect_rc 0
out_line "$(wc -l <"$T/out")" "6 passed, 0 failed"
run "$KIGEN" test --verbose "$DATA/cards.test.yaml"
expect_rc 0
out_has "ok   $DATA/cards.test.yaml:"
out_has "the mar1 reading of a 29 February birth"
run "$KIGEN" test "$DATA/cards_failing.test.yaml"
expect_rc 1
out_has "FAIL $DATA/cards_failing.test.yaml:9  case 2: wrong on purpose"
out_has "source: nowhere: this expectation is deliberately wrong"
out_has "expiry: expected 2031-04-03, got 2026-04-03"
out_has "explain expiry:"
out_has "case 2 of 2 taken: otherwise"
out_line "$(wc -l <"$T/out")" "1 passed, 1 failed"
# both files: the counts add up
run "$KIGEN" test "$DATA/cards.test.yaml" "$DATA/cards_failing.test.yaml"
expect_rc 1
out_line "$(wc -l <"$T/out")" "7 passed, 1 failed"
# --param for every case: the mar1 case then passes either way, the others
# do not depend on feb29
run "$KIGEN" test --param feb29=mar1 "$DATA/cards.test.yaml"
expect_rc 1
out_has "5 passed, 1 failed"
out_has "absent residence end"
# a broken test file
printf 'kigen-test: 1\nrules: %s\ncases:\n  - name: no source\n    facts: {}\n    expect: {}\n' "$RULES" >"$T/broken.test.yaml"
run "$KIGEN" test "$T/broken.test.yaml"
expect_rc 2
err_has "needs a 'name' and a 'source'"
run "$KIGEN" test
expect_rc 2

# ---------------------------------------------------------------------------
section "date"
run "$KIGEN" date 令和元年5月1日
expect_rc 0
out_line 1 "2019-05-01  令和元年5月1日 (R1.5.1)  Wednesday  水曜日"
run "$KIGEN" date 2022-04-01 H31.4.30 S64.1.7
expect_rc 0
out_line 1 "2022-04-01  令和4年4月1日 (R4.4.1)  Friday  金曜日"
out_line 2 "2019-04-30  平成31年4月30日 (H31.4.30)  Tuesday  火曜日"
out_line 3 "1989-01-07  昭和64年1月7日 (S64.1.7)  Saturday  土曜日"
run "$KIGEN" date 1800-01-01
expect_rc 0
out_has "before 1873"
run "$KIGEN" date 平成32年1月1日
expect_rc 1
err_has "平成 ended on 2019-04-30"
run "$KIGEN" date 2023-02-29
expect_rc 1
err_has "not a leap year"
run "$KIGEN" date add 2023-05-31 -3 months --eom clamp
expect_rc 0
out_line 1 "2023-02-28  令和5年2月28日 (R5.2.28)  Tuesday  火曜日"
run "$KIGEN" date add 2023-01-31 1 months --eom roll
expect_rc 0
out_has "2023-03-01"
run "$KIGEN" date add 2024-02-29 1 years --eom clamp
out_has "2025-02-28"
run "$KIGEN" date add 2022-03-31 1 days
expect_rc 0
out_has "2022-04-01"
run "$KIGEN" date add 2023-01-31 1 months
expect_rc 2
err_has "--eom clamp|roll"
run "$KIGEN" date add 2023-01-31 1 fortnights
expect_rc 2
run "$KIGEN" date add 9999-12-31 1 days
expect_rc 1
run "$KIGEN" date birthday 2004-02-29 2023-02-28 1
expect_rc 0
out_has "2024-02-29"
run "$KIGEN" date birthday 2004-02-29 2023-02-28 1 --feb29 mar1
expect_rc 0
out_has "2023-03-01"
run "$KIGEN" date birthday 1980-07-07 2018-07-08 5
out_has "2023-07-07"
run "$KIGEN" date birthday 2004-02-29 2023-02-28 0
expect_rc 2
run "$KIGEN" date age 2004-04-02 2022-04-01
expect_rc 0
out_line 1 "18"
run "$KIGEN" date age 2004-04-02 2022-04-01 --method birthday
out_line 1 "17"
run "$KIGEN" date age 2004-04-02 2000-01-01
expect_rc 1
run "$KIGEN" date between 2022-03-31 2022-04-01
expect_rc 0
out_line 1 "1"
run "$KIGEN" date between 2025-01-01 2024-01-01
out_line 1 "-366"
run "$KIGEN" date
expect_rc 2

# ---------------------------------------------------------------------------
# Documented behaviour that did not hold when these tests were written;
# kept last so that every other check runs first.
section "eval --messages columns"
# docs/cli.md and `kigen eval --help`: "--messages ja|en adds NAME_message
# columns for outputs that have messages" -- expiry and adult have none.
run "$KIGEN" eval --rules "$RULES" --input "$DATA/people.csv" --today 2026-04-04 --messages ja
out_line 1 "id,name,expiry,adult,card_status,card_status_message,error"
out_line 2 "1,山田 太郎,2031-04-02,true,valid,有効です。,"
out_line 3 '2,"Sato, Hanako",2026-04-03,false,expired,有効期限が過ぎています。,'

# docs/cli.md: "Output: CSV with a header"; with no data rows there is
# still a header (a consumer reads the columns from it).
section "eval header-only input"
printf 'id,birth_date,issue\n' >"$T/header_only.csv"
run "$KIGEN" eval --rules "$RULES" --input "$T/header_only.csv"
expect_rc 0
out_line 1 "id,expiry,adult,card_status,error"

echo "test_cli.sh: all $CHECKS checks passed"
exit 0
