# fetch reads replies that mail software writes imperfectly, as a person
# would: (a) a Subject of two base64 encoded words, the first ending in '='
# padding, whose second word names the listing's ref (linked by the ref;
# the expected subject is Python's email.header decoding); (c) a malformed
# Content-Type (read as plain text); (d) UTF-8 text with one bad byte (only
# that byte replaced); (f) a delivery report whose report part cannot be
# read (a bounce, reason unknown); (e) a bounce reason longer than 500 bytes
# (cut between characters: valid UTF-8 in the study).
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send-lib.sh"
mail_start
mail_study s 4
expect_exit 0 ct -S s send --live --json
expect_out '"sent":8,'
# app REF POS: "id message_id persona_email".
app() { q s "SELECT a.id || ' ' || a.message_id || ' ' || p.email FROM application a JOIN persona p ON p.id = a.persona JOIN listing l ON l.id = a.listing WHERE l.ref = '$1' AND a.position = $2"; }
deliver() { "$M/deliver.sh" "$MD" "$1" "${2:-}"; }

# (a) From a colleague's address, no threading: only the ref links it.
set -- $(app L2 1)
a2=$1 p2=$3
subj=$(/usr/bin/python3 -c 'import base64
w = lambda s: "=?UTF-8?B?" + base64.b64encode(s.encode()).decode() + "?="
print(w("Réponse : ") + " " + w("votre demande (réf. L2) à Gent"))')
expected_subj=$(/usr/bin/python3 -c 'import email.header, sys
print(str(email.header.make_header(email.header.decode_header(sys.argv[1]))))' "$subj")
[ "$expected_subj" = "Réponse : votre demande (réf. L2) à Gent" ] || fail "python decodes '$subj' as '$expected_subj'"
printf 'From: Agence <colleague@elsewhere.test>\nTo: %s\nSubject: %s\nMessage-ID: <enc-a@elsewhere.test>\nDate: Mon, 01 Mar 2027 10:00:00 +0100\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nLibre samedi.\n' \
	"$p2" "$subj" | deliver "$p2"
# (c) and (d): from L1's landlord (linked by sender).
set -- $(app L1 1)
a1=$1 p1=$3
printf 'From: landlord1@example.test\nTo: %s\nSubject: woning\nMessage-ID: <ct-c@example.test>\nContent-Type: ;charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nDe woning is vrij =E2=80=93 kom zaterdag.\n' \
	"$p1" | deliver "$p1"
set -- $(app L1 2)
a1b=$1 p1b=$3
printf 'From: landlord1@example.test\nTo: %s\nSubject: woning\nMessage-ID: <bad-d@example.test>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\nCaf\303\251 \351t\303\251 cr\303\250me\n' \
	"$p1b" | deliver "$p1b"
# (f) A report without its report part, quoting the inquiry's Message-ID.
set -- $(app L3 1)
a3=$1 mid3=$2 p3=$3
printf 'From: MAILER-DAEMON@mx.example.test\nTo: %s\nSubject: Returned mail\nMessage-ID: <dsn-f@mx.example.test>\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="nowhere"\n\nYour message could not be sent.\n\nMessage-ID: %s\n' \
	"$p3" "$mid3" | deliver "$p3" ""
# (e) A report with a 600-byte diagnostic of accented letters.
set -- $(app L4 2)
a4=$1 mid4=$2 p4=$3
long=$(/usr/bin/python3 -c 'print("x" + "é" * 300)')
printf 'From: MAILER-DAEMON@mx.example.test\nTo: %s\nSubject: Undelivered Mail Returned to Sender\nMessage-ID: <dsn-e@mx.example.test>\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="R"\n\n--R\nContent-Type: text/plain\n\nFailed.\n--R\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.test\n\nFinal-Recipient: rfc822; landlord4@example.test\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 %s\n--R\nContent-Type: text/rfc822-headers\n\nMessage-ID: %s\n--R--\n' \
	"$p4" "$long" "$mid4" | deliver "$p4" ""

expect_exit 0 ct -S s fetch --json
expect_out '"new":13,'
expect_out '"bounces":2,'
# (a)
[ "$(q s "SELECT application || ' ' || link_method FROM message WHERE message_id = '<enc-a@elsewhere.test>'")" = "$a2 subject_ref" ] ||
	fail "(a) not linked by the ref in the second encoded word: $(q s "SELECT application, link_method, subject FROM message WHERE message_id = '<enc-a@elsewhere.test>'")"
got=$(q s "SELECT subject FROM message WHERE message_id = '<enc-a@elsewhere.test>'")
[ "$got" = "$expected_subj" ] || fail "(a) subject stored as '$got', wanted '$expected_subj'"
# (c)
id=$(q s "SELECT id FROM message WHERE message_id = '<ct-c@example.test>'")
expect_exit 0 ct -S s fetch --show "$id"
expect_out "De woning is vrij – kom zaterdag."
# (d)
id=$(q s "SELECT id FROM message WHERE message_id = '<bad-d@example.test>'")
expect_exit 0 ct -S s fetch --show "$id"
expect_out "Café �té crème"
# (f)
[ "$(q s "SELECT status FROM application WHERE id = $a3")" = bounced ] ||
	fail "(f) the unreadable report did not mark application $a3 bounced: $(q s "SELECT kind, link_method FROM message WHERE message_id = '<dsn-f@mx.example.test>'")"
q s "SELECT last_error FROM application WHERE id = $a3" | grep -q "reason unknown" || fail "(f) reason"
# (e)
[ "$(q s "SELECT status FROM application WHERE id = $a4")" = bounced ] || fail "(e) not bounced"
q s "SELECT hex(last_error) FROM application WHERE id = $a4" | /usr/bin/python3 -c '
import sys
b = bytes.fromhex(sys.stdin.read().strip())
b.decode("utf-8")  # raises on a cut character
assert len(b) <= 500 and b.startswith("5.1.1 550 xé".encode()), b[:40]' || fail "(e) the reason is cut inside a character"
echo "ok: fetch decodes imperfect replies"
