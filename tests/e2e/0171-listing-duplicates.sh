# Duplicate listings (issue 9): one listing given twice is found when its
# address differs only in scheme (http and https serve one page), host
# case, www., the default port, tracking parameters, fragment or trailing
# slash, and when the portal's own number repeats on the same site; in the
# file and against the study, refused as an exact URL duplicate always was
# (all or nothing, the study unchanged). Listings added before schema 5
# get their url_key at the next import. New columns channel, contact_phone
# and portal_ref are stored where schema 5 puts them. Which addresses are
# the same page is decided by hand below, not by the code.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-12-01T09:00:00Z CORRTEST_ACTOR=tester
q() { sqlite3 s/study.db "$1"; }
new_study s

cat >base.csv <<'CSV'
ref,url,agent_type,channel,contact_phone,portal_ref
A,https://www.immoweb.be/en/classified/house/for-rent/gent/9000/10123456,agency,portal,+32 9 123 45 67,10123456
B,https://zimmo.be/nl/gent-9000/te-huur/appartement/ABC12/?utm_source=newsletter,private,PHONE,0470/12.34.56,
C,https://immo.example/listing?id=7&lang=nl,agency,,,
CSV
expect_exit 0 ct -S s listings import base.csv
[ "$(q "SELECT ifnull(channel, '-') || '|' || ifnull(portal_ref, '-') FROM listing ORDER BY ref" | tr '\n' ' ')" = \
	"portal|10123456 phone|- -|- " ] || fail "channel and portal_ref: $(q 'SELECT ref, channel, portal_ref FROM listing')"
[ "$(q "SELECT contact_phone FROM listing_contact c JOIN listing l ON l.id = c.listing WHERE ref = 'B'")" = "0470/12.34.56" ] ||
	fail "contact_phone in listing_contact"
# The phone is contact data: in the list only with --contacts.
ct -S s listings list >l.txt
grep -q '0470' l.txt && fail "contact_phone shown without --contacts"
ct -S s listings list --contacts | grep -q '0470/12.34.56' || fail "contact_phone with --contacts"
[ "$(q "SELECT url_key FROM listing WHERE ref = 'B'")" = "zimmo.be/nl/gent-9000/te-huur/appartement/ABC12" ] ||
	fail "url_key of B: $(q "SELECT url_key FROM listing WHERE ref = 'B'")"
before=$(snapshot s)
unchanged() { [ "$(snapshot s)" = "$before" ] || fail "study changed: $*"; }

# Against the study: each of these rows is a listing it has.
cat >again.csv <<'CSV'
ref,url,agent_type,portal_ref
A2,HTTP://WWW.IMMOWEB.BE:80/en/classified/house/for-rent/gent/9000/10123456/#photos,agency,
B2,https://www.zimmo.be/nl/gent-9000/te-huur/appartement/ABC12?fbclid=IwAR0x&gclid=Cj0,private,
C2,https://immo.example:443/listing/?id=7&utm_medium=email&lang=nl&mc_cid=55,agency,
A3,,agency,10123456
CSV
expect_exit 2 ct -S s listings import again.csv
expect_err "again.csv:2: column url: 'HTTP://WWW.IMMOWEB.BE:80/.*' is listing A of the study, written 'https://www.immoweb.be/"
expect_err "again.csv:3: column url: .* is listing B of the study"
expect_err "again.csv:4: column url: .* is listing C of the study"
expect_err "again.csv:5: column portal_ref: '10123456' is already in the study \(listing A"
expect_err "4 errors in again.csv; nothing was imported"
unchanged "duplicates of the study"

# Not duplicates: another path, a parameter that matters (id=8), the
# parameters in another order (a site may read them in order), another
# portal with the same number, a path that differs in case.
cat >new.csv <<'CSV'
ref,url,agent_type,portal_ref
N1,https://immo.example/listing?id=8&lang=nl,agency,
N2,https://immo.example/listing?lang=nl&id=7,agency,
N3,https://zimmo.be/p/10123456,agency,10123456
N4,https://zimmo.be/nl/gent-9000/te-huur/appartement/abc12,private,
CSV
expect_exit 0 ct -S s listings import new.csv
expect_out "Imported 4 listings"

# Within one file: the same page twice, and a portal number twice on one site.
cat >twice.csv <<'CSV'
ref,url,agent_type,portal_ref
T1,https://example.org/te-huur/5,agency,555
T2,https://EXAMPLE.org/te-huur/5/?utm_campaign=x,agency,
T3,https://example.org/te-huur/6,agency,555
T4,https://other.example/7,agency,555
T5,,private,555
CSV
before=$(snapshot s)
expect_exit 2 ct -S s listings import twice.csv
expect_err "twice.csv:3: column url: 'https://EXAMPLE.org/te-huur/5/\?utm_campaign=x' is the listing of line 2"
expect_err "twice.csv:4: column portal_ref: '555' appears twice in the file for the same portal \(lines 2 and 4\)"
expect_err "twice.csv:6: column portal_ref: '555' appears twice in the file"
grep -q 'twice.csv:5:' err.txt && fail "the same number on another site is another listing"
expect_err "3 errors in twice.csv"
unchanged "duplicates within the file"

# listings add checks the same way.
expect_exit 2 ct -S s listings add --ref X --agent-type agency --url 'https://immoweb.be/en/classified/house/for-rent/gent/9000/10123456?utm_source=x'
expect_err "^corrtest listings: --url: .* is listing A of the study"
expect_exit 2 ct -S s listings add --ref X --agent-type agency --channel fax
expect_err "^corrtest listings: --channel: 'fax' must be smtp, portal, webmail, phone or sms"
expect_exit 2 ct -S s listings add --ref X --agent-type agency --contact-phone 12
expect_err "^corrtest listings: --contact-phone: '12' is not a phone number"
# contact_phone goes through the one text rule: a bidi control is refused.
printf 'ref,agent_type,contact_phone\nX,agency,+32 9 \342\200\256123 45 67\n' >bidi.csv
expect_exit 2 ct -S s listings import bidi.csv
expect_err "bidi.csv:2:[0-9]+: column contact_phone: contains a bidi control \(U\+202E\)"
unchanged "refused adds"

# A listing from before schema 5 (no url_key) is given one at the next
# import, in the import's transaction, and compared.
q "UPDATE listing SET url_key = NULL WHERE ref = 'C'"
printf 'ref,url,agent_type\nOLD,https://immo.example/listing?id=7&lang=nl&utm_source=a,agency\n' >old.csv
expect_exit 2 ct -S s listings import old.csv
expect_err "is listing C of the study"
printf 'ref,agent_type\nZ1,agency\n' >z.csv
expect_exit 0 ct -S s listings import z.csv
[ "$(q "SELECT url_key FROM listing WHERE ref = 'C'")" = "immo.example/listing?id=7&lang=nl" ] || fail "url_key filled"
[ "$(q "SELECT detail FROM event WHERE action = 'listings.import' ORDER BY id DESC LIMIT 1")" = \
	"count=1 file=z.csv url_keys_filled=1" ] || fail "the fill is in the import's event"
