# A study of schema version 2 (issue 4's mail tables) is migrated to
# version 3 when it is opened: its rows kept, the columns and indexes of
# version 3 there (content hashes and copies of incoming messages, the index
# on application(persona)), the upgrade in the event log; and an older
# corrtest's incoming message still reads in the unlinked queue.
. "$E2E_DIR/lib.sh"
new_study s
mkdir old
cp s/study.ini old/
sqlite3 old/study.db < "$TOP/tools/lib/store/schema.sql"
sqlite3 old/study.db < "$TOP/tools/lib/store/migrate-2.sql"
sqlite3 old/study.db "INSERT INTO study(id, name, market, city, lang, seed, created_at)
	VALUES (1, 'old', 'housing', 'Gent', 'nl', '1', '2026-01-01T00:00:00Z');
	INSERT INTO study_secret VALUES ('agent_key', x'00112233');
	INSERT INTO listing(ref, agent_type, added_at) VALUES ('OLD-1', 'agency', '2026-01-01T00:00:00Z');
	INSERT INTO message(direction, raw, sha256, at, mailbox, uidvalidity, uid, message_id, kind, from_addr, subject)
	VALUES ('in', CAST('From: a@b.test' || char(10) || 'Subject: Hallo' || char(10) || char(10) || 'x' || char(10) AS BLOB),
		'00', '2026-12-08T10:00:00Z', 'p@corrtest.test', 7, 1, '<m1@b.test>', 'reply', 'a@b.test', 'Hallo');
	PRAGMA user_version = 2;"
[ "$(sqlite3 old/study.db 'PRAGMA user_version')" = 2 ] || fail "the old study is not at version 2"
expect_exit 0 ct -S old fetch --unlinked --json
expect_out '^\[\{"message":1,"mailbox":"p@corrtest.test","kind":"reply","from":"a@b.test","subject":"Hallo",'
[ "$(sqlite3 old/study.db 'PRAGMA user_version')" -ge 3 ] || fail "not migrated to version 3"
[ "$(sqlite3 old/study.db "SELECT ref FROM listing")" = OLD-1 ] || fail "migration lost a listing"
[ "$(sqlite3 old/study.db "SELECT message_id || ' ' || coalesce(content_sha256, 'null') || ' ' || coalesce(duplicate_of, 'null') FROM message")" = "<m1@b.test> null null" ] ||
	fail "the message row after migration: $(sqlite3 old/study.db "SELECT * FROM message")"
for i in application_persona message_content_sha256; do
	[ "$(sqlite3 old/study.db "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = '$i'")" = 1 ] || fail "no index $i"
done
# The linker's lookup of a persona's applications uses the new index.
sqlite3 old/study.db "EXPLAIN QUERY PLAN SELECT id FROM application WHERE persona = 1" | grep -q application_persona ||
	fail "application(persona) lookups do not use the index"
[ "$(sqlite3 old/study.db "SELECT count(*) FROM event WHERE action = 'migrate'")" = 1 ] || fail "no migrate event"
# A new study is created at version 3 or later, with the same tables.
[ "$(sqlite3 s/study.db 'PRAGMA user_version')" -ge 3 ] || fail "a new study is not at version 3"
[ "$(sqlite3 s/study.db .schema | grep -c 'content_sha256\|duplicate_of\|application_persona')" = \
  "$(sqlite3 old/study.db .schema | grep -c 'content_sha256\|duplicate_of\|application_persona')" ] || fail "schemas differ"
echo "ok: schema 2 migrated to 3"
