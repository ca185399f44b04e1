# followup and retest on the loopback mail server: a pair answered
# differently (landlord 1 invites the control candidate and refuses the
# test candidate; landlord 2 invites both) gets one follow-up from the
# refused candidate, due 48 hours after the invitation; send sends it
# through the delivery engine exactly once, in that candidate's thread;
# the landlord answers it, fetch links the answer to the follow-up (by
# In-Reply-To; without it, to nothing), code codes it. stats --json, the
# report's figures and the main exports are the same as before the
# follow-up (and after the re-test). retest plans two applications on
# another listing of the agent, in the sending window and the agent gap;
# an agent with no listing left, or unknown, is refused (exit 2) with the
# study unchanged.
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send-lib.sh"
LL="/usr/bin/python3 $E2E_DIR/landlord.py"
mail_start
mail_study s 2
expect_exit 0 ct -S s send --live --json
expect_out '"sent":4,'
logged() { wc -l <"$MD/smtp-log/index.tsv"; }
# app REF ROLE: "id message_id persona_email position variant" of the pair's side.
app() {
	q s "SELECT a.id || ' ' || a.message_id || ' ' || p.email || ' ' || a.position || ' ' || a.variant
	     FROM application a JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp
	     JOIN listing l ON l.id = a.listing WHERE l.ref = '$1' AND g.role = '$2' AND a.kind = 'main'"
}
subj() { q s "SELECT raw FROM message WHERE application = $1 AND direction = 'out'" | sed -n 's/^Subject: //p'; }
set -- $(app L1 control)
c1=$1 cmid1=$2 cp1=$3 cpos1=$4 cvar1=$5
set -- $(app L1 test)
t1=$1 tmid1=$2 tp1=$3
set -- $(app L2 control)
c2=$1 cmid2=$2 cp2=$3
set -- $(app L2 test)
t2=$1 tmid2=$2 tp2=$3
inv="De woning is nog beschikbaar. U kunt zaterdag om 10u langskomen voor een bezichtiging."

# The replies, the day after the messages went out.
export CORRTEST_NOW=2027-03-02T12:00:00Z
$LL "$MD/env" landlord1@example.test "ll-pw-1-$$" "$cp1" "Re: $(subj "$c1")" --in-reply-to "$cmid1" \
	--date "Tue, 02 Mar 2027 10:00:00 +0000" --body "$inv" >/dev/null
$LL "$MD/env" landlord1@example.test "ll-pw-1-$$" "$tp1" "Re: $(subj "$t1")" --in-reply-to "$tmid1" \
	--date "Tue, 02 Mar 2027 10:30:00 +0000" --body "Sorry, de woning is al verhuurd." >/dev/null
$LL "$MD/env" landlord2@example.test "ll-pw-2-$$" "$cp2" "Re: $(subj "$c2")" --in-reply-to "$cmid2" \
	--date "Tue, 02 Mar 2027 10:00:00 +0000" --body "$inv" >/dev/null
$LL "$MD/env" landlord2@example.test "ll-pw-2-$$" "$tp2" "Re: $(subj "$t2")" --in-reply-to "$tmid2" \
	--date "Tue, 02 Mar 2027 11:00:00 +0000" --body "$inv" >/dev/null
expect_exit 0 ct -S s fetch --json
expect_out '"replies":4,'
expect_exit 0 ct -S s code
outcome() { q s "SELECT outcome FROM response WHERE application = $1 ORDER BY id DESC LIMIT 1"; }
[ "$(outcome "$c1") $(outcome "$t1") $(outcome "$c2") $(outcome "$t2")" = "invitation refusal invitation invitation" ] ||
	fail "the replies were coded $(outcome "$c1") $(outcome "$t1") $(outcome "$c2") $(outcome "$t2")"

# The study's figures before any follow-up.
ct -S s stats --json >stats0.json
ct -S s export assignments >assignments0.csv
ct -S s export responses >responses0.csv
ct -S s report --out rep0 >/dev/null
python3 "$E2E_DIR/report_compare.py" extract rep0 report rep0.json
# same_figures: stats --json, the main exports and the report's data block
# (but for the event log's length and head, and the time it was made) are
# what they were before.
same_figures() {
	ct -S s stats --json >stats.json
	cmp -s stats0.json stats.json || { diff stats0.json stats.json >&2 || :; fail "stats --json changed ($1)"; }
	ct -S s export assignments | cmp -s - assignments0.csv || fail "export assignments changed ($1)"
	ct -S s export responses | cmp -s - responses0.csv || fail "export responses changed ($1)"
	rm -rf rep && ct -S s report --out rep >/dev/null
	python3 "$E2E_DIR/report_compare.py" extract rep report rep.json
	python3 - "$1" <<'PY' || fail "the report's figures changed ($1)"
import json, sys
a, b = json.load(open("rep0.json")), json.load(open("rep.json"))
for j in (a, b):
    del j["generated_at"], j["study"]["events"], j["study"]["event_head"]
if a != b:
    for k in a:
        if a[k] != b.get(k):
            print(sys.argv[1], "differs in", k, a[k] if k == "study" else "", b.get(k) if k == "study" else "", file=sys.stderr)
    sys.exit(1)
PY
}

# --dry-run plans it and changes nothing.
snap=$(snapshot s)
expect_exit 0 ct -S s followup --dry-run
expect_out 'follow-ups that would be planned +1'
[ "$(snapshot s)" = "$snap" ] || fail "followup --dry-run changed the study"
# One follow-up: the refused candidate of L1, 48 hours after the invitation
# (Thursday 4 March 10:00 UTC, 11:00 in Brussels: inside the window).
expect_exit 0 ct -S s followup --json
python3 - "$t1" "$c1" <<'PY' || fail "followup planned something else"
import json, sys
j = json.load(open("out.txt"))
assert j["differing"] == 1 and j["planned"] == 1 and j["already"] == 0, j
f = j["followups"][0]
assert f["follows"] == int(sys.argv[1]) and f["positive"] == int(sys.argv[2]), f
assert f["listing"] == "L1" and f["follows_outcome"] == "refusal", f
assert f["scheduled_at"] == "2027-03-04T10:00:00Z", f
PY
fu=$(q s "SELECT id FROM application WHERE kind = 'followup'")
[ "$(q s "SELECT count(*) FROM application WHERE kind = 'followup'")" = 1 ] || fail "not one follow-up"
[ "$(q s "SELECT a.follows || ' ' || p.email || ' ' || a.status FROM application a JOIN persona p ON p.id = a.persona WHERE a.id = $fu")" = "$t1 $tp1 planned" ] ||
	fail "the follow-up is not the refused candidate's"
[ "$(q s "SELECT count(*) FROM event WHERE action = 'followup' AND subject = 'application $fu'")" = 1 ] || fail "no followup event"
# Planned again: nothing new.
expect_exit 0 ct -S s followup --json
expect_out '"planned": 0'
same_figures "follow-up planned"

# Not due yet: send sends nothing. (The server's log also holds the
# landlords' replies, which went through it.)
base=$(logged)
expect_exit 0 ct -S s send --live --json
expect_out '^\{"sent":0,'
[ "$(logged)" = "$base" ] || fail "a message went out before the follow-up was due"
# Due: the delivery engine sends it, once.
export CORRTEST_NOW=2027-03-04T12:00:00Z
expect_exit 0 ct -S s send --live --json
expect_out '^\{"sent":1,'
expect_exit 0 ct -S s send --live --json
expect_out '^\{"sent":0,'
[ "$(logged)" = $((base + 1)) ] || fail "the server accepted $(($(logged) - base)) messages, not 1"
[ "$("$M/count.sh" "$MD" landlord1@example.test)" = 3 ] || fail "landlord 1 did not get the follow-up once"
[ "$("$M/count.sh" "$MD" landlord2@example.test)" = 2 ] || fail "landlord 2 got a follow-up"
delivered_ok s
fmid=$(q s "SELECT message_id FROM application WHERE id = $fu AND status = 'sent'")
[ -n "$fmid" ] || fail "the follow-up is not sent"
# What landlord 1 got: the stored message, from the refused candidate, in
# the thread of that candidate's first message, "Re:" its subject.
f=$(awk -F'\t' -v m="$fmid" '$5 == m { print $1 }' "$MD/smtp-log/index.tsv")
q s "SELECT writefile('followup.eml', raw) FROM message WHERE application = $fu AND direction = 'out'" >/dev/null
tr -d '\r' <"$MD/smtp-log/$f" | cmp -s - followup.eml || fail "the follow-up sent differs from the stored one"
withdrawal_ok followup.eml "$tmid1" "$tmid1" "$tp1" landlord1@example.test "Re: $(subj "$t1")" \
	"Is dit nog beschikbaar?" "$(q s "SELECT first_name || ' ' || last_name FROM persona WHERE email = '$tp1'")"

# The landlord answers the follow-up: fetch links it to the follow-up by
# In-Reply-To, code codes it like any reply.
rmid=$($LL "$MD/env" landlord1@example.test "ll-pw-1-$$" "$tp1" "Re: Re: $(subj "$t1")" --in-reply-to "$fmid" \
	--date "Thu, 04 Mar 2027 13:00:00 +0000" --body "$inv")
# An answer without In-Reply-To or References: the persona has two
# applications to this landlord's listing, so the linker cannot choose and
# leaves it unlinked (corrtest link decides).
umid=$($LL "$MD/env" landlord1@example.test "ll-pw-1-$$" "$tp1" "Re: $(subj "$t1")" \
	--date "Thu, 04 Mar 2027 13:30:00 +0000" --body "$inv")
export CORRTEST_NOW=2027-03-04T14:00:00Z
expect_exit 0 ct -S s fetch --json
[ "$(q s "SELECT application FROM message WHERE message_id = '$rmid'")" = "$fu" ] || fail "the answer is not linked to the follow-up"
[ "$(q s "SELECT coalesce(application, 'none') FROM message WHERE message_id = '$umid'")" = none ] ||
	fail "an answer without threading was linked"
expect_exit 0 ct -S s code
[ "$(outcome "$fu")" = invitation ] || fail "the follow-up's answer was coded '$(outcome "$fu")'"
[ "$(outcome "$t1")" = refusal ] || fail "the refused application's outcome changed"
expect_exit 0 ct -S s status --json
python3 -c "
import json; j = json.load(open('out.txt'))
f = j['followups']
assert f['total'] == 1 and f['sent'] == 1, f
assert j['by_status']['total'] == 4, j['by_status']" || fail "status does not show the follow-up apart"
same_figures "follow-up sent and answered"

# retest: landlord 1 has no other listing yet: refused, nothing changed.
snap=$(snapshot s)
expect_exit 2 ct -S s retest "Landlord 1"
expect_err "no other active listing that has not been tested: add one with 'corrtest listings add'"
[ "$(snapshot s)" = "$snap" ] || fail "a refused retest changed the study"
expect_exit 2 ct -S s retest "Nobody Here"
expect_err "no listing of the study has this agent"
[ "$(snapshot s)" = "$snap" ] || fail "retest of an unknown agent changed the study"
# Another listing of the same agent, its name typed otherwise.
ct -S s listings add --ref L3 --agent-type private --agent "LANDLORD   1" \
	--contact-email landlord1@example.test >/dev/null
key=$(q s "SELECT agent_key FROM listing WHERE ref = 'L1'")
# A new listing is a new fact of the study (the flow counts it): the
# figures to compare with are taken again, before the re-test.
ct -S s stats --json >stats0.json
rm -rf rep0 && ct -S s report --out rep0 >/dev/null
python3 "$E2E_DIR/report_compare.py" extract rep0 report rep0.json
[ "$(q s "SELECT agent_key FROM listing WHERE ref = 'L3'")" = "$key" ] || fail "L3 is not landlord 1's"
snap=$(snapshot s)
expect_exit 0 ct -S s retest --dry-run "$key"
[ "$(snapshot s)" = "$snap" ] || fail "retest --dry-run changed the study"
expect_exit 0 ct -S s retest --json "landlord 1"
cp out.txt retest.json
q s "SELECT a.id, a.position, a.variant, a.follows, a.persona, a.scheduled_at, a.status, a.kind
     FROM application a JOIN listing l ON l.id = a.listing WHERE l.ref = 'L3' ORDER BY a.position" >l3.txt
q s "SELECT a.id, a.position, a.variant, a.persona, coalesce(a.sent_at, a.scheduled_at) FROM application a
     JOIN listing l ON l.id = a.listing WHERE l.agent_key = '$key' AND l.ref <> 'L3'" >earlier.txt
python3 - "$c1" "$t1" "$key" <<'PY' || fail "the re-test is not as planned"
import datetime as dt, json, sys
from zoneinfo import ZoneInfo
c1, t1, key = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
j = json.load(open("retest.json"))
assert j["agent_key"] == key and j["listing"] == "L3" and j["repeats"] == "L1", j
assert j["repeats_differing"] is True, j
rows = [l.rstrip("\n").split("|") for l in open("l3.txt")]
assert len(rows) == 2, rows
earlier = {int(r[0]): r for r in (l.rstrip("\n").split("|") for l in open("earlier.txt"))}
utc = lambda s: dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
now = utc("2027-03-04T14:00:00Z")
assert {int(r[3]) for r in rows} == {c1, t1}, rows
for aid, pos, var, follows, persona, at, status, kind in rows:
    assert status == "planned" and kind == "retest", (aid, status, kind)
    e = earlier[int(follows)]
    # The same persona as the side it repeats, in the other position,
    # with the other side's variant.
    assert persona == e[3], ("persona", aid, persona, e)
    assert int(pos) == 3 - int(e[1]), ("position", aid, pos, e)
    other = [r for r in earlier.values() if int(r[0]) in (c1, t1) and r[0] != e[0]][0]
    assert var == other[2], ("variant", aid, var, other)
    # In the sending window: Monday to Friday, 09:00-17:00 in Brussels,
    # from tomorrow on.
    t = utc(at)
    loc = t.astimezone(ZoneInfo("Europe/Brussels"))
    assert loc.weekday() < 5 and 9 <= loc.hour < 17, ("window", aid, loc)
    assert loc.date() > now.astimezone(ZoneInfo("Europe/Brussels")).date(), ("tomorrow", aid, loc)
    # At least agent_gap_days (7) after every earlier message of the same
    # persona to this agent, the follow-up included.
    for r in earlier.values():
        if r[3] == persona:
            assert t - utc(r[4]) >= dt.timedelta(days=7), ("agent gap", aid, at, r)
PY
[ "$(q s "SELECT count(*) FROM event WHERE action = 'retest' AND subject = 'listing L3'")" = 1 ] || fail "no retest event"
# A second retest finds no listing left; assign leaves L3 alone.
expect_exit 2 ct -S s retest "Landlord 1"
expect_exit 0 ct -S s assign
[ "$(q s "SELECT count(*) FROM assignment a JOIN listing l ON l.id = a.listing WHERE l.ref = 'L3'")" = 0 ] ||
	fail "assign assigned the re-tested listing"
same_figures "re-test planned"
# The follow-up and the re-test in their own export.
ct -S s export followups >followups.csv
python3 - "$fu" "$t1" <<'PY' || fail "export followups"
import csv, sys
rows = list(csv.DictReader(open("followups.csv")))
assert [r["kind"] for r in rows] == ["followup", "retest", "retest"], rows
f = rows[0]
assert f["application_id"] == sys.argv[1] and f["follows"] == sys.argv[2], f
assert f["outcome"] == "invitation" and f["status"] == "sent" and f["listing_ref"] == "L1", f
assert not any("@" in v for r in rows for v in r.values()), "an address in the export"
PY

# A follow-up planned for L2 while its test side had no response yet (as
# followup did before it waited for the due time; made by hand here),
# due, its pair agreeing since (both invited): send --live cancels it
# before picking what is due, and landlord 2 gets nothing more. (L3,
# which has no area for the templates, is withdrawn first, so that the
# pre-flight check lets send run; its re-tests are not sent.)
ct -S s listings withdraw L3 >/dev/null
q s "INSERT INTO application (listing, persona, scheduled_at, status, channel, kind, follows)
     SELECT listing, persona, '2027-03-04T10:00:00Z', 'planned', channel, 'followup', id
     FROM application WHERE id = $t2"
stale=$(q s "SELECT id FROM application WHERE kind = 'followup' AND follows = $t2")
expect_exit 0 ct -S s send --live --json
[ "$(q s "SELECT status || '|' || cancel_reason || '|' || coalesce(message_id, '') FROM application WHERE id = $stale")" = "cancelled|the pair no longer differs|" ] ||
	fail "send did not cancel the stale follow-up"
[ "$("$M/count.sh" "$MD" landlord2@example.test)" = 2 ] || fail "landlord 2 got the stale follow-up"
[ "$(q s "SELECT count(*) FROM event WHERE action = 'followup-cancel' AND subject = 'application $stale'")" = 1 ] ||
	fail "the cancellation is not one event"
