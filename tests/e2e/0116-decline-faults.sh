# decline against a failing server, through the same delivery engine as
# send: a temporary failure is retried with backoff and the withdrawal goes
# out once; a withdrawal the server refuses for good is recorded once with
# the server's reply and not tried again by later runs (exit 0 then); no
# server at all stops with exit 3 and the stored withdrawal goes out once
# on the next run; [mail] min_interval_seconds is kept between two
# withdrawals. Counted at the server.
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send-lib.sh"
mail_start
mail_study s 4
expect_exit 0 ct -S s send --live --json
backdate_sent s
expect_out '"sent":8,'
accepted() { wc -l <"$MD/smtp-log/index.tsv" | tr -d ' '; }
app() { q s "SELECT a.id FROM application a JOIN listing l ON l.id = a.listing WHERE l.ref = '$1' AND a.position = $2"; }
persona() { q s "SELECT p.email FROM application a JOIN persona p ON p.id = a.persona WHERE a.id = $1"; }
invite() { expect_exit 0 ct -S s log "$1" --outcome invitation --channel phone --at 2027-03-01T10:00:00Z; }

# 1. Two temporary failures, then success: retried with backoff in the
# same run, delivered once.
a1=$(app L1 1)
invite "$a1"
n=$(accepted)
echo 2 >"$MD/faults/tempfail"
expect_exit 0 ct -S s decline
expect_out "Declined 1 invitation\."
[ ! -e "$MD/faults/tempfail" ] || fail "the tempfail fault did not fire twice"
[ "$(accepted)" = $((n + 1)) ] || fail "the server took $(( $(accepted) - n )) withdrawals, not 1"
[ "$(q s "SELECT count(*) FROM event WHERE action = 'decline-tempfail' AND subject = 'application $a1'")" = 2 ] ||
	fail "not 2 decline-tempfail events"
q s "SELECT detail FROM event WHERE action = 'decline-tempfail' LIMIT 1" | grep -q '451' || fail "the 451 reply is not recorded"
[ "$(q s "SELECT count(*) FROM decline WHERE application = $a1")" = 1 ] || fail "the withdrawal is not recorded"

# 2. The landlord's address refused for good: recorded once as failed,
# with the server's reply; later runs neither offer nor try it again.
a2=$(app L2 1)
invite "$a2"
echo landlord2@example.test >"$MD/faults/reject_rcpt"
n=$(accepted)
expect_exit 3 ct -S s decline
expect_err "application $a2: the withdrawal was not sent \(bounced\): 550 5\.1\.1"
expect_err "recorded as failed, not tried again"
expect_out "FAILED"
[ "$(q s "SELECT count(*) FROM event WHERE action = 'decline-failed' AND subject = 'application $a2'")" = 1 ] ||
	fail "the refusal is not recorded once"
q s "SELECT detail FROM event WHERE action = 'decline-failed'" | grep -q '550 5.1.1' || fail "the 550 reply is not recorded"
[ "$(q s "SELECT count(*) FROM decline WHERE application = $a2")" = 0 ] || fail "a refused withdrawal is recorded as sent"
logins=$(grep -c "auth ok" "$MD/smtpd.log")
expect_exit 0 ct -S s decline --json
[ "$(cat out.txt)" = "[]" ] || fail "the refused withdrawal is offered again: $(cat out.txt)"
expect_exit 0 ct -S s decline
[ "$(grep -c "auth ok" "$MD/smtpd.log")" = "$logins" ] || fail "a later run connected to the server again"
[ "$(accepted)" = "$n" ] || fail "a refused withdrawal was accepted"
rm "$MD/faults/reject_rcpt"

# 3. No server: exit 3, nothing recorded as failed; the next run sends the
# stored withdrawal, once.
a3=$(app L3 1)
invite "$a3"
cp s/study.ini good.ini
sed -i "s|^smtp_url =.*|smtp_url = smtp://127.0.0.1:9|" s/study.ini
n=$(accepted)
expect_exit 3 ct -S s decline
expect_err "cannot reach the SMTP server smtp://127.0.0.1:9"
[ "$(q s "SELECT count(*) FROM event WHERE action = 'decline-failed' AND subject = 'application $a3'")" = 0 ] ||
	fail "an unreachable server was recorded as a refusal"
cp good.ini s/study.ini
expect_exit 0 ct -S s decline
expect_out "Declined 1 invitation\."
[ "$(accepted)" = $((n + 1)) ] || fail "the server took $(( $(accepted) - n )) withdrawals, not 1"
[ "$(q s "SELECT count(*) FROM decline WHERE application = $a3")" = 1 ] || fail "the withdrawal is not recorded"
[ "$(q s "SELECT count(*) FROM message WHERE application = $a3 AND direction = 'out'")" = 2 ] ||
	fail "the withdrawal was composed twice"

# 4. min_interval_seconds between two withdrawals, as between two
# applications.
sed -i 's/^min_interval_seconds = .*/min_interval_seconds = 2/' s/study.ini
invite "$(app L1 2)"
invite "$(app L2 2)"
n=$(accepted)
expect_exit 0 ct -S s decline
expect_out "Declined 2 invitations\."
[ "$(accepted)" = $((n + 2)) ] || fail "not 2 withdrawals"
tail -2 "$MD/smtp-log/index.tsv" | awk -F'\t' 'NR == 1 { t = $2 } NR == 2 { d = $2 - t; if (d < 1.5) { print "withdrawals " d " s apart"; exit 1 } }' ||
	fail "min_interval_seconds was not kept"

# 5. One decline run at a time: while another holds the study's decline
# lock (flock on study.db, which SQLite's own locks do not touch), decline
# stops with exit 3 and sends nothing.
a5=$(app L3 2)
invite "$a5"
n=$(accepted)
/usr/bin/python3 -c 'import fcntl, sys, time; f = open(sys.argv[1]); fcntl.flock(f, fcntl.LOCK_EX); time.sleep(30)' s/study.db &
holder=$!
sleep 0.5
expect_exit 3 ct -S s decline
expect_err "another 'corrtest decline' is running"
kill "$holder"; wait "$holder" 2>/dev/null || true
[ "$(accepted)" = "$n" ] || fail "a withdrawal left while another run held the lock"

# 6. Without [mail] imap_url a withdrawal left in flight could not be found
# in Sent after a crash: decline refuses to send (dry runs still work).
cp s/study.ini good.ini
sed -i "s|^imap_url =.*|imap_url =|" s/study.ini
expect_exit 0 ct -S s decline --dry-run
set +e; ct -S s decline >out.txt 2>err.txt; got=$?; set -e
[ "$got" -ne 0 ] || fail "decline ran without imap_url"
expect_err "imap_url"
[ "$(accepted)" = "$n" ] || fail "a withdrawal left without imap_url"
cp good.ini s/study.ini

# 7. No server and two invitations: the first is stored and fails, the
# second is not attempted (nothing stored for it); the next run sends both.
a7=$(app L4 1)
invite "$a7"
sed -i "s|^smtp_url =.*|smtp_url = smtp://127.0.0.1:9|" s/study.ini
expect_exit 3 ct -S s decline
expect_err "not attempted"
[ "$(q s "SELECT count(*) FROM message WHERE application IN ($a5, $a7) AND direction = 'out'")" = 3 ] ||
	fail "a withdrawal was stored for an invitation that was not attempted"
cp good.ini s/study.ini
expect_exit 0 ct -S s decline
expect_out "Declined 2 invitations\."
[ "$(accepted)" = $((n + 2)) ] || fail "not 2 withdrawals after the server came back"
echo "ok: decline faults"
