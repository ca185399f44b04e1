#!/bin/sh
# bench/import.sh [BINARY] [ROWS] [LISTINGS]: time and peak memory of the
# CSV imports, each next to two floors measured in the same run on the same
# file: the sqlite3 shell's `.import` into a plain table (parsing and
# inserting with no checks at all) and Python's csv module reading the file
# (parsing only).
#
#   listings import   20,000 and 100,000 listings into fresh studies
#   import            a response log of ROWS rows (default 1,000,000) into a
#                     study that holds LISTINGS listings (default 100,000):
#                     ROWS/2 pairs, the first LISTINGS of them on listings the
#                     study has, the others on listings the log creates
#
# Every name, address and listing is generated here and fictitious. Times
# and the maximum resident set size come from /usr/bin/time -v. Nothing is
# contacted; everything lives in a temporary folder removed at the end.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$here")
BIN=$(cd "$(dirname "${1:-$TOP/bin/corrtest}")" && pwd)/$(basename "${1:-$TOP/bin/corrtest}")
ROWS=${2:-1000000}
LISTINGS=${3:-100000}
W=$(mktemp -d "${TMPDIR:-/tmp}/ct-bench-import.XXXXXX")
trap 'rm -rf "$W"' EXIT
trap 'exit 1' INT TERM
cd "$W"
export CORRTEST_NOW=2026-12-20T12:00:00Z CORRTEST_ACTOR=bench

# listings FILE N PREFIX: N listings, every column filled, 500 agents.
listings() {
	python3 - "$1" "$2" "$3" <<'EOF'
import sys
path, n, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
areas = ["Gent-Centrum", "Ledeberg", "Sint-Amandsberg", "Gentbrugge", "Wondelgem", "Mariakerke"]
with open(path, "w", encoding="utf-8", newline="") as f:
    f.write("ref,url,contact_email,contact_name,agent_type,agent,area,price,round,posted_on,title\n")
    for i in range(1, n + 1):
        a = i % 500
        kind = "agency" if a % 3 else "private"
        f.write(f'{prefix}{i},https://immo.example/{prefix.lower()}/{i},verhuur{a}@immo-{a}.example,'
                f'"Verhuurder {a}, kantoor",{kind},Immo Voorbeeld {a},{areas[i % 6]},'
                f'{600 + i % 900}.50,{1 + i % 3},2026-11-{1 + i % 28:02d},"Appartement {i}, 2 slaapkamers"\n')
EOF
}

# responses FILE ROWS LISTINGS: ROWS/2 pairs of rows (the control and one
# test group, one gender); pairs past LISTINGS name new listings.
responses() {
	python3 - "$1" "$2" "$3" <<'EOF'
import sys
path, rows, have = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
tests = ["maghrebi", "turkish", "african"]
outcomes = ["invitation", "info", "refusal", "other", "no_reply"]
with open(path, "w", encoding="utf-8", newline="") as f:
    f.write("listing,group,gender,outcome,channel,at,note,agent_type,round,area\n")
    for p in range(1, rows // 2 + 1):
        ref = f"B{p}" if p <= have else f"N{p}"
        new = p > have
        g = "female" if p % 2 else "male"
        t = tests[p % 3]
        day = 8 + p % 5
        f.write(f'{ref},belgian,{g},{outcomes[p % 5]},email,2026-12-{day:02d} {9 + p % 8:02d}:{p % 60:02d},,'
                f'{"agency" if new else ""},{"1" if new else ""},{"Gent" if new else ""}\n')
        f.write(f'{ref},{t},{g},{outcomes[(p * 7) % 5]},phone,2026-12-{day:02d} {10 + p % 8:02d}:{p % 60:02d},'
                f'"called back, {p}",,,\n')
EOF
}

# timed LABEL CMD...: runs CMD under /usr/bin/time -v; sets SECS (wall),
# CPU (user + system: what the machine's other load does not inflate) and
# RSS_MB.
timed() {
	label=$1
	shift
	/usr/bin/time -v "$@" >"$W/out.txt" 2>"$W/time.txt" || {
		cat "$W/out.txt" "$W/time.txt" >&2
		echo "bench: '$label' failed" >&2
		exit 1
	}
	SECS=$(awk -F': ' '/Elapsed \(wall clock\)/ {
		n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$W/time.txt")
	CPU=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$W/time.txt")
	RSS_MB=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$W/time.txt")
}

row() { # LABEL ROWS
	printf '  %-30s %8d rows %7.2f s (cpu %6.2f s) %9.0f rows/s %7s MB\n' "$1" "$2" "$SECS" \
		"$CPU" "$(awk -v n="$2" -v s="$SECS" 'BEGIN { print (s > 0 ? n / s : 0) }')" "$RSS_MB"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }

# compare LABEL FILE ROWS CMD...: the corrtest command and both floors.
compare() {
	label=$1 file=$2 rows=$3
	shift 3
	timed "$label" "$@"
	ct_s=$SECS ct_c=$CPU ct_m=$RSS_MB
	row "corrtest $label" "$rows"
	sed 's/^/    (corrtest: /; s/$/)/' "$W/out.txt" | head -2
	rm -f floor.db
	timed "sqlite3 .import" sqlite3 floor.db ".import --csv $file t"
	sq_s=$SECS sq_c=$CPU sq_m=$RSS_MB
	row "sqlite3 shell .import (floor)" "$rows"
	timed "python csv" python3 -c 'import csv, sys
n = sum(1 for _ in csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
print(n)' "$file"
	py_s=$SECS py_c=$CPU py_m=$RSS_MB
	row "python3 csv.reader (floor)" "$rows"
	echo "  ratios: time $(ratio "$ct_s" "$sq_s")x sqlite3 .import, $(ratio "$ct_s" "$py_s")x python csv;" \
		"cpu $(ratio "$ct_c" "$sq_c")x, $(ratio "$ct_c" "$py_c")x;" \
		"memory $(ratio "$ct_m" "$sq_m")x, $(ratio "$ct_m" "$py_m")x"
}

new_study() {
	"$BIN" init "$1" --seed 20261122 --start 2026-12-07 >/dev/null
	"$BIN" -S "$1" personas >/dev/null
}

echo "corrtest import benchmark: $BIN"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg), $(uname -sr);" \
	"sqlite3 $(sqlite3 --version | cut -d' ' -f1), $(python3 --version)"

for n in 20000 100000; do
	listings "l$n.csv" "$n" L
	new_study "s$n"
	echo
	echo "listings import, $n listings ($(du -h "l$n.csv" | cut -f1) of CSV)"
	compare "listings import" "l$n.csv" "$n" "$BIN" -S "s$n" listings import "l$n.csv"
	got=$(sqlite3 "s$n/study.db" "SELECT count(*) FROM listing")
	[ "$got" = "$n" ] || { echo "bench: $got listings imported, wanted $n" >&2; exit 1; }
done

echo
echo "response import, $ROWS rows on $((ROWS / 2)) listings ($LISTINGS in the study)"
new_study r
listings have.csv "$LISTINGS" B
"$BIN" -S r listings import have.csv >/dev/null
responses log.csv "$ROWS" "$LISTINGS"
echo "  ($(du -h log.csv | cut -f1) of CSV)"
compare "import" log.csv "$ROWS" "$BIN" -S r import log.csv
got=$(sqlite3 r/study.db "SELECT count(*) FROM response")
[ "$got" = "$ROWS" ] || { echo "bench: $got responses recorded, wanted $ROWS" >&2; exit 1; }
echo "  checked: $got responses in the study"
