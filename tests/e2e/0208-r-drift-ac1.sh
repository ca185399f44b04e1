# When R is installed, re-runs tests/r/agreement_ac1.R (a transcription of
# irrCAC's gwet.ac1.table) and checks that it still writes the committed
# fixture tests/fixtures/stats-ac1.tsv byte for byte, so that a change to
# the script or to R is noticed.
. "$E2E_DIR/lib.sh"
if ! command -v Rscript >/dev/null 2>&1; then
	echo "skip: Rscript not installed"
	exit 0
fi
root="$E2E_DIR/../.."
(cd "$root" && Rscript tests/r/agreement_ac1.R "$OLDPWD/ac1.tsv") >r.out 2>&1 || { cat r.out >&2; fail "tests/r/agreement_ac1.R failed"; }
cmp ac1.tsv "$root/tests/fixtures/stats-ac1.tsv" || fail "tests/r/agreement_ac1.R no longer writes tests/fixtures/stats-ac1.tsv"
