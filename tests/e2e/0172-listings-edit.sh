# listings edit (issue 9): a listing corrected field by field, each value
# checked as an import checks it, the agent re-keyed, one event per edit
# naming the fields (old and new values, but never the landlord's contact
# data); once an application was sent, the fields that say where it went
# are refused; every refusal leaves the study unchanged.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-12-01T09:00:00Z CORRTEST_ACTOR=tester
q() { sqlite3 s/study.db "$1"; }
new_study s
ct -S s personas >/dev/null
cat >l.csv <<'CSV'
ref,url,agent_type,price,agent,contact_email,area
GENT-001,https://immo.example/1,agency,1250,Immo Peeters,verhuur@peeters.example,Gent
GENT-002,https://immo.example/2,private,900,,eigenaar@mail.example,Gent
CSV
ct -S s listings import l.csv >/dev/null
secret=$(q "SELECT hex(value) FROM study_secret WHERE name = 'agent_key'")
key() { python3 -c 'import hmac,hashlib,sys; print("ag-" + hmac.new(bytes.fromhex(sys.argv[1]), sys.argv[2].encode(), hashlib.sha256).hexdigest()[:12])' "$secret" "$1"; }

# Several fields at once, the ref in another case, a decimal comma typed.
expect_exit 0 ct -S s listings edit gent-001 price=1300,50 area=Gent-Centrum agent='Vastgoed Janssens' contact_phone='+32 9 123 45 67' channel=portal
expect_out "^Edited listing GENT-001: "
[ "$(q "SELECT printf('%.2f', price) || '|' || area || '|' || channel FROM listing WHERE ref = 'GENT-001'")" = "1300.50|Gent-Centrum|portal" ] ||
	fail "values: $(q "SELECT price, area, channel FROM listing WHERE ref = 'GENT-001'")"
[ "$(q "SELECT agent_key FROM listing WHERE ref = 'GENT-001'")" = "$(key 'vastgoed janssens')" ] || fail "agent re-keyed"
[ "$(q "SELECT agent_name || '|' || contact_phone FROM listing_contact c JOIN listing l ON l.id = c.listing WHERE ref = 'GENT-001'")" = \
	"Vastgoed Janssens|+32 9 123 45 67" ] || fail "contact row"
[ "$(q "SELECT count(*) FROM event WHERE action = 'listings.edit'")" = 1 ] || fail "one event per edit"
ev=$(q "SELECT detail FROM event WHERE action = 'listings.edit'")
echo "$ev" | grep -q "price: '1250.00' -> '1300.50'" || fail "event: price old and new: $ev"
echo "$ev" | grep -q "area: 'Gent' -> 'Gent-Centrum'" || fail "event: area: $ev"
echo "$ev" | grep -q "agent changed" && echo "$ev" | grep -q "contact_phone changed" || fail "event names contact fields: $ev"
echo "$ev" | grep -Eq "Janssens|\+32|Peeters" && fail "contact data in the event: $ev"
[ "$(q "SELECT subject FROM event WHERE action = 'listings.edit'")" = GENT-001 ] || fail "event subject"

# Without an agent the contact address is keyed; clearing the agent re-keys.
expect_exit 0 ct -S s listings edit GENT-001 agent=
[ "$(q "SELECT agent_key FROM listing WHERE ref = 'GENT-001'")" = "$(key 'verhuur@peeters.example')" ] || fail "re-keyed on the address"
# The same values again: nothing changes, no event.
expect_exit 0 ct -S s listings edit GENT-001 area=Gent-Centrum
expect_out "nothing changed"
[ "$(q "SELECT count(*) FROM event WHERE action = 'listings.edit'")" = 2 ] || fail "no event for no change"

before=$(snapshot s)
unchanged() { [ "$(snapshot s)" = "$before" ] || fail "study changed: $*"; }
# Bad values, named as import names them; nothing changes.
expect_exit 2 ct -S s listings edit GENT-001 price=12.345 agent_type=landlord contact_email=nobody channel=fax posted_on=2026-02-30
expect_err "^corrtest listings: price: '12.345' is ambiguous"
expect_err "agent_type: 'landlord' must be agency or private"
expect_err "contact_email: 'nobody' must contain exactly one @"
expect_err "channel: 'fax' must be smtp"
expect_err "posted_on: '2026-02-30' must be a real date"
expect_err "5 errors; listing GENT-001 was not changed"
unchanged "bad values"
expect_exit 2 ct -S s listings edit GENT-001 ref=X
expect_err "ref: is not a field that can be edited"
expect_exit 2 ct -S s listings edit GENT-001 title=a title=b
expect_err "title: is given twice"
expect_exit 2 ct -S s listings edit GENT-001 agent_type=
expect_err "agent_type: is required"
expect_exit 2 ct -S s listings edit NOPE title=x
expect_err "no listing 'NOPE' in the study"
# A url that is another listing's, once tracking parameters are set aside.
expect_exit 2 ct -S s listings edit GENT-001 'url=https://IMMO.example/2/?utm_source=x'
expect_err "url: .* is listing GENT-002 of the study"
unchanged "refusals"

# Sent: the addressing fields are frozen, a correction of the record is not.
ct -S s assign >/dev/null
q "UPDATE application SET status = 'sent', sent_at = '2026-12-07T09:00:00Z' WHERE id = (SELECT min(a.id) FROM application a JOIN listing l ON l.id = a.listing WHERE l.ref = 'GENT-001')"
before=$(snapshot s)
for f in contact_email=new@peeters.example url=https://immo.example/1b channel=smtp contact_phone='+32 9 000 00 00' portal_ref=77; do
	expect_exit 2 ct -S s listings edit GENT-001 "$f"
	expect_err "^corrtest listings: ${f%%=*}: cannot be changed: an application of listing GENT-001 was sent"
done
unchanged "addressing fields after a send"
expect_exit 0 ct -S s listings edit GENT-001 title='Ruim appartement' round=2
[ "$(q "SELECT title || '|' || round FROM listing WHERE ref = 'GENT-001'")" = "Ruim appartement|2" ] || fail "correction after a send"
# The other listing, not sent, may still change its address.
expect_exit 0 ct -S s listings edit GENT-002 contact_email=nieuw@mail.example
[ "$(q "SELECT detail FROM event WHERE action = 'listings.edit' ORDER BY id DESC LIMIT 1")" = \
	"contact_email changed (agent_key $(key 'eigenaar@mail.example') -> $(key 'nieuw@mail.example'))" ] || fail "re-keyed on the new address"

# A listing added without agent or address gets its first address: it is
# keyed from then on (this crashed: the old key was compared while NULL).
expect_exit 0 ct -S s listings add --ref bare-1 --agent-type private
expect_exit 0 ct -S s listings edit bare-1 contact_email=hr@example.be
expect_out 'agent_key \(none\) -> ag-[0-9a-f]{12}'
[ -n "$(sqlite3 s/study.db "SELECT agent_key FROM listing WHERE ref = 'bare-1'")" ] || fail "bare-1 not keyed"
