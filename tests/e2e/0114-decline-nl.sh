# decline in a Dutch study whose subjects have accents: the landlords answer
# with subjects Python's email package encodes as RFC 2047 words (a long one
# in several words, behind "Antw:"; one with quotes), and one invites by
# phone, so that the withdrawal must use the study's own accented subject.
# Each withdrawal goes out exactly once, counted at the server, in Dutch,
# threaded (In-Reply-To, References), with the subject Python's email parser
# decodes to "Re: " and the thread's subject.
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send-lib.sh"
mail_start
MS_INIT="--lang nl" MS_AREA="Sint-Gillis (Hôtel de Ville)" MS_TITLE="Gerenoveerd appartement, één slaapkamer"
mail_study s 3
expect_exit 0 ct -S s send --live --json
backdate_sent s
expect_out '"sent":6,'
logged() { wc -l <"$MD/smtp-log/index.tsv"; }
row() { q s "SELECT a.id || ' ' || a.message_id || ' ' || p.email FROM application a JOIN persona p ON p.id = a.persona JOIN listing l ON l.id = a.listing WHERE l.ref = '$1' AND a.position = $2"; }
set -- $(row L1 2); a1=$1 mid1=$2 p1=$3
set -- $(row L2 2); a2=$1 mid2=$2 p2=$3
set -- $(row L3 2); a3=$1 mid3=$2 p3=$3
subj1=$(subject_of s "$a1") subj2=$(subject_of s "$a2") subj3=$(subject_of s "$a3")
for t in "$subj1" "$subj2" "$subj3"; do
	case "$t" in *ô*|*é*) ;; *) fail "the study's subject '$t' has no accent: the test shows nothing" ;; esac
done

# Landlord 1: "Antw:" and a long subject, several encoded words.
r1=$(landlord_reply landlord1@example.test "$p1" "Antw: $subj1 – bezichtiging zaterdag om 10 uur, graag bevestigen vóór vrijdag" \
	"$mid1" "Dag, u kunt zaterdag om 10 uur komen kijken.")
[ "$(grep -o '=?utf-8?q?' reply-subject.txt | wc -l)" -ge 2 ] || { cat reply-subject.txt; fail "the long subject is not several encoded words"; }
# Landlord 2: quotes inside the subject.
r2=$(landlord_reply landlord2@example.test "$p2" "Re: \"$subj2\" – nog beschikbaar, café om de hoek" "$mid2" \
	"Dag, de woning is nog vrij. Donderdag?")
expect_exit 0 ct -S s fetch --json
expect_out '"replies":2,'
expect_exit 0 ct -S s log "$a1" --outcome invitation --channel email
expect_exit 0 ct -S s log "$a2" --outcome invitation --channel email
expect_exit 0 ct -S s log "$a3" --outcome invitation --channel phone --at 2027-03-01T10:00:00Z

before=$(logged)
ll1=$("$M/count.sh" "$MD" landlord1@example.test)
ll2=$("$M/count.sh" "$MD" landlord2@example.test)
ll3=$("$M/count.sh" "$MD" landlord3@example.test)
expect_exit 0 ct -S s decline
expect_out "Declined 3 invitations\."
[ "$(logged)" = $((before + 3)) ] || fail "the server took $(( $(logged) - before )) messages, not 3"
[ "$("$M/count.sh" "$MD" landlord1@example.test)" = $((ll1 + 1)) ] || fail "landlord1 did not get exactly one withdrawal"
[ "$("$M/count.sh" "$MD" landlord2@example.test)" = $((ll2 + 1)) ] || fail "landlord2 did not get exactly one withdrawal"
[ "$("$M/count.sh" "$MD" landlord3@example.test)" = $((ll3 + 1)) ] || fail "landlord3 did not get exactly one withdrawal"

nl1="Intussen heb ik elders iets gevonden" nl2="Met vriendelijke groeten"
withdrawal_ok "$(withdrawal_of s "$a1")" "$r1" "$mid1 $r1" "$p1" landlord1@example.test \
	"Re: $subj1 – bezichtiging zaterdag om 10 uur, graag bevestigen vóór vrijdag" "$nl1" "$nl2"
withdrawal_ok "$(withdrawal_of s "$a2")" "$r2" "$mid2 $r2" "$p2" landlord2@example.test \
	"Re: \"$subj2\" – nog beschikbaar, café om de hoek" "$nl1" "$nl2"
withdrawal_ok "$(withdrawal_of s "$a3")" "$mid3" "$mid3" "$p3" landlord3@example.test \
	"Re: $subj3" "$nl1" "$nl2"
# Filed once in each persona's Sent folder, next to the inquiry.
for p in "$p1" "$p2" "$p3"; do
	[ "$("$M/count.sh" "$MD" "$p" Sent)" = "$(q s "SELECT count(*) FROM message WHERE direction = 'out' AND mailbox = '$p'")" ] ||
		fail "$p's Sent folder does not hold its messages once"
done

expect_exit 0 ct -S s decline --json
[ "$(cat out.txt)" = "[]" ] || fail "a rerun found something to decline: $(cat out.txt)"
[ "$(logged)" = $((before + 3)) ] || fail "a rerun sent something"
echo "ok: decline nl"
