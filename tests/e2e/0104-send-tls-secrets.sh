# send --live and its secrets: SMTPS and IMAPS with the harness CA in
# [mail] ca_file work; without it, or with the wrong CA, TLS fails with a
# clear message (exit 3); a plain-text URL to a host that is not loopback is
# refused before anything connects (exit 2); a secrets file that group or
# others can read is refused (exit 2); $CORRTEST_SECRETS names another file.
# No password ends up in study.db, in the study folder (but secrets.ini), in
# the output, or on any process's command line while sending.
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send-lib.sh"
mail_start
mail_study s 4 "smtps://127.0.0.1:$SMTPS_PORT" "imaps://127.0.0.1:$IMAPS_PORT" "$CA_FILE"
accepted() { if [ -e "$MD/smtp-log/index.tsv" ]; then wc -l <"$MD/smtp-log/index.tsv" | tr -d ' '; else echo 0; fi; }
setkey() { sed -i "s|^$1 =.*|$1 = $2|" s/study.ini; }
cp s/study.ini tls.ini

# Plain text to a real server: refused before connecting (a name that must
# never be looked up).
setkey smtp_url smtp://mail.example.org:587
expect_exit 2 ct -S s send --live
expect_err 'plain smtp:// is allowed only to a loopback address'
cp tls.ini s/study.ini
setkey imap_url imap://mail.example.org
expect_exit 2 ct -S s send --live
expect_err 'plain imap:// is allowed only to a loopback address'
cp tls.ini s/study.ini
setkey smtp_url 'smtps://user:pw@127.0.0.1:1'
expect_exit 2 ct -S s send --live
expect_err 'must not hold a user name or password'
cp tls.ini s/study.ini

# The secrets file: readable by others is refused, with the fix named.
chmod 644 s/secrets.ini
expect_exit 2 ct -S s send --live
expect_err 'chmod 600'
chmod 640 s/secrets.ini
expect_exit 2 ct -S s send --live
chmod 600 s/secrets.ini
[ "$(accepted)" = 0 ] || fail "sent with a refused configuration"

# TLS without the CA, then with a wrong CA: exit 3, nothing marked.
setkey ca_file ''
expect_exit 3 ct -S s send --live
expect_err 'TLS with the SMTP server smtps://127.0.0.1:[0-9]+ failed'
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key \
	-out other.pem -days 2 -subj /CN=other >/dev/null 2>&1
setkey ca_file "$PWD/other.pem"
expect_exit 3 ct -S s send --live
expect_err 'TLS'
[ "$(q s "SELECT count(*) FROM application WHERE status != 'planned'")" = 0 ] || fail "an application left planned"
cp tls.ini s/study.ini

# With the CA, from a secrets file elsewhere, over SMTPS and IMAPS; the
# process list is read while the run goes on (each 250 held back 0.2 s).
mv s/secrets.ini elsewhere.ini
echo 0.2 >"$MD/faults/delay"
CORRTEST_SECRETS=$PWD/elsewhere.ini "$CORRTEST" -S s send --live --until-done >send.out 2>send.err &
pid=$!
: >cmdlines.txt
n=0
while kill -0 "$pid" 2>/dev/null && [ $n -lt 100 ]; do
	for f in /proc/[0-9]*/cmdline; do { tr '\0' ' ' <"$f"; } 2>/dev/null || :; echo; done >>cmdlines.txt
	n=$((n + 1))
	sleep 0.05
done
wait "$pid" || { cat send.out send.err; fail "sending over TLS failed"; }
rm -f "$MD/faults/delay"
grep -q 'corrtest.* send --live' cmdlines.txt || fail "the process list was not caught while sending"
[ "$(q s "SELECT count(*) FROM application WHERE status = 'sent'")" = 8 ] || fail "not 8 sent over TLS"
[ "$(accepted)" = 8 ] || fail "the server accepted $(accepted), not 8"
delivered_ok s
for e in $(q s "SELECT email FROM persona"); do
	want=$(q s "SELECT count(*) FROM application a JOIN persona p ON p.id = a.persona WHERE p.email = '$e'")
	[ "$("$M/count.sh" "$MD" "$e" Sent)" = "$want" ] || fail "$e: Sent over IMAPS does not hold $want"
done

# No password anywhere it must not be.
sed -n 's/^password = //p' elsewhere.ini >passwords.txt
[ "$(wc -l <passwords.txt)" = 8 ] || fail "expected 8 passwords"
sqlite3 s/study.db .dump >dump.sql
find s -type f ! -name secrets.ini >files.txt
for where in dump.sql send.out send.err cmdlines.txt out.txt err.txt $(cat files.txt); do
	if grep -aqF -f passwords.txt "$where"; then fail "a password is in $where"; fi
done
