# export: assignments and responses as CSV that Python's csv module reads,
# with the documented columns, RFC 4180 quoting, and no contact data.
. "$E2E_DIR/lib.sh"
. "$FIXTURES/assign-lib.sh"
new_study s
people s
add_listings s 1 12
# A reference that needs quoting, and a landlord's contact data that must
# never leave the study.
sqlite3 s/study.db "UPDATE listing SET ref = 'A,\"12\"', agent_key = 'ag-0123456789ab' WHERE ref = 'L012';
INSERT INTO listing_contact(listing, contact_email, contact_name, agent_name)
SELECT id, 'landlord' || id || '@example.org', 'Jan Verhuurder', 'Immo Secret' FROM listing;"
ct -S s assign >/dev/null

expect_exit 0 ct -S s export assignments --csv
cp out.txt a.csv
python3 - a.csv <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))
# Issue 9 added application_id, agent_key, planned_channel, status and simulated.
assert rows[0] == ['listing_ref', 'group', 'gender', 'persona', 'variant', 'position', 'scheduled_at',
                   'application_id', 'agent_key', 'planned_channel', 'status', 'simulated'], rows[0]
body = rows[1:]
assert len(body) == 24, len(body)
assert all(len(r) == 12 for r in body)
assert all(r[10] == 'planned' and r[11] == '0' for r in body)
refs = [r[0] for r in body]
assert refs[-1] == 'A,"12"' and refs[-2] == 'A,"12"', refs[-2:]
assert refs[:2] == ['L001', 'L001']
for r in body:
    assert r[2] in ('female', 'male') and r[3].endswith('@corrtest.invalid')
    assert r[4] in ('1', '2', '3') and r[5] in ('1', '2')
    # local time with the Brussels winter offset
    assert len(r[6]) == 25 and r[6].endswith('+01:00'), r[6]
for i in range(0, len(body), 2):
    assert body[i][0] == body[i + 1][0] and (body[i][5], body[i + 1][5]) == ('1', '2')
PY
grep -q 'example.org\|Verhuurder\|Immo Secret' a.csv && fail "contact data in the export"
grep -q '^"A,""12""",' a.csv || fail "RFC 4180 quoting"
# Without --csv, and to a file: the same bytes.
ct -S s export assignments >b.csv
cmp a.csv b.csv || fail "--csv is the default"
ct -S s export assignments --csv -o c.csv
cmp a.csv c.csv || fail "-o FILE differs from stdout"

# Responses: the latest coded outcome per application.
app=$(sqlite3 s/study.db "SELECT min(id) FROM application")
sqlite3 s/study.db "INSERT INTO response(application, channel, outcome, coder, coded_at) VALUES ($app, 'email', 'info', 'x', '2026-12-09T10:00:00Z'), ($app, 'phone', 'invitation', 'x', '2026-12-10T10:00:00Z')"
expect_exit 0 ct -S s export responses --csv
cp out.txt r.csv
python3 - r.csv <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
# Issue 9 added the application's id, channels, times, coder and simulated after the first twelve.
assert list(rows[0].keys())[:12] == ['listing_ref', 'agent_type', 'agent_key', 'round', 'area', 'group', 'gender',
                                'variant', 'position', 'status', 'outcome', 'channel'], rows[0].keys()
assert list(rows[0].keys())[-1] == 'simulated' and all(r['simulated'] == '0' for r in rows), rows[0].keys()
assert len(rows) == 24
coded = [r for r in rows if r['outcome']]
assert len(coded) == 1 and coded[0]['outcome'] == 'invitation' and coded[0]['channel'] == 'phone', coded
assert all(r['status'] == 'planned' and r['round'] == '1' and r['simulated'] == '0' for r in rows)
assert [r['agent_key'] for r in rows if r['listing_ref'] == 'A,"12"'] == ['ag-0123456789ab'] * 2
PY
grep -q 'example.org\|Verhuurder\|Immo Secret' r.csv && fail "contact data in the responses export"

# Bad usage: unknown kind, no kind, unknown option; nothing written.
expect_exit 2 ct -S s export contacts
expect_err "unknown kind 'contacts'; kinds: assignments, responses"
expect_exit 2 ct -S s export
expect_err "assignments or responses"
expect_exit 2 ct -S s export assignments --xml
expect_exit 2 ct -S nowhere export assignments
[ ! -e contacts ] || fail "output left behind"

# export stats: the very result that stats shows (one analysis engine, one
# description), as JSON and as CSV, to stdout or to a file.
ct demo --dir d --listings 40 --net 0.3 --p-control 0.6 >/dev/null
ct -S d stats --json --by agent_type >s.json
ct -S d export stats --json --by agent_type >e.json
cmp s.json e.json || fail "export stats --json differs from stats --json"
ct -S d stats --csv >s.csv
ct -S d export stats -o e.csv
cmp s.csv e.csv || fail "export stats -o FILE differs from stats --csv"
python3 - e.csv <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
assert [r['group'] for r in rows] == ['maghrebi', 'turkish', 'african', 'all'], rows
assert sum(int(r['n']) for r in rows[:3]) == int(rows[3]['n']) == 40, rows
PY
expect_exit 2 ct -S d export assignments --json
expect_err "are for 'export stats'"
expect_exit 2 ct -S d export stats --by colour
expect_err "--by: 'colour' is not one of"
