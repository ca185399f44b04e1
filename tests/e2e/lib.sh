# lib.sh: sourced by every e2e test. The test runs with `set -eu` in a fresh
# temporary folder; $CORRTEST is the binary under test.
set -eu
ct() { "$CORRTEST" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_exit N CMD...: runs CMD, keeps stdout in out.txt and stderr in
# err.txt, and fails unless it exits with N.
expect_exit() {
	want=$1; shift
	set +e; "$@" >out.txt 2>err.txt; got=$?; set -e
	[ "$got" -eq "$want" ] || { cat out.txt err.txt >&2; fail "'$*' exited $got, wanted $want"; }
}
# expect_err PATTERN: stderr of the last expect_exit matches the extended regex.
expect_err() { grep -Eq -- "$1" err.txt || { cat err.txt >&2; fail "stderr lacks /$1/"; }; }
expect_out() { grep -Eq -- "$1" out.txt || { cat out.txt >&2; fail "stdout lacks /$1/"; }; }
# snapshot DIR: a digest of everything a study holds (database content,
# study.ini, every file), to show that a rejected command changed nothing.
snapshot() {
	( cd "$1" && sqlite3 study.db .dump && find . -type f ! -name 'study.db*' | LC_ALL=C sort | xargs -r sha256sum ) | sha256sum
}
# new_study DIR [init options]: a study with a fixed seed and start.
new_study() { d=$1; shift; ct init "$d" --seed 20261122 --start 2026-12-07 "$@" >/dev/null; }
# sent_pairs DIR N: N listings in study DIR, each written by the Belgian and
# by the Maghrebi woman and marked sent on 2026-12-07 (as the coding tests
# need: two applications a listing, one per group); the personas drawn
# first.
sent_pairs() {
	ct -S "$1" personas >/dev/null
	i=1
	while [ $i -le "$2" ]; do ct -S "$1" listings add --ref L$i --agent-type private >/dev/null; i=$((i + 1)); done
	sqlite3 "$1/study.db" "INSERT INTO application (listing, persona, variant, position, scheduled_at, status, sent_at)
	   SELECT l.id, p.id, 1, CASE g.name WHEN 'belgian' THEN 1 ELSE 2 END, '2026-12-07T09:00:00Z', 'sent',
		  '2026-12-07T09:00:00Z'
	   FROM listing l, persona p JOIN grp g ON g.id = p.grp
	   WHERE g.name IN ('belgian', 'maghrebi') AND p.gender = 'female'"
}
