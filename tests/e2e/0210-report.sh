# report: the acceptance test of `corrtest report` (issue 11, "How it will
# be judged"). A study of 240 listings (12 agencies with several listings
# each, private landlords, 4 areas, 2 rounds) and an earlier wave of 160
# listings, some of the same agencies, are imported from CSV files drawn
# with fixed seeds (report_data.py); the report is written in nl, fr, en
# and the study's language, and:
#  - every figure of its JSON block that R computes from the CSV files
#    (tests/r/report_check.R; never from corrtest's output) agrees with R;
#  - the JSON block is the same in the HTML, the Markdown and every language;
#  - the headline figures appear in the HTML and Markdown tables as the
#    language writes them (formatted here from R's values);
#  - the public report names no landlord, agent, contact, URL, ref or agent
#    key; the confidential one names the agents tested twice or more;
#  - headless Chromium renders every chart and prints an A4 PDF;
#  - bad options exit 2, change nothing and leave no partial file.
# Checks do not stop at the first failure: every failed one is listed, then
# the test fails.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2027-01-20T12:00:00Z
here=$E2E_DIR
bad=0
soft() { echo "FAIL: $*" >&2; bad=$((bad + 1)); }
run_py() { python3 "$here/report_compare.py" "$@" || bad=$((bad + 1)); }

# ---- The two waves ----
mkdir sw pw
python3 "$here/report_data.py" s 11 sw
python3 "$here/report_data.py" p 29 pw
new_study s --lang en
new_study p --lang en
for w in s p; do
	ct -S $w personas >/dev/null
	expect_exit 0 ct -S $w listings import ${w}w/listings.csv
	expect_exit 0 ct -S $w import ${w}w/responses.csv
done
# The input files are deterministic: the same seed gives the same bytes.
mkdir again && python3 "$here/report_data.py" s 11 again
cmp -s again/responses.csv sw/responses.csv && cmp -s again/listings.csv sw/listings.csv ||
	fail "report_data.py is not deterministic"

# ---- R's figures, from the CSV files alone ----
Rscript "$TOP/tests/r/report_check.R" sw pw expected.tsv 0.05 || fail "report_check.R failed"

# ---- 1. The report in every language ----
before_s=$(snapshot s)
before_p=$(snapshot p)
langs=""
for L in nl fr en default; do
	if [ $L = default ]; then set -- ; else set -- --lang $L; fi
	set +e
	ct -S s report "$@" --out out-$L --previous p >out.txt 2>err.txt
	rc=$?
	set -e
	if [ $rc -ne 0 ]; then
		soft "report --lang $L exited $rc: $(cat err.txt)"
		[ ! -e out-$L/report.html ] || soft "report --lang $L failed but wrote out-$L/report.html"
		continue
	fi
	[ -s out-$L/report.html ] && [ -s out-$L/report.md ] || { soft "report --lang $L: no report.html or report.md"; continue; }
	[ "$(ls out-$L | tr '\n' ' ')" = "report.html report.md " ] || soft "out-$L holds $(ls out-$L)"
	langs="$langs $L"
done
[ "$(snapshot s)" = "$before_s" ] || soft "report changed the study"
[ "$(snapshot p)" = "$before_p" ] || soft "report changed the earlier wave"

# ---- 2. One JSON block: HTML = Markdown, the same in every language ----
for L in $langs; do
	run_py extract out-$L report block-$L.json
	[ -s block-$L.json ] || continue
	want=$L; [ $L = default ] && want=en
	python3 -c "import json,sys; j=json.load(open('block-$L.json')); sys.exit(j['lang'] != '$want' or j['confidential'])" ||
		soft "block-$L.json: lang is not $want, or confidential"
done
for L in $langs; do
	[ $L = en ] || [ ! -s block-$L.json ] || [ ! -s block-en.json ] || run_py samelang block-en.json block-$L.json
done
# The block carries the design hash and the event log's head.
[ -s block-en.json ] && python3 - <<'EOF' || soft "the JSON block lacks the design hash or the event log head"
import json, re, sys
s = json.load(open("block-en.json"))["study"]
ok = all(isinstance(s.get(k), str) and re.fullmatch(r"[0-9a-f]{64}", s[k]) for k in ("design_hash", "event_head"))
if not ok:
    print("design_hash = %r, event_head = %r" % (s.get("design_hash"), s.get("event_head")))
sys.exit(0 if ok else 1)
EOF

# ---- 3. Every figure R computes ----
[ -s block-en.json ] && run_py values expected.tsv block-en.json

# ---- 4. The headline figures as each language writes them ----
for L in nl fr en; do
	if [ -s block-$L.json ]; then
		run_py text $L out-$L "$TOP/templates/report" expected.tsv block-$L.json
	else
		soft "text $L: no report to read"
	fi
done

# ---- 5. Public and confidential ----
sqlite3 s/study.db "SELECT agent_key FROM listing WHERE agent_key IS NOT NULL AND agent_key <> ''" > keys.txt
[ "$(wc -l < keys.txt)" -gt 100 ] || fail "too few agent keys: $(wc -l < keys.txt)"
python3 - sw/listings.csv > identities.txt <<'EOF'
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    for k in ("ref", "url", "contact_email", "contact_name", "agent"):
        if r[k]:
            print(r[k])
EOF
cat keys.txt >> identities.txt
for L in $langs; do run_py absent out-$L identities.txt; done
expect_exit 0 ct -S s report --confidential --out conf --previous p
[ "$(ls conf | tr '\n' ' ')" = "report-confidential.html report-confidential.md " ] || soft "conf holds $(ls conf)"
# The agents tested on two listings or more, by their name as written and
# their key (worked out from listings.csv; the keys from the study).
python3 - sw/listings.csv s/study.db > twice.txt <<'EOF'
import csv, re, sqlite3, sys
rows = list(csv.DictReader(open(sys.argv[1])))
norm = lambda x: re.sub(r"\s+", " ", x.strip()).lower()
who = {}
for r in rows:
    k = norm(r["agent"] or r["contact_email"])
    if k:
        who.setdefault(k, []).append(r)
db = sqlite3.connect(sys.argv[2])
n = 0
for k, rs in sorted(who.items()):
    if len(rs) >= 2:
        n += 1
        print(rs[0]["agent"] or rs[0]["contact_email"])
        keys = {db.execute("SELECT agent_key FROM listing WHERE ref = ?", (r["ref"],)).fetchone()[0] for r in rs}
        assert len(keys) == 1, (k, keys)
        print(keys.pop())
assert n >= 12, n
EOF
for f in conf/report-confidential.html conf/report-confidential.md; do
	[ -s $f ] && run_py present $f twice.txt
done
[ "$(snapshot s)" = "$before_s" ] || soft "report --confidential changed the study"

# ---- 6. In a real browser, and --pdf ----
for L in en nl; do
	[ -s out-$L/report.html ] || { soft "browser $L: no report"; continue; }
	python3 "$TOP/tests/e2e/browser.py" check out-$L/report.html --screens shots-$L --pdf out-$L.pdf >browser.txt 2>&1 ||
		soft "browser.py check out-$L/report.html: $(cat browser.txt)"
done
set +e; ct -S s report --pdf --out pdfout >out.txt 2>err.txt; rc=$?; set -e
[ $rc -eq 0 ] || soft "report --pdf exited $rc: $(cat err.txt)"
[ "$(head -c 5 pdfout/report.pdf 2>/dev/null)" = "%PDF-" ] || soft "pdfout/report.pdf does not start with %PDF-"

# ---- 7. Bad input: exit 2, a clear message, nothing changed or written ----
badopt() { # REGEX ARGS...
	re=$1; shift
	set +e; ct -S s report "$@" --out badout >out.txt 2>err.txt; rc=$?; set -e
	[ $rc -eq 2 ] || soft "report $* exited $rc, wanted 2"
	grep -Eq -- "$re" err.txt || soft "report $*: stderr '$(cat err.txt)' lacks /$re/"
	[ ! -e badout ] || { soft "report $* left badout: $(ls badout)"; rm -rf badout; }
}
badopt "--lang must be nl, fr or en, not 'de'" --lang de
badopt "--previous /nonexistent" --previous /nonexistent
badopt "--min-tests must be a whole number of 1 or more, not '0'" --min-tests 0
badopt "--alpha must be a number between 0 and 1" --alpha 2
[ "$(snapshot s)" = "$before_s" ] || soft "a rejected report changed the study"
[ "$(snapshot p)" = "$before_p" ] || soft "a rejected report changed the earlier wave"

[ $bad -eq 0 ] || fail "$bad checks (or groups of checks) failed, listed above"
