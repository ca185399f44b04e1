# stats: paired counts, rates and net rates per test group on a study built
# row by row with sqlite3, with every expected number computed by hand
# below; excluded pairs counted by reason; --outcome strict|broad|any; a
# study with no pairs; bad flags; stats never changes the study.
. "$E2E_DIR/lib.sh"
# The studies are English-language (--lang en): the expected lines name the
# groups by the English preset's labels (the nl preset prints Dutch ones).
new_study s --lang en
db=s/study.db

# Personas, written directly so that this test depends on stats alone.
persona() { # GROUP GENDER
	echo "INSERT INTO persona (grp, gender, first_name, last_name, email, phone, profile, drawn_at)
	      VALUES ((SELECT id FROM grp WHERE name = '$1'), '$2', 'F$1$2', 'L$1$2',
	              '$1.$2@corrtest.invalid', '+32 460 00 00 00', '{}', '2026-12-01T00:00:00Z');"
}
# pair REF GROUP GENDER LISTING_STATUS CONTROL_STATUS TEST_STATUS CONTROL_OUT TEST_OUT
# An outcome '-' records no response; 'x>y' records x, then y (y is the
# latest, so y counts). A status '-' leaves that side without an application.
n=0
app() { # REF GROUP GENDER POSITION STATUS OUTCOMES
	[ "$5" = - ] && return 0
	n=$((n + 1))
	echo "INSERT INTO application (id, listing, persona, variant, position, scheduled_at, status, sent_at)
	      VALUES ($n, (SELECT id FROM listing WHERE ref = '$1'),
	              (SELECT id FROM persona WHERE grp = (SELECT id FROM grp WHERE name = '$2') AND gender = '$3'),
	              $4, $4, '2026-12-07T09:00:00Z', '$5', '2026-12-07T09:00:00Z');"
	[ "$6" = - ] && return 0
	for o in $(echo "$6" | tr '>' ' '); do
		echo "INSERT INTO response (application, channel, outcome, coder, coded_at)
		      VALUES ($n, 'email', '$o', 'test', '2026-12-10T00:00:00Z');"
	done
}
pair() {
	echo "INSERT INTO listing (ref, agent_type, status, added_at) VALUES ('$1', 'agency', '$4', '2026-12-01T00:00:00Z');"
	app "$1" belgian "$3" 1 "$5" "$7"
	app "$1" "$2" "$3" 2 "$6" "$8"
}
{
	for g in belgian maghrebi turkish african; do persona $g female; persona $g male; done
	# Maghrebi: ten valid pairs.            strict  broad  any
	pair m1  maghrebi female active sent sent invitation invitation        # a  a  a
	pair m2  maghrebi male   active sent sent invitation invitation        # a  a  a
	pair m3  maghrebi female active sent sent invitation no_reply          # b  b  b
	pair m4  maghrebi male   active sent sent invitation -                 # b  b  b
	pair m5  maghrebi female active sent sent invitation refusal           # b  b  a
	pair m6  maghrebi male   active sent sent - invitation                 # c  c  c
	pair m7  maghrebi female active sent sent no_reply -                   # d  d  d
	pair m8  maghrebi male   active sent sent info refusal                 # d  b  a
	pair m9  maghrebi female active sent sent refusal info                 # d  c  a
	pair m10 maghrebi male   active sent sent 'refusal>invitation' 'invitation>refusal' # b b a
	# Turkish: four valid pairs, the same under every definition.
	pair t1  turkish female active sent sent invitation invitation         # a
	pair t2  turkish male   active sent sent no_reply invitation           # c
	pair t3  turkish female active sent sent - invitation                  # c
	pair t4  turkish male   active sent sent - -                           # d
	# Sub-Saharan African: two valid pairs, no positive outcome at all.
	pair f1  african female active sent sent no_reply no_reply             # d
	pair f2  african male   active sent sent - -                           # d
	# Excluded pairs, one line each, with the reason.
	pair x1 maghrebi female active    bounced sent      invitation -          # bounced
	pair x2 turkish  male   active    sent    failed    invitation -          # failed
	pair x3 maghrebi male   active    sent    cancelled - -                   # cancelled
	pair x4 african  female active    planned planned   - -                   # not_sent
	pair x5 maghrebi female withdrawn sent    sent      invitation no_reply   # withdrawn_listing
	pair x6 turkish  female active    sent    -         invitation -          # incomplete
	pair x7 african  male   active    bounced planned   - -                   # bounced (first)
	# A listing without applications is not a pair at all.
	echo "INSERT INTO listing (ref, agent_type, added_at) VALUES ('u1', 'private', '2026-12-01T00:00:00Z');"
} > rows.sql
sqlite3 "$db" < rows.sql

before=$(snapshot s)
expect_exit 0 ct -S s stats --json
cp out.txt strict.json
expect_exit 0 ct -S s stats --json --outcome broad
cp out.txt broad.json
expect_exit 0 ct -S s stats --json --outcome any
cp out.txt any.json
[ "$(snapshot s)" = "$before" ] || fail "stats changed the study"

python3 - <<'EOF'
import json, sys
F = lambda n, d: n / d

def check(path, outcome, groups, allrow, excluded):
    j = json.load(open(path))
    assert j["outcome"] == outcome, (path, j["outcome"])
    got = {g["group"]: g for g in j["groups"]}
    assert [g["group"] for g in j["groups"]] == ["maghrebi", "turkish", "african"], j["groups"]
    rows = dict(groups)
    rows["all"] = allrow
    for name, (a, b, c, d, want) in rows.items():
        g = j["all"] if name == "all" else got[name]
        assert (g["a"], g["b"], g["c"], g["d"], g["n"]) == (a, b, c, d, a + b + c + d), (path, name, g)
        for k, v in want.items():
            if v is None:
                assert g[k] is None, (path, name, k, g[k])
            else:
                assert g[k] is not None and abs(g[k] - v) < 1e-9, (path, name, k, g[k], v)
        assert isinstance(g["notes"], list)
        if any(v is None for v in want.values()):
            assert g["notes"], (path, name, "null without a note")
    assert j["excluded"] == excluded, (path, j["excluded"])
    assert j["excluded_total"] == sum(excluded.values())

excluded = {"withdrawn_listing": 1, "bounced": 2, "failed": 1, "cancelled": 1,
            "not_sent": 1, "incomplete": 1, "several_controls": 0}
# African: a=b=c=0, d=2: rates 0/2 = 0, net all 0/2 = 0, ILO rates undefined.
african = (0, 0, 0, 2, dict(rate_control=0.0, rate_test=0.0, net_ilo=None,
                            gross_control=None, gross_test=None, net_all=0.0))
# Turkish: a=1 b=0 c=2 d=1, N=4: p_C = 1/4, p_T = 3/4, net = (0-2)/3,
# gross 0/3 and 2/3, net all = -2/4.
turkish = (1, 0, 2, 1, dict(rate_control=0.25, rate_test=0.75, net_ilo=-2/3,
                            gross_control=0.0, gross_test=2/3, net_all=-0.5))
# strict, Maghrebi: a=2 (m1 m2), b=4 (m3 m4 m5 m10), c=1 (m6), d=3 (m7 m8 m9):
# p_C = 6/10, p_T = 3/10, net = 3/7, gross 4/7 and 1/7, net all = 3/10.
# All groups: a=3 b=4 c=3 d=6, N=16: p_C = 7/16, p_T = 6/16, net = 1/10,
# gross 4/10 and 3/10, net all = 1/16.
check("strict.json", "strict",
      {"maghrebi": (2, 4, 1, 3, dict(rate_control=0.6, rate_test=0.3, net_ilo=3/7,
                                      gross_control=4/7, gross_test=1/7, net_all=0.3)),
       "turkish": turkish, "african": african},
      (3, 4, 3, 6, dict(rate_control=7/16, rate_test=6/16, net_ilo=0.1,
                        gross_control=0.4, gross_test=0.3, net_all=1/16)),
      excluded)
# broad (info positive too), Maghrebi: m8 info/refusal -> b, m9 refusal/info -> c:
# a=2 b=5 c=2 d=1: p_C = 7/10, p_T = 4/10, net = 3/9, net all = 3/10.
# All: a=3 b=5 c=4 d=4, N=16: net = 1/12.
check("broad.json", "broad",
      {"maghrebi": (2, 5, 2, 1, dict(rate_control=0.7, rate_test=0.4, net_ilo=3/9,
                                      gross_control=5/9, gross_test=2/9, net_all=0.3)),
       "turkish": turkish, "african": african},
      (3, 5, 4, 4, dict(rate_control=8/16, rate_test=7/16, net_ilo=1/12, net_all=1/16)),
      excluded)
# any (every reply but no_reply), Maghrebi: m5, m8, m9, m10 become a:
# a=6 b=2 c=1 d=1: p_C = 8/10, p_T = 7/10, net = 1/9, net all = 1/10.
# All: a=7 b=2 c=3 d=4, N=16: net = -1/12.
check("any.json", "any",
      {"maghrebi": (6, 2, 1, 1, dict(rate_control=0.8, rate_test=0.7, net_ilo=1/9,
                                      gross_control=2/9, gross_test=1/9, net_all=0.1)),
       "turkish": turkish, "african": african},
      (7, 2, 3, 4, dict(rate_control=9/16, rate_test=10/16, net_ilo=-1/12, net_all=-1/16)),
      excluded)
EOF

# The human table: percentages, 'n/a' for undefined, the exclusions and notes.
expect_exit 0 ct -S s stats
expect_out "^outcome +strict: positive = invitation \(study.ini \[design\] outcome\)"
expect_out "^Maghrebi +10 +2 +4 +1 +3 +60\.0 +30\.0 +42\.9 \[-?[0-9.]+, [0-9.]+\] +57\.1 +14\.3 +30\.0$"
expect_out "^Turkish +4 +1 +0 +2 +1 +25\.0 +75\.0 +-66\.7"
expect_out "^Sub-Saharan African \(Congolese\) +2 +0 +0 +0 +2 +0\.0 +0\.0 +n/a +n/a +n/a +0\.0$"
expect_out "^All test groups +16 +3 +4 +3 +6 "
expect_out "^Excluded pairs, by reason$"
for r in "listing withdrawn +1" "a message bounced +2" "sending failed +1" "an application cancelled +1" \
	"not sent yet +1" "only one side of the pair +1" "more than one control application +0"; do
	expect_out "^  $r$"
done
expect_out "^excluded pairs in all +7$"
# No inf or nan anywhere, in any format (the odds ratio of Turkish, c > 0 = b,
# is 0; African has no discordant pair).
for f in "" --json --csv; do
	ct -S s stats $f > any.out
	! grep -Eqiw "inf|nan" any.out || fail "stats $f printed inf or nan"
done
expect_out "Sub-Saharan African \(Congolese\): no pair with a positive outcome"
expect_exit 0 ct -S s stats --outcome any
expect_out "^outcome +any: .*\(--outcome\)"

# The design's outcome is the default.
sed -i 's/^outcome = strict/outcome = broad/' s/study.ini
expect_exit 0 ct -S s stats --json
python3 -c "import json; j = json.load(open('out.txt')); assert j['outcome'] == 'broad' and j['all']['b'] == 5, j"
sed -i 's/^outcome = broad/outcome = strict/' s/study.ini

# Bad flags: exit 2, clear message.
expect_exit 2 ct -S s stats --outcome lenient
expect_err "corrtest stats: --outcome must be strict, broad or any, not 'lenient'"
expect_exit 2 ct -S s stats extra
expect_err "unexpected argument 'extra'"
expect_exit 2 ct -S s stats --bogus
[ "$(snapshot s)" = "$before" ] || fail "stats changed the study"

# A study with no pairs: exit 0, every measure null with a note.
new_study empty --lang en
expect_exit 0 ct -S empty stats --json
python3 - <<'EOF'
import json
j = json.load(open("out.txt"))
for g in j["groups"] + [j["all"]]:
    assert g["n"] == 0 and g["net_ilo"] is None and g["rate_control"] is None, g
    assert any("N = 0" in n for n in g["notes"]), g
assert j["excluded_total"] == 0
EOF
expect_exit 0 ct -S empty stats
expect_out "^excluded pairs in all +0$"

# --by agent_type,gender: four Maghrebi listings, one Turkish and one
# African made private; every count below is worked out by hand from the
# table at the top (strict outcome; gender is the test persona's).
sqlite3 "$db" "UPDATE listing SET agent_type = 'private' WHERE ref IN ('m1', 'm3', 'm6', 'm9', 't2', 'f1')"
before=$(snapshot s)
expect_exit 0 ct -S s stats --json --by agent_type,gender
cp out.txt by.json
expect_exit 0 ct -S s stats --csv --by agent_type,gender
cp out.txt by.csv
expect_exit 0 ct -S s stats --by agent_type,gender
expect_out "^Is b/\(b\+c\) the same in every stratum"
[ "$(snapshot s)" = "$before" ] || fail "stats --by changed the study"
python3 - <<'EOF'
import csv, json, math
j = json.load(open("by.json"))
assert j["by"] == ["agent_type", "gender"], j["by"]
# (agent_type, gender) -> (a, b, c, d)
want = {
  "maghrebi": {("agency", "female"): (0, 1, 0, 1),   # m5 b, m7 d
               ("agency", "male"): (1, 2, 0, 1),     # m2 a, m4 b, m8 d, m10 b
               ("private", "female"): (1, 1, 0, 1),  # m1 a, m3 b, m9 d
               ("private", "male"): (0, 0, 1, 0)},   # m6 c
  "turkish": {("agency", "female"): (1, 0, 1, 0),    # t1 a, t3 c
              ("agency", "male"): (0, 0, 0, 1),      # t4 d
              ("private", "female"): (0, 0, 0, 0),
              ("private", "male"): (0, 0, 1, 0)},    # t2 c
  "african": {("agency", "female"): (0, 0, 0, 0),
              ("agency", "male"): (0, 0, 0, 1),      # f2 d
              ("private", "female"): (0, 0, 0, 1),   # f1 d
              ("private", "male"): (0, 0, 0, 0)},
}
want["all"] = {k: tuple(sum(want[g][k][i] for g in ("maghrebi", "turkish", "african")) for i in range(4))
               for k in want["maghrebi"]}
assert want["all"][("private", "male")] == (0, 0, 2, 0)
rows = {g["group"]: g for g in j["groups"]}
rows["all"] = j["all"]
for g, strata in want.items():
    got = {(s["stratum"]["agent_type"], s["stratum"]["gender"]): s for s in rows[g]["strata"]}
    assert set(got) == set(strata), (g, sorted(got))
    for k, (a, b, c, d) in strata.items():
        s = got[k]
        assert (s["a"], s["b"], s["c"], s["d"], s["n"]) == (a, b, c, d, a + b + c + d), (g, k, s)
        if a + b + c:
            assert abs(s["net_ilo"] - (b - c) / (a + b + c)) < 1e-12, (g, k)
        else:
            assert s["net_ilo"] is None and s["notes"], (g, k, s)
        if a + b + c + d == 0:
            assert s["rate_control"] is None and any("N = 0" in n for n in s["notes"]), (g, k)
# Homogeneity of b/(b+c) for Maghrebi: strata (b, c) = (1,0), (2,0), (1,0),
# (0,1); totals b = 4, c = 1 of 5. Pearson chi-square, expected b = 0.8 n_i:
# 0.25 + 0.5 + 0.25 + (0.8^2/0.8 + 0.8^2/0.2 = 4) = 5.0 on 3 df;
# P(chi2_3 >= 5) = erfc(sqrt(5/2)) + sqrt(2*5/pi) exp(-5/2).
h = rows["maghrebi"]["homogeneity"]
assert h["informative"] == 4 and h["df"] == 3, h
assert abs(h["chi2"] - 5.0) < 1e-12, h
p = math.erfc(math.sqrt(2.5)) + math.sqrt(10 / math.pi) * math.exp(-2.5)
assert abs(h["p"] - p) < 1e-9, (h["p"], p)
# African: no discordant pair anywhere: the test is undefined, with a note.
h = rows["african"]["homogeneity"]
assert h["p"] is None and h["notes"], h
# CSV: one row per group x (all + 4 strata), the by-columns filled in.
r = list(csv.DictReader(open("by.csv")))
assert len(r) == 4 * 5, len(r)
m = [x for x in r if x["group"] == "maghrebi" and x["agent_type"] == "private" and x["gender"] == "male"]
assert len(m) == 1 and (m[0]["a"], m[0]["b"], m[0]["c"], m[0]["d"]) == ("0", "0", "1", "0"), m
allrow = [x for x in r if x["group"] == "all" and x["stratum"] == "all"][0]
assert (allrow["a"], allrow["b"], allrow["c"], allrow["d"]) == ("3", "4", "3", "6"), allrow
assert float(allrow["net_ilo"]) == 0.1
# Holm over the test groups: Maghrebi (b, c) = (4, 1), exact p = 2 P(X <= 1 |
# 5, 1/2) = 2 * 6/32 = 0.375; Turkish (0, 2): 2 * 1/4 = 0.5; African has no
# discordant pair (no p, not counted). Holm, m = 2: min(1, 2 * 0.375) = 0.75,
# then max(0.75, 1 * 0.5) = 0.75.
assert abs(rows["maghrebi"]["mcnemar_exact_p"] - 0.375) < 1e-12
assert abs(rows["turkish"]["mcnemar_exact_p"] - 0.5) < 1e-12
assert abs(rows["maghrebi"]["mcnemar_exact_p_holm"] - 0.75) < 1e-12
assert abs(rows["turkish"]["mcnemar_exact_p_holm"] - 0.75) < 1e-12
assert rows["african"]["mcnemar_exact_p_holm"] is None
EOF
# A test group removed from study.ini after the study began keeps its grp
# row. Without valid pairs it is not shown (it is not an empty row of the
# design); with valid pairs it stays, because they are data. A group of
# the design without pairs yet is shown, empty.
new_study dg --lang en
{
	for g in belgian maghrebi turkish african; do persona $g female; done
	pair d1 maghrebi female active sent sent invitation no_reply   # b
	pair d2 maghrebi female active sent sent no_reply invitation   # c
	pair d3 maghrebi female active sent sent invitation invitation # a
} > dg.sql
sqlite3 dg/study.db < dg.sql
drop_group() { # STUDY GROUP: removes [group GROUP] and its lines from study.ini
	python3 - "$1/study.ini" "$2" <<'PY'
import re, sys
p, g = sys.argv[1], sys.argv[2]
s = open(p).read()
t = re.sub(r"\[group %s\]\n(?:[^\[\n][^\n]*\n|\n)*" % re.escape(g), "", s)
assert t != s
open(p, "w").write(t)
PY
}
drop_group dg african
expect_exit 0 ct -S dg stats --json
python3 - <<'EOF2'
import json
j = json.load(open("out.txt"))
assert [g["group"] for g in j["groups"]] == ["maghrebi", "turkish"], [g["group"] for g in j["groups"]]
m, t = j["groups"]
assert (m["a"], m["b"], m["c"], m["d"]) == (1, 1, 1, 0), m
assert t["n"] == 0 and t["net_ilo"] is None, t
assert j["all"]["n"] == 3
EOF2
expect_exit 0 ct -S dg stats
! grep -q "African" out.txt || fail "a deleted group without pairs is shown"
expect_out "^Turkish +0 +0 +0 +0 +0 "
# Control characters in the data (an area recorded before the import
# checks, or written by another tool) never reach the terminal raw: the
# table shows them escaped, JSON by its own rules.
sqlite3 dg/study.db "UPDATE listing SET area = 'Gent' || char(27) || '[2J' || char(8238) || 'x' WHERE ref = 'd1'"
expect_exit 0 ct -S dg stats --by area
grep -q "$(printf '\033')" out.txt && fail "a raw escape character reached the terminal"
expect_out 'Gent\\x1b\[2J\\u202ex'
expect_exit 0 ct -S dg stats --by area --json
python3 -c "
import json; j = json.load(open('out.txt'))
areas = sorted(x['stratum']['area'] for x in j['groups'][0]['strata'])
assert areas == ['(none)', 'Gent\x1b[2J\u202ex'], areas"
drop_group dg maghrebi
expect_exit 0 ct -S dg stats --csv
python3 -c "
import csv; r = list(csv.DictReader(open('out.txt')))
assert [x['group'] for x in r] == ['maghrebi', 'turkish', 'all'], r
assert r[0]['n'] == '3'"

expect_exit 2 ct -S s stats --by colour
expect_err "--by: 'colour' is not one of"
expect_exit 2 ct -S s stats --by gender,gender
expect_exit 2 ct -S s stats --alpha 1.5
expect_err "--alpha must be a number between 0 and 1"
expect_exit 2 ct -S s stats --csv --json

# The whole pipeline on a simulated market (net ILO rate 0.3, control rate
# 0.6, 800 listings): the intervals of the pooled table contain the truth.
# Under the model (stats/paired.c), with k = 0.1: g = 1 - 0.1*0.7 = 0.93,
# s = 0.6/0.93, p_T = s (f_a + f_c) = s (0.56 + 0.07), so the true
# difference p_C - p_T is 0.6 - 0.63*0.6/0.93.
expect_exit 0 ct demo --dir sim --listings 800 --net 0.3 --p-control 0.6
expect_exit 0 ct -S sim stats --json
python3 - <<'EOF'
import json
a = json.load(open("out.txt"))["all"]
assert a["n"] == 800, a["n"]
lo, hi = a["net_ilo_ci"]
assert lo < 0.3 < hi, (lo, hi, a["net_ilo"])
delta = 0.6 - 0.63 * 0.6 / 0.93
for k in ("diff_ci_newcombe", "diff_ci_tango"):
    lo, hi = a[k]
    assert lo < delta < hi, (k, lo, hi, delta)
lo, hi = a["rate_control_ci"]
assert lo < 0.6 < hi, (lo, hi)
EOF
# The agent-level list is confidential and carries pseudonymous keys only.
expect_exit 0 ct -S sim stats --agents
expect_out "CONFIDENTIAL"
expect_exit 0 ct -S sim stats --agents --json
python3 - <<'EOF'
import json
j = json.load(open("out.txt"))
assert j["confidential"] is True
for a in j["agents"]:
    assert set(a) >= {"agent_key", "listings", "b", "c", "p_exact", "p_holm", "p_bh", "flagged"}, a
    assert a["listings"] >= 2
    assert not any(k in a for k in ("name", "agent_name", "contact_email", "contact_name")), a
EOF

# Cochran's Q over the listings where the control and two test candidates
# (Maghrebi, Turkish) have valid pairs. Outcomes (control, Maghrebi,
# Turkish), 1 = invitation: 100, 101, 110, 100, 001, 111. By hand: column
# totals C = (5, 2, 3), T = 10, row totals squared sum to 20, k = 3:
# Q = (k-1)(k sum C^2 - T^2)/(k T - sum R^2) = 2 (3*38 - 100)/(30 - 20) = 2.8
# on 2 df, p = exp(-2.8/2). A listing with two Maghrebi candidates (female
# and male) besides the control has one test group, so no set of its own.
new_study q --lang en
{
	for g in belgian maghrebi turkish; do persona $g female; persona $g male; done
	i=0
	for row in 100 101 110 100 001 111; do
		i=$((i + 1))
		echo "INSERT INTO listing (ref, agent_type, added_at) VALUES ('q$i', 'agency', '2026-12-01T00:00:00Z');"
		k=0
		for g in belgian maghrebi turkish; do
			k=$((k + 1))
			echo "INSERT INTO application (listing, persona, status)
			      VALUES ((SELECT id FROM listing WHERE ref = 'q$i'),
			              (SELECT id FROM persona WHERE grp = (SELECT id FROM grp WHERE name = '$g') AND gender = 'female'), 'sent');"
			[ "$(echo "$row" | cut -c$k)" = 1 ] || continue
			echo "INSERT INTO response (application, channel, outcome, coder, coded_at)
			      VALUES (last_insert_rowid(), 'email', 'invitation', 'test', '2026-12-10T00:00:00Z');"
		done
	done
	echo "INSERT INTO listing (ref, agent_type, added_at) VALUES ('dup', 'agency', '2026-12-01T00:00:00Z');"
	for p in "belgian female" "maghrebi female" "maghrebi male"; do
		set -- $p
		echo "INSERT INTO application (listing, persona, status)
		      VALUES ((SELECT id FROM listing WHERE ref = 'dup'),
		              (SELECT id FROM persona WHERE grp = (SELECT id FROM grp WHERE name = '$1') AND gender = '$2'), 'sent');"
	done
} > q.sql
sqlite3 q/study.db < q.sql
expect_exit 0 ct -S q stats --json
python3 - <<'EOF'
import json, math
cq = json.load(open("out.txt"))["cochran_q"]
assert len(cq) == 1, cq
c = cq[0]
assert c["groups"] == ["maghrebi", "turkish"] and c["listings"] == 6 and c["df"] == 2, c
assert abs(c["q"] - 2.8) < 1e-12 and abs(c["p"] - math.exp(-1.4)) < 1e-12, c
EOF
expect_exit 0 ct -S q stats
# p = exp(-1.4) = 0.2466 shows as 0.247.
expect_out "^Cochran's Q: listings where the control and every test group of a set"
expect_out "^Maghrebi, Turkish +6 +2\.800 +2 +0\.247$"
