# names: the list of banks, one bank, --check on the shipped banks (text
# and JSON), and broken or unknown banks of a study reported with file:line.
. "$E2E_DIR/lib.sh"
banks="belgian_flemish belgian_francophone congolese maghrebi mixed nepalese polish romanian slovak turkish"

expect_exit 0 ct names
for b in $banks; do grep -q "^$b " out.txt || fail "names does not list $b"; done
expect_exit 0 ct names --json
# Counts against the TSV files themselves, read by Python.
python3 - "$TOP/templates/names" <<'EOF'
import json, sys, collections
d = json.load(open("out.txt"))
assert isinstance(d, list) and len(d) >= 10, d
for b in d:
    c = collections.Counter()
    for line in open(f"{sys.argv[1]}/{b['id']}.tsv", encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        if line.startswith("#") or f[0] == "kind":
            continue
        c[f"{f[0]}_{f[1]}"] += 1
    for k in ("first_female", "first_male", "last_female", "last_male", "last_any"):
        assert b[k] == c[k], (b["id"], k, b[k], c[k])
    assert b["first_female"] >= 10 and b["first_male"] >= 10, b
    assert b["source"] == "embedded", b
EOF

expect_exit 0 ct names --group turkish
expect_out "Ayşe"
expect_out "^bank +turkish$"
expect_out "^label +Turkish origin$"
expect_out "^file +templates/names/turkish.tsv$"
expect_exit 0 ct names --group polish --json
python3 - "$TOP/templates/names/polish.tsv" <<'EOF'
import json, sys
d = json.load(open("out.txt"))
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1], encoding="utf-8")
        if not l.startswith("#")][1:]
assert d["id"] == "polish" and d["label"] == "Polish origin", d
assert [(n["kind"], n["gender"], n["name"], n["note"]) for n in d["names"]] == [tuple(r) for r in rows]
for n in d["names"]:
    # Non-ASCII means an RFC 2047 encoded word in a mail header.
    assert n["needs_encoding"] == any(ord(ch) > 127 for ch in n["name"]), n
assert any(n["needs_encoding"] for n in d["names"]) and not all(n["needs_encoding"] for n in d["names"])
EOF

# The shipped banks pass every check; the non-ASCII names are listed.
expect_exit 0 ct names --check
expect_out "0 problems, all banks pass"
expect_out "turkish: .*Ayşe"
expect_exit 0 ct names --check --json
python3 - "$TOP/templates/names" <<'EOF'
import json, sys, glob
d = json.load(open("out.txt"))
assert d["ok"] is True and d["problems"] == [], d["problems"]
names = [l.split("\t")[2] for f in sorted(glob.glob(sys.argv[1] + "/*.tsv"))
         for l in open(f, encoding="utf-8") if not l.startswith("#") and not l.startswith("kind\t")]
assert d["names"] == len(names), (d["names"], len(names))
assert d["banks"] == 10, d["banks"]
enc = sorted(n for n in names if any(ord(c) > 127 for c in n))
assert sorted(e["name"] for e in d["needs_encoding"]) == enc
assert d["needs_encoding_count"] == len(enc)
EOF

# Bad usage.
expect_exit 2 ct names --group klingon
expect_err "no name bank 'klingon'"
expect_exit 2 ct names --group turkish --check
expect_exit 2 ct names --frobnicate
expect_exit 2 ct names extra
expect_exit 2 ct -S nowhere names
expect_err "nowhere: no study here"

# Inside a study: the design's banks exist; names changes nothing.
new_study s
before=$(snapshot s)
expect_exit 0 ct -S s names --check
(cd s && ct names --check >/dev/null) || fail "names --check fails inside the study folder"
[ "$(snapshot s)" = "$before" ] || fail "names changed the study"

# A study's own bank: a copy of the Turkish bank with a bad gender, a
# three-field line and a name that is already in the Maghrebi bank.
mkdir s/names
cp "$TOP/templates/names/turkish.tsv" s/names/turkish.tsv
n=$(wc -l < s/names/turkish.tsv)
printf 'first\twoman\tZehra\tnote\nlast\tany\tnote missing\nlast\tany\tEl Amrani\talso Maghrebi\n' >> s/names/turkish.tsv
expect_exit 1 ct -S s names --check
expect_out "^s/names/turkish.tsv:$((n + 1)): gender 'woman' must be female, male or any"
expect_out "^s/names/turkish.tsv:$((n + 2)): 3 fields, expected 4"
expect_out "^s/names/turkish.tsv:$((n + 3)): 'El Amrani' is also in bank maghrebi \(templates/names/maghrebi.tsv:[0-9]+\)"
expect_err "corrtest names: 3 problems in the name banks"
expect_exit 1 ct -S s names --check --json
python3 - "$n" <<'EOF'
import json, sys
n = int(sys.argv[1])
d = json.load(open("out.txt"))
assert d["ok"] is False
assert [(p["file"], p["line"]) for p in d["problems"]] == [("s/names/turkish.tsv", n + i) for i in (1, 2, 3)], d["problems"]
EOF
# Listing the broken bank is refused with its first problem.
expect_exit 2 ct -S s names --group turkish
expect_err "s/names/turkish.tsv:$((n + 1)): gender 'woman'"
# Invalid UTF-8 and a control character in a name, with their lines.
cp "$TOP/templates/names/turkish.tsv" s/names/turkish.tsv
printf 'last\tany\tK\303\050ya\tbad UTF-8\nlast\tany\tKa\007ya\tbell\n' >> s/names/turkish.tsv
expect_exit 1 ct -S s names --check
expect_out "turkish.tsv:$((n + 1)): invalid UTF-8"
expect_out "turkish.tsv:$((n + 2)): name contains a control character"
# A bank that the study adds, with a '# bank:' that is not its file name.
cp "$TOP/templates/names/turkish.tsv" s/names/turkish.tsv
sed 's/^# bank: slovak$/# bank: slovakk/' "$TOP/templates/names/slovak.tsv" > s/names/slovak.tsv
expect_exit 1 ct -S s names --check
expect_out "^s/names/slovak.tsv:1: '# bank: slovakk' does not match the file name"
rm s/names/slovak.tsv
# The study's copy overrides the embedded bank and is listed as the study's.
expect_exit 0 ct -S s names
expect_out "^turkish .* s/names/turkish.tsv$"

# A bank named in study.ini that does not exist.
sed -i 's/^bank = congolese$/bank = klingon/' s/study.ini
expect_exit 1 ct -S s names --check
expect_out "^s/study.ini:[0-9]+: \[group african\] names bank 'klingon', which does not exist"
