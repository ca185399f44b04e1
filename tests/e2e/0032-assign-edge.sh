# assign: edge cases found in QA. Withdrawn listings get no pair; garbage
# seeds are refused; a study.ini changed after an assign is named on stderr
# and both hashes go into the event; --check tells the documented bound of
# incremental runs (the control's total after several single-listing runs)
# from a defect (the same spread after one run); export to a path that
# cannot be written.
. "$E2E_DIR/lib.sh"
. "$FIXTURES/assign-lib.sh"

# Garbage seeds: usage errors, nothing stored.
new_study g
people g
add_listings g 1 4
before=$(snapshot g)
for s in '' -1 1e3 0x10 18446744073709551616 12abc; do
	expect_exit 2 ct -S g assign --seed "$s"
	expect_err "corrtest assign: --seed must be a whole number"
done
[ "$(snapshot g)" = "$before" ] || fail "a refused --seed changed the study"
expect_exit 0 ct -S g assign --seed 18446744073709551615
expect_out "with seed 18446744073709551615"

# Withdrawn listings get no pair; only active ones are counted.
new_study w
people w
add_listings w 1 10
sqlite3 w/study.db "UPDATE listing SET status = 'withdrawn' WHERE ref IN ('L003', 'L007')"
expect_exit 0 ct -S w assign
expect_out "Assigned 8 listings"
[ "$(sqlite3 w/study.db "SELECT count(*) FROM application a JOIN listing l ON l.id = a.listing WHERE l.status = 'withdrawn'")" = 0 ] || fail "a withdrawn listing got applications"
# Only withdrawn listings left: nothing to assign, nothing changed.
sqlite3 w/study.db "INSERT INTO listing(ref, agent_type, area, added_at, status) VALUES ('L099', 'private', 'Gent', '2026-11-22T00:00:00Z', 'withdrawn')"
before=$(snapshot w)
expect_exit 0 ct -S w assign
expect_out "Nothing to assign"
[ "$(snapshot w)" = "$before" ] || fail "an assign with only withdrawn listings changed the study"

# study.ini changed after an assign: a warning naming both hashes; the new
# hash is stored and the event keeps the previous one.
old=$(sha256sum <w/study.ini | cut -d' ' -f1)
sed -i 's/^gap_max_hours = 6/gap_max_hours = 8/' w/study.ini
new=$(sha256sum <w/study.ini | cut -d' ' -f1)
add_listings w 11 14
expect_exit 0 ct -S w assign
o12=$(printf %.12s "$old"); n12=$(printf %.12s "$new")
expect_err "warning: .*study.ini changed since the last assign \(design hash $o12\.\.\., now $n12\.\.\.\)"
[ "$(sqlite3 w/study.db 'SELECT design_hash FROM study')" = "$new" ] || fail "new design hash not stored"
sqlite3 w/study.db "SELECT detail FROM event WHERE action = 'assign' ORDER BY id DESC LIMIT 1" | grep -q "\"design_hash\":\"$new\",\"previous_design_hash\":\"$old\"" || fail "event lacks both hashes"
# Unchanged study.ini: no warning.
add_listings w 15 15
expect_exit 0 ct -S w assign
! grep -q warning err.txt || fail "warning without a change"

# The documented bound: 2 variants, 3 test groups, 1 gender, listings one at
# a time. With seed 6 the fourth run must leave the control's two variants 3
# and 1 (each test group's counts fix the control's; see docs/assignment.md).
new_study b --seed 6
sed -i 's/^genders = .*/genders = female/; s/^variants = 3/variants = 2/' b/study.ini
people b
for i in 1 2 3 4; do add_listings b $i $i; ct -S b assign >/dev/null; done
[ "$(sqlite3 b/study.db "SELECT group_concat(n, '/') FROM (SELECT count(*) n FROM application a JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp WHERE g.role = 'control' GROUP BY a.variant ORDER BY a.variant)")" = "3/1" ] ||
	fail "the seed no longer reaches the bound; pick another one"
expect_exit 0 ct -S b assign --check
expect_out "^  the control group uses v1..v2 3/1 times, 2 apart, after 4 assign runs"
expect_exit 0 ct -S b assign --check --json
python3 -c 'import json; d = json.load(open("out.txt")); assert d["balanced"] and len(d["notes"]) == 1 and not d["problems"], d' || fail "check --json notes"
# The same spread after a single run is a defect: one control candidate's v1
# becomes the variant its pair does not use (no pair shares a variant, the
# test groups are untouched), which leaves the control 2 apart.
new_study c
people c
add_listings c 1 30
ct -S c assign >/dev/null
expect_exit 0 ct -S c assign --check
l=$(sqlite3 c/study.db "SELECT a.listing FROM application a JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp WHERE g.role = 'control' AND a.variant = 1 LIMIT 1")
sqlite3 c/study.db "UPDATE application SET variant = CASE WHEN variant = 1 THEN (SELECT 6 - b.variant - 1 FROM application b WHERE b.listing = application.listing AND b.id <> application.id) ELSE variant END WHERE listing = $l"
expect_exit 1 ct -S c assign --check
expect_err "balance problem"
expect_out "variants: group belgian uses v1..v3"

# export to paths that cannot be written: exit 3, named, nothing left.
touch afile
expect_exit 3 ct -S c export assignments -o afile/x.csv
expect_err "corrtest export: afile/x.csv: Not a directory"
expect_exit 2 ct -S c export nonsense
expect_err "unknown kind 'nonsense'"
