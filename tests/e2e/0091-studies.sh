# The example studies in studies/ run end to end as their READMEs say: the
# README's own init and copy lines, then personas, listings import, assign,
# assign --check, compose --check, compose --outbox, simulate and stats.
# Every listing gets one pair (one control and one test candidate, the same
# gender, different variants, one first and one second), every outbox
# message parses with Python's email package and matches the study, and
# stats reports exactly the study's test groups. The example listings are
# checked to be fictitious: addresses under example.org or .invalid only.
. "$E2E_DIR/lib.sh"
PM="$E2E_DIR/parse_mail.py"
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
import configparser, csv, email, email.policy, json, os, sys
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
