# code, end to end on one study: replies stored as fetch stores them; the
# rules code the clear ones (as many as `code --classify` codes from the
# same raw messages written to files); a person codes the rest through the
# blind spreadsheet queue; a second coder codes the drawn sample the same
# way; --agreement equals a Python computation from the coding table;
# --adjudicate --set settles disagreements; and `stats --json` counts the
# outcomes that the adjudicated (else first) codes give, with the best
# reply of an application with two, and warns that kappa is below the
# study's min_kappa.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-12-20T12:00:00Z CORRTEST_ACTOR=tester
new_study s
q() { sqlite3 s/study.db "$1"; }
grep -q '^min_kappa = 0.7$' s/study.ini || fail "study.ini has no min_kappa to set"
grep -q '^reply_rule = best$' s/study.ini || fail "study.ini has no reply_rule best"
sed -i 's/^min_kappa = 0.7$/min_kappa = 0.85/' s/study.ini
sent_pairs s 30
[ "$(q "SELECT count(*) FROM application")" = 60 ] || fail "applications"

# The replies, written by Python: one per application (a clear invitation,
# a refusal, a call-me, a request for documents, a reply no rule reads, a
# conflicting one), and on some invitations a second, later refusal. Each
# is stored as fetch stores it (raw bytes, linked, kind reply) and written
# to a file for --classify; truth.json holds what a careful coder says.
q "SELECT a.id, l.ref, g.name, p.first_name, p.last_name, p.email FROM application a
   JOIN listing l ON l.id = a.listing JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp
   ORDER BY a.id" >apps.txt
mkdir eml
python3 - <<'PY'
import json
texts = {
    "inv": ("De woning is nog beschikbaar. U kunt zaterdag om 10u langskomen voor een "
            "bezichtiging.", "invitation"),
    "ref": ("Sorry, de woning is al verhuurd.", "refusal"),
    "call": ("Kunt u mij eens bellen op 0470 12 34 56?", "info"),
    "docs": ("Kan u mij een loonfiche en een kopie van uw identiteitskaart sturen?", "info"),
    "none": ("Bedankt voor uw bericht. Ik kom erop terug.", "other"),
    "conf": ("De woning is verhuurd, maar u kunt zaterdag langskomen om een andere woning te "
             "bezichtigen.", "invitation"),
    "later": ("Intussen is de woning al verhuurd, sorry.", "refusal"),
    # Known as automatic by its headers only; its text says nothing more.
    "away": ("Dit adres wordt enkel op werkdagen gelezen.", "other"),
}
kinds = ["inv", "ref", "call", "none", "conf", "docs", "inv", "ref"]
truth, sql, mid = {}, [], 1000
def reply(app, first, last, email, kind, hour, extra=""):
    global mid
    mid += 1
    body = "Dag %s %s,\r\n\r\n%s\r\n\r\nGroeten,\r\nde eigenaar\r\n" % (first, last, texts[kind][0])
    raw = ("From: Landlord <owner@example.org>\r\nTo: %s\r\nSubject: Re: flat\r\n%s"
           "Message-ID: <r%d@example.org>\r\nDate: Tue, 08 Dec 2026 %02d:00:00 +0000\r\n"
           "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s"
           % (email, extra, mid, hour, body)).encode()
    open("eml/%d.eml" % mid, "wb").write(raw)
    sql.append("INSERT INTO message (id, application, direction, raw, sha256, at, message_id, "
               "kind, from_addr) VALUES (%d, %s, 'in', X'%s', 'h%d', '2026-12-08T%02d:00:00Z', "
               "'<r%d@example.org>', 'reply', 'owner@example.org');"
               % (mid, app, raw.hex(), mid, hour, mid))
    truth[mid] = texts[kind][1]
for line in open("apps.txt"):
    app, ref, grp, first, last, email = line.rstrip("\n").split("|")
    n = int(ref[1:])
    kind = kinds[n % len(kinds)] if grp == "belgian" else kinds[(3 * n + 1) % len(kinds)]
    reply(app, first, last, email, kind, 10)
    if kind == "inv" and n % 3 == 0:
        reply(app, first, last, email, "later", 15)
    if n == 1 and grp == "belgian":
        reply(app, first, last, email, "away", 16, "Auto-Submitted: auto-replied\r\n")
open("replies.sql", "w").write("BEGIN;\n" + "\n".join(sql) + "\nCOMMIT;\n")
json.dump(truth, open("truth.json", "w"))
PY
sqlite3 s/study.db <replies.sql
nreplies=$(ls eml | wc -l)
[ "$(q "SELECT count(*) FROM message WHERE direction = 'in'")" = "$nreplies" ] || fail "replies"
[ "$nreplies" -gt 60 ] || fail "no application has two replies"

# What the rules make of the same messages, file by file.
expect_exit 0 ct code --classify --lang nl --market housing --json eml/*.eml
cp out.txt classify.json
ruled=$(python3 -c "
import json
print(sum(1 for r in json.load(open('classify.json')) if r['outcome'] is not None))")
[ "$ruled" -gt 0 ] && [ "$ruled" -lt "$nreplies" ] || fail "the rules code $ruled of $nreplies: nothing left to test"

# corrtest code: the rules code exactly those, each a first code by
# 'rules' with its rule and the rule file's hash, equal to --classify's.
expect_exit 0 ct -S s code --json
python3 - "$ruled" "$((nreplies - ruled))" <<'PY' || fail "code's summary differs from --classify"
import json, sys
d = json.load(open("out.txt"))
assert d["coded"] == int(sys.argv[1]) and d["review"] == int(sys.argv[2]), d
PY
[ "$(q "SELECT count(*) FROM coding WHERE pass = 'first' AND coder = 'rules'")" = "$ruled" ] || fail "rules codes"
q "SELECT message || '|' || outcome || '|' || coalesce(sub_code, '') || '|' || rule || '|' || rules_sha256 FROM coding WHERE coder = 'rules'" >rules.txt
python3 - <<'PY' || fail "the stored rule codes differ from --classify"
import json, os
cls = {int(os.path.basename(r["file"])[:-4]): r for r in json.load(open("classify.json"))}
got = {}
for l in open("rules.txt"):
    m, o, sub, rule, sha = l.rstrip("\n").split("|")
    got[int(m)] = (o, sub, rule, sha)
want = {m: (r["outcome"], r["sub_code"].split(".", 1)[1], r["rule"], r["rules_sha256"])
        for m, r in cls.items() if r["outcome"]}
assert got == want, (got, want)
# And what the rules coded is what a careful coder says (truth.json,
# written with the messages): right, or left for a person.
truth = json.load(open("truth.json"))
wrong = {m: (o, truth[str(m)]) for m, (o, _, _, _) in got.items() if o != truth[str(m)]}
assert not wrong, wrong
# The automatic reply known by its headers only is stored like --classify
# reports it.
assert any(r.startswith("header") for (_, _, r, _) in got.values()), got
PY

# The rest through the blind spreadsheet queue, coded by A (the truth).
expect_exit 0 ct -S s code --export-queue q.csv
expect_out "Wrote $((nreplies - ruled)) replies to q.csv"
cut -d'|' -f4-6 apps.txt | tr '|' '\n' >names.txt
while read -r w; do grep -qiF -- "$w" q.csv && fail "the queue shows '$w'"; done <names.txt
cat >fill.py <<'PY'
import csv, json, sys
src, dst, who = sys.argv[1:4]
truth = {int(k): v for k, v in json.load(open("truth.json")).items()}
outs = ["invitation", "info", "refusal", "other", "no_reply"]
w = csv.writer(open(dst, "w", newline=""))
w.writerow(["id", "text", "outcome", "sub_code", "note"])
for r in csv.DictReader(open(src, newline="")):
    i = int(r["id"])
    o = truth[i]
    # The second coder reads every third reply differently.
    if who == "B" and i % 3 == 0:
        o = outs[(outs.index(o) + 1) % 4]
    w.writerow([i, r["text"], o, "", ""])
PY
python3 fill.py q.csv a.csv A
expect_exit 0 ct -S s code --import-coded a.csv --coder A
expect_out "Recorded $((nreplies - ruled)) codes by A"
[ "$(q "SELECT count(*) FROM coding WHERE pass = 'first'")" = "$nreplies" ] || fail "not every reply has a first code"

# The second coder: a sample of max(10%, 50) of the first-coded replies,
# the rules' codes among them, exported blind and coded by B.
expect_exit 0 ct -S s code --second --seed 11 --export b.csv --json
python3 - "$nreplies" <<'PY' || fail "the second coder's sample"
import json, sys
d = json.load(open("out.txt"))
n = int(sys.argv[1])
want = min(n, max(50, -(-n // 10)))
assert d["sample"] == want and d["drawn_from"] == n and d["exported"]["replies"] == want, d
PY
[ "$(q "SELECT count(*) FROM coding_sample s JOIN coding c ON c.message = s.message AND c.pass = 'first' WHERE c.coder = 'rules'")" -gt 0 ] ||
	fail "the sample leaves out the rules' codes"
while read -r w; do grep -qiF -- "$w" b.csv && fail "the sample shows '$w'"; done <names.txt
python3 fill.py b.csv bb.csv B
expect_exit 0 ct -S s code --import-coded bb.csv --coder B
[ "$(q "SELECT count(*) FROM coding WHERE pass = 'second'")" = 50 ] || fail "second codes"

# Agreement against Python from the coding table.
cat >kappa.py <<'PY'
import math, subprocess
outs = ["invitation", "info", "refusal", "other", "no_reply"]
def pairs(grp=None):
    sql = ("SELECT f.outcome, s.outcome, g.name FROM coding f JOIN coding s ON s.message = f.message "
           "AND s.pass = 'second' JOIN application a ON a.id = f.application JOIN persona p ON "
           "p.id = a.persona JOIN grp g ON g.id = p.grp WHERE f.pass = 'first'")
    rows = subprocess.run(["sqlite3", "s/study.db", sql], capture_output=True, text=True,
                          check=True).stdout.split()
    return [r.split("|") for r in rows]
def table(rows):
    k = len(outs)
    t = [[0] * k for _ in range(k)]
    for a, b, _ in rows:
        t[outs.index(a)][outs.index(b)] += 1
    return t
def measures(t):
    k = len(t)
    n = sum(map(sum, t))
    p = [[x / n for x in r] for r in t]
    rs = [sum(r) for r in p]
    cs = [sum(p[i][j] for i in range(k)) for j in range(k)]
    po = sum(p[i][i] for i in range(k))
    pe = sum(rs[i] * cs[i] for i in range(k))
    kap = (po - pe) / (1 - pe)
    A = sum(p[i][i] * ((1 - pe) - (rs[i] + cs[i]) * (1 - po)) ** 2 for i in range(k))
    B = sum(p[i][j] * (cs[i] + rs[j]) ** 2 for i in range(k) for j in range(k) if i != j)
    C = po * pe - 2 * pe + po
    se = math.sqrt((A + (1 - po) ** 2 * B - C * C) / (n * (1 - pe) ** 4))
    pi = [(rs[i] + cs[i]) / 2 for i in range(k)]
    peg = sum(x * (1 - x) for x in pi) / (k - 1)
    return dict(n=n, agreement=po, kappa=kap, kappa_se=se, ac1=(po - peg) / (1 - peg))
PY
expect_exit 0 ct -S s code --agreement --json
cp out.txt agree.json
python3 - <<'PY' || fail "agreement differs from Python"
import json
from kappa import *
got = json.load(open("agree.json"))
rows = pairs()
t = table(rows)
want = measures(t)
for name, v in want.items():
    assert abs(got["overall"][name] - v) < 1e-9, (name, got["overall"][name], v)
assert [[r[c] for c in outs] for r in got["confusion"]] == t
for g in ("belgian", "maghrebi"):
    wg = measures(table([r for r in rows if r[2] == g]))
    for name, v in wg.items():
        assert abs(got["by_group"][g][name] - v) < 1e-9, (g, name)
# The made-up disagreement pushes kappa below min_kappa 0.85: the warning.
assert want["kappa"] < 0.85 and got["min_kappa"] == 0.85, want
assert any("below the study's min_kappa" in w for w in got["warnings"]), got
PY

# Adjudication: the disagreements listed are the ones in the table (the
# outcome, or the sub-code, differs: the rules give sub-codes, B none); each
# is settled, alternately to the first code and to the second.
expect_exit 0 ct -S s code --adjudicate --json
cp out.txt dis.json
q "SELECT f.message || ' ' || f.outcome || coalesce('.' || f.sub_code, '') || ' ' || s.outcome || coalesce('.' || s.sub_code, '') FROM coding f JOIN coding s ON s.message = f.message AND s.pass = 'second' WHERE f.pass = 'first' AND (f.outcome <> s.outcome OR coalesce(f.sub_code, '') <> coalesce(s.sub_code, '')) ORDER BY f.message" >dis.txt
[ -s dis.txt ] || fail "no disagreement"
python3 - <<'PY' || fail "the disagreements listed"
import json
got = [(d["reply"], d["first"], d["second"], d["adjudicated"])
       for d in json.load(open("dis.json"))["disagreements"]]
want = [(int(m), f, s, None) for m, f, s in (l.split() for l in open("dis.txt"))]
assert got == want, (got, want)
PY
sets=$(awk '{ print "--set " $1 "=" (NR % 2 ? $2 : $3) }' dis.txt)
# shellcheck disable=SC2086
expect_exit 0 ct -S s code --adjudicate $sets --coder C
[ "$(q "SELECT count(*) FROM coding WHERE pass = 'adjudicated'")" = "$(wc -l <dis.txt)" ] || fail "adjudicated codes"
expect_exit 0 ct -S s code --agreement --json
ndis=$(awk '{ split($2, a, "."); split($3, b, "."); if (a[1] != b[1]) n++ } END { print n + 0 }' dis.txt)
python3 -c "
import json; d = json.load(open('out.txt'))
assert d['disagreements'] == d['adjudicated'] == $ndis, d" || fail "agreement's adjudicated count"

# stats: per listing, the control (belgian) and test (maghrebi)
# application's outcome is the best of its replies' codes (adjudicated,
# else first; the earlier reply on a tie); strict: invitation positive.
expect_exit 0 ct -S s stats --json
cp out.txt stats.json
q "SELECT l.ref, g.name, m.at, m.id, coalesce(adj.outcome, f.outcome) FROM message m
   JOIN application a ON a.id = m.application JOIN listing l ON l.id = a.listing
   JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp
   JOIN coding f ON f.message = m.id AND f.pass = 'first'
   LEFT JOIN coding adj ON adj.message = m.id AND adj.pass = 'adjudicated'" >codes.txt
q "SELECT l.ref, g.name, m.at, m.id, f.outcome FROM message m
   JOIN application a ON a.id = m.application JOIN listing l ON l.id = a.listing
   JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp
   JOIN coding f ON f.message = m.id AND f.pass = 'first'" >first.txt
python3 - "$nreplies" <<'PY' || fail "stats does not analyse the adjudicated codes"
import json, sys
from kappa import *
def counts(path):
    best, several = {}, {}
    for l in open(path):
        ref, grp, at, mid, o = l.rstrip("\n").split("|")
        key = (ref, grp)
        several[key] = several.get(key, 0) + 1
        cand = (outs.index(o), at, int(mid))
        if key not in best or cand < best[key]:
            best[key] = cand
    n = {"a": 0, "b": 0, "c": 0, "d": 0}
    for ref in {r for r, _ in best}:
        ctl = best[(ref, "belgian")][0] == 0
        tst = best[(ref, "maghrebi")][0] == 0
        n["a" if ctl and tst else "b" if ctl else "c" if tst else "d"] += 1
    return n, several
n, several = counts("codes.txt")
# The adjudication changed what is analysed (else this proves little).
assert counts("first.txt")[0] != n
d = json.load(open("stats.json"))
assert d["outcome"] == "strict"
g = [x for x in d["groups"] if x["group"] == "maghrebi"][0]
assert {k: g[k] for k in "abcd"} == n and g["n"] == 30, (g, n)
assert n["b"] + n["c"] > 0, "no discordant pair: the test proves little"
c = d["coding"]
want_kappa = measures(table(pairs()))["kappa"]
assert c["reply_rule"] == "best", c
assert c["applications"] == 60 and c["several_replies"] == sum(v > 1 for v in several.values()) > 0, c
assert c["double_coded"] == 50 and abs(c["kappa"] - want_kappa) < 1e-9, c
assert c["min_kappa"] == 0.85 and c["below_min_kappa"] is True and len(c["warnings"]) == 1, c
PY
expect_exit 0 ct -S s stats
expect_out "below the study's min_kappa 0.85"
expect_out "reply rule .*best"
