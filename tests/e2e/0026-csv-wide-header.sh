# A CSV header of absurd width is refused at once, with the file and the
# line: a million columns (the duplicate check was quadratic and hung), more
# than 1,000, or a header line over 1 MiB. Both importers, nothing changed.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-12-15T10:00:00Z CORRTEST_ACTOR=tester
new_study s
ct -S s personas >/dev/null
before=$(snapshot s)
unchanged() { [ "$(snapshot s)" = "$before" ] || fail "study changed: $*"; }

# c0,c1,...,c999999. The 1,001st name, c1000, starts after c0..c9 (20
# characters), c10..c99 (270), c100..c999 (3,600) and 1,000 commas: column 4,891.
python3 -c 'import sys; sys.stdout.write(",".join("c%d" % i for i in range(1000000)) + "\n1\n")' >wide.csv
for cmd in "listings import" "import"; do
	# Refused within seconds (the old check took hours); timeout exits 124.
	expect_exit 2 timeout 60 "$CORRTEST" -S s $cmd wide.csv
	expect_err "wide.csv:1:4891: header: more than 1000 columns"
	[ "$(wc -c <err.txt)" -lt 1000 ] || fail "the header was echoed: $(wc -c <err.txt) bytes"
	unchanged "$cmd wide.csv"
done

# 1,000 columns is the limit, not an error; the 1,001st is.
python3 -c 'import sys; sys.stdout.write("ref,agent_type," + ",".join("x%d" % i for i in range(998)) + "\n")' >thousand.csv
expect_exit 2 ct -S s listings import thousand.csv
expect_err "thousand.csv:1: column 3 of the header, 'x0', is not a known column"
python3 -c 'import sys; sys.stdout.write("ref,agent_type," + ",".join("x%d" % i for i in range(999)) + "\n")' >1001.csv
expect_exit 2 ct -S s listings import 1001.csv
expect_err "1001.csv:1:[0-9]+: header: more than 1000 columns"

# A header line over 1 MiB: three columns, one of them 2 MB long.
python3 -c 'import sys; sys.stdout.write("ref,agent_type,t" + "x" * 2000000 + "\nA,agency,1\n")' >long-header.csv
expect_exit 2 ct -S s listings import long-header.csv
expect_err "^corrtest listings: long-header.csv:1:[0-9]+: header: longer than 1 MiB"
[ "$(wc -c <err.txt)" -lt 1000 ] || fail "the header was echoed"

# A name given twice, far apart, is still found (and named).
python3 -c 'import sys; sys.stdout.write("ref,agent_type," + ",".join("x%d" % i for i in range(990)) + ",REF\n")' >dup.csv
expect_exit 2 ct -S s listings import dup.csv
expect_err "dup.csv:1:[0-9]+: column 'REF' appears twice in the header \(columns 1 and 993\)"
unchanged "limits"
