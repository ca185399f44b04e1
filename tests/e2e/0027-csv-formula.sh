# CSV written by corrtest is safe to open in a spreadsheet: a cell that
# starts with =, +, -, @ (a landlord's area or a listing's ref such as
# =HYPERLINK("http://x.example","y")) is written as text, with a single
# quote in front and quoted (OWASP's advice), in export and stats --csv;
# numbers, negative ones included, stay numbers. Read back with Python's
# csv module, as an analyst would.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-12-15T10:00:00Z CORRTEST_ACTOR=tester
new_study s
ct -S s personas >/dev/null
cat >log.csv <<'CSV'
listing,group,gender,outcome,agent_type,area
-1 Kouter,belgian,female,refusal,agency,"=HYPERLINK(""http://x.example"",""y"")"
-1 Kouter,maghrebi,female,invitation,,
@2 Veld,belgian,male,refusal,private,"=HYPERLINK(""http://x.example"",""y"")"
@2 Veld,turkish,male,invitation,,
+3 Markt,belgian,female,invitation,agency,+32 Gent
+3 Markt,african,female,refusal,,
CSV
ct -S s import log.csv >/dev/null
ct -S s export responses --csv >export.csv
ct -S s stats --by area --csv >stats.csv

python3 - <<'PY'
import csv
rows = list(csv.DictReader(open("export.csv", newline="", encoding="utf-8")))
assert len(rows) == 6, rows
link = '=HYPERLINK("http://x.example","y")'
# Every cell a spreadsheet would run is text, and the text is kept whole.
for r in rows:
    for k, v in r.items():
        assert not v or v[0] not in "=+-@\t\r", (k, v)
assert {r["listing_ref"] for r in rows} == {"'-1 Kouter", "'@2 Veld", "'+3 Markt"}, rows
assert {r["area"] for r in rows} == {"'" + link, "'+32 Gent"}, rows
# Numbers stay numbers: round is 1 everywhere.
assert all(r["round"] == "1" for r in rows)

s = list(csv.DictReader(open("stats.csv", newline="", encoding="utf-8")))
strata = {r["stratum"] for r in s}
assert strata == {"all", "'+32 Gent", "'" + link}, strata
# By hand: in each test group's one pair the test candidate was invited and
# the control was not (maghrebi, turkish) or the reverse (african): the
# difference control - test is -1 and 1, written as numbers.
by = {(r["group"], r["stratum"]): r for r in s}
assert by[("maghrebi", "all")]["diff"] == "-1", by[("maghrebi", "all")]["diff"]
assert float(by[("maghrebi", "all")]["diff"]) == -1.0
assert by[("african", "all")]["diff"] == "1"
for r in s:
    for k in ("n", "a", "b", "c", "d", "diff", "rate_control", "mcnemar_exact_p"):
        if r[k]:
            float(r[k])
PY
# The raw file shows the guard as a spreadsheet reads it: quoted, quote first.
grep -q "\"'=HYPERLINK(\"\"http://x.example\"\",\"\"y\"\")\"" export.csv || fail "raw export"
