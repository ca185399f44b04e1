#!/bin/sh
# bench/mail-throughput.sh [BINARY] [N]: messages per second of
# `corrtest send --live` against the loopback mail server of tests/mail/
# (Dovecot + the aiosmtpd front), N messages (default 500), with connection
# reuse (one SMTP and one IMAP connection per persona, as corrtest does) and,
# for comparison, with a fresh SMTP connection per message
# (CORRTEST_SMTP_NO_REUSE=1). Each message is one SMTP transaction with two
# recipients (the landlord and the persona's self copy, both delivered over
# LMTP) plus an IMAP APPEND to the persona's Sent folder, and two commits.
# Only loopback is contacted; the server is started and stopped here.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$here")
BIN=${1:-$TOP/bin/corrtest}
N=${2:-500}
M=$TOP/tests/mail
W=$(mktemp -d "${TMPDIR:-/tmp}/ct-bench.XXXXXX")
MD=$W/mail
trap '"$M/stop.sh" "$MD" >/dev/null 2>&1 || :; rm -rf "$W"' EXIT
trap 'exit 1' INT TERM
cd "$W"
"$M/start.sh" "$MD" >/dev/null
. "$MD/env"
LANDLORDS=20

# study DIR: N/2 listings (N applications), all due, 20 landlord mailboxes.
study() {
	sd=$1
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
	# Composed beforehand, so that only sending is timed.
	CORRTEST_NOW=2027-06-01T12:00:00Z "$BIN" -S "$sd" compose --outbox "$sd.outbox" >/dev/null
	(umask 077; : >"$sd/secrets.ini")
	for e in $(sqlite3 "$sd/study.db" "SELECT email FROM persona"); do
		"$M/adduser.sh" "$MD" "$e" "bench-$e" 2>/dev/null
		printf '[%s]\npassword = bench-%s\n' "$e" "$e" >>"$sd/secrets.ini"
	done
}

i=1
while [ $i -le $LANDLORDS ]; do "$M/adduser.sh" "$MD" "landlord$i@example.test" "x$i"; i=$((i + 1)); done

# run LABEL DIR [env]: times one send --live over the whole study.
run() {
	label=$1 sd=$2
	shift 2
	t0=$(date +%s.%N)
	env CORRTEST_NOW=2027-06-01T12:00:00Z "$@" "$BIN" -S "$sd" send --live --json >"$sd.json"
	t1=$(date +%s.%N)
	sent=$(sed 's/.*"sent":\([0-9]*\).*/\1/' "$sd.json")
	[ "$sent" = "$N" ] || { echo "bench: $label sent $sent of $N" >&2; exit 1; }
	awk -v l="$label" -v n="$N" -v a="$t0" -v b="$t1" \
		'BEGIN { printf "send  %-28s %5d messages  %6.2f s  %7.1f messages/s\n", l, n, b - a, n / (b - a) }'
}

study reuse
study fresh
echo "corrtest send --live, loopback Dovecot + aiosmtpd, $(nproc) cores:"
run "connection reuse" reuse
run "fresh connection per message" fresh CORRTEST_SMTP_NO_REUSE=1
accepted=$(wc -l <"$MD/smtp-log/index.tsv")
[ "$accepted" = $((2 * N)) ] || { echo "bench: the server accepted $accepted, not $((2 * N))" >&2; exit 1; }

# fetch: the personas' INBOXes hold 2N self copies (N of study "reuse", N of
# study "fresh": same seed, so the same persona addresses); each landlord now
# answers every application of "reuse" threaded (N replies, delivered over
# LMTP in one go). One `corrtest fetch` of "reuse" then reads 3N messages
# over IMAP (one
# connection per persona, one UID FETCH per message), stores each raw in its
# own transaction, parses it with GMime and links it in a second one.
/usr/bin/python3 - "$W/reuse/study.db" "$LMTP_SOCKET" <<'PY'
import smtplib, sqlite3, sys
from email.mime.text import MIMEText
db, sock = sys.argv[1:]
rows = sqlite3.connect(db).execute("""SELECT a.message_id, p.email, lc.contact_email
  FROM application a JOIN persona p ON p.id = a.persona
  JOIN listing_contact lc ON lc.listing = a.listing""").fetchall()
with smtplib.LMTP(sock, local_hostname="localhost") as c:
    for i, (mid, persona, landlord) in enumerate(rows):
        m = MIMEText("Beste,\n\nDe woning is nog vrij. Komt u kijken?\n", "plain", "utf-8")
        m["From"], m["To"], m["Subject"] = landlord, persona, "Re: uw vraag"
        m["Message-ID"] = f"<bench-reply-{i}@example.test>"
        m["In-Reply-To"] = m["References"] = mid
        c.sendmail(landlord, [persona], m.as_bytes())
PY
t0=$(date +%s.%N)
env CORRTEST_NOW=2027-06-01T13:00:00Z "$BIN" -S reuse fetch --json >fetch.json
t1=$(date +%s.%N)
new=$(sed 's/.*"new":\([0-9]*\).*/\1/' fetch.json)
linked=$(sed 's/.*"in_reply_to":\([0-9]*\).*/\1/' fetch.json)
self=$(sed 's/.*"self":\([0-9]*\).*/\1/' fetch.json)
[ "$new" = $((3 * N)) ] && [ "$linked" = "$N" ] && [ "$self" = "$N" ] ||
	{ echo "bench: fetch stored $new (wanted $((3 * N))), linked $linked and self $self (wanted $N)" >&2; cat fetch.json >&2; exit 1; }
echo "corrtest fetch, same server (IMAP, one connection per persona):"
awk -v n="$new" -v a="$t0" -v b="$t1" \
	'BEGIN { printf "fetch %-28s %5d messages  %6.2f s  %7.1f messages/s\n", "store + parse + link", n, b - a, n / (b - a) }'
t0=$(date +%s.%N)
env CORRTEST_NOW=2027-06-01T13:00:00Z "$BIN" -S reuse fetch --json >fetch2.json
t1=$(date +%s.%N)
grep -q '"new":0,' fetch2.json || { echo "bench: the second fetch found new messages" >&2; exit 1; }
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "fetch %-28s %5s           %6.2f s\n", "nothing new (rerun)", "-", b - a }'
