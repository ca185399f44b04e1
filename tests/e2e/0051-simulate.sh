# simulate: on a study of 600 assigned listings whose applications are
# planned, --assume-sent marks them sent and draws outcomes from the model;
# stats recovers the simulated control rate and net ILO rate within 4
# standard errors; the same seed gives the same responses; responses are
# never overwritten; refusals leave the study unchanged.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-12-20T10:00:00Z
new_study s
# 600 listings, each assigned to a test group (rotating) and a gender
# (alternating every three listings), with two planned applications:
# the control persona's and the test persona's of that gender.
sqlite3 s/study.db <<'EOF'
INSERT INTO persona (grp, gender, first_name, last_name, email, phone, profile, drawn_at)
SELECT g.id, x.gender, 'F' || g.name, 'L' || x.gender, g.name || '.' || x.gender || '@corrtest.invalid',
       '+32 460 00 00 00', '{}', '2026-12-01T00:00:00Z'
FROM grp g, (SELECT 'female' AS gender UNION ALL SELECT 'male') x;
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 600)
INSERT INTO listing (ref, agent_type, added_at)
SELECT 'L' || i, CASE i % 2 WHEN 0 THEN 'agency' ELSE 'private' END, '2026-12-01T00:00:00Z' FROM seq;
INSERT INTO assignment (listing, block, test_grp, gender, gap_hours, assigned_at)
SELECT id, (id - 1) / 6, (SELECT min(id) FROM grp WHERE role = 'test') + (id - 1) % 3,
       CASE ((id - 1) / 3) % 2 WHEN 0 THEN 'female' ELSE 'male' END, 3.0, '2026-12-01T00:00:00Z'
FROM listing;
INSERT INTO application (listing, persona, variant, position, scheduled_at)
SELECT a.listing, p.id, 1, 1, '2026-12-07T09:00:00Z' FROM assignment a
JOIN persona p ON p.grp = (SELECT id FROM grp WHERE role = 'control') AND p.gender = a.gender;
INSERT INTO application (listing, persona, variant, position, scheduled_at)
SELECT a.listing, p.id, 2, 2, '2026-12-07T12:00:00Z' FROM assignment a
JOIN persona p ON p.grp = a.test_grp AND p.gender = a.gender;
EOF
[ "$(sqlite3 s/study.db "SELECT count(*) FROM application WHERE status = 'planned'")" = 1200 ] || fail "setup"
# The hand-made personas follow study.ini (phone, profile) at the first
# command that writes, as nothing was sent: take that step here.
ct -S s personas >/dev/null 2>&1 || fail "personas"
cp -r s s2
cp -r s s3

# Refusals: exit 2, a message saying why, and the study unchanged.
before=$(snapshot s)
expect_exit 2 ct -S s simulate --p-control 0.6 --net 0.3
expect_err "corrtest simulate: no sent applications; use --assume-sent"
expect_exit 2 ct -S s simulate --p-control 1.5 --net 0.3 --assume-sent
expect_err "--p-control must be a number from 0 to 1, not '1.5'"
expect_exit 2 ct -S s simulate --p-control 0.6 --net -2 --assume-sent
expect_err "--net must be a number from -1 to 1"
expect_exit 2 ct -S s simulate --p-control abc --net 0.3 --assume-sent
expect_exit 2 ct -S s simulate --net 0.3 --assume-sent
expect_err "--p-control and --net are both required"
expect_exit 2 ct -S s simulate --p-control 0.6 --net 0.3 --seed -1 --assume-sent
expect_err "--seed must be a whole number"
# 0.95 > 1 - 0.1 * (1 - 0.3) = 0.93, the model's maximum for this net rate.
expect_exit 2 ct -S s simulate --p-control 0.95 --net 0.3 --assume-sent
expect_err "--p-control 0.95 with --net 0.3 cannot be produced: .*at most 0\.93"
expect_exit 2 ct -S s simulate --p-control 0 --net 0.3 --assume-sent
expect_err "cannot be produced: a control rate of 0"
expect_exit 2 ct -S s simulate --p-control 0.5 --net -1 --assume-sent
expect_err "cannot be produced: a net rate of -1"
[ "$(snapshot s)" = "$before" ] || fail "a refused simulate changed the study"

expect_exit 0 ct -S s simulate --assume-sent --p-control 0.6 --net 0.3 --seed 7 --json
python3 - <<'EOF'
import json
j = json.load(open("out.txt"))
assert j["marked_sent"] == 1200 and j["pairs"] == 600 and j["responses"] == 1200, j
assert j["skipped_pairs"] == 0 and j["seed"] == 7 and j["assume_sent"] is True, j
c = j["cells"]
assert c["a"] + c["b"] + c["c"] + c["d"] == 600, c
EOF
[ "$(sqlite3 s/study.db "SELECT count(*) FROM application WHERE status = 'sent' AND sent_at = scheduled_at")" = 1200 ] ||
	fail "--assume-sent did not mark every application sent at its scheduled time"
[ "$(sqlite3 s/study.db "SELECT group_concat(DISTINCT outcome) FROM (SELECT outcome FROM response ORDER BY outcome)")" = \
  "invitation,no_reply,refusal" ] || fail "simulated outcomes are not invitation/no_reply/refusal"
[ "$(sqlite3 s/study.db "SELECT count(*) FROM response WHERE coder = 'simulate' AND note = 'simulated'")" = 1200 ] ||
	fail "responses not marked as simulated"
sqlite3 s/study.db "SELECT detail FROM event WHERE action = 'simulate'" > ev.txt
grep -q "^p_control=0.6 net=0.3 noise=0.1 seed=7 assume_sent=1 marked_sent=1200 pairs=600 " ev.txt ||
	fail "event detail lacks the parameters: $(cat ev.txt)"

# The measures recover the model. Model (see corrtest simulate --help),
# k = 0.1, P = 0.6, D = 0.3: f_b = k + D(1-k) = 0.37, f_c = k(1-D) = 0.07.
# Given m = a+b+c pairs with a positive outcome, (b-c)/m is a mean of m
# values +1 (prob f_b), -1 (f_c), 0: variance f_b + f_c - D^2, so
# SE = sqrt((0.44 - 0.09)/m). The control rate's SE is sqrt(P(1-P)/N).
expect_exit 0 ct -S s stats --json
cp out.txt strict.json
expect_exit 0 ct -S s stats --json --outcome broad
cp out.txt broad.json
python3 - <<'EOF'
import json, math
j = json.load(open("strict.json"))
al = j["all"]
n, m = al["n"], al["a"] + al["b"] + al["c"]
assert n == 600, al
se_net = math.sqrt((0.37 + 0.07 - 0.3 ** 2) / m)
se_pc = math.sqrt(0.6 * 0.4 / n)
assert abs(al["net_ilo"] - 0.3) < 4 * se_net, (al["net_ilo"], se_net)
assert abs(al["rate_control"] - 0.6) < 4 * se_pc, (al["rate_control"], se_pc)
# Each group has 200 pairs; its net rate is within 4 of its own SEs.
for g in j["groups"]:
    mg = g["a"] + g["b"] + g["c"]
    assert g["n"] == 200, g
    assert abs(g["net_ilo"] - 0.3) < 4 * math.sqrt(0.35 / mg), g
# Negatives are never 'info', so broad counts equal strict counts.
b = json.load(open("broad.json"))["all"]
assert [b[k] for k in "abcd"] == [al[k] for k in "abcd"], (b, al)
EOF

# Same seed, same study: the same responses, row for row.
expect_exit 0 ct -S s2 simulate --assume-sent --p-control 0.6 --net 0.3 --seed 7
expect_out "^pairs simulated +600$"
expect_out "^responses recorded +1200$"
[ "$(sqlite3 s/study.db 'SELECT * FROM response ORDER BY id' | sha256sum)" = \
  "$(sqlite3 s2/study.db 'SELECT * FROM response ORDER BY id' | sha256sum)" ] || fail "same seed, different responses"

# A second run finds nothing to draw and changes nothing.
before=$(snapshot s)
expect_exit 0 ct -S s simulate --assume-sent --p-control 0.6 --net 0.3 --seed 7
expect_out "Nothing to simulate"
[ "$(snapshot s)" = "$before" ] || fail "a second simulate changed the study"

# Existing responses are never overwritten: their pairs are skipped and
# counted; excluded pairs are reported; another seed gives other draws.
# (They are simulated rows, as an earlier run leaves them: a study with
# real ones is refused, e2e 0165.)
sqlite3 s3/study.db "UPDATE application SET status = 'sent', sent_at = scheduled_at, simulated = 1 WHERE listing = 1;
	INSERT INTO response (application, channel, outcome, coder, coded_at, simulated)
	SELECT id, 'phone', 'info', 'alice', '2026-12-10T00:00:00Z', 1 FROM application WHERE listing = 1 AND position = 2;
	UPDATE application SET status = 'bounced', simulated = 1 WHERE listing = 2 AND position = 1;"
expect_exit 0 ct -S s3 simulate --assume-sent --p-control 0.6 --net 0.3 --seed 8 --json
python3 - <<'EOF'
import json
j = json.load(open("out.txt"))
assert j["pairs"] == 598 and j["skipped_pairs"] == 1 and j["skipped_applications"] == 1, j
assert j["excluded"]["bounced"] == 1 and j["marked_sent"] == 1197, j
EOF
[ "$(sqlite3 s3/study.db "SELECT coder || ':' || outcome FROM response WHERE application IN
	(SELECT id FROM application WHERE listing = 1) ORDER BY id")" = "alice:info" ] || fail "an existing response was overwritten"
[ "$(sqlite3 s/study.db 'SELECT outcome FROM response ORDER BY application' | sha256sum)" != \
  "$(sqlite3 s3/study.db 'SELECT outcome FROM response ORDER BY application' | sha256sum)" ] || fail "another seed, same draws"
expect_exit 0 ct -S s3 stats --json
python3 -c "import json; j = json.load(open('out.txt')); assert j['excluded']['bounced'] == 1 and j['all']['n'] == 599, j['all']"
