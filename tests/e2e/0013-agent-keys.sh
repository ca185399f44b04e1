# Agent keys: one agency typed in several ways (case, no-break or other
# Unicode spaces, NFD or NFC accents, fullwidth letters, spaces around) is
# one agent with one key; the display name stays as written. The expected
# keys are computed here in Python: HMAC-SHA-256 with the study's secret
# over unicodedata's NFKC of the case-folded NFKC name, spaces folded.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-12-01T09:00:00Z
new_study s
python3 - <<'PY'
rows = [
    ("D1", "Immo Dewaele"),
    ("D2", "IMMO DEWAELE"),
    ("D3", "Immo\u00a0Dewaele"),          # no-break space
    ("D4", " Immo\u2003 Dewaele "),       # em space, spaces around
    ("D5", "\uff29mmo Dewaele"),          # fullwidth I
    ("G1", "Immo G\u00e9nicot"),          # NFC
    ("G2", "Immo Ge\u0301nicot"),         # NFD
    ("G3", "IMMO G\u00c9NICOT"),
    ("S1", "Stra\u00dfe Vastgoed"),
    ("S2", "STRASSE VASTGOED"),
    ("O1", "Immo Dewaeles"),              # another agent
]
with open("l.csv", "w", encoding="utf-8") as f:
    f.write("ref,url,contact_email,contact_name,agent_type,agent,area,price,round,posted_on,title\n")
    for i, (ref, agent) in enumerate(rows):
        f.write(f"{ref},https://example.org/{i},x{i}@example.org,X,agency,{agent},Gent,900,1,2026-11-02,\n")
PY
expect_exit 0 ct -S s listings import l.csv

secret=$(sqlite3 s/study.db "SELECT hex(value) FROM study_secret WHERE name = 'agent_key'")
key() {
	python3 - "$secret" "$1" <<'PY'
import hashlib, hmac, sys, unicodedata
secret, name = bytes.fromhex(sys.argv[1]), sys.argv[2]
n = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
n = " ".join(n.split())
print("ag-" + hmac.new(secret, n.encode(), hashlib.sha256).hexdigest()[:12])
PY
}
k() { sqlite3 s/study.db "SELECT agent_key FROM listing WHERE ref = '$1'"; }
dewaele=$(key "immo dewaele")
for r in D1 D2 D3 D4 D5; do
	[ "$(k $r)" = "$dewaele" ] || fail "$r: key $(k $r), wanted $dewaele (one agent)"
done
genicot=$(key "Immo Génicot")
for r in G1 G2 G3; do
	[ "$(k $r)" = "$genicot" ] || fail "$r: key $(k $r), wanted $genicot (NFD and NFC are one agent)"
done
[ "$(k S1)" = "$(k S2)" ] && [ "$(k S1)" = "$(key 'strasse vastgoed')" ] || fail "ß folds to ss"
[ "$(k O1)" != "$dewaele" ] || fail "another agent got the same key"
[ "$(sqlite3 s/study.db "SELECT count(DISTINCT agent_key) FROM listing")" = 4 ] || fail "4 agents"

# The display name is kept as written (NFD stays NFD, the no-break space stays).
py_name() { python3 -c 'import sys; print(sys.argv[1].encode().hex())' "$1"; }
got=$(sqlite3 s/study.db "SELECT hex(agent_name) FROM listing_contact c JOIN listing l ON l.id = c.listing WHERE ref = 'G2'")
[ "$got" = "$(py_name "$(printf 'Immo Ge\314\201nicot')" | tr a-f A-F)" ] || fail "display name changed: $got"
got=$(sqlite3 s/study.db "SELECT hex(agent_name) FROM listing_contact c JOIN listing l ON l.id = c.listing WHERE ref = 'D3'")
[ "$got" = "$(py_name "$(printf 'Immo\302\240Dewaele')" | tr a-f A-F)" ] || fail "display name changed: $got"

# A zero-width space between the words: refused at the door (the one text
# rule), or else read as the space it stands for; never a new agent.
printf 'ref,url,contact_email,contact_name,agent_type,agent,area,price,round,posted_on,title\nZ1,https://example.org/z,z@example.org,X,agency,Immo\342\200\213Dewaele,Gent,900,1,2026-11-02,\n' >z.csv
set +e; ct -S s listings import z.csv >out.txt 2>err.txt; rc=$?; set -e
case $rc in
0) [ "$(k Z1)" = "$dewaele" ] || fail "Immo<ZWSP>Dewaele: a new agent $(k Z1)" ;;
2) ;;
*) cat err.txt; fail "import exited $rc" ;;
esac
