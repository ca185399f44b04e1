# personas --redraw: allowed after compose --outbox (nothing was sent), and
# the composed messages, which carry the old names, are dropped and
# composed again; refused once an application was actually sent, and while
# simulated rows are held.
. "$E2E_DIR/lib.sh"
new_study s
ct -S s personas >/dev/null
printf 'ref,contact_email,agent_type,agent,area\n' > l.csv
for i in 1 2 3 4 5 6; do printf 'R-%s,verhuur%s@immo.example,agency,Immo %s,Gent\n' $i $i $i >> l.csv; done
ct -S s listings import l.csv >/dev/null
ct -S s assign >/dev/null
ct -S s compose --outbox out >/dev/null
n=$(sqlite3 s/study.db "SELECT count(*) FROM message WHERE direction = 'out'")
[ "$n" = 12 ] || fail "setup: $n messages composed, wanted 12 (6 listings x 2)"
old=$(sqlite3 s/study.db "SELECT group_concat(first_name || ' ' || last_name, ',') FROM persona ORDER BY id")
cp -r s sim

# The old refusal ("already sent (0 applications past planned)") is gone.
expect_exit 0 ct -S s personas --redraw
expect_out "Redrew 8 candidates"
expect_out "Dropped 12 composed messages"
new=$(sqlite3 s/study.db "SELECT group_concat(first_name || ' ' || last_name, ',') FROM persona ORDER BY id")
[ "$new" != "$old" ] || fail "redraw drew the same names"
[ "$(sqlite3 s/study.db "SELECT count(*) FROM message WHERE direction = 'out'")" = 0 ] || fail "stale messages kept"
[ "$(sqlite3 s/study.db "SELECT count(*) FROM application WHERE message_id IS NOT NULL")" = 0 ] || fail "stale Message-IDs kept"
[ "$(sqlite3 s/study.db "SELECT detail FROM event WHERE action = 'personas' ORDER BY id DESC LIMIT 1")" = \
  "8 drawn; 12 composed messages dropped" ] || fail "the redraw event does not say what was dropped"
# Composed again, the outbox carries the new names and none of the old.
expect_exit 0 ct -S s compose --outbox out
[ "$(sqlite3 s/study.db "SELECT count(*) FROM message WHERE direction = 'out'")" = 12 ] || fail "not composed again"
# (The addresses are ASCII; the names may be encoded in the headers.)
for a in $(sqlite3 s/study.db "SELECT DISTINCT p.email FROM application a JOIN persona p ON p.id = a.persona"); do
	grep -l "$a" out/new/* >/dev/null || fail "the outbox lacks the new address $a"
done
for a in $(sqlite3 sim/study.db "SELECT email FROM persona"); do
	if grep -l "$a" out/new/* >/dev/null; then fail "the outbox still holds the old address $a"; fi
done

# A real send: status sent, a send time, not simulated (what send --live or
# field sent records). Refused, nothing changes.
sqlite3 s/study.db "UPDATE application SET status = 'sent', sent_at = '2026-12-07T09:00:00Z', simulated = 0
	WHERE id = (SELECT min(id) FROM application)"
before=$(snapshot s)
expect_exit 2 ct -S s personas --redraw
expect_err "^corrtest personas: --redraw refused: 1 application was actually sent"
[ "$(snapshot s)" = "$before" ] || fail "a refused redraw changed the study"

# Simulated sends are not real, but the simulation was drawn for these
# candidates: refused until simulate --undo.
ct -S sim simulate --assume-sent --p-control 0.5 --net 0.2 >/dev/null
before=$(snapshot sim)
expect_exit 2 ct -S sim personas --redraw
expect_err "simulate --undo"
[ "$(snapshot sim)" = "$before" ] || fail "a refused redraw changed the simulated study"
ct -S sim simulate --undo >/dev/null
expect_exit 0 ct -S sim personas --redraw
expect_out "Redrew 8 candidates"
