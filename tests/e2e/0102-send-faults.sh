# send --live against a failing server: a wrong password (exit 3, nothing
# marked sent, the password never shown), a temporary failure twice then
# success (retried with backoff, delivered once), a connection dropped in
# DATA (delivered exactly once), a recipient the server rejects (bounced with
# the server's reply, its pair excluded by stats), and no server at all
# (exit 3). Everything counted at the server.
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send-lib.sh"
mail_start
mail_study s 6
accepted() { if [ -e "$MD/smtp-log/index.tsv" ]; then wc -l <"$MD/smtp-log/index.tsv" | tr -d ' '; else echo 0; fi; }
status_of() { q s "SELECT status FROM application WHERE id = $1"; }
# The application that goes next: the earliest planned one.
next_app() { q s "SELECT id FROM application WHERE status = 'planned' ORDER BY scheduled_at, id LIMIT 1"; }

# 1. A wrong password: exit 3 naming the mailbox, nothing sent, nothing
# marked sent or failed, and the password is not in the output.
cp s/secrets.ini good.ini
sed -i 's/^password = .*/password = Wrong-Pass-123/' s/secrets.ini
app=$(next_app)
who=$(q s "SELECT p.email FROM application a JOIN persona p ON p.id = a.persona WHERE a.id = $app")
expect_exit 3 ct -S s send --live
expect_err "refused the login for mailbox $who"
if grep -q 'Wrong-Pass-123' out.txt err.txt; then fail "the password was printed"; fi
[ "$(accepted)" = 0 ] || fail "something was sent with a wrong password"
[ "$(q s "SELECT count(*) FROM application WHERE status != 'planned'")" = 0 ] || fail "an application left 'planned'"
cp good.ini s/secrets.ini

# 2. Two temporary failures, then success: retried, delivered once.
echo 2 >"$MD/faults/tempfail"
app=$(next_app)
expect_exit 0 ct -S s send --live --limit 1 --json
expect_out '"sent":1,'
[ "$(status_of "$app")" = sent ] || fail "application $app is $(status_of "$app") after tempfail"
[ "$(q s "SELECT attempts FROM application WHERE id = $app")" = 3 ] || fail "not 3 attempts"
[ "$(q s "SELECT count(*) FROM event WHERE action = 'send-tempfail' AND subject = 'application $app'")" = 2 ] || fail "not 2 tempfail events"
q s "SELECT detail FROM event WHERE action = 'send-tempfail' LIMIT 1" | grep -q '451' || fail "the 451 reply is not recorded"
[ "$(accepted)" = 1 ] || fail "the server accepted $(accepted), not 1"
[ ! -e "$MD/faults/tempfail" ] || fail "the tempfail fault did not fire twice"

# 3. The connection dropped in DATA: nothing was delivered, so it is sent
# again, exactly once.
echo 1 >"$MD/faults/drop_in_data"
app=$(next_app)
expect_exit 0 ct -S s send --live --limit 1
[ "$(status_of "$app")" = sent ] || { q s "SELECT * FROM event WHERE action LIKE 'send%'" >&2; fail "application $app is $(status_of "$app") after a drop"; }
[ "$(accepted)" = 2 ] || fail "the server accepted $(accepted), not 2"
grep -q 'drop' "$MD/smtpd.log" || fail "the drop fault did not fire"

# 4. A recipient the server rejects: bounced, with the server's reply.
app=$(next_app)
ll=$(q s "SELECT c.contact_email FROM application a JOIN listing_contact c ON c.listing = a.listing WHERE a.id = $app")
echo "$ll" >"$MD/faults/reject_rcpt"
expect_exit 0 ct -S s send --live --limit 1
[ "$(status_of "$app")" = bounced ] || fail "application $app is $(status_of "$app"), not bounced"
q s "SELECT last_error FROM application WHERE id = $app" | grep -q '^550 5.1.1' || fail "the 550 reply is not recorded: $(q s "SELECT last_error FROM application WHERE id = $app")"
[ "$(q s "SELECT count(*) FROM event WHERE action = 'bounced' AND subject = 'application $app'")" = 1 ] || fail "no bounced event"
[ "$(accepted)" = 2 ] || fail "a rejected message was accepted"
rm "$MD/faults/reject_rcpt"
ct -S s stats --json >stats.json 2>/dev/null || :
grep -Eq '"bounced": *1' stats.json || { cat stats.json; fail "stats does not exclude the bounced pair"; }

# 5. No server: exit 3 with a clear message; the application stays planned.
cp s/study.ini good-study.ini
sed -i "s|^smtp_url =.*|smtp_url = smtp://127.0.0.1:9|" s/study.ini
app=$(next_app)
expect_exit 3 ct -S s send --live
expect_err "cannot reach the SMTP server smtp://127.0.0.1:9"
[ "$(status_of "$app")" = planned ] || fail "application $app is $(status_of "$app") with no server"
cp good-study.ini s/study.ini

# The rest goes out; every application delivered exactly once.
expect_exit 0 ct -S s send --live
[ "$(q s "SELECT count(*) FROM application WHERE status = 'sent'")" = 11 ] || fail "not 11 sent"
delivered_ok s
