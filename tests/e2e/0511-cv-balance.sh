# 0511-cv-balance.sh: across a 500-listing job study (issue 13: "across a
# 500-listing study, attributes and layouts are balanced over the groups"),
# recomputed in R from `corrtest export cv`:
#  - every pair's two CVs have different layouts and different phrasings;
#  - per group, the layout-1 and phrasing-1 counts are within 2 of half the
#    group's CVs;
#  - chisq.test of group x layout and group x phrasing: p > 0.01, and
#    `cv --balance --json` reports the same chi-square, df and p (Pearson,
#    no continuity correction, empty rows and columns left out: what
#    tools/lib/cv/cvbal.c says it computes, R's chisq.test(correct = FALSE)
#    on the table of the values present);
#  - every attribute column of the export with more than one value:
#    chisq.test with a simulated p-value (B = 2000, fixed seed) > 0.001
#    (the smallest such p is 1/2001: only a strong dependence fails), and,
#    where `cv --balance` tests the same attribute on the same CVs, the same
#    statistic.
. "$(dirname "$0")/lib.sh"
new_study s --market job --lang nl --city Gent
ct -S s personas >/dev/null
python3 - <<'PY'
codes = ["2411", "4110", "2221", "2512", "5223", "4321", "5131", "7411"]
levels = ["none", "secondary", "bachelor"]
with open("listings.csv", "w", encoding="utf-8") as f:
    f.write("ref,agent_type,agent,area,round,posted_on,title,isco,level\n")
    for i in range(500):
        f.write(f"J{i + 1},{'agency' if i % 4 == 0 else 'private'},Employer {i + 1},Gent,1,2026-11-20,"
                f"Vacancy {i + 1},{codes[(i * 7 + i // 8) % 8]},{levels[i % 3]}\n")
PY
expect_exit 0 ct -S s listings import listings.csv
expect_out '^Imported 500 listings'
expect_exit 0 ct -S s assign
expect_out '^1000 CVs drawn\.$'
expect_exit 0 ct -S s export cv -o cv.csv
set +e; ct -S s cv --balance --json >bal.json 2>bal.err; rc=$?; set -e
[ $rc -le 1 ] || { cat bal.err >&2; fail "cv --balance exited $rc"; }

# Within every pair, read from the export (not the database).
python3 - <<'PY' || fail "the pairs' rules do not hold"
import csv, collections
rows = list(csv.DictReader(open("cv.csv", encoding="utf-8", newline="")))
assert len(rows) == 1000, len(rows)
by = collections.defaultdict(list)
for r in rows:
    by[r["listing_ref"]].append(r)
assert len(by) == 500, len(by)
bad = [ref for ref, p in by.items()
       if len(p) != 2 or p[0]["layout"] == p[1]["layout"] or p[0]["phrasing"] == p[1]["phrasing"]
       or p[0]["group"] == p[1]["group"]]
assert not bad, f"{len(bad)} pairs break the rules, e.g. {bad[:5]}"
PY

cat >balance.R <<'R'
d <- read.csv("cv.csv", colClasses = "character", check.names = FALSE, encoding = "UTF-8",
              na.strings = character(0))
out <- file("r.tsv", "w")
emit <- function(attr, kind, stat, df, p)
	cat(attr, kind, format(stat, digits = 15), df, format(p, digits = 15), "\n", sep = "\t", file = out)
# Layout and phrasing: Pearson, asymptotic, no continuity correction.
for (a in c("layout", "phrasing")) {
	t <- table(d$group, d[[a]])
	ct <- suppressWarnings(chisq.test(t, correct = FALSE))
	emit(a, "asym", unname(ct$statistic), unname(ct$parameter), ct$p.value)
	# Every group's count of value 1 within 2 of half its CVs.
	for (g in rownames(t)) {
		n1 <- t[g, "1"]; n <- sum(t[g, ])
		if (abs(n1 - n / 2) > 2) cat("UNBALANCED", a, g, n1, n, "\n", file = out)
	}
}
fixed <- c("listing_ref", "application_id", "group", "gender", "position", "layout", "phrasing")
for (a in setdiff(names(d), fixed)) {
	if (length(unique(d[[a]])) < 2) next
	t <- table(d$group, d[[a]])
	set.seed(20261122)
	ct <- suppressWarnings(chisq.test(t, simulate.p.value = TRUE, B = 2000))
	emit(a, if (any(d[[a]] == "")) "sim-empty" else "sim", unname(ct$statistic), NA, ct$p.value)
}
close(out)
R
Rscript balance.R >r.out 2>&1 || { cat r.out >&2; fail "Rscript failed"; }
if grep -q '^UNBALANCED' r.tsv; then grep '^UNBALANCED' r.tsv >&2; fail "a group's layouts or phrasings are not within 2 of half"; fi

python3 - <<'PY' || fail "cv --balance disagrees with R, or an attribute depends on the group"
import json, math
bal = json.load(open("bal.json"))
tests = {t["attribute"]: t for t in bal["tests"]}
r = {}
for line in open("r.tsv"):
    if line.startswith("UNBALANCED"):
        continue
    attr, kind, stat, df, p = line.rstrip("\n").split("\t")[:5]
    r[attr] = (kind, float(stat), None if df == "NA" else int(df), float(p))
def close(x, y):
    return abs(x - y) <= 1e-6 * max(abs(x), abs(y)) or abs(x - y) <= 1e-9
bad = []
for a in ("layout", "phrasing"):
    kind, stat, df, p = r[a]
    t = tests[a]
    if p <= 0.01:
        bad.append(f"{a}: R's p = {p} <= 0.01")
    if not (close(t["chi2"], stat) and t["df"] == df and close(t["p"], p)):
        bad.append(f"{a}: cv --balance chi2 {t['chi2']} df {t['df']} p {t['p']}; R {stat} {df} {p}")
compared = 0
for a, (kind, stat, df, p) in r.items():
    if kind == "asym":
        continue
    if p <= 0.001:
        bad.append(f"{a}: depends on the group (R simulated p = {p})")
    # cv --balance counts an attribute over the CVs that have it: the same
    # table as R's only when every CV has it.
    if kind == "sim" and a in tests:
        compared += 1
        if not close(tests[a]["chi2"], stat):
            bad.append(f"{a}: cv --balance chi2 {tests[a]['chi2']}, R {stat}")
for b in bad:
    print(b)
print(f"{len(r) - 2} attribute columns tested in R, {compared} statistics compared with cv --balance")
assert compared >= 5, "too few attributes compared"
assert bal["cvs"] == 1000
if not bad and not bal["balanced"]:
    print("cv --balance says unbalanced where R finds nothing")
    bad.append(1)
raise SystemExit(1 if bad else 0)
PY
