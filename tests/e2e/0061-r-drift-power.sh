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
