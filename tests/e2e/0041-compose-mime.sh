# compose --outbox over a whole study (120 listings, 240 messages) with
# names and fields that stress MIME: accents, emoji, CJK and Arabic script,
# quotes, commas, parentheses and '@' in display names, very long names and
# subjects (folded by GMime). Every message is parsed twice, by GMime (through
# python3-gi) and by Python's email package: both must read the same From
# name and address, To, Subject, Message-ID and body, and these must be the
# study's values.
. "$E2E_DIR/lib.sh"
PM="$E2E_DIR/parse_mail.py"
# GMime through GObject introspection: Debian's python3-gi and
# gir1.2-gmime-3.0 (make deps), for Debian's own interpreter.
GPY=
for py in python3 /usr/bin/python3; do
	if "$py" -c 'import gi; gi.require_version("GMime", "3.0"); from gi.repository import GMime' 2>/dev/null; then
		GPY=$py
		break
	fi
done
[ -n "$GPY" ] || fail "GMime for Python not found: run 'make deps' (python3-gi, gir1.2-gmime-3.0)"

new_study m
python3 - <<'EOF'
import csv
areas = ["Sint-Amandsberg", "Gentbrugge", "Ledeberg", "Mariakerke", "Zwijnaarde",
         "Sint-Denijs-Westrem", "Oostakker", "Drongen"]
long_area = "Heel-Lange-Deelgemeente-" * 6 + "Einde"
rows = []
for i in range(1, 121):
    area = areas[i % len(areas)]
    title = ["Appartement met 2 slaapkamers", "Studio \u00e0 louer \u2013 centre", "Rijwoning \u201cDe Linde\u201d",
             "Loft (nieuw) \u2605", "\u516c\u5bd3 \u00b7 Wohnung", "\u0634\u0642\u0629 \u0644\u0644\u0625\u064a\u062c\u0627\u0631",
             "Kamer, met tuin; \"zonnig\"", ""][i % 8]
    if i % 10 == 0:
        area = long_area
    if i % 15 == 0:
        area = "\u00c9tterbeek \U0001F3E0 \u00e0 c\u00f4t\u00e9 du parc \u2014 " + "tr\u00e8s " * 12 + "calme"
    rows.append(["M-%03d" % i, "https://example.org/%d" % i, "contact%d@example.be" % i,
                 "Agent %d" % i, "agency" if i % 3 else "private", "Agent %d" % (i % 17),
                 area, str(500 + i), "1", "2026-11-20", title])
with open("m.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\r\n")
    w.writerow(["ref", "url", "contact_email", "contact_name", "agent_type", "agent", "area",
                "price", "round", "posted_on", "title"])
    w.writerows(rows)
EOF
ct -S m personas >/dev/null
ct -S m listings import m.csv >/dev/null
ct -S m assign >/dev/null
# Display names that need quoting or encoding in a From header.
sqlite3 m/study.db <<'EOF'
UPDATE persona SET first_name = 'Zoë "Zizi"', last_name = 'O''Brien, Jr.' WHERE id = 1;
UPDATE persona SET first_name = 'Ngalula (Lula)', last_name = 'Kabongo@Home' WHERE id = 2;
UPDATE persona SET first_name = 'محمد', last_name = 'العمراني' WHERE id = 3;
UPDATE persona SET first_name = '陈', last_name = '伟 🙂' WHERE id = 4;
UPDATE persona SET first_name = 'Marie-Françoise-Geneviève-Anne-Charlotte', last_name = 'Van den Heuvel-De Smedt-Vanderstraeten-Van Oostende' WHERE id = 5;
UPDATE persona SET first_name = 'Gülşen', last_name = 'Öztürk; Yılmaz <x>' WHERE id = 6;
UPDATE persona SET first_name = 'Ali', last_name = 'Ben\Ali' WHERE id = 7;
EOF
# A name word too long for one encoded word: GMime would split it in two
# encoded words, which Python's email package reads with a space inside the
# word. Refused before anything is written.
before=$(snapshot m)
expect_exit 2 ct -S m compose --check
expect_err "the sender name 'Marie-Françoise-Geneviève-Anne-Charlotte .*' has a word too long to encode in one piece"
expect_exit 2 ct -S m compose --outbox out
expect_err "application [0-9]+ \(listing M-[0-9]+\): the sender name"
[ ! -e out ] || [ -z "$(ls out/new)" ] || fail "files written despite a refused name"
[ "$(snapshot m)" = "$before" ] || fail "a refused compose changed the study"
# A name so long that GMime folds the From header inside it: GMime's parser
# then keeps the line break in the name, Python makes it a space. Refused.
sqlite3 m/study.db "UPDATE persona SET first_name = 'Marie-Françoise Geneviève' WHERE id = 5"
before=$(snapshot m)
expect_exit 2 ct -S m compose --outbox out
expect_err "the sender name 'Marie-Françoise Geneviève Van den Heuvel-De Smedt-Vanderstraeten-Van Oostende' is too long for one header line"
[ ! -e out ] || [ -z "$(ls out/new)" ] || fail "files written despite a refused name"
[ "$(snapshot m)" = "$before" ] || fail "a refused compose changed the study"
sqlite3 m/study.db "UPDATE persona SET last_name = 'Van den Heuvel-De Smedt' WHERE id = 5"
expect_exit 0 ct -S m compose --check
expect_exit 0 ct -S m compose --outbox out --json
expect_out '"written":240'
[ "$(ls out/new | wc -l)" = 240 ] || fail "not 240 files"
# Folded headers: some Subject and From lines are continued.
grep -l '^[ 	]' out/new/* >/dev/null || fail "no folded header line: the long names and subjects did not test folding"
awk 'length($0) > 998 { exit 1 }' out/new/* || fail "a line longer than 998 characters"
python3 "$PM" check m out >chk.txt || { cat chk.txt; fail "Python's email package: outbox does not match the study"; }
"$GPY" "$PM" gmime out >gmime.jsonl || fail "GMime could not parse every message"
[ "$(wc -l <gmime.jsonl)" = 240 ] || fail "GMime read $(wc -l <gmime.jsonl) messages, not 240"
python3 "$PM" agree m out gmime.jsonl >agree.txt || { cat agree.txt; fail "GMime and Python's email package disagree"; }
grep -qx 'ok 240' agree.txt || fail "agree: $(cat agree.txt)"
# The Message-IDs are unique and stored.
[ "$(sqlite3 m/study.db "SELECT count(DISTINCT message_id) FROM application WHERE message_id IS NOT NULL")" = 240 ] || fail "Message-IDs not 240 distinct"
