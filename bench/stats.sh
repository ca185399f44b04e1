#!/bin/sh
# bench/stats.sh [BINARY] [PAIRS]: the time `corrtest stats` takes on a study
# of PAIRS valid-or-excluded pairs (default 1,000,000), against the same
# paired tables computed by R (base R, one vectorised pass; Python when R is
# absent) from the study's exported CSV, measured side by side in one run.
# The study is written straight into SQLite by the sqlite3 shell (a few
# seconds), not through a million CLI calls: 8 personas, PAIRS listings with
# agent keys, areas and rounds, one control and one test application per
# listing (the test group rotating over the three test groups), about 1% of
# applications bounced, and responses for about 70% of the applications.
# Both sides count the pairs and the cells a, b, c, d per test group; the
# script fails unless they agree, then prints the times and their ratio.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$here")
BIN=${1:-$TOP/bin/corrtest}
N=${2:-1000000}
W=$(mktemp -d "${TMPDIR:-/tmp}/ct-bench-stats.XXXXXX")
# KEEP=DIR keeps the study there (for profiling) instead of removing it.
trap 'if [ -n "${KEEP:-}" ]; then rm -rf "$KEEP"; mv "$W/s" "$KEEP"; fi; rm -rf "$W"' EXIT
trap 'exit 1' INT TERM
cd "$W"

now() { date +%s.%N; }
secs() { echo "$1 $2" | awk '{ printf "%.2f", $2 - $1 }'; }

t0=$(now)
CORRTEST_NOW=2026-11-22T12:00:00Z "$BIN" init s --seed 7 --start 2026-12-07 >/dev/null
# Outcomes come from a multiplicative hash of the application id, so that
# every run builds the same study. The control (belgian) is positive more
# often than the test candidates: the table has discrimination to find.
sqlite3 s/study.db >/dev/null <<EOF
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
BEGIN;
INSERT INTO persona (grp, gender, first_name, last_name, email, phone, profile, drawn_at)
SELECT g.id, x.gender, 'F' || g.name, 'L' || x.gender, g.name || '.' || x.gender || '@corrtest.invalid',
       '+32 460 00 00 00', '{}', '2026-12-01T00:00:00Z'
FROM grp g, (SELECT 'female' AS gender UNION ALL SELECT 'male') x;
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $N)
INSERT INTO listing (id, ref, agent_type, agent_key, area, round, added_at)
SELECT i, 'L' || i, CASE i % 3 WHEN 0 THEN 'private' ELSE 'agency' END,
       printf('ag-%012x', (i * 7919) % 40000), 'area ' || (i % 37), 1 + i % 2,
       '2026-12-01T00:00:00Z' FROM seq;
INSERT INTO application (id, listing, persona, variant, position, scheduled_at, status, sent_at)
SELECT 2 * l.id - 1, l.id,
       (SELECT p.id FROM persona p JOIN grp g ON g.id = p.grp
        WHERE g.role = 'control' AND p.gender = CASE l.id % 2 WHEN 0 THEN 'female' ELSE 'male' END),
       1 + l.id % 3, 1 + l.id % 2, '2026-12-07T09:00:00Z',
       CASE WHEN (l.id * 2654435761) % 1000 < 5 THEN 'bounced' ELSE 'sent' END, '2026-12-07T09:00:00Z'
FROM listing l;
INSERT INTO application (id, listing, persona, variant, position, scheduled_at, status, sent_at)
SELECT 2 * l.id, l.id,
       (SELECT p.id FROM persona p JOIN grp g ON g.id = p.grp
        WHERE g.id = (SELECT min(id) FROM grp WHERE role = 'test') + l.id % 3
          AND p.gender = CASE l.id % 2 WHEN 0 THEN 'female' ELSE 'male' END),
       1 + (l.id + 1) % 3, 2 - l.id % 2, '2026-12-07T12:00:00Z',
       CASE WHEN (l.id * 40503) % 1000 < 5 THEN 'bounced' ELSE 'sent' END, '2026-12-07T12:00:00Z'
FROM listing l;
INSERT INTO response (application, channel, outcome, coder, coded_at)
SELECT a.id, 'email',
       CASE WHEN h < 300 + 100 * (a.id % 2) THEN 'invitation' WHEN h < 450 THEN 'info'
            WHEN h < 550 THEN 'refusal' ELSE 'no_reply' END,
       'bench', '2026-12-10T00:00:00Z'
FROM (SELECT id, x % 1000 AS h, x / 1000 % 10 AS k
      FROM (SELECT id, ((id % 65521) * (id % 65519) * 40503 + id * 2654435761) % 4294967291 AS x
            FROM application)) a
WHERE a.k < 7;
COMMIT;
PRAGMA journal_mode = DELETE;
EOF
t1=$(now)
pairs=$(sqlite3 s/study.db "SELECT count(*) FROM listing")
echo "study: $pairs listings, $(sqlite3 s/study.db 'SELECT count(*) FROM application') applications, $(sqlite3 s/study.db 'SELECT count(*) FROM response') responses, built in $(secs "$t0" "$t1") s"

# corrtest: the whole stats command, from opening the study to the JSON.
t0=$(now)
"$BIN" -S s stats --json >stats.json
t1=$(now)
ct_secs=$(secs "$t0" "$t1")
python3 - stats.json >ct.txt <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
for g in j["groups"]:
    print(g["group"], g["n"], g["a"], g["b"], g["c"], g["d"])
EOF

# The other side: the exported responses, read and tabulated.
t0=$(now)
"$BIN" -S s export responses --csv -o responses.csv
t1=$(now)
exp_secs=$(secs "$t0" "$t1")
if command -v Rscript >/dev/null 2>&1; then
	other=R
	cat >tab.R <<'EOF'
# One vectorised pass: each listing's control row (group belgian) beside
# its test row; a pair is valid when both were sent; positive = invitation.
d <- read.csv("responses.csv", colClasses = "character", na.strings = character(0))
ctl <- d[d$group == "belgian", c("listing_ref", "status", "outcome")]
tst <- d[d$group != "belgian", c("listing_ref", "group", "status", "outcome")]
m <- merge(ctl, tst, by = "listing_ref", suffixes = c(".c", ".t"))
m <- m[m$status.c == "sent" & m$status.t == "sent", ]
pc <- m$outcome.c == "invitation"; pt <- m$outcome.t == "invitation"
for (g in c("maghrebi", "turkish", "african")) {
  s <- m$group == g
  cat(g, sum(s), sum(s & pc & pt), sum(s & pc & !pt), sum(s & !pc & pt), sum(s & !pc & !pt), "\n")
}
EOF
	t0=$(now)
	Rscript tab.R >other.txt
	t1=$(now)
else
	other=Python
	cat >tab.py <<'EOF'
import csv, collections
rows = collections.defaultdict(dict)
for r in csv.DictReader(open("responses.csv", newline="")):
    side = "c" if r["group"] == "belgian" else "t"
    rows[r["listing_ref"]][side] = r
cells = collections.defaultdict(lambda: [0, 0, 0, 0, 0])
for p in rows.values():
    c, t = p.get("c"), p.get("t")
    if not c or not t or c["status"] != "sent" or t["status"] != "sent":
        continue
    pc, pt = c["outcome"] == "invitation", t["outcome"] == "invitation"
    x = cells[t["group"]]
    x[0] += 1
    x[1 + (0 if pc and pt else 1 if pc else 2 if pt else 3)] += 1
for g in ("maghrebi", "turkish", "african"):
    print(g, *cells[g])
EOF
	t0=$(now)
	python3 tab.py >other.txt
	t1=$(now)
fi
other_secs=$(secs "$t0" "$t1")
sed -i 's/ *$//' other.txt
if ! cmp -s ct.txt other.txt; then
	echo "MISMATCH between corrtest and $other (group n a b c d):" >&2
	paste ct.txt other.txt >&2
	exit 1
fi
echo "paired tables agree (group n a b c d):"
sed 's/^/  /' ct.txt
echo "corrtest stats --json:            $ct_secs s"
echo "$other from the exported CSV:      $other_secs s (export itself: $exp_secs s)"
echo "$ct_secs $other_secs" | awk -v o="$other" '{ printf "ratio %s / corrtest: %.1fx\n", o, $2 / $1 }'
