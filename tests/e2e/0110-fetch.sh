# fetch: a study of 20 listings sent live to the loopback mail server; the
# landlords answer as mail clients do (through SMTP with their own logins):
# threaded replies, replies without threading headers from the contact
# address, a reply from another address naming the listing's ref, one that
# cannot be linked (the unlinked queue, then corrtest link), one in
# ISO-8859-1 quoted-printable and one in base64 HTML (decoded text checked),
# and a duplicate delivery (stored raw, not linked twice). Every reply must be linked to the application it
# answers (checked against the assignment); the personas' self copies are
# recognised; a rerun fetches nothing; a new UIDVALIDITY re-reads a folder
# without storing anything twice; no password appears anywhere.
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send-lib.sh"
LL="/usr/bin/python3 $E2E_DIR/landlord.py"
mail_start
mail_study s 20
expect_exit 0 ct -S s send --live --json
expect_out '"sent":40,'
"$M/adduser.sh" "$MD" other@example.test "other-pw-$$"

# app REF POS: "id message_id persona_email" of the application of listing
# REF in position POS (1 = who wrote first), from the assignment.
app() { q s "SELECT a.id || ' ' || a.message_id || ' ' || p.email FROM application a JOIN persona p ON p.id = a.persona JOIN listing l ON l.id = a.listing WHERE l.ref = '$1' AND a.position = $2"; }
pw() { echo "ll-pw-${1#L}-$$"; }
# reply REF POS FROM PASSWORD SUBJECT [landlord.py options]: sends, and
# remembers "message_id expected_app expected_method ref" in expect.txt.
: >expect.txt
reply() {
	ref=$1 pos=$2 from=$3 pass=$4 subj=$5 method=$6
	shift 6
	set -- $(app "$ref" "$pos") "$@"
	id=$1 mid=$2 to=$3
	shift 3
	sent=$($LL "$MD/env" "$from" "$pass" "$to" "$subj" "$@") || fail "sending a reply failed"
	echo "$sent $id $method $ref" >>expect.txt
}
irt() { app "$1" "$2" | cut -d' ' -f2; }

# 1-2: threaded replies (In-Reply-To + References; References only).
reply L1 1 landlord1@example.test "$(pw L1)" "Re: uw vraag" in_reply_to --in-reply-to "$(irt L1 1)"
reply L2 2 landlord2@example.test "$(pw L2)" "Re: uw vraag" in_reply_to --references "<older@example.test> $(irt L2 2)"
# 3-4: no threading headers, from the listing's contact address.
reply L3 1 landlord3@example.test "$(pw L3)" "Bezichtiging" sender
reply L4 2 landlord4@example.test "$(pw L4)" "Uw e-mail" sender
# 5: another address (a colleague), the listing's ref in the subject; and
# L12 must not be taken for L1 (the persona may have written to both).
reply L5 1 other@example.test "other-pw-$$" "Woning L5: bezichtiging" subject_ref
reply L12 1 other@example.test "other-pw-$$" "Re: woning (ref. L12)" subject_ref
# 6: cannot be linked: another address, no ref, no threading.
reply L6 1 other@example.test "other-pw-$$" "Hallo" manual
# 7: ISO-8859-1 quoted-printable, threaded; 8: base64 HTML from the contact.
reply L7 1 landlord7@example.test "$(pw L7)" "Re: woning" in_reply_to --in-reply-to "$(irt L7 1)" --form latin1-qp
reply L8 2 landlord8@example.test "$(pw L8)" "Votre demande" sender --form html-b64
# 9: the same message delivered twice.
reply L9 1 landlord9@example.test "$(pw L9)" "Re: woning" in_reply_to --in-reply-to "$(irt L9 1)" --twice
# 10: one landlord answers both candidates.
reply L10 1 landlord10@example.test "$(pw L10)" "Re: woning" in_reply_to --in-reply-to "$(irt L10 1)"
reply L10 2 landlord10@example.test "$(pw L10)" "Re: woning" in_reply_to --in-reply-to "$(irt L10 2)"
nreplies=$(wc -l <expect.txt)

expect_exit 0 ct -S s fetch --json
cp out.txt fetch1.json
# 40 self copies (send files one in each persona's INBOX) + the replies.
expect_out "\"new\":$((40 + nreplies)),\"duplicates\":1,\"replies\":$((nreplies - 1)),"
expect_out '"linked_by":\{"in_reply_to":6,"sender":3,"subject_ref":2\},"bounces":0,"self":40,"other":0,"unlinked":1,'
# Every message fetched is stored raw: the second delivery of L9's reply
# too (its Received lines differ), as a copy of the first, not linked again.
[ "$(q s "SELECT count(*) FROM message WHERE direction = 'in'")" = $((41 + nreplies)) ] || fail "stored count"
m9=$(awk '$4 == "L9" { print $1 }' expect.txt)
[ "$(q s "SELECT count(*) FROM message WHERE message_id = '$m9' AND raw IS NOT NULL")" = 2 ] ||
	fail "both deliveries of $m9 are not stored raw"
[ "$(q s "SELECT count(*) FROM message c JOIN message o ON o.id = c.duplicate_of WHERE c.message_id = '$m9' AND o.message_id = '$m9' AND c.application IS NULL AND c.kind IS NULL AND o.kind = 'reply'")" = 1 ] ||
	fail "the second delivery of $m9 is not recorded as a copy of the first"
# Every self copy is linked to its own application.
[ "$(q s "SELECT count(*) FROM message m JOIN application a ON a.id = m.application WHERE m.kind = 'self' AND m.message_id = a.message_id")" = 40 ] ||
	fail "self copies not linked to their applications"
# Raw bytes are what the server holds: one sample compared with IMAP.
first=$(head -1 expect.txt | cut -d' ' -f1)
q s "SELECT writefile('stored.eml', raw) FROM message WHERE message_id = '$first'" >/dev/null
grep -q "^Message-ID: $first" stored.eml || grep -qi "^Message-ID: $first" stored.eml || fail "stored raw lacks its Message-ID"

# The unlinked queue, then linking by hand.
expect_exit 0 ct -S s fetch --unlinked --json
unl=$(sed -n 's/^\[{"message":\([0-9]*\),.*/\1/p' out.txt)
[ -n "$unl" ] || fail "the unlinked queue is empty"
expect_out '"from":"other@example.test","subject":"Hallo"'
expect_exit 0 ct -S s fetch --unlinked
expect_out "1 unlinked message"
want6=$(app L6 1 | cut -d' ' -f1)
expect_exit 2 ct -S s link "$unl" 99999
expect_err "no application 99999"
expect_exit 0 ct -S s link "$unl" "$want6"
expect_exit 2 ct -S s link "$unl" "$want6"
expect_err "already linked"
[ "$(q s "SELECT count(*) FROM event WHERE action = 'link' AND subject = 'message $unl'")" = 1 ] || fail "no link event"
expect_exit 0 ct -S s fetch --unlinked --json
[ "$(cat out.txt)" = "[]" ] || fail "the queue is not empty after linking"

# Every reply is on the application it answers, by the expected rule.
while read -r mid id method ref; do
	got=$(q s "SELECT application || ' ' || link_method || ' ' || kind FROM message WHERE message_id = '$mid' AND direction = 'in'")
	[ "$got" = "$id $method reply" ] || fail "reply $mid: got '$got', wanted '$id $method reply'"
done <expect.txt
# Linking records no response: coding comes later.
[ "$(q s "SELECT count(*) FROM response")" = 0 ] || fail "fetch recorded a response"

# Decoded text: Latin-1 quoted-printable and base64 HTML.
m7=$(awk '$4 == "L7" { print $1 }' expect.txt)
m8=$(awk '$4 == "L8" { print $1 }' expect.txt)
id7=$(q s "SELECT id FROM message WHERE message_id = '$m7'")
id8=$(q s "SELECT id FROM message WHERE message_id = '$m8'")
expect_exit 0 ct -S s fetch --show "$id7"
expect_out "Café één keer per week; de woning is nog vrij"
expect_exit 0 ct -S s fetch --show "$id8" --json
expect_out '"text_from_html":true'
expect_out "\"text\":\"Très bien, l'appartement est libre.\\\\n\\\\nVisite mardi \?\\\\nCordialement\\\\n\""
if grep -q 'color' out.txt; then fail "style text in the decoded HTML"; fi

# A rerun fetches nothing new.
expect_exit 0 ct -S s fetch --json
expect_out '"new":0,"duplicates":0,'
expect_exit 0 ct -S s fetch
expect_out "0 new messages"

# A new UIDVALIDITY (the server rebuilt the folder's UID list): the folder
# is read again from UID 1, nothing is stored twice, a new message is found.
p1=$(app L1 1 | cut -d' ' -f3)
inbox=$("$M/count.sh" "$MD" "$p1")
before=$(q s "SELECT uidvalidity FROM mailbox_state WHERE mailbox = '$p1' AND folder = 'INBOX'")
sleep 1 # Dovecot takes the time as the new UIDVALIDITY
rm -f "$MD/mail/$p1/dovecot-uidlist" "$MD/mail/$p1"/dovecot.index*
reply L1 1 landlord1@example.test "$(pw L1)" "Nog een vraag" sender
expect_exit 0 ct -S s fetch --json
expect_out "\"new\":1,\"duplicates\":$inbox,"
after=$(q s "SELECT uidvalidity FROM mailbox_state WHERE mailbox = '$p1' AND folder = 'INBOX'")
[ "$before" != "$after" ] || fail "UIDVALIDITY did not change ($before)"
[ "$(q s "SELECT count(*) FROM event WHERE action = 'fetch.uidvalidity'")" = 1 ] || fail "no uidvalidity event"
[ "$(q s "SELECT count(*) FROM message WHERE direction = 'in'")" = $((42 + nreplies)) ] || fail "stored twice"
[ "$(q s "SELECT count(*) - count(DISTINCT mailbox || message_id) FROM message WHERE direction = 'in' AND duplicate_of IS NULL")" = 0 ] ||
	fail "a Message-ID stored twice in one mailbox"
expect_exit 0 ct -S s fetch --json
expect_out '"new":0,"duplicates":0,'

# A wrong password: that mailbox fails (exit 3, named), the others are read.
p2=$(app L2 2 | cut -d' ' -f3)
cp s/secrets.ini secrets.bak
sed -i "/^\[$p2\]/{n;s/^password = .*/password = wrong-$$/}" s/secrets.ini
expect_exit 3 ct -S s fetch --json
expect_err "$p2"
cp secrets.bak s/secrets.ini
chmod 600 s/secrets.ini
# A secrets file others can read is refused.
chmod 644 s/secrets.ini
expect_exit 2 ct -S s fetch
expect_err "chmod 600"
chmod 600 s/secrets.ini

# The event chain is intact; no password anywhere.
[ "$(q s "SELECT count(*) FROM event WHERE action = 'fetch.store'")" = $((42 + nreplies)) ] || fail "fetch.store events"
grep -o 'password = .*' s/secrets.ini | cut -d' ' -f3- >pw.txt
while read -r p; do
	if grep -rqF -- "$p" s/study.db out.txt err.txt fetch1.json; then fail "a password leaked"; fi
	if sqlite3 s/study.db .dump | grep -qF -- "$p"; then fail "a password is in the database"; fi
done <pw.txt
# A wrong link is worse than none. (a) A subject naming two listings the
# persona wrote to links to neither, also when one ref is longer. (b) The landlord of L10 answers the
# second candidate inside the first one's thread (In-Reply-To the first's
# inquiry): the message is in the second persona's mailbox, so it is the
# second's answer (by sender), never the first's.
mine="FROM application a JOIN listing l ON l.id = a.listing WHERE a.persona = (SELECT persona FROM application WHERE id = $want6)"
ra=$(q s "SELECT l.ref $mine ORDER BY length(l.ref), a.id LIMIT 1")
rb=$(q s "SELECT l.ref $mine ORDER BY length(l.ref) DESC, a.id LIMIT 1")
[ ${#ra} -lt ${#rb} ] || fail "the persona of $want6 wrote to no refs of two lengths ($ra, $rb)"
p6=$(app L6 1 | cut -d' ' -f3)
m_two=$($LL "$MD/env" other@example.test "other-pw-$$" "$p6" "Woningen $ra en $rb") || fail "sending failed"
set -- $(app L10 2)
a10b=$1 p10b=$3
m_cross=$($LL "$MD/env" landlord10@example.test "$(pw L10)" "$p10b" "Re: woning" --in-reply-to "$(irt L10 1)") ||
	fail "sending failed"
expect_exit 0 ct -S s fetch --json
expect_out '"new":2,'
[ "$(q s "SELECT coalesce(application, 'none') FROM message WHERE message_id = '$m_two'")" = none ] ||
	fail "a subject naming $ra and $rb was linked: $(q s "SELECT application, link_method FROM message WHERE message_id = '$m_two'")"
[ "$(q s "SELECT application || ' ' || link_method FROM message WHERE message_id = '$m_cross'")" = "$a10b sender" ] ||
	fail "a reply in the other candidate's thread: $(q s "SELECT application, link_method FROM message WHERE message_id = '$m_cross'")"
echo "ok: fetch ($nreplies replies linked, UIDVALIDITY change, duplicates skipped)"
