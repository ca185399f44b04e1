# code --review: one reply at a time, blind; every code is saved as
# it is typed (a session that ends without q keeps them), skip, note and
# undo work, and a bad key or sub-code is refused without ending the session.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-12-20T12:00:00Z CORRTEST_ACTOR=tester
new_study s
q() { sqlite3 -cmd ".timeout 5000" s/study.db "$1"; }
sent_pairs s 2
q "SELECT a.id, p.first_name, p.last_name FROM application a JOIN persona p ON p.id = a.persona" |
while IFS='|' read -r app first last; do
	# The reply carries a terminal escape (an OSC title sequence).
	hex=$(printf 'From: x@example.org\r\nSubject: Re\r\n\r\nBeste %s %s, reply %s.\033]0;PWNED\007\r\n' "$first" "$last" "$app" | od -An -v -tx1 | tr -d ' \n')
	q "INSERT INTO message (application, direction, raw, sha256, at, kind) VALUES ($app, 'in', X'$hex', 'h$app', '2026-12-08T10:00:00Z', 'reply')"
done
ids=$(q "SELECT id FROM message ORDER BY id" | tr '\n' ' ')
set -- $ids
# Keys: a bad key, invitation with a sub-code (typed in capitals: stored
# as the codebook spells it), an interview sub-code in a housing study
# (refused: the codebook gives it to job studies), refusal, undo (the
# refusal goes), a note then info, skip; input ends without q.
printf 'z\ni interview\ni VIEWING\nr\nu\nn called twice\nf\ns\n' | ct -S s code --review --coder A >out.txt 2>err.txt ||
	fail "review failed: $(cat err.txt)"
grep -q '\[CANDIDATE\]' out.txt || fail "the review shows no mark"
# The landlord's text reaches the terminal escaped, never as raw controls.
if grep -q "$(printf '\033')" out.txt; then fail "a raw escape byte reached the terminal"; fi
grep -qF '\x1b]0;PWNED' out.txt || fail "the escape is not shown as text"
q "SELECT first_name || char(10) || last_name FROM persona" >names.txt
while read -r w; do grep -qiF -- "$w" out.txt && fail "the review shows '$w'"; done <names.txt
expect_out "keys: i invitation"
[ "$(q "SELECT message || ' ' || outcome || ' ' || coalesce(sub_code, '-') || ' ' || coalesce(note, '-') FROM coding ORDER BY message")" = \
  "$1 invitation viewing -
$2 info - called twice" ] || fail "codes after review: $(q 'SELECT * FROM coding')"
[ "$(q "SELECT count(*) FROM event WHERE action = 'code-undo'")" = 1 ] || fail "undo event"
# A new session shows only the two replies left; q ends it.
printf 'x\nq\n' | ct -S s code --review --coder A >out.txt
expect_out "2 replies to code"
[ "$(q "SELECT outcome FROM coding WHERE message = $3")" = no_reply ] || fail "second session"
# A session killed by a signal keeps the code typed before it.
mkfifo keys
ct -S s code --review --coder A <keys >out2.txt 2>&1 &
pid=$!
exec 3>keys
printf 'o acknowledgement\n' >&3
n=0
while [ "$(q "SELECT count(*) FROM coding WHERE message = $4")" != 1 ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
kill -9 $pid
exec 3>&-
wait $pid 2>/dev/null || :
[ "$(q "SELECT outcome || '.' || sub_code FROM coding WHERE message = $4")" = other.acknowledgement ] || fail "a killed session lost a code"
