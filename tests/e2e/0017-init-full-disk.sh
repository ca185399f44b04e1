# init is all or nothing: when the disk fills up (or the file-size limit is
# reached) at any point, the target folder does not exist afterwards and
# nothing else is left beside it; with room enough, the study is complete.
# Two honest ways to fail writes without root: RLIMIT_FSIZE with SIGXFSZ
# ignored (writes past the limit fail with EFBIG), and a small preloaded
# library that makes every write fail with ENOSPC once N bytes are written
# (a disk with N bytes free).
. "$E2E_DIR/lib.sh"
cat >full.c <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
static long long used;
static int full(int fd, size_t n)
{
	const char *e = getenv("FULL_AFTER");
	if (fd <= 2 || !e)
		return 0;
	if (used + (long long)n > atoll(e))
		return 1;
	used += (long long)n;
	return 0;
}
#define SHIM(name, params, args, ...) \
	ssize_t name params \
	{ \
		static ssize_t(*real) params; \
		if (!real) \
			*(void **)&real = dlsym(RTLD_NEXT, #name); \
		if (full(fd, n)) { \
			errno = ENOSPC; \
			return -1; \
		} \
		return real args; \
	}
SHIM(write, (int fd, const void *b, size_t n), (fd, b, n))
SHIM(pwrite, (int fd, const void *b, size_t n, off_t o), (fd, b, n, o))
SHIM(pwrite64, (int fd, const void *b, size_t n, off_t o), (fd, b, n, o))
C
cc -shared -fPIC -o full.so full.c -ldl || fail "cannot build the full-disk library"

# complete DIR: a whole study, as init makes it.
complete() {
	[ -f "$1/study.ini" ] && [ -f "$1/templates/v1.txt" ] && [ -f "$1/templates/v3.txt" ] &&
		[ "$(sqlite3 "$1/study.db" "SELECT count(*) FROM event WHERE action = 'init'")" = 1 ] &&
		[ "$(sqlite3 "$1/study.db" "SELECT count(*) FROM grp")" = 4 ]
}
# nothing_left NAME: no NAME and no temporary sibling.
nothing_left() {
	[ ! -e "$1" ] || { ls -laR "$1" >&2; fail "a failed init left $1 behind"; }
	[ -z "$(ls -d "$1".* 2>/dev/null)" ] || { ls -d "$1".* >&2; fail "a failed init left a temporary folder"; }
}

failures=0 successes=0
for n in 100 4000 20000 60000 100000 140000 160000 200000 240000 280000 1000000; do
	set +e
	FULL_AFTER=$n LD_PRELOAD=$PWD/full.so ASAN_OPTIONS=verify_asan_link_order=0 \
		"$CORRTEST" init d$n --seed 1 --start 2026-12-07 >out.txt 2>err.txt
	rc=$?
	set -e
	if [ $rc -eq 0 ]; then
		complete d$n || fail "init succeeded with $n bytes free but the study is incomplete"
		successes=$((successes + 1))
	else
		[ $rc -eq 3 ] || { cat err.txt; fail "init with $n bytes free exited $rc, wanted 3"; }
		grep -Eq "^corrtest init: d$n(/| )" err.txt || { cat err.txt; fail "the message does not name d$n"; }
		nothing_left d$n
		failures=$((failures + 1))
	fi
done
[ $failures -ge 5 ] && [ $successes -ge 1 ] || fail "the sweep missed: $failures failures, $successes successes"

failures=0
for k in 1 4 8 16 32 64 128 192 256 1024; do
	set +e
	sh -c "trap '' XFSZ; ulimit -f $k; exec \"\$0\" init f$k --seed 1 --start 2026-12-07" \
		"$CORRTEST" >out.txt 2>err.txt
	rc=$?
	set -e
	if [ $rc -eq 0 ]; then
		complete f$k || fail "init succeeded under ulimit -f $k but the study is incomplete"
	else
		[ $rc -eq 3 ] || { cat err.txt; fail "init under ulimit -f $k exited $rc, wanted 3"; }
		nothing_left f$k
		failures=$((failures + 1))
	fi
done
[ $failures -ge 3 ] || fail "ulimit -f made only $failures inits fail"

# An empty folder given as the target stays as it was after a failure.
mkdir e
FULL_AFTER=60000 LD_PRELOAD=$PWD/full.so ASAN_OPTIONS=verify_asan_link_order=0 \
	"$CORRTEST" init e --seed 1 --start 2026-12-07 >/dev/null 2>&1 && fail "init with a full disk succeeded"
[ -d e ] && [ -z "$(ls -A e)" ] || fail "the empty target folder was changed"
[ -z "$(ls -d e.* 2>/dev/null)" ] || fail "a temporary folder was left"
expect_exit 0 ct init e --seed 1 --start 2026-12-07
complete e || fail "init into an empty folder is incomplete"
