# decline: invitations (one answered by e-mail and linked by fetch, one by
# phone) are withdrawn politely, exactly once each, as replies in the
# landlord's thread, counted at the landlords' mailboxes; --dry-run and
# reruns send nothing; a run that died after sending is completed from the
# Sent folder without sending again; no password appears anywhere.
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send-lib.sh"
LL="/usr/bin/python3 $E2E_DIR/landlord.py"
mail_start
mail_study s 3
expect_exit 0 ct -S s send --live --json
backdate_sent s
expect_out '"sent":6,'
logged() { wc -l <"$MD/smtp-log/index.tsv"; }
row() { q s "SELECT a.id || ' ' || a.message_id || ' ' || p.email FROM application a JOIN persona p ON p.id = a.persona JOIN listing l ON l.id = a.listing WHERE l.ref = '$1' AND a.position = $2"; }
set -- $(row L1 1)
a1=$1 mid1=$2 p1=$3
set -- $(row L3 1)
a3=$1 mid3=$2 p3=$3
subj1=$(q s "SELECT raw FROM message WHERE application = $a1 AND direction = 'out'" | sed -n 's/^Subject: //p')

# Landlord 1 invites by e-mail (2 hours before "now"); fetch links it.
rmid=$($LL "$MD/env" landlord1@example.test "ll-pw-1-$$" "$p1" "Re: $subj1" --in-reply-to "$mid1" \
	--date "Mon, 01 Mar 2027 10:00:00 +0000" --body "Kom gerust zaterdag om 10 uur kijken.")
expect_exit 0 ct -S s fetch --json
expect_out '"replies":1,'
[ "$(q s "SELECT application FROM message WHERE message_id = '$rmid'")" = "$a1" ] || fail "the invitation is not linked"
expect_exit 0 ct -S s log "$a1" --outcome invitation --channel email
# Landlord 3 invites by phone, two days ago (late); nothing was linked.
expect_exit 0 ct -S s log "$a3" --outcome invitation --channel phone --at 2027-02-27T12:00:00Z
# Another application is refused: nothing to decline there.
set -- $(row L2 1)
expect_exit 0 ct -S s log "$1" --outcome refusal --channel email

before=$(logged)
ll1=$("$M/count.sh" "$MD" landlord1@example.test)
ll3=$("$M/count.sh" "$MD" landlord3@example.test)
snap=$(snapshot s)
expect_exit 0 ct -S s decline --dry-run
expect_out "Dry run: 2 withdrawals would be sent"
expect_out "^In-Reply-To: $rmid"
expect_out "Intussen heb ik elders iets gevonden"
[ "$(logged)" = "$before" ] || fail "--dry-run sent something"
[ "$(snapshot s)" = "$snap" ] || fail "--dry-run changed the study"

expect_exit 0 ct -S s decline --json
cp out.txt decline.json
cp err.txt decline.err
/usr/bin/python3 - decline.json "$a1" "$a3" "$rmid" "$mid3" <<'PY' || { cat decline.json; fail "decline --json is not as expected"; }
import json, sys
path, a1, a3, rmid, mid3 = sys.argv[1:]
d = {x["application"]: x for x in json.load(open(path))}
assert sorted(d) == sorted([int(a1), int(a3)]), d
x = d[int(a1)]
assert x["sent"] and not x["dry_run"] and x["in_reply_to"] == rmid and x["to"] == "landlord1@example.test", x
assert abs(x["waited_hours"] - 2.0) < 0.01 and not x["late"] and x["limit_hours"] == 24, x
y = d[int(a3)]
assert y["sent"] and y["in_reply_to"] == mid3 and y["to"] == "landlord3@example.test", y
assert abs(y["waited_hours"] - 48.0) < 0.01 and y["late"], y
PY
grep -q "1 invitation waited longer than decline_within_hours = 24" decline.err || { cat decline.err; fail "the late one is not flagged"; }
# Counted at the server: exactly one more message each, and nothing else.
[ "$(logged)" = $((before + 2)) ] || fail "the server took $(( $(logged) - before )) messages, not 2"
[ "$("$M/count.sh" "$MD" landlord1@example.test)" = $((ll1 + 1)) ] || fail "landlord1 did not get exactly one withdrawal"
[ "$("$M/count.sh" "$MD" landlord3@example.test)" = $((ll3 + 1)) ] || fail "landlord3 did not get exactly one withdrawal"
# The withdrawal as landlord 1 received it: threaded, from the persona, polite, in Dutch.
dmid=$(q s "SELECT m.message_id FROM decline d JOIN message m ON m.id = d.message WHERE d.application = $a1")
f=$(grep -l "^Message-Id: $dmid\|^Message-ID: $dmid" "$MD"/mail/landlord1@example.test/new/* "$MD"/mail/landlord1@example.test/cur/* 2>/dev/null | head -1)
[ -n "$f" ] || fail "the withdrawal $dmid is not in landlord1's INBOX"
/usr/bin/python3 - "$f" "$rmid" "$mid1" "$p1" "$subj1" <<'PY' || fail "the withdrawal is not a proper reply"
import sys
from email import message_from_binary_file, policy
path, rmid, mid1, persona, subj = sys.argv[1:]
m = message_from_binary_file(open(path, "rb"), policy=policy.default)
assert m["In-Reply-To"] == rmid, m["In-Reply-To"]
assert m["References"].split() == [mid1, rmid], m["References"]
assert m["From"].addresses[0].addr_spec == persona, m["From"]
assert m["To"].addresses[0].addr_spec == "landlord1@example.test", m["To"]
assert str(m["Subject"]) == "Re: " + subj, (str(m["Subject"]), subj)
body = m.get_body(("plain",)).get_content()
assert "Intussen heb ik elders iets gevonden" in body and "Met vriendelijke groeten" in body, body
PY
[ "$(q s "SELECT count(*) FROM decline")" = 2 ] || fail "not 2 decline rows"
[ "$(q s "SELECT count(*) FROM event WHERE action = 'decline'")" = 2 ] || fail "not 2 decline events"
[ "$("$M/count.sh" "$MD" "$p1" Sent)" = "$(q s "SELECT count(*) FROM message WHERE direction = 'out' AND mailbox = '$p1'")" ] ||
	fail "the withdrawal was not filed in $p1's Sent folder"

# Reruns and dry runs send nothing.
expect_exit 0 ct -S s decline --json
[ "$(cat out.txt)" = "[]" ] || fail "a rerun found something to decline: $(cat out.txt)"
expect_exit 0 ct -S s decline --dry-run
expect_out "Dry run: 0 withdrawals"
[ "$(logged)" = $((before + 2)) ] || fail "a rerun sent something"

# A run that died after sending but before recording: the stored
# withdrawal is found in the Sent folder and recorded, not sent again.
q s "DELETE FROM decline WHERE application = $a3"
expect_exit 0 ct -S s decline
expect_out "sent \(earlier run\)"
[ "$(logged)" = $((before + 2)) ] || fail "the recovered withdrawal was sent again"
[ "$(q s "SELECT count(*) FROM decline")" = 2 ] || fail "the recovered withdrawal is not recorded"
# A run that died after sending but before filing it in Sent: the self
# copy in the persona's INBOX tells that it left; it is filed and recorded,
# not sent again.
dmid3=$(q s "SELECT m.message_id FROM decline d JOIN message m ON m.id = d.message WHERE d.application = $a3")
[ "$(grep -l "^Message-I[dD]: $dmid3" "$MD"/mail/$p3/new/* "$MD"/mail/$p3/cur/* 2>/dev/null | wc -l)" = 1 ] ||
	fail "no self copy of the withdrawal in $p3's INBOX"
sent3=$(grep -l "^Message-I[dD]: $dmid3" "$MD"/mail/$p3/.Sent/new/* "$MD"/mail/$p3/.Sent/cur/* 2>/dev/null || :)
[ -n "$sent3" ] || fail "the withdrawal is not in $p3's Sent folder"
q s "DELETE FROM decline WHERE application = $a3"
rm -f $sent3
expect_exit 0 ct -S s decline
expect_out "sent \(earlier run\)"
[ "$(logged)" = $((before + 2)) ] || fail "the withdrawal found in INBOX was sent again"
[ "$(q s "SELECT count(*) FROM decline")" = 2 ] || fail "the withdrawal found in INBOX is not recorded"
[ "$(grep -l "^Message-I[dD]: $dmid3" "$MD"/mail/$p3/.Sent/new/* "$MD"/mail/$p3/.Sent/cur/* 2>/dev/null | wc -l)" = 1 ] ||
	fail "the withdrawal found in INBOX was not filed in Sent once"

# The landlord answers the withdrawal: fetch links it to the same application.
r2=$($LL "$MD/env" landlord1@example.test "ll-pw-1-$$" "$p1" "Re: Re: $subj1" --in-reply-to "$dmid" --body "Jammer, succes.")
expect_exit 0 ct -S s fetch --json
expect_out '"replies":1,'
[ "$(q s "SELECT application || ' ' || link_method FROM message WHERE message_id = '$r2'")" = "$a1 in_reply_to" ] ||
	fail "the answer to the withdrawal is not linked to $a1"

# No password in the study folder, the outputs or the server's log of what
# it received.
grep -o 'password = .*' s/secrets.ini | cut -d' ' -f3- >pw.txt
[ -s pw.txt ] || fail "no passwords read"
while read -r p; do
	if grep -rqF -- "$p" decline.json decline.err out.txt err.txt "$MD/smtp-log"; then fail "a password leaked"; fi
	if find s -type f ! -name secrets.ini -exec grep -qF -- "$p" {} \; -print | grep -q .; then fail "a password is in the study folder"; fi
	if sqlite3 s/study.db .dump | grep -qF -- "$p"; then fail "a password is in the database"; fi
done <pw.txt
echo "ok: decline"
