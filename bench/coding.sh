#!/bin/sh
# bench/coding.sh [N]: decoding plus coding, replies per second, on one
# core, for
# 'corrtest code --classify' and for a Python email + re version of the
# same rules (same rule files, same negation-by-overlap and conflict
# logic, quotes cut at the first quote marker), side by side in one run.
# N replies (default 4000) drawn in turn from the labelled corpora
# (tests/fixtures/replies*: every MIME shape, charset and language they
# hold). One core: both run single-threaded. Then a
# study row: code 2,000 stored replies and draw the second-coder sample.
set -eu
N=${1:-4000}
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$TOP/bin/corrtest
[ -x "$BIN" ] || { echo "build first: make" >&2; exit 3; }
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
# The replies, and per language the list of those in it (labels.csv).
python3 - "$TOP/tests/fixtures" "$W" "$N" <<'PY'
import csv, glob, os, shutil, sys
top, w, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = []
for lab in sorted(glob.glob(top + "/replies*/labels.csv")):
    d = os.path.dirname(lab)
    rows += [(os.path.join(d, r["file"]), r["lang"]) for r in csv.DictReader(open(lab, encoding="utf-8"))]
lists = {"all": [], "nl": [], "fr": [], "en": []}
for i in range(n):
    src, lang = rows[i % len(rows)]
    dst = "%s/m%d.eml" % (w, i)
    shutil.copyfile(src, dst)
    lists["all"].append(dst)
    lists[lang].append(dst)
for k, v in lists.items():
    open("%s/list.%s" % (w, k), "w").write("\n".join(v) + "\n")
PY
# Fastest of three runs each: every language's rules on every reply (as
# 'code --classify' without --lang), then each language's replies with
# --lang (as a study of one language codes them).
best() { sort -n | head -1; }
run_all() { for k in 1 2 3; do
	t0=$(date +%s.%N); xargs "$BIN" code --classify --json <"$W/list.all" >"$W/c.json"; t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc; done | best; }
run_lang() { for k in 1 2 3; do
	t0=$(date +%s.%N)
	for l in nl fr en; do xargs "$BIN" code --classify --lang $l --json <"$W/list.$l" >"$W/c.$l.json"; done
	t1=$(date +%s.%N); echo "$t1 - $t0" | bc; done | best; }
c_all=$(run_all)
c_lang=$(run_lang)
# Start-up alone (loading, compiling and reading the rules; one reply): what
# a run pays once, whatever its size.
c_one=$(for k in 1 2 3; do
	t0=$(date +%s.%N); "$BIN" code --classify --json "$(head -1 "$W/list.all")" >/dev/null; t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc; done | best)
# Python on the first 1,000 of them (its rate is what is compared).
head -1000 "$W/list.all" >"$W/list.py"
t1=$(date +%s.%N)
python3 - "$TOP/templates/coding" "$W/list.py" >"$W/p.txt" <<'PY'
import email, email.policy, re, sys
rules = []
for lang in ("nl", "fr", "en"):
    for no, line in enumerate(open(f"{sys.argv[1]}/rules-{lang}.txt", encoding="utf-8"), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        prio, code, rest = s.split(None, 2)
        m = re.match(r"/((?:\\.|[^/\\])*)/", rest)
        rules.append((int(prio), code.lstrip("!"), code.startswith("!"),
                      re.compile(m.group(1), re.I), f"{lang}:{no}"))
quote = re.compile(r"^(>|Op .*schreef|Le .*a écrit|On .*wrote|-----Original|Van:|De :|From:)", re.M)
def classify(text):
    spans = [(r, [m.span() for m in r[3].finditer(text)]) for r in rules]
    cancels = [(r, s) for r, s in spans if r[2] and s]
    best = {}
    for r, s in spans:
        if r[2] or not s:
            continue
        ok = any(not any(c[1] == r[1] or r[1].startswith(c[1] + ".")
                         for c, cs in cancels for (a, b) in cs if a < e and st < b)
                 for st, e in s)
        if ok:
            o = r[1].split(".")[0]
            if o not in best or r[0] < best[o][0]:
                best[o] = r
    return None if len(best) != 1 else next(iter(best.values()))[1]
n = 0
for path in open(sys.argv[2]).read().split():
    msg = email.message_from_binary_file(open(path, "rb"), policy=email.policy.default)
    part = msg.get_body(("plain", "html"))
    text = part.get_content() if part else ""
    m = quote.search(text)
    classify(text[:m.start()] if m else text)
    n += 1
print(n)
PY
t2=$(date +%s.%N)
awk -v n="$(wc -l <"$W/list.all")" -v np="$(wc -l <"$W/list.py")" -v c="$c_all" -v cl="$c_lang" \
    -v c1="$c_one" -v p="$(echo "$t2 - $t1" | bc)" 'BEGIN {
	printf "replies                              %d\n", n
	printf "corrtest code --classify (all rules) %8.0f replies/s (%.2f s)\n", n / c, c
	printf "  start-up (one reply)               %8.3f s; after it %.0f replies/s\n", c1, (n - 1) / (c - c1)
	printf "corrtest code --classify --lang L    %8.0f replies/s (%.2f s, three runs)\n", n / cl, cl
	printf "python email + re (all rules)        %8.0f replies/s (%d replies, %.2f s)\n", np / p, np, p
	printf "ratio (all rules)                    %8.1f x\n", (n / c) / (np / p) }'

# A study row (not a timed test): 2,000 replies stored as fetch stores them
# (raw bytes in message, linked, kind reply; the way tests/e2e/0207 inserts
# them), then 'corrtest code' (rules code every uncoded reply) and
# 'corrtest code --second' (the second coder's sample), each timed.
S=$W/study
CORRTEST_NOW=2026-12-20T12:00:00Z; export CORRTEST_NOW
"$BIN" init "$S" --seed 20261122 --start 2026-12-07 >/dev/null
"$BIN" -S "$S" personas >/dev/null
python3 - "$W/listings.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("ref,agent_type\n")
    for i in range(1, 1001):
        f.write("L%d,private\n" % i)
PY
"$BIN" -S "$S" listings import "$W/listings.csv" >/dev/null
sqlite3 "$S/study.db" "INSERT INTO application (listing, persona, variant, position, scheduled_at, status, sent_at)
   SELECT l.id, p.id, 1, CASE g.name WHEN 'belgian' THEN 1 ELSE 2 END, '2026-12-07T09:00:00Z', 'sent',
	  '2026-12-07T09:00:00Z'
   FROM listing l, persona p JOIN grp g ON g.id = p.grp
   WHERE g.name IN ('belgian', 'maghrebi') AND p.gender = 'female'"
sqlite3 "$S/study.db" "SELECT id FROM application ORDER BY id LIMIT 2000" >"$W/apps.txt"
python3 - "$W/apps.txt" "$TOP/tests/fixtures" >"$W/replies.sql" <<'PY'
import glob, sys
files = sorted(glob.glob(sys.argv[2] + "/replies*/*.eml"))
print("BEGIN;")
for k, app in enumerate(open(sys.argv[1]).read().split()):
    raw = open(files[k % len(files)], "rb").read()
    mid = 1000 + k
    print("INSERT INTO message (id, application, direction, raw, sha256, at, message_id, kind, "
          "from_addr) VALUES (%d, %s, 'in', X'%s', 'h%d', '2026-12-08T10:00:00Z', "
          "'<r%d@example.org>', 'reply', 'owner@example.org');" % (mid, app, raw.hex(), mid, mid))
print("COMMIT;")
PY
sqlite3 "$S/study.db" <"$W/replies.sql"
nrep=$(sqlite3 "$S/study.db" "SELECT count(*) FROM message WHERE direction = 'in'")
t0=$(date +%s.%N)
CORRTEST_ACTOR=bench "$BIN" -S "$S" code >/dev/null
t1=$(date +%s.%N)
CORRTEST_ACTOR=bench "$BIN" -S "$S" code --second --seed 11 --export "$W/second.csv" >/dev/null
t2=$(date +%s.%N)
ncoded=$(sqlite3 "$S/study.db" "SELECT count(*) FROM coding")
nsample=$(sqlite3 "$S/study.db" "SELECT count(*) FROM coding_sample")
echo "study: $nrep replies, $ncoded codes stored by the rules, $nsample drawn for the second coder"
awk -v n="$nrep" -v c="$(echo "$t1 - $t0" | bc)" -v s="$(echo "$t2 - $t1" | bc)" 'BEGIN {
	printf "study: code %d replies   %8.3f s\n", n, c
	printf "study: code --second      %8.3f s\n", s
	printf "study: both               %8.3f s (target < 1 s)\n", c + s }'
