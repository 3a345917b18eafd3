#!/usr/bin/env python3
"""kigen eval and Ctrl-C (SIGINT): reading stops, every record already read
is evaluated and written, stderr says how far it got, exit status 130.

kigen eval --help: "Ctrl-C stops reading, writes every record already
read, says how far it got and exits with 130"; the message is
"kigen eval: interrupted: records 1 to K were evaluated and written; the
rest of the input was not read". So stdout must be the header and exactly
K complete lines, those of records 1..K in order -- hand_batch's lines for
them (bench/hand_batch.c, the pack's outputs computed by hand) -- with no
partial line.

The inputs are large enough that the signal always comes while kigen is
still reading: a regular file of 3,000,000 generated records (143 MB),
and a pipe that never ends. The signal is sent as soon as some output has
reached the file (its size is polled), with generous time limits, so that
a slow, loaded machine only makes K larger.

(SIGINT after the input has ended cannot be timed reliably, so it is not
tested. SIGINT once a slow pipe has sent a few records: test_eval_sigint_pipe.py.)

    test_eval_sigint.py KIGEN SOURCE_DIR GEN_RESIDENTS HAND_BATCH
"""
import json
import os
import pty
import re
import select
import signal
import subprocess
import threading
import time
import tty

from evalpipe import TODAY, Suite, csv_rows, write

t = Suite("test_eval_sigint")
HUGE = 3000000
POOL = 20000  # the records whose outputs hand_batch computes (a pipe repeats them)
MSG = re.compile(r"kigen eval: interrupted: records 1 to (\d+) were evaluated and written; "
                 r"the rest of the input was not read")

# the huge file, straight from the generator (no copy through python)
huge = t.path("huge.csv")
with open(huge, "wb") as f:
    subprocess.run([t.gen, str(HUGE), TODAY], stdout=f, check=True)
pool = t.generate(POOL)
hand_header, hand = t.hand_rows(pool)


def hand_lines_of_huge(k):
    """hand_batch's lines for records 1..k of the huge file (its first k + 1 lines)."""
    head = t.path("head.csv")
    with open(huge, "rb") as src, open(head, "wb") as dst:
        for i, line in enumerate(src):
            if i > k:
                break
            dst.write(line)
    p = subprocess.run([t.hand, "--today", TODAY, head], capture_output=True, check=True)
    return p.stdout.decode()


def interrupt(args, stdin=None, feed=None, min_bytes=1, timeout=180):
    """Start kigen (stdout and stderr files), wait until stdout has more than min_bytes, send SIGINT.
    (rc, stdout, stderr, seconds it ran)."""
    out_path, err_path = t.path("int.out"), t.path("int.err")
    out, err = open(out_path, "wb"), open(err_path, "wb")
    stdin_f = subprocess.PIPE if feed else open(stdin or os.devnull, "rb")
    start = time.monotonic()
    p = subprocess.Popen([t.kigen] + args, stdin=stdin_f, stdout=out, stderr=err, env=t.env)
    out.close()
    err.close()
    feeder = None
    if feed:
        feeder = threading.Thread(target=feed, args=(p.stdin,), daemon=True)
        feeder.start()
    else:
        stdin_f.close()
    sent = False
    while time.monotonic() - start < timeout and p.poll() is None:
        if os.path.getsize(out_path) > min_bytes:
            p.send_signal(signal.SIGINT)
            sent = True
            break
        time.sleep(0.005)
    t.check(sent, f"kigen wrote output and was still running when the signal was to be sent (rc {p.poll()})")
    try:
        rc = p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
        t.check(False, f"kigen did not end within {timeout} s of SIGINT")
    took = time.monotonic() - start
    if feeder:
        feeder.join(timeout=30)
    with open(out_path, "rb") as f:
        o = f.read()
    with open(err_path, "rb") as f:
        e = f.read()
    return rc, o, e, took


def k_of(err_text, what):
    """K from the message, which must be the last line of stderr."""
    ls = err_text.split("\n")
    t.equal(ls[-1], "", f"{what}: stderr ends with a line end")
    m = MSG.fullmatch(ls[-2]) if len(ls) >= 2 else None
    t.check(m, f"{what}: the last line of stderr is the interrupted message: {ls[-2:]!r}")
    return int(m.group(1)) if m else None


# ---- a regular file --------------------------------------------------------------------------
t.case("SIGINT while reading a large file (CSV, --threads 2)")
rc, o, e, took = interrupt(t.eval_args("--input", huge, "--threads", "2"))
t.equal(rc, 130, "exit status 130")
e = e.decode()
k = k_of(e, "file")
t.equal(e.count("\n"), 1, "stderr is the message alone (no record failed; stderr is not a terminal)")
if k is not None:
    t.check(0 < k < HUGE, f"some records, not all, were evaluated: K = {k} of {HUGE}")
    t.check(o.endswith(b"\n"), "stdout ends with a complete line")
    t.equal(o.count(b"\n"), k + 1, "stdout: the header and exactly K lines")
    want = hand_lines_of_huge(k)
    t.check(o.decode() == want, f"stdout is hand_batch's header and lines for records 1..{k}, in order")
print(f"  (file: K = {k}, {took:.2f} s)")

t.case("SIGINT with --where: records 1..K were evaluated, the kept ones written")
rc, o, e, took = interrupt(t.eval_args("--input", huge, "--threads", "3", "--where", "card_status == renewable",
                                       "--outputs", "card_status"))
t.equal(rc, 130, "exit status 130")
k = k_of(e.decode(), "--where")
if k is not None:
    hand_k = hand_lines_of_huge(k).split("\n")
    cs = hand_k[0].split(",").index("card_status")
    # no column before card_status is quoted (dates and booleans), so a split finds it (K may be large)
    t.check(all('"' not in ",".join(line.split(",", cs + 1)[:cs]) for line in hand_k[1:-1]), "card_status is found by a split")
    kept = [f"{f[0]},{f[cs]}," for f in (line.split(",", cs + 1) for line in hand_k[1:-1]) if f[cs] == "renewable"]
    t.check(len(kept) > 0, f"some of records 1..K are renewable ({len(kept)})")
    t.check(o.decode() == "\n".join(["id,card_status,error"] + kept) + "\n",
            "stdout: the header and, of records 1..K, exactly those hand_batch says are renewable, in order")
print(f"  (--where: K = {k}, {took:.2f} s)")


t.case("SIGINT with stderr a terminal: the bar erased, the message, then the summary")
master, slave = pty.openpty()
tty.setraw(slave)  # the bytes as kigen writes them
out_path = t.path("pty.out")
with open(out_path, "wb") as out:
    p = subprocess.Popen([t.kigen] + t.eval_args("--input", huge, "--threads", "2", "--outputs", "card_expiry"),
                         stdin=subprocess.DEVNULL, stdout=out, stderr=slave, env=t.env)
os.close(slave)
got, sent, start = bytearray(), False, time.monotonic()
while time.monotonic() - start < 180:
    if not sent and os.path.getsize(out_path) > 1:
        p.send_signal(signal.SIGINT)
        sent = True
    if select.select([master], [], [], 0.005)[0]:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: kigen has closed the terminal
            break
        if not chunk:
            break
        got += chunk
os.close(master)
try:
    rc = p.wait(timeout=60)
except subprocess.TimeoutExpired:
    p.kill()
    rc = p.wait()
t.check(sent, "the signal was sent while kigen ran")
t.equal(rc, 130, "exit status 130")
m = re.search(rb"\r\x1b\[K(kigen eval: interrupted: records 1 to (\d+) were evaluated and written; the rest of the "
              rb"input was not read)\nkigen eval: (\d+) records, 0 failed, \d+\.\d\d s, \d+ records/s\n$", bytes(got))
if t.check(m, f"stderr ends with the erase, the message and the summary: {bytes(got[-300:])!r}"):
    k = int(m.group(2))
    t.equal(int(m.group(3)), k, "the summary counts the K records evaluated")
    with open(out_path, "rb") as f:
        o = f.read()
    t.equal(o.count(b"\n"), k + 1, "stdout: the header and K lines")
    t.check(o.endswith(b"\n"), "no partial line")


# ---- a pipe that never ends: reading must stop ------------------------------------------------
def endless_jsonl(pipe):
    """JSON Lines records without end: record i has id i and pool record ((i - 1) % POOL) + 1's facts."""
    names = pool[0].split(",")
    recs = []
    for line in pool[1:]:
        obj = {k: (v == "true") if v in ("true", "false") else v for k, v in zip(names, line.split(",")) if v}
        del obj["id"]
        recs.append(obj)
    i = 0
    try:
        while True:
            chunk = []
            for _ in range(1000):
                obj = dict(recs[i % POOL])
                i += 1
                chunk.append(json.dumps(dict({"id": i}, **obj)))
            pipe.write(("\n".join(chunk) + "\n").encode())
    except (BrokenPipeError, OSError, ValueError):
        pass  # kigen has gone: the end of the test's input


t.case("SIGINT on endless JSON Lines from a pipe (--threads 3, --format jsonl)")
rc, o, e, took = interrupt(t.eval_args("--input", "-", "--input-format", "jsonl", "--threads", "3",
                                       "--format", "jsonl", "--outputs", "card_expiry,card_status"),
                           feed=endless_jsonl, min_bytes=1)
t.equal(rc, 130, "exit status 130 (reading stopped although the input never ends)")
k = k_of(e.decode(), "pipe")
if k is not None:
    t.check(k > 0, f"K = {k} > 0")
    t.check(o.endswith(b"\n"), "stdout ends with a complete line")
    got = [json.loads(x) for x in o.decode().split("\n")[:-1]]
    t.equal(len(got), k, "exactly K JSON lines")
    names = hand_header.split(",")
    exp_ce, exp_cs = names.index("card_expiry"), names.index("card_status")
    want = []
    for i in range(1, k + 1):
        row = csv_rows(hand[str((i - 1) % POOL + 1)])[0]
        want.append({"id": i, "card_expiry": row[exp_ce], "card_status": row[exp_cs]})
    # the id of JSON input is a number; kigen may write it as a number or as text
    t.equal([dict(g, id=int(g["id"])) for g in got], want, "records 1..K in order, with hand_batch's values")
print(f"  (pipe: K = {k}, {took:.2f} s)")

t.finish()
