# r-drift-power: re-runs tests/r/power.R and compares its output with the
# committed fixture tests/fixtures/stats-power.tsv byte for byte, so that a
# change in R or in the script is caught. Skipped when R is not installed.
. "$E2E_DIR/lib.sh"
if ! command -v Rscript >/dev/null 2>&1; then
	echo "skip: Rscript not installed"
	exit 0
fi
Rscript "$TOP/tests/r/power.R" power.tsv
cmp power.tsv "$TOP/tests/fixtures/stats-power.tsv" || fail "tests/r/power.R output differs from the fixture"

# power --grid against R, to 1e-9: every cell summed in R over every
# possible table (each number of discordant pairs m and each b), with the
# p-value of each table from the two-sided binomial test whose definition
# tests/r/power.R checks against binom.test; nothing shared with the C code.
# At Bonferroni over two groups the level of each comparison is 0.025.
"$CORRTEST" power --grid --n 50:950:150 --pb 0.15,0.2,0.26 --pc 0.05 --groups 2 \
	--adjust bonferroni --json >grid.json
cat >grid.R <<'R'
pvalues <- function(m, midp) {
  x <- 0:m
  lo <- pmin(x, m - x)
  p <- 2 * pbinom(lo, m, 0.5)
  if (midp) p <- p - dbinom(lo, m, 0.5)
  pmin(1, p)
}
power_exact <- function(pb, pc, alpha, n, midp) {
  psi <- pb + pc; p1 <- pb / psi
  wm <- dbinom(0:n, n, psi)
  total <- 0
  for (m in 1:n) {
    rej <- pvalues(m, midp) <= alpha
    if (any(rej)) total <- total + wm[m + 1] * sum(dbinom(0:m, m, p1)[rej])
  }
  total
}
for (pb in c(0.15, 0.2, 0.26)) for (n in seq(50, 950, by = 150))
  cat(pb, n, sprintf("%.17g", power_exact(pb, 0.05, 0.025, n, FALSE)),
      sprintf("%.17g", power_exact(pb, 0.05, 0.025, n, TRUE)), "\n")
R
Rscript grid.R >grid-r.txt || fail "grid.R failed"
python3 - <<'PY'
import json
g = json.load(open("grid.json"))
assert g["alpha_per_comparison"] == 0.025, g["alpha_per_comparison"]
cells = {(round(c["pb"], 6), c["n"]): c for c in g["grid"]}
assert len(cells) == 3 * 7, len(cells)
rows = 0
for line in open("grid-r.txt"):
    pb, n, exact, midp = line.split()
    c = cells[(round(float(pb), 6), int(n))]
    assert abs(c["power_exact"] - float(exact)) <= 1e-9, (pb, n, c["power_exact"], exact)
    assert abs(c["power_midp"] - float(midp)) <= 1e-9, (pb, n, c["power_midp"], midp)
    rows += 1
assert rows == 21, rows
print("grid agrees with R on", rows, "cells")
PY
