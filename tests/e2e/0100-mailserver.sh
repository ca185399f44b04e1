# The loopback mail server of tests/mail/ that the mail tests (issue 4) use:
# start and stop, mailboxes added while it runs, SMTP with AUTH, delivery
# counted over IMAP, TLS with the test CA, and each fault mode. It needs
# Dovecot, aiosmtpd and curl: when they are missing it fails (make deps
# installs them), it does not skip.
. "$E2E_DIR/lib.sh"
M=$TOP/tests/mail
PY=/usr/bin/python3
for f in /usr/sbin/dovecot /usr/lib/dovecot/imap /usr/lib/dovecot/lmtp /usr/bin/curl /usr/bin/openssl $PY; do
	[ -x "$f" ] || fail "$f is not installed: run 'make deps' as root"
done
$PY -c 'import aiosmtpd' 2>/dev/null || fail "python3-aiosmtpd is not installed: run 'make deps' as root"

D=$PWD/mail
trap '"$M/stop.sh" "$D" >/dev/null 2>&1 || :' EXIT
trap 'exit 1' INT TERM

t0=$($PY -c 'import time; print(time.time())')
"$M/start.sh" "$D" || fail "start.sh failed"
secs=$($PY -c "import time; print(f'{time.time() - $t0:.2f}')")
echo "start.sh took $secs s"
$PY -c "import sys; sys.exit($secs > 10)" || fail "start.sh took $secs s"
[ -f "$D/env" ] || fail "start.sh wrote no env"
. "$D/env"
x=
for v in SMTP_PORT SMTPS_PORT IMAP_PORT IMAPS_PORT DOVECOT_PID SMTPD_PID; do
	eval "x=\${$v:-}"
	case $x in '' | *[!0-9]*) fail "env: $v='$x' is not a number" ;; esac
done
[ -s "$CA_FILE" ] || fail "no CA file"
expect_exit 3 "$M/start.sh" "$D"
expect_err "already"

# Mailboxes are added while the server runs.
A=anna.peeters@corrtest.test PA='pw-anna' B=landlord@example.test PB='pw-b'
"$M/adduser.sh" "$D" "$A" "$PA"
"$M/adduser.sh" "$D" "$B" "$PB"

n=0 url=
# send FROM TO USER PASSWORD [curl options]: one message over SMTP with curl
# (to $url, or else the plain SMTP port); curl's exit status, the dialogue in
# send.log, the message in msg.eml.
send() {
	from=$1 to=$2 user=$3 pass=$4
	shift 4
	n=$((n + 1))
	printf 'From: <%s>\r\nTo: <%s>\r\nSubject: test %s\r\nMessage-ID: <t%s.%s@corrtest.test>\r\n\r\nHello %s.\r\n' \
		"$from" "$to" "$n" "$n" "$$" "$n" > msg.eml
	set +e
	curl -sS -v --max-time 20 --url "${url:-smtp://127.0.0.1:$SMTP_PORT}" --mail-from "$from" \
		--mail-rcpt "$to" --upload-file msg.eml --user "$user:$pass" "$@" 2>send.log
	rc=$?
	set -e
	return $rc
}
sends() { send "$@" || { cat send.log >&2; fail "sending message $n failed"; }; }
sendfails() { # sendfails REPLY-PATTERN FROM TO USER PASSWORD [curl options]
	want=$1
	shift
	if send "$@"; then cat send.log >&2; fail "message $n was accepted"; fi
	grep -Eq "^< $want" send.log || { cat send.log >&2; fail "no '$want' in the SMTP dialogue"; }
}
# count USER PASSWORD [MAILBOX]: messages in the mailbox, over IMAP.
count() {
	curl -sS --max-time 20 "imap://127.0.0.1:$IMAP_PORT" -u "$1:$2" -X "STATUS ${3:-INBOX} (MESSAGES)" |
		sed -n 's/.*MESSAGES \([0-9]*\).*/\1/p'
}
logged() { find "$D/smtp-log" -maxdepth 1 -name '*.eml' | wc -l; }

# A sends to B: B's INBOX holds it exactly once, with its Message-ID.
sends "$A" "$B" "$A" "$PA"
[ "$(count "$B" "$PB")" = 1 ] || fail "B's INBOX does not hold exactly 1 message"
[ "$(count "$A" "$PA")" = 0 ] || fail "A's INBOX is not empty"
curl -sS "imap://127.0.0.1:$IMAP_PORT/INBOX;UID=1" -u "$B:$PB" > got.eml
grep -q "^Message-ID: <t1.$$@corrtest.test>" got.eml || { cat got.eml; fail "B did not get message 1"; }
grep -q "^Return-Path: <$A>" got.eml || fail "no Return-Path in the delivered message"
[ "$(logged)" = 1 ] || fail "smtp-log does not hold 1 message"
grep -q "	$A	$B	<t1.$$@corrtest.test>$" "$D/smtp-log/index.tsv" || fail "smtp-log/index.tsv lacks message 1"
[ "$(find "$D/mail/$B/new" "$D/mail/$B/cur" -type f | wc -l)" = 1 ] || fail "maildir of B does not hold 1 file"
# Mailboxes a client needs exist from the start.
curl -sS "imap://127.0.0.1:$IMAP_PORT" -u "$A:$PA" -X 'LIST "" *' > list.txt
grep -q 'Sent' list.txt || { cat list.txt; fail "no Sent mailbox"; }
curl -sS "imap://127.0.0.1:$IMAP_PORT/Sent" -T msg.eml -u "$A:$PA" || fail "APPEND to Sent failed"
[ "$(count "$A" "$PA" Sent)" = 1 ] && [ "$("$M/count.sh" "$D" "$A" Sent)" = 1 ] ||
	fail "Sent does not hold the appended message"
[ "$("$M/count.sh" "$D" "$B")" = 1 ] && [ "$("$M/count.sh" "$D" "$A")" = 0 ] ||
	fail "count.sh disagrees with IMAP"
# deliver.sh puts a crafted message straight into a mailbox.
printf 'From: someone@elsewhere.test\nSubject: crafted\nMessage-ID: <c1@x>\n\nhi\n' |
	"$M/deliver.sh" "$D" "$A" someone@elsewhere.test
[ "$("$M/count.sh" "$D" "$A")" = 1 ] || fail "deliver.sh did not deliver"
if echo x | "$M/deliver.sh" "$D" nobody@example.test 2>/dev/null; then fail "deliver.sh to nobody"; fi
curl -sS "imap://127.0.0.1:$IMAP_PORT/INBOX" -u "$A:$PA" -X 'STORE 1 +FLAGS (\Deleted)' >/dev/null
curl -sS "imap://127.0.0.1:$IMAP_PORT/INBOX" -u "$A:$PA" -X 'EXPUNGE' >/dev/null
[ "$("$M/count.sh" "$D" "$A")" = 0 ] || fail "EXPUNGE did not remove the crafted message"
# AUTH LOGIN works as well as PLAIN; upper case addresses are the same user.
sends "$A" "$B" "$(echo "$A" | tr a-z A-Z)" "$PA" --login-options AUTH=LOGIN
[ "$(count "$B" "$PB")" = 2 ] || fail "AUTH LOGIN: B's INBOX does not hold 2 messages"

# A wrong password: 535, for SMTP; IMAP refuses it too.
sendfails 535 "$A" "$B" "$A" "wrong"
if curl -sS "imap://127.0.0.1:$IMAP_PORT" -u "$B:wrong" -X 'STATUS INBOX (MESSAGES)' 2>/dev/null; then
	fail "IMAP accepted a wrong password"
fi
# An unknown user cannot log in.
sendfails 535 "$A" "$B" nobody@example.test "x"
# No AUTH: 530.
if curl -sS -v --url "smtp://127.0.0.1:$SMTP_PORT" --mail-from "$A" --mail-rcpt "$B" \
	--upload-file msg.eml 2>send.log; then fail "sent without AUTH"; fi
grep -q '^< 530' send.log || { cat send.log; fail "no 530 without AUTH"; }
# Each user sends only as itself.
sendfails 550 "$B" "$A" "$A" "$PA"
sendfails 550 "" "$B" "$A" "$PA"
# An unknown recipient: 550 at RCPT.
sendfails 550 "$A" nobody@example.test "$A" "$PA"
[ "$(count "$B" "$PB")" = 2 ] && [ "$(count "$A" "$PA")" = 0 ] && [ "$(logged)" = 2 ] ||
	fail "a refused message was delivered"

# TLS: IMAPS and SMTPS with the test CA; STARTTLS on the SMTP port; without
# the CA file the certificate is refused (curl: 60).
[ "$(curl -sS --cacert "$CA_FILE" "imaps://127.0.0.1:$IMAPS_PORT" -u "$B:$PB" \
	-X 'STATUS INBOX (MESSAGES)' | sed -n 's/.*MESSAGES \([0-9]*\).*/\1/p')" = 2 ] ||
	fail "IMAPS with the CA file failed"
[ "$(curl -sS --cacert "$CA_FILE" --resolve "localhost:$IMAPS_PORT:127.0.0.1" \
	"imaps://localhost:$IMAPS_PORT" -u "$B:$PB" -X 'STATUS INBOX (MESSAGES)' |
	sed -n 's/.*MESSAGES \([0-9]*\).*/\1/p')" = 2 ] || fail "IMAPS to localhost failed"
set +e
curl -sS "imaps://127.0.0.1:$IMAPS_PORT" -u "$B:$PB" -X 'STATUS INBOX (MESSAGES)' 2>err.txt
rc=$?
set -e
[ $rc -eq 60 ] || { cat err.txt; fail "IMAPS without the CA file: curl exited $rc, wanted 60"; }
url=smtps://127.0.0.1:$SMTPS_PORT
sends "$A" "$B" "$A" "$PA" --cacert "$CA_FILE"
if send "$A" "$B" "$A" "$PA"; then fail "SMTPS worked without the CA file"; fi
url=
sends "$A" "$B" "$A" "$PA" --ssl-reqd --cacert "$CA_FILE"
grep -q '^> STARTTLS' send.log || fail "STARTTLS was not used"
# Python's clients, as a second opinion: smtplib over SMTPS, imaplib over IMAPS.
$PY - "$D/env" "$A" "$PA" "$B" "$PB" <<'PY' || fail "smtplib/imaplib over TLS failed"
import imaplib, smtplib, ssl, sys
envfile, a, pa, b, pb = sys.argv[1:]
env = dict(l.split("=", 1) for l in open(envfile).read().split("\n")
           if "=" in l and not l.startswith("#"))
ctx = ssl.create_default_context(cafile=env["CA_FILE"].strip("'"))
with smtplib.SMTP_SSL("127.0.0.1", int(env["SMTPS_PORT"]), local_hostname="localhost", context=ctx) as s:
    s.login(a, pa)
    s.sendmail(a, [b], f"From: {a}\r\nTo: {b}\r\nSubject: py\r\nMessage-ID: <py@corrtest.test>\r\n\r\nhi\r\n")
with imaplib.IMAP4_SSL("127.0.0.1", int(env["IMAPS_PORT"]), ssl_context=ctx) as i:
    i.login(b, pb)
    typ, data = i.select("INBOX", readonly=True)
    assert data[0] == b"5", data
    typ, data = i.search(None, "HEADER", "Message-ID", "<py@corrtest.test>")
    assert len(data[0].split()) == 1, data
PY
[ "$(count "$B" "$PB")" = 5 ] && [ "$(logged)" = 5 ] || fail "TLS sends: B's INBOX does not hold 5"

# --- fault modes, switched while the server runs ----------------------------
F=$D/faults
# tempfail: 451 at MAIL FROM, nothing delivered; then it works again.
touch "$F/tempfail"
sendfails 451 "$A" "$B" "$A" "$PA"
rm "$F/tempfail"
# A number in the file: the fault fires that many times, then goes.
echo 2 > "$F/tempfail"
sendfails 451 "$A" "$B" "$A" "$PA"
[ "$(cat "$F/tempfail")" = 1 ] || fail "tempfail: the count did not go down"
sendfails 451 "$A" "$B" "$A" "$PA"
[ ! -e "$F/tempfail" ] || fail "tempfail: the file is still there after its count"
sends "$A" "$B" "$A" "$PA"
[ "$(count "$B" "$PB")" = 6 ] && [ "$(logged)" = 6 ] || fail "tempfail: wrong count"

# drop_in_data: the connection closes in DATA without a reply; nothing is
# delivered or logged.
touch "$F/drop_in_data"
if send "$A" "$B" "$A" "$PA"; then cat send.log; fail "drop_in_data: curl succeeded"; fi
grep -q '^< 354' send.log || { cat send.log; fail "drop_in_data: no 354"; }
if grep -q '^< 250 2.0.0' send.log; then cat send.log; fail "drop_in_data: DATA was answered"; fi
rm "$F/drop_in_data"
echo 1 > "$F/drop_in_data"
if send "$A" "$B" "$A" "$PA"; then cat send.log; fail "drop_in_data 1: curl succeeded"; fi
[ ! -e "$F/drop_in_data" ] || fail "drop_in_data 1: the file is still there"
[ "$(count "$B" "$PB")" = 6 ] && [ "$(logged)" = 6 ] || fail "drop_in_data: something was delivered"
sends "$A" "$B" "$A" "$PA"
[ "$(count "$B" "$PB")" = 7 ] || fail "drop_in_data: no delivery after the fault was removed"

# reject_rcpt: 550 at RCPT TO for that address only.
echo "$B" > "$F/reject_rcpt"
sendfails '550 5.1.1' "$A" "$B" "$A" "$PA"
grep -q '^> RCPT TO' send.log && ! grep -q '^> DATA' send.log || fail "reject_rcpt: not at RCPT"
sends "$B" "$A" "$B" "$PB"
rm "$F/reject_rcpt"
[ "$(count "$B" "$PB")" = 7 ] && [ "$(count "$A" "$PA")" = 1 ] || fail "reject_rcpt: wrong counts"

# bounce_to: accepted (250), not delivered to that recipient, and a DSN in
# the sender's INBOX; also for an address that has no mailbox.
printf '%s\nghost@example.test\n' "$B" > "$F/bounce_to"
sends "$A" "$B" "$A" "$PA"
bounced_id="<t$n.$$@corrtest.test>"
grep -q '^< 250 2.0.0' send.log || fail "bounce_to: not accepted"
sends "$A" ghost@example.test "$A" "$PA"
rm "$F/bounce_to"
[ "$(count "$B" "$PB")" = 7 ] || fail "bounce_to: the message was delivered"
[ "$(count "$A" "$PA")" = 3 ] || fail "bounce_to: A's INBOX does not hold the 2 DSNs"
seqs=$(curl -sS "imap://127.0.0.1:$IMAP_PORT/INBOX?SUBJECT%20Undelivered" -u "$A:$PA" |
	sed -n 's/^\* SEARCH //p' | tr -d '\r')
[ "$(echo $seqs | wc -w)" = 2 ] || fail "bounce_to: SEARCH found '$seqs', not 2 DSNs"
curl -sS "imap://127.0.0.1:$IMAP_PORT/INBOX;MAILINDEX=${seqs%% *}" -u "$A:$PA" > dsn.eml
$PY - dsn.eml "$A" "$B" "$bounced_id" <<'PY' || { cat dsn.eml; fail "the DSN is not as specified"; }
import sys
from email import message_from_binary_file, policy
path, sender, rcpt, msgid = sys.argv[1:]
m = message_from_binary_file(open(path, "rb"), policy=policy.default)
assert m.get_content_type() == "multipart/report", m.get_content_type()
assert m.get_param("report-type") == "delivery-status"
assert m["To"] == sender, m["To"]
parts = list(m.iter_parts())
types = [p.get_content_type() for p in parts]
assert types == ["text/plain", "message/delivery-status", "text/rfc822-headers"], types
blocks = parts[1].get_payload()
fields = {}
for b in blocks:
    for k, v in b.items():
        fields[k.lower()] = str(v)
assert fields["final-recipient"] == f"rfc822; {rcpt}", fields
assert fields["action"] == "failed", fields
assert fields["status"] == "5.1.1", fields
assert "reporting-mta" in fields and "diagnostic-code" in fields, fields
headers = parts[2].get_content()
assert f"Message-ID: {msgid}" in headers, headers
assert "550 5.1.1" in parts[0].get_content()
PY
[ "$(find "$D/smtp-log/dsn" -name '*.eml' | wc -l)" = 2 ] || fail "smtp-log/dsn does not hold 2 DSNs"

# delay: the 250 after DATA comes late (the message is already delivered).
echo 1 > "$F/delay"
s=$(date +%s)
sends "$A" "$B" "$A" "$PA"
rm "$F/delay"
[ $(( $(date +%s) - s )) -ge 1 ] || fail "delay: the reply was not delayed"
[ "$(count "$B" "$PB")" = 8 ] || fail "delay: not delivered"

# A password change takes effect at once.
"$M/adduser.sh" "$D" "$B" "pw-new"
sendfails 535 "$B" "$A" "$B" "$PB"
sends "$B" "$A" "$B" "pw-new"
expect_exit 2 "$M/adduser.sh" "$D" "bad:name@x.test" "pw"
expect_exit 2 "$M/adduser.sh" "$D" "nobody" "pw"

# --- stop: every process goes, the ports close, the mail folder goes ---------
procs=$($PY "$M/mailctl.py" tree "$D" $PIDS)
[ "$(echo $procs | wc -w)" -ge 4 ] || fail "too few server processes: $procs"
store=$MAIL_STORE
"$M/stop.sh" "$D" || fail "stop.sh failed"
for p in $procs; do
	if [ -r "/proc/$p/status" ] && ! grep -q '^State:.*Z' "/proc/$p/status"; then
		fail "process $p ($(tr '\0' ' ' < /proc/$p/cmdline)) still runs after stop.sh"
	fi
done
for p in $SMTP_PORT $IMAP_PORT $IMAPS_PORT $SMTPS_PORT; do
	set +e
	curl -s --max-time 2 "telnet://127.0.0.1:$p" </dev/null >/dev/null 2>&1
	rc=$?
	set -e
	[ $rc -eq 7 ] || fail "port $p still answers after stop.sh (curl exited $rc, wanted 7)"
done
[ ! -e "$D/env" ] || fail "stop.sh left env"
[ "$store" = "$D" ] || [ ! -e "$store" ] || fail "stop.sh left $store"
"$M/stop.sh" "$D" || fail "a second stop.sh failed"
echo "ok: mail server harness"
