# When R is installed, re-runs tests/r/signrank.R and checks that it still
# writes the committed fixture tests/fixtures/stats-signrank.tsv byte for
# byte, so that a change to the script or to R's wilcox.test is noticed.
. "$E2E_DIR/lib.sh"
if ! command -v Rscript >/dev/null 2>&1; then
	echo "skip: Rscript not installed"
	exit 0
fi
root="$E2E_DIR/../.."
(cd "$root" && Rscript tests/r/signrank.R "$OLDPWD/signrank.tsv") >r.out 2>&1 || { cat r.out >&2; fail "tests/r/signrank.R failed"; }
cmp signrank.tsv "$root/tests/fixtures/stats-signrank.tsv" || fail "tests/r/signrank.R no longer writes tests/fixtures/stats-signrank.tsv"
