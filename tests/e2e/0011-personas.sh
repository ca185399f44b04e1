# personas: one candidate per group x gender, drawn from the seed; kept on
# re-runs; --redraw, and its refusal once a message was sent; bad banks,
# names and phones refused with the study unchanged.
. "$E2E_DIR/lib.sh"

# check.py STUDY: the personas of --json (in out.txt) against the study's
# study.ini and the name banks, read independently in Python.
cat > check.py <<'EOF'
import configparser, json, os, re, sys, unicodedata
study, top = sys.argv[1], sys.argv[2]
ini = configparser.ConfigParser(interpolation=None, comment_prefixes=(";",), strict=True)
ini.optionxform = str
ini.read(f"{study}/study.ini", encoding="utf-8")
groups = [s[6:] for s in ini.sections() if s.startswith("group ")]
control = [g for g in groups if ini[f"group {g}"]["role"] == "control"]
groups = control + [g for g in groups if g not in control]
genders = [g.strip() for g in ini["design"]["genders"].split(",")]
domain = ini["personas"]["mail_domain"]
d = json.load(open("out.txt"))
assert [(p["group"], p["gender"]) for p in d] == [(g, s) for g in groups for s in genders], d

def bank(g):
    b = ini[f"group {g}"]["bank"]
    path = f"{study}/names/{b}.tsv"
    if not os.path.exists(path):
        path = f"{top}/templates/names/{b}.tsv"
    rows = [l.rstrip("\n").split("\t") for l in open(path, encoding="utf-8") if not l.startswith("#")]
    return rows[1:]

def ascii_part(name):
    # The rule of names.h: accents dropped, lower case, a-z0-9 kept,
    # spaces and apostrophes dropped, a hyphen kept between letters.
    s = unicodedata.normalize("NFKD", name.replace("ı", "i").replace("ł", "l").replace("Ł", "L"))
    s = "".join(c for c in s if c.isascii()).lower()
    out, hy = "", False
    for c in s:
        if c.isalnum():
            out += ("-" if hy and out else "") + c
            hy = False
        elif c == "-":
            hy = True
    return out

profile_keys = list(ini["profile"].keys())
for p in d:
    rows = bank(p["group"])
    assert ["first", p["gender"]] == [r for r in rows if r[2] == p["first_name"]][0][:2], p
    assert [r for r in rows if r[0] == "last" and r[2] == p["last_name"] and r[1] in ("any", p["gender"])], p
    local = ascii_part(p["first_name"]) + "." + ascii_part(p["last_name"])
    assert p["email"] in (f"{local}@{domain}", f"{local}2@{domain}"), (p["email"], local)
    phones = ini["phones"] if ini.has_section("phones") else {}
    want = phones.get(f"{p['group']}.{p['gender']}", ini["personas"]["phone"])
    # The last run of '#' becomes the persona's cell number (groups, then
    # genders, from 1), zero-padded to the run's length.
    m = re.search(r"#+(?!.*#)", want)
    if m:
        cell = groups.index(p["group"]) * len(genders) + genders.index(p["gender"]) + 1
        want = want[:m.start()] + str(cell).zfill(m.end() - m.start()) + want[m.end():]
    assert p["phone"] == want, (p, want)
    # Plain keys for everyone; KEY.female / KEY.male override for that gender.
    want = {k: v for k, v in ini["profile"].items() if k.rpartition(".")[2] not in ("female", "male")}
    for k, v in ini["profile"].items():
        base, _, g = k.rpartition(".")
        if g == p["gender"]:
            want[base] = v
    assert p["profile"] == want, (p["profile"], want)
    assert p["role"] == ("control" if p["group"] == groups[0] else "test")
for key in ("first_name", "last_name", "email"):
    vals = [p[key].casefold() for p in d]
    assert len(vals) == len(set(vals)), (key, vals)
print(len(d))
EOF
check() { python3 check.py "$1" "$TOP"; }
events() { sqlite3 "$1/study.db" "SELECT count(*) FROM event WHERE action = 'personas'"; }
# set_groups STUDY "g1:bank1 g2:bank2 ...": the test groups of study.ini.
set_groups() {
	python3 - "$1/study.ini" "$2" <<'EOF'
import re, sys
path, spec = sys.argv[1], sys.argv[2].split()
text = open(path, encoding="utf-8").read()
text = re.sub(r"\[group (?!belgian\])[^\]]+\]\nrole = test\nlabel = [^\n]*\nbank = [^\n]*\n\n", "", text)
add = "".join(f"[group {g}]\nrole = test\nlabel = {g}\nbank = {b}\n\n" for g, b in (s.split(":") for s in spec))
text = text.replace("[schedule]", add + "[schedule]")
open(path, "w", encoding="utf-8").write(text)
EOF
}

# The preset: 4 groups x 2 genders.
new_study a
expect_exit 0 ct -S a personas
expect_out "Drew 8 candidates from seed 20261122"
expect_exit 0 ct -S a personas --json
[ "$(check a)" = 8 ] || fail "not 8 personas"
cp out.txt a.json
[ "$(events a)" = 1 ] || fail "no personas event"
sqlite3 a/study.db "SELECT detail FROM event WHERE action = 'personas'" | grep -qx "8 drawn" || fail "event detail"

# Re-running keeps them: same output, no write, no event.
before=$(snapshot a)
expect_exit 0 ct -S a personas --json
cmp -s out.txt a.json || fail "a re-run changed the personas"
expect_exit 0 ct -S a personas
expect_out "nothing changed"
[ "$(snapshot a)" = "$before" ] || fail "a re-run changed the study"

# The same seed gives the same personas in a fresh study; another seed
# gives others.
new_study b
ct -S b personas >/dev/null
expect_exit 0 ct -S b personas --json
cmp -s out.txt a.json || fail "the same seed gave other personas"
ct init c --seed 7 --start 2026-12-07 >/dev/null
ct -S c personas >/dev/null
expect_exit 0 ct -S c personas --json
[ "$(check c)" = 8 ] || fail "seed 7: not 8 personas"
cmp -s out.txt a.json && fail "another seed gave the same personas"

# One gender; 2 to 5 test groups (Polish, Nepalese, Romanian, Slovak,
# mixed banks too); per-persona phones and gendered profile keys.
new_study f
sed -i 's/^genders = female, male$/genders = female/' f/study.ini
ct -S f personas >/dev/null
expect_exit 0 ct -S f personas --json
[ "$(check f)" = 4 ] || fail "one gender: not 4 personas"
i=0
for spec in "maghrebi:maghrebi turkish:turkish" \
	"polish:polish nepalese:nepalese romanian:romanian" \
	"maghrebi:maghrebi turkish:turkish african:congolese slovak:slovak" \
	"maghrebi:maghrebi mixed:mixed african:congolese polish:polish nepalese:nepalese"; do
	i=$((i + 1))
	new_study g$i
	set_groups g$i "$spec"
	printf 'maghrebi.female = +32 460 11 11 11\n' > ph.txt
	sed -i '/^\[phones\]$/r ph.txt' g$i/study.ini
	sed -i 's/^occupation = verpleegkundige$/occupation = verpleegkundige\noccupation.female = verpleegster/' g$i/study.ini
	ct -S g$i personas >/dev/null || fail "personas failed for $spec"
	expect_exit 0 ct -S g$i personas --json
	k=$(echo $spec | wc -w)
	[ "$(check g$i)" = $(((k + 1) * 2)) ] || fail "$spec: wrong number of personas"
done
grep -q '"phone": "+32 460 11 11 11"' out.txt || fail "[phones] not used"
grep -q '"occupation":"verpleegster"' out.txt || fail "gendered profile key not used"

# A group added after the draw: only its candidates are drawn.
set_groups a "maghrebi:maghrebi turkish:turkish african:congolese polish:polish"
expect_exit 0 ct -S a personas
expect_out "Drew 2 candidates"
expect_exit 0 ct -S a personas --json
[ "$(check a)" = 10 ] || fail "added group: not 10 personas"
python3 - <<'EOF'
import json
old, new = json.load(open("a.json")), json.load(open("out.txt"))
assert new[:8] == old, "kept personas changed"
EOF
cp out.txt a.json
[ "$(events a)" = 2 ] || fail "no event for the added group"

# --redraw while every application is only planned: rows updated in place.
sqlite3 a/study.db "INSERT INTO listing(ref, agent_type, added_at) VALUES ('L1', 'private', '2026-12-01T00:00:00Z');
	INSERT INTO application(listing, persona, variant, position, status) VALUES (1, 1, 1, 1, 'planned');"
expect_exit 0 ct -S a personas --redraw
expect_out "Redrew 10 candidates"
expect_exit 0 ct -S a personas --json
[ "$(check a)" = 10 ] || fail "redraw: not 10 personas"
python3 - <<'EOF'
import json
old, new = json.load(open("a.json")), json.load(open("out.txt"))
assert [p["id"] for p in old] == [p["id"] for p in new], "redraw changed the ids"
assert [(p["first_name"], p["last_name"]) for p in old] != [(p["first_name"], p["last_name"]) for p in new], "redraw drew the same names"
EOF
[ "$(sqlite3 a/study.db 'SELECT persona FROM application')" = 1 ] || fail "the application lost its persona"
[ "$(events a)" = 3 ] || fail "no event for the redraw"
sqlite3 a/study.db "SELECT subject FROM event WHERE action = 'personas' ORDER BY id DESC LIMIT 1" | grep -qx redraw || fail "redraw event"

# Once a message was sent, --redraw is refused and nothing changes.
sqlite3 a/study.db "UPDATE application SET status = 'sent', sent_at = '2026-12-07T09:00:00Z'"
before=$(snapshot a)
expect_exit 2 ct -S a personas --redraw
expect_err "^corrtest personas: --redraw refused: 1 application was actually sent"
[ "$(snapshot a)" = "$before" ] || fail "a refused redraw changed the study"
expect_exit 0 ct -S a personas
[ "$(snapshot a)" = "$before" ] || fail "a re-run after sending changed the study"
# An application sent and later cancelled (it has a send time) refuses it
# too: the landlord saw the message.
sqlite3 a/study.db "UPDATE application SET status = 'cancelled';
	INSERT INTO message(application, direction, sha256, at) VALUES (1, 'out', 'x', '2026-12-07T09:00:00Z')"
before=$(snapshot a)
expect_exit 2 ct -S a personas --redraw
expect_err "1 application was actually sent"
[ "$(snapshot a)" = "$before" ] || fail "a refused redraw changed the study"

# Bad names in a study's own bank: CR in a name, LF splitting a name, a
# control character; each refused naming file:line, the study unchanged.
new_study s
mkdir s/names
n=$(grep -n "	Ayşe	" "$TOP/templates/names/turkish.tsv" | cut -d: -f1)
before=$(snapshot s)
for bad in 'Ay\rse' 'Ay\nse' 'Ay\x1bse'; do
	sed "s/\tAyşe\t/\t$bad\t/" "$TOP/templates/names/turkish.tsv" > s/names/turkish.tsv
	before=$(snapshot s)
	expect_exit 2 ct -S s personas
	expect_err "^corrtest personas: \[group turkish\] bank 'turkish': s/names/turkish.tsv:$n: "
	[ "$(snapshot s)" = "$before" ] || fail "a bad name ($bad) changed the study"
done
sqlite3 s/study.db "SELECT count(*) FROM persona" | grep -qx 0 || fail "personas written despite a bad bank"
rm -r s/names

# A control character in a phone of study.ini: refused, nothing written.
printf 'turkish.male = +32 460\001 22\n' > ph.txt
sed -i '/^\[phones\]$/r ph.txt' s/study.ini
before=$(snapshot s)
expect_exit 2 ct -S s personas
expect_err "control character"
[ "$(snapshot s)" = "$before" ] || fail "a bad phone changed the study"
sed -i '/^turkish.male = /d' s/study.ini

# An unknown bank named in study.ini: refused with its name.
sed -i 's/^bank = congolese$/bank = klingon/' s/study.ini
before=$(snapshot s)
expect_exit 2 ct -S s personas
expect_err "\[group african\] bank 'klingon': no name bank 'klingon'"
[ "$(snapshot s)" = "$before" ] || fail "an unknown bank changed the study"

# Usage.
expect_exit 2 ct -S s personas --bogus
expect_exit 2 ct -S s personas extra
expect_exit 2 ct -S nowhere personas
