# listings, against files and flags as people really send them: an Excel
# file saved with semicolons, a folder given as the file, a 5 MB field, refs
# that differ only in case, an option given twice, getopt's own complaints.
# Each is refused with a message that starts "corrtest listings: ", names
# the file and line, stays short, and leaves the study byte-for-byte as it was.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-12-01T09:00:00Z CORRTEST_ACTOR=tester
new_study s
ct -S s listings add --ref GENT-001 --agent-type agency >/dev/null
before=$(snapshot s)
unchanged() { [ "$(snapshot s)" = "$before" ] || fail "study changed: $*"; }

# Excel in a Belgian locale: semicolons. Such a file is read since issue 9
# (0170); read with a comma as --delimiter says, it is one column, and the
# message says what the file looks like and how to read it.
printf 'ref;url;agent_type\r\nA;https://x.example/1;agency\r\n' >semi.csv
expect_exit 2 ct -S s listings import --delimiter , semi.csv
expect_err "^corrtest listings: semi.csv:1: the file looks semicolon-separated.*--delimiter ';'"
unchanged semicolon
printf 'ref\tagent_type\nA\tagency\n' >tab.csv
expect_exit 2 ct -S s listings import tab.csv --delimiter ,
expect_err "^corrtest listings: tab.csv:1: the file looks tab-separated.*--delimiter tab"
unchanged tab

# A folder is not a file: an input error (2), not a read error (3).
mkdir folder.csv
expect_exit 2 ct -S s listings import folder.csv
expect_err "^corrtest listings: folder.csv: is a folder, not a CSV file"
unchanged folder

# A 5 MB title is refused without being echoed back whole.
python3 -c "open('long.csv','w').write('ref,agent_type,title\nB,agency,' + 'x' * 5000000 + '\n')"
expect_exit 2 ct -S s listings import long.csv
expect_err "^corrtest listings: long.csv:2: column title: 'x+\.\.\.' is longer than 1000 bytes"
[ "$(wc -c <err.txt)" -lt 1000 ] || fail "a 5 MB value was echoed: $(wc -c <err.txt) bytes"
unchanged long

# Refs that differ only in case are one listing: in the file, and against
# the study (where GENT-001 is).
cat >case.csv <<'EOF'
ref,agent_type
L-7,agency
l-7,private
gent-001,agency
EOF
expect_exit 2 ct -S s listings import case.csv
expect_err "^corrtest listings: case.csv:3: column ref: 'l-7' and 'L-7' \(line 2\) differ only in case"
expect_err "^corrtest listings: case.csv:4: column ref: 'gent-001' is already in the study \(as 'GENT-001'\)"
expect_err "2 errors in case.csv; nothing was imported"
unchanged case-file
expect_exit 2 ct -S s listings add --ref Gent-001 --agent-type private
expect_err "^corrtest listings: --ref: 'Gent-001' is already in the study \(as 'GENT-001'\)"
unchanged case-add

# An option given twice is refused, not last-one-wins.
expect_exit 2 ct -S s listings add --ref C --agent-type agency --price 900 --price 1900
expect_err "^corrtest listings: --price is given twice"
unchanged twice

# getopt's own complaints carry the prefix too.
expect_exit 2 ct -S s listings add --ref C --agent-type agency --bogus
if grep -v '^corrtest listings: ' err.txt | grep -v "^(see 'corrtest listings --help')" | grep -q .; then
	cat err.txt >&2
	fail "an error line without the 'corrtest listings: ' prefix"
fi
expect_exit 2 ct -S s listings withdraw --note
expect_err "^corrtest listings: option '--note' requires an argument"
expect_exit 2 ct -S s init x --market
expect_err "^corrtest init: option '--market' requires an argument"

# withdraw finds a ref written in another case, and refuses a control
# character instead of echoing it.
expect_exit 2 ct -S s listings withdraw "$(printf 'GENT\033[2J')"
expect_err "^corrtest listings: the ref contains a control character"
unchanged withdraw-control
expect_exit 0 ct -S s listings withdraw gent-001
expect_out "Withdrew listing GENT-001"
[ "$(sqlite3 s/study.db "SELECT status FROM listing WHERE ref = 'GENT-001'")" = withdrawn ] ||
	fail "withdraw by another case"
[ "$(sqlite3 s/study.db "SELECT subject FROM event WHERE action = 'listings.withdraw'")" = GENT-001 ] ||
	fail "the event names the ref as the study has it"
