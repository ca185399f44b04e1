# export codebook (issue 13): one row per column of the assignments,
# responses and followups exports, in the order the exports have them (read
# from the exports' own headers here), with the study's groups, genders and
# variants as values; the outcome's five values each described with the
# coding codebook's definition and exactly the sub-codes of the study's
# market (read here from templates/coding/codebook.ini with Python's
# configparser); a job study also has its vacancy columns and the cv
# export's columns, a housing study neither.
. "$E2E_DIR/lib.sh"
new_study j --market job --lang fr --city Liège
new_study h --market housing --lang nl --city Gent
for s in j h; do
	ct -S $s personas >/dev/null
	if [ $s = j ]; then
		printf 'ref,agent_type,isco\nL1,private,2411\nL2,agency,4110\n' >l.csv
	else
		printf 'ref,agent_type\nL1,private\nL2,agency\n' >l.csv
	fi
	ct -S $s listings import l.csv >/dev/null
	ct -S $s assign >/dev/null
	for k in assignments responses followups; do
		expect_exit 0 ct -S $s export $k -o $s-$k.csv
	done
	expect_exit 0 ct -S $s export codebook -o $s-codebook.csv
done
expect_exit 0 ct -S j export codebook
cmp -s out.txt j-codebook.csv || fail "codebook on stdout and in a file differ"
expect_exit 2 ct -S j export codebook --json
python3 - "$TOP/templates/coding/codebook.ini" <<'PY'
import configparser, csv, sys
ini = configparser.ConfigParser(comment_prefixes=(";",), interpolation=None)
ini.read(sys.argv[1], encoding="utf-8")
outcomes = ["invitation", "info", "refusal", "other", "no_reply"]
for s, market in (("j", "job"), ("h", "housing")):
    rows = list(csv.DictReader(open("%s-codebook.csv" % s, newline="", encoding="utf-8")))
    assert list(rows[0].keys()) == ["file", "variable", "type", "values", "meaning"], rows[0].keys()
    # Every export's columns, in order, each once (the outcome's value rows aside).
    for k in ("assignments", "responses", "followups"):
        header = next(csv.reader(open("%s-%s.csv" % (s, k), newline="", encoding="utf-8")))
        described = [r["variable"] for r in rows if r["file"] == k and r["type"] != "value"]
        assert described == header, (s, k, described, header)
        assert all(r["meaning"] for r in rows if r["file"] == k), (s, k)
    byvar = {(r["file"], r["variable"]): r for r in rows if r["type"] != "value"}
    # The study's own values.
    groups = byvar[("assignments", "group")]["values"]
    for g in ("belgian", "maghrebi"):
        assert g + " (" in groups, groups
    assert byvar[("responses", "gender")]["values"] == "female|male", byvar[("responses", "gender")]
    assert byvar[("assignments", "variant")]["values"] == "1 to 3"
    # The outcome's values: the codebook's definition and the market's sub-codes.
    vals = [r for r in rows if r["file"] == "responses" and r["type"] == "value"]
    assert [r["values"] for r in vals] == outcomes, [r["values"] for r in vals]
    for r in vals:
        o = r["values"]
        assert ini[o]["definition"] in r["meaning"], (o, r["meaning"])
        subs = [sec for sec in ini.sections() if sec.startswith(o + ".")]
        for sec in subs:
            here = market in ini[sec]["markets"].split()
            assert (sec + " (") in r["meaning"] if here else (sec + " (") not in r["meaning"], (s, sec)
    inv = vals[0]["meaning"]
    assert ("interview" in inv.split(".")[0]) == (market == "job"), inv
    job_rows = {"isco", "occupation"} & {r["variable"] for r in rows}
    cv_rows = [r for r in rows if r["file"] == "cv"]
    if market == "job":
        assert job_rows == {"isco", "occupation"}
        assert [r["variable"] for r in cv_rows][:11] == ["listing_ref", "application_id", "group",
            "gender", "position", "layout", "phrasing", "family", "isco", "level", "kind"], cv_rows
        assert "node" in cv_rows[-1]["meaning"]
    else:
        assert not job_rows and not cv_rows
print("ok")
PY
