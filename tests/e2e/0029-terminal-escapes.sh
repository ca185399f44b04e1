# Control characters that reach a study by hand (import refuses them; here
# sqlite3 puts them in): a listing's title, area and ref, a landlord's and
# an agent's name, and a stored message holding escape sequences. Every
# table that shows them prints them escaped (\x1b, \x07, \x08), never raw,
# so that they cannot clear the screen, retitle the terminal or overwrite
# what is shown; JSON carries them by JSON's rules (\u001b) and gives them
# back unchanged.
. "$E2E_DIR/lib.sh"
esc=$(printf '\033') bel=$(printf '\007') bs=$(printf '\010')
# raw_free FILE...: none of ESC, BEL, BS in the files.
raw_free() {
	for f in "$@"; do
		if LC_ALL=C grep -q "[$esc$bel$bs]" "$f"; then
			od -c "$f" | head -20 >&2
			fail "$f holds a raw control character"
		fi
	done
}

new_study s
ct -S s personas >/dev/null
cat >a.csv <<'EOF'
ref,url,contact_email,contact_name,agent_type,agent,area,price,title
E-1,https://x.example/1,verhuur@immo.example,Jan Peeters,agency,Immo Peeters,Gent,900,Flat
E-2,https://x.example/2,els@private.example,Els Janssens,private,,Gent,800,Studio
EOF
ct -S s listings import a.csv >/dev/null
ct -S s assign >/dev/null
ct -S s compose --outbox out >/dev/null
ct -S s simulate --assume-sent --p-control 0.5 --net 0.2 >/dev/null
printf 'ref,contact_email,agent_type,area\nE-3,kim@private.example,private,Gent\n' >b.csv
ct -S s listings import b.csv >/dev/null

sqlite3 s/study.db <<'EOF'
UPDATE listing SET title = 'Flat' || char(27) || '[2J' || char(27) || ']0;pwned' || char(7),
                   area = 'Gent' || char(27) || '[2J' WHERE ref = 'E-1';
UPDATE listing SET ref = 'E-3' || char(27) || '[1A' WHERE ref = 'E-3';
UPDATE listing_contact SET agent_name = 'Immo' || char(27) || '[31mRed',
                           contact_name = 'Jan' || char(8) || char(8) || 'X'
 WHERE listing = (SELECT id FROM listing WHERE ref = 'E-1');
UPDATE message SET raw = CAST(replace(CAST(raw AS TEXT), 'Subject: ', 'Subject: ' || char(27) || '[2J') AS BLOB)
 WHERE application = 1 AND direction = 'out';
EOF

# listings list: the title and the ref, escaped.
expect_exit 0 ct -S s listings list
raw_free out.txt err.txt
grep -Fq 'Flat\x1b[2J\x1b]0;pwned\x07' out.txt || { cat out.txt; fail "the title is not shown escaped"; }
grep -Fq 'E-3\x1b[1A' out.txt || { cat out.txt; fail "the ref is not shown escaped"; }
# --contacts: the agent's and the landlord's names, escaped.
expect_exit 0 ct -S s listings list --contacts
raw_free out.txt err.txt
grep -Fq 'Immo\x1b[31mRed' out.txt || { cat out.txt; fail "the agent's name is not shown escaped"; }
grep -Fq 'Jan\x08\x08X' out.txt || { cat out.txt; fail "the landlord's name is not shown escaped"; }
# JSON: escaped by JSON's rules, and the same text once parsed.
expect_exit 0 ct -S s listings list --contacts --json
raw_free out.txt
grep -Fq 'Flat\u001b[2J\u001b]0;pwned\u0007' out.txt || fail "the title is not JSON-escaped"
python3 - <<'EOF'
import json
d = {l["ref"]: l for l in json.load(open("out.txt"))}
assert d["E-1"]["title"] == "Flat\x1b[2J\x1b]0;pwned\x07", d["E-1"]
assert d["E-1"]["agent"] == "Immo\x1b[31mRed" and d["E-1"]["contact_name"] == "Jan\b\bX", d["E-1"]
assert "E-3\x1b[1A" in d, d.keys()
EOF

# assign --dry-run shows the new listing's ref escaped.
expect_exit 0 ct -S s assign --dry-run
raw_free out.txt err.txt
grep -Fq 'E-3\x1b[1A' out.txt || { cat out.txt; fail "assign --dry-run: the ref is not escaped"; }
expect_exit 0 ct -S s assign --dry-run --json
raw_free out.txt
python3 -c 'import json; d = json.load(open("out.txt")); assert d["pairs"][0]["listing_ref"] == "E-3\x1b[1A", d'

# compose --preview of a stored message that holds an escape sequence: the
# message is shown with it escaped; --json carries it.
expect_exit 0 ct -S s compose --preview 1 --raw
raw_free out.txt err.txt
grep -Fq 'Subject: \x1b[2J' out.txt || { cat out.txt; fail "compose --preview: the subject is not escaped"; }
# The decoded view (the default) lets no escape through either.
expect_exit 0 ct -S s compose --preview 1
raw_free out.txt err.txt
expect_exit 0 ct -S s compose --preview 1 --json
raw_free out.txt
python3 -c 'import json; d = json.load(open("out.txt")); assert "Subject: \x1b[2J" in d["raw"], d'
# A title with a control character is refused when a message would carry
# it; the refusal names the character, and quotes the listing's ref
# escaped, on stderr too.
sqlite3 s/study.db "UPDATE listing SET title = 'Loft' || char(27) || '[2J' WHERE id = 3"
ct -S s assign >/dev/null
expect_exit 2 ct -S s compose --check
raw_free out.txt err.txt
expect_err 'U\+001B'

# log quotes the listing's ref in its sentence; an error quoting what the
# user typed (here a ref holding ESC) is escaped on stderr.
# (The simulated rows are taken for real ones here: log is refused on a
# study holding simulated rows, e2e 0166.)
sqlite3 s/study.db "UPDATE application SET simulated = 0; UPDATE response SET simulated = 0"
app=$(sqlite3 s/study.db "SELECT min(id) FROM application WHERE listing = 1")
expect_exit 0 ct -S s log "$app" --outcome refusal --channel phone
raw_free out.txt err.txt
expect_out 'Logged refusal \(phone\) for application [0-9]+ \(listing E-1,'
sqlite3 s/study.db "UPDATE application SET status = 'sent', sent_at = '2026-12-08T10:00:00Z' WHERE listing = 3"
expect_exit 0 ct -S s log "$(sqlite3 s/study.db "SELECT min(id) FROM application WHERE listing = 3")" --outcome info --channel phone
raw_free out.txt err.txt
grep -Fq '(listing E-3\x1b[1A,' out.txt || { cat out.txt; fail "log: the ref is not escaped"; }
expect_exit 2 ct -S s log "$(printf 'Q\033[2J'):belgian:female" --outcome refusal --channel phone
raw_free out.txt err.txt
grep -Fq "listing 'Q\x1b[2J'" err.txt || { cat err.txt; fail "log: the ref typed is not escaped on stderr"; }

# stats: the area is a stratum label.
expect_exit 0 ct -S s stats --by area
raw_free out.txt err.txt
grep -Fq 'Gent\x1b[2J' out.txt || { cat out.txt; fail "stats --by area: the area is not escaped"; }
expect_exit 0 ct -S s stats --by area --json
raw_free out.txt
grep -Fq 'Gent\u001b[2J' out.txt || fail "stats --json: the area is not JSON-escaped"
