# followup on a listing fielded by hand (portal): the follow-up takes the
# channel its refused application went by, and comes on the field worklist
# once due (not before) with the follow-up text as the landlord reads it,
# checked against templates/followup/nl.txt filled in here; field sent
# records it, log records its answer; stats --json is the same as before.
# Then (study s2) a side with no response yet: no follow-up until it is
# due, and one planned is cancelled and leaves the worklist once the other
# side is invited too.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-12-09T18:00:00Z CORRTEST_ACTOR=tester
S=s
q() { sqlite3 $S/study.db "$1"; }
side() { q "SELECT a.id FROM application a JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp WHERE g.role = '$1' AND a.kind = 'main'"; }
# A portal study $S with one listing, both sides sent in the pair's order
# on Wednesday 9 December; c and t: the control and test applications.
portal_study() {
	new_study $S
	sed -i -e 's/^channel = smtp$/channel = portal/' -e 's/^mail_domain = .*/mail_domain = woonstudie-gent.be/' $S/study.ini
	awk '/^\[group .*\]$/ { g[n++] = substr($0, 8, length($0) - 8) } { print }
		/^\[phones\]$/ { for (i = 0; i < n; i++) printf "%s.female = +32 470 12 %02d 01\n%s.male = +32 470 12 %02d 02\n", g[i], i, g[i], i }' \
		$S/study.ini >ini.tmp && mv ini.tmp $S/study.ini
	ct -S $S personas >/dev/null
	ct -S $S listings add --ref L1 --agent-type private --url "https://listings.example/1" \
		--contact-email l1@example.be --agent "Agent 1" --area Ledeberg --title "Appartement 1" >/dev/null
	ct -S $S assign >/dev/null
	c=$(side control) t=$(side test)
	expect_exit 0 ct -S $S field sent "$(q "SELECT id FROM application WHERE position = 1")" --at "2026-12-09 13:05"
	expect_exit 0 ct -S $S field sent "$(q "SELECT id FROM application WHERE position = 2")" --at "2026-12-09 16:20"
}
portal_study
export CORRTEST_NOW=2026-12-10T18:00:00Z
expect_exit 0 ct -S s log "$c" --outcome invitation --channel portal --at 2026-12-10T09:00:00Z
expect_exit 0 ct -S s log "$t" --outcome refusal --channel portal --at 2026-12-10T10:00:00Z
ct -S s stats --json >stats0.json

# Thursday 10 December 10:00 Brussels + 48 hours is Saturday: the
# follow-up is due at the window's next opening, Monday 14 December 09:00
# in Brussels (08:00 UTC), by the portal.
expect_exit 0 ct -S s followup --json
python3 - "$t" <<'PY' || fail "followup planned something else"
import json, sys
j = json.load(open("out.txt"))
assert j["planned"] == 1, j
f = j["followups"][0]
assert f["follows"] == int(sys.argv[1]) and f["channel"] == "portal", f
assert f["scheduled_at"] == "2026-12-14T08:00:00Z", f
PY
fu=$(q "SELECT id FROM application WHERE kind = 'followup'")

# Not on the worklist before it is due.
export CORRTEST_NOW=2026-12-11T12:00:00Z
expect_exit 0 ct -S s field list --json
python3 -c "
import json; assert all(i['application'] != $fu for i in json.load(open('out.txt')))" ||
	fail "the follow-up is on the worklist before it is due"
# Due: on the worklist, from the refused persona, with the follow-up text.
export CORRTEST_NOW=2026-12-14T12:00:00Z
expect_exit 0 ct -S s field list --json
q "SELECT p.first_name || ' ' || p.last_name, p.email FROM application a JOIN persona p ON p.id = a.persona WHERE a.id = $t" >persona.txt
python3 - "$fu" "$TOP/templates/followup/nl.txt" <<'PY' || fail "the worklist does not carry the follow-up as written"
import json, sys
fu, tpl = int(sys.argv[1]), sys.argv[2]
name, email = open("persona.txt").read().strip().split("|")
items = [i for i in json.load(open("out.txt")) if i["application"] == fu]
assert len(items) == 1, items
it = items[0]
assert it["persona"] == name and it["persona_email"] == email, it
assert it["channel"] == "portal" and it["contact"] == "https://listings.example/1", it
# The template filled in by hand: its comment line dropped, the subject
# line and the body after the empty line.
lines = open(tpl, encoding="utf-8").read().split("\n")
while lines[0].startswith("#"):
    lines.pop(0)
vals = {"{{listing.title|Uw advertentie}}": "Appartement 1", "{{listing.ref}}": "L1",
        "{{persona.full_name}}": name}
def fill(s):
    for k, v in vals.items():
        s = s.replace(k, v)
    return s
subject = fill(lines[0][len("Subject: "):])
body = fill("\n".join(lines[2:]).rstrip("\n") + "\n")
assert it["subject"] == subject, (it["subject"], subject)
assert it["body"] == body, (it["body"], body)
assert "{{" not in body and "Is dit nog beschikbaar?" in body
PY
expect_exit 0 ct -S s field sent "$fu" --at "2026-12-14 09:30"
[ "$(q "SELECT status || ' ' || sent_via FROM application WHERE id = $fu")" = "sent portal" ] || fail "not recorded as sent"
expect_exit 0 ct -S s log "$fu" --outcome invitation --channel portal --at 2026-12-14T11:00:00Z
[ "$(q "SELECT outcome FROM response WHERE application = $fu")" = invitation ] || fail "the answer is not logged"
ct -S s stats --json | cmp -s - stats0.json || fail "stats --json changed"
# The pair's protocol is the main kind's: the follow-up, written after its
# pair, is no deviation from it.
expect_exit 0 ct -S s field deviations --json
python3 -c "
import json; j = json.load(open('out.txt'))
assert j['deviations'] == [] and sum(j['counts'].values()) == 0, j" || fail "field deviations counts the follow-up"

# s2: the control is invited 20 hours after sending (Thursday 10 December
# 08:05 UTC), the test side has no response yet. Not a refusal yet: no
# follow-up until one would be due, 48 hours later (Saturday 12 December,
# so Monday 14 December 09:00 in Brussels, 08:00 UTC).
S=s2
export CORRTEST_NOW=2026-12-09T18:00:00Z
portal_study
export CORRTEST_NOW=2026-12-10T18:00:00Z
expect_exit 0 ct -S s2 log "$c" --outcome invitation --channel portal --at 2026-12-10T08:05:00Z
expect_exit 0 ct -S s2 followup --json
python3 -c "
import json; j = json.load(open('out.txt'))
assert j['planned'] == 0 and j['differing'] == 0 and j['waiting'] == 1, j" ||
	fail "a follow-up was planned before the other side had until its due time"
export CORRTEST_NOW=2026-12-14T08:00:00Z
expect_exit 0 ct -S s2 followup --json
python3 - "$t" <<'PY' || fail "no follow-up once the unanswered side's time was up"
import json, sys
j = json.load(open("out.txt"))
assert j["planned"] == 1 and j["differing"] == 1 and j["waiting"] == 0, j
f = j["followups"][0]
assert f["follows"] == int(sys.argv[1]) and f["follows_outcome"] == "none", f
assert f["scheduled_at"] == "2026-12-14T08:00:00Z", f
PY
fu2=$(q "SELECT id FROM application WHERE kind = 'followup'")
export CORRTEST_NOW=2026-12-14T12:00:00Z
expect_exit 0 ct -S s2 field list --json
python3 -c "
import json; assert [i for i in json.load(open('out.txt')) if i['application'] == $fu2]" ||
	fail "the due follow-up is not on the worklist"
# The test side is invited too: the pair no longer differs. --dry-run
# says so and changes nothing; field list cancels the follow-up and no
# longer shows it; the next followup run finds nothing left to cancel.
expect_exit 0 ct -S s2 log "$t" --outcome invitation --channel portal --at 2026-12-14T10:00:00Z
ct -S s2 stats --json >stats2.json
expect_exit 0 ct -S s2 followup --dry-run --json
python3 -c "
import json; j = json.load(open('out.txt'))
assert j['differing'] == 0 and j['cancelled'] == 1 and j['planned'] == 0, j" ||
	fail "followup --dry-run does not see the stale follow-up"
[ "$(q "SELECT status FROM application WHERE id = $fu2")" = planned ] || fail "--dry-run changed the study"
expect_exit 0 ct -S s2 field list --json
python3 -c "
import json; assert all(i['application'] != $fu2 for i in json.load(open('out.txt')))" ||
	fail "the stale follow-up is still on the worklist"
[ "$(q "SELECT status || '|' || cancel_reason FROM application WHERE id = $fu2")" = "cancelled|the pair no longer differs" ] ||
	fail "the stale follow-up is not cancelled"
[ "$(q "SELECT count(*) FROM event WHERE action = 'followup-cancel' AND subject = 'application $fu2'")" = 1 ] ||
	fail "the cancellation is not one event"
expect_exit 0 ct -S s2 followup --json
python3 -c "
import json; j = json.load(open('out.txt'))
assert j['differing'] == 0 and j['cancelled'] == 0 and j['planned'] == 0, j" ||
	fail "followup plans or cancels again"
ct -S s2 stats --json | cmp -s - stats2.json || fail "stats --json changed when the follow-up was cancelled"
expect_exit 0 ct -S s2 verify
