#!/bin/sh
# bench/design-commands.sh [BINARY] [N]: wall-clock time of the design
# stage's commands that touch no network (init, names, personas, assign,
# assign --check, compose --preview) on a study of N listings (default
# 3000), each run 7 times on its own copy of the study; prints the median
# and the fastest. The goal is under 100 ms each.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$here")
BIN=$(realpath "${1:-$TOP/bin/corrtest}")
N=${2:-3000}
W=$(mktemp -d "${TMPDIR:-/tmp}/ct-bench-design.XXXXXX")
trap 'rm -rf "$W"' EXIT
trap 'exit 1' INT TERM
cd "$W"
export CORRTEST_NOW=2026-11-22T12:00:00Z
"$BIN" init s --seed 7 --start 2026-12-07 >/dev/null
sed -i -e 's/^daily_quota = .*/daily_quota = 100000/' s/study.ini
"$BIN" -S s personas >/dev/null
python3 - "$N" <<'PY'
import sys
n = int(sys.argv[1])
with open("listings.csv", "w", encoding="utf-8") as f:
    f.write("ref,url,contact_email,contact_name,agent_type,agent,area,price,round,posted_on,title\n")
    for i in range(1, n + 1):
        f.write(f"G{i:05d},https://immo.example/{i},v{i % 20}@immo{i % 20}.example,V,agency,"
                f"Immo {i % 20},Gent,{700 + i % 600},1,2026-11-02,Appartement {i}\n")
PY
"$BIN" -S s listings import listings.csv >/dev/null
cp -r s unassigned
"$BIN" -S s assign >/dev/null

python3 - "$BIN" "$N" <<'PY'
import shutil, statistics, subprocess, sys, time
bin_, n = sys.argv[1], sys.argv[2]
cases = [
    ("init (a new study)", None, ["init", "NEW", "--seed", "1", "--start", "2026-12-07"]),
    ("names", "s", ["names"]),
    ("names --check", "s", ["names", "--check"]),
    ("personas (all drawn before)", "s", ["personas"]),
    ("personas --redraw", "s", ["personas", "--redraw"]),
    (f"assign ({n} new listings)", "unassigned", ["assign"]),
    (f"assign --dry-run ({n} new listings)", "unassigned", ["assign", "--dry-run"]),
    ("assign (nothing new)", "s", ["assign"]),
    ("assign --check", "s", ["assign", "--check"]),
    ("assign --check --json", "s", ["assign", "--check", "--json"]),
    ("compose --preview 1", "s", ["compose", "--preview", "1"]),
]
print(f"design-stage commands on {n} listings ({2 * int(n)} applications), seconds")
print(f"  {'command':40s} {'median':>7s} {'fastest':>7s}")
for k, (label, study, args) in enumerate(cases):
    times = []
    for r in range(7):
        if study:
            d = f"{study}.{k}.{r}"
            shutil.copytree(study, d)
            argv = [bin_, "-S", d] + args
        else:
            argv = [bin_] + [a.replace("NEW", f"new.{k}.{r}") for a in args]
        t = time.perf_counter()
        rc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        times.append(time.perf_counter() - t)
        if rc not in (0, 1):
            sys.exit(f"{' '.join(argv)} exited {rc}")
    print(f"  {label:40s} {statistics.median(times):7.3f} {min(times):7.3f}")
PY
