# Placebo pairs (placebo_share = 0.2): personas draws a second control
# persona per gender (own name and mailbox, the control group's bank);
# assign gives one listing in every five the control and the placebo
# persona, genders and order counterbalanced, the test pairs still
# balanced; stats reports the placebo pairs apart, with a net rate equal to
# the one computed here in Python from the outcomes, and leaves the test
# groups' counts without them.
. "$E2E_DIR/lib.sh"
. "$FIXTURES/assign-lib.sh"

new_study s
sed -i 's/^placebo_share = 0$/placebo_share = 0.2/' s/study.ini
grep -q '^placebo_share = 0.2$' s/study.ini || fail "study.ini has no placebo_share line to set"
expect_exit 0 ct -S s personas
expect_out "belgian.placebo +female"
expect_out "belgian.placebo +male"
[ "$(sqlite3 s/study.db "SELECT role || ' ' || bank FROM grp WHERE name = 'belgian.placebo'")" = "placebo $(sqlite3 s/study.db "SELECT bank FROM grp WHERE name = 'belgian'")" ] || fail "placebo group row"
# Two distinct control personas per gender: names and mailboxes differ.
for g in female male; do
	n=$(sqlite3 s/study.db "SELECT count(DISTINCT p.first_name || ' ' || p.last_name) || ' ' || count(DISTINCT p.email) FROM persona p JOIN grp g ON g.id = p.grp WHERE g.name IN ('belgian', 'belgian.placebo') AND p.gender = '$g'")
	[ "$n" = "2 2" ] || fail "$g: control and placebo personas not distinct ($n)"
done
[ "$(sqlite3 s/study.db "SELECT count(DISTINCT first_name) FROM persona")" = 10 ] || fail "a first name is shared"

add_listings s 1 200
expect_exit 0 ct -S s assign
expect_out "Assigned 200 listings \(400 applications, 40 of them placebo pairs\)"
ct -S s export assignments --csv >s.csv
python3 - s.csv <<'PY' || fail "placebo assignment"
import csv, sys, collections
rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
by = collections.defaultdict(list)
for r in rows:
    by[r['listing_ref']].append(r)
placebo = {k: v for k, v in by.items() if any(r['group'] == 'belgian.placebo' for r in v)}
# One listing in every run of five (L001-L005, L006-L010, ...).
assert len(placebo) == 40, len(placebo)
for b in range(40):
    refs = ['L%03d' % i for i in range(5 * b + 1, 5 * b + 6)]
    assert sum(r in placebo for r in refs) == 1, refs
gender = collections.Counter(); first = collections.Counter()
for ref, rs in placebo.items():
    assert len(rs) == 2 and sorted(r['group'] for r in rs) == ['belgian', 'belgian.placebo'], rs
    assert rs[0]['gender'] == rs[1]['gender'] and rs[0]['persona'] != rs[1]['persona']
    assert rs[0]['variant'] != rs[1]['variant'], ref
    p = [r for r in rs if r['group'] == 'belgian.placebo'][0]
    gender[p['gender']] += 1
    first[(p['gender'], p['position'])] += 1
assert abs(gender['female'] - gender['male']) <= 1, gender
for g in ('female', 'male'):
    assert abs(first[(g, '1')] - first[(g, '2')]) <= 1, first
with open('test-pairs.csv', 'w', newline='', encoding='utf-8') as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0]))
    w.writeheader()
    for k, v in by.items():
        if k not in placebo:
            w.writerows(v)
PY
verify_csv test-pairs.csv belgian
expect_exit 0 ct -S s assign --check
expect_out "Placebo pairs \(two control personas\)"
expect_out "Balanced"
expect_exit 0 ct -S s assign --check --json
python3 -c 'import json; d=json.load(open("out.txt")); p=d["placebo"]; assert d["pairs"] == 200 and p["pairs"] == 40 and p["placebo_first"] + p["placebo_second"] == 40 and abs(p["placebo_first"] - p["placebo_second"]) <= 2, d' || fail "check --json placebo"

# Outcomes: simulate the test pairs; the placebo pairs' outcomes are drawn
# here (seeded Python) and recorded; the expected net rate is computed from
# them by hand.
export CORRTEST_NOW=2027-06-01T12:00:00Z
ct -S s simulate --p-control 0.5 --net 0.3 --assume-sent >/dev/null
sqlite3 s/study.db "SELECT a.id, g.role, a.listing FROM application a JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp WHERE a.listing IN (SELECT b.listing FROM application b JOIN persona q ON q.id = b.persona JOIN grp h ON h.id = q.grp WHERE h.role = 'placebo') ORDER BY a.listing, g.role" >placebo-apps.txt
python3 - <<'PY'
import random, collections
random.seed(7)
apps = [l.strip().split('|') for l in open('placebo-apps.txt')]
by = collections.defaultdict(dict)
for app, role, listing in apps:
    by[listing][role] = app
out = open('placebo.sql', 'w'); out.write('BEGIN;\n')
a = b = c = d = 0
for listing in sorted(by, key=int):
    pc = random.random() < 0.45; pp = random.random() < 0.45
    for role, pos in (('control', pc), ('placebo', pp)):
        out.write("INSERT INTO response(application, channel, outcome, coder, coded_at) VALUES (%s, 'manual', '%s', 'test', '2027-05-01T10:00:00Z');\n"
                  % (by[listing][role], 'invitation' if pos else 'no_reply'))
    a += pc and pp; b += pc and not pp; c += pp and not pc; d += not pc and not pp
out.write('COMMIT;\n')
open('expected.txt', 'w').write('%d %d %d %d %.12f\n' % (a, b, c, d, (b - c) / (a + b + c)))
PY
sqlite3 s/study.db <placebo.sql
expect_exit 0 ct -S s stats
expect_out "Placebo pairs \(the control persona against a second control persona"
expect_exit 0 ct -S s stats --json
python3 - <<'PY' || fail "stats: placebo section"
import json
d = json.load(open('out.txt'))
a, b, c, dd, net = open('expected.txt').read().split()
p = d['placebo']
assert (p['n'], p['a'], p['b'], p['c'], p['d']) == (40, int(a), int(b), int(c), int(dd)), p
assert abs(p['net_ilo'] - float(net)) < 1e-12, (p['net_ilo'], net)
lo, hi = p['net_ilo_ci']
assert lo < p['net_ilo'] < hi
assert p['excluded_total'] == 0
# The test groups hold the other 160 pairs, and nothing of the placebo pairs.
assert d['all']['n'] == 160, d['all']['n']
assert sum(g['n'] for g in d['groups']) == 160
PY

# export responses -> import round-trips with placebo pairs: a small real
# study (sent as field sent would record it, outcomes logged), exported and
# read back into its copy from before the outcomes, has the same stats.
new_study r
sed -i 's/^placebo_share = .*/placebo_share = 0.5/' r/study.ini
ct -S r personas >/dev/null
for i in 1 2 3 4; do
	ct -S r listings add --ref R$i --agent-type private --url "https://example.org/r$i" \
		--contact-email "r$i@example.be" --agent "Owner $i" --area Gent --price 800 >/dev/null
done
ct -S r assign >/dev/null
sqlite3 r/study.db "UPDATE application SET status = 'sent', sent_at = scheduled_at, channel = 'smtp', sent_via = 'smtp'"
# "Now" after every send, so that the sends and replies lie in the past.
export CORRTEST_NOW=$(sqlite3 r/study.db "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', max(sent_at), '+30 days') FROM application")
cp -r r r-copy
n=0
for app in $(sqlite3 r/study.db "SELECT id FROM application ORDER BY id"); do
	n=$((n + 1))
	case $((n % 3)) in 0) o=invitation ;; 1) o=no_reply ;; *) o=refusal ;; esac
	ct -S r log "$app" --outcome "$o" --channel phone >/dev/null
done
expect_exit 0 ct -S r export responses -o rr.csv
grep -q ',belgian\.placebo,' rr.csv || fail "the export names no placebo row"
expect_exit 0 ct -S r-copy import rr.csv
ct -S r stats --json >r1.json
ct -S r-copy stats --json >r2.json
python3 -c 'import json,sys; a=json.load(open("r1.json")); assert a["placebo"]["n"] == 2, a["placebo"]' ||
	fail "not 2 placebo pairs"
cmp r1.json r2.json || { diff r1.json r2.json | head; fail "stats differ after export and import"; }
