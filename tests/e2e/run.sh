#!/bin/sh
# Runs every numbered end-to-end test against the binary given as $1 and
# prints the closing line "N passed, N failed". Each test runs in its own
# temporary folder; its output is shown only when it fails.
set -u
bin=${1:?usage: run.sh /path/to/corrtest [NAME-PATTERN]}
only=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
pass=0 fail=0 failed=""
for t in "$here"/[0-9][0-9][0-9][0-9]-*.sh; do
	name=$(basename "$t" .sh)
	case "$name" in *"$only"*) ;; *) continue ;; esac
	work=$(mktemp -d "${TMPDIR:-/tmp}/corrtest-e2e.XXXXXX")
	if (cd "$work" && CORRTEST="$bin" E2E_DIR="$here" FIXTURES="$here/../fixtures" \
		TOP="$here/../.." sh "$t") >"$work.log" 2>&1; then
		pass=$((pass + 1)); echo "ok   $name"
	else
		fail=$((fail + 1)); failed="$failed $name"; echo "FAIL $name"; sed 's/^/     /' "$work.log"
	fi
	rm -rf "$work" "$work.log"
done
echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ] || { echo "failed:$failed"; exit 1; }
