# demo runs the example study studies/gent-housing-nl through the whole
# pipeline in a fresh folder and leaves a usable study: the example's design
# and listings, balanced assignments, one outbox file per application, and a
# net rate close to the simulated one.
. "$E2E_DIR/lib.sh"
expect_exit 0 ct demo --dir d --net 0.3 --p-control 0.6
expect_out "Where everything is"
for f in d/study.ini d/study.db d/listings.csv d/assignments.csv d/responses.csv d/demo.log; do
	[ -s "$f" ] || fail "demo did not write $f"
done
# The study is the example's, byte for byte (it is built into the binary).
cmp d/study.ini "$TOP/studies/gent-housing-nl/study.ini" || fail "study.ini is not the example's"
cmp d/listings.csv "$TOP/studies/gent-housing-nl/listings.csv" || fail "listings.csv is not the example's"
listings=$(($(wc -l <"$TOP/studies/gent-housing-nl/listings.csv") - 1))
apps=$(sqlite3 d/study.db 'SELECT count(*) FROM application')
[ "$apps" -eq $((2 * listings)) ] || fail "$((2 * listings)) applications expected, got $apps"
[ "$(ls d/outbox/new | wc -l)" -eq $((2 * listings)) ] || fail "one outbox file per application"
ct -S d assign --check >/dev/null || fail "demo assignment is off balance"
# The pooled net ILO rate over the 180 pairs estimates 0.3. With a control
# rate of 0.6 and the chance discordance 0.1 of simulate's model, about 116
# pairs have a positive and the delta-method standard error is near 0.055,
# so 4 SE is 0.22.
ct -S d stats --json > stats.json
python3 - "$listings" <<'PY'
import json, sys
s = json.load(open("stats.json"))
net = s["all"]["net_ilo"]
assert abs(net - 0.3) < 0.22, net
assert s["all"]["n"] == int(sys.argv[1]), s["all"]["n"]
PY
# --seed changes the study's seed and nothing else in study.ini.
expect_exit 0 ct demo --dir e --seed 42
diff d/study.ini e/study.ini >seed.diff && fail "--seed did not change study.ini"
[ "$(grep -c '^[<>]' seed.diff)" -eq 2 ] && grep -q '^> seed = 42$' seed.diff ||
	{ cat seed.diff; fail "--seed should change the seed line only"; }
# --listings N generates N fictitious listings instead of the example's
# (other tests use it for a larger study): N pairs, none of the example's.
expect_exit 0 ct demo --dir g --listings 250
[ "$(sqlite3 g/study.db 'SELECT count(*) FROM application')" -eq 500 ] || fail "--listings 250: not 500 applications"
grep -q GNT-EX g/listings.csv && fail "--listings still imported the example's listings"
cmp -s g/study.ini "$TOP/studies/gent-housing-nl/study.ini" || fail "--listings changed the design"
# A demo into an existing study folder is refused and leaves it untouched.
before=$(snapshot d)
expect_exit 2 ct demo --dir d
[ "$(snapshot d)" = "$before" ] || fail "demo changed an existing study"
