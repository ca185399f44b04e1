# help, --help, unknown commands and options, and the schema guard.
. "$E2E_DIR/lib.sh"
expect_exit 0 ct help
for c in init names personas listings assign compose log import stats export simulate demo; do
	grep -q "^  $c " out.txt || fail "help does not list $c"
done
expect_out "Exit status: 0 success"
expect_exit 0 ct help assign
expect_out "usage: corrtest assign"
expect_exit 0 ct assign --help
expect_out "usage: corrtest assign"
expect_exit 2 ct frobnicate
expect_err "no command 'frobnicate'"
expect_exit 2 ct help frobnicate
expect_exit 2 ct init --json x
expect_err "--json is not available"
expect_exit 2 ct -S
expect_err "^corrtest: -S needs a folder"

new_study s
# -S DIR, -SDIR and --study=DIR before the command, as after it.
for form in "-S s" "-Ss" "--study=s"; do
	expect_exit 0 ct $form listings list
	expect_out "No listings yet"
done
# A database written by a newer corrtest is refused, and left as it was.
current=$(sqlite3 s/study.db 'PRAGMA user_version')
sqlite3 s/study.db 'PRAGMA user_version = 99'
before=$(snapshot s)
expect_exit 3 ct -S s personas
expect_err "schema version 99 is newer than this corrtest understands"
[ "$(snapshot s)" = "$before" ] || fail "a newer database was changed"
sqlite3 s/study.db "PRAGMA user_version = $current"

# A database of schema 1 (the first release) is migrated forward on open:
# its data kept, the new tables there, and the upgrade in the event log.
mkdir old
cp s/study.ini old/
sqlite3 old/study.db < "$TOP/tools/lib/store/schema.sql"
sqlite3 old/study.db "INSERT INTO study(id, name, market, city, lang, seed, created_at)
	VALUES (1, 'old', 'housing', 'Gent', 'nl', '1', '2026-01-01T00:00:00Z');
	INSERT INTO study_secret VALUES ('agent_key', x'00112233');
	INSERT INTO listing(ref, agent_type, added_at) VALUES ('OLD-1', 'agency', '2026-01-01T00:00:00Z');
	PRAGMA user_version = 1;"
ct -S old personas >/dev/null
[ "$(sqlite3 old/study.db 'PRAGMA user_version')" = "$current" ] || fail "not migrated"
[ "$(sqlite3 old/study.db "SELECT ref FROM listing")" = OLD-1 ] || fail "migration lost a listing"
sqlite3 old/study.db "SELECT count(*) FROM mailbox_state" >/dev/null || fail "no v2 table"
sqlite3 old/study.db "SELECT action FROM event" | grep -qx migrate || fail "no migrate event"

# A broken study.ini is reported with its line.
cp s/study.ini ini.bak
printf '\n[design]\nvariantz = 3\n' >> s/study.ini
expect_exit 2 ct -S s personas
expect_err "study.ini:[0-9]+: unknown key 'variantz'"
cp ini.bak s/study.ini
printf 'oops no equals sign\n' >> s/study.ini
expect_exit 2 ct -S s personas
expect_err "study.ini:[0-9]+:"
cp ini.bak s/study.ini

# A database locked by another process: exit 3, nothing changed.
before=$(snapshot s)
( sqlite3 s/study.db 'BEGIN EXCLUSIVE; SELECT 1;' '.shell sleep 4' 'COMMIT;' >/dev/null & )
sleep 1
CORRTEST_BUSY_MS=200 expect_exit 3 ct -S s personas
expect_err "locked by another process"
sleep 4
[ "$(snapshot s)" = "$before" ] || fail "a locked study changed"
