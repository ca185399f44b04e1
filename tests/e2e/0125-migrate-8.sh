# A study of schema version 7 with a pair, its messages, a response and a
# code is migrated to version 8 when it is opened: application is rebuilt
# with kind and follows (migrate-8.sql), every row and reference survives,
# every existing application is of the main kind, the pair's rules still
# hold for it (one application per position and per persona on a listing),
# while a follow-up from the same persona to the same listing is accepted,
# and only with the application it follows.
. "$E2E_DIR/lib.sh"
mkdir old
new_study s
cp s/study.ini old/
for f in schema.sql migrate-2.sql migrate-3.sql migrate-4.sql migrate-5.sql migrate-6.sql migrate-7.sql; do
	sqlite3 old/study.db < "$TOP/tools/lib/store/$f"
done
sqlite3 old/study.db "PRAGMA foreign_keys = ON;
	INSERT INTO study(id, name, market, city, lang, seed, created_at)
	VALUES (1, 'old', 'housing', 'Gent', 'nl', '1', '2026-01-01T00:00:00Z');
	INSERT INTO grp(id, name, role, label, bank) VALUES (1, 'flemish', 'control', 'Flemish', 'nl-flemish'),
		(2, 'maghrebi', 'test', 'Maghrebi', 'nl-maghrebi');
	INSERT INTO persona(id, grp, gender, first_name, last_name, email, phone, profile, drawn_at)
	VALUES (1, 1, 'female', 'An', 'Peeters', 'an@corrtest.test', '+32 470 00 00 01', '{}', '2026-01-01T00:00:00Z'),
	       (2, 2, 'female', 'Salma', 'Idrissi', 'salma@corrtest.test', '+32 470 00 00 02', '{}', '2026-01-01T00:00:00Z');
	INSERT INTO listing(id, ref, agent_type, added_at) VALUES (1, 'OLD-1', 'agency', '2026-01-01T00:00:00Z');
	INSERT INTO application(id, listing, persona, variant, position, scheduled_at, status, message_id, sent_at,
				attempts, channel, sent_via, simulated)
	VALUES (1, 1, 1, 1, 1, '2026-01-02T09:00:00Z', 'sent', '<a1@corrtest.test>', '2026-01-02T09:00:05Z', 1,
		'smtp', 'smtp', 0),
	       (2, 1, 2, 2, 2, '2026-01-02T11:00:00Z', 'sent', '<a2@corrtest.test>', '2026-01-02T11:00:04Z', 1,
		'smtp', 'smtp', 0);
	INSERT INTO message(id, application, direction, raw, sha256, at, message_id)
	VALUES (1, 1, 'out', CAST('Subject: OLD-1' AS BLOB), 'aa', '2026-01-02T09:00:05Z', '<a1@corrtest.test>');
	INSERT INTO response(id, application, message, channel, outcome, coder, coded_at)
	VALUES (1, 2, NULL, 'manual', 'refusal', 'jan', '2026-01-20T10:00:00Z');
	INSERT INTO coding(id, message, application, pass, coder, outcome, coded_at)
	VALUES (1, NULL, 2, 'first', 'jan', 'refusal', '2026-01-20T10:00:00Z');
	PRAGMA user_version = 7;"
dump() {
	sqlite3 -separator '|' old/study.db "SELECT id, listing, persona, variant, position, scheduled_at, status,
		       message_id, sent_at, attempts, channel, sent_via, simulated FROM application ORDER BY id;
		SELECT id, application, sha256 FROM message ORDER BY id;
		SELECT id, application, outcome FROM response ORDER BY id;
		SELECT id, application, outcome FROM coding ORDER BY id;"
}
before=$(dump)
expect_exit 0 ct -S old listings list
[ "$(sqlite3 old/study.db 'PRAGMA user_version')" -ge 8 ] || fail "not migrated to version 8"
[ "$(dump)" = "$before" ] || fail "rows changed in the migration"
[ "$(sqlite3 old/study.db "SELECT group_concat(kind || ':' || ifnull(follows, '-')) FROM application")" = "main:-,main:-" ] ||
	fail "existing applications are not of the main kind"
[ -z "$(sqlite3 old/study.db 'PRAGMA foreign_key_check')" ] || fail "broken references after the migration"
[ "$(sqlite3 old/study.db 'PRAGMA integrity_check')" = ok ] || fail "integrity check"
# The pair's rules hold for the main kind.
# (a third persona, so that only the position rule can refuse it)
sqlite3 old/study.db "INSERT INTO persona(id, grp, gender, first_name, last_name, email, phone, profile, drawn_at)
	VALUES (3, 1, 'male', 'Jan', 'Peeters', 'jan@corrtest.test', '+32 470 00 00 03', '{}', '2026-01-01T00:00:00Z')"
if sqlite3 old/study.db "INSERT INTO application(listing, persona, variant, position) VALUES (1, 3, 1, 1)" 2>pos.err; then
	fail "a second main application at position 1 was accepted"
fi
grep -q 'application.position' pos.err || fail "refused for another reason than the position: $(cat pos.err)"
if sqlite3 old/study.db "INSERT INTO application(listing, persona, variant) VALUES (1, 1, 1)" 2>/dev/null; then
	fail "a second main application of persona 1 to the listing was accepted"
fi
# A follow-up by the refused persona to the same listing: accepted, only
# with the application it follows; a main application cannot claim one.
sqlite3 old/study.db "PRAGMA foreign_keys = ON; INSERT INTO application(listing, persona, kind, follows)
	VALUES (1, 2, 'followup', 2)" || fail "a follow-up to the same listing was refused"
if sqlite3 old/study.db "INSERT INTO application(listing, persona, kind) VALUES (1, 2, 'followup')" 2>/dev/null; then
	fail "a follow-up without the application it follows was accepted"
fi
if sqlite3 old/study.db "PRAGMA foreign_keys = ON; INSERT INTO application(listing, persona, kind, follows)
	VALUES (1, 2, 'followup', 99)" 2>/dev/null; then fail "a follow-up of no application was accepted"; fi
# A new study has the same table as the migrated one.
[ "$(sqlite3 s/study.db "SELECT sql FROM sqlite_master WHERE tbl_name = 'application' ORDER BY name")" = \
  "$(sqlite3 old/study.db "SELECT sql FROM sqlite_master WHERE tbl_name = 'application' ORDER BY name")" ] ||
	fail "a new study's application table differs from a migrated one's"
echo "ok: schema 7 migrated to 8"
