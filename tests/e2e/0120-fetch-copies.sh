# fetch stores every message it fetches, raw, and recognises copies by
# content, never by Message-ID alone: (1) two different replies that carry
# one Message-ID (a landlord's mail client reusing it) are both stored and
# both linked; (2) every message of CPython's email test corpus
# (libpython3.11-testsuite, test_email/data/msg_*.txt, several of which share
# a Message-ID), delivered to a persona's mailbox, is stored with its bytes
# as the server holds them (checked by Python, stripping only the trace
# lines Dovecot adds on top). Before issue 8, fetch skipped a message whose
# Message-ID it had seen and never stored its bytes.
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send-lib.sh"
CORPUS=/usr/lib/python3.11/test/test_email/data
ls "$CORPUS"/msg_*.txt >/dev/null 2>&1 || fail "CPython's email corpus is missing: make deps (libpython3.11-testsuite)"
mail_start
mail_study s 2
expect_exit 0 ct -S s send --live --json
expect_out '"sent":4,'
expect_exit 0 ct -S s fetch --json
expect_out '"self":4,'

# (1) Two different replies with one Message-ID, to the persona of L1
# (position 1), from L1's landlord: a threaded one and a later one.
set -- $(q s "SELECT a.id || ' ' || a.message_id || ' ' || p.email FROM application a JOIN persona p ON p.id = a.persona JOIN listing l ON l.id = a.listing WHERE l.ref = 'L1' AND a.position = 1")
app=$1 mid=$2 who=$3
LL="/usr/bin/python3 $E2E_DIR/landlord.py"
$LL "$MD/env" landlord1@example.test "ll-pw-1-$$" "$who" "Re: uw vraag" --in-reply-to "$mid" \
	--message-id "<same-id@example.test>" --body "De woning is nog vrij." >/dev/null
$LL "$MD/env" landlord1@example.test "ll-pw-1-$$" "$who" "Re: uw vraag" --in-reply-to "$mid" \
	--message-id "<same-id@example.test>" --body "Ze is toch verhuurd, sorry." >/dev/null
expect_exit 0 ct -S s fetch --json
expect_out '"new":2,"duplicates":0,"replies":2,'
[ "$(q s "SELECT count(*) FROM message WHERE message_id = '<same-id@example.test>' AND raw IS NOT NULL AND application = $app AND kind = 'reply' AND duplicate_of IS NULL")" = 2 ] ||
	fail "two replies sharing a Message-ID are not both stored and linked"
: >texts.txt
for id in $(q s "SELECT id FROM message WHERE message_id = '<same-id@example.test>'"); do
	expect_exit 0 ct -S s fetch --show "$id"
	tail -1 out.txt >>texts.txt
done
[ "$(sort texts.txt)" = "De woning is nog vrij.
Ze is toch verhuurd, sorry." ] || fail "the two replies read back as: $(cat texts.txt)"

# A run stopped between a batch's two commits leaves raw rows with nothing
# derived: the next fetch derives them.
q s "UPDATE message SET kind = NULL, application = NULL, link_method = NULL WHERE message_id = '<same-id@example.test>'"
expect_exit 0 ct -S s fetch --json
expect_out '"new":0,"duplicates":0,"replies":2,'
[ "$(q s "SELECT count(*) FROM message WHERE message_id = '<same-id@example.test>' AND application = $app AND kind = 'reply'")" = 2 ] ||
	fail "the pending replies were not linked"

# (2) The corpus, delivered over LMTP to the persona of L2 (position 2).
who2=$(q s "SELECT p.email FROM application a JOIN persona p ON p.id = a.persona JOIN listing l ON l.id = a.listing WHERE l.ref = 'L2' AND a.position = 2")
n=0
for f in "$CORPUS"/msg_*.txt; do
	"$M/deliver.sh" "$MD" "$who2" "" <"$f" || fail "the server refused $f"
	n=$((n + 1))
done
[ "$("$M/count.sh" "$MD" "$who2")" = $((n + 1)) ] || fail "the server holds $("$M/count.sh" "$MD" "$who2") messages, not $((n + 1))"
expect_exit 0 ct -S s fetch --json
expect_out "\"new\":$n,\"duplicates\":0,"
/usr/bin/python3 - s/study.db "$who2" "$CORPUS" <<'PY' || fail "corpus messages are not stored raw"
import glob, re, sqlite3, sys
db, who, corpus = sys.argv[1:]
raws = [r for (r,) in sqlite3.connect(db).execute(
    "SELECT raw FROM message WHERE direction = 'in' AND mailbox = ? AND raw IS NOT NULL", (who,))]
# What Dovecot puts on top of a delivered message: the stored raw must be
# such lines followed by exactly the bytes delivered.
trace = re.compile(rb"(?i)((return-path|delivered-to|received):.*\r\n([ \t].*\r\n)*)*")
def holds(raw, data):
    raw, data = raw.rstrip(b"\r\n"), data.rstrip(b"\r\n")
    return raw.endswith(data) and trace.fullmatch(raw[:len(raw) - len(data)]) is not None
lost = []
for f in sorted(glob.glob(corpus + "/msg_*.txt")):
    data = open(f, "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if not any(holds(r, data) for r in raws):
        lost.append(f)
print(f"{len(lost)} of {len(glob.glob(corpus + '/msg_*.txt'))} not stored raw: {lost}" if lost else "all stored")
sys.exit(1 if lost else 0)
PY
# Read again (a new fetch finds nothing new; a rebuilt folder: every one is
# recognised by its bytes).
expect_exit 0 ct -S s fetch --json
expect_out '"new":0,"duplicates":0,'
sleep 1
rm -f "$MD/mail/$who2/dovecot-uidlist" "$MD/mail/$who2"/dovecot.index*
expect_exit 0 ct -S s fetch --json
expect_out "\"new\":0,\"duplicates\":$((n + 1)),"
# Messages stored before schema 3 have no content hash; fetch computes it
# once, so that their second delivery is still recognised as a copy.
q s "UPDATE message SET content_sha256 = NULL WHERE direction = 'in'"
"$M/deliver.sh" "$MD" "$who2" "" <"$CORPUS/msg_02.txt"
expect_exit 0 ct -S s fetch --json
expect_out '"new":0,"duplicates":1,'
[ "$(q s "SELECT count(*) FROM message WHERE direction = 'in' AND content_sha256 IS NULL")" = 0 ] ||
	fail "content hashes not computed"
echo "ok: fetch stores every message ($n corpus messages, replies sharing a Message-ID)"
