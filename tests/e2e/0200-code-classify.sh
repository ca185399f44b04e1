# code --classify and --eval on hand-written messages
# (tests/fixtures/coding/): each file's code is what the codebook says of
# it, read by hand: a viewing proposed under a quoted question, "not yet
# let" with a call to fix a visit (invitation), an out-of-office by its
# header that says the flat is let (refusal), a silent auto reply (other),
# a reply that both refuses and invites (review: outcome null). --eval
# counts them per language; bad input names its line and exits 2.
. "$E2E_DIR/lib.sh"
F="$TOP/tests/fixtures/coding"
cp "$F"/*.eml "$F"/labels.csv .
expect_exit 0 ct code --classify --json nl-viewing.eml nl-not-yet-let.eml fr-let-ooo.eml \
	en-ooo-silent.eml nl-conflict.eml en-not-yet-let.eml
python3 - <<'PY' || fail "classify results"
import json
r = {x["file"]: x for x in json.load(open("out.txt"))}
want = {"nl-viewing.eml": ("invitation", "invitation.viewing", False),
        "nl-not-yet-let.eml": ("invitation", "invitation.call_to_fix", False),
        "fr-let-ooo.eml": ("refusal", "refusal.let", True),
        "en-ooo-silent.eml": ("other", "other.auto_reply", True),
        "nl-conflict.eml": (None, None, False),
        "en-not-yet-let.eml": ("info", "info.documents", False)}
for f, (o, c, a) in want.items():
    got = r[f]
    assert (got["outcome"], got["sub_code"], got["auto_reply"]) == (o, c, a), (f, got)
assert r["nl-conflict.eml"]["review"].startswith("conflict:"), r["nl-conflict.eml"]
assert r["nl-viewing.eml"]["rule"].startswith("templates/coding/rules-nl.txt:")
assert len(r["nl-viewing.eml"]["rules_sha256"]) == 64
PY
# --lang en alone cannot read a Dutch reply: it goes to review.
expect_exit 0 ct code --classify --lang en --json nl-viewing.eml
python3 -c 'import json,sys; r=json.load(open("out.txt")); sys.exit(r[0]["outcome"] is not None)' ||
	fail "--lang en coded a Dutch reply"
expect_exit 0 ct code --eval labels.csv --json
python3 - <<'PY' || fail "eval figures"
import json
d = json.load(open("out.txt"))
by = {x["lang"]: x for x in d["by_lang"]}
# 8 labelled files: nl 3 (one conflict to review), fr 2, en 3; all coded right.
assert (by["all"]["replies"], by["all"]["coded"], by["all"]["correct"]) == (8, 7, 7), by["all"]
assert (by["nl"]["replies"], by["nl"]["coded"]) == (3, 2), by["nl"]
assert abs(by["all"]["share_coded"] - 7 / 8) < 1e-12 and by["all"]["accuracy"] == 1
conf = {(x["lang"], x["labelled"]): x for x in d["confusion"]}
assert conf[("nl", "refusal")]["review"] == 1 and conf[("nl", "invitation")]["invitation"] == 2
assert d["wrong"] == []
PY
printf 'file,outcome\nnl-viewing.eml,maybe\n' >bad.csv
expect_exit 2 ct code --eval bad.csv
expect_err 'bad.csv:2: outcome .maybe.'
printf 'file,outcome\nmissing.eml,refusal\n' >bad.csv
expect_exit 2 ct code --eval bad.csv
expect_err 'missing.eml'
expect_exit 2 ct code --classify
expect_exit 2 ct code --classify --lang de nl-viewing.eml
expect_err "--lang is nl, fr or en"
expect_exit 2 ct code
# A study's own rule file replaces the built-in one of its language.
new_study s
mkdir s/coding
printf '5 other.other /langskomen/ a study that codes differently\n' >s/coding/rules-nl.txt
expect_exit 0 ct -S s code --classify --lang nl --json nl-viewing.eml
grep -q '"sub_code": "other.other"' out.txt || fail "the study's rules were not used"
grep -q 's/coding/rules-nl.txt:1' out.txt || fail "rule id"
printf '5 refusal.nope /x/\n' >s/coding/rules-nl.txt
expect_exit 2 ct -S s code --classify --lang nl nl-viewing.eml
expect_err "s/coding/rules-nl.txt:1: 'refusal.nope' is not a code"
