#!/usr/bin/env python3
"""kigen timeline: the picture of one resident's card and certificates.

The dates drawn are checked against the pack's own test cases
(rules/jp/mynumber.test.yaml), written here by hand, not read from kigen:

  - "Nerima 例1: a certificate expiring 2023-07-07 can be renewed from
    2023-04-08": birth 1980-07-07, card issued 2018-07-08 -> card_expiry
    2028-07-07, auth_cert_expiry 2023-07-07, auth_renewal_from 2023-04-08,
    sign_cert_expiry 2023-07-07, sign_renewal_from 2023-04-08;
  - "Nerima 例1 on a minor's card: ...": birth 2005-07-07, card 2018-07-08 ->
    card_expiry 2023-07-07, card_renewal_from 2023-04-08, no signature
    certificate (sign_cert_expiry null);
  - examples/residents.csv record 3 (the README's resident): birth 2004-04-02,
    application 2022-03-15, card 2022-04-01 -> card_expiry 2026-04-02 (the
    application came before the 20 -> 18 line of 2022-04-01).

The SVG is parsed (it must be well-formed XML) and every bar's x and width
are computed here from the axis the SVG declares (data-from, data-to,
data-x0, data-x1 on <g id="axis">), and held against the year ticks; then
it is drawn by rsvg-convert (Debian: librsvg2-bin) and the PNG decoded here
(zlib and PNG filters, no library) to see that something was drawn, in the
colours the picture uses. The PNG is kept as timeline.png in the build
directory. The text form is checked for its dates, its columns (no line
wider than 80 display columns) and its bars' positions; the errors for
their exit status and words.

    test_timeline.py KIGEN SOURCE_DIR BUILD_DIR
"""
import datetime
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unicodedata
import xml.etree.ElementTree as ET
import zlib

KIGEN, SRC, OUT = sys.argv[1], sys.argv[2], sys.argv[3]
RULES = os.path.join(SRC, "rules", "jp", "mynumber.yaml")
LAYOUT = os.path.join(SRC, "rules", "jp", "mynumber.timeline.yaml")
RESIDENTS = os.path.join(SRC, "examples", "residents.csv")
TODAY = "2026-11-24"
NS = {"s": "http://www.w3.org/2000/svg"}
NERIMA1 = ["--set", "birth_date=1980-07-07", "--set", "card_issue_date=2018-07-08"]
MINOR = ["--set", "birth_date=2005-07-07", "--set", "card_issue_date=2018-07-08"]
failures = []


def check(cond, what):
    print(("ok    " if cond else "FAIL  ") + what)
    if not cond:
        failures.append(what)
    return cond


def run(*args, rules=RULES):
    p = subprocess.run([KIGEN, "timeline", "--rules", rules, "--today", TODAY, *args], capture_output=True)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


def day(iso):
    return datetime.date.fromisoformat(iso).toordinal()


# ---- the SVG ------------------------------------------------------------------------

class Svg:
    def __init__(self, text):
        self.text = text
        self.root = ET.fromstring(text.encode("utf-8"))  # raises on XML that is not well-formed
        axis = self.root.find(".//s:g[@id='axis']", NS)
        self.d0, self.d1 = day(axis.get("data-from")), day(axis.get("data-to"))
        self.x0, self.x1 = float(axis.get("data-x0")), float(axis.get("data-x1"))
        self.axis = axis

    def x(self, iso_or_ordinal):
        d = day(iso_or_ordinal) if isinstance(iso_or_ordinal, str) else iso_or_ordinal
        return self.x0 + (d - self.d0) * (self.x1 - self.x0) / (self.d1 - self.d0)

    def lanes(self):
        """label -> (state, lane element)"""
        out = {}
        for g in self.root.findall(".//s:g[@class='lane']", NS):
            label = g.find("s:text[@class='label']", NS).text
            out[label] = (g.get("data-state"), g)
        return out

    def markers(self):
        return [g.get("data-date") for g in self.root.findall(".//s:g[@class='marker']", NS)]


def close(a, b, tol=0.02):
    return abs(a - b) <= tol


def check_rect(svg, rect, first, last, what):
    """A bar for the days first..last: its dates, and x, width from the axis."""
    if not check(rect is not None, what + ": drawn"):
        return
    check(rect.get("data-from") == first and rect.get("data-to") == last,
          f"{what}: {rect.get('data-from')}..{rect.get('data-to')} is {first}..{last}")
    x, w = float(rect.get("x")), float(rect.get("width"))
    ex = svg.x(first)
    ew = svg.x(day(last) + 1) - ex
    check(close(x, ex) and close(w, ew), f"{what}: x={x} width={w}, the axis gives x={ex:.2f} width={ew:.2f}")


def window(lane, label):
    for r in lane.findall("s:rect[@class='window']", NS):
        if r.get("data-label") == label:
            return r
    return None


def test_svg_nerima1():
    rc, out, err = run(*NERIMA1, "--format", "svg")
    check(rc == 0, f"svg: exit 0 (got {rc}: {err.strip()!r})")
    svg = Svg(out)
    check(svg.axis.get("data-from") == "2018-01-01" and svg.axis.get("data-to") == "2029-01-01",
          f"svg: the axis runs over whole years 2018..2028 (got {svg.axis.get('data-from')}..{svg.axis.get('data-to')})")
    # the declared axis agrees with the year ticks drawn
    ticks = {g.get("data-year"): float(g.find("s:line", NS).get("x1")) for g in svg.axis.findall("s:g[@class='tick']", NS)}
    check(all(close(ticks[str(y)], svg.x(f"{y}-01-01")) for y in range(2018, 2030)),
          "svg: a tick at each 1 January 2018..2029, where the declared axis puts it")
    labels = [t.text for g in svg.axis.findall("s:g[@class='tick']", NS) for t in g.findall("s:text", NS)]
    check("2018" in labels and "2028" in labels, f"svg: year labels 2018 .. 2028 (got {labels})")
    lanes = svg.lanes()
    check(list(lanes) == ["My Number card", "User certificate", "Signature certificate"],
          f"svg: three lanes, in the layout's order, English labels (got {list(lanes)}); no smartphone lane")
    state, card = lanes["My Number card"]
    check_rect(svg, card.find("s:rect[@class='span']", NS), "2018-07-08", "2028-07-07", "svg card span")
    check_rect(svg, window(card, "renewable"), "2028-04-08", "2028-07-07", "svg card renewable")
    check_rect(svg, window(card, "notice mailed"), "2028-04-07", "2028-05-07", "svg card notice")
    _, auth = lanes["User certificate"]
    check_rect(svg, auth.find("s:rect[@class='span']", NS), "2018-07-08", "2023-07-07", "svg auth span")
    check_rect(svg, window(auth, "renewable"), "2023-04-08", "2023-07-07", "svg auth renewable (Nerima 例1)")
    check(window(auth, "health-insurance grace") is None,
          "svg: no health-insurance grace before 2024-12-02 (health_insurance_until = the expiry)")
    _, sign = lanes["Signature certificate"]
    check_rect(svg, sign.find("s:rect[@class='span']", NS), "2018-07-08", "2023-07-07", "svg sign span")
    check_rect(svg, window(sign, "renewable"), "2023-04-08", "2023-07-07", "svg sign renewable")
    ends = [t.text for t in card.findall("s:text", NS)]
    check("2018-07-08" in ends and "2028-07-07" in ends, f"svg: the card's dates at its ends (got {ends})")
    # today: a line in the middle of the day, labelled
    today = svg.root.find(".//s:g[@id='today']", NS)
    check(today is not None and today.get("data-date") == TODAY, "svg: the today line is there, for --today")
    if today is not None:
        x = float(today.find("s:line", NS).get("x1"))
        ex = (svg.x(TODAY) + svg.x(day(TODAY) + 1)) / 2
        check(close(x, ex), f"svg: today at x={x}, the axis gives {ex:.2f}")
        check(today.find("s:text", NS).text == "today " + TODAY, "svg: today's label says 'today 2026-11-24'")
    # the 20 -> 18 line falls inside 2018..2028: drawn
    check("2022-04-01" in svg.markers(), f"svg: the 2022-04-01 age-line marker is drawn (markers {svg.markers()})")
    desc = svg.root.find("s:desc", NS).text
    for words in ("My Number card: 2018-07-08 to 2028-07-07", "renewable: 2023-04-08 to 2023-07-07",
                  "Today: 2026-11-24", "2022-04-01: age line 20"):
        check(words in desc, f"svg: <desc> says '{words}'")
    check(svg.root.find("s:title", NS).text == "My Number card and certificate lifetimes", "svg: <title>")
    check("Noto Sans CJK JP" in svg.root.get("font-family") and "sans-serif" in svg.root.get("font-family"),
          "svg: a Japanese font first, sans-serif last")
    again = run(*NERIMA1, "--format", "svg")[1]
    check(again == out, "svg: the same chart twice gives the same bytes")
    return out


def test_svg_ja():
    rc, out, err = run(*NERIMA1, "--format", "svg", "--lang", "ja")
    svg = Svg(out)
    lanes = svg.lanes()
    check(list(lanes) == ["マイナンバーカード", "利用者証明用電子証明書", "署名用電子証明書"],
          f"svg ja: Japanese lane labels (got {list(lanes)})")
    check(svg.root.find("s:title", NS).text == "マイナンバーカードと電子証明書の有効期間", "svg ja: the Japanese title")
    check(window(lanes["利用者証明用電子証明書"][1], "更新できる期間") is not None, "svg ja: the window's Japanese label")
    today = svg.root.find(".//s:g[@id='today']/s:text", NS)
    check(today is not None and today.text == "今日 " + TODAY, "svg ja: today is '今日 2026-11-24'")
    check(svg.root.get("{http://www.w3.org/XML/1998/namespace}lang") == "ja", "svg ja: xml:lang is ja")


def test_svg_marker_absent():
    # card 2023-03-01 (a 15-year-old) to 2028-03-01: 2022-04-01 is outside the dates drawn
    rc, out, err = run("--set", "birth_date=2008-03-01", "--set", "card_issue_date=2023-03-01", "--format", "svg")
    svg = Svg(out)
    check(rc == 0 and "2022-04-01" not in svg.markers(),
          f"svg: no 2022-04-01 marker for dates from 2023 (markers {svg.markers()})")
    check("2024-12-02" in svg.markers(), "svg: ... but the 2024-12-02 grace marker, which falls inside them")
    check(svg.axis.get("data-from") == "2023-01-01", "svg: the axis starts with the card's year, not the law's")


def test_svg_none():
    rc, out, err = run(*MINOR, "--format", "svg")
    svg = Svg(out)
    lanes = svg.lanes()
    state, sign = lanes.get("Signature certificate", (None, None))
    check(rc == 0 and state == "none", f"svg minor: the signature lane is 'none' (got {state}, exit {rc})")
    if sign is not None:
        check(sign.find("s:rect", NS) is None, "svg minor: no bar for a certificate that does not exist")
        note = sign.find("s:text[@class='none']", NS)
        check(note is not None and note.text == "none", "svg minor: the lane says 'none'")
    check_rect(svg, lanes["My Number card"][1].find("s:rect[@class='span']", NS), "2018-07-08", "2023-07-07",
               "svg minor card span (5th birthday)")
    rc, out, err = run(*MINOR, "--format", "svg", "--lang", "ja")
    note = Svg(out).lanes()["署名用電子証明書"][1].find("s:text[@class='none']", NS)
    check(note is not None and note.text == "なし", "svg minor ja: the lane says 'なし'")


def test_svg_hostile(tmp):
    d = os.path.join(tmp, "hostile")
    os.makedirs(d)
    shutil.copy(RULES, d)
    hostile = 'A<b>&amp; "card" </svg><!--'
    with open(LAYOUT, encoding="utf-8") as f:
        text = f.read()
    text = text.replace("en: My Number card}", "en: '" + hostile + "'}", 1)
    text = text.replace("en: My Number card and certificate lifetimes", "en: '<title>&'", 1)
    with open(os.path.join(d, "mynumber.timeline.yaml"), "w", encoding="utf-8") as f:
        f.write(text)
    rc, out, err = run(*NERIMA1, "--format", "svg", rules=os.path.join(d, "mynumber.yaml"))
    try:
        svg = Svg(out)
    except ET.ParseError as e:
        check(False, f"svg hostile: well-formed XML ({e})")
        return
    check(rc == 0 and hostile in svg.lanes(), "svg hostile: the label <&\" comes back exactly, as text")
    check(svg.root.find("s:title", NS).text == "<title>&", "svg hostile: the title too")
    check("<b>" not in out and "</svg><!--" not in out, "svg hostile: no markup of the label's in the document")
    rc, out, err = run(*NERIMA1, rules=os.path.join(d, "mynumber.yaml"))
    check(hostile[:10] in out, "text hostile: the label as it is, in the text chart")


# ---- the PNG ------------------------------------------------------------------------

def decode_png(data):
    """(width, height, rows of (r, g, b, a)) of an 8-bit RGB or RGBA PNG, not interlaced."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    assert depth == 8 and ctype in (2, 6) and interlace == 0, f"PNG depth {depth} colour type {ctype}"
    bpp = 4 if ctype == 6 else 3
    raw, stride = zlib.decompress(idat), w * bpp
    prev, rows, i = bytearray(stride), [], 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[k:k + bpp]) + ((255,) if bpp == 3 else ()) for k in range(0, stride, bpp)])
        prev = line
    return w, h, rows


def test_png(svg_text):
    exe = shutil.which("rsvg-convert")
    if not check(exe is not None, "png: rsvg-convert is installed (Debian package librsvg2-bin: "
                                  "apt-get install librsvg2-bin)"):
        return
    svg_path, png_path = os.path.join(OUT, "timeline.svg"), os.path.join(OUT, "timeline.png")
    with open(svg_path, "w", encoding="utf-8") as f:
        f.write(svg_text)
    p = subprocess.run([exe, "-o", png_path, svg_path], capture_output=True)
    if not check(p.returncode == 0, f"png: rsvg-convert draws the SVG ({p.stderr.decode().strip()})"):
        return
    with open(png_path, "rb") as f:
        w, h, rows = decode_png(f.read())
    check(w == 960 and h > 300, f"png: {w}x{h}, the SVG's width")
    counts = {}
    for row in rows:
        for px in row:
            counts[px] = counts.get(px, 0) + 1
    white = (255, 255, 255, 255)
    drawn = w * h - counts.get(white, 0)
    check(drawn > w * h // 20, f"png: {drawn} of {w * h} pixels are not the white background (more than 5%)")
    many = [c for c, n in counts.items() if n >= 40 and c != white]
    check(len(many) >= 5, f"png: {len(many)} colours with 40 pixels or more (5 at least)")
    for name, rgb, least in (("the span's blue", (0x8c, 0xb4, 0xd9), 5000), ("renewable orange", (0xf2, 0x8e, 0x2b), 150),
                             ("notice green", (0x59, 0xa1, 0x4f), 40), ("today's red", (0xd6, 0x27, 0x28), 100)):
        n = counts.get(rgb + (255,), 0)
        check(n >= least, f"png: {name} is drawn ({n} pixels, {least} at least)")
    print(f"      (PNG kept: {png_path}, {w}x{h}, {len(counts)} colours)")


# ---- the text chart -----------------------------------------------------------------

def display_width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def bar_cols(line, start, chars):
    return [i for i in range(start, len(line)) if line[i] in chars]


def test_text():
    rc, out, err = run(*NERIMA1)
    check(rc == 0, f"text: exit 0 (got {rc})")
    lines = out.splitlines()
    widest = max(display_width(l) for l in lines)
    check(widest <= 80, f"text: the widest line is {widest} columns (80 at most)")
    legend = {l.split("  ")[0].strip(): l for l in lines if re.search(r"\d{4}-\d\d-\d\d to ", l)}
    check("2018-07-08 to 2028-07-07" in legend.get("My Number card", ""), "text: the card's exact dates in the legend")
    check("2018-07-08 to 2023-07-07" in legend.get("User certificate", ""), "text: the user certificate's dates")
    renew = [l for l in lines if l.startswith("  # renewable") and "to" in l]
    check(any("2023-04-08 to 2023-07-07" in l for l in renew), "text: renewable from 2023-04-08 (Nerima 例1)")
    check(any(l.startswith("  ~ health-insurance grace") and l.endswith("none") for l in lines),
          "text: no grace before 2024-12-02 is written 'none'")
    check(any(l.startswith(": 2022-04-01") for l in lines), "text: the 2022-04-01 marker in the legend")
    # the bars: columns from the axis (the same chart as the SVG's: 2018-01-01 .. 2029-01-01)
    years = lines[3]
    start = years.index("2018")
    width, d0, d1 = 80 - start, day("2018-01-01"), day("2029-01-01")
    col = lambda iso: start + min(width - 1, (day(iso) - d0) * width // (d1 - d0))
    card = next(l for l in lines if l.startswith("My Number card ") and "=" in l)
    bar = bar_cols(card, start, "=:|#+")
    check(bar and bar[0] == col("2018-07-08") and bar[-1] == col("2028-07-07"),
          f"text: the card's bar runs from column {col('2018-07-08')} to {col('2028-07-07')} (got {bar[:1]}..{bar[-1:]})")
    auth_at = next(i for i, l in enumerate(lines) if l.startswith("User certificate "))
    win = bar_cols(lines[auth_at + 1], start, "#")
    check(lines[auth_at + 1].startswith("  # renewable") and win and win[0] == col("2023-04-08")
          and win[-1] == col("2023-07-07"),
          f"text: the renewable row under the user certificate covers columns {col('2023-04-08')}..{col('2023-07-07')}")
    today_col = col(TODAY)
    chart = lines[3:lines.index("", 3)]  # the years, the ticks, the rows, the carets
    rows = [l for l in chart[2:] if "^" not in l]
    check(len(rows) == 8 and all(len(l) > today_col and l[today_col] == "|" for l in rows),
          f"text: today's '|' in column {today_col} of every lane's and window's row ({len(rows)} rows)")
    caret = next((l for l in lines if "today " + TODAY in l and "^" in l), "")
    check(caret.find("^") == today_col, "text: the caret under today's column, labelled 'today 2026-11-24'")
    rc, out, err = run(*NERIMA1, "--dates", "era", "--lang", "ja")
    check("平成30年7月8日〜令和10年7月7日" in out, "text era: the card from 平成30年7月8日 to 令和10年7月7日")
    check("今日" in out and "マイナンバーカード" in out, "text ja: Japanese labels")
    widest = max(display_width(l) for l in out.splitlines())
    check(widest <= 80, f"text ja: the widest line is {widest} columns (Japanese counts 2)")
    rc, out, err = run(*MINOR)
    sign = next((l for l in out.splitlines() if l.startswith("Signature certificate")), "")
    check(sign.endswith("(none)") or "(none)" in sign, "text minor: the signature lane says (none)")


def test_record3():
    rc, out, err = run("--input", RESIDENTS, "--record", "3", "--format", "svg")
    check(rc == 0, f"record 3: exit 0 (got {rc}: {err.strip()!r})")
    svg = Svg(out)
    card = svg.lanes()["My Number card"][1]
    check_rect(svg, card.find("s:rect[@class='span']", NS), "2022-04-01", "2026-04-02",
               "record 3 card span (applied 2022-03-15: line 20, 5th birthday)")
    check("2022-03-15" in svg.markers() and "2022-04-01" in svg.markers(),
          f"record 3: the application date and the age line both marked ({svg.markers()})")
    check(svg.axis.get("data-from") == "2022-01-01", "record 3: the axis from 2022")
    sub = svg.root.find(".//s:text[@class='subtitle']", NS).text
    check(sub.endswith("record 3 (id 3)"), f"record 3: the subtitle names the record (got {sub!r})")
    rc, out, err = run("--input", RESIDENTS, "--record", "3")
    check(rc == 0 and "2022-04-01 to 2026-04-02" in out, "record 3 text: the card's dates")


def test_errors(tmp):
    d = os.path.join(tmp, "nolayout")
    os.makedirs(d)
    shutil.copy(RULES, d)
    rules = os.path.join(d, "mynumber.yaml")
    rc, out, err = run(*NERIMA1, rules=rules)
    check(rc == 2 and "looked for " + os.path.join(d, "mynumber.timeline.yaml") in err and out == "",
          f"missing layout: exit 2 naming the file looked for (got {rc}: {err.strip()!r})")
    with open(LAYOUT, encoding="utf-8") as f:
        good = f.read().splitlines()
    layout = os.path.join(d, "mynumber.timeline.yaml")

    def with_layout(lines):
        with open(layout, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        return run(*NERIMA1, rules=rules)

    at = next(i for i, l in enumerate(good) if l.startswith("title:"))
    rc, out, err = with_layout(good[:at] + ["titel:"] + good[at + 1:])
    check(rc == 2 and f"{layout}:{at + 1}:1: error: unknown key 'titel' (did you mean 'title'?)" in err,
          f"bad key: exit 2 with file:line:col and did-you-mean (got {rc}: {err.strip()!r})")
    at = next(i for i, l in enumerate(good) if "to: card_expiry}" in l)
    bad = good[at].replace("to: card_expiry}", "to: card_expiri}")
    rc, out, err = with_layout(good[:at] + [bad] + good[at + 1:])
    colno = bad.index("card_expiri") + 1
    check(rc == 2 and f"{layout}:{at + 1}:{colno}: error: 'card_expiri' is not a fact, rule or output" in err
          and "did you mean 'card_expiry'?" in err and out == "",
          f"unknown name: exit 2 at its line and column, did-you-mean (got {rc}: {err.strip()!r})")
    at = next(i for i, l in enumerate(good) if "param: card_age_line" in l)
    rc, out, err = with_layout(good[:at] + [good[at].replace("card_age_line", "card_age_lime")] + good[at + 1:])
    check(rc == 2 and "'card_age_lime' is not a param" in err and "did you mean 'card_age_line'?" in err,
          f"unknown param: exit 2 with did-you-mean (got {rc}: {err.strip()!r})")
    rc, out, err = with_layout(good[:at] + [good[at].replace("param: card_age_line", "param: [card_age_line]")]
                               + good[at + 1:])
    check(rc == 2 and f"{layout}:{at + 1}:" in err and "must be a name" in err, "a list for a name: file:line:col")
    rc, out, err = run("--input", RESIDENTS, "--record", "99")
    check(rc == 2 and "--record 99" in err and "has 30 records" in err,
          f"--record out of range: exit 2 (got {rc}: {err.strip()!r})")
    rc, out, err = run("--input", RESIDENTS, "--record", "3", "--set", "birth_date=1980-07-07")
    check(rc == 2 and "either with --set or with --input" in err, f"--set and --input: exit 2 (got {rc}: {err.strip()!r})")
    rc, out, err = run("--input", RESIDENTS)
    check(rc == 2 and "--record" in err, "--input without --record: exit 2")
    rc, out, err = run(*NERIMA1, "--format", "png")
    check(rc == 2 and "--format must be text or svg" in err, "--format png: exit 2")
    # an error value: drawn, with its message, and exit 1 (as kigen explain)
    rc, out, err = run(*NERIMA1, "--set", "cert_issue_date=2017-01-01", "--format", "svg")
    lanes = Svg(out).lanes()
    state, auth = lanes["User certificate"]
    msg = auth.find("s:text[@class='error']", NS)
    check(rc == 1 and state == "error" and msg is not None and "R14" in msg.text,
          f"error value: exit 1, the lane says the R14 error (got {rc}, {state})")
    check(lanes["My Number card"][0] == "ok", "error value: the card, which has no error, is still drawn")
    # -o FILE, and a file that cannot be written
    path = os.path.join(tmp, "out.svg")
    rc, out, err = run(*NERIMA1, "--format", "svg", "-o", path)
    check(rc == 0 and out == "" and os.path.exists(path) and Svg(open(path, encoding="utf-8").read()).lanes(),
          "-o FILE: the SVG in the file, nothing on stdout")
    rc, out, err = run(*NERIMA1, "-o", os.path.join(tmp, "no", "such", "dir", "x.txt"))
    check(rc == 2 and "cannot write" in err, "-o into a missing directory: exit 2")
    if os.path.exists("/dev/full"):
        rc, out, err = run(*NERIMA1, "--format", "svg", "-o", "/dev/full")
        check(rc == 2 and "cannot write" in err, "a full disk (/dev/full): exit 2, never a silent 0")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        svg_text = test_svg_nerima1()
        test_svg_ja()
        test_svg_marker_absent()
        test_svg_none()
        test_svg_hostile(tmp)
        test_png(svg_text)
        test_text()
        test_record3()
        test_errors(tmp)
    if failures:
        print(f"\n{len(failures)} check(s) failed:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("\nall checks passed")


main()
