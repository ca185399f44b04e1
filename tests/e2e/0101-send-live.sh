# send --live: a study of 50 listings sent over SMTP to the loopback mail
# server, counted at the server: every landlord got exactly the 2 messages of
# its listing, once each; each persona's Sent folder and INBOX (the self
# copy) hold its messages; a rerun sends nothing more. Without --live, send
# only writes the due messages to the outbox.
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send-lib.sh"
mail_start
mail_study s 50
[ "$(q s "SELECT count(*) FROM application WHERE status = 'planned'")" = 100 ] || fail "not 100 planned"

# Without --live: the outbox, as compose --outbox --due writes it; nothing sent.
expect_exit 0 ct -S s send --json
expect_out '"written":100'
[ "$(ls s/outbox/new | wc -l)" = 100 ] || fail "outbox does not hold 100 messages"
[ ! -e "$MD/smtp-log/index.tsv" ] || fail "send without --live sent something"
[ "$(q s "SELECT count(*) FROM application WHERE status = 'planned'")" = 100 ] || fail "statuses changed"

expect_exit 0 ct -S s send --live --json
expect_out '^\{"sent":100,"failed":0,"bounced":0,'
[ "$(q s "SELECT count(*) FROM application WHERE status = 'sent' AND sent_at IS NOT NULL")" = 100 ] ||
	fail "not every application is sent"
# Counted at the server.
[ "$(wc -l <"$MD/smtp-log/index.tsv")" = 100 ] || fail "the server accepted $(wc -l <"$MD/smtp-log/index.tsv") messages, not 100"
i=1
while [ $i -le 50 ]; do
	n=$("$M/count.sh" "$MD" "landlord$i@example.test")
	[ "$n" = 2 ] || fail "landlord$i has $n messages, not 2"
	i=$((i + 1))
done
delivered_ok s
for e in $(q s "SELECT email FROM persona"); do
	want=$(q s "SELECT count(*) FROM application a JOIN persona p ON p.id = a.persona WHERE p.email = '$e' AND a.status = 'sent'")
	sent=$("$M/count.sh" "$MD" "$e" Sent)
	inbox=$("$M/count.sh" "$MD" "$e")
	[ "$sent" = "$want" ] || fail "$e: Sent holds $sent, wanted $want"
	[ "$inbox" = "$want" ] || fail "$e: INBOX holds $inbox self copies, wanted $want"
done
# The envelope had the persona as second recipient; the headers name only
# the landlord.
awk -F'\t' '{ n = split($4, r, ","); if (n != 2) exit 1 }' "$MD/smtp-log/index.tsv" || fail "not 2 envelope recipients"
if grep -l '^To:.*corrtest.test' "$MD"/smtp-log/*.eml >/dev/null; then fail "a persona address in a To header"; fi
# The stored message is what the server got (modulo CRLF).
mid=$(q s "SELECT message_id FROM application WHERE id = 1")
f=$(awk -F'\t' -v m="$mid" '$5 == m { print $1 }' "$MD/smtp-log/index.tsv")
q s "SELECT writefile('stored.eml', raw) FROM message WHERE application = 1 AND direction = 'out'" >/dev/null
tr -d '\r' <"$MD/smtp-log/$f" | cmp -s - stored.eml || fail "the message sent differs from the stored one"
# Events record each sending.
[ "$(q s "SELECT count(*) FROM event WHERE action = 'sent'")" = 100 ] || fail "not 100 'sent' events"

# A rerun sends nothing more.
expect_exit 0 ct -S s send --live --until-done --json
expect_out '^\{"sent":0,'
[ "$(wc -l <"$MD/smtp-log/index.tsv")" = 100 ] || fail "the rerun sent more"
ct -S s stats >/dev/null || fail "stats failed after sending"
