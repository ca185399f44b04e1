# code (the study modes): the blind queue exported as CSV
# (no candidate's name or address in it), codes imported all or nothing
# with errors named by line, the second coder's sample drawn reproducibly,
# agreement figures equal to an independent Python computation and to R's
# psych::cohen.kappa, and an adjudicated code becoming the analysed
# response.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-12-20T12:00:00Z CORRTEST_ACTOR=tester
new_study s
q() { sqlite3 s/study.db "$1"; }
# 30 listings, each written by the Belgian and the Maghrebi woman, sent.
sent_pairs s 30
[ "$(q "SELECT count(*) FROM application")" = 60 ] || fail "applications"
# One reply to each, as fetch stores it: raw bytes, linked, kind reply.
# The landlord greets the candidate by name and quotes her address.
q "SELECT a.id, p.first_name, p.last_name, p.email FROM application a JOIN persona p ON p.id = a.persona" |
while IFS='|' read -r app first last email; do
	raw=$(printf 'From: Landlord <owner@example.org>\r\nTo: %s\r\nSubject: Re: flat\r\nMessage-ID: <r%s@example.org>\r\nDate: Tue, 08 Dec 2026 10:00:00 +0000\r\n\r\nDag %s %s,\r\n\r\nU kunt zaterdag langskomen. Groeten aan %s.\r\n\r\n> %s schreef (%s):\r\n> Is de woning nog vrij?\r\n' \
		"$email" "$app" "$first" "$last" "$first" "$first $last" "$email")
	hex=$(printf '%s' "$raw" | od -An -v -tx1 | tr -d ' \n')
	q "INSERT INTO message (application, direction, raw, sha256, at, message_id, kind, from_addr)
	   VALUES ($app, 'in', X'$hex', 'h$app', '2026-12-08T10:00:${app}Z', '<r$app@example.org>', 'reply', 'owner@example.org')"
done
[ "$(q "SELECT count(*) FROM message WHERE direction = 'in'")" = 60 ] || fail "replies"

# The blind queue: 60 replies, no first or last name and no address of any
# persona, and the mark in their place.
expect_exit 0 ct -S s code --export-queue q.csv
expect_out "Wrote 60 replies to q.csv"
head -1 q.csv | grep -q '^id,text,outcome,sub_code,note' || fail "queue header"
q "SELECT first_name || '|' || last_name || '|' || email FROM persona" | tr '|' '\n' >names.txt
while read -r w; do grep -qiF -- "$w" q.csv && fail "the queue shows '$w'"; done <names.txt
grep -q '\[CANDIDATE\]' q.csv || fail "no [CANDIDATE] mark"
grep -qi 'zaterdag langskomen' q.csv || fail "the text is missing"
grep -qi 'maghrebi\|belgian\|female' q.csv && fail "the queue shows the group or gender"

# Coded by A: outcomes from the id, written by Python. With two bad rows
# (an outcome not of the five, a sub-code of another outcome) nothing is
# recorded and both lines are named.
cat >fill.py <<'PY'
import csv, sys
src, dst, who, bad = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "bad"
outs = ["invitation", "info", "refusal", "other", "no_reply"]
rows = list(csv.DictReader(open(src, newline="")))
w = csv.writer(open(dst, "w", newline=""))
w.writerow(["id", "text", "outcome", "sub_code", "note"])
for n, r in enumerate(rows):
    i = int(r["id"])
    o = outs[i % 3]
    # The second coder disagrees on every seventh reply.
    if who == "B" and i % 7 == 0:
        o = outs[(i + 1) % 3]
    sub = "viewing" if o == "invitation" else ""
    if bad and n == 3: o = "invite"
    if bad and n == 5: o, sub = "refusal", "viewing"
    w.writerow([i, r["text"], o, sub, ""])
PY
python3 fill.py q.csv bad.csv A bad
expect_exit 2 ct -S s code --import-coded bad.csv --coder A
expect_err "bad.csv:[0-9]+: .*'invite' is not one of"
expect_err "bad.csv:[0-9]+: .*sub_code 'viewing' is not a sub-code of refusal in the codebook"
[ "$(q "SELECT count(*) FROM coding")" = 0 ] || fail "a failed import recorded codes"
[ "$(q "SELECT count(*) FROM response")" = 0 ] || fail "a failed import recorded responses"
python3 fill.py q.csv a.csv A good
# A misspelt column would silently drop what the coder typed under it.
sed '1s/sub_code/sub-code/' a.csv >typo.csv
expect_exit 2 ct -S s code --import-coded typo.csv --coder A
expect_err "typo.csv.*sub-code"
[ "$(q "SELECT count(*) FROM coding")" = 0 ] || fail "an import with a misspelt column recorded codes"
expect_exit 0 ct -S s code --import-coded a.csv --coder A
expect_out "Recorded 60 codes by A"
[ "$(q "SELECT count(*) FROM coding WHERE pass = 'first' AND coder = 'A'")" = 60 ] || fail "first codes"
# Each code became the application's analysed response, linked to it.
[ "$(q "SELECT count(*) FROM response r JOIN coding c ON c.id = r.coding WHERE r.outcome = c.outcome AND r.coder = 'A'")" = 60 ] ||
	fail "responses from codes"
# Importing again: every reply is already coded, nothing changes.
expect_exit 2 ct -S s code --import-coded a.csv --coder A
expect_err "already has a first code"
[ "$(q "SELECT count(*) FROM coding")" = 60 ] || fail "a refused import changed codes"

# The second coder's sample: max(10% of 60, 50) = 50, the same set from the
# same seed in a copy of the study; another seed is refused.
cp -r s s2
expect_exit 0 ct -S s code --second --seed 7 --export b.csv
expect_out "Drew 50 of 60 first-coded replies"
expect_exit 0 ct -S s2 code --second --seed 7
[ "$(q "SELECT group_concat(message) FROM coding_sample")" = \
  "$(sqlite3 s2/study.db "SELECT group_concat(message) FROM coding_sample")" ] || fail "sample not reproducible"
expect_exit 2 ct -S s code --second --seed 8
expect_err "drawn with seed 7"
[ "$(grep -c '^[0-9]' b.csv)" = 50 ] || fail "sample export"
while read -r w; do grep -qiF -- "$w" b.csv && fail "the sample shows '$w'"; done <names.txt
# The first coder cannot be the second one.
python3 fill.py b.csv b-by-a.csv A good
expect_exit 2 ct -S s code --import-coded b-by-a.csv --coder A
python3 fill.py b.csv bb.csv B good
expect_exit 0 ct -S s code --import-coded bb.csv --coder B
[ "$(q "SELECT count(*) FROM coding WHERE pass = 'second'")" = 50 ] || fail "second codes"

# Agreement, against Python computing kappa, its SE (Fleiss, Cohen &
# Everitt 1969), AC1 and its SE (Gwet 2008, the expanded form of var(AC1))
# from the codes in the database.
expect_exit 0 ct -S s code --agreement --json
cp out.txt agree.json
expect_exit 0 ct -S s code --agreement
cp out.txt agree.txt
q "SELECT f.outcome || ' ' || s.outcome FROM coding f JOIN coding s ON s.message = f.message AND s.pass = 'second' WHERE f.pass = 'first'" >pairs.txt
python3 - <<'PY' || fail "agreement differs from Python"
import json, math
outs = ["invitation", "info", "refusal", "other", "no_reply"]
k = len(outs)
t = [[0] * k for _ in range(k)]
for l in open("pairs.txt"):
    a, b = l.split()
    t[outs.index(a)][outs.index(b)] += 1
n = sum(map(sum, t))
p = [[x / n for x in r] for r in t]
rs = [sum(r) for r in p]; cs = [sum(p[i][j] for i in range(k)) for j in range(k)]
po = sum(p[i][i] for i in range(k)); pe = sum(rs[i] * cs[i] for i in range(k))
kap = (po - pe) / (1 - pe)
A = sum(p[i][i] * ((1 - pe) - (rs[i] + cs[i]) * (1 - po)) ** 2 for i in range(k))
B = sum(p[i][j] * (cs[i] + rs[j]) ** 2 for i in range(k) for j in range(k) if i != j)
C = po * pe - 2 * pe + po
se = math.sqrt((A + (1 - po) ** 2 * B - C * C) / (n * (1 - pe) ** 4))
pi = [(rs[i] + cs[i]) / 2 for i in range(k)]
peg = sum(x * (1 - x) for x in pi) / (k - 1)
ac1 = (po - peg) / (1 - peg)
s1 = sum(p[i][i] * (1 - pi[i]) for i in range(k)) / (k - 1)
s2 = sum(p[i][j] * (1 - (pi[i] + pi[j]) / 2) ** 2 for i in range(k) for j in range(k)) / (k - 1) ** 2
ac1_se = math.sqrt((po * (1 - po) - 4 * (1 - ac1) * (s1 - po * peg)
                    + 4 * (1 - ac1) ** 2 * (s2 - peg * peg)) / (n * (1 - peg) ** 2))
got = json.load(open("agree.json"))
o = got["overall"]
assert o["n"] == n == 50, o
for name, want in (("agreement", po), ("kappa", kap), ("kappa_se", se), ("ac1", ac1), ("ac1_se", ac1_se)):
    assert abs(o[name] - want) < 1e-9, (name, o[name], want)
assert abs(o["kappa_ci95"][0] - (kap - 1.959963984540054 * se)) < 1e-9
# AC1's interval is irrCAC's: a t quantile with n - 1 = 49 degrees of
# freedom (R: qt(0.975, 49) = 2.00957523712924), upper bound at most 1.
t49 = 2.00957523712924
assert abs(o["ac1_ci"][0] - (ac1 - t49 * ac1_se)) < 1e-9, o["ac1_ci"]
assert abs(o["ac1_ci"][1] - min(1, ac1 + t49 * ac1_se)) < 1e-9, o["ac1_ci"]
conf = [[r[c] for c in outs] for r in got["confusion"]]
assert [r["first"] for r in got["confusion"]] == outs, got["confusion"]
assert conf == t, (conf, t)
assert 0 < kap < 1 and po < 1
assert set(got["by_group"]) == {"belgian", "maghrebi"}
assert sum(g["n"] for g in got["by_group"].values()) == 50
PY
# And against R: psych::cohen.kappa on the same table (kappa, its standard
# error and the 95% interval it prints). AC1 is held to R in
# tests/unit/test_agreement.c (tests/r/agreement_ac1.R); here R gives the
# t quantile Python used above.
cat >ck.R <<'R'
suppressMessages(library(psych))
outs <- c("invitation", "info", "refusal", "other", "no_reply")
p <- read.table("pairs.txt", colClasses = "character")
t <- table(factor(p[[1]], levels = outs), factor(p[[2]], levels = outs))
ck <- cohen.kappa(matrix(as.vector(t), 5, 5))
cat(sprintf("%.15f %.15f %.15f %.15f\n", ck$kappa, sqrt(ck$var.kappa), ck$confid[1, 1],
            ck$confid[1, 3]), file = "r.txt")
cat(sprintf("%.15f\n", qt(0.975, 49)), file = "qt.txt")
R
Rscript ck.R || fail "R's psych could not compute kappa"
python3 - <<'PY' || fail "agreement differs from R's psych::cohen.kappa"
import json
o = json.load(open("agree.json"))["overall"]
k, se, lo, hi = map(float, open("r.txt").read().split())
for name, got, want in (("kappa", o["kappa"], k), ("kappa_se", o["kappa_se"], se),
                        ("lo", o["kappa_ci95"][0], lo), ("hi", o["kappa_ci95"][1], hi)):
    assert abs(got - want) < 1e-9, (name, got, want)
assert abs(float(open("qt.txt").read()) - 2.00957523712924) < 1e-12
PY

# Adjudication: the disagreements are listed; one is settled as refusal,
# and that code is the application's analysed response.
expect_exit 0 ct -S s code --adjudicate
expect_out "disagreements"
m=$(q "SELECT f.message FROM coding f JOIN coding s ON s.message = f.message AND s.pass = 'second' WHERE f.pass = 'first' AND f.outcome <> s.outcome ORDER BY f.message LIMIT 1")
[ -n "$m" ] || fail "no disagreement to adjudicate"
expect_exit 0 ct -S s code --adjudicate --set "$m=refusal.let" --coder C
app=$(q "SELECT application FROM message WHERE id = $m")
[ "$(q "SELECT r.outcome || ' ' || c.pass || ' ' || r.coder FROM response r JOIN coding c ON c.id = r.coding WHERE r.application = $app ORDER BY r.id DESC LIMIT 1")" = \
  "refusal adjudicated C" ] || fail "the adjudicated code is not the analysed response"
expect_exit 2 ct -S s code --adjudicate --set "$m=refusal.viewing" --coder C
expect_err "is not a sub-code of refusal"
# Several rulings are recorded together or not at all: a good one for
# another disagreement and a bad one leave the study as it was.
m2=$(q "SELECT f.message FROM coding f JOIN coding s ON s.message = f.message AND s.pass = 'second' WHERE f.pass = 'first' AND f.outcome <> s.outcome AND f.message <> $m ORDER BY f.message LIMIT 1")
[ -n "$m2" ] || fail "no second disagreement"
before=$(snapshot s)
expect_exit 2 ct -S s code --adjudicate --set "$m2=info" --set "$m=refusal.viewing" --coder C
[ "$(snapshot s)" = "$before" ] || fail "a refused batch of rulings recorded some of them"
# The event log holds every change and still verifies.
[ "$(q "SELECT count(*) FROM event WHERE action IN ('code-import', 'code-second', 'code-adjudicate')")" = 4 ] || fail "events"
