# r-drift-cluster: reruns tests/r/cluster.R (lm + sandwich::vcovCL on
# simulated pairs) and checks that the pairs and the reference results it
# writes are byte for byte the committed fixtures that
# tests/unit/test_cluster.c compares stats/cluster.c with. Skips when R or
# its sandwich package is absent.
. "$E2E_DIR/lib.sh"
if ! command -v Rscript >/dev/null 2>&1; then
	echo "skip: Rscript not installed"
	exit 0
fi
if ! Rscript -e 'library(sandwich)' >/dev/null 2>&1; then
	echo "skip: R package sandwich not installed"
	exit 0
fi
mkdir out
Rscript "$TOP/tests/r/cluster.R" out 2>err.txt || { cat err.txt >&2; fail "cluster.R failed"; }
for f in stats-cluster-data.tsv stats-cluster.tsv; do
	cmp "out/$f" "$FIXTURES/$f" || {
		diff "out/$f" "$FIXTURES/$f" | head -20 >&2
		fail "$f drifted from the committed fixture: rerun Rscript tests/r/cluster.R and review"
	}
done
