# log: record an outcome by hand for a sent application (by id or by
# REF:GROUP:GENDER); a later log replaces the outcome and says so; times in
# the study's zone or with an offset; refusals leave the study unchanged.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-12-10T12:00:00Z CORRTEST_ACTOR=tester
new_study s
ct -S s personas >/dev/null
ct -S s listings add --ref L1 --agent-type private >/dev/null
ct -S s listings add --ref L2 --agent-type agency >/dev/null
# Sending is a later issue: the applications are written here directly,
# as assign would plan them, and the first pair is marked sent.
q() { sqlite3 s/study.db "$1"; }
app() { # LISTING GROUP GENDER POSITION VARIANT
	q "INSERT INTO application (listing, persona, variant, position, scheduled_at)
	   SELECT l.id, p.id, $5, $4, '2026-12-07T09:00:00Z' FROM listing l, persona p JOIN grp g ON g.id = p.grp
	   WHERE l.ref = '$1' AND g.name = '$2' AND p.gender = '$3'"
}
app L1 belgian female 1 1
app L1 maghrebi female 2 2
app L2 belgian male 2 3
app L2 turkish male 1 1
q "UPDATE application SET status = 'sent', sent_at = '2026-12-07T09:00:00Z' WHERE listing = (SELECT id FROM listing WHERE ref = 'L1')"
id1=$(q "SELECT a.id FROM application a JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp WHERE g.name = 'belgian' AND p.gender = 'female'")
id3=$(q "SELECT a.id FROM application a JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp WHERE g.name = 'belgian' AND p.gender = 'male'")

# December in Brussels is UTC+1: 14:30 local is 13:30Z.
expect_exit 0 ct -S s log "$id1" --outcome invitation --channel phone --at "2026-12-08 14:30" --note "visit on Friday, 10:00"
expect_out "Logged invitation \(phone\) for application $id1 \(listing L1, belgian female\)"
[ "$(q "SELECT outcome, channel, at, coder, coded_at, note, message IS NULL FROM response WHERE application = $id1")" = \
	"invitation|phone|2026-12-08T13:30:00Z|tester|2026-12-10T12:00:00Z|visit on Friday, 10:00|1" ] || fail "response row"
[ "$(q "SELECT subject, detail FROM event WHERE action = 'log'")" = \
	"application $id1|outcome=invitation channel=phone" ] || fail "log event"

# By listing, group and gender; a time with a zone is taken as given.
expect_exit 0 ct -S s log L1:maghrebi:female --outcome no_reply --channel email --at 2026-12-09T08:00:00Z
[ "$(q "SELECT r.outcome, r.at FROM response r JOIN application a ON a.id = r.application JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp WHERE g.name = 'maghrebi'")" = \
	"no_reply|2026-12-09T08:00:00Z" ] || fail "log by REF:GROUP:GENDER"
# Refs differ only in case name one listing (as in 'listings'); group and
# gender are taken in any case, as import takes them.
expect_exit 0 ct -S s log l1:Maghrebi:FEMALE --outcome refusal --channel email --at 2026-12-09T09:00:00Z
expect_out "for application [0-9]+ \(listing L1, maghrebi female\)"
[ "$(q "SELECT r.outcome FROM response r JOIN application a ON a.id = r.application JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp WHERE g.name = 'maghrebi' ORDER BY r.id DESC LIMIT 1")" = \
	refusal ] || fail "log by a ref in another case"

# A second log replaces the first: both rows stay, the latest wins.
expect_exit 0 ct -S s log "$id1" --outcome refusal --channel email --at "2026-12-08T15:30+01:00"
expect_out "replaces the earlier outcome invitation \(phone\)"
[ "$(q "SELECT count(*) FROM response WHERE application = $id1")" = 2 ] || fail "append-only"
[ "$(q "SELECT outcome, at FROM response WHERE application = $id1 ORDER BY id DESC LIMIT 1")" = \
	"refusal|2026-12-08T14:30:00Z" ] || fail "latest row"
# A reply cannot come before the message it answers (sent 2026-12-07
# 09:00Z): refused, naming the send time, and nothing is recorded.
before=$(snapshot s)
expect_exit 2 ct -S s log "$id1" --outcome info --channel sms --at "2026-07-01 10:00"
expect_err "the reply time 2026-07-01 10:00 \(2026-07-01T08:00:00Z\) is before application $id1 was sent \(2026-12-07 10:00, 2026-12-07T09:00:00Z\), both in Europe/Brussels"
[ "$(snapshot s)" = "$before" ] || fail "a reply before the send changed the study"
expect_exit 2 ct -S s log "$id1" --outcome info --channel sms --at "2026-12-07 09:59"
# Summer time: UTC+2 (on an application sent in June for the purpose). A
# bare date is local midnight.
q "UPDATE application SET sent_at = '2026-06-30T09:00:00Z' WHERE id = $id1"
expect_exit 0 ct -S s log "$id1" --outcome info --channel sms --at "2026-07-01 10:00"
[ "$(q "SELECT at FROM response WHERE application = $id1 ORDER BY id DESC LIMIT 1")" = "2026-07-01T08:00:00Z" ] || fail "summer time"
q "UPDATE application SET sent_at = '2026-12-07T09:00:00Z' WHERE id = $id1"
expect_exit 0 ct -S s log "$id1" --outcome other --channel manual --at 2026-12-08
[ "$(q "SELECT at FROM response WHERE application = $id1 ORDER BY id DESC LIMIT 1")" = "2026-12-07T23:00:00Z" ] || fail "bare date"
expect_exit 0 ct -S s log "$id1" --outcome invitation --channel voicemail
[ "$(q "SELECT at IS NULL FROM response WHERE application = $id1 ORDER BY id DESC LIMIT 1")" = 1 ] || fail "no --at"

# Refusals: each exits 2 with a clear message and changes nothing.
before=$(snapshot s)
unchanged() { [ "$(snapshot s)" = "$before" ] || fail "study changed: $*"; }
expect_exit 2 ct -S s log "$id3" --outcome invitation --channel email
expect_err "corrtest log: application $id3 was not sent"
expect_exit 2 ct -S s log L2:turkish:male --outcome invitation --channel email
expect_err "was not sent"
expect_exit 2 ct -S s log 999 --outcome invitation --channel email
expect_err "no application 999 in the study"
expect_exit 2 ct -S s log L9:belgian:female --outcome invitation --channel email
expect_err "no application of listing 'L9' for group belgian, female"
expect_exit 2 ct -S s log L1:belgian --outcome invitation --channel email
expect_err "is not an application"
expect_exit 2 ct -S s log "$id1" --outcome yes --channel email
expect_err "--outcome 'yes' is not one of invitation, info, refusal, other or no_reply"
expect_exit 2 ct -S s log "$id1" --outcome invitation --channel fax
expect_err "--channel 'fax' is not one of email, phone, sms, voicemail, portal, webmail or manual"
expect_exit 2 ct -S s log "$id1" --outcome invitation
expect_err "--channel is required"
expect_exit 2 ct -S s log "$id1" --channel email
expect_err "--outcome is required"
expect_exit 2 ct -S s log "$id1" --outcome invitation --channel email --at "2026-02-30 10:00"
expect_err "--at '2026-02-30 10:00' is not a time"
expect_exit 2 ct -S s log "$id1" --outcome invitation --channel email --at tomorrow
expect_err "is not a time"
expect_exit 2 ct -S s log "$id1" --outcome invitation --channel email --note "$(printf 'a\nBcc: x')"
expect_err "--note contains a line break"
expect_exit 2 ct -S s log --outcome invitation --channel email
expect_exit 2 ct -S s log "$id1" "$id1" --outcome invitation --channel email
unchanged "refused logs"
