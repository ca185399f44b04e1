# personas follow study.ini until the first real send: a changed mail
# domain, phone, [phones] entry and [profile] value are applied to the
# drawn personas by the next command that writes, with one event, and the
# messages composed with the old values are dropped and composed again;
# after a real send nothing is applied and 'personas' lists what differs.
. "$E2E_DIR/lib.sh"
new_study s
ct -S s personas >/dev/null
printf 'ref,contact_email,agent_type,agent,area\n' > l.csv
for i in 1 2 3 4 5 6; do printf 'F-%s,verhuur%s@immo.example,agency,Immo %s,Gent\n' $i $i $i >> l.csv; done
ct -S s listings import l.csv >/dev/null
ct -S s assign >/dev/null
ct -S s compose --outbox out >/dev/null
[ "$(sqlite3 s/study.db "SELECT count(*) FROM message WHERE direction = 'out'")" -gt 0 ] || fail "setup: nothing composed"
sqlite3 s/study.db "SELECT id, substr(email, 1, instr(email, '@') - 1) FROM persona ORDER BY id" > locals.txt
follows() { sqlite3 s/study.db "SELECT count(*) FROM event WHERE action = 'personas' AND subject = 'follow'"; }
[ "$(follows)" = 0 ] || fail "an event before any change"

# The edits a team makes before fielding.
sed -i 's/^mail_domain = .*/mail_domain = mail.ourteam.be/; s/^age = 31$/age = 32/; s/^phone = .*/phone = +32 460 11 22 ##/' s/study.ini
sed -i '/^\[phones\]$/a maghrebi.female = +32 460 99 99 99' s/study.ini
expect_exit 0 ct -S s listings list
expect_err "note: study.ini changed 8 personas .*one event"
[ "$(follows)" = 1 ] || fail "not one follow event"
# The local parts stay; the domain is the new one.
[ "$(sqlite3 s/study.db "SELECT id, substr(email, 1, instr(email, '@') - 1) FROM persona ORDER BY id")" = "$(cat locals.txt)" ] ||
	fail "the addresses' local parts changed"
[ "$(sqlite3 s/study.db "SELECT count(*) FROM persona WHERE email LIKE '%@mail.ourteam.be'")" = 8 ] || fail "mail domain not applied"
# Phones by hand: '##' is the cell number in design order (belgian f/m,
# maghrebi f/m, turkish f/m, african f/m); maghrebi.female has its own.
cat > want.txt <<'W'
belgian|female|+32 460 11 22 01
belgian|male|+32 460 11 22 02
maghrebi|female|+32 460 99 99 99
maghrebi|male|+32 460 11 22 04
turkish|female|+32 460 11 22 05
turkish|male|+32 460 11 22 06
african|female|+32 460 11 22 07
african|male|+32 460 11 22 08
W
sqlite3 s/study.db "SELECT g.name, p.gender, p.phone FROM persona p JOIN grp g ON g.id = p.grp ORDER BY p.id" > got.txt
diff want.txt got.txt || fail "phones not applied as study.ini says"
[ "$(sqlite3 s/study.db "SELECT count(*) FROM persona WHERE json_extract(profile, '$.age') = '32'")" = 8 ] || fail "profile not applied"
sqlite3 s/study.db "SELECT detail FROM event WHERE subject = 'follow'" > ev.txt
grep -q "mail domain corrtest.invalid -> mail.ourteam.be" ev.txt || fail "event lacks the domain: $(cat ev.txt)"
grep -q "profile age = 32" ev.txt || fail "event lacks the profile change"
grep -q "phone +32 460 00 00 03 -> +32 460 99 99 99 (maghrebi.female)" ev.txt || fail "event lacks the phone change"
# The composed messages carried the old values: dropped, composed again.
[ "$(sqlite3 s/study.db "SELECT count(*) FROM message WHERE direction = 'out'")" = 0 ] || fail "stale messages kept"
[ "$(sqlite3 s/study.db "SELECT count(*) FROM application WHERE message_id IS NOT NULL")" = 0 ] || fail "stale Message-IDs kept"
expect_exit 0 ct -S s compose --outbox out
grep -l "mail.ourteam.be" out/new/* >/dev/null || fail "recomposed messages lack the new domain"
if grep -l "corrtest.invalid" out/new/* >/dev/null; then fail "the outbox still holds the old domain"; fi
# Nothing new: no second event.
expect_exit 0 ct -S s listings list
[ "$(follows)" = 1 ] || fail "a follow event without a change"

# After a real send (status sent, a send time, not simulated) a change of
# study.ini is not applied; commands keep working; personas says what
# differs.
sqlite3 s/study.db "UPDATE application SET status = 'sent', sent_at = '2026-12-07T09:00:00Z', simulated = 0
	WHERE id = (SELECT min(id) FROM application)"
sed -i 's/^age = 32$/age = 40/; s/^mail_domain = .*/mail_domain = other.ourteam.be/' s/study.ini
before=$(snapshot s)
expect_exit 0 ct -S s listings list
[ "$(snapshot s)" = "$before" ] || fail "a change was applied after a real send"
expect_exit 0 ct -S s personas
expect_out "study.ini differs from the candidates in use; 1 application was actually sent"
expect_out "profile age = 40 .*not applied"
expect_out "mail domain mail.ourteam.be -> other.ourteam.be"
[ "$(snapshot s)" = "$before" ] || fail "personas applied a change after a real send"
[ "$(sqlite3 s/study.db "SELECT count(*) FROM persona WHERE json_extract(profile, '$.age') = '32'")" = 8 ] || fail "profile changed"
