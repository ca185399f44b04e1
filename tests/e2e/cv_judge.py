#!/usr/bin/env python3
"""cv_judge.py STUDY OUTBOX: the issue's judge for a composed job study.

Every message in OUTBOX/new is read with Python's e-mail parser (strict
policy: a defect is an error), its CV taken out and read back with poppler
(pdftotext, pdffonts, pdfinfo), independently of corrtest's own code. For
every pair of the study:
  - the MIME message is multipart/mixed: the letter as text/plain, then one
    application/pdf attachment, base64, named CV_First_Last.pdf;
  - every font of both PDFs is embedded, the page is A4;
  - the metadata (pdfinfo) are identical but for the name, and name the
    candidate, never the other one, the study or corrtest;
  - the two texts differ only in the candidate's identity (name, address,
    phone) and in the wording the pair's two phrasings give (the CV
    attributes recorded with a different value in the two CVs), never in
    an attribute that matters (education level, degree, years of
    experience, skills, languages, date of birth, the jobs' dates);
  - everything recorded equal within the pair is equal.
Prints one pair's texts side by side when asked (--show), and a summary.
"""
import email
import email.policy
import json
import os
import collections
import re
import sqlite3
import subprocess
import sys
import tempfile

STUDY, OUTBOX = sys.argv[1], sys.argv[2]
SHOW = "--show" in sys.argv
fails = []


def fail(msg):
    fails.append(msg)
    if len(fails) > 20:
        report()


def report():
    for f in fails[:20]:
        print("FAIL:", f, file=sys.stderr)
    sys.exit(1 if fails else 0)


def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True).stdout.decode("utf-8")


def wordlist(text):
    return [w for w in re.split(r"[\s,;:()·•|/–—-]+", text) if w]


def words(text):
    return set(wordlist(text))


db = sqlite3.connect(os.path.join(STUDY, "study.db"))
apps = {}
for row in db.execute(
        "SELECT a.id, a.listing, a.message_id, p.first_name, p.last_name, p.email, p.phone,"
        " c.layout, c.phrasing, c.attrs, l.ref, a.position FROM application a"
        " JOIN persona p ON p.id = a.persona JOIN listing l ON l.id = a.listing"
        " LEFT JOIN cv c ON c.application = a.id WHERE a.kind = 'main'"):
    (aid, listing, mid, first, last, mail, phone, layout, phrasing, attrs, ref, pos) = row
    apps[mid] = dict(id=aid, listing=listing, first=first, last=last, email=mail, phone=phone,
                     layout=layout, phrasing=phrasing,
                     attrs=json.loads(attrs) if attrs else None, ref=ref, pos=pos)
study_name = db.execute("SELECT name FROM study").fetchone()[0]

tmp = tempfile.mkdtemp()
by_listing = {}
newdir = os.path.join(OUTBOX, "new")
files = sorted(os.listdir(newdir))
if not files:
    fail("the outbox is empty")
for fn in files:
    raw = open(os.path.join(newdir, fn), "rb").read()
    for i, line in enumerate(raw.split(b"\n")):
        if len(line.rstrip(b"\r")) > 998:
            fail(f"{fn}: line {i + 1} is longer than 998 octets (RFC 5322)")
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.strict)
        msg.get_body()  # the strict policy raises on a defect found while walking the parts
        for part in msg.walk():
            if not part.is_multipart():
                part.get_content()
    except Exception as e:  # a defect: an error under the strict policy
        fail(f"{fn}: not a well-formed MIME message: {type(e).__name__}: {e}")
        continue
    a = apps.get(msg["Message-ID"])
    if a is None:
        fail(f"{fn}: Message-ID {msg['Message-ID']} is no application of the study")
        continue
    if msg.get_content_type() != "multipart/mixed":
        fail(f"{fn}: {msg.get_content_type()}, not multipart/mixed")
        continue
    parts = list(msg.iter_parts())
    if [p.get_content_type() for p in parts] != ["text/plain", "application/pdf"]:
        fail(f"{fn}: parts {[p.get_content_type() for p in parts]}")
        continue
    for p in [msg] + parts:
        if p.defects:
            fail(f"{fn}: MIME defects {p.defects}")
    body, pdfpart = parts
    if pdfpart.get_content_disposition() != "attachment":
        fail(f"{fn}: the CV is not an attachment")
    if pdfpart["Content-Transfer-Encoding"].lower() != "base64":
        fail(f"{fn}: the CV is not base64")
    want = "CV_%s_%s.pdf" % (a["first"].replace(" ", "_"), a["last"].replace(" ", "_"))
    if pdfpart.get_filename() != want:
        fail(f"{fn}: attachment named {pdfpart.get_filename()!r}, wanted {want!r}")
    pdf = pdfpart.get_content()
    if not pdf.startswith(b"%PDF-"):
        fail(f"{fn}: the attachment is not a PDF")
        continue
    text = body.get_content()
    if not re.search(r"\bcv\b|curriculum", text, re.I):
        fail(f"{fn}: the letter does not mention the CV")
    path = os.path.join(tmp, "%d.pdf" % a["id"])
    open(path, "wb").write(pdf)
    a["pdf"], a["bytes"] = path, pdf
    by_listing.setdefault(a["listing"], []).append(a)

# The attributes that matter: equal within every pair (a key whose name
# starts with one of these, as the CV templates name them).
MATTER = ("level", "degree", "experience_years", "skills", "languages", "birth", "job",
          "family", "age", "grad_year", "secondary_years")


# The attributes that matter which every CV shows (their words on both).
SHOWN = ("education.degree", "skills.items", "languages.items", "cv.birth_label",
         "cv.degree_years", "cv.secondary_years", "cv.job_years.", "experience.job_title.")


def matters(key):
    """Whether attrs KEY (e.g. education.degree, cv.birth_date,
    experience.job_title.2) is an attribute that matters. Any part of the
    key may name it; a worded node under such a name (a section's heading
    skills.title, a job's duties) carries the phrasing instead."""
    parts = [p for p in key.split(".") if not p.isdigit()]
    if not any(p.startswith(MATTER) for p in parts):
        return False
    leaf = parts[-1]
    if leaf.startswith("job_title"):
        return True
    return not re.search(r"(text|duties|desc|school|employer|where|summary|title|place)$", leaf)


def info(path):
    out = {}
    for line in run("pdfinfo", "-isodates", path).splitlines():
        k, _, v = line.partition(":")
        out[k.strip()] = v.strip()
    return out


npairs = 0
shown = False
for listing, pair in sorted(by_listing.items()):
    if len(pair) != 2:
        fail(f"listing {pair[0]['ref']}: {len(pair)} messages in the outbox, not 2")
        continue
    npairs += 1
    a, b = sorted(pair, key=lambda x: x["pos"])
    ref = a["ref"]
    if a["attrs"] is None or b["attrs"] is None:
        fail(f"{ref}: a CV is not recorded")
        continue
    if a["layout"] == b["layout"] or a["phrasing"] == b["phrasing"]:
        fail(f"{ref}: the two CVs share a layout or a phrasing")
    for k in set(a["attrs"]) | set(b["attrs"]):
        if matters(k) and a["attrs"].get(k) != b["attrs"].get(k):
            fail(f"{ref}: {k} differs within the pair: {a['attrs'].get(k)!r} / {b['attrs'].get(k)!r}")
    for x in (a, b):
        fonts = run("pdffonts", x["pdf"]).splitlines()[2:]
        # At least the regular and the bold face, all DejaVu (the layouts'
        # fonts: another would mean a fallback on this machine).
        for line in fonts:
            cols = line.split()
            # name type [encoding...] emb sub uni object ID: emb is 5th from the end.
            if cols[-5] != "yes":
                fail(f"{ref}: font {cols[0]} not embedded in {x['first']} {x['last']}'s CV")
            if "DejaVu" not in cols[0]:
                fail(f"{ref}: font {cols[0]} in {x['first']} {x['last']}'s CV is not DejaVu")
        if len(fonts) < 2:
            fail(f"{ref}: {len(fonts)} font(s) in {x['first']} {x['last']}'s CV")
    ia, ib = info(a["pdf"]), info(b["pdf"])
    for x, i in ((a, ia), (b, ib)):
        full = f"{x['first']} {x['last']}"
        if full not in i.get("Author", "") or full not in i.get("Title", ""):
            fail(f"{ref}: metadata do not name {full}: {i.get('Title')!r} {i.get('Author')!r}")
        if not i.get("Page size", "").startswith("595.") or "A4" not in i.get("Page size", ""):
            fail(f"{ref}: page not A4: {i.get('Page size')}")
        if "corrtest" in json.dumps(i).lower() or "corrtest" in str(x["bytes"]).lower():
            fail(f"{ref}: the PDF names corrtest")
        other = b if x is a else a
        text = run("pdftotext", "-enc", "UTF-8", x["pdf"], "-")
        meta = json.dumps(i, ensure_ascii=False)
        for s in (other["first"] + " " + other["last"], other["email"], study_name, ref):
            # The raw bytes only for a string long enough not to occur by
            # chance in a compressed stream (a ref such as V3 does).
            if (len(s) >= 8 and s.encode() in x["bytes"]) or s in text or s in meta:
                fail(f"{ref}: {x['first']}'s CV holds {s!r}")
    for k in set(ia) | set(ib):
        if k in ("Title", "Author", "File size", "Pages"):
            continue
        if ia.get(k) != ib.get(k):
            fail(f"{ref}: metadata {k} differs: {ia.get(k)!r} / {ib.get(k)!r}")
    # XMP metadata, if any: the same but for the name.
    ma, mb = run("pdfinfo", "-meta", a["pdf"]), run("pdfinfo", "-meta", b["pdf"])
    for x, m in ((a, "ma"), (b, "mb")):
        v = ma if m == "ma" else mb
        for t in (x["first"] + " " + x["last"], x["first"], x["last"]):
            v = v.replace(t, "<ID>")
        if m == "ma":
            ma = v
        else:
            mb = v
    if ma != mb:
        fail(f"{ref}: the XMP metadata differ beyond the name")
    ta = run("pdftotext", "-enc", "UTF-8", a["pdf"], "-")
    tb = run("pdftotext", "-enc", "UTF-8", b["pdf"], "-")
    for x, t in ((a, ta), (b, tb)):
        flat = " ".join(t.split())
        for v in (x["first"] + " " + x["last"], x["email"], x["phone"]):
            if v not in flat:
                fail(f"{ref}: {x['first']} {x['last']}'s CV does not show {v!r}")
    # The identity replaced by one token in each text.
    for x, t in ((a, "ta"), (b, "tb")):
        s = ta if t == "ta" else tb
        for v in sorted((x["email"], x["phone"], x["first"] + " " + x["last"], x["first"], x["last"]),
                        key=len, reverse=True):
            s = s.replace(v, " <ID> ")
        if t == "ta":
            ta = s
        else:
            tb = s
    allowed = set()
    for k in set(a["attrs"]) | set(b["attrs"]):
        va, vb = a["attrs"].get(k), b["attrs"].get(k)
        if va != vb:
            allowed |= words(str(va)) | words(str(vb))
    # As multisets: a word no phrasing explains must occur as often in
    # both (a skill listed twice, a job left out, a year changed).
    ca, cb = collections.Counter(wordlist(ta)), collections.Counter(wordlist(tb))
    bad = sorted(w for w in set(ca) | set(cb)
                 if w not in allowed and w != "<ID>" and ca[w] != cb[w])
    if bad:
        fail(f"{ref}: the texts differ in words no phrasing explains: "
             f"{[(w, ca[w], cb[w]) for w in bad[:12]]}")
    for k, v in a["attrs"].items():
        if v == b["attrs"].get(k) and k.startswith(SHOWN):
            for w in words(str(v)):
                if w not in words(ta) or w not in words(tb):
                    fail(f"{ref}: {k} = {v!r} not on both CVs")
    if SHOW and not shown:
        shown = True
        print(f"== pair {ref}: {a['first']} {a['last']} (layout {a['layout']}, phrasing {a['phrasing']})"
              f" / {b['first']} {b['last']} (layout {b['layout']}, phrasing {b['phrasing']})")
        print("-- metadata:", {k: ia[k] for k in ("Title", "Author", "Creator", "Producer", "CreationDate")
                               if k in ia})
        print("-- metadata:", {k: ib[k] for k in ("Title", "Author", "Creator", "Producer", "CreationDate")
                               if k in ib})
        print("-- words only in the first:", sorted(words(ta) - words(tb)))
        print("-- words only in the second:", sorted(words(tb) - words(ta)))
if not fails:
    print(f"cv_judge: {len(files)} messages, {npairs} pairs: MIME, fonts, metadata and texts hold")
report()
