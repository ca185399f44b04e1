# compose --outbox after a template changed (issue 9): the unsent messages
# rendered from the changed template are rendered again, with their
# Message-IDs, and the count is shown; messages already sent and messages a
# reader already took into cur/ stay as they are; a message stored before
# schema 5 (no template hash) is compared byte for byte; a template that no
# longer reads is refused naming it and the applications. Every file in
# new/ is checked against the template rendered by parse_mail.py (Python's
# email package), independently of corrtest.
. "$E2E_DIR/lib.sh"
PM="$E2E_DIR/parse_mail.py"
new_study s
cat >l.csv <<'EOF'
ref,url,contact_email,contact_name,agent_type,agent,area,price,round,posted_on,title
IMMO-001,https://example.org/1,verhuur@immo-voorbeeld.be,Immo Voorbeeld,agency,Immo Voorbeeld,Sint-Amandsberg,850,1,2026-11-20,Appartement met 2 slaapkamers
Z-77,https://example.org/2,jan.peeters@example.be,Jan Peeters,private,Jan Peeters,Gentbrugge,725,1,2026-11-21,
Z-78,https://example.org/3,an.desmet@example.be,An De Smet,private,An De Smet,Oostakker,690,1,2026-11-21,Rijwoning
Z-79,https://example.org/4,info@makelaar.be,,agency,Makelaar Gent,Wondelgem,910,1,2026-11-21,
Z-80,https://example.org/5,info@woonburo.be,,agency,Woonburo,Ledeberg,640,1,2026-11-21,Studio
Z-81,https://example.org/6,els.claes@example.be,Els Claes,private,Els Claes,Mariakerke,780,1,2026-11-22,
EOF
ct -S s personas >/dev/null
ct -S s listings import l.csv >/dev/null
ct -S s assign >/dev/null
q() { sqlite3 s/study.db "$@"; }
expect_exit 0 ct -S s compose --outbox ob --json
expect_out '"written":12'
expect_out '"rerendered":0'
python3 "$PM" check s ob >chk.txt || { cat chk.txt; fail "first outbox does not match the study"; }

# Every stored message records the SHA-256 of the template it came from,
# as sha256sum computes it.
for v in 1 2 3; do
	want=$(sha256sum s/templates/v$v.txt | cut -d' ' -f1)
	got=$(q "SELECT DISTINCT m.template_sha256 FROM message m JOIN application a ON a.id = m.application WHERE a.variant = $v")
	[ "$got" = "$want" ] || fail "variant $v: template_sha256 '$got', sha256sum says $want"
done

# Application ids by role in this test, from the study itself:
# the first two applications were sent (a reader took their files into
# cur/); TAKEN, the first other one of variant 2, was taken into cur/ but
# not yet sent; OLD, the first other one of variant 1, lost its template
# hash (stored before schema 5).
sent="$(q "SELECT group_concat(id, ' ') FROM (SELECT id FROM application ORDER BY id LIMIT 2)")"
taken=$(q "SELECT min(id) FROM application WHERE variant = 2 AND id NOT IN (SELECT id FROM application ORDER BY id LIMIT 2)")
old=$(q "SELECT min(id) FROM application WHERE variant = 1 AND id NOT IN (SELECT id FROM application ORDER BY id LIMIT 2)")
[ -n "$taken" ] && [ -n "$old" ] || fail "the study lacks the applications this test needs"
file_of() { q "SELECT CAST(strftime('%s', scheduled_at) AS INTEGER) || '.' || id || '.corrtest' FROM application WHERE id = $1"; }
for a in $sent; do
	f=$(file_of "$a")
	mv "ob/new/$f" "ob/cur/$f:2,S"
	q "UPDATE application SET status = 'sent', sent_at = '2026-12-07T09:00:00Z' WHERE id = $a"
done
f=$(file_of "$taken")
mv "ob/new/$f" "ob/cur/$f:2,S"
q "UPDATE message SET template_sha256 = NULL WHERE application = $old"
# The planned applications of variant 2 other than TAKEN: the ones to be
# rendered again.
expect=$(q "SELECT count(*) FROM application WHERE variant = 2 AND status = 'planned' AND id <> $taken")
[ "$expect" -ge 1 ] || fail "no unsent message of variant 2 to render again"
q "SELECT id, message_id FROM application ORDER BY id" >ids.before
q "SELECT application, sha256 FROM message WHERE application IN ($(echo "$sent" | tr ' ' ,), $taken) ORDER BY id" >kept.before
( cd ob/new && sha256sum * ) >files.before

# The template of variant 2 changes: a line at the end of its body.
printf 'Tot straks.\n' >>s/templates/v2.txt
expect_exit 0 ct -S s compose --outbox ob
expect_out "; $expect unsent messages? (was|were) rendered again because (its|their) template changed"
expect_out "Warning: 1 message already taken from ob/cur was composed from an older template"
# The second run has nothing left to render again (the taken one is still
# reported).
expect_exit 0 ct -S s compose --outbox ob --json
expect_out '"rerendered":0,"taken_stale":1,'
# Every file in new/ is the current template rendered, and what the study stores.
python3 "$PM" check s ob >chk.txt || { cat chk.txt; fail "outbox does not match the changed template"; }
# Message-IDs kept, for every application.
q "SELECT id, message_id FROM application ORDER BY id" >ids.after
cmp -s ids.before ids.after || fail "a Message-ID changed"
# The sent messages and the taken one: stored as they were, one row each.
q "SELECT application, sha256 FROM message WHERE application IN ($(echo "$sent" | tr ' ' ,), $taken) ORDER BY id" >kept.after
cmp -s kept.before kept.after || fail "a sent or taken message was changed"
# Exactly the variant-2 files changed; the rest are byte for byte the same.
python3 - s ob files.before "$taken" <<'PY' || fail "see above"
import email, email.policy, os, re, sqlite3, sys
study, ob, before, taken = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
db = sqlite3.connect(os.path.join(study, "study.db"))
old = dict(reversed(l.split()) for l in open(before))
import hashlib
for name in sorted(os.listdir(os.path.join(ob, "new"))):
    app = int(name.split(".")[1])
    variant, status = db.execute("SELECT variant, status FROM application WHERE id = ?", (app,)).fetchone()
    raw = open(os.path.join(ob, "new", name), "rb").read()
    same = hashlib.sha256(raw).hexdigest() == old[name]
    body = email.message_from_bytes(raw, policy=email.policy.default).get_body(("plain",)).get_content()
    if variant == 2 and (same or not body.endswith("Tot straks.\n")):
        sys.exit("%s: variant 2 not rendered again" % name)
    if variant != 2 and (not same or body.endswith("Tot straks.\n")):
        sys.exit("%s: variant %d changed" % (name, variant))
    n = db.execute("SELECT count(*) FROM message WHERE application = ?", (app,)).fetchone()[0]
    if n != (2 if variant == 2 else 1):
        sys.exit("%s: %d stored messages" % (name, n))
# The new messages record the new template's hash.
want = hashlib.sha256(open(os.path.join(study, "templates", "v2.txt"), "rb").read()).hexdigest()
for (h,) in db.execute("SELECT m.template_sha256 FROM message m JOIN application a ON a.id = m.application"
                       " WHERE a.variant = 2 AND a.status = 'planned' AND a.id <> ? AND m.id ="
                       " (SELECT max(id) FROM message WHERE application = a.id)", (taken,)):
    if h != want:
        sys.exit("a re-rendered message records template %s, not %s" % (h, want))
PY
# One compose event per run that wrote, the one that re-rendered says so.
[ "$(q "SELECT count(*) FROM event WHERE action = 'compose' AND detail LIKE '%rendered again%'")" = 1 ] ||
	fail "the event does not say messages were rendered again"

# A template that no longer reads: refused, naming the template and the
# applications whose unsent messages came from it; nothing changes.
cp s/templates/v3.txt v3.orig
printf 'Zie {{listing.titel}}.\n' >>s/templates/v3.txt
before=$(snapshot s)
( cd ob && find . -type f | sort | xargs sha256sum ) >ob.before
expect_exit 2 ct -S s compose --outbox ob
expect_err "templates/v3.txt:[0-9]+: unknown placeholder 'listing.titel'"
for a in $(q "SELECT id FROM application WHERE variant = 3 AND status = 'planned'"); do
	grep -q "templates/v3.txt changed since the unsent messages\? of applications\? .*\b$a (listing" err.txt ||
		{ cat err.txt; fail "the refusal does not name application $a"; }
done
[ "$(snapshot s)" = "$before" ] || fail "a refused compose changed the study"
( cd ob && find . -type f | sort | xargs sha256sum ) >ob.after
cmp -s ob.before ob.after || fail "a refused compose changed the outbox"
cp v3.orig s/templates/v3.txt
expect_exit 0 ct -S s compose --outbox ob --json
expect_out '"rerendered":0,'
