# send-lib.sh: helpers for the mail sending tests (sourced after lib.sh):
# start the loopback mail server of tests/mail/ in a trap, and build a study
# whose every application is due, with one mailbox per persona and per
# landlord and a secrets file holding the personas' passwords.
M=$TOP/tests/mail
MD=$PWD/mail
trap '"$M/stop.sh" "$MD" >/dev/null 2>&1 || :' EXIT
trap 'exit 1' INT TERM
# The study is set up on 2026-11-22 with fielding from 2026-12-07; the
# sending runs "now" = SEND_NOW, when every application is long due. A
# fixed clock makes the schedule reproducible.
SEND_NOW=2027-03-01T12:00:00Z
export CORRTEST_NOW=$SEND_NOW
export CORRTEST_BACKOFF_MS=20
export CORRTEST_RECOVER_WAIT_MS=300

mail_start() {
	"$M/start.sh" "$MD" >/dev/null || fail "the mail server did not start"
	. "$MD/env"
}

# mail_study DIR N [SMTP_URL IMAP_URL CA]: a study with N listings, each
# with its own landlord mailbox landlordI@example.test, sent over the
# loopback server (plain text by default). $MS_INIT: more options for init
# (e.g. "--lang fr"); $MS_AREA and $MS_TITLE: every listing's area (default
# Gent) and title (default none; no double quotes in either); $MS_ISCO:
# ISCO codes (a job study's vacancies, "--market job"), separated by
# spaces, given to the listings in turn.
mail_study() {
	sd=$1 n=$2
	smtp=${3:-smtp://127.0.0.1:$SMTP_PORT} imap=${4:-imap://127.0.0.1:$IMAP_PORT} ca=${5:-}
	export CORRTEST_NOW=2026-11-22T12:00:00Z
	# shellcheck disable=SC2086
	ct init "$sd" --seed 20270101 --start 2026-12-07 ${MS_INIT:-} >/dev/null
	# Large quota, no pause between messages, the server's mailboxes.
	sed -i -e 's/^daily_quota = .*/daily_quota = 100000/' \
		-e 's/^mail_domain = .*/mail_domain = corrtest.test/' \
		-e "s|^smtp_url =.*|smtp_url = $smtp|" -e "s|^imap_url =.*|imap_url = $imap|" \
		-e "s|^ca_file =.*|ca_file = $ca|" \
		-e 's/^min_interval_seconds = .*/min_interval_seconds = 0/' \
		-e 's/^retries = .*/retries = 3/' "$sd/study.ini"
	study_phones "$sd/study.ini"
	ct -S "$sd" personas >/dev/null
	echo "ref,url,contact_email,contact_name,agent_type,agent,area,price,round,posted_on,title${MS_ISCO:+,isco}" >"$sd.csv"
	i=1
	while [ $i -le "$n" ]; do
		isco=${MS_ISCO:+,$(echo "$MS_ISCO" | awk -v i=$i '{ print $((i - 1) % NF + 1) }')}
		echo "L$i,https://example.org/$i,landlord$i@example.test,Landlord $i,private,Landlord $i,\"${MS_AREA:-Gent}\",800,1,2026-11-20,\"${MS_TITLE:-}\"$isco" >>"$sd.csv"
		"$M/adduser.sh" "$MD" "landlord$i@example.test" "ll-pw-$i-$$"
		i=$((i + 1))
	done
	ct -S "$sd" listings import "$sd.csv" >/dev/null
	ct -S "$sd" assign >/dev/null
	export CORRTEST_NOW=$SEND_NOW
	umask 077
	: >"$sd/secrets.ini"
	for e in $(sqlite3 "$sd/study.db" "SELECT email FROM persona ORDER BY id"); do
		pw="Pw-$(echo "$e" | cut -d@ -f1)-$$;#x"
		"$M/adduser.sh" "$MD" "$e" "$pw"
		printf '[%s]\npassword = %s\n' "$e" "$pw" >>"$sd/secrets.ini"
	done
	umask 022
	chmod 600 "$sd/secrets.ini"
}

# study_phones FILE: gives every persona of study.ini FILE a number of its
# own under [phones], so that the pre-flight check (which send --live runs
# first) does not find personas sharing the preset's one number.
study_phones() {
	awk '/^\[group .*\]$/ { g[n++] = substr($0, 8, length($0) - 8) }
		{ print }
		/^\[phones\]$/ { for (i = 0; i < n; i++) printf "%s.female = +32 460 11 %02d 01\n%s.male = +32 460 11 %02d 02\n", g[i], i, g[i], i }' \
		"$1" >"$1.tmp" && mv "$1.tmp" "$1"
}

# q DIR SQL: one query on the study.
q() { sqlite3 "$1/study.db" "$2"; }

# delivered_ok DIR: every sent application reached its landlord exactly once
# and nothing else arrived, counted at the server (smtp-log and mailboxes).
delivered_ok() {
	sd=$1
	/usr/bin/python3 - "$sd/study.db" "$MD" <<'PY' || fail "deliveries do not match the study"
import sqlite3, sys, os, collections
db, md = sys.argv[1], sys.argv[2]
c = sqlite3.connect(db)
apps = c.execute("""SELECT a.id, a.message_id, a.status, lc.contact_email, p.email
  FROM application a JOIN listing_contact lc ON lc.listing = a.listing
  JOIN persona p ON p.id = a.persona""").fetchall()
# What the SMTP server accepted, by Message-ID.
accepted = collections.Counter()
idx = os.path.join(md, "smtp-log", "index.tsv")
for line in open(idx) if os.path.exists(idx) else []:
    f = line.rstrip("\n").split("\t")
    if len(f) >= 5:
        accepted[f[4].strip()] += 1
# What the landlords' INBOXes hold, by Message-ID.
inbox = collections.Counter()
for addr in os.listdir(os.path.join(md, "mail")):
    if not addr.startswith("landlord"):
        continue
    for sub in ("new", "cur"):
        d = os.path.join(md, "mail", addr, sub)
        for fn in os.listdir(d) if os.path.isdir(d) else []:
            for l in open(os.path.join(d, fn), "rb"):
                if l.lower().startswith(b"message-id:"):
                    inbox[(addr, l.split(b":", 1)[1].strip().decode())] += 1
                    break
bad = 0
for aid, mid, st, contact, persona in apps:
    want = 1 if st in ("sent",) else 0
    if accepted[mid] != want or inbox[(contact, mid)] != want:
        print(f"application {aid} ({st}): accepted {accepted[mid]}, in {contact}'s INBOX {inbox[(contact, mid)]}, wanted {want}")
        bad += 1
extra = sum(inbox.values()) - sum(1 for a in apps if a[2] == "sent")
if extra:
    print(f"{extra} unexpected messages in landlord mailboxes"); bad += 1
sys.exit(1 if bad else 0)
PY
}

# landlord_reply FROM TO SUBJECT IN_REPLY_TO BODY [ENCODING]: the landlord
# FROM (password ll-pw-I-$$ as mail_study made it) answers over SMTP with
# its own login, threaded to IN_REPLY_TO. The Subject is encoded by Python's
# email package (an encoder independent of GMime) as RFC 2047 encoded words:
# ENCODING q (quoted-printable words, the default) or b (base64 words). A
# long subject becomes several encoded words. Prints the Message-ID; the
# encoded Subject line as sent is in reply-subject.txt.
landlord_reply() {
	i=$(echo "$1" | sed 's/^landlord\([0-9]*\)@.*/\1/')
	/usr/bin/python3 - "$MD/env" "$1" "ll-pw-$i-$$" "$2" "$3" "$4" "$5" "${6:-q}" <<'PY'
import re, smtplib, sys
from email import charset
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid
env, sender, pw, to, subject, irt, body, enc = sys.argv[1:]
port = int(dict(l.split("=", 1) for l in open(env).read().split("\n") if "=" in l)["SMTP_PORT"].strip("'\""))
cs = charset.Charset("utf-8")
cs.header_encoding = charset.BASE64 if enc == "b" else charset.QP
m = MIMEText(body, "plain", "utf-8")
m["From"] = sender
m["To"] = to
m["Subject"] = Header(subject, cs, header_name="Subject").encode()
m["Date"] = formatdate()
m["Message-ID"] = make_msgid(domain=sender.split("@", 1)[1])
m["In-Reply-To"] = irt
m["References"] = irt
data = m.as_bytes()
head = data.split(b"\n\n", 1)[0].decode("ascii")
open("reply-subject.txt", "w").write(re.search(r"^Subject:.*(?:\n[ \t].*)*", head, re.M).group(0) + "\n")
with smtplib.SMTP("127.0.0.1", port, local_hostname="localhost", timeout=30) as s:
    s.login(sender, pw)
    s.sendmail(sender, [to], data)
print(m["Message-ID"])
PY
}

# withdrawal_of DIR APP: the file in the landlord's INBOX holding the
# withdrawal recorded for application APP.
withdrawal_of() {
	dmid=$(q "$1" "SELECT m.message_id FROM decline d JOIN message m ON m.id = d.message WHERE d.application = $2")
	[ -n "$dmid" ] || fail "no withdrawal recorded for application $2"
	grep -l "^Message-I[dD]: $dmid" "$MD"/mail/landlord*/new/* "$MD"/mail/landlord*/cur/* 2>/dev/null | head -1
}

# subject_of DIR APP: the Subject of application APP's stored message, as
# Python's email parser decodes it.
subject_of() {
	q "$1" "SELECT writefile('inquiry-$2.eml', raw) FROM message WHERE application = $2 AND direction = 'out' ORDER BY id LIMIT 1" >/dev/null
	/usr/bin/python3 -c 'import sys; from email import message_from_binary_file, policy
print(str(message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)["Subject"]))' "inquiry-$2.eml"
}

# withdrawal_ok FILE IN_REPLY_TO "REFERENCES" FROM TO SUBJECT TEXT...: the
# message in FILE, read by Python's email parser, is a reply in the thread
# (In-Reply-To, References in that order) from the persona FROM to TO, with
# exactly that Subject once decoded, and a UTF-8 text holding every TEXT.
withdrawal_ok() {
	/usr/bin/python3 - "$@" <<'PY' || fail "the withdrawal in $1 is not as expected"
import sys
from email import message_from_binary_file, policy
path, irt, refs, frm, to, subject, *texts = sys.argv[1:]
m = message_from_binary_file(open(path, "rb"), policy=policy.default)
assert m["In-Reply-To"] == irt, ("In-Reply-To", m["In-Reply-To"], irt)
assert m["References"].split() == refs.split(), ("References", m["References"], refs)
assert m["From"].addresses[0].addr_spec == frm, ("From", m["From"], frm)
assert m["To"].addresses[0].addr_spec == to, ("To", m["To"], to)
assert str(m["Subject"]) == subject, ("Subject", str(m["Subject"]), subject)
part = m.get_body(("plain",))
assert part.get_content_charset() == "utf-8", part.get_content_charset()
body = part.get_content()
for t in texts:
    assert t in body, ("text", t, body)
PY
}

# backdate_sent DIR: the study's sent applications as if they had gone out
# on 2027-02-20 09:00 UTC, a week before SEND_NOW, so that a test may log
# replies that came in the days before "now" (log refuses a reply time
# before the message it answers was sent).
backdate_sent() {
	sqlite3 "$1/study.db" "UPDATE application SET sent_at = '2027-02-20T09:00:00Z' WHERE status = 'sent'"
}
