# verify and seal: a study is sealed, then copies of it are tampered with
# in each way issue 12 lists (an event edited, inserted, reordered,
# deleted, cut from the end; the chain rewritten after an edit; a raw
# message changed; a figure of a report changed, in its data block and in
# its text), and verify names each one; the untouched study passes, with
# its checkpoint and its report. The events and hashes of the forged rows
# are made here in Python from the rule in store/study.c (SHA-256 of the
# previous hash and the fields joined by 0x1f, a missing field 0x1e).
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2027-01-20T12:00:00Z
ct demo --dir s >/dev/null
# A few more events, so that there is a middle to tamper with.
ct -S s listings add --ref EXTRA1 --agent-type private >/dev/null
ct -S s listings add --ref EXTRA2 --agent-type private >/dev/null
expect_exit 0 ct -S s seal --out cp.txt
grep -q '^corrtest checkpoint 1$' cp.txt || fail "seal wrote no checkpoint"
n=$(sed -n 's/^events: //p' cp.txt)
[ "$(sqlite3 s/study.db 'SELECT count(*) FROM event')" = "$n" ] || fail "checkpoint counts $n events"
[ "$(sqlite3 s/study.db 'SELECT hash FROM event ORDER BY id DESC LIMIT 1')" = "$(sed -n 's/^head: //p' cp.txt)" ] ||
	fail "checkpoint head is not the last event's hash"
expect_exit 0 ct -S s report --out rep
expect_exit 0 ct -S s verify --checkpoint cp.txt --report rep/report.html
expect_out 'Everything holds'
expect_exit 0 ct -S s verify --json --checkpoint cp.txt --report rep/report.html
python3 -c "
import json; j = json.load(open('out.txt'))
assert j['ok'] is True and j['findings'] == [] and j['events'] == $n, j
assert j['checkpoint_events'] == $n and j['report_figures'] > 1000 and j['messages'] == 360, j"

# The study goes on after a seal: a new event is not tampering.
cp -r s later
ct -S later listings add --ref EXTRA3 --agent-type private >/dev/null
expect_exit 0 ct -S later verify --checkpoint cp.txt
# ... but a report made before it no longer matches the study, and verify
# says why: the log has grown since.
expect_exit 1 ct -S later verify --report rep/report.html
expect_out "The report was made when the event log held $n events; it holds $((n + 1)) now"
expect_out "figure_changed: study.flow.listings: the report says 182, the study gives 183"
# A seal after the report adds an event and changes no figure: the report
# is compared with the log as it was when it was made (its length and
# head), and holds.
cp -r s sealed-later
expect_exit 0 ct -S sealed-later seal --out cp2.txt
expect_exit 0 ct -S sealed-later verify --checkpoint cp2.txt --report rep/report.html
expect_out 'Everything holds'
expect_out "The report was made when the event log held $n events; it holds $((n + 1)) now"
# ... but a report whose head is not that event's hash in this log is not
# this study's report.
sed "s/$(sqlite3 s/study.db 'SELECT hash FROM event ORDER BY id DESC LIMIT 1')/$(printf '%064d' 7)/g" rep/report.html >forged-head.html
expect_exit 1 ct -S sealed-later verify --report forged-head.html
expect_out "figure_changed: study.event_head"

# tamper NAME SQL: a copy of the study with SQL applied.
tamper() { rm -rf "$1"; cp -r s "$1"; sqlite3 "$1/study.db" "$2"; }
# finding DIR KIND SUBJECT [verify options]: verify exits 1 naming it.
finding() {
	d=$1 kind=$2 subj=$3; shift 3
	expect_exit 1 ct -S "$d" verify --json "$@"
	python3 - "$kind" "$subj" <<'EOF' || { cat out.txt >&2; fail "$d: no $kind finding for $subj"; }
import json, sys
j = json.load(open("out.txt"))
assert j["ok"] is False
assert any(f["kind"] == sys.argv[1] and f["subject"] == sys.argv[2] for f in j["findings"]), j["findings"]
EOF
}
# hash PREV AT ACTOR ACTION SUBJECT DETAIL ('-' for NULL): an event's hash.
hash() {
	python3 -c '
import hashlib, sys
parts = ["\x1e" if a == "-" else a for a in sys.argv[1:]]
print(hashlib.sha256("\x1f".join(parts).encode()).hexdigest())' "$@"
}
mid=4

# An event edited: its content no longer matches its hash.
tamper edited "UPDATE event SET detail = 'nothing happened' WHERE id = $mid"
finding edited event_edited "event $mid"

# An event deleted from the middle.
tamper deleted "DELETE FROM event WHERE id = $mid"
finding deleted event_deleted "event $((mid + 1))"
# With the checkpoint: the sealed event is still there, so nothing was cut
# from the end; the deletion alone is named.
finding deleted event_deleted "event $((mid + 1))" --checkpoint cp.txt
grep -q events_cut out.txt && fail "an event deleted from the middle was called events cut from the end"

# Two events swapped.
tamper reordered "UPDATE event SET id = -1 WHERE id = $mid; UPDATE event SET id = $mid WHERE id = $((mid + 1));
	UPDATE event SET id = $((mid + 1)) WHERE id = -1"
finding reordered event_reordered "event $mid"

# An event inserted after event mid, with a hash made for it; the events
# after it are renumbered to make room.
prev=$(sqlite3 s/study.db "SELECT hash FROM event WHERE id = $mid")
h=$(hash "$prev" 2027-01-20T12:00:00Z forger note - 'a reply that never came')
tamper inserted "UPDATE event SET id = id + 1000 WHERE id > $mid;
	UPDATE event SET id = id - 999 WHERE id > 1000;
	INSERT INTO event (id, at, actor, action, subject, detail, prev_hash, hash)
	VALUES ($((mid + 1)), '2027-01-20T12:00:00Z', 'forger', 'note', NULL, 'a reply that never came', '$prev', '$h')"
finding inserted event_inserted "event $((mid + 1))"

# The last two events cut: the chain alone cannot show it; the checkpoint does.
tamper cut "DELETE FROM event WHERE id > $((n - 2))"
expect_exit 0 ct -S cut verify
finding cut events_cut "events $((n - 1))-$n" --checkpoint cp.txt

# An event edited and every hash after it made again: the chain holds, the
# checkpoint does not.
python3 - <<'EOF'
import hashlib, shutil, sqlite3
shutil.copytree("s", "rewritten")
db = sqlite3.connect("rewritten/study.db")
rows = db.execute("SELECT id, at, actor, action, subject, detail FROM event ORDER BY id").fetchall()
prev = "0" * 64
for i, (id_, at, actor, action, subject, detail) in enumerate(rows):
    if i == 3:
        detail = "rewritten history"
    parts = ["\x1e" if v is None else v for v in (prev, at, actor, action, subject, detail)]
    h = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    db.execute("UPDATE event SET detail = ?, prev_hash = ?, hash = ? WHERE id = ?", (detail, prev, h, id_))
    prev = h
db.commit()
EOF
expect_exit 0 ct -S rewritten verify
finding rewritten chain_rewritten "event $n" --checkpoint cp.txt

# A raw message changed (a byte added at its end).
rm -rf message; cp -r s message
python3 -c "
import sqlite3; db = sqlite3.connect('message/study.db')
raw = db.execute('SELECT raw FROM message WHERE id = 7').fetchone()[0]
db.execute('UPDATE message SET raw = ? WHERE id = 7', (bytes(raw) + b' ',)); db.commit()"
finding message message_changed "message 7"

# A figure of the report changed in its data block, and in its text.
python3 - <<'EOF'
import re
h = open("rep/report.html").read()
a, b = h.split('<script type="application/json" id="corrtest-data">', 1)
b2 = re.sub(r'("net_ilo": )([0-9.]+)', lambda m: m.group(1) + "0.05", b, count=1)
assert b2 != b
open("figure.html", "w").write(a + '<script type="application/json" id="corrtest-data">' + b2)
# The first headline row's net rate, as people read it.
a2 = re.sub(r'(<tr><th scope="row">[^<]*</th><td class="n">[0-9]+</td><td class="n">)([0-9.,]+)%', r'\g<1>5.0%', a, count=1)
assert a2 != a
open("text.html", "w").write(a2 + '<script type="application/json" id="corrtest-data">' + b)
EOF
finding s figure_changed "analysis.groups[0].net_ilo" --report figure.html
expect_exit 1 ct -S s verify --json --report text.html
grep -q '"kind": "text_changed"' out.txt || fail "a changed headline figure in the text was not found"
python3 -c 'import json, re; j = json.load(open("out.txt")); assert any(f["kind"] == "text_changed" and re.search(r"reads \"[^\"]*\b5\.0%", f["what"]) for f in j["findings"])' ||
	fail "verify does not show the changed text as the report reads it"

# Not a checkpoint, not a report: input errors, exit 2, naming the file.
echo hello > junk.txt
expect_exit 2 ct -S s verify --checkpoint junk.txt
expect_err 'junk.txt is not a checkpoint'
expect_exit 2 ct -S s verify --report junk.txt
expect_err 'junk.txt is not a report'
expect_exit 2 ct -S s verify --checkpoint missing.txt
