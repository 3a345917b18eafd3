"""Shared helpers of the `kigen eval` pipeline tests (tests/cli/test_eval_*.py).

Each test script is one ctest entry, run as

    test_eval_X.py KIGEN_BINARY SOURCE_DIR GEN_RESIDENTS HAND_BATCH

GEN_RESIDENTS (bench/gen_residents.c) writes a deterministic population of
valid records of rules/jp/mynumber.yaml; HAND_BATCH (bench/hand_batch.c)
computes the pack's 21 outputs for those records by hand, in C, and writes
the CSV `kigen eval --passthrough id` writes, byte for byte (the ctest
bench_batch_agreement holds it to that). It is the oracle these tests use
for the values of good records: nothing expected here is taken from kigen's
own output.

Like transcript.py, a script reports every failed check, not only the
first, and exits 1 if any failed.
"""
import csv
import io
import os
import subprocess
import sys
import tempfile
import time

TODAY = "2026-11-30"
HEADER = "id,birth_date,residence_status,residence_end,application_date,card_issue_date,card_early_renewal,sign_cert_requested"
FIELDS = HEADER.split(",")


class Suite:
    def __init__(self, name):
        if len(sys.argv) != 5:
            raise SystemExit(f"usage: {os.path.basename(sys.argv[0])} KIGEN SOURCE_DIR GEN_RESIDENTS HAND_BATCH")
        self.name = name
        self.kigen, self.src, self.gen, self.hand = sys.argv[1:]
        self.pack = os.path.join(self.src, "rules/jp/mynumber.yaml")
        self._tmp = tempfile.TemporaryDirectory(prefix="kigen_pipe.")
        self.tmp = self._tmp.name
        self.env = dict(os.environ, LC_ALL="C.UTF-8")
        self.env.pop("KIGEN_PATH", None)
        self.checks = 0
        self.failures = []
        self.case_name = "(setup)"
        self.t0 = time.monotonic()

    # --- checks -------------------------------------------------------------
    def case(self, name):
        self.case_name = name

    def check(self, ok, what):
        """One assertion; a failure is recorded (with the case) and the run goes on."""
        self.checks += 1
        if not ok:
            self.failures.append(f"[{self.case_name}] {what}")
        return bool(ok)

    def equal(self, got, want, what):
        if got == want:
            return self.check(True, what)
        g, w = repr(got), repr(want)
        if len(g) > 600:
            g = g[:600] + "..."
        if len(w) > 600:
            w = w[:600] + "..."
        return self.check(False, f"{what}\n      got:      {g}\n      expected: {w}")

    def finish(self):
        for f in self.failures:
            print("FAIL " + f.replace("\n", "\n  "))
        print(f"{self.name}: {self.checks - len(self.failures)} of {self.checks} checks passed "
              f"({time.monotonic() - self.t0:.1f} s)")
        self._tmp.cleanup()
        sys.exit(1 if self.failures else 0)

    # --- files and runs -----------------------------------------------------
    def path(self, name):
        return os.path.join(self.tmp, name)

    def generate(self, n, name=None):
        """gen_residents N TODAY, as a list of lines (the header first, no line ends)."""
        p = subprocess.run([self.gen, str(n), TODAY], capture_output=True, check=True)
        lines = p.stdout.decode().split("\n")
        assert lines[-1] == "" and lines[0] == HEADER, "gen_residents: unexpected output"
        lines = lines[:-1]
        assert len(lines) == n + 1
        if name:
            write(self.path(name), lines)
        return lines

    def hand_rows(self, lines):
        """hand_batch's CSV for these (valid) records: {id: the output line}, and its header."""
        src = self.path("hand_in.csv")
        write(src, lines)
        p = subprocess.run([self.hand, "--today", TODAY, src], capture_output=True, check=True)
        out = p.stdout.decode().split("\n")
        assert out[-1] == ""
        header, rows = out[0], out[1:-1]
        assert len(rows) == len(lines) - 1, "hand_batch: one line per record"
        return header, {r.split(",", 1)[0]: r for r in rows}

    def kigen_run(self, args, stdin=None, stdin_bytes=None):
        """Run kigen with these arguments; stdout and stderr are files (never a terminal).
        (No time limit here: a wait with one polls; ctest's TIMEOUT ends a hung run.)"""
        out_path, err_path = self.path("run.out"), self.path("run.err")
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            if stdin_bytes is not None:
                p = subprocess.run([self.kigen] + args, input=stdin_bytes, stdout=out, stderr=err, env=self.env)
            else:
                with open(stdin or os.devnull, "rb") as inp:
                    p = subprocess.run([self.kigen] + args, stdin=inp, stdout=out, stderr=err, env=self.env)
        with open(out_path, "rb") as f:
            o = f.read()
        with open(err_path, "rb") as f:
            e = f.read()
        return p.returncode, o, e

    def eval_args(self, *extra):
        return ["eval", "--rules", self.pack, "--today", TODAY] + list(extra)


def write(path, lines):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("\n".join(lines) + "\n")


def csv_rows(text):
    return list(csv.reader(io.StringIO(text, newline="")))


def split_record(line):
    """The fields of one generated record (gen_residents writes no quotes)."""
    return line.split(",")
