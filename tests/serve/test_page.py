#!/usr/bin/env python3
"""kigen serve's page (GET /, src/cli/serve_page.html) in a headless browser.

The server is started on a free port (--listen 127.0.0.1:0 --port-file) and
Debian's chromium loads the page with facts in its query, as a shared link
would; the page reads the pack (GET /v1/packs, /v1/packs/jp-mynumber),
builds its form, evaluates (POST /v1/eval, /v1/timeline, /v1/explain) and
chromium prints the DOM it ended with (--dump-dom, after up to 10 s of
virtual time). What is checked, on the README's resident (birth
2004-04-02, application received 2022-03-15, card issued 2022-04-01, today
2026-11-30), with the expected values written here by hand:

  - card_expiry 2026-04-02: SPEC R1/R2 - the application was received
    before 2022-04-01, so the age line is 20; the holder (18 on the issue
    date) is under it, so the card runs to the 5th birthday after its issue;
  - card_status expired: SPEC D4 - valid through 2026-04-02, not on
    2026-11-30; its message in Japanese, the same words as
    `kigen eval --messages ja`;
  - every other value in the results table equals `kigen eval`'s for the
    same record (the page shows what the server says, dates as given);
  - the timeline (#timeline) holds an <svg> whose card bar is a rect with
    data-to="2026-04-02";
  - the same with the issue date written in the era (令和4年4月1日);
  - a misspelt key in the query (birth_dat) is ignored by the page, not an
    error, and left out of the link to share; lang=en gives English;
  - a reading (param.age_line_keyed_on=issue_date) reaches the server: the
    line is then read at the issue date, 18, and the card runs to the 10th
    birthday, 2031-04-02 (the README's example); explain=card_expiry shows
    the derivation with card_age_line 18 in effect from 2022-04-01, looked
    up at 2022-04-01;
  - explain=card_expiry without the reading: card_age_line 20 in effect from
    2015-10-05, looked up at 2022-03-15 (R2: the receipt date);
  - a date that does not exist (birth_date=2004-02-30) shows #error, with
    the date in its text, and the page's state is "error".

And: GET / is the file itself (text/html, under 40 KB, no external
resource, no innerHTML); a screenshot (1200x1600) is saved as
ARTEFACT_DIR/serve_page.png and must be a PNG of that size and more than a
few KB. The server is stopped by its PID (SIGTERM) whatever happens, and
must then exit 0 (under AddressSanitizer, a leak would make it not 0).

    test_page.py KIGEN SOURCE_DIR ARTEFACT_DIR
"""
import html.parser
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

KIGEN, SRC, OUT = sys.argv[1], sys.argv[2], sys.argv[3]
PAGE = os.path.join(SRC, "src", "cli", "serve_page.html")
SHOT = os.path.join(OUT, "serve_page.png")
RESIDENT = {"birth_date": "2004-04-02", "application_date": "2022-03-15", "card_issue_date": "2022-04-01"}
TODAY = "2026-11-30"
failures = []


def check(cond, what):
    print(("ok    " if cond else "FAIL  ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


# ---- the DOM chromium prints, as a small tree -----------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.kids = tag, dict(attrs), parent, []

    def text(self):
        return "".join(k if isinstance(k, str) else k.text() for k in self.kids)

    def all(self, tag=None, **attrs):
        for k in self.kids:
            if isinstance(k, Node):
                if (tag is None or k.tag == tag) and all(k.attrs.get(a.replace("_", "-")) == v for a, v in attrs.items()):
                    yield k
                yield from k.all(tag, **attrs)

    def one(self, tag=None, **attrs):
        return next(self.all(tag, **attrs), None)

    def has_class(self, c):
        return c in (self.attrs.get("class") or "").split()


class Dom(html.parser.HTMLParser):
    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.root = self.cur = Node("#document", {}, None)
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        n = Node(tag, [(k, "" if v is None else v) for k, v in attrs], self.cur)
        self.cur.kids.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.kids.append(Node(tag, [(k, "" if v is None else v) for k, v in attrs], self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.kids.append(data)


# ---- the server and the browser -------------------------------------------------------------

def start_server(tmp):
    port_file = os.path.join(tmp, "port")
    log = open(os.path.join(tmp, "serve.log"), "wb")
    proc = subprocess.Popen([KIGEN, "serve", "--rules", "jp/mynumber", "--listen", "127.0.0.1:0",
                             "--port-file", port_file], stdout=log, stderr=subprocess.STDOUT)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 10:
        if proc.poll() is not None:
            break
        try:
            with open(port_file) as f:
                text = f.read().strip()
            if text.isdigit():
                return proc, int(text), time.monotonic() - t0
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    return proc, None, time.monotonic() - t0


def stop_server(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            check(False, "the server stops within 10 s of SIGTERM")
            proc.kill()
            proc.wait()
            return
    # 0 when stopped by SIGTERM (kigen serve --help); under the sanitizers a leak makes it not 0
    check(proc.returncode == 0, "the server exits 0 on SIGTERM (%s)" % proc.returncode)


class Browser:
    def __init__(self, exe, tmp, base):
        self.exe, self.tmp, self.base, self.n = exe, tmp, base, 0

    def run(self, query, *how):
        self.n += 1
        url = self.base + "/?" + urllib.parse.urlencode(query)
        cmd = [self.exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000",
               "--user-data-dir=" + os.path.join(self.tmp, "profile%d" % self.n), "--no-first-run",
               "--disable-dev-shm-usage", *how, url]
        t0 = time.monotonic()
        try:
            p = subprocess.run(cmd, capture_output=True, timeout=40)
        except subprocess.TimeoutExpired:
            check(False, "chromium ends within 40 s: " + url)
            return None
        print("      chromium %.1f s: %s" % (time.monotonic() - t0, url), flush=True)
        if p.returncode != 0:
            check(False, "chromium exits 0 (%d): %s" % (p.returncode, p.stderr.decode("utf-8", "replace")[-800:]))
            return None
        return p.stdout.decode("utf-8", "replace")

    def dom(self, query):
        text = self.run(query, "--dump-dom")
        return Dom(text).root if text else None


def cli_eval(facts, lang, *extra):
    """kigen eval's outputs and messages for one record (the reference)."""
    cmd = [KIGEN, "eval", "--rules", "jp/mynumber", "--today", TODAY, "--format", "jsonl", "--quiet",
           "--messages", lang, "--lang", lang, *extra]
    for k, v in facts.items():
        cmd += ["--set", "%s=%s" % (k, v)]
    p = subprocess.run(cmd, capture_output=True, check=True)
    return json.loads(p.stdout.decode("utf-8").splitlines()[0])


def shown(v):
    """A value as the page writes it."""
    return "—" if v is None else ("true" if v is True else "false" if v is False else str(v))


# ---- what a page must show -------------------------------------------------------------------

def row(doc, name):
    tr = doc.one("tr", data_output=name)
    if tr is None:
        return None, None
    cell = lambda c: next((td.text().strip() for td in tr.all("td") if td.has_class(c)), None)
    return cell("value"), cell("message")


def check_resident(doc, what, lang, facts):
    if not check(doc is not None, what + ": the page is dumped"):
        return
    body, html_el = doc.one("body"), doc.one("html")
    err = doc.one(id="error")
    check(body.attrs.get("data-state") == "done",
          "%s: data-state is done (%s; #error: %r)" % (what, body.attrs.get("data-state"), err.text() if err else None))
    check(html_el.attrs.get("lang") == lang, "%s: <html lang=%s>" % (what, lang))
    check(err is not None and "hidden" in err.attrs and err.text().strip() == "", what + ": #error is hidden and empty")
    table = doc.one("table", id="results")
    if not check(table is not None, what + ": table#results"):
        return
    value, _ = row(table, "card_expiry")
    check(value == "2026-04-02", "%s: card_expiry 2026-04-02 (R1/R2: line 20 for a receipt before 2022-04-01, "
          "so the 5th birthday after 2022-04-01), got %r" % (what, value))
    ref = cli_eval(facts, lang)
    value, message = row(table, "card_status")
    check(value == "expired", "%s: card_status expired (D4: valid through 2026-04-02, not on %s), got %r"
          % (what, TODAY, value))
    if lang == "ja":
        check(message and re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", message) is not None,
              "%s: card_status's message is Japanese: %r" % (what, message))
    check(message == ref["card_status_message"], "%s: card_status's message is kigen eval's (%s)" % (what, lang))
    wrong = []
    for k, v in ref.items():
        if k.endswith("_message") or k == "error":
            continue
        got, _ = row(table, k)
        if got != shown(v):
            wrong.append("%s: %r, not %r" % (k, got, shown(v)))
    check(not wrong, "%s: every output as kigen eval has it%s" % (what, "" if not wrong else ": " + "; ".join(wrong)))
    tl = doc.one(id="timeline")
    svg = tl.one("svg") if tl else None
    check(svg is not None, what + ": #timeline holds an <svg>")
    rects = list(svg.all("rect", data_to="2026-04-02")) if svg else []
    check(any(r.has_class("span") for r in rects), what + ": the timeline has a bar (rect.span) with data-to 2026-04-02")
    check(svg is None or not list(svg.all("script")), what + ": no <script> in the inserted SVG")


def page_static(base):
    with open(PAGE, "rb") as f:
        src = f.read()
    check(len(src) < 40 * 1024, "the page is under 40 KB (%d bytes)" % len(src))
    text = src.decode("utf-8")
    ext = re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|@import|url\(\s*["']?(?:https?:)?//""", text)
    check(not ext, "the page loads nothing from elsewhere (no http(s):// src/href, @import, url()): %s" % ext)
    bad = re.findall(r"\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write", text)
    check(not bad, "the page never writes HTML from text (textContent only): %s" % bad)
    with urllib.request.urlopen(base + "/") as r:
        body, ctype = r.read(), r.headers.get("Content-Type", "")
    check(ctype.startswith("text/html"), "GET / is text/html (%s)" % ctype)
    check(body == src, "GET / is src/cli/serve_page.html as it is (%d bytes served, %d in the file)"
          % (len(body), len(src)))


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def main():
    exe = shutil.which("chromium")
    if not exe:
        print("FAIL  chromium is not installed: the page is tested in a headless browser "
              "(Debian: apt-get install chromium)")
        return 1
    os.makedirs(OUT, exist_ok=True)
    t_all = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kigen-page-") as tmp:
        proc, port, waited = start_server(tmp)
        try:
            if not check(port is not None, "the server writes its port to --port-file within 10 s (%.1f s)" % waited):
                with open(os.path.join(tmp, "serve.log"), "rb") as f:
                    print(f.read().decode("utf-8", "replace")[-2000:])
                return 1
            base = "http://127.0.0.1:%d" % port
            b = Browser(exe, tmp, base)
            page_static(base)

            q = dict(RESIDENT, today=TODAY, lang="ja")
            check_resident(b.dom(q), "ISO dates", "ja", RESIDENT)

            era = dict(RESIDENT, card_issue_date="令和4年4月1日")
            check_resident(b.dom(dict(era, today=TODAY, lang="ja")), "an era date", "ja", era)

            doc = b.dom(dict([("birth_dat", "1999-01-01")] + list(q.items()), lang="en"))
            check_resident(doc, "a misspelt key, in English", "en", RESIDENT)
            share = doc.one("a", id="share") if doc else None
            href = share.attrs.get("href", "") if share else ""
            shared = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(href).query))
            check("birth_dat" not in shared and shared.get("birth_date") == "2004-04-02" and shared.get("lang") == "en"
                  and shared.get("today") == TODAY, "the link to share has the facts and not the misspelt key: %r" % href)

            doc = b.dom(dict(q, explain="card_expiry"))
            ex = doc.one(id="explain") if doc else None
            line = ex.one("li", data_param="card_age_line") if ex else None
            t = line.text() if line else ""
            check("= 20" in t and "2015-10-05" in t and "2022-03-15" in t,
                  "explain=card_expiry: card_age_line = 20, in effect from 2015-10-05, looked up at the receipt "
                  "date 2022-03-15 (R2): %r" % t[:200])
            top = ex.one("li") if ex else None
            check(top is not None and top.attrs.get("data-node") == "card_expiry" and "2026-04-02" in top.text(),
                  "explain=card_expiry: the tree starts at card_expiry = 2026-04-02")

            doc = b.dom(dict(q, **{"param.age_line_keyed_on": "issue_date", "explain": "card_expiry"}))
            value = row(doc, "card_expiry")[0] if doc else None
            check(value == "2031-04-02", "param.age_line_keyed_on=issue_date: card_expiry 2031-04-02 (line 18 at "
                  "the issue date, 10th birthday), got %r" % value)
            ex = doc.one(id="explain") if doc else None
            line = ex.one("li", data_param="card_age_line") if ex else None
            t = line.text() if line else ""
            check("= 18" in t and t.count("2022-04-01") >= 2,
                  "... explained with card_age_line = 18, in effect from and looked up at 2022-04-01: %r" % t[:200])

            doc = b.dom({"birth_date": "2004-02-30", "card_issue_date": "2022-04-01", "today": TODAY, "lang": "ja"})
            if check(doc is not None, "a date that does not exist: the page is dumped"):
                err = doc.one(id="error")
                check(doc.one("body").attrs.get("data-state") == "error", "a date that does not exist: data-state is error")
                check(err is not None and "hidden" not in err.attrs and "2004-02-30" in err.text(),
                      "a date that does not exist: #error is shown and names 2004-02-30: %r"
                      % (err.text() if err else None))

            if os.path.exists(SHOT):
                os.unlink(SHOT)
            b.run(dict(q, explain="card_expiry"), "--screenshot=" + SHOT, "--window-size=1200,1600")
            size = os.path.getsize(SHOT) if os.path.exists(SHOT) else 0
            check(size > 8 * 1024, "the screenshot %s is there and more than 8 KB (%d bytes)" % (SHOT, size))
            if size:
                check(png_size(SHOT) == (1200, 1600), "the screenshot is a 1200x1600 PNG (%s)" % (png_size(SHOT),))
        finally:
            stop_server(proc)
            if failures:
                with open(os.path.join(tmp, "serve.log"), "rb") as f:
                    print("---- the server's log (end) ----\n" + f.read().decode("utf-8", "replace")[-3000:])
    print("%d failure(s); %.1f s" % (len(failures), time.monotonic() - t_all))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
