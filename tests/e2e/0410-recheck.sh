# recheck (issue 12, part 4): after replies coded "already let" (by the
# coding rules, from the replies' text) and a pair answered differently,
# the listings' adverts are fetched again at +1, +3 and +7 days from a
# portal on loopback that this test runs (listings_server.py): one advert
# stays online after "already let" (the judged case: still advertised),
# one changes its price, two disappear (404, 410), one redirects to a
# search page, one says "verhuurd", one site is down. Expected values come
# from the served files (sha256sum, python's zlib) and from the pages as
# written here, not from corrtest. The analysis is unchanged.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-12-08T12:00:00Z CORRTEST_ACTOR=tester
new_study s
q() { sqlite3 s/study.db "$1"; }
# Fast but polite: one second between two requests to one host.
sed -i 's/^rate_seconds = .*/rate_seconds = 1/; s/^timeout_seconds = .*/timeout_seconds = 5/;
	s/^user_agent =.*/user_agent = corrtest-e2e\/1.0 (research)/' s/study.ini

# The portal. Adverts as a portal writes them: the price in a meta tag
# (stay), in JSON-LD (change), in the text (verhuurd).
mkdir web
cat >web/stay.html <<'EOF'
<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>Appartement te huur - Sint-Pietersnieuwstraat 12, Gent | Portaal</title>
<meta property="og:title" content="Ruim appartement met 2 slaapkamers, Gent">
<meta property="product:price:amount" content="850.00">
</head><body><h1>Ruim appartement met 2 slaapkamers</h1>
<p>Huurprijs: &euro; 850 per maand. Wordt ongemeubeld verhuurd. Vrij vanaf 1 januari.</p>
<script>var x = "verhuurd";</script></body></html>
EOF
cat >web/change1.html <<'EOF'
<html><head><title>Studio nabij Zuid   &amp; station</title>
<script type="application/ld+json">{"@type": "Offer", "price": "950", "priceCurrency": "EUR"}</script>
</head><body>Studio, 35 m2.</body></html>
EOF
sed 's/"price": "950"/"price": 1050.00/' web/change1.html >web/change2.html
cat >web/search.html <<'EOF'
<html><head><title>Zoeken: huurwoningen in Gent (124 resultaten)</title></head>
<body><ul><li>Studio, &euro; 600</li><li>Huis, &euro; 1.150</li></ul></body></html>
EOF
cat >web/let.html <<'EOF'
<html><head><title>Woning met tuin, Ledeberg</title></head>
<body><div class="badge">VERHUURD</div><p>Huurprijs &euro;&nbsp;1.150,00 per maand</p></body></html>
EOF
cat >web/other.html <<'EOF'
<html><head><title>Duplex aan de Coupure</title></head><body>Prijs: 1 200 EUR</body></html>
EOF
cat >web/routes.json <<'EOF'
{"/a/1": {"status": 200, "file": "stay.html"},
 "/a/2": {"status": 200, "file": "change1.html"},
 "/a/4": {"status": 410, "file": "other.html"},
 "/a/5": {"status": 301, "location": "/zoeken?q=gent"},
 "/zoeken?q=gent": {"status": 200, "file": "search.html"},
 "/a/6": {"status": 200, "file": "let.html"},
 "/a/8": {"status": 200, "file": "other.html"},
 "/a/9": {"status": 200, "file": "other.html"}}
EOF
python3 "$E2E_DIR/listings_server.py" web/routes.json port log &
srv=$!
trap 'kill $srv 2>/dev/null || true' EXIT
i=0; while [ ! -s port ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s port ] || fail "the portal did not start"
P=$(cat port)
# A port where nothing listens: bound, then closed.
DEAD=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

# Ten listings; L3 has no route (404), L7 no URL, L10 is on the dead port.
ct -S s personas >/dev/null
add() { ct -S s listings add --ref "$1" --agent-type agency --title "$2" ${3:+--url "$3"} >/dev/null; }
add L1 "Ruim appartement met 2 slaapkamers" "http://127.0.0.1:$P/a/1"
add L2 "Studio nabij Zuid" "http://127.0.0.1:$P/a/2"
add L3 "Loft" "http://127.0.0.1:$P/a/3"
add L4 "Rijwoning" "http://127.0.0.1:$P/a/4"
add L5 "Appartement Dampoort" "http://127.0.0.1:$P/a/5"
add L6 "Woning met tuin" "http://127.0.0.1:$P/a/6"
add L7 "Kamer" ""
add L8 "Duplex" "http://127.0.0.1:$P/a/8"
add L9 "Duplex 2" "http://127.0.0.1:$P/a/9"
add L10 "Penthouse" "http://127.0.0.1:$DEAD/a/10"
q "INSERT INTO application (listing, persona, variant, position, scheduled_at, status, sent_at)
   SELECT l.id, p.id, 1, CASE g.name WHEN 'belgian' THEN 1 ELSE 2 END, '2026-12-07T09:00:00Z', 'sent',
	  '2026-12-07T09:00:00Z'
   FROM listing l, persona p JOIN grp g ON g.id = p.grp
   WHERE g.name IN ('belgian', 'maghrebi') AND p.gender = 'female'"
# Replies as fetch stores them. The Belgian woman is invited everywhere;
# the Maghrebi woman hears that it is let (L1-L7, L10), gets no reply
# (L8: a pair answered differently) or is invited too (L9).
reply() { # APP TEXT
	raw=$(printf 'From: Agent <agent@example.org>\r\nSubject: Re: woning\r\nMessage-ID: <r%s@example.org>\r\nDate: Tue, 08 Dec 2026 10:00:00 +0000\r\n\r\n%s\r\n' "$1" "$2")
	hex=$(printf '%s' "$raw" | od -An -v -tx1 | tr -d ' \n')
	sum=$(printf '%s' "$raw" | sha256sum | cut -d' ' -f1)
	q "INSERT INTO message (application, direction, raw, sha256, at, message_id, kind, from_addr)
	   VALUES ($1, 'in', X'$hex', '$sum', '2026-12-08T10:00:00Z', '<r$1@example.org>', 'reply', 'agent@example.org')"
}
q "SELECT a.id, l.ref, g.name FROM application a JOIN listing l ON l.id = a.listing
   JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp" >apps.txt
while IFS='|' read -r app ref grp; do
	case "$grp:$ref" in
	belgian:*|maghrebi:L9) reply "$app" "Beste, u kunt zaterdag om 10 uur langskomen voor een bezichtiging." ;;
	maghrebi:L8) ;;
	*) reply "$app" "Beste, het spijt me, de woning is intussen verhuurd." ;;
	esac
done <apps.txt
expect_exit 0 ct -S s code
[ "$(q "SELECT count(*) FROM coding WHERE outcome = 'refusal' AND sub_code = 'let'")" = 8 ] ||
	{ q "SELECT * FROM coding"; fail "the rules did not code eight replies as let"; }
[ "$(q "SELECT count(*) FROM coding WHERE outcome = 'invitation'")" = 11 ] || fail "invitations"
CORRTEST_NOW=2026-12-08T12:00:00Z ct -S s stats --json >stats-before.json

# A bad [recheck] is named by its line, and nothing changes.
cp s/study.ini ini.good
before=$(snapshot s)
sed -i 's/^days = .*/days = 1, three, 7/' s/study.ini
line=$(grep -n '^days = 1, three' s/study.ini | cut -d: -f1)
expect_exit 2 ct -S s recheck
expect_err "study.ini:$line: \[recheck\] days"
sed -i 's/^days = .*/days = 1, 3, 3/' s/study.ini
expect_exit 2 ct -S s recheck --plan
expect_err "study.ini:$line: \[recheck\] days names a day twice"
cp ini.good s/study.ini
sed -i 's/^timeout_seconds = .*/timeout_seconds = 0/' s/study.ini
expect_exit 2 ct -S s recheck
expect_err "study.ini:[0-9]+: \[recheck\] timeout_seconds"
cp ini.good s/study.ini
[ "$(snapshot s)" = "$before" ] || fail "a refused run changed the study"

# --plan: eight listings, three days each; L7 skipped (no URL); L9 (both
# invited) not at all. Nothing is written.
expect_exit 0 ct -S s recheck --plan --json
python3 - <<'EOF'
import json
j = json.load(open("out.txt"))
got = sorted((p["listing"], p["day"], p["reason"], p["due_at"]) for p in j["planned"])
want = sorted([(l, d, "unavailable", "2026-12-%02dT10:00:00Z" % (8 + d))
               for l in ["L1", "L2", "L3", "L4", "L5", "L6", "L10"] for d in (1, 3, 7)] +
              [("L8", d, "differing", "2026-12-%02dT10:00:00Z" % (8 + d)) for d in (1, 3, 7)])
assert got == want, got
assert [(s["listing"], "URL" in s["why"]) for s in j["skipped"]] == [("L7", True)], j["skipped"]
assert j["dry_run"] is True
EOF
[ "$(snapshot s)" = "$before" ] || fail "--plan changed the study"
[ ! -s log ] || fail "--plan fetched something"

# Before the first day: planned, nothing due, nothing fetched.
export CORRTEST_NOW=2026-12-09T09:00:00Z
expect_exit 0 ct -S s recheck
[ "$(q "SELECT count(*) FROM recheck WHERE status = 'due'")" = 24 ] || fail "24 rechecks planned"
[ "$(q "SELECT count(*) FROM snapshot")" = 0 ] || fail "fetched too early"
[ "$(q "SELECT count(*) FROM event WHERE action = 'recheck-plan'")" = 1 ] || fail "plan event"

# Day 1: seven pages fetched; the dead site is an environment error (exit
# 3), its recheck stays due with one attempt.
export CORRTEST_NOW=2026-12-09T12:00:00Z
expect_exit 3 ct -S s recheck
expect_err "1 page could not be fetched; it stays due"
[ "$(q "SELECT count(*) FROM snapshot")" = 7 ] || fail "seven snapshots on day 1"
[ "$(q "SELECT r.status || ' ' || r.attempts || ' ' || (r.last_error IS NOT NULL) FROM recheck r
	JOIN listing l ON l.id = r.listing WHERE l.ref = 'L10' AND r.day = 1")" = "due 1 1" ] ||
	fail "the dead site's recheck is not due with one attempt"
[ "$(q "SELECT count(*) FROM snapshot s JOIN listing l ON l.id = s.listing WHERE l.ref = 'L10'")" = 0 ] ||
	fail "a snapshot for a site that did not answer"
# Re-running at the same time fetches nothing new but the dead site again.
expect_exit 3 ct -S s recheck
[ "$(q "SELECT count(*) FROM snapshot")" = 7 ] || fail "a second run fetched again"
[ "$(q "SELECT attempts FROM recheck r JOIN listing l ON l.id = r.listing WHERE l.ref = 'L10' AND r.day = 1")" = 2 ] ||
	fail "attempts not counted"

# What each snapshot holds, against the served files.
python3 - "$P" <<'EOF'
import hashlib, sqlite3, sys, zlib
port = sys.argv[1]
db = sqlite3.connect("s/study.db")
rows = {r[0]: r[1:] for r in db.execute(
    "SELECT l.ref, s.http_status, s.final_url, s.body_sha256, s.body_size, s.title, s.price, "
    "s.advertised, s.why, s.body, s.url FROM snapshot s JOIN recheck r ON r.id = s.recheck "
    "JOIN listing l ON l.id = s.listing WHERE r.day = 1")}
base = "http://127.0.0.1:%s" % port
notfound = b"<html><head><title>Not found</title></head><body>Not found</body></html>"
want = {  # ref: status, final path, served bytes, title, price, advertised
    "L1": (200, "/a/1", open("web/stay.html", "rb").read(), "Ruim appartement met 2 slaapkamers, Gent", "850", 1),
    "L2": (200, "/a/2", open("web/change1.html", "rb").read(), "Studio nabij Zuid & station", "950", 1),
    "L3": (404, "/a/3", notfound, "Not found", None, 0),
    "L4": (410, "/a/4", open("web/other.html", "rb").read(), "Duplex aan de Coupure", "1200", 0),
    "L5": (200, "/zoeken?q=gent", open("web/search.html", "rb").read(),
           "Zoeken: huurwoningen in Gent (124 resultaten)", "600", 0),
    "L6": (200, "/a/6", open("web/let.html", "rb").read(), "Woning met tuin, Ledeberg", "1150", 0),
    "L8": (200, "/a/8", open("web/other.html", "rb").read(), "Duplex aan de Coupure", "1200", 1),
}
assert sorted(rows) == sorted(want), sorted(rows)
for ref, (status, path, served, title, price, adv) in want.items():
    http, final, sha, size, t, p, a, why, body, url = rows[ref]
    assert http == status, (ref, http)
    assert final == base + path, (ref, final)
    assert url == base + "/a/" + ref[1:], (ref, url)
    assert sha == hashlib.sha256(served).hexdigest(), (ref, "sha256")
    assert size == len(served), (ref, size)
    assert zlib.decompress(body) == served, (ref, "body")
    assert t == title, (ref, t)
    assert p == price, (ref, p)
    assert a == adv, (ref, a, why)
    assert why, ref
assert "verhuurd" in rows["L6"][7], rows["L6"][7]
assert "redirect" in rows["L5"][7], rows["L5"][7]
EOF

# The portal's side: every request carried the study's user agent, and two
# fetches of one host are at least rate_seconds apart (the request that
# follows a redirect belongs to its fetch and is left out).
python3 - <<'EOF'
rows = [l.rstrip("\n").split("\t") for l in open("log")]
assert all(r[2] == "corrtest-e2e/1.0 (research)" for r in rows), rows
t = [float(r[0]) for r in rows if not r[1].startswith("/zoeken")]
assert len(t) == 7, rows
gaps = [b - a for a, b in zip(t, t[1:])]
assert min(gaps) >= 1.0, gaps
EOF

# Each snapshot's body hash is in the event chain, and the chain holds.
[ "$(q "SELECT count(*) FROM snapshot s WHERE NOT EXISTS (SELECT 1 FROM event e WHERE e.action = 'recheck'
	AND instr(e.detail, 'body_sha256=' || s.body_sha256) > 0 AND instr(e.detail, 'snapshot=' || s.id || ' ') > 0)")" = 0 ] ||
	fail "a snapshot's hash is not in an event"
[ "$(q "SELECT count(*) FROM event WHERE action = 'recheck-run'")" = 2 ] || fail "run events"
q "SELECT detail FROM event WHERE action = 'recheck-run' ORDER BY id LIMIT 1" >run1.txt
grep -q "fetched=7 advertised=3 gone=4 unknown=0 errors=1" run1.txt || { cat run1.txt; fail "run counts"; }
# No URL in any event (the events are not purged).
[ "$(q "SELECT count(*) FROM event WHERE detail LIKE '%127.0.0.1%' OR subject LIKE '%127.0.0.1%'")" = 0 ] ||
	fail "an event names a URL"
expect_exit 0 ct -S s verify

# Day 3: the price of L2 went up; L1 is still there.
python3 - <<'EOF'
import json
r = json.load(open("web/routes.json")); r["/a/2"]["file"] = "change2.html"
json.dump(r, open("web/routes.json", "w"))
EOF
export CORRTEST_NOW=2026-12-11T12:00:00Z
expect_exit 3 ct -S s recheck
[ "$(q "SELECT s.price || ' ' || s.advertised FROM snapshot s JOIN recheck r ON r.id = s.recheck
	JOIN listing l ON l.id = s.listing WHERE l.ref = 'L2' AND r.day = 3")" = "1050 1" ] || fail "L2's new price"
[ "$(q "SELECT s.body_sha256 FROM snapshot s JOIN recheck r ON r.id = s.recheck JOIN listing l ON l.id = s.listing
	WHERE l.ref = 'L2' AND r.day = 3")" = "$(sha256sum web/change2.html | cut -d' ' -f1)" ] || fail "L2 day 3 hash"

# Day 7, and two runs: the dead site's first recheck fails after five
# attempts; the others stay due. L8's site has a server error: a snapshot
# that cannot tell, and the recheck stays due.
python3 - <<'EOF'
import json
r = json.load(open("web/routes.json")); r["/a/8"]["status"] = 503
json.dump(r, open("web/routes.json", "w"))
EOF
export CORRTEST_NOW=2026-12-15T12:00:00Z
expect_exit 3 ct -S s recheck
expect_exit 3 ct -S s recheck
[ "$(q "SELECT r.status || ' ' || r.attempts || ' ' || r.last_error FROM recheck r JOIN listing l ON l.id = r.listing
	WHERE l.ref = 'L8' AND r.day = 7")" = "due 2 HTTP 503" ] || fail "L8's server error"
[ "$(q "SELECT count(*) || ' ' || count(advertised) FROM snapshot s JOIN recheck r ON r.id = s.recheck
	JOIN listing l ON l.id = s.listing WHERE l.ref = 'L8' AND r.day = 7 AND s.http_status = 503")" = "2 0" ] ||
	fail "L8's 503 snapshots"
[ "$(q "SELECT r.day || ':' || r.status || ':' || r.attempts FROM recheck r JOIN listing l ON l.id = r.listing
	WHERE l.ref = 'L10' ORDER BY r.day" | tr '\n' ' ')" = "1:failed:5 3:due:3 7:due:2 " ] ||
	{ q "SELECT * FROM recheck"; fail "L10's attempts"; }
[ "$(q "SELECT count(*) FROM snapshot")" = 22 ] || fail "22 snapshots after day 7"

# --list: still advertised per listing, from the latest snapshot.
expect_exit 0 ct -S s recheck --list --json
python3 - <<'EOF'
import json
j = json.load(open("out.txt"))
adv = {l["listing"]: l["still_advertised"] for l in j}
assert adv == {"L1": "yes", "L2": "yes", "L3": "no", "L4": "no", "L5": "no", "L6": "no",
               "L8": "yes", "L10": "unknown"}, adv
# L8: yes, as day 3 found; its day-7 server errors cannot tell.
at = {l["listing"]: l["advertised_at"] for l in j}
assert at["L1"] == "2026-12-15T12:00:00Z" and at["L8"] == "2026-12-11T12:00:00Z" and at["L10"] is None, at
l1 = [l for l in j if l["listing"] == "L1"][0]
assert [(r["day"], r["status"], r["http_status"], r["advertised"], r["price"]) for r in l1["rechecks"]] == \
    [(1, "done", 200, "yes", "850"), (3, "done", 200, "yes", "850"), (7, "done", 200, "yes", "850")], l1
l10 = [l for l in j if l["listing"] == "L10"][0]
assert all(r["snapshot"] is None and r["last_error"] for r in l10["rechecks"]), l10
EOF
expect_exit 0 ct -S s recheck --list --listing l1
expect_out "L1 +yes"
expect_exit 2 ct -S s recheck --list --listing L9
expect_err "listing 'L9' has no rechecks"

# Idempotent: nothing new to plan, nothing due but L10.
expect_exit 0 ct -S s recheck --plan --json
python3 -c "
import json; j = json.load(open('out.txt'))
assert j['planned'] == [] and sorted((d['listing'], d['day']) for d in j['due']) == [('L10', 3), ('L10', 7), ('L8', 7)], j"

# The analysis did not move.
CORRTEST_NOW=2026-12-08T12:00:00Z ct -S s stats --json >stats-after.json
cmp stats-before.json stats-after.json || fail "stats changed"
expect_exit 0 ct -S s verify

# A listing whose URL was purged after its rechecks were planned: they
# are cancelled, with an event, and nothing is fetched for it.
q "UPDATE listing SET url = NULL WHERE ref = 'L10'"
# A page larger than the 5 MB kept: cut there, hashed as kept, and said.
python3 -c "
open('web/big.html', 'wb').write(b'<html><head><title>Groot huis</title></head><body>' + b'Te huur. ' * 700000 + b'</body></html>')"
# L12 answers 429 (too many requests): stored, unknown, and asked again
# by the next run. L13 redirects to a file on this machine: the 302 is
# stored, unknown, done (not a network error retried by every run), and
# nothing of the file is fetched.
python3 - <<'PY'
import json
r = json.load(open("web/routes.json")); r["/a/11"] = {"status": 200, "file": "big.html"}
r["/a/12"] = {"status": 429, "file": "other.html"}
r["/a/13"] = {"status": 302, "location": "file:///etc/passwd"}
json.dump(r, open("web/routes.json", "w"))
PY
late_let() { # REF TITLE: a listing whose reply of 15 December says it is let
	add "$1" "$2" "http://127.0.0.1:$P/a/${1#L}"
	q "INSERT INTO application (listing, persona, variant, position, scheduled_at, status, sent_at)
	   SELECT l.id, p.id, 1, 1, '2026-12-14T09:00:00Z', 'sent', '2026-12-14T09:00:00Z'
	   FROM listing l, persona p JOIN grp g ON g.id = p.grp
	   WHERE l.ref = '$1' AND g.name = 'maghrebi' AND p.gender = 'female'"
	app=$(q "SELECT a.id FROM application a JOIN listing l ON l.id = a.listing WHERE l.ref = '$1'")
	raw=$(printf 'From: Agent <agent@example.org>\r\nSubject: Re: woning\r\nMessage-ID: <r%s@example.org>\r\n\r\nHet huis is al verhuurd.\r\n' "$app")
	hex=$(printf '%s' "$raw" | od -An -v -tx1 | tr -d ' \n')
	sum=$(printf '%s' "$raw" | sha256sum | cut -d' ' -f1)
	q "INSERT INTO message (application, direction, raw, sha256, at, message_id, kind, from_addr)
	   VALUES ($app, 'in', X'$hex', '$sum', '2026-12-15T10:00:00Z', '<r$app@example.org>', 'reply', 'agent@example.org')"
}
late_let L11 "Groot huis"
late_let L12 "Kamer bij het Citadelpark"
late_let L13 "Appartement Muide"
expect_exit 0 ct -S s code
export CORRTEST_NOW=2026-12-16T12:00:00Z
expect_exit 0 ct -S s recheck
[ "$(q "SELECT r.day || ':' || r.status FROM recheck r JOIN listing l ON l.id = r.listing
	WHERE l.ref = 'L10' ORDER BY r.day" | tr '\n' ' ')" = "1:failed 3:cancelled 7:cancelled " ] ||
	fail "L10's rechecks not cancelled after its URL went"
[ "$(q "SELECT count(*) FROM event WHERE action = 'recheck-cancel'")" = 2 ] || fail "cancel events"
python3 - <<'PY'
import hashlib, sqlite3, zlib
served = open("web/big.html", "rb").read()
assert len(served) > 5 * 1024 * 1024
db = sqlite3.connect("s/study.db")
http, size, sha, body, why, title, adv = db.execute(
    "SELECT s.http_status, s.body_size, s.body_sha256, s.body, s.why, s.title, s.advertised FROM snapshot s "
    "JOIN listing l ON l.id = s.listing WHERE l.ref = 'L11'").fetchone()
kept = served[:5 * 1024 * 1024]
assert (http, size, title, adv) == (200, len(kept), "Groot huis", 1), (http, size, title, adv)
assert sha == hashlib.sha256(kept).hexdigest()
assert zlib.decompress(body) == kept
assert "cut at 5242880 bytes" in why, why
PY
check_late() { # RUNS: L12's and L13's snapshots after that many runs
	python3 - "$1" "$P" <<'PY'
import hashlib, sqlite3, sys
runs, port = int(sys.argv[1]), sys.argv[2]
db = sqlite3.connect("s/study.db")
def snaps(ref):
    return db.execute(
        "SELECT s.http_status, s.advertised, s.why, s.body_size, s.body_sha256, s.body, s.final_url, "
        "s.title, s.price, r.status, r.attempts, r.last_error FROM snapshot s JOIN recheck r "
        "ON r.id = s.recheck JOIN listing l ON l.id = s.listing WHERE l.ref = ? AND r.day = 1 "
        "ORDER BY s.id", (ref,)).fetchall()
l12 = snaps("L12")
assert len(l12) == runs, l12
for http, adv, why, *_ , status, attempts, last_error in l12:
    assert (http, adv, status, attempts, last_error) == (429, None, "due", runs, "HTTP 429"), l12
    assert "429" in why and "cannot tell" in why, why
l13 = snaps("L13")
assert len(l13) == 1, l13
http, adv, why, size, sha, body, final, title, price, status, attempts, last_error = l13[0]
assert (http, adv, status, attempts, last_error) == (302, None, "done", 1, None), l13
assert "does not fetch" in why and "not http or https" in why and "check by hand" in why, why
empty = hashlib.sha256(b"").hexdigest()
assert (size, sha, title, price) == (0, empty, None, None), l13
import zlib
assert zlib.decompress(body) == b"", body
assert final == "file:///etc/passwd", final
# Nothing of /etc/passwd anywhere in the study.
passwd = open("/etc/passwd", "rb").read().split(b"\n")[0]
for table, in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
    for row in db.execute("SELECT * FROM %s" % table):
        for v in row:
            b = v if isinstance(v, bytes) else str(v).encode()
            assert passwd not in b and b"root:x:0" not in b, (table, row)
# The portal was asked for /a/13 only, never anything after it.
paths = [l.split("\t")[1] for l in open("log")]
assert paths.count("/a/13") == 1, paths
PY
}
check_late 1
counts=$(q "SELECT detail FROM event WHERE action = 'recheck-run' ORDER BY id DESC LIMIT 1")
# L11 online; L12 (429), L13 (redirect) and L8 (its 503 of day 7, still due)
# cannot tell; L10's last two cancelled.
[ "$counts" = "fetched=4 advertised=1 gone=0 unknown=3 errors=0 failed=0 cancelled=2" ] ||
	fail "the last run's counts: $counts"
# The next run asks L12 again (and L8; not L13: it is done).
expect_exit 0 ct -S s recheck
check_late 2
expect_exit 0 ct -S s verify
