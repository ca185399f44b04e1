# A study of schema version 3 with applications, messages (incoming and
# outgoing, one a copy of another), responses and a decline is migrated to
# version 4 when it is opened: application, message and response are
# rebuilt (their CHECK lists written as OR chains, see migrate-4.sql), and
# every row, every reference and every index survives; the constraints
# still refuse what they refused; responses may now come by portal or web
# mail; and the upgrade is one event, done once.
. "$E2E_DIR/lib.sh"
new_study s
mkdir old
cp s/study.ini old/
for f in schema.sql migrate-2.sql migrate-3.sql; do
	sqlite3 old/study.db < "$TOP/tools/lib/store/$f"
done
sqlite3 old/study.db "PRAGMA foreign_keys = ON;
	INSERT INTO study(id, name, market, city, lang, seed, created_at)
	VALUES (1, 'old', 'housing', 'Gent', 'nl', '1', '2026-01-01T00:00:00Z');
	INSERT INTO study_secret VALUES ('agent_key', x'00112233');
	INSERT INTO grp(id, name, role, label, bank) VALUES (1, 'flemish', 'control', 'Flemish', 'nl-flemish'),
		(2, 'maghrebi', 'test', 'Maghrebi', 'nl-maghrebi');
	INSERT INTO persona(id, grp, gender, first_name, last_name, email, phone, profile, drawn_at)
	VALUES (1, 1, 'female', 'An', 'Peeters', 'an@corrtest.test', '+32 470 00 00 01', '{}', '2026-01-01T00:00:00Z'),
	       (2, 2, 'female', 'Salma', 'Idrissi', 'salma@corrtest.test', '+32 470 00 00 02', '{}', '2026-01-01T00:00:00Z');
	INSERT INTO listing(id, ref, agent_type, added_at) VALUES (1, 'OLD-1', 'agency', '2026-01-01T00:00:00Z');
	INSERT INTO application(id, listing, persona, variant, position, scheduled_at, status, message_id, sent_at, attempts, last_error)
	VALUES (1, 1, 1, 1, 1, '2026-01-02T09:00:00Z', 'sent', '<a1@corrtest.test>', '2026-01-02T09:00:05Z', 1, '451 try later'),
	       (2, 1, 2, 2, 2, '2026-01-02T11:00:00Z', 'bounced', '<a2@corrtest.test>', '2026-01-02T11:00:04Z', 0, NULL);
	INSERT INTO message(id, application, direction, raw, sha256, at, message_id)
	VALUES (1, 1, 'out', CAST('Subject: OLD-1' AS BLOB), 'aa', '2026-01-02T09:00:05Z', '<a1@corrtest.test>');
	INSERT INTO message(id, application, direction, raw, sha256, at, mailbox, uidvalidity, uid, message_id, kind,
			    from_addr, subject, in_reply_to, link_method, content_sha256, duplicate_of)
	VALUES (2, 1, 'in', CAST('Subject: Re: OLD-1' AS BLOB), 'bb', '2026-01-03T08:00:00Z', 'an@corrtest.test', 7, 1,
		'<r1@landlord.test>', 'reply', 'verhuur@landlord.test', 'Re: OLD-1', '<a1@corrtest.test>', 'in_reply_to', 'cc', NULL),
	       (3, NULL, 'in', CAST('Subject: Re: OLD-1' AS BLOB), 'bd', '2026-01-03T08:00:01Z', 'an@corrtest.test', 7, 2,
		'<r1@landlord.test>', NULL, NULL, NULL, NULL, NULL, 'cc', 2);
	INSERT INTO response(id, application, message, channel, outcome, coder, coded_at, at, note)
	VALUES (1, 1, 2, 'email', 'invitation', 'fetch', '2026-01-03T08:05:00Z', '2026-01-03T08:00:00Z', 'viewing'),
	       (2, 2, NULL, 'manual', 'no_reply', 'jan', '2026-01-20T10:00:00Z', NULL, NULL);
	INSERT INTO decline(application, message, sent_at) VALUES (1, NULL, '2026-01-03T09:00:00Z');
	PRAGMA user_version = 3;"
dump() {
	sqlite3 -separator '|' old/study.db "SELECT id, listing, persona, variant, position, scheduled_at, status,
		       message_id, sent_at, attempts, last_error FROM application ORDER BY id;
		SELECT id, application, direction, hex(raw), sha256, at, mailbox, uidvalidity, uid, message_id, kind,
		       from_addr, subject, in_reply_to, link_method, content_sha256, duplicate_of FROM message ORDER BY id;
		SELECT id, application, message, channel, outcome, coder, coded_at, at, note FROM response ORDER BY id;
		SELECT application, message, sent_at FROM decline;"
}
before=$(dump)
# The indexes of the three rebuilt tables survive (later versions add
# others: migrate-8 the pair's unique indexes).
indexes="SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
	AND tbl_name IN ('application', 'message', 'response') ORDER BY name"
idx_before=$(sqlite3 old/study.db "$indexes")
expect_exit 0 ct -S old listings list
[ "$(sqlite3 old/study.db 'PRAGMA user_version')" -ge 4 ] || fail "not migrated to version 4"
[ "$(dump)" = "$before" ] || fail "rows changed in the migration:
$before
---
$(dump)"
idx_after=$(sqlite3 old/study.db "$indexes")
for i in $idx_before; do
	printf '%s\n' "$idx_after" | grep -qx "$i" || fail "index $i lost: $idx_after"
done
[ -z "$(sqlite3 old/study.db 'PRAGMA foreign_key_check')" ] || fail "broken references after the migration"
[ "$(sqlite3 old/study.db 'PRAGMA integrity_check')" = ok ] || fail "integrity check"
[ "$(sqlite3 old/study.db "SELECT count(*) FROM event WHERE action = 'migrate'")" = 1 ] || fail "not one migrate event"
# The references still point at the rebuilt tables (a reply to nowhere is refused).
if sqlite3 old/study.db "PRAGMA foreign_keys = ON; INSERT INTO response(application, channel, outcome, coder, coded_at)
	VALUES (99, 'email', 'info', 'x', 'now')" 2>/dev/null; then fail "a response to no application was accepted"; fi
if sqlite3 old/study.db "PRAGMA foreign_keys = ON; UPDATE message SET duplicate_of = 99 WHERE id = 3" 2>/dev/null; then
	fail "a copy of no message was accepted"
fi
# The rules are the same rules.
if sqlite3 old/study.db "UPDATE application SET status = 'lost' WHERE id = 1" 2>/dev/null; then fail "status 'lost' accepted"; fi
if sqlite3 old/study.db "UPDATE application SET position = 3 WHERE id = 1" 2>/dev/null; then fail "position 3 accepted"; fi
if sqlite3 old/study.db "UPDATE message SET kind = 'spam' WHERE id = 2" 2>/dev/null; then fail "kind 'spam' accepted"; fi
if sqlite3 old/study.db "UPDATE message SET direction = 'sideways' WHERE id = 2" 2>/dev/null; then fail "direction accepted"; fi
if sqlite3 old/study.db "UPDATE response SET outcome = 'maybe' WHERE id = 1" 2>/dev/null; then fail "outcome 'maybe' accepted"; fi
if sqlite3 old/study.db "UPDATE response SET channel = 'fax' WHERE id = 1" 2>/dev/null; then fail "channel 'fax' accepted"; fi
for st in planned sending sent bounced failed cancelled; do
	sqlite3 old/study.db "UPDATE application SET status = '$st' WHERE id = 2" || fail "status $st refused"
done
for ch in email phone sms voicemail portal webmail manual; do
	sqlite3 old/study.db "UPDATE response SET channel = '$ch' WHERE id = 2" || fail "channel $ch refused"
done
sqlite3 old/study.db "UPDATE message SET kind = NULL WHERE id = 3" || fail "kind NULL refused"
# Opened again: nothing more to do.
expect_exit 0 ct -S old listings list
[ "$(sqlite3 old/study.db "SELECT count(*) FROM event WHERE action = 'migrate'")" = 1 ] || fail "migrated twice"
# A new study has the same tables as the migrated one.
[ "$(sqlite3 s/study.db 'PRAGMA user_version')" -ge 4 ] || fail "a new study is not at version 4"
[ "$(sqlite3 s/study.db "SELECT sql FROM sqlite_master WHERE name IN ('application', 'message', 'response') ORDER BY name")" = \
  "$(sqlite3 old/study.db "SELECT sql FROM sqlite_master WHERE name IN ('application', 'message', 'response') ORDER BY name")" ] ||
	fail "a new study's tables differ from a migrated one's"
echo "ok: schema 3 migrated to 4"
