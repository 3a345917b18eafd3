#!/usr/bin/env python3
"""kigen eval and Ctrl-C on a slow pipe: the complete records kigen has
already read are all evaluated and written.

kigen eval --help: "Ctrl-C stops reading, writes every record already
read, says how far it got and exits with 130". Here the records are
written to a pipe that then stays open and silent (a slow producer); the
test waits until kigen has read every byte of them (FIONREAD: nothing left
unread in the pipe), then sends SIGINT. Every record is complete (it ends
with its line end), and a pipe cannot be read again: kigen must write them
all and say "records 1 to N".

(was, found by this test: in aa04451 kigen died by the signal while it
waited for its first 64 KiB, writing nothing; after f3d6e59 it exited with
130 but dropped the records it held unparsed and said they were not read --
CSV, 3 records: "interrupted before any record was read"; 5,000: "records
1 to 4378"; JSON Lines, 1,000: "records 1 to 502". Fixed in 647f63f.)

(test_eval_sigint.py: SIGINT while kigen reads a large file or an endless
pipe, where K is whatever kigen reached.)

    test_eval_sigint_pipe.py KIGEN SOURCE_DIR GEN_RESIDENTS HAND_BATCH
"""
import array
import fcntl
import json
import os
import signal
import subprocess
import termios
import time

from evalpipe import Suite

t = Suite("test_eval_sigint_pipe")
lines = t.generate(5000)
hand_header, hand = t.hand_rows(lines)
names = lines[0].split(",")
CE = hand_header.split(",").index("card_expiry")  # no quoted column before it


def unread(fd):
    """Bytes in the pipe that nobody has read yet (FIONREAD on its read end)."""
    n = array.array("i", [0])
    fcntl.ioctl(fd, termios.FIONREAD, n)
    return n[0]


def sigint_after_read(args, data, what):
    """Write data to kigen's stdin (a pipe kept open), wait until kigen has read all of it, SIGINT."""
    r, w = os.pipe()
    out_path, err_path = t.path("early.out"), t.path("early.err")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        p = subprocess.Popen([t.kigen] + args, stdin=r, stdout=out, stderr=err, env=t.env)
    os.set_blocking(w, False)
    start, sent = time.monotonic(), 0
    while (sent < len(data) or unread(r)) and time.monotonic() - start < 60 and p.poll() is None:
        if sent < len(data):
            try:
                sent += os.write(w, data[sent:sent + 65536])
            except BlockingIOError:
                pass
        time.sleep(0.01)
    t.check(sent == len(data) and unread(r) == 0, f"{what}: kigen read every byte of the records")
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    try:
        rc = p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
        t.check(False, f"{what}: kigen did not end within 60 s of SIGINT (the pipe stays open)")
    os.close(w)
    os.close(r)
    with open(out_path, "rb") as f:
        o = f.read().decode()
    with open(err_path, "rb") as f:
        e = f.read().decode()
    t.equal(rc, 130, f"{what}: exit status 130")
    return o, e


def message(n):
    return f"kigen eval: interrupted: records 1 to {n} were evaluated and written; the rest of the input was not read\n"


for n in (3, 5000):
    t.case(f"CSV on a pipe: {n} records read, then SIGINT")
    o, e = sigint_after_read(t.eval_args("--input", "-"), ("\n".join(lines[: n + 1]) + "\n").encode(), f"csv {n}")
    t.equal(e, message(n), f"csv {n}: stderr says all {n} records were evaluated and written")
    want = "\n".join([hand_header] + [hand[str(r)] for r in range(1, n + 1)]) + "\n"
    t.check(o == want, f"csv {n}: stdout is the header and the {n} records (hand_batch's lines); "
                       f"it has {max(o.count(chr(10)) - 1, 0)} records")

for n in (3, 1000):
    t.case(f"JSON Lines on a pipe: {n} records read, then SIGINT")
    data = "".join(json.dumps({k: v for k, v in zip(names, line.split(",")) if v}) + "\n" for line in lines[1:n + 1])
    o, e = sigint_after_read(t.eval_args("--input", "-", "--input-format", "jsonl", "--outputs", "card_expiry"),
                             data.encode(), f"jsonl {n}")
    t.equal(e, message(n), f"jsonl {n}: stderr says all {n} records were evaluated and written")
    want = "id,card_expiry,error\n" + "".join(f"{r},{hand[str(r)].split(',')[CE]},\n" for r in range(1, n + 1))
    t.check(o == want, f"jsonl {n}: stdout is the header and the {n} records' card_expiry (hand_batch's); "
                       f"it has {max(o.count(chr(10)) - 1, 0)} records")

t.finish()
