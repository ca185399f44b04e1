# What init writes fits the study's language (issue 9): a Dutch study has
# Dutch group labels and title and the city "Gent" (not "Ghent"); a French
# one French labels and Liège; an English one (Brussels) a francophone
# control group, so that none of its candidates carries a Flemish name.
# Expected values are written here by hand and the name banks are read
# with Python, apart from corrtest.
. "$E2E_DIR/lib.sh"
for m in housing job; do
	new_study "nl-$m" --market "$m"
	new_study "fr-$m" --market "$m" --lang fr
	new_study "en-$m" --market "$m" --lang en
done
python3 - "$TOP/templates/names" <<'PY' || fail "see above"
import configparser, sys
def ini(d):
    c = configparser.ConfigParser(comment_prefixes=(";",), inline_comment_prefixes=None,
                                  interpolation=None, strict=True)
    c.read(d + "/study.ini", encoding="utf-8")
    return c
want = {
    "nl": ("Gent", {"Praktijktest huurmarkt Gent", "Praktijktest arbeidsmarkt Gent"},
           {"belgian": "Belgisch (Vlaams)", "maghrebi": "Maghrebijns", "turkish": "Turks",
            "african": "Sub-Saharaans Afrikaans (Congolees)"}, "belgian_flemish"),
    "fr": ("Liège", {"Test de situation logement Liège", "Test de situation emploi Liège"},
           {"belgian": "Belge (francophone)", "maghrebi": "Maghrébine", "turkish": "Turque",
            "african": "Afrique subsaharienne (Congo)"}, "belgian_francophone"),
    "en": ("Brussels", {"Housing-market test Brussels", "Labour-market test Brussels"},
           {"belgian": "Belgian (francophone)", "maghrebi": "Maghrebi", "turkish": "Turkish",
            "african": "Sub-Saharan African (Congolese)"}, "belgian_francophone"),
}
for lang, (city, names, labels, control) in want.items():
    for market in ("housing", "job"):
        c = ini("%s-%s" % (lang, market))
        if c["study"]["city"] != city:
            sys.exit("%s-%s: city %r, want %r" % (lang, market, c["study"]["city"], city))
        if c["study"]["name"] not in names:
            sys.exit("%s-%s: name %r" % (lang, market, c["study"]["name"]))
        got = {s.split()[1]: c[s]["label"] for s in c.sections() if s.startswith("group ")}
        if got != labels:
            sys.exit("%s-%s: labels %r, want %r" % (lang, market, got, labels))
        if c["group belgian"]["bank"] != control:
            sys.exit("%s-%s: control bank %s, want %s" % (lang, market, c["group belgian"]["bank"], control))
PY

# The drawn control candidates of an English study: names of the
# francophone bank, none of the Flemish bank.
ct -S en-housing personas >/dev/null
sqlite3 -separator '	' en-housing/study.db \
	"SELECT p.first_name, p.last_name FROM persona p JOIN grp g ON g.id = p.grp WHERE g.role = 'control'" >control.tsv
python3 - "$TOP/templates/names" control.tsv <<'PY' || fail "see above"
import sys
def bank(name):
    rows = [l.rstrip("\n").split("\t") for l in open("%s/%s.tsv" % (sys.argv[1], name), encoding="utf-8")
            if not l.startswith("#")][1:]
    return {r[2] for r in rows}
fl, fr = bank("belgian_flemish"), bank("belgian_francophone")
people = [l.rstrip("\n").split("\t") for l in open(sys.argv[2], encoding="utf-8")]
if not people:
    sys.exit("no control candidates")
for first, last in people:
    if first in fl or last in fl:
        sys.exit("control candidate %s %s has a Flemish name" % (first, last))
    if first not in fr or last not in fr:
        sys.exit("control candidate %s %s is not from the francophone bank" % (first, last))
PY

# A report of a Dutch study prints the Dutch labels.
cat >l.csv <<'EOF'
ref,url,contact_email,contact_name,agent_type,agent,area,price,round,posted_on,title
A-1,https://example.org/1,a@example.be,,private,A,Gentbrugge,700,1,2026-11-20,
A-2,https://example.org/2,b@example.be,,private,B,Ledeberg,710,1,2026-11-20,
A-3,https://example.org/3,c@example.be,,private,C,Wondelgem,720,1,2026-11-20,
A-4,https://example.org/4,d@example.be,,private,D,Oostakker,730,1,2026-11-20,
A-5,https://example.org/5,e@example.be,,private,E,Drongen,740,1,2026-11-20,
A-6,https://example.org/6,f@example.be,,private,F,Zwijnaarde,750,1,2026-11-20,
EOF
ct -S nl-housing personas >/dev/null
ct -S nl-housing listings import l.csv >/dev/null
ct -S nl-housing assign >/dev/null
ct -S nl-housing simulate --assume-sent --p-control 0.6 --net 0.2 >/dev/null
expect_exit 0 ct -S nl-housing stats
expect_out "^Maghrebijns "
expect_out "^Turks "
expect_out "^Sub-Saharaans Afrikaans \(Congolees\) "
! grep -Eq "Maghrebi |Turkish|Sub-Saharan African" out.txt || fail "English labels in a Dutch study's report"
