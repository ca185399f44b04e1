# assign with many listings per agent (400 listings of 10 agencies): no
# persona writes one agent twice within agent_gap_days (7 days of 24 hours),
# an agent's listings go out on distinct days, the first messages' send
# times are not on a clock grid, the same seed gives the same bytes, the
# balance holds, and `assign --check` reports the smallest same-persona /
# same-agent gap (recomputed here in Python from the export and the
# listings file) and fails, naming the agent, on a collision.
. "$E2E_DIR/lib.sh"
. "$FIXTURES/assign-lib.sh"

# 400 listings; listing i belongs to agency (7 i) mod 10, so each agency's
# listings are spread over the file.
python3 - <<'PY'
with open('listings.csv', 'w') as f:
    f.write('ref,url,contact_email,agent_type,agent,area\n')
    for i in range(1, 401):
        a = (7 * i) % 10
        f.write(f'L{i:03d},https://immo.example/{i},info@agency{a}.example,agency,Agency {a},Gent\n')
PY
for s in s1 s2; do
	new_study $s
	ct -S $s personas >/dev/null
	ct -S $s listings import listings.csv >/dev/null
done
expect_exit 0 ct -S s1 assign
expect_out "Assigned 400 listings"
# 40 listings per agency, two control personas (one per gender): the
# schedule needs about 20 weeks, and assign says which agent sets the end.
expect_out "wait for their agent"
expect_out "agent ag-[0-9a-f]{12} \(40 listings in the study\) sets the end"
ct -S s2 assign >/dev/null
ct -S s1 export assignments --csv >s1.csv
ct -S s2 export assignments --csv >s2.csv
# The agent key is keyed by each study's own secret: compared without it.
nokey() { python3 -c 'import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
k = rows[0].index("agent_key")
for r in rows: print(",".join(r[:k] + r[k + 1:]))' "$1"; }
[ "$(nokey s1.csv)" = "$(nokey s2.csv)" ] || fail "same seed and inputs, different assignment"
verify_csv s1.csv belgian

# Independent check of the gaps, the days and the grid.
python3 - s1.csv listings.csv >gaps.txt <<'PY'
import csv, sys, collections, datetime
rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
agent = {r['ref']: r['agent'] for r in csv.DictReader(open(sys.argv[2], newline='', encoding='utf-8'))}
by = collections.defaultdict(list)
days = collections.defaultdict(list)
minutes = set()
for r in rows:
    t = datetime.datetime.fromisoformat(r['scheduled_at'])
    by[(agent[r['listing_ref']], r['persona'])].append(t)
    if r['position'] == '1':
        days[agent[r['listing_ref']]].append(t.date())
        minutes.add(t.minute)
gaps = []
for k, ts in by.items():
    ts.sort()
    gaps += [(b - a).total_seconds() / 86400 for a, b in zip(ts, ts[1:])]
assert gaps, 'no persona wrote an agent twice'
assert min(gaps) >= 7, 'a persona writes an agent twice within 7 days: %.3f' % min(gaps)
for a, ds in days.items():
    assert len(ds) == len(set(ds)) == 40, (a, len(ds), len(set(ds)))
# The old schedule put first messages on a 24-minute grid from 09:00: five
# minutes of the hour at most. 400 uniform draws over 480 minutes of the
# window cover nearly all 60.
assert len(minutes) >= 50, sorted(minutes)
print('%.6f %d' % (min(gaps), len(gaps)))
PY
read mingap nint <gaps.txt

expect_exit 0 ct -S s1 assign --check
expect_out "Same persona, same agent \(agent_gap_days = 7\)"
expect_out "smallest gap \(days\) +[0-9.]+"
expect_out "shorter than the gap +0"
expect_out "Balanced"
expect_exit 0 ct -S s1 assign --check --json
python3 - "$mingap" "$nint" <<'PY' || fail "check --json: agent gap"
import json, sys
d = json.load(open('out.txt'))
g = d['agent_gap']
assert d['balanced'] and g['collisions'] == 0, g
assert abs(g['min_days'] - float(sys.argv[1])) < 1e-5, (g['min_days'], sys.argv[1])
assert g['intervals'] == int(sys.argv[2]), (g['intervals'], sys.argv[2])
assert g['agent_gap_days'] == 7
PY

# A collision: the control persona's message on one listing moved to one
# day after its previous message to the same agency.
cp -r s1 bad
sqlite3 bad/study.db "
WITH m AS (SELECT a.id, a.persona, l.agent_key, a.scheduled_at,
                  lag(a.scheduled_at) OVER (PARTITION BY a.persona, l.agent_key ORDER BY a.scheduled_at) AS prev
           FROM application a JOIN listing l ON l.id = a.listing)
UPDATE application SET scheduled_at = strftime('%Y-%m-%dT%H:%M:%SZ', (SELECT prev FROM m WHERE m.id = application.id), '+1 day')
WHERE id = (SELECT id FROM m WHERE prev IS NOT NULL ORDER BY id LIMIT 1)"
expect_exit 1 ct -S bad assign --check
expect_err "balance problem"
expect_out "agent ag-[0-9a-f]{12}: persona [a-z]+/(female|male) writes listings L[0-9]+ and L[0-9]+ 1.00 days apart \(agent_gap_days = 7\)"
expect_out "shorter than the gap +1"

# A private landlord without an agent key is its own agent: 60 listings of
# no agency keep the quota's pace (40 messages a day, at most 20 of them
# first messages): none waits, and 60 pairs start within four days.
new_study p
ct -S p personas >/dev/null
add_listings p 1 60
expect_exit 0 ct -S p assign
! grep -q "wait for their agent" out.txt || fail "listings without an agent waited"
ct -S p export assignments --csv >p.csv
python3 - p.csv <<'PY' || fail "listings without agents: pace"
import csv, sys, collections
rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
firsts = collections.Counter(r['scheduled_at'][:10] for r in rows if r['position'] == '1')
assert max(firsts.values()) <= 20 and len(firsts) <= 4, firsts
PY
