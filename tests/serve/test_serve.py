#!/usr/bin/env python3
"""kigen serve, end to end on a free loopback port: every endpoint, every
class of bad input, reload (good and broken files, with requests in flight),
the token, the limits, a slow client. Expected dates are the spec's (SPEC
R1-R2, D4), not the server's own output.

    test_serve.py KIGEN_BINARY SOURCE_DIR
"""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

kigen, src = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL", what)


class Server:
    def __init__(self, *args):
        self.dir = tempfile.mkdtemp(prefix="kigen_serve.")
        self.port_file = os.path.join(self.dir, "port")
        self.log = open(os.path.join(self.dir, "log"), "w+")
        self.p = subprocess.Popen([kigen, "serve", "--listen", "127.0.0.1:0", "--port-file", self.port_file,
                                   "--threads", "2", *args], stderr=self.log)
        for _ in range(100):
            if os.path.exists(self.port_file) and open(self.port_file).read().strip():
                break
            if self.p.poll() is not None:
                raise SystemExit(f"kigen serve exited {self.p.returncode}: {self.logtext()}")
            time.sleep(0.1)
        self.port = int(open(self.port_file).read())

    def logtext(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def req(self, method, path, body=None, headers=None, timeout=10):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        data = body.encode() if isinstance(body, str) else body
        c.request(method, path, body=data, headers=headers or {})
        r = c.getresponse()
        out = r.read()
        c.close()
        return r.status, r.getheader("Content-Type"), out

    def json(self, method, path, body=None, headers=None):
        st, ct, out = self.req(method, path, body, headers)
        return st, json.loads(out) if out and ct and "json" in ct and "ndjson" not in ct else out

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = "killed (did not stop on SIGTERM)"
        shutil.rmtree(self.dir, ignore_errors=True)
        return rc


def wait_for(cond, seconds=60):
    end = time.time() + seconds
    while time.time() < end and not cond():
        time.sleep(0.1)


ADULT_LINE20 = {"birth_date": "2004-04-02", "application_date": "2022-03-15", "card_issue_date": "2022-04-01"}
P = "/v1/eval/jp-mynumber"

work = tempfile.mkdtemp(prefix="kigen_serve_rules.")
pack = os.path.join(work, "mynumber.yaml")
shutil.copy(os.path.join(src, "rules", "jp", "mynumber.yaml"), pack)
shutil.copy(os.path.join(src, "rules", "jp", "mynumber.timeline.yaml"), work)
token = "t0ken-for-the-test-0123456789"
with open(os.path.join(work, "token"), "w") as f:
    f.write(token + "\n")

S = Server("--rules", pack, "--max-records", "50", "--max-body", "65536", "--timeout", "2")
try:
    # health, packs, describe
    st, j = S.json("GET", "/healthz")
    check(st == 200 and j == {"status": "ok"}, f"healthz: {st} {j}")
    st, j = S.json("GET", "/v1/packs")
    check(st == 200 and j["packs"][0]["name"] == "jp-mynumber" and len(j["packs"][0]["sha256"]) == 64
          and j["packs"][0]["generation"] == 1, f"packs: {st} {j}")
    st, j = S.json("GET", "/v1/packs/jp-mynumber")
    check(st == 200 and [f["name"] for f in j["facts"]][:1] == ["birth_date"] and len(j["outputs"]) == 21,
          f"describe: {st}")
    # one record: SPEC R1-R2 (receipt before 2022-04-01: line 20, 5th birthday); D4 (expired after it)
    st, j = S.json("POST", P + "?today=2026-11-30&lang=ja&messages=1&outputs=card_expiry,card_status",
                   json.dumps({"id": "A-1", **ADULT_LINE20}))
    check(st == 200 and j["outputs"] == {"card_expiry": "2026-04-02", "card_status": "expired"}
          and j["id"] == "A-1" and j["error"] is None and "有効期限が切れています" in j["messages"]["card_status"],
          f"one record: {st} {j}")
    # era dates are read as the CLI reads them
    st, j = S.json("POST", P + "?outputs=card_expiry", json.dumps({**ADULT_LINE20, "card_issue_date": "令和4年4月1日"}))
    check(st == 200 and j["outputs"]["card_expiry"] == "2026-04-02", f"era date: {st} {j}")
    # another reading: U4 keyed on the issue date -> line 18 -> 10th birthday (SPEC R1, U4)
    st, j = S.json("POST", P + "?outputs=card_expiry&param.age_line_keyed_on=issue_date", json.dumps(ADULT_LINE20))
    check(st == 200 and j["outputs"]["card_expiry"] == "2031-04-02", f"param: {st} {j}")
    # ... and the next request on the same worker is back on the pack's reading
    for _ in range(4):
        st, j = S.json("POST", P + "?outputs=card_expiry", json.dumps(ADULT_LINE20))
        check(j["outputs"]["card_expiry"] == "2026-04-02", f"a param leaked into the next request: {j}")
    # outputs come in the order asked for, as kigen eval --outputs gives them
    st, j = S.json("POST", P + "?outputs=card_status,card_expiry,auth_cert_expiry&today=2026-11-30", json.dumps(ADULT_LINE20))
    check(list(j["outputs"]) == ["card_status", "card_expiry", "auth_cert_expiry"], f"outputs order: {j}")
    # a UTF-8 byte order mark before the body is not part of it (as kigen eval reads files)
    st, j = S.json("POST", P + "?outputs=card_expiry", "\ufeff" + json.dumps(ADULT_LINE20))
    check(st == 200 and j["outputs"]["card_expiry"] == "2026-04-02", f"BOM: {st} {j}")
    # a body dribbled in is cut off after 3 x --timeout (2 s) in all, though never idle that long
    s = socket.create_connection(("127.0.0.1", S.port))
    s.sendall(b"POST " + P.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
    t0, closed = time.time(), False
    try:
        while time.time() - t0 < 15:
            s.sendall(b" ")
            time.sleep(1)
    except (BrokenPipeError, ConnectionResetError):
        closed = True
    s.close()
    check(closed and time.time() - t0 < 12, f"a dribbled body: closed {closed} after {time.time() - t0:.1f} s")
    # the selection follows each request (a worker keeps its context: was it left selecting?)
    for sel, want in [("", 21), ("card_expiry", 1), ("", 21), ("card_status,card_expiry", 2)]:
        st, j = S.json("POST", P + ("?outputs=" + sel if sel else ""), json.dumps(ADULT_LINE20))
        check(st == 200 and len(j["outputs"]) == want, f"outputs={sel!r}: {len(j['outputs'])} outputs, not {want}")
    # a batch as an array: one result per record, in order, a bad one does not spoil the others
    batch = [ADULT_LINE20, {"birth_date": "2004-02-30", "card_issue_date": "2022-04-01"}, 7,
             {"birth_dat": "2004-04-02"}, ADULT_LINE20]
    st, j = S.json("POST", P + "?outputs=card_expiry", json.dumps(batch))
    check(st == 200 and [r["record"] for r in j] == [1, 2, 3, 4, 5], f"batch order: {st} {j}")
    check(j[0]["outputs"]["card_expiry"] == "2026-04-02" and j[4]["outputs"]["card_expiry"] == "2026-04-02",
          f"batch good records: {j}")
    check("2004-02-30" in j[1]["error"] and j[1]["field"] == "birth_date", f"batch bad date: {j[1]}")
    check("JSON object" in j[2]["error"], f"batch non-object: {j[2]}")
    check("did you mean 'birth_date'" in j[3]["error"], f"batch unknown fact: {j[3]}")
    # JSON Lines: the same, one line per record, a broken line is its own error
    body = json.dumps(ADULT_LINE20) + "\nnot json\n" + json.dumps(ADULT_LINE20) + "\n"
    st, ct, out = S.req("POST", P + "?outputs=card_expiry", body)
    lines = [json.loads(x) for x in out.decode().splitlines()]
    check(st == 200 and "ndjson" in ct and [r["record"] for r in lines] == [1, 2, 3] and lines[1]["error"]
          and lines[2]["outputs"]["card_expiry"] == "2026-04-02", f"jsonl: {st} {ct} {out[:300]}")
    # a batch is streamed (chunked: each result made as it is sent), every record answered, in order
    c = http.client.HTTPConnection("127.0.0.1", S.port, timeout=30)
    body = "".join(json.dumps({"id": f"r{i}", **ADULT_LINE20}) + "\n" for i in range(50))
    c.request("POST", P + "?outputs=card_expiry", body=body.encode())
    resp = c.getresponse()
    got = [json.loads(x) for x in resp.read().decode().splitlines()]
    c.close()
    check(resp.getheader("Transfer-Encoding") == "chunked" and [r["id"] for r in got] == [f"r{i}" for i in range(50)]
          and all(r["outputs"]["card_expiry"] == "2026-04-02" for r in got), f"streamed batch: {resp.getheaders()}")
    # a parser's message cut inside a character (an invalid escape before a kanji) is still a
    # result for its record (was found by fuzz_serve: the stream ended there, a 200 with no results)
    body = '{"birth_date":"\\日"}\n' + json.dumps(ADULT_LINE20) + "\n"
    st, ct, out = S.req("POST", P + "?outputs=card_expiry", body.encode())
    got = [json.loads(x) for x in out.decode().splitlines()]
    check(st == 200 and len(got) == 2 and "invalid escape" in got[0]["error"]
          and got[1]["outputs"]["card_expiry"] == "2026-04-02", f"invalid escape in JSON Lines: {out[:300]!r}")
    st, j = S.json("POST", P, '{"birth_date":"\\日"}'.encode())
    check(st == 400 and "invalid escape" in j["error"]["message"], f"invalid escape, one record: {st} {j}")
    # errors: each a 4xx with a JSON error that says what and where
    cases = [
        ("POST", P, '{"birth_date": "2004-04-02",', 400, "not one JSON object"),
        ("POST", P, '{"birth_dat": "2004-04-02"}', 400, "did you mean 'birth_date'"),
        ("POST", P, '{"birth_date": 2004.5}', 400, "fraction"),
        ("POST", P, '{"birth_date": "2004-04-02", "birth_date": "2004-04-03"}', 400, "duplicate"),
        ("POST", P + "?param.age_method=nope", "{}", 400, "age_method"),
        ("POST", P + "?today=2026-02-30", "{}", 400, "today"),
        ("POST", P + "?lang=fr", "{}", 400, "lang"),
        ("POST", P + "?colour=red", "{}", 400, "unknown option 'colour'"),
        ("POST", P + "?outputs=card_expiri", "{}", 400, "card_expiry"),
        ("POST", "/v1/eval/nope", "{}", 404, "no pack named 'nope'"),
        ("GET", P, None, 405, "POST"),
        ("GET", "/nothing", None, 404, "no such endpoint"),
        ("POST", P, json.dumps([ADULT_LINE20] * 51), 413, "at most 50"),
        ("POST", P, "x" * 70000, 413, "--max-body"),
        ("POST", "/v1/admin/reload", "", 404, "--token-file"),
        # (an outside review's findings: each was a 200 before)
        ("POST", P + "?outputs=card_expiry", json.dumps({"生年月日": "2004-04-02", "birth_date": "1990-01-01",
                                                        "card_issue_date": "2022-04-01"}), 400,
         "birth_date is given twice, as '生年月日' and as 'birth_date'"),
        ("POST", P + "?today=2020-01-01&today=2030-01-01", "{}", 400, "the option 'today' is given twice"),
        ("POST", P + "?param.age_method=age_act&param.age_method=birthday", "{}", 400, "given twice"),
        ("POST", P + "?messages=yes", "{}", 400, "messages must be"),
        ("POST", P + "?outputs=", "{}", 400, "names no output"),
        ("POST", P, json.dumps({"id": [1], **ADULT_LINE20}), 400, "an id is a text or a number"),
        ("POST", "/healthz", "", 405, "GET /healthz"),
    ]
    for method, path, body, want, text in cases:
        st, ct, out = S.req(method, path, body)
        ok = st == want and ct == "application/json" and text in json.loads(out)["error"]["message"]
        check(ok, f"{method} {path} {str(body)[:40]!r}: want {want} with {text!r}, got {st} {out[:200]!r}")
    st, j = S.json("POST", P, '{"birth_dat": "x"}')
    check(j["error"].get("record") == 1 and j["error"].get("field") == "birth_dat", f"error place: {j}")
    # explain and timeline
    st, j = S.json("POST", "/v1/explain/jp-mynumber?name=card_expiry", json.dumps(ADULT_LINE20))
    check(st == 200 and j["name"] == "card_expiry" and j["value"] == "2026-04-02" and j["case"]["index"] == 15,
          f"explain: {st} {str(j)[:200]}")
    st, ct, out = S.req("POST", "/v1/timeline/jp-mynumber?today=2026-11-30", json.dumps(ADULT_LINE20))
    check(st == 200 and ct.startswith("image/svg+xml") and b'data-to="2026-04-02"' in out, f"timeline: {st} {ct}")
    # the page
    st, ct, out = S.req("GET", "/")
    check(st == 200 and ct.startswith("text/html") and b"<html" in out.lower(), f"page: {st} {ct}")
    # a slow client: never a hang; the server closes the connection after --timeout (2 s)
    s = socket.create_connection(("127.0.0.1", S.port))
    s.sendall(b"POST " + P.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"birth")
    s.settimeout(10)
    t0 = time.time()
    try:
        got = s.recv(100)
    except (ConnectionResetError, socket.timeout):
        got = b""
    check(time.time() - t0 < 8 and not got.startswith(b"HTTP/1.1 200"), f"slow client: {time.time() - t0:.1f}s {got!r}")
    s.close()
    st, j = S.json("GET", "/healthz")
    check(st == 200, "the server answers after a slow client")

    # reload: a broken file keeps the old packs; requests in flight finish
    stop = threading.Event()
    seen = {"ok": 0, "bad": []}

    def hammer():
        while not stop.is_set():
            st, j = S.json("POST", P + "?outputs=card_expiry", json.dumps(ADULT_LINE20))
            if st == 200 and j["outputs"]["card_expiry"] == "2026-04-02":
                seen["ok"] += 1
            else:
                seen["bad"].append((st, j))

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for t in threads:
        t.start()
    good = open(pack).read()
    with open(pack, "w") as f:
        f.write(good.replace("outputs:\n  - card_expiry", "outputs:\n  - card_expiryy"))
    S.p.send_signal(signal.SIGHUP)
    # (a reload takes a while under the sanitizers: wait for its log line)
    wait_for(lambda: "reload failed" in S.logtext())
    st, j = S.json("GET", "/v1/packs")
    check(j["packs"][0]["generation"] == 1, f"a broken reload replaced the packs: {j}")
    check("reload failed" in S.logtext() and "card_expiryy" in S.logtext(), "the broken reload's diagnostics are logged")
    with open(pack, "w") as f:
        f.write(good.replace("title: マイナンバーカード", "title: 再読込 マイナンバーカード"))
    S.p.send_signal(signal.SIGHUP)
    wait_for(lambda: "generation 2" in S.logtext())
    time.sleep(0.3)  # requests on the new packs too
    stop.set()
    for t in threads:
        t.join()
    st, j = S.json("GET", "/v1/packs")
    check(j["packs"][0]["generation"] == 2 and j["packs"][0]["title"].startswith("再読込"), f"reload: {j}")
    check(seen["ok"] > 20 and not seen["bad"], f"requests during reloads: {seen['ok']} ok, bad {seen['bad'][:3]}")
    st, out = S.json("GET", "/metrics")
    text = out.decode()
    check("kigen_ruleset_generation 2" in text and 'kigen_requests_total{endpoint="eval"}' in text
          and 'kigen_request_duration_seconds_bucket{endpoint="eval",le="+Inf"}' in text, "metrics")
    log = S.logtext()
    # (a microsecond count may hold the digits 2004: look for the facts themselves)
    check("POST /v1/eval/jp-mynumber 200 1 " in log and "2004-04-02" not in log and "birth" not in log
          and "A-1" not in log, "one log line per request, no personal data")
finally:
    rc = S.stop()
check(rc == 0, f"exit status after SIGTERM: {rc}")

# the token
T = Server("--rules", pack, "--token-file", os.path.join(work, "token"))
try:
    st, j = T.json("GET", "/healthz")
    check(st == 200, "healthz needs no token")
    st, ct, out = T.req("GET", "/?birth_date=2004-04-02")
    check(st == 200 and ct.startswith("text/html"), f"the page itself needs no token (its calls do): {st}")
    st, j = T.json("GET", "/v1/packs")
    check(st == 401, f"/v1/packs without the token: {st}")
    st, j = T.json("POST", P, json.dumps(ADULT_LINE20))
    check(st == 401 and "bearer token" in j["error"]["message"], f"no token: {st} {j}")
    st, j = T.json("POST", P, json.dumps(ADULT_LINE20), {"Authorization": "Bearer " + token[:-1] + "X"})
    check(st == 401, f"a wrong token: {st}")
    st, j = T.json("POST", P, json.dumps(ADULT_LINE20), {"Authorization": "bearer " + token})
    check(st == 200, f"the scheme's name in lower case (RFC 7235): {st}")
    st, j = T.json("POST", P + "?outputs=card_expiry", json.dumps(ADULT_LINE20), {"Authorization": "Bearer " + token})
    check(st == 200 and j["outputs"]["card_expiry"] == "2026-04-02", f"the token: {st} {j}")
    st, j = T.json("POST", "/v1/admin/reload", "", {"Authorization": "Bearer " + token})
    check(st == 200 and j["generation"] == 2, f"reload over HTTP: {st} {j}")
    with open(pack, "w") as f:
        f.write("kigen: 1\nname: jp-mynumber\nfacts: {\n")
    st, j = T.json("POST", "/v1/admin/reload", "", {"Authorization": "Bearer " + token})
    check(st == 422 and j["error"]["diagnostics"] and "mynumber.yaml" in j["error"]["diagnostics"][0]["message"],
          f"a broken reload over HTTP: {st} {j}")
    st, j = T.json("POST", P + "?outputs=card_expiry", json.dumps(ADULT_LINE20), {"Authorization": "Bearer " + token})
    check(st == 200 and j["outputs"]["card_expiry"] == "2026-04-02", "the old packs serve after a broken reload")
finally:
    T.stop()

# startup errors: exit 2 with a message
for args, text in [(["--rules", os.path.join(work, "mynumber.yaml")], "do not load"),
                   (["--rules", "jp/mynumber", "--listen", "nonsense"], "HOST:PORT"),
                   (["--rules", "jp/mynumber", "--threads", "0"], "--threads"),
                   ([], "--rules RULES is required")]:
    p = subprocess.run([kigen, "serve", *args], stderr=subprocess.PIPE, timeout=20)
    check(p.returncode == 2 and text in p.stderr.decode(), f"serve {args}: {p.returncode} {p.stderr[-300:]!r}")

shutil.rmtree(work, ignore_errors=True)
print(f"serve: {len(failures)} failure(s)")
sys.exit(1 if failures else 0)
