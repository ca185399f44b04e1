# 0510-cv-judge.sh: the issue's judge (issue 13) on a job study in each
# language. For nl (Gent), fr (Liège) and en (Brussels): 30 vacancies over
# eight occupation families and three levels, assigned and composed to an
# outbox; then, read back with independent tools only:
#  - cv_judge.py (Python's e-mail package, poppler's pdftotext, pdffonts,
#    pdfinfo): the MIME attachment, the fonts, A4, the metadata, the pair's
#    texts differing in identity and phrasing only;
#  - `export cv`: one row per application with a CV, and every attribute
#    column equal to the cv table's attrs JSON (parsed by Python's json);
#  - every letter mentions the attached CV in the study's language, and
#    does not state an occupation the CV contradicts;
#  - the judge itself fails on one pair given each of 16 real defects
#    (cv_judge_mutants.py).
# One pair is shown (cv_judge.py --show) only when something fails.
. "$(dirname "$0")/lib.sh"

isco_csv() {
	# ref,...,isco,occupation,level: 30 vacancies cycling over eight ISCO
	# codes (accountants, office clerks, nurses, software developers, shop
	# assistants, stock clerks, cooks, electricians) and three levels.
	python3 - "$1" "$2" <<'PY'
import sys
path, city = sys.argv[1], sys.argv[2]
codes = [("2411", "Accountant"), ("4110", "Office clerk"), ("2221", "Nurse"),
         ("2512", "Software developer"), ("5223", "Shop assistant"), ("4321", "Stock clerk"),
         ("5131", "Waiter"), ("7411", "Electrician")]
levels = ["none", "secondary", "bachelor"]
with open(path, "w", encoding="utf-8") as f:
    f.write("ref,url,contact_email,contact_name,agent_type,agent,area,round,posted_on,title,isco,occupation,level\n")
    for i in range(30):
        code, occ = codes[i % 8]
        f.write(f"V{i + 1},https://jobs.example.org/{i + 1},hr{i + 1}@example.test,HR {i + 1},"
                f"{'agency' if i % 3 == 0 else 'private'},Firm {i + 1},\"{city}\",1,2026-11-20,"
                f"{occ},{code},{occ},{levels[i % 3]}\n")
PY
}

for lc in nl:Gent fr:Liège en:Brussels; do
	L=${lc%%:*} city=${lc#*:}
	new_study $L --market job --lang $L --city "$city"
	ct -S $L personas >/dev/null
	isco_csv $L.csv "$city"
	expect_exit 0 ct -S $L listings import $L.csv
	expect_out '^Imported 30 listings'
	expect_exit 0 ct -S $L assign
	expect_out '^60 CVs drawn\.$'
	expect_exit 0 ct -S $L compose --outbox $L-outbox
	[ "$(ls $L-outbox/new | wc -l)" = 60 ] || fail "$L: the outbox holds $(ls $L-outbox/new | wc -l) messages, not 60"

	# The judge; one pair shown only on failure.
	if ! python3 "$E2E_DIR/cv_judge.py" $L $L-outbox >judge.txt 2>&1; then
		cat judge.txt >&2
		python3 "$E2E_DIR/cv_judge.py" $L $L-outbox --show >&2 || :
		fail "$L: cv_judge.py failed"
	fi

	# The judge fails on real defects: one pair's messages each given one
	# defect (a MIME one, a PDF one, a CV rendered from other attributes, a
	# recorded attribute changed), see cv_judge_mutants.py.
	if [ $L = nl ]; then
		python3 "$E2E_DIR/cv_judge_mutants.py" $L $L-outbox >mutants.txt 2>&1 ||
			{ cat mutants.txt >&2; fail "cv_judge.py passes a defect"; }
	fi

	# export cv against the cv table, and the letters.
	expect_exit 0 ct -S $L export cv -o $L-cv.csv
	python3 - $L $L-cv.csv $L-outbox <<'PY' || fail "$L: export cv or the letters are wrong"
import csv, email, email.policy, json, os, re, sqlite3, sys
study, path, outbox = sys.argv[1:]
lang = study
db = sqlite3.connect(os.path.join(study, "study.db"))
cvs = {aid: (lay, phr, fam, json.loads(attrs)) for aid, lay, phr, fam, attrs in
       db.execute("SELECT application, layout, phrasing, family, attrs FROM cv")}
napps = db.execute("SELECT count(*) FROM application a WHERE EXISTS (SELECT 1 FROM cv WHERE cv.application = a.id)").fetchone()[0]
with open(path, encoding="utf-8", newline="") as f:
    rows = list(csv.DictReader(f))
assert len(rows) == napps == len(cvs) == 60, (len(rows), napps, len(cvs))
assert len({r["application_id"] for r in rows}) == len(rows), "an application twice"
keys = set().union(*(a.keys() for _, _, _, a in cvs.values()))
header = set(rows[0].keys())
missing = keys - header
assert not missing, f"attribute columns missing from export cv: {sorted(missing)}"
meta = db.execute("SELECT a.id, l.ref, g.name, p.gender, a.position, l.isco, l.level FROM application a"
                  " JOIN listing l ON l.id = a.listing JOIN persona p ON p.id = a.persona"
                  " JOIN grp g ON g.id = p.grp").fetchall()
meta = {m[0]: m[1:] for m in meta}
for r in rows:
    aid = int(r["application_id"])
    lay, phr, fam, attrs = cvs[aid]
    ref, grp, gender, pos, isco, level = meta[aid]
    assert (r["listing_ref"], r["group"], r["gender"], r["position"]) == (ref, grp, gender, str(pos)), (aid, r)
    assert (r["layout"], r["phrasing"], r["family"]) == (str(lay), str(phr), fam), (aid, r)
    assert (r["isco"], r["level"]) == (isco or "", level or ""), (aid, r["isco"], r["level"], isco, level)
    for k in keys:
        assert r[k] == attrs.get(k, ""), (aid, k, r[k], attrs.get(k))
# The letters: the CV named in the study's language; the occupation the
# study's [profile] states (a nurse) only in letters whose CV is a nurse's
# (checked after the three languages, below).
cv = r"\b(cv|curriculum vitae|résumé)\b"
attached = {"nl": r"\b(bijlage|bijgevoegd|voeg)\b", "fr": r"\b(ci-)?jointe?\b",
            "en": r"\b(attached|enclosed)\b"}[lang]
# The CV and "attached" in one sentence (no full stop between them).
mention = rf"{cv}[^.]*{attached}|{attached}[^.]*{cv}"
nurse = {"nl": r"verpleegkund", "fr": r"infirmi", "en": r"\bnurs"}[lang]
occ = []
by_mid = {mid: aid for aid, mid in db.execute("SELECT id, message_id FROM application")}
bad = []
for fn in sorted(os.listdir(os.path.join(outbox, "new"))):
    m = email.message_from_bytes(open(os.path.join(outbox, "new", fn), "rb").read(), policy=email.policy.default)
    text = m.get_body(("plain",)).get_content()
    aid = by_mid[m["Message-ID"]]
    if not re.search(mention, text, re.I | re.S):
        bad.append(f"{fn}: the letter does not mention the attached CV in {lang}: {text!r}")
    fam = cvs[aid][2]
    said = [s.strip() for s in re.split(r"(?<=[.;])\s", text) if re.search(nurse, s, re.I)]
    if said and fam != "nursing":
        occ.append(f"{lang} application {aid}: the CV is a {fam} CV ({cvs[aid][3].get('profile.headline')!r}),"
                   f" the letter says: {said[0]!r}")
for b in bad[:6]:
    print(b, file=sys.stderr)
if bad:
    print(f"{len(bad)} letter problems", file=sys.stderr)
with open("occupation.txt", "a", encoding="utf-8") as f:
    f.writelines(o + "\n" for o in occ)
sys.exit(1 if bad else 0)
PY
done

# A letter must not contradict its CV: "I am a nurse" over an accountant's
# CV tells the employer the application is odd (the issue: "personas whose
# profile fits the occupation").
if [ -s occupation.txt ]; then
	head -6 occupation.txt >&2
	fail "$(wc -l <occupation.txt) letters state the study's nursing profile while their CV is of another occupation"
fi
