# compose --check finds exactly the problems that compose --outbox would
# meet: the same applications, the same messages, whatever the kind of
# problem (a value, a sender name GMime cannot write, an address), and
# counts the same messages as buildable.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-11-22T12:00:00Z
new_study s
ct -S s personas >/dev/null
python3 - <<'PY'
with open("l.csv", "w", encoding="utf-8") as f:
    f.write("ref,url,contact_email,contact_name,agent_type,agent,area,price,round,posted_on,title\n")
    for i in range(1, 41):
        f.write(f"L{i},https://example.org/{i},a{i}@example.be,X,agency,Y{i % 5},Gent,800,1,2026-11-20,Studio\n")
PY
ct -S s listings import l.csv >/dev/null
ct -S s assign >/dev/null
q() { sqlite3 s/study.db "$@"; }
# problems CMD...: the "application N (listing R): ..." lines of CMD, sorted.
problems() {
	set +e
	ct -S s "$@" >/dev/null 2>err.txt
	set -e
	grep -o 'application [0-9]* (listing .*' err.txt | LC_ALL=C sort
}
expect_exit 0 ct -S s compose --check
expect_out "the messages of 80 planned applications can be composed"
# One sender whose name has a word too long for one encoded word, one whose
# name GMime folds, a listing value with a control character, a contact
# address that is not one.
p1=$(q "SELECT id FROM persona ORDER BY id LIMIT 1 OFFSET 1")
p2=$(q "SELECT id FROM persona ORDER BY id LIMIT 1 OFFSET 4")
q "UPDATE persona SET first_name = 'Marie-Françoise-Geneviève-Anne-Charlotte', last_name = 'Van den Heuvel-De Smedt-Vanderstraeten-Van Oostende' WHERE id = $p1"
q "UPDATE persona SET first_name = 'Marie-Françoise Geneviève', last_name = 'Van den Heuvel-De Smedt-Vanderstraeten-Van Oostende' WHERE id = $p2"
q "UPDATE listing SET area = 'Gent' || char(7) WHERE ref = 'L7'"
q "UPDATE listing_contact SET contact_email = 'not an address' WHERE listing = (SELECT id FROM listing WHERE ref = 'L9')"
problems compose --check >check.txt
problems compose --outbox ob >outbox.txt
[ -s check.txt ] || fail "compose --check found nothing"
diff check.txt outbox.txt >&2 || fail "compose --check and --outbox disagree"
nbad=$(q "SELECT count(*) FROM application a JOIN listing l ON l.id = a.listing WHERE a.persona IN ($p1, $p2) OR l.ref IN ('L7', 'L9')")
[ "$(wc -l <check.txt)" = "$nbad" ] || fail "$(wc -l <check.txt) problems listed, $nbad applications are bad"
grep -q "has a word too long" check.txt || fail "the long word is not reported"
grep -q "too long for one header line" check.txt || fail "the folded name is not reported"
