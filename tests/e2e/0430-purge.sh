# purge and subject (issue 12 part 6): a study of 6 listings sent live to
# the loopback mail server (outbox files written first), landlords' replies
# fetched at two times, outcomes logged with notes naming the landlord, an
# export, a contacts list, a copy of the listings file and a confidential
# report written into the study folder. With retention_days = 60 and
# "Landlord 2" under legal hold, four listings are due (L1, L3, L5, L6; L4
# had a reply within the retention). purge --dry-run changes nothing; purge
# then leaves none of the due landlords' addresses, names, phone numbers,
# portal numbers or URLs in any byte of any file of the study folder
# (study.db, its WAL, the outbox, the exports), while the held and the
# recent ones are still there; stats --json is byte-identical, the report's
# data block identical but for the event count; verify passes. subject
# finds a landlord before and nothing after. Bad [evidence] values are
# refused with exit 2 and change nothing. purge --secrets removes the
# personas' mailbox passwords (only their sections of a shared file);
# --all, refused under a legal hold, also the agent key's secret.
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send-lib.sh"
mail_start
mail_study s 6
i=1
while [ $i -le 6 ]; do
	ct -S s listings edit L$i "contact_phone=+32 470 12 34 5$i" "portal_ref=PR-98765$i" >/dev/null
	i=$((i + 1))
done
sed -i -e 's/^retention_days = .*/retention_days = 60/' -e 's/^legal_hold =.*/legal_hold = Landlord 2/' s/study.ini
grep -q '^legal_hold = Landlord 2$' s/study.ini || fail "study.ini has no [evidence] legal_hold"

# The outbox (as compose --outbox writes it), then the live send.
expect_exit 0 ct -S s send --json
[ "$(ls s/outbox/new | wc -l)" = 12 ] || fail "the outbox does not hold 12 messages"
expect_exit 0 ct -S s send --live --json
expect_out '"sent":12,'

# app REF POS: "id message_id persona_email" of a listing's application.
app() { q s "SELECT a.id || ' ' || a.message_id || ' ' || p.email FROM application a JOIN persona p ON p.id = a.persona JOIN listing l ON l.id = a.listing WHERE l.ref = '$1' AND a.position = $2"; }
answer() { # REF POS OUTCOME: the landlord replies, threaded; fetched; logged
	set -- "$1" "$2" "$3" $(app "$1" "$2")
	landlord_reply "landlord${1#L}@example.test" "$6" "Re: woning $1" "$5" "Beste, kom kijken. Landlord ${1#L}, +32 470 12 34 5${1#L}" >/dev/null
	echo "$4 $3" >>answers.txt
}
: >answers.txt
answer L1 1 invitation
answer L2 1 invitation
answer L3 2 refusal
expect_exit 0 ct -S s fetch --json
while read -r id outcome; do
	ref=$(q s "SELECT l.ref FROM application a JOIN listing l ON l.id = a.listing WHERE a.id = $id")
	expect_exit 0 ct -S s log "$id" --outcome "$outcome" --channel email --note "Landlord ${ref#L} phoned too"
done <answers.txt
# L4 answers three months later, by phone; L4's reply mail comes then too
# (fetched, its Date is today's: before the retention's cutoff).
export CORRTEST_NOW=2027-06-01T12:00:00Z
answer L4 1 info
expect_exit 0 ct -S s fetch --json
id=$(app L4 1 | cut -d' ' -f1)
expect_exit 0 ct -S s log "$id" --outcome info --channel phone --at 2027-06-01T10:00:00Z --note "Landlord 4 phoned"
[ "$(q s "SELECT count(*) FROM message WHERE direction = 'in' AND kind = 'reply' AND application IS NOT NULL")" = 4 ] ||
	fail "the 4 replies are not all linked"

# A re-check of L1 and L2 (as corrtest recheck stores one: the page
# zlib-compressed, its SHA-256 over the plain bytes), in March.
python3 - s/study.db <<'PY'
import hashlib, sqlite3, sys, zlib
db = sqlite3.connect(sys.argv[1])
for i in (1, 2):
    page = f"<html><title>Flat of Landlord {i}</title><a href='https://example.org/{i}'>+32 470 12 34 5{i}</a></html>".encode()
    lid = db.execute("SELECT id FROM listing WHERE ref = ?", (f"L{i}",)).fetchone()[0]
    db.execute("INSERT INTO recheck (listing, reason, day, due_at, status, planned_at) VALUES (?, 'unavailable', 1, '2027-03-05T09:00:00Z', 'done', '2027-03-04T09:00:00Z')", (lid,))
    db.execute("INSERT INTO snapshot (recheck, listing, at, url, http_status, final_url, body_sha256, body_size, title, price, body, advertised) VALUES (?, ?, '2027-03-05T09:00:00Z', ?, 200, ?, ?, ?, ?, '800', ?, 1)",
               (db.execute("SELECT max(id) FROM recheck").fetchone()[0], lid, f"https://example.org/{i}", f"https://example.org/{i}", hashlib.sha256(page).hexdigest(), len(page), f"Flat of Landlord {i}", zlib.compress(page)))
db.commit()
PY

# Copies in the study folder: an export, the contacts, the listings file,
# a confidential report.
mkdir s/exports
# The phone numbers as a spreadsheet writes them, without spaces: purge
# looks for that form too.
for i in 1 3 5 6; do echo "tel +3247012345$i" >"s/exports/compact$i.txt"; done
# Values are found as whole words: "Landlord 10" is not landlord 1.
echo "Called Landlord 10 and Landlord 12 about the keys" >s/exports/notes.txt
expect_exit 0 ct -S s export responses -o s/exports/responses.csv
ct -S s listings list --contacts --json >s/exports/contacts.json
cp s.csv s/listings.csv
sqlite3 s/study.db ".backup s/study.db.bak"
# Case files: of a landlord whose data are due (a dossier is one document:
# purged whole, not left with a manifest naming files that are gone) and
# of the one under legal hold (kept, still whole).
expect_exit 0 ct -S s dossier "Landlord 1"
key1=$(ls s/dossiers | grep -v '\.zip$')
expect_exit 0 ct -S s dossier "Landlord 2"
key2=$(ls s/dossiers | grep -v '\.zip$' | grep -vx "$key1")
[ -n "$key1" ] && [ -n "$key2" ] && [ -f "s/dossiers/$key1.zip" ] || fail "the dossiers were not written"
expect_exit 0 ct -S s report --confidential --out s/reports
expect_exit 0 ct -S s stats --json
cp out.txt stats-before.json
expect_exit 0 ct -S s report --out rep-before

# subject: a GDPR access request before the purge.
expect_exit 0 ct -S s subject --json landlord1@example.test --raw raw1
python3 - <<'PY' || fail "subject does not list landlord 1's data"
import json, os
j = json.load(open("out.txt"))
assert j["found"] and [l["ref"] for l in j["listings"]] == ["L1"], j["listings"]
assert j["listings"][0]["contact_phone"] == "+32 470 12 34 51", j["listings"][0]
dirs = sorted(m["direction"] for m in j["messages"])
# two inquiries, their two self copies, one reply
assert dirs == ["in", "in", "in", "out", "out"], dirs
assert any(r["note"] == "Landlord 1 phoned too" for r in j["responses"]), j["responses"]
assert any(e["subject"] == "L1" for e in j["events"]), j["events"]
assert [p["url"] for p in j["snapshots"]] == ["https://example.org/1"], j["snapshots"]
import hashlib
for m in j["messages"]:
    assert hashlib.sha256(open(m["raw_file"], "rb").read()).hexdigest() == m["sha256"], m
PY
# --raw into a folder that holds something: refused before anything is written.
mkdir raw2 && : >raw2/mine.txt
expect_exit 2 ct -S s subject landlord1@example.test --raw raw2
expect_err 'give a new or empty folder'
[ "$(ls raw2)" = mine.txt ] || fail "subject wrote into a folder that was not empty"
expect_exit 1 ct -S s subject nobody@example.test
expect_out 'holds no data about nobody@example.test\.'

export CORRTEST_NOW=2027-07-01T12:00:00Z
# Bad [evidence] values: exit 2, naming study.ini:LINE, nothing changed.
before=$(snapshot s)
cp s/study.ini ini.good
for bad in 'retention_days = -1' 'retention_days = 30.5' 'retention_days = many' 'legal_hold = Landlord 2,,Landlord 3' \
	'legal_hold = Landlord 2, Landlrd 3'; do
	key=${bad%% *}
	sed "s/^$key = .*/$bad/" ini.good >s/study.ini
	line=$(grep -n "^$key = " s/study.ini | cut -d: -f1)
	expect_exit 2 ct -S s purge
	expect_err "study.ini:$line: \[evidence\] $key"
done
cp ini.good s/study.ini
[ "$(snapshot s)" = "$before" ] || fail "a refused purge changed the study"

# The dry run lists and changes nothing.
db_before=$(sha256sum s/study.db | cut -d' ' -f1)
expect_exit 0 ct -S s purge --json --dry-run
cp out.txt dry.json
[ "$(sha256sum s/study.db | cut -d' ' -f1)" = "$db_before" ] || fail "purge --dry-run changed study.db"
[ "$(snapshot s)" = "$before" ] || fail "purge --dry-run changed the study"
python3 - <<'PY' || fail "the dry run does not list what is due"
import json
j = json.load(open("dry.json"))
state = {l["ref"]: l["state"] for l in j["listings"]}
assert state == {"L1": "due", "L2": "held", "L3": "due", "L4": "recent", "L5": "due", "L6": "due"}, state
assert j["listings_purged"] == 4 and j["listings_held"] == 1 and j["listings_recent"] == 1, j
r = j["removed"]
# 4 listings: e-mail, phone, and contact + agent name each; url, url_key,
# portal_ref; L1's snapshot: url, final_url, title, price, page.
assert (r["emails"], r["phones"], r["names"], r["urls"]) == (4, 4, 8, 14), r
assert (r["titles"], r["bodies"]) == (2, 1), r
# 8 inquiries, 8 self copies, 2 replies.
assert r["raw_messages"] == 18, r
files = set(x["file"] for x in j["files"])
for f in ("listings.csv", "exports/contacts.json", "study.db.bak"):
    assert f in files, (f, files)
assert sum(f.startswith("outbox/") for f in files) == 8, files
assert "exports/responses.csv" not in files, files
PY

expect_exit 0 ct -S s purge
expect_out 'listings purged +4'

# Every byte of every file in the study folder.
# Anywhere, also run together with other bytes (SQLite stores a row's
# columns side by side), but not followed by a digit ("Landlord 10" is not
# "Landlord 1").
found() { grep -rPaiq -e "\\Q$1\\E(?![0-9])" s; }
for i in 1 3 5 6; do
	for v in "landlord$i@example.test" "Landlord $i" "+32 470 12 34 5$i" "+3247012345$i" "https://example.org/$i" "PR-98765$i"; do
		found "$v" && { grep -rFail -e "$v" s >&2; fail "'$v' is still in the study folder after purge"; }
	done
done
for i in 2 4; do
	found "landlord$i@example.test" || fail "landlord $i (held or recent) was purged"
	found "https://example.org/$i" || fail "listing L$i's URL was purged"
done
[ ! -s s/study.db-wal ] || fail "study.db-wal is not empty after purge"
[ -f s/exports/notes.txt ] || fail "a file naming 'Landlord 10' was taken for one naming 'Landlord 1'"
find s -name '*.purging' | grep -q . && fail "files set aside by the purge were left"
[ ! -e "s/dossiers/$key1" ] && [ ! -e "s/dossiers/$key1.zip" ] || fail "the due landlord's dossier was not removed whole"
(cd "s/dossiers/$key2" && sha256sum --quiet -c MANIFEST.sha256) || fail "the held landlord's dossier is no longer whole"
[ -f "s/dossiers/$key2.zip" ] || fail "the held landlord's dossier zip was removed"
# The snapshot keeps what it showed (time, status, hash, size, advertised).
[ "$(q s "SELECT count(*) FROM snapshot s JOIN listing l ON l.id = s.listing WHERE l.ref = 'L1' AND s.url IS NULL AND s.final_url IS NULL AND s.title IS NULL AND s.price IS NULL AND s.body IS NULL AND s.body_sha256 IS NOT NULL AND s.http_status = 200 AND s.advertised = 1")" = 1 ] ||
	fail "L1's snapshot is not purged as it should be"
[ "$(q s "SELECT count(body) FROM snapshot s JOIN listing l ON l.id = s.listing WHERE l.ref = 'L2'")" = 1 ] ||
	fail "the held L2's snapshot was purged"

# The figures.
expect_exit 0 ct -S s stats --json
cmp out.txt stats-before.json || { diff out.txt stats-before.json >&2; fail "stats --json changed"; }
expect_exit 0 ct -S s report --out rep-after
python3 - <<'PY' || fail "the report's data block changed"
import json, re
def block(p):
    t = open(p).read()
    m = re.search(r'<script type="application/json"[^>]*>(.*?)</script>', t, re.S)
    j = json.loads(m.group(1))
    # The purge is an event: the log's length and head change, nothing else.
    for k in ("events", "event_head"):
        j["study"].pop(k)
    j.pop("generated_at")
    return j
a, b = block("rep-before/report.html"), block("rep-after/report.html")
assert a == b, [k for k in a if a[k] != b.get(k)]
PY
expect_exit 0 ct -S s verify --json
python3 -c "
import json; j = json.load(open('out.txt'))
assert j['ok'] and j['messages_purged'] == 18, j"
[ "$(q s "SELECT count(*) FROM event WHERE action = 'purge'")" = 1 ] || fail "no purge event"
detail=$(q s "SELECT detail FROM event WHERE action = 'purge'")
case $detail in *landlord*|*example.org*) fail "the purge event names personal data: $detail" ;; esac

# subject after: nothing about landlord 1; landlord 2 (held) still there.
expect_exit 1 ct -S s subject landlord1@example.test
expect_out 'holds no data about landlord1@example.test now; personal data were purged'
expect_exit 0 ct -S s subject landlord2@example.test
expect_out 'L2'

# A purged listing is skipped by sending, not a crash.
expect_exit 0 ct -S s send --json
# Purge again: nothing more is due.
expect_exit 0 ct -S s purge --json
python3 -c "
import json; j = json.load(open('out.txt'))
assert j['listings_purged'] == 0 and j['removed']['raw_messages'] == 0, j"

# The personas' mailbox passwords, at the end of the study.
pw=$(sed -n 's/^password = //p' s/secrets.ini | head -1)
[ -n "$pw" ] || fail "no password in secrets.ini"
expect_exit 0 ct -S s purge --json --secrets
python3 -c "
import json; j = json.load(open('out.txt'))
assert j['secret_sections'] == 8 and j['secrets_file_removed'] and not j['agent_key_removed'], j"
[ ! -e s/secrets.ini ] || fail "secrets.ini is still there"
grep -rFaq -e "$pw" s && fail "a mailbox password is still in the study folder"
expect_exit 2 ct -S s fetch
expect_err "cannot read the secrets file"
expect_exit 0 ct -S s verify
# A secrets file shared with another study (CORRTEST_SECRETS): only this
# study's personas' sections go; the file is rewritten with mode 0600.
persona=$(q s "SELECT email FROM persona LIMIT 1")
umask 077
printf '; shared\n[%s]\npassword = ours-%s\n\n[other@elsewhere.test]\npassword = theirs\n' "$persona" "$$" >shared.ini
umask 022
CORRTEST_SECRETS=$PWD/shared.ini expect_exit 0 ct -S s purge --secrets --json
python3 -c "
import json; j = json.load(open('out.txt'))
assert j['secret_sections'] == 1 and not j['secrets_file_removed'], j"
[ "$(cat shared.ini)" = "$(printf '; shared\n[other@elsewhere.test]\npassword = theirs')" ] || { cat shared.ini >&2; fail "the shared secrets file is not as expected"; }
[ "$(stat -c %a shared.ini)" = 600 ] || fail "the shared secrets file is not mode 600"
# --all is refused while a legal hold is set.
expect_exit 2 ct -S s purge --secrets --all
expect_err 'legal_hold'
# Without the hold, --all removes the agent key's secret too: the figures
# stay, verify holds, a new agent can no longer be keyed.
sed -i 's/^legal_hold = .*/legal_hold =/' s/study.ini
expect_exit 0 ct -S s purge --secrets --all --json
python3 -c "
import json; j = json.load(open('out.txt'))
assert j['agent_key_removed'] and j['listings_purged'] == 1, j"
[ "$(q s "SELECT count(*) FROM study_secret")" = 0 ] || fail "the agent key is still there"
expect_exit 0 ct -S s stats --json
cmp out.txt stats-before.json || fail "stats --json changed after --all"
expect_exit 0 ct -S s verify
expect_exit 1 ct -S s listings add --ref NEW --agent-type agency --agent "Some Agency"
expect_err 'agent key was purged'
exit 0
