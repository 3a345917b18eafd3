#!/usr/bin/env python3
"""kigen eval on N threads: one output record per input record, in input
order, whatever the thread count -- with malformed records at known places.

The input: 5,000 records of bench/gen_residents (about ten blocks of 512),
some of them broken on purpose at known positions, several at block
boundaries (511-513, 1024-1025, 2048, 4097) and at both ends (1, 5000):
dates that do not exist, values that are not in an enum or not a boolean,
rows with too few or too many fields, a bad quote, an unclosed quote, a row
with no values, and a record that reads well but breaks rule R2 of the pack
(an application after the card's issue). Every other record's expected
output line is hand_batch's (bench/hand_batch.c, the pack's outputs computed
by hand); the expected errors are derived from what was broken.

For --threads 1, 2, 3 and 8, CSV and JSON Lines input, and CSV, JSON Lines
and table output: exit status 1; one output record per input record in input
order (id 1..5000); the error records are exactly the broken ones and keep
their id; the good ones are hand_batch's; stdout and stderr are the same
bytes for every thread count; stderr has one line per broken record, in
order, then "K of N records failed".

    test_eval_order.py KIGEN SOURCE_DIR GEN_RESIDENTS HAND_BATCH
"""
import datetime
import json
import os
import re

from evalpipe import FIELDS, HEADER, Suite, csv_rows, split_record, write

N = 5000
THREADS = (1, 2, 3, 8)
F = {name: i for i, name in enumerate(FIELDS)}

t = Suite("test_eval_order")
lines = t.generate(N)
hand_header, hand = t.hand_rows(lines)
out_names = hand_header.split(",")[1:]  # the 21 outputs, then 'error'
t.equal(out_names[-1], "error", "hand_batch's header ends with the error column")


def with_field(r, name, value):
    f = split_record(lines[r])
    f[F[name]] = value
    return ",".join(f)


def day_after(iso):
    return (datetime.date.fromisoformat(iso) + datetime.timedelta(days=1)).isoformat()


# ---- the broken CSV records: position -> (the line, a check of the error text) ----
# The error column reads "record R: REASON"; stderr "kigen eval: record R (line L[, id I]): REASON".
# A check is (prefix, [substrings]): REASON must start with prefix and contain each substring.
csv_bad = {}
csv_bad[1] = (with_field(1, "birth_date", "2023-02-29"), ("birth_date: ", ["2023-02-29"]))  # not a leap year (D1)
csv_bad[511] = (with_field(511, "residence_status", "martian"), ("residence_status: ", ["'martian'"]))
csv_bad[512] = (",".join(split_record(lines[512])[:7]), ("line 513: 7 fields, but the header has 8", []))
f513 = split_record(lines[513])
f513[F["card_issue_date"]] = '"%s"x' % f513[F["card_issue_date"]]
csv_bad[513] = (",".join(f513), ("line 514: text after a closing quote", []))
csv_bad[1024] = (with_field(1024, "application_date", "2021-13-01"), ("application_date: ", ["2021-13-01"]))
csv_bad[1025] = (with_field(1025, "card_early_renewal", "maybe"), ("card_early_renewal: ", ["'maybe'"]))
# R2 (rules/jp/mynumber.yaml, card_expiry): an application after the issue is a rule's fail(),
# and card_expiry is the first output, so the record's error is card_expiry's.
issue_1536 = split_record(lines[1536])[F["card_issue_date"]]
csv_bad[1536] = (with_field(1536, "application_date", day_after(issue_1536)),
                 ("card_expiry: R2 - application_date %s is after card_issue_date %s; J-LIS issues a card after "
                  "receiving its application" % (day_after(issue_1536), issue_1536), []))
csv_bad[2048] = (lines[2048] + ",extra", ("line 2049: 9 fields, but the header has 8", []))
csv_bad[2500] = (",,,,,,,", ("line 2501: the row has no values", []))  # docs/cli.md: an error record
csv_bad[3000] = (with_field(3000, "birth_date", "1990-02-30"), ("birth_date: ", ["1990-02-30"]))
csv_bad[3001] = (with_field(3001, "residence_status", "citizen"), ("residence_status: ", ["'citizen'"]))
csv_bad[3002] = ("3002,1990-01-01", ("line 3003: 2 fields, but the header has 8", []))
f4097 = split_record(lines[4097])
f4097[F["birth_date"]] = '"' + f4097[F["birth_date"]]  # no quote closes it anywhere after
csv_bad[4097] = (",".join(f4097), ("line 4098: a quoted field opened here is not closed before the end of the input (reading went on at line 4099)", []))
csv_bad[5000] = (with_field(5000, "birth_date", "2000-00-10"), ("birth_date: ", ["2000-00-10"]))
# the id the output keeps for each broken record ('' where the row has none)
csv_bad_id = {r: ("" if r == 2500 else str(r)) for r in csv_bad}

csv_lines = list(lines)
for r, (line, _) in csv_bad.items():
    csv_lines[r] = line
write(t.path("in.csv"), csv_lines)


# ---- the same records as JSON Lines (keys only for the cells given), broken at other places ----
def json_record(r):
    f = split_record(lines[r])
    obj = {"id": int(f[0])}
    for name, v in zip(FIELDS[1:], f[1:]):
        if v:
            obj[name] = (v == "true") if v in ("true", "false") else v
    return obj


def json_line(obj):
    return json.dumps(obj, ensure_ascii=False)


def json_with(r, **kv):
    obj = json_record(r)
    obj.update(kv)
    return json_line(obj)


jl_bad = {}
jl_bad[1] = (json_with(1, birth_date="2023-02-29"), ("birth_date: ", ["2023-02-29"]))
jl_bad[512] = (json_line(json_record(512))[:-1], ("line 512, ", ["not valid JSON"]))  # the closing } cut off
jl_bad[513] = ("[513, 514]", ("line 513: each line must be a JSON object", []))
jl_bad[1025] = (json_with(1025, residence_status="martian"), ("residence_status: ", ["'martian'"]))
jl_bad[1536] = (json_with(1536, application_date=day_after(issue_1536)), csv_bad[1536][1])
jl_bad[2049] = (json_with(2049, card_issue_date=20240607), ("card_issue_date: ", ["20240607"]))  # a number, not a date
jl_bad[3333] = (json_with(3333, card_early_renewal="maybe"), ("card_early_renewal: ", ["'maybe'"]))
jl_bad[5000] = (json_with(5000, birth_date="2000-00-10"), ("birth_date: ", ["2000-00-10"]))
# a line that is not JSON (or not an object) has no id to keep
jl_bad_id = {r: ("" if r in (512, 513) else str(r)) for r in jl_bad}
jl_lines = [json_line(json_record(r)) for r in range(1, N + 1)]
for r, (line, _) in jl_bad.items():
    jl_lines[r - 1] = line
write(t.path("in.jsonl"), jl_lines)


def check_error(r, text, want, where):
    """text is REASON (the error without 'record R: '); want is (prefix, [substrings])."""
    prefix, subs = want
    ok = text.startswith(prefix) and all(s in text for s in subs)
    t.check(ok, f"{where}: record {r}'s error {text!r} should start with {prefix!r} and contain {subs!r}")


def check_csv(out, bad, bad_id, what):
    rows = csv_rows(out)
    if not t.equal(rows[0] if rows else None, ["id"] + out_names, f"{what}: the header"):
        return
    body = rows[1:]
    t.equal(len(body), N, f"{what}: one output record per input record")
    t.equal(out.count("\n"), N + 1, f"{what}: N + 1 lines (no record spans lines)")
    want_ids = [bad_id.get(r, str(r)) for r in range(1, N + 1)]
    t.equal([row[0] for row in body], want_ids, f"{what}: the id column is 1..N in input order")
    errs = [i + 1 for i, row in enumerate(body) if row[-1]]
    t.equal(errs, sorted(bad), f"{what}: the error records are exactly the broken ones")
    out_lines = out.split("\n")[1:-1]
    good_same = [r for r in range(1, N + 1) if r not in bad and r - 1 < len(out_lines)
                 and out_lines[r - 1] == hand[str(r)]]
    t.equal(len(good_same), N - len(bad), f"{what}: every good record's line is hand_batch's")
    for r in sorted(bad):
        if r - 1 < len(body):
            e = body[r - 1][-1]
            if t.check(e.startswith(f"record {r}: "), f"{what}: record {r}'s error names it: {e!r}"):
                check_error(r, e[len(f"record {r}: "):], bad[r][1], what)


def check_stderr(err, bad, bad_id, line_of, what):
    """One line per broken record, in input order, then the count."""
    ls = err.split("\n")
    t.equal(ls[-1], "", f"{what}: stderr ends with a line end")
    ls = ls[:-1]
    t.equal(len(ls), len(bad) + 1, f"{what}: stderr has a line per broken record and the count")
    t.equal(ls[-1] if ls else None, f"kigen eval: {len(bad)} of {N} records failed", f"{what}: the count")
    for k, r in enumerate(sorted(bad)):
        if k >= len(ls) - 1:
            break
        ident = f", id {bad_id[r]}" if bad_id[r] else ""
        head = f"kigen eval: record {r} (line {line_of(r)}{ident}): "
        if t.check(ls[k].startswith(head), f"{what}: stderr line {k + 1} {ls[k]!r} should start with {head!r}"):
            check_error(r, ls[k][len(head):], bad[r][1], what + " (stderr)")


_hand_values = {}


def hand_values(r):
    """hand_batch's output cells of good record r, by column name (as CSV text)."""
    if r not in _hand_values:
        _hand_values[r] = dict(zip(["id"] + out_names, csv_rows(hand[str(r)])[0]))
    return dict(_hand_values[r])


def json_text(v):
    """A JSON Lines value as the CSV cell it stands for (null: empty; booleans: true/false)."""
    if v is None:
        return ""
    if v is True or v is False:
        return "true" if v else "false"
    return str(v)


def check_jsonl(out, bad, bad_id, what):
    ls = out.split("\n")
    t.equal(ls[-1], "", f"{what}: ends with a line end")
    ls = ls[:-1]
    t.equal(len(ls), N, f"{what}: one JSON line per input record")
    objs = []
    for i, s in enumerate(ls):
        try:
            objs.append(json.loads(s))
        except ValueError:
            t.check(False, f"{what}: line {i + 1} is not JSON: {s[:100]!r}")
            return
    t.equal([json_text(o.get("id")) for o in objs], [bad_id.get(r, str(r)) for r in range(1, N + 1)],
            f"{what}: the ids are 1..N in input order")
    t.equal([i + 1 for i, o in enumerate(objs) if "error" in o], sorted(bad),
            f"{what}: the error records are exactly the broken ones")
    wrong = []
    for r in range(1, min(N, len(objs)) + 1):
        o = objs[r - 1]
        if r in bad:
            if o.get("record") != r:
                wrong.append(f"record {r}: 'record' is {o.get('record')!r}")
            elif isinstance(o.get("error"), str):
                check_error(r, o["error"], bad[r][1], what)
            continue
        want = hand_values(r)
        want.pop("error")
        got = {k: json_text(v) for k, v in o.items()}
        if got != want:
            wrong.append(f"record {r}: {o!r} is not hand_batch's {want!r}")
    t.equal(wrong[:3], [], f"{what}: good records have hand_batch's values, error records their number")


def check_table(out, bad, bad_id, what):
    """The table's widths come from its first 1000 rows (docs/cli.md: it streams): those rows are
    aligned under the header; in every row the cells stand apart, in order (no value here has a
    space; the error, which has, is the last cell)."""
    ls = out.split("\n")
    t.equal(ls[-1], "", f"{what}: ends with a line end")
    ls = ls[:-1]
    t.equal(len(ls), N + 1, f"{what}: a header line and one line per input record")
    if not ls:
        return
    names = ["id"] + out_names
    starts = [m.start() for m in re.finditer(r"\S+", ls[0])]
    if not t.equal(ls[0].split(), names, f"{what}: the header names the columns"):
        return
    wrong = []
    for r in range(1, min(N, len(ls) - 1) + 1):
        line = ls[r]
        if r in bad:
            # the id first, the error last (an error row may have some values between)
            cells = line.split(None, 1) if bad_id[r] else ["", line.strip()]
            err = line[starts[-1]:] if r <= 1000 else line[line.find(f"record {r}: "):]
            ok = cells[0] == bad_id[r] and err.startswith(f"record {r}: ")
            if ok:
                check_error(r, err[len(f"record {r}: "):], bad[r][1], what)
            if r <= 1000:
                ok = ok and line[starts[-1] - 1] == " " and line[: starts[1]].strip() == bad_id[r]
        else:
            want = [hand_values(r)[n] for n in names]
            if r <= 1000:
                cells = [line[s:e].strip() for s, e in zip(starts, starts[1:] + [len(line)])]
                ok = cells == want and all(s == 0 or line[s - 1] == " " for s in starts)
            else:
                ok = line.split() == [v for v in want if v]
        if not ok:
            wrong.append(f"line {r + 1}: {line!r}")
    t.equal(wrong[:3], [], f"{what}: rows 1-1000 aligned under the header, every row's cells apart and in order "
                           "(good rows: hand_batch's values; error rows: their id and their record's error)")


def runs(label, args, stdin=None):
    """The same command with --threads 1, 2, 3, 8: (rc, stdout, stderr) of each; the same bytes."""
    res = {}
    for n in THREADS:
        rc, o, e = t.kigen_run(t.eval_args(*args, "--threads", str(n)), stdin=stdin)
        res[n] = (rc, o, e)
        t.equal(rc, 1, f"{label} --threads {n}: exit status 1 (some records failed)")
    base = res[THREADS[0]]
    for n in THREADS[1:]:
        t.check(res[n][1] == base[1], f"{label}: stdout with --threads {n} is byte for byte that with --threads 1")
        t.check(res[n][2] == base[2], f"{label}: stderr with --threads {n} is byte for byte that with --threads 1")
    return {n: (rc, o.decode("utf-8"), e.decode("utf-8")) for n, (rc, o, e) in res.items()}


def csv_line_of(r):
    return r + 1  # the header is line 1; no record of in.csv spans lines


def jl_line_of(r):
    return r


# ---- CSV input ----------------------------------------------------------------------------
inp = t.path("in.csv")
for fmt, checker in (("csv", check_csv), ("jsonl", check_jsonl), ("table", check_table)):
    t.case(f"CSV input, --format {fmt}")
    res = runs(f"csv -> {fmt}", ["--input", inp, "--format", fmt])
    for n in (1, 8):  # all four are the same bytes (checked above)
        checker(res[n][1], csv_bad, csv_bad_id, f"csv -> {fmt} --threads {n}")
    check_stderr(res[1][2], csv_bad, csv_bad_id, csv_line_of, f"csv -> {fmt}")

t.case("CSV input on standard input (a pipe: no size known), --threads 3")
with open(inp, "rb") as f:
    data = f.read()
rc, o, e = t.kigen_run(t.eval_args("--input", "-", "--threads", "3"), stdin_bytes=data)
t.equal(rc, 1, "stdin: exit status 1")
check_csv(o.decode(), csv_bad, csv_bad_id, "stdin --threads 3")
check_stderr(e.decode(), csv_bad, csv_bad_id, csv_line_of, "stdin --threads 3")

# ---- JSON Lines input ------------------------------------------------------------------------
jinp = t.path("in.jsonl")
for fmt, checker in (("csv", check_csv), ("jsonl", check_jsonl), ("table", check_table)):
    t.case(f"JSON Lines input, --format {fmt}")
    res = runs(f"jsonl -> {fmt}", ["--input", jinp, "--format", fmt])
    for n in (1, 8):
        checker(res[n][1], jl_bad, jl_bad_id, f"jsonl -> {fmt} --threads {n}")
    check_stderr(res[1][2], jl_bad, jl_bad_id, jl_line_of, f"jsonl -> {fmt}")

# ---- record counts around the block size, without errors: nothing lost or doubled at the edges ----
t.case("record counts around a block (511, 512, 513, 1024, 1025, 1536)")
big = lines  # the generated records, all good
for n_rec in (511, 512, 513, 1024, 1025, 1536):
    p = t.path(f"n{n_rec}.csv")
    write(p, big[: n_rec + 1])
    outs = {}
    for n in (1, 3, 8):
        rc, o, e = t.kigen_run(t.eval_args("--input", p, "--threads", str(n)))
        t.equal(rc, 0, f"{n_rec} records --threads {n}: exit status 0")
        t.equal(e, b"", f"{n_rec} records --threads {n}: nothing on stderr")
        outs[n] = o
    want = "\n".join([hand_header] + [hand[str(r)] for r in range(1, n_rec + 1)]) + "\n"
    for n in (1, 3, 8):
        t.check(outs[n].decode() == want, f"{n_rec} records --threads {n}: stdout is hand_batch's output")

# ---- quoted fields over several lines, at block edges: records that span lines keep their place ----
t.case("multi-line quoted cells at block edges")
notes = {}
ml = ["note," + HEADER]
for r in range(1, 1201):
    note = f"n{r}"
    if r in (1, 511, 512, 513, 1024, 1025, 1200):
        note = f'"n{r}\nsecond line, with a comma\nand ""quotes"""'
    notes[r] = note
    ml.append(note + "," + lines[r])
write(t.path("multi.csv"), ml)
runs_ok = {}
for n in (1, 2, 8):
    rc, o, e = t.kigen_run(t.eval_args("--input", t.path("multi.csv"), "--passthrough", "note",
                                       "--outputs", "card_expiry", "--threads", str(n)))
    t.equal(rc, 0, f"multi-line --threads {n}: exit status 0")
    runs_ok[n] = o
rows = csv_rows(runs_ok[1].decode())
t.equal(rows[0] if rows else None, ["note", "id", "card_expiry", "error"], "multi-line: the header")
want_rows = [[(notes[r][1:-1].replace('""', '"') if notes[r].startswith('"') else notes[r]), str(r),
              hand_values(r)["card_expiry"], ""] for r in range(1, 1201)]
t.equal(rows[1:], want_rows, "multi-line: every record once, in order, its note whole")
t.check(runs_ok[2] == runs_ok[1] and runs_ok[8] == runs_ok[1], "multi-line: the same bytes on 1, 2 and 8 threads")

t.finish()
