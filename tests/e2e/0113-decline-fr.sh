# decline in a French study whose subjects have accents: the landlords
# answer with subjects Python's email package encodes as RFC 2047 words (a
# long one split into several words, one with quotes and « guillemets »),
# and one invites by phone, so that the withdrawal must use the study's own
# accented subject (which made decline exit 2). Each withdrawal goes out
# exactly once, counted at the server, in French, threaded (In-Reply-To,
# References), with the subject Python's email parser decodes to "Re: "
# and the thread's subject.
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send-lib.sh"
mail_start
MS_INIT="--lang fr" MS_AREA="Liège (Outremeuse, près du café)" MS_TITLE="Appartement rénové, 2 chambres"
mail_study s 3
expect_exit 0 ct -S s send --live --json
backdate_sent s
expect_out '"sent":6,'
logged() { wc -l <"$MD/smtp-log/index.tsv"; }
row() { q s "SELECT a.id || ' ' || a.message_id || ' ' || p.email FROM application a JOIN persona p ON p.id = a.persona JOIN listing l ON l.id = a.listing WHERE l.ref = '$1' AND a.position = $2"; }
set -- $(row L1 1); a1=$1 mid1=$2 p1=$3
set -- $(row L2 1); a2=$1 mid2=$2 p2=$3
set -- $(row L3 1); a3=$1 mid3=$2 p3=$3
subj1=$(subject_of s "$a1") subj2=$(subject_of s "$a2") subj3=$(subject_of s "$a3")
for t in "$subj1" "$subj2" "$subj3"; do
	case "$t" in *à*) ;; *) fail "the study's subject '$t' has no accent: the test shows nothing" ;; esac
done

# Landlord 1: a long subject, several quoted-printable encoded words.
long="Re: $subj1 — visite samedi à 10 h, « confirmée » par l'agence"
r1=$(landlord_reply landlord1@example.test "$p1" "$long" "$mid1" "Bonjour, venez visiter samedi à 10 h.")
[ "$(grep -o '=?utf-8?q?' reply-subject.txt | wc -l)" -ge 2 ] || { cat reply-subject.txt; fail "the long subject is not several encoded words"; }
# Landlord 2: quotes inside the subject, answered with "RE:".
quoted="RE: \"$subj2\" : c'est d'accord pour jeudi"
r2=$(landlord_reply landlord2@example.test "$p2" "$quoted" "$mid2" "Bonjour, jeudi 18 h convient.")
expect_exit 0 ct -S s fetch --json
expect_out '"replies":2,'
expect_exit 0 ct -S s log "$a1" --outcome invitation --channel email
expect_exit 0 ct -S s log "$a2" --outcome invitation --channel email
# Landlord 3 invites by phone: no reply, so the study's own subject.
expect_exit 0 ct -S s log "$a3" --outcome invitation --channel phone --at 2027-03-01T10:00:00Z

before=$(logged)
ll1=$("$M/count.sh" "$MD" landlord1@example.test)
ll2=$("$M/count.sh" "$MD" landlord2@example.test)
ll3=$("$M/count.sh" "$MD" landlord3@example.test)
expect_exit 0 ct -S s decline --dry-run
expect_out "Dry run: 3 withdrawals would be sent"
expect_exit 0 ct -S s decline
expect_out "Declined 3 invitations\."
[ "$(logged)" = $((before + 3)) ] || fail "the server took $(( $(logged) - before )) messages, not 3"
[ "$("$M/count.sh" "$MD" landlord1@example.test)" = $((ll1 + 1)) ] || fail "landlord1 did not get exactly one withdrawal"
[ "$("$M/count.sh" "$MD" landlord2@example.test)" = $((ll2 + 1)) ] || fail "landlord2 did not get exactly one withdrawal"
[ "$("$M/count.sh" "$MD" landlord3@example.test)" = $((ll3 + 1)) ] || fail "landlord3 did not get exactly one withdrawal"

fr1="j'ai trouvé une autre solution" fr2="Bien cordialement"
withdrawal_ok "$(withdrawal_of s "$a1")" "$r1" "$mid1 $r1" "$p1" landlord1@example.test \
	"Re: $subj1 — visite samedi à 10 h, « confirmée » par l'agence" "$fr1" "$fr2"
withdrawal_ok "$(withdrawal_of s "$a2")" "$r2" "$mid2 $r2" "$p2" landlord2@example.test \
	"Re: \"$subj2\" : c'est d'accord pour jeudi" "$fr1" "$fr2"
withdrawal_ok "$(withdrawal_of s "$a3")" "$mid3" "$mid3" "$p3" landlord3@example.test \
	"Re: $subj3" "$fr1" "$fr2"
[ "$(q s "SELECT count(*) FROM decline")" = 3 ] || fail "not 3 decline rows"

# A rerun sends nothing.
expect_exit 0 ct -S s decline --json
[ "$(cat out.txt)" = "[]" ] || fail "a rerun found something to decline: $(cat out.txt)"
[ "$(logged)" = $((before + 3)) ] || fail "a rerun sent something"
echo "ok: decline fr"
