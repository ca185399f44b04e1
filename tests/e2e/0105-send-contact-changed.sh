# A message composed before the listing's contact e-mail changed is not sent
# with its old To: header to the new address: send --live refuses it, naming
# the application, and sends nothing; composed again, it goes to the new
# address with a matching To:. Counted at the server.
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send-lib.sh"
mail_start
mail_study s 1
ct -S s compose --outbox s/outbox >/dev/null
"$M/adduser.sh" "$MD" moved@example.test "moved-pw-$$"
q s "UPDATE listing_contact SET contact_email = 'moved@example.test'"
before=$(snapshot s)
expect_exit 2 ct -S s send --live
expect_err "the contact e-mail of listing L1 changed after its message was composed"
[ "$(snapshot s)" = "$before" ] || fail "a refused send changed the study"
[ ! -s "$MD/smtp-log/index.tsv" ] || fail "something was sent"
ct -S s compose --outbox s/outbox --force >/dev/null
expect_exit 0 ct -S s send --live
[ "$(q s "SELECT count(*) FROM application WHERE status = 'sent'")" = 2 ] || fail "not both sent"
[ "$("$M/count.sh" "$MD" moved@example.test)" = 2 ] || fail "the new address did not get both"
for f in "$MD"/smtp-log/*.eml; do
	grep -q '^To: moved@example.test' "$f" || fail "$f is not addressed to the new contact"
done

# One sending run per study: while another process holds the study's lock,
# send --live exits 3 and changes nothing.
q s "UPDATE application SET status = 'planned', sent_at = NULL"
( flock s sleep 3 & )
sleep 1
before=$(snapshot s)
expect_exit 3 ct -S s send --live
expect_err "another 'corrtest send --live' is running"
[ "$(snapshot s)" = "$before" ] || fail "a locked-out send changed the study"
sleep 3

# Every message of a run is readied before the first is sent: when only the
# listing scheduled last has a new contact, send --live refuses, naming it,
# and sends none of the other listings' messages either (it used to send
# those scheduled before it, then stop).
mail_study t 3
ct -S t compose --outbox t/outbox >/dev/null
last=$(q t "SELECT listing FROM application ORDER BY scheduled_at DESC, id DESC LIMIT 1")
ref=$(q t "SELECT ref FROM listing WHERE id = $last")
q t "UPDATE listing_contact SET contact_email = 'moved@example.test' WHERE listing = $last"
accepted=$(wc -l <"$MD/smtp-log/index.tsv")
before=$(snapshot t)
expect_exit 2 ct -S t send --live
expect_err "the contact e-mail of listing $ref changed after its message was composed"
[ "$(snapshot t)" = "$before" ] || fail "a refused send changed the study"
[ "$(wc -l <"$MD/smtp-log/index.tsv")" = "$accepted" ] || fail "messages of other listings were sent"
