# demo runs the whole pipeline in a fresh folder and leaves a usable study:
# balanced assignments, one outbox file per application, and a net rate
# close to the simulated one.
. "$E2E_DIR/lib.sh"
expect_exit 0 ct demo --dir d --listings 300 --net 0.3 --p-control 0.6
expect_out "Where everything is"
for f in d/study.ini d/study.db d/listings.csv d/assignments.csv d/responses.csv d/demo.log; do
	[ -s "$f" ] || fail "demo did not write $f"
done
apps=$(sqlite3 d/study.db 'SELECT count(*) FROM application')
[ "$apps" -eq 600 ] || fail "600 applications expected, got $apps"
[ "$(ls d/outbox/new | wc -l)" -eq 600 ] || fail "one outbox file per application"
ct -S d assign --check >/dev/null || fail "demo assignment is off balance"
# The pooled net ILO rate over 300 pairs estimates 0.3. Its standard error
# from the delta method is below 0.05 at these rates, so 4 SE is 0.2.
ct -S d stats --json > stats.json
python3 - <<'PY'
import json
s = json.load(open("stats.json"))
net = s["all"]["net_ilo"]
assert abs(net - 0.3) < 0.2, net
assert s["all"]["n"] == 300, s["all"]["n"]
PY
# A demo into an existing study folder is refused and leaves it untouched.
before=$(snapshot d)
expect_exit 2 ct demo --dir d
[ "$(snapshot d)" = "$before" ] || fail "demo changed an existing study"
