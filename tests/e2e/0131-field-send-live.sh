# send --live sends only the applications planned for smtp: listings whose
# channel is sms or phone are left planned for 'corrtest field', and the
# loopback server receives exactly the smtp listings' messages. (Not
# portal here: a portal's form is a real site, where the loopback study's
# reserved mail domain is an error of the pre-flight check, e2e 0140.)
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send-lib.sh"
mail_start
mail_study s 6
q s "UPDATE listing SET channel = 'sms' WHERE ref IN (SELECT ref FROM listing ORDER BY id LIMIT 2)"
q s "UPDATE listing SET channel = 'phone' WHERE id = (SELECT max(id) FROM listing)"
# The landlords' numbers the pre-flight check asks for.
q s "UPDATE listing_contact SET contact_phone = '+32 9 220 00 ' || listing WHERE listing IN (SELECT id FROM listing WHERE channel IS NOT NULL)"
expect_exit 0 ct -S s send --live --json
expect_out '^\{"sent":6,'
[ "$(wc -l <"$MD/smtp-log/index.tsv")" = 6 ] || fail "the server accepted $(wc -l <"$MD/smtp-log/index.tsv") messages, not 6"
[ "$(q s "SELECT count(*) FROM application a JOIN listing l ON l.id = a.listing WHERE l.channel IS NOT NULL AND a.status = 'planned'")" = 6 ] ||
	fail "an application planned for sms or phone was not left planned"
[ "$(q s "SELECT count(*) FROM application a JOIN listing l ON l.id = a.listing WHERE l.channel IS NULL AND a.status = 'sent'")" = 6 ] ||
	fail "not every smtp application was sent"
# What send --live sent is recorded as planned for smtp and sent by smtp.
[ "$(q s "SELECT count(*) FROM application WHERE status = 'sent' AND channel = 'smtp' AND sent_via = 'smtp'")" = 6 ] ||
	fail "sent applications do not record channel and sent_via smtp"
# They are what field lists now.
expect_exit 0 ct -S s field list --all --json
python3 -c 'import json; g = json.load(open("out.txt")); assert len(g) == 6 and {x["channel"] for x in g} == {"sms", "phone"}, g'
