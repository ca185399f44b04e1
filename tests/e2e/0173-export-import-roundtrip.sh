# export -> import round trip (issue 9): the responses export of a fielded
# study, read by 'import' into a fresh copy of the same assigned study
# (same study.ini, seed, personas, listings), gives the very same stats;
# the exports carry application id, status, channels, times, agent key and
# coder; every text cell is neutralised for spreadsheets.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2027-01-10T10:00:00Z CORRTEST_ACTOR=tester
build() { # DIR: a study with 12 listings, assigned on 1 December, nothing sent
	CORRTEST_NOW=2026-12-01T09:00:00Z; export CORRTEST_NOW
	new_study "$1"
	ct -S "$1" personas >/dev/null
	python3 - >l.csv <<'PY'
print("ref,url,agent_type,area,price")
for i in range(1, 13):
    print("L%03d,https://immo.example/%d,%s,%s,%d" % (i, i, "agency" if i % 3 else "private", "Gent" if i % 2 else "=Ledeberg", 700 + 10 * i))
PY
	ct -S "$1" listings import l.csv >/dev/null
	ct -S "$1" assign >/dev/null
	CORRTEST_NOW=2027-01-10T10:00:00Z
}
build s
db=s/study.db
# Fielded by hand: everything sent but one cancelled application, one
# listing withdrawn; outcomes logged on several channels, every fourth sent
# application unanswered (23 sent: 18 answered, 5 not; 24 applications all
# planned in the fresh copy).
sqlite3 $db "UPDATE application SET status = 'sent', sent_at = scheduled_at, sent_via = 'portal';
UPDATE application SET status = 'cancelled', sent_at = NULL, sent_via = NULL WHERE id = (SELECT max(id) FROM application);"
ct -S s listings withdraw L005 >/dev/null
i=0
for app in $(sqlite3 $db "SELECT id FROM application WHERE status = 'sent' ORDER BY id"); do
	i=$((i + 1))
	case $((i % 4)) in
	0) continue ;; # no reply yet
	1) o=invitation c=phone ;;
	2) o=refusal c=email ;;
	3) o=info c=sms ;;
	esac
	ct -S s log "$app" --outcome $o --channel $c --at '2026-12-28 10:00' >/dev/null
done
ct -S s stats --json >s1.json

expect_exit 0 ct -S s export responses -o r.csv
python3 - r.csv <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
want = ['listing_ref', 'agent_type', 'agent_key', 'round', 'area', 'group', 'gender', 'variant',
        'position', 'status', 'outcome', 'channel', 'application_id', 'listing_status',
        'planned_channel', 'sent_via', 'scheduled_at', 'sent_at', 'replied_at', 'response_hours', 'coder',
        'simulated']
assert list(rows[0].keys()) == want, list(rows[0].keys())
assert len(rows) == 24
assert sorted(int(r['application_id']) for r in rows) == list(range(1, 25))
assert sum(r['status'] == 'cancelled' for r in rows) == 1
assert {r['listing_status'] for r in rows if r['listing_ref'] == 'L005'} == {'withdrawn'}
sent = [r for r in rows if r['status'] == 'sent']
assert all(r['sent_via'] == 'portal' and r['sent_at'].endswith('+01:00') for r in sent)
coded = [r for r in rows if r['outcome']]
assert coded and all(r['coder'] == 'tester' and r['replied_at'] == '2026-12-28T10:00:00+01:00' for r in coded)
# The reply at 10:00 local, the send at its scheduled time: hours between, by hand.
from datetime import datetime
for r in coded:
    h = (datetime.fromisoformat(r['replied_at']) - datetime.fromisoformat(r['sent_at'])).total_seconds() / 3600
    assert abs(float(r['response_hours']) - round(h, 2)) < 0.006, (r['response_hours'], h)
PY
# An area starting with = is neutralised: quoted with a leading '.
grep -q ",\"'=Ledeberg\"," r.csv || fail "formula not neutralised"
expect_exit 0 ct -S s export assignments -o a.csv
head -1 a.csv | grep -qx 'listing_ref,group,gender,persona,variant,position,scheduled_at,application_id,agent_key,planned_channel,status,simulated' ||
	fail "assignments header: $(head -1 a.csv)"

# A fresh copy of the assigned study, and the export read back. The
# '=Ledeberg' cells come back as the export wrote them, so the fresh copy's
# listings are those of the file; the area is not what stats uses.
build t
expect_exit 0 ct -S t import r.csv
expect_out "Imported 18 responses from r.csv: 0 listings created, 0 applications created, 24 planned applications given the file's status, 1 listing withdrawn"
ct -S t stats --json >s2.json
cmp s1.json s2.json || { diff s1.json s2.json | head -20; fail "stats differ after the round trip"; }
# Read back twice, nothing changes in the figures (outcomes replaced by the same).
expect_exit 0 ct -S t import r.csv
ct -S t stats --json >s3.json
cmp s1.json s3.json || fail "stats differ after a second import"
# A file that contradicts the study is refused, the study unchanged.
before=$(snapshot t)
sed 's/,sent,/,bounced,/' r.csv >bad.csv
expect_exit 2 ct -S t import bad.csv
expect_err "column status: 'bounced' contradicts the study"
[ "$(snapshot t)" = "$before" ] || fail "a refused import changed the study"
# A row made up by simulate (simulated = 1) is never imported as real.
python3 - r.csv >sim.csv <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))
k = rows[0].index('simulated')
rows[3][k] = '1'
csv.writer(sys.stdout, lineterminator='\n').writerows(rows)
PY
expect_exit 2 ct -S t import sim.csv
expect_err "sim\.csv:4: column simulated: is 1: the row was made up by 'corrtest simulate'"
[ "$(snapshot t)" = "$before" ] || fail "a refused import changed the study"
