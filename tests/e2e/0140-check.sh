# corrtest check, the pre-flight check: a new study (the preset as it
# comes) is named for its fictitious persona phones ('#' placeholders) and
# its .invalid mail domain and exits 1; one number for every persona is
# named as shared; a study made correct exits 0; then each finding is triggered on
# its own copy of the correct study, by one change made by hand, and the
# check names it (code and subject) and nothing else that is an error.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-11-22T12:00:00Z

# codes FILE: the error codes of a check --json, sorted and unique, one line.
codes() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
print(" ".join(sorted({f["code"] for f in d["findings"] if f["severity"] == "error"})))' "$1"
}
# has CODE SUBJECT_PART: out.txt (check --json) holds a finding CODE whose
# subject contains SUBJECT_PART.
has() {
	python3 -c 'import json,sys; d=json.load(open("out.txt"))
sys.exit(0 if any(f["code"] == sys.argv[1] and sys.argv[2] in (f["subject"] or "") for f in d["findings"]) else 1)' "$1" "$2" ||
		{ cat out.txt; fail "no finding $1 about '$2'"; }
}
# only CODES: the errors found are exactly CODES (sorted, space-separated).
only() { got=$(codes out.txt); [ "$got" = "$1" ] || { cat out.txt; fail "errors '$got', wanted '$1'"; }; }

# 1. A new study, as init makes it.
new_study s
expect_exit 1 ct -S s check
expect_out '^error +placeholder-phone: .*\+32 460 00 00 01, \+32 460 00 00 02'
expect_out '^error +reserved-domain: .*corrtest\.invalid'
expect_out '^[0-9]+ errors, [0-9]+ warnings\.$'
# Errors come before warnings.
awk '/^warning/ { w = 1 } /^error/ && w { exit 1 }' out.txt || fail "an error after a warning"
expect_exit 1 ct -S s check --json
has placeholder-phone belgian.female
has reserved-domain belgian.female
has personas-not-drawn belgian.female
has no-listings ""
# Nothing read secrets or changed the study.
ct -S s personas >/dev/null
expect_exit 1 ct -S s check --json
has placeholder-phone african.male
# One real-looking number for everyone: shared, and named so.
# Before the drawn personas follow study.ini, check names the difference;
# after ('personas' applies it: nothing was sent), the shared number.
sed -i 's/^phone = .*/phone = +32 470 12 34 56/' s/study.ini
expect_exit 1 ct -S s check
expect_out "^error +persona-phone: persona belgian.male has the phone number '\+32 460 00 00 02', study.ini says '\+32 470 12 34 56'"
ct -S s personas >/dev/null 2>&1
expect_exit 1 ct -S s check
expect_out '^error +shared-phone: .*\+32 470 12 34 56'

# 2. The study made correct: its own domain, a phone per persona, a mail
# server (never contacted: check does not connect), a password per mailbox,
# listings with contacts and one agent each.
new_study ok
sed -i -e 's/^mail_domain = .*/mail_domain = woonstudie-gent.be/' \
	-e 's|^smtp_url =.*|smtp_url = smtps://mail.woonstudie-gent.be:465|' \
	-e 's|^imap_url =.*|imap_url = imaps://mail.woonstudie-gent.be:993|' ok/study.ini
awk '/^\[group .*\]$/ { g[n++] = substr($0, 8, length($0) - 8) } { print }
	/^\[phones\]$/ { for (i = 0; i < n; i++) printf "%s.female = +32 470 12 %02d 01\n%s.male = +32 470 12 %02d 02\n", g[i], i, g[i], i }' \
	ok/study.ini >ini.tmp && mv ini.tmp ok/study.ini
ct -S ok personas >/dev/null
{
	echo 'ref,url,contact_email,contact_name,agent_type,agent,area,price,round,posted_on,title'
	for i in 1 2 3 4 5 6 7 8; do
		echo "L$i,https://immo.be/$i,verhuur$i@kantoor$i.be,Kantoor $i,agency,Kantoor $i,Gent,900,1,2026-11-20,Studio"
	done
} >l.csv
ct -S ok listings import l.csv >/dev/null
expect_exit 1 ct -S ok check --json
has not-assigned ""
ct -S ok assign >/dev/null
umask 077
for e in $(sqlite3 ok/study.db "SELECT email FROM persona ORDER BY id"); do
	printf '[%s]\npassword = pw-%s\n' "$e" "$e"
done >ok/secrets.ini
umask 022
expect_exit 0 ct -S ok check
expect_out '^0 errors, 0 warnings\.$'
expect_exit 0 ct -S ok check --json
python3 -c 'import json; d = json.load(open("out.txt")); assert d["errors"] == 0 and d["findings"] == [], d' ||
	fail "the correct study has findings"
# No password is shown.
if grep -q 'pw-' out.txt; then fail "a password in the output"; fi

# variant NAME: a fresh copy of the correct study in NAME.
variant() { rm -rf "$1"; cp -r ok "$1"; chmod 600 "$1/secrets.ini"; }
q() { sqlite3 "$1/study.db" "$2"; }

# shared-mailbox: two addresses that differ in case only (mailboxes, and
# the secrets file, ignore case).
variant m
a=$(q m "SELECT email FROM persona WHERE id = 1")
q m "UPDATE persona SET email = upper('$a') WHERE id = 2"
expect_exit 1 ct -S m check --json
only shared-mailbox
has shared-mailbox belgian.female

# reserved-domain as an error: personas at example.org (a study.ini that
# says so too, so that nothing else disagrees).
variant r
sed -i 's/^mail_domain = .*/mail_domain = example.org/' r/study.ini
q r "UPDATE persona SET email = replace(email, '@woonstudie-gent.be', '@mail.example.org')"
sed -i 's/^mail_domain = .*/mail_domain = mail.example.org/' r/study.ini
sed -i 's/@woonstudie-gent.be\]/@mail.example.org]/' r/secrets.ini
expect_exit 1 ct -S r check --json
only reserved-domain
has reserved-domain belgian.female
# ... and a warning when the mail server is on loopback (a rehearsal).
sed -i -e 's|^smtp_url =.*|smtp_url = smtp://127.0.0.1:2525|' \
	-e 's|^imap_url =.*|imap_url = imap://127.0.0.1:1143|' r/study.ini
expect_exit 0 ct -S r check
expect_out '^warning reserved-domain: .*mail\.example\.org.*loopback'

# placeholder-phone: a listing fielded by phone, written by a persona whose
# number (in study.ini and as drawn) is a placeholder.
variant p
lid=$(q p "SELECT a.listing FROM application a JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp WHERE g.name = 'belgian' AND p.gender = 'female' ORDER BY a.id LIMIT 1")
q p "UPDATE listing SET channel = 'phone' WHERE id = $lid; UPDATE listing_contact SET contact_phone = '+32 9 123 45 67' WHERE listing = $lid"
sed -i 's/^belgian.female = .*/belgian.female = +32 460 000000/' p/study.ini
q p "UPDATE persona SET phone = '+32 460 000000' WHERE email = (SELECT p.email FROM persona p JOIN grp g ON g.id = p.grp WHERE g.name = 'belgian' AND p.gender = 'female')"
expect_exit 1 ct -S p check --json
only placeholder-phone
has placeholder-phone belgian.female

# no-contact: a portal listing without its URL; a phone listing without a
# number; an smtp listing without an address (which compose cannot build
# either: its template finding comes too).
variant c
q c "UPDATE listing SET channel = 'portal', url = NULL WHERE ref = 'L2'"
expect_exit 1 ct -S c check --json
only no-contact
has no-contact L2
q c "UPDATE listing SET channel = 'sms' WHERE ref = 'L3'"
q c "UPDATE listing_contact SET contact_email = NULL WHERE listing = (SELECT id FROM listing WHERE ref = 'L4')"
expect_exit 1 ct -S c check --json
has no-contact L3
has no-contact L4
[ "$(python3 -c 'import json; print(sum(f["code"] == "no-contact" for f in json.load(open("out.txt"))["findings"]))')" = 3 ] ||
	fail "not 3 no-contact findings"

# mail-config, no-mail-server: a plain-text URL to a real host; no URL.
variant k
sed -i 's|^smtp_url =.*|smtp_url = smtp://mail.woonstudie-gent.be:25|' k/study.ini
expect_exit 1 ct -S k check --json
only mail-config
sed -i 's|^smtp_url =.*|smtp_url =|' k/study.ini
expect_exit 1 ct -S k check --json
only no-mail-server

# no-secrets: no file; a file others may read. no-secret: one mailbox left out.
variant x
mv x/secrets.ini x/away.ini
expect_exit 1 ct -S x check --json
only no-secrets
mv x/away.ini x/secrets.ini
chmod 644 x/secrets.ini
expect_exit 1 ct -S x check
expect_out 'no-secrets: .*chmod 600'
chmod 600 x/secrets.ini
third=$(q x "SELECT email FROM persona ORDER BY id LIMIT 1 OFFSET 2")
awk -v e="[$third]" '$0 == e { skip = 2 } skip { skip--; next } { print }' x/secrets.ini >x/s.tmp
mv x/s.tmp x/secrets.ini
chmod 600 x/secrets.ini
expect_exit 1 ct -S x check --json
only no-secret
has no-secret maghrebi.female
if grep -q 'pw-' out.txt; then fail "a password in the output"; fi

# template: a listing without the area its messages need.
variant t
q t "UPDATE listing SET area = NULL WHERE ref = 'L5'"
expect_exit 1 ct -S t check --json
only template
grep -q 'L5' out.txt || fail "the template finding does not name the listing"

# persona-profile, persona-phone, persona-mail-domain: study.ini edited
# after the personas were drawn.
variant d
sed -i 's/^age = .*/age = 32/' d/study.ini
expect_exit 1 ct -S d check --json
only persona-profile
[ "$(python3 -c 'import json; print(sum(f["code"] == "persona-profile" for f in json.load(open("out.txt"))["findings"]))')" = 8 ] ||
	fail "not one persona-profile finding per persona"
variant d
sed -i 's/^turkish.male = .*/turkish.male = +32 470 99 99 99/' d/study.ini
expect_exit 1 ct -S d check --json
only persona-phone
has persona-phone turkish.male
variant d
sed -i 's/^mail_domain = .*/mail_domain = andere-studie.be/' d/study.ini
expect_exit 1 ct -S d check --json
only persona-mail-domain
has persona-mail-domain african.female

# outside-hours (a warning): one application moved to a Saturday.
variant h
q h "UPDATE application SET scheduled_at = '2026-12-12T10:00:00Z' WHERE id = 3"
expect_exit 0 ct -S h check --json
has outside-hours "application 3"
python3 -c 'import json; d = json.load(open("out.txt")); assert d["errors"] == 0 and d["warnings"] == 1, d' ||
	fail "outside-hours is not one warning"

# agent-collision: two listings of one agent, both written by the same
# control persona two days apart (agent_gap_days = 7); the other persona
# of each pair is put eleven days apart. Two listings with the same control
# persona: the same gender.
variant g
set -- $(q g "SELECT a1.listing, a2.listing, a1.persona FROM application a1 JOIN application a2 ON a2.persona = a1.persona AND a2.listing > a1.listing JOIN persona p ON p.id = a1.persona JOIN grp gr ON gr.id = p.grp WHERE gr.role = 'control' ORDER BY a1.listing, a2.listing LIMIT 1" | tr '|' ' ')
la=$1 lb=$2 pp=$3
q g "UPDATE listing SET agent_key = (SELECT agent_key FROM listing WHERE id = $la) WHERE id = $lb"
q g "UPDATE application SET scheduled_at = '2026-12-07T09:00:00Z' WHERE listing = $la AND persona = $pp"
q g "UPDATE application SET scheduled_at = '2026-12-09T09:00:00Z' WHERE listing = $lb AND persona = $pp"
q g "UPDATE application SET scheduled_at = '2026-12-07T11:00:00Z' WHERE listing = $la AND persona != $pp"
q g "UPDATE application SET scheduled_at = '2026-12-18T11:00:00Z' WHERE listing = $lb AND persona != $pp"
a1=$(q g "SELECT id FROM application WHERE listing = $la AND persona = $pp")
a2=$(q g "SELECT id FROM application WHERE listing = $lb AND persona = $pp")
expect_exit 1 ct -S g check --json
only agent-collision
has agent-collision "applications $a1 and $a2"
python3 -c 'import json; d = json.load(open("out.txt")); assert d["min_agent_gap_days"] == 2, d["min_agent_gap_days"]' ||
	fail "the smallest gap is not 2 days"
expect_exit 1 ct -S g check
expect_out "^Smallest gap .*: 2\.00 days \(applications $a1 and $a2\)\."
# At exactly the gap (7 days) it is no collision.
q g "UPDATE application SET scheduled_at = '2026-12-14T09:00:00Z' WHERE listing = $lb AND persona = $pp"
expect_exit 0 ct -S g check
echo "ok: check"
