# power: sample sizes and power of McNemar's test for a paired design, with
# the expected numbers from a published example (powerandsamplesize.com,
# after Connor 1987), from tests/r/power.R (tests/fixtures/stats-power.tsv:
# exact power summed over every table in R) and by hand; the plan on the
# exact test's n by default and on Connor's with --basis connor, each output
# naming the method; the three ways to give the design; attrition, groups
# and the adjusted level; the errors that must exit 2.
. "$E2E_DIR/lib.sh"

# jq-like checks with python3: FILE then KEY=VALUE pairs; numbers compare to
# 1e-6 relative, null as None; the document must be strict JSON (no NaN).
check() {
	python3 - "$@" <<'PY'
import json, math, sys
def bad(c): raise ValueError("non-JSON constant " + c)
doc = json.load(open(sys.argv[1]), parse_constant=bad)
for kv in sys.argv[2:]:
    k, v = kv.split("=", 1)
    got = doc[k]
    if v == "null":
        ok = got is None
    elif v.startswith('"'):
        ok = got == v.strip('"')
    else:
        want = float(v)
        ok = got is not None and abs(got - want) <= max(1e-9, 1e-6 * abs(want))
    if not ok:
        sys.exit("%s: got %r, want %s" % (k, got, v))
PY
}

# The published example: p10 = 0.05, p01 = 0.45, alpha 0.05, power 0.8:
# ceiling(n) = 23 (Connor's formula). The plan uses the exact test's n, 25
# (R: the exact power first reaches 0.8 there, 0.820162067840203, and stays).
expect_exit 0 ct power --pb 0.05 --pc 0.45 --json
cp out.txt ex.json
check ex.json n_connor=23 n_connor_unrounded=22.0113244274358 n_miettinen=20 \
	n_miettinen_unrounded=19.8171693399703 n_exact=25 n_midp=21 power_at_n=25 \
	power_exact=0.820162067840203 basis='"exact"' method='"exact"' \
	n_per_group=25 n_total=25 detectable_delta=null detectable_delta_exact=null \
	detectable_delta_connor=null
# --basis connor: the published 23.
expect_exit 0 ct power --pb 0.05 --pc 0.45 --basis connor --json
cp out.txt exc.json
check exc.json n_connor=23 n_exact=25 power_at_n=23 basis='"connor"' method='"connor"' \
	n_per_group=23 n_total=23

# "How many listings for a 10-point difference?" Response rates 60% and 50%,
# 70% of pairs treated alike: p_b = 0.2, p_c = 0.1 (R: n_connor
# 233.09 -> 234, Miettinen 228.87 -> 229; the exact power is 0.77555883048081
# at 234 and first reaches 0.8 at n_exact = 249, 0.801446921029032). The plan
# uses 249: with 10% of pairs lost and three test groups, ceil(249 / 0.9) =
# 277 per group, 831 listings in total.
expect_exit 0 ct power --p-control 0.6 --p-test 0.5 --concordance 0.7 --attrition 0.1 --groups 3 --json
cp out.txt ghent.json
check ghent.json pb=0.2 pc=0.1 psi=0.3 delta=0.1 p_control=0.6 p_test=0.5 concordance=0.7 \
	n_connor=234 n_connor_unrounded=233.094538204674 n_miettinen=229 n_exact=249 \
	n_midp=230 method='"exact"' power_at_n=249 power_exact=0.801446921029032 \
	power_exact_at_n_connor=0.77555883048081 \
	n_per_group=249 n_per_group_sent=277 n_total=831 groups=3 attrition=0.1 \
	alpha_per_comparison=0.05 adjust='"none"'
python3 -c 'import json; d=json.load(open("ghent.json")); assert any("n_exact, the plan" in n for n in d["notes"]), d'
# The same in words: every n, and which one the plan uses.
expect_exit 0 ct power --p-control 0.6 --p-test 0.5 --concordance 0.7 --attrition 0.1 --groups 3
expect_out 'Connor \(1987\) +234'
expect_out 'Miettinen \(1968\) +229'
expect_out 'exact McNemar test +249'
expect_out 'The plan uses the n of the exact McNemar test, 249'
expect_out "At Connor's n, 234, the exact test's power is 0\\.7756"
expect_out 'method of the plan +exact'
expect_out 'pairs to send per group +277'
expect_out 'listings in total +831'
# --basis connor: ceil(234 / 0.9) = 260 per group, 780 in total.
expect_exit 0 ct power --p-control 0.6 --p-test 0.5 --concordance 0.7 --attrition 0.1 --groups 3 --basis connor
expect_out "The plan uses the n of Connor's formula \\(1987\\), 234"
expect_out 'method of the plan +connor'
expect_out 'pairs to send per group +260'
expect_out 'listings in total +780'

# "What can 800 pairs detect?" (R: power_exact 0.999380207203062,
# power_midp 0.999501846988968; the smallest difference at psi 0.3 is
# 0.0552702307623408 for the exact test, the plan's method, and
# 0.0541725536243732 by Connor's formula).
expect_exit 0 ct power --pb 0.2 --pc 0.1 --n 800 --json
cp out.txt n800.json
check n800.json n=800 power_at_n=800 power_connor=0.99944055228587 \
	power_miettinen=0.99961281776124 power_exact=0.999380207203062 \
	power_midp=0.999501846988968 method='"exact"' detectable_delta=0.0552702307623408 \
	detectable_delta_exact=0.0552702307623408 detectable_delta_connor=0.0541725536243732 \
	n_per_group=800
expect_exit 0 ct power --pb 0.2 --pc 0.1 --n 800
expect_out 'smallest difference 800 pairs detect \(exact\) +0\.05527'
expect_out "by Connor's formula +0\\.05417"
expect_exit 0 ct power --pb 0.2 --pc 0.1 --n 800 --basis connor --json
cp out.txt n800c.json
check n800c.json method='"connor"' detectable_delta=0.0541725536243732 \
	detectable_delta_exact=0.0552702307623408

# R row: p_b 0.15, p_c 0.05 at n = 150 and the exact sample sizes.
expect_exit 0 ct power --pb 0.15 --pc 0.05 --n 150 --json
cp out.txt r1.json
check r1.json n_connor=155 n_miettinen=148 n_exact=168 n_midp=152 \
	power_exact=0.745537335810777 power_midp=0.794596278522054
# Without --n the powers are at the plan's n, n_exact = 168 (R: exact power
# 0.800562387775225 there), and a note says so.
expect_exit 0 ct power --pb 0.15 --pc 0.05 --json
cp out.txt r1n.json
check r1n.json power_at_n=168 power_exact=0.800562387775225 n_per_group=168
python3 -c 'import json,sys; d=json.load(open("r1n.json")); assert any("n_exact" in n for n in d["notes"]), d'

# Last round's table: a=40 b=20 c=10 d=30 gives p_b = 0.2, p_c = 0.1; with
# --diff 0.05 the discordant share 0.3 is kept: p_b 0.175, p_c 0.125.
expect_exit 0 ct power --previous 40 20 10 30 --json
cp out.txt prev.json
check prev.json pb=0.2 pc=0.1 n_connor=234
python3 -c 'import json; d=json.load(open("prev.json")); assert d["previous"]==[40,20,10,30], d'
expect_exit 0 ct power --previous 40,20,10,30 --diff 0.05 --json
cp out.txt prevd.json
check prevd.json pb=0.175 pc=0.125 psi=0.3 diff=0.05
# phi: p_C 0.6, p_T 0.4, phi 0.5: a = .36, p_b = .24, p_c = .04.
expect_exit 0 ct power --p-control 0.6 --p-test 0.4 --phi 0.5 --json
cp out.txt phi.json
check phi.json pb=0.24 pc=0.04 phi=0.5

# Bonferroni over three groups: each comparison at 0.05/3; R row with
# alpha 0.025 checks the level enters the formulas (n_connor 399.49 -> 400).
expect_exit 0 ct power --pb 0.2 --pc 0.1 --groups 3 --adjust bonferroni --json
cp out.txt bonf.json
check bonf.json alpha_per_comparison=0.0166666666666667 adjust='"bonferroni"'
expect_exit 0 ct power --pb 0.08 --pc 0.16 --alpha 0.025 --power 0.85 --json
cp out.txt a025.json
check a025.json n_connor=400 n_miettinen=392
# --basis exact (the default) builds the design on the exact test's n:
# ceil(168 / 0.8) = 210; --basis connor on Connor's: ceil(155 / 0.8) = 194.
expect_exit 0 ct power --pb 0.15 --pc 0.05 --basis exact --attrition 0.2 --json
cp out.txt basis.json
check basis.json n_per_group=168 n_per_group_sent=210 n_total=210 method='"exact"'
expect_exit 0 ct power --pb 0.15 --pc 0.05 --basis connor --attrition 0.2 --json
cp out.txt basisc.json
check basisc.json n_per_group=155 n_per_group_sent=194 n_total=194 method='"connor"' \
	basis='"connor"'
# Beyond the exact search (Connor's n about 3.9 million) the plan falls back
# on Connor's n, and says so.
expect_exit 0 ct power --pb 0.2505 --pc 0.2495 --json
cp out.txt big.json
check big.json n_exact=null basis='"exact"' method='"connor"'
python3 -c 'import json; d=json.load(open("big.json")); assert d["n_per_group"]==d["n_connor"], d; assert any("uses Connor" in n for n in d["notes"]), d'

# Errors: exit 2 with a clear message.
expect_exit 2 ct power --pb 1.2 --pc 0.1
expect_err 'corrtest power: --pb must be a number in \[0, 1\]'
expect_exit 2 ct power --pb 0.6 --pc 0.6
expect_err 'p_b \+ p_c must not exceed 1'
expect_exit 2 ct power --pb 0.2 --pc 0.2
expect_err 'delta = 0'
expect_exit 2 ct power --p-control 0.5 --p-test 0.5 --concordance 0.7
expect_err 'delta = 0'
expect_exit 2 ct power --p-control 0.6 --p-test 0.5 --concordance 0.95
expect_err 'no table has these response rates'
expect_exit 2 ct power --p-control 0.6 --p-test 0.5
expect_err 'concordance'
expect_exit 2 ct power --pb 0.2
expect_err '--pb and --pc go together'
expect_exit 2 ct power
expect_err 'give the design one way'
expect_exit 2 ct power --pb 0.2 --pc 0.1 --p-control 0.5
expect_err 'give the design one way'
expect_exit 2 ct power --pb 0.2 --pc 0.1 --alpha 0.7
expect_err '--alpha'
expect_exit 2 ct power --pb 0.2 --pc 0.1 --n 0
expect_err '--n'
expect_exit 2 ct power --pb 0.2 --pc 0.1 --attrition 1
expect_err '--attrition'
expect_exit 2 ct power --pb 0.2 --pc 0.1 --adjust sidak
expect_err '--adjust'
expect_exit 2 ct power --previous 0 0 0 0
expect_err 'no pairs'
expect_exit 2 ct power --previous 40 20 10 30 --diff 0.5
expect_err 'larger than'
expect_exit 2 ct power --pb 0.2 --pc 0.1 --diff 0.1
expect_err '--diff goes with --previous'
expect_exit 2 ct power --pb 0.2 --pc 0.1 --basis fisher
expect_err '--basis'
expect_exit 0 ct power --help
expect_out 'concordance'
expect_out 'exact \(default'
expect_out '--grid'

# --grid: one row per design and n, in every format; the exact power at
# n = 800 for p_b 0.2, p_c 0.1 is R's 0.999380207203062 (as above).
expect_exit 0 ct power --grid --n 200:800:300 --pb 0.2,0.25 --pc 0.1 --csv
python3 - <<'PY'
import csv
r = list(csv.DictReader(open("out.txt")))
assert [(x["pb"], x["n"]) for x in r] == [("0.2", "200"), ("0.2", "500"), ("0.2", "800"),
                                          ("0.25", "200"), ("0.25", "500"), ("0.25", "800")], r
assert abs(float(r[2]["power_exact"]) - 0.999380207203062) < 1e-9, r[2]
assert abs(float(r[2]["power_midp"]) - 0.999501846988968) < 1e-9, r[2]
assert abs(float(r[2]["power_connor"]) - 0.99944055228587) < 1e-9, r[2]
PY
expect_exit 0 ct power --grid --n 800 --previous 40 20 10 30 --diff 0.1 --json
check_grid() { python3 -c "import json; g = json.load(open('out.txt'))['grid']; assert len(g) == 1 and abs(g[0]['power_exact'] - 0.999380207203062) < 1e-9, g"; }
check_grid
expect_exit 0 ct power --grid --n 100,800 --pb 0.2 --pc 0.1
expect_out '^ *0\.2 +0\.1 +0\.1 +800 +0\.9994 +0\.9995 +0\.9994$'
expect_exit 2 ct power --grid --pb 0.2 --pc 0.1
expect_err '--grid needs --n'
expect_exit 2 ct power --grid --n 5:1:1 --pb 0.2 --pc 0.1
expect_err 'FROM:TO:STEP'
expect_exit 2 ct power --grid --n 100 --pb 0.2,0.3 --pc 0.1,0.05,0.02
expect_err 'same length'
expect_exit 2 ct power --grid --n 100 --pb 0.2 --pc 0.1 --power 0.9
expect_err 'do not apply'
expect_exit 2 ct power --grid --n 1:200000:1 --pb 0.2 --pc 0.1
expect_err 'more than 100000'
expect_exit 2 ct power --pb 0.2 --pc 0.1 --csv
expect_err '--csv goes with --grid'
