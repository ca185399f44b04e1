# send --live --until-done killed with SIGKILL at random moments, 24 times,
# each kill followed by a rerun (which first resolves the application left
# in 'sending' over IMAP). The 'delay' fault holds back the server's 250
# after delivery, widening the window in which the message was delivered but
# the client does not know. At the end every application was delivered
# exactly once, counted in the server's smtp-log, the landlords' INBOXes and
# the personas' Sent folders.
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send-lib.sh"
mail_start
mail_study s 30
rnd() { od -An -N2 -tu2 /dev/urandom | tr -d ' '; }
kills=0 i=0
while [ $i -lt 24 ]; do
	i=$((i + 1))
	# The 250 comes 0.15 or 0.3 s after delivery.
	if [ $((i % 2)) = 0 ]; then echo 0.3 >"$MD/faults/delay"; else echo 0.15 >"$MD/faults/delay"; fi
	"$CORRTEST" -S s send --live --until-done >/dev/null 2>run-$i.err &
	pid=$!
	ms=$(( $(rnd) % 700 + 30 ))
	sleep "$(printf '0.%03d' "$ms")"
	if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
	wait "$pid" 2>/dev/null || :
	# No run may leave more than one application in 'sending'.
	n=$(q s "SELECT count(*) FROM application WHERE status = 'sending'")
	[ "$n" -le 1 ] || fail "$n applications in 'sending' after kill $i"
	done_n=$(q s "SELECT count(*) FROM application WHERE status = 'sent'")
	echo "kill $i after ${ms} ms: $done_n sent"
done
[ $kills -ge 20 ] || fail "only $kills runs were killed (the rest finished first)"
rm -f "$MD/faults/delay"
expect_exit 0 ct -S s send --live --until-done
[ "$(q s "SELECT count(*) FROM application WHERE status = 'sent'")" = 60 ] || fail "not all 60 sent"
[ "$(wc -l <"$MD/smtp-log/index.tsv")" = 60 ] || fail "the server accepted $(wc -l <"$MD/smtp-log/index.tsv") messages, not 60"
delivered_ok s
for e in $(q s "SELECT email FROM persona"); do
	want=$(q s "SELECT count(*) FROM application a JOIN persona p ON p.id = a.persona WHERE p.email = '$e' AND a.status = 'sent'")
	sent=$("$M/count.sh" "$MD" "$e" Sent)
	[ "$sent" = "$want" ] || fail "$e: Sent holds $sent, wanted $want"
done
rec=$(q s "SELECT count(*) FROM event WHERE action = 'send-recovered'")
req=$(q s "SELECT count(*) FROM event WHERE action = 'send-requeued'")
echo "recovered (found sent): $rec, planned again: $req"
# Otherwise no kill fell inside a sending, and the test showed nothing.
[ $((rec + req)) -ge 1 ] || fail "no run was killed with an application in 'sending'"
