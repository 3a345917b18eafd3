#!/usr/bin/env python3
"""kigen eval's summary and progress bar: on stderr, drawn only where a
person watches (a terminal), never in a file.

kigen eval --help: "--summary  print records, failed, kept, seconds and
records/s to stderr at the end (the default when stderr is a terminal)";
"--quiet  no summary and no progress bar"; "--progress  draw the progress
bar even when stderr is not a terminal". On a terminal the bar is redrawn
in place (\\r ... \\033[K) and erased at the end (\\r\\033[K).

The terminal is a pseudo-terminal (python's pty module) in raw mode, so the
bytes kigen writes arrive unchanged. The inputs are bench/gen_residents
records (hand_batch's output is the expected stdout: the bar must not
change it), some broken on purpose so that the failed count is known.

    test_eval_terminal.py KIGEN SOURCE_DIR GEN_RESIDENTS HAND_BATCH
"""
import os
import pty
import re
import select
import subprocess
import threading
import time
import tty

from evalpipe import FIELDS, Suite, csv_rows, split_record, write

t = Suite("test_eval_terminal")
F = {name: i for i, name in enumerate(FIELDS)}

BIG = 120000  # enough for the bar to be drawn more than once on a fast machine
lines = t.generate(BIG)
hand_header, hand = t.hand_rows(lines)
write(t.path("big.csv"), lines)
want_big = ("\n".join([hand_header] + [hand[str(r)] for r in range(1, BIG + 1)]) + "\n").encode()

# 3,000 records, 5 of them broken (two dates that do not exist, an unknown enum value, a short row,
# a bad boolean): 5 failed
SMALL = 3000
small = lines[: SMALL + 1]
BROKEN = {10: ("birth_date", "2021-02-29"), 600: ("residence_status", "martian"), 1500: None,
          2222: ("card_early_renewal", "maybe"), 3000: ("card_issue_date", "2024-04-31")}
for r, change in BROKEN.items():
    f = split_record(small[r])
    if change is None:
        f = f[:5]
    else:
        f[F[change[0]]] = change[1]
    small[r] = ",".join(f)
write(t.path("small.csv"), small)
write(t.path("small_good.csv"), lines[: SMALL + 1])

SUMMARY = re.compile(rb"kigen eval: (\d+) records, (\d+) failed, (\d+\.\d\d) s, (\d+) records/s")
SUMMARY_KEPT = re.compile(rb"kigen eval: (\d+) records, (\d+) failed, (\d+) kept, (\d+\.\d\d) s, (\d+) records/s")
BAR_PCT = re.compile(rb"\r\[([#.]{24})\] +(\d+)%  (\d+) records  (\d+)/s  ETA ([^\x1b]*)\x1b\[K")
BAR_NOSIZE = re.compile(rb"\r(\d+) records  (\d+)/s\x1b\[K")
ERASE = b"\r\x1b[K"


def check_summary(line, records, failed, what):
    """The summary's records and failed; its rate agrees with its seconds (to their rounding)."""
    m = SUMMARY.fullmatch(line)
    if not t.check(m, f"{what}: {line!r} is 'kigen eval: N records, F failed, S s, R records/s'"):
        return
    t.equal((int(m.group(1)), int(m.group(2))), (records, failed), f"{what}: the summary's records and failed")
    s, rate = float(m.group(3)), int(m.group(4))
    # S is rounded to 0.01 s: N / R lies within it (and R is rounded to a whole record per second)
    t.check(abs(records / max(rate, 1) - s) <= 0.006 + s * 0.01,
            f"{what}: {records} records at {rate} records/s is about {s} s")


def err_lines(e):
    ls = e.split(b"\n")
    t.check(ls[-1] == b"", "stderr ends with a line end")
    return ls[:-1]


def broken_lines(n_records):
    return [f"kigen eval: {len(BROKEN)} of {n_records} records failed".encode()]


# ---- stderr a file ------------------------------------------------------------------------------
t.case("--summary with stderr a file: the errors, the count, then the summary")
rc, o, e = t.kigen_run(t.eval_args("--input", t.path("small.csv"), "--summary", "--threads", "2"))
t.equal(rc, 1, "exit status 1")
ls = err_lines(e)
t.equal([re.match(rb"kigen eval: record (\d+) ", x).group(1).decode() if re.match(rb"kigen eval: record (\d+) ", x)
         else None for x in ls[:-2]], [str(r) for r in sorted(BROKEN)], "one line per broken record, in order")
t.equal(ls[-2:-1], broken_lines(SMALL), "then the count of failed records")
if ls:
    check_summary(ls[-1], SMALL, len(BROKEN), "--summary")
t.check(b"\r" not in e and b"\x1b" not in e, "no carriage return and no escape sequence in the file")
t.equal(o.count(b"\n"), SMALL + 1, "stdout: the header and a line per record")

t.case("--summary, no record failed")
rc, o, e = t.kigen_run(t.eval_args("--input", t.path("small_good.csv"), "--summary"))
t.equal(rc, 0, "exit status 0")
ls = err_lines(e)
t.equal(len(ls), 1, "stderr is the summary alone")
if ls:
    check_summary(ls[0], SMALL, 0, "--summary, none failed")

t.case("no --summary with stderr a file: no summary")
rc, o, e = t.kigen_run(t.eval_args("--input", t.path("small.csv")))
t.equal(rc, 1, "exit status 1")
ls = err_lines(e)
t.equal(len(ls), len(BROKEN) + 1, "stderr: a line per broken record and the count, nothing more")
t.check(not any(SUMMARY.search(x) for x in ls), "no summary line")
t.check(b"\r" not in e and b"\x1b" not in e, "no carriage return and no escape sequence")

t.case("no --summary, no record failed, many records, stderr a file: stderr is empty")
rc, o, e = t.kigen_run(t.eval_args("--input", t.path("big.csv")))
t.equal(rc, 0, "exit status 0")
t.equal(e, b"", "nothing at all on stderr (no bar, no summary)")
t.check(o == want_big, "stdout is hand_batch's output")

t.case("--quiet with stderr a file: the errors and the count, no summary")
rc, o, e = t.kigen_run(t.eval_args("--input", t.path("small.csv"), "--quiet"))
t.equal(rc, 1, "exit status 1")
ls = err_lines(e)
t.equal(len(ls), len(BROKEN) + 1, "stderr: a line per broken record and the count")
t.check(not any(SUMMARY.search(x) for x in ls), "no summary line")

t.case("--summary with --where: the kept count")
# card_status == renewable holds for the good records hand_batch says are renewable; the broken records
# cannot be read, so their condition is an error: they are kept, with their errors
CS = hand_header.split(",").index("card_status")
renewable = sum(1 for r in range(1, SMALL + 1) if r not in BROKEN and csv_rows(hand[str(r)])[0][CS] == "renewable")
t.check(renewable >= 20, f"some records are renewable ({renewable})")
rc, o, e = t.kigen_run(t.eval_args("--input", t.path("small.csv"), "--summary", "--where",
                                   "card_status == renewable"))
t.equal(rc, 1, "exit status 1")
ls = err_lines(e)
m = SUMMARY_KEPT.fullmatch(ls[-1]) if ls else None
if t.check(m, f"the last line is 'N records, F failed, K kept, S s, R records/s': {ls[-1:]!r}"):
    t.equal(tuple(int(x) for x in m.groups()[:3]), (SMALL, len(BROKEN), renewable + len(BROKEN)),
            "records, failed, kept")
t.equal(o.count(b"\n"), 1 + renewable + len(BROKEN), "stdout: the header and the kept records")

t.case("--progress with stderr a file: the bar is drawn, and erased before the count")
rc, o, e = t.kigen_run(t.eval_args("--input", t.path("small.csv"), "--progress", "--outputs", "card_expiry"))
t.equal(rc, 1, "exit status 1")
bars = BAR_PCT.findall(e)
t.check(len(bars) >= 1, f"at least one bar with its share of the file ({len(bars)})")
last_bar = max(m.end() for m in BAR_PCT.finditer(e)) if bars else 0
t.check(e.find(ERASE, last_bar) >= 0, "the last bar is erased (\\r\\033[K)")
t.check(e.endswith(ERASE + broken_lines(SMALL)[0] + b"\n"), "stderr ends with the erase and the count")


# ---- stderr a terminal ----------------------------------------------------------------------------
def on_pty(args, stdin_path=None, feed=None, timeout=240):
    """Run kigen with stderr a pseudo-terminal (raw: bytes unchanged) and stdout a file.
    feed: a function writing to kigen's stdin (a pipe) in a thread. (rc, stdout bytes, stderr bytes)."""
    master, slave = pty.openpty()
    tty.setraw(slave)
    out_path = t.path("pty.out")
    out = open(out_path, "wb")
    stdin = subprocess.PIPE if feed else open(stdin_path or os.devnull, "rb")
    p = subprocess.Popen([t.kigen] + args, stdin=stdin, stdout=out, stderr=slave, env=t.env)
    os.close(slave)
    out.close()
    if not feed:
        stdin.close()
    feeder = None
    if feed:
        feeder = threading.Thread(target=feed, args=(p.stdin,))
        feeder.start()
    got = bytearray()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not select.select([master], [], [], 1.0)[0]:
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every writer of the terminal has closed it
            break
        if not chunk:
            break
        got += chunk
    os.close(master)
    try:
        rc = p.wait(timeout=max(1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
        t.check(False, f"kigen {' '.join(args)} did not end within {timeout} s")
    if feeder:
        feeder.join()
    with open(out_path, "rb") as f:
        return rc, f.read(), bytes(got)


def check_bars(e, n_records, what, with_size=True):
    """Every bar: \\r, the bar, \\033[K; records and (with a size) shares never go back; the last
    draw is erased; then the summary alone."""
    bars = list((BAR_PCT if with_size else BAR_NOSIZE).finditer(e))
    recs = [int(m.group(3 if with_size else 1)) for m in bars]
    t.check(recs == sorted(recs) and all(0 < x <= n_records for x in recs),
            f"{what}: the records counted by the bars never go back and stay within {n_records}: {recs[:20]}")
    if with_size:
        pct = [int(m.group(2)) for m in bars]
        t.check(pct == sorted(pct) and all(0 <= x <= 100 for x in pct), f"{what}: the shares never go back: {pct}")
        # a bar of 24: its # (then only .) stand for the share, to a cell
        t.check(all(re.fullmatch(rb"#*\.*", m.group(1)) and abs(m.group(1).count(b"#") - int(m.group(2)) * 0.24) <= 1
                    for m in bars), f"{what}: each bar's # stand for its share")
    # nothing but bars, the final erase and the summary (no stray bytes between draws)
    rest = (BAR_PCT if with_size else BAR_NOSIZE).sub(b"", e)
    return bars, rest


t.case("a terminal: the bar is drawn and redrawn, erased at the end, then the summary (by default)")
rc, o, e = on_pty(t.eval_args("--input", t.path("big.csv"), "--threads", "2"))
t.equal(rc, 0, "exit status 0")
t.check(o == want_big, "stdout (a file) is hand_batch's output: the bar goes to stderr only")
bars, rest = check_bars(e, BIG, "big.csv")
t.check(len(bars) >= 1, f"the bar is drawn ({len(bars)} draws)")
t.check(e.count(b"\r") >= 2, "\\r redraws: a \\r per draw and one for the erase")
m = re.fullmatch(rb"\r\x1b\[K(.*)\n", rest, re.S)
if t.check(m, f"after the bars: the erase, then one line: {rest[:300]!r}"):
    check_summary(m.group(1), BIG, 0, "terminal summary")
t.check(e.endswith(b"\n") and b"\x1b" not in e[e.rfind(ERASE) + len(ERASE):],
        "the summary line is plain text, the last thing written")

t.case("a terminal and records arriving slowly on a pipe: the bar is redrawn as they come")
CHUNK, CHUNKS = 1024, 6
piped = lines[: CHUNK * CHUNKS + 1]


def slow_feed(pipe):
    try:
        pipe.write((piped[0] + "\n").encode())
        for k in range(CHUNKS):
            pipe.write(("\n".join(piped[1 + k * CHUNK: 1 + (k + 1) * CHUNK]) + "\n").encode())
            pipe.flush()
            time.sleep(0.35)  # more than the bar's 0.2 s between draws
    finally:
        pipe.close()


start = time.monotonic()
rc, o, e = on_pty(t.eval_args("--input", "-", "--threads", "2"), feed=slow_feed)
t.equal(rc, 0, "exit status 0")
t.check(o == ("\n".join([hand_header] + [hand[str(r)] for r in range(1, CHUNK * CHUNKS + 1)]) + "\n").encode(),
        "stdout is hand_batch's output")
bars, rest = check_bars(e, CHUNK * CHUNKS, "slow pipe", with_size=False)
t.check(len(bars) >= 3, f"the bar (records and rate: a pipe has no size) is redrawn as records come: {len(bars)} draws")
m = re.fullmatch(rb"\r\x1b\[K(.*)\n", rest, re.S)
if t.check(m, f"after the bars: the erase, then one line: {rest[:300]!r}"):
    check_summary(m.group(1), CHUNK * CHUNKS, 0, "slow pipe summary")

t.case("a terminal with broken records: each error line starts on a line of its own, the bar erased first")
big_bad = list(lines)
for r in (1, 70000, BIG - 1):
    f = split_record(big_bad[r])
    f[F["birth_date"]] = "1999-02-29"
    big_bad[r] = ",".join(f)
write(t.path("big_bad.csv"), big_bad)
rc, o, e = on_pty(t.eval_args("--input", t.path("big_bad.csv"), "--threads", "2"))
t.equal(rc, 1, "exit status 1")
bars, rest = check_bars(e, BIG, "big_bad.csv")
msgs = [m.start() for m in re.finditer(rb"kigen eval: ", e)]
t.equal(len(msgs), 5, "three error lines, the count and the summary")
t.check(all(i == 0 or e[:i].endswith(b"\n") or e[:i].endswith(ERASE) for i in msgs),
        "every message starts a line (after a line end, or after the bar is erased)")
t.equal(re.findall(rb"kigen eval: record (\d+) ", e), [b"1", b"70000", str(BIG - 1).encode()], "the errors, in order")
t.check(b"kigen eval: 3 of %d records failed\n" % BIG in e, "the count")
last = e.split(b"\n")[-2] if e.count(b"\n") >= 2 else b""
check_summary(last, BIG, 3, "summary after errors")

t.case("a terminal with --quiet: nothing on stderr at all")
rc, o, e = on_pty(t.eval_args("--input", t.path("big.csv"), "--threads", "2", "--quiet"))
t.equal(rc, 0, "exit status 0")
t.equal(e, b"", "no bar, no summary: not a byte on the terminal")
t.check(o == want_big, "stdout is hand_batch's output")

t.case("a terminal with --quiet and broken records: the errors only")
rc, o, e = on_pty(t.eval_args("--input", t.path("small.csv"), "--quiet"))
t.equal(rc, 1, "exit status 1")
t.check(b"\r" not in e and b"\x1b" not in e, "no bar")
ls = e.split(b"\n")
t.equal(len(ls), len(BROKEN) + 2, "a line per broken record and the count")
t.check(not SUMMARY.search(e), "no summary")

t.finish()
