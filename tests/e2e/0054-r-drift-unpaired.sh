# r-drift-unpaired: re-runs the R scripts behind the fixtures of the
# unpaired, multiple-comparison, strata and agent-level statistics
# (tests/r/unpaired.R, multi.R, strata.R, agent.R) and checks that they
# still write the committed files byte for byte, so that a change in R, in
# a script or in a fixture is caught. Skipped when Rscript is absent.
. "$E2E_DIR/lib.sh"
if ! command -v Rscript >/dev/null 2>&1; then
	echo "skip: Rscript not installed (apt-get install r-base-core)"
	exit 0
fi
here=$(pwd)
fx="$TOP/tests/fixtures"
run() { # SCRIPT OUT...
	s=$1; shift
	(cd "$TOP" && Rscript "tests/r/$s" "$@") || fail "Rscript tests/r/$s failed"
}
run unpaired.R "$here/unpaired.tsv"
run multi.R "$here/padjust.tsv" "$here/cochran.tsv"
run strata.R "$here/strata.tsv"
run agent.R "$here/agent.tsv"
for f in unpaired padjust cochran strata agent; do
	cmp "$here/$f.tsv" "$fx/stats-$f.tsv" || {
		diff "$here/$f.tsv" "$fx/stats-$f.tsv" | head -20 >&2
		fail "tests/fixtures/stats-$f.tsv differs from what its R script writes now"
	}
done
echo "ok: 5 fixtures reproduced by R"
