#!/bin/sh
# bench/compose.sh [BINARY] [N]: how long `corrtest compose --check` and
# `corrtest compose --outbox` take on a study of N listings (default 3000,
# so 2N messages), next to the floor the disk sets: the same number of
# files of the same sizes written by a Python loop with one sync at the
# end. Everything runs in one temporary folder, side by side, in one run.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$here")
BIN=${1:-$TOP/bin/corrtest}
N=${2:-3000}
W=$(mktemp -d "${TMPDIR:-/tmp}/ct-bench-compose.XXXXXX")
trap 'rm -rf "$W"' EXIT
trap 'exit 1' INT TERM
cd "$W"
export CORRTEST_NOW=2026-11-22T12:00:00Z

# The study: N listings generated here, 20 agencies, assigned.
"$BIN" init s --seed 7 --start 2026-12-07 >/dev/null
sed -i -e 's/^daily_quota = .*/daily_quota = 100000/' s/study.ini
"$BIN" -S s personas >/dev/null
python3 - "$N" <<'PY'
import sys
n = int(sys.argv[1])
areas = ["Gent-Centrum", "Ledeberg", "Sint-Amandsberg", "Gentbrugge", "Mariakerke", "Wondelgem"]
with open("listings.csv", "w", encoding="utf-8") as f:
    f.write("ref,url,contact_email,contact_name,agent_type,agent,area,price,round,posted_on,title\n")
    for i in range(1, n + 1):
        agency = i % 20
        f.write(f"G{i:05d},https://immo.example/gent/{i},verhuur{agency}@immo{agency}.example,"
                f"Verhuur {agency},{'agency' if agency else 'private'},Immo {agency},"
                f"{areas[i % len(areas)]},{700 + i % 600},1,2026-11-{1 + i % 20:02d},"
                f"Appartement {i}\n")
PY
"$BIN" -S s listings import listings.csv >/dev/null
"$BIN" -S s assign >/dev/null
napps=$(sqlite3 s/study.db "SELECT count(*) FROM application WHERE status = 'planned'")

# seconds CMD...: wall-clock seconds of CMD (output discarded).
seconds() {
	python3 - "$@" <<'PY'
import subprocess, sys, time
t = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(f"{time.perf_counter() - t:.3f}")
PY
}

check=$(seconds "$BIN" -S s compose --check)
outbox=$(seconds "$BIN" -S s compose --outbox "$W/outbox")
nfiles=$(ls outbox/new | wc -l)
[ "$nfiles" = "$napps" ] || { echo "compose wrote $nfiles files for $napps applications" >&2; exit 1; }
rerun=$(seconds "$BIN" -S s compose --outbox "$W/outbox2")

# The disk's floor: the same files (same sizes) into a Maildir layout by a
# Python loop, each written and closed, one sync of the files and the
# folder at the end.
floor=$(python3 - "$W/outbox/new" "$W/floor" <<'PY'
import os, sys, time
src, dst = sys.argv[1], sys.argv[2]
data = [open(os.path.join(src, n), "rb").read() for n in sorted(os.listdir(src))]
t = time.perf_counter()
for d in ("", "/tmp", "/new", "/cur"):
    os.makedirs(dst + d, exist_ok=True)
for i, b in enumerate(data):
    fd = os.open(f"{dst}/tmp/{i}.bench", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, b)
    os.close(fd)
    os.rename(f"{dst}/tmp/{i}.bench", f"{dst}/new/{i}.bench")
os.sync()
print(f"{time.perf_counter() - t:.3f}")
PY
)
size=$(du -sk outbox/new | cut -f1)
echo "corrtest compose on $N listings ($napps messages, $size KiB in outbox/new)"
printf '%-44s %8s s\n' "compose --check" "$check"
printf '%-44s %8s s\n' "compose --outbox (compose, store, write all)" "$outbox"
printf '%-44s %8s s\n' "compose --outbox again (stored, rewrite all)" "$rerun"
printf '%-44s %8s s\n' "disk floor: same files, Python, one sync" "$floor"
python3 - "$outbox" "$floor" <<'PY'
import sys
o, f = map(float, sys.argv[1:])
print(f"compose --outbox / disk floor: {o / f:.1f}x" if f > 0 else "disk floor too fast to time")
PY
