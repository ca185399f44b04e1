# 0500-cv.sh: the CVs of a job study (issue 13). Bad input refused with
# exit 2 naming the listing or FILE:LINE, the study unchanged; then
# `assign` draws every pair's CVs, `cv --balance` counts them per group,
# `export cv` writes the codebook, `cv APP` shows one.
. "$(dirname "$0")/lib.sh"
new_study s --market job --lang nl --city Gent
ct -S s personas >/dev/null
i=1
while [ $i -le 40 ]; do ct -S s listings add --ref J$i --agent-type private >/dev/null; i=$((i + 1)); done
# ISCO codes cycling over accounting, administration, nursing, IT.
sqlite3 s/study.db "UPDATE listing SET isco = CASE id % 4 WHEN 0 THEN '2411' WHEN 1 THEN '4110'
	WHEN 2 THEN '2221' ELSE '2512' END"

# A code no family covers (6111, field crop growers).
sqlite3 s/study.db "UPDATE listing SET isco = '6111' WHERE ref = 'J7'"
before=$(snapshot s)
expect_exit 2 ct -S s assign
expect_err 'listing J7: ISCO code 6111 is in no occupation family'
[ "$(snapshot s)" = "$before" ] || fail "a refused assign changed the study"
# A vacancy asking for a master while the candidates hold a bachelor.
sqlite3 s/study.db "UPDATE listing SET isco = '2411', level = 'master' WHERE ref = 'J7'"
before=$(snapshot s)
expect_exit 2 ct -S s assign
expect_err 'listing J7 asks for a master degree, above .*level = bachelor'
[ "$(snapshot s)" = "$before" ] || fail "a refused assign changed the study"
sqlite3 s/study.db "UPDATE listing SET level = 'bachelor' WHERE ref = 'J7'"
# A study template with a line that does not read (line 3).
printf '[families]\nacc = 2411\nthis is not a key\n' > s/cv.ini
sed -i 's/^template =$/template = cv.ini/' s/study.ini
grep -q '^template = cv.ini$' s/study.ini || fail "the preset has no [cv] template key"
before=$(snapshot s)
expect_exit 2 ct -S s assign
expect_err 'cv.ini:3: not .key = value'
expect_exit 2 ct -S s cv --check
expect_err 'cv.ini:3:'
[ "$(snapshot s)" = "$before" ] || fail "a refused assign changed the study"
# A worded alternative of three sides.
printf '[families]\nacc = 2411\n[contact]\nphone = a || b || c\n' > s/cv.ini
expect_exit 2 ct -S s cv --check
expect_err 'cv.ini:4: a worded alternative has more than two sides'
sed -i 's/^template = cv.ini$/template =/' s/study.ini
# A profile whose years cannot fit a bachelor (31 - 12 = 19 < 21).
sed -i 's/^experience_years = 10$/experience_years = 12/' s/study.ini
line=$(grep -n '^experience_years = 12$' s/study.ini | cut -d: -f1)
expect_exit 2 ct -S s assign
expect_err "study.ini:$line: .*experience_years = 12"
sed -i 's/^experience_years = 12$/experience_years = 10/' s/study.ini

# The real thing.
expect_exit 0 ct -S s cv --check
expect_out 'accounting, administration, nursing, it, sales, logistics, hospitality, technician'
expect_exit 0 ct -S s assign
expect_out '^80 CVs drawn\.$'
[ "$(sqlite3 s/study.db 'SELECT count(*) FROM cv')" = 80 ] || fail "not 80 CV rows"
[ "$(sqlite3 s/study.db "SELECT count(*) FROM event WHERE action = 'cv.draw'")" = 1 ] || fail "no cv.draw event"
# Every pair: different layouts, different phrasings, one creation time.
bad=$(sqlite3 s/study.db "SELECT count(*) FROM cv c1 JOIN application a1 ON a1.id = c1.application
	JOIN application a2 ON a2.listing = a1.listing AND a2.id > a1.id JOIN cv c2 ON c2.application = a2.id
	WHERE c1.layout = c2.layout OR c1.phrasing = c2.phrasing OR c1.created_at <> c2.created_at")
[ "$bad" = 0 ] || fail "$bad pairs share a layout or a phrasing, or differ in creation time"

# The balance: per group the layouts within 2 of half, and the JSON's
# counts agree with the database.
set +e; ct -S s cv --balance --json > bal.json; rc=$?; set -e
[ $rc -le 1 ] || fail "cv --balance exited $rc"
python3 - <<'PY'
import json, sqlite3
b = json.load(open("bal.json"))
assert b["cvs"] == 80, b["cvs"]
db = sqlite3.connect("s/study.db")
want = dict(((g, str(l)), n) for g, l, n in db.execute(
    "SELECT g.name, c.layout, count(*) FROM cv c JOIN application a ON a.id = c.application "
    "JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp GROUP BY 1, 2"))
rows = [r for r in b["counts"] if r["attribute"] == "layout"]
assert len(rows) == 2, rows
for r in rows:
    for g in ("belgian", "maghrebi", "turkish", "african"):
        assert r[g] == want.get((g, r["value"]), 0), (g, r)
for g in ("belgian", "maghrebi", "turkish", "african"):
    n1 = want.get((g, "1"), 0); n2 = want.get((g, "2"), 0)
    assert abs(n1 - n2) <= 4, (g, n1, n2)
t = {r["attribute"]: r for r in b["tests"]}
assert t["layout"]["p"] > 0.5 and t["phrasing"]["p"] > 0.5, t["layout"]
assert "education.school" in t and "skills.items" in t
PY

# The codebook: one row per CV; within a listing the attributes that
# matter are equal and the worded ones differ.
expect_exit 0 ct -S s export cv -o cv.csv
head -1 cv.csv | grep -q '^listing_ref,application_id,group,gender,position,layout,phrasing,family,isco,level,kind,cv.level,' \
	|| fail "export cv header: $(head -1 cv.csv)"
python3 - <<'PY'
import csv, collections
rows = list(csv.DictReader(open("cv.csv", encoding="utf-8")))
assert len(rows) == 80, len(rows)
by = collections.defaultdict(list)
for r in rows:
    by[r["listing_ref"]].append(r)
for ref, (a, b) in by.items():
    for k in ("cv.birth_date", "cv.grad_year", "cv.jobs", "education.degree", "skills.items",
              "languages.items", "experience.job_title.1", "family", "isco"):
        assert a[k] == b[k], (ref, k, a[k], b[k])
    for k in ("layout", "phrasing", "profile.title", "education.school", "experience.employer.1"):
        assert a[k] != b[k], (ref, k)
    assert int(a["cv.birth_date"][:4]) + int(a["cv.age"]) == int(a["cv.reference_date"][:4])
PY

# One application's CV.
expect_exit 0 ct -S s cv 1 --json
python3 -c '
import json; d = json.load(open("out.txt"))
assert d["application_id"] == 1 and d["layout"] in (1, 2)
keys = [a["node"] for a in d["attributes"]]
assert "education.degree" in keys and "cv.birth_date" in keys, keys'
expect_exit 2 ct -S s cv 9999
expect_err 'application 9999 has no CV'
: > taken.pdf
expect_exit 2 ct -S s cv 1 --out taken.pdf
expect_err 'taken.pdf: exists; not overwritten'
[ ! -s taken.pdf ] || fail "taken.pdf was written"
expect_exit 2 ct -S s cv --balance --check

# [cv] attach = yes in a housing study: refused, naming the line.
new_study h --market housing --lang nl
printf '\n[cv]\nattach = yes\n' >> h/study.ini
line=$(grep -n '^attach = yes$' h/study.ini | cut -d: -f1)
expect_exit 2 ct -S h status
expect_err "study.ini:$line: \[cv\] attach: CVs go with job applications only"

# A study's template saved with a byte-order mark (as some Windows editors
# write UTF-8) reads like the same file without it.
{ printf '\357\273\277'; cat "$TOP/templates/job/nl/cv.ini"; } >s/bom.ini
sed -i 's/^template =$/template = bom.ini/' s/study.ini
grep -qx 'template = bom.ini' s/study.ini || fail "bom.ini not selected"
expect_exit 0 ct -S s cv --check
expect_out 'bom.ini'

sed -i 's/^template = bom.ini$/template =/' s/study.ini
