#!/usr/bin/env python3
"""cv_judge_mutants.py STUDY OUTBOX: cv_judge.py must fail on real defects.

Takes the first pair of a composed job study (its two messages in OUTBOX/new)
and, for each defect below, a copy of the study and of those two messages
with that one defect; cv_judge.py must pass the unchanged pair and fail
(exit 1, a FAIL line naming the defect's kind) on every mutant. A CV with
other attributes is rendered by `$CORRTEST -S COPY cv 1 --out` from a copy
of the study whose recorded draw was changed, and put into the message in
place of the real one.
"""
import base64, email, email.policy, json, os, re, shutil, sqlite3, subprocess, sys, tempfile
S, OB = sys.argv[1], sys.argv[2]
JUDGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cv_judge.py")
C = os.environ["CORRTEST"]
W = tempfile.mkdtemp(prefix="mutants.", dir=".")
db = sqlite3.connect(S + "/study.db")
aid1, aid2 = db.execute("SELECT min(id), max(id) FROM application WHERE listing = "
                        "(SELECT min(listing) FROM application)").fetchone()
mids = {aid: db.execute("SELECT message_id FROM application WHERE id = ?", (aid,)).fetchone()[0]
        for aid in (aid1, aid2)}
# The pair's two messages only: the judge's time is the poppler runs.
pair = {}
for fn in os.listdir(OB + "/new"):
    raw = open(f"{OB}/new/{fn}", "rb").read()
    for aid, mid in mids.items():
        if mid.encode() in raw:
            pair[aid] = fn
assert len(pair) == 2, pair
def eml_of(ob, aid=None):
    return f"{ob}/new/{pair[aid or aid1]}"
def fresh():
    shutil.rmtree(W + "/ob", ignore_errors=True); shutil.rmtree(W + "/s", ignore_errors=True)
    os.makedirs(W + "/ob/new")
    for fn in pair.values():
        shutil.copy(f"{OB}/new/{fn}", W + "/ob/new/")
    shutil.copytree(S, W + "/s")
    return eml_of(W + "/ob")
def judge(study=None):
    r = subprocess.run(["python3", JUDGE, study or W + "/s", W + "/ob"], capture_output=True, text=True)
    return r.returncode, (r.stderr or r.stdout).strip().splitlines()[:2]
def set_pdf(path, pdf):
    m = email.message_from_bytes(open(path, "rb").read(), policy=email.policy.default)
    raw = open(path, "rb").read()
    old = m.get_payload()[1].get_payload().replace("\n", "").replace("\r", "").encode()
    # the base64 body in the file, with its line breaks
    body = m.get_payload()[1].get_payload()
    nb = base64.encodebytes(pdf).decode()
    nb = "\r\n".join(nb.splitlines()) + "\r\n" if "\r\n" in body else nb
    assert body.encode() in raw, "payload not found"
    open(path, "wb").write(raw.replace(body.encode(), nb.encode()))
def pdf_of(path):
    m = email.message_from_bytes(open(path, "rb").read(), policy=email.policy.default)
    return m.get_payload()[1].get_content()
def render(aid, change):
    """App AID's CV rendered from attrs changed by CHANGE, in a copy of the study."""
    shutil.rmtree(W + "/s2", ignore_errors=True); shutil.copytree(S, W + "/s2")
    d = sqlite3.connect(W + "/s2/study.db")
    a = json.loads(d.execute("SELECT attrs FROM cv WHERE application = ?", (aid,)).fetchone()[0])
    change(a)
    d.execute("UPDATE cv SET attrs = ? WHERE application = ?", (json.dumps(a, ensure_ascii=False), aid)); d.commit()
    out = W + "/m.pdf"
    if os.path.exists(out): os.remove(out)
    subprocess.run([C, "-S", W + "/s2", "cv", str(aid), "--out", out], check=True, capture_output=True)
    return open(out, "rb").read()
bad = []
def case(name, fn, want):
    e = fresh(); fn(e); rc, msg = judge()
    print(f"{name}: exit {rc}: {msg[:1]}")
    if rc != 1 or not msg or not msg[0].startswith("FAIL:") or not re.search(want, msg[0]):
        bad.append(name)
fresh(); rc, msg = judge()
print(f"unchanged pair: exit {rc}: {msg[:1]}")
if rc != 0:
    bad.append("the unchanged pair")
def sub(e, a, b):
    raw = open(e, "rb").read(); assert a in raw; open(e, "wb").write(raw.replace(a, b))
case("attachment renamed", lambda e: sub(e, b'CV_', b'Cv_'), "attachment named")
case("Content-Type octet-stream", lambda e: sub(e, b'application/pdf', b'application/octet-stream'), "parts")
case("attachment inline", lambda e: sub(e, b'Content-Disposition: attachment', b'Content-Disposition: inline'), "not an attachment")
def nobound(e):
    raw = open(e, "rb").read(); b = re.search(rb'boundary="?([^";\r\n]+)', raw).group(1)
    open(e, "wb").write(raw.replace(b"--" + b + b"--", b""))
case("closing boundary removed", nobound, "not a well-formed MIME")
def badb64(e):
    raw = open(e, "rb").read(); i = raw.rindex(b"JVBER")
    open(e, "wb").write(raw[:i + 40] + b"!!" + raw[i + 42:])
case("base64 with two bad characters", badb64, "not a well-formed MIME")
def partner(e):
    mid2 = db.execute("SELECT message_id FROM application WHERE id = ?", (aid2,)).fetchone()[0]
    for fn in os.listdir(W + "/ob/new"):
        p = f"{W}/ob/new/{fn}"
        if mid2.encode() in open(p, "rb").read():
            set_pdf(e, pdf_of(p))
case("the partner's PDF attached", partner, "metadata do not name|holds|does not show")
def cdate(e):
    pdf = pdf_of(e); m = re.search(rb"/CreationDate \((?:D:)?(\d+)", pdf)
    d = m.group(1); nd = d[:-1] + bytes([ord("0") + (d[-1] - ord("0") + 1) % 10])
    set_pdf(e, pdf.replace(m.group(0), m.group(0).replace(d, nd)))
case("CreationDate changed by a second", cdate, "metadata CreationDate differs")
case("Producer changed", lambda e: set_pdf(e, re.sub(rb"/Producer \(cairo ", b"/Producer (Cairo ", pdf_of(e))), "metadata Producer differs")
def letter(e):
    pdf = pdf_of(e)
    set_pdf(e, re.sub(rb"/MediaBox \[ ?0 0 595\.\d+ 841\.\d+ ?\]", b"/MediaBox [0 0 612 792]", pdf))
case("page size Letter", letter, "not A4")
case("a skill listed twice", lambda e: set_pdf(e, render(aid1, lambda a: a.__setitem__("skills.items", a["skills.items"] + "; " + a["skills.items"].split("; ")[1]))), "texts differ")
case("a job's years one earlier", lambda e: set_pdf(e, render(aid1, lambda a: a.__setitem__("cv.job_years.1", re.sub(r"\d{4}", lambda m: str(int(m.group(0)) - 1), a["cv.job_years.1"], 1)))), "texts differ")
case("another degree rendered", lambda e: set_pdf(e, render(aid1, lambda a: a.__setitem__("education.degree", a["education.degree"] + " Informatica"))), "texts differ")
case("a language dropped", lambda e: set_pdf(e, render(aid1, lambda a: a.__setitem__("languages.items", "; ".join(a["languages.items"].split("; ")[:-1])))), "texts differ")
def dbbirth(e):
    d = sqlite3.connect(W + "/s/study.db")
    a = json.loads(d.execute("SELECT attrs FROM cv WHERE application = ?", (aid1,)).fetchone()[0])
    a["cv.birth_date"] = str(int(a["cv.birth_date"][:4]) - 1) + a["cv.birth_date"][4:]
    d.execute("UPDATE cv SET attrs = ? WHERE application = ?", (json.dumps(a, ensure_ascii=False), aid1)); d.commit()
case("recorded birth date differs (db only)", dbbirth, "cv.birth_date differs")
def dbtitle(e):
    d = sqlite3.connect(W + "/s/study.db")
    a = json.loads(d.execute("SELECT attrs FROM cv WHERE application = ?", (aid1,)).fetchone()[0])
    a["experience.job_title.1"] += " Senior"
    d.execute("UPDATE cv SET attrs = ? WHERE application = ?", (json.dumps(a, ensure_ascii=False), aid1)); d.commit()
case("recorded job title differs (db only)", dbtitle, "job_title.1 differs")
def helv(e):
    first, last = db.execute("SELECT first_name, last_name FROM persona p JOIN application a ON a.persona = p.id WHERE a.id = ?", (aid1,)).fetchone()
    txt = f"{first} {last}".encode("latin-1", "replace")
    content = b"BT /F1 12 Tf 72 720 Td (" + txt + b") Tj ET"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.276 841.89] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            b"<< /Title (CV " + txt + b") /Author (" + txt + b") /Producer (cairo 1.16.0 \\(https://cairographics.org\\)) >>"]
    out = b"%PDF-1.5\n"; offs = []
    for i, o in enumerate(objs):
        offs.append(len(out)); out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    x = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offs)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
    set_pdf(e, out)
case("a PDF with a font not embedded", helv, "not embedded")
shutil.rmtree(W)
if bad:
    print("cv_judge.py did not fail as it should on:", "; ".join(bad), file=sys.stderr)
sys.exit(1 if bad else 0)
