# init creates a study from each preset; refuses a non-empty folder and bad
# flags; every command refuses a folder with no study.
. "$E2E_DIR/lib.sh"
for m in housing job; do for l in nl fr en; do
	new_study "s-$m-$l" --market $m --lang $l
	[ -f "s-$m-$l/study.ini" ] && [ -f "s-$m-$l/study.db" ] || fail "no study files for $m/$l"
	ls "s-$m-$l/templates/v1.txt" "s-$m-$l/templates/v3.txt" >/dev/null
	grep -q "^market = $m" "s-$m-$l/study.ini" || fail "market not $m"
	grep -q "^lang = $l" "s-$m-$l/study.ini" || fail "lang not $l"
	[ "$(sqlite3 "s-$m-$l/study.db" 'PRAGMA user_version')" = "$(sed -n 's/^#define STUDY_SCHEMA_VERSION //p' "$TOP/tools/lib/store/study.h")" ] || fail "schema version"
	[ "$(sqlite3 "s-$m-$l/study.db" 'PRAGMA journal_mode')" = wal ] || fail "not WAL"
	[ "$(sqlite3 "s-$m-$l/study.db" "SELECT count(*) FROM grp WHERE role='control'")" = 1 ] || fail "control"
	[ "$(sqlite3 "s-$m-$l/study.db" "SELECT count(*) FROM grp WHERE role='test'")" = 3 ] || fail "test groups"
	[ "$(sqlite3 "s-$m-$l/study.db" "SELECT action FROM event")" = init ] || fail "init event"
done; done
grep -q '^bank = belgian_flemish' s-housing-nl/study.ini || fail "nl control is not Flemish"
grep -q '^bank = belgian_francophone' s-housing-fr/study.ini || fail "fr control is not francophone"
# Every key in the preset is explained by a comment line above it.
awk '/^[a-z_.]+ *=/ { if (prev !~ /^;/ && prev !~ /^[a-z_.]+ *=/ && prev !~ /^\[/) { print "undocumented: " $0; bad=1 } } { prev=$0 } END { exit bad }' s-housing-nl/study.ini

before=$(snapshot s-housing-nl)
expect_exit 2 ct init s-housing-nl
expect_err "exists and is not an empty folder"
[ "$(snapshot s-housing-nl)" = "$before" ] || fail "init changed an existing study"
expect_exit 2 ct init x --market shop
expect_err "corrtest init: --market must be housing or job"
[ ! -e x ] || fail "a bad flag left a folder"
expect_exit 2 ct init x --seed -5
expect_exit 2 ct init x --seed " -5" # not 2^64 - 5
expect_exit 2 ct init x --start 2026-02-30
[ ! -e x ] || fail "a bad flag left a folder"

# An unknown study folder is an input error, for any command.
expect_exit 2 ct -S nowhere stats
expect_err "corrtest stats: no study folder 'nowhere'"
mkdir empty
expect_exit 2 ct -S empty listings list
expect_err "holds no study"
CORRTEST_STUDY=nowhere expect_exit 2 ct personas
