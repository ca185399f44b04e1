# import: a researcher's flow. init, personas, import a response log kept in
# a spreadsheet, then count the pairs with sqlite3. Bad rows are refused with
# their line and column, all or nothing, the study unchanged.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-12-15T10:00:00Z CORRTEST_ACTOR=tester
q() { sqlite3 s/study.db "$1"; }

# Without personas there is nothing to attach the responses to.
new_study bare
before=$(snapshot bare)
expect_exit 2 ct -S bare import "$FIXTURES/responses-good.csv"
expect_err "run 'corrtest personas' first"
[ "$(snapshot bare)" = "$before" ] || fail "bare study changed"

new_study s
ct -S s personas >/dev/null
# One listing is in the study already; the other seven come from the log.
ct -S s listings add --ref L-EXISTING --agent-type private --area Gent >/dev/null
expect_exit 0 ct -S s import "$FIXTURES/responses-good.csv"
expect_out "Imported 15 responses from .*responses-good.csv: 7 listings created, 15 applications created\."
expect_out "1 listing has only one application"

# Counted by hand from the fixture: 8 listings, 7 complete pairs (GENT-107
# has only its control row): maghrebi 3 (GENT-101, GENT-104, L-EXISTING),
# turkish 2 (GENT-102, GENT-105), african 2 (GENT-103, GENT-106).
[ "$(q 'SELECT count(*) FROM listing')" = 8 ] || fail "listings"
[ "$(q "SELECT count(*) FROM application WHERE status = 'sent' AND variant IS NULL AND position IS NULL AND scheduled_at IS NULL")" = 15 ] ||
	fail "applications of an external log: sent, no variant, position or time"
pairs=$(q "SELECT g.name || '=' || count(*) FROM application a JOIN persona p ON p.id = a.persona
	JOIN grp g ON g.id = p.grp WHERE g.role = 'test' AND a.listing IN
	(SELECT a2.listing FROM application a2 JOIN persona p2 ON p2.id = a2.persona JOIN grp g2 ON g2.id = p2.grp
	 WHERE g2.role = 'control') GROUP BY g.name ORDER BY g.name" | tr '\n' ' ')
[ "$pairs" = "african=2 maghrebi=3 turkish=2 " ] || fail "pairs per test group: $pairs"
# Both candidates of every pair share a gender.
[ "$(q 'SELECT count(*) FROM (SELECT listing FROM application a JOIN persona p ON p.id = a.persona GROUP BY listing HAVING count(DISTINCT p.gender) > 1)')" = 0 ] ||
	fail "mixed genders"
# Under the strict definition (invitation), by hand: both invited in GENT-102;
# only the control in GENT-101, GENT-105 and L-EXISTING; only the test
# candidate in GENT-106; neither in GENT-103 and GENT-104.
cells=$(q "SELECT sum(c.outcome = 'invitation' AND t.outcome = 'invitation'), sum(c.outcome = 'invitation' AND t.outcome <> 'invitation'),
	sum(c.outcome <> 'invitation' AND t.outcome = 'invitation'), sum(c.outcome <> 'invitation' AND t.outcome <> 'invitation')
	FROM (SELECT a.listing, r.outcome FROM response r JOIN application a ON a.id = r.application JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp WHERE g.role = 'control') c
	JOIN (SELECT a.listing, r.outcome FROM response r JOIN application a ON a.id = r.application JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp WHERE g.role = 'test') t
	ON t.listing = c.listing")
[ "$cells" = "1|3|1|2" ] || fail "paired cells: $cells"
# Values: local time converted to UTC, a quoted note with a comma, the
# default channel, the coder naming the file, agent_type and round kept.
[ "$(q "SELECT r.at, r.channel, r.coder FROM response r JOIN application a ON a.id = r.application JOIN listing l ON l.id = a.listing JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp WHERE l.ref = 'GENT-101' AND g.name = 'belgian'")" = \
	"2026-12-08T09:15:00Z|email|import:responses-good.csv" ] || fail "GENT-101 control"
[ "$(q "SELECT r.note, r.channel FROM response r JOIN application a ON a.id = r.application JOIN listing l ON l.id = a.listing JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp WHERE l.ref = 'GENT-102' AND g.name = 'belgian'")" = \
	"called back, wants a visit on Friday|phone" ] || fail "GENT-102 note"
[ "$(q "SELECT agent_type, round, area FROM listing WHERE ref = 'GENT-105'")" = "agency|2|" ] || fail "GENT-105 listing"
[ "$(q "SELECT agent_type, area FROM listing WHERE ref = 'GENT-101'")" = "agency|Gent-Centrum" ] || fail "GENT-101 listing"
[ "$(q "SELECT detail FROM event WHERE action = 'import'")" = \
	"rows=15 listings_created=7 applications_created=15 replaced=0 file=responses-good.csv" ] || fail "import event"

# A later log for known applications replaces their outcome; GENT-107 gets
# its test candidate, completing the pair.
cat >later.csv <<'EOF'
listing,group,gender,outcome,channel,at
GENT-101,maghrebi,female,invitation,phone,2026-12-11 11:00
GENT-107,african,female,no_reply,,
EOF
expect_exit 0 ct -S s import later.csv
expect_out "Imported 2 responses .*: 0 listings created, 1 application created, 1 earlier outcome replaced\."
[ "$(q "SELECT r.outcome FROM response r JOIN application a ON a.id = r.application JOIN listing l ON l.id = a.listing JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp WHERE l.ref = 'GENT-101' AND g.name = 'maghrebi' ORDER BY r.id DESC LIMIT 1")" = invitation ] ||
	fail "replaced outcome"

# Bad files: exit 2, every error with its line and column, nothing imported.
before=$(snapshot s)
bad() { # FILE REGEX...
	f=$1; shift
	expect_exit 2 ct -S s import "$f"
	for re in "$@"; do expect_err "$re"; done
	[ "$(snapshot s)" = "$before" ] || fail "study changed by $f"
}
cat >values.csv <<'EOF'
listing,group,gender,outcome,channel,at,agent_type,variant,position
N1,belgian,female,invitation,fax,2026-13-01,agency,,
N1,dutch,female,invitation,,,,,
N2,belgian,x,maybe,,,private,9,3
,belgian,female,invitation,,,,,
EOF
bad values.csv "corrtest import: values.csv:2: column channel: 'fax' is not one of email, phone, sms, voicemail, portal, webmail or manual" \
	"values.csv:2: column at: '2026-13-01' is not a time" \
	"values.csv:3: column group: 'dutch' is not a group of the design \(belgian, maghrebi, turkish, african\)" \
	"values.csv:4: column gender: 'x' is not a gender of the design \(female or male\)" \
	"values.csv:4: column outcome: 'maybe' is not one of" \
	"values.csv:4: column variant: '9' must be a message variant from 1 to 3" \
	"values.csv:4: column position: '3' must be 1" \
	"values.csv:5: column listing: is required" "8 errors in values.csv; nothing was imported"
cat >pairs.csv <<'EOF'
listing,group,gender,outcome,agent_type
P1,belgian,female,invitation,private
P1,maghrebi,female,refusal,
P1,turkish,female,refusal,
P2,maghrebi,male,invitation,agency
P2,african,male,invitation,
P3,belgian,female,invitation,agency
P3,turkish,male,invitation,
P4,belgian,male,info,
P4,maghrebi,male,info,
P5,belgian,female,info,agency
P5,belgian,female,refusal,
GENT-103,turkish,female,refusal,
EOF
bad pairs.csv \
	"pairs.csv:4: column listing: listing P1 would have 3 applications \(the others: line 2 and line 3\)" \
	"pairs.csv:6: column group: listing P2 would have two test groups, maghrebi \(line 5\) and african" \
	"pairs.csv:8: column gender: listing P3 would mix genders, female \(line 7\) and male" \
	"pairs.csv:9: column agent_type: listing P4 is not in the study, and no row gives its agent_type" \
	"pairs.csv:12: column listing: listing P5, group belgian, female appears twice \(lines 11 and 12\)" \
	"pairs.csv:13: column listing: listing GENT-103 would have 3 applications \(the others: application [0-9]+ in the study and application [0-9]+ in the study\)"
printf 'listing,group,gender,outcome,note\nGENT-104,belgian,male,refusal,"line one\nline two"\n' >note.csv
# "GENT-104,belgian,male,refusal," is 30 characters, the quote the 31st:
# the line break after "line one" is the 40th.
bad note.csv "note.csv:2:40: column note: contains a line break"
printf 'listing,group,gender,outcome\nGENT-104,belgian,male,refusal\nGENT-106,"african,male,info\n' >quote.csv
bad quote.csv "quote.csv:3:10: column group: unterminated quoted field"
printf 'listing,group,outcome\nGENT-104,belgian,refusal\n' >nogender.csv
bad nogender.csv "nogender.csv:1: column gender is required but the header lacks it"
printf 'listing,group,gender,outcome,sender\nGENT-104,belgian,male,refusal,x\n' >unknown.csv
bad unknown.csv "unknown.csv:1: column 5 of the header, 'sender', is not a known column"
printf 'listing,group,gender,outcome\nGENT-104,belgian,male,r\351fusal\n' >latin1.csv
bad latin1.csv "latin1.csv:2:24: column outcome: invalid UTF-8 \(byte 0xE9"
# An application that the study planned but never sent takes no outcome.
q "INSERT INTO listing (ref, agent_type, added_at) VALUES ('PLANNED', 'private', '2026-12-01T00:00:00Z')"
q "INSERT INTO application (listing, persona, variant, position) SELECT l.id, p.id, 1, 1 FROM listing l, persona p JOIN grp g ON g.id = p.grp WHERE l.ref = 'PLANNED' AND g.name = 'belgian' AND p.gender = 'male'"
before=$(snapshot s)
printf 'listing,group,gender,outcome\nPLANNED,belgian,male,invitation\n' >planned.csv
bad planned.csv "planned.csv:2: column listing: application [0-9]+ \(listing PLANNED, belgian male\) is planned, not sent"
