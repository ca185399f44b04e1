# When R is installed, re-runs tests/r/paired.R and checks that it still
# writes the committed fixture tests/fixtures/stats-paired.tsv byte for
# byte, so that a change to the script or to R is noticed.
. "$E2E_DIR/lib.sh"
if ! command -v Rscript >/dev/null 2>&1; then
	echo "skip: Rscript not installed"
	exit 0
fi
root="$E2E_DIR/../.."
(cd "$root" && Rscript tests/r/paired.R "$OLDPWD/paired.tsv") >r.out 2>&1 || { cat r.out >&2; fail "tests/r/paired.R failed"; }
cmp paired.tsv "$root/tests/fixtures/stats-paired.tsv" || fail "tests/r/paired.R no longer writes tests/fixtures/stats-paired.tsv"
