# The rules measured on the labelled corpus (tests/fixtures/replies, 372
# replies in nl, fr and en, housing and job, written with their labels by
# make_corpus.py): every file is coded with `code --classify` for its
# language and market, and the share coded and the accuracy of what was
# coded are computed here from the per-file results against labels.csv.
# On this corpus the rules must code at least 70% and be right on at least
# 95% of what they code (issue 10's targets); so must they on the three
# held-out sets written blind, taken together. The first held-out set is
# measured and printed, and `code --eval` must give the same figures as
# this computation on every set.
. "$E2E_DIR/lib.sh"
measure() {
	dir=$1
	: >res.jsonl
	for lang in nl fr en; do
		for market in housing job; do
			files=$(awk -F, -v l="$lang" -v m="$market" -v d="$dir" 'NR > 1 && $4 == l && $5 == m { print d "/" $1 }' "$dir/labels.csv")
			[ -n "$files" ] || continue
			# shellcheck disable=SC2086
			ct code --classify --lang "$lang" --market "$market" --json $files >part.json
			python3 -c 'import json, sys
for r in json.load(open("part.json")): print(json.dumps(r))' >>res.jsonl
		done
	done
	python3 - "$dir/labels.csv" res.jsonl <<'PY'
import csv, json, os, sys
labels = {r["file"]: r for r in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8"))}
res = {os.path.basename(json.loads(l)["file"]): json.loads(l) for l in open(sys.argv[2])}
assert set(res) == set(labels), "not every labelled file was coded once"
out = {}
for lang in ("nl", "fr", "en", "all"):
    rows = [f for f, r in labels.items() if lang == "all" or r["lang"] == lang]
    coded = [f for f in rows if res[f]["outcome"] is not None]
    right = [f for f in coded if res[f]["outcome"] == labels[f]["outcome"]]
    out[lang] = (len(rows), len(coded), len(right))
    print("%-3s replies %3d coded %3d (%.1f%%) right %3d (%.1f%% of coded)" % (
        lang, len(rows), len(coded), 100 * len(coded) / len(rows), len(right),
        100 * len(right) / len(coded) if coded else 0))
json.dump(out, open("mine.json", "w"))
PY
	# code --eval agrees with this computation.
	ct code --eval "$dir/labels.csv" --json >eval.json
	python3 - <<'PY'
import json
mine = json.load(open("mine.json"))
ev = {r["lang"]: (r["replies"], r["coded"], r["correct"]) for r in json.load(open("eval.json"))["by_lang"]}
for lang, v in mine.items():
    assert tuple(ev[lang]) == tuple(v), (lang, ev[lang], v)
PY
}
echo "main corpus:"
measure "$TOP/tests/fixtures/replies" | tee main.txt
python3 - <<'PY'
import json
n, coded, right = json.load(open("mine.json"))["all"]
assert coded / n >= 0.70, "the rules code %d of %d replies (%.1f%%), under 70%%" % (coded, n, 100 * coded / n)
assert right / coded >= 0.95, "the rules are right on %d of %d coded (%.1f%%), under 95%%" % (right, coded, 100 * right / coded)
PY
# The development set (tests/fixtures/replies-dev: acknowledgements,
# general statements about viewings, refusals of many shapes, call me to fix
# a visit vs call me back), on which the rules were tuned for precision:
# the same targets. Before that tuning its first batch was coded 61% and
# right on 76% of what was coded.
echo "development set:"
measure "$TOP/tests/fixtures/replies-dev"
python3 - <<'PY'
import json
n, coded, right = json.load(open("mine.json"))["all"]
assert coded / n >= 0.70, "dev: the rules code %d of %d replies (%.1f%%), under 70%%" % (coded, n, 100 * coded / n)
assert right / coded >= 0.95, "dev: the rules are right on %d of %d coded (%.1f%%), under 95%%" % (right, coded, 100 * right / coded)
PY
echo "first held-out set (retired to tuning after it was measured; see its README):"
measure "$TOP/tests/fixtures/replies-holdout"
# The sets written blind (by writers who saw neither the rules nor any
# other phrasing; the rules were never tuned on them, their failures never
# read): the issue's targets hold on the three together, so that a rule
# change that loses them fails here.
: >blind.json
for set in 2 3 4; do
	echo "held-out set $set, written blind:"
	measure "$TOP/tests/fixtures/replies-holdout$set"
	python3 -c 'import json; print(json.dumps(json.load(open("mine.json"))["all"]))' >>blind.json
done
python3 - <<'PY'
n = coded = right = 0
for line in open("blind.json"):
    a, b, c = eval(line)
    n, coded, right = n + a, coded + b, right + c
print("blind held-out sets together: %d replies, coded %.1f%%, right %.1f%% of coded" % (n, 100 * coded / n, 100 * right / coded))
assert coded / n >= 0.70, "blind: the rules code %d of %d replies, under 70%%" % (coded, n)
assert right / coded >= 0.95, "blind: the rules are right on %d of %d coded, under 95%%" % (right, coded)
PY
echo "ok: rules measured on the corpus"

# Employers' replies to job applications (issue 13), written by hand in
# each language; the expected code from the codebook's definitions. Each is
# classified as a file of its own, with its language and the job market.
python3 - <<'PY'
cases = [
    ("nl", "Wij nodigen u graag uit voor een sollicitatiegesprek op dinsdag om 14 uur.", "invitation.interview"),
    ("nl", "Heeft u volgende week tijd voor een kennismakingsgesprek?", "invitation.interview"),
    ("nl", "Kan u mij morgen bellen op 09 234 56 78 om een datum voor een gesprek vast te leggen?", "invitation.call_to_fix"),
    ("nl", "Na zorgvuldige overweging hebben wij gekozen voor een andere kandidaat.", "refusal.other"),
    ("nl", "De vacature is intussen ingevuld.", "refusal.filled"),
    ("nl", "Solliciteren kan enkel via het formulier op onze website.", "info.apply_elsewhere"),
    ("fr", "Nous souhaiterions vous rencontrer pour un entretien d'embauche jeudi à 10h.", "invitation.interview"),
    ("fr", "Je vous propose un entretien téléphonique demain à 11h.", "invitation.interview"),
    ("fr", "Pouvez-vous me téléphoner afin de convenir d'un rendez-vous pour un entretien ?", "invitation.call_to_fix"),
    ("fr", "Nous sommes au regret de vous informer que votre profil ne correspond pas à nos attentes.", "refusal.other"),
    ("fr", "Nous ne sommes malheureusement pas en mesure de vous proposer un entretien.", "refusal.other"),
    ("fr", "Le poste a entre-temps été pourvu.", "refusal.filled"),
    ("fr", "Pour postuler, merci de passer par le formulaire en ligne sur notre site.", "info.apply_elsewhere"),
    ("en", "We would like to invite you to an interview on Thursday at 10 am.", "invitation.interview"),
    ("en", "We'd love to have a chat with you about the role. When are you free?", "invitation.interview"),
    ("en", "After careful consideration we have decided not to proceed with your application.", "refusal.other"),
    ("en", "Unfortunately the position has been filled.", "refusal.filled"),
    ("en", "Could you call me back on 0470 12 34 56? I would like to ask you a few questions.", "info.call_back"),
]
import csv
with open("job.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    for i, (lang, text, code) in enumerate(cases):
        name = "job-%s-%02d.txt" % (lang, i)
        open(name, "w", encoding="utf-8").write(text + "\n")
        w.writerow([name, lang, code])
PY
while IFS=, read -r f lang want; do
	ct code --classify --lang "$lang" --market job --json "$f" >c.json
	got=$(python3 -c 'import json; r = json.load(open("c.json"))[0]; print(r["sub_code"] or r["outcome"] or "review")')
	[ "$got" = "$want" ] || fail "$f ($(cat "$f")): coded $got, want $want"
done <job.csv
