#!/usr/bin/env python3
"""kigen eval --where EXPR: the records kept are exactly those for which the
condition holds, computed here without kigen.

The input: 3,000 records of bench/gen_residents, and a few broken on
purpose: two that cannot be read (a date that does not exist, a value not
in the enum) and one that reads but breaks rule R2 of the pack (an
application after the card's issue), so that every output, and any
condition on an output, is an error for it. The truth of each condition
for the good records comes from hand_batch's outputs (bench/hand_batch.c:
the pack's outputs computed by hand) or from the input itself.

What --where promises (kigen eval --help, docs/cli.md): the condition
decides whenever it has a value -- a record it leaves out is neither
written nor reported, even when another of its values failed; a record
whose condition is an error, or that could not be read at all, is kept as
an error record; a condition with no value leaves the record out.

    test_eval_where.py KIGEN SOURCE_DIR GEN_RESIDENTS HAND_BATCH
"""
import datetime
import json
import re

from evalpipe import FIELDS, Suite, csv_rows, split_record, write

N = 3000
F = {name: i for i, name in enumerate(FIELDS)}
t = Suite("test_eval_where")
lines = t.generate(N)
hand_header, hand = t.hand_rows(lines)
names = hand_header.split(",")
hand_cells = {r: dict(zip(names, csv_rows(hand[str(r)])[0])) for r in range(1, N + 1)}
facts = {r: dict(zip(FIELDS, split_record(lines[r]))) for r in range(1, N + 1)}

# the broken records
READ_BAD = {700: ("birth_date", "1999-02-29"), 1500: ("residence_status", "martian")}
EVAL_BAD = 2222  # application_date the day after card_issue_date: R2's fail() in card_expiry
broken = list(lines)
for r, (name, value) in READ_BAD.items():
    f = split_record(lines[r])
    f[F[name]] = value
    broken[r] = ",".join(f)
f = split_record(lines[EVAL_BAD])
issue = f[F["card_issue_date"]]
f[F["application_date"]] = (datetime.date.fromisoformat(issue) + datetime.timedelta(days=1)).isoformat()
broken[EVAL_BAD] = ",".join(f)
write(t.path("in.csv"), broken)
write(t.path("good.csv"), lines)
BAD = sorted(list(READ_BAD) + [EVAL_BAD])
GOOD = [r for r in range(1, N + 1) if r not in BAD]


def run_where(expr, *extra, inp="in.csv", threads=(1, 3)):
    """Run with --where on 1 and 3 threads: both must write the same bytes. (rc, stdout, stderr) of the first."""
    res = []
    for n in threads:
        res.append(t.kigen_run(t.eval_args("--input", t.path(inp), "--where", expr, "--threads", str(n), *extra)))
    def untimed(e):  # the summary's seconds and rate differ from run to run
        return re.sub(rb", \d+\.\d\d s, \d+ records/s\n", b"\n", e)

    for (rc, o, e), n in zip(res[1:], threads[1:]):
        t.check(rc == res[0][0] and o == res[0][1] and untimed(e) == untimed(res[0][2]),
                f"--where {expr!r}: --threads {n} writes what --threads {threads[0]} writes")
    rc, o, e = res[0]
    return rc, o.decode(), e.decode()


def summary_of(err):
    """The summary line's numbers: (records, failed, kept) or None."""
    m = None
    for line in err.split("\n"):
        mm = re.fullmatch(r"kigen eval: (\d+) records, (\d+) failed, (\d+) kept, \d+\.\d\d s, \d+ records/s", line)
        if mm:
            m = tuple(int(x) for x in mm.groups())
    return m


def check_kept(expr, holds, outputs, what, errors_kept=True, inp="in.csv"):
    """--where expr --outputs outputs: the kept ids are those of the good records for which holds(r),
    and (errors_kept) the broken ones; each kept good row has hand_batch's values."""
    out_list = outputs.split(",")
    rc, out, err = run_where(expr, "--outputs", outputs, "--summary", inp=inp)
    bad = BAD if inp == "in.csv" else []
    good = GOOD if inp == "in.csv" else list(range(1, N + 1))
    want_ids = sorted([r for r in good if holds(r)] + (bad if errors_kept else []))
    t.equal(rc, 1 if (bad and errors_kept) else 0, f"{what}: exit status")
    rows = csv_rows(out)
    t.equal(rows[0] if rows else None, ["id"] + out_list + ["error"],
            f"{what}: the header has the chosen outputs only (not the condition)")
    body = rows[1:]
    t.equal([int(r[0]) for r in body], want_ids, f"{what}: the records kept, in input order")
    wrong = [row for row in body if int(row[0]) in good and
             row != [row[0]] + [hand_cells[int(row[0])][n] for n in out_list] + [""]]
    t.equal(wrong[:3], [], f"{what}: kept good records have hand_batch's values and no error")
    errs = [int(row[0]) for row in body if row[-1]]
    t.equal(errs, bad if errors_kept else [], f"{what}: the error records kept")
    t.equal(summary_of(err), (N, len(bad) if errors_kept else 0, len(want_ids)),
            f"{what}: the summary: (records, failed, kept)")
    return want_ids


# ---- conditions on outputs, on the records' facts, and with no value ----------------------------
t.case("an output's enum value: card_status == renewable")
ids = check_kept("card_status == renewable", lambda r: hand_cells[r]["card_status"] == "renewable",
                 "card_expiry,card_status", "card_status == renewable")
t.check(len(ids) - len(BAD) >= 20, f"the condition holds for some records (there are {len(ids) - len(BAD)})")

t.case("the condition's names need not be among --outputs")
check_kept("card_status == renewable", lambda r: hand_cells[r]["card_status"] == "renewable",
           "card_expiry", "card_status == renewable --outputs card_expiry")

t.case("a date comparison on an output, with and")
cut = "2028-06-01"
ids = check_kept(f"card_expiry < {cut} and auth_status != expired",
                 lambda r: hand_cells[r]["card_expiry"] < cut and hand_cells[r]["auth_status"] != "expired",
                 "card_expiry,auth_status", "card_expiry < 2028-06-01 and auth_status != expired")
t.check(len(ids) - len(BAD) >= 20, "the date condition holds for some records")

t.case("a condition on an input fact (residence_status == permanent)")
check_kept("residence_status == permanent", lambda r: facts[r]["residence_status"] == "permanent",
           "card_expiry", "residence_status == permanent", inp="good.csv")

t.case("the condition decides whenever it has a value, even for a record another output of which failed")
# docs/cli.md: a record the condition leaves out "is neither written nor reported, even when
# another of its values failed"; one that could not be read is kept, with its error. The R2
# record reads well: its residence_status decides.
rc, out, err = run_where("residence_status == japanese or residence_status == permanent", "--outputs", "card_expiry",
                         "--summary")
# (gen_residents writes japanese for 7% of the Japanese residents and leaves the rest empty:
# japanese by default, so the condition holds for them too)
holds = [r for r in GOOD if facts[r]["residence_status"] in ("", "japanese", "permanent")]
r2_holds = facts[EVAL_BAD]["residence_status"] in ("", "japanese", "permanent")
t.check(r2_holds, "the R2 record's condition holds (it is then kept, with its error)")
rows = csv_rows(out)[1:]
t.equal([int(r[0]) for r in rows], sorted(holds + BAD), "kept: the good records it holds for, and the broken ones")
t.equal(summary_of(err), (N, len(BAD), len(holds) + len(BAD)), "the summary: (records, failed, kept)")
rc, out, err = run_where("residence_status == mid_long", "--outputs", "card_expiry", "--summary")
mid = [r for r in GOOD if facts[r]["residence_status"] == "mid_long"]
t.check(len(mid) >= 20, f"some residents are mid_long ({len(mid)})")
t.equal([int(r[0]) for r in csv_rows(out)[1:]], sorted(mid + list(READ_BAD)),
        "kept: the mid_long records and those that cannot be read; not the R2 record (not mid_long)")
t.equal(summary_of(err), (N, len(READ_BAD), len(mid) + len(READ_BAD)),
        "the summary: the R2 record, left out, is not counted as failed")
t.equal(rc, 1, "exit status 1: the unreadable records failed")
t.equal([re.match(r"kigen eval: record (\d+) ", x).group(1) for x in err.split("\n") if x.startswith("kigen eval: record")],
        [str(r) for r in sorted(READ_BAD)], "stderr reports the kept failed records only")

t.case("a condition with no value leaves the record out (sign_cert_expiry is absent without a sign certificate)")
# the good records with no sign certificate have an empty sign_cert_expiry in hand_batch's output:
# for them the condition has no value, and they are left out
no_value = [r for r in GOOD if hand_cells[r]["sign_cert_expiry"] == ""]
t.check(len(no_value) >= 20, f"some records have no sign certificate (there are {len(no_value)})")
check_kept("sign_cert_expiry > 2027-06-01",
           lambda r: hand_cells[r]["sign_cert_expiry"] != "" and hand_cells[r]["sign_cert_expiry"] > "2027-06-01",
           "sign_cert_expiry", "sign_cert_expiry > 2027-06-01")

t.case("not (...) of a condition with no value has no value either")
check_kept("not (sign_cert_expiry > 2027-06-01)",
           lambda r: hand_cells[r]["sign_cert_expiry"] != "" and not hand_cells[r]["sign_cert_expiry"] > "2027-06-01",
           "sign_cert_expiry", "not (sign_cert_expiry > 2027-06-01)")

t.case("Kleene logic: false and (no value) is false, so not (...) of it holds")
# docs/rules.md: `false and X` is false whatever X is; otherwise an absent side makes `and` absent,
# and `not absent` is absent. Not permanent: kept (not false); permanent with no sign certificate:
# left out (no value); permanent with one: kept when it does not expire after the cut.
def kleene(r):
    if facts[r]["residence_status"] != "permanent":
        return True
    sce = hand_cells[r]["sign_cert_expiry"]
    return sce != "" and not sce > "2027-06-01"


t.check(len([r for r in GOOD if facts[r]["residence_status"] == "permanent" and
             hand_cells[r]["sign_cert_expiry"] == ""]) >= 3, "some permanent residents have no sign certificate")
check_kept("not (residence_status == permanent and sign_cert_expiry > 2027-06-01)", kleene,
           "sign_cert_expiry", "not (permanent and sign_cert_expiry > 2027-06-01)", inp="good.csv")

t.case("a condition that never holds: only the header, exit 0, 0 kept")
# gen_residents issues every card on or before TODAY, so no card is not_issued (hand_batch agrees)
t.check(all(hand_cells[r]["card_status"] != "not_issued" for r in range(1, N + 1)), "no record is not_issued")
rc, out, err = run_where("card_status == not_issued", "--summary", inp="good.csv")
t.equal(rc, 0, "exit status 0")
t.equal(out, hand_header + "\n", "stdout is the header alone")
t.equal(summary_of(err), (N, 0, 0), "the summary: N records, 0 failed, 0 kept")

t.case("a condition that always holds keeps everything: stdout is hand_batch's")
rc, out, err = run_where("card_expiry > birth_date", inp="good.csv")
t.equal(rc, 0, "exit status 0")
t.check(out == "\n".join([hand_header] + [hand[str(r)] for r in range(1, N + 1)]) + "\n",
        "stdout is hand_batch's output, every record")
t.equal(err, "", "nothing on stderr (no --summary, stderr not a terminal)")

t.case("the broken records' errors on stderr: one line each, in order")
rc, out, err = run_where("card_status == renewable")
ls = err.split("\n")
t.equal([re.match(r"kigen eval: record (\d+) \(line (\d+), id (\d+)\): ", x).groups() if
         re.match(r"kigen eval: record (\d+) \(line (\d+), id (\d+)\): ", x) else x for x in ls[:-2]],
        [(str(r), str(r + 1), str(r)) for r in BAD], "a line per broken record, with its record, line and id")
t.equal(ls[-2:], [f"kigen eval: {len(BAD)} of {N} records failed", ""], "then the count of failed records")
rows = {int(r[0]): r for r in csv_rows(out)[1:]}
t.check(rows.get(EVAL_BAD, [""])[-1].startswith(f"record {EVAL_BAD}: card_expiry: R2 - application_date "),
        "the R2 record is kept with card_expiry's error (R2: application after issue)")
t.check(rows.get(700, [""])[-1].startswith("record 700: birth_date: "), "record 700 is kept with its read error")
t.check(rows.get(1500, [""])[-1].startswith("record 1500: residence_status: "),
        "record 1500 is kept with its read error")

# ---- JSON Lines output ----------------------------------------------------------------------------
t.case("--where with --format jsonl")
rc, out, err = run_where("card_status == renewable", "--format", "jsonl", "--outputs", "card_expiry,card_status",
                         "--summary")
t.equal(rc, 1, "exit status 1 (the broken records are kept, with their errors)")
objs = [json.loads(x) for x in out.split("\n")[:-1]]
want_ids = sorted([r for r in GOOD if hand_cells[r]["card_status"] == "renewable"] + BAD)
t.equal([int(o["id"]) for o in objs], want_ids, "jsonl: the records kept, in input order")
t.equal([o for o in objs if int(o["id"]) in GOOD and o != {"id": o["id"], "card_expiry": hand_cells[int(o["id"])]
                                                          ["card_expiry"], "card_status": "renewable"}][:3], [],
        "jsonl: kept good records have their card_expiry (hand_batch's) and card_status renewable")
t.equal([int(o["id"]) for o in objs if "error" in o], BAD, "jsonl: the error records kept")
t.equal(summary_of(err), (N, len(BAD), len(want_ids)), "jsonl: the summary: (records, failed, kept)")

# ---- JSON Lines input ------------------------------------------------------------------------------
t.case("--where on JSON Lines input")
jl = []
for r in range(1, N + 1):
    obj = {"id": r}
    obj.update({k: (v == "true") if v in ("true", "false") else v for k, v in facts[r].items() if v and k != "id"})
    jl.append(json.dumps(obj))
write(t.path("good.jsonl"), jl)
check_kept("card_status == renewable", lambda r: hand_cells[r]["card_status"] == "renewable",
           "card_status", "JSON Lines: card_status == renewable", inp="good.jsonl")

t.finish()
