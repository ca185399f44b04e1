# corrtest status: each figure equals what the test works out by hand from
# the changes it makes (and, where it says so, a count made with sqlite3);
# "today" is the study's local date (Europe/Brussels, UTC+1 in December),
# so that a send at 23:30 UTC counts on the next day; the JSON parses; the
# warnings are the pre-flight check's; a read-only copy gives the same.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-11-22T12:00:00Z
new_study s
ct -S s personas >/dev/null
{
	echo 'ref,url,contact_email,contact_name,agent_type,agent,area,price,round,posted_on,title'
	for i in 1 2 3 4 5 6 7 8; do
		echo "L$i,https://immo.be/$i,verhuur$i@kantoor$i.be,Kantoor $i,agency,Kantoor $i,Gent,900,1,2026-11-20,Studio"
	done
} >l.csv
ct -S s listings import l.csv >/dev/null
ct -S s assign >/dev/null
q() { sqlite3 s/study.db "$1"; }
# app REF POSITION: the application id.
app() { q "SELECT a.id FROM application a JOIN listing l ON l.id = a.listing WHERE l.ref = '$1' AND a.position = $2"; }
set_app() { q "UPDATE application SET $3 WHERE id = $(app "$1" "$2")"; }
[ "$(q 'SELECT count(*) FROM application')" = 16 ] || fail "not 16 applications"

# Now: Wednesday 2026-12-09, 11:30 in Brussels. Today runs to 2026-12-09T23:00Z.
export CORRTEST_NOW=2026-12-09T10:30:00Z
set_app L1 1 "status = 'sent', sent_at = '2026-12-07T09:00:00Z'"
set_app L1 2 "status = 'sent', sent_at = '2026-12-08T22:30:00Z'"    # 23:30 on the 8th
set_app L3 1 "status = 'sent', sent_at = '2026-12-08T23:30:00Z'"    # 00:30 on the 9th
set_app L3 2 "status = 'bounced', sent_at = '2026-11-20T10:00:00Z'" # before the 14 days
set_app L4 1 "status = 'failed'"
set_app L4 2 "status = 'cancelled'"
q "UPDATE listing SET channel = 'phone' WHERE ref = 'L2'"
q "UPDATE listing_contact SET contact_phone = '+32 9 000 00 02' WHERE listing = (SELECT id FROM listing WHERE ref = 'L2')"
set_app L2 1 "scheduled_at = '2026-12-08T10:00:00Z'"          # overdue
set_app L2 2 "scheduled_at = '2026-12-09T15:00:00Z'"          # due today
set_app L5 1 "channel = 'sms', scheduled_at = '2026-12-09T22:30:00Z'" # due today (23:30)
q "UPDATE listing_contact SET contact_phone = '+32 9 000 00 05' WHERE listing = (SELECT id FROM listing WHERE ref = 'L5')"
set_app L5 2 "scheduled_at = '2026-12-09T23:30:00Z'"          # tomorrow 00:30
set_app L6 1 "scheduled_at = '2026-12-09T10:29:00Z'"          # overdue by a minute
set_app L6 2 "scheduled_at = '2026-12-09T10:30:00Z'"          # due now: today
set_app L7 1 "scheduled_at = '2026-12-12T10:00:00Z'"          # a Saturday: outside the days
set_app L7 2 "scheduled_at = '2026-12-14T10:00:00Z'"
q "UPDATE listing SET status = 'withdrawn' WHERE ref = 'L8'"
q "UPDATE application SET scheduled_at = '2026-12-01T10:00:00Z' WHERE listing = (SELECT id FROM listing WHERE ref = 'L8')"
# Messages: a reply to L1/1 not coded; its second delivery; a reply to L1/2
# that was coded; an unlinked reply; a bounce of L3/2 and an unlinked bounce.
a11=$(app L1 1) a12=$(app L1 2) a32=$(app L3 2)
q "INSERT INTO message (id, application, direction, sha256, at, kind) VALUES (101, $a11, 'in', 'h1', '2026-12-08T08:00:00Z', 'reply')"
q "INSERT INTO message (application, direction, sha256, at, kind, duplicate_of) VALUES ($a11, 'in', 'h1', '2026-12-08T08:01:00Z', 'reply', 101)"
q "INSERT INTO message (application, direction, sha256, at, kind) VALUES ($a12, 'in', 'h2', '2026-12-09T08:00:00Z', 'reply')"
q "INSERT INTO response (application, channel, outcome, coder, coded_at) VALUES ($a12, 'email', 'info', 'tester', '2026-12-09T09:00:00Z')"
q "INSERT INTO message (application, direction, sha256, at, kind) VALUES (NULL, 'in', 'h3', '2026-12-09T08:30:00Z', 'reply')"
q "INSERT INTO message (application, direction, sha256, at, kind) VALUES ($a32, 'in', 'h4', '2026-11-20T10:05:00Z', 'bounce')"
q "INSERT INTO message (application, direction, sha256, at, kind) VALUES (NULL, 'in', 'h5', '2026-11-20T10:06:00Z', 'bounce')"

expect_exit 0 ct -S s status --json
cp out.txt status.json
python3 - <<'PY' || fail "status --json differs from the hand count"
import json
d = json.load(open("status.json"))
want = {
    "today": "2026-12-09", "timezone": "Europe/Brussels",
    "listings": {"active": 7, "withdrawn": 1},
    "due_today": 3, "overdue": 2, "replies_to_code": 1, "unlinked": 2, "bounces": 2,
}
for k, v in want.items():
    assert d[k] == v, (k, d[k], v)
a = d
assert a["by_status"] == {"total": 16, "planned": 10, "sending": 0, "sent": 3, "bounced": 1, "failed": 1, "cancelled": 1}, a["by_status"]
ch = {r["channel"]: r for r in a["by_channel"]}
assert list(ch) == ["smtp", "phone", "sms"], list(ch)
assert ch["smtp"] == {"channel": "smtp", "total": 13, "planned": 7, "sending": 0, "sent": 3, "bounced": 1, "failed": 1, "cancelled": 1}, ch["smtp"]
assert ch["phone"]["total"] == 2 and ch["phone"]["planned"] == 2, ch["phone"]
assert ch["sms"]["total"] == 1 and ch["sms"]["planned"] == 1, ch["sms"]
days = d["sent_per_day"]
assert len(days) == 14 and days[0]["date"] == "2026-11-26" and days[-1]["date"] == "2026-12-09", days
sent = {x["date"]: x["sent"] for x in days}
assert sent["2026-12-07"] == 1 and sent["2026-12-08"] == 1 and sent["2026-12-09"] == 1, sent
assert sum(sent.values()) == 3, sent
# The pre-flight check's warnings (the Saturday send), and its error count
# (the preset's shared phone at least).
codes = [w["code"] for w in d["warning_list"]]
assert "outside-hours" in codes, codes
assert all(w["severity"] == "warning" for w in d["warning_list"])
assert d["warnings"] == len(d["warning_list"])
assert d["preflight_errors"] >= 1, d["preflight_errors"]
PY
# The same figures counted with sqlite3, by the definitions in the usage.
[ "$(q "SELECT count(*) FROM application WHERE status = 'planned'")" = 10 ] || fail "sqlite3: planned"
[ "$(q "SELECT count(*) FROM application a JOIN listing l ON l.id = a.listing WHERE a.status = 'planned' AND l.status = 'active' AND a.scheduled_at < '2026-12-09T10:30:00Z'")" = 2 ] || fail "sqlite3: overdue"
[ "$(q "SELECT count(*) FROM application a JOIN listing l ON l.id = a.listing WHERE a.status = 'planned' AND l.status = 'active' AND a.scheduled_at >= '2026-12-09T10:30:00Z' AND a.scheduled_at < '2026-12-09T23:00:00Z'")" = 3 ] || fail "sqlite3: due today"
[ "$(q "SELECT count(*) FROM message WHERE direction = 'in' AND application IS NULL AND duplicate_of IS NULL")" = 2 ] || fail "sqlite3: unlinked"
# The check's error count is the status's.
set +e
ct -S s check --json >check.json 2>/dev/null
set -e
python3 -c 'import json; assert json.load(open("check.json"))["errors"] == json.load(open("status.json"))["preflight_errors"]' ||
	fail "status and check count different errors"

# For people: the same numbers.
expect_exit 0 ct -S s status
expect_out '^today +2026-12-09$'
expect_out '^ +active +7$'
expect_out '^ +withdrawn +1$'
expect_out '^smtp +13 +7 +0 +3 +1 +1 +1$'
expect_out '^all +16 +10 +0 +3 +1 +1 +1$'
expect_out '^due today +3$'
expect_out '^overdue +2$'
expect_out '^replies to code +1$'
expect_out '^unlinked messages +2$'
expect_out '^bounces +2$'
expect_out '^2026-12-08 +1$'
expect_out '^warning outside-hours: '
expect_out "see 'corrtest check'"
cp out.txt status.txt

# A read-only copy answers the same (as another user when run as root).
cp -r s r
chmod -R a-w r
reader() { if [ "$(id -u)" = 0 ]; then setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; else "$@"; fi; }
chmod 755 .
set +e
reader "$CORRTEST" -S r status >ro.txt 2>ro.err
rc=$?
set -e
[ $rc = 0 ] || { cat ro.err; fail "status on a read-only copy exited $rc"; }
# Figures equal (the study's folder name differs in no figure).
grep -v 'pre-flight\|^error\|^warning' status.txt >a.txt
grep -v 'pre-flight\|^error\|^warning' ro.txt >b.txt
cmp -s a.txt b.txt || { diff a.txt b.txt; fail "the read-only copy gives other figures"; }
chmod -R u+w r
echo "ok: status"
