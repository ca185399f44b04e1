# Simulation kept apart: refused on a study with a real send or a real
# response; simulated rows are marked; stats and export say so; log,
# import and send --live are refused while they are held; simulate --undo
# gives back the study exactly as it was (every table but the event log).
. "$E2E_DIR/lib.sh"
new_study s
ct -S s personas >/dev/null
printf 'ref,contact_email,agent_type,agent,area\n' > l.csv
for i in 1 2 3 4 5 6 7 8; do printf 'S-%s,verhuur%s@immo.example,agency,Immo %s,Gent\n' $i $i $i >> l.csv; done
ct -S s listings import l.csv >/dev/null
ct -S s assign >/dev/null
cp -r s sent
cp -r s logged

# tables STUDY: every table but the event log, as text.
tables() {
	for t in $(sqlite3 "$1/study.db" "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT IN ('event', 'sqlite_sequence') ORDER BY name"); do
		echo "== $t"
		sqlite3 "$1/study.db" "SELECT * FROM \"$t\" ORDER BY rowid"
	done
}

# A real send: refused, naming what was found and the copy to make.
sqlite3 sent/study.db "UPDATE application SET status = 'sent', sent_at = '2026-12-07T09:00:00Z', simulated = 0
	WHERE id = (SELECT min(id) FROM application)"
before=$(snapshot sent)
expect_exit 2 ct -S sent simulate --assume-sent --p-control 0.5 --net 0.2
expect_err "refused: this study holds real records \(1 application actually sent, 0 responses logged"
expect_err "cp -r sent sent-sim"
[ "$(snapshot sent)" = "$before" ] || fail "a refused simulate changed the study"
# A real response (logged by hand): refused too.
sqlite3 logged/study.db "INSERT INTO response (application, channel, outcome, coder, coded_at)
	VALUES ((SELECT min(id) FROM application), 'phone', 'refusal', 'alice', '2026-12-08T10:00:00Z')"
expect_exit 2 ct -S logged simulate --assume-sent --p-control 0.5 --net 0.2
expect_err "0 applications actually sent, 1 response logged"

# A study with nothing real: simulated, and every made-up row marked.
tables s > before.txt
expect_exit 0 ct -S s simulate --assume-sent --p-control 0.5 --net 0.2
[ "$(sqlite3 s/study.db "SELECT count(*) || '/' || sum(simulated) FROM application WHERE status = 'sent'")" = "16/16" ] ||
	fail "sent applications not marked simulated"
[ "$(sqlite3 s/study.db "SELECT count(*) || '/' || sum(simulated) FROM response")" = "16/16" ] ||
	fail "responses not marked simulated"

# Every output says so.
expect_exit 0 ct -S s stats
expect_out "^\*\*\* SIMULATED: 16 responses and 16 sends of this study were made up"
expect_exit 0 ct -S s stats --json
python3 -c 'import json; assert json.load(open("out.txt"))["simulated"] is True'
expect_exit 0 ct -S s stats --csv
python3 -c 'import csv; r = list(csv.DictReader(open("out.txt"))); assert r and all(x["simulated"] == "true" for x in r), r'
expect_exit 0 ct -S s export responses
python3 -c 'import csv; r = list(csv.DictReader(open("out.txt"))); assert len(r) == 16 and all(x["simulated"] == "1" for x in r), r'
expect_exit 0 ct -S s export assignments
python3 -c 'import csv; r = list(csv.DictReader(open("out.txt"))); assert len(r) == 16 and all(x["simulated"] == "1" for x in r), r'

# Real records are refused while simulated rows are held.
before=$(snapshot s)
expect_exit 2 ct -S s log 1 --outcome refusal --channel phone
expect_err "log refused: this study holds rows made up by 'corrtest simulate' \(16 applications marked sent, 16 responses\).*simulate --undo"
printf 'listing_ref,group,gender,outcome,channel\nS-1,belgian,female,refusal,phone\n' > r.csv
expect_exit 2 ct -S s import r.csv
expect_err "import refused: .*simulate --undo"
expect_exit 2 ct -S s send --live
expect_err "send --live refused: .*simulate --undo"
[ "$(snapshot s)" = "$before" ] || fail "a refused command changed the simulated study"

# --undo: the study exactly as before, with one event.
expect_exit 0 ct -S s simulate --undo --json
python3 -c 'import json; j = json.load(open("out.txt")); assert j["responses_removed"] == 16 and j["applications_restored"] == 16, j'
tables s > after.txt
diff before.txt after.txt || fail "simulate --undo did not restore the study"
[ "$(sqlite3 s/study.db "SELECT count(*) FROM event WHERE action = 'simulate' AND subject = 'undo'")" = 1 ] || fail "not one undo event"
expect_exit 0 ct -S s stats --json
python3 -c 'import json; assert json.load(open("out.txt"))["simulated"] is False'
# Nothing left to undo: unchanged, no event.
before=$(snapshot s)
expect_exit 0 ct -S s simulate --undo
expect_out "Nothing simulated to remove"
[ "$(snapshot s)" = "$before" ] || fail "an empty undo changed the study"
expect_exit 2 ct -S s simulate --undo --net 0.2
