# listings withdraw removes the outbox files of the listing's unsent
# messages (issue 9): from new/ and tmp/, with the count in the output and
# the event; a file a reader already took into cur/ is named, not removed;
# a sent application's file is not touched; an outbox moved away is no
# error; an outbox inside the study folder moves with it.
. "$E2E_DIR/lib.sh"
cat >l.csv <<'EOF'
ref,url,contact_email,contact_name,agent_type,agent,area,price,round,posted_on,title
IMMO-001,https://example.org/1,verhuur@immo-voorbeeld.be,Immo Voorbeeld,agency,Immo Voorbeeld,Sint-Amandsberg,850,1,2026-11-20,Appartement met 2 slaapkamers
Z-77,https://example.org/2,jan.peeters@example.be,Jan Peeters,private,Jan Peeters,Gentbrugge,725,1,2026-11-21,
Z-78,https://example.org/3,an.desmet@example.be,An De Smet,private,An De Smet,Oostakker,690,1,2026-11-21,Rijwoning
Z-79,https://example.org/4,info@makelaar.be,,agency,Makelaar Gent,Wondelgem,910,1,2026-11-21,
Z-80,https://example.org/5,info@woonburo.be,,agency,Woonburo,Ledeberg,640,1,2026-11-21,Studio
EOF
new_study s
ct -S s personas >/dev/null
ct -S s listings import l.csv >/dev/null
ct -S s assign >/dev/null
q() { sqlite3 s/study.db "$@"; }
expect_exit 0 ct -S s compose --outbox ob
# The name compose gives a file: SCHEDULED-EPOCH.APPLICATION.corrtest.
files_of() { q "SELECT CAST(strftime('%s', a.scheduled_at) AS INTEGER) || '.' || a.id || '.corrtest' FROM application a JOIN listing l ON l.id = a.listing WHERE l.ref = '$1' ORDER BY a.id"; }
[ "$(ls ob/new | wc -l)" = 10 ] || fail "not 10 files"
# An outbox outside the study folder is recorded by its absolute path.
abs=$(cd ob && pwd -P)
for f in $(files_of IMMO-001); do
	app=${f#*.}; app=${app%%.*}
	[ "$(q "SELECT outbox_file FROM message WHERE application = $app")" = "$abs/new/$f" ] ||
		fail "outbox_file of application $app is not $abs/new/$f"
done

# IMMO-001: both unsent; both files go.
expect_exit 0 ct -S s listings withdraw IMMO-001 --note "verhuurd"
expect_out "Removed the outbox files of its 2 unsent messages"
for f in $(files_of IMMO-001); do [ ! -e "ob/new/$f" ] || fail "ob/new/$f left"; done
[ "$(ls ob/new | wc -l)" = 8 ] || fail "other listings' files were removed"
# The withdrawal is committed first (its event: the note), then its files
# leave the outbox, logged in a second event.
[ "$(q "SELECT group_concat(detail, ' | ') FROM (SELECT detail FROM event WHERE action = 'listings.withdraw' AND subject = 'IMMO-001' ORDER BY id)")" = \
  "verhuurd | verhuurd; outbox: 2 files removed, 0 already taken by a reader (cur/), 0 not found" ] ||
	fail "the event does not carry the count: $(q "SELECT detail FROM event WHERE action = 'listings.withdraw'")"

# Z-77: one message taken by a reader into cur/ (not yet sent), the other
# still in new/ with a stale copy in tmp/ (a run killed after its commit).
set -- $(files_of Z-77)
mv "ob/new/$1" "ob/cur/$1:2,S"
cp "ob/new/$2" "ob/tmp/$2"
expect_exit 0 ct -S s listings withdraw Z-77 --json
python3 - "$abs/cur/$1:2,S" <<'PY' || { cat out.txt; fail "JSON summary wrong"; }
import json, sys
d = json.load(open("out.txt"))
want = {"ref": "Z-77", "status": "withdrawn", "outbox_removed": 1, "outbox_missing": 0,
        "outbox_taken": [sys.argv[1]]}
sys.exit(0 if d == want else "got %r, want %r" % (d, want))
PY
[ -e "ob/cur/$1:2,S" ] || fail "a file in cur/ was removed"
[ ! -e "ob/new/$2" ] && [ ! -e "ob/tmp/$2" ] || fail "new/ or tmp/ copy left"
expect_exit 2 ct -S s listings withdraw Z-77
[ -e "ob/cur/$1:2,S" ] || fail "cur/ file gone"
# The text output names the taken file.
q "UPDATE listing SET status = 'active' WHERE ref = 'Z-77'"
expect_exit 0 ct -S s listings withdraw Z-77
expect_out "Warning: .*/ob/cur/$1:2,S was already taken from the outbox by a mail client"

# Z-78: the first application was sent (its file read from cur/); only the
# unsent one is removed, and the sent one is not reported.
set -- $(files_of Z-78)
mv "ob/new/$1" "ob/cur/$1:2,S"
app=${1#*.}; app=${app%%.*}
q "UPDATE application SET status = 'sent', sent_at = '2026-12-07T09:00:00Z' WHERE id = $app"
expect_exit 0 ct -S s listings withdraw Z-78 --json
expect_out '"outbox_removed": ?1'
expect_out '"outbox_taken": ?\[\]'
[ -e "ob/cur/$1:2,S" ] && [ ! -e "ob/new/$2" ] || fail "Z-78: wrong files removed"

# Z-79: the outbox was moved away: nothing to remove, said so, exit 0.
mv ob ob-moved
expect_exit 0 ct -S s listings withdraw Z-79
expect_out "2 outbox files recorded for it are no longer there"
for f in $(files_of Z-79); do [ -e "ob-moved/new/$f" ] || fail "ob-moved/new/$f removed"; done

# compose --outbox writes no file for a withdrawn listing afterwards.
expect_exit 0 ct -S s compose --outbox ob-moved --json
expect_out '"written":2,'

# An outbox inside the study folder is recorded relative to it, so that the
# study can be moved with its outbox.
new_study t
ct -S t personas >/dev/null
ct -S t listings import l.csv >/dev/null
ct -S t assign >/dev/null
expect_exit 0 ct -S t compose --outbox t/outbox
f=$(sqlite3 t/study.db "SELECT outbox_file FROM message ORDER BY id LIMIT 1")
case $f in outbox/new/*.corrtest) ;; *) fail "outbox_file '$f' not relative to the study" ;; esac
mv t t2
expect_exit 0 ct -S t2 listings withdraw Z-80
expect_out "Removed the outbox files of its 2 unsent messages"
[ "$(ls t2/outbox/new | wc -l)" = 8 ] || fail "the moved study's outbox does not hold 8 files"
