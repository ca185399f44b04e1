#!/bin/sh
# Runs every numbered end-to-end test against the binary given as $1 and
# prints the closing line "N passed, N failed". Each test runs in its own
# temporary folder; its output is shown only when it fails. The tests are
# independent (each starts its own servers on free loopback ports), so
# E2E_JOBS of them (default: one per processor) run at a time: most of a
# test's time is spent waiting on processes it started, not computing.
set -u
bin=${1:?usage: run.sh /path/to/corrtest [NAME-PATTERN]}
only=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
jobs=${E2E_JOBS:-$(nproc 2>/dev/null || echo 2)}
res=$(mktemp -d "${TMPDIR:-/tmp}/corrtest-e2e-run.XXXXXX")
trap 'rm -rf "$res"' EXIT
for t in "$here"/[0-9][0-9][0-9][0-9]-*.sh; do
	name=$(basename "$t" .sh)
	case "$name" in *"$only"*) echo "$t" ;; esac
done | CORRTEST="$bin" E2E_DIR="$here" FIXTURES="$here/../fixtures" TOP="$here/../.." RES="$res" \
	xargs -P "$jobs" -I{} sh -c '
	t=$1; name=$(basename "$t" .sh)
	work=$(mktemp -d "${TMPDIR:-/tmp}/corrtest-e2e.XXXXXX")
	if (cd "$work" && sh "$t") >"$work.log" 2>&1; then
		echo "ok   $name"; : >"$RES/ok.$name"
	else
		# One write, so that parallel tests do not interleave their logs.
		{ echo "FAIL $name"; sed "s/^/     /" "$work.log"; } >"$RES/log.$name"
		cat "$RES/log.$name"; : >"$RES/fail.$name"
	fi
	rm -rf "$work" "$work.log"' sh {}
pass=$(find "$res" -name 'ok.*' | wc -l)
failed=$(cd "$res" && ls fail.* 2>/dev/null | sed 's/^fail\.//' | LC_ALL=C sort | tr '\n' ' ')
fail=$(find "$res" -name 'fail.*' | wc -l)
echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ] || { echo "failed: $failed"; exit 1; }
