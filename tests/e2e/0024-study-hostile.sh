# The study folder and response logs under abuse: -S naming a file, init
# below a file, a NUL in study.ini, a read-only folder, replies dated in
# the future, refs in the wrong case, two imports at once. Then the event
# chain is verified independently (Python) and no contact data is in it.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-12-10T12:00:00Z CORRTEST_ACTOR=tester

# Folders that are not study folders.
echo text >plain
expect_exit 2 ct -S plain listings list
expect_err "^corrtest listings: 'plain' is a file, not a study folder"
expect_exit 2 ct init plain/sub
expect_err "^corrtest init: cannot create 'plain/sub'"

new_study s
ct -S s personas >/dev/null
ct -S s listings add --ref L1 --agent-type private --contact-email jan.peeters@immo.example \
	--contact-name "Jan Peeters" --agent "Immo Peeters" >/dev/null

# A NUL in study.ini would silently cut the file: refused, with its line.
cp s/study.ini ini.keep
python3 -c "
p = 's/study.ini'; t = open(p, 'rb').read()
open(p, 'wb').write(t.replace(b'city = ', b'city = G\x00', 1))"
line=$(grep -an 'city = ' s/study.ini | cut -d: -f1)
expect_exit 2 ct -S s listings list
expect_err "^corrtest listings: s/study.ini:$line: a NUL byte"
cp ini.keep s/study.ini

# A read-only folder (as root, only a read-only mount stops writes): a
# change exits 3 with a message that says what is wrong; reading works.
# Skipped where mounts are not allowed.
if unshare -m true 2>/dev/null; then
	before=$(snapshot s)
	set +e
	unshare -m sh -c "mount --bind s s && mount -o remount,bind,ro s s &&
		\"$CORRTEST\" -S s listings add --ref RO --agent-type agency" >out.txt 2>err.txt
	got=$?
	set -e
	[ "$got" -eq 3 ] || { cat err.txt >&2; fail "read-only folder: exit $got, wanted 3"; }
	expect_err "^corrtest listings: s: the study is on read-only storage"
	[ "$(snapshot s)" = "$before" ] || fail "read-only folder: study changed"
	unshare -m sh -c "mount --bind s s && mount -o remount,bind,ro s s &&
		\"$CORRTEST\" -S s listings list" >out.txt 2>err.txt || { cat err.txt >&2; fail "read-only folder: listings list failed"; }
else
	echo "skipped: read-only mount (unshare not permitted)"
fi

# Responses: a reply dated in the future is a typo, by log and by import.
sqlite3 s/study.db "INSERT INTO application (listing, persona, variant, position, scheduled_at, status)
	SELECT l.id, p.id, 1, 1, '2026-12-07T09:00:00Z', 'sent' FROM listing l, persona p JOIN grp g ON g.id = p.grp
	WHERE l.ref = 'L1' AND g.name = 'belgian' AND p.gender = 'female'"
before=$(snapshot s)
unchanged() { [ "$(snapshot s)" = "$before" ] || fail "study changed: $*"; }
expect_exit 2 ct -S s log L1:belgian:female --outcome invitation --channel phone --at "2062-12-08 10:00"
expect_err "^corrtest log: --at '2062-12-08 10:00' is in the future"
unchanged log-future
cat >future.csv <<'EOF'
listing,group,gender,outcome,at
L1,belgian,female,invitation,2027-01-08 10:00
EOF
expect_exit 2 ct -S s import future.csv
expect_err "^corrtest import: future.csv:2: column at: '2027-01-08 10:00' is in the future"
unchanged import-future
# A note is a remark, not a document: at most 1000 bytes.
expect_exit 2 ct -S s log L1:belgian:female --outcome info --channel phone --note "$(python3 -c 'print("n" * 1001)')"
expect_err "^corrtest log: --note is longer than 1000 bytes"
unchanged log-note
# Within a day is fine (clocks and zones differ).
expect_exit 0 ct -S s log L1:belgian:female --outcome info --channel phone --at "2026-12-11 09:00"
before=$(snapshot s)

# Refs in another case: within the file, and against the study (L1).
cat >case.csv <<'EOF'
listing,group,gender,outcome,agent_type
N-1,belgian,male,invitation,agency
n-1,turkish,male,refusal,
l1,belgian,female,refusal,
l1,maghrebi,female,refusal,
EOF
expect_exit 2 ct -S s import case.csv
expect_err "^corrtest import: case.csv:3: column listing: 'n-1' differs only in case from the listing's ref on line 2"
expect_err "^corrtest import: case.csv:4: column listing: 'l1' is not in the study, but 'L1' is"
# A row that repeats a refused ref gets the same message (it was once said
# to differ "only in case" from itself).
expect_err "^corrtest import: case.csv:5: column listing: 'l1' is not in the study, but 'L1' is"
if grep -q "case.csv:5: .*differs only in case" err.txt; then fail "a refused ref compared with itself"; fi
unchanged import-case
# A huge value is not echoed back.
python3 -c "open('huge.csv','w').write('listing,group,gender,outcome\nL1,' + 'g' * 3000000 + ',female,info\n')"
expect_exit 2 ct -S s import huge.csv
expect_err "^corrtest import: huge.csv:2: column group: is longer than 200 bytes"
[ "$(wc -c <err.txt)" -lt 1000 ] || fail "a huge value was echoed"
unchanged import-huge

# Two imports at once: one waits for the other (or, past the busy timeout,
# fails with 3); never a half-written study.
python3 - <<'EOF'
for k in "ab":
    with open(k + ".csv", "w") as f:
        f.write("ref,url,agent_type\n")
        for i in range(3000):
            f.write("%s%d,https://immo.example/%s/%d,agency\n" % (k, i, k, i))
EOF
set +e
ct -S s listings import a.csv >a.out 2>a.err & pa=$!
ct -S s listings import b.csv >b.out 2>b.err & pb=$!
wait $pa; ra=$?
wait $pb; rb=$?
set -e
for r in $ra $rb; do [ "$r" -eq 0 ] || [ "$r" -eq 3 ] || { cat a.err b.err >&2; fail "concurrent import exit $r"; }; done
n=$(sqlite3 s/study.db "SELECT count(*) FROM listing")
want=$((1 + 3000 * ( (ra == 0) + (rb == 0) )))
[ "$n" -eq "$want" ] || fail "concurrent imports: $n listings, wanted $want"
[ "$(sqlite3 s/study.db 'PRAGMA integrity_check')" = ok ] || fail "integrity"
[ "$(sqlite3 s/study.db "SELECT count(*) FROM event WHERE action = 'listings.import'")" -eq $(( (ra == 0) + (rb == 0) )) ] ||
	fail "one event per import"

# The hash chain, recomputed in Python from its definition: sha256 over
# prev, at, actor, action, subject, detail joined by 0x1F, 0x1E for NULL.
python3 - s/study.db <<'EOF'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
prev, n = "0" * 64, 0
for row in db.execute("SELECT id, at, actor, action, subject, detail, prev_hash, hash FROM event ORDER BY id"):
    text = "\x1f".join([prev] + ["\x1e" if v is None else v for v in row[1:6]])
    assert row[6] == prev and row[7] == hashlib.sha256(text.encode()).hexdigest(), row[0]
    prev, n = row[7], n + 1
actions = [r[0] for r in db.execute("SELECT action FROM event ORDER BY id")]
assert actions[:4] == ["init", "personas", "listings.add", "log"], actions
EOF
# Contact data stays in listing_contact: not in events, not in the listing table.
if sqlite3 s/study.db '.dump event' '.dump listing' | grep -Eiq 'peeters'; then
	fail "contact data outside listing_contact"
fi
ct -S s listings list >out.txt
if grep -Eiq 'peeters|jan\.' out.txt; then fail "contact data in 'listings list'"; fi
