# The example studies in studies/ run end to end as their READMEs say: the
# README's own init and copy lines, then personas, listings import, assign,
# assign --check, compose --check, compose --outbox, simulate and stats.
# Every listing gets one pair (one control and one test candidate, the same
# gender, different variants, one first and one second), every outbox
# message parses with Python's email package and matches the study, and
# stats reports exactly the study's test groups. The example listings are
# checked to be fictitious: addresses under example.org or .invalid only.
# A job study's vacancies carry an ISCO-08 unit group, an occupation and a
# level the candidates meet, which the assignments export repeats; with
# [cv] attach = yes (once corrtest has the cv command) every message
# carries one PDF named CV_First_Last.pdf.
. "$E2E_DIR/lib.sh"
PM="$E2E_DIR/parse_mail.py"
has_cv=0
ct help 2>&1 | grep -q '^  cv ' && has_cv=1
export has_cv
n=0
for src in "$TOP"/studies/*/; do
	src=${src%/}
	name=$(basename "$src")
	[ -f "$src/study.ini" ] || continue
	n=$((n + 1))
	for f in README.md listings.csv; do
		[ -s "$src/$f" ] || fail "$name: no $f"
	done
	# The README's own lines, with the path to studies/ made absolute.
	init_line=$(grep -m1 '^    corrtest init ' "$src/README.md" | sed 's/^    corrtest //') ||
		fail "$name: README has no 'corrtest init' line"
	cp_line=$(grep -m1 "^    cp -r studies/$name/\. " "$src/README.md" | sed 's/^    //') ||
		fail "$name: README has no 'cp -r studies/$name/. DIR/' line"
	dir=$(echo "$cp_line" | awk '{print $4}')
	dir=${dir%/}
	# shellcheck disable=SC2086
	expect_exit 0 ct $init_line
	work=$PWD
	(cd "$TOP" && eval "${cp_line% *} \"\$work/\$dir/\"") || fail "$name: $cp_line failed"
	cmp -s "$src/study.ini" "$dir/study.ini" || fail "$name: the copy did not replace study.ini"

	expect_exit 0 ct -S "$dir" names --check
	expect_exit 0 ct -S "$dir" personas
	expect_exit 0 ct -S "$dir" listings import "$dir/listings.csv"
	expect_exit 0 ct -S "$dir" assign
	expect_exit 0 ct -S "$dir" assign --check
	expect_exit 0 ct -S "$dir" compose --check
	expect_exit 0 ct -S "$dir" compose --outbox "$dir/outbox"
	expect_exit 0 ct -S "$dir" export assignments --csv -o "$dir/assignments.csv"
	expect_exit 0 ct -S "$dir" simulate --assume-sent --p-control 0.6 --net 0.25
	expect_exit 0 ct -S "$dir" stats
	ct -S "$dir" stats --json >"$dir/stats.json"

	python3 "$PM" check "$dir" "$dir/outbox" >chk.txt ||
		{ cat chk.txt; fail "$name: outbox does not match the study"; }

	python3 - "$src" "$dir" <<'PY' || fail "$name: see above"
import configparser, csv, email, email.policy, json, os, re, sys
from collections import Counter, defaultdict

src, d = sys.argv[1], sys.argv[2]
name = os.path.basename(src)
def die(msg):
    print("%s: %s" % (name, msg)); sys.exit(1)

ini = configparser.ConfigParser(comment_prefixes=(";",), inline_comment_prefixes=None,
                                interpolation=None, strict=True)
ini.read(os.path.join(src, "study.ini"), encoding="utf-8")
groups = {s.split(None, 1)[1]: ini[s]["role"] for s in ini.sections() if s.startswith("group ")}
control = [g for g, r in groups.items() if r == "control"]
tests = sorted(g for g, r in groups.items() if r == "test")
if len(control) != 1 or not tests:
    die("study.ini needs one control group and test groups: %r" % groups)
control = control[0]
domain = ini["personas"]["mail_domain"]

# The listings are fictitious: every address reaches no one.
rows = list(csv.DictReader(open(os.path.join(src, "listings.csv"), encoding="utf-8", newline="")))
if not 60 <= len(rows) <= 200:
    die("%d listings; an example has 60 to 200" % len(rows))
refs = [r["ref"] for r in rows]
if len(set(refs)) != len(refs):
    die("a ref appears twice")
for r in rows:
    host = r["contact_email"].rsplit("@", 1)[-1]
    if not (host == "example.org" or host.endswith(".invalid")):
        die("%s: contact %s is not under example.org or .invalid" % (r["ref"], r["contact_email"]))
    if not r["url"].startswith("https://") or ".example.org/" not in r["url"]:
        die("%s: url %s is not under example.org" % (r["ref"], r["url"]))
if not (domain.endswith(".invalid") or domain.endswith(".example") or domain == "example.org"):
    die("mail_domain %s could reach someone" % domain)

# Every listing has one pair: control and one test candidate, same gender,
# different variants, positions 1 and 2.
pairs = defaultdict(list)
for a in csv.DictReader(open(os.path.join(d, "assignments.csv"), encoding="utf-8", newline="")):
    pairs[a["listing_ref"]].append(a)
if sorted(pairs) != sorted(refs):
    die("assignments cover %d listings of %d" % (len(pairs), len(refs)))
per_group = Counter()
for ref, p in pairs.items():
    if len(p) != 2:
        die("%s has %d applications" % (ref, len(p)))
    g = sorted(x["group"] for x in p)
    t = [x for x in g if x != control]
    if control not in g or len(t) != 1 or t[0] not in tests:
        die("%s: groups %r" % (ref, g))
    per_group[t[0]] += 1
    if p[0]["gender"] != p[1]["gender"]:
        die("%s: genders differ" % ref)
    if p[0]["variant"] == p[1]["variant"]:
        die("%s: both candidates got variant %s" % (ref, p[0]["variant"]))
    if sorted(x["position"] for x in p) != ["1", "2"]:
        die("%s: positions %r" % (ref, [x["position"] for x in p]))
# Blocked randomisation keeps every group x gender cell within 1 of the
# others, so group totals are within 2 of each other.
if set(per_group) != set(tests) or max(per_group.values()) - min(per_group.values()) > 2:
    die("pairs per test group off balance: %r" % dict(per_group))

job = ini["study"]["market"] == "job"
if job:
    levels = ["none", "secondary", "bachelor", "master"]
    cand = ini["cv"]["level"] if ini.has_section("cv") else "bachelor"
    for r in rows:
        if not re.fullmatch(r"[1-9][0-9]{3}", r["isco"]):
            die("%s: isco %r is not an ISCO-08 unit group" % (r["ref"], r["isco"]))
        if not r["occupation"].strip() or r["level"] not in levels:
            die("%s: occupation %r, level %r" % (r["ref"], r["occupation"], r["level"]))
        if levels.index(r["level"]) > levels.index(cand):
            die("%s asks for %s, the candidates have %s" % (r["ref"], r["level"], cand))
    by_ref = {r["ref"]: r for r in rows}
    for ref, p in pairs.items():
        for x in p:
            if (x["isco"], x["occupation"]) != (by_ref[ref]["isco"], by_ref[ref]["occupation"]):
                die("%s: export gives %r, listings.csv %r" % (ref, (x["isco"], x["occupation"]),
                                                              by_ref[ref]))
want_cv = (job and ini.has_section("cv") and ini["cv"].get("attach") == "yes"
           and os.environ.get("has_cv") == "1")

# Every outbox message: one per application, from a persona of the study's
# mail domain, to a listing's contact.
box = os.path.join(d, "outbox", "new")
files = os.listdir(box)
if len(files) != 2 * len(rows):
    die("%d outbox files for %d listings" % (len(files), len(rows)))
to = Counter()
for f in files:
    m = email.message_from_binary_file(open(os.path.join(box, f), "rb"), policy=email.policy.default)
    if m.defects:
        die("%s: %r" % (f, m.defects))
    if not m["From"].addresses[0].addr_spec.endswith("@" + domain):
        die("%s: From %s" % (f, m["From"]))
    if not m["Subject"] or not m.get_body(("plain",)).get_content().strip():
        die("%s: no subject or body" % f)
    to[m["To"].addresses[0].addr_spec] += 1
    att = list(m.iter_attachments())
    if want_cv:
        name = "CV_%s.pdf" % m["From"].addresses[0].display_name.replace(" ", "_")
        if (len(att) != 1 or att[0].get_content_type() != "application/pdf"
                or att[0].get_filename() != name
                or not att[0].get_payload(decode=True).startswith(b"%PDF-")):
            die("%s: attachments %r, expected one PDF named %s" % (
                f, [(a.get_content_type(), a.get_filename()) for a in att], name))
    elif att:
        die("%s: attachments %r in a study that sends none" % (f, [a.get_filename() for a in att]))
if to != Counter({k: 2 * v for k, v in Counter(r["contact_email"] for r in rows).items()}):
    die("To: addresses do not match the listings' contacts, two each")

# stats reports the study's test groups, and only those, over every pair.
s = json.load(open(os.path.join(d, "stats.json")))
got = {g["group"]: g["n"] for g in s["groups"] if g["n"] > 0}
if sorted(got) != tests:
    die("stats reports groups %r, the study has %r" % (sorted(got), tests))
if got != dict(per_group):
    die("stats pairs per group %r, assignments %r" % (got, dict(per_group)))
if s["all"]["n"] != len(rows) or s["excluded_total"] != 0:
    die("stats: %d pairs, %d excluded; %d listings" % (s["all"]["n"], s["excluded_total"], len(rows)))
print("%s: %d listings, groups %s" % (name, len(rows), ", ".join(tests)))
PY
done
[ "$n" -ge 3 ] || fail "expected at least three example studies, found $n"
