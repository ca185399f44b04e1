# assign: pairs, variants, order and schedule from the seed; --check; the
# refusals; reproducibility; incremental runs; 2..5 test groups x 1..2
# genders; a broken study is caught by --check.
. "$E2E_DIR/lib.sh"
. "$FIXTURES/assign-lib.sh"

# Refusals leave the study unchanged.
new_study s0
add_listings s0 1 5
before=$(snapshot s0)
expect_exit 2 ct -S s0 assign
expect_err "corrtest assign: no persona for belgian/female.*run 'corrtest personas' first"
[ "$(snapshot s0)" = "$before" ] || fail "a refused assign changed the study"
people s0
rm s0/templates/v3.txt
before=$(snapshot s0)
expect_exit 2 ct -S s0 assign
expect_err "lacks v3.txt"
[ "$(snapshot s0)" = "$before" ] || fail "a refused assign changed the study"
expect_exit 2 ct -S s0 assign --seed abc
expect_err "--seed must be a whole number"
expect_exit 2 ct -S s0 assign --check --seed 3
sed -i 's/^variants = 3/variants = 1/' s0/study.ini
expect_exit 2 ct -S s0 assign
expect_err "variants"
[ "$(sqlite3 s0/study.db 'SELECT count(*) FROM application')" = 0 ] || fail "applications after refusals"

# Nothing to assign is not an error.
new_study e
people e
before=$(snapshot e)
expect_exit 0 ct -S e assign
expect_out "Nothing to assign"
[ "$(snapshot e)" = "$before" ] || fail "an empty assign changed the study"

# A study with 60 listings.
new_study s1
people s1
add_listings s1 1 60
before=$(snapshot s1)
expect_exit 0 ct -S s1 assign --dry-run
expect_out "Would assign 60 listings"
[ "$(snapshot s1)" = "$before" ] || fail "--dry-run changed the study"
expect_exit 0 ct -S s1 assign
expect_out "Assigned 60 listings \(120 applications\) with seed 20261122"
[ "$(sqlite3 s1/study.db 'SELECT count(*) FROM assignment')" = 60 ] || fail "assignment rows"
[ "$(sqlite3 s1/study.db "SELECT count(*) FROM application WHERE status = 'planned'")" = 120 ] || fail "applications"
[ "$(sqlite3 s1/study.db "SELECT count(*) FROM event WHERE action = 'assign' AND detail LIKE '%\"count\":60%' AND detail LIKE '%\"seed\":\"20261122\"%'")" = 1 ] || fail "assign event"
[ "$(sqlite3 s1/study.db 'SELECT design_hash FROM study')" = "$(sha256sum <s1/study.ini | cut -d' ' -f1)" ] || fail "design_hash"
# Every application is scheduled on a weekday between 09:00 and 17:00 local
# time, from the start date on (checked here by Python's zoneinfo).
sqlite3 s1/study.db "SELECT scheduled_at FROM application" | python3 -c '
import sys, datetime, zoneinfo
tz = zoneinfo.ZoneInfo("Europe/Brussels"); days = {}
for line in sys.stdin:
    t = datetime.datetime.fromisoformat(line.strip().replace("Z", "+00:00")).astimezone(tz)
    assert t.weekday() < 5 and 9 <= t.hour < 17 and t.date() >= datetime.date(2026, 12, 7), t
    days[t.date()] = days.get(t.date(), 0) + 1
assert max(days.values()) <= 40, days'
expect_exit 0 ct -S s1 assign --check
expect_out "Balanced"
expect_out "belgian +20 +20 +20"
expect_exit 0 ct -S s1 assign --check --json
python3 -c 'import json,sys; d=json.load(open("out.txt")); assert d["balanced"] and d["pairs"] == 60 and not d["problems"], d' || fail "check --json"
ct -S s1 export assignments --csv >s1.csv
verify_csv s1.csv belgian
# A second run finds nothing new and changes nothing.
before=$(snapshot s1)
expect_exit 0 ct -S s1 assign
expect_out "Nothing to assign"
[ "$(snapshot s1)" = "$before" ] || fail "a second assign changed the study"

# The same seed and inputs give the same bytes; another seed, others.
new_study s2
people s2
add_listings s2 1 60
ct -S s2 assign >/dev/null
ct -S s2 export assignments --csv >s2.csv
cmp s1.csv s2.csv || fail "same seed, different export"
new_study s3
people s3
add_listings s3 1 60
ct -S s3 assign --seed 7 >/dev/null
ct -S s3 export assignments --csv >s3.csv
! cmp -s s1.csv s3.csv || fail "--seed 7 gave the study seed's export"
[ "$(sqlite3 s3/study.db "SELECT count(*) FROM event WHERE action = 'assign' AND detail LIKE '%\"seed\":\"7\"%'")" = 1 ] || fail "--seed not recorded"
verify_csv s3.csv belgian

# Incremental: 37 more listings; the balance holds over all 97, and cells
# and order are those of one run over all 97.
cp -r s1 s1-broken
add_listings s1 61 97
expect_exit 0 ct -S s1 assign
expect_out "Assigned 37 listings"
expect_exit 0 ct -S s1 assign --check
ct -S s1 export assignments >s1b.csv
verify_csv s1b.csv belgian
new_study s4
people s4
add_listings s4 1 97
ct -S s4 assign >/dev/null
ct -S s4 export assignments >s4.csv
cut -d, -f1-3,6 s1b.csv >a.txt
cut -d, -f1-3,6 s4.csv >b.txt
cmp a.txt b.txt || fail "incremental cells or order differ from one run"

# Broken states are caught, named, and exit 1.
sqlite3 s1-broken/study.db "UPDATE application SET variant = (SELECT b.variant FROM application b WHERE b.listing = application.listing AND b.id <> application.id) WHERE id = (SELECT max(id) FROM application WHERE listing = 5)"
expect_exit 1 ct -S s1-broken assign --check
expect_err "balance problem"
expect_out "listing L005: both candidates send variant"
cp -r s2 s2-broken
sqlite3 s2-broken/study.db "UPDATE application SET scheduled_at = '2026-12-08T03:00:00Z' WHERE id = 1"
expect_exit 1 ct -S s2-broken assign --check
expect_out "outside the sending hours"
sqlite3 s2-broken/study.db "UPDATE application SET scheduled_at = '2026-12-07T09:00:00Z' WHERE scheduled_at IS NOT NULL"
expect_exit 1 ct -S s2-broken assign --check
expect_out "2026-12-07 has 120 messages; the daily quota is 40"
cp -r s2 s2-cells
sqlite3 s2-cells/study.db "UPDATE assignment SET test_grp = (SELECT id FROM grp WHERE name = 'maghrebi') WHERE listing IN (1, 2, 3, 4, 5, 6)"
expect_exit 1 ct -S s2-cells assign --check
expect_out "cells: pair counts"

# 2 to 5 test groups, 1 or 2 genders: balanced, reproducible, seed-dependent.
for ng in 2 3 4 5; do for gen in 1 2; do
	for copy in a b; do
		d=d$ng-$gen-$copy
		new_study $d
		case $ng in
		2) drop_group $d african ;;
		4) add_group $d polish polish ;;
		5) add_group $d polish polish; add_group $d nepalese nepalese ;;
		esac
		[ $gen = 1 ] && sed -i 's/^genders = .*/genders = female/' $d/study.ini
		people $d
		add_listings $d 1 53
		ct -S $d assign >/dev/null || fail "assign $d"
		expect_exit 0 ct -S $d assign --check
		ct -S $d export assignments >$d.csv
	done
	cmp d$ng-$gen-a.csv d$ng-$gen-b.csv || fail "$ng groups, $gen genders: not reproducible"
	verify_csv d$ng-$gen-a.csv belgian
	ngot=$(cut -d, -f2 d$ng-$gen-a.csv | sed 1d | sort -u | grep -vc belgian)
	[ "$ngot" = $ng ] || fail "$ng groups wanted, $ngot used"
	[ $gen = 1 ] && { ! grep -q ',male,' d$ng-$gen-a.csv || fail "male pairs with genders = female"; }
	d=d$ng-$gen-c
	cp -r d$ng-$gen-a $d
	sqlite3 $d/study.db "DELETE FROM application; DELETE FROM assignment"
	ct -S $d assign --seed 99 >/dev/null
	ct -S $d export assignments >$d.csv
	! cmp -s d$ng-$gen-a.csv $d.csv || fail "$ng groups, $gen genders: --seed 99 changed nothing"
done; done
