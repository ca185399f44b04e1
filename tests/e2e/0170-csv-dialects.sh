# CSV dialects (issue 9): what a Belgian Excel writes, "CSV (separator:
# semicolon)" with decimal commas, a UTF-8 byte-order mark and CRLF, is
# read, with the guess shown; a tab-separated file too; --delimiter
# overrides; a header with two kinds of separator is refused, the study
# unchanged. Both importers (listings import and import) read files the
# same way. Expected prices are those written in the file, read by hand.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-12-15T10:00:00Z CORRTEST_ACTOR=tester
q() { sqlite3 s/study.db "$1"; }
new_study s
ct -S s personas >/dev/null

# Semicolons, decimal commas (one quoted, as Excel quotes nothing but a
# value with the separator; quoting must not matter), a BOM and CRLF; a
# title with a comma needs no quotes in a semicolon file.
printf '\357\273\277ref;url;agent_type;price;area;title\r\n' >semi.csv
printf 'B-1;https://immo.example/1;agency;1250,50;Gent;Ruim, licht appartement\r\n' >>semi.csv
printf 'B-2;https://immo.example/2;private;"995,5";Gent;Studio\r\n' >>semi.csv
printf 'B-3;;agency;800;Gent;Huis\r\n' >>semi.csv
printf 'B-4;;agency;712.25;Gent;Kot\r\n' >>semi.csv
expect_exit 0 ct -S s listings import semi.csv
expect_out "^Read semi.csv as semicolon-separated, decimal comma \(guessed from its header"
expect_out "Imported 4 listings"
[ "$(q "SELECT group_concat(ref || '=' || printf('%.2f', price), ' ') FROM (SELECT * FROM listing ORDER BY ref)")" = \
	"B-1=1250.50 B-2=995.50 B-3=800.00 B-4=712.25" ] || fail "prices: $(q 'SELECT ref, price FROM listing')"
[ "$(q "SELECT title FROM listing WHERE ref = 'B-1'")" = "Ruim, licht appartement" ] || fail "comma in a semicolon file"
# JSON says how the file was read.
printf 'ref;agent_type\nB-5;agency\n' >semi2.csv
ct -S s listings import --json semi2.csv >j.json
python3 - <<'PY'
import json
d = json.load(open("j.json"))
assert d["delimiter"] == ";" and d["delimiter_guessed"] is True, d
assert d["read_as"] == "semicolon-separated, decimal comma", d
PY

# A comma file: nothing to say about the dialect, and a decimal comma in a
# comma file is still refused (there it would be a thousands separator or
# a split field).
printf 'ref,agent_type,price\nC-1,agency,"1250,50"\n' >comma.csv
before=$(snapshot s)
expect_exit 2 ct -S s listings import comma.csv
expect_err "column price: '1250,50' is not a number as corrtest reads it"
[ "$(snapshot s)" = "$before" ] || fail "a refused file changed the study"
# A comma and three digits stays refused in a semicolon file (1,250 may
# mean 1250); thousands points, as a Belgian Excel groups them, are read
# (1.250,50 is 1250.50), and nothing is imported while one row is wrong.
printf 'ref;agent_type;price\nC-2;agency;1,250\nC-3;agency;1.250,50\n' >thou.csv
expect_exit 2 ct -S s listings import thou.csv
expect_err "thou.csv:2: column price: '1,250' is not a number"
if grep -q "thou.csv:3" err.txt; then fail "1.250,50 was refused"; fi
[ "$(snapshot s)" = "$before" ] || fail "a refused file changed the study"
printf 'ref;agent_type;price\nC-3;agency;1.250,50\nC-4;agency;2.400\n' >thou2.csv
expect_exit 0 ct -S s listings import thou2.csv
[ "$(sqlite3 s/study.db "SELECT group_concat(price, ' ') FROM (SELECT price FROM listing WHERE ref IN ('C-3', 'C-4') ORDER BY ref)")" = "1250.5 2400.0" ] ||
	fail "thousands points misread: $(sqlite3 s/study.db "SELECT ref, price FROM listing WHERE ref IN ('C-3', 'C-4')")"
sqlite3 s/study.db "DELETE FROM listing_contact WHERE listing IN (SELECT id FROM listing WHERE ref IN ('C-3', 'C-4')); DELETE FROM listing WHERE ref IN ('C-3', 'C-4')"
before=$(snapshot s)

# Ambiguous: commas and semicolons in the header. Refused, naming both.
printf 'ref,url;agent_type\nD-1,x;agency\n' >amb.csv
expect_exit 2 ct -S s listings import amb.csv
expect_err "^corrtest listings: amb.csv:1: the header has commas and semicolons outside quotes, so the separator is ambiguous"
[ "$(snapshot s)" = "$before" ] || fail "an ambiguous file changed the study"
# --delimiter settles it: with ';' the header is 'ref,url' and 'agent_type',
# and 'ref,url' is not a column.
expect_exit 2 ct -S s listings import --delimiter ';' amb.csv
expect_err "column 1 of the header, 'ref,url', is not a known column"
expect_exit 2 ct -S s listings import --delimiter '|' amb.csv
expect_err "^corrtest listings: --delimiter: '\|' is not one of"

# Tab-separated, given explicitly: the dialect is shown as given, not guessed.
printf 'ref\tagent_type\tprice\nT-1\tagency\t650,75\n' >tab.tsv
expect_exit 0 ct -S s listings import --delimiter tab tab.tsv
expect_out "^Read tab.tsv as tab-separated, decimal comma\.$"
[ "$(q "SELECT printf('%.2f', price) FROM listing WHERE ref = 'T-1'")" = 650.75 ] || fail "tab price"

# The response log: the same reader, the same guess.
printf '\357\273\277listing;group;gender;outcome;agent_type\r\n' >log.csv
printf 'R-1;belgian;female;invitation;agency\r\nR-1;maghrebi;female;no_reply;agency\r\n' >>log.csv
expect_exit 0 ct -S s import log.csv
expect_out "^Read log.csv as semicolon-separated, decimal comma \(guessed"
expect_out "Imported 2 responses"
[ "$(q "SELECT count(*) FROM response r JOIN application a ON a.id = r.application JOIN listing l ON l.id = a.listing WHERE l.ref = 'R-1'")" = 2 ] ||
	fail "responses of the semicolon log"
before=$(snapshot s)
printf 'listing,group;gender\n' >amb2.csv
expect_exit 2 ct -S s import amb2.csv
expect_err "^corrtest import: amb2.csv:1: the header has commas and semicolons"
[ "$(snapshot s)" = "$before" ] || fail "an ambiguous log changed the study"
