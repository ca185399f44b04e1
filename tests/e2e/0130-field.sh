# field: a study fielded without any mail server. Portal and phone listings
# (study.ini [fielding] channel, listing.channel), one smtp listing left to
# send --live. The worklist (table, CSV, JSON, HTML) carries the text the
# landlord reads, checked against the templates filled in here by a small
# renderer of its own; it is filled in by command and by spreadsheet (one
# with errors, which changes nothing); replies by phone and SMS; stats and
# field deviations agree with what was recorded, recomputed here from the
# rows.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-12-08T10:00:00Z CORRTEST_ACTOR=tester
q() { sqlite3 s/study.db "$1"; }
new_study s
# Made ready for the field as 'corrtest check' asks (field list runs it):
# the team's own mail domain and a phone number per persona.
sed -i -e 's/^channel = smtp$/channel = portal/' -e 's/^mail_domain = .*/mail_domain = woonstudie-gent.be/' s/study.ini
awk '/^\[group .*\]$/ { g[n++] = substr($0, 8, length($0) - 8) } { print }
	/^\[phones\]$/ { for (i = 0; i < n; i++) printf "%s.female = +32 470 12 %02d 01\n%s.male = +32 470 12 %02d 02\n", g[i], i, g[i], i }' \
	s/study.ini >ini.tmp && mv ini.tmp s/study.ini
ct -S s personas >/dev/null
i=1
for area in Gentbrugge Ledeberg Wondelgem Oostakker; do
	ct -S s listings add --ref L$i --agent-type private --url "https://www.immoweb.be/nl/zoekertje/$i?x=1&y=2" \
		--contact-email "l$i@example.be" --agent "Agent $i" --area "$area" --title "Appartement $i" --price 850 >/dev/null
	i=$((i + 1))
done
# A title with markup, for the HTML page; a phone listing; an smtp listing.
q "UPDATE listing SET title = 'Flat <b>\"A&B\"</b>' WHERE ref = 'L1'"
q "UPDATE listing SET channel = 'phone' WHERE ref = 'L2'"
q "UPDATE listing_contact SET contact_phone = '+32 9 123 45 67' WHERE listing = (SELECT id FROM listing WHERE ref = 'L2')"
q "UPDATE listing SET channel = 'smtp' WHERE ref = 'L4'"
ct -S s assign >/dev/null
[ "$(q "SELECT count(*) FROM application WHERE status = 'planned'")" = 8 ] || fail "not 8 planned applications"
# The plan's times are set here, so that what is due does not depend on
# how assign draws them: on 2026-12-08, 09:00 to 14:30 Brussels (UTC+1),
# but L3's second application on the next day.
for l in 1 2 3 4; do
	q "UPDATE application SET scheduled_at = '2026-12-08T$(printf %02d $((l + 6))):30:00Z' WHERE position = 1 AND listing = (SELECT id FROM listing WHERE ref = 'L$l')"
	q "UPDATE application SET scheduled_at = '2026-12-08T1$((l)):30:00Z' WHERE position = 2 AND listing = (SELECT id FROM listing WHERE ref = 'L$l')"
done
q "UPDATE application SET scheduled_at = '2026-12-09T09:00:00Z' WHERE position = 2 AND listing = (SELECT id FROM listing WHERE ref = 'L3')"

# The expected worklist, computed here: channel = listing's or portal; due =
# planned before 2026-12-09 00:00 Brussels (23:00Z); text = the template
# filled in by this renderer.
cat >expect.py <<'PY'
import json, re, sqlite3, sys
db = sqlite3.connect("s/study.db")
CITY = [l.split("=", 1)[1].strip() for l in open("s/study.ini") if l.startswith("city =")][0]
def render(path, vals):
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while lines[i].startswith("#"):
        i += 1
    assert lines[i].startswith("Subject: ") and lines[i + 1] == ""
    body = "\n".join(lines[i + 2:]).rstrip("\n") + "\n"
    def fill(t):
        def one(m):
            name, _, fb = m.group(1).partition("|")
            v = vals.get(name)
            return v if v else fb
        return re.sub(r"\{\{([^}]*)\}\}", one, t)
    return fill(lines[i][len("Subject: "):]), fill(body)
def expected(due_before="2026-12-08T23:00:00Z"):
    out = []
    for (app, ref, url, lch, title, area, price, variant, sched, first, last, email, phone, profile,
         grp, gender, cmail, cphone) in db.execute(
        "SELECT a.id, l.ref, l.url, l.channel, l.title, l.area, l.price, a.variant, a.scheduled_at,"
        " p.first_name, p.last_name, p.email, p.phone, p.profile, g.name, p.gender,"
        " c.contact_email, c.contact_phone FROM application a JOIN listing l ON l.id = a.listing"
        " JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp"
        " JOIN listing_contact c ON c.listing = l.id WHERE a.status = 'planned'"
        " ORDER BY a.scheduled_at, a.id"):
        ch = lch or "portal"
        if ch == "smtp" or (due_before and sched >= due_before):
            continue
        vals = {"persona.first_name": first, "persona.last_name": last,
                "persona.full_name": first + " " + last, "persona.email": email,
                "persona.phone": phone, "listing.ref": ref, "listing.area": area,
                "listing.price": "%d" % price, "listing.url": url, "listing.title": title,
                "study.city": CITY}
        for k, v in json.loads(profile).items():
            vals["profile." + k] = str(v)
        subj, body = render("s/templates/v%d.txt" % variant, vals)
        out.append({"application": app, "listing": ref, "channel": ch,
                    "persona": first + " " + last, "persona_email": email, "persona_phone": phone,
                    "contact": cphone if ch == "phone" else url,
                    "overdue": sched < "2026-12-08T10:00:00Z", "subject": subj, "body": body})
    return out
PY

expect_exit 0 ct -S s field list --json
python3 - <<'PY'
import json
exec(open("expect.py").read())
got = json.load(open("out.txt"))
exp = expected()
assert len(exp) == 5, exp
assert [g["application"] for g in got] == [e["application"] for e in exp], (got, exp)
for g, e in zip(got, exp):
    for k, v in e.items():
        assert g[k] == v, (k, g[k], v)
    assert "sent_at" not in g and "skip_reason" not in g, g
assert any(g["overdue"] for g in got) and not all(g["overdue"] for g in got), got
assert any(g["subject"].startswith('Aanvraag tot bezichtiging: Flat <b>"A&B"</b>') for g in got) or \
    all(g["listing"] != "L1" or "Flat" not in g["subject"] for g in got)
PY

# The spreadsheet: the same rows and text, and four empty columns to fill in.
expect_exit 0 ct -S s field list --csv
cp out.txt worklist.csv
python3 - <<'PY'
import csv
exec(open("expect.py").read())
rows = list(csv.DictReader(open("worklist.csv", encoding="utf-8", newline="")))
exp = expected()
assert [int(r["application"]) for r in rows] == [e["application"] for e in exp]
for r, e in zip(rows, exp):
    assert r["subject"] == e["subject"] and r["body"] == e["body"], (r, e)
    assert r["sent_at"] == r["via"] == r["by"] == r["skip_reason"] == "", r
PY

# The page to print: one block per application, every value escaped, the
# text in a <pre>.
expect_exit 0 ct -S s field list --html
python3 - <<'PY'
import html, re
exec(open("expect.py").read())
page = open("out.txt", encoding="utf-8").read()
assert page.startswith("<!DOCTYPE html>") and "@media print" in page
assert "<b>" not in page, "markup from the data is not escaped"
pres = [html.unescape(p) for p in re.findall(r"<pre>(.*?)</pre>", page, re.S)]
exp = expected()
assert pres == [e["body"] for e in exp], (pres, exp)
assert page.count('<div class="app">') == 5
for e in exp:
    assert html.escape(e["subject"], quote=True).replace("&#x27;", "&#39;") in page, e["subject"]
PY

# The table for people: a block per application, its subject, the text.
expect_exit 0 ct -S s field list
[ "$(grep -c '^== Application ' out.txt)" = 5 ] || fail "not 5 blocks"
expect_out '^contact:  \+32 9 123 45 67 \(phone\)$'
expect_out '5 applications to send by hand due by the end of 2026-12-08; 1 planned later; 2 planned for smtp'
# Nothing due the day before; --all: every planned one by hand; one persona.
expect_exit 0 ct -S s field list --date 2026-12-07 --json
[ "$(cat out.txt)" = "[]" ] || fail "something due on 2026-12-07"
expect_exit 0 ct -S s field list --all --json
python3 - <<'PY'
import json
exec(open("expect.py").read())
assert [g["application"] for g in json.load(open("out.txt"))] == [e["application"] for e in expected(None)]
assert len(expected(None)) == 6
PY
who=$(q "SELECT p.email FROM application a JOIN persona p ON p.id = a.persona JOIN listing l ON l.id = a.listing WHERE l.ref = 'L1' AND a.position = 1")
expect_exit 0 ct -S s field list --persona "$who" --json
python3 -c 'import json,sys; g = json.load(open("out.txt")); assert g and all(x["persona_email"] == sys.argv[1] for x in g), g' "$who"
expect_exit 2 ct -S s field list --persona nobody@nowhere
expect_err "no planned application of persona 'nobody@nowhere'"
expect_exit 2 ct -S s field list --date 2026-02-30
before=$(snapshot s)

# Recording by command. Refusals first: nothing changes.
a1=$(q "SELECT a.id FROM application a JOIN listing l ON l.id = a.listing WHERE l.ref = 'L1' AND a.position = 1")
a2=$(q "SELECT a.id FROM application a JOIN listing l ON l.id = a.listing WHERE l.ref = 'L1' AND a.position = 2")
expect_exit 2 ct -S s field sent "$a1" --at "2026-12-08 12:00"
expect_err "the send time 2026-12-08 12:00 \(Europe/Brussels\) is in the future"
expect_exit 2 ct -S s field sent "$a1" --at "2026-12-06 10:00"
expect_err "before the study's start \(2026-12-07\)"
expect_exit 2 ct -S s field sent "$a1" --at 2026-12-08
expect_exit 2 ct -S s field sent 999 --at "2026-12-08 09:00"
expect_err "no application 999"
expect_exit 2 ct -S s field sent "$a1" --at "2026-12-08 09:00" --via fax
expect_err "--via 'fax' is not one of smtp, portal, webmail, phone or sms"
[ "$(snapshot s)" = "$before" ] || fail "a refused field sent changed the study"
# L1: the second application goes first (09:05 local) and by web mail, the
# first at 09:10; 09:05 local is 08:05Z.
expect_exit 0 ct -S s field sent "$a2" --at "2026-12-08 09:05" --via webmail --by Anna
expect_out "as sent at 2026-12-08 09:05 by webmail, not as planned by portal"
[ "$(q "SELECT status, sent_at, channel, sent_via, recorded_by FROM application WHERE id = $a2")" = \
	"sent|2026-12-08T08:05:00Z|portal|webmail|Anna" ] || fail "field sent row"
[ "$(q "SELECT count(*) FROM event WHERE action = 'field sent'")" = 1 ] || fail "no field sent event"
expect_exit 0 ct -S s field sent "$a1" --at "2026-12-08T09:10+01:00"
[ "$(q "SELECT sent_at, sent_via, recorded_by FROM application WHERE id = $a1")" = "2026-12-08T08:10:00Z|portal|tester" ] || fail "field sent with an offset"
before=$(snapshot s)
expect_exit 2 ct -S s field sent "$a1" --at "2026-12-08 09:10"
expect_err "already recorded as sent"
[ "$(snapshot s)" = "$before" ] || fail "a second field sent changed the study"

# Skip: L3's first application; its partner is cancelled too.
a3=$(q "SELECT a.id FROM application a JOIN listing l ON l.id = a.listing WHERE l.ref = 'L3' AND a.position = 1")
expect_exit 0 ct -S s field skip "L3:$(q "SELECT g.name || ':' || p.gender FROM application a JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp WHERE a.id = $a3")" --reason "listing gone"
[ "$(q "SELECT group_concat(a.status || '/' || a.cancel_reason) FROM application a JOIN listing l ON l.id = a.listing WHERE l.ref = 'L3'")" = \
	"cancelled/listing gone,cancelled/listing gone" ] || fail "skip did not cancel the pair"
expect_exit 2 ct -S s field skip "$a3" --reason "again"
expect_err "is cancelled \(listing gone\)"

# The spreadsheet, filled in by a volunteer: L2 by phone. First with
# errors: each named by file, line and column, and nothing changes.
python3 - <<'PY'
import csv
rows = list(csv.DictReader(open("worklist.csv", encoding="utf-8", newline="")))
l2 = [r for r in rows if r["listing"] == "L2"]
assert len(l2) == 2
first, second = sorted(l2, key=lambda r: r["planned_at"])
def write(name, edits):
    out = []
    for r in rows:
        r = dict(r)
        r.update(edits.get(r["application"], {}))
        out.append(r)
    with open(name, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(out)
write("done.csv", {first["application"]: {"sent_at": "2026-12-08 09:30", "by": "Jo"},
                   second["application"]: {"sent_at": "2026-12-08 10:40", "via": "sms", "by": "Jo"}})
write("bad.csv", {first["application"]: {"sent_at": "2026-13-08 09:30", "via": "fax"},
                  second["application"]: {"sent_at": "2026-12-08 10:40", "skip_reason": "gone"}})
# The physical line each bad row ends on (sent_at and the columns after it
# are on the body's last line).
lines = {}
with open("bad.csv", encoding="utf-8", newline="") as f:
    rd = csv.reader(f)
    head = next(rd)
    for row in rd:
        lines[row[0]] = rd.line_num
open("bad.lines", "w").write("%d %d\n" % (lines[first["application"]], lines[second["application"]]))
open("l2.ids", "w").write("%s %s\n" % (first["application"], second["application"]))
PY
read l1 l2 <bad.lines
read b1 b2 <l2.ids
before=$(snapshot s)
expect_exit 2 ct -S s field import bad.csv
expect_err "^corrtest field: bad.csv:$l1: column sent_at: '2026-13-08 09:30' is not a time"
expect_err "^corrtest field: bad.csv:$l1: column via: 'fax' is not a channel"
expect_err "^corrtest field: bad.csv:$l2: column skip_reason: a row is either sent \(sent_at\) or skipped \(skip_reason\), not both"
expect_err "bad.csv: 3 problems; nothing was recorded"
[ "$(snapshot s)" = "$before" ] || fail "an import with errors changed the study"
# The rows already recorded (L1, L3) must not stand in the way: the
# worklist was printed before they were. Rows without anything are ignored.
expect_exit 0 ct -S s field import done.csv
expect_out "Recorded 2 sent, 0 skipped"
[ "$(q "SELECT status, sent_at, channel, sent_via, recorded_by FROM application WHERE id = $b1")" = \
	"sent|2026-12-08T08:30:00Z|phone|phone|Jo" ] || fail "import: first row"
[ "$(q "SELECT status, sent_at, channel, sent_via, recorded_by FROM application WHERE id = $b2")" = \
	"sent|2026-12-08T09:40:00Z|phone|sms|Jo" ] || fail "import: second row"
[ "$(q "SELECT count(*) FROM event WHERE action = 'field import'")" = 1 ] || fail "not one import event"
before=$(snapshot s)
expect_exit 0 ct -S s field import done.csv
expect_out "Nothing changed: 2 rows already recorded"
[ "$(snapshot s)" = "$before" ] || fail "a second import changed the study"

# Replies by phone and SMS, after the send only.
expect_exit 0 ct -S s log "$b1" --outcome invitation --channel phone --at "2026-12-08 11:00" --note "call back Friday"
expect_exit 0 ct -S s log "$b2" --outcome refusal --channel sms --at "2026-12-08 10:55" --note "Sorry, al verhuurd"
before=$(snapshot s)
expect_exit 2 ct -S s log "$a1" --outcome info --channel portal --at "2026-12-08 09:00"
expect_err "before application $a1 was sent"
[ "$(snapshot s)" = "$before" ] || fail "a reply before the send was recorded"
expect_exit 0 ct -S s log "$a1" --outcome info --channel portal --at "2026-12-08 10:30"
[ "$(q "SELECT channel, note FROM response WHERE application = $b2")" = "sms|Sorry, al verhuurd" ] || fail "sms reply"

# Deviations and stats, recomputed from the rows: late = sent after both
# planned + 2 h and 17:00 local of the planned day; out of order = the
# second sent before the first; channel = sent_via != channel.
expect_exit 0 ct -S s field deviations --json
cp out.txt dev.json
expect_exit 0 ct -S s stats --json
python3 - <<'PY'
import json, sqlite3
from datetime import datetime, timedelta, timezone
db = sqlite3.connect("s/study.db")
rows = db.execute("SELECT a.id, a.listing, a.position, a.status, a.scheduled_at, a.sent_at, a.channel,"
                  " a.sent_via FROM application a ORDER BY a.listing, a.position").fetchall()
def t(s): return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
exp = []
for (app, lst, pos, st, sched, sent, ch, via) in rows:
    if st != "sent":
        continue
    p = t(sched)
    end = p.replace(hour=16, minute=0)  # 17:00 Brussels in December is 16:00Z
    if t(sent) > max(p + timedelta(hours=2), end):
        exp.append((app, "sent_late"))
    if pos == 2:
        f = [r for r in rows if r[1] == lst and r[2] == 1][0]
        if (f[3] == "sent" and t(f[5]) > t(sent)) or f[3] == "planned":
            exp.append((app, "out_of_order"))
    if via and via != ch:
        exp.append((app, "other_channel"))
dev = json.load(open("dev.json"))
got = [(d["application"], d["kind"]) for d in dev["deviations"]]
assert sorted(got) == sorted(exp), (got, exp)
kinds = [k for _, k in exp]
assert kinds.count("out_of_order") == 1 and kinds.count("other_channel") == 2, exp
s = json.load(open("out.txt"))
f = s["fielding"]
for k in ("sent_late", "out_of_order", "other_channel"):
    assert f[k] == kinds.count(k) == dev["counts"][k], (k, f, dev["counts"])
assert f["skipped"] == [{"reason": "listing gone", "applications": 2, "listings": 1}], f
# Pairs: L1 and L2 valid (both sent), L3 cancelled, L4 (smtp) not sent.
assert s["all"]["n"] == 2, s["all"]
assert s["excluded"]["cancelled"] == 1 and s["excluded"]["not_sent"] == 1, s["excluded"]
PY
expect_exit 0 ct -S s stats
expect_out 'cancelled in the field: 2 applications of 1 listing: listing gone'
