# fetch, bounces: a landlord address that bounces (the server accepts the
# message, then returns a multipart/report DSN to the persona), an MTA's
# plain-text bounce (Exim style, no multipart/report), and a bounce that
# names nothing we know (linked by hand). Each marks its application
# bounced with the reason, and stats excludes the pair.
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send-lib.sh"
mail_start
mail_study s 4
echo landlord2@example.test >"$MD/faults/bounce_to"
expect_exit 0 ct -S s send --live --json
expect_out '"sent":8,'
rm "$MD/faults/bounce_to"
[ "$("$M/count.sh" "$MD" landlord2@example.test)" = 0 ] || fail "the bounced address got mail"
[ "$(find "$MD/smtp-log/dsn" -name '*.eml' | wc -l)" = 2 ] || fail "the server made no 2 DSNs"

# The DSNs come back to both personas of listing L2.
expect_exit 0 ct -S s fetch --json
expect_out '"bounces":2,'
expect_out '"unlinked":0,'
[ "$(q s "SELECT count(*) FROM application a JOIN listing l ON l.id = a.listing WHERE l.ref = 'L2' AND a.status = 'bounced' AND a.last_error LIKE '5.1.1%'")" = 2 ] ||
	fail "L2's applications are not bounced with the 5.1.1 reason: $(q s "SELECT status, last_error FROM application")"
[ "$(q s "SELECT count(*) FROM application WHERE status = 'bounced'")" = 2 ] || fail "other applications bounced"
[ "$(q s "SELECT count(*) FROM message WHERE kind = 'bounce' AND link_method = 'returned_id'")" = 2 ] ||
	fail "the DSNs were not linked by the returned Message-ID"
[ "$(q s "SELECT count(*) FROM event WHERE action = 'bounce'")" = 2 ] || fail "no bounce events"
expect_exit 0 ct -S s stats --json
expect_out '"bounced": ?1,'

# An Exim-style text bounce for L3's first application, delivered by the
# MTA (envelope sender <>) to its persona.
set -- $(q s "SELECT a.id || ' ' || a.message_id || ' ' || p.email FROM application a JOIN persona p ON p.id = a.persona JOIN listing l ON l.id = a.listing WHERE l.ref = 'L3' AND a.position = 1")
a3=$1 mid3=$2 p3=$3
cat >bounce.eml <<EOF
From: Mail Delivery System <Mailer-Daemon@mx.example.test>
To: $p3
Subject: Mail delivery failed: returning message to sender
Message-ID: <exim-bounce-$$@mx.example.test>
Date: Mon, 01 Mar 2027 11:00:00 +0000

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  landlord3@example.test
    host mx.example.test [192.0.2.1]
    SMTP error from remote mail server after RCPT TO:<landlord3@example.test>:
    550 5.2.1 Mailbox disabled

------ This is a copy of the message, including all the headers. ------

From: $p3
To: landlord3@example.test
Subject: Huurwoning
Message-ID: $mid3

Beste, ...
EOF
"$M/deliver.sh" "$MD" "$p3" "" <bounce.eml
# A bounce that names neither a Message-ID nor a recipient we know.
set -- $(q s "SELECT a.id || ' ' || p.email FROM application a JOIN persona p ON p.id = a.persona JOIN listing l ON l.id = a.listing WHERE l.ref = 'L4' AND a.position = 2")
a4=$1 p4=$2
printf 'From: postmaster@relay.example.test\nTo: %s\nSubject: Undeliverable: your message\nMessage-ID: <ndr-%s@relay.example.test>\n\nDelivery has failed to these recipients or groups:\n\nsomeone@elsewhere.example\nRemote Server returned 550 5.1.10 RESOLVER.ADR.RecipientNotFound\n' \
	"$p4" "$$" | "$M/deliver.sh" "$MD" "$p4" ""
expect_exit 0 ct -S s fetch --json
expect_out '"new":2,'
expect_out '"bounces":2,'
expect_out '"unlinked":1,'
[ "$(q s "SELECT status FROM application WHERE id = $a3")" = bounced ] || fail "the text bounce did not mark application $a3"
q s "SELECT last_error FROM application WHERE id = $a3" | grep -q "550 5.2.1 Mailbox disabled" ||
	fail "the reason is not kept: $(q s "SELECT last_error FROM application WHERE id = $a3")"
expect_exit 0 ct -S s stats --json
expect_out '"bounced": ?2,'
# The unlinked bounce, linked by hand, marks its application too.
expect_exit 0 ct -S s fetch --unlinked --json
expect_out '"kind":"bounce"'
unl=$(sed -n 's/^\[{"message":\([0-9]*\),.*/\1/p' out.txt)
expect_exit 0 ct -S s link "$unl" "$a4"
[ "$(q s "SELECT status FROM application WHERE id = $a4")" = bounced ] || fail "a bounce linked by hand did not mark $a4"
q s "SELECT last_error FROM application WHERE id = $a4" | grep -q "5.1.10" || fail "no reason for $a4"
expect_exit 0 ct -S s stats --json
expect_out '"bounced": ?3,'
expect_exit 0 ct -S s stats
expect_out 'bounced'
# Linked to the wrong application: moved with --force, the bounce leaves
# $a4 sent again (no other bounce names it) and marks the other one.
a4b=$(q s "SELECT a.id FROM application a JOIN listing l ON l.id = a.listing WHERE l.ref = 'L4' AND a.position = 1")
expect_exit 0 ct -S s link "$unl" "$a4b" --force
[ "$(q s "SELECT status || ' ' || coalesce(last_error, '-') FROM application WHERE id = $a4")" = "sent -" ] ||
	fail "moving the bounce did not put $a4 back: $(q s "SELECT status, last_error FROM application WHERE id = $a4")"
[ "$(q s "SELECT status FROM application WHERE id = $a4b")" = bounced ] || fail "the bounce did not mark $a4b"
[ "$(q s "SELECT count(*) FROM event WHERE action = 'bounce-undone' AND subject = 'application $a4'")" = 1 ] ||
	fail "no event for putting $a4 back"
expect_exit 0 ct -S s stats --json
expect_out '"bounced": ?3,'
# Nothing is deleted: the bounced messages are stored raw.
[ "$(q s "SELECT count(*) FROM message WHERE kind = 'bounce' AND raw IS NOT NULL")" = 4 ] || fail "bounces not stored"
echo "ok: bounces"
