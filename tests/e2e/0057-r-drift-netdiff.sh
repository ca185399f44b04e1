# When R is installed, re-runs tests/r/netdiff.R and checks that it still
# writes the committed fixture tests/fixtures/stats-netdiff.tsv byte for
# byte, so that a change to the script or to R is noticed.
. "$E2E_DIR/lib.sh"
if ! command -v Rscript >/dev/null 2>&1; then
	echo "skip: Rscript not installed"
	exit 0
fi
root="$E2E_DIR/../.."
(cd "$root" && Rscript tests/r/netdiff.R "$OLDPWD/netdiff.tsv") >r.out 2>&1 || { cat r.out >&2; fail "tests/r/netdiff.R failed"; }
cmp netdiff.tsv "$root/tests/fixtures/stats-netdiff.tsv" || fail "tests/r/netdiff.R no longer writes tests/fixtures/stats-netdiff.tsv"
