# 0512-cv-send-live.sh: a job study's CVs as the mail server received them
# (issue 13). A French job study of 6 vacancies (Liège, six occupation
# families) is sent with `send --live` to the loopback mail server; then
# every message as the SMTP server logged it, and as Dovecot delivered it to
# the employer's INBOX and to the candidate's Sent folder, is read by
# Python's e-mail package (strict policy):
#  - multipart/mixed, the letter as text/plain then one application/pdf
#    attachment named CV_First_Last.pdf, no MIME defect;
#  - the attachment decodes to a PDF poppler reads (pdfinfo), whose text
#    (pdftotext) names the candidate and not the pair's other candidate,
#    byte for byte the PDF `corrtest cv APP --out` writes;
#  - the stored message (message.raw) is the server's copy (modulo CRLF);
#    the INBOX and Sent copies carry the same attachment; the employers'
#    INBOX as IMAP serves it holds the server's copy.
# Then a job study whose vacancies are approached through a portal:
# `field list` names the CV to upload, --csv has it in its attachment
# column, and --files DIR writes DIR/<application>/CV_First_Last.pdf for
# every listed application, each byte for byte `cv APP --out`'s PDF.
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send-lib.sh"
mail_start
MS_INIT="--market job --lang fr --city Liège" MS_AREA="Liège" MS_ISCO="2411 4110 2221 2512 5223 7411" \
	mail_study s 6
[ "$(q s 'SELECT count(*) FROM cv')" = 12 ] || fail "not 12 CVs drawn"
expect_exit 0 ct -S s send --live --json
expect_out '^\{"sent":12,"failed":0,'
[ "$(wc -l <"$MD/smtp-log/index.tsv")" = 12 ] || fail "the server accepted $(wc -l <"$MD/smtp-log/index.tsv") messages, not 12"
delivered_ok s

# Every application's CV as `cv APP --out` writes it, and its stored message.
mkdir cvs stored
for a in $(q s "SELECT id FROM application ORDER BY id"); do
	expect_exit 0 ct -S s cv "$a" --out "cvs/$a.pdf"
	q s "SELECT writefile('stored/$a.eml', raw) FROM message WHERE application = $a AND direction = 'out'" >/dev/null
	[ -s "stored/$a.eml" ] || fail "application $a has no stored message"
done

/usr/bin/python3 - s "$MD" <<'PY' || fail "the messages as received are not as they should be"
import email, email.policy, os, sqlite3, subprocess, sys, tempfile
study, md = sys.argv[1:]
db = sqlite3.connect(os.path.join(study, "study.db"))
apps = {mid: (aid, listing, first, last, email_, contact) for aid, listing, mid, first, last, email_, contact in db.execute(
    "SELECT a.id, a.listing, a.message_id, p.first_name, p.last_name, p.email, lc.contact_email FROM application a"
    " JOIN persona p ON p.id = a.persona JOIN listing_contact lc ON lc.listing = a.listing")}
pair = {}
for mid, (aid, listing, first, last, *_ ) in apps.items():
    pair.setdefault(listing, []).append(f"{first} {last}")
bad = []
tmp = tempfile.mkdtemp()

def check(what, raw, mid_want=None):
    """The CV of message RAW (bytes); returns (application id, pdf bytes)."""
    m = email.message_from_bytes(raw, policy=email.policy.strict)
    mid = m["Message-ID"]
    if mid not in apps:
        bad.append(f"{what}: Message-ID {mid} is no application's"); return None, None
    aid, listing, first, last, *_ = apps[mid]
    if m.get_content_type() != "multipart/mixed":
        bad.append(f"{what}: {m.get_content_type()}"); return aid, None
    parts = list(m.iter_parts())
    types = [p.get_content_type() for p in parts]
    if types != ["text/plain", "application/pdf"]:
        bad.append(f"{what}: parts {types}"); return aid, None
    for p in [m] + parts:
        if p.defects:
            bad.append(f"{what}: defects {p.defects}")
    pdfpart = parts[1]
    want = f"CV_{first}_{last}.pdf".replace(" ", "_")
    if pdfpart.get_filename() != want or pdfpart.get_content_disposition() != "attachment":
        bad.append(f"{what}: attachment {pdfpart.get_content_disposition()} {pdfpart.get_filename()!r}, wanted {want!r}")
    pdf = pdfpart.get_content()
    path = os.path.join(tmp, "x.pdf")
    open(path, "wb").write(pdf)
    r = subprocess.run(["pdfinfo", path], capture_output=True)
    if r.returncode != 0 or not pdf.startswith(b"%PDF-") or b"%%EOF" not in pdf[-32:]:
        bad.append(f"{what}: the attachment is no valid PDF: {r.stderr[:200]!r}")
        return aid, pdf
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", path, "-"], capture_output=True, check=True).stdout.decode()
    if f"{first} {last}" not in " ".join(text.split()):
        bad.append(f"{what}: the CV's text does not name {first} {last}")
    for other in pair[listing]:
        if other != f"{first} {last}" and other in " ".join(text.split()):
            bad.append(f"{what}: {first} {last}'s CV names {other}")
    cvout = open(os.path.join("cvs", f"{aid}.pdf"), "rb").read()
    if pdf != cvout:
        bad.append(f"{what}: the attachment differs from cv {aid} --out")
    return aid, pdf

# The server's copies (what the SMTP server received, as it logged it).
server = {}
for line in open(os.path.join(md, "smtp-log", "index.tsv")):
    f = line.rstrip("\n").split("\t")
    raw = open(os.path.join(md, "smtp-log", f[0]), "rb").read()
    aid, pdf = check(f"smtp-log/{f[0]}", raw)
    if aid is None:
        continue
    server[aid] = pdf
    stored = open(os.path.join("stored", f"{aid}.eml"), "rb").read()
    if raw.replace(b"\r\n", b"\n") != stored.replace(b"\r\n", b"\n"):
        bad.append(f"application {aid}: the stored message differs from the server's copy")
if len(server) != 12:
    bad.append(f"{len(server)} applications at the server, not 12")

# The employers' INBOX and the candidates' Sent folder (Dovecot's maildirs).
def maildir(d):
    for sub in ("new", "cur"):
        p = os.path.join(d, sub)
        for fn in sorted(os.listdir(p)) if os.path.isdir(p) else []:
            yield os.path.join(p, fn)
for box, pick in (("INBOX", lambda a: os.path.join(md, "mail", a[5])),
                  ("Sent", lambda a: os.path.join(md, "mail", a[4], ".Sent"))):
    seen = set()
    for a in set(apps.values()):
        for fn in maildir(pick(a)):
            raw = open(fn, "rb").read()
            m = email.message_from_bytes(raw, policy=email.policy.default)
            if apps.get(m["Message-ID"], (None,))[0] != a[0]:
                continue
            aid, pdf = check(f"{box} {fn}", raw)
            seen.add(aid)
            if pdf != server.get(aid):
                bad.append(f"{box} copy of application {aid}: the CV differs from the server's")
    if len(seen) != 12:
        bad.append(f"{box}: {len(seen)} applications' copies, not 12")
    print(f"{box}: {len(seen)} copies checked")
print(f"smtp-log: {len(server)} messages checked")
for b in bad[:12]:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# The employers' INBOX as IMAP serves it (each landlord's own login): the
# message is the server's copy with Dovecot's trace headers in front, and
# its attachment the same CV.
/usr/bin/python3 - s "$MD" "$IMAP_PORT" "$$" <<'PY' || fail "the employers' IMAP copies are not the messages sent"
import email, email.policy, imaplib, os, sqlite3, sys
study, md, port, pid = sys.argv[1:]
db = sqlite3.connect(os.path.join(study, "study.db"))
server = {}
for line in open(os.path.join(md, "smtp-log", "index.tsv")):
    f = line.rstrip("\n").split("\t")
    server[f[4].strip()] = open(os.path.join(md, "smtp-log", f[0]), "rb").read().replace(b"\r\n", b"\n")
n = 0
for i in range(1, 7):
    want = {mid for (mid,) in db.execute(
        "SELECT a.message_id FROM application a JOIN listing l ON l.id = a.listing WHERE l.ref = ?", (f"L{i}",))}
    im = imaplib.IMAP4("127.0.0.1", int(port))
    im.login(f"landlord{i}@example.test", f"ll-pw-{i}-{pid}")
    im.select("INBOX", readonly=True)
    got = set()
    for num in im.search(None, "ALL")[1][0].split():
        raw = im.fetch(num, "(BODY.PEEK[])")[1][0][1].replace(b"\r\n", b"\n")
        m = email.message_from_bytes(raw, policy=email.policy.strict)
        mid = m["Message-ID"]
        got.add(mid)
        assert mid in server, f"landlord{i}: {mid} was not sent"
        assert raw.endswith(server[mid]), f"landlord{i}: {mid} differs from the server's copy"
        pdf = [p for p in m.iter_attachments()][0].get_content()
        s = email.message_from_bytes(server[mid], policy=email.policy.default)
        assert pdf == [p for p in s.iter_attachments()][0].get_content()
        n += 1
    im.logout()
    assert got == want, (i, got, want)
assert n == 12, n
print(f"IMAP: {n} messages in the employers' INBOXes checked")
PY

# A portal: field list names the CV to upload and --files writes them.
export CORRTEST_NOW=2026-11-22T12:00:00Z
ct init p --seed 20270101 --start 2026-12-07 --market job --lang nl --city Gent >/dev/null
sed -i 's/^mail_domain = .*/mail_domain = jobs-test.be/' p/study.ini
study_phones p/study.ini
ct -S p personas >/dev/null
{
	echo "ref,agent_type,agent,area,title,isco,level,channel,url,portal_ref"
	echo "P1,private,Firm 1,Gent,Boekhouder,2411,bachelor,portal,https://jobs.example.org/p1,1001"
	echo "P2,agency,Firm 2,Gent,Bediende,4110,secondary,portal,https://jobs.example.org/p2,1002"
	echo "P3,private,Firm 3,Gent,Verpleegkundige,2221,bachelor,portal,https://jobs.example.org/p3,1003"
	echo "P4,private,Firm 4,Gent,Kelner,5131,none,portal,https://jobs.example.org/p4,1004"
} >p.csv
expect_exit 0 ct -S p listings import p.csv
expect_exit 0 ct -S p assign
export CORRTEST_NOW=$SEND_NOW
expect_exit 0 ct -S p field list --all
for a in $(q p "SELECT id FROM application ORDER BY id"); do
	name=$(q p "SELECT 'CV_' || replace(first_name, ' ', '_') || '_' || replace(last_name, ' ', '_') || '.pdf'
		FROM persona p JOIN application a ON a.persona = p.id WHERE a.id = $a")
	grep -qF "$name" out.txt || fail "field list does not name $name (application $a)"
done
expect_exit 0 ct -S p field list --all --csv
python3 - p <<'PY' || fail "field list --csv: the attachment column is wrong"
import csv, io, sqlite3, sys
db = sqlite3.connect(sys.argv[1] + "/study.db")
rows = list(csv.DictReader(io.StringIO(open("out.txt", encoding="utf-8").read())))
assert len(rows) == 8, len(rows)
want = {f"CV_{f}_{l}.pdf".replace(" ", "_") for f, l in db.execute(
    "SELECT p.first_name, p.last_name FROM application a JOIN persona p ON p.id = a.persona")}
got = {r["attachment"] for r in rows}
assert got == want, (got, want)
PY
expect_exit 0 ct -S p field list --all --files up
[ "$(find up -type f | wc -l)" = 8 ] || fail "field list --files wrote $(find up -type f | wc -l) files, not 8"
for a in $(q p "SELECT id FROM application ORDER BY id"); do
	name=$(q p "SELECT 'CV_' || replace(first_name, ' ', '_') || '_' || replace(last_name, ' ', '_') || '.pdf'
		FROM persona p JOIN application a ON a.persona = p.id WHERE a.id = $a")
	[ -f "up/$a/$name" ] || fail "no up/$a/$name"
	pdfinfo "up/$a/$name" >/dev/null 2>&1 || fail "up/$a/$name is no PDF poppler reads"
	expect_exit 0 ct -S p cv "$a" --out "mine-$a.pdf"
	cmp -s "mine-$a.pdf" "up/$a/$name" || fail "up/$a/$name differs from cv $a --out's"
done
