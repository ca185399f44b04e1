# Listing and response fields are held to one rule at the door (text_ok):
# a line separator (U+2028), a bidi control (U+202E), a zero-width space
# (U+200B) or a byte-order mark inside a field is refused at import, named
# by its line and column; a byte-order mark at the very start of the file
# stays allowed (Excel writes one). Nothing is imported from a bad file.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-12-15T10:00:00Z CORRTEST_ACTOR=tester
new_study s
ct -S s personas >/dev/null
before=$(snapshot s)
unchanged() { [ "$(snapshot s)" = "$before" ] || fail "study changed: $*"; }

# UTF-8: U+2028 = e2 80 a8, U+202E = e2 80 ae, U+200B = e2 80 8b,
# U+FEFF = ef bb bf, U+200D = e2 80 8d. Columns counted in characters:
#   line 2  A,agency,ab<U+202E>cd      "A,agency," is 9: a 10, b 11, U+202E 12
#   line 3  B,agency,,"x""<U+2028>"    quote 11, x 12, "" 13-14, U+2028 15
#   line 4  C,private,,,Immo<U+200B>Peeters   "C,private,,," is 12: Immo 13-16, U+200B 17
#   line 5  D,private,,,<U+FEFF>Gent          "D,private,,," is 12: the BOM is 13
printf '\357\273\277ref,agent_type,title,contact_name,agent\n' >bad.csv
printf 'A,agency,ab\342\200\256cd,,\n' >>bad.csv
printf 'B,agency,,"x""\342\200\250",\n' >>bad.csv
printf 'C,private,,,Immo\342\200\213Peeters\n' >>bad.csv
printf 'D,private,,,\357\273\277Gent\n' >>bad.csv
expect_exit 2 ct -S s listings import bad.csv
expect_err "^corrtest listings: bad.csv:2:12: column title: contains a bidi control \(U\+202E\)"
expect_err "^corrtest listings: bad.csv:3:15: column contact_name: contains a line or paragraph separator \(U\+2028\)"
expect_err "^corrtest listings: bad.csv:4:17: column agent: contains an invisible character \(U\+200B\)"
expect_err "^corrtest listings: bad.csv:5:13: column agent: contains a byte-order mark \(U\+FEFF\)"
expect_err "4 errors in bad.csv; nothing was imported"
unchanged "bad listings"

# The same rows without the characters import, BOM at the start included.
printf '\357\273\277ref,agent_type,title,contact_name,agent\nA,agency,abcd,,\n' >good.csv
expect_exit 0 ct -S s listings import good.csv
[ "$(sqlite3 s/study.db "SELECT title FROM listing WHERE ref = 'A'")" = abcd ] || fail "good.csv"

# listings add takes the same rule.
before=$(snapshot s)
expect_exit 2 ct -S s listings add --ref E --agent-type agency --title "$(printf 'x\342\200\256y')"
expect_err "^corrtest listings: --title: contains a bidi control \(U\+202E\)"
unchanged "listings add"

# Response logs too: a zero-width joiner in a note, a BOM in a group name.
#   line 2: "GENT-1,belgian,female,info,agency," is 34 characters; "ok" 35-36;
#   U+200D is 37.  line 3: "GENT-1," is 7; the BOM opens the group at 8.
printf 'listing,group,gender,outcome,agent_type,note\n' >log.csv
printf 'GENT-1,belgian,female,info,agency,ok\342\200\215\n' >>log.csv
printf 'GENT-1,\357\273\277maghrebi,female,info,,\n' >>log.csv
expect_exit 2 ct -S s import log.csv
expect_err "^corrtest import: log.csv:2:37: column note: contains an invisible character \(U\+200D\)"
expect_err "^corrtest import: log.csv:3:8: column group: contains a byte-order mark \(U\+FEFF\)"
unchanged "bad log"
