# listings: import a good file (BOM, CRLF, quoted commas, "" escapes,
# UTF-8), list it for humans and as JSON, add and withdraw; pseudonymous
# agent keys; contact data only on request; every bad file refused with its
# line and column, all or nothing, the study unchanged.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-12-01T09:00:00Z CORRTEST_ACTOR=tester
new_study s

expect_exit 0 ct -S s listings import "$FIXTURES/listings-good.csv"
expect_out "Imported 6 listings"
[ "$(sqlite3 s/study.db 'SELECT count(*) FROM listing')" = 6 ] || fail "6 listings expected"
[ "$(sqlite3 s/study.db "SELECT detail FROM event WHERE action = 'listings.import'")" = \
	"count=6 file=listings-good.csv" ] || fail "import event"
# Values as written in the file, after CSV unquoting.
[ "$(sqlite3 s/study.db "SELECT title FROM listing WHERE ref = 'GENT-004'")" = \
	'Huis met tuin "ideaal" voor gezin' ] || fail "\"\" escape"
[ "$(sqlite3 s/study.db "SELECT contact_name FROM listing_contact c JOIN listing l ON l.id = c.listing WHERE ref = 'GENT-001'")" = \
	'Peeters, Immo' ] || fail "quoted comma"
[ "$(sqlite3 s/study.db "SELECT round, posted_on IS NULL FROM listing WHERE ref = 'GENT-003'")" = "1|1" ] ||
	fail "round defaults to 1, empty date is NULL"
# PII lives only in listing_contact: no name or address in the listing table.
if sqlite3 s/study.db '.dump listing' | grep -Eiq 'peeters|janssens|@|Öztürk'; then
	fail "contact data in the listing table"
fi

# Agent keys: HMAC-SHA-256 of the normalised name with the study's secret,
# computed here independently in Python.
secret=$(sqlite3 s/study.db "SELECT hex(value) FROM study_secret WHERE name = 'agent_key'")
key() { python3 -c 'import hmac,hashlib,sys; print("ag-" + hmac.new(bytes.fromhex(sys.argv[1]), sys.argv[2].encode(), hashlib.sha256).hexdigest()[:12])' "$secret" "$1"; }
k1=$(sqlite3 s/study.db "SELECT agent_key FROM listing WHERE ref = 'GENT-001'")
k2=$(sqlite3 s/study.db "SELECT agent_key FROM listing WHERE ref = 'GENT-002'")
k3=$(sqlite3 s/study.db "SELECT agent_key FROM listing WHERE ref = 'GENT-003'")
k4=$(sqlite3 s/study.db "SELECT agent_key FROM listing WHERE ref = 'GENT-004'")
[ "$k1" = "$(key 'immo peeters')" ] || fail "agent key of Immo Peeters: $k1"
[ "$k1" = "$k2" ] || fail "'Immo Peeters' and ' immo  peeters' must share a key"
[ "$k3" = "$(key 'vastgoed janssens')" ] && [ "$k3" != "$k1" ] || fail "another agent, another key"
[ "$k4" = "$(key 'eigenaar.004@mail.example')" ] || fail "without an agent, the contact address is keyed"
[ "$(sqlite3 s/study.db "SELECT count(*) FROM listing WHERE agent_key IS NULL")" = 2 ] ||
	fail "no agent and no address: no key"

# Human list: no contact data unless asked.
expect_exit 0 ct -S s listings list
expect_out "^ref +agent_type +agent_key"
expect_out "GENT-001 +agency +$k1 +Gent-Centrum +1250 +1 +2026-11-02 +active +no"
expect_out "GENT-002 .* 995.50 "
if grep -Eiq 'peeters|janssens|@|Öztürk' out.txt; then fail "contact data in 'listings list'"; fi
expect_exit 0 ct -S s listings list --contacts
expect_out "verhuur@immo-peeters.example"
expect_out "Gülşen Öztürk"

# JSON: parsed by Python; numbers as numbers, null for missing.
ct -S s listings list --json >l.json
python3 - "$k1" <<'EOF'
import json, sys
d = json.load(open("l.json"))
assert isinstance(d, list) and len(d) == 6, d
by = {x["ref"]: x for x in d}
a = by["GENT-001"]
assert a["price"] == 1250 and a["round"] == 1 and a["agent_type"] == "agency", a
assert a["agent_key"] == sys.argv[1] and a["assigned"] is False and a["status"] == "active"
assert by["GENT-002"]["price"] == 995.5
assert by["GENT-003"]["posted_on"] is None and by["GENT-004"]["price"] is None
assert by["GENT-004"]["round"] == 2
assert by["GENT-005"]["agent_key"] is None and by["GENT-005"]["url"] is None
assert all("contact_email" not in x and "agent" not in x for x in d)
assert all(k == k.lower() and " " not in k for x in d for k in x)
EOF
ct -S s listings list --json --contacts >c.json
python3 -c '
import json; d = {x["ref"]: x for x in json.load(open("c.json"))}
assert d["GENT-001"]["contact_email"] == "verhuur@immo-peeters.example"
assert d["GENT-001"]["agent"] == "Immo Peeters" and d["GENT-005"]["contact_name"] is None'

# add: the same agent written differently gets the same key.
expect_exit 0 ct -S s listings add --ref GENT-007 --agent-type Agency --agent "IMMO   Peeters" \
	--price 1100.5 --posted-on 2026-11-20 --area Gent --url https://immo.example/gent/007
expect_out "Added listing GENT-007"
[ "$(sqlite3 s/study.db "SELECT agent_type, agent_key, price FROM listing WHERE ref = 'GENT-007'")" = \
	"agency|$k1|1100.5" ] || fail "listings add"
[ "$(sqlite3 s/study.db "SELECT count(*) FROM event WHERE action = 'listings.add' AND subject = 'GENT-007'")" = 1 ] ||
	fail "add event"

before=$(snapshot s)
unchanged() { [ "$(snapshot s)" = "$before" ] || fail "study changed: $*"; }
expect_exit 2 ct -S s listings add --ref GENT-001 --agent-type private
expect_err "corrtest listings: --ref: 'GENT-001' is already in the study"
expect_exit 2 ct -S s listings add --ref X --agent-type private --url https://immo.example/gent/001
expect_err "already in the study \(listing GENT-001\)"
expect_exit 2 ct -S s listings add --ref X --agent-type landlord --price 1.250,00 --contact-email jan@ \
	--posted-on 2026-02-30 --contact-name "$(printf 'Jan\nPeeters')"
expect_err "--agent-type: 'landlord' must be agency or private"
expect_err "--price: '1.250,00' is not a number"
expect_err "--contact-email: 'jan@'"
expect_err "--posted-on: '2026-02-30' must be a real date"
expect_err "--contact-name: contains a line break"
expect_exit 2 ct -S s listings add --agent-type private
expect_err "--ref: is required"
unchanged "bad listings add"

# Bad files. Each: exit 2, a message with file, line and column, nothing imported.
bad() { # FILE REGEX...
	f=$1; shift
	expect_exit 2 ct -S s listings import "$f"
	for re in "$@"; do expect_err "$re"; done
	unchanged "$f"
}
printf 'ref,agent_type,contact_name\nB1,agency,"Jan\nB2,private,x\n' >unterminated.csv
bad unterminated.csv "corrtest listings: unterminated.csv:2:11: column contact_name: unterminated quoted field"
printf 'ref,url\nB1,https://x.example/1\n' >nocolumn.csv
bad nocolumn.csv "nocolumn.csv:1: column agent_type is required but the header lacks it"
printf 'ref,agent_type,price\nB1,agency\n' >short.csv
bad short.csv "short.csv:2:10: the record has 2 fields where the header has 3: column price is missing"
printf 'ref,agent_type,prcie\nB1,agency,1\n' >typo.csv
bad typo.csv "typo.csv:1: column 3 of the header, 'prcie', is not a known column"
printf 'ref,agent_type,price\nB1,agency,abc\nB2,agency,"1.250,00"\nB3,agency,-4\n' >price.csv
bad price.csv "price.csv:2: column price: 'abc' is not a number" \
	"price.csv:3: column price: '1.250,00' is not a number as corrtest reads it: write it with a point" \
	"price.csv:4: column price: '-4' must not be negative" "3 errors in price.csv; nothing was imported"
printf 'ref,agent_type,contact_name\nB1,agency,Jan\377\n' >utf8.csv
bad utf8.csv "utf8.csv:2:14: column contact_name: invalid UTF-8 \(byte 0xFF"
printf 'ref,agent_type,contact_name\nB1,agency,"Jan\nPeeters"\nB2,agency,"Eve\r\nBcc: x@y.example"\n' >crlf.csv
# The line break is named where it is: after the quote and "Jan" (line 2)
# and "Eve" (line 4), column 15.
bad crlf.csv "crlf.csv:2:15: column contact_name: contains a line break" \
	"crlf.csv:4:15: column contact_name: contains a line break"
printf 'ref,agent_type\nB1,agency\nB2,private\nB1,private\n' >dupref.csv
bad dupref.csv "dupref.csv:4: column ref: 'B1' appears twice in the file \(lines 2 and 4\)"
printf 'ref,agent_type\nB1,agency\nGENT-003,private\n' >studyref.csv
bad studyref.csv "studyref.csv:3: column ref: 'GENT-003' is already in the study"
printf 'ref,url,agent_type\nB1,https://x.example/a,agency\nB2,https://x.example/a,agency\nB3,https://immo.example/gent/002,agency\n' >dupurl.csv
bad dupurl.csv "dupurl.csv:3: column url: 'https://x.example/a' appears twice in the file \(lines 2 and 3\)" \
	"dupurl.csv:4: column url: 'https://immo.example/gent/002' is already in the study \(listing GENT-002\)"
printf 'ref,agent_type,contact_email,url\nB1,agency,jan@immo,https://x.example/1\nB2,agency,jan peeters@immo.example,www.x.example\n' >email.csv
bad email.csv "email.csv:2: column contact_email: 'jan@immo' needs a domain with a dot" \
	"email.csv:3: column contact_email: 'jan peeters@immo.example' contains a space" \
	"email.csv:3: column url: 'www.x.example' must start with http:// or https://"
printf 'ref,agent_type,posted_on,round\nB1,agency,2026-02-30,1\nB2,agency,30/11/2026,0\n' >date.csv
bad date.csv "date.csv:2: column posted_on: '2026-02-30' must be a real date written YYYY-MM-DD" \
	"date.csv:3: column posted_on: '30/11/2026'" "date.csv:3: column round: '0' must be a whole number"
printf 'ref,agent_type\nB1,landlord\nB2,\n' >type.csv
bad type.csv "type.csv:2: column agent_type: 'landlord' must be agency or private" \
	"type.csv:3: column agent_type: is required"
# A good row next to bad ones is not imported either.
printf 'ref,agent_type\nOK1,agency\nB1,landlord\n' >mixed.csv
bad mixed.csv "mixed.csv:3: column agent_type"
printf 'ref,agent_type\n' >empty.csv
bad empty.csv "empty.csv: the file has a header but no listings"
bad no-such-file.csv "no-such-file.csv: No such file"
# Many errors: the first 50 are shown, and how many more there were.
{ echo 'ref,agent_type'; i=1; while [ $i -le 60 ]; do echo "M$i,x"; i=$((i + 1)); done; } >many.csv
bad many.csv "many.csv:51: column agent_type" "and 10 more errors" "60 errors in many.csv"
grep -q "many.csv:52:" err.txt && fail "more than 50 errors printed"

# withdraw: a status change and an event, never a deletion.
expect_exit 0 ct -S s listings withdraw GENT-005 --note "taken offline"
[ "$(sqlite3 s/study.db "SELECT status FROM listing WHERE ref = 'GENT-005'")" = withdrawn ] || fail "withdraw"
[ "$(sqlite3 s/study.db "SELECT detail FROM event WHERE action = 'listings.withdraw' AND subject = 'GENT-005'")" = \
	"taken offline" ] || fail "withdraw event"
ct -S s listings list | grep -Eq "GENT-005 .* withdrawn" || fail "list shows withdrawn"
before=$(snapshot s)
expect_exit 2 ct -S s listings withdraw GENT-005
expect_err "already withdrawn"
expect_exit 2 ct -S s listings withdraw NOPE
expect_err "no listing 'NOPE'"
expect_exit 2 ct -S s listings frobnicate
expect_exit 2 ct -S s listings
unchanged "bad withdraw"
