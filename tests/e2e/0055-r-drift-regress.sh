# r-drift-regress: reruns tests/r/regress.R (lm + sandwich::vcovCL and
# survival::clogit on simulated applications) and checks that the data and
# the reference results it writes are byte for byte the committed fixtures
# that tests/unit/test_regress.c compares stats/regress.c with. Skips when
# R or its survival and sandwich packages are absent.
. "$E2E_DIR/lib.sh"
if ! command -v Rscript >/dev/null 2>&1; then
	echo "skip: Rscript not installed"
	exit 0
fi
if ! Rscript -e 'library(survival); library(sandwich)' >/dev/null 2>&1; then
	echo "skip: R packages survival and sandwich not installed"
	exit 0
fi
mkdir out
Rscript "$TOP/tests/r/regress.R" out 2>err.txt || { cat err.txt >&2; fail "regress.R failed"; }
for f in stats-regress-data.tsv stats-regress-results.tsv; do
	cmp "out/$f" "$FIXTURES/$f" || {
		diff "out/$f" "$FIXTURES/$f" | head -20 >&2
		fail "$f drifted from the committed fixture: rerun Rscript tests/r/regress.R and review"
	}
done
