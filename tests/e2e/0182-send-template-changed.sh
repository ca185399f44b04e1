# send --live sends a stored message (compose --outbox wrote it) as stored,
# unless its template changed since: then it is composed again with its
# Message-ID, and the summary counts it (issue 9). What the landlord gets is
# read back with Python's email package at the server's log. A template
# that no longer reads stops the run before anything is sent.
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send-lib.sh"
mail_start
mail_study s 3
ct -S s compose --outbox s/outbox >/dev/null
q() { sqlite3 s/study.db "$@"; }
q "SELECT id, message_id FROM application ORDER BY id" >ids.before
# Variant 1 changes: every unsent message of variant 1 is composed again.
expect=$(q "SELECT count(*) FROM application WHERE variant = 1")
[ "$expect" -ge 1 ] || fail "no application of variant 1"
# A broken variant 1 first: refused before anything is sent.
cp s/templates/v1.txt v1.orig
printf 'Zie {{listing.titel}}.\n' >>s/templates/v1.txt
before=$(snapshot s)
expect_exit 2 ct -S s send --live
# The pre-flight check, which send --live runs first, names the template.
expect_err "template: templates/v1.txt:[0-9]+: unknown placeholder 'listing.titel'"
expect_err "refused: the pre-flight check found"
[ "$(snapshot s)" = "$before" ] || fail "a refused send changed the study"
[ ! -s "$MD/smtp-log/index.tsv" ] || fail "something was sent"
cp v1.orig s/templates/v1.txt
printf 'Tot straks.\n' >>s/templates/v1.txt
expect_exit 0 ct -S s send --live --json
expect_out "\"sent\":6,"
expect_out "\"rerendered\":$expect,"
q "SELECT id, message_id FROM application ORDER BY id" >ids.after
cmp -s ids.before ids.after || fail "a Message-ID changed"
# At the server: the variant-1 messages end with the new line, the others not.
python3 - "$MD/smtp-log" s/study.db <<'PY' || fail "see above"
import email, email.policy, glob, sqlite3, sys
db = sqlite3.connect(sys.argv[2])
variant = dict(db.execute("SELECT message_id, variant FROM application"))
n = 0
for f in glob.glob(sys.argv[1] + "/*.eml"):
    m = email.message_from_binary_file(open(f, "rb"), policy=email.policy.default)
    v = variant[str(m["Message-ID"])]
    ends = m.get_body(("plain",)).get_content().endswith("Tot straks.\n")
    if ends != (v == 1):
        sys.exit("%s: variant %d, new line %s" % (f, v, ends))
    n += 1
if n != 6:
    sys.exit("%d messages at the server" % n)
PY
