#!/bin/sh
# stop.sh DIR: stops the test mail server started by start.sh DIR: Dovecot
# (master and every child) and smtpd.py. Safe to call twice or when start.sh
# failed half-way. Exits 1 if a process would not die.
set -u
[ $# -eq 1 ] || { echo "usage: tests/mail/stop.sh DIR" >&2; exit 2; }
D=$1
[ -d "$D" ] || exit 0
here=$(cd "$(dirname "$0")" && pwd)
PIDS=
if [ -f "$D/env" ]; then
	PIDS=$(sed -n "s/^PIDS='\(.*\)'$/\1/p" "$D/env")
fi
# start.sh may have failed before writing env: find what it started.
[ ! -s "$D/run/master.pid" ] || PIDS="$PIDS $(cat "$D/run/master.pid")"
# The mailboxes kept outside DIR when running as root (see start.sh).
cleanup() {
	if [ -f "$D/store" ]; then
		store=$(cat "$D/store")
		case $store in
		/tmp/corrtest-mail.*)
			[ "$(cat "$store/.owner" 2>/dev/null)" = "$(cd "$D" && pwd)" ] && rm -rf "$store" ;;
		esac
		rm -f "$D/store" "$D/mail" "$D/home"
	fi
	rm -f "$D/env" "$D/smtpd.ports"
}
[ -n "${PIDS# }" ] || { cleanup; exit 0; }
# Every descendant, taken before the parents go (orphans get re-parented).
# Only processes whose command line names DIR count (a stale pid may have
# been reused by something else).
all=$(/usr/bin/python3 "$here/mailctl.py" tree "$(cd "$D" && pwd)" $PIDS)
[ -n "$all" ] || { cleanup; exit 0; }
# SIGTERM to all of them at once: Dovecot's master alone takes over a second
# to stop its children. Whatever is left after 3 s gets SIGKILL.
kill -TERM $all 2>/dev/null
i=0
while [ $i -lt 100 ]; do
	left=
	for p in $all; do [ -d "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null && left="$left $p"; done
	[ -z "$left" ] && break
	[ $i -eq 60 ] && kill -KILL $left 2>/dev/null
	sleep 0.05
	i=$((i + 1))
done
if [ -n "$left" ]; then
	echo "tests/mail/stop.sh: processes still running:$left" >&2
	exit 1
fi
cleanup
exit 0
