# stats --table and --unpaired: numbers without a study. Every field of
# `--table --json` is compared with tests/fixtures/stats-paired.tsv, which
# tests/r/paired.R computes in R from the published formulas; the edge cases
# (N = 0, b = c = 0, b + c = 1, a = N, 10^7 counts) print nulls with reasons
# and exit 0; bad numbers exit 2 with a clear message.
. "$E2E_DIR/lib.sh"
fixture="$E2E_DIR/../fixtures/stats-paired.tsv"
[ -s "$fixture" ] || fail "missing $fixture"

# Every row of the fixture through the command (no study folder here).
python3 - "$fixture" "$CORRTEST" <<'EOF'
import csv, json, math, subprocess, sys
fixture, exe = sys.argv[1], sys.argv[2]
fields = ["n", "a", "b", "c", "d", "rate_control", "rate_control_ci", "rate_test",
          "rate_test_ci", "diff", "diff_ci_newcombe", "diff_ci_tango", "net_ilo",
          "net_ilo_ci", "gross_control", "gross_test", "net_all", "ratio",
          "ratio_ci_bonett_price", "ratio_ci_wald_log", "odds_ratio", "odds_ratio_ci",
          "mcnemar_exact_p", "mcnemar_midp", "mcnemar_chi2", "mcnemar_chi2_p",
          "mcnemar_chi2_cc", "mcnemar_chi2_cc_p", "notes"]
def same(got, want, where):
    if want == "NA":
        assert got is None, (where, got)
        return
    w = float(want)
    assert got is not None and isinstance(got, (int, float)), (where, got, want)
    assert abs(got - w) <= max(1e-9, 1e-6 * abs(w)), (where, got, want)
rows = list(csv.DictReader(open(fixture), delimiter="\t"))
assert len(rows) >= 40, len(rows)
for r in rows:
    t = [str(int(float(r[k]))) for k in "abcd"]
    cmd = [exe, "stats", "--table"] + t + ["--alpha", r["alpha"], "--json"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    assert p.returncode == 0, (cmd, p.returncode, p.stderr)
    j = json.loads(p.stdout)
    assert list(j) == fields, (cmd, list(j))
    where = " ".join(t) + " alpha " + r["alpha"]
    nulls = False
    for k in fields[:-1]:
        if k + "_lo" in r:
            lo, hi = r[k + "_lo"], r[k + "_hi"]
            if lo == "NA" and hi == "NA":
                assert j[k] is None, (where, k, j[k])
                nulls = True
                continue
            assert isinstance(j[k], list) and len(j[k]) == 2, (where, k, j[k])
            same(j[k][0], lo, (where, k, "lo"))
            same(j[k][1], hi, (where, k, "hi"))
            nulls = nulls or "NA" in (lo, hi)
        else:
            same(j[k], r[k], (where, k))
            nulls = nulls or r[k] == "NA"
    # A null always comes with a reason.
    if nulls:
        assert j["notes"], (where, "null without a note")
    assert "NaN" not in p.stdout and "Infinity" not in p.stdout
EOF

# The edge cases, one by one: exit 0, nulls with the reason.
expect_exit 0 ct stats --table 0 0 0 0 --json
python3 -c "
import json; j = json.load(open('out.txt'))
assert j['n'] == 0 and j['diff'] is None and j['mcnemar_exact_p'] is None
assert any('N = 0' in n for n in j['notes']), j['notes']"
expect_exit 0 ct stats --table 5 0 0 5 --json
python3 -c "
import json; j = json.load(open('out.txt'))
assert j['mcnemar_exact_p'] is None and j['odds_ratio'] is None and j['diff'] == 0
assert any('b = c = 0' in n for n in j['notes']), j['notes']"
expect_exit 0 ct stats --table 0 1 0 3 --json
python3 -c "
import json; j = json.load(open('out.txt'))
assert j['mcnemar_exact_p'] == 1 and j['mcnemar_midp'] == 0.5 and j['ratio'] is None
assert j['ratio_ci_bonett_price'][1] is None and j['odds_ratio_ci'][1] is None
assert any('a+c = 0' in n for n in j['notes']) and any('c = 0' in n for n in j['notes'])"
expect_exit 0 ct stats --table 10 0 0 0 --json
python3 -c "
import json; j = json.load(open('out.txt'))
assert j['rate_control'] == 1 and j['ratio'] == 1 and j['mcnemar_chi2'] is None"
expect_exit 0 ct stats --table 10000000 10000000 10000000 10000000 --json
python3 -c "
import json; j = json.load(open('out.txt'))
assert j['n'] == 40000000 and j['diff'] == 0 and j['mcnemar_exact_p'] == 1"
# The readable form shows '-' and the notes.
expect_exit 0 ct stats --table 0 0 0 0
expect_out "^Notes:"
expect_out "N = 0"
expect_exit 0 ct stats --table 59 6 16 80
expect_out "^difference \(b-c\)/N, %, Newcombe method 10 +-6\.2 \[-11\.9, -0\.5\]$"
expect_out "^  Tango score interval +\[-12\.4, -0\.5\]$"
# A measure without a value reads n/a, never inf or nan: c = 0 makes the
# odds ratio b/c infinite and the upper bound of its interval too.
expect_exit 0 ct stats --table 3 4 0 5
expect_out "^odds ratio b/c, exact \(Clopper-Pearson\) +n/a \[[0-9.]+, n/a\]$"
! grep -Eqiw "inf|nan" out.txt || fail "inf or nan in the table"
expect_exit 0 ct stats --table 59 6 16 80 --csv
expect_out "^n,a,b,c,d,rate_control,"

# Bad numbers: exit 2 with a clear message.
expect_exit 2 ct stats --table 1 -2 3 4
expect_err "corrtest stats: --table: counts must be whole numbers >= 0.*'-2'"
expect_exit 2 ct stats --table 1 2.5 3 4
expect_err "not '2\.5'"
expect_exit 2 ct stats --table 1 2 3
expect_err "--table needs four counts"
expect_exit 2 ct stats --table 1 2 3 99999999999999999999
expect_exit 2 ct stats --table 9223372036854775807 1 0 0
expect_err "add up to more than"
expect_exit 2 ct stats --table 1 2 3 4 --alpha 0
expect_err "--alpha must be"
expect_exit 2 ct stats --table 1 2 3 4 --outcome broad

# --unpaired: the fields, and x > n refused.
expect_exit 0 ct stats --unpaired 30 100 20 100 --json
python3 - <<'EOF'
import json
j = json.load(open("out.txt"))
for k in ("n1", "x1", "n2", "x2", "rate_1", "rate_1_ci", "rate_2", "rate_2_ci", "diff",
          "diff_ci_newcombe", "chi2", "chi2_p", "chi2_yates", "chi2_yates_p", "fisher_p",
          "risk_ratio", "risk_ratio_ci", "notes"):
    assert k in j, k
# R: prop.test(c(30, 20), c(100, 100), correct = FALSE)$statistic = 2.666667,
# p.value = 0.1024704; correct = TRUE: 2.16, 0.1416447;
# fisher.test(matrix(c(30, 70, 20, 80), 2))$p.value = 0.1412067.
assert abs(j["chi2"] - 8 / 3) < 1e-9 and abs(j["chi2_p"] - 0.1024704) < 1e-6
assert abs(j["chi2_yates"] - 2.16) < 1e-9 and abs(j["chi2_yates_p"] - 0.1416447) < 1e-6
assert abs(j["fisher_p"] - 0.1412067) < 1e-6
assert abs(j["diff"] - 0.1) < 1e-12 and abs(j["risk_ratio"] - 1.5) < 1e-12
EOF
expect_exit 0 ct stats --unpaired 30 100 20 100
expect_out "Fisher exact p"
expect_exit 0 ct stats --unpaired 0 0 0 0 --json
python3 -c "
import json; j = json.load(open('out.txt'))
assert j['rate_1'] is None and j['notes']"
expect_exit 2 ct stats --unpaired 30 10 20 100
expect_err "exceeds its number of applications"
expect_exit 2 ct stats --unpaired 3 10 -1 100
expect_exit 2 ct stats --table 1 2 3 4 --unpaired 1 2 3 4
