# A study on read-only storage (an archived copy, a folder the user may not
# write to) can be read: stats, export, listings list, assign --check and
# compose --check answer as on the original, as an unprivileged user. A
# command that would change the study exits 3 saying why, and changes
# nothing. A write-ahead log not yet merged into study.db is read through
# its -shm file; without that file the study is refused (exit 3), never
# shown in an older state.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-11-22T12:00:00Z
# reader CMD...: runs CMD as a user who cannot write the copy (nobody, when
# the test runs as root; otherwise the user itself, kept out by chmod).
reader() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	else
		"$@"
	fi
}
chmod 755 .
new_study s
ct -S s personas >/dev/null
ct -S s listings import "$FIXTURES/listings-good.csv" >/dev/null
ct -S s assign >/dev/null
ct -S s simulate --p-control 0.6 --net 0.1 --assume-sent >/dev/null
cp -r s r
chmod -R a-w r
[ -e r/study.db-wal ] && fail "the study was not closed cleanly"
before=$(snapshot r)

# read CMD...: CMD gives the same output and status on the copy as on s.
read_same() {
	set +e
	ct -S s "$@" >want.txt 2>want.err; want=$?
	reader "$CORRTEST" -S r "$@" >got.txt 2>got.err; got=$?
	set -e
	[ "$got" = "$want" ] || { cat got.err; fail "'$*' on the read-only copy exited $got, wanted $want"; }
	cmp -s want.txt got.txt || { diff want.txt got.txt >&2; fail "'$*' differs on the read-only copy"; }
}
read_same stats
read_same stats --json
read_same stats --by agent_type
read_same export assignments
read_same export responses
read_same listings list
read_same listings list --json
read_same assign --check
read_same compose --check
[ -s got.txt ] || fail "no output"

# Changes are refused with exit 3 and a reason; nothing changes.
for cmd in "personas --redraw" "assign" "listings import $FIXTURES/listings-good.csv" \
	"log 1 --outcome refusal --channel phone"; do
	set +e
	# shellcheck disable=SC2086
	reader "$CORRTEST" -S r $cmd >out.txt 2>err.txt; rc=$?
	set -e
	[ $rc = 3 ] || { cat out.txt err.txt; fail "'$cmd' on the read-only copy exited $rc, wanted 3"; }
	grep -q "read-only storage" err.txt || { cat err.txt; fail "'$cmd': no reason given"; }
done
[ "$(snapshot r)" = "$before" ] || fail "the read-only copy changed"

# A log not yet merged into study.db: read with its -shm file, refused
# without it.
chmod -R u+w r
rm -r r
python3 - <<'PY'
import os, shutil, sqlite3
c = sqlite3.connect("s/study.db")
c.execute("PRAGMA wal_autocheckpoint = 0")
c.execute("UPDATE listing SET area = 'Zwijnaarde' WHERE ref = 'GENT-001'")
c.commit()
for d, files in (("w1", ("study.db", "study.db-wal", "study.db-shm")), ("w2", ("study.db", "study.db-wal"))):
    shutil.copytree("s", d, ignore=lambda p, n: [x for x in n if x.startswith("study.db")])
    for f in files:
        shutil.copy(f"s/{f}", f"{d}/{f}")
c.close()
PY
[ -s w1/study.db-wal ] || fail "no log in the copy"
chmod -R a-w w1 w2
set +e
reader "$CORRTEST" -S w1 listings list >out.txt 2>err.txt; rc=$?
set -e
[ $rc = 0 ] || { cat err.txt; fail "a read-only copy with its log exited $rc"; }
grep -q "GENT-001 .*Zwijnaarde" out.txt || { cat out.txt; fail "the change in the log was not read"; }
set +e
reader "$CORRTEST" -S w2 listings list >out.txt 2>err.txt; rc=$?
set -e
[ $rc = 3 ] || { cat out.txt err.txt; fail "a log without its -shm file: exit $rc, wanted 3"; }
grep -q "write-ahead log" err.txt || { cat err.txt; fail "no reason given"; }
chmod -R u+w w1 w2
