#!/bin/sh
# bench/fetch-throughput.sh [N] [BINARY...]: replies per second of
# `corrtest fetch` (fetch by UID over IMAP, store raw, parse with GMime,
# link, commit) against the loopback mail server of tests/mail/ (Dovecot),
# N threaded replies (default 1000), and, measured in the same run on the
# same messages, the floor: a plain IMAP client (Python's imaplib) fetching
# them one UID FETCH at a time (BODY[], as corrtest did before issue 8 with
# libcurl's URL fetch, and BODY.PEEK[]), and all of a folder in one UID
# FETCH BODY.PEEK[] (as corrtest does now, in batches of up to 500).
# With several binaries (e.g. the corrtest before a change), each gets its
# own server and study, one after the other. Only loopback is contacted;
# the servers are started and stopped here.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$here")
N=${1:-1000}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- "$TOP/bin/corrtest"
M=$TOP/tests/mail
W=$(mktemp -d "${TMPDIR:-/tmp}/ct-fbench.XXXXXX")
MD=$W/mail
trap '"$M/stop.sh" "$MD" >/dev/null 2>&1 || :; rm -rf "$W"' EXIT
trap 'exit 1' INT TERM
LANDLORDS=20
PY=/usr/bin/python3
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.1f", n / (b - a) }'; }

# run BIN: one server, one study of N/2 listings (N applications, sent), N
# replies in the personas' INBOXes; prints the figures.
run() {
	BIN=$1
	"$M/start.sh" "$MD" >/dev/null
	. "$MD/env"
	cd "$W"
	i=1
	while [ $i -le $LANDLORDS ]; do "$M/adduser.sh" "$MD" "landlord$i@example.test" "x$i"; i=$((i + 1)); done
	sd=$W/s
	CORRTEST_NOW=2026-11-22T12:00:00Z "$BIN" init "$sd" --seed 7 --start 2026-12-07 >/dev/null
	sed -i -e 's/^daily_quota = .*/daily_quota = 100000/' \
		-e 's/^mail_domain = .*/mail_domain = corrtest.test/' \
		-e "s|^smtp_url =.*|smtp_url = smtp://127.0.0.1:$SMTP_PORT|" \
		-e "s|^imap_url =.*|imap_url = imap://127.0.0.1:$IMAP_PORT|" \
		-e 's/^min_interval_seconds = .*/min_interval_seconds = 0/' "$sd/study.ini"
	# A phone per persona: send --live runs the pre-flight check, which
	# refuses personas sharing the preset's one number.
	awk '/^\[group .*\]$/ { g[n++] = substr($0, 8, length($0) - 8) } { print }
		/^\[phones\]$/ { for (i = 0; i < n; i++) printf "%s.female = +32 460 11 %02d 01\n%s.male = +32 460 11 %02d 02\n", g[i], i, g[i], i }' \
		"$sd/study.ini" >"$sd/study.ini.tmp" && mv "$sd/study.ini.tmp" "$sd/study.ini"
	CORRTEST_NOW=2026-11-22T12:00:00Z "$BIN" -S "$sd" personas >/dev/null
	echo 'ref,url,contact_email,contact_name,agent_type,agent,area,price,round,posted_on,title' >"$sd.csv"
	i=1
	while [ $i -le $((N / 2)) ]; do
		l=$(( (i - 1) % LANDLORDS + 1 ))
		echo "B$i,https://example.org/$i,landlord$l@example.test,L $l,private,L $i,Gent,800,1,2026-11-20," >>"$sd.csv"
		i=$((i + 1))
	done
	CORRTEST_NOW=2026-11-22T12:00:00Z "$BIN" -S "$sd" listings import "$sd.csv" >/dev/null
	CORRTEST_NOW=2026-11-22T12:00:00Z "$BIN" -S "$sd" assign >/dev/null
	(umask 077; : >"$sd/secrets.ini")
	for e in $(sqlite3 "$sd/study.db" "SELECT email FROM persona"); do
		"$M/adduser.sh" "$MD" "$e" "bench-$e" 2>/dev/null
		printf '[%s]\npassword = bench-%s\n' "$e" "$e" >>"$sd/secrets.ini"
	done
	CORRTEST_NOW=2027-06-01T12:00:00Z "$BIN" -S "$sd" send --live --json >send.json
	grep -q "\"sent\":$N," send.json || { echo "bench: send: $(cat send.json)" >&2; exit 1; }
	# The personas' own copies of what they sent, out of the way first.
	CORRTEST_NOW=2027-06-01T12:30:00Z "$BIN" -S "$sd" fetch --json >fetch0.json
	grep -q "\"self\":$N," fetch0.json || { echo "bench: first fetch: $(cat fetch0.json)" >&2; exit 1; }

	# Each landlord answers every application, threaded, over LMTP.
	$PY - "$sd/study.db" "$LMTP_SOCKET" <<'PY'
import smtplib, sqlite3, sys
from email.mime.text import MIMEText
db, sock = sys.argv[1:]
rows = sqlite3.connect(db).execute("""SELECT a.message_id, p.email, lc.contact_email
  FROM application a JOIN persona p ON p.id = a.persona
  JOIN listing_contact lc ON lc.listing = a.listing""").fetchall()
with smtplib.LMTP(sock, local_hostname="localhost") as c:
    for i, (mid, persona, landlord) in enumerate(rows):
        m = MIMEText("Beste,\n\nDe woning is nog vrij. Komt u zaterdag kijken?\n\nGroeten\n", "plain", "utf-8")
        m["From"], m["To"], m["Subject"] = landlord, persona, "Re: uw vraag"
        m["Message-ID"] = f"<bench-reply-{i}@example.test>"
        m["In-Reply-To"] = m["References"] = mid
        c.sendmail(landlord, [persona], m.as_bytes())
PY

	# The floor: the same new messages read by imaplib (EXAMINE: nothing
	# is marked), once to warm the server's caches as corrtest's own run
	# will find them, then timed: one UID FETCH per message, and one UID
	# FETCH for all of a folder's new messages.
	floor() {
		$PY - "$sd/study.db" "$sd/secrets.ini" "$IMAP_PORT" "$1" <<'PY'
import configparser, imaplib, sqlite3, sys
db, secrets, port, mode = sys.argv[1:]
pw = configparser.ConfigParser(interpolation=None)
pw.read(secrets)
n = 0
for (box, last) in sqlite3.connect(db).execute(
        "SELECT mailbox, last_uid FROM mailbox_state WHERE folder = 'INBOX'"):
    c = imaplib.IMAP4("127.0.0.1", int(port))
    c.login(box, pw[box]["password"])
    c.select("INBOX", readonly=mode in ("one", "all"))
    uids = c.uid("SEARCH", f"UID {last + 1}:*")[1][0].split()
    uids = [u for u in uids if int(u) > last]
    if mode == "unseen" and uids:
        c.uid("STORE", f"{uids[0].decode()}:{uids[-1].decode()}", "-FLAGS", "(\\Seen)")
    elif mode in ("one", "seen"):
        item = "(BODY[])" if mode == "seen" else "(BODY.PEEK[])"
        for u in uids:
            typ, data = c.uid("FETCH", u, item)
            n += sum(1 for d in data if isinstance(d, tuple))
    elif mode == "all" and uids:
        typ, data = c.uid("FETCH", f"{uids[0].decode()}:{uids[-1].decode()}", "(BODY.PEEK[])")
        n += sum(1 for d in data if isinstance(d, tuple))
    c.logout()
print(n)
PY
	}
	floor one >/dev/null
	t0=$(date +%s.%N); got1=$(floor one); t1=$(date +%s.%N)
	t2=$(date +%s.%N); gotall=$(floor all); t3=$(date +%s.%N)
	[ "$got1" = "$N" ] && [ "$gotall" = "$N" ] || { echo "bench: imaplib read $got1 / $gotall, not $N" >&2; exit 1; }

	t4=$(date +%s.%N)
	CORRTEST_NOW=2027-06-01T13:00:00Z /usr/bin/time -f '%U %S' -o cpu.txt "$BIN" -S "$sd" fetch --json >fetch.json
	t5=$(date +%s.%N)
	grep -q "\"new\":$N,\"duplicates\":0,\"replies\":$N," fetch.json ||
		{ echo "bench: fetch: $(cat fetch.json)" >&2; exit 1; }
	[ "$(sqlite3 "$sd/study.db" "SELECT count(*) FROM message WHERE direction = 'in' AND kind = 'reply' AND raw IS NOT NULL AND link_method = 'in_reply_to'")" = "$N" ] ||
		{ echo "bench: not every reply is stored and linked" >&2; exit 1; }

	# The same one-by-one reading as libcurl's URL fetch does it: BODY[] in a
	# folder selected read-write, so that the server marks each message
	# \Seen (and writes its index); the flags are cleared first, since
	# corrtest's run has just set them.
	cp "$sd/study.db" state.db
	# Each persona's INBOX got N / personas replies, the last UIDs.
	sqlite3 "$sd/study.db" "UPDATE mailbox_state SET last_uid = (SELECT count(*) FROM message m WHERE m.mailbox = mailbox_state.mailbox AND m.kind = 'self') WHERE folder = 'INBOX'"
	floor unseen >/dev/null
	t6=$(date +%s.%N); gotseen=$(floor seen); t7=$(date +%s.%N)
	cp state.db "$sd/study.db"
	[ "$gotseen" = "$N" ] || { echo "bench: imaplib (seen) read $gotseen, not $N" >&2; exit 1; }

	echo "$BIN, N = $N replies, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg):"
	printf '  %-46s %6.2f s  %7s replies/s\n' "corrtest fetch (store + parse + link)" \
		"$(awk -v a="$t4" -v b="$t5" 'BEGIN { print b - a }')" "$(rate "$N" "$t4" "$t5")"
	printf '  %-46s %6.2f s\n' "  of which corrtest's own CPU (user + sys)" \
		"$(awk '{ print $1 + $2 }' cpu.txt)"
	printf '  %-46s %6.2f s  %7s replies/s\n' "imaplib, UID FETCH BODY[] per message (\\Seen)" \
		"$(awk -v a="$t6" -v b="$t7" 'BEGIN { print b - a }')" "$(rate "$N" "$t6" "$t7")"
	printf '  %-46s %6.2f s  %7s replies/s\n' "imaplib, UID FETCH BODY.PEEK[] per message" \
		"$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$(rate "$N" "$t0" "$t1")"
	printf '  %-46s %6.2f s  %7s replies/s\n' "imaplib, one UID FETCH BODY.PEEK[] per folder" \
		"$(awk -v a="$t2" -v b="$t3" 'BEGIN { print b - a }')" "$(rate "$N" "$t2" "$t3")"
	awk -v a="$t4" -v b="$t5" -v c="$t6" -v d="$t7" -v e="$t0" -v f="$t1" -v g="$t2" -v h="$t3" 'BEGIN {
		printf "  corrtest / IMAP floor, BODY[] per message:          %.2fx the time\n", (b - a) / (d - c)
		printf "  corrtest / IMAP floor, BODY.PEEK[] per message:     %.2fx the time\n", (b - a) / (f - e)
		printf "  corrtest / IMAP floor, one BODY.PEEK[] per folder:  %.2fx the time\n", (b - a) / (h - g) }'
	"$M/stop.sh" "$MD" >/dev/null
	rm -rf "$sd" "$sd.csv"
}

for b in "$@"; do run "$b"; done
