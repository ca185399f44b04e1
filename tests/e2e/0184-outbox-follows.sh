# A message waiting in the outbox follows its application: when the
# listing's contact changes, the next compose --outbox writes it to the new
# address (Message-ID kept) and the old file is gone; when the listing moves
# to the phone, its files are taken back (a person calls from field list);
# when the personas follow a changed study.ini before anything was sent,
# the files of the dropped messages go too. Files a reader already took
# (cur/) are never touched.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-11-22T12:00:00Z
new_study s
ct -S s personas >/dev/null
cat >l.csv <<'EOF'
ref,url,contact_email,contact_name,agent_type,agent,area,price,round,posted_on,title
A1,https://example.org/a1,old@kantoor-a.be,Kantoor A,agency,Kantoor A,Gent,800,1,2026-11-20,Studio
B1,https://example.org/b1,b@kantoor-b.be,Kantoor B,agency,Kantoor B,Gent,850,1,2026-11-20,Studio
C1,https://example.org/c1,c@kantoor-c.be,Kantoor C,agency,Kantoor C,Gent,900,1,2026-11-20,Studio
EOF
ct -S s listings import l.csv >/dev/null
ct -S s assign >/dev/null
ct -S s compose --outbox out >/dev/null
q() { sqlite3 s/study.db "$1"; }
files_of() { q "SELECT a.scheduled_at, a.id FROM application a JOIN listing l ON l.id = a.listing WHERE l.ref = '$1' ORDER BY a.id" |
	while IFS='|' read -r at id; do echo "$(date -u -d "$at" +%s).$id.corrtest"; done; }
[ "$(ls out/new | wc -l)" = 6 ] || fail "not 6 files in the outbox"
ids_a=$(q "SELECT group_concat(message_id) FROM (SELECT a.message_id FROM application a JOIN listing l ON l.id = a.listing WHERE l.ref = 'A1' ORDER BY a.id)")

# 1. A1's contact changes: its two files are taken back by the edit, and
# the next compose --outbox writes them to the new address with the same
# Message-IDs.
expect_exit 0 ct -S s listings edit A1 contact_email=new@kantoor-a.be
for f in $(files_of A1); do [ ! -e "out/new/$f" ] || fail "out/new/$f still there after the contact changed"; done
expect_exit 0 ct -S s compose --outbox out
for f in $(files_of A1); do
	grep -q '^To: new@kantoor-a.be' "out/new/$f" || fail "out/new/$f is not addressed to the new contact"
done
[ "$(q "SELECT group_concat(message_id) FROM (SELECT a.message_id FROM application a JOIN listing l ON l.id = a.listing WHERE l.ref = 'A1' ORDER BY a.id)")" = "$ids_a" ] ||
	fail "the Message-IDs changed"

# 2. B1 goes to the phone: its files are taken back, C1's stay.
q "UPDATE listing_contact SET contact_phone = '+32 9 220 00 01' WHERE listing = (SELECT id FROM listing WHERE ref = 'B1')"
expect_exit 0 ct -S s listings edit B1 channel=phone
for f in $(files_of B1); do [ ! -e "out/new/$f" ] || fail "out/new/$f (now phone) still in the outbox"; done
for f in $(files_of C1); do [ -e "out/new/$f" ] || fail "out/new/$f (C1, unchanged) was removed"; done
expect_exit 0 ct -S s compose --outbox out --json
expect_out '"other_channel":2'
for f in $(files_of B1); do [ ! -e "out/new/$f" ] || fail "compose wrote out/new/$f for a phone listing"; done

# 3. A reader takes C1's first file; then study.ini's mail domain changes
# before anything was sent: the personas follow it, their composed
# messages are dropped, the files still in new/ go, the taken one stays.
set -- $(files_of C1)
mkdir -p out/cur
mv "out/new/$1" "out/cur/$1:2,S"
sed -i 's/^mail_domain = .*/mail_domain = woonstudie-gent.be/' s/study.ini
expect_exit 0 ct -S s personas
[ -z "$(ls out/new)" ] || fail "files of dropped messages left in out/new: $(ls out/new)"
[ -e "out/cur/$1:2,S" ] || fail "a file a reader took was removed"
echo "ok: outbox files follow their applications"
