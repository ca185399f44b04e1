# decline --dry-run says what the real run does. A dry run builds the
# message of only the first withdrawal of each persona and checks the others
# as building them would (much faster on thousands of invitations); this test
# holds it to the real run on 24 invitations, several per persona, two of
# which are not their persona's first: one landlord's subject holds a
# literal "=?" (the withdrawal falls back to our own subject), another
# landlord's reply has a Message-ID without '@' (the withdrawal cannot
# refer to it: refused). To, Subject, In-Reply-To and the refusals must be
# the same in both runs; the real run then sends the 23 others.
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send-lib.sh"
LL="/usr/bin/python3 $E2E_DIR/landlord.py"
mail_start
mail_study s 12
expect_exit 0 ct -S s send --live --json
backdate_sent s
expect_out '"sent":24,'
# The last application of the two personas with the most: never the first
# withdrawal of their persona.
set -- $(q s "SELECT max(a.id) FROM application a GROUP BY a.persona HAVING count(*) >= 2 ORDER BY count(*) DESC, a.persona LIMIT 2")
[ $# -eq 2 ] || fail "no two personas with two applications"
b1=$1 b2=$2
info() { q s "SELECT a.message_id || ' ' || p.email || ' ' || lc.contact_email FROM application a JOIN persona p ON p.id = a.persona JOIN listing_contact lc ON lc.listing = a.listing WHERE a.id = $1"; }
set -- $(info "$b1")
mid1=$1 p1=$2 l1=$3
set -- $(info "$b2")
mid2=$1 p2=$2 l2=$3
pw() { echo "ll-pw-$(echo "$1" | sed 's/^landlord\([0-9]*\)@.*/\1/')-$$"; }
$LL "$MD/env" "$l1" "$(pw "$l1")" "$p1" "Re: =?bogus kijken" --in-reply-to "$mid1" >/dev/null
$LL "$MD/env" "$l2" "$(pw "$l2")" "$p2" "Re: woning" --in-reply-to "$mid2" --message-id "<no-at-sign>" >/dev/null
expect_exit 0 ct -S s fetch --json
expect_out '"replies":2,'
for a in $(q s "SELECT id FROM application ORDER BY id"); do
	expect_exit 0 ct -S s log "$a" --outcome invitation --channel phone --at 2027-03-01T10:00:00Z
done

# The study's own decline text when it cannot be read (here a directory)
# is an error naming it, never a reason to send the built-in text.
mkdir -p s/templates/decline.txt
expect_exit 3 ct -S s decline --dry-run
expect_err "templates/decline.txt"
rmdir s/templates/decline.txt

set +e
ct -S s decline --dry-run --json >dry.json 2>dry.err
ct -S s decline --json >real.json 2>real.err
set -e
/usr/bin/python3 - dry.json real.json "$b1" "$b2" "$mid1" <<'PY' || { cat dry.err real.err; fail "the dry run differs from the real run"; }
import json, sys
dry, real = ({x["application"]: x for x in json.load(open(p))} for p in sys.argv[1:3])
b1, b2, mid1 = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
assert sorted(dry) == sorted(real) and len(dry) == 24, (sorted(dry), sorted(real))
for a in dry:
    d, r = dry[a], real[a]
    for k in ("to", "subject", "in_reply_to", "listing"):
        assert d[k] == r[k], (a, k, d[k], r[k])
    assert (d["error"] is None) == (r["error"] is None), (a, d["error"], r["error"])
    assert d["dry_run"] and not d["sent"] and not r["dry_run"], (d, r)
# The landlord's "=?" subject: our own subject instead, still in the
# landlord's thread.
assert "=?" not in dry[b1]["subject"] and dry[b1]["subject"].startswith("Re: "), dry[b1]
assert dry[b1]["in_reply_to"] != mid1 and dry[b1]["error"] is None, dry[b1]
# The Message-ID without '@': refused in both.
assert "In-Reply-To" in dry[b2]["error"] and not real[b2]["sent"], (dry[b2], real[b2])
assert sum(1 for x in real.values() if x["sent"]) == 23, real
PY
grep -q "application $b2: In-Reply-To '<no-at-sign>'" dry.err || { cat dry.err; fail "the dry run does not name the refusal"; }
[ "$(q s "SELECT count(*) FROM decline")" = 23 ] || fail "$(q s "SELECT count(*) FROM decline") withdrawals recorded, not 23"
echo "ok: decline --dry-run says what decline does (24 invitations, a fallback subject, a refusal)"
