# dossier AGENT: a study of 8 listings sent live to the loopback mail
# server, 5 of them of the agency "Immo Voorbeeld" (each office its own
# contact address), 2 of "Andere Makelaar", 1 private. The landlords answer
# through SMTP, fetch stores the replies raw, the outcomes are logged. The
# dossier of Immo Voorbeeld must hold every message of its tests (counted
# here with sqlite3 on the agent's name, not its key) with the study's
# SHA-256, pass sha256sum -c, hold nothing of the other agents, zip to the
# same files (Python's zipfile and unzip), carry the event extract that
# Python re-hashes by the formula VERIFY.txt states (and the shell recipe
# it gives), give the exact p of R's binom.test, say "confidential" on
# every printed page, and render in Chromium without a request. An unknown
# agent, a changed raw message: refused, nothing written.
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send-lib.sh"
LL="/usr/bin/python3 $E2E_DIR/landlord.py"
mail_start

# The study, as mail_study makes it, with listings of our own.
export CORRTEST_NOW=2026-11-22T12:00:00Z
ct init s --seed 20270101 --start 2026-12-07 >/dev/null
sed -i -e 's/^daily_quota = .*/daily_quota = 100000/' \
	-e 's/^mail_domain = .*/mail_domain = corrtest.test/' \
	-e "s|^smtp_url =.*|smtp_url = smtp://127.0.0.1:$SMTP_PORT|" \
	-e "s|^imap_url =.*|imap_url = imap://127.0.0.1:$IMAP_PORT|" \
	-e 's/^min_interval_seconds = .*/min_interval_seconds = 0/' \
	-e 's/^agent_gap_days = .*/agent_gap_days = 0/' s/study.ini
study_phones s/study.ini
ct -S s personas >/dev/null
{
	echo 'ref,url,contact_email,contact_name,agent_type,agent,area,price,round,posted_on,title'
	for i in 1 2 3 4 5; do
		echo "L$i,https://example.org/$i,landlord$i@example.test,Kantoor $i,agency,Immo Voorbeeld,Gent,8${i}0,1,2026-11-20,Appartement $i"
	done
	echo "L6,https://example.org/6,landlord6@example.test,Anna Andere,agency,Andere Makelaar,Ledeberg,900,1,2026-11-20,Studio 6"
	echo "L7,https://example.org/7,landlord7@example.test,Bert Andere,agency,andere  MAKELAAR,Ledeberg,910,1,2026-11-20,Studio 7"
	echo "L8,https://example.org/8,landlord8@example.test,Piet Prive,private,,Gentbrugge,700,1,2026-11-20,Kamer 8"
} >s.csv
for i in 1 2 3 4 5 6 7 8; do "$M/adduser.sh" "$MD" "landlord$i@example.test" "ll-pw-$i-$$"; done
ct -S s listings import s.csv >/dev/null
ct -S s assign >/dev/null
export CORRTEST_NOW=$SEND_NOW
umask 077
: >s/secrets.ini
for e in $(q s "SELECT email FROM persona ORDER BY id"); do
	pw="Pw-$(echo "$e" | cut -d@ -f1)-$$;#x"
	"$M/adduser.sh" "$MD" "$e" "$pw"
	printf '[%s]\npassword = %s\n' "$e" "$pw" >>s/secrets.ini
done
umask 022
[ "$(q s "SELECT count(*) FROM application")" = 16 ] || fail "not 16 applications"
expect_exit 0 ct -S s send --live --json
expect_out '"sent":16,'

# app REF ROLE: "id message_id persona_email" of the control or test
# candidate's application on listing REF.
app() { q s "SELECT a.id || ' ' || a.message_id || ' ' || p.email FROM application a JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp JOIN listing l ON l.id = a.listing WHERE l.ref = '$1' AND g.role = '$2'"; }
reply() { # REF ROLE TEXT
	set -- "$1" "$2" "$3" $(app "$1" "$2")
	i=${1#L}
	$LL "$MD/env" "landlord$i@example.test" "ll-pw-$i-$$" "$6" "Re: uw vraag" --in-reply-to "$5" \
		--body "$3" >/dev/null || fail "the reply on $1 failed"
}
reply L1 control "Beste, u kunt zaterdag komen kijken."
reply L2 control "Welkom op de bezichtiging dinsdag."
reply L3 control "Komt u donderdag?"
reply L3 test "Komt u vrijdag?"
reply L4 control "U bent welkom maandag."
reply L5 test "Kom gerust woensdag kijken."
reply L6 test "Bezichtiging mogelijk, Anna van Andere Makelaar."
reply L7 control "Helaas al verhuurd. Bert van Andere Makelaar."
expect_exit 0 ct -S s fetch --json
expect_out '"replies":8,'
# The outcomes, a day after sending: Immo Voorbeeld favours the control
# candidate on L1, L2 and L4 (b), invites both on L3, only the test
# candidate on L5 (c): b = 3, c = 1.
export CORRTEST_NOW=2027-03-03T12:00:00Z
logo() { ct -S s log "$(app "$1" "$2" | cut -d' ' -f1)" --outcome "$3" --channel email --at 2027-03-02T06:00:00Z >/dev/null; }
for r in L1 L2 L4; do logo $r control invitation; logo $r test no_reply; done
logo L3 control invitation; logo L3 test invitation
logo L5 control no_reply; logo L5 test invitation
logo L6 control no_reply; logo L6 test invitation
logo L7 control refusal; logo L7 test no_reply

# ---- Unknown agent: exit 2, nothing written ----
before=$(snapshot s)
expect_exit 2 ct -S s dossier "Niemand Bekend"
expect_err "no agent 'Niemand Bekend'"
expect_exit 2 ct -S s dossier ag-000000000000
[ "$(snapshot s)" = "$before" ] || fail "an unknown agent changed the study"
[ ! -e s/dossiers ] || fail "an unknown agent left a dossiers folder"

# ---- The dossier, by the name as typed differently ----
expect_exit 0 ct -S s dossier --json --lang en "immo  voorbeeld"
cp out.txt d.json
key=$(q s "SELECT DISTINCT l.agent_key FROM listing l JOIN listing_contact c ON c.listing = l.id WHERE c.agent_name = 'Immo Voorbeeld'")
D=s/dossiers/$key
[ -d "$D" ] && [ -f "$D.zip" ] || fail "no folder $D and zip $D.zip"
ls s/dossiers | grep -q -e '\.tmp-' -e '\.old-' && fail "temporary names left in s/dossiers"
# Every file is in the manifest and checks out (sha256sum, not corrtest).
(cd "$D" && sha256sum --quiet -c MANIFEST.sha256) || fail "sha256sum -c MANIFEST.sha256 fails"
(cd "$D" && find . -type f ! -name MANIFEST.sha256 | sed 's|^\./||' | LC_ALL=C sort) >files.txt
awk '{ print $2 }' "$D/MANIFEST.sha256" | LC_ALL=C sort >listed.txt
cmp -s files.txt listed.txt || { diff files.txt listed.txt >&2; fail "the manifest does not list every file"; }
# Every message of the agent's tests, counted on its name: out, self
# copies and replies, each with the study's SHA-256.
want=$(q s "SELECT count(*) FROM message m JOIN application a ON a.id = m.application JOIN listing_contact c ON c.listing = a.listing WHERE c.agent_name = 'Immo Voorbeeld'")
[ "$want" = $((10 + 10 + 6)) ] || fail "the study holds $want messages of the agent, not 26"
[ "$(ls "$D/messages" | wc -l)" = "$want" ] || fail "$(ls "$D/messages" | wc -l) message files, not $want"
q s "SELECT m.id || ' ' || m.sha256 FROM message m JOIN application a ON a.id = m.application JOIN listing_contact c ON c.listing = a.listing WHERE c.agent_name = 'Immo Voorbeeld'" |
	while read -r id sha; do
		f=$(ls "$D"/messages/*_m"$id".eml 2>/dev/null) || fail "message $id has no file"
		[ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$sha" ] || fail "$f does not hash to message $id's SHA-256"
	done
# Named in time order: the number prefix follows message.at.
ls "$D/messages" | sed 's/^[0-9]*_\([^_]*\)_.*/\1/' >order.txt
LC_ALL=C sort -c order.txt || fail "the files are not numbered in time order"
# Nothing of another agent or landlord.
for x in landlord6@ landlord7@ landlord8@ 'Andere Makelaar' 'Anna Andere' 'Bert Andere' 'Piet Prive' 'example.org/6' 'Studio 6'; do
	if grep -rlaF "$x" "$D" >/dev/null; then fail "'$x' (another agent) is in the dossier: $(grep -rlaF "$x" "$D" | head -3)"; fi
done
for i in 1 2 3 4 5; do grep -qF "landlord$i@example.test" "$D/index.html" || fail "landlord$i is not in index.html"; done

# ---- The zip: the same files, read by two other readers ----
python3 - "$D.zip" "$key" <<'PY' || fail "zipfile finds the zip bad"
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None, z.testzip()
assert all(n.startswith(sys.argv[2] + "/") for n in z.namelist()), z.namelist()[:3]
z.extractall("unz")
PY
diff -r "$D" "unz/$key" >/dev/null || fail "the zip does not extract to the folder's files"
if command -v unzip >/dev/null; then unzip -tq "$D.zip" >/dev/null || fail "unzip -t finds the zip bad"; fi

# ---- The event: the dossier is anchored in the chain ----
mh=$(sha256sum <"$D/MANIFEST.sha256" | cut -d' ' -f1)
[ "$(q s "SELECT count(*) FROM event WHERE action = 'dossier' AND subject = '$key' AND detail LIKE '%manifest_sha256=$mh%'")" = 1 ] ||
	fail "no dossier event with the manifest's SHA-256 $mh"
expect_exit 0 ct -S s verify
# The extract re-hashed by the formula VERIFY.txt states, and linked by
# chain.csv to the head, the event before the dossier's own.
head_before=$(q s "SELECT hash FROM event WHERE id = (SELECT max(id) - 1 FROM event)")
python3 - "$D" "$head_before" <<'PY' || fail "the event extract does not verify"
import csv, hashlib, json, sys
d, head = sys.argv[1], sys.argv[2]
ev = json.load(open(d + "/events.json"))
chain = list(csv.DictReader(open(d + "/chain.csv")))
prev = "0" * 64
for row in chain:
    assert row["prev_hash"] == prev, row
    prev = row["hash"]
assert prev == head, (prev, head)
by_id = {int(r["id"]): r for r in chain}
for e in ev:
    f = [e[k] if e[k] is not None else "\x1e" for k in ("prev_hash", "at", "actor", "action", "subject", "detail")]
    h = hashlib.sha256("\x1f".join(f).encode()).hexdigest()
    assert h == e["hash"] == by_id[e["id"]]["hash"], e
acts = {e["action"] for e in ev}
assert {"init", "assign", "log", "fetch.link"} <= acts, acts
assert not [e for e in ev if e["subject"] and "L6" in e["subject"]]
print(len(ev))
PY
# The shell recipe of VERIFY.txt, for the first event.
grep -q "printf '%s\\\\037%s" "$D/VERIFY.txt" || fail "VERIFY.txt lacks the printf recipe"
eval "$(python3 -c '
import json, shlex, sys
e = json.load(open(sys.argv[1]))[0]
for k in ("prev_hash", "at", "actor", "action", "subject", "detail", "hash"):
    print(k + "=" + shlex.quote(e[k] if e[k] is not None else "\x1e"))' "$D/events.json")"
got=$(printf '%s\037%s\037%s\037%s\037%s\037%s' "$prev_hash" "$at" "$actor" "$action" "$subject" "$detail" | sha256sum | cut -d' ' -f1)
[ "$got" = "$hash" ] || fail "the printf recipe gives $got, the event's hash is $hash"
# Its Python recipe, as printed, run in the folder: every event ok.
sed -n '/^python3 -c/,/DIFFERS")'"'"'$/p' "$D/VERIFY.txt" >recipe.sh
[ -s recipe.sh ] || fail "VERIFY.txt lacks the Python recipe"
(cd "$D" && sh "$OLDPWD/recipe.sh") >recipe.txt || fail "the Python recipe of VERIFY.txt fails"
[ "$(grep -c ' ok$' recipe.txt)" = "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$D/events.json")" ] &&
	! grep -q DIFFERS recipe.txt || fail "the recipe does not find every event ok"

# ---- The exact test: b = 3, c = 1, as R's binom.test gives it ----
python3 - <<'PY' || fail "the counts of the exact test"
import json
d = json.load(open("d.json"))
assert (d["listings"], d["pairs"], d["b"], d["c"]) == (5, 5, 3, 1), d
assert d["messages"] == 26 and d["messages_purged"] == 0, d
PY
# R (make deps installs it); by hand: P(X >= 3) + P(X <= 1) for
# X ~ Bin(4, 1/2) = (4 + 1 + 1 + 4) / 16.
rp=$(Rscript -e 'cat(sprintf("%.6f", binom.test(3, 4)$p.value))')
[ "$rp" = 0.625000 ] || fail "R gives $rp, by hand 0.625"
python3 -c 'import json,sys; d=json.load(open("d.json")); assert abs(d["p_exact"] - float(sys.argv[1])) < 1e-9, d["p_exact"]' "$rp" ||
	fail "p_exact is not R's $rp"
grep -q "to six decimals $rp" "$D/index.html" || fail "index.html does not state p = $rp"
grep -q "only the test candidate in 1;" "$D/index.html" || fail "the counts are not in words"
# The delay: sent at $SEND_NOW, answered 2027-03-02T06:00Z: 18 hours.
grep -q "18.0 hours" "$D/index.html" || fail "no response delay of 18 hours"

# ---- Confidential, and the page in a browser ----
grep -q 'class="banner">CONFIDENTIAL' "$D/index.html" || fail "no confidential banner"
grep -q '@page{@top-center' "$D/index.html" || fail "no running header"
grep -q '<script' "$D/index.html" && fail "a script in the dossier"
command -v chromium >/dev/null || fail "chromium is missing (make deps installs it)"
python3 "$E2E_DIR/browser.py" check "$D/index.html" --no-charts --pdf d.pdf >browser.txt 2>&1 ||
	{ cat browser.txt >&2; fail "the dossier does not render cleanly"; }
# Every printed page starts with the running header: the PDF's text as
# poppler's pdftotext reads it, page by page (pages end with a form feed).
pdftotext -enc UTF-8 d.pdf d.txt || fail "pdftotext cannot read the printed dossier"
python3 - d.txt "CONFIDENTIAL - corrtest dossier $key" <<'PY' || fail "a printed page without the confidential header"
import sys
pages = [p for p in open(sys.argv[1], encoding="utf-8").read().split("\f") if p.strip()]
assert len(pages) >= 2, len(pages)
for i, p in enumerate(pages):
    assert sys.argv[2] in " ".join(p.split()), (i + 1, p[:120])
print(len(pages), "pages")
PY

# ---- By its key (as the confidential report prints it); re-run replaces ----
expect_exit 0 ct -S s dossier --json "$key"
expect_out '"replaced": ?true'
(cd "$D" && sha256sum --quiet -c MANIFEST.sha256) || fail "the replaced dossier does not check"
[ "$(q s "SELECT count(*) FROM event WHERE action = 'dossier' AND subject = '$key'")" = 2 ] || fail "not two dossier events"
ls s/dossiers | grep -q -e '\.tmp-' -e '\.old-' && fail "temporary names left after the re-run"
# Another agent by name: its own dossier, none of Immo Voorbeeld's.
expect_exit 0 ct -S s dossier --out other "Andere Makelaar"
[ "$(ls other/messages | wc -l)" = $((4 + 4 + 2)) ] || fail "Andere Makelaar's dossier does not hold its 10 messages"
if grep -rlaF "landlord1@" other >/dev/null; then fail "Immo Voorbeeld's data in another agent's dossier"; fi
# --out naming a folder that holds other files (not an earlier dossier) is
# refused before anything is written: a dossier replaces what it names.
mkdir mine && echo "my notes" >mine/notes.txt
before=$(snapshot s)
expect_exit 2 ct -S s dossier --out mine "Andere Makelaar"
expect_err 'mine holds files and is not an earlier dossier'
[ "$(cat mine/notes.txt)" = "my notes" ] && [ "$(ls mine)" = notes.txt ] || fail "the folder was changed"
[ "$(snapshot s)" = "$before" ] || fail "a refused dossier changed the study"
echo "not a zip" >other2.zip
expect_exit 2 ct -S s dossier --out other2 "Andere Makelaar"
expect_err 'other2.zip is in the way'
[ "$(cat other2.zip)" = "not a zip" ] || fail "other2.zip was replaced"
# An earlier dossier is replaced, as before.
expect_exit 0 ct -S s dossier --out other "Andere Makelaar"

# ---- Re-check snapshots and follow-ups, as their tables hold them ----
# (the re-check and follow-up engines are built apart; here their rows are
# written as migrate-7 and migrate-8 define them, on a copy of the study).
cp -r s f
rm -rf f/dossiers
l2=$(q f "SELECT id FROM listing WHERE ref = 'L2'")
set -- $(app L2 test)
t2=$1
q f "SELECT persona FROM application WHERE id = $t2" >persona.txt
printf 'From: x@corrtest.test\nTo: landlord2@example.test\nSubject: Nog beschikbaar?\n\nIs de woning nog beschikbaar?\n' >fu.eml
fsha=$(sha256sum <fu.eml | cut -d' ' -f1)
# Made from the built-in follow-up text of the study's language (nl): the
# study has no templates/followup.txt of its own.
[ ! -e f/templates/followup.txt ] || fail "the study has its own follow-up text"
fush=$(sha256sum <"$TOP/templates/followup/nl.txt" | cut -d' ' -f1)
sqlite3 f/study.db "INSERT INTO application (listing, persona, status, sent_at, channel, kind, follows)
	VALUES ($l2, $(cat persona.txt), 'sent', '2027-03-04T09:00:00Z', 'smtp', 'followup', $t2);
	INSERT INTO message (application, direction, raw, sha256, at, template_sha256)
	VALUES (last_insert_rowid(), 'out', readfile('fu.eml'), '$fsha', '2027-03-04T09:00:00Z', '$fush');
	INSERT INTO recheck (listing, application, reason, day, due_at, status, planned_at)
	VALUES ($l2, $t2, 'differing', 3, '2027-03-05T06:00:00Z', 'done', '2027-03-02T06:00:00Z');
	INSERT INTO snapshot (recheck, listing, at, url, http_status, final_url, body_sha256, body_size, title, price, advertised, why)
	VALUES (last_insert_rowid(), $l2, '2027-03-05T06:00:05Z', 'https://example.org/2', 200, 'https://example.org/2?x=1',
		'$(printf 'page' | sha256sum | cut -d' ' -f1)', 4, 'Appartement 2 nog te huur', '820 EUR', 1, 'still online')"
expect_exit 0 ct -S f dossier --lang en --out fd "Immo Voorbeeld"
expect_out 'of which follow-ups and re-tests +1'
expect_out 're-check snapshots +1'
f=$(ls fd/messages/*_m"$(q f "SELECT max(id) FROM message")".eml) || fail "the follow-up's message has no file"
[ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$fsha" ] || fail "the follow-up's message file differs"
grep -q "follow-up of application $t2" fd/index.html || fail "the follow-up is not listed as one"
grep -q "Is de woning nog beschikbaar?" fd/index.html || fail "the follow-up's text is not shown"
for x in 'https://example.org/2?x=1' 'Appartement 2 nog te huur' '820 EUR' 'still online' "$(printf 'page' | sha256sum | cut -d' ' -f1)"; do
	grep -qF "$x" fd/index.html || fail "the snapshot's '$x' is not in the dossier"
done
grep -q '<td>yes: still online</td>' fd/index.html || fail "the snapshot does not say the advert was still online"
# The follow-up text used is in design/templates, with the follow-up made
# from it counted in its row.
cmp -s fd/design/templates/followup.txt "$TOP/templates/followup/nl.txt" ||
	fail "design/templates/followup.txt is not the built-in templates/followup/nl.txt"
grep -q "^$fush  design/templates/followup.txt$" fd/MANIFEST.sha256 || fail "followup.txt is not in the manifest with its SHA-256"
python3 - fd/index.html "$fush" <<'PY' || fail "the templates table has no row for the follow-up text"
import re, sys
h = open(sys.argv[1], encoding="utf-8").read()
rows = [r for r in re.findall(r"<tr>(.*?)</tr>", h, re.S) if "design/templates/followup.txt" in r]
assert len(rows) == 1, rows
assert "templates/followup/nl.txt" in rows[0] and sys.argv[2] in rows[0], rows[0]
assert "1 (of which 1 from this very file)" in rows[0], rows[0]
PY

# ---- Messages of the agent's tests that are not linked to an application ----
# On a copy, through the mail server and fetch: landlord1 (Immo
# Voorbeeld's L1) writes without threading headers to a persona who did
# not apply to L1, so fetch cannot link it; landlord2 answers its test
# candidate and the server delivers the reply twice (the second delivery
# is stored apart, pointing at the first); landlord6 (another agent)
# writes unthreaded too. A bounce naming L3's address (in capitals) that
# could not be linked is stored as fetch stores one.
cp -r s u
rm -rf u/dossiers
set -- $(app L6 test)
[ "$(q u "SELECT count(*) FROM application a JOIN listing l ON l.id = a.listing JOIN persona p ON p.id = a.persona WHERE l.ref = 'L1' AND p.email = '$3'")" = 0 ] ||
	fail "L6's test persona applied to L1 too"
$LL "$MD/env" landlord1@example.test "ll-pw-1-$$" "$3" "Nog interesse?" \
	--body "Kantoor 1 schrijft zonder draad." >/dev/null || fail "landlord1's unthreaded mail"
set -- $(app L2 test)
$LL "$MD/env" landlord2@example.test "ll-pw-2-$$" "$3" "Re: uw vraag" --in-reply-to "$2" --twice \
	--body "Twee keer bezorgd." >/dev/null || fail "landlord2's twice delivered reply"
set -- $(app L1 control)
$LL "$MD/env" landlord6@example.test "ll-pw-6-$$" "$3" "Vraag" \
	--body "Anna schrijft zonder draad." >/dev/null || fail "landlord6's unthreaded mail"
export CORRTEST_NOW=2027-03-03T13:00:00Z
expect_exit 0 ct -S u fetch --json
printf 'From: MAILER-DAEMON@mx.example.test\nTo: x@corrtest.test\nSubject: Undelivered Mail Returned to Sender\n\nThis message could not be delivered to <LANDLORD3@EXAMPLE.TEST>.\n' >bounce.eml
bsha=$(sha256sum <bounce.eml | cut -d' ' -f1)
sqlite3 u/study.db "INSERT INTO message (direction, raw, sha256, at, kind, from_addr)
	VALUES ('in', readfile('bounce.eml'), '$bsha', '2027-03-03T13:00:01Z', 'bounce', 'MAILER-DAEMON@mx.example.test')"
# What fetch made of them (checked here, so that the test holds what it says).
u1=$(q u "SELECT id FROM message WHERE application IS NULL AND lower(from_addr) = 'landlord1@example.test'")
u6=$(q u "SELECT id FROM message WHERE application IS NULL AND lower(from_addr) = 'landlord6@example.test'")
u2=$(q u "SELECT d.id FROM message d JOIN message o ON o.id = d.duplicate_of WHERE d.application IS NULL AND o.application IS NOT NULL AND lower(o.from_addr) = 'landlord2@example.test'")
ub=$(q u "SELECT id FROM message WHERE sha256 = '$bsha'")
[ -n "$u1" ] && [ -n "$u6" ] && [ -n "$u2" ] && [ -n "$ub" ] ||
	fail "not every message stayed unlinked: u1=$u1 u6=$u6 u2=$u2 ub=$ub: $(q u "SELECT id, application, kind, from_addr, duplicate_of FROM message WHERE id > 40")"
expect_exit 0 ct -S u dossier --json --lang en --out ud "Immo Voorbeeld"
# The linked ones (landlord2's first delivery is one more) and the 3.
ul=$(q u "SELECT count(*) FROM message m JOIN application a ON a.id = m.application JOIN listing_contact c ON c.listing = a.listing WHERE c.agent_name = 'Immo Voorbeeld'")
[ "$ul" = 27 ] || fail "the copy holds $ul linked messages of the agent, not 27"
python3 -c 'import json; d = json.load(open("out.txt")); assert d["messages"] == 27 + 3, d' ||
	fail "the dossier does not count the 3 unlinked messages: $(cat out.txt)"
[ "$(ls ud/messages | wc -l)" = 30 ] || fail "$(ls ud/messages | wc -l) message files, not 30"
(cd ud && sha256sum --quiet -c MANIFEST.sha256) || fail "sha256sum -c fails on the dossier with unlinked messages"
for id in $u1 $u2 $ub; do
	f=$(ls ud/messages/*_m"$id".eml 2>/dev/null) || fail "unlinked message $id has no file"
	[ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$(q u "SELECT sha256 FROM message WHERE id = $id")" ] ||
		fail "$f does not hash to message $id's SHA-256"
	grep -q "  ${f#ud/}$" ud/MANIFEST.sha256 || fail "$f is not in the manifest"
done
python3 - ud/index.html "$u1" "$u2" "$ub" <<'PY' || fail "index.html does not list the unlinked messages as such"
import re, sys
h = open(sys.argv[1], encoding="utf-8").read()
assert "Messages not linked to an application" in h
rows = re.findall(r"<tr>(.*?)</tr>", h, re.S)
def row(i):
    r = [r for r in rows if re.search(r"_m%s\.eml" % i, r) and "not linked to an application" in r]
    assert len(r) == 1, (i, r)
    return r[0]
assert "from the contact address of listing L1" in row(sys.argv[2])
assert "a second delivery of message" in row(sys.argv[3])
assert "a bounce naming the contact address of listing L3" in row(sys.argv[4])
PY
[ -z "$(ls ud/messages/*_m"$u6".eml 2>/dev/null)" ] || fail "another agent's unlinked message is in the dossier"
if grep -rlaF "Anna schrijft" ud >/dev/null; then fail "another agent's unlinked message is in the dossier"; fi
export CORRTEST_NOW=2027-03-03T12:00:00Z

# ---- Events that name the listing as "listing REF" (retest, recheck) ----
# A re-test of the agent on a new listing of its own: the retest event's
# subject is "listing L9"; it is in the extract, with the re-check
# planned on it as recheck.c records one (subject "listing L9").
cp -r s r
rm -rf r/dossiers
expect_exit 0 ct -S r listings add --ref L9 --agent-type agency --agent "Immo Voorbeeld" \
	--contact-email landlord9@example.test --area Gent --price 850
expect_exit 0 ct -S r retest "Immo Voorbeeld"
# Other agents under legal hold: named in study.ini, never in this dossier.
sed -i 's/^legal_hold =.*/legal_hold = Andere Makelaar, Zeta Vastgoed/' r/study.ini
grep -q '^legal_hold = Andere Makelaar, Zeta Vastgoed$' r/study.ini || fail "legal_hold not set"
# A follow-up text of the study's own: that one is in design/templates.
{ cat "$TOP/templates/followup/nl.txt"; echo "Met vriendelijke groet, eigen tekst"; } >r/templates/followup.txt
[ "$(q r "SELECT count(*) FROM event WHERE action = 'retest' AND subject = 'listing L9'")" = 1 ] ||
	fail "no retest event on 'listing L9': $(q r "SELECT action, subject FROM event ORDER BY id DESC LIMIT 3")"
expect_exit 0 ct -S r dossier --lang en --out rd "Immo Voorbeeld"
python3 - rd/events.json <<'PY' || fail "the retest event on listing L9 is not in events.json"
import json, sys
ev = json.load(open(sys.argv[1]))
assert [e for e in ev if e["action"] == "retest" and e["subject"] == "listing L9"], [(e["action"], e["subject"]) for e in ev]
PY
# design/study.ini: the legal hold's value removed, every other line kept;
# the original's SHA-256 (sha256sum's) stated in index.html and VERIFY.txt.
for x in 'Zeta Vastgoed' 'Andere Makelaar'; do
	if grep -rlaF "$x" rd >/dev/null; then fail "'$x' (under legal hold) is in the dossier: $(grep -rlaF "$x" rd | head -3)"; fi
done
diff r/study.ini rd/design/study.ini >ini.diff && fail "design/study.ini is the study.ini verbatim"
[ "$(grep -c '^[<>]' ini.diff)" = 2 ] && grep -q '^> legal_hold = (removed from this copy' ini.diff ||
	fail "design/study.ini differs from study.ini by more than legal_hold: $(cat ini.diff)"
ish=$(sha256sum <r/study.ini | cut -d' ' -f1)
grep -q "The SHA-256 of the original study.ini is $ish" rd/index.html || fail "index.html does not state study.ini's SHA-256 $ish"
grep -q "^study.ini sha256: $ish$" rd/VERIFY.txt || fail "VERIFY.txt does not state study.ini's SHA-256 $ish"
cmp -s rd/design/templates/followup.txt r/templates/followup.txt ||
	fail "design/templates/followup.txt is not the study's own templates/followup.txt"
# ... while another agent's does not take it.
expect_exit 0 ct -S r dossier --lang en --out ro "Andere Makelaar"
grep -q '"listing L9"' ro/events.json && fail "another agent's dossier holds the retest on L9"

# ---- After a purge: found by its key, a purged message by its hash ----
cp -r s p
rm -rf p/dossiers
pm=$(q p "SELECT min(m.id) FROM message m JOIN application a ON a.id = m.application JOIN listing l ON l.id = a.listing WHERE l.agent_key = '$key'")
sqlite3 p/study.db "UPDATE message SET raw = NULL WHERE id = $pm; UPDATE listing_contact SET agent_name = NULL, contact_email = NULL, contact_name = NULL"
expect_exit 0 ct -S p dossier --json --lang en "$key"
expect_out '"messages": 25,'
expect_out '"messages_purged": 1,'
(cd "p/dossiers/$key" && sha256sum --quiet -c MANIFEST.sha256) || fail "the dossier after a purge does not check"
grep -q "$(q p "SELECT sha256 FROM message WHERE id = $pm")" "p/dossiers/$key/index.html" || fail "the purged message's hash is not shown"
grep -q "(name purged from the study)" "p/dossiers/$key/index.html" || fail "the purged name is not said"

# ---- The database locked when the event is due: exit 3, the earlier
# dossier and zip as they were, nothing temporary left ----
python3 - p/study.db <<'PY' &
import os, sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open("locked", "w").close()
while not os.path.exists("unlock"):
    time.sleep(0.05)
c.execute("ROLLBACK")
PY
while [ ! -e locked ]; do sleep 0.05; done
dsum() { (cd p/dossiers && find . -type f | LC_ALL=C sort | xargs sha256sum) | sha256sum; }
before=$(dsum)
nev=$(q p "SELECT count(*) FROM event")
CORRTEST_BUSY_MS=200 expect_exit 3 ct -S p dossier "$key"
expect_err "lock|busy"
touch unlock
wait
[ "$(dsum)" = "$before" ] || fail "a dossier that could not be recorded changed the earlier one"
ls p/dossiers | grep -q -e '\.tmp-' -e '\.old-' && fail "temporary names left after a failure"
[ "$(q p "SELECT count(*) FROM event")" = "$nev" ] || fail "an event recorded for the failed run"

# ---- A changed raw message: refused, nothing written ----
cp -r s t
rm -rf t/dossiers
mid=$(q t "SELECT min(m.id) FROM message m JOIN application a ON a.id = m.application JOIN listing l ON l.id = a.listing WHERE l.agent_key = '$key' AND m.direction = 'in'")
[ "$(sqlite3 t/study.db "UPDATE message SET raw = CAST(CAST(raw AS TEXT) || 'x' AS BLOB) WHERE id = $mid; SELECT changes()")" = 1 ] ||
	fail "the tampering changed nothing"
before=$(snapshot t)
expect_exit 1 ct -S t dossier "Immo Voorbeeld"
expect_err "message [0-9]+ .*changed|does not hold"
[ "$(snapshot t)" = "$before" ] || fail "a refused dossier changed the study"
[ ! -e t/dossiers ] || fail "a refused dossier left files"
