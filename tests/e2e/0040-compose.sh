# compose: --check, --preview and --outbox on a study with tricky names; every
# message read back by Python's email package equals the study's values and
# the template rendered independently; bad templates and CR/LF in a field are
# refused with nothing written.
. "$E2E_DIR/lib.sh"
PM="$E2E_DIR/parse_mail.py"
# The whole flow with the real commands: init, personas, listings, assign,
# then compose; every message reads back as the study says.
new_study r
cat >r.csv <<'EOF'
ref,url,contact_email,contact_name,agent_type,agent,area,price,round,posted_on,title
IMMO-001,https://example.org/1,verhuur@immo-voorbeeld.be,Immo Voorbeeld,agency,Immo Voorbeeld,Sint-Amandsberg,850,1,2026-11-20,Appartement met 2 slaapkamers
Z-77,https://example.org/2,jan.peeters@example.be,Jan Peeters,private,Jan Peeters,Gentbrugge,725,1,2026-11-21,
Z-78,https://example.org/3,an.desmet@example.be,An De Smet,private,An De Smet,Oostakker,690,1,2026-11-21,Rijwoning
Z-79,https://example.org/4,info@makelaar.be,,agency,Makelaar Gent,Wondelgem,910,1,2026-11-21,
EOF
ct -S r personas >/dev/null
ct -S r listings import r.csv >/dev/null
ct -S r assign >/dev/null
expect_exit 0 ct -S r compose --check
expect_out "messages of 8 planned applications can be composed"
expect_exit 0 ct -S r compose --outbox rout --json
expect_out '^\{"written":8,"skipped":0,"not_due":0,"other_channel":0,"rerendered":0,"taken_stale":0,"outbox":"rout"\}$'
python3 "$PM" check r rout >chk.txt || { cat chk.txt; fail "outbox does not match the study"; }
[ "$(sqlite3 r/study.db "SELECT count(DISTINCT message_id) FROM application WHERE message_id IS NOT NULL")" = 8 ] || fail "Message-IDs not 8 distinct"
sums=$(cd rout/new && sha256sum *)
expect_exit 0 ct -S r compose --outbox rout
[ "$(cd rout/new && sha256sum *)" = "$sums" ] || fail "re-running changed the files"

# A study with hand-made rows: tricky names, a withdrawn listing, no title.
new_study s
db=s/study.db
q() { sqlite3 "$db" "$@"; }

# Personas, listings and applications as corrtest personas / listings / assign
# store them.
q <<'EOF'
INSERT INTO persona (grp, gender, first_name, last_name, email, phone, profile, drawn_at)
SELECT g.id, v.gender, v.first, v.last, v.email, '+32 460 00 00 00',
  '{"age":"31","occupation":"verpleegkundige","employer_type":"een ziekenhuis","contract":"vast contract","income":"2.450","household":"alleenstaand","education":"een bachelor verpleegkunde","experience_years":"6"}',
  '2026-11-22T10:00:00Z'
FROM (SELECT 'belgian' AS grp, 'female' AS gender, 'Lotte' AS first, 'D''Hondt' AS last, 'lotte.dhondt@corrtest.invalid' AS email
      UNION ALL SELECT 'turkish', 'female', 'Gülşen', 'Öztürk', 'gulsen.ozturk@corrtest.invalid'
      UNION ALL SELECT 'african', 'female', 'Ngalula', 'Kabongo', 'ngalula.kabongo@corrtest.invalid'
      UNION ALL SELECT 'maghrebi', 'male', 'Zoë-Ayoub', 'El Amrani', 'ayoub.elamrani@corrtest.invalid'
      UNION ALL SELECT 'belgian', 'male', 'Pieter', 'Vermeulen', 'pieter.vermeulen@corrtest.invalid') v
JOIN grp g ON g.name = v.grp;
INSERT INTO listing (id, ref, url, title, agent_type, area, price, added_at, status) VALUES
 (1, 'IMMO-001', 'https://example.org/1', 'Appartement met 2 slaapkamers', 'agency', 'Sint-Amandsberg', 850, '2026-11-22T10:00:00Z', 'active'),
 (2, 'Z-77/b', 'https://example.org/2', NULL, 'private', 'Gentbrugge', 725.5, '2026-11-22T10:00:00Z', 'active'),
 (3, 'W-3', 'https://example.org/3', 'Studio', 'private', 'Ledeberg', 600, '2026-11-22T10:00:00Z', 'withdrawn');
INSERT INTO listing_contact (listing, contact_email, contact_name) VALUES
 (1, 'verhuur@immo-voorbeeld.be', 'Immo Voorbeeld'), (2, 'jan.peeters@example.be', 'Jan Peeters'),
 (3, 'x@example.be', NULL);
INSERT INTO application (listing, persona, variant, position, scheduled_at, status) VALUES
 (1, (SELECT id FROM persona WHERE first_name = 'Lotte'), 1, 1, '2026-12-07T08:12:00Z', 'planned'),
 (1, (SELECT id FROM persona WHERE first_name = 'Gülşen'), 2, 2, '2026-12-07T11:40:00Z', 'planned'),
 (2, (SELECT id FROM persona WHERE first_name = 'Ngalula'), 3, 1, '2026-12-08T09:05:00Z', 'planned'),
 (2, (SELECT id FROM persona WHERE first_name = 'Lotte'), 2, 2, '2026-12-08T13:30:00Z', 'planned'),
 (3, (SELECT id FROM persona WHERE first_name = 'Zoë-Ayoub'), 1, 1, '2026-12-09T09:00:00Z', 'planned'),
 (3, (SELECT id FROM persona WHERE first_name = 'Pieter'), 3, 2, '2026-12-09T12:00:00Z', 'planned');
EOF

# --check: the shipped templates and every planned application are fine.
expect_exit 0 ct -S s compose --check
expect_out "can be composed"
expect_exit 0 ct -S s compose --check --json
expect_out '"problems":\[\]'

# --preview prints one message and changes nothing.
before=$(snapshot s)
expect_exit 0 ct -S s compose --preview 2 --raw
expect_err "preview only"
cp out.txt preview2.eml
python3 "$PM" show preview2.eml >p.json
python3 - p.json <<'EOF'
import json, sys
f = json.load(open(sys.argv[1]))
assert f["from_name"] == "Gülşen Öztürk", f
assert f["from_addr"] == "gulsen.ozturk@corrtest.invalid", f
assert f["to_addr"] == "verhuur@immo-voorbeeld.be", f
assert f["subject"] == "Interesse in uw huurwoning in Sint-Amandsberg", f
assert f["date"] == "2026-12-07T11:40:00Z", f
assert "(referentie IMMO-001)" in f["body"] and f["body"].endswith("Gülşen Öztürk\n"), f
assert f["defects"] == 0, f
EOF
grep -q '^Date: Mon, 07 Dec 2026 12:40:00 +0100$' preview2.eml || fail "Date not in Brussels time"
grep -q '^From: =?UTF-8?' preview2.eml || fail "From name not RFC 2047-encoded"
[ "$(snapshot s)" = "$before" ] || fail "preview changed the study"
# Without --raw the preview is the text the landlord reads: header fields
# decoded, the body as text (issue 9: it showed quoted-printable).
expect_exit 0 ct -S s compose --preview 2
grep -qx 'From: Gülşen Öztürk <gulsen.ozturk@corrtest.invalid>' out.txt || { cat out.txt; fail "preview: From not decoded"; }
grep -qx 'To: verhuur@immo-voorbeeld.be' out.txt || fail "preview: To"
grep -qx 'Subject: Interesse in uw huurwoning in Sint-Amandsberg' out.txt || fail "preview: Subject"
grep -qx 'Date: 2026-12-07 12:40 (Europe/Brussels)' out.txt || fail "preview: Date not in local time"
grep -q '(referentie IMMO-001)' out.txt || fail "preview: body"
[ "$(tail -n 1 out.txt)" = "Gülşen Öztürk" ] || fail "preview: the body does not end with the signature"
! grep -Eq '=\?UTF-8\?|=C3|=20$|Content-Transfer-Encoding' out.txt || fail "preview shows MIME encoding"
expect_exit 0 ct -S s compose --preview 2 --json
python3 -c 'import json,sys; d=json.load(open("out.txt")); assert d["subject"] == "Interesse in uw huurwoning in Sint-Amandsberg" and d["from_name"] == "Gülşen Öztürk" and d["body"].endswith("Gülşen Öztürk\n") and "=?UTF-8?" in d["raw"], d'
expect_exit 2 ct -S s compose --check --raw
expect_err "--raw goes with --preview"
expect_exit 2 ct -S s compose --preview 999
expect_err "corrtest compose: no application 999"
expect_exit 2 ct -S s compose --preview abc
expect_exit 2 ct -S s compose
expect_err "give one of --check, --preview APP or --outbox DIR"
expect_exit 2 ct -S s compose --check --due

# A file that cannot be written midway (a folder in its place): the study is
# rolled back and the files this run wrote are removed.
mkdir -p trap/new/1796720700.3.corrtest/x
before=$(snapshot s)
expect_exit 3 ct -S s compose --outbox trap
expect_err "cannot move .*1796720700.3.corrtest"
[ "$(ls trap/new)" = "1796720700.3.corrtest" ] || fail "files of a failed run left behind"
[ -z "$(ls trap/tmp)" ] || fail "files left in trap/tmp"
[ "$(snapshot s)" = "$before" ] || fail "a failed outbox run changed the study"

# --outbox writes the four planned messages of active listings, in Maildir.
expect_exit 0 ct -S s compose --outbox out --json
expect_out '"written":4'
expect_out '"skipped":2'
[ -d out/tmp ] && [ -d out/cur ] || fail "no Maildir layout"
[ "$(ls out/new | wc -l)" = 4 ] || fail "not 4 files in out/new"
[ -z "$(ls out/tmp)" ] || fail "files left in out/tmp"
python3 "$PM" check s out >chk.txt || { cat chk.txt; fail "outbox does not match the study"; }
[ "$(q "SELECT count(*) FROM application WHERE message_id IS NOT NULL")" = 4 ] || fail "message ids not stored"
[ "$(q "SELECT count(DISTINCT message_id) FROM application")" = 4 ] || fail "message ids not unique"
[ "$(q "SELECT count(*) FROM application a JOIN listing l ON l.id = a.listing WHERE l.status = 'withdrawn' AND a.message_id IS NOT NULL")" = 0 ] || fail "withdrawn listing composed"
[ "$(q "SELECT count(*) FROM message WHERE direction = 'out'")" = 4 ] || fail "messages not stored"
[ "$(q "SELECT count(*) FROM event WHERE action = 'compose'")" = 1 ] || fail "no compose event"
# Nothing but the placeholder mail domain of the preset names the tool.
! cat out/new/* | sed 's/@corrtest\.invalid//g' | grep -qi corrtest || fail "a message names corrtest"
# The file name carries the scheduled time and the application.
ls out/new/1796643600.2.corrtest >/dev/null

# Re-running gives identical files and stores nothing new; the preview now
# shows the stored message, byte for byte.
sums=$(cd out/new && sha256sum *)
expect_exit 0 ct -S s compose --outbox out
[ "$(cd out/new && sha256sum *)" = "$sums" ] || fail "re-running changed the files"
[ "$(q "SELECT count(*) FROM message")" = 4 ] || fail "re-running stored messages again"
expect_exit 0 ct -S s compose --preview 2 --raw
cmp -s out.txt out/new/1796643600.2.corrtest || fail "preview differs from the outbox file"
# --force composes again from the templates: same bytes, nothing new stored.
expect_exit 0 ct -S s compose --outbox out --force
[ "$(cd out/new && sha256sum *)" = "$sums" ] || fail "--force changed the files"
[ "$(q "SELECT count(*) FROM message")" = 4 ] || fail "--force stored identical messages"
# --force after the templates changed, failing midway (the last message
# cannot be staged): new/ keeps the old bytes of every message and the
# study is unchanged; it never holds text the study does not.
for v in s/templates/v*.txt; do cp "$v" "$v.orig"; printf 'Tot straks.\n' >> "$v"; done
last=$(ls out/new | sort | tail -n 1)
mkdir -p "out/tmp/$last/x"
before=$(snapshot s)
expect_exit 3 ct -S s compose --outbox out --force
[ "$(cd out/new && sha256sum *)" = "$sums" ] || fail "a failed --force changed files in new/"
[ "$(snapshot s)" = "$before" ] || fail "a failed --force changed the study"
rm -r "out/tmp/$last"
[ -z "$(ls out/tmp)" ] || fail "a failed --force left files in out/tmp"
for v in s/templates/v*.txt.orig; do mv "$v" "${v%.orig}"; done
# A message a reader moved to cur/ is not written again.
mv out/new/1796643600.2.corrtest out/cur/1796643600.2.corrtest:2,S
expect_exit 0 ct -S s compose --outbox out --json
expect_out '"written":3'
[ ! -e out/new/1796643600.2.corrtest ] || fail "rewrote a message taken from cur/"

# --due writes only what is due at CORRTEST_NOW.
CORRTEST_NOW=2026-12-07T12:00:00Z expect_exit 0 ct -S s compose --outbox due --due --json
expect_out '"written":2'
expect_out '"not_due":2'
[ "$(ls due/new | tr '\n' ' ')" = "1796631120.1.corrtest 1796643600.2.corrtest " ] || fail "--due wrote the wrong messages"

# An unknown placeholder: --check names file and line, exit 2; --outbox
# refuses and writes nothing.
cp s/templates/v2.txt v2.orig
printf 'Zie ook {{listing.titel}}.\n' >>s/templates/v2.txt
line=$(wc -l <s/templates/v2.txt)
before=$(snapshot s)
expect_exit 2 ct -S s compose --check
expect_err "corrtest compose: templates/v2.txt:$line: unknown placeholder 'listing.titel'"
expect_exit 2 ct -S s compose --outbox bad1
expect_err "templates/v2.txt:$line: unknown placeholder"
[ ! -e bad1 ] || fail "outbox created despite a bad template"
expect_exit 2 ct -S s compose --preview 1
[ "$(snapshot s)" = "$before" ] || fail "a refused compose changed the study"
cp v2.orig s/templates/v2.txt
# A missing variant file is an error too.
mv s/templates/v3.txt v3.orig
expect_exit 2 ct -S s compose --check
expect_err "templates/v3.txt: cannot read it"
mv v3.orig s/templates/v3.txt

# CR/LF in a listing field, in a persona name, or a listing without contact
# address: refused naming the application and listing; nothing written.
q <<'EOF'
INSERT INTO listing (id, ref, url, title, agent_type, area, price, added_at) VALUES
 (4, 'NEW-4', 'https://example.org/4', NULL, 'agency', 'Gent' || char(13) || char(10) || 'Bcc: x@example.org', 900, '2026-11-22T10:00:00Z');
INSERT INTO listing_contact (listing, contact_email) VALUES (4, 'info@example.be');
INSERT INTO application (id, listing, persona, variant, position, scheduled_at) VALUES
 (40, 4, (SELECT id FROM persona WHERE first_name = 'Pieter'), 1, 1, '2026-12-10T09:00:00Z'),
 (41, 4, (SELECT id FROM persona WHERE first_name = 'Zoë-Ayoub'), 2, 2, '2026-12-10T13:00:00Z');
EOF
rm -rf out; mkdir out
before=$(snapshot s)
expect_exit 2 ct -S s compose --outbox out
expect_err "application 40 \(listing NEW-4\): templates/v1.txt:[0-9]+: the value of listing.area contains a line break \(U\+000D\)"
[ -z "$(ls out)" ] || fail "files written despite CR/LF in a listing field"
expect_exit 2 ct -S s compose --check
expect_err "application 41 \(listing NEW-4\)"
[ "$(snapshot s)" = "$before" ] || fail "refused outbox changed the study"

q "UPDATE listing SET area = 'Gent' WHERE id = 4; UPDATE persona SET first_name = 'Pieter' || char(10) || 'Bcc: x@example.org' WHERE first_name = 'Pieter'"
before=$(snapshot s)
expect_exit 2 ct -S s compose --outbox out
expect_err "application 40 \(listing NEW-4\).*a line break \(U\+000A\)"
[ -z "$(ls out)" ] || fail "files written despite CR/LF in a persona name"
[ "$(snapshot s)" = "$before" ] || fail "refused outbox changed the study"
q "UPDATE persona SET first_name = 'Pieter' WHERE first_name LIKE 'Pieter%'"

q "UPDATE listing_contact SET contact_email = NULL WHERE listing = 4"
before=$(snapshot s)
expect_exit 2 ct -S s compose --outbox out
expect_err "application 40 \(listing NEW-4\): listing NEW-4 has no contact e-mail"
[ -z "$(ls out)" ] && [ "$(snapshot s)" = "$before" ] || fail "written despite a missing contact"
q "UPDATE listing_contact SET contact_email = 'info@example.be' WHERE listing = 4"

# Fixed, the same outbox takes all six messages; every one reads back right.
expect_exit 0 ct -S s compose --outbox out
[ "$(ls out/new | wc -l)" = 6 ] || fail "not 6 files"
python3 "$PM" check s out >chk.txt || { cat chk.txt; fail "outbox does not match the study"; }

# Every preset's shipped templates pass --check against its own [profile].
for m in housing job; do for l in nl fr en; do
	new_study "p-$m-$l" --market $m --lang $l
	expect_exit 0 ct -S "p-$m-$l" compose --check
done; done

# A study locked by another process: exit 3, no outbox, nothing changed.
before=$(snapshot r)
( sqlite3 r/study.db 'BEGIN EXCLUSIVE; SELECT 1;' '.shell sleep 4' 'COMMIT;' >/dev/null & )
sleep 1
CORRTEST_BUSY_MS=200 expect_exit 3 ct -S r compose --outbox locked --force
expect_err "locked"
sleep 4
[ ! -e locked ] || fail "a locked study left an outbox"
[ "$(snapshot r)" = "$before" ] || fail "a locked study changed"
